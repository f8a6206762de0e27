"""Shared by the chart, dashboard and report tests (no tests of its own).

`mixed_warehouse` is the tiny run plus a second, clearly flagged run: estimates for the tiny
models on rocm (is_simulated = true, simulation_reason 'test fixture: estimate') with round
numbers chosen so the expected values can be worked out by hand, and one `unsupported`
configuration. It is built once per session, whichever test module asks first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from runners import landing
from tests.conftest import invoke
from tests.shared_builds import once

SIMULATED_RUN = "00000000-0000-4000-8000-00000000c0de"
SIMULATED_HARDWARE = "rocm"
SIMULATED_MODELS = ("test/tiny-bert", "test/tiny-vit")
# the estimate per item: 1000 items/s x batch size, p50 1 ms, p90 1.5, p99 2, 64 MiB
SIM_THROUGHPUT_PER_BATCH = 1000.0


def estimate_rows(real_rows: list[dict]) -> list[dict]:
    """One simulated rocm row per completed cpu row of the two models (same shape)."""
    rows = []
    for real in real_rows:
        if not (
            real["status"] == "completed"
            and real["hardware_type"] == "cpu"
            and real["model_name"] in SIMULATED_MODELS
        ):
            continue
        key = (real["model_name"], real["precision"], real["batch_size"])
        rows.append(
            {
                "result_id": landing.derived_id(SIMULATED_RUN, *key),
                "run_id": SIMULATED_RUN,
                "measured_at": real["measured_at"],
                "model_name": real["model_name"],
                "model_family": real["model_family"],
                "modality": real["modality"],
                "hardware_type": SIMULATED_HARDWARE,
                "batch_size": real["batch_size"],
                "sequence_length": real["sequence_length"],
                "image_size": real["image_size"],
                "audio_seconds": real["audio_seconds"],
                "precision": real["precision"],
                "status": "completed",
                "latency_mean_ms": 1.2,
                "latency_p50_ms": 1.0,
                "latency_p90_ms": 1.5,
                "latency_p95_ms": 1.8,
                "latency_p99_ms": 2.0,
                "latency_min_ms": 0.9,
                "latency_max_ms": 2.1,
                "throughput_items_per_second": SIM_THROUGHPUT_PER_BATCH * real["batch_size"],
                "memory_peak_mb": 64.0,
                "is_simulated": True,
                "simulation_reason": "test fixture: estimate",
                "simulation_method": "test fixture (constants)",
            }
        )
    rows.append(
        {
            "result_id": landing.derived_id(SIMULATED_RUN, "unsupported"),
            "run_id": SIMULATED_RUN,
            "measured_at": real_rows[0]["measured_at"],
            "model_name": "test/tiny-whisper",
            "hardware_type": "openvino",
            "batch_size": 1,
            "precision": "fp32",
            "status": "unsupported",
            "error_type": "Unsupported",
            "error_message": "test fixture: openvino is not supported for this model",
            "is_simulated": False,
        }
    )
    return rows


def build_mixed_warehouse(tiny_run: Path, root: Path) -> Path:
    data_dir = root / "data"
    shutil.copytree(tiny_run, data_dir)
    landing_root = data_dir / "landing"
    real = [
        row
        for path in landing.landed_files(landing_root, "benchmark_results")
        for row in pq.read_table(path).to_pylist()
    ]
    run = pq.read_table(landing.landed_files(landing_root, "test_runs")[0]).to_pylist()[0]
    when = real[0]["measured_at"]
    rows = estimate_rows(real)
    landing.write_rows(landing_root, "benchmark_results", rows, SIMULATED_RUN, when)
    run.pop("schema_version")
    run.update(run_id=SIMULATED_RUN, test_name="test fixture: estimates", command_line="fixture")
    landing.write_rows(landing_root, "test_runs", [run], SIMULATED_RUN, when)
    db = root / "mixed.duckdb"
    invoke("build", "--quiet", "--data-dir", data_dir, "--db-path", db)
    return db


def mixed_warehouse_path(tiny_run: Path, tmp_path_factory) -> Path:
    """The mixed warehouse, built once per test run (fixtures in each module call it)."""
    return once(tmp_path_factory, "mixed", lambda root: build_mixed_warehouse(tiny_run, root))


def is_blank(png: Path) -> bool:
    """True when the image is (nearly) one colour: fewer than 1 % of pixels differ from the
    most common colour."""
    import matplotlib.image as mpimg

    pixels = mpimg.imread(str(png))[..., :3].reshape(-1, 3)
    values, counts = np.unique((pixels * 255).astype(np.uint8), axis=0, return_counts=True)
    return counts.max() / counts.sum() > 0.99


def empty_warehouse_path(tmp_path_factory) -> Path:
    """A warehouse built from an empty landing zone (built once per test run)."""

    def make(root: Path) -> Path:
        (root / "data").mkdir()
        db = root / "empty.duckdb"
        invoke("build", "--quiet", "--data-dir", root / "data", "--db-path", db)
        return db

    return once(tmp_path_factory, "empty", make)


def image_sources(index_html: str) -> list[str]:
    """Every <img src=...> of a page, in order."""
    import re

    return re.findall(r'<img src="([^"]+)"', index_html)
