"""How much of the warehouse is simulated: totals, and by hardware, model and reason."""

from __future__ import annotations

from pathlib import Path

from runners.warehouse import connect_read_only

_GROUPS = {
    "by_hardware": "hardware_type",
    "by_model": "model_name",
}


def generate_simulation_report(db_path: Path) -> dict:
    """Counts over results with metrics (status completed); percentages on a 0-100 scale."""
    with connect_read_only(db_path) as con:
        total, simulated = con.execute(
            "select count(*), count(*) filter (where is_simulated) from performance_results "
            "where status = 'completed'"
        ).fetchone()
        report: dict = {
            "total_results": total,
            "simulated_results": simulated,
            "measured_results": total - simulated,
            "simulated_percentage": round(100.0 * simulated / total, 2) if total else 0.0,
        }
        for key, column in _GROUPS.items():
            rows = con.execute(
                f"select {column}, count(*), count(*) filter (where is_simulated) "
                "from performance_results where status = 'completed' group by all order by 1"
            ).fetchall()
            report[key] = [
                {
                    column: name,
                    "total": n,
                    "simulated": s,
                    "simulated_percentage": round(100.0 * s / n, 2),
                }
                for name, n, s in rows
            ]
        report["by_reason"] = [
            {"simulation_reason": reason, "count": n}
            for reason, n in con.execute(
                "select simulation_reason, count(*) from performance_results "
                "where status = 'completed' and is_simulated group by all order by 2 desc, 1"
            ).fetchall()
        ]
        report["by_method"] = [
            {"simulation_method": method, "count": n}
            for method, n in con.execute(
                "select coalesce(split_part(simulation_method, ' ', 1), '(none recorded)'), "
                "count(*) from performance_results where status = 'completed' and is_simulated "
                "group by all order by 2 desc"
            ).fetchall()
        ]
    return report


def report_markdown(report: dict) -> str:
    lines = [
        "# Simulation report",
        "",
        f"{report['simulated_results']} of {report['total_results']} results are simulated "
        f"({report['simulated_percentage']}%); {report['measured_results']} are measurements.",
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
            f"| {r[column]} | {r['total']} | {r['simulated']} | {r['simulated_percentage']} |"
            for r in report[key]
        ]
    lines += ["", "## By reason", "", "| reason | results |", "|---|---|"]
    lines += [f"| {r['simulation_reason']} | {r['count']} |" for r in report["by_reason"]]
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
