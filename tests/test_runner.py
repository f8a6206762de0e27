"""`benchdb run` end to end on tiny real models: what lands in the Parquet files."""

from __future__ import annotations

import csv
import json
import statistics
import subprocess

import pyarrow.parquet as pq
import pytest

from runners import landing
from runners.hardware import KNOWN_HARDWARE
from tests.conftest import FAST_TIMING, PROJECT_ROOT, invoke


def _rows(data_dir, kind):
    files = landing.landed_files(data_dir / "landing", kind)
    assert files, f"no {kind} file landed"
    return [row for f in files for row in pq.read_table(f).to_pylist()]


def test_every_configuration_is_a_row(tiny_run):
    rows = _rows(tiny_run, "benchmark_results")
    # 3 models x 2 hardware x 2 precisions x 2 batch sizes
    assert len(rows) == 24
    assert len({r["result_id"] for r in rows}) == 24
    assert {r["status"] for r in rows if r["hardware_type"] == "cpu"} == {"completed"}


def test_completed_rows_hold_real_timings(tiny_run):
    for row in _rows(tiny_run, "benchmark_results"):
        if row["status"] != "completed":
            continue
        lat = row["latencies_ms"]
        assert row["iterations"] == len(lat) >= 5
        assert row["warmup_iterations"] == 1
        assert row["timed_seconds"] >= 0.05
        # checked against the standard library, not the runner's own percentile function:
        # the median, and the inclusive (linear interpolation) deciles
        n = len(lat)
        assert row["latency_p50_ms"] == (pytest.approx(statistics.median(lat)) if n >= 20 else None)
        assert row["latency_p90_ms"] == (
            pytest.approx(statistics.quantiles(lat, n=10, method="inclusive")[8])
            if n >= 100
            else None
        )
        # p99 needs 1,000 samples: a short run never stores it
        assert n < 1000 and row["latency_p99_ms"] is None
        assert "p99 needs 1000" in row["percentiles_note"]
        assert row["latency_min_ms"] == min(lat) > 0
        assert row["throughput_items_per_second"] == pytest.approx(
            row["batch_size"] * 1000 / (sum(lat) / len(lat))
        )
        assert row["model_build_seconds"] > 0
        # the whole configuration took at least its parts
        assert row["total_seconds"] >= row["model_build_seconds"] + row["timed_seconds"]
        assert row["weights_source"] == "random_init"
        assert row["device"] == "cpu" and row["device_name"]
        # measured in its own worker: the peak over the worker's baseline, and the absolute peak
        assert row["isolation"] == "forked_worker"
        assert row["memory_method"] == "cpu_worker_rss"
        assert row["memory_peak_rss_mb"] == pytest.approx(
            row["memory_baseline_rss_mb"] + row["memory_peak_mb"]
        )
        assert 0 < row["memory_loaded_mb"] <= row["memory_peak_mb"]
        assert row["memory_inference_growth_mb"] >= 0
        assert row["quality"] in ("ok", "noisy") and row["quality_reason"]
        assert row["process_cpu_seconds"] > 0 and row["load_avg_1m_before"] is not None
        assert row["torch_version"] and row["transformers_version"] and row["host"]
        assert row["num_threads"] >= 1
        assert row["is_simulated"] is False


def test_inputs_follow_the_modality(tiny_run):
    rows = {
        (r["model_name"], r["batch_size"], r["precision"]): r
        for r in _rows(tiny_run, "benchmark_results")
        if r["hardware_type"] == "cpu"
    }
    text = rows[("test/tiny-bert", 2, "fp32")]
    assert json.loads(text["input_shapes"])["input_ids"] == [2, 16]
    assert text["sequence_length"] == 16
    assert text["throughput_tokens_per_second"] == pytest.approx(
        text["throughput_items_per_second"] * 16
    )
    image = rows[("test/tiny-vit", 2, "fp32")]
    assert json.loads(image["input_shapes"])["pixel_values"] == [2, 3, 32, 32]
    assert image["sequence_length"] is None and image["image_size"] == 32
    assert image["throughput_tokens_per_second"] is None
    audio = rows[("test/tiny-whisper", 1, "bf16")]
    # max_source_positions 100 -> 200 frames of 10 ms = 2 s of 16-bin features
    assert json.loads(audio["input_shapes"])["input_features"] == [1, 16, 200]
    assert audio["audio_seconds"] == 2.0


def test_missing_hardware_is_a_row_with_its_reason(tiny_run):
    cuda = [r for r in _rows(tiny_run, "benchmark_results") if r["hardware_type"] == "cuda"]
    assert len(cuda) == 12
    for row in cuda:
        assert row["status"] == "unavailable"
        assert "torch.cuda.is_available() is False" in row["error_message"]
        assert row["latency_mean_ms"] is None and row["throughput_items_per_second"] is None
        assert row["device"] is None and row["torch_version"]
    # the input a configuration would have had is known without running it
    geometry = {
        (r["model_name"], r["image_size"], r["audio_seconds"], r["sequence_length"]) for r in cuda
    }
    assert geometry == {
        ("test/tiny-bert", None, None, 16),
        ("test/tiny-vit", 32, None, None),
        ("test/tiny-whisper", None, 2.0, 16),
    }


def test_hardware_detection_lands_an_event_per_known_type(tiny_run):
    events = _rows(tiny_run, "hardware_events")
    assert sorted(e["hardware_type"] for e in events) == sorted(KNOWN_HARDWARE)
    by_type = {e["hardware_type"]: e for e in events}
    assert by_type["cpu"]["is_available"] and by_type["cpu"]["device_count"] >= 1
    assert (
        not by_type["webgpu"]["is_available"]
        and "no webgpu detector" in by_type["webgpu"]["reason"]
    )
    assert all(e["event_source"] == "runner_detection" and e["host"] for e in events)


def test_test_run_row_records_the_run(tiny_run):
    (run,) = _rows(tiny_run, "test_runs")
    assert run["configurations_total"] == 24
    assert run["configurations_completed"] == 12
    assert run["configurations_failed"] == 0
    assert run["success"] is True
    assert run["completed_at"] >= run["started_at"]
    assert "benchdb run" in run["command_line"] and "--model" in run["command_line"]
    # the commit of the checkout benchdb's files live in
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout
    assert run["git_commit"] == head.strip()
    assert run["git_is_dirty"] in (True, False) and run["benchdb_version"]
    metadata = json.loads(run["metadata"])
    assert metadata["batch_sizes"] == [1, 2]
    assert metadata["isolation"] == "forked_worker"


BROKEN_ROWS = [
    # a class transformers does not have: the catalog config cannot even be built
    {"model_name": "test/broken-class", "config_class": "NoSuchConfig", "config_json": "{}"},
    # a config that builds, and a model that cannot (no such activation function)
    {
        "model_name": "test/broken-model",
        "config_class": "BertConfig",
        "config_json": json.dumps(
            {
                "hidden_size": 32,
                "num_hidden_layers": 1,
                "num_attention_heads": 2,
                "intermediate_size": 64,
                "hidden_act": "no_such_activation",
            }
        ),
    },
]


def test_a_failing_configuration_does_not_stop_the_run(tmp_path, monkeypatch):
    catalog = tmp_path / "catalog.csv"
    original = (PROJECT_ROOT / "seeds" / "model_catalog.csv").read_text()
    catalog.write_text(original)
    with catalog.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=original.splitlines()[0].split(","))
        for broken in BROKEN_ROWS:
            base = {
                "model_family": "bert",
                "modality": "text",
                "input_kind": "text_tokens",
                "model_class": "BertModel",
            }
            writer.writerow({**base, **broken})
    monkeypatch.setenv("BENCHMARK_MODEL_CATALOG", str(catalog))
    invoke(
        "run",
        "--model",
        "test/broken-class,test/tiny-bert,test/broken-model",
        "--sequence-length",
        "8",
        *FAST_TIMING,
        "--data-dir",
        tmp_path / "d",
    )
    rows = {r["model_name"]: r for r in _rows(tmp_path / "d", "benchmark_results")}
    assert {name: r["status"] for name, r in rows.items()} == {
        "test/broken-class": "failed",
        "test/tiny-bert": "completed",
        "test/broken-model": "failed",
    }
    assert rows["test/broken-class"]["error_type"] == "ConfigurationError"
    assert "NoSuchConfig" in rows["test/broken-class"]["error_message"]
    # the bad row still says what was asked for
    assert rows["test/broken-class"]["sequence_length"] == 8
    assert "no_such_activation" in rows["test/broken-model"]["error_message"]
    for name in ("test/broken-class", "test/broken-model"):
        assert rows[name]["latency_mean_ms"] is None and rows[name]["quality"] is None
    (run,) = _rows(tmp_path / "d", "test_runs")
    assert run["success"] is False and run["configurations_failed"] == 2


def test_unsupported_combination_is_a_row_not_an_error(tmp_path):
    # tiny-bert has 512 position embeddings
    result = invoke(
        "run",
        "--model",
        "test/tiny-bert",
        "--sequence-length",
        "1024",
        *FAST_TIMING,
        "--data-dir",
        tmp_path,
    )
    (row,) = _rows(tmp_path, "benchmark_results")
    assert row["status"] == "unsupported"
    # refused by a named capability rule before anything was built
    assert row["error_type"] == "SequenceLengthUnsupported"
    assert "exceeds" in row["error_message"] and "512" in row["error_message"]
    assert "[rule text.sequence_length:" in row["error_message"]
    assert row["model_build_seconds"] is None
    assert "1 unsupported" in result.output
    # the summary prints the error whole: the limit (512) and the rule, not a cut "51"
    assert row["error_message"] in result.output


def test_time_limit_gives_timeout_with_the_iterations_it_timed(tmp_path):
    invoke(
        "run",
        "--model",
        "test/tiny-whisper",
        "--warmup",
        "0",
        "--min-iterations",
        "100000",
        "--min-duration",
        "0",
        "--time-limit",
        "1",
        "--data-dir",
        tmp_path,
    )
    (row,) = _rows(tmp_path, "benchmark_results")
    assert row["status"] == "timeout"
    assert row["error_type"] == "TimeLimitExceeded"
    assert 0 < row["iterations"] < 100000
    assert row["total_seconds"] < 10


def test_summary_table_and_landed_files_are_printed(tmp_path):
    result = invoke("run", "--model", "test/tiny-vit", *FAST_TIMING, "--data-dir", tmp_path)
    assert "test/tiny-vit" in result.output and "completed" in result.output
    assert result.output.count("landed ") == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "bert-base-uncase"], "did you mean bert-base-uncased"),
        (["--model", "test/tiny-bert", "--hardware", "tpu"], "unknown hardware type 'tpu'"),
        (["--model", "test/tiny-bert", "--batch-sizes", "0"], "batch size must be a positive"),
        (["--model", "test/tiny-bert", "--batch-sizes", "-4"], "batch size must be a positive"),
        (["--model", "test/tiny-bert", "--batch-sizes", "one"], "not a comma-separated list"),
        (["--model", "test/tiny-bert", "--precision", "fp8"], "unknown precision 'fp8'"),
    ],
)
def test_bad_options_fail_in_one_line_and_write_nothing(tmp_path, args, message):
    result = invoke("run", *args, "--data-dir", tmp_path / "d", expect_exit=None)
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").rglob("*.parquet"))


def test_unwritable_landing_directory_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = invoke(
        "run", "--model", "test/tiny-bert", "--data-dir", blocker / "data", expect_exit=None
    )
    assert result.exit_code == 1
    assert "is not writable" in result.output and str(blocker) in result.output
