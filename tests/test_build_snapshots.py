"""Builds see one snapshot, never lose data, and publish generations readers can keep.

One landing zone grows through the module: the committed fixture run, then hand-made runs landed
by the tests (one completed CPU result each, with its samples), while builds run. Every build is
a real `benchdb build` (dbt included), so the module is marked slow.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from benchdb import generations, marks, snapshot, warehouse
from runners import landing
from tests.conftest import PROJECT_ROOT, invoke

pytestmark = pytest.mark.slow

FIXTURE_LANDING = PROJECT_ROOT / "tests" / "fixtures" / "data" / "landing"
# the public marts: what users read, compared between incremental and full-refresh builds


def land_run(landing_root: Path, latency_ms: float = 3.0, samples: int = 25) -> str:
    """One run with one completed CPU result of test/tiny-bert, as a runner lands it."""
    run_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    values = [latency_ms + 0.01 * (i % 5) for i in range(samples)]
    landing.write_rows(
        landing_root,
        "benchmark_results",
        [
            {
                "result_id": landing.derived_id(run_id, "test/tiny-bert", "cpu", "fp32", 1, 8),
                "run_id": run_id,
                "measured_at": now,
                "model_name": "test/tiny-bert",
                "model_family": "bert",
                "modality": "text",
                "hardware_type": "cpu",
                "device": "cpu",
                "batch_size": 1,
                "sequence_length": 8,
                "precision": "fp32",
                "status": "completed",
                "iterations": samples,
                "latencies_ms": values,
                "latency_mean_ms": sum(values) / samples,
                "latency_p50_ms": sorted(values)[samples // 2],
                "throughput_items_per_second": 1000.0 * samples / sum(values),
                "is_simulated": False,
                "host": "test-host",
            }
        ],
        run_id,
        now,
    )
    landing.write_rows(
        landing_root,
        "test_runs",
        [
            {
                "run_id": run_id,
                "test_name": "hand-made run",
                "test_type": "performance",
                "started_at": now,
                "completed_at": now,
                "success": True,
                "configurations_total": 1,
                "configurations_completed": 1,
                "configurations_failed": 0,
                "configurations_simulated": 0,
            }
        ],
        run_id,
        now,
    )
    return run_id


def run_ids(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute("select run_id from performance_results").fetchall()}


def public_tables(db: Path) -> dict[str, list[tuple]]:
    """Every public mart's rows (schema main), sorted, without bookkeeping columns (when a row
    was loaded)."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
        for (table,) in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_name = ? and table_schema = 'main' order by ordinal_position",
                    [table],
                ).fetchall()
                if c not in ("loaded_at",)
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            out[table] = sorted(con.execute(f"select {select} from {table}").fetchall(), key=repr)
    return out


@pytest.fixture(scope="module")
def zone(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("snapshots")
    shutil.copytree(FIXTURE_LANDING, data / "landing")
    return data


@pytest.fixture(scope="module")
def first_build(zone) -> Path:
    db = zone / "warehouse" / "benchmark.duckdb"
    invoke("build", "--quiet", "--data-dir", zone, "--db-path", db)
    return db


def test_a_build_publishes_a_generation_readers_open_through_the_link(first_build, zone):
    layout = generations.Layout(first_build)
    assert first_build.is_symlink()
    info = layout.current_info()
    assert info["snapshot_id"] == snapshot.take(zone / "landing").snapshot_id
    assert info["files"] == 3 and info["full_refresh"] is True
    assert not warehouse.is_stale(first_build, zone)
    assert len(run_ids(first_build)) == 1
    # nothing new: the build publishes nothing and returns at once
    started = time.monotonic()
    result = invoke("build", "--data-dir", zone, "--db-path", first_build)
    assert "nothing new" in result.output and time.monotonic() - started < 10
    assert layout.current_info() == info and len(layout.generations()) == 1


def test_a_result_landing_mid_build_waits_for_the_next_build(first_build, zone):
    layout = generations.Layout(first_build)
    land_run(zone / "landing")  # something new, so that this build runs dbt
    landed: list[str] = []

    def land_once_dbt_runs() -> None:
        snapshot_file = layout.build_dir / "snapshot.parquet"
        deadline = time.monotonic() + 300
        while not snapshot_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # dbt is reading the landing zone by now
        landed.append(land_run(zone / "landing"))

    writer = threading.Thread(target=land_once_dbt_runs)
    writer.start()
    invoke("build", "--quiet", "--data-dir", zone, "--db-path", first_build)
    writer.join()
    assert landed and landed[0] not in run_ids(first_build)  # not in this build's snapshot
    assert warehouse.is_stale(first_build, zone)
    invoke("build", "--quiet", "--data-dir", zone, "--db-path", first_build)
    assert landed[0] in run_ids(first_build)
    assert not warehouse.is_stale(first_build, zone)
    info = layout.current_info()
    assert info["full_refresh"] is False, info  # incremental from an earlier generation


def test_overlapping_builds_lose_nothing_and_never_publish_older_data(first_build, zone):
    before = run_ids(first_build) | {land_run(zone / "landing")}  # the first build has work
    env = {**os.environ, "BENCHMARK_DB_PATH": str(first_build), "BENCHMARK_DATA_DIR": str(zone)}
    command = [sys.executable, "-c", "from benchdb.cli import main; main()", "build", "--quiet"]
    first = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)  # fmt: skip
    time.sleep(2.0)
    new_run = land_run(zone / "landing")
    second = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    out_first, _ = first.communicate(timeout=600)
    out_second, _ = second.communicate(timeout=600)
    assert first.returncode == 0, out_first[-2000:]
    assert second.returncode == 0, out_second[-2000:]
    assert run_ids(first_build) == before | {new_run}
    assert not warehouse.is_stale(first_build, zone)


def test_a_killed_build_leaves_the_warehouse_readable_and_its_leftovers_go(first_build, zone):
    before = run_ids(first_build)
    published = os.readlink(first_build)
    land_run(zone / "landing")
    env = {**os.environ, "BENCHMARK_DB_PATH": str(first_build), "BENCHMARK_DATA_DIR": str(zone)}
    layout = generations.Layout(first_build)
    # a landing write whose writer died two hours ago, half a file under its temporary name
    abandoned = next((zone / "landing" / "benchmark_results").glob("run_date=*"))
    abandoned = abandoned / ".killed.parquet.0123abcd.tmp"
    abandoned.write_bytes(b"half a parquet file")
    os.utime(abandoned, (time.time() - 7200, time.time() - 7200))
    # stopped (SIGTERM, as a service manager or `kill` does), then killed outright (SIGKILL)
    for stop in (signal.SIGTERM, signal.SIGKILL):
        build = subprocess.Popen(
            [sys.executable, "-c", "from benchdb.cli import main; main()", "build", "--quiet"],
            env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while not (layout.build_dir / "snapshot.parquet").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(3.0)  # dbt is running
        dbt_children = subprocess.run(
            ["pgrep", "-P", str(build.pid)], capture_output=True, text=True
        ).stdout.split()
        assert dbt_children, stop
        build.send_signal(stop)
        build.wait(timeout=30)
        assert build.returncode == -stop
        assert os.readlink(first_build) == published  # nothing published
        assert run_ids(first_build) == before  # and the published warehouse still reads
        time.sleep(1.0)
        for pid in dbt_children:  # its dbt child died with it
            status = Path(f"/proc/{pid}/status")
            assert not status.exists() or "zombie" in status.read_text(), (stop, pid)
        assert layout.build_dir.exists()  # left behind ...
    invoke("build", "--quiet", "--data-dir", zone, "--db-path", first_build)
    assert not layout.build_dir.exists()  # ... and discarded by the next build
    assert not abandoned.exists()  # the dead writer's temporary file too
    assert len(layout.generations()) <= generations.KEEP_PUBLISHED
    # a killed build's folder goes with the next build even when that one finds nothing new
    (layout.build_dir / "dbt.log").parent.mkdir(parents=True)
    (layout.build_dir / "dbt.log").write_text("half a build")
    again = invoke("build", "--data-dir", zone, "--db-path", first_build)
    assert "nothing new" in again.output
    assert f"removed the folder of a build that was stopped: {layout.build_dir}" in again.output
    assert not layout.build_dir.exists()


def test_incremental_and_full_refresh_builds_give_identical_marts(first_build, zone, tmp_path):
    # what an incremental build must handle: new points appended to a series (its history goes
    # on from its last point; its regression verdict changes), new runs, a mark on a result
    # loaded earlier, and a hardware mark that flags the results measured after it
    landing_root = zone / "landing"
    # test/tiny-bert's CPU series: 3.0 ms so far, 9 more points about 3.0 ms, built, then 6
    # about 4.5 ms: a 50% slower median at the newest two points, which the regressions mart
    # must call a regression
    for k in range(9):
        land_run(landing_root, latency_ms=3.0 + 0.002 * k)
    invoke("build", "--quiet", "--data-dir", zone, "--db-path", first_build)
    for k in range(6):
        land_run(landing_root, latency_ms=4.5 + 0.002 * k)
    earlier = sorted(run_ids(first_build))[0]
    with duckdb.connect(str(first_build), read_only=True) as con:
        (marked_result,) = con.execute(
            "select result_id from performance_results where run_id = ? and not is_simulated "
            "order by result_id limit 1",
            [earlier],
        ).fetchone()
    marks.mark_result(landing_root, marked_result, "checked by hand: emulated")
    marks.mark_hardware(landing_root, "cpu", False, "the CI host emulates its CPU from now on")
    time.sleep(0.01)
    after_mark = land_run(landing_root, latency_ms=4.0)
    invoke("build", "--quiet", "--data-dir", zone, "--db-path", first_build)
    with duckdb.connect(str(first_build), read_only=True) as con:
        flags = dict(
            con.execute(
                "select result_id, is_simulated from performance_results "
                "where result_id = ? or run_id = ?",
                [marked_result, after_mark],
            ).fetchall()
        )
    assert flags.pop(marked_result) is True
    assert list(flags.values()) == [True]  # the run measured after the hardware mark
    assert generations.Layout(first_build).current_info()["full_refresh"] is False
    fresh = tmp_path / "fresh" / "benchmark.duckdb"
    invoke("build", "--quiet", "--full-refresh", "--data-dir", zone, "--db-path", fresh)
    incremental, full = public_tables(first_build), public_tables(fresh)
    assert "rpt_result_history" in full and sorted(incremental) == sorted(full)
    with duckdb.connect(str(fresh), read_only=True) as con:
        (status,) = con.execute(
            "select status from regressions where model_name = 'test/tiny-bert' "
            "and hardware_type = 'cpu' and batch_size = 1 and sequence_length = 8 "
            "and metric = 'latency_p50_ms'"
        ).fetchone()
        (points,) = con.execute(
            "select count(*) from rpt_result_history where model_name = 'test/tiny-bert' "
            "and hardware_type = 'cpu' and batch_size = 1 and sequence_length = 8 "
            "and result_kind = 'measured'"
        ).fetchone()
    assert status == "regression" and points >= 13
    for table in full:
        assert incremental[table] == full[table], table
