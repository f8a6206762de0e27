"""`benchdb build --engine spark`: the committed fixture landing zone built on Apache Spark (a
local pyspark session through dbt-spark) gives the marts DuckDB gives, row for row: the same
columns in the same order, equal values (floats within 1e-9 relative, timestamps as UTC
instants, JSON texts as parsed values). The Spark tables are read from their Parquet files
(benchdb/spark_engine.py). To the fixture's runner files the test adds what takes the results
chain's other paths: a device fallback (cuda results as fast as the CPU's, one with a device
memory whose text rounds a decimal tie), hardware marks before and after the measurements, a
result mark, and a real generation run of a tiny decoder (measured and estimated rows: TTFT,
TPOT). The landing zone is on S3 (moto's server on loopback), as on a fleet: both engines build
from `--landing s3://...` (docs/scale_out.md)."""

from __future__ import annotations

import json
import math
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import duckdb
import pyarrow.parquet as pq
import pytest

from benchdb import marks, spark_engine
from runners import landing
from tests import s3_server
from tests.conftest import FAST_TIMING, invoke

pytestmark = [pytest.mark.spark, pytest.mark.slow]

FIXTURE_DATA = Path(__file__).parent / "fixtures" / "data"
# the columns each build stamps with its own time
BUILD_TIME_COLUMNS = {"loaded_at"}
# JSON texts: each engine writes numbers its own way (1e-7, 1.0E-7), the values are the same
JSON_COLUMNS = {"metrics", "metadata", "metadata_json"}


def _land_fallback_and_marks(landing_root: Path) -> None:
    """A cuda copy of three CPU results of one model in the same run, 2% slower (a device
    fallback: the ratio is within the tolerance), the first with a near-zero cuda memory of
    0.00035 MB, a decimal tie its reason prints with 4 decimals; rocm marked simulated before
    the measurements and available again after them; one CPU result marked simulated."""
    (fixture_file,) = (landing_root / "benchmark_results").glob("*/*.parquet")
    rows = [r for r in pq.read_table(fixture_file).to_pylist() if r["status"] == "completed"]
    model = rows[0]["model_name"]
    copies = []
    for number, row in enumerate([r for r in rows if r["model_name"] == model][:3]):
        copy = {k: v for k, v in row.items() if k != "schema_version"}
        copy.update(
            result_id=f"fallback-{number}",
            hardware_type="cuda",
            device="cuda:0",
            measured_at=row["measured_at"] + timedelta(seconds=1),
            latencies_ms=[value * 1.02 for value in row["latencies_ms"]],
            latency_mean_ms=row["latency_mean_ms"] * 1.02,
        )
        if number == 0:
            copy.update(
                memory_method="cuda_max_memory_allocated",
                memory_peak_mb=0.00035,
                memory_loaded_mb=None,
                memory_reserved_mb=None,
            )
        copies.append(copy)
    run_id = rows[0]["run_id"]
    first = min(r["measured_at"] for r in rows)
    landing.write_rows(landing_root, "benchmark_results", copies, f"{run_id}-cuda", first)
    landing.write_rows(
        landing_root,
        "hardware_events",
        [
            {
                "event_id": "rocm-mark",
                "hardware_type": "rocm",
                "is_available": False,
                "reason": "an emulator",
                "host": "vm",
                "detected_at": first - timedelta(days=1),
                "event_source": "manual_mark",
            }
        ],
        "rocm-mark",
        first,
    )
    marks.mark_hardware(landing_root, "rocm", True, "a real device now")
    marks.mark_result(landing_root, rows[-1]["result_id"], "measured while the host was busy")


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory) -> Path:
    """The fixture landing zone (with _land_fallback_and_marks) and a generation run of the
    tiny llama (cpu measured and estimated, cuda estimated) uploaded to S3, built from there by
    DuckDB, then by Spark, beside each other."""
    local = tmp_path_factory.mktemp("spark-landing") / "landing"
    shutil.copytree(FIXTURE_DATA / "landing", local)
    _land_fallback_and_marks(local)
    generation = tmp_path_factory.mktemp("spark-generation")
    invoke(
        "run", "--model", "test/tiny-llama", "--hardware", "cpu,cuda", "--batch-size", "1",
        "--kind", "generate", "--input-length", "8", "--output-length", "3", *FAST_TIMING,
        "--force-simulation", "--also-estimate", "--data-dir", generation,
    )  # fmt: skip
    shutil.copytree(generation / "landing", local, dirs_exist_ok=True)
    data = tmp_path_factory.mktemp("spark-data")
    db = data / "warehouse.duckdb"
    uri = "s3://fleet/landing"
    with s3_server.running() as env, pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        patch.delenv("BENCHMARK_LANDING_URI", raising=False)
        landing._s3_filesystem.cache_clear()
        boto3.client("s3").create_bucket(Bucket="fleet")
        store = landing.landing_zone(uri)
        for file in sorted(local.rglob("*.parquet")):
            landing.put_bytes(store, str(file.relative_to(local)), file.read_bytes())
        invoke("build", "--quiet", "--landing", uri, "--data-dir", data, "--db-path", db)
        result = invoke(
            "build", "--engine", "spark", "--quiet", "--landing", uri,
            "--data-dir", data, "--db-path", db,
        )  # fmt: skip
        assert "spark warehouse built" in result.output
        assert f"landing zone:          {uri}" in result.output
    landing._s3_filesystem.cache_clear()
    return db


def _rows(relation) -> tuple[list[str], list[tuple]]:
    return relation.columns, relation.fetchall()


def _duckdb_rows(db: Path, table: str):
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        return _rows(con.sql(f'select * from "{table}"'))


def _spark_rows(db: Path, table: str):
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        relation = spark_engine.read_table(db, table, con)
        assert relation is not None, f"Spark wrote no file for {table}"
        return _rows(relation)


def _comparable(value):
    """A value as both engines must agree on it: instants in UTC, floats as floats."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise AssertionError(f"a timestamp without a time zone: {value}")
        return value.astimezone(timezone.utc)
    return value


def _same(a, b, column: str = "") -> bool:
    if column in JSON_COLUMNS and isinstance(a, str) and isinstance(b, str):
        return _same(json.loads(a), json.loads(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return _comparable(a) == _comparable(b)


def _key(row: tuple) -> tuple:
    return tuple((v is None, str(_comparable(v))) for v in row)


def _without(columns: list[str], rows: list[tuple], left_out: set[str]):
    kept = [i for i, c in enumerate(columns) if c not in left_out]
    return [columns[i] for i in kept], [tuple(row[i] for i in kept) for row in rows]


@pytest.mark.parametrize("table", spark_engine.SPINE)
def test_spark_mart_equals_duckdb_row_for_row(both_engines, table):
    duck_columns, duck_rows = _duckdb_rows(both_engines, table)
    spark_columns, spark_rows = _spark_rows(both_engines, table)
    assert spark_columns == duck_columns
    duck_columns, duck_rows = _without(duck_columns, duck_rows, BUILD_TIME_COLUMNS)
    spark_columns, spark_rows = _without(spark_columns, spark_rows, BUILD_TIME_COLUMNS)
    # the fixture lands rows of every kind the spine reads: an empty table proves nothing
    assert duck_rows
    assert len(spark_rows) == len(duck_rows)
    for duck_row, spark_row in zip(sorted(duck_rows, key=_key), sorted(spark_rows, key=_key)):
        for column, d, s in zip(duck_columns, duck_row, spark_row):
            assert _same(d, s, column), f"{table}.{column}: DuckDB {d!r}, Spark {s!r}"


def test_the_added_paths_are_taken(both_engines):
    """The comparison above covers the fallback, both kinds of marks, the percentiles and the
    generation rows only if the DuckDB build took those paths: its flags and rows say which."""
    with duckdb.connect(str(both_engines), read_only=True) as con:
        kinds = dict(
            con.execute("select flag_kind, count(*) from simulation_flags group by all").fetchall()
        )
        percentiles = con.execute(
            "select count(latency_p50_ms), count(latency_p95_ms) from performance_results"
        ).fetchone()
        generations = con.execute(
            "select is_simulated, count(*), count(ttft_p50_ms), count(tpot_p50_ms)"
            " from performance_results where benchmark_kind = 'generate' group by all"
        ).fetchall()
        reasons = [
            r[0]
            for r in con.execute(
                "select simulation_reason from performance_results"
                " where simulation_method = 'device fallback'"
            ).fetchall()
        ]
    # the generation run's two roofline estimates (cpu beside its measurement, absent cuda)
    assert kinds == {"device fallback": 3, "hardware mark": 16, "result mark": 1, "estimate": 2}
    assert percentiles[0] > 0 and percentiles[1] > 0
    # the cpu generation measured (20 generations or more: its TTFT and TPOT medians are the
    # samples' own), and estimated for cpu and cuda (one row each)
    generations = {simulated: counts for simulated, *counts in generations}
    assert generations[False] == [1, 1, 1]
    assert generations[True][0] == 2
    # 0.00035 is a decimal tie at 4 decimals: half up, 0.0004, on both engines (C's printf
    # alone gives 0.0003: 0.00035 is 0.000349999... in binary; Java's gives 0.0004)
    assert sum("near-zero device memory (0.0004 MB allocated)" in r for r in reasons) == 1


@pytest.mark.parametrize(
    "table",
    [
        "stg_landing__benchmark_results",
        "stg_landing__generation_results",
        "stg_landing__test_runs",
        "stg_landing__hardware_events",
    ],
)
def test_spark_landing_staging_equals_duckdb(both_engines, table):
    """Staging on Spark: the same rows and columns (the order of the columns a `* replace`
    rewrites differs on Spark), `loaded_at` aside (each build's own time)."""
    with duckdb.connect(str(both_engines), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        columns = [c for c in con.sql(f"select * from staging.{table}").columns if c != "loaded_at"]
        duck_rows = con.sql(f"select {', '.join(columns)} from staging.{table}").fetchall()
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        relation = spark_engine.read_table(both_engines, table, con, schema="staging")
        assert relation is not None, f"Spark wrote no file for {table}"
        assert set(relation.columns) - {"loaded_at"} == set(columns)
        spark_rows = relation.select(", ".join(columns)).fetchall()
    assert duck_rows
    assert len(spark_rows) == len(duck_rows)
    for duck_row, spark_row in zip(sorted(duck_rows, key=_key), sorted(spark_rows, key=_key)):
        for column, d, s in zip(columns, duck_row, spark_row):
            assert _same(d, s, column), f"{table}.{column}: DuckDB {d!r}, Spark {s!r}"


def test_spark_build_reports_its_counts(both_engines):
    counts = spark_engine.table_counts(both_engines)
    with duckdb.connect(str(both_engines), read_only=True) as con:
        for table, rows in counts.items():
            assert rows == con.execute(f'select count(*) from "{table}"').fetchone()[0]


def test_compare_with_duckdb_says_the_marts_are_equal(both_engines):
    """The comparison docs/scale_out.md gives users: every mart equal, row counts as built."""
    report = spark_engine.compare_with_duckdb(both_engines)
    assert set(report) == set(spark_engine.SPINE)
    for table, found in report.items():
        assert found["same_columns"] and found["differing_rows"] == 0, (table, found)
        assert found["duckdb_rows"] == found["spark_rows"] > 0


def test_compare_rows_finds_a_changed_value_and_a_missing_row():
    columns = ["result_id", "latency_ms", "metrics", "loaded_at"]
    duck = [("a", 1.0, '{"x": 1e-7}', 1), ("b", 2.0, None, 1)]
    # 1e-7 and 1.0E-7 are the same JSON number; loaded_at is each build's own time
    assert spark_engine.compare_rows(columns, duck, columns, [
        ("b", 2.0, None, 2), ("a", 1.0 + 1e-12, '{"x": 1.0E-7}', 2),
    ])["differing_rows"] == 0  # fmt: skip
    changed = spark_engine.compare_rows(columns, duck, columns, [
        ("a", 1.0, '{"x": 1e-7}', 1), ("b", 2.001, None, 1),
    ])  # fmt: skip
    assert changed["differing_rows"] == 1
    assert changed["first_difference"] == "latency_ms: DuckDB 2.0, Spark 2.001"
    missing = spark_engine.compare_rows(columns, duck, columns, duck[1:])
    assert missing["differing_rows"] == 1
    assert missing["first_difference"] == "2 rows on DuckDB, 1 on Spark"
