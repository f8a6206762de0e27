"""How much of the warehouse is simulated: totals, and by hardware, model and reason."""

from __future__ import annotations

from pathlib import Path

from benchdb.reporting.summary import simulated_sentence, warehouse_sentence, warehouse_summary
from benchdb.warehouse import connect_read_only

_GROUPS = {
    "by_hardware": "hardware_type",
    "by_model": "model_name",
}
_WITH_METRICS = "status = 'completed'"


def simulation_report(con) -> dict:
    """The old generate_simulation_report on a DuckDB connection or cursor: total, simulated,
    measured, percentage (0-100), by hardware, by model, by reason and by method.

    The totals are rpt_warehouse_summary's, the numbers the reports and the dashboard print:
    total = results_completed (results that carry numbers), simulated = results_simulated,
    measured = results_measured, rows_without_metrics = results_without_metrics (failed,
    unsupported and unavailable rows, neither measured nor simulated). `summary` holds the whole
    row (models, configurations, legacy results ...); `sentence` is the share in words.
    """
    summary = warehouse_summary(con)
    total = int(summary["results_completed"])
    simulated = int(summary["results_simulated"])
    report: dict = {
        "total": total,
        "simulated": simulated,
        "measured": int(summary["results_measured"]),
        "percentage": round(100.0 * simulated / total, 2) if total else 0.0,
        "rows_without_metrics": int(summary["results_without_metrics"]),
        "sentence": simulated_sentence(summary),
        "summary": summary,
    }
    for key, column in _GROUPS.items():
        rows = con.execute(
            f"select {column}, count(*), count(*) filter (where is_simulated) "
            f"from performance_results where {_WITH_METRICS} group by all order by 1"
        ).fetchall()
        report[key] = [
            {column: name, "total": n, "simulated": s, "percentage": round(100.0 * s / n, 2)}
            for name, n, s in rows
        ]
    report["by_reason"] = [
        {"reason": reason, "results": n}
        for reason, n in con.execute(
            "select simulation_reason, count(*) from performance_results "
            f"where {_WITH_METRICS} and is_simulated group by all order by 2 desc, 1"
        ).fetchall()
    ]
    report["by_method"] = [
        {"method": method, "results": n}
        for method, n in con.execute(
            "select coalesce(split_part(simulation_method, ' ', 1), '(none recorded)'), "
            f"count(*) from performance_results where {_WITH_METRICS} and is_simulated "
            "group by all order by 2 desc"
        ).fetchall()
    ]
    return report


def generate_simulation_report(db_path: Path) -> dict:
    with connect_read_only(db_path) as con:
        return simulation_report(con)


def report_markdown(report: dict) -> str:
    lines = [
        "# Simulation report",
        "",
        f"{report['sentence']} {report['measured']} are measurements; "
        f"{report['rows_without_metrics']} failed, unsupported or unavailable rows carry no "
        "numbers.",
        "",
        warehouse_sentence(report["summary"]),
    ]
    for title, key, column in (
        ("By hardware", "by_hardware", "hardware_type"),
        ("By model", "by_model", "model_name"),
    ):
        lines += [
            "",
            f"## {title}",
            "",
            f"| {column} | results | simulated | % |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r[column]} | {r['total']} | {r['simulated']} | {r['percentage']} |"
            for r in report[key]
        ]
    lines += ["", "## By reason", "", "| reason | results |", "|---|---|"]
    lines += [f"| {r['reason']} | {r['results']} |" for r in report["by_reason"]]
    return "\n".join(lines) + "\n"


def simulated_results(db_path: Path) -> tuple[list[str], list[tuple]]:
    with connect_read_only(db_path) as con:
        cursor = con.execute(
            "select result_id, model_name, hardware_type, device_name, batch_size, precision, "
            "sequence_length, average_latency_ms, throughput_items_per_second, "
            "simulation_reason, simulation_method, measured_at from performance_results "
            "where is_simulated order by measured_at, model_name"
        )
        return [d[0] for d in cursor.description], cursor.fetchall()
