"""Register legacy JSON result files in the landing zone. Python moves and validates; dbt parses.

For every `*.json` under the input directories:

1. read it once, streaming: sha256 and a copy into a hidden temporary file in the landing zone;
2. validate: UTF-8, strict JSON (no NaN/Infinity, which DuckDB's reader refuses), and name its
   shape (benchdb/legacy_shapes.py); a structure no parser knows is registered all the same as
   shape U, "unrecognised shape" (its numbers under metric-like keys are listed by dbt);
3. keep it: a valid file is renamed to `landing/legacy_files/<sha[:2]>/<sha>.json`
   (content-addressed, immutable); a file that cannot be read as JSON to
   `landing/legacy_quarantine/<sha[:2]>/<sha>.json` with its reason;
4. record it: one manifest row per file in
   `landing/legacy_manifest/run_date=YYYY-MM-DD/<migration_id>.parquet`.

Running it again registers nothing twice: a file whose path and content are already in the
manifest with the same outcome is skipped. The same content under a second path is recorded as a
`duplicate` (dbt parses each content once). docs/landing_zone.md ("Legacy JSON") is the contract.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from benchdb.legacy_shapes import (
    CATEGORIES,
    UNRECOGNISED,
    detect_shape,
    expected_rows,
    path_time_tokens,
)
from runners import landing
from runners.errors import BenchdbError, LandingError

FILES_DIR = "legacy_files"
QUARANTINE_DIR = "legacy_quarantine"
MANIFEST_KIND = "legacy_manifest"
DEFAULT_MAX_FILE_MB = 64
# the largest document the build's JSON reader takes (macros/read_legacy.sql says the same): a
# bigger file is refused here, with DuckDB's words, never registered to fail every build
READER_MAX_OBJECT_BYTES = 256 * 2**20
DUCKDB_REFUSES = "DuckDB's JSON reader refuses it"
CHUNK = 1 << 20

LEGACY_MANIFEST = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("registration_id", pa.string()),
        ("migration_id", pa.string()),
        ("original_path", pa.string()),
        ("input_root", pa.string()),
        ("file_name", pa.string()),
        ("size_bytes", pa.int64()),
        ("modified_at", landing.UTC_TS),
        ("sha256", pa.string()),
        ("stored_path", pa.string()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("shape", pa.string()),
        ("shape_family", pa.string()),
        ("category", pa.string()),
        ("rows_expected", pa.int32()),
        ("path_time_tokens", pa.list_(pa.string())),
        ("registered_at", landing.UTC_TS),
    ]
)


class MigrationError(BenchdbError):
    """The migration cannot start (no input directory, landing zone not writable)."""


@dataclass
class FileOutcome:
    path: Path
    status: str  # registered | duplicate | quarantined | already_registered | would_register ...
    reason: str = ""
    shape: str | None = None
    category: str | None = None
    rows_expected: int | None = None
    sha256: str | None = None


@dataclass
class MigrationReport:
    migration_id: str
    dry_run: bool
    outcomes: list[FileOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # missing dirs, symlink loops ...
    manifest_path: Path | str | None = None  # a path, or an s3:// URL
    filtered_out: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def by_shape(self) -> list[tuple[str, str, int, int]]:
        """(shape, category, files, rows expected) for files that parse, sorted by shape."""
        files: Counter = Counter()
        rows: Counter = Counter()
        cats: dict[str, str] = {}
        for o in self.outcomes:
            if o.shape and o.status != "quarantined":
                files[o.shape] += 1
                rows[o.shape] += o.rows_expected or 0
                cats[o.shape] = o.category or ""
        return [(s, cats[s], files[s], rows[s]) for s in sorted(files)]

    def quarantined(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "quarantined"]

    def unrecognised(self) -> list[FileOutcome]:
        """Files registered although no parser knows their structure (shape U)."""
        return [
            o for o in self.outcomes if o.shape == UNRECOGNISED.code and o.status != "quarantined"
        ]


# ---------------------------------------------------------------- discovery


def discover(input_dirs: Sequence[Path], problems: list[str]) -> list[tuple[Path, Path]]:
    """(input root, file) for every *.json below the roots, following directory symlinks once;
    a missing root, a symlink loop or an unreadable folder is added to `problems`."""
    found: list[tuple[Path, Path]] = []
    seen_files: set[Path] = set()
    for root in input_dirs:
        if not root.exists():
            problems.append(f"input directory {root} does not exist")
            continue
        if not root.is_dir():
            problems.append(f"input {root} is not a directory")
            continue
        visited: set[tuple[int, int]] = set()

        def on_error(exc: OSError) -> None:
            problems.append(f"cannot list {exc.filename}: {exc.strerror}")

        for folder, dirs, files in os.walk(root, followlinks=True, onerror=on_error):
            try:
                st = os.stat(folder)
            except OSError as exc:
                problems.append(f"cannot read {folder}: {exc.strerror}")
                dirs[:] = []
                continue
            key = (st.st_dev, st.st_ino)
            if key in visited:
                problems.append(
                    f"symlink loop: {folder} leads back to a folder already walked; skipped"
                )
                dirs[:] = []
                continue
            visited.add(key)
            dirs.sort()
            for name in sorted(files):
                if not name.lower().endswith(".json") or name.startswith("."):
                    continue
                path = Path(folder) / name
                absolute = Path(os.path.abspath(path))
                if absolute in seen_files:
                    continue
                seen_files.add(absolute)
                found.append((root, absolute))
    return found


# ---------------------------------------------------------------- one file


@dataclass
class _Read:
    sha256: str | None
    size: int | None
    modified_at: datetime | None
    tmp: Path | None
    doc: object = None
    error: str = ""


def _copy_and_hash(path: Path, tmp_dir: Path | None, max_bytes: int) -> _Read:
    """Stream the file once: sha256, size, and (unless dry run) a temporary copy."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return _Read(None, None, None, None, error=f"cannot read: {exc.strerror}")
    modified = datetime.fromtimestamp(st.st_mtime, timezone.utc)
    if not stat.S_ISREG(st.st_mode):
        return _Read(None, None, modified, None, error="not a regular file")
    if st.st_size > max_bytes:
        return _Read(
            None,
            st.st_size,
            modified,
            None,
            error=f"too large: {st.st_size / 2**20:.1f} MiB is over the "
            f"{max_bytes / 2**20:g} MiB limit (--max-file-mb); not read",
        )
    digest = hashlib.sha256()
    tmp = tmp_dir / f".{uuid.uuid4().hex}.tmp" if tmp_dir else None
    size = 0
    try:
        with open(path, "rb") as src, open(tmp or os.devnull, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if tmp:
                    out.write(chunk)
    except OSError as exc:
        if tmp:
            tmp.unlink(missing_ok=True)
        return _Read(None, None, modified, None, error=f"cannot read: {exc.strerror}")
    return _Read(digest.hexdigest(), size, modified, tmp)


# an escaped UTF-16 surrogate without its pair: Python accepts it, DuckDB's reader does not
_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _reject_constant(name: str) -> object:
    raise ValueError(f"non-standard JSON constant {name}")


def _first_value_of_each_key(pairs: list[tuple[str, object]]) -> dict:
    """A key written twice in one object keeps its first value, as DuckDB's `->` reads it: the
    shape named here and the rows dbt parses come from the same values (the build lists the
    later copies in rejected_rows)."""
    found: dict = {}
    for key, value in pairs:
        found.setdefault(key, value)
    return found


def _parse(source: Path) -> tuple[object, str]:
    """(document, "") or (None, reason). Reads the file once as UTF-8 text."""
    try:
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8: byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
    except OSError as exc:
        return None, f"cannot read: {exc.strerror}"
    if text.startswith("\ufeff"):
        return None, "starts with a UTF-8 byte-order mark, which DuckDB's JSON reader refuses"
    if "\\u" in text and (lone := _LONE_SURROGATE.search(text)):
        return None, f"invalid JSON: unpaired UTF-16 surrogate {lone.group(0)}"
    try:
        doc = json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_first_value_of_each_key
        )
        return doc, ""
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    except ValueError as exc:
        return None, f"invalid JSON: {exc}"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"


def _stored_path(folder: str, sha: str) -> str:
    return f"{folder}/{sha[:2]}/{sha}.json"


def _place(tmp: Path, landing_root: Path, relative: str) -> None:
    """Publish the temporary copy under its content-addressed name (dropped if already there)."""
    landing.publish(tmp, landing_root / relative)


# ---------------------------------------------------------------- manifest


def manifest_files(landing_root: Path) -> list[Path]:
    return sorted((landing_root / MANIFEST_KIND).glob("run_date=*/*.parquet"))


def read_manifest(landing_root: landing.LandingRoot) -> list[dict]:
    rows: list[dict] = []
    if isinstance(landing_root, landing.ObjectStore):
        pattern = f"{MANIFEST_KIND}/run_date=*/*.parquet"
        found = [info.path for info in landing.listing(landing_root, pattern)]
        filesystem = landing_root.filesystem
    else:
        found, filesystem = manifest_files(landing_root), None
    for path in found:
        try:
            rows.extend(pq.read_table(path, filesystem=filesystem).to_pylist())
        except (OSError, pa.ArrowException) as exc:
            raise LandingError(f"corrupt legacy manifest file {path}: {exc}") from None
    return rows


def write_manifest(landing_root: Path, rows: Sequence[dict], migration_id: str) -> Path | None:
    """One immutable Parquet file per migration, through the landing zone's one writer."""
    return landing.write_rows(
        landing_root, MANIFEST_KIND, rows, migration_id, landing.utc_now(), schema=LEGACY_MANIFEST
    )


# ---------------------------------------------------------------- the migration


def migrate(
    input_dirs: Sequence[Path],
    landing_root: Path,
    categories: Iterable[str] | None = None,
    dry_run: bool = False,
    max_file_mb: float = DEFAULT_MAX_FILE_MB,
    on_file: Callable[[Path], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> MigrationReport:
    """Register every JSON file under `input_dirs`; see the module docstring."""
    wanted = set(categories or CATEGORIES)
    unknown = wanted - set(CATEGORIES)
    if unknown:
        raise MigrationError(
            f"unknown categor{'ies' if len(unknown) > 1 else 'y'} {', '.join(sorted(unknown))}: "
            f"choose from {', '.join(CATEGORIES)}"
        )
    report = MigrationReport(migration_id=landing.new_run_id(), dry_run=dry_run)
    roots = [Path(os.path.abspath(d)) for d in input_dirs]
    files = discover(roots, report.problems)
    if not files and len(report.problems) == len(roots) and report.problems:
        raise MigrationError("; ".join(report.problems))
    if not dry_run:
        landing.ensure_writable(landing_root)
    tmp_dir = None if dry_run else landing_root / FILES_DIR
    if tmp_dir:
        tmp_dir.mkdir(parents=True, exist_ok=True)

    previous = read_manifest(landing_root)
    known = {(r["original_path"], r["sha256"], r["status"], r["reason"]) for r in previous}
    # content DuckDB refused once stays quarantined with that reason (no new row each run)
    refused_before = {
        r["sha256"]: r["reason"]
        for r in previous
        if r["status"] == "quarantined" and (r["reason"] or "").startswith(DUCKDB_REFUSES)
    }
    registered_shas = {r["sha256"] for r in previous if r["status"] == "registered"}
    now = landing.utc_now()
    max_bytes = int(max_file_mb * 2**20)
    rows: list[dict] = []
    if on_start:
        on_start(len(files))

    for root, path in files:
        outcome, row = _migrate_one(
            root,
            path,
            landing_root,
            tmp_dir,
            max_bytes,
            wanted,
            registered_shas,
            known,
            now,
            report.migration_id,
            refused_before,
        )
        if outcome is None:
            report.filtered_out += 1
        else:
            report.outcomes.append(outcome)
            if row is not None:
                rows.append(row)
        if on_file:
            on_file(path)

    if not dry_run:
        _quarantine_what_duckdb_refuses(landing_root, rows, report.outcomes)
    if dry_run:
        for o in report.outcomes:
            if o.status in ("registered", "duplicate", "quarantined"):
                o.status = {"registered": "would_register"}.get(o.status, o.status)
    else:
        report.manifest_path = write_manifest(landing_root, rows, report.migration_id)
    return report


def _migrate_one(
    root: Path,
    path: Path,
    landing_root: Path,
    tmp_dir: Path | None,
    max_bytes: int,
    wanted: set[str],
    registered_shas: set[str],
    known: set[tuple],
    now: datetime,
    migration_id: str,
    refused_before: dict[str, str] | None = None,
) -> tuple[FileOutcome | None, dict | None]:
    """(outcome, manifest row) for one file; (None, None) when --categories leaves it out."""
    read = _copy_and_hash(path, tmp_dir, max_bytes)
    reason, shape, rows_expected = read.error, None, None
    if not reason:
        doc, reason = _parse(read.tmp or path)
        if not reason:
            shape, unrecognised = detect_shape(doc)
            if shape is None:
                # never quarantined for its structure alone: registered, its numbers kept
                shape, reason = UNRECOGNISED, unrecognised
            rows_expected = expected_rows(shape, doc)
        del doc  # parsed only to recognise it: dbt reads the stored copy

    # an unrecognised file has no category to leave out: it is always registered
    if shape is not None and shape is not UNRECOGNISED and shape.category not in wanted:
        if read.tmp:
            read.tmp.unlink(missing_ok=True)
        return None, None

    sha = read.sha256
    if shape is not None and sha in (refused_before or {}):
        shape, reason = None, refused_before[sha]
    if shape is None:
        status, folder = "quarantined", QUARANTINE_DIR
    elif sha in registered_shas:
        status, folder = "duplicate", FILES_DIR
    else:
        status, folder = "registered", FILES_DIR
    stored = _stored_path(folder, sha) if sha else None
    outcome = FileOutcome(
        path=path,
        status=status,
        reason=reason,
        shape=shape.code if shape else None,
        category=_category(shape),
        rows_expected=rows_expected,
        sha256=sha,
    )
    same = {(str(path), sha, s, reason or None) for s in (status, "registered", "duplicate")}
    if status == "quarantined":
        same = {(str(path), sha, status, reason or None)}
    if same & known:
        # this path with this content and this outcome is in the manifest already
        if read.tmp:
            read.tmp.unlink(missing_ok=True)
        if status != "quarantined":
            outcome.status = "already_registered"
        return outcome, None

    if read.tmp:
        if stored:
            _place(read.tmp, landing_root, stored)
        else:
            read.tmp.unlink(missing_ok=True)
    if status == "registered":
        registered_shas.add(sha)
    known.add((str(path), sha, status, reason or None))
    row = {
        "registration_id": landing.derived_id("legacy", str(path), sha, status, reason),
        "migration_id": migration_id,
        "original_path": str(path),
        "input_root": str(root),
        "file_name": path.name,
        "size_bytes": read.size,
        "modified_at": read.modified_at,
        "sha256": sha,
        "stored_path": stored if tmp_dir else None,
        "status": status,
        "reason": reason or None,
        "shape": shape.code if shape else None,
        "shape_family": shape.family if shape else None,
        "category": _category(shape),
        "rows_expected": rows_expected,
        "path_time_tokens": path_time_tokens(str(path)),
        "registered_at": now,
    }
    return outcome, row


def _category(shape) -> str | None:
    return shape.category if shape is not None and shape is not UNRECOGNISED else None


def duckdb_refusals(paths: Sequence[Path]) -> dict[Path, str]:
    """The files DuckDB's JSON reader refuses (the reader dbt uses), with its first error line.
    One query over all of them; file by file only when that fails. Empty without DuckDB."""
    try:
        import duckdb
    except ImportError:  # a host without the warehouse extra: dbt will say so at build time
        return {}

    def read(batch: Sequence[Path]) -> None:
        with duckdb.connect() as con:
            con.execute(
                "select count(*) from read_json_objects($files, format = 'unstructured',"
                f" maximum_object_size = {READER_MAX_OBJECT_BYTES})",
                {"files": [str(p) for p in batch]},
            ).fetchall()

    if not paths:
        return {}
    try:
        read(paths)
        return {}
    except duckdb.Error:
        pass
    refused = {}
    for path in paths:
        try:
            read([path])
        except duckdb.Error as exc:
            refused[path] = str(exc).strip().splitlines()[0]
    return refused


def _quarantine_what_duckdb_refuses(
    landing_root: Path, rows: list[dict], outcomes: list[FileOutcome]
) -> None:
    """A file Python parsed but DuckDB would not read must not break the build: move it to the
    quarantine and say why, before the manifest is written."""
    new = {
        r["sha256"]: landing_root / r["stored_path"] for r in rows if r["status"] == "registered"
    }
    refused = duckdb_refusals(list(new.values()))
    if not refused:
        return
    bad = {sha: reason for sha, path in new.items() if (reason := refused.get(path))}
    for sha, reason in bad.items():
        target = landing_root / _stored_path(QUARANTINE_DIR, sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new[sha], target)
        message = f"{DUCKDB_REFUSES}: {reason.removeprefix('Invalid Input Error: ')}"
        for row in rows:
            if row["sha256"] == sha:
                row.update(
                    status="quarantined",
                    reason=message,
                    stored_path=_stored_path(QUARANTINE_DIR, sha),
                )
        for outcome in outcomes:
            if outcome.sha256 == sha:
                outcome.status, outcome.reason = "quarantined", message


# ---------------------------------------------------------------- to a landing zone on S3


def migrate_to_store(
    input_dirs: Sequence[Path], store: landing.ObjectStore, **options
) -> MigrationReport:
    """`migrate` into an S3 landing zone: the migration runs in a local staging folder that
    holds a copy of the store's legacy manifest (so nothing is registered twice), then its new
    files are uploaded, each whole (landing.put_bytes): the copies first, the manifest last, so
    a build never reads a manifest row whose copy is not there yet. Copies are content-addressed:
    one already on S3 is not sent again."""
    import tempfile

    if not options.get("dry_run"):
        landing.ensure_writable(store)
    with tempfile.TemporaryDirectory(prefix="benchdb-migrate-") as scratch:
        staging = Path(scratch) / "landing"
        for info in landing.listing(store, f"{MANIFEST_KIND}/run_date=*/*.parquet"):
            relative = landing.relative_of(store, info)
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            with store.filesystem.open_input_stream(info.path) as stream:
                (staging / relative).write_bytes(stream.read())
        before = set(staging.rglob("*"))
        report = migrate(input_dirs, staging, **options)
        if report.dry_run:
            return report
        new = sorted(p for p in set(staging.rglob("*")) - before if p.is_file())
        manifest = report.manifest_path
        for path in [p for p in new if p != manifest and not p.name.startswith(".")]:
            relative = str(path.relative_to(staging))
            if not _exists(store, relative):
                landing.put_bytes(store, relative, path.read_bytes())
        if manifest is not None:
            report.manifest_path = landing.put_bytes(
                store, str(manifest.relative_to(staging)), manifest.read_bytes()
            )
    return report


def _exists(store: landing.ObjectStore, relative: str) -> bool:
    from pyarrow import fs

    return store.filesystem.get_file_info(store.key(relative)).type != fs.FileType.NotFound
