"""dbt over the landing zone: the public schema, its ids, and the old documentation's query."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from benchdb import generations, snapshot, warehouse
from runners import landing
from runners.errors import WarehouseError
from tests.conftest import PROJECT_ROOT, invoke

# shared/reference/old_system.md, "Columns the old tables had"
OLD_COLUMNS = {
    "models": "model_id model_name model_family modality source version parameters_million "
    "metadata created_at",
    "hardware_platforms": "hardware_id hardware_type device_name platform platform_version "
    "driver_version memory_gb compute_units metadata created_at",
    "test_runs": "run_id test_name test_type started_at completed_at execution_time_seconds "
    "success git_commit git_branch command_line metadata created_at",
    "performance_results": "result_id run_id model_id hardware_id test_case batch_size precision "
    "total_time_seconds average_latency_ms throughput_items_per_second "
    "memory_peak_mb iterations warmup_iterations metrics created_at "
    "is_simulated simulation_reason",
    "hardware_availability_log": "log_id hardware_id is_available detection_timestamp reason "
    "detected_on_host",
}
# what the old schema lacked and users needed
NEW_RESULT_COLUMNS = (
    "sequence_length image_size audio_seconds latency_p50_ms latency_p90_ms latency_p95_ms "
    "latency_p99_ms latency_stdev_ms measured_at requested_hardware_type actual_device "
    "device_name torch_version transformers_version cuda_version driver_version status "
    "error_message simulation_method"
)
OLD_EXAMPLE_QUERY = """
SELECT
    m.model_name,
    hp.hardware_type,
    AVG(pr.throughput_items_per_second) as avg_throughput
FROM
    performance_results pr
JOIN
    models m ON pr.model_id = m.model_id
JOIN
    hardware_platforms hp ON pr.hardware_id = hp.hardware_id
GROUP BY
    m.model_name, hp.hardware_type
ORDER BY
    avg_throughput DESC
"""


def _columns(db, table):
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute(f"describe {table}").fetchall()]


@pytest.mark.parametrize("table", sorted(OLD_COLUMNS))
def test_marts_keep_the_old_columns(tiny_warehouse, table):
    assert set(OLD_COLUMNS[table].split()) <= set(_columns(tiny_warehouse, table))


def test_performance_results_add_what_the_old_schema_lacked(tiny_warehouse):
    assert set(NEW_RESULT_COLUMNS.split()) <= set(_columns(tiny_warehouse, "performance_results"))


def test_old_example_query_matches_averages_computed_from_the_parquet(tiny_run, tiny_warehouse):
    with duckdb.connect(str(tiny_warehouse), read_only=True) as con:
        got = {(m, h): avg for m, h, avg in con.execute(OLD_EXAMPLE_QUERY).fetchall()}
    sums = defaultdict(list)
    for path in landing.landed_files(tiny_run / "landing", "benchmark_results"):
        for row in pq.read_table(path).to_pylist():
            sums[(row["model_name"], row["hardware_type"])].append(
                row["throughput_items_per_second"]
            )
    expected = {}
    for key, values in sums.items():
        present = [v for v in values if v is not None]
        expected[key] = sum(present) / len(present) if present else None
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == (None if value is None else pytest.approx(value)), key


def test_warehouse_percentiles_agree_with_the_runner(tiny_run, tiny_warehouse):
    runner = {
        r["result_id"]: r
        for p in landing.landed_files(tiny_run / "landing", "benchmark_results")
        for r in pq.read_table(p).to_pylist()
    }
    with duckdb.connect(str(tiny_warehouse), read_only=True) as con:
        rows = con.execute(
            "select result_id, latency_p50_ms, latency_p90_ms, latency_p99_ms, status "
            "from performance_results"
        ).fetchall()
    assert len(rows) == len(runner)
    for result_id, p50, p90, p99, status in rows:
        mine = runner[result_id]
        assert status == mine["status"]
        for got, key in ((p50, "latency_p50_ms"), (p90, "latency_p90_ms"), (p99, "latency_p99_ms")):
            assert got == (None if mine[key] is None else pytest.approx(mine[key], rel=1e-9))


def test_missing_metrics_stay_null(tiny_warehouse):
    with duckdb.connect(str(tiny_warehouse), read_only=True) as con:
        rows = con.execute(
            "select average_latency_ms, throughput_items_per_second, memory_peak_mb, iterations "
            "from performance_results where status = 'unavailable'"
        ).fetchall()
    assert rows and all(v is None for row in rows for v in row)


def test_ids_are_stable_across_rebuilds(tiny_run, tiny_warehouse, tmp_path):
    again = tmp_path / "again.duckdb"
    invoke("build", "--quiet", "--data-dir", tiny_run, "--db-path", again)
    sql = "select {} from {} order by 1"
    for table, key in [
        ("models", "model_id"),
        ("hardware_platforms", "hardware_id"),
        ("performance_results", "result_id, model_id, hardware_id"),
        ("hardware_availability_log", "log_id"),
    ]:
        with (
            duckdb.connect(str(tiny_warehouse), read_only=True) as a,
            duckdb.connect(str(again), read_only=True) as b,
        ):
            assert (
                a.execute(sql.format(key, table)).fetchall()
                == b.execute(sql.format(key, table)).fetchall()
            )


def test_empty_landing_zone_builds_empty_tables_with_the_right_columns(tiny_warehouse, tmp_path):
    db = tmp_path / "empty.duckdb"
    result = invoke("build", "--quiet", "--data-dir", tmp_path / "nothing", "--db-path", db)
    assert "performance_results" in result.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from performance_results").fetchone() == (0,)
        assert con.execute(OLD_EXAMPLE_QUERY).fetchall() == []
        # the catalog still describes the models
        assert con.execute("select count(*) from models").fetchone()[0] >= 7
    for table in OLD_COLUMNS:
        assert _columns(db, table) == _columns(tiny_warehouse, table)


def test_corrupt_landing_file_is_left_out_named_and_listed(tiny_run, tiny_warehouse, tmp_path):
    """A truncated landed file is input, not a reason to fail: the build leaves it out, says so
    in one line naming it, lists it in rejected_rows and keeps every other row."""
    data = tmp_path / "data"
    shutil.copytree(tiny_run, data)
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_warehouse, db)
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute("select count(*) from performance_results").fetchone()[0]
    bad = data / "landing/benchmark_results/run_date=2026-01-01/broken.parquet"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"PAR1 truncated")
    result = invoke("build", "--quiet", "--data-dir", data, "--db-path", db)
    (line,) = [x for x in result.output.splitlines() if str(bad) in x]
    assert "file schema: not a readable Parquet file" in line, line
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from performance_results").fetchone()[0] == before
        assert con.execute(
            "select column_name, outcome from rejected_rows where source_file = $1", [str(bad)]
        ).fetchall() == [("*", "file_rejected")]


def test_a_negative_latency_is_rejected_not_fatal(tiny_run, tiny_warehouse, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny_run, data)
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_warehouse, db)
    run_id = "bad-run"
    _land_bad_row(data, run_id, with_test_run=True)
    invoke("build", "--quiet", "--data-dir", data, "--db-path", db)
    with duckdb.connect(str(db), read_only=True) as con:
        latency = con.execute(
            "select latency_mean_ms from performance_results where result_id = 'bad-row'"
        ).fetchall()
        rejected = con.execute(
            "select count(*) from rejected_rows where row_identity like '%bad-row%'"
        ).fetchone()[0]
    assert latency == [(None,)]  # the row stays, its latency is no measurement
    assert rejected >= 1


def test_failing_data_test_fails_the_build_with_dbts_message(
    tiny_run, tiny_warehouse, tmp_path, monkeypatch
):
    """A logic error (never the input: tests/test_rejected_rows.py) fails the build: a copy of
    the project whose test_runs mart lists every run twice breaks its unique test."""
    project = tmp_path / "project"
    for name in generations.PROJECT_INPUTS:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, project / name)
    broken = project / "models" / "marts" / "core" / "test_runs.sql"
    text = broken.read_text()
    assert text.rstrip().endswith("select * from final")
    broken.write_text(text.rstrip() + "\nunion all\nselect * from final\n")
    monkeypatch.setattr(warehouse, "PROJECT_DIR", project)
    monkeypatch.setattr(generations, "PROJECT_DIR", project)
    data = tmp_path / "data"
    shutil.copytree(tiny_run, data)
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_warehouse, db)
    before = db.read_bytes()
    result = invoke("build", "--quiet", "--data-dir", data, "--db-path", db, expect_exit=None)
    assert result.exit_code == 1
    assert "dbt build failed" in result.output
    # dbt names the failing `rules` test; benchdb names the rule that broke and on how many rows
    assert "test_runs: rule `unique run_id` fails on" in result.output, result.output
    # the last good warehouse is still there
    assert db.read_bytes() == before


def _land_bad_row(data: Path, run_id: str, with_test_run: bool) -> None:
    """A "completed" result of test/tiny-bert with a negative latency."""
    now = landing.utc_now()
    landing.write_rows(
        data / "landing",
        "benchmark_results",
        [
            {
                "result_id": "bad-row",
                "run_id": run_id,
                "model_name": "test/tiny-bert",
                "hardware_type": "cpu",
                "batch_size": 1,
                "precision": "fp32",
                "status": "completed",
                "latencies_ms": [-3.0],
                "is_simulated": False,
                "measured_at": now,
            }
        ],
        run_id,
        now,
    )
    if with_test_run:
        landing.write_rows(
            data / "landing",
            "test_runs",
            [
                {
                    "run_id": run_id,
                    "test_type": "performance",
                    "started_at": now,
                    "completed_at": now,
                    "success": True,
                }
            ],
            run_id,
            now,
        )


def test_query_binds_parameters_and_reads_only(tiny_warehouse):
    out = invoke(
        "query",
        "--db-path",
        tiny_warehouse,
        "--format",
        "csv",
        "--sql",
        "select count(*) as n from performance_results where batch_size = $b and model_name = $m",
        "--param",
        "b=2",
        "--param",
        "m=test/tiny-vit",
    ).output
    # tiny-vit: 2 hardware types x 2 precisions at batch size 2
    assert out.splitlines() == ["n", "4"]
    denied = invoke(
        "query",
        "--db-path",
        tiny_warehouse,
        "--sql",
        "delete from performance_results",
        expect_exit=None,
    )
    assert denied.exit_code == 1
    assert "read-only" in denied.output.lower()
    assert len(denied.output.strip().splitlines()) == 1


def test_query_without_a_warehouse_says_what_to_do(tmp_path):
    result = invoke(
        "query", "--db-path", tmp_path / "none.duckdb", "--sql", "select 1", expect_exit=None
    )
    assert result.exit_code == 1
    assert "run `benchdb build` first" in result.output


# ------------------------------------------------------------------ the dbt project's structure
# dbt-project-evaluator's rules, checked on the parsed project (STYLE.md, "How we structure our
# dbt projects"): a model that breaks one fails here with its name.


@pytest.fixture(scope="module")
def dbt_nodes(tmp_path_factory) -> dict:
    """Every node of the dbt project, from `dbt parse` (no warehouse is built or read)."""
    from benchdb.paths import PROJECT_DIR
    from benchdb.warehouse import dbt_env, dbt_executable

    scratch = tmp_path_factory.mktemp("dbt-parse")
    done = subprocess.run(
        [
            *dbt_executable(),
            "parse",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(scratch / "target"),
            "--log-path",
            str(scratch / "logs"),
            "--no-use-colors",
        ],
        cwd=PROJECT_DIR,
        env=dbt_env(scratch / "unused.duckdb", scratch / "data"),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((scratch / "target" / "manifest.json").read_text())["nodes"]


def _models(nodes: dict) -> dict:
    return {key: node for key, node in nodes.items() if node["resource_type"] == "model"}


def _layer(node: dict) -> str:
    return node["original_file_path"].split("/")[1]


def test_only_staging_models_read_sources(dbt_nodes):
    readers = {
        node["name"]: _layer(node)
        for node in _models(dbt_nodes).values()
        if any(dep.startswith("source.") for dep in node["depends_on"]["nodes"])
    }
    # the landing tables and the legacy manifest and documents, one staging model each
    assert len(readers) >= 8
    assert {name: layer for name, layer in readers.items() if layer != "staging"} == {}


def test_staging_models_read_no_other_model(dbt_nodes):
    reading = {
        node["name"]: [dep for dep in node["depends_on"]["nodes"] if dep.startswith("model.")]
        for node in _models(dbt_nodes).values()
        if _layer(node) == "staging"
    }
    assert {name: deps for name, deps in reading.items() if deps} == {}


def test_every_model_has_a_primary_key_tested_unique_and_not_null(dbt_nodes):
    tested = defaultdict(lambda: defaultdict(set))
    for node in dbt_nodes.values():
        if node["resource_type"] != "test" or "test_metadata" not in node:
            continue
        if node["config"].get("where"):
            continue  # a test of some rows does not make a key
        name = node["test_metadata"]["name"]
        kwargs = node["test_metadata"]["kwargs"]
        model = node["attached_node"]
        if name == "rules":  # a mart's contract in one test: required columns and rules
            for column in kwargs.get("not_null", []):
                tested[model][column].add("not_null")
            for rule in kwargs.get("rules", []):
                if "unique" in rule and "where" not in rule:
                    tested[model][rule["unique"]].add("unique")
            continue
        # columns_not_null checks a model's required columns in one test
        columns = (
            kwargs["columns"]
            if name == "columns_not_null"
            else [node.get("column_name") or kwargs.get("column_name")]
        )
        for column in columns:
            tested[model][column].add("not_null" if name == "columns_not_null" else name)
    without_key = sorted(
        node["name"]
        for key, node in _models(dbt_nodes).items()
        if not any({"unique", "not_null"} <= names for names in tested[key].values())
    )
    assert without_key == []


def test_a_landing_zone_far_smaller_than_the_warehouses_is_refused(tiny_warehouse, tmp_path):
    # a mistyped --data-dir: nothing there, the published warehouse came from the tiny run
    before = os.readlink(tiny_warehouse)
    result = invoke(
        "build", "--quiet", "--data-dir", tmp_path / "mistyped", "--db-path", tiny_warehouse,
        expect_exit=1,
    )  # fmt: skip
    assert "refusing to build" in result.output and "holds 0 file(s)" in result.output
    assert "--allow-shrink" in result.output and "Traceback" not in result.output
    assert os.readlink(tiny_warehouse) == before  # the warehouse in place is untouched


@pytest.mark.parametrize(("files_now", "refused"), [(0, True), (4, True), (5, False), (12, False)])
def test_shrinking_below_half_the_files_is_refused(tmp_path, files_now, refused):
    published = {"files": 10, "generation": 3, "landing_root": "/data/landing"}
    taken = snapshot.Snapshot(
        tmp_path,
        tuple(snapshot.SnapshotFile("test_runs", f"f{i}.parquet", 1, 0) for i in range(files_now)),
    )
    if refused:
        with pytest.raises(WarehouseError, match=f"holds {files_now} file"):
            warehouse.check_not_shrinking(published, taken, tmp_path)
    else:
        warehouse.check_not_shrinking(published, taken, tmp_path)
    warehouse.check_not_shrinking({}, taken, tmp_path)  # a first build has nothing to shrink
