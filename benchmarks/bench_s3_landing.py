"""What an S3 landing zone costs, on moto's server on loopback (docs/scale_out.md).

    python benchmarks/bench_s3_landing.py --rows 100000 [--rows-per-file 1000] [--repeat 3]

A generated landing zone (benchmarks/generate_results.py: flagged simulated, never measurements)
is uploaded to moto's S3 server on 127.0.0.1, file by file through runners.landing.put_bytes (the
runner's one-upload write). Then the ways a build can read it are timed, each answering the same
query (rows, and the mean of latency_p50_ms) over the benchmark_results files:

  mirror      snapshot.take lists the objects, snapshot.mirror copies them to a local folder
              (cold: every file; warm: nothing new), DuckDB reads the local copies
  s3fs        DuckDB reads s3:// itself through an fsspec filesystem (s3fs) registered on the
              connection: what a dbt-duckdb `filesystems:` entry does (skipped, and said so,
              when s3fs is not importable: it is not a dependency, see docs/scale_out.md)
  dataset     a pyarrow dataset over the S3 objects handed to DuckDB (an Arrow scan)

Each is timed --repeat times with time.perf_counter; the median and the spread are printed.
moto keeps objects in memory in one Python process, so absolute times are a lower bound for
network latency and an upper bound for server throughput: compare the ways, not the numbers with
a real S3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERY = "select count(*), round(avg(latency_p50_ms), 6) from read_parquet({files})"


def timed(fn, repeat: int) -> tuple[list[float], object]:
    times, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = fn()
        times.append(time.perf_counter() - started)
    return times, answer


def show(name: str, times: list[float], answer) -> str:
    middle = statistics.median(times)
    line = (
        f"| {name} | {middle:.2f} | {min(times):.2f}-{max(times):.2f} | {len(times)} | {answer} |"
    )
    print(line, flush=True)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rows-per-file", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--build", action="store_true", help="also time `benchdb build` from the folder and S3"
    )
    parser.add_argument(
        "--s3fs-path",
        type=Path,
        default=None,
        help="a folder holding s3fs and its aiobotocore (pip install --target): s3fs needs a "
        "botocore older than the dev extra's boto3 allows, so it is not in the venv",
    )
    args = parser.parse_args()

    import duckdb
    from pyarrow import dataset

    from benchdb import snapshot
    from runners import landing
    from tests import s3_server

    scratch = Path(tempfile.mkdtemp(prefix="bench-s3-"))
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate_results.py"), "--rows",
         str(args.rows), "--rows-per-file", str(args.rows_per_file), "--data-dir",
         str(scratch / "local")],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    local = scratch / "local" / "landing"
    files = sorted(p for p in local.rglob("*.parquet"))
    size = sum(p.stat().st_size for p in files)
    print(f"landing zone: {len(files)} files, {size / 2**20:.1f} MiB, {args.rows} result rows")

    with s3_server.running() as env:
        os.environ.update(env)
        store = landing.landing_zone("s3://bench/landing")
        landing._s3_filesystem.cache_clear()
        from pyarrow import fs

        endpoint = env["AWS_ENDPOINT_URL"].removeprefix("http://")
        fs.S3FileSystem(
            endpoint_override=endpoint, scheme="http", allow_bucket_creation=True
        ).create_dir("bench")
        started = time.perf_counter()
        for path in files:
            landing.put_bytes(store, str(path.relative_to(local)), path.read_bytes())
        upload = time.perf_counter() - started
        print(f"upload: {upload:.2f} s, {1000 * upload / len(files):.1f} ms per file")

        rows = ["| way | median s | range s | runs | answer |", "|---|---|---|---|---|"]
        listing, taken = timed(lambda: snapshot.take(store), args.repeat)
        rows.append(show("list (snapshot.take)", listing, f"{taken.count()} files"))

        def mirror_cold():
            folder = scratch / f"mirror-{time.monotonic_ns()}"
            snapshot.mirror(taken, folder)
            return folder

        cold, folder = timed(mirror_cold, args.repeat)
        rows.append(show("mirror, cold (copy every file)", cold, "-"))
        warm, _ = timed(lambda: snapshot.mirror(taken, folder)[1], args.repeat)
        rows.append(show("mirror, warm (nothing new)", warm, "0 copied"))
        results = sorted(str(p) for p in (folder / "benchmark_results").rglob("*.parquet"))

        def read_local():
            return duckdb.sql(QUERY.format(files=results)).fetchall()[0]

        local_read, answer = timed(read_local, args.repeat)
        rows.append(show("DuckDB reads the local copies", local_read, answer))

        urls = [store.url(str(Path(p).relative_to(folder))) for p in results]
        if args.s3fs_path:
            sys.path.insert(0, str(args.s3fs_path))
        try:
            import s3fs
        except ImportError:
            rows.append("| DuckDB reads s3:// through s3fs | not measured: s3fs not installed |||")
        else:

            def read_s3fs():
                con = duckdb.connect()
                con.register_filesystem(s3fs.S3FileSystem(endpoint_url=env["AWS_ENDPOINT_URL"]))
                return con.sql(QUERY.format(files=urls)).fetchall()[0]

            through, answer = timed(read_s3fs, args.repeat)
            rows.append(show("DuckDB reads s3:// through s3fs", through, answer))

        keys = [u.removeprefix("s3://") for u in urls]

        def read_dataset():
            frame = dataset.dataset(keys, filesystem=store.filesystem, format="parquet")
            con = duckdb.connect()
            con.register("frame", frame)
            return con.sql("select count(*), round(avg(latency_p50_ms), 6) from frame").fetchall()[
                0
            ]

        arrow, answer = timed(read_dataset, args.repeat)
        rows.append(show("pyarrow dataset on S3 handed to DuckDB", arrow, answer))
        if args.build:
            rows += builds(scratch, store)
    print("\n".join(rows))


def builds(scratch: Path, store) -> list[str]:
    """`benchdb build` (one run each, --quiet): from the folder, from S3 cold (every file copied),
    then from S3 again after one more file landed (incremental: one file copied)."""
    from runners import landing

    benchdb = str(Path(sys.executable).parent / "benchdb")

    def build(name: str, *where: str) -> float:
        started = time.perf_counter()
        subprocess.run(
            [benchdb, "build", "--quiet", *where, "--data-dir", str(scratch / name),
             "--db-path", str(scratch / name / "w.duckdb")],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        return time.perf_counter() - started

    local = build("local", "--landing", str(scratch / "local" / "landing"))
    cold = build("s3", "--landing", store.uri)
    event = {
        "event_id": "bench",
        "run_id": "bench-extra",
        "hardware_type": "cpu",
        "is_available": True,
        "host": "bench",
        "detected_at": landing.utc_now(),
        "event_source": "runner_detection",
    }
    landing.write_rows(store, "hardware_events", [event], "bench-extra", landing.utc_now())
    again = build("s3", "--landing", store.uri)
    return [
        f"| `benchdb build` from the folder | {local:.1f} | | 1 | |",
        f"| `benchdb build --landing s3://...`, cold | {cold:.1f} | | 1 | |",
        f"| the same, one file more (incremental) | {again:.1f} | | 1 | |",
    ]


if __name__ == "__main__":
    main()
