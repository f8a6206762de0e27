"""Legacy migration speed: `benchdb migrate` then `benchdb build` over 1,000 legacy JSON files.

    python benchmarks/bench_migrate.py [--files 1000] [--keep DIR]

The 1,000 files are made from the 38 real ones (../shared/legacy_json), laid out under their
original paths (SOURCES.tsv) in one folder per copy: copy k shifts every year in the file and in
its path by k (2025 -> 2025 + k, so each copy is a different set of measurements, not a
duplicate) and scales every decimal number by 1 + k/1000. The truncated file is copied as is and
is quarantined each time. Both commands run as the user runs them (subprocesses, cold start),
then migrate runs again to show a re-run registers nothing. Target: migrate + build < 30 s on
2 cores. Prints markdown and saves bench-results/migrate.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
LEGACY = ROOT / "tests" / "fixtures" / "legacy" / "real"
YEAR = re.compile(r"2025(?=[-0-9])")
TABLES = (
    "performance_results",
    "legacy_results_without_batch_size",
    "test_runs",
    "integration_test_results",
    "integration_test_assertions",
    "hardware_compatibility",
    "hardware_availability_log",
    "legacy_summaries",
    "legacy_files",
    "legacy_metric_values",
    "simulation_flags",
)


def sources() -> list[tuple[str, str]]:
    rows = []
    for line in (LEGACY / "SOURCES.tsv").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            local, original = line.split("\t")[:2]
            rows.append((local, original))
    return rows


def scaled(value, factor: float):
    if isinstance(value, float):
        return value * factor
    if isinstance(value, dict):
        return {k: scaled(v, factor) for k, v in value.items()}
    if isinstance(value, list):
        return [scaled(v, factor) for v in value]
    return value


def generate(out: Path, count: int) -> int:
    """Write `count` files; returns their total size in bytes."""
    originals = sources()
    texts = {local: (LEGACY / local).read_text(encoding="utf-8") for local, _ in originals}
    total = 0
    for i in range(count):
        local, original = originals[i % len(originals)]
        k = i // len(originals)
        text = YEAR.sub(str(2025 + k), texts[local])
        with contextlib.suppress(json.JSONDecodeError):  # the truncated file stays truncated
            text = json.dumps(scaled(json.loads(text), 1 + k / 1000), indent=1)
        target = out / f"copy_{k:03d}" / YEAR.sub(str(2025 + k), original)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, env=os.environ | {"DO_NOT_TRACK": "1"}
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--keep", type=Path, default=None, help="Work here and keep it.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-migrate-"))
    shutil.rmtree(work / "input", ignore_errors=True)
    shutil.rmtree(work / "data", ignore_errors=True)
    benchdb = str(Path(sys.executable).with_name("benchdb"))
    try:
        size = generate(work / "input", args.files)
        migrate_s, migrate_out = timed(
            [
                benchdb,
                "migrate",
                "--input-dir",
                str(work / "input"),
                "--data-dir",
                str(work / "data"),
            ]
        )
        db = work / "data" / "benchmark.duckdb"
        build_s, _ = timed(
            [benchdb, "build", "--quiet", "--data-dir", str(work / "data"), "--db-path", str(db)]
        )
        rerun_s, rerun_out = timed(
            [
                benchdb,
                "migrate",
                "--input-dir",
                str(work / "input"),
                "--data-dir",
                str(work / "data"),
            ]
        )
        with duckdb.connect(str(db), read_only=True) as con:
            counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    summary = next(line for line in migrate_out.splitlines() if line.startswith("migration "))
    total_s = migrate_s + build_s
    result = {
        "files": args.files,
        "input_mb": round(size / 2**20, 1),
        "cpus": os.cpu_count(),
        "migrate_seconds": round(migrate_s, 2),
        "build_seconds": round(build_s, 2),
        "total_seconds": round(total_s, 2),
        "files_per_second": round(args.files / total_s, 1),
        "migrate_files_per_second": round(args.files / migrate_s, 1),
        "rerun_migrate_seconds": round(rerun_s, 2),
        "migrate_summary": summary.split(": ", 1)[1],
        "rerun_summary": next(
            line for line in rerun_out.splitlines() if line.startswith("migration ")
        ).split(": ", 1)[1],
        "rows": counts,
        "target_met": total_s < 30,
    }
    (ROOT / "bench-results").mkdir(exist_ok=True)
    (ROOT / "bench-results" / "migrate.json").write_text(json.dumps(result, indent=2) + "\n")
    print("| files | input | migrate | build | migrate + build | files/s | re-run migrate |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {args.files} | {result['input_mb']} MB | {migrate_s:.1f} s | {build_s:.1f} s "
        f"| {total_s:.1f} s | {result['files_per_second']} | {rerun_s:.1f} s |"
    )
    print(f"\nmigrate: {result['migrate_summary']}\nre-run:  {result['rerun_summary']}")
    print("rows: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    print(f"target (< 30 s on 2 cores): {'met' if result['target_met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
