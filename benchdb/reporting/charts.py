"""Charts as pure functions: a DataFrame from a reporting mart in, a plotnine ggplot out.

Nothing here reads the warehouse or writes files except `save`; `benchdb.reporting.chart_data`
loads the frames. Every chart tells the truth about what it draws:

- simulated results are drawn differently from measurements: faded, with a dashed outline
  (bars, tiles) or a triangle (points), under a "Result" legend entry saying which is which;
  the caption says how many of its results are simulated;
- latency is the median (p50) with a thick line to p90 and a thin whisker to p99;
- the value axis is logarithmic when the values drawn span more than a decade (LOG_SPAN), and
  the axis title says so; on a log axis throughput and memory are points, not bars (a bar's
  length means nothing there);
- panels share one scale, and the caption says so;
- the setting of every value (batch size, precision, input size) is in the subtitle when the
  chart holds one, or shown by a panel, a colour, a line type, a label or the tile's text;
- colours are the Okabe-Ito palette (distinguishable with colour-blind vision), at most 8 in
  a chart: more categories, or more panels, models or hardware types than fit below plotnine's
  25-inch limit, are left out with a note naming how many and how to narrow the selection;
- titles, subtitles and captions are wrapped to the figure's width;
- an empty selection is a `ReportError`, never an empty chart.
"""

from __future__ import annotations

import math
import textwrap
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
    scale_color_manual,
    scale_fill_gradient,
    scale_fill_manual,
    scale_linetype_manual,
    scale_shape_manual,
    scale_x_continuous,
    scale_x_datetime,
    scale_y_continuous,
    scale_y_log10,
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
# generation benchmarks (rpt_generation_results): their own metrics, no --metric
GENERATION_CHART_TYPES = ("ttft-vs-input-length", "tokens-per-second-vs-batch")

# Okabe & Ito (2008), "Color Universal Design": orange, sky blue, bluish green, vermillion,
# blue, reddish purple, yellow, black; told apart with every common form of colour blindness
OKABE_ITO = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#D55E00",
    "#0072B2",
    "#CC79A7",
    "#F0E442",
    "#000000",
)
MAX_COLOURS = len(OKABE_ITO)
# precisions as line types in the batch-size chart; never plain "dashed", which marks estimates
PRECISION_LINETYPES = ("solid", "dotted", "dashdot", (0, (5, 1, 1, 1, 1, 1)))
LOG_SPAN = 10.0  # a log axis when the largest value drawn is more than 10x the smallest
MAX_INCHES = 24.0  # plotnine refuses figures over 25 inches
MAX_FACETS = 12
MAX_HISTORY_SERIES = MAX_COLOURS
MAX_MODEL_PANELS = 6  # batch sizes side by side in the model comparison
MODEL_CHART_MARGIN = 3.0  # inches of a model comparison that are not model rows
MATRIX_MARGIN = 3.0  # inches of a heatmap that are not model rows
MAX_MATRIX_HARDWARE = 10
SHARED_SCALES_NOTE = "all panels share the same scales"


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


def _notes(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def _result_scales(present: pd.Series, linetype: bool = True) -> list:
    """alpha / linetype / shape scales keyed on `result`, listing only the kinds present."""
    kinds = [k for k in RESULT_LEVELS if (present == k).any()]
    scales = [
        scale_alpha_manual(values=RESULT_ALPHA, limits=kinds, name="Result"),
        scale_shape_manual(values=RESULT_SHAPE, limits=kinds, name="Result"),
    ]
    if linetype:
        scales.append(scale_linetype_manual(values=RESULT_LINETYPE, limits=kinds, name="Result"))
    return scales


# -- the value axis


def value_span(data: pd.DataFrame, columns: list[str]) -> float | None:
    """Largest over smallest of the values drawn; None when there are none or one is <= 0
    (no log axis can show it)."""
    present = [c for c in columns if c in data]
    values = pd.concat([pd.to_numeric(data[c], errors="coerce") for c in present]).dropna()
    if values.empty or (values <= 0).any():
        return None
    return float(values.max() / values.min())


def log_axis(data: pd.DataFrame, m: Metric) -> tuple[bool, float | None]:
    """(log?, span): a log axis when the values drawn (p50 to p99 for latency) span more than
    a decade, so a small value is not flattened to nothing beside a large one."""
    span = value_span(data, [m.column, *(m.spread or ())])
    return bool(span is not None and span > LOG_SPAN), span


def axis_title(m: Metric, log: bool) -> str:
    return f"{m.label} (log scale)" if log else m.label


def tick_label(value: float) -> str:
    """1,000 / 2.5 / 0.05: no exponents, no trailing zeros."""
    if value == 0:
        return "0"
    if abs(value) >= 1:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def _value_scale(log: bool) -> list:
    labels = lambda values: [tick_label(v) for v in values]  # noqa: E731
    if log:
        # no minor breaks: mizani's log minor breaks fail when the range holds one major break
        return [scale_y_log10(labels=labels, minor_breaks=[])]
    return [scale_y_continuous(labels=labels), expand_limits(y=0)]


def _scale_note(log: bool, span: float | None, bars: bool, panels: int) -> str:
    parts = []
    if log:
        parts.append(f"log scale: the values span {span:,.0f}x")
        if bars:
            parts.append("points, not bars: a bar's length means nothing on a log scale")
    if panels > 1:
        parts.append(SHARED_SCALES_NOTE)
    return "; ".join(parts)


def _value_layers(m: Metric, x: str, color: str, log: bool, dodge_width: float = 0.8) -> list:
    """Bars for throughput and memory (points on a log axis); p50 point with p90 / p99 spread
    for latency."""
    dodge = position_dodge(width=dodge_width)
    if m.spread is None and not log:
        return [
            geom_col(
                aes(x=x, y=m.column, fill=color, alpha="result", linetype="result"),
                position=dodge,
                color="black",
                size=0.3,
            )
        ]
    layers = []
    if m.spread is not None:
        p90, p99 = m.spread
        layers += [
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
        ]
    layers.append(
        geom_point(
            aes(x=x, y=m.column, color=color, alpha="result", shape="result", group=color),
            position=dodge,
            size=3,
        )
    )
    return layers


# -- colours, caps and settings


def palette(levels: list) -> dict:
    """Okabe-Ito colours for up to MAX_COLOURS levels, in order (callers cap before)."""
    if len(levels) > MAX_COLOURS:
        raise ValueError(f"{len(levels)} colours asked for; at most {MAX_COLOURS}")
    return {level: OKABE_ITO[i] for i, level in enumerate(levels)}


def _colour_scales(levels: list, name: str) -> list:
    values = palette(levels)
    return [
        scale_fill_manual(values=values, limits=levels, name=name),
        scale_color_manual(values=values, limits=levels, name=name),
    ]


def _levels(data: pd.DataFrame, column: str) -> list:
    series = data[column]
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [c for c in series.cat.categories if (series == c).any()]
    return sorted(series.dropna().unique(), key=str)


def cap(
    data: pd.DataFrame, column: str, limit: int, what: str, narrow: str
) -> tuple[pd.DataFrame, str]:
    """At most `limit` values of `column` (those with the most results; ties in order); a note
    says how many were left out and how to narrow the selection. Unused categories are
    dropped, so nothing left out takes room on an axis."""
    counts = data.groupby(column, observed=True, sort=True).size()
    counts = counts.sort_values(ascending=False, kind="stable")
    if len(counts) <= limit:
        return data, ""
    kept = list(counts.index[:limit])
    data = data[data[column].isin(kept)].copy()
    if isinstance(data[column].dtype, pd.CategoricalDtype):
        data[column] = data[column].cat.remove_unused_categories()
    left = len(counts) - limit
    note = (
        f"showing {limit} of {len(counts)} {what} (those with the most results), "
        f"{left} left out: narrow the selection with {narrow}"
    )
    return data, note


SETTINGS = (("batch_size", "batch size"), ("precision", "precision"), ("input_label", "input size"))


def _setting_text(column: str, value, short: bool = False) -> str:
    if column == "batch_size":
        return f"batch {int(value)}"
    if column == "precision" and not short:
        return f"precision {value}"
    return str(value)


def setting_subtitle(data: pd.DataFrame, shown_by: dict[str, str]) -> str:
    """Which setting the values were measured at: 'all at batch 2, fp32; input size: panel
    titles'. A setting the chart holds one value of is stated; one that varies is named with
    where the chart shows it (`shown_by`: column -> 'panel titles', 'colour', ...)."""
    fixed, varying = [], {}
    for column, label in SETTINGS:
        if column not in data:
            continue
        values = data[column].dropna().unique()
        if len(values) == 1:
            fixed.append(_setting_text(column, values[0]))
        elif len(values) > 1:
            varying.setdefault(shown_by[column], []).append(label)
    parts = [f"all at {', '.join(fixed)}"] if fixed else []
    parts += [f"{_and(labels)}: {place}" for place, labels in varying.items()]
    return "; ".join(parts)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


# -- size and text


def chart_size(n_facets: int, columns: int | None = None) -> tuple[float, float]:
    """Inches: wide enough for `columns` panels a row (up to 4), taller with every row."""
    n = max(n_facets, 1)
    columns = min(columns or min(n, 4), n)
    rows = math.ceil(n / columns)
    return (min(MAX_INCHES, max(7.0, 3.2 * columns + 2.5)), min(MAX_INCHES, 1.8 + 3.0 * rows))


def wrap(text: str, width_inches: float, points: float) -> str:
    """Each line of `text` wrapped to fit `width_inches` at a font of `points`."""
    chars = max(20, int((width_inches - 0.6) * 72 / (0.6 * points)))
    return "\n".join(
        textwrap.fill(line, chars, break_long_words=False, break_on_hyphens=False) or line
        for line in text.split("\n")
    )


CAPTION_POINTS = 8.0
SUBTITLE_POINTS = 9.5
TITLE_POINTS = 13.0


def _labs(size: tuple[float, float], title: str, subtitle: str, caption: str, **kwargs):
    width = size[0]
    return labs(
        title=wrap(title, width, TITLE_POINTS),
        subtitle=wrap(subtitle, width, SUBTITLE_POINTS) if subtitle else None,
        caption=wrap(caption, width, CAPTION_POINTS),
        **kwargs,
    )


def _theme(size: tuple[float, float], rotate_x: bool = True):
    return theme_bw() + theme(
        figure_size=(min(size[0], MAX_INCHES), min(size[1], MAX_INCHES)),
        plot_title=element_text(size=TITLE_POINTS),
        plot_subtitle=element_text(size=SUBTITLE_POINTS, color="#333333"),
        plot_caption=element_text(size=CAPTION_POINTS, ha="left"),
        axis_text_x=element_text(rotation=30, ha="right") if rotate_x else element_text(),
    )


# ---------------------------------------------------------------- the charts


def hardware_comparison_chart(
    frame: pd.DataFrame,
    metric_name: str = "throughput",
    model_name: str | None = None,
    note: str = "",
) -> ggplot:
    """Hardware side by side for one model (rows of rpt_hardware_comparison).

    x: hardware type; bars (points on a log axis, p50 with spread for latency) coloured by
    precision; one panel per configuration (batch size and input size), all on one scale.
    """
    m = metric(metric_name)
    name = model_name or _single(frame, "model_name")
    data = _prepared(frame, m, f"model {name}")
    data["configuration_label"] = _ordered(data, "configuration_label")
    data, focus_note = cap(
        data, "configuration_label", MAX_FACETS, "panels", "--precision or --batch-size"
    )
    data, colour_note = cap(data, "precision", MAX_COLOURS, "precisions", "--precision")
    log, span = log_axis(data, m)
    n = data["configuration_label"].nunique()
    size = chart_size(n)
    subtitle = setting_subtitle(
        data,
        {"batch_size": "panel titles", "input_label": "panel titles", "precision": "colour"},
    )
    extra = _notes(
        SPREAD_NOTE if m.spread else "",
        _scale_note(log, span, m.spread is None, n),
        focus_note,
        colour_note,
        note,
    )
    return (
        ggplot(data)
        + _value_layers(m, "hardware_type", "precision", log)
        + facet_wrap("configuration_label", ncol=min(n, 4))
        + _value_scale(log)
        + _colour_scales(_levels(data, "precision"), "Precision")
        + _result_scales(data["result"])
        + _labs(
            size,
            f"{m.name.capitalize()} of {name} on each hardware type",
            subtitle,
            simulated_caption(data, extra),
            x="Hardware type",
            y=axis_title(m, log),
        )
        + _theme(size)
    )


def model_rows_limit(n_precisions: int) -> int:
    """How many model rows a model comparison holds below MAX_INCHES: each row is
    0.1 + 0.2 inch per precision drawn in it (the dodged bars), after MODEL_CHART_MARGIN."""
    row = 0.1 + 0.2 * max(n_precisions, 1)
    return int((MAX_INCHES - MODEL_CHART_MARGIN) / row + 1e-9)


def model_comparison_chart(
    frame: pd.DataFrame,
    metric_name: str = "throughput",
    hardware_type: str | None = None,
    note: str = "",
) -> ggplot:
    """Models side by side on one hardware type (rows of rpt_model_comparison).

    Models (with their input size) down the side; coloured by precision; one panel per batch
    size, side by side on one shared scale. At most MAX_MODEL_PANELS batch sizes and as many
    models as fit below MAX_INCHES (model_rows_limit): the rest are left out with a note.
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
    data["model_label"] = pd.Categorical(
        data["model_label"], categories=list(dict.fromkeys(in_order))
    )
    data, panel_note = cap(data, "batch_label", MAX_MODEL_PANELS, "batch sizes", "--batch-size")
    data, colour_note = cap(data, "precision", MAX_COLOURS, "precisions", "--precision")
    # the bars of one model row: its precisions, dodged side by side
    n_precisions = int(
        data.groupby(["batch_label", "model_label"], observed=True)["precision"].nunique().max()
    )
    one_row_each = data["model_label"].nunique() == data["model_name"].nunique()
    data, model_note = cap(
        data,
        "model_label",
        model_rows_limit(n_precisions),
        "models" if one_row_each else "model rows (model and input size)",
        "--model A,B,... or --precision / --batch-size",
    )
    # coord_flip draws the first category at the bottom: reverse, so the list reads downwards
    labels = data["model_label"].cat
    data["model_label"] = labels.reorder_categories(list(labels.categories)[::-1])
    log, span = log_axis(data, m)
    n = data["batch_label"].nunique()
    rows = data["model_label"].nunique()
    longest = max(len(str(label)) for label in data["model_label"].unique())
    size = (
        min(MAX_INCHES, max(7.0, 1.2 + 0.075 * longest + 2.6 * n + 1.8)),
        MODEL_CHART_MARGIN + rows * (0.1 + 0.2 * n_precisions),
    )
    subtitle = setting_subtitle(
        data,
        {"batch_size": "panel titles", "input_label": "beside the model", "precision": "colour"},
    )
    extra = _notes(
        SPREAD_NOTE if m.spread else "",
        _scale_note(log, span, m.spread is None, n),
        model_note,
        panel_note,
        colour_note,
        note,
    )
    return (
        ggplot(data)
        + _value_layers(m, "model_label", "precision", log)
        # models down the side, so long names stay readable; one panel per batch size
        + coord_flip()
        + facet_wrap("batch_label", nrow=1)
        + _value_scale(log)
        + _colour_scales(_levels(data, "precision"), "Precision")
        + _result_scales(data["result"])
        + _labs(
            size,
            f"{m.name.capitalize()} of each model on {hardware}",
            subtitle,
            simulated_caption(data, extra),
            x="Model (input size)",
            y=axis_title(m, log),
        )
        + _theme(size)
    )


def batch_size_chart(
    frame: pd.DataFrame,
    metric_name: str = "throughput",
    model_name: str | None = None,
    hardware_type: str | None = None,
    note: str = "",
) -> ggplot:
    """How a metric scales with batch size (rows of rpt_batch_size_scaling).

    x: batch size on a log2 axis; colour: hardware type; line type: precision; one panel per
    input size, all on one scale.
    """
    m = metric(metric_name)
    name = model_name or _single(frame, "model_name")
    where = f"model {name}" + (f" on {hardware_type}" if hardware_type else "")
    data = _prepared(frame, m, where)
    data["series"] = data["hardware_type"] + " " + data["precision"]
    data["input_label"] = _ordered(data, "input_label")
    data, focus_note = cap(data, "input_label", MAX_FACETS, "panels", "--precision")
    data, hardware_note = cap(data, "hardware_type", MAX_COLOURS, "hardware types", "--hardware")
    data, precision_note = cap(
        data, "precision", len(PRECISION_LINETYPES), "precisions", "--precision"
    )
    log, span = log_axis(data, m)
    n = data["input_label"].nunique()
    size = chart_size(n, min(n, 3))
    breaks = sorted(int(b) for b in data["batch_size"].unique())
    hardware_levels = _levels(data, "hardware_type")
    precision_levels = _levels(data, "precision")
    layers = [
        geom_line(
            aes(
                x="batch_size",
                y=m.column,
                color="hardware_type",
                linetype="precision",
                group="series",
            ),
            size=0.8,
        )
    ]
    if m.spread:
        p90, p99 = m.spread
        for top, width in ((p99, 0.5), (p90, 2.0)):
            layers.append(
                geom_linerange(
                    aes(
                        x="batch_size",
                        ymin=m.column,
                        ymax=top,
                        color="hardware_type",
                        alpha="result",
                        group="series",
                    ),
                    size=width,
                )
            )
    layers.append(
        geom_point(
            aes(
                x="batch_size",
                y=m.column,
                color="hardware_type",
                alpha="result",
                shape="result",
            ),
            size=3,
        )
    )
    subtitle = setting_subtitle(
        data, {"batch_size": "x axis", "input_label": "panel titles", "precision": "line type"}
    )
    extra = _notes(
        SPREAD_NOTE if m.spread else "",
        _scale_note(log, span, False, n),
        focus_note,
        hardware_note,
        precision_note,
        note,
    )
    return (
        ggplot(data)
        + layers
        # no minor breaks: mizani's log minor breaks fail with a single batch size
        + scale_x_continuous(
            trans="log2", breaks=breaks, labels=[str(b) for b in breaks], minor_breaks=[]
        )
        + facet_wrap("input_label", ncol=min(n, 3))
        + _value_scale(log)
        + scale_color_manual(
            values=palette(hardware_levels), limits=hardware_levels, name="Hardware type"
        )
        + scale_linetype_manual(
            values=dict(zip(precision_levels, PRECISION_LINETYPES)),
            limits=precision_levels,
            name="Precision",
        )
        + _result_scales(data["result"], linetype=False)
        + _labs(
            size,
            f"{m.name.capitalize()} of {name} by batch size"
            + (f" on {hardware_type}" if hardware_type else ""),
            subtitle,
            simulated_caption(data, extra),
            x="Batch size (log2 scale)",
            y=axis_title(m, log),
        )
        + _theme(size)
    )


def matrix_rows_limit(two_lines: bool) -> int:
    """How many model rows a model x hardware matrix holds below MAX_INCHES: 0.32 inch a row,
    0.5 when each tile has a second line (its setting), after MATRIX_MARGIN."""
    return int((MAX_INCHES - MATRIX_MARGIN) / (0.5 if two_lines else 0.32) + 1e-9)


def _matrix_caps(data: pd.DataFrame, two_lines: bool) -> tuple[pd.DataFrame, list[str]]:
    data, hw_note = cap(
        data,
        "hardware_type",
        MAX_MATRIX_HARDWARE,
        "hardware types",
        "--hardware A,B,...",
    )
    data, model_note = cap(
        data, "model_name", matrix_rows_limit(two_lines), "models", "--model A,B,..."
    )
    return data, [model_note, hw_note]


def _top_down(names: pd.Series) -> pd.Categorical:
    """Model names in alphabetical order from the top (a discrete y axis starts at the bottom)."""
    return pd.Categorical(names, categories=sorted(names.unique(), key=str, reverse=True))


def _matrix_size(data: pd.DataFrame, two_lines: bool) -> tuple[float, float]:
    n_hw = data["hardware_type"].nunique()
    n_models = data["model_name"].nunique()
    row = 0.5 if two_lines else 0.32
    return (
        min(MAX_INCHES, max(9.0, 1.7 * n_hw + 6.5)),
        max(4.0, MATRIX_MARGIN + row * n_models),
    )


def heatmap_chart(frame: pd.DataFrame, metric_name: str = "throughput") -> ggplot:
    """The best value per model and hardware type (rows of rpt_best_results) for one metric.

    Each tile holds the best measured value of the metric for that model on that hardware
    type, and under it the setting (batch size, precision, input size) of that best where the
    tiles differ in it; an estimate, labelled "(sim)" and faded, only where nothing was
    measured. A hardware type or model with no value is left out, not drawn empty.
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
    varying = [c for c, _ in SETTINGS if c in data and data[c].dropna().nunique() > 1]
    two_lines = bool(varying)
    data, cap_notes = _matrix_caps(data, two_lines)
    data["model_name"] = _top_down(data["model_name"])
    data["setting"] = [
        ", ".join(_setting_text(c, row[c], short=True) for c in varying if pd.notna(row[c]))
        for _, row in data.iterrows()
    ]
    known = [c for c, _ in SETTINGS if c in data]
    if known:
        subtitle = setting_subtitle(data, {c: "under each tile's value" for c in known})
    else:
        subtitle = "the setting of each value is not known"
    span = value_span(data, ["value"])
    log = bool(span is not None and span > LOG_SPAN)
    low, high = ("#f7fbff", "#4292c6") if m.higher_is_better else ("#4292c6", "#f7fbff")
    size = _matrix_size(data, two_lines)
    layers = [
        geom_tile(aes(fill="value", alpha="result", linetype="result"), color="black", size=0.3)
    ]
    if two_lines:
        layers += [
            geom_text(aes(label="label"), size=8, color="#222222", nudge_y=0.14),
            geom_text(aes(label="setting"), size=6, color="#444444", nudge_y=-0.17),
        ]
    else:
        layers.append(geom_text(aes(label="label"), size=8, color="#222222"))
    scale_note = f"log colour scale: the values span {span:,.0f}x" if log else ""
    return (
        ggplot(data, aes(x="hardware_type", y="model_name"))
        + layers
        + scale_fill_gradient(
            low=low,
            high=high,
            trans="log10" if log else "identity",
            name=m.short_label + (" (log scale)" if log else ""),
            labels=lambda values: [tick_label(v) for v in values],
        )
        + scale_alpha_manual(values=RESULT_ALPHA, limits=_kinds(data), name="Result")
        + scale_linetype_manual(values=RESULT_LINETYPE, limits=_kinds(data), name="Result")
        + _labs(
            size,
            f"Best {m.name}: model x hardware type",
            subtitle,
            simulated_caption(data, _notes(_matrix_note(m), scale_note, *cap_notes)),
            x="Hardware type",
            y="Model",
        )
        + _theme(size)
    )


def history_chart(
    frame: pd.DataFrame,
    metric_name: str = "throughput",
    model_name: str | None = None,
    hardware_type: str | None = None,
    note: str = "",
) -> ggplot:
    """A metric over time per configuration (rows of rpt_result_history): one colour per
    configuration (the same on every panel), one panel per hardware type, all on one scale;
    at most MAX_HISTORY_SERIES configurations (those with the most results)."""
    m = metric(metric_name)
    name = model_name or _single(frame, "model_name")
    where = f"model {name}" + (f" on {hardware_type}" if hardware_type else "")
    data = _prepared(frame, m, where)
    data["configuration_label"] = data["configuration_label"].astype(str)
    data, focus_note = cap(
        data,
        "configuration_label",
        MAX_HISTORY_SERIES,
        "configurations",
        "--precision or --batch-size",
    )
    data, panel_note = cap(data, "hardware_type", MAX_FACETS, "hardware types", "--hardware")
    data["configuration_label"] = _ordered(data, "configuration_label")
    data["measured_at"] = pd.to_datetime(data["measured_at"], utc=True).dt.tz_localize(None)
    log, span = log_axis(data, m)
    n = data["hardware_type"].nunique()
    size = chart_size(n, min(n, 2))
    colour = "configuration_label"
    from benchdb.reporting.regressions import history_marks

    marks, marks_note = history_marks(data, m.column)  # alerts of `benchdb regressions`
    layers = [*marks, geom_line(aes(x="measured_at", y=m.column, color=colour, group=colour))]
    if m.spread:
        p90, p99 = m.spread
        layers.append(
            geom_linerange(
                aes(
                    x="measured_at",
                    ymin=m.column,
                    ymax=p99,
                    color=colour,
                    alpha="result",
                    group=colour,
                )
            )
        )
    layers.append(
        geom_point(
            aes(x="measured_at", y=m.column, color=colour, alpha="result", shape="result"),
            size=2.5,
        )
    )
    levels = _levels(data, "configuration_label")
    subtitle = setting_subtitle(
        data, {c: "colour (configuration)" for c in ("batch_size", "precision", "input_label")}
    )
    extra = _notes(
        "whisker: p50 to p99; times are UTC" if m.spread else "times are UTC",
        _scale_note(log, span, False, n),
        focus_note,
        panel_note,
        note,
        marks_note,
    )
    return (
        ggplot(data)
        + layers
        + time_axis(data["measured_at"])
        + facet_wrap("hardware_type", ncol=min(n, 2))
        + _value_scale(log)
        + scale_color_manual(values=palette(levels), limits=levels, name="Configuration")
        + _result_scales(data["result"], linetype=False)
        + _labs(
            size,
            f"{m.name.capitalize()} of {name} over time"
            + (f" on {hardware_type}" if hardware_type else ""),
            subtitle,
            simulated_caption(data, extra),
            x="Measured at (UTC)",
            y=axis_title(m, log),
        )
        + _theme(size)
    )


STATUS_COLOURS = {
    # Okabe-Ito hues (told apart with colour-blind vision); not tried stays white
    "measured": "#009E73",
    "simulated only": "#BBBBBB",
    "failed": "#D55E00",
    "unsupported": "#E69F00",
    "unavailable": "#F0E442",
    "not tried": "#FFFFFF",
}


def compatibility_chart(frame: pd.DataFrame) -> ggplot:
    """What is known for each model on each hardware type (rows of rpt_model_hardware_matrix):
    measured, simulated only, failed, unsupported, unavailable. Hardware types and models that
    were never tried are left out, and so are models and hardware types beyond what fits."""
    if frame is None or frame.empty:
        raise ReportError("no results in the model x hardware matrix: nothing to chart")
    data = frame[frame["configurations_tried"] > 0].copy()
    if data.empty:
        raise ReportError("no configuration has been tried yet: nothing to chart")
    data, cap_notes = _matrix_caps(data, False)
    data["model_name"] = _top_down(data["model_name"])
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
    simulated = int((data["compatibility_status"] == "simulated only").sum())
    size = _matrix_size(data, False)
    caption = _notes(
        f"{len(data)} model x hardware cells tried, {simulated} known only from "
        "simulation (grey, dashed)",
        "tile text: configurations completed / tried",
        *cap_notes,
    )
    return (
        ggplot(data, aes(x="hardware_type", y="model_name"))
        + geom_tile(aes(fill="compatibility_status", linetype="result"), color="black", size=0.3)
        + geom_text(aes(label="label"), size=8)
        + scale_fill_manual(values=STATUS_COLOURS, limits=levels, name="Status")
        + scale_linetype_manual(values=RESULT_LINETYPE, limits=_kinds(data), guide=None)
        + _labs(
            size,
            "What is known: model x hardware type",
            "",
            caption,
            x="Hardware type",
            y="Model",
        )
        + _theme(size)
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
    kinds = _kinds(data)
    size = chart_size(1)
    return (
        ggplot(data, aes(x="hardware_type", y="results"))
        + geom_col(aes(alpha="result", linetype="result"), fill="#0072B2", color="black", size=0.3)
        + scale_alpha_manual(values=RESULT_ALPHA, limits=kinds, name="Result")
        + scale_linetype_manual(values=RESULT_LINETYPE, limits=kinds, name="Result")
        + _labs(
            size,
            "Completed results per hardware type: measured and simulated",
            "",
            f"{total} completed results, {simulated} simulated (faded, dashed)",
            x="Hardware type",
            y="Completed results",
        )
        + _theme(size)
    )


# ---------------------------------------------------------------- generation


TTFT = Metric(
    "time to first token",
    "ttft_p50_ms",
    "Time to first token p50 (ms), lower is better",
    False,
    "",
    "TTFT p50 (ms)",
)
DECODE_TOKENS = Metric(
    "decode tokens per second",
    "decode_tokens_per_second",
    "Decode tokens/s, higher is better",
    True,
    "",
    "Decode tokens/s",
)
# a generation's setting, beside the one the x axis shows: (column, words, text of a value)
GENERATION_SETTINGS = (
    ("model_name", "model", str),
    ("batch_size", "batch size", lambda v: f"batch {int(v)}"),
    ("input_length", "input length", lambda v: f"in {int(v)}"),
    ("output_length", "output length", lambda v: f"out {int(v)} tokens"),
    ("precision", "precision", str),
    ("backend", "backend", str),
)


def _generation_series(data: pd.DataFrame, x: str) -> tuple[pd.DataFrame, str, list[str]]:
    """One line per setting but the x axis: a `series` label naming what varies (model,
    batch, lengths, precision, backend); what does not vary is stated once (returned)."""
    fixed, varying = [], []
    for column, words, text in GENERATION_SETTINGS:
        if column == x:
            continue
        values = data[column].dropna().unique()
        if len(values) == 1:
            fixed.append(text(values[0]))
        else:
            varying.append((column, words, text))
    data = data.copy()
    if varying:
        data["series"] = [
            ", ".join(text(row[column]) for column, _, text in varying)
            for _, row in data.iterrows()
        ]
    else:
        data["series"] = fixed[0] if fixed else "all"
    subtitle = f"all at {', '.join(fixed)}" if fixed else ""
    if varying:
        subtitle += ("; " if subtitle else "") + (
            f"{_and([words for _, words, _ in varying])}: colour"
        )
    return data, subtitle, [w for _, w, _ in varying]


def _generation_chart(
    frame: pd.DataFrame,
    m: Metric,
    x: str,
    x_title: str,
    title: str,
    spread: str | None,
    note: str,
) -> ggplot:
    """A generation metric against `x` (input length or batch size), one panel per hardware
    type on one scale, one colour per setting; estimates faded, as on every chart."""
    data = _prepared(frame, m, "generation")
    data, subtitle, _ = _generation_series(data, x)
    data, focus_note = cap(
        data, "series", MAX_COLOURS, "settings", "--model, --precision or --batch-size"
    )
    data, panel_note = cap(data, "hardware_type", MAX_FACETS, "hardware types", "--hardware")
    data = data.sort_values(["series", x], kind="stable")
    span_columns = [m.column, *([spread] if spread else [])]
    span = value_span(data, span_columns)
    log = bool(span is not None and span > LOG_SPAN)
    n = data["hardware_type"].nunique()
    size = chart_size(n, min(n, 2))
    levels = _levels(data, "series")
    # x: powers of two are the usual lengths and batch sizes: a log2 axis when they span >10x
    x_values = sorted(int(v) for v in data[x].unique())
    x_log = x_values[-1] > LOG_SPAN * x_values[0]
    # a line joining estimates only is faded and dashed, like the estimates it joins
    estimated_only = data.groupby("series", observed=True)["result"].transform(
        lambda r: bool((r == SIMULATED).all())
    )
    line = aes(x=x, y=m.column, color="series", group="series")
    layers = [
        geom_line(line, data=data[~estimated_only.astype(bool)], size=0.8),
        geom_line(
            line,
            data=data[estimated_only.astype(bool)],
            size=0.8,
            linetype="dashed",
            alpha=RESULT_ALPHA[SIMULATED],
        ),
    ]
    has_spread = spread is not None and data[spread].notna().any()
    if has_spread:
        layers.append(
            geom_linerange(
                aes(x=x, ymin=m.column, ymax=spread, color="series", alpha="result"),
                size=2.0,
            )
        )
    layers.append(
        geom_point(aes(x=x, y=m.column, color="series", alpha="result", shape="result"), size=3)
    )
    x_note = f"{x_title} on a log2 scale: it spans {x_values[-1] / x_values[0]:,.0f}x"
    extra = _notes(
        "point: median (p50); thick line: to p90 where 100 samples allowed one"
        if has_spread
        else "",
        x_note if x_log else "",
        _scale_note(log, span, False, n),
        focus_note,
        panel_note,
        note,
    )
    x_scale = (
        scale_x_continuous(
            trans="log2", breaks=x_values, labels=[str(v) for v in x_values], minor_breaks=[]
        )
        if x_log
        else scale_x_continuous(breaks=x_values, labels=[str(v) for v in x_values])
    )
    return (
        ggplot(data)
        + layers
        + x_scale
        + facet_wrap("hardware_type", ncol=min(n, 2))
        + _value_scale(log)
        + scale_color_manual(values=palette(levels), limits=levels, name="Setting")
        + _result_scales(data["result"], linetype=False)
        + _labs(
            size,
            title,
            subtitle,
            simulated_caption(data, extra),
            x=f"{x_title} (log2 scale)" if x_log else x_title,
            y=axis_title(m, log),
        )
        + _theme(size, rotate_x=False)
    )


def ttft_vs_input_length_chart(frame: pd.DataFrame, note: str = "") -> ggplot:
    """Time to first token (the prefill) against the prompt's length (rows of
    rpt_generation_results), per hardware type."""
    return _generation_chart(
        frame,
        TTFT,
        "input_length",
        "Input length (prompt tokens per item)",
        "Time to first token by input length",
        "ttft_p90_ms",
        note,
    )


def tokens_per_second_vs_batch_chart(frame: pd.DataFrame, note: str = "") -> ggplot:
    """Decode tokens per second against batch size (rows of rpt_generation_results), per
    hardware type."""
    return _generation_chart(
        frame,
        DECODE_TOKENS,
        "batch_size",
        "Batch size",
        "Decode tokens per second by batch size",
        None,
        note,
    )


CHART_FUNCTIONS = {
    "hardware-comparison": hardware_comparison_chart,
    "model-comparison": model_comparison_chart,
    "batch-size": batch_size_chart,
    "heatmap": heatmap_chart,
    "history": history_chart,
    "ttft-vs-input-length": ttft_vs_input_length_chart,
    "tokens-per-second-vs-batch": tokens_per_second_vs_batch_chart,
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
        try:
            plot.save(path, dpi=dpi, verbose=False)
        except OSError as exc:
            raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from None
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
        f"tile: {best} over batch sizes, precisions and input sizes (darker is better)\n"
        "'(sim)': an estimate, shown only where nothing was measured"
    )


def _short_number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"
