"""`benchdb compare`: hardware side by side for a model, or models side by side on hardware.

Both are pivots of the reporting marts into a plain table: a simulated value carries a '*'
(text formats) or its series is listed in a `simulated` column (CSV, JSON). The best of each
row is the comparison mart's (`is_best_*`: a measurement beats an estimate, so an estimate is
best only where nothing in the row was measured, and then it carries a '*' too). The footnote
adds rpt_best_results: each series' best over every configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchdb.reporting import chart_data, data
from benchdb.reporting.formats import number_text

UNITS = {
    "throughput": "items per second, higher is better",
    "latency": "median (p50) latency in ms, lower is better",
    "memory": "peak memory in MiB, lower is better",
}


@dataclass
class Comparison:
    """A pivot: key columns, then one column per series, then notes."""

    title: str
    key_columns: list[str]
    series: list[str]
    rows: list[dict]  # key values and series -> value
    simulated: set[tuple[int, str]]  # (row index, series) whose value is an estimate
    metric: data.Metric
    best_column: str  # the column naming the best series of each row
    best_simulated: set[int] = field(default_factory=set)  # rows whose best is an estimate
    overall: list[str] = field(default_factory=list)  # rpt_best_results, one line per series

    def cells(self, mark: bool = True) -> tuple[list[str], list[tuple]]:
        """Columns and rows for a table; with `mark`, simulated values end in '*'."""
        columns = [*self.key_columns, *self.series, self.best_column]
        out = []
        for i, row in enumerate(self.rows):
            values = [row[k] for k in self.key_columns]
            for s in self.series:
                value = row.get(s)
                if value is None:
                    values.append(None)
                elif mark:
                    star = "*" if (i, s) in self.simulated else ""
                    values.append(number_text(float(value)) + star)
                else:
                    values.append(value)
            best = row[self.best_column]
            values.append(f"{best}*" if mark and best and i in self.best_simulated else best)
            out.append(tuple(values))
        if not mark:
            columns.append("simulated")
            out = [
                (*r, ",".join(s for s in self.series if (i, s) in self.simulated) or None)
                for i, r in enumerate(out)
            ]
        return columns, out

    def footnote(self) -> str:
        n = len(self.simulated)
        total = sum(1 for r in self.rows for s in self.series if r.get(s) is not None)
        note = f"{self.metric.name}: {UNITS[self.metric.name]}"
        if n:
            note += f"\n* simulated (an estimate, not a measurement): {n} of {total} values"
        else:
            note += f"\nnone of the {total} values is simulated"
        if self.overall:
            note += "\nbest over all configurations (rpt_best_results): " + "; ".join(self.overall)
        return note


def _pivot(frame, keys, series_column, m, title, best_label) -> Comparison:
    series = sorted(frame[series_column].dropna().unique().tolist())
    rows, simulated, index = [], set(), {}
    best: dict[int, list[tuple[str, bool]]] = {}
    for record in frame.to_dict("records"):
        value = record.get(m.column)
        if value is None or value != value:  # NULL or NaN: not measured
            continue
        key = tuple(record[k] for k in keys)
        if key not in index:
            index[key] = len(rows)
            rows.append({k: record[k] for k in keys})
        i = index[key]
        rows[i][record[series_column]] = value
        if record["is_simulated"]:
            simulated.add((i, record[series_column]))
        if record[m.best_flag]:
            best.setdefault(i, []).append((record[series_column], bool(record["is_simulated"])))
    if not rows:
        raise data.ReportError(f"no {m.name} values for {title}: nothing to compare")
    best_simulated = set()
    for i, row in enumerate(rows):
        # the mart's pick; equal values tie, and the first name in order is shown
        name, is_estimate = min(best[i]) if i in best else (None, False)
        row[best_label] = name
        if is_estimate:
            best_simulated.add(i)
    return Comparison(title, keys, series, rows, simulated, m, best_label, best_simulated)


def _overall(con, m: data.Metric, where: str, value: str, series_column: str) -> list[str]:
    """rpt_best_results' line per series: '<series> <best value>[*] (<configuration>)'."""
    frame = data.frame(
        con,
        f"select {series_column}, value, is_simulated, configuration_label "
        f"from rpt_best_results where metric = $metric and {where} = $value "
        f"order by {series_column}",
        {"metric": m.column, "value": value},
    )
    return [
        f"{r[series_column]} {number_text(float(r['value']))}{'*' if r['is_simulated'] else ''} "
        f"({r['configuration_label']})"
        for r in frame.to_dict("records")
    ]


def compare_hardware(
    con,
    model_name: str,
    metric_name: str,
    precision: str | None = None,
    batch_size: int | None = None,
) -> Comparison:
    """One row per configuration of the model, one column per hardware type."""
    m = data.metric(metric_name)
    frame = chart_data.hardware_comparison(con, model_name, precision, batch_size)
    frame = frame.sort_values(["precision", "batch_size", "input_label"], kind="stable")
    comparison = _pivot(
        frame,
        ["precision", "batch_size", "input_label"],
        "hardware_type",
        m,
        f"model {model_name}",
        "best_hardware",
    )
    comparison.overall = _overall(con, m, "model_name", model_name, "hardware_type")
    return comparison


def compare_models(
    con,
    hardware_type: str,
    metric_name: str,
    precision: str | None = None,
    batch_size: int | None = None,
) -> Comparison:
    """One row per precision and batch size, one column per model (with its input size)."""
    m = data.metric(metric_name)
    frame = chart_data.model_comparison(con, hardware_type, None, precision, batch_size)
    comparison = _pivot(
        frame.sort_values(["precision", "batch_size"], kind="stable"),
        ["precision", "batch_size"],
        "model_label",
        m,
        f"hardware {hardware_type}",
        "best_model",
    )
    comparison.overall = _overall(con, m, "hardware_type", hardware_type, "model_name")
    return comparison
