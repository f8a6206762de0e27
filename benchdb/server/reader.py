"""Read-only cursors on the last complete warehouse, never held across a build.

Each request takes a cursor on the current *generation* of the file: one read-only attachment
per version of it (device, inode, mtime, size). When `benchdb build` or `benchdb db optimize`
renames a new file into place, the next request attaches the new generation; requests already
running finish on the old one, which is closed when the last of them ends. So every answer comes
from one complete warehouse.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from benchdb.queries import quote_identifier
from runners.errors import WarehouseError

DEFAULT_MEMORY_LIMIT = "2GB"

# set, in this order, on a locked-down (POST /query) connection; lock_configuration last
LOCKED_DOWN_SETTINGS = (
    "set python_enable_replacements = false",
    "set autoload_known_extensions = false",
    "set autoinstall_known_extensions = false",
    "set temp_directory = ''",
    "set enable_external_access = false",
    "set lock_configuration = true",
)


def quote_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Generation:
    """One version of the warehouse file, attached read-only to its own in-memory DuckDB.

    `locked_down` (the POST /query sandbox): no file access, settings locked."""

    def __init__(
        self,
        db_path: Path,
        signature: tuple,
        locked_down: bool,
        memory_limit: str,
        threads: int | None = None,
    ):
        self.signature = signature
        self.alias = quote_identifier(db_path.stem)
        self.users = 0
        self.retired = False
        self.derived: dict[str, Any] = {}
        self.derived_lock = threading.Lock()
        config: dict[str, Any] = {"memory_limit": memory_limit}
        if threads:
            config["threads"] = threads
        self.con = duckdb.connect(":memory:", config=config)
        try:
            self.con.execute(f"attach {quote_string(str(db_path))} as {self.alias} (read_only)")
            self.con.execute(f"use {self.alias}")
            if locked_down:
                for statement in LOCKED_DOWN_SETTINGS:
                    self.con.execute(statement)
        except duckdb.Error as exc:
            self.con.close()
            raise WarehouseError(f"cannot open {db_path}: {str(exc).splitlines()[0]}") from None

    def derive(self, key: str, build: Callable[[Any], Any]) -> Any:
        """Something computed once per generation (build(cursor) -> value), then reused."""
        with self.derived_lock:
            if key not in self.derived:
                cur = self.con.cursor()
                try:
                    cur.execute(f"use {self.alias}")
                    self.derived[key] = build(cur)
                finally:
                    cur.close()
            return self.derived[key]

    def tables(self) -> frozenset[str]:
        """The tables and views of this generation (which marts it holds)."""
        return self.derive(
            "tables",
            lambda cur: frozenset(
                name
                for (name,) in cur.execute(
                    "select table_name from information_schema.tables where table_schema = 'main'"
                ).fetchall()
            ),
        )

    def close(self) -> None:
        self.con.close()


class WarehouseReader:
    """Cursors on the last complete warehouse; a renamed-in file is picked up on the next call."""

    def __init__(
        self, db_path: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT, threads: int | None = None
    ):
        self.db_path = db_path
        self.memory_limit = memory_limit
        self.threads = threads
        self._lock = threading.Lock()
        self._current: dict[bool, Generation] = {}
        self.generations_opened = 0

    def _signature(self) -> tuple:
        try:
            info = os.stat(self.db_path)
        except FileNotFoundError:
            raise WarehouseError(
                f"no warehouse at {self.db_path}: run `benchdb build` first"
            ) from None
        return (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)

    @contextmanager
    def cursor(self, locked_down: bool = False) -> Iterator[Any]:
        with self.session(locked_down) as (cur, _gen):
            yield cur

    def _enter(self, locked_down: bool) -> tuple[Any, Generation]:
        """A cursor on the current generation (a fresh one when the file changed), counted as
        one more user of it."""
        signature = self._signature()  # before attaching: a stale label only costs a reopen
        with self._lock:
            gen = self._current.get(locked_down)
            if gen is None or gen.signature != signature:
                fresh = Generation(
                    self.db_path, signature, locked_down, self.memory_limit, self.threads
                )
                self.generations_opened += 1
                if gen is not None:
                    gen.retired = True
                    if gen.users == 0:
                        gen.close()
                self._current[locked_down] = gen = fresh
            gen.users += 1
            return gen.con.cursor(), gen

    def _leave(self, gen: Generation) -> None:
        with self._lock:
            gen.users -= 1
            if gen.retired and gen.users == 0:
                gen.close()

    @contextmanager
    def session(self, locked_down: bool = False) -> Iterator[tuple[Any, Generation]]:
        """(cursor, generation): the cursor reads that generation of the warehouse."""
        cur, gen = self._enter(locked_down)
        try:
            cur.execute(f"use {gen.alias}")
            yield cur, gen
        finally:
            cur.close()
            self._leave(gen)

    def close(self) -> None:
        with self._lock:
            for gen in self._current.values():
                gen.retired = True
                if gen.users == 0:
                    gen.close()
            self._current.clear()
