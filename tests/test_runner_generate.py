"""`benchdb run --kind generate`: the greedy loop, its step clocks, its metrics and its rows."""

from __future__ import annotations

import statistics

import pyarrow.parquet as pq
import pytest
import torch

from runners import benchmark, landing
from runners.catalog import load_catalog
from runners.generation import (
    CudaStepClock,
    GreedyGeneration,
    HostStepClock,
    step_clock_factory,
    summarize_generation,
)
from runners.model_factory import build_model, make_prompt
from runners.timing import TimingSettings
from tests.conftest import FAST_TIMING, invoke

GENERATE = ["--kind", "generate", "--input-length", "8", "--output-length", "5"]


def _rows(data_dir, kind):
    return [
        row
        for f in landing.landed_files(data_dir / "landing", kind)
        for row in pq.read_table(f).to_pylist()
    ]


# --------------------------------------------------------------------------- clocks and metrics


def test_host_clock_gives_the_time_between_consecutive_marks():
    readings = iter([1_000_000, 6_000_000, 8_500_000, 9_000_000])
    synced = []
    clock = HostStepClock(sync=lambda: synced.append(1), now_ns=lambda: next(readings))
    clock.start()
    clock.mark()
    clock.mark()
    clock.mark()
    assert clock.durations_ms() == [5.0, 2.5, 0.5]
    assert len(synced) == 4  # before every reading (a no-op on the CPU, MPS's sync elsewhere)


class FakeEvent:
    """A CUDA event on a fake GPU timeline: records the stream's time; reading it needs a sync."""

    timeline: list[float] = []

    def __init__(self):
        self.at = None
        self.synchronized = False

    def record(self):
        self.at = FakeEvent.timeline.pop(0)

    def synchronize(self):
        self.synchronized = True

    def elapsed_time(self, end):
        return end.at - self.at


def test_cuda_clock_records_events_without_syncing_and_reads_them_after():
    FakeEvent.timeline = [0.0, 40.0, 43.0, 47.5]
    events = []

    def new_event():
        events.append(FakeEvent())
        return events[-1]

    clock = CudaStepClock(new_event)
    clock.start()
    for _ in range(3):
        clock.mark()
    # nothing waited for the GPU inside the loop
    assert not any(e.synchronized for e in events)
    assert clock.durations_ms() == [40.0, 3.0, 4.5]
    # read once, after waiting for the last event only
    assert [e.synchronized for e in events] == [False, False, False, True]


def test_a_cuda_device_gets_event_clocks_the_cpu_host_clocks():
    assert step_clock_factory("cuda:0") is CudaStepClock
    assert step_clock_factory("cpu") is HostStepClock


def test_metrics_from_samples_worked_by_hand():
    # two generations of 3 tokens: prefill, then 2 decode steps each
    steps = [[10.0, 2.0, 3.0], [12.0, 4.0, 5.0]]
    fields = summarize_generation(
        steps, [16.0, 22.0], batch_size=2, input_length=4, output_length=3
    )
    assert fields["ttft_ms"] == [10.0, 12.0]
    assert fields["tpot_ms"] == [2.0, 3.0, 4.0, 5.0]
    assert fields["ttft_mean_ms"] == 11.0 and fields["tpot_mean_ms"] == 3.5
    assert fields["e2e_latency_mean_ms"] == 19.0
    # 2 items x 4 decode tokens in 14 ms; 2 items x (4 + 3) tokens in 19 ms on average
    assert fields["decode_tokens_per_second"] == pytest.approx(8 / 0.014)
    assert fields["total_tokens_per_second"] == pytest.approx(14 / 0.019)
    # 2 samples: no percentile, each series says why
    for name in ("ttft", "tpot", "e2e_latency"):
        assert fields[f"{name}_p50_ms"] is None and fields[f"{name}_p90_ms"] is None
    for name in ("TTFT", "TPOT", "end-to-end"):
        assert f"{name}: p50, p90 not stored" in fields["percentiles_note"]


def test_percentiles_are_stored_where_the_samples_suffice():
    # 25 generations of 5 tokens: 25 TTFT samples (p50 only), 100 TPOT samples (p50 and p90)
    steps = [[20.0 + g, *(1.0 + 0.01 * (4 * g + s) for s in range(4))] for g in range(25)]
    e2e = [sum(s) + 0.1 for s in steps]
    fields = summarize_generation(steps, e2e, batch_size=1, input_length=8, output_length=5)
    tpot = [1.0 + 0.01 * i for i in range(100)]
    assert fields["tpot_ms"] == pytest.approx(tpot)
    assert fields["tpot_p50_ms"] == pytest.approx(statistics.median(tpot))
    assert fields["tpot_p90_ms"] == pytest.approx(
        statistics.quantiles(tpot, n=10, method="inclusive")[8]
    )
    assert fields["ttft_p50_ms"] == pytest.approx(32.0)  # the median of 20 .. 44
    assert fields["ttft_p90_ms"] is None and fields["e2e_latency_p90_ms"] is None
    assert "TPOT" not in fields["percentiles_note"]
    assert "TTFT: p90 not stored: 25 samples" in fields["percentiles_note"]


# --------------------------------------------------------------------------- the greedy loop


@pytest.mark.parametrize("name", ["test/tiny-llama", "test/tiny-qwen2", "test/tiny-t5"])
def test_the_loop_makes_what_generate_makes_exactly_output_length_tokens(name):
    spec = load_catalog()[name]
    model, _ = build_model(spec, model_class=spec.generation_class)
    prompt = make_prompt(model.config, 2, 8, "cpu")
    generation = GreedyGeneration(model, prompt, 6, HostStepClock)
    with torch.inference_mode():
        tokens = torch.cat(generation(), dim=1)
        # transformers' own greedy search, the end-of-sequence token disabled
        model.generation_config.eos_token_id = None
        # T5 configs name no decoder start: the loop starts from the pad token (0), as T5 does
        expected = model.generate(
            **prompt,
            max_new_tokens=6,
            min_new_tokens=6,
            do_sample=False,
            pad_token_id=0,
            decoder_start_token_id=0,
        )
    assert tokens.shape == (2, 6)
    # a decoder returns the prompt too; an encoder-decoder its start token
    assert torch.equal(tokens, expected[:, -6:])
    (steps,) = generation.steps_ms()
    assert len(steps) == 6 and all(s > 0 for s in steps)  # the prefill, then 5 decode steps


def test_whisper_generates_from_its_audio_what_a_loop_without_cache_picks():
    # the reference: every step runs the whole decoder sequence again (no KV cache) and picks
    # the argmax of its last position; the runner's loop feeds one token and the cache
    spec = load_catalog()["test/tiny-whisper"]
    model, _ = build_model(spec, model_class=spec.generation_class)
    prompt = make_prompt(model.config, 2, 3, "cpu", spec.input_kind, torch.float32)
    # the config's whole audio window (2 x 100 frames of 16 mel bins); the decoder's prompt
    # starts from its start token
    assert list(prompt["input_features"].shape) == [2, 16, 200]
    assert prompt["decoder_input_ids"][:, 0].tolist() == [1, 1]
    generation = GreedyGeneration(model, prompt, 6, HostStepClock)
    with torch.inference_mode():
        tokens = torch.cat(generation(), dim=1)
        sequence = prompt["decoder_input_ids"]
        for _ in range(6):
            logits = model(
                input_features=prompt["input_features"], decoder_input_ids=sequence
            ).logits
            sequence = torch.cat([sequence, logits[:, -1:].argmax(dim=-1)], dim=1)
    assert tokens.shape == (2, 6)
    assert torch.equal(tokens, sequence[:, 3:])
    (steps,) = generation.steps_ms()
    assert len(steps) == 6 and all(s > 0 for s in steps)


def test_forget_drops_the_warm_up_generations():
    spec = load_catalog()["test/tiny-llama"]
    model, _ = build_model(spec, model_class=spec.generation_class)
    generation = GreedyGeneration(model, make_prompt(model.config, 1, 4, "cpu"), 2, HostStepClock)
    with torch.inference_mode():
        generation()
        generation.forget()
        generation()
        generation()
    assert [len(s) for s in generation.steps_ms()] == [2, 2]


# --------------------------------------------------------------------------- benchdb run


@pytest.fixture(scope="module")
def generate_run(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("generate-run")
    result = invoke(
        "run",
        "--model",
        "test/tiny-llama,test/tiny-t5,test/tiny-whisper,test/tiny-bert",
        "--batch-size",
        "1,2",
        *GENERATE,
        *FAST_TIMING,
        "--data-dir",
        data_dir,
    )
    return data_dir, result.output


def test_every_generation_configuration_is_a_row_of_its_own_kind(generate_run):
    data_dir, output = generate_run
    rows = _rows(data_dir, "generation_results")
    assert len(rows) == 8 and len({r["result_id"] for r in rows}) == 8
    assert not landing.landed_files(data_dir / "landing", "benchmark_results")
    (run,) = _rows(data_dir, "test_runs")
    assert run["configurations_total"] == 8 and run["configurations_completed"] == 6
    assert '"kind": "generate"' in run["metadata"] and '"output_lengths": [5]' in run["metadata"]
    assert "generation_results" in output and "ttft_p50_ms" in output


def test_completed_generation_rows_keep_every_sample(generate_run):
    data_dir, _ = generate_run
    rows = [r for r in _rows(data_dir, "generation_results") if r["status"] == "completed"]
    generators = {"test/tiny-llama", "test/tiny-t5", "test/tiny-whisper"}
    assert {r["model_name"] for r in rows} == generators
    for r in rows:
        n = r["iterations"]
        assert n >= 20 and r["warmup_iterations"] == 1
        assert (r["benchmark_kind"], r["backend"]) == ("generate", "eager")
        assert (r["input_length"], r["output_length"], r["generated_tokens"]) == (8, 5, 5)
        # one TTFT and one end-to-end sample per timed generation, one TPOT per decode step
        assert len(r["ttft_ms"]) == len(r["e2e_latencies_ms"]) == n
        assert len(r["tpot_ms"]) == 4 * n
        assert r["ttft_p50_ms"] == pytest.approx(statistics.median(r["ttft_ms"]))
        # a generation took at least its prefill and its decode steps, timed inside it
        for g, e2e in enumerate(r["e2e_latencies_ms"]):
            inside = r["ttft_ms"][g] + sum(r["tpot_ms"][4 * g : 4 * g + 4])
            assert inside <= e2e
        assert r["decode_tokens_per_second"] == pytest.approx(
            r["batch_size"] * 1000 / statistics.fmean(r["tpot_ms"])
        )
        assert r["memory_method"] == "cpu_worker_rss" and r["memory_peak_mb"] > 0
        assert r["model_class"] in (
            "LlamaForCausalLM",
            "T5ForConditionalGeneration",
            "WhisperForConditionalGeneration",
        )
        assert r["quality"] in ("ok", "noisy") and r["torch_version"] and r["host"]
        assert r["compile_seconds"] is None and r["is_simulated"] is False
    shapes = {r["model_name"]: r["input_shapes"] for r in rows if r["batch_size"] == 2}
    assert shapes["test/tiny-llama"] == '{"input_ids": [2, 8]}'
    assert '"decoder_input_ids": [2, 1]' in shapes["test/tiny-t5"]
    # whisper: the config's audio window to the encoder, the input length to the decoder
    assert shapes["test/tiny-whisper"] == (
        '{"input_features": [2, 16, 200], "decoder_input_ids": [2, 8]}'
    )


def test_an_encoder_only_model_is_an_unsupported_row_not_a_gap(generate_run):
    data_dir, output = generate_run
    rows = [r for r in _rows(data_dir, "generation_results") if r["model_name"] == "test/tiny-bert"]
    assert [r["status"] for r in rows] == ["unsupported", "unsupported"]
    for r in rows:
        assert r["error_type"] == "GenerationUnsupported"
        assert "no generation_class" in r["error_message"]
        assert "[rule generate.decoder:" in r["error_message"]
        assert r["ttft_ms"] is None and r["tpot_p50_ms"] is None and r["iterations"] is None
    # the summary prints the error whole, rule and all
    assert rows[0]["error_message"] in output


def test_whisper_beyond_its_decoder_positions_is_unsupported():
    # tiny-whisper's decoder has 64 positions: 60 prompt tokens + 8 new ones do not fit, 56 do;
    # its encoder's audio window is the config's, whatever the input length
    from runners.capabilities import check_generation
    from runners.model_factory import build_config

    spec = load_catalog()["test/tiny-whisper"]
    config = build_config(spec)
    assert check_generation(spec, config, 56, 8) is None
    refused = check_generation(spec, config, 60, 8)
    assert refused.error_type == "SequenceLengthUnsupported"
    assert "decoder input + output length 68 exceeds test/tiny-whisper's 64" in refused.message
    assert "[rule generate.length:" in refused.message


def test_prompt_and_output_beyond_the_positions_is_unsupported(tmp_path):
    # tiny-llama has 512 positions: 500 prompt tokens + 20 new ones do not fit
    args = ["--input-length", "500", "--output-length", "20", *FAST_TIMING]
    invoke("run", "--model", "test/tiny-llama", "--kind", "generate", *args, "--data-dir", tmp_path)
    (row,) = _rows(tmp_path, "generation_results")
    assert row["status"] == "unsupported" and row["error_type"] == "SequenceLengthUnsupported"
    assert "input + output length 520 exceeds test/tiny-llama's 512" in row["error_message"]


def test_progress_within_a_configuration_is_reported(tmp_path):
    heard = []
    catalog = load_catalog()
    configs = benchmark.expand_generation_configs(
        [catalog["test/tiny-llama"]], ["cpu"], ["fp32"], [1], [4], [3]
    )
    configs += benchmark.expand_configs([catalog["test/tiny-bert"]], ["cpu"], ["fp32"], [1], [8])
    benchmark.run_benchmarks(
        configs,
        TimingSettings(warmup_iterations=1, min_iterations=20, min_duration_seconds=0.05),
        tmp_path / "landing",
        on_progress=lambda config, phase: heard.append((config.kind, phase)),
    )
    assert ("generate", "warmup") in heard and ("generate", "timing") in heard
    assert ("generate", "timing 1/20 generations") in heard
    assert ("forward", "timing 1/20 iterations") in heard


@pytest.mark.parametrize(
    "args, message",
    [
        (["--input-length", "8"], "--input-length does not apply to --kind forward"),
        (["--backend", "compile"], "--backend does not apply to --kind forward"),
        (["--kind", "generate", "--sequence-length", "8"], "--sequence-length does not apply"),
        (["--kind", "generate", "--backend", "jit"], "unknown backend 'jit'"),
        (["--kind", "generate", "--output-length", "0"], "output length must be a positive"),
        (["--kind", "generate", "--input-length", "1,,4"], "has an empty item"),
    ],
)
def test_bad_generation_options_fail_in_one_line_and_write_nothing(tmp_path, args, message):
    result = invoke(
        "run", "--model", "test/tiny-llama", *args, "--data-dir", tmp_path, expect_exit=None
    )
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output
    assert not any(tmp_path.rglob("*.parquet"))


def test_build_reads_forward_and_generation_rows_apart(generate_run, tmp_path):
    # performance_results holds the forward row with its latency, and every generation row
    # with its TTFT (tests/test_generation_warehouse.py checks the warehouse side in depth)
    import duckdb

    data_dir, _ = generate_run
    invoke("run", "--model", "test/tiny-bert", *FAST_TIMING, "--data-dir", data_dir)
    db = tmp_path / "benchmark.duckdb"
    invoke("build", "--quiet", "--data-dir", data_dir, "--db-path", db)
    landed = {r["result_id"]: r["latency_p50_ms"] for r in _rows(data_dir, "benchmark_results")}
    generated = {r["result_id"]: r["ttft_p50_ms"] for r in _rows(data_dir, "generation_results")}
    with duckdb.connect(str(db), read_only=True) as con:
        forward = dict(
            con.execute(
                "select result_id, latency_p50_ms from performance_results "
                "where benchmark_kind = 'forward'"
            ).fetchall()
        )
        generation = dict(
            con.execute(
                "select result_id, ttft_p50_ms from performance_results "
                "where benchmark_kind = 'generate'"
            ).fetchall()
        )
        runs = con.execute("select count(*) from test_runs").fetchone()[0]
    assert len(landed) == 1 and forward == landed
    assert len(generated) == 8 and set(generation) == set(generated)
    for result_id, ttft in generated.items():  # None for the unsupported tiny-bert rows
        assert generation[result_id] == (None if ttft is None else pytest.approx(ttft))
    assert runs == 2  # the generation run's bookkeeping row too


def test_kind_lengths_and_backend_are_part_of_the_key():
    spec = load_catalog()["test/tiny-llama"]
    configs = benchmark.expand_generation_configs(
        [spec], ["cpu"], ["fp32"], [1], [8, 16], [4, 5], ["eager", "compile"]
    )
    configs += benchmark.expand_configs([spec], ["cpu"], ["fp32"], [1], [8])
    ctx = benchmark.RunContext("r", TimingSettings(), {}, host="h")
    rows = [benchmark.skeleton_row(c, ctx, landing.utc_now()) for c in configs]
    assert len({r["result_id"] for r in rows}) == len(configs) == 9
    forward = rows[-1]
    assert "benchmark_kind" not in forward and forward["sequence_length"] == 8
    assert {(r["input_length"], r["output_length"], r["backend"]) for r in rows[:-1]} == {
        (i, o, b) for i in (8, 16) for o in (4, 5) for b in ("eager", "compile")
    }
