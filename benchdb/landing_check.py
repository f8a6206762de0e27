"""Whole landed files the build cannot read: checked once per file, left out of the snapshot.

A landed Parquet file whose columns break the contract (runners/landing.py's schemas) would fail
the build, or make DuckDB read a column of every file by the wrong type (a `batch_size` written
as text in one file turns every file's `batch_size` into text under `union_by_name`). The
snapshot (benchdb/snapshot.py) asks `file_problem` about each file it lists: a file with a
problem stays in the snapshot's list, with the problem as its `rejection`, and dbt reads none of
its rows (macros/read_landing.sql); rejected_rows lists it with the rule (`file schema: ...`) and
`benchdb build` prints it. The file itself stays where it is, as evidence; `benchdb landing
forget` withdraws it.

Only the footer is read (`pyarrow.parquet.read_schema`), and only once per file: verdicts are
kept in `<landing root>/.file_checks.json` under the file's path, size and modification time
(landed files are immutable, so a known triple needs no second look).

What is refused (docs/landing_zone.md, "What is rejected"):
- a file Parquet cannot read (truncated, not Parquet);
- a column the contract types otherwise: text where a number belongs, a list of text where a
  list of numbers belongs, a number where text belongs, a time without a time zone ... Widening
  is accepted (any integer where an integer or a float belongs, float32 where float64 does,
  large_string or dictionary-encoded text where text does; an all-null column);
- a missing identity column (REQUIRED below: without it no row of the file can be kept);
- a column named like one the reader adds (`run_date`, `source_file`, `file_row_number`).
Columns the contract does not know are ignored (a newer runner's optional columns).
"""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from runners.landing import SCHEMAS

CACHE_NAME = ".file_checks.json"
CACHE_VERSION = 1

# per kind, the columns no row can be kept without (the staging models' row identity)
REQUIRED: dict[str, tuple[str, ...]] = {
    "benchmark_results": ("result_id", "run_id", "model_name", "hardware_type", "batch_size"),
    "test_runs": ("run_id",),
    "hardware_events": ("event_id", "hardware_type"),
    "compatibility_results": ("compatibility_id",),
    "integration_results": ("test_result_id",),
    "result_marks": ("mark_id", "result_id"),
}
# what read_landing adds to every row (the hive partition, the file, the row's position)
RESERVED = ("run_date", "source_file", "file_row_number")


def type_problem(found: pa.DataType, wanted: pa.DataType) -> str | None:
    """Why a column of type `found` cannot be read as the contract's `wanted`, or None."""
    if found == wanted or pa.types.is_null(found):
        return None
    if pa.types.is_dictionary(found):
        return type_problem(found.value_type, wanted)
    if pa.types.is_string(wanted) or pa.types.is_large_string(wanted):
        ok = pa.types.is_string(found) or pa.types.is_large_string(found)
    elif pa.types.is_integer(wanted):
        ok = pa.types.is_integer(found)
    elif pa.types.is_floating(wanted):
        ok = pa.types.is_integer(found) or pa.types.is_floating(found)
    elif pa.types.is_boolean(wanted):
        ok = pa.types.is_boolean(found)
    elif pa.types.is_timestamp(wanted):
        if pa.types.is_timestamp(found) and found.tz is None:
            return f"a timestamp without a time zone where a {wanted} (a UTC instant) belongs"
        ok = pa.types.is_timestamp(found)
    elif pa.types.is_list(wanted) or pa.types.is_large_list(wanted):
        if not (pa.types.is_list(found) or pa.types.is_large_list(found)):
            ok = False
        else:
            inner = type_problem(found.value_type, wanted.value_type)
            return None if inner is None else f"a list of {found.value_type} where {wanted} belongs"
    elif pa.types.is_struct(wanted):
        if not pa.types.is_struct(found):
            ok = False
        else:
            names = {found.field(i).name for i in range(found.num_fields)}
            wanted_names = {wanted.field(i).name for i in range(wanted.num_fields)}
            if names != wanted_names:
                return f"a struct with fields {sorted(names)} where {sorted(wanted_names)} belong"
            for i in range(wanted.num_fields):
                field = wanted.field(i)
                if type_problem(found.field(field.name).type, field.type) is not None:
                    return f"a struct whose {field.name} is {found.field(field.name).type}"
            ok = True
    else:
        ok = False
    return None if ok else f"{found} where {wanted} belongs"


def schema_problem(kind: str, schema: pa.Schema) -> tuple[str, str] | None:
    """(column, reason) for the first way a file's schema breaks `kind`'s contract, or None."""
    contract = SCHEMAS[kind]
    names = set(schema.names)
    for column in REQUIRED.get(kind, ()):
        if column not in names:
            return column, f"required column {column} missing"
    for column in RESERVED:
        if column in names:
            return column, f"column {column} is reserved (the reader adds it to every row)"
    if len(names) != len(schema.names):
        twice = sorted({n for n in schema.names if schema.names.count(n) > 1})
        return twice[0], f"column {twice[0]} written twice"
    for field in schema:
        if field.name in contract.names:
            problem = type_problem(field.type, contract.field(field.name).type)
            if problem:
                return field.name, f"type of {field.name}: {problem}"
    return None


def file_problem(kind: str, path: Path) -> tuple[str, str] | None:
    """(column, one-line reason) when the landed file cannot be read as `kind`, else None.
    The reason starts with "file schema:"; the column is "*" for an unreadable file."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return "*", f"file schema: not a readable Parquet file ({first_line})"
    found = schema_problem(kind, schema)
    if found is None:
        return None
    column, reason = found
    return column, f"file schema: {reason}"


class Checks:
    """Verdicts by (relative path, size, mtime), read from and written back to the cache file
    in the landing root; a cache that cannot be read or written only costs a second look."""

    def __init__(self, landing_root: Path):
        self.path = landing_root / CACHE_NAME
        self.known: dict[str, list] = {}
        self.changed = False
        try:
            stored = json.loads(self.path.read_text())
            if stored.get("version") == CACHE_VERSION:
                self.known = dict(stored["files"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass

    def problem(
        self, kind: str, path: Path, relative: str, size: int, mtime_ns: int
    ) -> tuple[str, str] | None:
        key = f"{relative}\0{size}\0{mtime_ns}"
        if key in self.known:
            verdict = self.known[key]
            return (verdict[0], verdict[1]) if verdict else None
        found = file_problem(kind, path)
        self.known[key] = list(found) if found else None
        self.changed = True
        return found

    def save(self) -> None:
        """Write the verdicts back when a new file was looked at: atomically (a hidden
        temporary, then a rename); verdicts of files gone stay (a few bytes each)."""
        if not self.changed:
            return
        tmp = self.path.with_name(f"{self.path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            tmp.write_text(json.dumps({"version": CACHE_VERSION, "files": self.known}))
            os.replace(tmp, self.path)
        except OSError:  # a read-only landing zone: the next listing looks again
            tmp.unlink(missing_ok=True)


def mark_rejected(landing_root: Path, files: list) -> list:
    """The snapshot's files (benchdb.snapshot.SnapshotFile), each with its `rejection` and
    `rejected_column` set when the file cannot be read as its kind; footers read once per file."""
    checks = Checks(landing_root)
    marked = []
    for f in files:
        if f.kind not in SCHEMAS:  # the legacy manifest and files: migrate checks those
            marked.append(f)
            continue
        found = checks.problem(
            f.kind, landing_root / f.relative_path, f.relative_path, f.size_bytes, f.modified_ns
        )
        if found:
            column, reason = found
            f = dataclasses.replace(f, rejection=reason, rejected_column=column)
        marked.append(f)
    checks.save()
    return marked
