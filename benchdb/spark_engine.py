"""`benchdb build --engine spark`: the same dbt project on Apache Spark (docs/spark.md).

dbt-spark runs the part of the project that has Spark SQL so far (SPINE: marts and everything
upstream of them, and the landing kinds' staging models) in an in-process local Spark session by
default, or on any cluster its profile names. The local session's tables are Parquet folders under
`<state folder>/spark/warehouse/<schema>.db/<table>/`: every engine reads them (DuckDB's
read_parquet, pandas, Spark itself). A Spark build is always a full build from the build's
snapshot of the landing zone, written to a fresh folder and swapped in only when every model
built: readers keep the last complete Spark warehouse, a failed build loses nothing.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from benchdb import generations, snapshot
from runners import landing
from runners.errors import WarehouseError

# the marts the Spark build makes, with everything upstream of them; every other mart is
# DuckDB-only so far (docs/spark.md says what each still needs)
SPINE = (
    "test_runs",
    "hardware_availability_log",
    "performance_results",
    "simulation_flags",
    "models",
    "hardware_platforms",
    "benchmark_config_status",
)
# the landing kinds' staging models that build on Spark, beyond what SPINE reads
STAGING = (
    "stg_landing__benchmark_results",
    "stg_landing__compatibility_results",
    "stg_landing__integration_results",
    "stg_landing__result_marks",
)
SCHEMA = "main"


def spark_dir(db_path: Path) -> Path:
    """The Spark engine's folder beside the DuckDB warehouse's generations."""
    return generations.Layout(db_path).state_dir / "spark"


def warehouse_dir(db_path: Path) -> Path:
    """The published Spark warehouse (spark.sql.warehouse.dir of the local session)."""
    return spark_dir(db_path) / "warehouse"


def table_dir(db_path: Path, table: str, schema: str = SCHEMA) -> Path:
    """The Parquet folder of one table of the published Spark warehouse."""
    return warehouse_dir(db_path) / f"{schema}.db" / table


def check_installed() -> None:
    import importlib.util

    for module, what in (("pyspark", "pyspark"), ("dbt.adapters.spark", "dbt-spark")):
        if importlib.util.find_spec(module) is None:
            raise WarehouseError(
                f"{what} is not installed: install the spark extra (`make install`, or "
                "`pip install 'benchdb[warehouse,spark]'`) and a Java 17 runtime"
            )
    if shutil.which("java") is None and not _java_home():
        raise WarehouseError(
            "no Java runtime for Spark: install Java 17 (Debian: openjdk-17-jre-headless) "
            "or set JAVA_HOME"
        )


def _java_home() -> str | None:
    return os.environ.get("JAVA_HOME")


def is_local_session(target: str) -> bool:
    """True for the profile's own in-process session (its tables are local Parquet folders);
    a cluster keeps its tables in its own metastore."""
    return target == "spark" and os.environ.get("BENCHMARK_SPARK_METHOD", "session") == "session"


def build(
    db_path: Path,
    data_dir: Path,
    echo: Callable[[str], None] | None = None,
    extra_args: tuple[str, ...] = (),
    dbt_output: Callable[[str], None] | None = None,
    landing_root: landing.LandingRoot | None = None,
) -> dict[str, int]:
    """Build the spine on Spark from a snapshot of the landing zone (<data_dir>/landing, or
    `landing_root`: a folder, or an S3 prefix whose snapshot's files are copied under data_dir
    first, as a DuckDB build does); returns the row counts of the local Spark warehouse's
    tables (SPINE), or nothing for a cluster (its tables are in its schema `main`). See the
    module's docstring."""
    from benchdb.warehouse import run_dbt

    target = os.environ.get("BENCHMARK_SPARK_TARGET", "spark")
    local = is_local_session(target)
    if local:
        check_installed()
    landing_root = data_dir / "landing" if landing_root is None else landing_root
    landing.check_readable(landing_root)
    layout = generations.Layout(db_path)
    folder = spark_dir(db_path)
    with generations.build_lock(layout, echo):
        started = time.perf_counter()
        folder.mkdir(parents=True, exist_ok=True)
        staging = folder / "build"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        taken = snapshot.take(landing_root)
        read_root = None
        if isinstance(landing_root, landing.ObjectStore):
            # Spark reads local copies of exactly the snapshot's objects (snapshot.mirror)
            read_root = snapshot.mirror_folder(data_dir, landing_root)
            local_copy, copied, copied_bytes = snapshot.mirror(taken, read_root)
            snapshot_file = local_copy.write(staging / "snapshot.parquet")
            if echo:
                echo(
                    f"copied {copied} new file(s), {copied_bytes} bytes, from {landing_root} "
                    f"to {read_root}"
                )
        else:
            snapshot_file = taken.write(staging / "snapshot.parquet")
        if echo:
            echo(f"snapshot {taken.snapshot_id}: {taken.count()} landing files; building on Spark")
        args = [
            "build",
            "--target",
            target,
            "--full-refresh",
            "--select",
            *(f"+{name}" for name in SPINE),
            *STAGING,
            # the data tests are DuckDB SQL (docs/spark.md): the Spark build runs the models
            "--resource-type",
            "model",
            "--resource-type",
            "seed",
            *extra_args,
        ]
        try:
            run_dbt(
                args,
                db_path,
                data_dir,
                dbt_output or echo,
                folder / "dbt-target",
                snapshot_file,
                # the local session's scratch (metastore, derby.log, spark-warehouse) stays here
                cwd=staging,
                extra_env={"BENCHMARK_SPARK_WAREHOUSE": str(staging / "warehouse")},
                landing_root=read_root,
            )
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if not local:
            shutil.rmtree(staging, ignore_errors=True)
            if echo:
                echo(f"built on the cluster of target {target} in {elapsed(started):.1f} s")
            return {}
        _publish(folder, staging)
        if echo:
            echo(f"published the Spark warehouse in {elapsed(started):.1f} s")
    return table_counts(db_path)


def elapsed(started: float) -> float:
    return time.perf_counter() - started


def _publish(folder: Path, staging: Path) -> None:
    """The built warehouse replaces the published one (a rename each; the old one is removed
    after)."""
    built = staging / "warehouse"
    if not built.is_dir():
        raise WarehouseError(f"the Spark build wrote no warehouse under {built}")
    published = folder / "warehouse"
    old = folder / "warehouse.old"
    shutil.rmtree(old, ignore_errors=True)
    if published.exists():
        published.rename(old)
    built.rename(published)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)


def parquet_files(db_path: Path, table: str, schema: str = SCHEMA) -> list[Path]:
    """The data files of one table of the published Spark warehouse (none when it is empty)."""
    folder = table_dir(db_path, table, schema)
    if not folder.is_dir():
        raise WarehouseError(
            f"no Spark table {table} under {folder.parent}: run `benchdb build --engine spark`"
        )
    return sorted(folder.glob("*.parquet"))


def read_table(db_path: Path, table: str, con=None, schema: str = SCHEMA):
    """One table of the published Spark warehouse as a DuckDB relation (its Parquet files)."""
    import duckdb

    con = con or duckdb.connect()
    files = parquet_files(db_path, table, schema)
    if not files:
        return None
    return con.read_parquet([str(f) for f in files])


def table_counts(db_path: Path, tables: tuple[str, ...] = SPINE) -> dict[str, int]:
    import duckdb

    with duckdb.connect() as con:
        counts = {}
        for table in tables:
            relation = read_table(db_path, table, con)
            counts[table] = (
                0 if relation is None else relation.aggregate("count(*)").fetchall()[0][0]
            )
        return counts


# the columns a build stamps with its own time, and the JSON texts each engine spells its own
# way (1e-7 against 1.0E-7, a nested object's keys sorted on Spark): compared parsed
BUILD_TIME_COLUMNS = frozenset({"loaded_at"})
JSON_COLUMNS = frozenset({"metrics", "metadata", "metadata_json"})


def compare_with_duckdb(db_path: Path | str, tables: tuple[str, ...] = SPINE) -> dict[str, dict]:
    """Each table of the published Spark warehouse against the DuckDB warehouse's table of the
    same name, both built from the same landing files (`benchdb build`, then `benchdb build
    --engine spark`, nothing landed between them: each build takes its own snapshot):
    {table: {duckdb_rows, spark_rows, same_columns, differing_rows, first_difference}}.
    Tables of as many rows are compared row by row after sorting both (`differing_rows`: rows
    that differ), `loaded_at` left out, floats equal within 1e-9 relative, JSON texts compared
    parsed, timestamps as UTC instants; otherwise `differing_rows` is the difference in rows."""
    import duckdb

    db_path = Path(db_path)
    report = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for table in tables:
            duck = con.sql(f'select * from "{table}"')
            spark = read_table(db_path, table, con)
            spark_columns = [] if spark is None else spark.columns
            report[table] = compare_rows(
                duck.columns,
                duck.fetchall(),
                spark_columns,
                [] if spark is None else spark.fetchall(),
            )
    return report


def compare_rows(
    duck_columns: list[str],
    duck_rows: list[tuple],
    spark_columns: list[str],
    spark_rows: list[tuple],
) -> dict:
    """How two engines' versions of one table differ (see compare_with_duckdb)."""
    kept = [c for c in duck_columns if c not in BUILD_TIME_COLUMNS]
    report = {
        "duckdb_rows": len(duck_rows),
        "spark_rows": len(spark_rows),
        "same_columns": spark_columns == duck_columns,
        "differing_rows": 0,
        "first_difference": None,
    }
    if set(kept) - set(spark_columns):
        report["differing_rows"] = max(len(duck_rows), len(spark_rows))
        report["first_difference"] = (
            f"columns missing on Spark: {sorted(set(kept) - set(spark_columns))}"
        )
        return report
    if len(duck_rows) != len(spark_rows):
        report["differing_rows"] = abs(len(duck_rows) - len(spark_rows))
        report["first_difference"] = f"{len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark"
        return report
    duck = sorted((_pick(duck_columns, row, kept) for row in duck_rows), key=_sort_key)
    spark = sorted((_pick(spark_columns, row, kept) for row in spark_rows), key=_sort_key)
    differing = 0
    for duck_row, spark_row in zip(duck, spark):
        for column, d, s in zip(kept, duck_row, spark_row):
            if not _same_value(d, s, column in JSON_COLUMNS):
                differing += 1
                report["first_difference"] = report["first_difference"] or (
                    f"{column}: DuckDB {d!r}, Spark {s!r}"
                )
                break
    report["differing_rows"] = differing
    return report


def _pick(columns: list[str], row: tuple, kept: list[str]) -> tuple:
    values = dict(zip(columns, row))
    return tuple(values[c] for c in kept)


def _sort_key(row: tuple) -> tuple:
    return tuple((v is None, str(float(f"{v:.9g}") if isinstance(v, float) else v)) for v in row)


def _same_value(a, b, is_json: bool = False) -> bool:
    import json
    import math
    from datetime import datetime, timezone

    if is_json and isinstance(a, str) and isinstance(b, str):
        return _same_value(json.loads(a), json.loads(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.astimezone(timezone.utc) == b.astimezone(timezone.utc)
    return a == b
