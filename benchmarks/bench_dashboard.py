"""Dashboard speed: `benchdb chart dashboard` on a warehouse of 100,000 results.

    python benchmarks/bench_dashboard.py [--results 100000] [--repeat 3] [--keep DIR]

1. Measures the three tiny models for real on the CPU (`benchdb run`, a few seconds).
2. Generates the rest of the 100,000 results by varying those real rows: hardware type,
   precision, batch size, sequence length and date. Every generated row is flagged
   is_simulated = true with simulation_reason 'benchmark fixture'; only the real rows are
   measurements. They are written with runners.landing.write_rows into a throwaway data
   directory (a temporary folder, or --keep DIR), never into data/.
3. Builds that warehouse (`benchdb build`), then times the real CLI, `benchdb chart dashboard
   --output DIR`, end to end (process start, imports, reading the marts, every chart, the
   page) --repeat times, and reports each chart's own render time.

Results are printed as markdown and saved to bench-results/dashboard.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq

from runners import landing

ROOT = Path(__file__).resolve().parent.parent
BENCHDB = [str(Path(sys.executable).with_name("benchdb"))]
TINY = "test/tiny-bert,test/tiny-vit,test/tiny-whisper"
HARDWARE = ("cpu", "cuda", "rocm", "mps", "openvino", "webgpu")
PRECISIONS = ("fp32", "fp16", "bf16")
BATCH_SIZES = (1, 2, 4, 8, 16, 32)
SEQUENCE_LENGTHS = (16, 32, 64, 128)
ROWS_PER_FILE = 10_000
# deterministic factors (no random numbers): a generated row's latency is the real row's
# latency x these, so the charts have realistic shapes; the rows are flagged simulated
HW_FACTOR = {"cpu": 1.0, "cuda": 0.12, "rocm": 0.15, "mps": 0.4, "openvino": 0.7, "webgpu": 0.9}
PRECISION_FACTOR = {"fp32": 1.0, "fp16": 0.6, "bf16": 0.65}


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BENCHDB, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )


def real_rows(data_dir: Path) -> list[dict]:
    cli(
        "run", "--model", TINY, "--hardware", "cpu", "--batch-size", "1,4",
        "--sequence-length", "16", "--warmup", "1", "--min-iterations", "5",
        "--min-duration", "0.05", "--data-dir", str(data_dir),
    )  # fmt: skip
    rows = []
    for path in landing.landed_files(data_dir / "landing", "benchmark_results"):
        rows += pq.read_table(path).to_pylist()
    return [r for r in rows if r["status"] == "completed"]


def _jitter(*key: object) -> float:
    """A repeatable factor in [0.9, 1.1) from the row's key (a hash, not a random number)."""
    digest = hashlib.blake2b("|".join(map(str, key)).encode(), digest_size=4).digest()
    return 0.9 + 0.2 * int.from_bytes(digest, "big") / 2**32


def generated_rows(base: list[dict], count: int) -> list[dict]:
    """`count` rows varied from the real ones, every one flagged simulated."""
    configs = []
    for real in base:
        if real["batch_size"] != 1:
            continue
        seqs = SEQUENCE_LENGTHS if real["sequence_length"] is not None else (None,)
        for hw in HARDWARE:
            for precision in PRECISIONS:
                for batch in BATCH_SIZES:
                    for seq in seqs:
                        configs.append((real, hw, precision, batch, seq))
    rounds = -(-count // len(configs))
    rows: list[dict] = []
    keep = [
        "model_name",
        "model_family",
        "modality",
        "weights_source",
        "parameter_count",
        "image_size",
        "audio_seconds",
        "host",
        "os",
        "python_version",
        "torch_version",
        "transformers_version",
        "cpu_model",
    ]
    for day in range(rounds):
        for real, hw, precision, batch, seq in configs:
            if len(rows) == count:
                return rows
            scale = HW_FACTOR[hw] * PRECISION_FACTOR[precision] * (0.6 + 0.4 * batch)
            if seq is not None:
                scale *= seq / 16
            scale *= _jitter(real["model_name"], hw, precision, batch, seq, day)
            p50 = real["latency_p50_ms"] * scale
            rows.append(
                {
                    **{k: real[k] for k in keep},
                    "result_id": landing.derived_id(
                        "bench-fixture", real["model_name"], hw, precision, batch, seq, day
                    ),
                    "measured_at": real["measured_at"] - timedelta(days=rounds - day),
                    "hardware_type": hw,
                    "batch_size": batch,
                    "sequence_length": seq,
                    "precision": precision,
                    "status": "completed",
                    "iterations": real["iterations"],
                    "latency_mean_ms": p50 * 1.05,
                    "latency_p50_ms": p50,
                    "latency_p90_ms": p50 * 1.2,
                    "latency_p95_ms": p50 * 1.3,
                    "latency_p99_ms": p50 * 1.5,
                    "latency_min_ms": p50 * 0.9,
                    "latency_max_ms": p50 * 1.6,
                    "throughput_items_per_second": batch * 1000.0 / (p50 * 1.05),
                    "memory_peak_mb": (real["memory_peak_mb"] or 1.0) * (0.5 + 0.5 * batch),
                    "is_simulated": True,
                    "simulation_reason": "benchmark fixture",
                    "simulation_method": "bench_dashboard.py: real tiny-model row x fixed factors",
                }
            )
    return rows


def land(data_dir: Path, rows: list[dict], template_run: dict) -> None:
    landing_root = data_dir / "landing"
    for start in range(0, len(rows), ROWS_PER_FILE):
        chunk_no = start // ROWS_PER_FILE
        run_id = landing.derived_id("bench-fixture-run", chunk_no)
        chunk = [{**r, "run_id": run_id} for r in rows[start : start + ROWS_PER_FILE]]
        when = chunk[-1]["measured_at"]
        landing.write_rows(landing_root, "benchmark_results", chunk, run_id, when)
        run = {k: v for k, v in template_run.items() if k != "schema_version"}
        run.update(run_id=run_id, test_name="benchmark fixture (simulated rows)")
        landing.write_rows(landing_root, "test_runs", [run], run_id, when)


CHART_LINE = re.compile(r"^(\S+\.png|read marts|write index\.html)\s+([0-9.]+)s$")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_dashboard(db: Path, out: Path, repeat: int) -> tuple[list[float], dict[str, list[float]]]:
    """Wall seconds per run, and each chart's seconds; per_chart['cpu seconds'] is the CPU
    time (user + system, all processes) of each run."""
    walls, per_chart = [], {}
    for i in range(repeat):
        target = out / f"dash-{i}"
        if target.exists():
            shutil.rmtree(target)
        start, cpu = time.perf_counter(), _children_cpu()
        done = cli("chart", "dashboard", "--output", str(target), "--db-path", str(db))
        walls.append(time.perf_counter() - start)
        per_chart.setdefault("cpu seconds", []).append(_children_cpu() - cpu)
        for line in done.stderr.splitlines():
            match = CHART_LINE.match(line.strip())
            if match:
                per_chart.setdefault(match.group(1), []).append(float(match.group(2)))
    return walls, per_chart


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="build here and keep it")
    parser.add_argument(
        "--reuse", action="store_true", help="time the dashboard on the warehouse already in --keep"
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    data_dir, db = work / "data", work / "bench.duckdb"

    measured_seconds = generate_seconds = build_seconds = None
    if not (args.reuse and db.exists()):
        started = time.perf_counter()
        base = real_rows(data_dir)
        measured_seconds = time.perf_counter() - started
        template_run = pq.read_table(landing.landed_files(data_dir / "landing", "test_runs")[0])
        started = time.perf_counter()
        rows = generated_rows(base, args.results - len(base))
        land(data_dir, rows, template_run.to_pylist()[0])
        generate_seconds = time.perf_counter() - started
        started = time.perf_counter()
        cli("build", "--quiet", "--data-dir", str(data_dir), "--db-path", str(db))
        build_seconds = time.perf_counter() - started
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        total, simulated, configurations = con.sql(
            "select count(*), count_if(is_simulated), "
            "(select count(*) from rpt_latest_results) from performance_results"
        ).fetchall()[0]

    load = os.getloadavg()
    walls, per_chart = time_dashboard(db, work, args.repeat)
    result = {
        "results": total,
        "simulated_results": simulated,
        "configurations": configurations,
        "cpu_count": os.cpu_count(),
        "load_average_before": round(load[0], 2),
        "measure_real_rows_seconds": _round(measured_seconds),
        "generate_and_land_seconds": _round(generate_seconds),
        "build_seconds": _round(build_seconds),
        "dashboard_wall_seconds": [round(w, 2) for w in walls],
        "dashboard_median_seconds": round(statistics.median(walls), 2),
        "chart_seconds_median": {
            name: round(statistics.median(times), 2) for name, times in per_chart.items()
        },
    }
    print(
        f"## Dashboard on {total:,} results ({simulated:,} simulated), {configurations:,} "
        f"configurations, {os.cpu_count()} cores\n"
    )
    if build_seconds is not None:
        print(f"- generate and land: {generate_seconds:.1f} s; build (dbt): {build_seconds:.1f} s")
    print(
        f"- `benchdb chart dashboard`, end to end: median {statistics.median(walls):.2f} s "
        f"over {len(walls)} runs ({', '.join(f'{w:.2f}' for w in walls)})\n"
    )
    print(f"- load average before timing: {load[0]:.2f} (other work on the machine)\n")
    print("| chart | render seconds (median) |\n| --- | --- |")
    for name, seconds in result["chart_seconds_median"].items():
        print(f"| {name} | {seconds:.2f} |")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "dashboard.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
