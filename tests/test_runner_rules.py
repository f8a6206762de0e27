"""The runner's rules: capability checks, noise judgement, sample sufficiency in a real run,
threads, provenance, and a run that measured nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from runners import benchmark, capabilities, environment, landing
from runners.catalog import load_catalog
from runners.hardware import physical_core_count
from runners.quality import NoiseFigures, judge, own_load_bound
from runners.timing import TimingSettings
from tests.conftest import FAST_TIMING, PROJECT_ROOT, invoke


def _rows(data_dir, kind="benchmark_results"):
    return [
        row
        for f in landing.landed_files(data_dir / "landing", kind)
        for row in pq.read_table(f).to_pylist()
    ]


# --------------------------------------------------------------------- capability rules


@pytest.fixture
def fake_gpu(monkeypatch):
    """A CUDA device with the compute capability the test chooses."""
    import torch

    found = {}

    def use(name, capability):
        found.update(name=name, capability=capability)

    monkeypatch.setattr(capabilities, "_cuda_capability", lambda device: found["capability"])
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: found["name"])
    return use


def test_bf16_on_cuda_needs_native_support(fake_gpu):
    fake_gpu("Tesla T4", (7, 5))  # emulates bf16: torch.cuda.is_bf16_supported() says True
    refused = capabilities.check_precision("cuda", "bf16", "cuda:0")
    assert refused.error_type == "PrecisionUnsupported"
    assert "Tesla T4 has compute capability 7.5" in refused.message
    assert "[rule cuda.bf16: compute capability >= 8.0" in refused.message
    assert capabilities.check_precision("cuda", "fp16", "cuda:0") is None
    fake_gpu("NVIDIA A100", (8, 0))
    assert capabilities.check_precision("cuda", "bf16", "cuda:0") is None
    fake_gpu("Tesla M60", (5, 2))
    assert "[rule cuda.fp16" in capabilities.check_precision("cuda", "fp16", "cuda:0").message


def test_every_runnable_device_and_precision_has_a_rule():
    from runners.hardware import RUNNABLE_HARDWARE
    from runners.model_factory import PRECISIONS

    assert set(capabilities.PRECISION_RULES) == {
        (hw, p) for hw in RUNNABLE_HARDWARE for p in PRECISIONS
    }
    # the CPU measures every precision torch runs there
    assert all(capabilities.check_precision("cpu", p, "cpu") is None for p in PRECISIONS)


def test_sequence_rule_names_itself():
    class Config:
        max_position_embeddings = 512

    assert capabilities.check_sequence_length("m", "text_tokens", Config(), 512) is None
    refused = capabilities.check_sequence_length("m", "text_tokens", Config(), 513)
    assert refused.error_type == "SequenceLengthUnsupported"
    assert "513 exceeds m's 512" in refused.message and "[rule text.sequence_length" in (
        refused.message
    )
    assert capabilities.check_sequence_length("m", "image", Config(), 4096) is None


# --------------------------------------------------------------------- the noise judgement


def _figures(**overrides) -> NoiseFigures:
    quiet = {
        "device": "cpu",
        "host_cpu_count": 4,
        "threads": 4,
        "load_avg_1m_before": 0.3,
        "load_avg_1m_after": 2.0,
        "own_load_before": 0.0,
        "own_load_after": 1.8,
        "timed_seconds": 2.0,
        "process_cpu_seconds": 7.5,
        "other_cpu_seconds": 0.1,
        "latency_cv": 0.03,
    }
    return NoiseFigures(**{**quiet, **overrides})


def test_a_quiet_host_is_ok_and_says_what_it_read():
    quality, reason = judge(_figures())
    assert quality == "ok"
    # others' load: max(0.3 - 0, 2.0 - 1.8) = 0.3; others' CPU 0.1 / 2 s = 0.05; 7.5 / 2 = 3.75
    assert reason == (
        "quiet: others' load 0.30 on 4 CPUs, other processes used 0.05 of 4 CPUs while "
        "timing, worker CPU/wall 3.75, CV 0.030"
    )


@pytest.mark.parametrize(
    "overrides, words",
    [
        # load 15 on 2 CPUs, as in the issue
        ({"host_cpu_count": 2, "threads": 2, "load_avg_1m_before": 15.0}, "busy host"),
        # 0.8 s of others' CPU in 2 s = 0.4 CPUs, over the 0.25 allowed with no spare CPU
        ({"other_cpu_seconds": 0.8}, "other processes used 0.40 of 4 CPUs"),
        # 1.6 CPU-seconds in 2 s of timing: the measuring thread waited
        ({"process_cpu_seconds": 1.6}, "starved worker: worker CPU/wall 0.80"),
        ({"latency_cv": 0.35}, "high spread: CV 0.350"),
    ],
)
def test_each_rule_marks_a_row_noisy(overrides, words):
    quality, reason = judge(_figures(**overrides))
    assert quality == "noisy" and words in reason


def test_spare_cpus_and_short_windows_are_allowed_for():
    # 2 threads on 8 CPUs: others may keep the 6 spare CPUs busy
    figures = _figures(host_cpu_count=8, threads=2, other_cpu_seconds=11.0)
    assert judge(figures)[0] == "ok"
    # nothing read at all: not judged rather than called ok
    blank = _figures(
        load_avg_1m_before=None,
        load_avg_1m_after=None,
        other_cpu_seconds=None,
        process_cpu_seconds=None,
        latency_cv=None,
    )
    assert judge(blank)[0] is None


def test_own_load_bound_worked_by_hand():
    # 2 threads for 60 s: at most 2 x (1 - 1/e) = 1.264 of the 1-minute load average
    assert own_load_bound(2, 60.0) == pytest.approx(1.2642, abs=1e-4)
    assert own_load_bound(2, 0.0) == 0.0


def test_a_run_on_a_loaded_host_lands_noisy_rows(tmp_path):
    from runners.hardware import usable_cpus

    # two busy loops per CPU this process may use, for as long as the run lasts
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(2 * len(usable_cpus()))
    ]
    try:
        time.sleep(1.0)
        invoke(
            "run",
            "--model",
            "test/tiny-bert",
            "--batch-sizes",
            "1,2",
            "--sequence-length",
            "16",
            "--warmup",
            "1",
            "--min-duration",
            "1",
            "--data-dir",
            tmp_path,
        )
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    rows = _rows(tmp_path)
    assert [r["status"] for r in rows] == ["completed", "completed"]
    for row in rows:
        assert row["quality"] == "noisy", row["quality_reason"]
        assert row["other_cpu_seconds"] > 0
    (run,) = _rows(tmp_path, "test_runs")
    assert run["configurations_noisy"] == 2


# --------------------------------------------------------------------- runs


def test_ten_iterations_store_no_percentile(tmp_path):
    invoke(
        "run",
        "--model",
        "test/tiny-bert",
        "--sequence-length",
        "8",
        "--warmup",
        "0",
        "--min-iterations",
        "10",
        "--min-duration",
        "0",
        "--threads",
        "1",
        "--data-dir",
        tmp_path,
    )
    (row,) = _rows(tmp_path)
    assert row["iterations"] == len(row["latencies_ms"]) == 10
    assert [row[f"latency_p{q}_ms"] for q in (50, 90, 95, 99)] == [None] * 4
    assert "10 samples" in row["percentiles_note"] and "p99 needs 1000" in row["percentiles_note"]
    # the mean and the extremes need no samples beyond them
    assert row["latency_mean_ms"] == pytest.approx(sum(row["latencies_ms"]) / 10)
    assert row["latency_max_ms"] == max(row["latencies_ms"])
    # --threads is pinned in the worker
    assert row["num_threads"] == 1 and row["num_interop_threads"] >= 1
    (run,) = _rows(tmp_path, "test_runs")
    assert json.loads(run["metadata"])["threads"] == 1


def test_threads_default_to_the_physical_cores(tmp_path):
    invoke("run", "--model", "test/tiny-vit", *FAST_TIMING, "--data-dir", tmp_path)
    (row,) = _rows(tmp_path)
    assert row["num_threads"] == physical_core_count() == row["host_physical_cores"]
    assert row["onednn_enabled"] in (True, False) and row["float32_matmul_precision"]
    # TF32 is a CUDA setting: NULL on a CPU row
    assert row["cuda_matmul_allow_tf32"] is None and row["cudnn_allow_tf32"] is None
    (run,) = _rows(tmp_path, "test_runs")
    assert "physical cores" in json.loads(run["metadata"])["threads_source"]


def test_a_run_that_measured_nothing_is_no_success(tmp_path):
    catalog = load_catalog()
    configs = benchmark.expand_configs([catalog["test/tiny-bert"]], ["qnn"], ["fp32"], [1], [8])
    outcome = benchmark.run_benchmarks(configs, TimingSettings(0, 1, 0.0), tmp_path / "landing")
    assert [r["status"] for r in outcome.rows] == ["unavailable"]
    (run,) = _rows(tmp_path, "test_runs")
    assert run["success"] is False and run["configurations_failed"] == 0
    assert any(w.startswith("nothing was measured") for w in outcome.warnings())


# --------------------------------------------------------------------- provenance


def _git(cwd, *args):
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_the_commit_is_benchdbs_not_the_current_directorys(tmp_path, monkeypatch):
    other = tmp_path / "another-repository"
    other.mkdir()
    _git(other, "init", "-q")
    (other / "f.txt").write_text("x")
    _git(other, "add", "f.txt")
    _git(other, "commit", "-q", "-m", "other")
    monkeypatch.chdir(other)
    invoke("run", "--model", "test/tiny-vit", *FAST_TIMING, "--data-dir", tmp_path / "d")
    (run,) = _rows(tmp_path / "d", "test_runs")
    assert run["git_commit"] == _git(PROJECT_ROOT, "rev-parse", "HEAD")
    assert run["git_commit"] != _git(other, "rev-parse", "HEAD")


def test_dirtiness_and_a_missing_checkout(tmp_path):
    repo = tmp_path / "checkout"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "code.py").write_text("a = 1\n")
    _git(repo, "add", "code.py")
    _git(repo, "commit", "-q", "-m", "one")
    clean = environment.benchdb_provenance(repo)
    assert clean["git_commit"] == _git(repo, "rev-parse", "HEAD")
    assert clean["git_is_dirty"] is False and clean["git_commit_note"] is None
    (repo / "scratch.txt").write_text("untracked files are not code that ran")
    assert environment.benchdb_provenance(repo)["git_is_dirty"] is False
    (repo / "code.py").write_text("a = 2\n")
    assert environment.benchdb_provenance(repo)["git_is_dirty"] is True
    # a folder inside a checkout is not the checkout: no commit of someone else's repository
    inner = repo / "inner"
    inner.mkdir()
    assert environment.benchdb_provenance(inner)["git_commit"] is None
    wheel = environment.benchdb_provenance(None)
    assert wheel["git_commit"] is None and wheel["git_is_dirty"] is None
    assert "not a git checkout" in wheel["git_commit_note"]


def test_run_warnings_name_noisy_rows_and_missing_percentiles():
    measured = {"model_name": "m", "status": "completed", "latencies_ms": [1.0] * 30}
    outcome = benchmark.RunOutcome(
        "r",
        [
            {**measured, "quality": "noisy", "quality_reason": "high spread: CV 0.400"},
            {**measured, "quality": "ok", "percentiles_note": "p90 ... not stored: 30 samples"},
            {"model_name": "e", "status": "completed", "is_simulated": True},
        ],
        [],
    )
    warnings = outcome.warnings()
    assert len(warnings) == 2
    assert warnings[0].startswith("1 of 2 measured configuration(s) are noisy")
    assert "high spread: CV 0.400" in warnings[0]
    assert warnings[1].startswith("1 configuration(s) have too few samples")
    assert benchmark.RunOutcome("r", [measured], []).warnings() == []
