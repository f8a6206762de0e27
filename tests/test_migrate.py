"""`benchdb migrate`: every legacy file registered once, content-addressed, with a manifest row;
bad files quarantined with a reason. Driven through the real CLI."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT_ROOT, invoke

# the 30 real legacy files, copied byte for byte from ../shared/legacy_json (SOURCES.tsv there)
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
    """The 30 files laid out under their original paths (times in folder and file names matter);
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
    assert len(sources()) == 30
    assert set(SHAPE_OF) | {TRUNCATED} == {local for local, _ in sources()}


def test_every_file_registered_with_its_manifest_row(tree, tmp_path):
    root, placed = tree
    data = tmp_path / "data"
    result = invoke("migrate", "--input-dir", root, "--data-dir", data)
    assert "29 registered, 1 quarantined" in result.output
    assert TRUNCATED not in result.output  # the report names the original path ...
    assert "database_metadata.json" in result.output and "invalid JSON" in result.output

    rows = {Path(r["original_path"]): r for r in manifest_rows(data)}
    assert len(rows) == 30
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


def test_running_twice_registers_nothing_twice(tree, tmp_path):
    root, _ = tree
    data = tmp_path / "data"
    invoke("migrate", "--input-dir", root, "--data-dir", data)
    stored_before = sorted(p for p in (data / "landing").rglob("*.json"))
    again = invoke("migrate", "--input-dir", root, "--data-dir", data)
    assert "29 already registered, 1 quarantined" in again.output
    assert "nothing new to register" in again.output
    assert len(manifest_rows(data)) == 30
    assert sorted(p for p in (data / "landing").rglob("*.json")) == stored_before


def test_changed_file_is_registered_as_a_new_version(tree, tmp_path):
    root, placed = tree
    data = tmp_path / "data"
    invoke("migrate", "--input-dir", root, "--data-dir", data)
    path = placed["perf_placeholder_bert_cpu.json"]
    path.write_text(path.read_text().replace('"throughput": 50', '"throughput": 51'))
    again = invoke("migrate", "--input-dir", root, "--data-dir", data)
    assert "1 registered, 28 already registered" in again.output
    versions = [r for r in manifest_rows(data) if r["original_path"] == str(path)]
    assert len({r["sha256"] for r in versions}) == 2


def test_dry_run_writes_nothing(tree, tmp_path):
    root, _ = tree
    data = tmp_path / "data"
    result = invoke("migrate", "--input-dir", root, "--data-dir", data, "--dry-run")
    assert "dry run, nothing written: 29 would register, 1 quarantined" in result.output
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
    # L x2, M, N, P, Q are integration; O and R are hardware; the copy of R is a duplicate
    assert "8 registered, 1 duplicate content, 1 quarantined" in result.output
    assert "21 left out by --categories" in result.output
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
    assert "5 would register" in result.output  # H x3, O, R


def test_unknown_category_is_named(tree):
    root, _ = tree
    result = invoke("migrate", "--input-dir", root, "--categories", "speed", expect_exit=1)
    assert "unknown category speed: choose from performance, hardware" in result.output


def test_no_directory_given_is_a_usage_error():
    result = invoke("migrate", expect_exit=2)
    assert "give at least one --input-dir or --consolidate directory" in result.output
