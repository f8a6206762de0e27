"""Regressions where people look: a chart of one series with its windows and change point,
marks on the history chart, and the regressions section of the HTML report and dashboard.

Reads the `regressions` and `regression_points` marts (docs/regressions.md); a warehouse built
before they existed gets a sentence saying so, never an error.
"""

from __future__ import annotations

import pandas as pd
from plotnine import (
    aes,
    annotate,
    geom_line,
    geom_point,
    geom_rect,
    geom_vline,
    ggplot,
)

from benchdb.reporting import data
from benchdb.reporting.data import ReportError

MAX_REPORT_CHARTS = 4
CHANGE_COLOUR = "#D55E00"  # Okabe-Ito vermillion
RECENT_FILL = "#E69F00"  # orange
BASELINE_FILL = "#56B4E9"  # sky blue
METRIC_NAMES = {
    "latency_p50_ms": "latency",
    "throughput_items_per_second": "throughput",
    "memory_peak_mb": "memory",
    "ttft_p50_ms": "time to first token",
    "tpot_p50_ms": "time per output token",
    "decode_tokens_per_second": "decode tokens/s",
}


def has_regressions(con) -> bool:
    from benchdb.queries import TABLES_SQL

    return "regressions" in {r[0] for r in con.sql(TABLES_SQL).fetchall()}


def alerts(con, limit: int = 200):
    """Regressions, then suspects, then improvements (benchdb.regressions.regressions_sql)."""
    from benchdb import regressions

    sql, params = regressions.regressions_sql()
    return data.arrow(con, f"{sql} limit {int(limit)}", params)


def alerts_table(con):
    """The alerts in words (the columns `benchdb regressions` prints), as a pyarrow Table."""
    import pyarrow as pa

    from benchdb import regressions

    rows = regressions.display_rows(alerts(con))
    columns = list(regressions.DISPLAY_COLUMNS)
    return pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})


def section(con) -> tuple[str, object, str]:
    """(heading, table, note) of the regressions section of a report or the dashboard."""
    import pyarrow as pa

    heading = "Regressions, suspects and improvements"
    if not has_regressions(con):
        note = "This warehouse has no regressions mart yet: run `benchdb build`."
        return heading, pa.table({}), note
    from benchdb import regressions

    counts = regressions.status_counts(con)
    note = (
        "Last 5 runs of each series against up to 20 before them: an alert needs p < 0.001 and "
        "the median to move by at least 3% (5% on a shared host); two alerting runs in a row "
        "confirm it (docs/regressions.md). " + regressions.summary_line(counts, 0).split("; ")[1]
    )
    return heading, alerts_table(con), note


def series_points(con, series_id: str) -> pd.DataFrame:
    return data.frame(
        con,
        "select * from regression_points where series_id = $series order by point_number",
        {"series": series_id},
    )


def regression_chart(points: pd.DataFrame, regression: dict):
    """One series over its points: the baseline and recent windows shaded, the change point a
    dashed line between the last point before it and the first after, and what changed in the
    caption."""
    from benchdb.reporting.charts import _labs, _theme, wrap

    if points is None or points.empty:
        raise ReportError(f"series {regression['series_id']} has no points: nothing to chart")
    frame = points.copy()
    frame["point_number"] = frame["point_number"].astype(int)
    size = (8.0, 4.5)
    top, bottom = frame["metric_value"].max(), frame["metric_value"].min()
    pad = 0.05 * (top - bottom or abs(top) or 1.0)
    layers = []
    for first, last, fill in (
        (regression.get("baseline_first_point"), regression.get("recent_first_point"), "b"),
        (regression.get("recent_first_point"), int(frame["point_number"].max()) + 1, "r"),
    ):
        if first is None or last is None:
            continue
        layers.append(
            annotate(
                "rect",
                xmin=first - 0.5,
                xmax=last - 0.5,
                ymin=bottom - pad,
                ymax=top + pad,
                fill=BASELINE_FILL if fill == "b" else RECENT_FILL,
                alpha=0.15,
            )
        )
    layers += [
        geom_line(aes("point_number", "metric_value"), color="#555555"),
        geom_point(aes("point_number", "metric_value"), color="#000000", size=2),
    ]
    if regression.get("change_point") is not None:
        layers.append(
            geom_vline(
                xintercept=regression["change_point"] - 0.5,
                color=CHANGE_COLOUR,
                linetype="dashed",
                size=1,
            )
        )
    metric = regression["metric"]
    title = (
        f"{regression['status'].capitalize()}: {regression['model_name']} on "
        f"{regression['hardware_type']}, {regression['configuration_label']}"
    )
    subtitle = _subtitle(regression)
    caption = (
        "blue: baseline window; orange: the last runs tested against it; dashed line: the "
        "change point (first run of the new level). "
        + (f"What changed: {regression['what_changed']}" if regression.get("what_changed") else "")
    )
    return (
        ggplot(frame)
        + layers
        + _labs(
            size,
            wrap(title, size[0], 11),
            wrap(subtitle, size[0], 9),
            wrap(caption, size[0], 8),
            x="Point (measured runs in time order)",
            y=metric,
        )
        + _theme(size, rotate_x=False)
    )


def _subtitle(r: dict) -> str:
    parts = [f"{METRIC_NAMES.get(r['metric'], r['metric'])}"]
    if r.get("change_pct") is not None:
        parts.append(
            f"change {r['change_pct']:+.1f}% (95% interval {r['change_pct_low']:+.1f}% to "
            f"{r['change_pct_high']:+.1f}%) from run {r['change_run_id']}"
        )
    elif r.get("median_change_pct") is not None:
        parts.append(f"median of the last {r['recent_points']} {r['median_change_pct']:+.1f}%")
    if r.get("p_value") is not None:
        parts.append(f"p = {r['p_value']:.2g}")
    return "; ".join(parts)


def report_charts(con, limit: int = MAX_REPORT_CHARTS) -> list[tuple[str, object]]:
    """(title, plot()) for the first alerts, as reports.Report.charts holds them."""
    if not has_regressions(con):
        return []
    rows = alerts(con, limit).to_pylist()
    out = []
    for row in rows:
        points = series_points(con, row["series_id"])
        title = f"{row['status']}: {row['model_name']} {row['configuration_label']} {row['metric']}"
        out.append((title, lambda p=points, r=row: regression_chart(p, r)))
    return out


# ---------------------------------------------------------------- marks on the history chart


def with_marks(con, frame: pd.DataFrame, metric_name: str) -> pd.DataFrame:
    """The history chart's frame with each configuration's alert (status, windows, change
    time) for the charted metric, where there is one: what `history_marks` draws."""
    if frame is None or frame.empty or not has_regressions(con):
        return frame
    m = data.metric(metric_name)
    marks = data.frame(
        con,
        "select model_name, hardware_type, configuration_label, status as regression_status, "
        "baseline_started_at, recent_started_at, changed_at "
        "from regressions where metric = $metric and status in "
        "('regression', 'improvement', 'suspect')",
        {"metric": m.column},
    )
    if marks.empty:
        return frame
    # a configuration on two devices has two series: the history chart draws them as one
    marks = marks.drop_duplicates(["model_name", "hardware_type", "configuration_label"])
    return frame.merge(marks, on=["model_name", "hardware_type", "configuration_label"], how="left")


def history_marks(data_frame: pd.DataFrame, column: str) -> tuple[list, str]:
    """Layers for the history chart, and its caption's note: per alerting configuration, its
    recent window shaded and its change point a dashed line. Nothing when the frame carries
    no marks (`with_marks`)."""
    if "regression_status" not in data_frame:
        return [], ""
    marked = data_frame.dropna(subset=["regression_status"]).drop_duplicates(
        ["configuration_label", "hardware_type"]
    )
    if marked.empty:
        return [], ""
    marked = marked.copy()
    for name in ("recent_started_at", "changed_at"):
        marked[name] = pd.to_datetime(marked[name], utc=True).dt.tz_localize(None)
    marked["window_end"] = data_frame["measured_at"].max()
    # the value range, not +-inf: a log axis cannot place infinities
    marked["low"], marked["high"] = data_frame[column].min(), data_frame[column].max()
    layers = [
        geom_rect(
            aes(xmin="recent_started_at", xmax="window_end", ymin="low", ymax="high"),
            data=marked,
            fill=RECENT_FILL,
            alpha=0.12,
            inherit_aes=False,
        )
    ]
    changed = marked.dropna(subset=["changed_at"])
    if not changed.empty:
        layers.append(
            geom_vline(
                aes(xintercept="changed_at"),
                data=changed,
                color=CHANGE_COLOUR,
                linetype="dashed",
                inherit_aes=False,
            )
        )
    statuses = ", ".join(
        f"{r.configuration_label}: {r.regression_status}" for r in marked.itertuples()
    )
    note = (
        f"shaded: the last runs `benchdb regressions` tested; dashed: a change point ({statuses})"
    )
    return layers, note
