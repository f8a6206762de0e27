"""Published marts: the warehouse's public tables as Parquet with a manifest, in a folder or
under an S3 prefix, so any engine (Spark, Trino, pandas, DuckDB) reads the same answers.

    <target>/<publication>/<table>.parquet   one file per public table (schema main)
    <target>/<publication>/manifest.json      what was published, from which build
    <target>/manifest.json                    the same manifest: the current publication

A publication is complete before it is named: every Parquet file is written first, then the
publication's manifest, and the top manifest last (one object put on S3, an atomic rename in a
folder). A reader that starts from <target>/manifest.json never sees a half-written publication.
The previous publication stays for readers that still hold it; older ones, and any left
half-written by a failed publish, are deleted.

The manifest records, per table, its file, rows, bytes, SHA-256 and columns with their DuckDB
types, and for the whole publication the warehouse generation, the landing snapshot it was built
from and when it was built and published.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from benchdb import __version__, generations
from benchdb.warehouse import connect_read_only
from runners.errors import BenchdbError

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
# <UTC time>-g<generation>: sorts by time; nothing else in the target is ever deleted
PUBLICATION_NAME = re.compile(r"\d{8}T\d{12}Z(-g\d+)?")
ROWS_PER_BATCH = 100_000


class PublishError(BenchdbError):
    """The target cannot be written, or the warehouse cannot be published."""


@dataclass(frozen=True)
class Target:
    """Where a publication goes: a pyarrow filesystem and a base path on it."""

    filesystem: object
    base: str
    uri: str

    def path(self, *parts: str) -> str:
        return "/".join([self.base.rstrip("/"), *parts])


def open_target(uri: str) -> Target:
    """A folder path or an s3:// URI. S3's endpoint, region and credentials come from the
    standard AWS environment variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID ...)."""
    from pyarrow import fs

    if "://" not in uri:
        folder = Path(uri).expanduser().resolve()
        if folder.exists() and not folder.is_dir():
            raise PublishError(f"--to {uri}: not a folder")
        return Target(fs.LocalFileSystem(), str(folder), str(folder))
    try:
        filesystem, base = fs.FileSystem.from_uri(uri)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError ...
        raise PublishError(f"--to {uri}: {exc}") from None
    return Target(filesystem, base, uri)


def public_tables(con) -> list[str]:
    """The tables and views readers query unqualified: schema main, as the REST API serves."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'main' order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def publish(db_path: Path, uri: str, tables: list[str] | None = None) -> dict:
    """Publish the current warehouse generation to `uri`; returns the manifest written (or the
    one in place, with "unchanged": true, when this generation is already published there)."""
    target = open_target(uri)
    info = generations.Layout(db_path).current_info() or {}
    current = read_manifest(target)
    if (
        current
        and info.get("generation")
        and current.get("generation") == info.get("generation")
        and current.get("snapshot_id") == info.get("snapshot_id")
        and current.get("requested_tables") == tables
    ):
        return {**current, "unchanged": True}

    published_at = datetime.now(timezone.utc)
    name = published_at.strftime("%Y%m%dT%H%M%S%fZ")
    if info.get("generation"):
        name += f"-{generations.GENERATION_PREFIX}{int(info['generation']):06d}"
    with connect_read_only(db_path) as con:
        available = public_tables(con)
        unknown = sorted(set(tables or []) - set(available))
        if unknown:
            raise PublishError(
                f"--tables: no public table {', '.join(unknown)} (public tables: "
                f"{', '.join(available)})"
            )
        entries = [_write_table(con, target, name, table) for table in (tables or available)]
    manifest = {
        "format_version": FORMAT_VERSION,
        "publication": name,
        "published_at": published_at.isoformat(),
        "benchdb_version": __version__,
        "generation": info.get("generation"),
        "snapshot_id": info.get("snapshot_id"),
        "built_at": info.get("built_at"),
        "landing_files": info.get("files"),
        "requested_tables": tables,
        "tables": entries,
    }
    body = json.dumps(manifest, indent=2).encode()
    _put(target, target.path(name, MANIFEST), body)
    _put(target, target.path(MANIFEST), body)
    _clean_old(target, keep={name, (current or {}).get("publication")})
    return manifest


def read_manifest(target: Target) -> dict | None:
    """The current publication's manifest at `target`, or None when nothing is published."""
    from pyarrow import fs

    path = target.path(MANIFEST)
    if target.filesystem.get_file_info(path).type != fs.FileType.File:
        return None
    with target.filesystem.open_input_stream(path) as stream:
        return json.loads(stream.read())


def _write_table(con, target: Target, publication: str, table: str) -> dict:
    import pyarrow.parquet as pq

    relation = con.sql(f'select * from "{table}"')
    columns = [{"name": n, "type": str(t)} for n, t in zip(relation.columns, relation.types)]
    reader = relation.to_arrow_reader(ROWS_PER_BATCH)
    path = target.path(publication, f"{table}.parquet")
    target.filesystem.create_dir(target.path(publication), recursive=True)
    rows = 0
    with target.filesystem.open_output_stream(path) as native:
        sink = _Hashing(native)
        with pq.ParquetWriter(sink, reader.schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    return {
        "name": table,
        "file": f"{publication}/{table}.parquet",
        "rows": rows,
        "bytes": sink.size,
        "sha256": sink.digest.hexdigest(),
        "columns": columns,
    }


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes and counts what passes through to `native`."""

    def __init__(self, native) -> None:
        self.native = native
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        self.native.write(data)
        return len(data)


def _put(target: Target, path: str, body: bytes) -> None:
    """Write `body` at `path` whole: on a local folder through a temporary name and a rename."""
    from pyarrow import fs

    if isinstance(target.filesystem, fs.LocalFileSystem):
        temporary = f"{path}.tmp"
        with target.filesystem.open_output_stream(temporary) as stream:
            stream.write(body)
        target.filesystem.move(temporary, path)
    else:
        with target.filesystem.open_output_stream(path) as stream:
            stream.write(body)


def _clean_old(target: Target, keep: set) -> list[str]:
    """Delete every publication folder but `keep` (the new one and the one before it): older
    ones, and any left half-written by a publish that failed."""
    from pyarrow import fs

    selector = fs.FileSelector(target.base, recursive=False)
    old = sorted(
        info.base_name
        for info in target.filesystem.get_file_info(selector)
        if info.type == fs.FileType.Directory
        and PUBLICATION_NAME.fullmatch(info.base_name)
        and info.base_name not in keep
    )
    for folder in old:
        target.filesystem.delete_dir(target.path(folder))
    return old
