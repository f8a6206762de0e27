"""Writes of the Python API and the REST API: validate one result, land it, return its id.

Each store_* function checks its record (benchdb.validation; the error names the field and
nothing is written) and lands it through runners.landing's one atomic writer: first a test_runs
row (so relationships hold), then the result, each an immutable Parquet file. The result is in
the marts after the next `benchdb build`.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from benchdb.validation import validate_compatibility, validate_integration, validate_performance
from runners import environment, landing
from runners.benchmark import FAILED_STATUSES
from runners.errors import ConfigurationError
from runners.timing import TimingSettings

# what stored a row (test_runs.command_line): the Python API or the REST API
VIA_API = "benchdb.compat BenchmarkDBAPI"
VIA_REST = "benchdb serve"

# test_runs.test_type of each kind stored through the APIs
TEST_TYPES = {
    "benchmark_results": "performance",
    "compatibility_results": "compatibility",
    "integration_results": "integration",
}


def _land_one(
    landing_root: Path,
    kind: str,
    row: dict[str, Any],
    id_field: str,
    test_name: str,
    via: str,
    run_id: str | None = None,
) -> str:
    """Land one validated row of `kind` as its own run; returns the row's new id. `via` says
    what stored it (test_runs.command_line and metadata)."""
    # when it was stored (the run's times, the landing partition); the row keeps its own time,
    # or none when the caller gave none
    when = landing.utc_now()
    run_id = run_id or landing.new_run_id()
    row_id = landing.derived_id(run_id, kind, 0)
    row = {id_field: row_id, "run_id": run_id, **row}
    landing.ensure_writable(landing_root)
    run_row = {
        "run_id": run_id,
        "test_name": test_name,
        "test_type": TEST_TYPES[kind],
        "started_at": when,
        "completed_at": when,
        "execution_time_seconds": 0.0,
        **_run_counts(kind, row),
        "host": socket.gethostname(),
        "benchdb_version": environment.benchdb_version(),
        "command_line": f"{via} {test_name}",
        # `stored_through` is how the warehouse tells an API row from a runner measurement
        # (performance_results.result_source = 'api')
        "metadata": json.dumps({"stored_through": via, "kind": kind}),
    }
    # the run first: a result file never points at a run that was not landed
    landing.write_rows(landing_root, "test_runs", [run_row], run_id, when)
    landing.write_rows(landing_root, kind, [row], run_id, when)
    return row_id


def _run_counts(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """The test_runs counts of a run of one stored row, by the runner's rules: a performance
    run succeeds only when it holds a measurement (completed and not an estimate) and nothing
    failed; an estimate counts as simulated, never as completed."""
    if kind != "benchmark_results":
        passed = row.get("status") in (None, "completed", "pass")
        return {
            "success": passed,
            "configurations_total": 1,
            "configurations_completed": int(passed),
            "configurations_failed": int(not passed),
        }
    return measured_counts([row])


def measured_counts(rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    """success and configuration counts of a performance run, as runners/benchmark.py lands
    them for `benchdb run`: measured = completed and not simulated; failed = failed, oom or
    timeout; a run that measured nothing is no success."""
    measured = sum(1 for r in rows if r.get("status") == "completed" and not r.get("is_simulated"))
    failed = sum(1 for r in rows if r.get("status") in FAILED_STATUSES)
    return {
        "success": measured > 0 and failed == 0,
        "configurations_total": len(rows),
        "configurations_completed": measured,
        "configurations_failed": failed,
        "configurations_simulated": sum(
            1 for r in rows if r.get("status") == "completed" and r.get("is_simulated")
        ),
        "configurations_noisy": sum(1 for r in rows if r.get("quality") == "noisy"),
    }


def store_performance(landing_root: Path, record: Mapping[str, Any], via: str = VIA_API) -> str:
    """Validate one performance result (old or new names) and land it as sent; returns its
    result_id. Nothing is filled in: see benchdb.validation.validate_performance."""
    row = validate_performance(record)
    return _land_one(
        landing_root, "benchmark_results", row, "result_id", "store_performance_result", via
    )


def store_compatibility(landing_root: Path, record: Mapping[str, Any], via: str = VIA_API) -> str:
    """Validate one hardware compatibility result and land it; returns its compatibility_id."""
    row = validate_compatibility(record)
    return _land_one(
        landing_root,
        "compatibility_results",
        row,
        "compatibility_id",
        "store_compatibility_result",
        via,
    )


def store_integration(landing_root: Path, record: Mapping[str, Any], via: str = VIA_API) -> str:
    """Validate one integration test result (assertions nested) and land it; returns its id."""
    row = validate_integration(record)
    run_id = landing.new_run_id()
    for i, assertion in enumerate(row.get("assertions", [])):
        assertion["assertion_id"] = landing.derived_id(run_id, "assertion", i)
    return _land_one(
        landing_root,
        "integration_results",
        row,
        "test_result_id",
        "store_integration_test_result",
        via,
        run_id,
    )


# the writers by landing kind (what the REST API's POST routes call)
STORE = {
    "benchmark_results": store_performance,
    "compatibility_results": store_compatibility,
    "integration_results": store_integration,
}


def store_measured_result(
    landing_root: Path,
    row: Mapping[str, Any],
    hardware_events: list[dict] | None,
    timing: TimingSettings,
) -> None:
    """Land one row the runner measured (BenchmarkRunner.run_single_benchmark) with its run and
    the hardware detection that went with it. Landed files are never rewritten, so storing the
    same result twice raises LandingError."""
    row = dict(row)
    missing = [k for k in ("result_id", "run_id", "model_name", "status") if not row.get(k)]
    if missing:
        raise ConfigurationError(f"not a run_single_benchmark result: missing {', '.join(missing)}")
    run_id = row["run_id"]
    when: datetime = row.get("measured_at") or landing.utc_now()
    landing.ensure_writable(landing_root)
    if hardware_events:
        landing.write_rows(landing_root, "hardware_events", hardware_events, run_id, when)
    run_row = {
        "run_id": run_id,
        "test_name": "BenchmarkRunner.run_single_benchmark",
        "test_type": "performance",
        "started_at": when,
        "completed_at": landing.utc_now(),
        "execution_time_seconds": row.get("total_seconds"),
        # an estimate or an unavailable device is no success: nothing was measured
        **measured_counts([row]),
        "host": row.get("host"),
        **environment.benchdb_provenance(),
        "command_line": "benchdb.compat BenchmarkRunner.run_single_benchmark",
        "metadata": json.dumps(
            {
                "warmup_iterations": timing.warmup_iterations,
                "min_iterations": timing.min_iterations,
                "min_duration_seconds": timing.min_duration_seconds,
            }
        ),
    }
    landing.write_rows(landing_root, "test_runs", [run_row], run_id, when)
    landing.write_rows(landing_root, "benchmark_results", [row], run_id, when)


def newest_landing_mtime(landing_root: Path) -> float:
    """When the newest landed file was written (0 when none): reads after it need a build."""
    newest = 0.0
    if not landing_root.exists():
        return newest
    for path in landing_root.glob("*/run_date=*/*.parquet"):
        try:
            newest = max(newest, path.stat().st_mtime)
        except OSError:
            continue
    return newest
