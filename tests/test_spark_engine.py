"""`benchdb build --engine spark`: the committed fixture landing zone built on Apache Spark (a
local pyspark session through dbt-spark) gives the marts DuckDB gives, row for row: the same
columns in the same order, equal values (floats within 1e-9 relative, timestamps as UTC
instants). The Spark tables are read from their Parquet files (benchdb/spark_engine.py)."""

from __future__ import annotations

import math
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from benchdb import spark_engine
from tests.conftest import invoke

pytestmark = [pytest.mark.spark, pytest.mark.slow]

FIXTURE_DATA = Path(__file__).parent / "fixtures" / "data"


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory) -> Path:
    """The fixture landing zone built by DuckDB, then by Spark, beside each other."""
    data = tmp_path_factory.mktemp("spark-data")
    shutil.copytree(FIXTURE_DATA / "landing", data / "landing")
    db = data / "warehouse.duckdb"
    invoke("build", "--quiet", "--data-dir", data, "--db-path", db)
    result = invoke("build", "--engine", "spark", "--quiet", "--data-dir", data, "--db-path", db)
    assert "spark warehouse built" in result.output
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


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return _comparable(a) == _comparable(b)


def _key(row: tuple) -> tuple:
    return tuple((v is None, str(_comparable(v))) for v in row)


@pytest.mark.parametrize("table", spark_engine.SPINE)
def test_spark_mart_equals_duckdb_row_for_row(both_engines, table):
    duck_columns, duck_rows = _duckdb_rows(both_engines, table)
    spark_columns, spark_rows = _spark_rows(both_engines, table)
    assert spark_columns == duck_columns
    # the fixture lands rows of every kind the spine reads: an empty table proves nothing
    assert duck_rows
    assert len(spark_rows) == len(duck_rows)
    for duck_row, spark_row in zip(sorted(duck_rows, key=_key), sorted(spark_rows, key=_key)):
        for column, d, s in zip(duck_columns, duck_row, spark_row):
            assert _same(d, s), f"{table}.{column}: DuckDB {d!r}, Spark {s!r}"


@pytest.mark.parametrize(
    "table",
    ["stg_landing__benchmark_results", "stg_landing__test_runs", "stg_landing__hardware_events"],
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
            assert _same(d, s), f"{table}.{column}: DuckDB {d!r}, Spark {s!r}"


def test_spark_build_reports_its_counts(both_engines):
    counts = spark_engine.table_counts(both_engines)
    with duckdb.connect(str(both_engines), read_only=True) as con:
        for table, rows in counts.items():
            assert rows == con.execute(f'select count(*) from "{table}"').fetchone()[0]
