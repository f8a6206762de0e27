"""The old Python API on the new warehouse: BenchmarkDBAPI, BenchmarkRunner, lazy exports.

Expected values come from the inputs written here (or the landed Parquet files), not from the
code's own output.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from benchdb.compat import (
    BenchmarkDBAPI,
    BenchmarkRunner,
    BenchmarkVisualizer,
    IncrementalBenchmarkRunner,
    MissingMartError,
    SimulationDetection,
    StaleWarehouseWarning,
    bind_style,
    resolve_model_name,
    validate_performance,
)
from benchdb.queries import QueryError, colon_to_dollar
from runners import landing
from runners.catalog import load_catalog
from runners.errors import CatalogError, ConfigurationError
from runners.hardware import detect
from runners.timing import TimingSettings

TINY_TIMING = TimingSettings(warmup_iterations=1, min_iterations=3, min_duration_seconds=0.0)


def landed(data_dir: Path, kind: str) -> list[dict]:
    files = sorted((data_dir / "landing" / kind).glob("run_date=*/*.parquet"))
    return [row for f in files for row in pq.read_table(f).to_pylist()]


def file_count(data_dir: Path) -> int:
    return len(list((data_dir / "landing").glob("*/run_date=*/*.parquet")))


@pytest.fixture(scope="module")
def project(tiny_run, tmp_path_factory):
    """A writable copy of the tiny run's landing zone and a warehouse path of its own."""
    root = tmp_path_factory.mktemp("api-project")
    shutil.copytree(tiny_run / "landing", root / "data" / "landing")
    return root / "data", root / "benchmark.duckdb"


@pytest.fixture(scope="module")
def stored(project):
    """Results stored the old ways, then one refresh (one dbt build) for every read test."""
    data_dir, db = project
    api = BenchmarkDBAPI(db_path=db, data_dir=data_dir)
    ids = {
        # the documented keyword style, old names
        "kwargs": api.store_performance_result(
            model_name="bert-base-uncased",
            hardware_type="cuda",
            batch_size=4,
            throughput=120.5,
            latency_avg=8.2,
            measured_at="2025-01-01T00:00:00Z",
        ),
        # the implemented dict style, old names
        "dict": api.store_performance_result(
            {
                "model_name": "bert-base-uncased",
                "hardware_type": "cuda",
                "device_name": "NVIDIA RTX 4090",
                "batch_size": 4,
                "precision": "fp16",
                "throughput": 162.5,
                "latency_avg": 24.6,
                "memory_peak": 2100.0,
                "measured_at": "2025-01-02T00:00:00Z",
            }
        ),
        # a newer result of the first configuration: latest_only must pick it
        "newer": api.store_performance_result(
            model_name="bert-base-uncased",
            hardware_type="cuda",
            batch_size=4,
            throughput_items_per_second=130.0,
            latency_mean_ms=7.5,
            measured_at="2025-02-01T00:00:00Z",
        ),
        # a flagged estimate of the same configuration, newer: it never hides the measurement
        "simulated": api.store_performance_result(
            model_name="bert-base-uncased",
            hardware_type="cuda",
            batch_size=4,
            throughput=999.0,
            is_simulated=True,
            simulation_reason="test: estimate for a host without CUDA",
            measured_at="2025-03-01T00:00:00Z",
        ),
        # a model nothing measured on rocm: its best there is this estimate, flagged
        "t5_estimate": api.store_performance_result(
            model_name="t5-small",
            hardware_type="rocm",
            batch_size=1,
            throughput=50.0,
            is_simulated=True,
            simulation_reason="test: estimate for a host without ROCm",
        ),
        # an estimate of a configuration nothing measured: it stands for it, flagged
        "estimate_only": api.store_performance_result(
            model_name="bert-base-uncased",
            hardware_type="cuda",
            batch_size=16,
            throughput=400.0,
            is_simulated=True,
            simulation_reason="test: estimate for a host without CUDA",
            measured_at="2025-03-01T00:00:00Z",
        ),
    }
    assert api.is_stale()
    counts = api.refresh()
    assert not api.is_stale()
    return api, ids, counts


# ------------------------------------------------------------------------ writes


def test_store_returns_ids_and_lands_the_values_under_new_names(project, stored):
    data_dir, _ = project
    _, ids, _ = stored
    rows = {r["result_id"]: r for r in landed(data_dir, "benchmark_results")}
    row = rows[ids["dict"]]
    assert row["throughput_items_per_second"] == 162.5
    assert row["latency_mean_ms"] == 24.6
    assert row["memory_peak_mb"] == 2100.0
    assert row["precision"] == "fp16"
    assert row["device_name"] == "NVIDIA RTX 4090"
    assert row["status"] == "completed"
    assert row["is_simulated"] is False
    assert row["model_family"] == "bert"  # from the catalog
    # a precision or time not given stays null (never fp32, never the time of storing)
    assert rows[ids["kwargs"]]["precision"] is None
    assert rows[ids["t5_estimate"]]["measured_at"] is None
    # a metric not given stays null, never 0
    assert rows[ids["kwargs"]]["memory_peak_mb"] is None
    assert rows[ids["kwargs"]]["latency_p50_ms"] is None
    # every stored result has its test run, so relationships hold
    runs = {r["run_id"]: r for r in landed(data_dir, "test_runs")}
    for result_id in ids.values():
        assert runs[rows[result_id]["run_id"]]["test_name"] == "store_performance_result"


BASE = {"model_name": "m", "hardware_type": "cpu", "batch_size": 1}


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"hardware_type": "cpu", "batch_size": 1, "throughput": 1.0}, "model_name"),
        ({"model_name": "m", "hardware_type": "cpu", "throughput": 1.0}, "batch_size"),
        ({**BASE, "batch_size": -2, "throughput": 1.0}, "batch_size"),
        ({**BASE, "batch_size": "4", "throughput": 1.0}, "batch_size"),
        ({**BASE, "throughput": "fast"}, "throughput"),
        ({**BASE, "throughput": float("nan")}, "throughput"),
        ({**BASE, "latency_avg": -1.0}, "latency_mean_ms"),
        ({**BASE, "hardware_type": "tpu", "throughput": 1.0}, "hardware_type"),
        ({**BASE, "precision": "fp8", "throughput": 1.0}, "precision"),
        ({**BASE, "throughput": 1.0, "colour": "red"}, "colour"),
        ({**BASE, "throughput": 1.0, "is_simulated": True}, "simulation_reason"),
        ({**BASE, "status": "failed"}, "error_message"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(project, record, field):
    data_dir, db = project
    api = BenchmarkDBAPI(db_path=db, data_dir=data_dir)
    before = file_count(data_dir)
    with pytest.raises(ConfigurationError, match=field):
        api.store_performance_result(record)
    assert file_count(data_dir) == before


def test_a_metric_or_a_status_is_required():
    with pytest.raises(ConfigurationError, match="needs a metric"):
        validate_performance({"model_name": "m", "hardware_type": "cpu", "batch_size": 1})
    row = validate_performance(
        {
            "model_name": "m",
            "hardware_type": "webgpu",
            "batch_size": 1,
            "status": "unsupported",
            "error_message": "no adapter",
        }
    )
    assert row["status"] == "unsupported" and "throughput_items_per_second" not in row


def test_nothing_the_caller_did_not_send_is_filled_in():
    # issue 15: throughput used to be derived (8 x 1000 / 20 = 400 items/s), the precision
    # assumed fp32 and the time taken as the time of storing; now each stays NULL
    row = validate_performance(
        {"model_name": "m", "hardware_type": "cpu", "batch_size": 8, "latency_avg": 20.0}
    )
    assert row == {
        "model_name": "m",
        "hardware_type": "cpu",
        "batch_size": 8,
        "latency_mean_ms": 20.0,
        "status": "completed",
        "is_simulated": False,
    }


def test_compatibility_and_integration_results_land_in_their_own_kinds(tmp_path):
    data_dir = tmp_path / "data"
    api = BenchmarkDBAPI(db_path=tmp_path / "b.duckdb", data_dir=data_dir)
    cid = api.store_compatibility_result(
        model_name="bert-base-uncased",
        hardware_type="webgpu",
        is_compatible=False,
        error_message="no adapter",
        compatibility_score=0.25,
        metadata={"browser": "chromium"},
    )
    tid = api.store_integration_test_result(
        {
            "test_module": "tests.test_x",
            "test_name": "test_y",
            "status": "passed",
            "execution_time_seconds": 0.5,
            "assertions": [{"assertion_name": "shape", "passed": True, "expected_value": [1, 2]}],
        }
    )
    (compat,) = [
        r for r in landed(data_dir, "compatibility_results") if r["compatibility_id"] == cid
    ]
    assert compat["is_compatible"] is False and compat["compatibility_score"] == 0.25
    assert compat["metadata"] == '{"browser": "chromium"}'
    (test,) = [r for r in landed(data_dir, "integration_results") if r["test_result_id"] == tid]
    assert test["status"] == "pass"
    assert test["assertions"][0]["assertion_name"] == "shape"
    assert test["assertions"][0]["expected_value"] == "[1, 2]"
    with pytest.raises(ConfigurationError, match="compatibility_score"):
        api.store_compatibility_result(
            model_name="m", hardware_type="cpu", is_compatible=True, compatibility_score=1.5
        )


# ------------------------------------------------------------------------ reads


def test_get_performance_metrics_latest_only_is_the_result_standing_for_each_configuration(
    stored,
):
    # the rule of rpt_latest_results, the same answer as the CLI and REST: a measurement beats
    # an estimate (even a newer one), then the newest; an estimate stands only where nothing
    # was measured, flagged
    api, ids, _ = stored
    df = api.get_performance_metrics(model_name="bert-base-uncased", hardware_type="cuda")
    by_id = df.set_index("result_id")
    # (cuda, batch 4, no precision given: NULL, one configuration): "newer" (February) stands,
    # not "kwargs" (January), nor the estimate of March
    assert set(by_id.index) == {ids["newer"], ids["dict"], ids["estimate_only"]}
    assert by_id.loc[ids["newer"], "throughput_items_per_second"] == 130.0
    assert by_id.loc[ids["newer"], "average_latency_ms"] == 7.5
    assert bool(by_id.loc[ids["newer"], "is_simulated"]) is False
    assert by_id.loc[ids["dict"], "memory_peak_mb"] == 2100.0
    assert bool(by_id.loc[ids["estimate_only"], "is_simulated"]) is True
    everything = api.get_performance_metrics(
        model_name="bert-base-uncased", hardware_type="cuda", latest_only=False
    )
    assert set(everything["result_id"]) == set(ids.values()) - {ids["t5_estimate"]}


def test_filters_select_exactly_the_configurations_asked_for(stored):
    api, ids, _ = stored
    df = api.get_performance_metrics(
        model_name="bert-base-uncased", hardware_type="cuda", batch_size=4, precision="fp16"
    )
    assert list(df["result_id"]) == [ids["dict"]]


def test_comparison_uses_the_old_metric_words(stored):
    api, ids, _ = stored
    df = api.get_performance_comparison(model_name="bert-base-uncased", metric="memory")
    assert list(df["memory_peak_mb"]) == [2100.0]  # the only result with a memory reading
    df = api.get_performance_comparison("bert-base-uncased", "throughput")
    # the standing results: batch 4 without precision measured (130.0, not the estimate 999.0),
    # batch 4 fp16 measured, batch 16 estimated only
    assert sorted(df["throughput_items_per_second"]) == [130.0, 162.5, 400.0]
    with pytest.raises(ConfigurationError, match="unknown metric 'speed'"):
        api.get_performance_comparison("bert-base-uncased", "speed")


def test_best_results_prefer_a_measurement_to_a_higher_estimate(stored):
    api, ids, _ = stored
    best = api.get_best_results("bert-base-uncased", "cuda", metric="throughput")
    (row,) = best.to_dict("records")
    # standing on cuda: 130.0 and 162.5 measured, 400.0 estimated (batch 16): 162.5 is best
    assert (row["value"], row["result_id"], bool(row["is_simulated"])) == (
        162.5,
        ids["dict"],
        False,
    )
    assert (row["configurations_measured"], row["configurations_estimated"]) == (2, 1)
    # where nothing was measured, the estimate is the answer, and says so
    (estimate,) = api.get_best_results(model_name="t5-small", metric="throughput").to_dict(
        "records"
    )
    assert (estimate["hardware_type"], estimate["value"], bool(estimate["is_simulated"])) == (
        "rocm",
        50.0,
        True,
    )
    with pytest.raises(ConfigurationError, match="unknown metric 'speed'"):
        api.get_best_results(metric="speed")


def test_warehouse_summary_counts_what_was_landed(project, stored):
    data_dir, _ = project
    api, _, _ = stored
    summary = api.get_warehouse_summary()
    results = landed(data_dir, "benchmark_results")
    completed = [r for r in results if r["status"] == "completed"]
    assert summary["results_total"] == len(results)
    assert summary["results_completed"] == len(completed)
    assert summary["results_simulated"] == sum(1 for r in completed if r["is_simulated"]) == 3
    assert summary["results_measured"] == len(completed) - 3
    assert summary["results_without_metrics"] == len(results) - len(completed)
    assert summary["models_with_results"] == len({r["model_name"] for r in completed})


def test_query_binds_dollar_and_old_colon_parameters(stored):
    api, ids, _ = stored
    sql = "select result_id from performance_results where throughput_items_per_second = $t"
    assert list(api.query(sql, {"t": 162.5})["result_id"]) == [ids["dict"]]
    old = "select result_id from performance_results where throughput_items_per_second = :t"
    assert list(api.query(old, {"t": 162.5})["result_id"]) == [ids["dict"]]
    assert list(api.query("select ?::int + 1 as x", [41])["x"]) == [42]


def test_bind_style_leaves_casts_and_strings_of_other_names_alone():
    sql = "select a::int, ':x' as s from t where b = :x and c = :y"
    assert colon_to_dollar(sql, {"x": 1}) == (
        "select a::int, ':x' as s from t where b = $x and c = :y"
    )
    with pytest.raises(QueryError, match="no value given for :y"):  # not DuckDB's syntax error
        bind_style(sql, {"x": 1})
    sql = "select a::int, ':x' as s from t where b = :x and c = :x"
    assert bind_style(sql, {"x": 1}) == "select a::int, ':x' as s from t where b = $x and c = $x"


def test_the_documented_join_query_runs_unchanged(stored):
    api, _, _ = stored
    df = api.query(
        """
        SELECT m.model_name, hp.hardware_type, AVG(pr.throughput_items_per_second) as avg_throughput
        FROM performance_results pr
        JOIN models m ON pr.model_id = m.model_id
        JOIN hardware_platforms hp ON pr.hardware_id = hp.hardware_id
        GROUP BY m.model_name, hp.hardware_type
        ORDER BY avg_throughput DESC
        """
    )
    row = df[(df.model_name == "bert-base-uncased") & (df.hardware_type == "cuda")]
    # every completed bert-base-uncased cuda row, simulated included (the old query has no flag)
    assert row["avg_throughput"].iloc[0] == pytest.approx(
        (120.5 + 162.5 + 130.0 + 999.0 + 400.0) / 5
    )


def test_model_and_hardware_lists_include_what_was_stored(stored):
    api, _, _ = stored
    assert "bert-base-uncased" in set(api.get_model_list()["model_name"])
    hw = api.get_hardware_list()
    assert "NVIDIA RTX 4090" in set(hw["device_name"].dropna())


def test_missing_marts_are_named(project, stored, tmp_path):
    import duckdb

    data_dir, _ = project
    api, _, _ = stored
    # the built warehouse has both marts (the legacy models build them, empty or not)
    compatibility = api.get_model_hardware_compatibility()
    assert {"model_name", "hardware_type", "is_compatible"} <= set(compatibility.columns)
    summary = api.get_integration_test_summary()
    assert list(summary.columns) == [
        "test_module",
        "tests",
        "passed",
        "failed",
        "errors",
        "skipped",
    ]
    # a warehouse built before them (a copy without them) names the one it lacks
    old = tmp_path / "old" / api.db_path.name  # the same name: views refer to the catalog by it
    old.parent.mkdir()
    shutil.copy(api.db_path, old)
    with duckdb.connect(str(old)) as con:
        for mart in ("hardware_compatibility", "integration_test_results"):
            (kind,) = con.execute(
                "select table_type from information_schema.tables "
                "where table_schema = 'main' and table_name = $n",
                {"n": mart},
            ).fetchone()
            con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} {mart}")
    old_api = BenchmarkDBAPI(db_path=old, data_dir=data_dir, auto_refresh=False)
    for call, mart in (
        (old_api.get_model_hardware_compatibility, "hardware_compatibility"),
        (old_api.get_integration_test_summary, "integration_test_results"),
    ):
        with pytest.raises(MissingMartError, match=mart):
            call()


def landing_files(data_dir: Path) -> set[str]:
    """Every landed file, as a path under the landing root."""
    root = data_dir / "landing"
    return {str(f.relative_to(root)) for f in root.glob("*/run_date=*/*.parquet")}


def test_reads_rebuild_when_something_new_landed_and_say_why(project, stored, caplog):
    data_dir, db = project
    api, _, _ = stored
    before = landing_files(data_dir)
    new_id = api.store_performance_result(
        model_name="gpt2", hardware_type="cpu", batch_size=2, throughput=33.0
    )
    new_files = landing_files(data_dir) - before  # the result and its test run
    added = len(new_files)
    assert added == 2 and api.is_stale()
    example = api.staleness().split("(e.g. ", 1)[1].split(")", 1)[0]
    assert api.staleness().startswith(f"{added} file(s) landed since its build (e.g. ")
    assert example in new_files
    with caplog.at_level("WARNING", logger="benchdb"):
        df = api.get_performance_metrics(model_name="gpt2")
    assert list(df["result_id"]) == [new_id] and not api.is_stale()
    said = [r.getMessage() for r in caplog.records if r.name == "benchdb"]
    assert said[0].startswith(f"rebuilding the warehouse {db} before this read")
    assert f"{added} file(s) landed since its build" in said[0]
    assert "auto_refresh=False" in said[0]
    assert said[-1].startswith(f"rebuilt {db} in ")
    caplog.clear()
    with caplog.at_level("WARNING", logger="benchdb"):
        api.get_performance_metrics(model_name="gpt2")  # fresh: nothing rebuilt, nothing said
    assert not [r for r in caplog.records if r.name == "benchdb"]


def test_reads_without_auto_refresh_say_the_warehouse_is_stale(project, stored, caplog):
    data_dir, db = project
    api, _, _ = stored
    api.get_model_list()  # fresh to begin with
    shown = set(api.get_performance_metrics(model_name="gpt2", latest_only=False)["result_id"])
    quiet = BenchmarkDBAPI(db_path=db, data_dir=data_dir, auto_refresh=False)
    before = landing_files(data_dir)
    unseen = quiet.store_performance_result(
        model_name="gpt2", hardware_type="cpu", batch_size=4, throughput=1.0
    )
    new_files = landing_files(data_dir) - before
    with (
        caplog.at_level("INFO", logger="benchdb"),
        pytest.warns(StaleWarehouseWarning, match=r"reading a stale warehouse") as caught,
    ):
        df = quiet.get_performance_metrics(model_name="gpt2", latest_only=False)
    assert set(df["result_id"]) == shown and unseen not in shown  # nothing was built
    assert not caplog.records
    message = str(caught[0].message)
    assert caught[0].filename == __file__  # the warning names the user's line, not ours
    assert "2 file(s) landed since its build" in message
    assert any(f in message for f in new_files)
    assert "refresh()" in message
    quiet.refresh()
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaleWarehouseWarning)
        df = quiet.get_performance_metrics(model_name="gpt2", latest_only=False)
    assert unseen in set(df["result_id"])


def test_the_other_classes_can_be_told_not_to_rebuild(project):
    data_dir, db = project
    for cls in (IncrementalBenchmarkRunner, SimulationDetection, BenchmarkVisualizer):
        assert cls(db, data_dir, auto_refresh=False).api.auto_refresh is False
        assert cls(db, data_dir).api.auto_refresh is True


# ------------------------------------------------------------------------ runner


def test_old_model_names_resolve_or_fail_with_suggestions():
    catalog = load_catalog()
    assert resolve_model_name("vit-base", catalog) == "vit-base-patch16-224"
    assert resolve_model_name("bert-tiny", catalog) == "prajjwal1/bert-tiny"
    assert resolve_model_name("t5-small", catalog) == "t5-small"
    with pytest.raises(CatalogError, match="unknown model 'resnet-50'"):
        resolve_model_name("resnet-50", catalog)


def test_run_single_benchmark_measures_and_store_lands_it(tmp_path):
    runner = BenchmarkRunner(
        db_path=tmp_path / "b.duckdb", data_dir=tmp_path / "data", timing=TINY_TIMING
    )
    result = runner.run_single_benchmark("test/tiny-bert", "cpu", batch_size=2, sequence_length=8)
    assert result["status"] == "completed"
    assert result["iterations"] >= 3 and len(result["latencies_ms"]) == result["iterations"]
    mean = sum(result["latencies_ms"]) / len(result["latencies_ms"])
    assert result["throughput_items_per_second"] == pytest.approx(2 * 1000.0 / mean)
    assert file_count(tmp_path / "data") == 0  # nothing stored until asked
    assert runner.store_benchmark_result(result) is True
    (row,) = landed(tmp_path / "data", "benchmark_results")
    assert row["result_id"] == result["result_id"] and row["latencies_ms"] == result["latencies_ms"]
    (run,) = landed(tmp_path / "data", "test_runs")
    assert run["run_id"] == result["run_id"]
    (event,) = landed(tmp_path / "data", "hardware_events")
    assert event["hardware_type"] == "cpu" and event["is_available"] is True
    with pytest.raises(landing.LandingError, match="never rewritten"):
        runner.store_benchmark_result(result)


@pytest.mark.skipif(detect("rocm").is_available, reason="this host has ROCm")
def test_unavailable_hardware_is_a_status_row_never_a_number(tmp_path):
    runner = BenchmarkRunner(data_dir=tmp_path / "data", timing=TINY_TIMING)
    result = runner.run_single_benchmark("test/tiny-bert", "rocm", 1, 8)
    assert result["status"] == "unavailable" and result["is_simulated"] is False
    assert result.get("latency_mean_ms") is None
    assert result.get("throughput_items_per_second") is None
    assert "rocm" in result["error_message"]


@pytest.mark.skipif(detect("rocm").is_available, reason="this host has ROCm")
def test_use_simulation_gives_a_flagged_estimate_not_a_measurement(tmp_path):
    runner = BenchmarkRunner(data_dir=tmp_path / "data", timing=TINY_TIMING)
    result = runner.run_single_benchmark("test/tiny-bert", "rocm", 1, 8, use_simulation=True)
    assert result["is_simulated"] is True
    assert "rocm unavailable" in result["simulation_reason"]
    assert result.get("iterations") is None  # nothing was timed
    runner.store_benchmark_result(result)
    (row,) = landed(tmp_path / "data", "benchmark_results")
    assert row["is_simulated"] is True and row["simulation_reason"] == result["simulation_reason"]
    # an estimate is no measurement: its run is no success, and counts it as simulated
    (run,) = landed(tmp_path / "data", "test_runs")
    assert (run["success"], run["configurations_completed"], run["configurations_simulated"]) == (
        False,
        0,
        1,
    )
    # the same in the old run summary: estimates are not successful benchmarks
    summary = runner.run_benchmarks(
        ["test/tiny-bert"], ["rocm"], [1, 2], sequence_length=8, force_simulation=True
    )
    assert summary["by_status"] == {"completed": 2}
    assert (summary["successful"], summary["simulated"], summary["failed"]) == (0, 2, 0)


def test_run_benchmarks_summary_counts_every_configuration(tmp_path):
    runner = BenchmarkRunner(data_dir=tmp_path / "data", timing=TINY_TIMING)
    summary = runner.run_benchmarks(["test/tiny-bert"], ["cpu", "qnn"], [1, 2], sequence_length=8)
    # 1 model x 2 hardware types x 2 batch sizes; qnn has no Python probe: unavailable
    assert summary["total"] == 4
    assert summary["successful"] == 2 and summary["failed"] == 2 and summary["simulated"] == 0
    assert summary["by_status"] == {"completed": 2, "unavailable": 2}
    landed_ids = {r["result_id"] for r in landed(tmp_path / "data", "benchmark_results")}
    assert landed_ids == {r["result_id"] for r in summary["results"]}
    forced = runner.run_benchmarks(
        ["test/tiny-bert"], ["cpu", "qnn"], [1], sequence_length=8, force_simulation=True
    )
    by_hardware = {r["hardware_type"]: r for r in forced["results"]}
    assert by_hardware["cpu"]["is_simulated"] is False  # measured where the hardware is
    assert by_hardware["qnn"]["is_simulated"] is True  # flagged where it is not


def test_unknown_models_and_hardware_fail_before_anything_runs(tmp_path):
    runner = BenchmarkRunner(data_dir=tmp_path / "data", timing=TINY_TIMING)
    with pytest.raises(CatalogError, match="unknown model 'no-such-model'"):
        runner.run_benchmarks(["no-such-model"], ["cpu"], [1])
    with pytest.raises(ConfigurationError, match="unknown hardware type 'tpu'"):
        runner.run_benchmarks(["test/tiny-bert"], ["tpu"], [1])
    with pytest.raises(ConfigurationError, match="batch size"):
        runner.run_benchmarks(["test/tiny-bert"], ["cpu"], [0])
    assert not (tmp_path / "data" / "landing" / "benchmark_results").exists()


# ------------------------------------------------------------------------ imports


def test_compat_runner_needs_no_warehouse_packages(tmp_path):
    code = (
        "import sys\n"
        "for blocked in ('duckdb', 'fastapi', 'uvicorn', 'dbt', 'plotnine'):\n"
        "    sys.modules[blocked] = None\n"
        "import benchdb.compat\n"
        "assert 'torch' not in sys.modules\n"
        "from benchdb.compat import BenchmarkRunner, BenchmarkDBAPI\n"
        "from runners.timing import TimingSettings\n"
        f"r = BenchmarkRunner(data_dir={str(tmp_path)!r}, timing=TimingSettings(0, 1, 0.0))\n"
        "s = r.run_benchmarks(['test/tiny-bert'], ['cpu'], [1], sequence_length=4)\n"
        "assert s['successful'] == 1, s['by_status']\n"
        "BenchmarkDBAPI(data_dir=" + repr(str(tmp_path)) + ").store_performance_result(\n"
        "    model_name='m', hardware_type='cpu', batch_size=1, throughput=1.0)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


def test_every_old_class_is_in_compat_and_not_in_the_host_package():
    import benchdb.compat
    import runners

    for name in (
        "BenchmarkDBAPI",
        "BenchmarkRunner",
        "BenchmarkDBMaintenance",
        "IncrementalBenchmarkRunner",
        "SimulationDetection",
        "BenchmarkVisualizer",
    ):
        assert isinstance(getattr(benchdb.compat, name), type)
        assert not hasattr(runners, name)


def test_timestamps_without_zone_are_utc():
    row = validate_performance(
        {
            "model_name": "m",
            "hardware_type": "cpu",
            "batch_size": 1,
            "throughput": 1.0,
            "measured_at": datetime(2025, 1, 1, 12, 0),
        }
    )
    assert row["measured_at"] == datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc)


def test_stored_compatibility_integration_and_marks_reach_the_marts(tmp_path):
    from benchdb.compat import SimulationDetection

    data_dir = tmp_path / "data"
    api = BenchmarkDBAPI(db_path=tmp_path / "b.duckdb", data_dir=data_dir)
    cid = api.store_compatibility_result(
        model_name="bert-base-uncased",
        hardware_type="webgpu",
        is_compatible=False,
        error_message="no adapter",
        compatibility_score=0.25,
    )
    tid = api.store_integration_test_result(
        test_module="tests.test_x",
        test_name="test_y",
        status="fail",
        assertions=[{"assertion_name": "shape", "passed": False, "actual_value": "3"}],
    )
    rid = api.store_performance_result(
        model_name="bert-base-uncased",
        hardware_type="cuda",
        batch_size=4,
        throughput=120.5,
        latency_avg=8.2,
    )
    detector = SimulationDetection(db_path=tmp_path / "b.duckdb", data_dir=data_dir)
    detector.mark_result_as_simulated(rid, "numbers copied from a slide")

    compat = api.query(
        "select result_source, is_compatible, compatibility_score, error_message "
        "from hardware_compatibility where compatibility_id = $id",
        {"id": cid},
    )
    assert compat.to_dict("records") == [
        {
            "result_source": "api",
            "is_compatible": False,
            "compatibility_score": 0.25,
            "error_message": "no adapter",
        }
    ]
    tests = api.query(
        "select status, result_source from integration_test_results where test_result_id = $id",
        {"id": tid},
    )
    assert tests.to_dict("records") == [{"status": "fail", "result_source": "api"}]
    checks = api.query(
        "select assertion_name, passed, actual_value "
        "from integration_test_assertions where test_result_id = $id",
        {"id": tid},
    )
    assert checks.to_dict("records") == [
        {"assertion_name": "shape", "passed": False, "actual_value": "3"}
    ]
    flagged = detector.get_simulated_results()
    (reason,) = flagged.loc[flagged.result_id == rid, "simulation_reason"]
    assert reason.endswith(": numbers copied from a slide")
    assert detector.generate_simulation_report()["simulated"] == 1
