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


ACCURACY_COLUMNS = (
    "hardware_type, estimated_with_device, metric, calibration_status, calibration_rows, "
    "left_out_rows, calibration_method, round(calibration_factor, 4) as factor, "
    "round(calibration_overhead_ms, 4) as overhead_ms, "
    "round(left_out_median_abs_error_pct, 1) as left_out_median_abs_error_pct, "
    "round(least(left_out_factor_rms_log_error, coalesce(left_out_affine_rms_log_error, "
    "left_out_factor_rms_log_error)), 4) as left_out_rms_log_error, "
    "round(roofline_geometric_mean_ratio, 4) as roofline_geometric_mean_ratio, "
    "round(roofline_min_ratio, 4) as roofline_min_ratio, "
    "round(roofline_max_ratio, 4) as roofline_max_ratio, noisy_rows, calibrated_through, "
    "calibration_reason"
)
ACCURACY_ROW_COLUMNS = (
    "hardware_type, estimated_with_device, metric, model_name, precision, batch_size, "
    "measured_quality, round(measured_ms, 3) as measured_ms, "
    "round(roofline_ms, 3) as roofline_ms, round(roofline_ratio, 4) as roofline_ratio, "
    "left_out_fit_rows, round(left_out_factor_ratio, 4) as left_out_factor_ratio, "
    "round(left_out_affine_ratio, 4) as left_out_affine_ratio, "
    "round(estimated_ratio, 4) as estimated_ratio, estimate_calibration_method"
)


def simulation_accuracy(
    db_path: Path, evidence: bool = False, every_device: bool = False
) -> tuple[list[str], list[tuple]]:
    """simulation_accuracy per device and metric (devices with measured rows, or every catalog
    device), or its evidence, simulation_accuracy_rows (`evidence`)."""
    if evidence:
        sql = (
            f"select {ACCURACY_ROW_COLUMNS} from simulation_accuracy_rows "
            "order by hardware_type, estimated_with_device, metric, model_name, batch_size"
        )
    else:
        where = "" if every_device else "where calibration_rows > 0 "
        sql = (
            f"select {ACCURACY_COLUMNS} from simulation_accuracy {where}"
            "order by hardware_type, estimated_with_device, metric"
        )
    with connect_read_only(db_path) as con:
        cursor = con.execute(sql)
        return [d[0] for d in cursor.description], cursor.fetchall()
