"""How much of the warehouse is simulated: totals, and by hardware, model and reason."""

from __future__ import annotations

from pathlib import Path

from benchdb.warehouse import connect_read_only

_GROUPS = {
    "by_hardware": "hardware_type",
    "by_model": "model_name",
}
_WITH_METRICS = "status = 'completed'"


def simulation_report(con) -> dict:
    """The old generate_simulation_report on a DuckDB connection or cursor: total, simulated,
    measured, percentage (0-100), by hardware, by model, by reason and by method.

    Counted over results that carry numbers (status completed); rows_without_metrics counts the
    failed, unsupported and unavailable ones, which are neither measured nor simulated numbers.
    """
    total, simulated, without = con.execute(
        f"select count(*) filter (where {_WITH_METRICS}), "
        f"count(*) filter (where {_WITH_METRICS} and is_simulated), "
        f"count(*) filter (where not ({_WITH_METRICS})) from performance_results"
    ).fetchone()
    report: dict = {
        "total": total,
        "simulated": simulated,
        "measured": total - simulated,
        "percentage": round(100.0 * simulated / total, 2) if total else 0.0,
        "rows_without_metrics": without,
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
        f"{report['simulated']} of {report['total']} results are simulated "
        f"({report['percentage']}%); {report['measured']} are measurements "
        f"({report['rows_without_metrics']} failed, unsupported or unavailable rows carry no "
        "numbers).",
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
