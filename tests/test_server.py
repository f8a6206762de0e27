"""The REST API: endpoints on the tiny warehouse, token-guarded writes, bad input, NaN, CORS,
missing marts, reads during a build, and a real uvicorn on 127.0.0.1.

Expected numbers are worked out from the landed Parquet files (the input), not from the API.
"""

from __future__ import annotations

import json
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from benchdb import warehouse
from benchdb.compat import BenchmarkDBAPI
from benchdb.server import ServerSettings, create_app, plain
from tests.conftest import invoke

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GOOD = {
    "model_name": "bert-base-uncased",
    "hardware_type": "cuda",
    "batch_size": 4,
    "throughput": 1.5,
}


def landed_rows(data_dir: Path, kind: str = "benchmark_results") -> list[dict]:
    files = sorted((data_dir / "landing" / kind).glob("run_date=*/*.parquet"))
    return [r for f in files for r in pq.read_table(f).to_pylist()]


def landing_files(data_dir: Path) -> set[Path]:
    return set((data_dir / "landing").glob("*/run_date=*/*.parquet"))


@pytest.fixture(scope="module")
def site(tiny_run, tiny_warehouse, tmp_path_factory):
    """A writable landing zone (copy of the tiny run) and a warehouse file of this module's own."""
    root = tmp_path_factory.mktemp("server")
    shutil.copytree(tiny_run / "landing", root / "data" / "landing")
    shutil.copy(tiny_warehouse, root / "benchmark.duckdb")
    return root / "data", root / "benchmark.duckdb"


@pytest.fixture(scope="module")
def client(site):
    data_dir, db = site
    app = create_app(ServerSettings(db, data_dir, token=TOKEN))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def read_only_client(site):
    data_dir, db = site
    with TestClient(create_app(ServerSettings(db, data_dir))) as c:
        yield c


# ------------------------------------------------------------------------ reads


def test_root_health_and_catalog_endpoints(client, tiny_run):
    assert client.get("/").json()["name"] == "benchdb"
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["rows"]["performance_results"] == len(landed_rows(tiny_run))
    models = {m["model_name"]: m for m in client.get("/models").json()}
    assert {"test/tiny-bert", "test/tiny-vit", "test/tiny-whisper"} <= set(models)
    assert isinstance(models["test/tiny-bert"]["metadata"], dict)  # JSON columns come as JSON
    hardware = client.get("/hardware").json()
    assert {h["hardware_type"] for h in hardware} >= {"cpu", "cuda"}


def test_performance_numbers_match_the_landed_measurements(client, tiny_run):
    rows = client.get(
        "/performance",
        params={"model_name": "test/tiny-bert", "hardware_type": "cpu", "precision": "fp32"},
    ).json()
    landed = {
        r["batch_size"]: r
        for r in landed_rows(tiny_run)
        if r["model_name"] == "test/tiny-bert"
        and r["hardware_type"] == "cpu"
        and r["precision"] == "fp32"
    }
    assert sorted(r["batch_size"] for r in rows) == sorted(landed) == [1, 2]
    for row in rows:
        latencies = landed[row["batch_size"]]["latencies_ms"]
        mean = statistics.fmean(latencies)
        assert row["average_latency_ms"] == pytest.approx(mean)
        assert row["throughput_items_per_second"] == pytest.approx(row["batch_size"] * 1000 / mean)
        assert row["status"] == "completed" and row["is_simulated"] is False


def test_status_any_shows_configurations_that_did_not_run(client, tiny_run):
    # every attempt on every hardware type, by id and status: the tiny run asked for cpu and
    # cuda, so on a host without CUDA the cuda rows are `unavailable`; on a GPU host they may all
    # have run. The comparison of the two sets fails on a missing, extra or relabelled row
    # whichever it is (an `all()` over an empty list of failures could not).
    landed = {r["result_id"]: r for r in landed_rows(tiny_run)}
    rows = client.get("/performance", params={"status": "any"}).json()
    assert {r["result_id"]: r["status"] for r in rows} == {
        i: r["status"] for i, r in landed.items()
    }
    not_run = [r for r in rows if r["status"] != "completed"]
    assert len(not_run) == sum(1 for r in landed.values() if r["status"] != "completed")
    for row in not_run:  # no number for what did not run
        assert row["throughput_items_per_second"] is None and row["average_latency_ms"] is None
    # the default is completed results only: exactly the landed completed ones
    default = client.get("/performance").json()
    assert {r["result_id"] for r in default} == {
        i for i, r in landed.items() if r["status"] == "completed"
    }


def test_comparison_takes_a_slash_in_the_model_name(client):
    rows = client.get("/performance/comparison/test/tiny-bert", params={"metric": "latency"})
    assert rows.status_code == 200
    assert rows.json() and all(r["average_latency_ms"] > 0 for r in rows.json())
    assert client.get("/performance/comparison/test/tiny-bert?metric=speed").status_code == 422


def test_simulation_report_counts(client, tiny_run):
    report = client.get("/simulation/report").json()
    landed = landed_rows(tiny_run)
    with_numbers = [r for r in landed if r["status"] == "completed"]
    assert report["total"] == len(with_numbers)
    assert report["rows_without_metrics"] == len(landed) - len(with_numbers)
    assert report["simulated"] == sum(1 for r in with_numbers if r["is_simulated"])
    assert sum(h["total"] for h in report["by_hardware"]) == len(with_numbers)


def test_summary_counts_the_landed_results(client, tiny_run):
    summary = client.get("/summary").json()
    landed = landed_rows(tiny_run)
    completed = [r for r in landed if r["status"] == "completed"]
    assert summary["results_total"] == len(landed)
    assert summary["results_completed"] == len(completed)
    assert summary["results_simulated"] == sum(1 for r in completed if r["is_simulated"])
    assert summary["results_without_metrics"] == len(landed) - len(completed)
    assert summary["models_with_results"] == len({r["model_name"] for r in completed})
    # the simulation report counts the same completed results
    assert client.get("/simulation/report").json()["total"] == summary["results_completed"]


def test_best_throughput_is_the_highest_landed_on_each_model(client, tiny_run):
    rows = client.get(
        "/performance/best", params={"metric": "throughput", "hardware_type": "cpu"}
    ).json()
    expected: dict[str, float] = {}
    for r in landed_rows(tiny_run):
        if r["status"] == "completed" and r["hardware_type"] == "cpu":
            name = r["model_name"]
            expected[name] = max(expected.get(name, 0.0), r["throughput_items_per_second"])
    assert {r["model_name"]: r["value"] for r in rows} == pytest.approx(expected)
    assert all(r["metric"] == "throughput_items_per_second" for r in rows)
    assert not any(r["is_simulated"] for r in rows)
    assert client.get("/performance/best", params={"metric": "speed"}).status_code == 422


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/performance?batch_size=-1", "batch_size"),
        ("/performance?batch_size=four", "batch_size"),
        ("/performance?hardware_type=tpu", "hardware_type"),
        ("/performance?latest_only=perhaps", "latest_only"),
        ("/performance?limit=0", "limit"),
    ],
)
def test_bad_query_parameters_are_422_naming_the_field(client, url, field):
    response = client.get(url)
    assert response.status_code == 422
    assert field in response.json()["error"]


# ------------------------------------------------------------------------ writes


def test_writes_need_a_token(site, client, read_only_client):
    data_dir, _ = site
    before = landing_files(data_dir)
    assert read_only_client.post("/performance", json=GOOD, headers=AUTH).status_code == 403
    assert client.post("/performance", json=GOOD).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.post("/performance", json=GOOD, headers=wrong).status_code == 401
    assert landing_files(data_dir) == before


def test_post_performance_lands_the_result_with_new_names(site, client):
    data_dir, _ = site
    body = {**GOOD, "latency_avg": 8.2, "memory_peak": 2100.0, "device_name": "NVIDIA RTX 4090"}
    response = client.post("/performance", json=body, headers=AUTH)
    assert response.status_code == 201
    result_id = response.json()["id"]
    (row,) = [r for r in landed_rows(data_dir) if r["result_id"] == result_id]
    assert (row["throughput_items_per_second"], row["latency_mean_ms"], row["memory_peak_mb"]) == (
        1.5,
        8.2,
        2100.0,
    )
    assert row["device_name"] == "NVIDIA RTX 4090"
    # the body gave no precision and no time: both stay NULL (neither fp32 nor the time of
    # storing), and no throughput was worked out from the latency (1.5 was sent)
    assert row["precision"] is None and row["measured_at"] is None
    # its own run, which says it came through the REST API
    (run,) = [r for r in landed_rows(data_dir, "test_runs") if r["run_id"] == row["run_id"]]
    assert run["command_line"] == "benchdb serve store_performance_result"


def test_post_compatibility_and_integration(site, client):
    data_dir, _ = site
    response = client.post(
        "/compatibility",
        headers=AUTH,
        json={"model_name": "gpt2", "hardware_type": "webnn", "is_compatible": False,
              "error_message": "no WebNN", "compatibility_score": 0.0},
    )  # fmt: skip
    assert response.status_code == 201
    (row,) = landed_rows(data_dir, "compatibility_results")
    assert row["compatibility_id"] == response.json()["id"] and row["is_compatible"] is False
    response = client.post(
        "/integration",
        headers=AUTH,
        json={"test_module": "m", "test_name": "t", "status": "fail", "error_message": "boom",
              "assertions": [{"assertion_name": "a", "passed": False, "actual_value": "3"}]},
    )  # fmt: skip
    assert response.status_code == 201
    (row,) = landed_rows(data_dir, "integration_results")
    assert row["status"] == "fail" and row["assertions"][0]["actual_value"] == "3"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "batch_size": -4}, "batch_size"),
        ({**GOOD, "batch_size": 0}, "batch_size"),
        ({**GOOD, "batch_size": "4"}, "batch_size"),
        ({**GOOD, "batch_size": 2.5}, "batch_size"),
        ({**GOOD, "throughput": "fast"}, "throughput"),
        ({**GOOD, "throughput": -1.0}, "throughput"),
        ({**GOOD, "memory_peak": "lots"}, "memory_peak"),
        ({k: v for k, v in GOOD.items() if k != "model_name"}, "model_name"),
        ({k: v for k, v in GOOD.items() if k != "hardware_type"}, "hardware_type"),
        ({k: v for k, v in GOOD.items() if k != "batch_size"}, "batch_size"),
        ({**GOOD, "hardware_type": "tpu"}, "hardware_type"),
        ({**GOOD, "precision": "fp64"}, "precision"),
        ({**GOOD, "colour": "red"}, "colour"),
        ({**GOOD, "is_simulated": True}, "simulation_reason"),
        ({**GOOD, "status": "failed"}, "error_message"),
        ({"model_name": "m", "hardware_type": "cpu", "batch_size": 1}, "metric"),
        ([GOOD], "body"),
    ],
)
def test_bad_bodies_are_422_naming_the_field_and_store_nothing(site, client, body, field):
    data_dir, _ = site
    before = landing_files(data_dir)
    response = client.post("/performance", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]
    assert landing_files(data_dir) == before


@pytest.mark.parametrize(
    "raw",
    [
        b'{"model_name": "m", "hardware_type": "cpu",',
        b"not json at all",
        b'{"model_name": "m", "hardware_type": "cpu", "batch_size": 1, "throughput": NaN}',
        b'{"model_name": "m", "hardware_type": "cpu", "batch_size": 1, "throughput": Infinity}',
        b"",
    ],
)
def test_malformed_json_is_422_and_stores_nothing(site, client, raw):
    data_dir, _ = site
    before = landing_files(data_dir)
    response = client.post(
        "/performance", content=raw, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]
    assert landing_files(data_dir) == before


# ------------------------------------------------------------------------ NaN, CORS, marts


def _copy_with(site, tmp_path, statements: list[str]) -> Path:
    _, db = site
    target = tmp_path / "edited" / db.name
    target.parent.mkdir()
    shutil.copy(db, target)
    with duckdb.connect(str(target)) as con:
        for statement in statements:
            con.execute(statement)
    return target


def test_nan_and_infinity_are_null_never_a_500(site, tmp_path):
    data_dir, _ = site
    db = _copy_with(
        site,
        tmp_path,
        [
            "update performance_results set average_latency_ms = 'nan'::double, "
            "throughput_items_per_second = 'inf'::double, latency_p50_ms = '-inf'::double "
            "where model_name = 'test/tiny-bert'"
        ],
    )
    with TestClient(create_app(ServerSettings(db, data_dir))) as c:
        rows = c.get("/performance", params={"model_name": "test/tiny-bert"}).json()
        assert rows and all(r["average_latency_ms"] is None for r in rows)
        assert all(r["throughput_items_per_second"] is None for r in rows)
        assert c.get("/performance/comparison/test/tiny-bert").status_code == 200
        query = c.post("/query", json={"sql": "select 'nan'::double as a, ['inf'::double] as b"})
        assert query.json()["rows"] == [{"a": None, "b": [None]}]
    assert plain({"x": [float("nan"), float("-inf"), 1.5]}) == {"x": [None, None, 1.5]}


def _drop(name: str, db: Path) -> None:
    with duckdb.connect(str(db)) as con:
        kind = con.execute(
            "select table_type from information_schema.tables "
            "where table_schema = 'main' and table_name = $n",
            {"n": name},
        ).fetchone()
        if kind:
            con.execute(f"drop {'view' if kind[0] == 'VIEW' else 'table'} {name}")


def test_missing_marts_answer_404_naming_them_then_work_once_built(site, tmp_path):
    data_dir, _ = site
    db = _copy_with(site, tmp_path, [])
    marts = (
        ("/benchmarks/missing", "missing_benchmarks"),
        ("/benchmarks/outdated", "outdated_benchmarks"),
        ("/compatibility", "hardware_compatibility"),
        ("/performance/best", "rpt_best_results"),
        ("/summary", "rpt_warehouse_summary"),
        ("/performance/comparison/test/tiny-bert", "rpt_latest_results"),
        ("/performance", "rpt_latest_results"),
    )
    for _, name in marts:
        _drop(name, db)
    with TestClient(create_app(ServerSettings(db, data_dir))) as c:
        for url, mart in marts:
            response = c.get(url)
            assert response.status_code == 404
            assert response.json()["missing"] == mart and mart in response.json()["error"]
    with duckdb.connect(str(db)) as con:
        con.execute(
            "create table missing_benchmarks as select 'gpt2' as model_name, 'cuda' as "
            "hardware_type, 8 as batch_size, 'fp16' as precision"
        )
    with TestClient(create_app(ServerSettings(db, data_dir))) as c:
        assert c.get("/benchmarks/missing").json() == [
            {"model_name": "gpt2", "hardware_type": "cuda", "batch_size": 8, "precision": "fp16"}
        ]


def test_no_warehouse_is_503_with_the_reason(tmp_path):
    with TestClient(create_app(ServerSettings(tmp_path / "none.duckdb", tmp_path))) as c:
        response = c.get("/performance")
        assert response.status_code == 503 and "benchdb build" in response.json()["error"]
        assert c.post("/query", json={"sql": "select 1"}).status_code == 503


def test_cors_is_off_by_default_and_configurable(site):
    data_dir, db = site
    origin = {"Origin": "https://dash.example.org"}
    with TestClient(create_app(ServerSettings(db, data_dir))) as c:
        assert "access-control-allow-origin" not in c.get("/health", headers=origin).headers
    settings = ServerSettings(db, data_dir, cors_origins=("https://dash.example.org",))
    with TestClient(create_app(settings)) as c:
        headers = c.get("/health", headers=origin).headers
        assert headers["access-control-allow-origin"] == "https://dash.example.org"
        other = c.get("/health", headers={"Origin": "https://evil.example"}).headers
        assert "access-control-allow-origin" not in other


def test_openapi_documents_every_endpoint(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path, method in [
        ("/health", "get"),
        ("/models", "get"),
        ("/hardware", "get"),
        ("/performance", "get"),
        ("/performance", "post"),
        ("/performance/comparison/{model_name}", "get"),
        ("/performance/best", "get"),
        ("/summary", "get"),
        ("/compatibility", "get"),
        ("/compatibility", "post"),
        ("/integration", "get"),
        ("/integration", "post"),
        ("/simulation/report", "get"),
        ("/benchmarks/missing", "get"),
        ("/benchmarks/outdated", "get"),
        ("/charts/{chart_type}.png", "get"),
        ("/query", "post"),
    ]:
        assert method in paths[path], (path, method)
    params = {p["name"] for p in paths["/performance"]["get"]["parameters"]}
    assert {"model_name", "hardware_type", "batch_size", "precision", "latest_only"} <= params


def test_charts_are_png_or_a_clear_error(client):
    response = client.get(
        "/charts/hardware-comparison.png", params={"model_name": "test/tiny-bert"}
    )
    if response.status_code == 501:
        assert "charts are not available" in response.json()["error"]
        return
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get("/charts/pie.png").status_code == 422
    assert client.get("/charts/history.png", params={"model_name": "nope"}).status_code in (
        404,
        422,
    )


# ------------------------------------------------------------------------ readers during a build


def test_readers_keep_answering_while_a_build_replaces_the_warehouse(site, tmp_path):
    data_dir, _ = site
    db = tmp_path / "live" / "benchmark.duckdb"
    db.parent.mkdir()
    shutil.copy(site[1], db)
    with duckdb.connect(str(db), read_only=True) as con:
        old_count = con.execute("select count(*) from performance_results").fetchone()[0]
    api = BenchmarkDBAPI(db, data_dir, auto_refresh=False)
    measured = api.store_performance_result(
        model_name="gpt2", hardware_type="cpu", batch_size=3, throughput=7.0,
        measured_at="2025-01-01T00:00:00Z",
    )  # fmt: skip
    # a newer estimate of the same configuration: it must not hide the measurement
    estimated = api.store_performance_result(
        model_name="gpt2", hardware_type="cpu", batch_size=3, throughput=70.0,
        is_simulated=True, simulation_reason="test: a newer estimate",
        measured_at="2025-02-01T00:00:00Z",
    )  # fmt: skip
    expected_new = len(landed_rows(data_dir))
    assert expected_new > old_count

    app = create_app(ServerSettings(db, data_dir))
    seen, failures, cli_counts, rounds = set(), [], set(), 0
    errors: list[BaseException] = []

    def build():
        try:
            warehouse.build(db, data_dir)
        except BaseException as exc:  # reported below
            errors.append(exc)

    with TestClient(app) as c:
        builder = threading.Thread(target=build)
        builder.start()
        deadline = time.monotonic() + 300
        while builder.is_alive() and time.monotonic() < deadline:
            rounds += 1
            response = c.get(
                "/performance", params={"status": "any", "latest_only": False, "limit": 100000}
            )
            if response.status_code != 200:
                failures.append(response.text)
            else:
                seen.add(len(response.json()))
            if c.get("/health").status_code != 200:
                failures.append("health")
            out = invoke(
                "query", "--sql", "select count(*) as n from performance_results",
                "--db-path", db, "--format", "json", expect_exit=None,
            )  # fmt: skip
            if out.exit_code != 0:
                failures.append(out.output)
            else:
                cli_counts.add(json.loads(out.output)[0]["n"])
        builder.join()
        assert not errors, errors
        final = c.get(
            "/performance", params={"status": "any", "latest_only": False, "limit": 100000}
        )
        assert len(final.json()) == expected_new
        # latest per configuration is rpt_latest_results' answer, the same through REST and
        # the Python API: the measurement stands, the newer estimate is only in the full list
        latest = c.get("/performance", params={"model_name": "gpt2"}).json()
        assert [(r["result_id"], r["throughput_items_per_second"]) for r in latest] == [
            (measured, 7.0)
        ]
        assert list(api.get_performance_metrics(model_name="gpt2")["result_id"]) == [measured]
        side_by_side = c.get("/performance/comparison/gpt2").json()
        assert [r["result_id"] for r in side_by_side] == [measured]
        every = c.get("/performance", params={"model_name": "gpt2", "latest_only": False})
        assert {r["result_id"] for r in every.json()} == {measured, estimated}
    assert not failures, failures[:3]
    assert rounds >= 3  # requests were answered while dbt was building
    assert seen and seen <= {old_count, expected_new}
    assert cli_counts and cli_counts <= {old_count, expected_new}
    assert app.state.reader.generations_opened >= 2


# ------------------------------------------------------------------------ a real uvicorn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_benchdb_serve_answers_on_127_0_0_1(site, tmp_path):
    data_dir, db = site
    port = _free_port()
    command = [
        sys.executable, "-c", "from benchdb.cli import main; main()", "serve",
        "--host", "127.0.0.1", "--port", str(port), "--db-path", str(db),
        "--data-dir", str(data_dir), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                    health = json.load(response)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stdout.read().decode()[-2000:]) from None
                time.sleep(0.2)
        assert health["status"] == "ok" and health["read_only"] is True
        with urllib.request.urlopen(
            f"{base}/performance?model_name=test/tiny-vit", timeout=60
        ) as r:
            rows = json.load(r)
        assert rows and {r["model_name"] for r in rows} == {"test/tiny-vit"}
        request = urllib.request.Request(
            f"{base}/query",
            data=json.dumps({"sql": "select count(*) as n from models"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        # the first query starts the query sandbox's worker process: seconds on a busy host
        with urllib.request.urlopen(request, timeout=60) as r:
            assert json.load(r)["rows"][0]["n"] >= 3
    finally:
        process.terminate()
        process.wait(timeout=15)
