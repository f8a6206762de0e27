"""Issue 15, items 5 and 6: writes keep what the caller sent, and estimates never leak.

Everything here is stored through the public write paths (POST /performance and
BenchmarkDBAPI.store_performance_result) into an empty landing zone, then built once. Every
expected value is the input written in this file, or worked out by hand from it in a comment.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from benchdb.compat import BenchmarkDBAPI
from benchdb.server import ServerSettings, create_app
from tests.conftest import PROJECT_ROOT, invoke

TOKEN = "truth-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BERT = {"model_name": "bert-base-uncased", "sequence_length": 128}
JAN = "2026-01-{:02d}T00:00:00Z"


def _landed(data_dir: Path, kind: str) -> list[dict]:
    files = sorted((data_dir / "landing" / kind).glob("run_date=*/*.parquet"))
    return [r for f in files for r in pq.read_table(f).to_pylist()]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Results stored through REST and the Python API, then one build."""
    root = tmp_path_factory.mktemp("truth-writes")
    data_dir, db = root / "data", root / "w.duckdb"
    ids: dict[str, str] = {}
    with TestClient(create_app(ServerSettings(db, data_dir, token=TOKEN))) as client:

        def post(name: str, body: dict) -> None:
            response = client.post("/performance", json=body, headers=AUTH)
            assert response.status_code == 201, response.text
            ids[name] = response.json()["id"]

        # no precision, no time, only a latency: nothing may be filled in
        post("bare", {**BERT, "hardware_type": "cuda", "batch_size": 4, "latency_avg": 8.0})
        # a history on cpu batch 1 fp32: measured 100/s, an estimate of 1000/s, measured 125/s
        post(
            "m1",
            {
                **BERT,
                "hardware_type": "cpu",
                "batch_size": 1,
                "precision": "fp32",
                "throughput": 100.0,
                "latency_p50_ms": 10.0,
                "measured_at": JAN.format(1),
            },
        )
        post(
            "e1",
            {
                **BERT,
                "hardware_type": "cpu",
                "batch_size": 1,
                "precision": "fp32",
                "throughput": 1000.0,
                "latency_p50_ms": 1.0,
                "measured_at": JAN.format(2),
                "is_simulated": True,
                "simulation_reason": "test: an estimate",
            },
        )
        post(
            "m2",
            {
                **BERT,
                "hardware_type": "cpu",
                "batch_size": 1,
                "precision": "fp32",
                "throughput": 125.0,
                "latency_p50_ms": 7.5,
                "measured_at": JAN.format(3),
            },
        )
        # an estimate newer than both measurements of cpu batch 4 fp32
        post(
            "m3",
            {
                **BERT,
                "hardware_type": "cpu",
                "batch_size": 4,
                "precision": "fp32",
                "throughput": 300.0,
                "measured_at": JAN.format(1),
            },
        )
        post(
            "e3",
            {
                **BERT,
                "hardware_type": "cpu",
                "batch_size": 4,
                "precision": "fp32",
                "throughput": 30000.0,
                "measured_at": JAN.format(5),
                "is_simulated": True,
                "simulation_reason": "test: a newer estimate",
            },
        )
    api = BenchmarkDBAPI(db_path=db, data_dir=data_dir, auto_refresh=False)
    # wanted (seeds/wanted_benchmarks.csv): cpu batch 16 fp32 seq 128, completed but undated
    ids["undated"] = api.store_performance_result(
        **BERT, hardware_type="cpu", batch_size=16, precision="fp32", throughput=400.0
    )
    # an estimate only, on a configuration nothing measured
    ids["estimate_only"] = api.store_performance_result(
        **BERT, hardware_type="rocm", batch_size=1, precision="fp32", throughput=5000.0,
        measured_at=JAN.format(4), is_simulated=True, simulation_reason="test: no rocm here",
    )  # fmt: skip
    invoke("build", "--quiet", "--data-dir", data_dir, "--db-path", db)
    return data_dir, db, ids


def _rows(db: Path, sql: str, params: dict | None = None) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql, params or {})
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


# ------------------------------------------------------------------------ writes


def test_post_without_precision_or_time_stores_null_and_derives_nothing(site):
    data_dir, db, ids = site
    (landed,) = [r for r in _landed(data_dir, "benchmark_results") if r["result_id"] == ids["bare"]]
    assert landed["precision"] is None
    assert landed["measured_at"] is None
    assert landed["latency_mean_ms"] == 8.0
    assert landed["throughput_items_per_second"] is None  # never 4 x 1000 / 8 = 500
    assert landed["weights_source"] is None  # nothing the caller did not say
    (row,) = _rows(
        db,
        "select precision, measured_at, average_latency_ms, throughput_items_per_second, "
        "result_source, is_simulated from performance_results where result_id = $id",
        {"id": ids["bare"]},
    )
    assert row == {
        "precision": None,
        "measured_at": None,
        "average_latency_ms": 8.0,
        "throughput_items_per_second": None,
        "result_source": "api",
        "is_simulated": False,
    }


def test_every_api_row_says_it_came_through_the_api(site):
    _, db, ids = site
    sources = {r["result_id"]: r["result_source"] for r in _rows(
        db, "select result_id, result_source from performance_results"
    )}  # fmt: skip
    assert sources == {result_id: "api" for result_id in ids.values()}


def test_the_given_time_is_kept_as_given(site):
    _, db, ids = site
    (row,) = _rows(
        db, "select measured_at from performance_results where result_id = $id", {"id": ids["m2"]}
    )
    assert row["measured_at"] == datetime(2026, 1, 3, tzinfo=timezone.utc)


def test_a_stored_estimate_is_no_successful_run(site):
    data_dir, _, ids = site
    results = {r["result_id"]: r for r in _landed(data_dir, "benchmark_results")}
    runs = {r["run_id"]: r for r in _landed(data_dir, "test_runs")}
    measured = runs[results[ids["m1"]]["run_id"]]
    estimated = runs[results[ids["estimate_only"]]["run_id"]]
    assert (measured["success"], measured["configurations_completed"]) == (True, 1)
    assert measured["configurations_simulated"] == 0
    assert (estimated["success"], estimated["configurations_completed"]) == (False, 0)
    assert (estimated["configurations_simulated"], estimated["configurations_failed"]) == (1, 0)


def test_the_rest_schema_has_no_precision_default(site):
    _, db, _ = site
    with TestClient(create_app(ServerSettings(db, site[0]))) as client:
        schema = client.get("/openapi.json").json()["components"]["schemas"]["PerformanceIn"]
    assert "precision" not in schema.get("required", [])
    assert schema["properties"]["precision"].get("default") is None


# ------------------------------------------------------------------------ planning


def test_an_undated_api_row_does_not_make_its_configuration_done(site):
    _, db, _ = site
    (status,) = _rows(
        db,
        "select completed_count, incomplete_count, is_done from benchmark_config_status "
        "where model_name = 'bert-base-uncased' and hardware_type = 'cpu' and batch_size = 16",
    )
    assert status == {"completed_count": 0, "incomplete_count": 1, "is_done": False}
    (missing,) = _rows(
        db,
        "select reason from missing_benchmarks where model_name = 'bert-base-uncased' "
        "and hardware_type = 'cpu' and batch_size = 16 and precision = 'fp32' "
        "and sequence_length = 128",
    )
    assert "not counted as measured" in missing["reason"]
    # cpu batch 1 and 4 (fp32, seq 128, dated measurements) are done: not missing
    assert (
        _rows(
            db,
            "select batch_size from missing_benchmarks where model_name = 'bert-base-uncased' "
            "and hardware_type = 'cpu' and precision = 'fp32' and batch_size in (1, 4)",
        )
        == []
    )


# ------------------------------------------------------------------------ history


def _history(db: Path) -> list[dict]:
    return _rows(
        db,
        "select result_id, configuration_id, result_kind, is_simulated, is_latest, "
        "throughput_change_pct, latency_p50_change_pct, configuration_label, measured_at "
        "from rpt_result_history order by configuration_id, measured_at",
    )


def test_no_history_shows_an_estimate_as_its_latest_measured_point(site):
    _, db, ids = site
    history = _history(db)
    assert {r["result_id"] for r in history} == set(ids.values())  # every one completed
    latest = {r["result_id"] for r in history if r["is_latest"]}
    # batch 1: m2 (01-03) is the newest measurement; batch 4: m3, though e3 (01-05) is newer;
    # rocm: only an estimate, so no latest measured point; cpu batch 16 and cuda batch 4 (no
    # precision): their one measured row, undated
    assert latest == {ids["m2"], ids["m3"], ids["undated"], ids["bare"]}
    for configuration in {r["configuration_id"] for r in history}:
        measured = [r for r in history if r["configuration_id"] == configuration]
        measured = [r for r in measured if r["result_kind"] == "measured"]
        if measured:
            newest = max(measured, key=lambda r: r["measured_at"] or datetime.min.replace(
                tzinfo=timezone.utc))  # fmt: skip
            assert newest["is_latest"] and not newest["is_simulated"]


def test_a_change_is_measured_against_the_previous_measurement(site):
    _, db, ids = site
    by_id = {r["result_id"]: r for r in _history(db)}
    # m2 against m1: 125 / 100 = +25 %, p50 7.5 / 10 = -25 % (against the estimate e1 it would
    # read -87.5 % and +650 %)
    assert by_id[ids["m2"]]["throughput_change_pct"] == pytest.approx(25.0)
    assert by_id[ids["m2"]]["latency_p50_change_pct"] == pytest.approx(-25.0)
    for estimate in ("e1", "e3", "estimate_only"):
        row = by_id[ids[estimate]]
        assert row["result_kind"] == "estimate" and row["is_simulated"] is True
        assert row["throughput_change_pct"] is None and row["latency_p50_change_pct"] is None
        assert row["configuration_label"].endswith(", estimate")
    assert not by_id[ids["m1"]]["configuration_label"].endswith("estimate")


# ------------------------------------------------------------------------ README


def test_the_readme_example_query_averages_measurements_only(site):
    _, db, _ = site
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", readme, re.DOTALL)
    assert len(queries) >= 2, "the filtered example and the old query"
    averages = {
        (r["model_name"], r["hardware_type"]): r["avg_throughput"] for r in _rows(db, queries[0])
    }
    # cpu: measured 100, 125 (batch 1) and 300 (batch 4), and the undated 400 (batch 16):
    # (100 + 125 + 300 + 400) / 4 = 231.25; the estimates 1000 and 30000 stay out
    assert averages[("bert-base-uncased", "cpu")] == pytest.approx(231.25)
    assert ("bert-base-uncased", "rocm") not in averages  # estimated only
    # the old query still runs unchanged and averages the estimates in:
    # (100 + 1000 + 125 + 300 + 30000 + 400) / 6 = 5320.8333...
    old = {
        (r["model_name"], r["hardware_type"]): r["avg_throughput"] for r in _rows(db, queries[1])
    }
    assert old[("bert-base-uncased", "cpu")] == pytest.approx(31925.0 / 6)
