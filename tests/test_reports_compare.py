"""`benchdb compare`: hardware side by side for a model, models side by side on hardware."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import invoke
from tests.test_charts_support import mixed_warehouse_path


@pytest.fixture(scope="session")
def mixed_warehouse(tiny_run, tmp_path_factory):
    return mixed_warehouse_path(tiny_run, tmp_path_factory)


def _table(text: str) -> list[list[str]]:
    """The rows of a text table (header first), split on runs of two spaces."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("precision"))
    rows = [lines[start]] + [
        ln
        for ln in lines[start + 2 :]
        if not ln.startswith(("throughput:", "latency:", "memory:", "*", "none", "best over"))
    ]
    return [[c.strip() for c in row.split("  ") if c.strip()] for row in rows]


def test_hardware_side_by_side_marks_estimates(mixed_warehouse):
    result = invoke(
        "compare",
        "--model",
        "test/tiny-vit",
        "--metric",
        "throughput",
        "--batch-size",
        "2",
        "--db-path",
        mixed_warehouse,
    )
    rows = _table(result.stdout)
    assert rows[0] == ["precision", "batch_size", "input_label", "cpu", "rocm", "best_hardware"]
    # the rocm estimate: 1000 items/s per item x batch 2 = 2000, marked *
    assert [r[4] for r in rows[1:]] == ["2000.000*", "2000.000*"]
    assert [r[0] for r in rows[1:]] == ["bf16", "fp32"]
    # the cpu was measured in both rows: it is the best hardware, whatever the estimate says
    assert [r[5] for r in rows[1:]] == ["cpu", "cpu"]
    assert "* simulated (an estimate, not a measurement): 2 of 4 values" in result.stdout


def test_models_side_by_side_on_a_hardware_type(mixed_warehouse):
    result = invoke(
        "compare", "--hardware", "rocm", "--metric", "latency", "--db-path", mixed_warehouse
    )
    rows = _table(result.stdout)
    assert rows[0] == [
        "precision",
        "batch_size",
        "test/tiny-bert (seq 16)",
        "test/tiny-vit (32 px)",
        "best_model",
    ]
    # 2 precisions x batch 1 and 2; every estimate has p50 1 ms
    assert [r[:4] for r in rows[1:]] == [
        ["bf16", "1", "1.000*", "1.000*"],
        ["bf16", "2", "1.000*", "1.000*"],
        ["fp32", "1", "1.000*", "1.000*"],
        ["fp32", "2", "1.000*", "1.000*"],
    ]
    assert "8 of 8 values" in result.stdout
    # nothing was measured on rocm: the best model is an estimate, and says so
    assert [r[4] for r in rows[1:]] == ["test/tiny-bert (seq 16)*"] * 4
    assert "median (p50) latency in ms, lower is better" in result.stdout


def test_csv_keeps_numbers_and_lists_the_simulated_series(mixed_warehouse):
    result = invoke(
        "compare",
        "--model",
        "test/tiny-bert",
        "--metric",
        "memory",
        "--precision",
        "fp32",
        "--batch-size",
        "1",
        "--format",
        "csv",
        "--db-path",
        mixed_warehouse,
    )
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["rocm"] == "64.0" and row["simulated"] == "rocm"
    assert float(row["cpu"]) > 0


def test_bad_input(mixed_warehouse):
    both = invoke(
        "compare", "--model", "x", "--hardware", "cpu", "--db-path", mixed_warehouse, expect_exit=2
    )
    assert "exactly one of --model or --hardware" in both.output
    unknown = invoke("compare", "--model", "nope", "--db-path", mixed_warehouse, expect_exit=1)
    assert "models with results: test/tiny-bert, test/tiny-vit, test/tiny-whisper" in (
        unknown.output
    )
    metric = invoke(
        "compare",
        "--hardware",
        "cpu",
        "--metric",
        "speed",
        "--db-path",
        mixed_warehouse,
        expect_exit=1,
    )
    assert metric.output.strip() == (
        "Error: unknown metric 'speed': choose one of throughput, latency, memory"
    )
    empty = invoke(
        "compare",
        "--hardware",
        "rocm",
        "--precision",
        "fp16",
        "--db-path",
        mixed_warehouse,
        expect_exit=1,
    )
    assert "no completed results for hardware rocm at precision fp16" in empty.output
