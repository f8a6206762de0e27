"""Keeping the warehouse and the landing zone healthy: check, optimize, backup, restore, stats.

The landing zone is the source of truth and the warehouse is derived from it, so a backup holds
both: the landing files (restorable on their own: `benchdb build` recreates the warehouse) and
the warehouse file (so a restore answers queries at once). Nothing here edits the warehouse in
place: `optimize` writes a compacted copy and renames it over the old file, like a build, so
readers holding the old file keep answering.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from benchdb import warehouse
from runners.errors import BenchdbError, WarehouseError

BACKUP_PREFIX = "benchdb-backup-"
_BACKUP_NAME = re.compile(rf"^{BACKUP_PREFIX}(\d{{8}}T\d{{6}}\d{{6}}Z)(\.tar\.gz)?$")
MANIFEST = "manifest.json"
# landing kinds whose rows a mart must hold, by id column
ACCOUNTED = {
    "benchmark_results": ("result_id", "performance_results", "result_id"),
    "generation_results": ("result_id", "performance_results", "result_id"),
    "test_runs": ("run_id", "test_runs", "run_id"),
    "hardware_events": ("run_id", "hardware_availability_log", "run_id"),
    "compatibility_results": ("compatibility_id", "hardware_compatibility", "compatibility_id"),
    "integration_results": ("test_result_id", "integration_test_results", "test_result_id"),
    # a mark is in the warehouse as the result it marks
    "result_marks": ("result_id", "performance_results", "result_id"),
}
# rejected_rows names a refused row by its own id where the mart keeps another (an event by
# event_id; the availability log has no event id, so its rows are matched by run; a mark by
# mark_id)
REJECTED_BY = {"hardware_events": "event_id", "result_marks": "mark_id"}
# kinds whose rows only act on rows of another kind: one that names no row of the warehouse
# (a mark of a result withdrawn or never landed) marks nothing, a warning, not a loss
MARK_KINDS = {"result_marks"}

# the landing kinds of runner results, and the benchmark_kind of their rows
RESULT_KINDS = {"benchmark_results": "forward", "generation_results": "generate"}


class MaintenanceError(BenchdbError):
    """A backup, restore or optimize could not be done; nothing was changed."""


def default_backup_dir(data_dir: Path) -> Path:
    return data_dir / "backups"


# ---------------------------------------------------------------------------------------------
# what interrupted writers leave behind
# ---------------------------------------------------------------------------------------------

# a hidden temporary file untouched this long belongs to a writer that died (writers name them
# by a random id, not a process id: their age is what tells)
ABANDONED_AFTER_SECONDS = 3600
# hidden names that carry the id of the process writing them: gone once that process is
_PID_NAMED = re.compile(r"^\.(?:optimize-(\d+)|.+\.restore-(\d+)|.+\.(\d+)\.link)$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _newest_change(path: Path) -> float:
    """The latest modification time in a file or folder tree (a writer still at work keeps it
    recent)."""
    if not path.is_dir():
        return path.lstat().st_mtime
    return max([path.lstat().st_mtime, *(p.lstat().st_mtime for p in path.rglob("*"))])


def leftovers(
    data_dir: Path | None, db_path: Path | None = None, now: float | None = None
) -> list[Path]:
    """Temporaries of writers that died mid-write, never anything a live writer is using:

    hidden `.*.tmp` files in the landing zone (runner, API and migrate writes) and partial
    backups (`.benchdb-backup-*.partial`) untouched for ABANDONED_AFTER_SECONDS; the
    warehouse folder's `.optimize-PID/`, `.NAME.restore-PID` and `.NAME.PID.link` whose process
    is gone. (A killed build's `build/` folder is discarded by the next build, under its lock.)
    """
    now = time.time() if now is None else now
    found: list[Path] = []
    aged = []
    if data_dir is not None:
        aged += (data_dir / "landing").rglob(".*.tmp")
        aged += default_backup_dir(data_dir).glob(f".{BACKUP_PREFIX}*.partial")
    for path in aged:
        try:
            if now - _newest_change(path) > ABANDONED_AFTER_SECONDS:
                found.append(path)
        except FileNotFoundError:  # finished (renamed) meanwhile
            continue
    if db_path is not None and db_path.parent.is_dir():
        for path in db_path.parent.iterdir():
            named = _PID_NAMED.match(path.name)
            if named and not _alive(int(next(g for g in named.groups() if g))):
                found.append(path)
    return sorted(found)


def clean_leftovers(data_dir: Path | None, db_path: Path | None = None) -> list[Path]:
    """Remove `leftovers()`; returns what was removed. Safe to call at the start of any run."""
    removed = []
    for path in leftovers(data_dir, db_path):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def _report_leftovers(report: CheckReport, data_dir: Path, db_path: Path) -> None:
    removed = clean_leftovers(data_dir, db_path)
    if removed:
        report.add(
            "no abandoned temporary files",
            "warn",
            f"removed {len(removed)} temporary file(s) of writers that died mid-write: "
            + ", ".join(str(p) for p in removed[:5]),
        )
    else:
        report.add("no abandoned temporary files", "ok", "none left by interrupted writes")


# ---------------------------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    status: str  # ok, warn, fail
    detail: str


@dataclass
class CheckReport:
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, status: str, detail: str) -> None:
        self.checks.append(Check(name, status, detail))

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    def __bool__(self) -> bool:  # `if maintenance.check_integrity():` keeps working
        return self.ok

    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    def to_dict(self) -> dict:
        return {"ok": self.ok, "checks": [c.__dict__ for c in self.checks]}


def _landing_files(landing_root: Path) -> list[Path]:
    """Every landed Parquet file of every kind (hidden temporary files never match)."""
    return sorted(landing_root.glob("*/run_date=*/*.parquet"))


def _tables(con) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main' and table_type = 'BASE TABLE' order by table_name"
        ).fetchall()
    ]


def _columns(con, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'main' and table_name = $t",
            {"t": table},
        ).fetchall()
    }


def check(
    db_path: Path,
    data_dir: Path,
    run_dbt_tests: bool = True,
    echo: Callable[[str], None] | None = None,
) -> CheckReport:
    """Real checks, each reported ok / warn / fail:

    the warehouse opens and holds the core marts; every table reads back in full; every
    mart's dbt tests pass (run on a copy, so nothing touches the live file); every landed
    file is readable and its rows are in the warehouse (or landed after the last build); no
    mart holds an id its parent mart lacks.
    """
    report = CheckReport()
    landing_root = data_dir / "landing"
    say = echo or (lambda _line: None)

    # 1. the database opens and holds the core marts
    try:
        con = warehouse.connect_read_only(db_path)
    except WarehouseError as exc:
        report.add("warehouse opens", "fail", str(exc))
        _check_landing_readable(report, landing_root)
        _report_leftovers(report, data_dir, db_path)
        return report
    with con:
        tables = _tables(con)
        missing = [t for t in warehouse.CORE_MARTS if t not in tables]
        if missing:
            report.add("warehouse opens", "fail", f"core marts missing: {', '.join(missing)}")
        else:
            report.add("warehouse opens", "ok", f"{db_path} ({len(tables)} tables in main)")
        say("checking that every table reads back ...")
        _check_tables_read(report, con, tables)
        _check_orphans(report, con, tables)
        _check_landing_readable(report, landing_root)
        _report_leftovers(report, data_dir, db_path)
        _check_accounted(report, con, tables, landing_root, db_path)
    if run_dbt_tests:
        say("running dbt test on a copy of the warehouse ...")
        _check_dbt_tests(report, db_path, data_dir, echo)
    return report


def _check_tables_read(report: CheckReport, con, tables: list[str]) -> None:
    import duckdb

    bad, rows = [], 0
    for table in tables:
        try:
            # hashing every row forces every column of every row group to be read
            rows += con.execute(
                f'select count(hash(t)) from "{table}" as t'  # noqa: S608 (names from catalog)
            ).fetchone()[0]
        except duckdb.Error as exc:
            bad.append(f"{table}: {str(exc).splitlines()[0]}")
    if bad:
        report.add("tables read back", "fail", "; ".join(bad))
    else:
        report.add("tables read back", "ok", f"{len(tables)} tables, {rows} rows read in full")


@dataclass(frozen=True)
class Relationship:
    """One dbt `relationships` test of the project: `child.column` must be in `parent.field`
    for the child rows `where` selects (dbt's filter: a whole-family entry names no model)."""

    child: str
    column: str
    parent: str
    field: str
    where: str | None = None


_REF = re.compile(r"""ref\(\s*['"](\w+)['"]\s*\)""")


def relationships(project_dir: Path | None = None) -> list[Relationship]:
    """Every relationship the dbt project's model yml files test (a `relationship` rule of a
    model's `rules` test, or dbt's column-level `relationships`): the orphan check asks exactly
    what the build's tests ask, so it cannot fail where the build passed."""
    import yaml

    from benchdb.paths import PROJECT_DIR

    found = []
    for path in sorted(((project_dir or PROJECT_DIR) / "models").rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            for test in model.get("data_tests") or []:
                spec = test.get("rules") if isinstance(test, dict) else None
                for rule in ((spec or {}).get("arguments") or {}).get("rules") or []:
                    if "relationship" in rule:
                        found.append(
                            Relationship(
                                model["name"],
                                rule["relationship"],
                                rule["to"],
                                rule["field"],
                                rule.get("where"),
                            )
                        )
            for column in model.get("columns") or []:
                for test in column.get("data_tests") or column.get("tests") or []:
                    spec = test.get("relationships") if isinstance(test, dict) else None
                    if not isinstance(spec, dict):
                        continue
                    arguments = spec.get("arguments") or spec
                    parent = _REF.search(str(arguments.get("to", "")))
                    if parent is None:
                        continue
                    where = (spec.get("config") or {}).get("where") or spec.get("where")
                    found.append(
                        Relationship(
                            model["name"],
                            column["name"],
                            parent.group(1),
                            arguments["field"],
                            where,
                        )
                    )
    return found


def _check_orphans(report: CheckReport, con, tables: list[str]) -> None:
    found, checked = [], 0
    for rel in relationships():
        if rel.child not in tables or rel.parent not in tables:
            continue
        if rel.column not in _columns(con, rel.child) or rel.field not in _columns(con, rel.parent):
            found.append(
                f"{rel.child}.{rel.column}: the column or {rel.parent}.{rel.field} is gone"
            )
            continue
        checked += 1
        where = f"and ({rel.where})" if rel.where else ""
        orphans, example = con.execute(
            f'select count(*), min(child."{rel.column}") from "{rel.child}" as child '
            f'where child."{rel.column}" is not null {where} and not exists '
            f'(select 1 from "{rel.parent}" as p where p."{rel.field}" = child."{rel.column}")'
        ).fetchone()
        if orphans:
            found.append(
                f"{rel.child}.{rel.column}: {orphans} row(s) with an id not in "
                f"{rel.parent}.{rel.field} (e.g. {example})"
            )
    if found:
        report.add("no orphan ids", "fail", "; ".join(found))
    else:
        report.add("no orphan ids", "ok", f"{checked} relationship(s) of the dbt project hold")


def _check_landing_readable(report: CheckReport, landing_root: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = _landing_files(landing_root)
    bad = []
    for path in files:
        try:
            pq.read_metadata(path)
        except (OSError, pa.ArrowException) as exc:
            bad.append(f"{path} ({exc})")
    if bad:
        report.add("landing files readable", "fail", "unreadable: " + "; ".join(bad[:10]))
    else:
        report.add(
            "landing files readable", "ok", f"{len(files)} Parquet file(s) in {landing_root}"
        )
    _check_legacy_files(report, landing_root)


def _check_legacy_files(report: CheckReport, landing_root: Path) -> None:
    """Legacy JSON registered by `benchdb migrate`: every manifest row's stored file is there."""
    manifests = sorted((landing_root / "legacy_manifest").glob("run_date=*/*.parquet"))
    if not manifests:
        return
    import duckdb

    pattern = str(landing_root / "legacy_manifest" / "run_date=*" / "*.parquet")
    con = duckdb.connect()
    try:
        rows = con.execute(
            "select distinct stored_path, size_bytes from read_parquet($p, union_by_name = true) "
            "where stored_path is not null",
            {"p": pattern},
        ).fetchall()
    except duckdb.Error as exc:
        report.add("legacy files accounted for", "fail", str(exc).splitlines()[0])
        return
    finally:
        con.close()
    missing, wrong_size = [], []
    for stored, size in rows:
        path = landing_root / stored
        if not path.exists():
            missing.append(stored)
        elif size is not None and path.stat().st_size != size:
            wrong_size.append(stored)
    referenced = {stored for stored, _ in rows}
    unregistered = [
        p
        for p in (landing_root / "legacy_files").glob("*/*.json")
        if str(p.relative_to(landing_root)) not in referenced
    ]
    if missing or wrong_size:
        report.add(
            "legacy files accounted for",
            "fail",
            f"{len(missing)} registered file(s) missing, {len(wrong_size)} with another size: "
            + ", ".join((missing + wrong_size)[:5]),
        )
    elif unregistered:
        report.add(
            "legacy files accounted for",
            "warn",
            f"{len(unregistered)} file(s) in legacy_files/ no manifest row names",
        )
    else:
        report.add(
            "legacy files accounted for", "ok", f"{len(rows)} registered legacy file(s) present"
        )


def _kind_is_read(kind: str) -> bool:
    """Whether any dbt model or source names this landing kind (the API's own kinds wait for
    staging models; until then their rows are expected to be missing from the marts)."""
    from benchdb.paths import PROJECT_DIR

    for path in (PROJECT_DIR / "models").rglob("*"):
        if path.suffix in (".sql", ".yml") and kind in path.read_text(encoding="utf-8"):
            return True
    return False


def _rows_rejected(con, tables: list[str]) -> dict[str, set[tuple]]:
    """Per landing kind, the (id, file name) of each landed row a build refused whole
    (rejected_rows, outcome row_rejected: a required key missing, a value out of range, a
    second copy of an id): such a row is missing from the marts on purpose."""
    if "rejected_rows" not in tables:
        return {}
    found: dict[str, set[tuple]] = {}
    for kind, identity, source_file in con.execute(
        "select source_table, row_identity, source_file from rejected_rows "
        "where source_kind = 'landing' and outcome = 'row_rejected'"
    ).fetchall():
        found.setdefault(kind, set()).add((identity, Path(source_file).name))
    return found


def _check_accounted(
    report: CheckReport, con, tables: list[str], landing_root: Path, db_path: Path
) -> None:
    """Every landed row is in the warehouse, and every runner row of the warehouse is landed."""
    import duckdb

    from benchdb import snapshot

    built_at = db_path.stat().st_mtime
    problems, pending, unbuilt, dangling = [], [], [], []
    # what a build reads: withdrawn files, and files whose columns break the contract (listed
    # in rejected_rows), are left out of every build
    read = {
        landing_root / f.relative_path for f in snapshot.take(landing_root).files if not f.rejection
    }
    rejected = _rows_rejected(con, tables)
    refused_count = 0
    for kind, (id_col, mart, mart_col) in ACCOUNTED.items():
        files = sorted(f for f in (landing_root / kind).glob("run_date=*/*.parquet") if f in read)
        has_mart = mart in tables and mart_col in _columns(con, mart)
        if files and (not has_mart or not _kind_is_read(kind)):
            unbuilt.append(
                f"{len(files)} {kind} file(s): no model reads landing/{kind} into '{mart}' yet"
            )
            continue
        if not has_mart:
            continue
        landed: list[tuple] = []
        if files:
            reader = duckdb.connect()
            try:
                landed = reader.execute(
                    f"select distinct {id_col} as id, {REJECTED_BY.get(kind, id_col)} as row_id, "
                    "filename from read_parquet($files, filename = true, union_by_name = true)",
                    {"files": [str(f) for f in files]},
                ).fetchall()
            except duckdb.Error as exc:
                problems.append(f"{kind}: {str(exc).splitlines()[0]}")
                continue
            finally:
                reader.close()
        in_mart = {
            r[0] for r in con.execute(f'select distinct {mart_col} from "{mart}"').fetchall()
        }
        # a row a rule refused is accounted for: rejected_rows lists it with the rule
        refused = rejected.get(kind, set())
        absent = [
            (i, f) for i, r, f in landed if i not in in_mart and (r, Path(f).name) not in refused
        ]
        refused_count += sum(1 for _, r, f in landed if (r, Path(f).name) in refused)
        late = [(i, f) for i, f in absent if Path(f).stat().st_mtime >= built_at]
        lost = [(i, f) for i, f in absent if Path(f).stat().st_mtime < built_at]
        if late:
            pending.append(f"{len(late)} {kind} row(s) in {len({f for _, f in late})} file(s)")
        if lost and kind in MARK_KINDS:
            dangling.append(
                f"{len(lost)} {kind} row(s) name no row of {mart} and mark nothing "
                f"(e.g. {id_col} {lost[0][0]} of {Path(lost[0][1]).name})"
            )
        elif lost:
            problems.append(
                f"{len(lost)} {kind} row(s) landed before the last build are not in {mart} "
                f"nor in rejected_rows (e.g. {id_col} {lost[0][0]} of {lost[0][1]})"
            )
        if kind in RESULT_KINDS and "result_source" in _columns(con, mart):
            landed_ids = {i for i, _, _ in landed}
            # forward rows come from benchmark_results files, generations from their own
            of_kind = (
                f"and coalesce(benchmark_kind, 'forward') = '{RESULT_KINDS[kind]}'"
                if "benchmark_kind" in _columns(con, mart)
                else ""
            )
            runner_ids = {
                r[0]
                for r in con.execute(
                    f"select result_id from \"{mart}\" where result_source = 'runner' {of_kind}"
                ).fetchall()
            }
            vanished = runner_ids - landed_ids
            if vanished:
                problems.append(
                    f"{len(vanished)} result(s) in {mart} have no landing file any more: "
                    "a rebuild would lose them (restore the landing zone from a backup)"
                )
    if problems:
        report.add("landing rows accounted for", "fail", "; ".join(problems))
    elif pending:
        report.add(
            "landing rows accounted for",
            "warn",
            "landed after the last build (run `benchdb build`): " + "; ".join(pending),
        )
    else:
        refused = (
            f"; {refused_count} refused by a rule are in rejected_rows" if refused_count else ""
        )
        report.add(
            "landing rows accounted for",
            "ok",
            f"every landed row is in the warehouse and back{refused}",
        )
    if unbuilt:
        report.add("landing kinds built", "warn", "; ".join(unbuilt))
    if dangling:
        report.add("marks applied", "warn", "; ".join(dangling))


def _check_dbt_tests(
    report: CheckReport, db_path: Path, data_dir: Path, echo: Callable[[str], None] | None
) -> None:
    if not db_path.exists():
        return
    with tempfile.TemporaryDirectory(prefix="benchdb-check-") as tmp:
        copy = Path(tmp) / db_path.name  # same name: views refer to the catalog by it
        _copy_consistent(db_path, copy)
        try:
            lines = warehouse.run_dbt(["test"], copy, data_dir, echo=None)
        except WarehouseError as exc:
            report.add("dbt tests pass", "fail", str(exc))
            return
    summary = next((line for line in reversed(lines) if "PASS=" in line), "")
    summary = re.sub(r"\x1b\[[0-9;]*m", "", summary).strip()
    counts = dict(re.findall(r"(PASS|WARN|ERROR|SKIP|TOTAL)=(\d+)", summary))
    if counts.get("WARN", "0") != "0":
        report.add("dbt tests pass", "warn", summary.strip())
    else:
        report.add("dbt tests pass", "ok", summary.strip() or "dbt test passed")


# ---------------------------------------------------------------------------------------------
# optimize
# ---------------------------------------------------------------------------------------------


def _sql_string(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def optimize(db_path: Path) -> dict:
    """Compact the warehouse into a fresh file (COPY FROM DATABASE), ANALYZE and CHECKPOINT it,
    check every table holds the same rows, and rename it over the old file.

    DuckDB's VACUUM does not reclaim space and ANALYZE is what refreshes statistics; copying
    into a new file is what drops the free blocks a dbt build leaves behind.
    """
    import duckdb

    if not db_path.exists():
        raise WarehouseError(f"no warehouse at {db_path}: run `benchdb build` first")
    started = time.perf_counter()
    before = db_path.stat()
    side = db_path.parent / f".optimize-{os.getpid()}"
    side.mkdir(exist_ok=True)
    target = side / db_path.name
    try:
        con = duckdb.connect()
        try:
            con.execute(f"attach {_sql_string(db_path)} as source (read_only)")
            con.execute(f"attach {_sql_string(target)} as compacted")
            con.execute("copy from database source to compacted")
            tables = [
                r[0]
                for r in con.execute(
                    "select table_schema || '.' || table_name from information_schema.tables "
                    "where table_catalog = 'source' and table_type = 'BASE TABLE'"
                ).fetchall()
            ]
            for table in tables:
                schema, name = table.split(".", 1)
                a = con.execute(f'select count(*) from source."{schema}"."{name}"').fetchone()[0]
                b = con.execute(f'select count(*) from compacted."{schema}"."{name}"').fetchone()[0]
                if a != b:
                    raise MaintenanceError(f"optimize: {table} has {a} rows, its copy {b}")
        finally:
            con.close()
        con = duckdb.connect(str(target))
        try:
            con.execute("analyze")
            con.execute("vacuum")
            con.execute("checkpoint")
        finally:
            con.close()
        now = db_path.stat()
        if (now.st_ino, now.st_mtime_ns) != (before.st_ino, before.st_mtime_ns):
            raise MaintenanceError(
                f"{db_path} was replaced (a build?) while optimizing: nothing was changed"
            )
        os.replace(target, db_path)
        wal = db_path.with_name(db_path.name + ".wal")
        if wal.exists():
            wal.unlink()
    finally:
        shutil.rmtree(side, ignore_errors=True)
    return {
        "db_path": str(db_path),
        "size_before_bytes": before.st_size,
        "size_after_bytes": db_path.stat().st_size,
        "tables": len(tables),
        "seconds": round(time.perf_counter() - started, 3),
        "steps": ["copy from database (compaction)", "analyze", "vacuum", "checkpoint"],
    }


# ---------------------------------------------------------------------------------------------
# backup, restore, retention
# ---------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_consistent(source: Path, target: Path) -> None:
    """Copy through one open handle: a build renaming a new file in meanwhile cannot mix two."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())


def _landing_tree(landing_root: Path) -> list[Path]:
    """Every file of the landing zone (Parquet, registered legacy JSON ...), no temporaries."""
    if not landing_root.exists():
        return []
    found = []
    for path in landing_root.rglob("*"):
        parts = path.relative_to(landing_root).parts
        if path.is_file() and not any(part.startswith(".") for part in parts):
            found.append(path)
    return sorted(found)


def backup(
    db_path: Path,
    data_dir: Path,
    backup_dir: Path,
    compress: bool = False,
    keep: int | None = None,
) -> Path:
    """Copy the landing zone and the warehouse into a new, checksummed backup; returns its path.

    The backup is a folder (or, with `compress`, one .tar.gz) named by the UTC time; it appears
    under its final name only when complete. With `keep`, older backups beyond the newest
    `keep` are deleted afterwards, folders and archives alike.
    """
    landing_root = data_dir / "landing"
    if not db_path.exists() and not landing_root.exists():
        raise MaintenanceError(
            f"nothing to back up: no warehouse at {db_path} and no {landing_root}"
        )
    if keep is not None and keep < 1:
        raise MaintenanceError(f"--keep must be at least 1, got {keep}")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{BACKUP_PREFIX}{stamp}"
    work = backup_dir / f".{name}.partial"
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        work.mkdir()
    except OSError as exc:
        raise MaintenanceError(f"cannot write backups into {backup_dir}: {exc.strerror}") from None
    try:
        files = []
        for path in _landing_tree(landing_root):
            relative = Path("landing") / path.relative_to(landing_root)
            (work / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, work / relative)
            files.append(relative)
        tables: dict[str, int] = {}
        if db_path.exists():
            relative = Path("warehouse") / db_path.name
            (work / relative).parent.mkdir(parents=True, exist_ok=True)
            _copy_consistent(db_path, work / relative)
            files.append(relative)
            tables = _table_rows(work / relative)
        manifest = {
            "format": 1,
            "created_at": datetime.now(timezone.utc).isoformat(),
            "db_name": db_path.name,
            "source_db_path": str(db_path),
            "source_data_dir": str(data_dir),
            "tables": tables,
            "files": [
                {
                    "path": str(f),
                    "size": (work / f).stat().st_size,
                    "sha256": _sha256(work / f),
                }
                for f in files
            ],
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if compress:
            archive = backup_dir / f"{name}.tar.gz"
            partial = backup_dir / f".{name}.tar.gz.partial"
            with tarfile.open(partial, "w:gz") as tar:
                tar.add(work, arcname=name)
            os.replace(partial, archive)
            shutil.rmtree(work)
            result = archive
        else:
            result = backup_dir / name
            os.replace(work, result)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise MaintenanceError(
            f"backup into {backup_dir} failed, nothing kept: {exc.strerror or exc}"
        ) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if keep is not None:
        purge_backups(backup_dir, keep=keep)
    return result


def _table_rows(db_file: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(db_file), read_only=True)
    try:
        return {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in _tables(con)}
    finally:
        con.close()


def list_backups(backup_dir: Path) -> list[Path]:
    """benchdb backups in a folder, oldest first (folders and .tar.gz alike)."""
    if not backup_dir.exists():
        return []
    found = [p for p in backup_dir.iterdir() if _BACKUP_NAME.match(p.name)]
    return sorted(found, key=lambda p: _BACKUP_NAME.match(p.name).group(1))


def purge_backups(
    backup_dir: Path, keep: int | None = None, older_than_days: float | None = None
) -> list[Path]:
    """Delete backups beyond the newest `keep`, and those older than `older_than_days`."""
    backups = list_backups(backup_dir)
    doomed: list[Path] = []
    if keep is not None:
        if keep < 1:
            raise MaintenanceError(f"keep must be at least 1, got {keep}")
        doomed.extend(backups[:-keep])
    if older_than_days is not None:
        cutoff = datetime.now(timezone.utc).timestamp() - older_than_days * 86400
        for path in backups:
            stamp = datetime.strptime(
                _BACKUP_NAME.match(path.name).group(1), "%Y%m%dT%H%M%S%fZ"
            ).replace(tzinfo=timezone.utc)
            if stamp.timestamp() < cutoff and path not in doomed:
                doomed.append(path)
    for path in doomed:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return doomed


def _open_backup(backup_path: Path, scratch: Path) -> Path:
    """The backup's folder: itself, or an archive unpacked into scratch (safely)."""
    if backup_path.is_dir():
        return backup_path
    if not backup_path.is_file() or not backup_path.name.endswith(".tar.gz"):
        raise MaintenanceError(f"{backup_path} is not a benchdb backup folder or .tar.gz")
    try:
        with tarfile.open(backup_path, "r:gz") as tar:
            tar.extractall(scratch, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise MaintenanceError(f"cannot unpack {backup_path}: {exc}") from None
    folders = [p for p in scratch.iterdir() if p.is_dir()]
    if len(folders) != 1:
        raise MaintenanceError(f"{backup_path} does not hold one backup folder")
    return folders[0]


def verify_backup(folder: Path) -> dict:
    """Read the manifest and check every file's size and sha256; returns the manifest."""
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MaintenanceError(f"{manifest_path}: not a readable backup manifest ({exc})") from None
    for entry in manifest.get("files", []):
        path = folder / entry["path"]
        if not path.is_file():
            raise MaintenanceError(f"backup {folder.name} lacks {entry['path']}")
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise MaintenanceError(f"backup {folder.name}: {entry['path']} fails its checksum")
    return manifest


def restore(backup_path: Path, db_path: Path, data_dir: Path, force: bool = False) -> dict:
    """Restore a backup: landing files into data_dir/landing, the warehouse to db_path.

    Every checksum is verified before anything is written. Landing files already present with
    the same content are kept; a present file with other content is an error (landed files are
    immutable). An existing warehouse is replaced only with `force`.
    """
    landing_root = data_dir / "landing"
    with tempfile.TemporaryDirectory(prefix="benchdb-restore-") as tmp:
        folder = _open_backup(backup_path, Path(tmp))
        manifest = verify_backup(folder)
        entries = manifest.get("files", [])
        landing_entries = [e for e in entries if e["path"].startswith("landing/")]
        warehouse_entries = [e for e in entries if e["path"].startswith("warehouse/")]
        if warehouse_entries and db_path.exists() and not force:
            raise MaintenanceError(
                f"{db_path} exists: pass --force to replace it with the backup's warehouse"
            )
        conflicts = []
        for entry in landing_entries:
            target = landing_root / Path(entry["path"]).relative_to("landing")
            if target.exists() and _sha256(target) != entry["sha256"]:
                conflicts.append(str(target))
        if conflicts:
            raise MaintenanceError(
                f"{len(conflicts)} landing file(s) exist with other content (landed files are "
                f"never rewritten): {', '.join(conflicts[:3])}"
            )
        restored = 0
        for entry in landing_entries:
            target = landing_root / Path(entry["path"]).relative_to("landing")
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.restore.tmp")
            shutil.copy2(folder / entry["path"], partial)
            os.replace(partial, target)
            restored += 1
        if warehouse_entries:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            partial = db_path.parent / f".{db_path.name}.restore-{os.getpid()}"
            _copy_consistent(folder / warehouse_entries[0]["path"], partial)
            os.replace(partial, db_path)
            wal = db_path.with_name(db_path.name + ".wal")
            if wal.exists():
                wal.unlink()
    return {
        "backup": str(backup_path),
        "landing_files_restored": restored,
        "landing_files_already_present": len(landing_entries) - restored,
        "warehouse_restored": bool(warehouse_entries),
        "db_path": str(db_path),
        "tables": manifest.get("tables", {}),
    }


# ---------------------------------------------------------------------------------------------
# stats
# ---------------------------------------------------------------------------------------------


def stats(db_path: Path, data_dir: Path) -> dict:
    """File size, rows per table, landing files per kind, newest result, last build."""
    landing_root = data_dir / "landing"
    kinds: dict[str, dict[str, int]] = {}
    for path in _landing_tree(landing_root):
        kind = path.relative_to(landing_root).parts[0]
        entry = kinds.setdefault(kind, {"files": 0, "bytes": 0})
        entry["files"] += 1
        entry["bytes"] += path.stat().st_size
    result: dict = {
        "db_path": str(db_path),
        "data_dir": str(data_dir),
        "landing": kinds,
        "landing_files": sum(k["files"] for k in kinds.values()),
    }
    if not db_path.exists():
        result.update(file_size_bytes=None, tables={}, total_rows=0, newest_result_at=None)
        return result
    info = db_path.stat()
    with warehouse.connect_read_only(db_path) as con:
        tables = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in _tables(con)}
        newest = None
        if "performance_results" in tables:
            newest = con.execute(
                "select max(measured_at), arg_max(model_name, measured_at), "
                "arg_max(hardware_type, measured_at) from performance_results"
            ).fetchone()
    result.update(
        file_size_bytes=info.st_size,
        last_modified=datetime.fromtimestamp(info.st_mtime, timezone.utc).isoformat(),
        tables=tables,
        total_rows=sum(tables.values()),
        newest_result_at=newest[0].isoformat() if newest and newest[0] else None,
        newest_result=(
            {"model_name": newest[1], "hardware_type": newest[2]} if newest and newest[0] else None
        ),
    )
    return result
