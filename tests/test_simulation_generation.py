"""The generation roofline (roofline-generate-v3) by hand: a decoder, a text encoder-decoder whose
prefill is the encoder plus one decoder step, whisper's audio window, and a device calibration
applied to both phases."""

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
    # FFN 32 x 64 + 64 x 32 = 4,096; a layer norm 32; the first layer's relative bias 32 x 2
    # (a lookup table: read by bucket, never multiplied).
    # encoder: 2 x (4,096 + 32 + 4,096 + 32) + 64 + 32 (final norm) = 16,608, 16,544 multiplied
    # decoder: 2 x (4,096 + 32 + 4,096 + 32 + 4,096 + 32) + 64 + 32 = 24,864, of which the
    # cross-attention keys and values are 2 x 2 x 1,024 = 4,096
    geometry = generation_geometry(load_catalog()["test/tiny-t5"], "fp32")
    assert geometry.parameter_count == 32_000 + 16_608 + 24_864
    assert geometry.is_encoder_decoder and not geometry.audio_input
    assert geometry.encoder_parameter_count == 16_608 - 64
    assert geometry.cross_kv_parameter_count == 4_096
    # a new token: the decoder without its cross-attention keys and values and its relative
    # bias table, plus the head
    assert geometry.step_parameter_count == 24_864 - 4_096 - 64 + 32_000
    assert geometry.step_weight_bytes == 4 * (24_864 - 4_096 - 64 + 32_000)
    # prefill at batch 2, 16 tokens: the encoder and the cross keys and values over 16 tokens,
    # one decoder step (the start token); not every parameter over every prompt token
    assert geometry.prefill_flops(2, 16) == 2 * 2 * (16 * (16_544 + 4_096) + 52_704)
    device = DeviceSpec("cpu", "C", True, {"fp32": 1.0}, 1.0, 1.0, "test")
    metrics, inputs = estimate_generation(geometry, device, "fp32", 2, 16, 3)
    assert inputs["prefill_flops"] == 2 * 2 * (16 * 20_640 + 52_704)
    assert inputs["decode_step_flops"] == 2 * 2 * 52_704
    # the decoder caches its start token, then one more per step; every step also reads the
    # 16 prompt positions' cross-attention cache. Per position and item 2 (k, v) x 2 layers x
    # 2 heads x 16 x 4 bytes = 512, at batch 2: 1,024; 1 GB/s is 1e6 bytes per ms
    assert inputs["kv_bytes_per_token"] == 1_024
    weights = 4 * (24_864 - 4_096 - 64 + 32_000)
    assert inputs["decode_memory_ms_first"] == pytest.approx((weights + 1_024 * (1 + 1 + 16)) / 1e6)
    assert inputs["decode_memory_ms_last"] == pytest.approx((weights + 1_024 * (1 + 2 + 16)) / 1e6)


def test_a_decoder_multiplies_every_parameter_but_a_lookup_embedding():
    # test/tiny-llama: hidden 32, 2 heads of 16, 1 key/value head, FFN 64, 2 layers, vocab 1000.
    # per layer q 32 x 32, k and v 32 x 16, o 32 x 32, gate, up, down 32 x 64, 2 norms of 32:
    # 1,024 + 512 + 512 + 1,024 + 3 x 2,048 + 64 = 9,280; final norm 32; head 1000 x 32
    geometry = generation_geometry(load_catalog()["test/tiny-llama"], "fp32")
    assert not geometry.is_encoder_decoder and geometry.encoder_parameter_count == 0
    assert geometry.step_parameter_count == 2 * 9_280 + 32 + 32_000
    assert geometry.head_parameter_count == 32_000
    # the runner's prefill computes the last position's logits only (logits_to_keep=1): the
    # layers run over the 16 prompt tokens, the head over one
    assert geometry.prefill_logits_last_only
    assert geometry.prefill_flops(1, 16) == 2 * (16 * (2 * 9_280 + 32) + 32_000)


def test_whisper_prefill_runs_the_encoder_over_the_runners_audio_window():
    # test/tiny-whisper: d_model 32, 2 + 2 layers, 2 heads (of 16), FFN 64, 16 mel bins, vocab
    # 1000, max_source_positions 100. The runner feeds 2 x 100 = 200 mel frames (10 ms each:
    # 2 s; runners/model_factory.make_prompt). conv1 (16 -> 32, kernel 3, padding 1) keeps 200
    # positions, conv2 (32 -> 32, kernel 3, stride 2, padding 1) halves them:
    # (200 + 2 - 3) // 2 + 1 = 100 positions, the encoder's output.
    geometry = generation_geometry(load_catalog()["test/tiny-whisper"], "fp32")
    assert geometry.is_encoder_decoder and geometry.audio_input
    assert (geometry.audio_mel_bins, geometry.audio_frames) == (16, 200)
    assert geometry.encoder_positions == 100
    # encoder FLOPs per item, 2 per multiply-add (biases, norms and activations not counted):
    conv = 2 * (32 * 16 * 3) * 200 + 2 * (32 * 32 * 3) * 100  # 614,400 + 614,400
    projections = 4 * 2 * 100 * 32 * 32  # q, k, v, out over 100 positions: 819,200
    attention = 2 * (2 * 100 * 100 * 32)  # scores and weighted values, all heads: 1,280,000
    ffn = 2 * 2 * 100 * 32 * 64  # fc1 and fc2: 819,200
    assert geometry.encoder_flops_per_item == conv + 2 * (projections + attention + ffn)
    assert geometry.encoder_flops_per_item == 7_065_600
    # the decoder, per layer: self-attention q, v, out 32 x 32 + 32, k 32 x 32 (no bias): 4,192;
    # cross-attention the same, its k and v 1,024 + 1,056 = 2,080; fc1 32 x 64 + 64 = 2,112,
    # fc2 64 x 32 + 32 = 2,080; 3 layer norms of 64: 12,768; 2 layers and a final norm: 25,600.
    # Lookups, never multiplied: token embeddings 1000 x 32 (tied to the head: multiplied
    # there) and position embeddings 64 x 32 (decoder), 100 x 32 (encoder)
    assert geometry.cross_kv_parameter_count == 2 * 2_080
    assert geometry.head_parameter_count == 32_000
    assert geometry.step_parameter_count == 25_600 - 4_160 + 32_000  # 53,440
    # the encoder: conv1 1,536 + 32, conv2 3,072 + 32, layers 2 x (4,192 + 2,112 + 2,080 + 128),
    # final norm 64
    assert geometry.encoder_parameter_count == 1_568 + 3_104 + 2 * 8_512 + 64
    assert geometry.parameter_count == 32_000 + 2_048 + 25_600 + 3_200 + 21_760
    # whisper's forward takes no logits_to_keep: the runner's prefill computes the head over
    # every prompt position. Batch 2, input 8: the encoder per item, the cross keys and values
    # over its 100 positions, the decoder (head included) over the 8 prompt tokens
    assert not geometry.prefill_logits_last_only
    assert geometry.prefill_flops(2, 8) == 2 * 7_065_600 + 2 * 2 * (4_160 * 100 + 53_440 * 8)
    device = DeviceSpec("cpu", "C", True, {"fp32": 1.0}, 1.0, 1.0, "test")
    metrics, inputs = estimate_generation(geometry, device, "fp32", 2, 8, 3)
    assert inputs["prefill_flops"] == 17_505_280
    assert inputs["cross_attention_positions"] == 100 and inputs["decoder_prompt_positions"] == 8
    # a decode step reads the decoder's cache (8 prompt tokens + the step's) and the 100
    # positions of the cross-attention cache: 2 x 2 layers x 2 heads x 16 x 4 bytes = 512 per
    # position and item, 1,024 at batch 2; the step's weights are 4 bytes x 53,440
    assert inputs["kv_bytes_per_token"] == 1_024
    assert inputs["decode_memory_ms_first"] == pytest.approx((4 * 53_440 + 1_024 * 109) / 1e6)
    assert inputs["decode_memory_ms_last"] == pytest.approx((4 * 53_440 + 1_024 * 110) / 1e6)
    # the prefill writes both caches: 8 + 100 positions
    assert inputs["prefill_memory_ms"] == pytest.approx((4 * 84_608 + 1_024 * 108) / 1e6)


def test_whisper_tiny_hears_30_seconds_and_1500_encoder_positions():
    # whisper-tiny's config: max_source_positions 1500 (transformers' WhisperConfig default), 80
    # mel bins (the catalog): the runner feeds 2 x 1500 = 3000 frames of 10 ms (30 s); conv2's
    # stride 2 leaves (3000 + 2 - 3) // 2 + 1 = 1500 positions for the 4 encoder layers of 384
    geometry = generation_geometry(load_catalog()["whisper-tiny"], "fp32")
    assert (geometry.audio_mel_bins, geometry.audio_frames) == (80, 3000)
    assert geometry.encoder_positions == 1500
    conv = 2 * (384 * 80 * 3) * 3000 + 2 * (384 * 384 * 3) * 1500
    layer = 4 * 2 * 1500 * 384**2 + 2 * 2 * 1500**2 * 384 + 2 * 2 * 1500 * 384 * 1536
    assert geometry.encoder_flops_per_item == conv + 4 * layer
    # the decoder's cache: 4 layers x 6 heads of 384 / 6 = 64 (k and v: 2 x 4 x 6 x 64 x 4 bytes
    # = 12,288 bytes per cached position and item, fp32)
    assert (geometry.layers, geometry.kv_heads, geometry.head_dim) == (4, 6, 64)
