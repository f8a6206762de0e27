"""`benchdb build --engine spark`: the same dbt project on Apache Spark (docs/spark.md).

dbt-spark runs the spine of the project (landing staging, what the core marts need, the core
marts and benchmark_config_status) in an in-process local Spark session by default, or on any
cluster its profile names. The local session's tables are Parquet folders under
`<state folder>/spark/warehouse/<schema>.db/<table>/`: every engine reads them (DuckDB's
read_parquet, pandas, Spark itself). A Spark build is always a full build from the build's
snapshot of the landing zone, written to a fresh folder and swapped in only when every model
built: readers keep the last complete Spark warehouse, a failed build loses nothing.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from benchdb import generations, snapshot
from runners import landing
from runners.errors import WarehouseError

# what the Spark build selects: these models and everything upstream of them (seeds included)
SPINE = (
    "performance_results",
    "models",
    "hardware_platforms",
    "test_runs",
    "hardware_availability_log",
    "benchmark_config_status",
)
SCHEMA = "main"


def spark_dir(db_path: Path) -> Path:
    """The Spark engine's folder beside the DuckDB warehouse's generations."""
    return generations.Layout(db_path).state_dir / "spark"


def warehouse_dir(db_path: Path) -> Path:
    """The published Spark warehouse (spark.sql.warehouse.dir of the local session)."""
    return spark_dir(db_path) / "warehouse"


def table_dir(db_path: Path, table: str) -> Path:
    """The Parquet folder of one table of the published Spark warehouse."""
    return warehouse_dir(db_path) / f"{SCHEMA}.db" / table


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
    import os

    return os.environ.get("JAVA_HOME")


def build(
    db_path: Path,
    data_dir: Path,
    echo: Callable[[str], None] | None = None,
    extra_args: tuple[str, ...] = (),
    dbt_output: Callable[[str], None] | None = None,
    target: str = "spark",
) -> dict[str, int]:
    """Build the spine on Spark from a snapshot of the landing zone; returns the row counts of
    the Spark warehouse's tables (SPINE). See the module's docstring."""
    from benchdb.warehouse import run_dbt

    check_installed()
    landing_root = data_dir / "landing"
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
            )
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _publish(folder, staging)
        if echo:
            echo(f"published the Spark warehouse in {time.perf_counter() - started:.1f} s")
    return table_counts(db_path)


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


def parquet_files(db_path: Path, table: str) -> list[Path]:
    """The data files of one table of the published Spark warehouse (none when it is empty)."""
    folder = table_dir(db_path, table)
    if not folder.is_dir():
        raise WarehouseError(
            f"no Spark table {table} under {folder.parent}: run `benchdb build --engine spark`"
        )
    return sorted(folder.glob("*.parquet"))


def read_table(db_path: Path, table: str, con=None):
    """One table of the published Spark warehouse as a DuckDB relation (its Parquet files)."""
    import duckdb

    con = con or duckdb.connect()
    files = parquet_files(db_path, table)
    if not files:
        return None
    return con.read_parquet([str(f) for f in files])


def table_counts(db_path: Path, tables: tuple[str, ...] = SPINE) -> dict[str, int]:
    import duckdb

    with duckdb.connect() as con:
        counts = {}
        for table in tables:
            relation = read_table(db_path, table, con)
            counts[table] = 0 if relation is None else relation.aggregate("count(*)").fetchone()[0]
        return counts
