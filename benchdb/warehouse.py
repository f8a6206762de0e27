"""The warehouse side: build the DuckDB file with dbt, and read it.

`build` fixes the landing files it will read (benchdb/snapshot.py), brings a free generation of
the warehouse up to date with dbt, incrementally, and publishes it only when every model and
test passed (benchdb/generations.py): readers always see the last complete warehouse, a failed or
killed build loses nothing, and one build runs at a time. The warehouse is derived entirely from
the landing zone and the seeds, so a build from scratch (`--full-refresh`) is always possible.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path

from benchdb import generations, parse_cache, snapshot
from benchdb.paths import PROJECT_DIR
from runners import landing
from runners.errors import WarehouseError

# What an everyday build leaves to `make test` (--unit-tests): dbt's unit tests, and the data
# tests of staging and intermediate models. Both check the models' logic, not the users' input
# (bad input rows are rejected by the models themselves), and the fixtures exercise that logic;
# the staging tests would also re-read every landing file on every build. The marts' data tests,
# the contract readers rely on, run in every build.
LOGIC_CHECKS_EXCLUDED = (
    "--exclude-resource-type",
    "unit_test",
    "--exclude",
    "resource_type:test,path:models/staging",
    "resource_type:test,path:models/intermediate",
)

# a landing zone with fewer than 1/SHRINK_FACTOR of the files the warehouse came from is refused
SHRINK_FACTOR = 2
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


def dbt_env(
    db_path: Path,
    data_dir: Path,
    snapshot_file: Path | None = None,
    landing_root: Path | None = None,
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        BENCHMARK_DB_PATH=str(db_path),
        BENCHMARK_DATA_DIR=str(data_dir),
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    # the folder dbt reads the landing zone from when it is not <data_dir>/landing (the local
    # copy of an S3 landing zone: snapshot.mirror)
    env.pop("BENCHMARK_LANDING_ROOT", None)
    if landing_root is not None:
        env["BENCHMARK_LANDING_ROOT"] = str(landing_root)
    # without a snapshot (dbt run by hand, sqlfluff), the models read the landing zone as it is
    env.pop("BENCHMARK_SNAPSHOT", None)
    if snapshot_file is not None:
        env["BENCHMARK_SNAPSHOT"] = str(snapshot_file)
    return env


def run_dbt(
    args: list[str],
    db_path: Path,
    data_dir: Path,
    echo: Callable[[str], None] | None = None,
    target_dir: Path | None = None,
    snapshot_file: Path | None = None,
    cwd: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    landing_root: Path | None = None,
) -> list[str]:
    """Run a dbt command against `db_path`; returns its output lines, raises with dbt's errors.

    `target_dir` keeps dbt's target (and so its parse) between runs; without it each
    invocation gets throwaway target and log folders. A relative `db_path` is taken from `cwd`
    (the project folder by default). `extra_env` adds to dbt's environment (the Spark engine's
    warehouse folder).
    """
    with tempfile.TemporaryDirectory(prefix="benchdb-dbt-") as scratch:
        target = target_dir or Path(scratch) / "target"
        command = [
            *dbt_executable(),
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(target.parent / "dbt-logs" if target_dir else Path(scratch) / "logs"),
            # dbt.log at info: its debug level writes every statement of every node (31,000
            # lines for one fixture build), 2-4 s of a 25 s build
            "--log-level-file",
            "info",
            "--no-use-colors",
        ]
        env = {
            **dbt_env(db_path, data_dir, snapshot_file, landing_root),
            **(extra_env or {}),
        }
        return _stream(command, env, echo, cwd)


def _die_with_parent() -> None:
    """In the dbt child: be killed when benchdb dies (Linux), so no build runs on orphaned."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _stream(command, env, echo, cwd: Path | None = None) -> list[str]:
    process = subprocess.Popen(
        command,
        cwd=cwd or PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
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
    full_refresh: bool = False,
    unit_tests: bool = False,
    dbt_output: Callable[[str], None] | None = None,
    allow_shrink: bool = False,
    landing_root: landing.LandingRoot | None = None,
    warn: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Build the warehouse from a snapshot of the landing zone and publish it as a new
    generation; returns the core marts' row counts. See the module's docstring.

    The landing zone is <data_dir>/landing unless `landing_root` names another (a folder, or an
    S3 prefix: its snapshot's files are copied under data_dir first, snapshot.mirror).
    `echo` gets benchdb's own messages, and dbt's log lines too unless `dbt_output` is given;
    `warn` (else `echo`) the landed files left out because their columns break the contract."""
    from benchdb import maintenance  # it imports this module

    landing_root = data_dir / "landing" if landing_root is None else landing_root
    # a landed file that cannot be read is left out of the snapshot, named (landing_check)
    remote = isinstance(landing_root, landing.ObjectStore)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # what killed writers and maintenance commands left behind (their processes are gone)
    for leftover in maintenance.clean_leftovers(data_dir, db_path):
        if echo:
            echo(f"removed a leftover of a process that is gone: {leftover}")
    layout = generations.Layout(db_path)
    with generations.build_lock(layout, echo):
        # under the lock no other build is at work: a `build/` folder is a killed build's, gone
        # even when this build finds nothing new
        if generations.discard_leftovers(layout) and echo:
            echo(f"removed the folder of a build that was stopped: {layout.build_dir}")
        started = time.perf_counter()
        taken = snapshot.take(landing_root)
        if warn or echo:
            for line in snapshot_rejections(taken):
                (warn or echo)(line)
        project = generations.project_hash(" ".join(extra_args))
        published = layout.current_info() or {}
        if not allow_shrink:
            check_not_shrinking(published, taken, landing_root)
        if (
            not (full_refresh or unit_tests)
            and published.get("snapshot_id") == taken.snapshot_id
            and published.get("project_hash") == project
            and published.get("landing_root") == str(landing_root)
            # planning's "outdated" is counted in days from the build: a new day rebuilds
            and str(published.get("built_at", ""))[:10]
            == datetime.now(timezone.utc).date().isoformat()
        ):
            if echo:
                echo(
                    f"nothing new: generation {published.get('generation')} was built today from "
                    f"snapshot {taken.snapshot_id} with this project; nothing to build"
                )
            return table_counts(db_path)
        slot = generations.prepare(layout, project, full_refresh)
        withdrawn = generations.withdrawn_files(layout, taken)
        if withdrawn and not slot.full_refresh:
            slot = generations.Slot(
                slot.origin, True, f"{withdrawn} landing file(s) withdrawn since it was built"
            )
        read_root = landing_root
        if remote:
            # dbt reads local copies of exactly the snapshot's objects
            read_root = snapshot.mirror_folder(data_dir, landing_root)
            local, copied, copied_bytes = snapshot.mirror(taken, read_root)
            if warn or echo:  # an S3 zone's files are checked on their local copies
                for line in snapshot_rejections(local):
                    (warn or echo)(line)
            snapshot_file = local.write(layout.build_dir / "snapshot.parquet")
            if echo:
                echo(
                    f"copied {copied} new file(s), {copied_bytes} bytes, from {landing_root} "
                    f"to {read_root}"
                )
        else:
            snapshot_file = taken.write(layout.build_dir / "snapshot.parquet")
        prepared = generations.elapsed(started)
        if echo:
            echo(
                f"snapshot {taken.snapshot_id}: {taken.count()} landing files; building from "
                f"{slot.origin} ({slot.reason})"
            )
        args = [
            "build",
            *extra_args,
            *(["--full-refresh"] if slot.full_refresh else []),
            *([] if unit_tests else LOGIC_CHECKS_EXCLUDED),
        ]
        parse_cache.restore(layout.dbt_target)
        try:
            run_dbt(
                args,
                layout.build_db_relative,
                data_dir,
                dbt_output or echo,
                layout.dbt_target,
                snapshot_file,
                cwd=layout.state_dir,
                landing_root=read_root,
            )
        except WarehouseError as error:
            broken = failed_rules(layout)
            generations.discard_leftovers(layout)
            if broken:
                raise WarehouseError(f"{error}\n" + "\n".join(broken)) from None
            raise
        except BaseException:
            generations.discard_leftovers(layout)
            raise
        parse_cache.save(layout.dbt_target)
        folder = generations.publish(
            layout,
            {
                "snapshot_id": taken.snapshot_id,
                "landing_root": str(landing_root),
                "files": taken.count(),
                "bytes": taken.total_bytes,
                "project_hash": project,
                "built_from": slot.origin,
                "full_refresh": slot.full_refresh,
                "reason": slot.reason,
                "built_at": datetime.now(timezone.utc).isoformat(),
                "prepare_seconds": prepared,
                "seconds": generations.elapsed(started),
            },
        )
        generations.clean_old(layout)
        if echo:
            echo(f"published {folder.name} in {generations.elapsed(started):.1f} s")
    return table_counts(db_path)


def failed_rules(layout: generations.Layout) -> list[str]:
    """Which rules of a failed `rules` data test (tests/data_tests/generic/rules.sql) broke, and
    on how many rows: dbt only says how many rules failed. Runs each failed test's compiled
    query again on the unpublished build; [] when there is nothing to say."""
    results = layout.dbt_target / "run_results.json"
    if not results.is_file() or not layout.build_db.is_file():
        return []
    import duckdb

    lines = []
    try:
        failed = [
            result
            for result in json.loads(results.read_text())["results"]
            if result["status"] == "fail" and result["unique_id"].startswith("test.benchdb.rules_")
        ]
        if not failed:
            return []
        nodes = json.loads((layout.dbt_target / "manifest.json").read_text())["nodes"]
        with duckdb.connect(str(layout.build_db), read_only=True) as connection:
            for result in failed:
                attached = nodes.get(result["unique_id"], {}).get("attached_node") or ""
                model = attached.rsplit(".", 1)[-1] or result["unique_id"]
                for rule, rows in connection.execute(result["compiled_code"]).fetchall():
                    lines.append(f"  {model}: rule `{rule}` fails on {rows} row(s)")
    except (OSError, KeyError, ValueError, duckdb.Error) as error:
        return [f"  (could not list the failing rules: {error})"]
    return lines


def snapshot_rejections(taken: snapshot.Snapshot) -> list[str]:
    """One line per landed file the build leaves out (its columns break the contract), naming
    the file and why: rejected_rows lists them too (outcome `file_rejected`)."""
    return [
        f"left out {snapshot.location(taken.landing_root, f.relative_path)}: {f.rejection} "
        "(listed in rejected_rows; `benchdb landing forget` withdraws it)"
        for f in taken.rejected
    ]


def check_not_shrinking(
    published: dict, taken: snapshot.Snapshot, landing_root: landing.LandingRoot
) -> None:
    """Refuse a landing zone with far fewer files than the published warehouse was built from
    (none, or under half): most often a mistyped --data-dir, which would empty the warehouse."""
    before = int(published.get("files") or 0)
    now = taken.count()
    if before and now * SHRINK_FACTOR < before:
        raise WarehouseError(
            f"refusing to build: the landing zone {landing_root} holds {now} file(s), but the "
            f"warehouse was built from {before} (generation {published.get('generation')}, "
            f"landing zone {published.get('landing_root')}). A mistyped --data-dir? To build "
            "from this landing zone anyway, pass --allow-shrink"
        )


def is_stale(
    db_path: Path, data_dir: Path, landing_root: landing.LandingRoot | None = None
) -> bool:
    """True when the landing zone (<data_dir>/landing unless another is named) holds files the
    published warehouse was not built from."""
    info = generations.Layout(db_path).current_info()
    if info is None:
        return True
    root = data_dir / "landing" if landing_root is None else landing_root
    return snapshot.take(root).snapshot_id != info.get("snapshot_id")


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
