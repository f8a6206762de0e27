"""Regressions on real runner rows: a tiny model measured run after run, then a commit that
makes every forward pass sleep. The step must be found, dated to the first slow run and put
down to the commit; the same series before the change must report nothing.

Expectations come from the landed Parquet files, computed here, not from the mart."""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest
from fastapi.testclient import TestClient

from benchdb.server import ServerSettings, create_app
from runners import benchmark, environment, worker
from tests.conftest import FAST_TIMING, invoke

pytestmark = pytest.mark.slow

BASELINE_RUNS = 14  # the windows need 5 recent + 8 earlier points, and one more to confirm
# the newest 5 and the 5 before them all slow: both tests alert whatever the host's load
# (with 5, the window before held one fast run, and a busy host's spread left p at 0.0011)
SLOW_RUNS = 6
SLEEP_SECONDS = 0.050  # tiny-bert takes 1-25 ms a forward pass on a busy 2-core machine
MODEL = "test/tiny-bert"


@dataclass
class History:
    data_dir: Path
    db: Path
    run_ids: list[str]  # in the order they ran
    commits: tuple[str, str]  # before, after the change
    before_change: list[dict]  # the mart built over the baseline runs alone
    after_change: list[dict]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _run(data_dir: Path) -> None:
    invoke(
        "run",
        "--model",
        MODEL,
        "--hardware",
        "cpu",
        "--batch-size",
        "1",
        "--sequence-length",
        "16",
        "--threads",
        "1",
        *FAST_TIMING,
        "--data-dir",
        data_dir,
    )


def _build(data_dir: Path, db: Path) -> list[dict]:
    invoke("build", "--quiet", "--data-dir", data_dir, "--db-path", db)
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql("select * from regressions order by metric").to_arrow_table().to_pylist()


def _slowed(build_model):
    """build_model whose models sleep before every forward pass: the change the commit made."""

    def build(spec, weights_dir=None, model_class=None):
        model, source = build_model(spec, weights_dir, model_class)
        forward = model.forward

        def sleepy_forward(*args, **kwargs):
            time.sleep(SLEEP_SECONDS)
            return forward(*args, **kwargs)

        model.forward = sleepy_forward
        return model, source

    return build


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> History:
    root = tmp_path_factory.mktemp("regression-history")
    checkout = root / "checkout"
    checkout.mkdir()
    _git(checkout, "init", "-q")
    (checkout / "model.py").write_text("SLEEP = 0\n")
    _git(checkout, "add", "model.py")
    _git(checkout, "commit", "-q", "-m", "baseline")
    before_commit = _git(checkout, "rev-parse", "HEAD")
    data_dir, db = root / "data", root / "benchmark.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        # measured in this process, so the patched model is the one timed; the runs record
        # the test's checkout as the code that ran them
        mp.setenv("BENCHDB_ISOLATION", "in_process")
        mp.setattr(
            benchmark, "benchdb_provenance", lambda: environment.benchdb_provenance(checkout)
        )
        for _ in range(BASELINE_RUNS):
            _run(data_dir)
        before_change = _build(data_dir, db)
        (checkout / "model.py").write_text(f"SLEEP = {SLEEP_SECONDS}\n")
        _git(checkout, "commit", "-q", "-am", "sleep before every forward pass")
        after_commit = _git(checkout, "rev-parse", "HEAD")
        mp.setattr(worker, "build_model", _slowed(worker.build_model))
        for _ in range(SLOW_RUNS):
            _run(data_dir)
    after_change = _build(data_dir, db)
    runs = _landed(data_dir, "test_runs")
    run_ids = [r["run_id"] for r in sorted(runs, key=lambda r: r["started_at"])]
    return History(
        data_dir, db, run_ids, (before_commit, after_commit), before_change, after_change
    )


def _landed(data_dir: Path, kind: str) -> list[dict]:
    return ds.dataset(data_dir / "landing" / kind, format="parquet").to_table().to_pylist()


def _p50_by_run(history: History) -> list[float]:
    rows = {r["run_id"]: r for r in _landed(history.data_dir, "benchmark_results")}
    return [rows[run_id]["latency_p50_ms"] for run_id in history.run_ids]


def _series(rows: list[dict], metric: str) -> dict:
    (row,) = [r for r in rows if r["metric"] == metric]
    return row


def test_the_same_series_without_the_change_reports_nothing(history):
    assert len(history.before_change) == 3  # latency, throughput, memory
    for row in history.before_change:
        # in process, a tiny model's memory often grows by 0.0 MiB: not a measurement, so NULL
        # (rejected_rows says why), and the memory series may be too short to judge
        if row["metric"] == "memory_peak_mb":
            assert row["status"] in ("no change", "insufficient data")
        else:
            assert row["points"] == BASELINE_RUNS
            assert row["status"] == "no change", (row["metric"], row["status_reason"])
        assert row["change_point"] is None and row["what_changed"] is None


def test_the_step_is_found_and_dated_to_the_first_slow_run(history):
    latency = _series(history.after_change, "latency_p50_ms")
    assert latency["status"] == "regression" and latency["direction"] == "worse"
    assert latency["points"] == BASELINE_RUNS + SLOW_RUNS
    assert latency["change_point"] == BASELINE_RUNS + 1
    assert latency["change_run_id"] == history.run_ids[BASELINE_RUNS]
    assert latency["previous_run_id"] == history.run_ids[BASELINE_RUNS - 1]
    assert latency["p_value"] < 0.001
    # throughput is the same samples seen the other way up: worse too, the same run
    throughput = _series(history.after_change, "throughput_items_per_second")
    assert throughput["status"] == "regression" and throughput["direction"] == "worse"
    assert throughput["change_run_id"] == history.run_ids[BASELINE_RUNS]
    # a sleep costs no memory (the series may be too short: zero growths are NULL)
    assert _series(history.after_change, "memory_peak_mb")["status"] in (
        "no change",
        "insufficient data",
    )


def test_the_step_is_put_down_to_the_commit(history):
    latency = _series(history.after_change, "latency_p50_ms")
    before, after = history.commits
    assert latency["changed_fields"] == ["git_commit"]
    assert latency["what_changed"] == f"git_commit {before[:12]} -> {after[:12]}"


def test_the_size_of_the_step_and_its_interval_come_from_the_points(history):
    p50 = _p50_by_run(history)
    before, after = p50[:BASELINE_RUNS], p50[BASELINE_RUNS:]
    latency = _series(history.after_change, "latency_p50_ms")
    expected = 100 * (statistics.fmean(after) / statistics.fmean(before) - 1)
    assert latency["change_pct"] == pytest.approx(expected, rel=1e-9)
    assert 0 < latency["change_pct_low"] < latency["change_pct"] < latency["change_pct_high"]
    # every forward pass after the commit sleeps first: no median below the sleep
    assert min(after) >= SLEEP_SECONDS * 1000
    # the test's windows: the last 5 points against every one before them (fewer than 20)
    recent, baseline = p50[-5:], p50[:-5]
    median_move = 100 * (statistics.median(recent) / statistics.median(baseline) - 1)
    assert latency["median_change_pct"] == pytest.approx(median_move, rel=1e-9)
    assert latency["baseline_first_point"] == 1
    assert latency["recent_first_point"] == BASELINE_RUNS + SLOW_RUNS - 4


# ------------------------------------------------------------------------ where users see it


def test_cli_lists_the_regression_with_its_run_and_commit(history):
    out = invoke("regressions", "--db-path", history.db).output
    assert "regression" in out and MODEL in out
    assert history.run_ids[BASELINE_RUNS] in out
    assert f"git_commit {history.commits[0][:12]} -> {history.commits[1][:12]}" in out
    assert "3 series in all: 2 regression, 0 improvement, 0 suspect" in out
    rows = json.loads(invoke("regressions", "--format", "json", "--db-path", history.db).output)
    assert sorted(r["metric"] for r in rows) == ["latency_p50_ms", "throughput_items_per_second"]
    everything = invoke("regressions", "--all", "--format", "json", "--db-path", history.db)
    assert len(json.loads(everything.output)) == 3


def test_cli_filters_by_date_model_and_hardware(history):
    latency = _series(history.after_change, "latency_p50_ms")
    day = latency["changed_at"].date()
    kept = invoke(
        "regressions", "--since", day.isoformat(), "--format", "json", "--db-path", history.db
    )
    assert len(json.loads(kept.output)) == 2
    later = (day + timedelta(days=1)).isoformat()
    none = invoke("regressions", "--since", later, "--format", "json", "--db-path", history.db)
    assert json.loads(none.output) == []
    same = invoke("regressions", "--model", MODEL, "--hardware", "cpu", "--db-path", history.db)
    assert "2 row(s) shown" in same.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "no/such-model"], "model 'no/such-model' is not in the warehouse"),
        (["--hardware", "rocm"], "hardware 'rocm' has no completed results"),
        (["--since", "2026-02-30"], "Invalid value for '--since'"),
    ],
)
def test_cli_bad_filters_are_one_line(history, args, message):
    result = invoke("regressions", *args, "--db-path", history.db, expect_exit=None)
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output


def test_api_answers_the_same_rows(history):
    with TestClient(create_app(ServerSettings(history.db, history.data_dir))) as client:
        answer = client.get("/regressions")
        assert answer.status_code == 200
        rows = answer.json()
        assert {r["status"] for r in rows} == {"regression"}
        assert {r["change_run_id"] for r in rows} == {history.run_ids[BASELINE_RUNS]}
        assert len(client.get("/regressions", params={"all": "true"}).json()) == 3
        assert client.get("/regressions", params={"model_name": "x/none"}).json() == []
        bad = client.get("/regressions", params={"since": "yesterday"})
        assert bad.status_code == 422


def test_the_report_and_the_dashboard_show_it(history, tmp_path):
    report = tmp_path / "report.html"
    invoke("report", "performance", "--format", "html", "--output", report, "--db-path", history.db)
    page = report.read_text()
    assert "Regressions, suspects and improvements" in page
    assert history.run_ids[BASELINE_RUNS] in page
    assert f"git_commit {history.commits[0][:12]} -&gt; {history.commits[1][:12]}" in page
    # one chart per alert, embedded
    assert page.count("<figcaption>regression: ") == 2
    invoke("chart", "dashboard", "--output", tmp_path / "dash", "--db-path", history.db)
    index = (tmp_path / "dash" / "index.html").read_text()
    assert "Regressions, suspects and improvements" in index
    assert history.run_ids[BASELINE_RUNS] in index


def test_the_history_chart_marks_the_change_point_and_the_window(history):
    from plotnine import geom_rect, geom_vline

    from benchdb.reporting import chart_data, charts, data
    from benchdb.reporting import regressions as shown

    with data.connect(history.db) as con:
        frame = shown.with_marks(con, chart_data.result_history(con, MODEL, "cpu"), "latency")
        alerts = shown.alerts(con).to_pylist()
        points = shown.series_points(con, alerts[0]["series_id"])
    plot = charts.history_chart(frame, "latency", MODEL, "cpu")
    (line,) = [layer for layer in plot.layers if isinstance(layer.geom, geom_vline)]
    latency = _series(history.after_change, "latency_p50_ms")
    assert list(line.geom.data["changed_at"]) == [latency["changed_at"].replace(tzinfo=None)]
    (window,) = [layer for layer in plot.layers if isinstance(layer.geom, geom_rect)]
    assert list(window.geom.data["recent_started_at"]) == [
        latency["recent_started_at"].replace(tzinfo=None)
    ]
    assert "dashed: a change point" in plot.labels.caption
    assert charts.png_bytes(plot)[:4] == b"\x89PNG"
    one = shown.regression_chart(points, alerts[0])
    assert charts.png_bytes(one)[:4] == b"\x89PNG"
