"""Runner benchmarks: timing fidelity, per-configuration overhead, and the demo's wall time.

    python benchmarks/bench_runner.py [--skip-demo]

Fidelity: the runner's median latency against torch.utils.benchmark.Timer timing the same forward
pass in the same process with the same thread count (the Timer uses one thread unless told).
Overhead: a configuration's wall time against build + warm-up + timed iterations.
Demo: `make demo`'s three commands, timed after installation, into a scratch data directory.
Results are printed as markdown and saved to bench-results/runner.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.benchmark import Timer

from runners import benchmark
from runners.catalog import load_catalog
from runners.hardware import detect
from runners.model_factory import build_model, make_inputs, model_classes
from runners.timing import TimingSettings

ROOT = Path(__file__).resolve().parent.parent
FIDELITY_CASES = [("prajjwal1/bert-tiny", 1, 128), ("distilbert-base-uncased", 1, 128)]
SETTINGS = TimingSettings(warmup_iterations=10, min_iterations=50, min_duration_seconds=3.0)


def runner_row(model: str, batch: int, seq: int) -> tuple[dict, float]:
    spec = load_catalog()[model]
    model_classes(spec)  # as run_benchmarks does before its first configuration
    config = benchmark.BenchmarkConfig(spec, "cpu", "fp32", batch, seq)
    ctx = benchmark.RunContext("bench", SETTINGS, {"cpu": detect("cpu")}, host="bench")
    start = time.perf_counter()
    row = benchmark.run_configuration(config, ctx)
    return row, time.perf_counter() - start


def timer_median_ms(model: str, batch: int, seq: int) -> float:
    spec = load_catalog()[model]
    net, _ = build_model(spec)
    inputs = make_inputs(spec, net.config, batch, seq, "cpu", torch.float32).tensors
    timer = Timer(
        stmt="with torch.inference_mode():\n    net(**inputs)",
        globals={"torch": torch, "net": net, "inputs": inputs},
        num_threads=torch.get_num_threads(),
    )
    timer.timeit(10)  # warm-up
    return timer.blocked_autorange(min_run_time=3.0).median * 1000


def fidelity() -> list[dict]:
    results = []
    for model, batch, seq in FIDELITY_CASES:
        runner_p50, timer_p50, overheads = [], [], []
        for _ in range(3):  # interleave so drift hits both alike
            row, wall = runner_row(model, batch, seq)
            runner_p50.append(row["latency_p50_ms"])
            parts = row["model_build_seconds"] + row["warmup_seconds"] + row["timed_seconds"]
            overheads.append(wall - parts)
            timer_p50.append(timer_median_ms(model, batch, seq))
        r, t = statistics.median(runner_p50), statistics.median(timer_p50)
        results.append(
            {
                "model": model,
                "batch_size": batch,
                "sequence_length": seq,
                "threads": torch.get_num_threads(),
                "runner_p50_ms": r,
                "timer_median_ms": t,
                "ratio": r / t,
                "max_overhead_seconds": max(overheads),
            }
        )
    return results


def demo_seconds() -> dict:
    makefile = (ROOT / "Makefile").read_text()
    models = next(
        line.split(":=", 1)[1].strip()
        for line in makefile.splitlines()
        if line.startswith("DEMO_MODELS")
    )
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "BENCHMARK_DATA_DIR": scratch,
            "BENCHMARK_DB_PATH": f"{scratch}/benchmark.duckdb",
        }
        steps = {
            "run": [
                str(bin_dir / "benchdb"),
                "run",
                "--model",
                models,
                "--batch-sizes",
                "1,4",
                "--sequence-length",
                "128",
                "--warmup",
                "3",
                "--min-iterations",
                "10",
                "--min-duration",
                "1",
            ],
            "build": [str(bin_dir / "benchdb"), "build", "--quiet"],
            "query": [
                str(bin_dir / "benchdb"),
                "query",
                "--sql",
                "select count(*) from performance_results",
            ],
        }
        timings = {}
        for name, command in steps.items():
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            timings[name] = time.perf_counter() - start
    timings["total"] = sum(timings.values())
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    report = {
        "cpu": detect("cpu").device_name,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "fidelity": fidelity(),
    }
    if not args.skip_demo:
        report["demo_seconds"] = demo_seconds()

    print(f"\nCPU: {report['cpu']}, {report['cores']} cores, torch {report['torch']}\n")
    print(
        "| model | batch | seq | threads | runner p50 ms | Timer median ms | ratio | overhead s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for f in report["fidelity"]:
        print(
            f"| {f['model']} | {f['batch_size']} | {f['sequence_length']} | {f['threads']} "
            f"| {f['runner_p50_ms']:.3f} | {f['timer_median_ms']:.3f} | {f['ratio']:.3f} "
            f"| {f['max_overhead_seconds']:.3f} |"
        )
    if "demo_seconds" in report:
        d = report["demo_seconds"]
        print(
            f"\ndemo: run {d['run']:.1f} s, build {d['build']:.1f} s, query {d['query']:.1f} s, "
            f"total {d['total']:.1f} s"
        )
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "runner.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
