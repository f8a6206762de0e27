"""The generation tables: rpt_generation_results' standing results as the report and the
dashboard show them, measurements and estimates in tables of their own, then what did not
complete. One loader for both (`generation_tables`), so the two pages cannot disagree."""

from __future__ import annotations

from benchdb.reporting import data

MEASURED = "Generation: measured"
ESTIMATED = "Generation: estimated (simulated, not measured)"
FAILED = "Generation: did not complete"

_SQL = """
select
    model_name, hardware_type, device_name, precision, backend, batch_size,
    input_length, output_length,
    round(ttft_p50_ms, 3) as ttft_p50_ms, round(ttft_p90_ms, 3) as ttft_p90_ms,
    round(tpot_p50_ms, 3) as tpot_p50_ms, round(tpot_p90_ms, 3) as tpot_p90_ms,
    round(decode_tokens_per_second, 2) as decode_tokens_per_second,
    round(total_tokens_per_second, 2) as total_tokens_per_second,
    round(memory_peak_mb, 1) as peak_mb,
    case when is_simulated then 'simulated' else 'measured' end as result,
    {extra}
    strftime(measured_at, '%Y-%m-%d %H:%M') as measured_at_utc
from rpt_generation_results
where status = 'completed' and is_simulated = $simulated{where}
order by model_name, hardware_type, precision, backend, batch_size, input_length, output_length
"""
_FAILED_SQL = """
select
    model_name, hardware_type, precision, backend, batch_size, input_length, output_length,
    status, error_message, attempts,
    strftime(measured_at, '%Y-%m-%d %H:%M') as last_tried_utc
from rpt_generation_results
where status <> 'completed'{where}
order by model_name, hardware_type, precision, backend, batch_size, input_length, output_length
"""

MEASURED_NOTE = (
    "benchdb run --kind generate, one row per configuration (its standing measurement). "
    "TTFT: the prefill, one sample per timed generation; TPOT: every decode step; p90 is NULL "
    "below 100 samples (docs/generation.md). decode_tokens_per_second = batch x 1000 / mean "
    "TPOT; total_tokens_per_second = batch x (input + output length) / mean end-to-end time. "
    "quality: 'noisy' when measured on a busy host (docs/landing_zone.md)."
)
ESTIMATED_NOTE = (
    "Roofline estimates (roofline-generate: prefill compute-bound, decode bound by the bytes "
    "of weights and KV cache read per token; each row's simulation_method in "
    "performance_results names the version and every input; docs/simulation.md), not "
    "measurements: for configurations whose hardware was absent (--force-simulation) or beside "
    "a measurement (--also-estimate). Never mixed into the measured table."
)
FAILED_NOTE = (
    "Configurations with no completed result: their latest attempt failed, timed out or was "
    "refused; no numbers (never zeros), the error says why."
)


def has_generation_mart(con) -> bool:
    """Whether the warehouse has rpt_generation_results (one built before generations has not)."""
    from benchdb.queries import TABLES_SQL

    return "rpt_generation_results" in {r[0] for r in con.sql(TABLES_SQL).fetchall()}


def generation_tables(
    con, model_names: list[str] | None = None, hardware_types: list[str] | None = None
) -> list[tuple[str, object, str]]:
    """(heading, pyarrow Table, note) of each generation table that has rows: measured (always,
    when any table has rows), estimated, did not complete; narrowed to `model_names` and
    `hardware_types` where given. Empty without generations."""
    if not has_generation_mart(con):
        return []
    where, params = data.narrowed_to(model_names, hardware_types)
    measured = data.arrow(
        con, _SQL.format(extra="quality,", where=where), {**params, "simulated": False}
    )
    estimated = data.arrow(
        con, _SQL.format(extra="simulation_reason,", where=where), {**params, "simulated": True}
    )
    failed = data.arrow(con, _FAILED_SQL.format(where=where), params)
    if not (measured.num_rows or estimated.num_rows or failed.num_rows):
        return []
    tables = [(MEASURED, measured, MEASURED_NOTE)]
    if estimated.num_rows:
        tables.append((ESTIMATED, estimated, ESTIMATED_NOTE))
    if failed.num_rows:
        tables.append((FAILED, failed, FAILED_NOTE))
    return tables
