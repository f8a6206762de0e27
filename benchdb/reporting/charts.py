"""Charts as pure functions: a DataFrame from a reporting mart in, a plotnine ggplot out.

Nothing here reads the warehouse or writes files except `save`; `benchdb.reporting.chart_data`
loads the frames. Every chart:

- draws simulated results differently from measurements: faded, with a dashed outline (bars)
  or a triangle (points), and a "Result" legend entry saying which is which;
- draws latency as the median (p50) with a thick line to p90 and a thin whisker to p99;
- says in its caption how many of its results are simulated;
- raises `ReportError` rather than drawing an empty chart.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pandas as pd
from plotnine import (
    aes,
    coord_flip,
    element_text,
    expand_limits,
    facet_wrap,
    geom_col,
    geom_line,
    geom_linerange,
    geom_point,
    geom_text,
    geom_tile,
    ggplot,
    labs,
    position_dodge,
    scale_alpha_manual,
    scale_fill_gradient,
    scale_fill_manual,
    scale_linetype_manual,
    scale_shape_manual,
    scale_x_continuous,
    scale_x_datetime,
    theme,
    theme_bw,
)

from benchdb.reporting.data import Metric, ReportError, metric

MEASURED = "measured"
SIMULATED = "simulated (estimate)"
RESULT_LEVELS = [MEASURED, SIMULATED]
RESULT_ALPHA = {MEASURED: 1.0, SIMULATED: 0.35}
RESULT_LINETYPE = {MEASURED: "solid", SIMULATED: "dashed"}
RESULT_SHAPE = {MEASURED: "o", SIMULATED: "^"}
SPREAD_NOTE = "point: median (p50); thick line: to p90; thin whisker: to p99"
CHART_TYPES = ("hardware-comparison", "model-comparison", "batch-size", "heatmap", "history")
MAX_FACETS = 12
MAX_HISTORY_SERIES = 10


# ---------------------------------------------------------------- shared pieces


def _prepared(frame: pd.DataFrame, m: Metric, what: str) -> pd.DataFrame:
    """A copy with rows that have the metric, and a `result` column (measured / simulated)."""
    if frame is None or frame.empty:
        raise ReportError(f"no completed results for {what}: nothing to chart")
    data = frame.copy()
    data = data[data[m.column].notna()]
    if data.empty:
        raise ReportError(f"no {m.name} values for {what}: nothing to chart")
    simulated = data["is_simulated"].fillna(False).astype(bool)
    data["result"] = pd.Categorical(
        [SIMULATED if s else MEASURED for s in simulated], categories=RESULT_LEVELS
    )
    return data


def simulated_caption(data: pd.DataFrame, extra: str = "") -> str:
    """'12 results, 3 simulated (faded)' and any extra note, for every chart's caption."""
    total = len(data)
    simulated = int((data["result"] == SIMULATED).sum())
    text = f"{total} result{'s' if total != 1 else ''}, "
    text += (
        f"{simulated} simulated (faded, marked '{SIMULATED}')" if simulated else "none simulated"
    )
    return f"{text}\n{extra}" if extra else text


def _result_scales(present: pd.Series) -> list:
    """alpha / linetype / shape scales keyed on `result`, listing only the kinds present."""
    kinds = [k for k in RESULT_LEVELS if (present == k).any()]
    return [
        scale_alpha_manual(values=RESULT_ALPHA, limits=kinds, name="Result"),
        scale_linetype_manual(values=RESULT_LINETYPE, limits=kinds, name="Result"),
        scale_shape_manual(values=RESULT_SHAPE, limits=kinds, name="Result"),
    ]


def _value_layers(m: Metric, x: str, color: str, dodge_width: float = 0.8) -> list:
    """Bars for throughput and memory; p50 point with p90 / p99 spread for latency."""
    dodge = position_dodge(width=dodge_width)
    if m.spread is None:
        return [
            geom_col(
                aes(x=x, y=m.column, fill=color, alpha="result", linetype="result"),
                position=dodge,
                color="black",
                size=0.3,
            )
        ]
    p90, p99 = m.spread
    return [
        # group = the dodged series only: plotnine draws ranges group by group, and the
        # default group (every discrete variable crossed) is one group per row: slow
        geom_linerange(
            aes(x=x, ymin=m.column, ymax=p99, color=color, alpha="result", group=color),
            position=dodge,
            size=0.5,
        ),
        geom_linerange(
            aes(x=x, ymin=m.column, ymax=p90, color=color, alpha="result", group=color),
            position=dodge,
            size=2.0,
        ),
        geom_point(
            aes(x=x, y=m.column, color=color, alpha="result", shape="result", group=color),
            position=dodge,
            size=3,
        ),
    ]


def _focus(data: pd.DataFrame, facet: str, limit: int = MAX_FACETS) -> tuple[pd.DataFrame, str]:
    """At most `limit` facets (those with the most results); a note says what was left out."""
    counts = data.groupby(facet, observed=True).size().sort_values(ascending=False, kind="stable")
    if len(counts) <= limit:
        return data, ""
    kept = list(counts.index[:limit])
    note = (
        f"showing {limit} of {len(counts)} panels (those with the most results): "
        "narrow the selection with --precision or --batch-size"
    )
    return data[data[facet].isin(kept)], note


def _theme(n_facets: int = 1):
    return theme_bw() + theme(
        figure_size=chart_size(n_facets),
        plot_caption=element_text(size=8, ha="left"),
        axis_text_x=element_text(rotation=30, ha="right"),
    )


def chart_size(n_facets: int) -> tuple[float, float]:
    """Inches: wide enough for four panels a row, taller with every row of panels."""
    columns = min(max(n_facets, 1), 4)
    rows = math.ceil(max(n_facets, 1) / columns)
    return (max(7.0, 3.2 * columns + 2.5), 1.5 + 3.0 * rows)


# ---------------------------------------------------------------- the charts


def hardware_comparison_chart(
    frame: pd.DataFrame,
    metric_name: str = "throughput",
    model_name: str | None = None,
    note: str = "",
) -> ggplot:
    """Hardware side by side for one model (rows of rpt_hardware_comparison).

    x: hardware type; bars (or p50 with spread) coloured by precision; one panel per
    configuration (batch size and input size).
    """
    m = metric(metric_name)
    name = model_name or _single(frame, "model_name")
    data = _prepared(frame, m, f"model {name}")
    data["configuration_label"] = _ordered(data, "configuration_label")
    data, focus_note = _focus(data, "configuration_label")
    n = data["configuration_label"].nunique()
    extra = "\n".join(x for x in (SPREAD_NOTE if m.spread else "", focus_note, note) if x)
    return (
        ggplot(data)
        + _value_layers(m, "hardware_type", "precision")
        + facet_wrap("configuration_label", scales="free_y", ncol=min(n, 4))
        + expand_limits(y=0)
        + _result_scales(data["result"])
        + labs(
            title=f"{m.name.capitalize()} of {name} on each hardware type",
            x="Hardware type",
            y=m.label,
            fill="Precision",
            color="Precision",
            caption=simulated_caption(data, extra),
        )
        + _theme(n)
    )


def model_comparison_chart(
    frame: pd.DataFrame,
    metric_name: str = "throughput",
    hardware_type: str | None = None,
    note: str = "",
) -> ggplot:
    """Models side by side on one hardware type (rows of rpt_model_comparison).

    x: model with its input size; coloured by precision; one panel per batch size.
    """
    m = metric(metric_name)
    hardware = hardware_type or _single(frame, "hardware_type")
    data = _prepared(frame, m, f"hardware {hardware}")
    data["batch_label"] = "batch " + data["batch_size"].astype(str)
    order = sorted(data["batch_size"].unique())
    data["batch_label"] = pd.Categorical(
        data["batch_label"], categories=[f"batch {b}" for b in order]
    )
    keys = [
        c for c in ("model_name", "sequence_length", "image_size", "audio_seconds") if c in data
    ]
    in_order = data.sort_values(keys, kind="stable", na_position="first")["model_label"]
    # coord_flip draws the first category at the bottom: reverse, so the list reads downwards
    data["model_label"] = pd.Categorical(
        data["model_label"], categories=list(dict.fromkeys(in_order))[::-1]
    )
    data, focus_note = _focus(data, "batch_label")
    n = data["batch_label"].nunique()
    n_bars = data.groupby("batch_label", observed=True)["model_label"].nunique().max()
    extra = "\n".join(x for x in (SPREAD_NOTE if m.spread else "", focus_note, note) if x)
    return (
        ggplot(data)
        + _value_layers(m, "model_label", "precision")
        # models down the side, so long names stay readable; one panel per batch size
        + coord_flip()
        + facet_wrap("batch_label", scales="free_y", ncol=1)
        + expand_limits(y=0)
        + _result_scales(data["result"])
        + labs(
            title=f"{m.name.capitalize()} of each model on {hardware}",
            x="Model (input size)",
            y=m.label,
            fill="Precision",
            color="Precision",
            caption=simulated_caption(data, extra),
        )
        + theme_bw()
        + theme(
            figure_size=(9.0, 1.6 + n * (0.32 * n_bars + 1.0)),
            plot_caption=element_text(size=8, ha="left"),
        )
    )


def batch_size_chart(
    frame: pd.DataFrame,
    metric_name: str = "throughput",
    model_name: str | None = None,
    hardware_type: str | None = None,
    note: str = "",
) -> ggplot:
    """How a metric scales with batch size (rows of rpt_batch_size_scaling).

    x: batch size on a log2 axis; one line per hardware type and precision; one panel per
    input size.
    """
    m = metric(metric_name)
    name = model_name or _single(frame, "model_name")
    where = f"model {name}" + (f" on {hardware_type}" if hardware_type else "")
    data = _prepared(frame, m, where)
    data["series"] = data["hardware_type"] + " " + data["precision"]
    data["input_label"] = _ordered(data, "input_label")
    data, focus_note = _focus(data, "input_label")
    n = data["input_label"].nunique()
    breaks = sorted(int(b) for b in data["batch_size"].unique())
    layers = [
        geom_line(
            aes(x="batch_size", y=m.column, color="series", group="series"),
            size=0.8,
        )
    ]
    if m.spread:
        p90, p99 = m.spread
        layers += [
            geom_linerange(
                aes(
                    x="batch_size",
                    ymin=m.column,
                    ymax=p99,
                    color="series",
                    alpha="result",
                    group="series",
                ),
                size=0.5,
            ),
            geom_linerange(
                aes(
                    x="batch_size",
                    ymin=m.column,
                    ymax=p90,
                    color="series",
                    alpha="result",
                    group="series",
                ),
                size=2.0,
            ),
        ]
    layers.append(
        geom_point(
            aes(x="batch_size", y=m.column, color="series", alpha="result", shape="result"),
            size=3,
        )
    )
    extra = "\n".join(x for x in (SPREAD_NOTE if m.spread else "", focus_note, note) if x)
    return (
        ggplot(data)
        + layers
        + scale_x_continuous(trans="log2", breaks=breaks, labels=[str(b) for b in breaks])
        + facet_wrap("input_label", scales="free_y", ncol=min(n, 3))
        + expand_limits(y=0)
        + _result_scales(data["result"])
        + labs(
            title=f"{m.name.capitalize()} of {name} by batch size"
            + (f" on {hardware_type}" if hardware_type else ""),
            x="Batch size",
            y=m.label,
            color="Hardware, precision",
            caption=simulated_caption(data, extra),
        )
        + _theme(min(n, 3))
    )


def heatmap_chart(frame: pd.DataFrame, metric_name: str = "throughput") -> ggplot:
    """The best value per model and hardware type (rows of rpt_best_results) for one metric.

    Each tile holds the best measured value of the metric for that model on that hardware
    type; an estimate, labelled "(sim)" and faded, only where nothing was measured. A hardware
    type or model with no value is left out, not drawn empty.
    """
    m = metric(metric_name)
    if frame is None or frame.empty:
        raise ReportError("no best results per model and hardware type: nothing to chart")
    data = frame.copy()
    if "metric" in data:
        data = data[data["metric"] == m.column]
    data = data[data["value"].notna()]
    if data.empty:
        raise ReportError(f"no {m.name} values per model and hardware type: nothing to chart")
    data["value"] = data["value"].astype(float)
    data["is_simulated"] = data["is_simulated"].fillna(False).astype(bool)
    data["result"] = pd.Categorical(
        [SIMULATED if s else MEASURED for s in data["is_simulated"]], categories=RESULT_LEVELS
    )
    data["label"] = [
        _short_number(v) + (" (sim)" if s else "")
        for v, s in zip(data["value"], data["is_simulated"])
    ]
    positive = data["value"] > 0
    spread = data.loc[positive, "value"].max() / data.loc[positive, "value"].min()
    log_fill = bool(positive.all() and spread > 20)
    low, high = ("#f7fbff", "#4292c6") if m.higher_is_better else ("#4292c6", "#f7fbff")
    n_hw = data["hardware_type"].nunique()
    n_models = data["model_name"].nunique()
    return (
        ggplot(data, aes(x="hardware_type", y="model_name"))
        + geom_tile(aes(fill="value", alpha="result", linetype="result"), color="black", size=0.3)
        + geom_text(aes(label="label"), size=8, color="#222222")
        + scale_fill_gradient(
            low=low, high=high, trans="log10" if log_fill else "identity", name=m.short_label
        )
        + scale_alpha_manual(values=RESULT_ALPHA, limits=_kinds(data), name="Result")
        + scale_linetype_manual(values=RESULT_LINETYPE, limits=_kinds(data), name="Result")
        + labs(
            title=f"Best {m.name}: model x hardware type",
            x="Hardware type",
            y="Model",
            caption=simulated_caption(
                data,
                _matrix_note(m) + ("; log colour scale" if log_fill else ""),
            ),
        )
        + theme_bw()
        + theme(
            figure_size=(max(9.0, 1.4 * n_hw + 6.5), max(3.5, 0.45 * n_models + 2.2)),
            plot_caption=element_text(size=8, ha="left"),
            axis_text_x=element_text(rotation=30, ha="right"),
        )
    )


def history_chart(
    frame: pd.DataFrame,
    metric_name: str = "throughput",
    model_name: str | None = None,
    hardware_type: str | None = None,
    note: str = "",
) -> ggplot:
    """A metric over time per configuration (rows of rpt_result_history), one panel per
    hardware type; at most MAX_HISTORY_SERIES configurations, those with the most results."""
    m = metric(metric_name)
    name = model_name or _single(frame, "model_name")
    where = f"model {name}" + (f" on {hardware_type}" if hardware_type else "")
    data = _prepared(frame, m, where)
    data["series"] = data["hardware_type"] + ": " + data["configuration_label"]
    data, focus_note = _focus(data, "series", MAX_HISTORY_SERIES)
    data["measured_at"] = pd.to_datetime(data["measured_at"], utc=True).dt.tz_localize(None)
    n = data["hardware_type"].nunique()
    layers = [geom_line(aes(x="measured_at", y=m.column, color="series", group="series"))]
    if m.spread:
        p90, p99 = m.spread
        layers.append(
            geom_linerange(
                aes(
                    x="measured_at",
                    ymin=m.column,
                    ymax=p99,
                    color="series",
                    alpha="result",
                    group="series",
                )
            )
        )
    layers.append(
        geom_point(
            aes(x="measured_at", y=m.column, color="series", alpha="result", shape="result"),
            size=2.5,
        )
    )
    focus_note = focus_note.replace("panels", "configurations")
    extra = "\n".join(
        x
        for x in (
            "whisker: p50 to p99; times are UTC" if m.spread else "times are UTC",
            focus_note,
            note,
        )
        if x
    )
    return (
        ggplot(data)
        + layers
        + time_axis(data["measured_at"])
        + facet_wrap("hardware_type", scales="free_y", ncol=min(n, 2))
        + expand_limits(y=0)
        + _result_scales(data["result"])
        + labs(
            title=f"{m.name.capitalize()} of {name} over time"
            + (f" on {hardware_type}" if hardware_type else ""),
            x="Measured at (UTC)",
            y=m.label,
            color="Hardware: configuration",
            caption=simulated_caption(data, extra),
        )
        + _theme(min(n, 2))
    )


STATUS_COLOURS = {
    "measured": "#31a354",
    "simulated only": "#bdbdbd",
    "failed": "#de2d26",
    "unsupported": "#fd8d3c",
    "unavailable": "#fdd0a2",
    "not tried": "#ffffff",
}


def compatibility_chart(frame: pd.DataFrame) -> ggplot:
    """What is known for each model on each hardware type (rows of rpt_model_hardware_matrix):
    measured, simulated only, failed, unsupported, unavailable. Hardware types and models that
    were never tried are left out."""
    if frame is None or frame.empty:
        raise ReportError("no results in the model x hardware matrix: nothing to chart")
    data = frame[frame["configurations_tried"] > 0].copy()
    if data.empty:
        raise ReportError("no configuration has been tried yet: nothing to chart")
    levels = [s for s in STATUS_COLOURS if (data["compatibility_status"] == s).any()]
    data["compatibility_status"] = pd.Categorical(data["compatibility_status"], categories=levels)
    data["result"] = pd.Categorical(
        [SIMULATED if s == "simulated only" else MEASURED for s in data["compatibility_status"]],
        categories=RESULT_LEVELS,
    )
    data["label"] = [
        f"{int(done)}/{int(tried)}"
        for done, tried in zip(data["configurations_completed"], data["configurations_tried"])
    ]
    n_hw = data["hardware_type"].nunique()
    n_models = data["model_name"].nunique()
    simulated = int((data["compatibility_status"] == "simulated only").sum())
    return (
        ggplot(data, aes(x="hardware_type", y="model_name"))
        + geom_tile(aes(fill="compatibility_status", linetype="result"), color="black", size=0.3)
        + geom_text(aes(label="label"), size=8)
        + scale_fill_manual(values=STATUS_COLOURS, limits=levels, name="Status")
        + scale_linetype_manual(values=RESULT_LINETYPE, limits=_kinds(data), guide=None)
        + labs(
            title="What is known: model x hardware type",
            x="Hardware type",
            y="Model",
            caption=f"{len(data)} model x hardware cells tried, {simulated} known only from "
            "simulation (grey, dashed)\ntile text: configurations completed / tried",
        )
        + theme_bw()
        + theme(
            figure_size=(max(9.0, 1.4 * n_hw + 6.5), max(3.5, 0.45 * n_models + 2.2)),
            plot_caption=element_text(size=8, ha="left"),
            axis_text_x=element_text(rotation=30, ha="right"),
        )
    )


def simulation_share_chart(frame: pd.DataFrame) -> ggplot:
    """Completed results per hardware type, measured and simulated stacked; simulated faded.

    Takes columns hardware_type, measured, simulated (counts)."""
    if frame is None or frame.empty:
        raise ReportError("no completed results: nothing to chart")
    data = frame.melt(
        id_vars=["hardware_type"],
        value_vars=["measured", "simulated"],
        var_name="kind",
        value_name="results",
    )
    data = data[data["results"] > 0]
    if data.empty:
        raise ReportError("no completed results: nothing to chart")
    data["result"] = pd.Categorical(
        [SIMULATED if k == "simulated" else MEASURED for k in data["kind"]],
        categories=RESULT_LEVELS,
    )
    total = int(data["results"].sum())
    simulated = int(data.loc[data["result"] == SIMULATED, "results"].sum())
    return (
        ggplot(data, aes(x="hardware_type", y="results"))
        + geom_col(aes(alpha="result", linetype="result"), fill="#3182bd", color="black", size=0.3)
        + _result_scales(data["result"])[:2]
        + labs(
            title="Completed results per hardware type: measured and simulated",
            x="Hardware type",
            y="Completed results",
            caption=f"{total} completed results, {simulated} simulated (faded, dashed)",
        )
        + _theme(1)
    )


CHART_FUNCTIONS = {
    "hardware-comparison": hardware_comparison_chart,
    "model-comparison": model_comparison_chart,
    "batch-size": batch_size_chart,
    "heatmap": heatmap_chart,
    "history": history_chart,
}


# ---------------------------------------------------------------- saving


SAVE_FORMATS = (".png", ".svg", ".pdf")


def png_bytes(plot: ggplot, dpi: int = 90) -> bytes:
    """The chart as PNG bytes (for embedding in a self-contained HTML file)."""
    import io

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plot.save(buffer, format="png", dpi=dpi, verbose=False)
    return buffer.getvalue()


def save(plot: ggplot, path: Path, dpi: int = 120) -> Path:
    """Write the chart as PNG, SVG or PDF (by the file's suffix) at its own figure size."""
    if path.suffix.lower() not in SAVE_FORMATS:
        raise ReportError(f"chart file {path}: the name must end in .png, .svg or .pdf")
    with warnings.catch_warnings():
        # rows without p90/p99 (older results) are dropped from the whisker layers only
        warnings.simplefilter("ignore")
        plot.save(path, dpi=dpi, verbose=False)
    return path


# ---------------------------------------------------------------- helpers


def time_axis(times: pd.Series, count: int = 5):
    """A datetime x scale with breaks chosen here: mizani's own fail on spans of a few seconds
    (all results of one run). Labels show seconds, minutes or days as the span needs."""
    start, stop = times.min(), times.max()
    span = (stop - start).total_seconds()
    if span < 120:
        unit, fmt = "s", "%H:%M:%S"
    elif span < 2 * 86400:
        unit, fmt = "min", "%m-%d %H:%M"
    else:
        unit, fmt = "D", "%Y-%m-%d"
    if span == 0:
        breaks = [start]
    else:
        breaks = list(pd.date_range(start, stop, periods=count).round(unit).unique())
    breaks = [b for b in breaks if start <= b <= stop] or [start]
    return scale_x_datetime(
        breaks=breaks,
        labels=lambda values: [pd.Timestamp(v).strftime(fmt) for v in values],
        minor_breaks=[],
    )


def _ordered(data: pd.DataFrame, label: str) -> pd.Categorical:
    """`label` as a categorical in natural order: by batch size, then input size (not 1, 16, 2)."""
    keys = [
        c for c in ("batch_size", "sequence_length", "image_size", "audio_seconds") if c in data
    ]
    ordered = data.sort_values(keys, kind="stable", na_position="first") if keys else data
    return pd.Categorical(data[label], categories=list(dict.fromkeys(ordered[label])))


def _single(frame: pd.DataFrame, column: str) -> str:
    if frame is None or frame.empty or column not in frame:
        return "the selection"
    values = frame[column].dropna().unique()
    return str(values[0]) if len(values) == 1 else f"{len(values)} {column.split('_')[0]}s"


def _kinds(data: pd.DataFrame) -> list[str]:
    return [k for k in RESULT_LEVELS if (data["result"] == k).any()]


def _matrix_note(m: Metric) -> str:
    best = {
        "throughput": "highest throughput",
        "latency": "lowest median latency",
        "memory": "lowest peak memory",
    }[m.name]
    return (
        f"tile: {best} over batch sizes and precisions (darker is better)\n"
        "'(sim)': an estimate, shown only where nothing was measured"
    )


def _short_number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"
