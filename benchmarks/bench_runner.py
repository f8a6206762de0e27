"""Runner benchmarks: timing fidelity (P1), per-configuration overhead (P2), start-up (P3), demo.

    python benchmarks/bench_runner.py [--rounds 5] [--skip-demo] [--quick]

P1, fidelity: the runner's p50 against torch.utils.benchmark.Timer's median for the same forward
pass, both pinned to the same thread count (the runner's default: the host's physical cores),
interleaved `--rounds` times, the order swapped every round, so drift hits both alike. The
Timer is asked for one forward pass per sample (`timeit(1)`, the runner's minimum iteration
count of them), so both medians are medians of single passes; `blocked_autorange`'s median,
a median of block means (blocks of 10-100 passes for a millisecond model, so nearer the mean),
is reported beside it. The Timer runs in a worker forked from the runner's zygote
(`--timer-in main`: in this process), so both sides measure in the same kind of process.
Target 1.00 +/- 0.03; the spread of the per-round ratios is reported beside their median.
P2, overhead: a configuration's wall time around `run_configuration` (the fork of its worker,
its exit and its answer included; the zygote already started, as in a run) over model build +
warm-up + timed iterations. Target <= 1.10.
P3, start-up: the wall time of a whole `benchdb run` of one small configuration (a subprocess,
imports included) over that configuration's build + warm-up + timed iterations. Target <= 1.5.
Demo: `make demo`'s three commands, timed, into a scratch data directory.

The 1-minute load average is recorded beside every figure: numbers from a busy host are not
the runner's. Results are printed as markdown and saved to bench-results/runner.json.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import torch
from torch.utils.benchmark import Timer

from runners import benchmark, isolation
from runners.catalog import load_catalog
from runners.hardware import detect, physical_core_count
from runners.model_factory import build_model, make_inputs
from runners.timing import TimingSettings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FIDELITY_CASES = [("prajjwal1/bert-tiny", 1, 128), ("distilbert-base-uncased", 1, 128)]
STARTUP_MODEL = "prajjwal1/bert-tiny"


def load() -> float:
    return os.getloadavg()[0]


def runner_row(
    model: str, batch: int, seq: int, threads: int, settings: TimingSettings
) -> tuple[dict, float]:
    spec = load_catalog()[model]
    config = benchmark.BenchmarkConfig(spec, "cpu", "fp32", batch, seq)
    ctx = benchmark.RunContext(
        "bench", settings, {"cpu": detect("cpu")}, host="bench", threads=threads
    )
    # as a run does before its first configuration: the geometry, and the zygote with the
    # model's classes imported (a one-time cost per process, measured by P3, not by P2)
    ctx.geometry(config)
    isolation.zygote(benchmark.preload_names([spec]))
    start = time.perf_counter()
    row = benchmark.run_configuration(config, ctx)
    return row, time.perf_counter() - start


def timer_medians_ms(
    model: str, batch: int, seq: int, threads: int, samples: int, seconds: float
) -> tuple[float, float]:
    """The Timer's median of `samples` single passes, and blocked_autorange's median."""
    spec = load_catalog()[model]
    net, _ = build_model(spec)
    inputs = make_inputs(spec, net.config, batch, seq, "cpu", torch.float32).tensors
    timer = Timer(
        stmt="with torch.inference_mode():\n    net(**inputs)",
        globals={"torch": torch, "net": net, "inputs": inputs},
        num_threads=threads,
    )
    timer.timeit(10)  # warm-up
    single = statistics.median(timer.timeit(1).median for _ in range(samples)) * 1000
    blocked = timer.blocked_autorange(min_run_time=seconds).median * 1000
    return single, blocked


def timer_job(report, *args) -> tuple[float, float]:
    """timer_medians_ms in a worker forked from the zygote, as the runner measures: both sides
    in the same kind of process (a fresh fork that imported torch and never ran a model)."""
    return timer_medians_ms(*args)


def timer_medians(in_worker: bool, *args) -> tuple[float, float]:
    if not in_worker:
        return timer_medians_ms(*args)
    # by its module name, so the worker can unpickle it (this script runs as __main__)
    from bench_runner import timer_job as job

    outcome = isolation.zygote().run(job, args, deadline=None)
    assert outcome.answered, outcome.error or outcome.describe_end()
    return outcome.value


def measuring_seconds(row: dict) -> float:
    return row["model_build_seconds"] + row["warmup_seconds"] + row["timed_seconds"]


def fidelity_and_overhead(
    rounds: int,
    settings: TimingSettings,
    threads: int,
    models: list[str] | None = None,
    timer_in_worker: bool = True,
) -> list[dict]:
    results = []
    for model, batch, seq in FIDELITY_CASES:
        if models and model not in models:
            continue
        ratios, blocked_ratios, overheads, loads, qualities = [], [], [], [], []
        for round_ in range(rounds):  # interleaved, the order swapped every round
            loads.append(load())
            timer_args = (model, batch, seq, threads, settings.min_iterations)
            if round_ % 2:
                timer, blocked = timer_medians(
                    timer_in_worker, *timer_args, settings.min_duration_seconds
                )
            row, wall = runner_row(model, batch, seq, threads, settings)
            assert row["status"] == "completed", row.get("error_message")
            if not round_ % 2:
                timer, blocked = timer_medians(
                    timer_in_worker, *timer_args, settings.min_duration_seconds
                )
            ratios.append(row["latency_p50_ms"] / timer)
            blocked_ratios.append(row["latency_p50_ms"] / blocked)
            overheads.append(wall / measuring_seconds(row))
            qualities.append(row["quality"])
        results.append(
            {
                "model": model,
                "batch_size": batch,
                "sequence_length": seq,
                "threads": threads,
                "rounds": rounds,
                "p1_ratio_median": statistics.median(ratios),
                "p1_ratio_min": min(ratios),
                "p1_ratio_max": max(ratios),
                "p1_ratios": ratios,
                "p1_blocked_ratio_median": statistics.median(blocked_ratios),
                "p1_blocked_ratios": blocked_ratios,
                "p2_overhead_median": statistics.median(overheads),
                "p2_overhead_max": max(overheads),
                "load_avg_1m": loads,
                "runner_quality": qualities,
            }
        )
    return results


def startup(rounds: int, extra: list[str]) -> dict:
    """P3: `benchdb run` of one small configuration, wall time over measuring time."""
    ratios, walls, measuring, loads = [], [], [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as scratch:
            loads.append(load())
            command = [str(BIN / "benchdb"), "run", "--model", STARTUP_MODEL, *extra]
            start = time.perf_counter()
            subprocess.run(
                [*command, "--data-dir", scratch], check=True, capture_output=True, cwd=ROOT
            )
            wall = time.perf_counter() - start
            (path,) = glob.glob(f"{scratch}/landing/benchmark_results/*/*.parquet")
            (row,) = pq.read_table(path).to_pylist()
        walls.append(wall)
        measuring.append(measuring_seconds(row))
        ratios.append(wall / measuring_seconds(row))
    return {
        "command": f"benchdb run --model {STARTUP_MODEL} {' '.join(extra)}".strip(),
        "p3_ratio_median": statistics.median(ratios),
        "p3_ratios": ratios,
        "wall_seconds": walls,
        "measuring_seconds": measuring,
        "load_avg_1m": loads,
    }


def demo_seconds() -> dict:
    makefile = (ROOT / "Makefile").read_text()
    models = next(
        line.split(":=", 1)[1].strip()
        for line in makefile.splitlines()
        if line.startswith("DEMO_MODELS")
    )
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "BENCHMARK_DATA_DIR": scratch,
            "BENCHMARK_DB_PATH": f"{scratch}/benchmark.duckdb",
        }
        steps = {
            # as the demo recipe in the Makefile
            "run": [
                str(BIN / "benchdb"),
                "run",
                "--model",
                models,
                "--hardware",
                "cpu",
                "--batch-size",
                "1,4",
                "--sequence-length",
                "128",
                "--warmup",
                "3",
                "--min-iterations",
                "100",
                "--min-duration",
                "1",
            ],
            "build": [str(BIN / "benchdb"), "build", "--quiet"],
            "query": [
                str(BIN / "benchdb"),
                "query",
                "--sql",
                "select count(*) from performance_results",
            ],
        }
        timings = {"load_avg_1m": load()}
        for name, command in steps.items():
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            timings[name] = time.perf_counter() - start
    timings["total"] = timings["run"] + timings["build"] + timings["query"]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-startup", action="store_true", help="leave P3 out")
    parser.add_argument(
        "--model",
        action="append",
        choices=[case[0] for case in FIDELITY_CASES],
        help="P1/P2 for this fidelity model only (repeatable)",
    )
    parser.add_argument(
        "--timer-in",
        choices=("worker", "main"),
        default="worker",
        help="where the Timer runs: a forked worker like the runner's (default), or this process",
    )
    parser.add_argument(
        "--min-duration",
        type=float,
        default=3.0,
        help="each side's timed window per round (many short rounds keep each pair close in time)",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="both sides' threads (default: physical cores)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="short timings and 2 rounds: checks the script runs"
    )
    args = parser.parse_args()
    rounds = 2 if args.quick else args.rounds
    settings = (
        TimingSettings(warmup_iterations=3, min_iterations=20, min_duration_seconds=0.5)
        if args.quick
        else TimingSettings(
            warmup_iterations=10, min_iterations=100, min_duration_seconds=args.min_duration
        )
    )
    threads = args.threads or physical_core_count()
    report = {
        "cpu": detect("cpu").device_name,
        "cores": os.cpu_count(),
        "threads": threads,
        "torch": torch.__version__,
        "fidelity": fidelity_and_overhead(
            rounds, settings, threads, args.model, args.timer_in == "worker"
        ),
    }
    if not args.skip_startup:
        report["startup"] = startup(rounds, ["--min-duration", "0.5"] if args.quick else [])
    if not args.skip_demo and not args.quick:
        report["demo_seconds"] = demo_seconds()

    print(
        f"\nCPU: {report['cpu']}, {report['cores']} cores, {threads} threads, "
        f"torch {report['torch']}"
    )
    print(
        "\n| model | batch | seq | P1 runner p50 / Timer (min-max) "
        "| P1 against blocked_autorange | P2 wall / measured (max) | load |"
    )
    print("|---|---|---|---|---|---|---|")
    for f in report["fidelity"]:
        print(
            f"| {f['model']} | {f['batch_size']} | {f['sequence_length']} "
            f"| {f['p1_ratio_median']:.3f} ({f['p1_ratio_min']:.3f}-{f['p1_ratio_max']:.3f}) "
            f"| {f['p1_blocked_ratio_median']:.3f} "
            f"({min(f['p1_blocked_ratios']):.3f}-{max(f['p1_blocked_ratios']):.3f}) "
            f"| {f['p2_overhead_median']:.3f} ({f['p2_overhead_max']:.3f}) "
            f"| {min(f['load_avg_1m']):.1f}-{max(f['load_avg_1m']):.1f} |"
        )
    if "startup" in report:
        s = report["startup"]
        print(
            f"\nP3 `{s['command']}`: wall / measuring {s['p3_ratio_median']:.2f} "
            f"(walls {', '.join(f'{w:.1f}' for w in s['wall_seconds'])} s; measuring "
            f"{', '.join(f'{m:.1f}' for m in s['measuring_seconds'])} s; load "
            f"{min(s['load_avg_1m']):.1f}-{max(s['load_avg_1m']):.1f})"
        )
    if "demo_seconds" in report:
        d = report["demo_seconds"]
        print(
            f"\ndemo: run {d['run']:.1f} s, build {d['build']:.1f} s, query {d['query']:.1f} s, "
            f"total {d['total']:.1f} s (load {d['load_avg_1m']:.1f})"
        )
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "runner.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
