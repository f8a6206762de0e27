"""`benchdb migrate`: every legacy file registered once, content-addressed, with a manifest row;
bad files quarantined with a reason. Driven through the real CLI."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT_ROOT, invoke

# the 38 real legacy files, copied byte for byte from ../shared/legacy_json (SOURCES.tsv there)
LEGACY_DIR = PROJECT_ROOT / "tests" / "fixtures" / "legacy" / "real"

# Written by hand from SHAPES.md (file name prefix per family) and from reading each file.
SHAPE_OF = {
    "perf_direct_runner_bert-tiny_cpu.json": "A",
    "perf_direct_runner_batch2_bert-tiny_cpu.json": "A",
    "perf_direct_runner_failed_batch_deit_cpu.json": "A",
    "perf_batch_wrapper_cpu_6models.json": "B",
    "perf_progress_failed_run.json": "C",
    "perf_placeholder_bert_cpu.json": "D",
    "perf_suite_embedding_cpu_cuda_openvino.json": "E",
    "perf_suite_vision_cpu.json": "E",
    "perf_suite_audio_cpu_timeouts_failures.json": "E",
    "perf_suite_multimodal_clip_cpu.json": "E",
    "perf_suite_textgen_all_failed.json": "E",
    "perf_run_toplevel_error_tracebacks.json": "F",
    "perf_suite_summary_positional_lists.json": "G",
    "compat_matrix_with_results.json": "H",
    "compat_matrix_all_false_nulls.json": "H",
    "compat_matrix_empty_iso_ts.json": "H",
    "perf_suite_config_embedding.json": "I",
    "web_result_simulated_webgpu_bert.json": "J",
    "web_result_simulated_webnn_whisper.json": "J",
    "web_platform_comparison_handwritten.json": "K",
    "integ_skill_llava_real_mock_status.json": "L",
    "integ_skill_bert_status_examples.json": "L",
    "integ_skill_subprocess_json_parse_error.json": "M",
    "integ_critical_models_summary.json": "N",
    "integ_hardware_windows_errors.json": "O",
    "integ_validation_toplevel_list.json": "P",
    "integ_functionality_report_failed.json": "Q",
    "odd_real_vs_sim_failure.json": "R",
    "web_browser_compare_epoch_name.json": "T",
    # the eight handed over later (SHAPES.md, "More real files"), shapes worked out by hand
    "integ_skill_whisper_epoch_and_local_time.json": "L",  # flat skill test, as llava
    "integ_skill_lm_generation_metadata.json": "L",  # results.status + examples, as bert
    "integ_subprocess_json_result_examples.json": "M",  # a capture, with a json_result
    "skills_wrapper_whisper_json_result.json": "V",  # skill_tests{file: capture}
    "perf_test_results_multi_hardware_mock.json": "W",  # results{file: performance_metrics}
    "hw_test_clip_cpu.json": "X",  # results{hardware key: checks}, metadata.model_id
    "suite_benchmark_models_list.json": "Y",  # {short name: {name, family, modality}}
    "generation_summary.json": "Z",  # generation_stats, generation_results
}
TRUNCATED = "odd_truncated_invalid_db_metadata.json"


def sources() -> list[tuple[str, str]]:
    """(local file, original repository path) from SOURCES.tsv."""
    rows = []
    for line in (LEGACY_DIR / "SOURCES.tsv").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            local, original = line.split("\t")[:2]
            rows.append((local, original))
    return rows


def build_legacy_tree(root: Path) -> dict[str, Path]:
    """The 38 files laid out under their original paths (times in folder and file names matter);
    returns local file name -> path in the tree."""
    placed = {}
    for local, original in sources():
        target = root / "ipfs_accelerate_py" / original
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LEGACY_DIR / local, target)
        placed[local] = target
    return placed


def manifest_rows(data_dir: Path) -> list[dict]:
    rows = []
    for path in sorted((data_dir / "landing/legacy_manifest").glob("run_date=*/*.parquet")):
        rows.extend(pq.read_table(path).to_pylist())
    return rows


@pytest.fixture
def tree(tmp_path) -> tuple[Path, dict[str, Path]]:
    root = tmp_path / "old"
    return root, build_legacy_tree(root)


def test_the_test_bed_is_complete():
    assert len(sources()) == 38
    assert set(SHAPE_OF) | {TRUNCATED} == {local for local, _ in sources()}


def test_every_file_registered_with_its_manifest_row(tree, tmp_path):
    root, placed = tree
    data = tmp_path / "data"
    result = invoke("migrate", "--input-dir", root, "--data-dir", data)
    assert "37 registered, 1 quarantined" in result.output
    assert TRUNCATED not in result.output  # the report names the original path ...
    assert "database_metadata.json" in result.output and "invalid JSON" in result.output

    rows = {Path(r["original_path"]): r for r in manifest_rows(data)}
    assert len(rows) == 38
    for local, path in placed.items():
        row = rows[path]
        content = path.read_bytes()
        assert row["size_bytes"] == len(content)
        assert row["sha256"] == hashlib.sha256(content).hexdigest()
        if local == TRUNCATED:
            assert row["status"] == "quarantined"
            assert row["reason"].startswith("invalid JSON: Expecting value at line 5")
            stored = data / "landing" / row["stored_path"]
            assert stored.parent.parent.name == "legacy_quarantine"
        else:
            assert (row["status"], row["shape"]) == ("registered", SHAPE_OF[local]), local
            stored = data / "landing" / row["stored_path"]
            assert stored == data / f"landing/legacy_files/{row['sha256'][:2]}/{row['sha256']}.json"
        assert stored.read_bytes() == content  # copied byte for byte, nothing lost
    by_local = {local: rows[path] for local, path in placed.items()}
    assert by_local["compat_matrix_with_results.json"]["category"] == "compatibility"
    assert by_local["integ_hardware_windows_errors.json"]["category"] == "hardware"
    assert by_local["integ_validation_toplevel_list.json"]["category"] == "integration"
    assert by_local["perf_suite_vision_cpu.json"]["category"] == "performance"
    # times written in the path, outermost first (SOURCES.tsv column 2)
    assert by_local["perf_suite_vision_cpu.json"]["path_time_tokens"] == [
        "20250305_195254",
        "20250305_195301",
        "20250305_215047",
        "20250305_215053",
    ]
    assert by_local["web_browser_compare_epoch_name.json"]["path_time_tokens"] == ["1741232337"]
    assert by_local["integ_validation_toplevel_list.json"]["path_time_tokens"] == []


def test_rows_expected_are_counted_per_shape(tree, tmp_path):
    root, placed = tree
    invoke("migrate", "--input-dir", root, "--data-dir", tmp_path / "data")
    rows = {Path(r["original_path"]): r for r in manifest_rows(tmp_path / "data")}
    by_local = {local: rows[path]["rows_expected"] for local, path in placed.items()}
    # counted by hand: batches, configurations, tests, matrix entries
    assert by_local["perf_direct_runner_batch2_bert-tiny_cpu.json"] == 2
    assert by_local["perf_placeholder_bert_cpu.json"] == 2
    assert by_local["perf_suite_vision_cpu.json"] == 3 * 6  # 3 models x 3 batches x 2 sizes
    assert by_local["perf_suite_textgen_all_failed.json"] == 3 * 2 * 3  # models x hw x seq
    assert by_local["integ_validation_toplevel_list.json"] == 13
    # 5 families x 3 hardware; text_generation lists 3 models on cpu and on openvino
    assert by_local["compat_matrix_all_false_nulls.json"] == 13 + 3 + 3
    assert by_local["compat_matrix_empty_iso_ts.json"] == 0
    # the eight later files: one integration test result per test and platform
    # whisper: the test as a whole, cpu, cuda, openvino, apple (mps), qualcomm (qnn)
    assert by_local["integ_skill_whisper_epoch_and_local_time.json"] == 6
    assert by_local["integ_skill_lm_generation_metadata.json"] == 6  # the same six
    # json_result.status names cpu, cuda and openvino; plus the capture as a whole
    assert by_local["integ_subprocess_json_result_examples.json"] == 4
    assert by_local["skills_wrapper_whisper_json_result.json"] == 6  # as the flat whisper
    # 12 test files as a whole; 8 of them with cpu, cuda, openvino, apple, qualcomm blocks
    assert by_local["perf_test_results_multi_hardware_mock.json"] == 12 + 8 * 5
    assert by_local["hw_test_clip_cpu.json"] == 1  # results.cpu
    assert by_local["suite_benchmark_models_list.json"] == 0  # a list of models, no results
    assert by_local["generation_summary.json"] == 0  # generated test files, no results


def test_running_twice_registers_nothing_twice(tree, tmp_path):
    root, _ = tree
    data = tmp_path / "data"
    invoke("migrate", "--input-dir", root, "--data-dir", data)
    stored_before = sorted(p for p in (data / "landing").rglob("*.json"))
    again = invoke("migrate", "--input-dir", root, "--data-dir", data)
    assert "37 already registered, 1 quarantined" in again.output
    assert "nothing new to register" in again.output
    assert len(manifest_rows(data)) == 38
    assert sorted(p for p in (data / "landing").rglob("*.json")) == stored_before


def test_changed_file_is_registered_as_a_new_version(tree, tmp_path):
    root, placed = tree
    data = tmp_path / "data"
    invoke("migrate", "--input-dir", root, "--data-dir", data)
    path = placed["perf_placeholder_bert_cpu.json"]
    path.write_text(path.read_text().replace('"throughput": 50', '"throughput": 51'))
    again = invoke("migrate", "--input-dir", root, "--data-dir", data)
    assert "1 registered, 36 already registered" in again.output
    versions = [r for r in manifest_rows(data) if r["original_path"] == str(path)]
    assert len({r["sha256"] for r in versions}) == 2


def test_dry_run_writes_nothing(tree, tmp_path):
    root, _ = tree
    data = tmp_path / "data"
    result = invoke("migrate", "--input-dir", root, "--data-dir", data, "--dry-run")
    assert "dry run, nothing written: 37 would register, 1 quarantined" in result.output
    assert "E      suite_results" in result.output
    assert not data.exists()


def test_categories_filter_and_consolidate_several_directories(tree, tmp_path):
    root, _ = tree
    data = tmp_path / "data"
    ci = tmp_path / "ci_results"
    ci.mkdir()
    # the same content found in a second tree is kept once (a duplicate of the first)
    shutil.copyfile(LEGACY_DIR / "odd_real_vs_sim_failure.json", ci / "copy.json")
    result = invoke(
        "migrate",
        "--consolidate",
        root / "ipfs_accelerate_py/test",
        ci,
        "--categories",
        "integration",
        "hardware",
        "--data-dir",
        data,
    )
    # L x4, M x2, N, P, Q, V, W, Z are integration; O, R and X are hardware; the copy of R
    # is a duplicate
    assert "15 registered, 1 duplicate content, 1 quarantined" in result.output
    assert "22 left out by --categories" in result.output
    rows = manifest_rows(data)
    assert {r["category"] for r in rows if r["status"] != "quarantined"} == {
        "integration",
        "hardware",
    }
    (duplicate,) = [r for r in rows if r["status"] == "duplicate"]
    assert duplicate["original_path"] == str(ci / "copy.json")


def test_categories_accept_commas(tree, tmp_path):
    root, _ = tree
    result = invoke(
        "migrate", "--input-dir", root, "--categories", "compatibility,hardware", "--dry-run"
    )
    assert "6 would register" in result.output  # H x3, O, R, X


def test_unknown_category_is_named(tree):
    root, _ = tree
    result = invoke("migrate", "--input-dir", root, "--categories", "speed", expect_exit=1)
    assert "unknown category speed: choose from performance, hardware" in result.output


def test_no_directory_given_is_a_usage_error():
    result = invoke("migrate", expect_exit=2)
    assert "give at least one --input-dir or --consolidate directory" in result.output


def test_unrecognised_structure_is_registered_with_its_numbers_counted(tmp_path):
    """A structure no parser knows is registered (shape U, its reason kept), never quarantined
    with its numbers; rows_expected counts its numbers under metric-like keys, whatever
    --categories asks for."""
    root = tmp_path / "old"
    root.mkdir()
    (root / "odd.json").write_text(
        '{"engine": "acme-rt", "stats": {"p50_latency_ms": 12.5, "peak_memory_gb": 1.5,'
        ' "tokens_per_second": "85.3", "warm_up_time": 0, "iterations": 20,'
        ' "started_timestamp": 1767600000}, "per_layer_times": [0.5, 0.25]}'
    )
    (root / "list.json").write_text('[{"elapsed_seconds": 2}, 3]')
    data = tmp_path / "data"
    result = invoke("migrate", "--input-dir", root, "--categories", "hardware", "--data-dir", data)
    assert "2 registered" in result.output and "quarantined" not in result.output
    assert "unrecognised shape (2): registered" in result.output
    rows = {Path(r["original_path"]).name: r for r in manifest_rows(data)}
    odd = rows["odd.json"]
    assert (odd["status"], odd["shape"], odd["shape_family"], odd["category"]) == (
        "registered",
        "U",
        "metric_values",
        None,
    )
    assert odd["reason"] == "unrecognised shape: top-level keys engine, per_layer_times, stats"
    # p50_latency_ms, peak_memory_gb, tokens_per_second (text), warm_up_time (0: counted, NULL
    # as a value later), per_layer_times x2; not iterations, not the timestamp
    assert odd["rows_expected"] == 6
    assert rows["list.json"]["rows_expected"] == 1  # elapsed_seconds; the bare 3 has no key
    assert rows["list.json"]["reason"] == (
        "unrecognised shape: a top-level JSON array whose items are not test records"
    )
    stored = data / "landing" / odd["stored_path"]
    assert stored.parent.parent.name == "legacy_files"
