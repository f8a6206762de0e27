"""POST /query's limits hold (issue 14): the inputs users found, on a real `benchdb serve`, with
the server's memory measured from /proc; no path or setting is disclosed; /health answers while
the query workers are busy; one statement and both parameter styles on every surface.

Memory figures are measurements (VmRSS of the server process and of its query workers, sampled
every 20 ms). Nothing here asserts a speed: where a time is checked, the bound is many times the
limit being tested, so only a limit that does not hold (the 55 s list_sort) can break it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from benchdb.compat import BenchmarkDBAPI
from benchdb.queries import QueryError, colon_to_dollar, prepare_query
from benchdb.server import ServerSettings, create_app
from benchdb.server.sandbox import QueryPool, process_status, without_paths
from benchdb.server.settings import parse_size
from runners.errors import ConfigurationError, WarehouseError
from tests.conftest import invoke

MEMORY_LIMIT = 2_000_000_000  # the default --memory-limit 2GB, in bytes
SERVER_SHARE = MEMORY_LIMIT // 4  # what the server process itself may use
LIST_SORT = "select len(list_sort(range(60000000)))"
BIG_BODY = "select repeat('x',100000) from range(10000)"
SLOW = "select count(*) from range(100000000000)"  # hours of work; stopped at the time limit


# ------------------------------------------------------------------------------ measuring


def running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found


class RssSampler:
    """Peak VmRSS of a process alone and with its children, sampled every 20 ms."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_server = 0
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            server = process_status(self.pid).get("VmRSS", 0)
            total = server + sum(process_status(c).get("VmRSS", 0) for c in children(self.pid))
            self.peak_server = max(self.peak_server, server)
            self.peak_total = max(self.peak_total, total)
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def site(tiny_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("limits")
    db = root / "benchmark.duckdb"
    shutil.copy(tiny_warehouse, db)
    (root / "data").mkdir()
    return root, db


@pytest.fixture(scope="module")
def client(site):
    root, db = site
    settings = ServerSettings(db, root / "data", time_limit_seconds=5.0)
    with TestClient(create_app(settings)) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, process: subprocess.Popen, base: str):
        self.process = process
        self.base = base

    def query(self, sql: str, parameters: dict | None = None, timeout: float = 120):
        """(status, body bytes, seconds) of one POST /query."""
        request = urllib.request.Request(
            f"{self.base}/query",
            data=json.dumps({"sql": sql, "parameters": parameters}).encode(),
            headers={"Content-Type": "application/json"},
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                status, body = r.status, r.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        return status, body, time.monotonic() - started

    def health(self, path: str = "/health") -> tuple[int, float]:
        """(status, seconds) of one GET (/health unless another path is given)."""
        started = time.monotonic()
        with urllib.request.urlopen(f"{self.base}{path}", timeout=60) as r:
            r.read()
            return r.status, time.monotonic() - started


@pytest.fixture(scope="module")
def server(site):
    """A real `benchdb serve` with the default limits (2GB, 2 query workers, 10 s)."""
    root, db = site
    log = (root / "serve.log").open("wb")
    port = _free_port()
    command = [
        sys.executable, "-c", "from benchdb.cli import main; main()", "serve",
        "--port", str(port), "--db-path", str(db), "--data-dir", str(root / "data"),
        "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    served = Server(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 120
    while True:
        try:
            served.health()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((root / "serve.log").read_text()[-2000:]) from None
            time.sleep(0.2)
    assert served.query("select 42 as x")[0] == 200  # the query workers are up
    yield served
    process.terminate()
    process.wait(timeout=30)
    log.close()


# ------------------------------------------------------------------------------ memory and time


def test_list_sort_of_60_million_is_stopped_and_the_server_stays_under_its_limit(server):
    with RssSampler(server.process.pid) as rss:
        status, body, seconds = server.query(LIST_SORT)
    error = json.loads(body)["error"]
    assert status == 400
    assert "memory" in error or "time limit" in error, error
    # it ran 55 s against the 10 s limit before; stopped by a limit, it cannot take 30 s
    assert seconds < 30, seconds
    assert rss.peak_total < MEMORY_LIMIT, rss.peak_total
    assert rss.peak_server < SERVER_SHARE, rss.peak_server
    print(f"\nlist_sort: {status} in {seconds:.2f} s; peak RSS server {rss.peak_server / 1e6:.0f}"
          f" MB, server + workers {rss.peak_total / 1e6:.0f} MB; {error}")  # fmt: skip
    assert server.query("select 42 as x")[0] == 200  # a fresh worker took the place of that one


def test_a_gigabyte_answer_is_refused_two_at_once_within_the_limit(server):
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(server.query(BIG_BODY))) for _ in range(2)
    ]
    with RssSampler(server.process.pid) as rss:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for status, body, _ in answers:
        assert status == 400
        assert len(body) < 1000  # not the 1 GB body
        error = json.loads(body)["error"]
        # the memory or the size limit stops it; on a loaded host the time limit may come first
        assert ("MB" in error and ("memory" in error or "response may hold" in error)) or (
            "time limit" in error
        ), error
    assert rss.peak_total < MEMORY_LIMIT, rss.peak_total
    assert rss.peak_server < SERVER_SHARE, rss.peak_server
    shown = [(a[0], round(a[2], 2)) for a in answers]
    print(f"\ntwo 1 GB answers: {shown}; peak RSS server {rss.peak_server / 1e6:.0f} MB, "
          f"with workers {rss.peak_total / 1e6:.0f} MB")  # fmt: skip


def test_each_worker_is_held_to_its_share_by_the_kernel(server):
    workers = children(server.process.pid)
    assert len(workers) == 2
    for pid in workers:
        with open(f"/proc/{pid}/limits") as f:
            line = next(x for x in f if x.startswith("Max address space"))
        # (2 GB - the server's quarter) / 2 workers = 750,000,000 bytes each
        assert line.split()[3] == "750000000", line


def test_the_result_size_is_counted_as_it_is_written(site):
    root, db = site
    settings = ServerSettings(db, root / "data", result_byte_limit=10_000)
    with TestClient(create_app(settings)) as c:
        # the body starts {"columns":["s"],"rows":[ (25 bytes, 120 kept for its end); each row is
        # {"s":"x...x"} (108 bytes) plus a comma after the first: after row k, 144 + 109 k bytes,
        # past 10,000 at row 91
        refused = c.post("/query", json={"sql": "select repeat('x', 100) as s from range(200)"})
        assert refused.status_code == 400
        assert (
            "larger than the 0.01 MB a response may hold (passed it at row 91)"
            in (refused.json()["error"])
        )
        fits = c.post("/query", json={"sql": "select repeat('x', 100) as s from range(90)"})
        assert fits.status_code == 200 and fits.json()["row_count"] == 90
        assert len(fits.content) <= 10_000


def test_a_query_past_the_time_limit_is_interrupted(client):
    response = client.post("/query", json={"sql": SLOW})
    assert response.status_code == 400
    assert response.json()["error"] == "the query ran past the 5 s time limit and was stopped"


def answered(client: TestClient, sql: str, tries: int = 5):
    """POST /query until it is not stopped at the time limit: a fresh worker's first query
    (imports, first parse) can pass a 1 s limit on a loaded host (seen at load 8.5)."""
    for _ in range(tries):
        response = client.post("/query", json={"sql": sql})
        if "time limit" not in response.json().get("error", ""):
            break
    return response


def test_a_worker_that_does_not_stop_is_killed_and_replaced(site):
    root, db = site
    app = create_app(ServerSettings(db, root / "data", time_limit_seconds=1.0))
    pool: QueryPool = app.state.query_pool
    with TestClient(app) as c:
        for _ in range(2):  # both workers have answered once
            assert answered(c, "select 1 as x").status_code == 200
        stuck = pool.worker_pids()
        assert len(stuck) == 2
        killed_before = pool.killed_for_time
        for pid in stuck:  # as an operator that never looks at interrupts would be
            os.kill(pid, signal.SIGSTOP)
        response = c.post("/query", json={"sql": "select 1 as x"})
        assert response.status_code == 400
        assert response.json()["error"] == "the query ran past the 1 s time limit and was stopped"
        assert pool.killed_for_time == killed_before + 1
        replaced = set(pool.worker_pids()) - set(stuck)
        assert len(replaced) == 1  # a fresh worker took the killed one's place
        assert answered(c, "select 7 as x").json()["rows"] == [{"x": 7}]
    assert not any(running(pid) for pid in stuck + list(replaced))


GETS = ("/health", "/performance?limit=5", "/models", "/summary")


def test_health_and_gets_answer_while_fifty_slow_queries_run(server):
    finished: list[tuple[int, float]] = []  # (status, when it came back)
    health: list[tuple[int, float, float]] = []  # (status, seconds, when it came back)

    def slow():
        status, _, _ = server.query(SLOW)
        finished.append((status, time.monotonic()))

    threads = [threading.Thread(target=slow) for _ in range(50)]
    with RssSampler(server.process.pid) as rss:
        for t in threads:
            t.start()
        time.sleep(0.5)
        while any(t.is_alive() for t in threads):
            status, seconds = server.health(GETS[len(health) % len(GETS)])
            health.append((status, seconds, time.monotonic()))
            time.sleep(0.2)
        for t in threads:
            t.join()
    assert server.query("select count(*) as n from models")[0] == 200
    assert health and all(status == 200 for status, _, _ in health)
    statuses = {status for status, _ in finished}
    assert statuses <= {400, 503}  # stopped at the time limit, or told to come back later
    # the two queries that ran were stopped at the 10 s limit: /health had answered before,
    # so it never waited behind them (it waited 10 s and more before the fix)
    ran_out = [when for status, when in finished if status == 400]
    assert ran_out and health[0][2] < min(ran_out)
    assert rss.peak_total < MEMORY_LIMIT and rss.peak_server < SERVER_SHARE
    worst = max(seconds for _, seconds, _ in health)
    # measured 0.3 s at load 6.5 on 2 cores; behind the queries it would be the 10 s limit
    assert worst < 5.0, health
    print(f"\n/health and GETs under 50 slow queries: {len(health)} answers, "
          f"slowest {worst:.3f} s; "
          f"queries {sorted(statuses)}; peak RSS {rss.peak_server / 1e6:.0f} MB server, "
          f"{rss.peak_total / 1e6:.0f} MB with workers")  # fmt: skip


def test_busy_workers_answer_503_with_retry_after(site):
    root, db = site
    app = create_app(
        ServerSettings(db, root / "data", time_limit_seconds=3.0, query_workers=1, queue_limit=0)
    )
    with TestClient(app) as c:
        answers = []
        slow = threading.Thread(target=lambda: answers.append(c.post("/query", json={"sql": SLOW})))
        slow.start()
        deadline = time.monotonic() + 60
        while app.state.query_pool._idle.qsize() and time.monotonic() < deadline:
            time.sleep(0.05)  # until the one worker has taken the slow query
        busy = c.post("/query", json={"sql": "select 1"})
        slow.join()
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "3"
        assert "query workers are busy" in busy.json()["error"]
        assert answers[0].status_code == 400


def test_workers_end_with_the_server(site):
    root, db = site
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from benchdb.cli import main; main()", "serve", "--port",
         str(port), "--db-path", str(db), "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    served = Server(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 120
    while True:
        try:
            assert served.query("select 1")[0] == 200
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
    workers = children(process.pid)
    assert len(workers) == 2
    process.kill()  # no shutdown: the workers notice their parent is gone
    process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(running(pid) for pid in workers)


# ------------------------------------------------------------------------------ disclosure

REVEALING = [
    ("select * from duckdb_databases()", "duckdb_databases()"),
    ("select path from duckdb_databases()", "duckdb_databases()"),
    ("select * from duckdb_settings()", "duckdb_settings()"),
    ("select * from duckdb_settings", "duckdb_settings"),
    ("select current_setting('temp_directory')", "current_setting()"),
    ("select getenv('HOME')", "getenv()"),
    ("select getvariable('x')", "getvariable()"),
    ("select * from glob('*')", "glob()"),
    ("select * from read_text('/etc/hostname')", "read_text()"),
    ("select * from read_parquet('landing/**/*.parquet')", "read_parquet()"),
    ("select * from pragma_database_list", "pragma_database_list"),
    ("select * from pragma_database_list()", "pragma_database_list()"),
    ("select * from pragma_platform()", "pragma_platform()"),
    ("select * from duckdb_extensions()", "duckdb_extensions()"),
    ("select * from duckdb_temporary_files()", "duckdb_temporary_files()"),
    ("select * from duckdb_secrets()", "duckdb_secrets()"),
    ("select * from which_secret('s3://x', 's3')", "which_secret()"),
    ("select sql from duckdb_views()", "duckdb_views()"),
    ("select * from duckdb_views", "duckdb_views"),
    ("select view_definition from information_schema.views", "information_schema.views"),
    ("select * from pg_catalog.pg_settings", "pg_catalog.pg_settings"),
    ("select * from pg_settings", "pg_settings"),
    ("select sql from sqlite_master", "sqlite_master"),
    ("select pg_get_viewdef(1)", "pg_get_viewdef()"),
    ("select * from staging.stg_landing__benchmark_results", "staging.stg_landing__benchmark_"),
    ("select * from memory.main.x", "memory.main.x"),
    ("select * from system.main.duckdb_settings", "system.main.duckdb_settings"),
    ("show databases", "SHOW"),
    ("select * from '/etc/passwd'", "/etc/passwd"),
    ("select * from (with t as (select 1) select * from t), duckdb_settings", "duckdb_settings"),
    ("with duckdb_settings as (select 1 as x) select * from duckdb_settings", "duckdb_settings"),
    ("select * from query_table('models')", "query_table()"),
    ("select * from summary((select 1))", "summary()"),
]


@pytest.mark.parametrize(("sql", "named"), REVEALING)
def test_nothing_that_reveals_paths_settings_or_the_environment_runs(client, site, sql, named):
    root, db = site
    response = client.post("/query", json={"sql": sql})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert named.lower() in error.lower(), error
    assert "does not parse" not in error  # refused by a rule, not by a typo in the test
    for secret in (str(root), str(db), os.environ.get("HOME", "/root"), "/tmp"):
        assert secret not in response.text


def test_the_catalog_a_query_may_read_names_no_path(client, site):
    root, _ = site
    allowed = [
        "select table_name from information_schema.tables",
        "select column_name from information_schema.columns where table_name = 'models'",
        "show tables",
        "describe models",
        "select current_database() as db",
        "select count(*) as n from missing_benchmarks",  # a view of the public schema
        "with t as (select model_name from models) select count(*) as n from t",
        "select unnest(range(3)) as i",
        "select * from range(3)",
    ]
    for sql in allowed:
        response = client.post("/query", json={"sql": sql})
        assert response.status_code == 200, (sql, response.text)
        assert str(root) not in response.text and "/tmp" not in response.text


def test_health_and_errors_name_no_path(client, site, tmp_path):
    root, db = site
    health = client.get("/health").json()
    assert health["warehouse"] == "benchmark.duckdb"
    assert str(root) not in json.dumps(health)
    with TestClient(create_app(ServerSettings(tmp_path / "gone.duckdb", tmp_path))) as c:
        for response in (c.get("/models"), c.post("/query", json={"sql": "select 1"})):
            assert response.status_code == 503
            assert "gone.duckdb" in response.json()["error"]
            assert str(tmp_path) not in response.text


def test_a_file_path_in_an_engine_error_is_cut():
    message = (
        'Permission Error: Cannot access file "/srv/data/landing/benchmark_results/'
        'run_date=*/*.parquet" - file system operations are disabled, also /srv/data/x.duckdb'
    )
    assert without_paths(message) == (
        'Permission Error: Cannot access file "<path>" - file system operations are disabled, '
        "also <path>"
    )
    assert without_paths("select 4 / 2 and 1/2") == "select 4 / 2 and 1/2"


# -------------------------------------------------------- one statement, both parameter styles

BERT = "select count(*) as n from performance_results where model_name = {p}m"


def test_one_statement_on_every_surface(client, site):
    root, db = site
    rest = client.post("/query", json={"sql": "select 1; select 2"})
    assert rest.status_code == 400
    assert rest.json()["error"] == (
        "send exactly one statement, got 2 (SELECT, SELECT): nothing was run"
    )
    cli = invoke("query", "--db-path", db, "--sql", "select 1; select 2", expect_exit=1)
    assert cli.output.strip().splitlines() == [
        "Error: send exactly one statement, got 2 (SELECT, SELECT): nothing was run"
    ]
    api = BenchmarkDBAPI(db_path=db, data_dir=root / "data", auto_refresh=False)
    with pytest.raises(WarehouseError, match="send exactly one statement, got 2"):
        api.query("select 1 as a; select 2 as b")
    with pytest.raises(QueryError, match="no statement"):
        prepare_query("-- only a comment")


@pytest.mark.parametrize("prefix", ["$", ":"])
def test_both_parameter_styles_on_every_surface(client, site, prefix):
    root, db = site
    sql = BERT.format(p=prefix)
    # the tiny run: tiny-bert on cpu and cuda x fp32 and bf16 x batch 1 and 2 = 8 rows
    rest = client.post("/query", json={"sql": sql, "parameters": {"m": "test/tiny-bert"}})
    assert rest.status_code == 200, rest.text
    assert rest.json()["rows"] == [{"n": 8}]
    cli = invoke(
        "query", "--db-path", db, "--sql", sql, "--param", "m=test/tiny-bert", "--format", "csv"
    )
    assert cli.stdout.splitlines() == ["n", "8"]
    api = BenchmarkDBAPI(db_path=db, data_dir=root / "data", auto_refresh=False)
    assert list(api.query(sql, {"m": "test/tiny-bert"})["n"]) == [8]


def test_colon_rewriting_leaves_casts_strings_and_other_names_alone():
    sql = "select a::int, ':m' as s from t where b = :m and c = :other"
    assert colon_to_dollar(sql, {"m": 1}) == (
        "select a::int, ':m' as s from t where b = $m and c = :other"
    )
    with pytest.raises(QueryError, match="no value given for :other"):
        prepare_query(sql, {"m": 1})


def test_a_colon_name_without_a_value_is_named_on_every_surface(client, site):
    root, db = site
    sql = "select :m as m, ':x' as s, 1::int as i -- :y"
    expected = "no value given for :m: bind each name"
    rest = client.post("/query", json={"sql": sql})
    assert rest.status_code == 400 and rest.json()["error"].startswith(expected), rest.text
    cli = invoke("query", "--db-path", db, "--sql", sql, "--param", "n=1", expect_exit=1)
    assert cli.output.startswith(f"Error: {expected}")
    api = BenchmarkDBAPI(db_path=db, data_dir=root / "data", auto_refresh=False)
    with pytest.raises(QueryError, match=expected):
        api.query(sql)


# ------------------------------------------------------------------------------ settings


def test_limits_are_split_and_checked():
    limits = ServerSettings(Path("w.duckdb"), Path("d")).query_limits()
    # 2 GB: a quarter for the server process, 1.5 GB for two workers, DuckDB a third of each
    assert limits.worker_address_space_bytes == 750_000_000
    assert limits.worker_duckdb_memory_limit == "250MB"
    assert ServerSettings(Path("w.duckdb"), Path("d")).reader_memory_limit() == "250MB"
    assert parse_size("1.5GiB") == 1_610_612_736
    with pytest.raises(ConfigurationError, match="each needs at least 400 MB"):
        ServerSettings(Path("w"), Path("d"), memory_limit="1GB", query_workers=2).query_limits()
    with pytest.raises(ConfigurationError, match="'2XB' is not a size"):
        parse_size("2XB")


def test_serve_refuses_limits_that_cannot_work_in_one_line(site):
    _, db = site
    result = invoke("serve", "--db-path", db, "--memory-limit", "600MB", expect_exit=2)
    assert "Invalid value for '--memory-limit': memory limit 600MB leaves 225 MB" in result.output
    result = invoke("serve", "--db-path", db, "--result-limit", "lots", expect_exit=2)
    assert "Invalid value for '--result-limit': result size limit 'lots' is not a size" in (
        result.output
    )
