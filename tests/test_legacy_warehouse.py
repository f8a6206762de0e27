"""Legacy JSON through `benchdb migrate` and `benchdb build`: for each of the 38 real files, the
rows the marts hold, written by hand from reading the JSON (../shared/legacy_json), plus
hand-written files in the same shapes with other models, hardware and values.

One migrate and one build for the whole module, over three source trees: the 38 files under
their original paths (written on US Pacific time: several of them carry a naive local time and
an epoch of the same moment, so every naive time of that tree is read as UTC-08:00),
tests/fixtures/legacy/variants (no such evidence: naive times are read as UTC unless
configured) and tests/fixtures/legacy/timezone_tree (evidence of UTC+05:30). One more migrate
and build checks that nothing changes."""

from __future__ import annotations

import json
import math
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from benchdb.legacy_shapes import metric_leaves
from tests.conftest import PROJECT_ROOT, invoke
from tests.test_migrate import build_legacy_tree

pytestmark = pytest.mark.slow

VARIANTS = PROJECT_ROOT / "tests" / "fixtures" / "legacy" / "variants"
TIMEZONE_TREE = PROJECT_ROOT / "tests" / "fixtures" / "legacy" / "timezone_tree"
TABLES = (
    "performance_results",
    "legacy_results_without_batch_size",
    "test_runs",
    "models",
    "hardware_platforms",
    "hardware_availability_log",
    "hardware_compatibility",
    "integration_test_results",
    "integration_test_assertions",
    "legacy_summaries",
    "legacy_files",
)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    root = tmp_path_factory.mktemp("legacy")
    placed = build_legacy_tree(root / "old")
    variants = root / "users" / "variants"
    shutil.copytree(VARIANTS, variants)
    shutil.copytree(TIMEZONE_TREE, root / "india")
    data = root / "data"
    db = root / "benchmark.duckdb"
    invoke(
        "migrate", "--consolidate", root / "old", root / "users", root / "india", "--data-dir", data
    )
    invoke("build", "--quiet", "--data-dir", data, "--db-path", db)
    original = {local: str(path) for local, path in placed.items()}
    return {"data": data, "db": db, "path": original, "root": root, "variants": variants}


def query(legacy, sql: str, **params) -> list[tuple]:
    with duckdb.connect(str(legacy["db"]), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def one(legacy, sql: str, **params):
    rows = query(legacy, sql, **params)
    assert len(rows) == 1, rows
    return rows[0]


def close(a, b) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12)


def results(legacy, local: str, table: str = "performance_results") -> list[tuple]:
    return query(legacy, f"select * from {table} where source_path = $p", p=legacy["path"][local])


# ------------------------------------------------------------------ A: direct runner


def test_direct_runner_single_batch(legacy):
    row = one(
        legacy,
        "select model_name, hardware_type, batch_size, status, latency_mean_ms, latency_p50_ms,"
        " throughput_items_per_second, memory_peak_mb, iterations, measured_at, precision,"
        " source_shape, is_simulated from performance_results where source_path = $p",
        p=legacy["path"]["perf_direct_runner_bert-tiny_cpu.json"],
    )
    # latencies 20.14, 41.50, 16.35, 16.76, 14.39: mean 21.828126907348633; 5 samples are too
    # few for any percentile (p50 needs 20, runners/timing.py's rule for every row)
    assert row[:4] == ("prajjwal1/bert-tiny", "cpu", 1, "completed")
    assert close(row[4], 21.828126907348633)
    assert row[5] is None
    assert close(row[6], 45.81245125816733) and close(row[7], 507.12890625)
    assert row[8] == 5
    # naive 2025-03-06T17:48:25.402477, Pacific time (the tree's evidence): UTC-08:00
    assert row[9] == utc(2025, 3, 7, 1, 48, 25, 402477)
    assert row[10:] == ("unknown", "A", False)


def test_direct_runner_two_batches(legacy):
    rows = query(
        legacy,
        "select batch_size, latency_mean_ms, throughput_items_per_second, measured_at"
        " from performance_results where source_path = $p order by batch_size",
        p=legacy["path"]["perf_direct_runner_batch2_bert-tiny_cpu.json"],
    )
    assert [r[0] for r in rows] == [1, 2]
    assert close(rows[0][1], 3.147125244140625) and close(rows[0][2], 317.75030303030303)
    assert close(rows[1][1], 4.760122299194336) and close(rows[1][2], 420.1572720806996)
    assert rows[1][3] == utc(2025, 3, 7, 1, 45, 26, 561616)  # 17:45:26 Pacific


def test_failed_batch_is_a_row_with_its_error_and_no_metrics(legacy):
    row = one(
        legacy,
        "select status, error_message, latency_mean_ms, throughput_items_per_second,"
        " memory_peak_mb, measured_at from performance_results where source_path = $p",
        p=legacy["path"]["perf_direct_runner_failed_batch_deit_cpu.json"],
    )
    assert row[:2] == (
        "failed",
        "ViTModel.forward() got an unexpected keyword argument 'input_ids'",
    )
    assert row[2:5] == (None, None, None)  # the file has none: NULL, never 0
    assert row[5] == utc(2025, 3, 7, 1, 48, 37, 242096)  # 17:48:37 Pacific
    # the run says success: true, its batch failed: the run did not succeed
    run = one(
        legacy,
        "select success, configurations_failed from test_runs where source_path = $p",
        p=legacy["path"]["perf_direct_runner_failed_batch_deit_cpu.json"],
    )
    assert run == (False, 1)


# ------------------------------------------------------------------ B: batch wrapper


def test_batch_wrapper_keeps_each_measurement_once(legacy):
    wrapper = legacy["path"]["perf_batch_wrapper_cpu_6models.json"]
    rows = query(
        legacy,
        "select model_name, status, latency_mean_ms, memory_peak_mb, error_message"
        " from performance_results where source_path = $p order by model_name",
        p=wrapper,
    )
    # bert-tiny and deit are the very measurements of the two direct runner files: kept there;
    # google/t5-small and google/vit-base-patch16-224 are aliases (seeds/model_aliases.csv)
    assert [r[0] for r in rows] == [
        "bert-base-uncased",
        "google/t5-efficient-tiny",
        "t5-small",
        "vit-base-patch16-224",
    ]
    by_model = {r[0]: r for r in rows}
    assert close(by_model["bert-base-uncased"][2], 164.52527046203613)
    assert close(by_model["google/t5-efficient-tiny"][3], 535.16640625)
    assert close(by_model["vit-base-patch16-224"][2], 487.2713088989258)
    t5 = by_model["t5-small"]
    assert t5[1:4] == ("failed", None, None)
    assert t5[4].startswith("Error loading model google/t5-small: google/t5-small is not a local")
    # one row each for the measurements found in both files, found twice (measured on the
    # evening of 2025-03-06 Pacific: 2025-03-07 UTC)
    copies = query(
        legacy,
        "select model_name, source_path, source_details ->> 'copies_found' from"
        " performance_results where model_name in ('prajjwal1/bert-tiny',"
        " 'facebook/deit-tiny-patch16-224') and measured_at::date = '2025-03-07'"
        " and batch_size = 1 order by model_name, measured_at",
    )
    assert copies == [
        ("facebook/deit-tiny-patch16-224", legacy["path"][LOCAL_DEIT], "2"),
        ("prajjwal1/bert-tiny", legacy["path"][LOCAL_BATCH2], "1"),
        ("prajjwal1/bert-tiny", legacy["path"][LOCAL_TINY], "2"),
    ]


LOCAL_TINY = "perf_direct_runner_bert-tiny_cpu.json"
LOCAL_BATCH2 = "perf_direct_runner_batch2_bert-tiny_cpu.json"
LOCAL_DEIT = "perf_direct_runner_failed_batch_deit_cpu.json"


# ------------------------------------------------------------------ C: progress log


def test_progress_log_failed_run(legacy):
    path = legacy["path"]["perf_progress_failed_run.json"]
    runs = query(
        legacy,
        "select test_name, success, error_message, started_at, success_rate, parent_run_id"
        " is not null from test_runs where source_path = $p order by test_name",
        p=path,
    )
    assert len(runs) == 2
    entry, whole = runs
    assert entry[:2] == ("benchmark bert on cpu", False)
    assert entry[2] == (
        "Command failed with exit code 1: TypeError: ModelBenchmarkRunner.__init__() got an "
        "unexpected keyword argument 'db_only'"
    )
    assert entry[3] == utc(2025, 3, 7, 1, 57, 0, 412895) and entry[5] is True  # 17:57 Pacific
    assert whole[0] == "legacy C: benchmark_progress_latest.json"
    assert whole[3] == utc(2025, 3, 7, 1, 56, 53)  # compact 20250306_175653, Pacific
    assert whole[4] == 0.0  # completion_percentage 0.0 of 100


# ------------------------------------------------------------------ D: placeholder


def test_placeholder_numbers_are_flagged_and_kept(legacy):
    rows = query(
        legacy,
        "select model_name, batch_size, latency_mean_ms, throughput_items_per_second,"
        " memory_peak_mb, is_simulated, simulation_reason from performance_results"
        " where source_path = $p order by batch_size",
        p=legacy["path"]["perf_placeholder_bert_cpu.json"],
    )
    reason = (
        "throughput exactly proportional to batch size "
        "(50.0 items/s per batch item at batch sizes 1, 4)"
    )
    assert rows == [
        ("bert-base-uncased", 1, 20.0, 50.0, 115.0, True, reason),
        ("bert-base-uncased", 4, 50.0, 200.0, 160.0, True, reason),
    ]
    compat = one(
        legacy,
        "select model_name, hardware_type, is_compatible, is_simulated from"
        " hardware_compatibility where source_path = $p",
        p=legacy["path"]["perf_placeholder_bert_cpu.json"],
    )
    assert compat == ("bert-base-uncased", "cpu", True, True)


# ------------------------------------------------------------------ E: suite output


def test_suite_embedding_rows_statuses_and_units(legacy):
    path = legacy["path"]["perf_suite_embedding_cpu_cuda_openvino.json"]
    counts = query(
        legacy,
        "select hardware_type, status, count(*) from performance_results where source_path = $p"
        " group by all order by all",
        p=path,
    )
    # 3 models x 9 configurations per hardware; batch_8_seq_512 of bert timed out everywhere
    assert counts == [
        ("cpu", "completed", 26),
        ("cpu", "timeout", 1),
        ("cuda", "completed", 26),
        ("cuda", "timeout", 1),
        ("openvino", "completed", 26),
        ("openvino", "timeout", 1),
    ]
    first = one(
        legacy,
        "select batch_size, sequence_length, latency_mean_ms, throughput_items_per_second,"
        " iterations, total_time_seconds, model_build_seconds, measured_at, host"
        " from performance_results where source_path = $p and model_name = 'bert-base-uncased'"
        " and hardware_type = 'cpu' and batch_size = 1 and sequence_length = 32",
        p=path,
    )
    # avg_latency 0.753000009059906 s
    assert first[:2] == (1, 32) and close(first[2], 753.000009059906)
    assert close(first[3], 1.328007314465946) and first[4] == 20
    assert close(first[5], 15.060158014297485) and close(first[6], 10.185616493225098)
    assert first[7] == utc(2025, 3, 6, 4, 49, 42, 774872)  # 20:49:42 Pacific
    assert first[8] == "barberb-Hyper-V-UEFI-Release-v4-1"
    timeout = one(
        legacy,
        "select iterations, latency_mean_ms, error_message from performance_results"
        " where source_path = $p and model_name = 'bert-base-uncased' and hardware_type = 'cpu'"
        " and status = 'timeout'",
        p=path,
    )
    assert timeout[0] == 14 and close(timeout[1], 45335.29206684658)
    assert timeout[2] == "timed out after 14 iterations"
    cuda = one(
        legacy,
        "select distinct device_name, hardware_id from performance_results"
        " where source_path = $p and hardware_type = 'cuda'",
        p=path,
    )
    assert cuda[0] == "Quadro P4000"
    platform = one(
        legacy,
        "select memory_gb, compute_units from hardware_platforms where hardware_id = $h",
        h=cuda[1],
    )
    assert platform == (7.923583984375, 14)


def test_suite_cuda_and_openvino_results_that_are_the_cpus_are_flagged_as_fallback(legacy):
    path = legacy["path"]["perf_suite_embedding_cpu_cuda_openvino.json"]
    rows = query(
        legacy,
        "select hardware_type, average_latency_ms, is_simulated, simulation_method,"
        " simulation_reason from performance_results where source_path = $p"
        " and model_name = 'distilbert-base-uncased' and batch_size = 4"
        " and sequence_length = 128 order by hardware_type",
        p=path,
    )
    # the example, read from the JSON: avg_latency 2.934, 3.019 and 3.180 s
    assert [r[0] for r in rows] == ["cpu", "cuda", "openvino"]
    assert close(rows[0][1], 2934.3677043914793) and rows[0][2:4] == (False, None)
    assert close(rows[1][1], 3018.9578413963316) and close(rows[2][1], 3180.036211013794)
    cpu_id = one(
        legacy,
        "select result_id from performance_results where source_path = $p and model_name ="
        " 'distilbert-base-uncased' and batch_size = 4 and sequence_length = 128"
        " and hardware_type = 'cpu'",
        p=path,
    )[0]
    for hardware, _, simulated, method, reason in rows[1:]:
        assert (simulated, method) == (True, "device fallback"), hardware
        # 3.0190 / 2.9344 = 1.029, 3.1800 / 2.9344 = 1.084; load 0.333 s against 0.330 s;
        # the model runs' timestamps 7 ms and 14 ms after the CPU's, whose batch_4_seq_128
        # alone took 58.69 s
        ratio = {"cuda": "1.029", "openvino": "1.084"}[hardware]
        assert reason.startswith(
            f"device fallback: mean latency {rows[[r[0] for r in rows].index(hardware)][1]:.3f}"
            f" ms is {ratio} x the CPU result {cpu_id} of the same run, model and input"
            " (2934.368 ms); median ratio "
        ), reason
        assert "equal model load times (0.33" in reason
        assert "s on the CPU)" in reason
        assert "while the CPU configuration took 58.688 s: not sequential runs" in reason
    # cuda_memory_allocated 4.76837158203125e-07 GB = 0.0005 MB: only cuda has that reading
    assert "near-zero device memory (0.0005 MB allocated)" in rows[1][4]
    assert "device memory" not in rows[2][4]
    # every cuda and openvino result of the file is one (3 models x 9 configurations each)
    counts = query(
        legacy,
        "select hardware_type, count(*) filter (where simulation_method = 'device fallback'),"
        " count(*) from performance_results where source_path = $p group by all order by all",
        p=path,
    )
    assert counts == [("cpu", 0, 27), ("cuda", 27, 27), ("openvino", 27, 27)]
    audit = query(
        legacy,
        "select hardware_type, count(*), count(distinct fallback_cpu_result_id),"
        " bool_and(fallback_has_equal_load_times), bool_and(fallback_has_overlapping_timestamps)"
        " from simulation_flags where source_path = $p and flag_kind = 'device fallback'"
        " group by all order by all",
        p=path,
    )
    assert audit == [("cuda", 27, 27, True, True), ("openvino", 27, 27, True, True)]
    # the reports never count them as accelerator measurements; planning never as done
    assert query(
        legacy,
        "select count(*) from rpt_best_results where hardware_type in ('cuda', 'openvino')"
        " and model_name in ('bert-base-uncased', 'distilbert-base-uncased', 'roberta-base')"
        " and not is_simulated",
    ) == [(0,)]
    assert query(
        legacy,
        "select count(*) from benchmark_config_status where hardware_type in ('cuda', 'openvino')"
        " and model_name = 'distilbert-base-uncased'",
    ) == [(0,)]


def test_suite_vision_image_sizes(legacy):
    path = legacy["path"]["perf_suite_vision_cpu.json"]
    rows = query(
        legacy,
        "select image_size, count(*) from performance_results where source_path = $p"
        " group by all order by all",
        p=path,
    )
    assert rows == [(224, 9), (384, 9)]  # 3 models x batch 1, 4, 8
    vit = one(
        legacy,
        "select latency_mean_ms, throughput_items_per_second, sequence_length from"
        " performance_results where source_path = $p and model_name ="
        " 'vit-base-patch16-224' and batch_size = 1 and image_size = 224",
        p=path,
    )
    assert close(vit[0], 2352.0920276641846) and close(vit[1], 0.4251525623488583)
    assert vit[2] is None


def test_suite_audio_failures_and_timeouts(legacy):
    path = legacy["path"]["perf_suite_audio_cpu_timeouts_failures.json"]
    rows = query(
        legacy,
        "select model_name, status, count(*) from performance_results where source_path = $p"
        " group by all order by all",
        p=path,
    )
    assert rows == [
        ("facebook/wav2vec2-base", "completed", 5),
        ("facebook/wav2vec2-base", "timeout", 4),
        ("whisper-tiny", "failed", 9),  # openai/whisper-tiny, an alias
    ]
    failed = query(
        legacy,
        "select distinct error_type, error_message, latency_mean_ms from performance_results"
        " where source_path = $p and status = 'failed'",
        p=path,
    )
    assert failed == [
        ("Warmup failed", "Warmup failed: 'dict' object has no attribute 'input_features'", None)
    ]
    long_audio = one(
        legacy,
        "select audio_seconds, iterations, latency_mean_ms,"
        " (source_details ->> 'real_time_factor')::double from performance_results"
        " where source_path = $p and batch_size = 4 and audio_seconds = 30"
        " and model_name = 'facebook/wav2vec2-base'",
        p=path,
    )
    assert long_audio[:2] == (30.0, 9) and close(long_audio[2], 72365.17257160611)
    assert close(long_audio[3], 1.6582555621277675)


def test_suite_multimodal_plain_batch_key(legacy):
    rows = query(
        legacy,
        "select batch_size, sequence_length, image_size, latency_mean_ms from"
        " performance_results where source_path = $p order by batch_size",
        p=legacy["path"]["perf_suite_multimodal_clip_cpu.json"],
    )
    assert [r[:3] for r in rows] == [(1, None, None), (4, None, None), (8, None, None)]
    assert close(rows[0][3], 457.45736360549927)


def test_suite_text_generation_all_failed(legacy):
    rows = query(
        legacy,
        "select model_name, hardware_type, status, count(*) from performance_results"
        " where source_path = $p group by all order by all",
        p=legacy["path"]["perf_suite_textgen_all_failed.json"],
    )
    assert rows == [
        (m, h, "failed", 3)
        for m in ("google/flan-t5-small", "gpt2", "t5-small")
        for h in ("cpu", "openvino")
    ]
    run = one(
        legacy,
        "select success, configurations_total, configurations_failed from test_runs"
        " where source_path = $p",
        p=legacy["path"]["perf_suite_textgen_all_failed.json"],
    )
    assert run == (False, 18, 18)


# ------------------------------------------------------------------ F: run aggregate


def test_run_aggregate_family_errors_and_functionality(legacy):
    path = legacy["path"]["perf_run_toplevel_error_tracebacks.json"]
    families = query(
        legacy,
        "select test_name, success, error_message from test_runs where source_path = $p"
        " and parent_run_id is not null order by test_name",
        p=path,
    )
    assert [f[0] for f in families] == [
        "performance suite: audio",
        "performance suite: embedding",
        "performance suite: multimodal",
        "performance suite: text_generation",
        "performance suite: vision",
    ]
    assert {f[1:] for f in families} == {
        (False, "NameError: name 'false' is not defined. Did you mean: 'False'?")
    }
    tests = query(
        legacy,
        "select hardware_type, status, count(*) from integration_test_results"
        " where source_path = $p group by all order by all",
        p=path,
    )
    # 13 models on cpu and on openvino; the "cuda" block repeats the cpu block: kept once
    assert tests == [
        ("cpu", "error", 7),
        ("cpu", "pass", 6),
        ("openvino", "error", 7),
        ("openvino", "pass", 6),
    ]
    clip = one(
        legacy,
        "select model_name, error_message from integration_test_results where source_path = $p"
        " and hardware_type = 'cpu' and test_name = 'clip on cpu'",
        p=path,
    )
    assert clip == (
        "openai/clip-vit-base-patch32",
        "AttributeError: 'TestClipModels' object has no attribute 'run_tests'",
    )
    rates = query(
        legacy,
        "select hardware_type, success_rate, models_tested from legacy_summaries"
        " where source_path = $p order by hardware_type",
        p=path,
    )
    assert [r[0] for r in rates] == ["cpu", "openvino"]
    assert all(close(r[1], 6 / 13) and r[2] == 13 for r in rates)  # 46.15384615384615 %
    detected = query(
        legacy,
        "select hardware_type, is_available from hardware_availability_log"
        " where source_path = $p order by hardware_type",
        p=path,
    )
    assert detected == [
        ("cpu", True),
        ("cuda", True),
        ("mps", False),
        ("openvino", True),
        ("rocm", False),
    ]


# ------------------------------------------------------------------ G, H: summary, matrices


def test_suite_summary_lines_up_by_position_and_equals_the_matrix(legacy):
    path = legacy["path"]["perf_suite_summary_positional_lists.json"]
    rows = query(
        legacy,
        "select model_name, hardware_type, mean_latency_ms, mean_throughput_items_per_second,"
        " copies_found from legacy_summaries where summary_kind ="
        " 'model mean over configurations' and model_name = 'distilbert-base-uncased'"
        " order by hardware_type",
    )
    assert [r[:2] for r in rows] == [
        ("distilbert-base-uncased", "cpu"),
        ("distilbert-base-uncased", "cuda"),
        ("distilbert-base-uncased", "openvino"),
    ]
    # position 2 of each list; the matrix holds the same numbers in seconds: one row, 2 copies
    assert close(rows[0][2], 3490.208782090081) and close(rows[0][3], 1.9360366768981214)
    assert close(rows[1][2], 3522.5365294350518) and close(rows[2][3], 2.1387048772021293)
    assert {r[4] for r in rows} == {2}
    assert one(legacy, "select count(*) from legacy_summaries where source_path = $p", p=path) == (
        9,
    )


def test_matrix_with_results(legacy):
    rows = query(
        legacy,
        "select model_name, hardware_type, is_compatible, is_tested,"
        " metadata ->> 'performance_rating', (metadata ->> 'mean_latency_ms')::double, tested_at"
        " from hardware_compatibility where source_path = $p order by hardware_type, model_name",
        p=legacy["path"]["compat_matrix_with_results.json"],
    )
    assert len(rows) == 9
    assert {r[2:5] for r in rows} == {(True, True, "medium")}
    bert_cpu = rows[0]
    assert bert_cpu[:2] == ("bert-base-uncased", "cpu")
    assert close(bert_cpu[5], 10774.762410776956)  # 10.774762410776956 s
    assert bert_cpu[6] == utc(2025, 3, 6, 5, 54, 35, 778311)  # 21:54:35 Pacific


def test_matrix_compatible_false_without_results_is_untested(legacy):
    rows = query(
        legacy,
        "select coalesce(model_name, '-'), hardware_type, is_compatible, is_tested,"
        " metadata ->> 'legacy_family' from hardware_compatibility where source_path = $p",
        p=legacy["path"]["compat_matrix_all_false_nulls.json"],
    )
    untested = [r for r in rows if not r[3]]
    assert len(untested) == 19 and {r[2] for r in untested} == {None}
    assert [r for r in rows if r[3]] == []
    # text_generation lists gpt2, t5-small and flan-t5-small on cpu and openvino with only a
    # timestamp: no measurement, no error. The matrix's time (20250302_201142) is the run that
    # crashed with NameError in every family (perf_run_toplevel_error_tracebacks.json): not
    # tested, never "incompatible"
    listed = sorted(
        r[:4]
        for r in query(
            legacy,
            "select model_name, hardware_type, is_compatible, is_tested, error_message"
            " from hardware_compatibility where source_path = $p and model_name is not null",
            p=legacy["path"]["compat_matrix_all_false_nulls.json"],
        )
    )
    assert listed == sorted(
        (m, h, None, False)
        for m in ("gpt2", "t5-small", "google/flan-t5-small")
        for h in ("cpu", "openvino")
    )
    reason = one(
        legacy,
        "select distinct error_message from hardware_compatibility where source_path = $p"
        " and model_name is not null",
        p=legacy["path"]["compat_matrix_all_false_nulls.json"],
    )[0]
    assert reason == (
        "listed with no measurement and no error: not tested (the run that wrote the matrix"
        " did not test it, e.g. it crashed)"
    )


def test_empty_matrix_is_a_run_with_no_rows(legacy):
    path = legacy["path"]["compat_matrix_empty_iso_ts.json"]
    assert (
        query(legacy, "select * from hardware_compatibility where source_path = $p", p=path) == []
    )
    run = one(legacy, "select test_type, started_at from test_runs where source_path = $p", p=path)
    assert run == ("compatibility", utc(2025, 3, 6, 5, 58, 23, 255666))  # 21:58:23 Pacific


# ------------------------------------------------------------------ I: run config


def test_run_config_is_a_run_with_its_settings(legacy):
    row = one(
        legacy,
        "select metadata -> 'settings' ->> 'warmup_iterations',"
        " metadata -> 'settings' ->> 'benchmark_iterations', started_at"
        " from test_runs where source_path = $p",
        p=legacy["path"]["perf_suite_config_embedding.json"],
    )
    # from the folder name 20250303_041610, Pacific
    assert row == ("5", "20", utc(2025, 3, 3, 12, 16, 10))


# ------------------------------------------------------------------ J, K: web results


def test_web_results_are_simulated_whatever_the_implementation_says(legacy):
    rows = query(
        legacy,
        "select model_name, hardware_type, batch_size, average_latency_ms,"
        " throughput_items_per_second, memory_peak_mb, is_simulated, simulation_reason"
        " from legacy_results_without_batch_size where source_shape = 'J' order by model_name",
    )
    reason = "is_simulation: true; platform_support.simulated: true"
    assert rows[0][:2] == ("bert-base-uncased", "webgpu")
    assert rows[0][2:] == (None, 80.0, 100.0, 150.0, True, reason)
    assert rows[1][:2] == ("whisper-tiny", "webnn")  # openai/whisper-tiny, an alias
    assert rows[1][2:6] == (None, 120.0, 66.66666666666667, 250.0)
    assert rows[1][6:] == (True, reason)


def test_hand_written_comparison_keeps_nulls_and_rates(legacy):
    path = legacy["path"]["web_platform_comparison_handwritten.json"]
    counts = query(
        legacy,
        "select status, count(*), count(average_latency_ms) from"
        " legacy_results_without_batch_size where source_path = $p group by all order by all",
        p=path,
    )
    # 24 models x 2 platforms: 33 succeeded; 15 failed, 13 of them with null times
    assert counts == [("completed", 33, 33), ("failed", 15, 2)]
    whisper = one(
        legacy,
        "select status, error_message, average_latency_ms, is_simulated, simulation_reason"
        " from legacy_results_without_batch_size where source_path = $p"
        " and model_name = 'whisper-tiny' and hardware_type = 'webgpu'",
        p=path,
    )
    assert whisper == (
        "failed",
        "Missing required operators",
        108.6,
        True,
        "implementation SIMULATED_WEBGPU_TRANSFORMERS_JS",
    )
    summaries = query(
        legacy,
        "select summary_kind, coalesce(modality, '-'), hardware_type, success_rate,"
        " mean_latency_ms, mean_memory_mb, models_tested from legacy_summaries"
        " where source_path = $p order by all",
        p=path,
    )
    assert ("platform summary", "-", "webnn", 0.68, 57.3, 54.2, 25) in summaries
    assert ("modality success rate", "audio", "webgpu", 0.0, None, None, None) in summaries
    assert len(summaries) == 2 + 4 * 2
    compat = one(
        legacy,
        "select is_compatible, error_message from hardware_compatibility where source_path = $p"
        " and model_name = 'blip-small' and hardware_type = 'webgpu'",
        p=path,
    )
    assert compat == (False, "Unsupported model architecture")


# ------------------------------------------------------------------ L, M, N: skill tests


def test_skill_test_llava_flat_statuses(legacy):
    path = legacy["path"]["integ_skill_llava_real_mock_status.json"]
    rows = query(
        legacy,
        "select coalesce(hardware_type, '-'), status, is_simulated from integration_test_results"
        " where source_path = $p order by 1",
        p=path,
    )
    assert rows == [
        ("-", "pass", False),
        ("cpu", "pass", False),
        ("cuda", "pass", False),
        ("mps", "skip", False),  # "Apple Silicon not available"
        ("openvino", "error", True),  # init "Success (MOCK)", tests "Error: ..."
        ("qnn", "pass", True),  # "Success (MOCK)"
    ]
    openvino = one(
        legacy,
        "select model_name, test_module, error_message from integration_test_results"
        " where source_path = $p and hardware_type = 'openvino'",
        p=path,
    )
    assert openvino == (
        "hf_llava",
        "skills/test_hf_llava.py",
        "openvino_tests: Error: OpenVINO endpoint initialization failed safely",
    )
    assertions = query(
        legacy,
        "select a.assertion_name, a.passed, a.actual_value from integration_test_assertions a"
        " join integration_test_results r using (test_result_id) where r.source_path = $p"
        " and a.assertion_name in ('cuda_tokens_per_second', 'cuda_init', 'apple_tests')"
        " order by 1",
        p=path,
    )
    assert assertions == [
        ("apple_tests", None, "Apple Silicon not available"),
        ("cuda_init", True, "Success (REAL)"),
        ("cuda_tokens_per_second", None, "185.0"),
    ]
    assert one(
        legacy,
        "select count(*) from integration_test_assertions where source_path = $p",
        p=path,
    ) == (30,)


def test_skill_test_bert_nested_statuses_and_examples(legacy):
    path = legacy["path"]["integ_skill_bert_status_examples.json"]
    rows = query(
        legacy,
        "select coalesce(hardware_type, '-'), status, is_simulated, model_name"
        " from integration_test_results where source_path = $p order by 1",
        p=path,
    )
    assert rows == [
        ("-", "pass", False, "distilbert-base-uncased"),
        ("cpu", "pass", False, "distilbert-base-uncased"),
        ("cuda", "pass", True, "distilbert-base-uncased"),  # handler "Success (MOCK)"
        ("mps", "skip", False, "distilbert-base-uncased"),
        ("openvino", "pass", False, "distilbert-base-uncased"),
        ("qnn", "fail", True, "distilbert-base-uncased"),  # "Failed Qualcomm initialization"
    ]
    cpu_time = one(
        legacy,
        "select execution_time_seconds from integration_test_results where source_path = $p"
        " and hardware_type = 'cpu'",
        p=path,
    )
    assert close(cpu_time[0], 0.0013551712036132812)  # the CPU example's elapsed_time


def test_subprocess_capture_says_what_could_not_be_read(legacy):
    row = one(
        legacy,
        "select test_module, model_name, status, error_message, execution_time_seconds"
        " from integration_test_results where source_path = $p",
        p=legacy["path"]["integ_skill_subprocess_json_parse_error.json"],
    )
    assert row[:3] == ("test_hf_bert.py", "bert", "error")
    assert row[3] == (
        "results printed to stdout could not be read: Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1)"
    )
    assert close(row[4], 9.933923959732056)


def test_critical_models_per_platform(legacy):
    path = legacy["path"]["integ_critical_models_summary.json"]
    rows = query(
        legacy,
        "select model_name, hardware_type, status, is_simulated, execution_time_seconds"
        " from integration_test_results where source_path = $p order by 1, 2",
        p=path,
    )
    assert [r[:4] for r in rows] == [
        (m, h, "pass", False)
        for m in ("canine", "visual_bert", "zoedepth")
        for h in ("cpu", "cuda", "openvino")
    ]
    assert close(rows[0][4], 0.00011515617370605469)  # canine's CPU example
    assert one(legacy, "select success_rate from test_runs where source_path = $p", p=path) == (
        1.0,
    )  # "100.0%"


# ------------------------------------------------------------------ O, P, Q, R: test records


def test_windows_hardware_run(legacy):
    path = legacy["path"]["integ_hardware_windows_errors.json"]
    counts = query(
        legacy,
        "select status, count(*) from integration_test_results where source_path = $p"
        " group by all order by all",
        p=path,
    )
    assert counts == [("error", 26), ("fail", 1), ("pass", 12), ("skip", 18)]
    bare = query(
        legacy,
        "select test_name, error_message, executed_at from integration_test_results"
        " where source_path = $p and hardware_type is null and error_message like 'result:%'"
        " order by test_name",
        p=path,
    )
    # three tests are a bare string: the KeyError text; time only in the file name
    assert bare == [
        (name, "result: 'transformers'", utc(2025, 2, 27, 6, 26, 17))  # 22:26:17 Pacific
        for name in ("test_default_lm", "test_hf_llama", "test_hf_whisper")
    ]
    bert_qnn = one(
        legacy,
        "select status, error_message from integration_test_results where source_path = $p"
        " and test_name = 'test_hf_bert' and hardware_type = 'qnn'",
        p=path,
    )
    assert bert_qnn == (
        "error",
        "qualcomm_tests: Error: The size of tensor a (11) must match the size of tensor b (10) "
        "at non-singleton dimension 1",
    )


def test_top_level_array_of_validation_records(legacy):
    path = legacy["path"]["integ_validation_toplevel_list.json"]
    rows = query(
        legacy,
        "select model_name, status, test_module, error_message, executed_at"
        " from integration_test_results where source_path = $p order by executed_at",
        p=path,
    )
    assert len(rows) == 13 and {r[1] for r in rows} == {"error"}
    assert rows[0] == (
        "bert",
        "error",
        "test_hf_bert.py",
        "IndentationError: expected an indented block after 'if' statement on line 72",
        utc(2025, 3, 3, 4, 7, 52, 174873),  # 20:07:52 Pacific
    )


def test_functionality_report(legacy):
    path = legacy["path"]["integ_functionality_report_failed.json"]
    row = one(
        legacy,
        "select model_name, hardware_type, status, error_message from integration_test_results"
        " where source_path = $p",
        p=path,
    )
    assert row == (
        "qwen2",
        "cpu",
        "error",
        "IndentationError: expected an indented block after function definition on line 517",
    )
    assert one(legacy, "select success_rate from test_runs where source_path = $p", p=path) == (
        0.0,
    )


def test_real_vs_sim_failure(legacy):
    row = one(
        legacy,
        "select model_name, hardware_type, status, test_module, error_message,"
        " execution_time_seconds from integration_test_results where source_path = $p",
        p=legacy["path"]["odd_real_vs_sim_failure.json"],
    )
    assert row[:4] == ("prajjwal1/bert-tiny", "cuda", "error", "test_single_model_hardware.py")
    assert row[4] == "TestCase.__init__() got an unexpected keyword argument 'model_id'"
    assert close(row[5], 2.9615871906280518)  # total_execution_time, not the 0 beside it


# ------------------------------------------------------------------ S, T


def test_truncated_file_is_quarantined_and_listed(legacy):
    row = one(
        legacy,
        "select status, reason, shape from legacy_files where original_path = $p",
        p=legacy["path"]["odd_truncated_invalid_db_metadata.json"],
    )
    assert row == ("quarantined", "invalid JSON: Expecting value at line 5 column 21", None)


def test_browser_comparison_time_from_the_epoch_in_the_file_name(legacy):
    rows = query(
        legacy,
        "select test_name, status, hardware_type, executed_at,"
        " (metadata ->> 'improvement_percentage')::double from integration_test_results"
        " where source_path = $p order by test_name",
        p=legacy["path"]["web_browser_compare_epoch_name.json"],
    )
    assert [r[0] for r in rows] == [
        "Chrome with compute shaders",
        "Chrome without compute shaders",
        "Firefox with compute shaders",
        "Firefox without compute shaders",
    ]
    # 1741232337 = 2025-03-06 03:38:57 UTC; the folder says webgpu
    assert {r[1:4] for r in rows} == {("pass", "webgpu", utc(2025, 3, 6, 3, 38, 57))}
    assert close(rows[2][4], 51.31999999999999)


# ------------------------------------------------------------------ across files


def test_every_registered_file_is_a_run_and_nothing_is_zero(legacy):
    registered = query(legacy, "select count(*) from legacy_files where status = 'registered'")
    # the real files, the hand-written variants and the timezone tree
    assert registered == [(37 + 13 + 2,)]
    assert query(
        legacy,
        "select count(*) from test_runs where run_source = 'legacy' and parent_run_id is null",
    ) == [(52,)]
    zeros = query(
        legacy,
        "select source_path, batch_size from performance_results where result_source = 'legacy'"
        " and (latency_mean_ms = 0 or throughput_items_per_second = 0 or memory_peak_mb = 0)",
    )
    assert zeros == []
    no_metrics = query(
        legacy,
        "select count(*) from performance_results where result_source = 'legacy'"
        " and status = 'failed' and (latency_mean_ms is not null"
        " or throughput_items_per_second is not null)",
    )
    assert no_metrics == [(0,)]


def test_hardware_details_reach_platforms_and_the_availability_log(legacy):
    rows = query(
        legacy,
        "select hardware_type, is_available, reason, device_name from hardware_availability_log"
        " where source_path = $p order by hardware_type",
        p=legacy["path"]["perf_suite_embedding_cpu_cuda_openvino.json"],
    )
    assert rows == [
        ("cpu", True, "detected by the legacy suite", "Intel(R) Xeon(R) CPU E3-1535M v6 @ 3.10GHz"),
        ("cuda", True, "detected by the legacy suite", "Quadro P4000"),
        ("mps", False, "MPS not available in current PyTorch installation", None),
        ("openvino", True, "detected by the legacy suite", None),
        ("qnn", False, "not detected by the legacy suite", None),
        ("rocm", False, "CUDA available, but no ROCm/AMD GPU detected", None),
        (
            "webgpu",
            False,
            "Exception detecting WebGPU: cannot access local variable 'os' where it is not "
            "associated with a value",
            None,
        ),
        (
            "webnn",
            False,
            "Exception detecting WebNN: cannot access local variable 'os' where it is not "
            "associated with a value",
            None,
        ),
    ]


def test_old_example_query_runs_on_legacy_rows(legacy):
    rows = query(
        legacy,
        "SELECT m.model_name, hp.hardware_type, AVG(pr.throughput_items_per_second) as t"
        " FROM performance_results pr JOIN models m ON pr.model_id = m.model_id"
        " JOIN hardware_platforms hp ON pr.hardware_id = hp.hardware_id"
        " WHERE m.model_name = 'prajjwal1/bert-tiny' GROUP BY m.model_name, hp.hardware_type",
    )
    # 45.81 (batch 1, 17:48) and 317.75, 420.16 (batches 1 and 2, 17:45), each measured once
    expected = (45.81245125816733 + 317.75030303030303 + 420.1572720806996) / 3
    assert len(rows) == 1 and rows[0][:2] == ("prajjwal1/bert-tiny", "cpu")
    assert close(rows[0][2], expected)


# ------------------------------------------------------------------ other models, hardware, values


def test_variant_direct_runner_on_rocm(legacy):
    rows = query(
        legacy,
        "select batch_size, status, latency_mean_ms, latency_p50_ms, memory_peak_mb,"
        " throughput_items_per_second, iterations, error_message, measured_at"
        " from performance_results where model_name = 'acme/encoder-xl' order by batch_size",
    )
    # 1.5 GB -> 1536 MB; 3 samples give no p50 (it needs 20)
    assert rows[0][:7] == (8, "completed", 12.5, None, 1536.0, 640.0, 3)
    assert rows[0][8] == utc(2026, 1, 1, 12, 0, 5)
    assert rows[1][:3] == (16, "failed", None) and rows[1][7] == "HIP out of memory"


def test_variant_suite_on_a_new_gpu_with_its_run_config(legacy):
    rows = query(
        legacy,
        "select batch_size, image_size, status, latency_mean_ms, latency_p90_ms, iterations,"
        " warmup_iterations, device_name, source_details ->> 'image_width', host"
        " from performance_results where model_name = 'acme/vit-huge' order by batch_size",
    )
    one_, two, four = rows
    # 256x256, timed out after 2 iterations (0.5 s, 0.7 s)
    assert one_[:3] == (1, 256, "timeout") and close(one_[3], 600.0) and one_[5] == 2
    # 320x240 is not square: no single image_size; latencies 10, 20, 30, 40 ms: mean 25, and
    # no p90 from 4 samples (it needs 100: the 37 they would give is no 90th percentile)
    assert two[:3] == (2, None, "completed") and close(two[3], 25.0) and two[4] is None
    assert two[5:] == (4, 3, "NVIDIA H100", "320", "gpu-host-7")  # warm-up from the run config
    assert four[:3] == (4, None, "failed") and four[3] is None
    platform = one(
        legacy,
        "select memory_gb, compute_units from hardware_platforms where device_name = 'NVIDIA H100'",
    )
    assert platform == (79.6, 132)


def test_variant_matrix_and_skill_test(legacy):
    rows = query(
        legacy,
        "select hardware_type, coalesce(model_name, '-'), is_compatible, is_tested"
        " from hardware_compatibility where model_name = 'acme/wav-large'"
        " or (source_path like '%variants/compat/%') order by hardware_type",
    )
    assert rows == [
        # listed with a timestamp and nothing else: not tested, never "incompatible"
        ("cpu", "acme/wav-large", None, False),
        ("mps", "-", None, False),
        ("rocm", "acme/wav-large", True, True),
    ]
    summary = one(
        legacy,
        "select mean_latency_ms, mean_throughput_items_per_second from legacy_summaries"
        " where model_name = 'acme/wav-large'",
    )
    assert summary == (200.0, 5.0)
    tests = query(
        legacy,
        "select coalesce(hardware_type, '-'), status, is_simulated from integration_test_results"
        " where model_name = 'hf_acme' order by 1",
    )
    assert tests == [
        ("-", "pass", False),
        ("qnn", "pass", True),
        ("rocm", "pass", False),
        ("webgpu", "error", False),
    ]


def test_variant_identical_placeholders_on_two_hardware_types(legacy):
    rows = query(
        legacy,
        "select hardware_type, is_simulated, simulation_reason from performance_results"
        " where model_name = 'acme/placeholder-net' order by hardware_type",
    )
    reason = "identical metrics on 2 hardware types (mps, rocm)"
    assert rows == [("mps", True, reason), ("rocm", True, reason)]


# ------------------------------------------------------------------ the eight later real files


def integration_rows(legacy, local: str) -> list[tuple]:
    return query(
        legacy,
        "select coalesce(hardware_type, '-'), status, is_simulated from integration_test_results"
        " where source_path = $p order by 1",
        p=legacy["path"][local],
    )


def reason_of(legacy, local: str, hardware: str, test: str | None = None) -> str:
    return one(
        legacy,
        "select simulation_reason from integration_test_results where source_path = $p"
        " and hardware_type = $h and ($t is null or test_name = $t)",
        p=legacy["path"][local],
        h=hardware,
        t=test,
    )[0]


def test_skill_wrapper_tests_and_the_simulation_its_text_admits(legacy):
    local = "skills_wrapper_whisper_json_result.json"
    # json_result: init/load_audio "Success (REAL)"; cpu "Success (MOCK)"; cuda "Success
    # (REAL)" but "Simulated CUDA Whisper transcription"; apple not available; openvino "REAL -
    # simulated for performance testing"; qualcomm failed init, "Error in ..." transcription
    assert integration_rows(legacy, local) == [
        ("-", "pass", False),
        ("cpu", "pass", True),
        ("cuda", "pass", True),
        ("mps", "skip", False),
        ("openvino", "pass", True),
        ("qnn", "error", True),
    ]
    cuda = reason_of(legacy, local, "cuda")
    assert (
        'cuda_transcription: "Simulated CUDA Whisper transcription: This audio contains speech'
        ' about machine learning and AI technology."'
    ) in cuda
    assert 'platform_status.cuda: "Success (REAL) - Simulated"' in cuda
    openvino = reason_of(legacy, local, "openvino")
    assert 'openvino_implementation_type: "REAL - simulated for performance testing"' in openvino
    whole = one(
        legacy,
        "select test_module, model_name, execution_time_seconds, executed_at"
        " from integration_test_results where source_path = $p and hardware_type is null",
        p=legacy["path"][local],
    )
    # the capture's elapsed_time; the wrapper's naive 00:43:30.459789, Pacific
    assert whole[:2] == ("test_hf_whisper.py", "whisper")
    assert close(whole[2], 9.016584396362305)
    assert whole[3] == utc(2025, 2, 28, 8, 43, 30, 459789)


def test_skill_metrics_per_hardware_block(legacy):
    local = "perf_test_results_multi_hardware_mock.json"
    counts = query(
        legacy,
        "select count(*), count(distinct test_name) from integration_test_results"
        " where source_path = $p",
        p=legacy["path"][local],
    )
    assert counts == [(12 + 8 * 5, 12)]
    whisper = query(
        legacy,
        "select coalesce(hardware_type, '-'), status, is_simulated, execution_time_seconds"
        " from integration_test_results where source_path = $p"
        " and test_name = 'skills/test_hf_whisper.py' order by 1",
        p=legacy["path"][local],
    )
    # performance_metrics.cpu "Success (MOCK)"; cuda "Simulated CUDA Whisper transcription";
    # openvino "Success (REAL) - Simulated"; apple not available; qualcomm failed init and
    # "Success (MOCK)" handler. Each example is written twice (x_example and examples[0]):
    # its elapsed_time counts once
    assert [r[:3] for r in whisper] == [
        ("-", "pass", False),
        ("cpu", "pass", True),
        ("cuda", "pass", True),
        ("mps", "skip", False),
        ("openvino", "pass", True),
        ("qnn", "error", True),
    ]
    times = {r[0]: r[3] for r in whisper}
    assert close(times["-"], 0.09264087677001953)  # the test's execution_time
    assert close(times["cpu"], 0.0002124309539794922)
    assert close(times["cuda"], 0.005133390426635742)
    assert close(times["qnn"], 0.09)
    errored = one(
        legacy,
        "select status, error_message from integration_test_results where source_path = $p"
        " and test_name = 'skills/test_default_embed.py'",
        p=legacy["path"][local],
    )
    assert errored[0] == "error"
    assert errored[1].startswith(
        "error: module 'skills.test_default_embed' has no attribute 'test_default_embed'"
    )
    clip_cuda = one(
        legacy,
        "select status, is_simulated, error_message from integration_test_results"
        " where source_path = $p and test_name = 'skills/test_hf_clip.py'"
        " and hardware_type = 'cuda'",
        p=legacy["path"][local],
    )
    # examples say is_simulated: false and REAL: no evidence of simulation
    assert clip_cuda == ("fail", False, "cuda_init: Failed CUDA initialization")


def test_one_models_hardware_test(legacy):
    row = one(
        legacy,
        "select model_name, hardware_type, status, is_simulated, execution_time_seconds,"
        " executed_at from integration_test_results where source_path = $p",
        p=legacy["path"]["hw_test_clip_cpu.json"],
    )
    # results.cpu: init "Success", success true, execution_time 1.202348232269287; the
    # example's naive 2025-03-05T19:33:43.210575 is the earliest time, Pacific
    assert row[:4] == ("openai/clip-vit-base-patch32", "cpu", "pass", False)
    assert close(row[4], 1.202348232269287)
    assert row[5] == utc(2025, 3, 6, 3, 33, 43, 210575)


def test_subprocess_capture_with_a_json_result(legacy):
    local = "integ_subprocess_json_result_examples.json"
    # json_result.status: cpu, cuda, openvino "REAL"; the CUDA example says is_simulated: true
    assert integration_rows(legacy, local) == [
        ("-", "pass", False),  # return_code 0
        ("cpu", "pass", False),
        ("cuda", "pass", True),
        ("openvino", "pass", False),
    ]
    assert reason_of(legacy, local, "cuda").startswith("examples[1]: is_simulated: true")
    times = dict(
        query(
            legacy,
            "select coalesce(hardware_type, '-'), execution_time_seconds"
            " from integration_test_results where source_path = $p",
            p=legacy["path"][local],
        )
    )
    assert close(times["-"], 10.229997873306274) and close(times["cpu"], 0.00131988525390625)


def test_skill_test_with_epoch_and_local_time(legacy):
    local = "integ_skill_whisper_epoch_and_local_time.json"
    assert integration_rows(legacy, local) == [
        ("-", "pass", False),
        ("cpu", "pass", True),  # "Success (MOCK)"
        ("cuda", "pass", True),  # "Simulated CUDA Whisper transcription ..."
        ("mps", "skip", False),
        ("openvino", None, True),  # no status, only "(MOCK) OpenVINO transcription ..."
        ("qnn", "error", True),
    ]
    # metadata.timestamp 2025-02-28T00:04:37.754374 naive; the qualcomm example's epoch
    # 1740729877.754138 = 08:04:37.754138 UTC: the same moment, 8 hours apart
    whole = one(
        legacy,
        "select executed_at from integration_test_results where source_path = $p"
        " and hardware_type is null",
        p=legacy["path"][local],
    )[0]
    assert whole == utc(2025, 2, 28, 8, 4, 37, 754374)
    qnn_example = one(
        legacy,
        "select checked_at from integration_test_assertions where source_path = $p"
        " and assertion_name = 'qualcomm_transcription_example'",
        p=legacy["path"][local],
    )[0]
    assert abs(qnn_example - whole) < timedelta(milliseconds=1)
    zone = one(
        legacy,
        "select utc_offset, time_zone_basis, time_zone_evidence from legacy_file_time_zones"
        " where source_path = $p",
        p=legacy["path"][local],
    )
    assert zone[:2] == ("UTC-08:00", "inferred")
    assert zone[2].startswith("UTC-08:00 from this file: naive ")


def test_language_model_skill_test_and_its_numbers(legacy):
    local = "integ_skill_lm_generation_metadata.json"
    assert integration_rows(legacy, local) == [
        ("-", "pass", False),
        ("cpu", "pass", True),  # cpu_init "Success (MOCK)"
        ("cuda", "pass", False),
        ("mps", "skip", False),
        ("openvino", "pass", False),
        ("qnn", "pass", True),  # "Success (MOCK)"
    ]
    numbers = query(
        legacy,
        "select json_path, metric_key, value, unit, reported_value, value_note"
        " from legacy_metric_values where source_path = $p"
        " and json_path like '$.results.status.cuda_metadata%' order by json_path",
        p=legacy["path"][local],
    )
    assert numbers == [
        (
            "$.results.status.cuda_metadata.generation_time_seconds",
            "generation_time_seconds",
            0.0015,
            "s",
            0.0015,
            None,
        ),
        ("$.results.status.cuda_metadata.gpu_memory_mb", "gpu_memory_mb", 245.6, "MB", 245.6, None),
        (
            "$.results.status.cuda_metadata.performance_metrics.memory_allocated_mb",
            "memory_allocated_mb",
            None,
            "MB",
            0.0,
            'reported 0: the old system wrote 0 for "not measured"',
        ),
        (
            "$.results.status.cuda_metadata.performance_metrics.memory_reserved_mb",
            "memory_reserved_mb",
            None,
            "MB",
            0.0,
            'reported 0: the old system wrote 0 for "not measured"',
        ),
        (
            "$.results.status.cuda_metadata.performance_metrics.processing_time_ms",
            "processing_time_ms",
            0.0050067901611328125,
            "ms",
            0.0050067901611328125,
            None,
        ),
    ]
    # the epoch metadata.timestamp 1740759417.9566424 and the naive test_timestamp
    # 2025-02-28T08:16:57.956638 are the same moment: UTC-08:00 from this file
    assert one(
        legacy,
        "select utc_offset_seconds from legacy_file_time_zones where source_path = $p",
        p=legacy["path"][local],
    ) == (-8 * 3600,)


def test_model_list_and_generation_summary_are_runs_without_results(legacy):
    runs = query(
        legacy,
        "select source_shape, success_rate, metadata ->> 'time_zone' from test_runs"
        " where source_path in ($y, $z) order by 1",
        y=legacy["path"]["suite_benchmark_models_list.json"],
        z=legacy["path"]["generation_summary.json"],
    )
    # generation_stats: 1 of 13 test files generated
    assert runs[0][0] == "Y" and runs[0][1] is None
    assert runs[1][0] == "Z" and close(runs[1][1], 1 / 13)
    for table in ("performance_results", "integration_test_results", "hardware_compatibility"):
        assert query(
            legacy,
            f"select count(*) from {table} where source_path in ($y, $z)",
            y=legacy["path"]["suite_benchmark_models_list.json"],
            z=legacy["path"]["generation_summary.json"],
        ) == [(0,)]
    # 13 generation results and 1 execution result, each with an elapsed_time (no unit in key)
    assert query(
        legacy,
        "select metric_key, unit, count(*) from legacy_metric_values where source_path = $p"
        " group by all",
        p=legacy["path"]["generation_summary.json"],
    ) == [("elapsed_time", None, 14)]


# ------------------------------------------------------------------ evidence rules, hand-written


def test_a_real_gpu_ten_times_faster_is_not_flagged_and_a_fallback_is(legacy):
    rows = query(
        legacy,
        "select model_name, hardware_type, batch_size, average_latency_ms, is_simulated,"
        " simulation_method from performance_results"
        " where model_name in ('acme/encoder-fast', 'acme/encoder-slow')"
        " order by 1, 2, 3",
    )
    assert [r[:4] for r in rows] == [
        ("acme/encoder-fast", "cpu", 1, 100.0),
        ("acme/encoder-fast", "cpu", 4, 400.0),
        ("acme/encoder-fast", "cuda", 1, 10.0),
        ("acme/encoder-fast", "cuda", 4, 16.0),
        ("acme/encoder-slow", "cpu", 1, 200.0),
        ("acme/encoder-slow", "cpu", 4, 800.0),
        ("acme/encoder-slow", "rocm", 1, 206.0),
        ("acme/encoder-slow", "rocm", 4, 776.0),
        ("acme/encoder-slow", "unknown", 1, 500.0),
    ]
    # cuda 10x and 25x faster than the CPU, although the load times are equal: measured
    assert [r[4:] for r in rows[:4]] == [(False, None)] * 4
    # rocm at 1.03 and 0.97 x the CPU: median 1.00, load 3.02 s against 3.0 s, 5 ms apart
    assert [r[4:] for r in rows[6:8]] == [(True, "device fallback")] * 2
    assert rows[8][4:] == (False, None)  # a model name as hardware key is no accelerator
    audit = one(
        legacy,
        "select fallback_latency_ratio, fallback_median_latency_ratio, cpu_latency_mean_ms,"
        " fallback_has_equal_load_times, fallback_has_near_zero_device_memory,"
        " fallback_has_overlapping_timestamps, simulation_reason"
        " from simulation_flags where model_name = 'acme/encoder-slow' and batch_size = 1",
    )
    assert close(audit[0], 1.03) and close(audit[1], 1.0) and audit[2] == 200.0
    assert audit[3:6] == (True, None, True)  # no device memory reading for rocm
    assert "equal model load times (3.020 s and 3.000 s on the CPU)" in audit[6]
    assert "timestamps 0.005 s apart while the CPU configuration took 0.600 s" in audit[6]


def test_no_hardware_type_is_a_model_name(legacy):
    vocabulary = {"cpu", "cuda", "rocm", "mps", "openvino", "qnn", "webgpu", "webnn", "unknown"}
    for table in (
        "performance_results",
        "hardware_platforms",
        "hardware_compatibility",
        "integration_test_results",
        "hardware_availability_log",
        "legacy_summaries",
    ):
        found = {r[0] for r in query(legacy, f"select distinct hardware_type from {table}")}
        assert found - {None} <= vocabulary, (table, found - vocabulary)
    unknown = one(
        legacy,
        "select source_details ->> 'hardware_key_note' from performance_results"
        " where hardware_type = 'unknown'",
    )[0]
    assert unknown == (
        'hardware key "acme/encoder-slow" is not a hardware type (it names a model):'
        " the hardware is unknown"
    )
    matrix = query(
        legacy,
        "select model_name, hardware_type, is_compatible, is_tested, error_message"
        " from hardware_compatibility where source_path like '%compat_model_keys%'"
        " order by hardware_type",
    )
    assert matrix == [
        # a failure of its own on the CPU: a tested incompatibility
        (
            "acme/clip-tiny",
            "cpu",
            False,
            True,
            "RuntimeError: operator 'aten::acme_attention' is not implemented for this backend",
        ),
        # the harness crashed: not tested, never "incompatible"
        (
            "acme/clip-tiny",
            "cuda",
            None,
            False,
            "the test crashed, so nothing was tested: NameError: name 'false' is not defined",
        ),
        # the model name used as hardware key: kept, hardware unknown, and it says so
        (
            "openai/clip-vit-base-patch32",
            "unknown",
            True,
            True,
            'hardware key "openai/clip-vit-base-patch32" is not a hardware type (it names a'
            " model): the hardware is unknown",
        ),
    ]
    test = one(
        legacy,
        "select model_name, hardware_type, status, error_message, execution_time_seconds"
        " from integration_test_results where source_path like '%acme_vision_test%'",
    )
    assert test == (
        "acme/vision-small",
        None,
        "pass",
        'hardware key "acme/vision-small" is not a hardware type (it names a model):'
        " the hardware is unknown",
        0.75,
    )


def test_model_aliases_are_one_model(legacy):
    row = one(
        legacy,
        "select model_name, source_details ->> 'reported_model_name', average_latency_ms,"
        " model_id from performance_results where source_path like '%google_t5-small_cpu%'",
    )
    assert row[:3] == ("t5-small", "google/t5-small", 40.0)
    assert one(legacy, "select model_id from models where model_name = 't5-small'") == (row[3],)
    named = {r[0] for r in query(legacy, "select model_name from models")}
    assert not named & {"google/t5-small", "openai/whisper-tiny", "google/vit-base-patch16-224"}


def test_simulation_markers_in_text_are_quoted_and_denials_are_not_markers(legacy):
    rows = query(
        legacy,
        "select hardware_type, status, is_simulated, simulation_reason"
        " from integration_test_results where model_name = 'hf_acme2' order by 1",
    )
    assert rows == [
        ("cpu", "pass", False, None),  # "Success (REAL) - not simulated"
        ("cuda", "pass", True, 'cuda_output: "Simulated CUDA output for acme2"'),
        (
            "openvino",
            "pass",
            True,
            'openvino_implementation_type: "REAL - simulated for performance testing"',
        ),
        ("rocm", None, True, "rocm_example: is_simulated: true"),
    ]


def test_time_zone_inferred_for_a_whole_source_tree(legacy):
    zones = query(
        legacy,
        "select regexp_extract(source_path, '[^/]+$'), utc_offset, time_zone_basis,"
        " time_zone_evidence from legacy_file_time_zones where source_path like '%/india/%'"
        " order by 1",
    )
    # the skill test: naive 09:30:00.25 and epoch 1768104000.1 (04:00:00.1 UTC): UTC+05:30;
    # the direct runner file has no epoch: it takes its tree's offset
    assert [z[:3] for z in zones] == [
        ("direct_benchmark_acme_tz-net_cpu_20260111_094500.json", "UTC+05:30", "inferred"),
        ("hf_tz_performance_20260111_093000.json", "UTC+05:30", "inferred"),
    ]
    assert zones[1][3] == (
        'UTC+05:30 from this file: naive "2026-01-11T09:30:00.250000" and epoch 1768104000.1'
        " are the same moment"
    )
    assert zones[0][3].startswith("UTC+05:30 from 1 file(s) of its source tree ")
    measured = one(
        legacy, "select measured_at from performance_results where model_name = 'acme/tz-net'"
    )
    assert measured == (utc(2026, 1, 11, 4, 15, 0),)  # 09:45 at UTC+05:30
    # every file that carries an epoch and a naive time: they agree once read
    example = one(
        legacy,
        "select checked_at from integration_test_assertions where assertion_name ="
        " 'cpu_example' and source_path like '%hf_tz_performance%'",
    )[0]
    assert example == utc(2026, 1, 11, 4, 0, 0, 100000)


def test_an_unrecognised_file_is_registered_and_its_numbers_are_listed(legacy):
    path = str(legacy["variants"] / "unknown" / "acme_profile_20260112_070000.json")
    status = one(
        legacy, "select status, shape, reason from legacy_files where original_path = $p", p=path
    )
    assert status == (
        "registered",
        "U",
        "unrecognised shape: top-level keys engine, per_layer_times, stats",
    )
    values = query(
        legacy,
        "select json_path, metric_key, value, unit, reported_value, is_written_as_text,"
        " is_from_unrecognised_shape from legacy_metric_values where source_path = $p"
        " order by json_path",
        p=path,
    )
    assert values == [
        ("$.per_layer_times[0]", "per_layer_times", 0.5, None, 0.5, False, True),
        ("$.per_layer_times[1]", "per_layer_times", 0.25, None, 0.25, False, True),
        ("$.stats.p50_latency_ms", "p50_latency_ms", 12.5, "ms", 12.5, False, True),
        ("$.stats.peak_memory_gb", "peak_memory_gb", 1.5, "GB", 1.5, False, True),
        # written as the string "85.3": listed as written, never a value (issue 14)
        ("$.stats.tokens_per_second", "tokens_per_second", None, "tokens/s", 85.3, True, True),
        ("$.stats.warm_up_time", "warm_up_time", None, None, 0.0, False, True),
    ]
    assert one(legacy, "select count(*) from test_runs where source_path = $p", p=path) == (1,)


def test_every_number_under_a_metric_key_is_in_one_table(legacy):
    """For every registered file, the numbers listed are the ones benchdb.legacy_shapes counts
    (rows_expected of an unrecognised file); every value is positive or NULL."""
    listed = dict(
        query(legacy, "select source_path, count(*) from legacy_metric_values group by 1")
    )
    paths = [
        r[0]
        for r in query(legacy, "select original_path from legacy_files where status = 'registered'")
    ]
    for path in paths:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        assert listed.get(path, 0) == len(metric_leaves(doc)), path
    assert query(legacy, "select count(*) from legacy_metric_values where value <= 0") == [(0,)]


# ------------------------------------------------------------------ twice, and another zone


def test_migrate_and_build_twice_change_no_counts(legacy, monkeypatch):
    before = {t: query(legacy, f"select count(*) from {t}")[0][0] for t in TABLES}
    llava_sql = (
        "select executed_at from integration_test_results where test_name ="
        " 'skills/test_hf_llava.py' and hardware_type is null"
        " and source_path like '%hf_llava_performance%'"
    )
    variant_sql = (
        "select measured_at from performance_results where model_name = 'acme/encoder-xl'"
        " and batch_size = 8"
    )
    zones_sql = (
        "select time_zone_basis, count(*) from legacy_file_time_zones group by all order by all"
    )
    llava_before, variant_before = one(legacy, llava_sql)[0], one(legacy, variant_sql)[0]
    # 37 real files and 2 of the timezone tree: inferred; 13 variants: no evidence, no setting
    assert query(legacy, zones_sql) == [("assumed UTC", 13), ("inferred", 39)]
    again = invoke(
        "migrate",
        "--consolidate",
        legacy["root"] / "old",
        legacy["root"] / "users",
        legacy["root"] / "india",
        "--data-dir",
        legacy["data"],
    )
    assert "nothing new to register" in again.output
    # the same files, with a setting for naive times that no evidence decides
    monkeypatch.setenv("BENCHMARK_LEGACY_TIMEZONE", "America/Los_Angeles")
    invoke("build", "--quiet", "--data-dir", legacy["data"], "--db-path", legacy["db"])
    after = {t: query(legacy, f"select count(*) from {t}")[0][0] for t in TABLES}
    assert after == before
    assert query(legacy, zones_sql) == [("configured", 13), ("inferred", 39)]
    # the real tree's evidence decides, whatever the setting: 2025-02-28T00:19:18.914047 naive
    # is 08:19:18.914047 UTC, and the epoch example of the same test agrees with it
    assert one(legacy, llava_sql)[0] == llava_before == utc(2025, 2, 28, 8, 19, 18, 914047)
    example = one(
        legacy,
        "select a.checked_at from integration_test_assertions a where a.assertion_name ="
        " 'cpu_text_example' and a.source_path like '%hf_llava_performance%'",
    )[0]
    assert abs(example - utc(2025, 2, 28, 8, 19, 18, 466298)) < timedelta(milliseconds=1)
    assert abs(llava_before - example) < timedelta(seconds=1)
    # a variant's naive 2026-01-01T12:00:05 (no evidence in its tree): UTC, then Pacific (UTC-8)
    assert variant_before == utc(2026, 1, 1, 12, 0, 5)
    assert one(legacy, variant_sql)[0] == utc(2026, 1, 1, 20, 0, 5)
