"""Shared fixtures: a real run of tiny models into a temporary landing zone, and a warehouse
built from it with dbt. Both are made once per test run and shared by the xdist workers
(tests/shared_builds.py): the run takes seconds, the build a few more."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from benchdb.cli import main  # noqa: E402
from tests.shared_builds import once  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent

TINY_MODELS = "test/tiny-bert,test/tiny-vit,test/tiny-whisper"
FAST_TIMING = ["--warmup", "1", "--min-iterations", "20", "--min-duration", "0.05"]


def pytest_collection_modifyitems(config, items) -> None:
    """The Spark build's file first: `make test` hands whole files to two workers in this order,
    and the longest file started last would leave the other worker idle at the end."""
    items.sort(key=lambda item: item.get_closest_marker("spark") is None)


def invoke(*args: str, expect_exit: int | None = 0):
    """Run the real CLI in-process; checks the exit code unless expect_exit is None."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    if expect_exit is not None:
        assert result.exit_code == expect_exit, result.output
    return result


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """Data dir holding one real run: 3 tiny models x cpu/cuda x fp32/bf16 x batch 1, 2."""

    def make(data_dir: Path) -> Path:
        invoke(
            "run",
            "--model",
            TINY_MODELS,
            "--hardware",
            "cpu,cuda",
            "--batch-size",
            "1,2",
            "--precision",
            "fp32,bf16",
            "--sequence-length",
            "16",
            *FAST_TIMING,
            "--data-dir",
            data_dir,
        )
        return data_dir

    return once(tmp_path_factory, "tiny-run", make)


@pytest.fixture(scope="session")
def tiny_warehouse(tiny_run, tmp_path_factory) -> Path:
    """A warehouse built by `benchdb build` over the tiny run."""

    def make(folder: Path) -> Path:
        db = folder / "benchmark.duckdb"
        invoke("build", "--quiet", "--data-dir", tiny_run, "--db-path", db)
        return db

    return once(tmp_path_factory, "tiny-warehouse", make)
