"""The old system's class names, on the new warehouse (for users: nothing in the project
imports this module).

    from benchdb.compat import BenchmarkDBAPI, BenchmarkRunner, BenchmarkDBMaintenance
    from benchdb.compat import IncrementalBenchmarkRunner, SimulationDetection
    from benchdb.compat import BenchmarkVisualizer

Each class is a thin layer of the old names over the library modules that do the work:

- BenchmarkDBAPI: benchdb.store (validate and land writes), benchdb.queries (the SQL of every
  read, over the marts), benchdb.warehouse (build, read-only connection);
- BenchmarkRunner: runners.benchmark (measure), benchdb.store (land a measured row),
  benchdb.simulation (the flagged roofline estimate);
- BenchmarkDBMaintenance: benchdb.maintenance;
- IncrementalBenchmarkRunner: benchdb.planning and runners.benchmark;
- SimulationDetection: benchdb.marks and benchdb.simulation_report;
- BenchmarkVisualizer: benchdb.reporting.visualizer.

Writes go to the landing zone; reads come from the marts of the last complete build, and rebuild
first when the landing zone holds files the warehouse has not seen (`auto_refresh=True`, saying
so and why on the `benchdb` logger), or warn that it is stale (`auto_refresh=False`).
Nothing is invented: hardware this host lacks becomes a row with status `unavailable`. This module
imports nothing from DuckDB at import time, so the runner works on a hardware host without the
warehouse extra.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchdb import fields, queries, simulation, store
from benchdb import paths as benchdb_paths
from benchdb.queries import (
    COMPARISON_METRICS,
    OPTIONAL_MARTS,
    PERFORMANCE_COLUMNS,
    MissingMartError,
    bind_style,
    comparison_sql,
    compatibility_sql,
    integration_summary_sql,
    mart_columns,
    mart_exists,
    performance_sql,
    performance_where,
)
from benchdb.validation import (
    INTEGRATION_STATUSES,
    OLD_NAMES,
    PRECISIONS,
    RESULT_STATUSES,
    validate_compatibility,
    validate_integration,
    validate_performance,
)
from runners import landing, paths
from runners.errors import BenchdbError, CatalogError, WarehouseError
from runners.timing import TimingSettings

# the timing BenchmarkRunner uses unless given its own (tests make it small)
DEFAULT_TIMING = TimingSettings()
# says when a read rebuilds the warehouse, and why (WARNING: shown even with logging unset)
log = logging.getLogger("benchdb")


def _callers_level() -> int:
    """warnings.warn's stacklevel, for the caller of this function, that names the first frame
    outside this module: the user's line, however deep the old API's call chain."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    return level


class StaleWarehouseWarning(UserWarning):
    """A read with auto_refresh=False served a warehouse the landing zone has moved past
    (`warnings.simplefilter("error", StaleWarehouseWarning)` makes it an error)."""


# ---------------------------------------------------------------------------------------------
# BenchmarkDBAPI
# ---------------------------------------------------------------------------------------------

SqlBuilder = Callable[[Any], "tuple[str, Mapping[str, Any]]"]


class BenchmarkDBAPI:
    """Store results (into the landing zone) and read them (from the marts).

    `db_path` defaults to BENCHMARK_DB_PATH, `data_dir` (the landing zone's root) to
    BENCHMARK_DATA_DIR. With `auto_refresh` (the default), a read first rebuilds the warehouse
    when results were landed after its last build, so what you stored is what you read; the
    rebuild (a dbt build: seconds to minutes) is logged with its reason on the `benchdb` logger.
    With `auto_refresh=False` reads never build: a stale warehouse is read as it is, with a
    StaleWarehouseWarning naming what it lacks.
    """

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        auto_refresh: bool = True,
    ) -> None:
        self.db_path = benchdb_paths.warehouse_path(db_path) if db_path else benchdb_paths.db_path()
        self.data_dir = Path(data_dir).resolve() if data_dir else paths.data_dir()
        self.auto_refresh = auto_refresh

    @property
    def landing_root(self) -> Path:
        return self.data_dir / "landing"

    # -- writes (benchdb.store) ----------------------------------------------------------------

    def store_performance_result(self, result: Mapping[str, Any] | None = None, **kwargs) -> str:
        """Validate one performance result and land it; returns its result_id.

        Accepts one dict or keyword arguments, with the old names (throughput, latency_avg,
        memory_peak) or the warehouse's (throughput_items_per_second, latency_mean_ms,
        memory_peak_mb, latency_p50_ms ...).
        """
        return store.store_performance(self.landing_root, fields.merge(result, kwargs))

    def store_compatibility_result(self, result: Mapping[str, Any] | None = None, **kwargs) -> str:
        """Validate one hardware compatibility result and land it; returns its compatibility_id."""
        return store.store_compatibility(self.landing_root, fields.merge(result, kwargs))

    def store_integration_test_result(
        self, result: Mapping[str, Any] | None = None, **kwargs
    ) -> str:
        """Validate one integration test result (with its assertions) and land it."""
        return store.store_integration(self.landing_root, fields.merge(result, kwargs))

    # -- reads (benchdb.queries over the marts) ------------------------------------------------

    def is_stale(self) -> bool:
        """True when the landing zone holds files the published warehouse was not built from
        (its snapshot, benchdb/snapshot.py), or there is no warehouse yet."""
        return self.staleness() is not None

    def staleness(self) -> str | None:
        """Why the warehouse is stale (files landed or withdrawn since its build, or no build
        recorded), or None when it was built from the landing zone as it is now."""
        import pyarrow.parquet as pq

        from benchdb import generations, snapshot

        layout = generations.Layout(self.db_path)
        info, folder = layout.current_info(), layout.current()
        if info is None or folder is None:
            if not self.db_path.exists():
                return f"there is no warehouse at {self.db_path} yet"
            return (
                f"{self.db_path} is a plain file, not a build published from "
                f"{self.landing_root}: whether it holds every landed file is unknown"
            )
        taken = snapshot.take(self.landing_root)
        if taken.snapshot_id == info.get("snapshot_id"):
            return None
        built = set(pq.read_table(folder / "snapshot.parquet").column("relative_path").to_pylist())
        now = {f.relative_path for f in taken.files}
        new, gone = sorted(now - built), sorted(built - now)
        reasons = []
        if new:
            reasons.append(f"{len(new)} file(s) landed since its build (e.g. {new[-1]})")
        if gone:
            reasons.append(f"{len(gone)} file(s) withdrawn since its build (e.g. {gone[-1]})")
        built_at = str(info.get("built_at", "?"))[:19]
        return (
            f"{'; '.join(reasons) or 'landing files changed since its build'} "
            f"(generation {info.get('generation')}, built {built_at} UTC)"
        )

    def ensure_fresh(self) -> Path:
        """Before a read: rebuild a stale warehouse (auto_refresh), logging why and how long it
        took, or warn that it is stale (StaleWarehouseWarning). Returns the warehouse path."""
        reason = self.staleness()
        if reason is None:
            return self.db_path
        if not self.auto_refresh:
            warnings.warn(
                f"reading a stale warehouse ({self.db_path}): {reason}. Call refresh() or run "
                "`benchdb build` to read everything landed, or pass auto_refresh=True",
                StaleWarehouseWarning,
                stacklevel=_callers_level(),
            )
            return self.db_path
        log.warning(
            "rebuilding the warehouse %s before this read (dbt build: seconds to minutes): %s. "
            "BenchmarkDBAPI(auto_refresh=False) reads it as it is",
            self.db_path,
            reason,
        )
        started = time.perf_counter()
        self.refresh(echo=log.info)
        log.warning("rebuilt %s in %.1f s", self.db_path, time.perf_counter() - started)
        return self.db_path

    def refresh(self, echo=None) -> dict[str, int]:
        """Rebuild the warehouse from the landing zone (dbt build); returns mart row counts."""
        from benchdb import warehouse

        return warehouse.build(self.db_path, self.data_dir, echo=echo)

    def _connect(self):
        from benchdb import warehouse

        return warehouse.connect_read_only(self.ensure_fresh())

    def _frame(self, sql: str | SqlBuilder, parameters=None, marts: Sequence[str] = ()):
        """A DataFrame of `sql`; `sql` may be a builder (connection -> (sql, parameters)) and
        `marts` the marts it reads (missing one -> MissingMartError naming it)."""
        import duckdb

        with self._connect() as con:
            for mart in marts:
                queries.require_mart(con, mart)
            if callable(sql):
                sql, parameters = sql(con)
            try:
                return con.execute(sql, parameters if parameters else None).df()
            except duckdb.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise WarehouseError(f"query failed: {first}") from None

    def query(self, sql: str, parameters: Mapping[str, Any] | Sequence[Any] | None = None):
        """Run one read-only SQL statement; `$name` parameters from a dict (`?` from a list).

        The old API's `:name` placeholders are rewritten to `$name` for the names given.
        Returns a pandas DataFrame.
        """
        return self._frame(bind_style(sql, parameters), parameters)

    def get_performance_metrics(
        self,
        model_name: str | None = None,
        hardware_type: str | None = None,
        batch_size: int | None = None,
        precision: str | None = None,
        latest_only: bool = True,
        status: str | None = "completed",
    ):
        """Performance results (a DataFrame): with latest_only, the result that stands for each
        configuration (rpt_latest_results: a measurement beats an estimate, then the newest);
        otherwise every row."""
        sql, params = performance_sql(
            model_name, hardware_type, batch_size, precision, latest_only, status
        )
        return self._frame(sql, params, ("rpt_latest_results",) if latest_only else ())

    def get_performance_comparison(self, model_name: str, metric: str = "throughput"):
        """One model's latest completed results, hardware side by side, for one metric."""
        sql, params = comparison_sql(model_name, metric)
        return self._frame(sql, params, ("rpt_latest_results",))

    def get_best_results(
        self,
        model_name: str | None = None,
        hardware_type: str | None = None,
        metric: str | None = None,
    ):
        """The best result per model x hardware x metric (rpt_best_results): a measurement
        always beats an estimate; an estimate (is_simulated) only where nothing was measured."""
        sql, params = queries.best_results_sql(model_name, hardware_type, metric)
        return self._frame(sql, params, ("rpt_best_results",))

    def get_warehouse_summary(self) -> dict[str, Any]:
        """The warehouse's counts (rpt_warehouse_summary): models, results, measured, simulated,
        configurations ... as one dict."""
        with self._connect() as con:
            queries.require_mart(con, "rpt_warehouse_summary")
            cursor = con.execute(queries.SUMMARY_SQL)
            row = cursor.fetchone()
            return dict(zip([d[0] for d in cursor.description], row)) if row else {}

    def get_model_hardware_compatibility(
        self, model_name: str | None = None, hardware_type: str | None = None
    ):
        return self._frame(lambda con: compatibility_sql(con, model_name, hardware_type))

    def get_integration_test_summary(self):
        return self._frame(integration_summary_sql)

    def get_hardware_list(self):
        return self._frame(queries.HARDWARE_SQL)

    def get_model_list(self):
        return self._frame(queries.MODELS_SQL)


# ---------------------------------------------------------------------------------------------
# BenchmarkRunner
# ---------------------------------------------------------------------------------------------


def resolve_model_name(name: str, catalog: Mapping[str, Any]) -> str:
    """A catalog name, or the one catalog model a short old name clearly means.

    'vit-base' -> 'vit-base-patch16-224' (the only name starting 'vit-base-'), 'bert-tiny' ->
    'prajjwal1/bert-tiny' (the part after the owner). Anything else unknown raises with the
    closest names.
    """
    if name in catalog:
        return name
    candidates = sorted(
        m for m in catalog if m.startswith(f"{name}-") or m.split("/", 1)[-1] == name
    )
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise CatalogError(
            f"model '{name}' is ambiguous: it could be {', '.join(candidates)}; name one"
        )
    from runners.catalog import resolve_models

    resolve_models([name], catalog)  # raises with suggestions
    raise CatalogError(f"unknown model '{name}'")  # pragma: no cover


@dataclass
class _Pending:
    """A run_single_benchmark result's hardware detection, landed with the result."""

    events: list[dict]


class BenchmarkRunner:
    """Measure models on this host and land the results (the old run_benchmark_with_db).

    Nothing is invented: configurations on hardware this host lacks come back as rows with
    status `unavailable` and the detection's reason. `use_simulation` / `force_simulation` ask
    for the runner's roofline estimate instead (runners/simulation.py): a row flagged
    `is_simulated` with its reason and method, never mistaken for a measurement.
    """

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        timing: TimingSettings | None = None,
        weights_dir: str | os.PathLike | None = None,
    ) -> None:
        self.db_path = benchdb_paths.warehouse_path(db_path) if db_path else benchdb_paths.db_path()
        self.data_dir = Path(data_dir).resolve() if data_dir else paths.data_dir()
        self.timing = timing
        self.weights_dir = Path(weights_dir) if weights_dir else None
        self.resolved_names: dict[str, str] = {}
        self._pending: dict[str, _Pending] = {}

    @property
    def landing_root(self) -> Path:
        return self.data_dir / "landing"

    def _settings(self) -> TimingSettings:
        return self.timing or DEFAULT_TIMING

    def _specs(self, model_names: Iterable[str]):
        from runners.catalog import load_catalog

        catalog = load_catalog()
        specs = []
        for name in model_names:
            resolved = resolve_model_name(name, catalog)
            if resolved != name:
                self.resolved_names[name] = resolved
                warnings.warn(
                    f"model '{name}' is not a catalog name; using '{resolved}'", stacklevel=3
                )
            specs.append(catalog[resolved])
        return specs

    def run_single_benchmark(
        self,
        model_name: str,
        hardware_type: str,
        batch_size: int,
        sequence_length: int = 128,
        use_simulation: bool = False,
        precision: str = "fp32",
    ) -> dict:
        """Measure one configuration now; returns its row (not yet stored: see
        store_benchmark_result)."""
        from runners import benchmark
        from runners.hardware import detect

        (spec,) = self._specs([model_name])
        (config,) = benchmark.expand_configs(
            [spec], [hardware_type], [precision], [batch_size], [sequence_length]
        )
        run_id = landing.new_run_id()
        detection = detect(hardware_type)
        ctx = benchmark.RunContext(
            run_id,
            self._settings(),
            {hardware_type: detection},
            self.weights_dir,
            socket.gethostname(),
            # unavailable hardware: a flagged roofline estimate (issue 4) instead of a skip
            estimator=simulation.estimator(),
            estimate_unavailable=use_simulation,
        )
        row = benchmark.run_configuration(config, ctx)
        self._pending[run_id] = _Pending(
            benchmark.detection_events(run_id, [detection], ctx.host or "")
        )
        return row

    def store_benchmark_result(self, result: Mapping[str, Any]) -> bool:
        """Land a row from run_single_benchmark (and its hardware detection); True when written.

        Storing the same result twice is an error: landed files are never rewritten.
        """
        pending = self._pending.pop(result.get("run_id"), None)
        store.store_measured_result(
            self.landing_root, result, pending.events if pending else None, self._settings()
        )
        return True

    def run_benchmarks(
        self,
        model_names: Sequence[str],
        hardware_types: Sequence[str],
        batch_sizes: Sequence[int],
        sequence_length: int = 128,
        force_simulation: bool = False,
        precisions: Sequence[str] = ("fp32",),
    ) -> dict:
        """Measure every combination and land them as one run.

        Returns {total, successful, failed, results} as the old runner did: successful counts
        measurements only (completed and not simulated), simulated the flagged estimates, and
        failed every other row (unavailable hardware and refusals included), so successful +
        simulated + failed = total; plus run_id, by_status and the landed files.
        """
        from runners import benchmark

        specs = self._specs(model_names)
        configs = benchmark.expand_configs(
            specs, list(hardware_types), list(precisions), list(batch_sizes), [sequence_length]
        )
        outcome = benchmark.run_benchmarks(
            configs,
            self._settings(),
            self.landing_root,
            self.weights_dir,
            test_name="BenchmarkRunner.run_benchmarks",
            options={
                "models": [s.model_name for s in specs],
                "requested_models": list(model_names),
                "hardware": list(hardware_types),
                "batch_sizes": list(batch_sizes),
                "sequence_lengths": [sequence_length],
                "precisions": list(precisions),
                "force_simulation": force_simulation,
            },
            estimator=simulation.estimator(),
            estimate_unavailable=force_simulation,
        )
        counts = _counts(outcome.rows)
        return {
            "total": len(outcome.rows),
            "successful": counts["measured"],
            "simulated": counts["simulated"],
            "failed": len(outcome.rows) - counts["measured"] - counts["simulated"],
            "results": outcome.rows,
            "run_id": outcome.run_id,
            "by_status": {s: outcome.count(s) for s in sorted({r["status"] for r in outcome.rows})},
            "resolved_names": dict(self.resolved_names),
            "files": [str(f) for f in outcome.files],
        }


# ---------------------------------------------------------------------------------------------
# BenchmarkDBMaintenance
# ---------------------------------------------------------------------------------------------


class BenchmarkDBMaintenance:
    """check_integrity, optimize_db, backup_db, restore_db, purge_old_backups,
    get_database_stats: the `benchdb db` commands as methods (runners/maintenance.py)."""

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        backup_dir: str | os.PathLike | None = None,
    ) -> None:
        self.db_path = benchdb_paths.warehouse_path(db_path) if db_path else benchdb_paths.db_path()
        self.data_dir = Path(data_dir).resolve() if data_dir else paths.data_dir()
        self.backup_dir = Path(backup_dir).resolve() if backup_dir else None

    def _backup_dir(self, backup_dir) -> Path:
        from benchdb import maintenance

        if backup_dir:
            return Path(backup_dir).resolve()
        return self.backup_dir or maintenance.default_backup_dir(self.data_dir)

    def check_integrity(self, run_dbt_tests: bool = True):
        """Every check of `benchdb db check`; the report is truthy when nothing failed."""
        from benchdb import maintenance

        return maintenance.check(self.db_path, self.data_dir, run_dbt_tests=run_dbt_tests)

    def optimize_db(self) -> dict:
        from benchdb import maintenance

        return maintenance.optimize(self.db_path)

    def backup_db(self, backup_dir: str | os.PathLike | None = None, compress: bool = False) -> str:
        """Back up the landing zone and the warehouse; returns the backup's path."""
        from benchdb import maintenance

        return str(
            maintenance.backup(
                self.db_path, self.data_dir, self._backup_dir(backup_dir), compress=compress
            )
        )

    def restore_db(self, backup_path: str | os.PathLike, force: bool = False) -> dict:
        from benchdb import maintenance

        return maintenance.restore(Path(backup_path), self.db_path, self.data_dir, force=force)

    def purge_old_backups(
        self,
        keep: int | None = None,
        retention_days: float | None = None,
        backup_dir: str | os.PathLike | None = None,
    ) -> list[str]:
        """Delete backups (folders and .tar.gz alike) beyond the newest `keep` or older than
        `retention_days`; returns what was deleted."""
        from benchdb import maintenance

        return [
            str(p)
            for p in maintenance.purge_backups(
                self._backup_dir(backup_dir), keep=keep, older_than_days=retention_days
            )
        ]

    def get_database_stats(self) -> dict:
        from benchdb import maintenance

        return maintenance.stats(self.db_path, self.data_dir)


# ---------------------------------------------------------------------------------------------
# IncrementalBenchmarkRunner, SimulationDetection, BenchmarkVisualizer
# ---------------------------------------------------------------------------------------------


def _counts(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """measured (completed, not simulated), simulated (completed estimates) and failed (failed,
    oom, timeout) rows, by the rule the runner lands in test_runs (benchdb.store)."""
    counts = store.measured_counts(list(rows))
    return {
        "measured": counts["configurations_completed"],
        "simulated": counts["configurations_simulated"],
        "failed": counts["configurations_failed"],
        "success": counts["success"],
    }


def _run_frame(runner: BenchmarkRunner, frame, allow_simulation: bool, test_name: str) -> dict:
    """Run the configurations of a DataFrame (model_name, hardware_type, batch_size[,
    precision, sequence_length]); every row is checked before anything runs."""
    from runners import benchmark
    from runners.catalog import load_catalog
    from runners.plan_file import configs_from_rows

    records = frame.to_dict("records") if hasattr(frame, "to_dict") else list(frame)
    columns = (
        list(frame.columns) if hasattr(frame, "columns") else list(records[0] if records else [])
    )
    configs = configs_from_rows(columns, records, load_catalog(), "benchmarks DataFrame", 0)
    outcome = benchmark.run_benchmarks(
        configs,
        runner._settings(),
        runner.landing_root,
        runner.weights_dir,
        test_name=test_name,
        options={"configurations": len(configs)},
        estimator=simulation.estimator(),
        estimate_unavailable=allow_simulation,
    )
    counts = _counts(outcome.rows)
    return {
        "total": len(outcome.rows),
        "by_status": {s: outcome.count(s) for s in sorted({r["status"] for r in outcome.rows})},
        "measured": counts["measured"],
        "simulated": counts["simulated"],
        "failed": counts["failed"],
        # the run's test_runs.success: something measured, nothing failed
        "success": counts["success"] and not outcome.interrupted,
        "results": outcome.rows,
        "run_id": outcome.run_id,
    }


class IncrementalBenchmarkRunner:
    """Run only what is missing or outdated (the old run_incremental_benchmarks).

    identify_* return DataFrames of configurations (runners/planning.py over the
    benchmark_config_status mart); run_benchmarks(df) runs exactly those and lands them.
    """

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        timing: TimingSettings | None = None,
        auto_refresh: bool = True,
    ) -> None:
        self.api = BenchmarkDBAPI(db_path, data_dir, auto_refresh)
        self.runner = BenchmarkRunner(self.api.db_path, self.api.data_dir, timing)
        self.last_run: dict | None = None

    def _plan(self, **request):
        import pandas as pd

        from benchdb import planning
        from runners.catalog import load_catalog

        if request.get("models"):
            catalog = load_catalog()
            request["models"] = [resolve_model_name(m, catalog) for m in request["models"]]
        rows = planning.build_plan(self.api.ensure_fresh(), planning.PlanRequest(**request))
        return pd.DataFrame(rows, columns=planning.PLAN_COLUMNS)

    def identify_missing_benchmarks(
        self, models=None, hardware=None, batch_sizes=None, precisions=None, sequence_lengths=None
    ):
        """Wanted configurations with no completed real result."""
        return self._plan(
            mode="missing",
            models=models,
            hardware=hardware,
            batch_sizes=batch_sizes,
            precisions=precisions,
            sequence_lengths=sequence_lengths,
        )

    def identify_outdated_benchmarks(
        self,
        models=None,
        hardware=None,
        batch_sizes=None,
        older_than_days: int = 30,
        precisions=None,
        sequence_lengths=None,
        version_change: bool = False,
    ):
        """Configurations whose newest real result is older than `older_than_days`."""
        return self._plan(
            mode="outdated",
            models=models,
            hardware=hardware,
            batch_sizes=batch_sizes,
            precisions=precisions,
            sequence_lengths=sequence_lengths,
            older_than_days=older_than_days,
            outdated_on_version_change=version_change,
        )

    def identify_priority_benchmarks(self, priority_models=None, priority_hardware=None):
        """Missing or outdated configurations of the key models and hardware; without them,
        the wanted matrix's priority-1 configurations."""
        if priority_models or priority_hardware:
            return self._plan(mode="both", models=priority_models, hardware=priority_hardware)
        return self._plan(mode="both", priority_only=True)

    def run_benchmarks(self, benchmarks) -> bool:
        """Run exactly these configurations; True when something was measured and none failed,
        ran out of memory or timed out (hardware this host lacks lands as `unavailable` rows: a
        run of those only measured nothing, so it is no success). Details: self.last_run."""
        self.last_run = _run_frame(self.runner, benchmarks, False, "IncrementalBenchmarkRunner")
        return self.last_run["success"]


class SimulationDetection:
    """Marks, reports and estimates (the old simulation_detection), always flagged.

    Marks are appended to the landing zone; the warehouse derives the flags when it builds
    (reads rebuild first when something new has landed).
    """

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        timing: TimingSettings | None = None,
        auto_refresh: bool = True,
    ) -> None:
        self.api = BenchmarkDBAPI(db_path, data_dir, auto_refresh)
        self.runner = BenchmarkRunner(self.api.db_path, self.api.data_dir, timing)
        self.last_run: dict | None = None

    def _fresh(self) -> Path:
        return self.api.ensure_fresh()

    def mark_hardware_as_simulated(self, hardware_type: str, reason: str) -> str:
        from benchdb.marks import mark_hardware

        return str(mark_hardware(self.api.landing_root, hardware_type, False, reason))

    def mark_hardware_as_available(
        self, hardware_type: str, reason: str = "marked available by hand"
    ) -> str:
        from benchdb.marks import mark_hardware

        return str(mark_hardware(self.api.landing_root, hardware_type, True, reason))

    def mark_result_as_simulated(self, result_id: str, reason: str) -> str:
        """Flag one result; the row stays, and says why."""
        from benchdb.marks import mark_result

        return str(mark_result(self.api.landing_root, result_id, reason))

    def get_simulated_results(self):
        import pandas as pd

        from benchdb.simulation_report import simulated_results

        columns, rows = simulated_results(self._fresh())
        return pd.DataFrame(rows, columns=columns)

    def get_hardware_availability(self):
        return self.api.query("select * from hardware_availability_summary order by 1")

    def generate_simulation_report(self) -> dict:
        from benchdb.simulation_report import generate_simulation_report

        return generate_simulation_report(self._fresh())

    def run_benchmarks(self, benchmarks) -> bool:
        """Run these configurations; hardware this host lacks is estimated and flagged. True
        when something was measured and nothing failed: estimates alone are no success."""
        self.last_run = _run_frame(self.runner, benchmarks, True, "SimulationDetection")
        return self.last_run["success"]


class BenchmarkVisualizer:
    """The old visualizer's methods over runners/reporting/visualizer.py; each returns the
    file it wrote."""

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        auto_refresh: bool = True,
    ) -> None:
        self.api = BenchmarkDBAPI(db_path, data_dir, auto_refresh)

    def _db(self) -> Path:
        return self.api.ensure_fresh()

    @staticmethod
    def _name(name: str) -> str:
        """Old short names ("vit-base") resolve to catalog names, as BenchmarkRunner does."""
        from runners.catalog import load_catalog

        return resolve_model_name(name, load_catalog())

    def _names(self, names):
        return [self._name(n) for n in names] if names else names

    def create_hardware_comparison_chart(self, model_name, metric="throughput", output_file=None):
        from benchdb.reporting import visualizer

        return visualizer.create_hardware_comparison_chart(
            self._name(model_name), metric, output_file, db_path=self._db()
        )

    def create_model_comparison_chart(
        self, hardware_type, model_names=None, metric="throughput", output_file=None
    ):
        from benchdb.reporting import visualizer

        return visualizer.create_model_comparison_chart(
            hardware_type, self._names(model_names), metric, output_file, db_path=self._db()
        )

    def create_batch_size_comparison_chart(
        self, model_name, hardware_type=None, metric="throughput", output_file=None
    ):
        from benchdb.reporting import visualizer

        return visualizer.create_batch_size_comparison_chart(
            self._name(model_name), hardware_type, metric, output_file, db_path=self._db()
        )

    def create_hardware_heatmap(
        self, model_names=None, hardware_types=None, metric="throughput", output_file=None
    ):
        from benchdb.reporting import visualizer

        return visualizer.create_hardware_heatmap(
            self._names(model_names), hardware_types, metric, output_file, db_path=self._db()
        )

    def create_dashboard(
        self, output_dir="dashboard", metrics=None, model_names=None, hardware_types=None
    ):
        from benchdb.reporting import visualizer

        return visualizer.create_dashboard(
            output_dir, metrics, self._names(model_names), hardware_types, db_path=self._db()
        )


__all__ = [
    "COMPARISON_METRICS",
    "INTEGRATION_STATUSES",
    "OLD_NAMES",
    "OPTIONAL_MARTS",
    "PERFORMANCE_COLUMNS",
    "PRECISIONS",
    "RESULT_STATUSES",
    "BenchdbError",
    "BenchmarkDBAPI",
    "BenchmarkDBMaintenance",
    "BenchmarkRunner",
    "BenchmarkVisualizer",
    "IncrementalBenchmarkRunner",
    "MissingMartError",
    "SimulationDetection",
    "bind_style",
    "comparison_sql",
    "compatibility_sql",
    "integration_summary_sql",
    "mart_columns",
    "mart_exists",
    "performance_sql",
    "performance_where",
    "resolve_model_name",
    "validate_compatibility",
    "validate_integration",
    "validate_performance",
]
