"""The warehouse's counts, read from the one mart that defines them (rpt_warehouse_summary).

The reports, the dashboard and `simulation report` (CLI, Python and REST) print these numbers and
these sentences, so the same warehouse reads the same everywhere: "models" are models with a
completed result, and the simulated share is simulated / completed results.
"""

from __future__ import annotations

from runners.errors import BenchdbError

SUMMARY_MART = "rpt_warehouse_summary"


class SummaryMissing(BenchdbError):
    """The warehouse predates rpt_warehouse_summary."""


def warehouse_summary(con) -> dict:
    """rpt_warehouse_summary's one row as a dict; `con` is a DuckDB connection or cursor."""
    import duckdb

    try:
        cursor = con.execute(f"select * from {SUMMARY_MART}")
    except duckdb.CatalogException:
        raise SummaryMissing(
            f"the warehouse has no {SUMMARY_MART}: rebuild it with `benchdb build`"
        ) from None
    columns = [d[0] for d in cursor.description]
    (row,) = cursor.fetchall()  # one row by construction; fetchall leaves no open result
    return dict(zip(columns, row))


def simulated_share_text(summary: dict) -> str:
    """'3 of 5 results are simulated (60.0%)': the share, over completed results."""
    completed = int(summary["results_completed"])
    simulated = int(summary["results_simulated"])
    share = 100.0 * simulated / completed if completed else 0.0
    return f"{simulated} of {completed} results are simulated ({share:.1f}%)"


def simulated_sentence(summary: dict) -> str:
    """The share with what it means; every surface starts its simulated note with it."""
    if not int(summary["results_completed"]):
        return "0 of 0 results are simulated: the warehouse holds no completed result yet."
    if not int(summary["results_simulated"]):
        return f"{simulated_share_text(summary)}: every number is a measurement."
    return f"{simulated_share_text(summary)}: estimates, not measurements."


def warehouse_sentence(summary: dict) -> str:
    """Results, models and configurations in one sentence, with the summary's own words."""
    return (
        f"The warehouse holds {summary['results_total']} results: "
        f"{summary['results_completed']} completed ({summary['results_measured']} measured, "
        f"{summary['results_simulated']} simulated) and {summary['results_without_metrics']} "
        f"without metrics (failed, unsupported or unavailable); {summary['legacy_results']} "
        f"migrated from legacy files. {_count(summary['models_with_results'], 'model')} on "
        f"{_count(summary['hardware_types_with_results'], 'hardware type')} have completed "
        f"results (the catalog lists {summary['models_in_catalog']}). Of "
        f"{summary['configurations']} configurations, {summary['configurations_measured']} "
        f"stand on a measurement and {summary['configurations_estimated_only']} only on "
        "estimates."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
