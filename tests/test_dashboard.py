"""`benchdb chart dashboard`: index.html with every chart and the key tables; bad input."""

from __future__ import annotations

import html
import re

import pyarrow.parquet as pq
import pytest

from benchdb.reporting.dashboard import ChartSpec, plan, reference_setting
from runners import landing
from tests.conftest import invoke
from tests.test_charts_support import (
    empty_warehouse_path,
    image_sources,
    is_blank,
    mixed_warehouse_path,
)


@pytest.fixture(scope="session")
def mixed_warehouse(tiny_run, tmp_path_factory):
    return mixed_warehouse_path(tiny_run, tmp_path_factory)


@pytest.fixture(scope="module")
def dashboard(mixed_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("dash") / "dash"
    result = invoke(
        "chart", "dashboard", "--output", out, "--db-path", mixed_warehouse, "--dpi", "50"
    )
    return out, result


def test_plan_has_every_chart_type_for_each_metric():
    specs = plan(["throughput", "latency"], ["m"], ["cpu"], "cpu")
    assert [(s.chart, s.metric) for s in specs] == [
        ("heatmap", "throughput"), ("heatmap", "latency"),
        ("hardware-comparison", "throughput"), ("hardware-comparison", "latency"),
        ("model-comparison", "throughput"), ("model-comparison", "latency"),
        ("batch-size", "throughput"), ("batch-size", "latency"),
        ("history", "throughput"),
    ]  # fmt: skip
    assert ChartSpec("history", "latency", "org/model x", "cpu").file_name == (
        "history-latency-org-model-x.png"
    )


def test_reference_setting_keeps_fp32_and_each_models_most_measured_input():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "model_name": ["a", "a", "a", "a", "b", "b"],
            "precision": ["fp32", "fp32", "fp32", "fp16", "fp32", "fp32"],
            "input_label": ["seq 8", "seq 8", "seq 64", "seq 8", "224 px", "224 px"],
            "sequence_length": [8, 8, 64, 8, None, None],
            "image_size": [None, None, None, None, 224, 224],
        }
    )
    narrowed, note = reference_setting(frame)
    # a: fp32 rows are seq 8 (twice) and seq 64 (once): seq 8 wins; b keeps its one input
    assert list(narrowed.index) == [0, 1, 4, 5]
    assert "precision fp32" in note


def test_dashboard_writes_every_chart_and_the_key_tables(dashboard, mixed_warehouse):
    out, result = dashboard
    index = (out / "index.html").read_text()
    sources = image_sources(index)
    # 2 metrics x (heatmap, hardware, model, batch size) + 1 history
    assert len(sources) == 9, result.output
    assert f"wrote {out / 'index.html'} (9 charts)" in result.stdout
    for name in sources:
        assert "/" not in name and (out / name).exists()
        assert not is_blank(out / name), name
    for kind in ("heatmap", "hardware-comparison", "model-comparison", "batch-size", "history"):
        assert any(s.startswith(kind) for s in sources), kind
    assert "<h2>Model x hardware: what is known</h2>" in index
    assert "<h2>Latest result per configuration (first 200)</h2>" in index
    assert "Not drawn" not in index


def test_dashboard_without_generations_has_no_generation_table(dashboard):
    # the mixed warehouse holds forward passes only: no generation chart, no empty generation
    # table (tests/test_generation_warehouse.py checks the tables of a warehouse with some)
    out, _ = dashboard
    index = (out / "index.html").read_text()
    assert "Generation:" not in index
    assert "Forward passes; generations (time to first token" in index


def test_dashboard_states_how_many_results_are_simulated(dashboard, tiny_run):
    out, _ = dashboard
    index = (out / "index.html").read_text()
    note = re.search(r'<p class="simulated-note" id="simulated-count">([^<]*)</p>', index)
    # the fixture adds one rocm estimate per completed cpu row of tiny-bert and tiny-vit
    real = [
        r
        for path in landing.landed_files(tiny_run / "landing", "benchmark_results")
        for r in pq.read_table(path).to_pylist()
    ]
    completed = sum(r["status"] == "completed" for r in real)
    estimates = sum(
        r["status"] == "completed" and r["hardware_type"] == "cpu"
        and r["model_name"] in ("test/tiny-bert", "test/tiny-vit")
        for r in real
    )  # fmt: skip
    assert estimates == 8  # 2 models x 2 precisions x batch 1 and 2
    assert html.unescape(note.group(1)).startswith(
        f"{estimates} of {completed + estimates} results are simulated"
    )


def test_bare_dashboard_works_with_defaults(tiny_warehouse, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BENCHMARK_DB_PATH", str(tiny_warehouse))
    result = invoke("chart", "dashboard", "--output", "dash")
    index = (tmp_path / "dash" / "index.html").read_text()
    assert len(image_sources(index)) == 9, result.output
    assert "0 of " in index and "every number is a measurement" in index


def test_dashboard_choices_are_checked(mixed_warehouse, tmp_path):
    result = invoke(
        "chart",
        "dashboard",
        "--model",
        "nope",
        "--output",
        tmp_path / "d",
        "--db-path",
        mixed_warehouse,
        expect_exit=1,
    )
    assert "model 'nope' is not in the warehouse; models with results:" in result.output
    result = invoke(
        "chart",
        "dashboard",
        "--metric",
        "throughput,speed",
        "--output",
        tmp_path / "d",
        "--db-path",
        mixed_warehouse,
        expect_exit=1,
    )
    assert "unknown metric 'speed'" in result.output
    missing = tmp_path / "no" / "such" / "dash"
    result = invoke(
        "chart", "dashboard", "--output", missing, "--db-path", mixed_warehouse, expect_exit=1
    )
    assert f"output folder {missing.parent} does not exist" in result.output
    assert not missing.parent.exists()


def test_dashboard_for_chosen_models_and_hardware(mixed_warehouse, tmp_path):
    out = tmp_path / "d"
    invoke(
        "chart",
        "dashboard",
        "--model",
        "test/tiny-vit",
        "--hardware",
        "rocm",
        "--metric",
        "memory",
        "--output",
        out,
        "--db-path",
        mixed_warehouse,
    )
    sources = image_sources((out / "index.html").read_text())
    assert sources == [
        "heatmap-memory-all.png",
        "hardware-comparison-memory-test-tiny-vit.png",
        "model-comparison-memory-rocm.png",
        "batch-size-memory-test-tiny-vit.png",
        "history-memory-test-tiny-vit.png",
    ]


def test_empty_warehouse_says_so(tmp_path_factory, tmp_path):
    empty = empty_warehouse_path(tmp_path_factory)
    result = invoke(
        "chart", "dashboard", "--output", tmp_path / "d", "--db-path", empty, expect_exit=1
    )
    assert result.output.strip().splitlines() == [
        "Error: the warehouse has no completed results yet: nothing to chart "
        "(run `benchdb run` and `benchdb build` first)"
    ]
    assert not (tmp_path / "d").exists()
    result = invoke(
        "chart", "heatmap", "--output", tmp_path / "h.png", "--db-path", empty, expect_exit=1
    )
    assert "no completed results yet" in result.output and not (tmp_path / "h.png").exists()
