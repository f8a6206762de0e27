"""Generation benchmark: the runner's TPOT against an independent reference loop.

    python benchmarks/bench_generate.py [--rounds 6] [--generations 3] [--threads N] [--quick]
                                        [--model NAME] [--control]

For gpt2 (random weights from its config) and test/tiny-llama at batch 1 and 4, 128 prompt
tokens and 32 new ones, fp32 on the CPU, in this one process, on the same model instance:

- runner: what a worker runs for `benchdb run --kind generate` (runners/worker.py): the greedy
  loop of runners/generation.py, every step timed by its step clock, under runners/timing.py's
  warm-up / repeat loop, summarised by `summarize_generation`;
- reference: a prefill + decode loop written here with the KV cache (`past_key_values`, named
  `cache` by transformers 5), timed with `perf_counter` around the whole decode phase only:
  TPOT = decode time / 31 steps, no per-step clock.

Compared: each side's median over its generations of a generation's mean decode step, as
runner / reference per round; target 1.00 +/- 0.05. The sides alternate within every round
(which goes first alternates between rounds) with `--generations` timed generations each, so a
drift of the host hits both alike; the median ratio and the spread of the rounds are reported.
Both pin the same thread count (`--threads`, default the host's physical cores; on a loaded
host one thread avoids OpenMP barriers waiting for a descheduled second thread). Besides, once
per case, the whole `run_configuration` in a forked worker (model build included) gives the
TPOT a user's row would hold. The 1-minute load average is recorded before each side: numbers
from a busy host are not the runner's. `--control` replaces the runner side by a second
reference (an A/A run): its ratios are the host's noise floor, what a difference must exceed to
mean something. Printed as markdown, saved to bench-results/generate(-control).json.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import statistics
import time
from pathlib import Path

import torch

from runners import benchmark, isolation
from runners.catalog import load_catalog
from runners.generation import GreedyGeneration, step_clock_factory, summarize_generation
from runners.hardware import detect, physical_core_count
from runners.model_factory import build_model, make_prompt
from runners.timing import TimingSettings, measure_latency

ROOT = Path(__file__).resolve().parent.parent
CASES = [("gpt2", 1), ("gpt2", 4), ("test/tiny-llama", 1), ("test/tiny-llama", 4)]
INPUT_LENGTH = 128
OUTPUT_LENGTH = 32


def runner_row(model: str, batch: int, threads: int, settings: TimingSettings) -> dict:
    spec = load_catalog()[model]
    (config,) = benchmark.expand_generation_configs(
        [spec], ["cpu"], ["fp32"], [batch], [INPUT_LENGTH], [OUTPUT_LENGTH]
    )
    ctx = benchmark.RunContext(
        "bench", settings, {"cpu": detect("cpu")}, host="bench", threads=threads
    )
    # as a run does before its first configuration: the zygote with the classes imported
    isolation.zygote(benchmark.preload_names([spec]))
    row = benchmark.run_configuration(config, ctx)
    assert row["status"] == "completed", row.get("error_message")
    return row


def per_generation_tpot(row: dict) -> list[float]:
    """Each timed generation's mean decode step, from a row's (or summary's) TPOT samples."""
    steps = OUTPUT_LENGTH - 1
    tpot = row["tpot_ms"]
    return [statistics.fmean(tpot[i : i + steps]) for i in range(0, len(tpot), steps)]


def reference_tpot(model, batch: int, warmup: int, repeats: int) -> tuple[list, list]:
    """(TTFT ms, mean decode step ms) of each of `repeats` generations of a plain greedy loop."""
    parameters = inspect.signature(model.forward).parameters
    cache_name = "cache" if "cache" in parameters else "past_key_values"
    keep = {"logits_to_keep": 1} if "logits_to_keep" in parameters else {}
    ids = torch.randint(0, model.config.vocab_size, (batch, INPUT_LENGTH))
    ttft, tpot = [], []
    with torch.inference_mode():
        for repeat in range(warmup + repeats):
            start = time.perf_counter()
            out = model(input_ids=ids, use_cache=True, **keep)
            token = out.logits[:, -1, :].argmax(dim=-1, keepdim=True)
            prefilled = time.perf_counter()
            past = getattr(out, cache_name)
            for _ in range(OUTPUT_LENGTH - 1):
                out = model(input_ids=token, use_cache=True, **{cache_name: past})
                token = out.logits[:, -1, :].argmax(dim=-1, keepdim=True)
                past = getattr(out, cache_name)
            end = time.perf_counter()
            if repeat >= warmup:
                ttft.append((prefilled - start) * 1000)
                tpot.append((end - prefilled) * 1000 / (OUTPUT_LENGTH - 1))
    return ttft, tpot


def runner_tpot(model, batch: int, generations: int) -> tuple[list, list]:
    """(TTFT ms, mean decode step ms) of each timed generation, measured as a worker does."""
    prompt = make_prompt(model.config, batch, INPUT_LENGTH, "cpu")
    generation = GreedyGeneration(model, prompt, OUTPUT_LENGTH, step_clock_factory("cpu"))
    settings = TimingSettings(
        warmup_iterations=0, min_iterations=generations, min_duration_seconds=0.0
    )

    def on_phase(phase: str) -> None:
        if phase == "timing":
            generation.forget()

    with torch.inference_mode():
        timing = measure_latency(
            generation, "cpu", settings, time.perf_counter(), on_phase=on_phase
        )
    fields = summarize_generation(
        generation.steps_ms(), timing.latencies_ms, batch, INPUT_LENGTH, OUTPUT_LENGTH
    )
    return fields["ttft_ms"], per_generation_tpot(fields)


def compare(
    rounds: int, generations: int, threads: int, worker_settings, cases: list, control: bool
) -> list[dict]:
    torch.set_num_threads(threads)
    catalog = load_catalog()
    results = []
    for name, batch in cases:
        spec = catalog[name]
        model, _ = build_model(spec, model_class=spec.generation_class)
        # as the zygote does: what the imports and the build left behind, out of the collector's
        # sight, so neither side pays for scanning it
        gc.collect()
        gc.freeze()
        reference_tpot(model, batch, warmup=1, repeats=0)  # warm-up, for both sides
        ratios, ttft_ratios, loads, runner_ms, reference_ms = [], [], [], [], []
        for round_number in range(rounds):
            sides = ["runner", "reference"]
            if round_number % 2:
                sides.reverse()
            measured = {}
            for side in sides:
                loads.append(os.getloadavg()[0])
                if side == "runner" and not control:
                    ttft, tpot = runner_tpot(model, batch, generations)
                else:
                    ttft, tpot = reference_tpot(model, batch, 0, generations)
                measured[side] = (statistics.median(ttft), statistics.median(tpot))
            runner_ms.append(measured["runner"][1])
            reference_ms.append(measured["reference"][1])
            ratios.append(measured["runner"][1] / measured["reference"][1])
            ttft_ratios.append(measured["runner"][0] / measured["reference"][0])
        model = None
        gc.unfreeze()
        worker_load = os.getloadavg()[0]
        row = runner_row(name, batch, threads, worker_settings)
        results.append(
            {
                "model": name,
                "batch_size": batch,
                "input_length": INPUT_LENGTH,
                "output_length": OUTPUT_LENGTH,
                "threads": threads,
                "rounds": rounds,
                "generations_per_side": generations,
                "runner_tpot_ms": runner_ms,
                "reference_tpot_ms": reference_ms,
                "tpot_ratio_median": statistics.median(ratios),
                "tpot_ratio_min": min(ratios),
                "tpot_ratio_max": max(ratios),
                "tpot_ratios": ratios,
                "ttft_ratios": ttft_ratios,
                "load_avg_1m": loads,
                "worker_tpot_median_ms": statistics.median(per_generation_tpot(row)),
                "worker_quality": row["quality"],
                "worker_load_avg_1m": worker_load,
            }
        )
        print(
            f"{name} b{batch}: TPOT ratios {', '.join(f'{r:.3f}' for r in ratios)} "
            f"(load {min(loads):.1f}-{max(loads):.1f})",
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--generations", type=int, default=3, help="timed, per side and round")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--model", default=None, help="only this model's cases")
    parser.add_argument("--control", action="store_true", help="reference against reference")
    parser.add_argument(
        "--quick", action="store_true", help="few generations and 1 round: checks the script runs"
    )
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    generations = 1 if args.quick else args.generations
    # the whole configuration in a worker, once per case: a user's row
    worker_settings = TimingSettings(
        warmup_iterations=1, min_iterations=2 if args.quick else 5, min_duration_seconds=0.0
    )
    threads = args.threads or physical_core_count()
    report = {
        "cpu": detect("cpu").device_name,
        "cores": os.cpu_count(),
        "threads": threads,
        "torch": torch.__version__,
        "load_avg_1m_at_start": os.getloadavg()[0],
        "control": args.control,
        "cases": compare(
            rounds,
            generations,
            threads,
            worker_settings,
            [c for c in CASES if args.model in (None, c[0])],
            args.control,
        ),
    }
    print(
        f"\nCPU: {report['cpu']}, {report['cores']} cores, {threads} threads, "
        f"torch {report['torch']}"
    )
    print(
        "\n| model | batch | runner TPOT ms | reference TPOT ms | ratio median (min-max) "
        "| TTFT ratio median | worker row TPOT ms | load |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for c in report["cases"]:
        print(
            f"| {c['model']} | {c['batch_size']} | {statistics.median(c['runner_tpot_ms']):.3f} "
            f"| {statistics.median(c['reference_tpot_ms']):.3f} "
            f"| {c['tpot_ratio_median']:.3f} ({c['tpot_ratio_min']:.3f}-{c['tpot_ratio_max']:.3f}) "
            f"| {statistics.median(c['ttft_ratios']):.3f} "
            f"| {c['worker_tpot_median_ms']:.3f} "
            f"| {min(c['load_avg_1m']):.1f}-{max(c['load_avg_1m']):.1f} |"
        )
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    name = "generate-control.json" if args.control else "generate.json"
    (out / name).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
