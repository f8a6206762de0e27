"""The generation roofline (roofline-generate-v2) by hand: a decoder, an encoder-decoder whose
prefill is the encoder plus one decoder step, and a device calibration applied to both phases."""

from __future__ import annotations

import pytest

from benchdb.calibration import Calibration
from benchdb.simulation import (
    DeviceSpec,
    GenerationGeometry,
    estimate_generation,
    generation_geometry,
)
from runners.catalog import load_catalog

DEVICE = DeviceSpec("cuda", "Dev", True, {"fp16": 100.0}, 1000.0, 80.0, "test")


def test_generation_roofline_by_hand():
    # 1e9 parameters at 2 bytes on a device of 100 TFLOP/s and 1,000 GB/s, batch 1, input 100,
    # output 3; KV: 2 x 10 layers x 8 heads x 64 x 2 bytes = 20,480 bytes per token
    geometry = GenerationGeometry(10**9, 2 * 10**9, 10, 8, 64, 2, False)
    metrics, inputs = estimate_generation(geometry, DEVICE, "fp16", 1, 100, 3)
    # prefill: 2e9 x 100 = 2e11 FLOPs / 1e14 = 2 ms; memory (2e9 + 20,480 x 100) / 1e12 = 2.002 ms
    assert inputs["prefill_compute_ms"] == pytest.approx(2.0)
    assert metrics["ttft_ms"] == pytest.approx(2.002048)
    # decode steps read 101 and 102 cached tokens: (2e9 + 20,480 x 101) / 1e12 s, (... 102)
    steps = [(2e9 + 20_480 * n) / 1e12 * 1e3 for n in (101, 102)]
    assert metrics["tpot_ms"] == pytest.approx(sum(steps) / 2)
    assert inputs["decode_bound"] == "memory"
    assert metrics["decode_tokens_per_second"] == pytest.approx(1000 / (sum(steps) / 2))
    assert metrics["e2e_latency_ms"] == pytest.approx(2.002048 + sum(steps))
    # no calibration was given: the roofline alone, flagged
    assert inputs["ttft_calibration"] is None and inputs["tpot_calibration"] is None
    assert inputs["tpot_calibration_note"].startswith("uncalibrated (tpot)")


def test_a_calibration_scales_the_prefill_and_every_step():
    geometry = GenerationGeometry(10**9, 2 * 10**9, 10, 8, 64, 2, False)
    ttft = Calibration("cuda", "Dev", "ttft", "factor", 3.0, 0.0, 4, "validated", None, 9.0, "w")
    tpot = Calibration("cuda", "Dev", "tpot", "factor_overhead", 2.0, 0.5, 4, "validated",
                       None, 7.0, "w")  # fmt: skip
    metrics, inputs = estimate_generation(
        geometry, DEVICE, "fp16", 1, 100, 3, {"ttft": (ttft, "t"), "tpot": (tpot, "p")}
    )
    steps = [(2e9 + 20_480 * n) / 1e12 * 1e3 for n in (101, 102)]
    assert metrics["ttft_ms"] == pytest.approx(3 * 2.002048)
    assert metrics["tpot_ms"] == pytest.approx(2 * sum(steps) / 2 + 0.5)
    assert metrics["e2e_latency_ms"] == pytest.approx(
        3 * 2.002048 + sum(2 * s + 0.5 for s in steps)
    )
    # the roofline alone stays on record beside the calibrations, which are recorded whole
    assert inputs["ttft_roofline_ms"] == pytest.approx(2.002048)
    assert inputs["tpot_roofline_ms"] == pytest.approx(sum(steps) / 2)
    assert inputs["tpot_calibration"]["method"] == "factor_overhead"
    assert (
        inputs["tpot_calibration"]["overhead_ms"] == 0.5 and inputs["tpot_calibration_note"] == "p"
    )


def test_an_encoder_decoder_prefill_is_the_encoder_and_one_decoder_step():
    # test/tiny-t5: d_model 32, d_ff 64, 2 heads x d_kv 16, 2 + 2 layers, vocab 1000, the head
    # tied to the shared embedding (1000 x 32 = 32,000). Attention: q, k, v, o 32 x 32 = 4,096;
    # FFN 32 x 64 + 64 x 32 = 4,096; a layer norm 32; the first layer's relative bias 32 x 2.
    # encoder: 2 x (4,096 + 32 + 4,096 + 32) + 64 + 32 (final norm) = 16,608
    # decoder: 2 x (4,096 + 32 + 4,096 + 32 + 4,096 + 32) + 64 + 32 = 24,864, of which the
    # cross-attention keys and values are 2 x 2 x 1,024 = 4,096
    geometry = generation_geometry(load_catalog()["test/tiny-t5"], "fp32")
    assert geometry.parameter_count == 32_000 + 16_608 + 24_864
    assert geometry.is_encoder_decoder
    assert geometry.encoder_parameter_count == 16_608
    assert geometry.cross_kv_parameter_count == 4_096
    # a new token: the decoder without its cross-attention keys and values, plus the head
    assert geometry.step_parameter_count == 24_864 - 4_096 + 32_000
    assert geometry.step_weight_bytes == 4 * (24_864 - 4_096 + 32_000)
    # prefill at batch 2, 16 tokens: the encoder and the cross keys and values over 16 tokens,
    # one decoder step; not every parameter over every prompt token
    assert geometry.prefill_flops(2, 16) == 2 * 2 * (16 * (16_608 + 4_096) + 52_768)
    device = DeviceSpec("cpu", "C", True, {"fp32": 1.0}, 1.0, 1.0, "test")
    metrics, inputs = estimate_generation(geometry, device, "fp32", 2, 16, 2)
    assert inputs["prefill_flops"] == 2 * 2 * (16 * 20_704 + 52_768)
    assert inputs["decode_step_flops"] == 2 * 2 * 52_768


def test_a_decoder_multiplies_every_parameter_but_a_lookup_embedding():
    # test/tiny-llama: hidden 32, 2 heads of 16, 1 key/value head, FFN 64, 2 layers, vocab 1000.
    # per layer q 32 x 32, k and v 32 x 16, o 32 x 32, gate, up, down 32 x 64, 2 norms of 32:
    # 1,024 + 512 + 512 + 1,024 + 3 x 2,048 + 64 = 9,280; final norm 32; head 1000 x 32
    geometry = generation_geometry(load_catalog()["test/tiny-llama"], "fp32")
    assert not geometry.is_encoder_decoder and geometry.encoder_parameter_count == 0
    assert geometry.step_parameter_count == 2 * 9_280 + 32 + 32_000
    assert geometry.prefill_flops(1, 16) == 2 * 16 * (2 * 9_280 + 32 + 32_000)
