"""Each configuration in its own worker: memory that does not depend on run order, workers that
die or hang become rows, Ctrl-C still lands what was measured, and the fallback says so."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pyarrow.parquet as pq
import pytest

from runners import benchmark, isolation, landing
from runners.catalog import load_catalog
from runners.timing import TimingSettings
from tests.conftest import PROJECT_ROOT, invoke

pytestmark = pytest.mark.skipif(
    isolation.isolation_mode()[0] != isolation.FORKED, reason="workers are forked on Linux only"
)

SHORT = TimingSettings(warmup_iterations=1, min_iterations=5, min_duration_seconds=0.0)


def _rows(data_dir, kind="benchmark_results"):
    return [
        row
        for f in landing.landed_files(data_dir / "landing", kind)
        for row in pq.read_table(f).to_pylist()
    ]


def _run(tmp_path, names, **kwargs):
    catalog = load_catalog()
    configs = benchmark.expand_configs([catalog[n] for n in names], ["cpu"], ["fp32"], [1], [16])
    return benchmark.run_benchmarks(configs, SHORT, tmp_path / "landing", **kwargs)


# --------------------------------------------------------------------- jobs run in workers
# (module-level: a worker imports them by name)


def parallel_matmul(report, threads):
    import torch

    torch.set_num_threads(threads)
    report("matmul")
    a = torch.ones(400, 400)
    return float((a @ a)[0, 0])


def kill_myself(report):
    report("about to die")
    os.kill(os.getpid(), signal.SIGKILL)


def sleep_forever(report):
    report("inside one long call")
    time.sleep(3600)


def raise_value_error(report):
    raise ValueError("broken job")


# --------------------------------------------------------------------- the launcher


def test_workers_run_parallel_torch_even_after_this_process_did():
    import torch

    # this process has now run an OpenMP parallel region: a plain fork of it would deadlock
    # in the child's first parallel region; the zygote never ran one
    torch.set_num_threads(2)
    (torch.ones(400, 400) @ torch.ones(400, 400)).sum()
    outcome = isolation.zygote().run(parallel_matmul, (2,), time.perf_counter() + 120)
    assert not outcome.killed_at_deadline, "the worker deadlocked"
    assert outcome.answered and outcome.value == 400.0
    assert outcome.returncode == 0 and outcome.pid != os.getpid()


def test_a_worker_killed_by_a_signal_is_described():
    outcome = isolation.zygote().run(kill_myself, (), time.perf_counter() + 120)
    assert not outcome.answered
    assert outcome.returncode == -signal.SIGKILL and outcome.phase == "about to die"
    assert outcome.describe_end() == "was killed by SIGKILL"


def test_a_hanging_worker_is_killed_at_its_deadline():
    zygote = isolation.zygote()  # started (torch imported) before the clock starts
    started = time.perf_counter()
    # 3 s: room for the fork and the job's first report on a loaded host
    outcome = zygote.run(sleep_forever, (), started + 3.0)
    assert outcome.killed_at_deadline and not outcome.answered
    assert outcome.phase == "inside one long call"
    assert 3.0 <= time.perf_counter() - started < 60


def test_a_job_that_raises_sends_its_traceback():
    outcome = isolation.zygote().run(raise_value_error, (), time.perf_counter() + 120)
    assert not outcome.answered and "ValueError: broken job" in outcome.error


@pytest.mark.parametrize(
    "outcome, status, error_type, words",
    [
        (
            isolation.JobOutcome("forked_worker", returncode=-9, oom_kills=(3, 4), phase="build"),
            "oom",
            "WorkerOutOfMemory",
            ["SIGKILL", "building the model", "oom_kill 3 -> 4"],
        ),
        (
            isolation.JobOutcome("forked_worker", returncode=-9, oom_kills=(3, 3), phase="build"),
            "failed",
            "WorkerKilled",
            ["was killed by SIGKILL while building the model"],
        ),
        (
            isolation.JobOutcome("forked_worker", returncode=-11, phase="timing"),
            "failed",
            "WorkerKilled",
            ["SIGSEGV while timing"],
        ),
        (
            isolation.JobOutcome("forked_worker", returncode=3, phase="warmup"),
            "failed",
            "WorkerExited",
            ["exited with status 3 while warming up"],
        ),
        (
            isolation.JobOutcome(
                "forked_worker", returncode=-9, killed_at_deadline=True, phase="warmup"
            ),
            "timeout",
            "TimeLimitExceeded",
            ["still warming up", "killed"],
        ),
    ],
)
def test_how_a_worker_ended_becomes_a_status(outcome, status, error_type, words):
    config = benchmark.expand_configs(
        [load_catalog()["test/tiny-bert"]], ["cpu"], ["fp32"], [1], [8]
    )[0]
    ctx = benchmark.RunContext("r", SHORT, {})
    fields = benchmark._outcome_fields(outcome, config, ctx, time.perf_counter())
    assert (fields["status"], fields["error_type"]) == (status, error_type)
    for word in words:
        assert word in fields["error_message"]


# --------------------------------------------------------------------- whole configurations


def test_memory_of_a_configuration_does_not_depend_on_what_ran_before(tmp_path):
    # the issue: in one process, freed memory of earlier configurations is reused, so a model
    # read 159 MB after others and 513 MB alone. Each worker starts from the same state.
    alone = _run(tmp_path / "alone", ["test/tiny-bert"]).rows
    after = _run(tmp_path / "after", ["distilbert-base-uncased", "test/tiny-vit", "test/tiny-bert"])
    (first,) = alone
    last = after.rows[-1]
    assert [r["status"] for r in (first, *after.rows)] == ["completed"] * 4
    assert last["model_name"] == "test/tiny-bert"
    assert first["memory_method"] == last["memory_method"] == "cpu_worker_rss"
    for column in ("memory_peak_mb", "memory_peak_rss_mb", "memory_loaded_mb"):
        assert last[column] == pytest.approx(first[column], rel=0.05), column
    # distilbert's 66M fp32 parameters are 253 MiB: its worker holds them, tiny-bert's does not
    distil = after.rows[0]
    assert 253 <= distil["memory_loaded_mb"] <= distil["memory_peak_mb"]
    assert first["memory_peak_mb"] < 100


def test_a_forward_pass_longer_than_the_time_limit_is_killed(tmp_path):
    # bert-base, 16 x 512 tokens: one forward pass takes far longer than the 2 s limit on a
    # CPU, and the loop can only look at the clock between passes
    invoke(
        "run",
        "--model",
        "bert-base-uncased",
        "--batch-sizes",
        "16",
        "--sequence-length",
        "512",
        "--warmup",
        "1",
        "--time-limit",
        "2",
        "--data-dir",
        tmp_path,
    )
    (row,) = _rows(tmp_path)
    assert row["status"] == "timeout" and row["error_type"] == "TimeLimitExceeded"
    assert "killed" in row["error_message"] and row["latencies_ms"] is None
    # limit + grace (2 s) + the time it takes to kill and reap
    assert 4.0 <= row["total_seconds"] < 30


def test_in_process_fallback_is_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv(isolation.ISOLATION_ENV, "in_process")
    outcome = _run(tmp_path, ["test/tiny-bert"])
    (row,) = outcome.rows
    assert row["status"] == "completed"
    assert row["isolation"] == "in_process" and row["memory_method"] == "cpu_rss_in_process"
    assert any("measured in this process" in w for w in outcome.warnings())
    (run,) = _rows(tmp_path, "test_runs")
    assert '"isolation": "in_process"' in run["metadata"]


CTRL_C_SCRIPT = textwrap.dedent(
    """
    import signal
    import sys
    from pathlib import Path
    # Ctrl-C as in a terminal's foreground job: a suite started in the background (make under
    # `&`, CI) hands its children SIGINT ignored, and Python then keeps it ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from runners import benchmark
    from runners.catalog import load_catalog
    from runners.timing import TimingSettings

    catalog = load_catalog()
    fast = benchmark.BenchmarkConfig(catalog["test/tiny-bert"], "cpu", "fp32", 1, 8)
    # bert-base on 16 x 512 tokens: 6 passes take minutes on a CPU; Ctrl-C comes long before
    slow = benchmark.BenchmarkConfig(catalog["bert-base-uncased"], "cpu", "fp32", 16, 512)

    def done(config, row):
        print("done", config.batch_size, row["status"], flush=True)

    outcome = benchmark.run_benchmarks(
        [fast, slow], TimingSettings(1, 5, 0.0), Path(sys.argv[1]), on_result=done
    )
    print("interrupted", outcome.interrupted, flush=True)
    """
)


def test_ctrl_c_lands_what_was_measured(tmp_path):
    landing_root = tmp_path / "landing"
    # a new session: Ctrl-C goes to the whole process group, as in a terminal
    process = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_SCRIPT, str(landing_root)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        first = process.stdout.readline()
        assert first.split() == ["done", "1", "completed"], first
        time.sleep(2.0)  # the second configuration is timing now
        os.killpg(process.pid, signal.SIGINT)
        rest, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert "interrupted True" in rest
    rows = _rows(tmp_path)
    assert [(r["batch_size"], r["status"]) for r in rows] == [(1, "completed")]
    (run,) = _rows(tmp_path, "test_runs")
    assert run["success"] is False and '"interrupted": true' in run["metadata"]
    # no worker is left behind in the killed session
    leftover = subprocess.run(
        ["pgrep", "-s", str(process.pid)], capture_output=True, text=True
    ).stdout.split()
    assert not leftover
