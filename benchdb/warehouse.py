"""The warehouse side: build the DuckDB file with dbt, and read it.

`build` runs `dbt build` into a fresh file beside the warehouse and renames it over the old one
only when every model and test passed, so readers always see the last complete warehouse and a
failed build loses nothing. The warehouse is derived entirely from the landing zone and the
seeds, so a build from scratch is always possible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from benchdb.paths import PROJECT_DIR
from runners import landing
from runners.errors import WarehouseError

CORE_MARTS = (
    "models",
    "hardware_platforms",
    "test_runs",
    "performance_results",
    "hardware_availability_log",
)


def dbt_executable() -> list[str]:
    """dbt of this interpreter's environment, run as a module: no console script needed."""
    import importlib.util

    if importlib.util.find_spec("dbt.cli") is None:
        raise WarehouseError(
            "dbt is not installed: install the warehouse extra (`make install`, or "
            "`pip install 'benchdb[warehouse]'`)"
        )
    return [sys.executable, "-m", "dbt.cli.main"]


def dbt_env(db_path: Path, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        BENCHMARK_DB_PATH=str(db_path),
        BENCHMARK_DATA_DIR=str(data_dir),
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def run_dbt(
    args: list[str], db_path: Path, data_dir: Path, echo: Callable[[str], None] | None = None
) -> list[str]:
    """Run a dbt command against `db_path`; returns its output lines, raises with dbt's errors.

    Each invocation gets its own target and log folders, so concurrent builds (two users, or
    tests) never overwrite each other's compiled manifests.
    """
    with tempfile.TemporaryDirectory(prefix="benchdb-dbt-") as scratch:
        command = [
            *dbt_executable(),
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(Path(scratch) / "target"),
            "--log-path",
            str(Path(scratch) / "logs"),
            "--no-use-colors",
        ]
        return _stream(command, db_path, data_dir, echo)


def _stream(command, db_path, data_dir, echo) -> list[str]:
    process = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=dbt_env(db_path, data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.rstrip("\n")
        lines.append(line)
        if echo:
            echo(line)
    if process.wait() != 0:
        raise WarehouseError(_dbt_failure(lines))
    return lines


def _dbt_failure(lines: list[str]) -> str:
    """dbt's own words: everything from 'Completed with ... error' on, else the last lines."""
    for i, line in enumerate(lines):
        if "Completed with" in line or "Encountered an error" in line:
            tail = [x for x in lines[i:] if x.strip() and "Done. PASS=" not in x]
            return "dbt build failed:\n" + "\n".join(tail[:40])
    return "dbt failed:\n" + "\n".join(x for x in lines[-25:] if x.strip())


def build(
    db_path: Path,
    data_dir: Path,
    echo: Callable[[str], None] | None = None,
    extra_args: tuple[str, ...] = (),
) -> dict[str, int]:
    """Build models, seeds and tests into a new file, then swap it in; returns mart row counts."""
    landing.check_readable(data_dir / "landing")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # same file name in a side folder: DuckDB names the catalog after the file, and views
    # refer to it, so the built file must keep its name when it is moved into place
    staging_dir = db_path.parent / f".build-{os.getpid()}"
    staging_dir.mkdir(exist_ok=True)
    staging_db = staging_dir / db_path.name
    try:
        run_dbt(["build", *extra_args], staging_db, data_dir, echo)
        os.replace(staging_db, db_path)
        stale_wal = db_path.with_name(db_path.name + ".wal")
        if stale_wal.exists():
            stale_wal.unlink()
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    return table_counts(db_path)


def connect_read_only(db_path: Path):
    import duckdb

    if not db_path.exists():
        raise WarehouseError(f"no warehouse at {db_path}: run `benchdb build` first")
    try:
        return duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open {db_path}: {exc}") from None


def table_counts(db_path: Path, tables: tuple[str, ...] = CORE_MARTS) -> dict[str, int]:
    with connect_read_only(db_path) as con:
        return {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}


def coerce_parameter(value: str) -> object:
    """CLI parameters arrive as text: integers and decimals are bound as numbers."""
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            continue
    return value


def query(db_path: Path, sql: str, parameters: Mapping[str, object] | None = None):
    """Run one SQL statement read-only with `$name` (or the old `:name`) parameters; returns
    (columns, rows). More than one statement is refused before anything runs."""
    import duckdb

    from benchdb.queries import prepare_query

    sql = prepare_query(sql, parameters)
    with connect_read_only(db_path) as con:
        try:
            cursor = con.execute(sql, dict(parameters or {}))
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            raise WarehouseError(f"query failed: {first}") from None
        columns = [d[0] for d in cursor.description] if cursor.description else []
        return columns, cursor.fetchall()
