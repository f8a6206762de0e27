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
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from runners.landing import SCHEMAS

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
    ]
)


@dataclass(frozen=True)
class SnapshotFile:
    kind: str
    relative_path: str
    size_bytes: int
    modified_ns: int


@dataclass(frozen=True)
class Snapshot:
    landing_root: Path
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

    def write(self, target: Path) -> Path:
        """The snapshot as Parquet (dbt reads it); written whole before the rename."""
        sid = self.snapshot_id
        rows = [
            {
                "snapshot_id": sid,
                "kind": f.kind,
                "path": str(self.landing_root / f.relative_path),
                "relative_path": f.relative_path,
                "size_bytes": f.size_bytes,
                "modified_ns": f.modified_ns,
            }
            for f in self.files
        ]
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        pq.write_table(pa.Table.from_pylist(rows, schema=SNAPSHOT_SCHEMA), tmp)
        tmp.replace(target)
        return target


def take(landing_root: Path) -> Snapshot:
    """Every landed file now, sorted by path. Hidden temporary files never match."""
    files: list[SnapshotFile] = []
    for kind, pattern in PATTERNS.items():
        for path in landing_root.glob(pattern):
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
    return Snapshot(landing_root, tuple(files))


def read_id(snapshot_file: Path) -> str | None:
    """The id recorded in a written snapshot (None when it holds no file or is missing)."""
    if not snapshot_file.is_file():
        return None
    table = pq.read_table(snapshot_file, columns=["snapshot_id"])
    return table.column(0)[0].as_py() if table.num_rows else take_empty_id()


def take_empty_id() -> str:
    return Snapshot(Path("."), ()).snapshot_id
