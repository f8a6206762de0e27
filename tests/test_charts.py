"""Charts: pure functions DataFrame -> ggplot with the right data and mappings; every chart
type rendered to a non-blank PNG through the real CLI; bad input as one-line errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from plotnine import ggplot

from benchdb.reporting import chart_data, charts, data
from benchdb.reporting.data import ReportError
from tests.conftest import invoke
from tests.test_charts_support import (
    SIM_THROUGHPUT_PER_BATCH,
    is_blank,
    mixed_warehouse_path,
)


@pytest.fixture(scope="session")
def mixed_warehouse(tiny_run, tmp_path_factory):
    return mixed_warehouse_path(tiny_run, tmp_path_factory)


def _rows(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


HW = _rows(
    model_name=["bert"] * 4,
    hardware_type=["cpu", "cuda", "rocm", "mps"],
    precision=["fp32"] * 4,
    batch_size=[1] * 4,
    configuration_label=["batch 1, seq 128"] * 4,
    throughput_items_per_second=[100.0, 400.0, 250.0, None],
    latency_p50_ms=[10.0, 2.5, 4.0, None],
    latency_p90_ms=[12.0, 3.0, 5.0, None],
    latency_p99_ms=[15.0, 4.0, 6.0, None],
    memory_peak_mb=[50.0, 60.0, 70.0, None],
    is_simulated=[False, False, True, False],
)


def _layer_mappings(plot: ggplot) -> list[tuple[str, dict]]:
    """(geom, mapping) of each drawn layer (expand_limits' geom_blank left out)."""
    layers = [(type(layer.geom).__name__, dict(layer.mapping)) for layer in plot.layers]
    return [(geom, mapping) for geom, mapping in layers if geom != "geom_blank"]


def test_hardware_comparison_bars_with_simulated_rows_faded():
    plot = charts.hardware_comparison_chart(HW, "throughput", "bert")
    assert isinstance(plot, ggplot)
    # mps has no throughput: it is not drawn at all
    assert list(plot.data["hardware_type"]) == ["cpu", "cuda", "rocm"]
    assert list(plot.data["result"]) == [charts.MEASURED, charts.MEASURED, charts.SIMULATED]
    ((geom, mapping),) = _layer_mappings(plot)
    assert geom == "geom_col"
    assert mapping == {
        "x": "hardware_type",
        "y": "throughput_items_per_second",
        "fill": "precision",
        "alpha": "result",
        "linetype": "result",
    }
    assert plot.labels.caption.startswith("3 results, 1 simulated")
    assert "throughput" in plot.labels.title.lower() and "bert" in plot.labels.title
    assert list(plot.facet.vars) == ["configuration_label"]
    # the input frame is not changed
    assert "result" not in HW.columns and len(HW) == 4


def test_latency_shows_p50_with_p90_and_p99_spread():
    plot = charts.hardware_comparison_chart(HW, "latency", "bert")
    layers = _layer_mappings(plot)
    assert [g for g, _ in layers] == ["geom_linerange", "geom_linerange", "geom_point"]
    assert layers[0][1]["ymin"] == "latency_p50_ms" and layers[0][1]["ymax"] == "latency_p99_ms"
    assert layers[1][1]["ymin"] == "latency_p50_ms" and layers[1][1]["ymax"] == "latency_p90_ms"
    assert layers[2][1]["y"] == "latency_p50_ms" and layers[2][1]["shape"] == "result"
    assert "p99" in plot.labels.caption


def test_model_comparison_panels_per_batch_size():
    frame = _rows(
        hardware_type=["cpu"] * 3,
        model_name=["a", "b", "a"],
        model_label=["a (seq 8)", "b (224 px)", "a (seq 8)"],
        precision=["fp32"] * 3,
        batch_size=[1, 1, 4],
        memory_peak_mb=[10.0, 20.0, 30.0],
        is_simulated=[False, True, False],
    )
    plot = charts.model_comparison_chart(frame, "memory", "cpu")
    assert list(plot.data["batch_label"]) == ["batch 1", "batch 1", "batch 4"]
    assert _layer_mappings(plot)[0][1]["x"] == "model_label"
    assert _layer_mappings(plot)[0][1]["y"] == "memory_peak_mb"
    assert plot.labels.caption.startswith("3 results, 1 simulated")


def test_batch_size_chart_uses_a_log2_axis_with_the_measured_batch_sizes():
    frame = _rows(
        model_name=["m"] * 3,
        hardware_type=["cpu"] * 3,
        precision=["fp32"] * 3,
        input_label=["seq 8"] * 3,
        batch_size=[1, 4, 16],
        throughput_items_per_second=[10.0, 30.0, 80.0],
        is_simulated=[False] * 3,
    )
    plot = charts.batch_size_chart(frame, "throughput", "m")
    assert list(plot.data["series"]) == ["cpu fp32"] * 3
    x_scale = plot.scales.get_scales("x")
    assert x_scale.breaks == [1, 4, 16]
    assert "log2" in type(x_scale.trans).__name__.lower() or "log" in str(x_scale.trans)
    assert plot.labels.caption == "3 results, none simulated"


def test_heatmap_draws_rpt_best_results_of_one_metric_and_marks_estimates():
    # rows of rpt_best_results: a's cuda tile is an estimate (nothing of a was measured on
    # cuda); the latency rows belong to another chart; b has no cuda row at all
    frame = _rows(
        model_name=["a", "a", "b", "a", "b"],
        hardware_type=["cpu", "cuda", "cpu", "cpu", "cpu"],
        metric=["throughput_items_per_second"] * 3 + ["latency_p50_ms"] * 2,
        value=[100.0, 2500.0, 40.0, 3.5, 9.25],
        is_simulated=[False, True, False, False, False],
    )
    plot = charts.heatmap_chart(frame, "throughput")
    assert sorted(plot.data["hardware_type"].unique()) == ["cpu", "cuda"]
    assert list(plot.data["label"]) == ["100.0", "2,500 (sim)", "40.0"]
    assert list(plot.data["result"]) == [charts.MEASURED, charts.SIMULATED, charts.MEASURED]
    mapping = _layer_mappings(plot)[0][1]
    assert mapping == {"fill": "value", "alpha": "result", "linetype": "result"}
    assert "'(sim)': an estimate, shown only where nothing was measured" in plot.labels.caption
    latency = charts.heatmap_chart(frame, "latency")
    assert list(latency.data["label"]) == ["3.5", "9.25"]
    with pytest.raises(ReportError, match="no memory values"):
        charts.heatmap_chart(frame, "memory")


def test_history_keeps_the_configurations_with_most_results():
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = []
    for config in range(12):  # config k has k + 1 results
        for i in range(config + 1):
            rows.append(
                {
                    "model_name": "m",
                    "hardware_type": "cpu",
                    "configuration_label": f"batch {config + 1}, fp32, seq 8",
                    "measured_at": start + timedelta(days=i),
                    "throughput_items_per_second": 10.0 + i,
                    "is_simulated": False,
                }
            )
    plot = charts.history_chart(pd.DataFrame(rows), "throughput", "m", "cpu")
    # one colour each, at most 8 (Okabe-Ito): the 8 configurations with the most results,
    # batch 5 .. 12 (5 + 6 + ... + 12 = 68 rows); 4 left out
    assert charts.MAX_HISTORY_SERIES == 8
    assert plot.data["configuration_label"].nunique() == 8
    assert len(plot.data) == 68
    kept = {label.split(",")[0] for label in plot.data["configuration_label"].unique()}
    assert kept == {f"batch {b}" for b in range(5, 13)}
    assert "showing 8 of 12 configurations (those with the most results), 4 left out" in (
        " ".join(plot.labels.caption.split())
    )


def test_an_empty_selection_is_an_error_not_an_empty_chart():
    with pytest.raises(ReportError, match="nothing to chart"):
        charts.hardware_comparison_chart(HW.iloc[0:0], "throughput", "bert")
    with pytest.raises(ReportError, match="no memory values"):
        charts.hardware_comparison_chart(HW.iloc[3:4], "memory", "bert")
    with pytest.raises(ReportError, match="unknown metric 'speed': choose one of throughput"):
        charts.hardware_comparison_chart(HW, "speed")


# ---------------------------------------------------------------- through the marts


def test_simulated_rocm_rows_reach_the_chart_flagged(mixed_warehouse):
    with data.connect(mixed_warehouse) as con:
        frame = chart_data.hardware_comparison(con, "test/tiny-bert", batch_size=2)
    plot = charts.hardware_comparison_chart(frame, "throughput", "test/tiny-bert")
    by_hw = plot.data.set_index(["hardware_type", "precision"])
    assert by_hw.loc[("rocm", "fp32"), "result"] == charts.SIMULATED
    assert by_hw.loc[("cpu", "fp32"), "result"] == charts.MEASURED
    # the fixture's estimate: 1000 items/s per item of batch
    assert by_hw.loc[("rocm", "fp32"), "throughput_items_per_second"] == (
        2 * SIM_THROUGHPUT_PER_BATCH
    )
    # no unavailable or unsupported hardware is drawn: only what completed
    assert set(plot.data["hardware_type"]) <= {"cpu", "cuda", "rocm"}


@pytest.mark.parametrize(
    "chart, args",
    [
        ("hardware-comparison", ["--model", "test/tiny-bert"]),
        ("model-comparison", ["--hardware", "cpu"]),
        ("batch-size", ["--model", "test/tiny-vit", "--hardware", "cpu"]),
        ("heatmap", []),
        ("history", ["--model", "test/tiny-whisper"]),
    ],
)
@pytest.mark.parametrize("metric", ["throughput", "latency"])
def test_every_chart_type_renders_a_non_blank_png(mixed_warehouse, tmp_path, chart, args, metric):
    out = tmp_path / f"{chart}.png"
    result = invoke(
        "chart",
        chart,
        *args,
        "--metric",
        metric,
        "--output",
        out,
        "--db-path",
        mixed_warehouse,
        "--dpi",
        "60",
    )
    assert f"wrote {out}" in result.stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not is_blank(out)


def test_svg_and_pdf_by_suffix(mixed_warehouse, tmp_path):
    svg, pdf = tmp_path / "h.svg", tmp_path / "h.pdf"
    invoke("chart", "heatmap", "--metric", "memory", "--output", svg, "--db-path", mixed_warehouse)
    invoke("chart", "heatmap", "--output", pdf, "--db-path", mixed_warehouse)
    assert b"<svg" in svg.read_bytes()[:2000]
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_defaults_pick_a_model_and_say_so(mixed_warehouse, tmp_path):
    out = tmp_path / "hw.png"
    result = invoke("chart", "hardware-comparison", "--output", out, "--db-path", mixed_warehouse)
    # tiny-bert and tiny-vit ran on cpu (and the estimates on rocm); tiny-bert comes first
    assert "no --model given: charting test/tiny-bert" in result.stderr
    assert out.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["hardware-comparison", "--model", "no-such-model"],
            "model 'no-such-model' is not in the warehouse; models with results: test/tiny-bert, "
            "test/tiny-vit, test/tiny-whisper",
        ),
        (
            ["hardware-comparison", "--model", "gpt2"],
            "model 'gpt2' has no completed results; models with results: test/tiny-bert",
        ),
        (
            ["model-comparison", "--hardware", "webgpu"],
            "hardware 'webgpu' has no completed results; hardware types with results: cpu",
        ),
        (
            ["heatmap", "--metric", "speed"],
            "unknown metric 'speed': choose one of throughput, latency, memory",
        ),
        (
            ["hardware-comparison", "--model", "test/tiny-bert", "--precision", "int4"],
            "no completed results for model test/tiny-bert at precision int4",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_valid_values(mixed_warehouse, tmp_path, args, message):
    out = tmp_path / "x.png"
    result = invoke("chart", *args, "--output", out, "--db-path", mixed_warehouse, expect_exit=1)
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: " + message), result.output
    assert not any("Traceback" in line for line in lines)
    assert not out.exists()


def test_output_folder_and_suffix_are_checked(mixed_warehouse, tmp_path):
    missing = tmp_path / "nowhere" / "x.png"
    result = invoke(
        "chart", "heatmap", "--output", missing, "--db-path", mixed_warehouse, expect_exit=1
    )
    assert f"output folder {missing.parent} does not exist" in result.output
    result = invoke(
        "chart",
        "heatmap",
        "--output",
        tmp_path / "x.gif",
        "--db-path",
        mixed_warehouse,
        expect_exit=1,
    )
    assert "must end in .png or .svg or .pdf" in result.output


def test_old_visualizer_functions_write_files(mixed_warehouse, tmp_path):
    from benchdb.reporting import visualizer

    path = visualizer.create_hardware_heatmap(
        metric="latency", output_file=tmp_path / "heat.png", db_path=mixed_warehouse
    )
    assert path.exists() and not is_blank(path)
    path = visualizer.create_batch_size_comparison_chart(
        "test/tiny-vit", "cpu", "memory", tmp_path / "b.svg", db_path=mixed_warehouse
    )
    assert path.suffix == ".svg" and path.exists()


def test_history_of_one_run_seconds_apart_renders(tmp_path):
    # all results of one run lie seconds apart: mizani's own date breaks fail on such spans
    start = datetime(2026, 1, 1, 12, 0, 0, 500_000, tzinfo=timezone.utc)
    frame = pd.DataFrame(
        {
            "model_name": ["m"] * 3,
            "hardware_type": ["cpu"] * 3,
            "configuration_label": ["batch 1, fp32, seq 8"] * 3,
            "measured_at": [start + timedelta(seconds=1.7 * i) for i in range(3)],
            "latency_p50_ms": [1.0, 1.1, 1.2],
            "latency_p90_ms": [1.5, 1.6, 1.7],
            "latency_p99_ms": [2.0, 2.1, 2.2],
            "is_simulated": [False, False, True],
        }
    )
    out = charts.save(charts.history_chart(frame, "latency", "m"), tmp_path / "h.png", dpi=40)
    assert not is_blank(out)


def test_one_batch_size_on_a_log_axis_renders(tmp_path):
    # one batch size (one major break on the log2 axis) and latencies spanning more than 10x
    # (a log value axis with one power of ten inside): mizani's log minor breaks failed on both
    frame = _rows(
        model_name=["m"] * 2,
        hardware_type=["cpu", "cuda"],
        precision=["fp32"] * 2,
        input_label=["seq 8"] * 2,
        batch_size=[4, 4],
        latency_p50_ms=[0.5, 6.0],
        latency_p90_ms=[0.6, 7.0],
        latency_p99_ms=[0.7, 8.0],
        is_simulated=[False, False],
    )
    plot = charts.batch_size_chart(frame, "latency", "m")
    assert plot.scales.get_scales("x").breaks == [4]
    out = charts.save(plot, tmp_path / "b.png", dpi=40)
    assert not is_blank(out)
