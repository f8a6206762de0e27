"""The landing files one build reads: fixed when the build starts, recorded with the warehouse.

A build lists every landed file (each Parquet kind and the registered legacy JSON files) with its
size and modification time, writes the list as `snapshot.parquet` beside the warehouse it builds,
and dbt reads exactly those Parquet files (macros/read_landing.sql). A file that lands while the
build runs is not in its snapshot and waits for the next build. Legacy JSON is still read by
pattern (macros/read_legacy.sql); it is listed here so that a migration makes the warehouse
stale. Landed files are immutable, so (path, size) names a file's content; the modification time
is kept as the file's generation, so a rewritten file (which the landing contract forbids) is
noticed.

The snapshot id is a hash of the sorted list: two builds of the same landing zone have the same id,
and `is_stale` compares the landing zone's current id with the published warehouse's.

A landed or registered file can be withdrawn (`benchdb landing forget`): the file stays where it
is, as evidence, and an entry in the withdrawals log (`withdrawals/run_date=*/<id>.parquet`, one
immutable file per command: path, action, who, when, why) keeps it out of every later snapshot;
`benchdb landing restore` appends the opposite entry. The newest entry for a path decides.

A landing zone on S3 (`s3://bucket/prefix`, runners.landing.ObjectStore) is listed the same way
through pyarrow's S3 filesystem (size and last-modified time per object). dbt does not read S3
itself: `mirror` copies the snapshot's files, once each, into a local folder beside the warehouse
and the build reads those copies (docs/scale_out.md has the measurements behind that choice).
"""

from __future__ import annotations

import fnmatch
import getpass
import hashlib
import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from benchdb import landing_check
from runners import landing
from runners.errors import LandingError
from runners.landing import SCHEMAS, LandingRoot, ObjectStore

# what a build reads, per kind: Parquet kinds by run_date partition, legacy files by content hash
LEGACY_MANIFEST_KIND = "legacy_manifest"
LEGACY_FILES_KIND = "legacy_files"
PATTERNS: dict[str, str] = {
    **{kind: f"{kind}/run_date=*/*.parquet" for kind in SCHEMAS},
    LEGACY_MANIFEST_KIND: f"{LEGACY_MANIFEST_KIND}/run_date=*/*.parquet",
    LEGACY_FILES_KIND: f"{LEGACY_FILES_KIND}/*/*.json",
}

SNAPSHOT_SCHEMA = pa.schema(
    [
        ("snapshot_id", pa.string()),
        ("kind", pa.string()),
        ("path", pa.string()),  # absolute, as dbt reads it
        ("relative_path", pa.string()),  # under the landing root
        ("size_bytes", pa.int64()),
        ("modified_ns", pa.int64()),
        # why the build reads none of this file's rows (benchdb/landing_check.py), else NULL
        ("rejection", pa.string()),
        ("rejected_column", pa.string()),
    ]
)


@dataclass(frozen=True)
class SnapshotFile:
    kind: str
    relative_path: str
    size_bytes: int
    modified_ns: int
    rejection: str | None = None  # "file schema: ..." when its columns break the contract
    rejected_column: str | None = None


@dataclass(frozen=True)
class Snapshot:
    landing_root: LandingRoot
    files: tuple[SnapshotFile, ...]

    @property
    def snapshot_id(self) -> str:
        digest = hashlib.sha256()
        for f in self.files:
            digest.update(f"{f.relative_path}\0{f.size_bytes}\0{f.modified_ns}\n".encode())
        return digest.hexdigest()[:16]

    @property
    def total_bytes(self) -> int:
        return sum(f.size_bytes for f in self.files)

    def count(self, kind: str | None = None) -> int:
        return sum(1 for f in self.files if kind is None or f.kind == kind)

    @property
    def rejected(self) -> tuple[SnapshotFile, ...]:
        """Files listed but not read: their columns break the contract (landing_check)."""
        return tuple(f for f in self.files if f.rejection)

    def write(self, target: Path) -> Path:
        """The snapshot as Parquet (dbt reads it); written whole before the rename."""
        sid = self.snapshot_id
        rows = [
            {
                "snapshot_id": sid,
                "kind": f.kind,
                "path": location(self.landing_root, f.relative_path),
                "relative_path": f.relative_path,
                "size_bytes": f.size_bytes,
                "modified_ns": f.modified_ns,
                "rejection": f.rejection,
                "rejected_column": f.rejected_column,
            }
            for f in self.files
        ]
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        pq.write_table(pa.Table.from_pylist(rows, schema=SNAPSHOT_SCHEMA), tmp)
        tmp.replace(target)
        return target


def location(landing_root: LandingRoot, relative: str) -> str:
    if isinstance(landing_root, ObjectStore):
        return landing_root.url(relative)
    return str(landing_root / relative)


def take(landing_root: LandingRoot) -> Snapshot:
    """Every landed file now that is not withdrawn, sorted by path, a local file whose columns
    break the contract marked with its `rejection` (benchdb/landing_check.py; an S3 landing
    zone's files are checked on their local copies, `mirror`). Hidden temporary files never
    match."""
    files: list[SnapshotFile] = []
    left_out = set(withdrawn(landing_root))
    for kind, pattern in PATTERNS.items():
        if isinstance(landing_root, ObjectStore):
            for info in landing.listing(landing_root, pattern):
                relative = landing.relative_of(landing_root, info)
                if relative not in left_out:
                    files.append(SnapshotFile(kind, relative, info.size, info.mtime_ns or 0))
            continue
        for path in landing_root.glob(pattern):
            if str(path.relative_to(landing_root)) in left_out:
                continue
            try:
                info = path.stat()
            except FileNotFoundError:  # withdrawn while listing
                continue
            files.append(
                SnapshotFile(
                    kind, str(path.relative_to(landing_root)), info.st_size, info.st_mtime_ns
                )
            )
    files.sort(key=lambda f: f.relative_path)
    if not isinstance(landing_root, ObjectStore):
        files = landing_check.mark_rejected(landing_root, files)
    return Snapshot(landing_root, tuple(files))


# ------------------------------------------------------- a local copy of an S3 landing zone

MIRROR_THREADS = 8


def mirror_folder(data_dir: Path, store: ObjectStore) -> Path:
    """Where a build keeps its copies of an S3 landing zone's files: under the data folder, one
    folder per bucket and prefix."""
    return data_dir / "landing-mirror" / "s3" / store.base


def mirror(taken: Snapshot, folder: Path) -> tuple[Snapshot, int, int]:
    """Copy the snapshot's files (and the withdrawals log) from S3 into `folder`, each once:
    a copy whose size and modification time match the object is kept. Each copy is written
    under a hidden name and renamed, so a killed mirror leaves no partial file. Returns the
    same snapshot rooted at `folder` (dbt reads those copies), and the files and bytes copied
    this time."""
    store = taken.landing_root
    if not isinstance(store, ObjectStore):
        return taken, 0, 0
    log = [
        SnapshotFile(
            WITHDRAWALS_KIND, landing.relative_of(store, info), info.size, info.mtime_ns or 0
        )
        for info in landing.listing(store, f"{WITHDRAWALS_KIND}/run_date=*/*.parquet")
    ]
    wanted = [*taken.files, *log]
    missing = [f for f in wanted if not _copied(folder / f.relative_path, f)]

    def fetch(f: SnapshotFile) -> int:
        target = folder / f.relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = landing.temporary_path(target)
        try:
            with store.filesystem.open_input_stream(store.key(f.relative_path)) as stream:
                body = stream.read()
            tmp.write_bytes(body)
            os.utime(tmp, ns=(f.modified_ns, f.modified_ns))
            os.replace(tmp, target)
        except (OSError, pa.ArrowException) as exc:
            tmp.unlink(missing_ok=True)
            raise LandingError(
                f"cannot copy {store.url(f.relative_path)} to {target}: {exc}"
            ) from None
        if len(body) != f.size_bytes:
            raise LandingError(
                f"{store.url(f.relative_path)}: listed at {f.size_bytes} bytes, read "
                f"{len(body)}: rewritten while building? (landed files are never rewritten)"
            )
        return len(body)

    with ThreadPoolExecutor(MIRROR_THREADS) as pool:
        copied = sum(pool.map(fetch, missing))
    checked = tuple(landing_check.mark_rejected(folder, list(taken.files)))
    return replace(taken, landing_root=folder, files=checked), len(missing), copied


def _copied(path: Path, f: SnapshotFile) -> bool:
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    return info.st_size == f.size_bytes and info.st_mtime_ns == f.modified_ns


def read_id(snapshot_file: Path) -> str | None:
    """The id recorded in a written snapshot (None when it holds no file or is missing)."""
    if not snapshot_file.is_file():
        return None
    table = pq.read_table(snapshot_file, columns=["snapshot_id"])
    return table.column(0)[0].as_py() if table.num_rows else take_empty_id()


def take_empty_id() -> str:
    return Snapshot(Path("."), ()).snapshot_id


# ---------------------------------------------------------------- withdrawn files

WITHDRAWALS_KIND = "withdrawals"
# the kinds a user may withdraw: what runners and the API land, and registered legacy files
WITHDRAWABLE = {kind: PATTERNS[kind] for kind in [*SCHEMAS, LEGACY_FILES_KIND]}

WITHDRAWALS = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("withdrawal_id", pa.string()),
        ("action", pa.string()),  # forget | restore
        ("kind", pa.string()),
        ("relative_path", pa.string()),  # under the landing root
        ("source_path", pa.string()),  # a legacy file's original path, when named by it
        ("reason", pa.string()),
        ("recorded_by", pa.string()),  # user@host
        ("recorded_at", landing.UTC_TS),
    ]
)


@dataclass(frozen=True)
class Target:
    """One landed file to withdraw or restore."""

    kind: str
    relative_path: str
    source_path: str | None = None


def withdrawal_log(landing_root: LandingRoot) -> list[dict]:
    """Every withdrawal entry, oldest first."""
    rows: list[dict] = []
    pattern = f"{WITHDRAWALS_KIND}/run_date=*/*.parquet"
    if isinstance(landing_root, ObjectStore):
        sources = [
            (landing_root.url(landing.relative_of(landing_root, info)), info.path)
            for info in landing.listing(landing_root, pattern)
        ]
        filesystem = landing_root.filesystem
    else:
        sources = [(path, path) for path in sorted(landing_root.glob(pattern))]
        filesystem = None
    for name, path in sources:
        try:
            rows.extend(pq.read_table(path, schema=WITHDRAWALS, filesystem=filesystem).to_pylist())
        except (OSError, pa.ArrowException) as exc:
            raise LandingError(f"corrupt withdrawals file {name}: {exc}") from None
    return sorted(rows, key=lambda r: r["recorded_at"])


def withdrawn(landing_root: LandingRoot) -> dict[str, dict]:
    """The files withdrawn now (relative path -> the entry that withdrew it): those whose newest
    entry is `forget`."""
    newest: dict[str, dict] = {}
    for row in withdrawal_log(landing_root):
        newest[row["relative_path"]] = row
    return {path: row for path, row in newest.items() if row["action"] == "forget"}


def landed_target(landing_root: LandingRoot, file: Path | str) -> Target:
    """The landed file a path names (absolute, relative to the current folder, or relative to the
    landing root; on S3 its s3:// URL or its path under the prefix), or a LandingError saying
    what it is not."""
    if isinstance(landing_root, ObjectStore):
        return _landed_object(landing_root, str(file))
    file = Path(file)
    root = landing_root.absolute()
    candidates = [file.absolute(), root / file] if not file.is_absolute() else [file]
    for candidate in candidates:
        try:
            relative = str(candidate.relative_to(root))
        except ValueError:
            continue
        for kind, pattern in WITHDRAWABLE.items():
            if fnmatch.fnmatch(relative, pattern):
                if not candidate.is_file():
                    raise LandingError(f"{candidate}: no such landed file")
                return Target(kind, relative)
    raise LandingError(
        f"{file}: not a landed file of {root} (landed files are <kind>/run_date=*/*.parquet for "
        f"{', '.join(SCHEMAS)}, and legacy_files/*/*.json)"
    )


def _landed_object(store: ObjectStore, name: str) -> Target:
    from pyarrow import fs

    relative = name.removeprefix(store.uri + "/") if name.startswith("s3://") else name
    under = not name.startswith("s3://") or name.startswith(store.uri + "/")
    for kind, pattern in WITHDRAWABLE.items():
        if under and fnmatch.fnmatch(relative, pattern):
            if store.filesystem.get_file_info(store.key(relative)).type != fs.FileType.File:
                raise LandingError(f"{store.url(relative)}: no such landed file")
            return Target(kind, relative)
    raise LandingError(
        f"{name}: not a landed file of {store} (landed files are <kind>/run_date=*/*.parquet for "
        f"{', '.join(SCHEMAS)}, and legacy_files/*/*.json)"
    )


def legacy_targets(landing_root: LandingRoot, source: Path) -> list[Target]:
    """The registered copy of the legacy file migrated from `source` (its original path), or a
    LandingError. Identical content is stored once: withdrawing it withdraws every path that
    registered it."""
    from benchdb.migrate import read_manifest

    wanted = {str(source.absolute()), str(source.resolve())}
    stored = sorted(
        {
            row["stored_path"]
            for row in read_manifest(landing_root)
            if row["original_path"] in wanted
            and row["status"] in ("registered", "duplicate")
            and row["stored_path"]
        }
    )
    if not stored:
        raise LandingError(
            f"{source}: no registered legacy file has this original path "
            '(see `benchdb query --sql "select original_path, status from legacy_files"`)'
        )
    return [Target(LEGACY_FILES_KIND, path, str(source.absolute())) for path in stored]


def record(
    landing_root: LandingRoot, targets: list[Target], action: str, reason: str
) -> Path | str | None:
    """Append one withdrawals file (forget or restore) for the targets whose state changes;
    returns its path, or None when every target already is in that state."""
    if action not in ("forget", "restore"):
        raise ValueError(action)
    now_withdrawn = withdrawn(landing_root)
    changing = [t for t in targets if (t.relative_path in now_withdrawn) == (action == "restore")]
    if not changing:
        return None
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = "unknown"
    when = landing.utc_now()
    entry_id = str(uuid.uuid4())
    rows = [
        {
            "withdrawal_id": entry_id,
            "action": action,
            "kind": t.kind,
            "relative_path": t.relative_path,
            "source_path": t.source_path,
            "reason": reason,
            "recorded_by": f"{user}@{socket.gethostname()}",
            "recorded_at": when,
        }
        for t in changing
    ]
    return landing.write_rows(
        landing_root, WITHDRAWALS_KIND, rows, entry_id, when, schema=WITHDRAWALS
    )
