"""Charts that tell the truth (issue 14, deliverable 6), one test per promise, on frames shaped
like the reporting marts' rows and written by hand: a stated log axis when values span more
than a decade, shared scales across panels said in the caption, every value's setting said,
large selections capped with a note instead of plotnine's 25-inch crash, captions wrapped to
the figure, and Okabe-Ito colours."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from benchdb.reporting import charts
from tests.test_charts_support import is_blank


def _geoms(plot) -> list[str]:
    return [type(layer.geom).__name__ for layer in plot.layers if "blank" not in str(layer.geom)]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _hardware(throughputs: list[float], simulated: list[bool], labels: list[str] | None = None):
    n = len(throughputs)
    return pd.DataFrame(
        {
            "model_name": ["bert"] * n,
            "hardware_type": ["cpu", "cuda", "rocm", "mps"][:n],
            "precision": ["fp32"] * n,
            "batch_size": [1] * n,
            "configuration_label": labels or ["batch 1, seq 128"] * n,
            "throughput_items_per_second": throughputs,
            "is_simulated": simulated,
        }
    )


def test_values_spanning_more_than_a_decade_get_a_stated_log_axis():
    # the case: one estimate at 1,600 items/s beside measured 20 and 40 items/s would
    # flatten the measured bars on a linear axis: 1,600 / 20 = 80x
    plot = charts.hardware_comparison_chart(
        _hardware([20.0, 1600.0, 40.0], [False, True, False]), "throughput"
    )
    assert "log10" in type(plot.scales.get_scales("y")).__name__
    assert plot.labels.y.endswith("(log scale)")
    assert "log scale: the values span 80x" in _one_line(plot.labels.caption)
    # a bar's length means nothing on a log axis: points
    assert "geom_col" not in _geoms(plot) and "geom_point" in _geoms(plot)
    # 8x is within a decade: a linear axis from 0 with bars, and no log note
    linear = charts.hardware_comparison_chart(
        _hardware([20.0, 160.0, 40.0], [False, True, False]), "throughput"
    )
    assert "log" not in type(linear.scales.get_scales("y")).__name__
    assert "log" not in linear.labels.y and "log" not in linear.labels.caption
    assert "geom_col" in _geoms(linear)


def test_panels_share_one_scale_and_the_caption_says_so():
    frame = pd.concat(
        [
            _hardware([20.0, 30.0], [False, False], ["batch 1, seq 128"] * 2),
            _hardware([50.0, 90.0], [False, False], ["batch 8, seq 128"] * 2).assign(batch_size=8),
        ]
    )
    plot = charts.hardware_comparison_chart(frame, "throughput")
    assert plot.facet.free == {"x": False, "y": False}
    assert charts.SHARED_SCALES_NOTE in _one_line(plot.labels.caption)
    # one panel: nothing to share, nothing said
    single = charts.hardware_comparison_chart(_hardware([20.0, 30.0], [False, False]))
    assert charts.SHARED_SCALES_NOTE not in _one_line(single.labels.caption)


def test_every_tile_says_its_setting_or_the_chart_states_the_one_setting():
    # rows of rpt_best_results: the best throughput of a on cpu was at batch 8 in fp32, on cuda
    # at batch 32 in fp16; b's at batch 8 in fp32
    frame = pd.DataFrame(
        {
            "model_name": ["a", "a", "b"],
            "hardware_type": ["cpu", "cuda", "cpu"],
            "metric": ["throughput_items_per_second"] * 3,
            "value": [100.0, 900.0, 40.0],
            "is_simulated": [False, False, False],
            "batch_size": [8, 32, 8],
            "precision": ["fp32", "fp16", "fp32"],
            "input_label": ["seq 128"] * 3,
        }
    )
    plot = charts.heatmap_chart(frame, "throughput")
    tiles = dict(zip(zip(plot.data["model_name"].astype(str), plot.data["hardware_type"]),
                     plot.data["setting"]))  # fmt: skip
    assert tiles == {
        ("a", "cpu"): "batch 8, fp32",
        ("a", "cuda"): "batch 32, fp16",
        ("b", "cpu"): "batch 8, fp32",
    }
    subtitle = _one_line(plot.labels.subtitle)
    assert "all at seq 128" in subtitle
    assert "batch size and precision: under each tile's value" in subtitle
    # one setting throughout: stated once, no second line under the tiles
    same = charts.heatmap_chart(frame.assign(batch_size=1, precision="fp32"), "throughput")
    assert _one_line(same.labels.subtitle) == "all at batch 1, precision fp32, seq 128"
    assert set(same.data["setting"]) == {""}


def test_a_chart_too_large_is_capped_with_a_note_not_a_crash(tmp_path):
    # the case: a model comparison of every model on cpu was 35 inches tall, and
    # plotnine refuses more than 25
    models = [f"org/model-{i:02d}" for i in range(80)]
    frame = pd.DataFrame(
        {
            "hardware_type": ["cpu"] * 160,
            "model_name": models * 2,
            "model_label": [f"{m} (seq 128)" for m in models] * 2,
            "precision": ["fp32"] * 80 + ["bf16"] * 80,
            "batch_size": [1] * 160,
            "latency_p50_ms": [1.0 + i for i in range(160)],
            "latency_p90_ms": [1.5 + i for i in range(160)],
            "latency_p99_ms": [2.0 + i for i in range(160)],
            "is_simulated": [False] * 160,
        }
    )
    plot = charts.model_comparison_chart(frame, "latency", "cpu")
    width, height = plot.theme.themeables.property("figure_size")
    assert width <= charts.MAX_INCHES and height <= charts.MAX_INCHES
    kept = plot.data["model_name"].nunique()
    assert kept == charts.model_rows_limit(2) < 80
    assert f"showing {kept} of 80 models" in _one_line(plot.labels.caption)
    assert f"{80 - kept} left out: narrow the selection with --model" in _one_line(
        plot.labels.caption
    )
    assert not is_blank(charts.save(plot, tmp_path / "models.png", dpi=20))


def test_captions_wrap_to_the_figure_width():
    note = "a long note that says a great deal about how these values were obtained " * 6
    plot = charts.hardware_comparison_chart(
        _hardware([20.0, 30.0], [False, False]), "throughput", note=note
    )
    width = plot.theme.themeables.property("figure_size")[0]
    # characters of an 8-point caption that fit the width (0.6 em a character, 0.6 inch margin)
    fits = int((width - 0.6) * 72 / (0.6 * charts.CAPTION_POINTS))
    lines = plot.labels.caption.split("\n")
    assert len(lines) > 3
    assert max(len(line) for line in lines) <= fits
    assert _one_line(plot.labels.caption).endswith(_one_line(note))


def test_colours_are_okabe_ito_one_per_series_and_capped():
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = [
        {
            "model_name": "m",
            "hardware_type": "cpu",
            "configuration_label": f"batch {config}, fp32, seq 8",
            "measured_at": start + timedelta(days=day),
            "throughput_items_per_second": 10.0 + config,
            "is_simulated": False,
        }
        for config in range(1, 11)
        for day in range(3)
    ]
    plot = charts.history_chart(pd.DataFrame(rows), "throughput", "m", "cpu")
    scale = plot.scales.get_scales("color")
    by_level = scale.palette(len(scale.limits))
    colours = [by_level[level] for level in scale.limits]
    # ten near-identical colours were the complaint: eight distinct Okabe-Ito hues at most
    assert len(colours) == 8 == len(set(colours))
    assert set(colours) <= set(charts.OKABE_ITO)
    assert "showing 8 of 10 configurations" in _one_line(plot.labels.caption)
    with pytest.raises(ValueError, match="at most 8"):
        charts.palette(list(range(9)))
