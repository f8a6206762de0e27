"""Warehouse generations: readers never blocked, builds never lost, nothing copied whole.

The warehouse path users open (`data/benchmark.duckdb`) is a symbolic link to the current
generation, a complete DuckDB file in the warehouse's state folder:

    data/benchmark.duckdb -> .benchmark.duckdb.d/g000012/benchmark.duckdb
    data/.benchmark.duckdb.d/
        lock                 one build at a time (flock; released when the process dies)
        build/               the generation being built (build/warehouse.duckdb: one relative
                             path for every warehouse, so dbt's parse is reused)
        g000011/ g000012/    published generations: benchmark.duckdb, snapshot.parquet,
                             generation.json (snapshot id, files, project hash, timings)
        dbt-target/          dbt's target folder, kept between builds (partial parsing; a new
                             warehouse starts from the last parse, benchdb/parse_cache.py)

A build takes the oldest generation nobody reads (DuckDB's own file lock says who does), renames
it to `build/`, lets dbt bring it up to date incrementally (each incremental model loads only the
landing files it has not loaded yet), and publishes it by swapping the link atomically. Readers
keep the generation they opened; the one before stays until nobody reads it. Only when every
older generation is in use is the current one copied (the one cost that grows with the warehouse).
A build that fails or is killed leaves its `build/` folder behind; the next build discards it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from benchdb import snapshot
from benchdb.paths import PROJECT_DIR

GENERATION_PREFIX = "g"
BUILD_FILE = "warehouse.duckdb"
KEEP_PUBLISHED = 2  # the current generation and the one before (readers may still hold it)
# what dbt builds from: a change in any of these means a full refresh
PROJECT_INPUTS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "seeds",
    "tests/data_tests",
)


# settings the models read from the environment (a change rebuilds what was built with the old)
MODEL_SETTINGS = ("BENCHMARK_LEGACY_TIMEZONE",)


@dataclass(frozen=True)
class Layout:
    """Where one warehouse keeps its generations."""

    db_path: Path

    @property
    def state_dir(self) -> Path:
        return self.db_path.parent / f".{self.db_path.name}.d"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "lock"

    @property
    def build_dir(self) -> Path:
        return self.state_dir / "build"

    @property
    def build_db(self) -> Path:
        """The file dbt builds: one name for every warehouse, so dbt's profile (which holds
        the path, relative to the state folder) is the same everywhere and its parse can be
        reused (benchdb.parse_cache). Views name no catalog, so the file is renamed freely."""
        return self.build_dir / BUILD_FILE

    @property
    def build_db_relative(self) -> Path:
        return self.build_db.relative_to(self.state_dir)

    @property
    def dbt_target(self) -> Path:
        return self.state_dir / "dbt-target"

    @property
    def dbt_logs(self) -> Path:
        return self.state_dir / "dbt-logs"

    def generation_dir(self, number: int) -> Path:
        return self.state_dir / f"{GENERATION_PREFIX}{number:06d}"

    def generations(self) -> list[tuple[int, Path]]:
        """Published generations, oldest first."""
        found = []
        if self.state_dir.is_dir():
            for child in self.state_dir.iterdir():
                name = child.name
                if name.startswith(GENERATION_PREFIX) and name[1:].isdigit() and child.is_dir():
                    found.append((int(name[1:]), child))
        return sorted(found)

    def current(self) -> Path | None:
        """The generation folder the warehouse link points to (None: no link, or a plain file)."""
        if not self.db_path.is_symlink():
            return None
        target = (self.db_path.parent / os.readlink(self.db_path)).resolve()
        return target.parent if target.exists() else None

    def current_info(self) -> dict | None:
        folder = self.current()
        if folder is None:
            return None
        info = folder / "generation.json"
        return json.loads(info.read_text()) if info.is_file() else None


# ---------------------------------------------------------------- the build lock


@contextlib.contextmanager
def build_lock(layout: Layout, echo: Callable[[str], None] | None = None) -> Iterator[None]:
    """One build of a warehouse at a time; a second one waits (and says so), then builds from
    a snapshot taken after the first published, so it never publishes older data."""
    layout.state_dir.mkdir(parents=True, exist_ok=True)
    with open(layout.lock_file, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            if echo:
                echo(f"waiting for the build running in {holder} to finish ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- readers


def in_use(db_file: Path) -> bool:
    """True when some process has the DuckDB file open (DuckDB locks it for every reader)."""
    import duckdb

    if not db_file.exists():
        return False
    try:
        duckdb.connect(str(db_file)).close()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            return True
        raise
    return False


# ---------------------------------------------------------------- project identity


def project_hash(extra: str = "") -> str:
    """A hash of everything dbt builds from (and of `extra`, e.g. the vars): when it changes,
    incremental state built by the old project cannot be trusted and the build starts over."""
    digest = hashlib.sha256(extra.encode())
    for name in MODEL_SETTINGS:
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())
    for name in PROJECT_INPUTS:
        root = PROJECT_DIR / name
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- preparing and publishing


@dataclass
class Slot:
    """The folder dbt builds into, and where it came from."""

    origin: str  # 'new', 'generation gNNNNNN', 'copy of gNNNNNN'
    full_refresh: bool
    reason: str


def discard_leftovers(layout: Layout) -> bool:
    """A `build/` folder left by a build that failed or was killed: its incremental state may be
    half-written, so it is never reused. Returns whether one was removed."""
    if layout.build_dir.exists():
        shutil.rmtree(layout.build_dir)
        return True
    return False


def prepare(layout: Layout, project: str, full_refresh: bool) -> Slot:
    """Put the best starting point for an incremental build in `build/`."""
    discard_leftovers(layout)
    current = layout.current()
    candidates = [
        (n, folder)
        for n, folder in layout.generations()
        if folder != current and not in_use(folder / layout.db_path.name)
    ]
    if full_refresh:
        layout.build_dir.mkdir(parents=True)
        return Slot("new", True, "full refresh asked for")
    source: tuple[str, Path] | None = None
    if candidates:
        n, folder = candidates[-1]  # the newest free one has the least to catch up
        folder.rename(layout.build_dir)
        _rename_db(layout.build_dir / layout.db_path.name, layout.build_db)
        source = (f"generation {folder.name}", layout.build_dir)
    elif current is not None:
        layout.build_dir.mkdir(parents=True)
        shutil.copy2(current / layout.db_path.name, layout.build_db)
        for name in ("generation.json", "snapshot.parquet"):
            shutil.copy2(current / name, layout.build_dir / name)
        source = (f"copy of {current.name} (every older generation is in use)", layout.build_dir)
    if source is None:
        layout.build_dir.mkdir(parents=True, exist_ok=True)
        return Slot("new", True, "first build of this warehouse")
    info_file = layout.build_dir / "generation.json"
    info = json.loads(info_file.read_text()) if info_file.is_file() else {}
    if info.get("project_hash") != project or not layout.build_db.exists():
        for child in layout.build_dir.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        return Slot(source[0], True, "the dbt project, seeds or vars changed since it was built")
    return Slot(source[0], False, "incremental: only landing files not loaded yet are read")


def withdrawn_files(layout: Layout, taken: snapshot.Snapshot) -> int:
    """How many files the slot in `build/` was built from that the new snapshot lacks (landed
    files are never rewritten, only withdrawn; incremental state cannot forget rows)."""
    previous = layout.build_dir / "snapshot.parquet"
    if not previous.is_file():
        return 0
    import pyarrow.parquet as pq

    before = set(pq.read_table(previous, columns=["relative_path"]).column(0).to_pylist())
    return len(before - {f.relative_path for f in taken.files})


def publish(layout: Layout, info: dict) -> Path:
    """Make `build/` the next generation and point the warehouse link at it, atomically."""
    numbers = [n for n, _ in layout.generations()]
    number = (max(numbers) + 1) if numbers else 1
    info = {**info, "generation": number}
    (layout.build_dir / "generation.json").write_text(json.dumps(info, indent=2, default=str))
    folder = layout.generation_dir(number)
    _rename_db(layout.build_db, layout.build_dir / layout.db_path.name)
    layout.build_dir.rename(folder)
    target = os.path.relpath(folder / layout.db_path.name, layout.db_path.parent)
    link = layout.db_path.with_name(f".{layout.db_path.name}.{os.getpid()}.link")
    link.unlink(missing_ok=True)
    os.symlink(target, link)
    os.replace(link, layout.db_path)
    stale_wal = layout.db_path.with_name(layout.db_path.name + ".wal")
    if stale_wal.exists() and not stale_wal.is_symlink():
        stale_wal.unlink()  # the write-ahead log of a plain file this link replaced
    return folder


def _rename_db(source: Path, target: Path) -> None:
    """A DuckDB file and its write-ahead log, if one was left, under a new name."""
    if source == target:
        return
    for suffix in ("", ".wal"):
        part = source.with_name(source.name + suffix)
        if part.exists():
            part.rename(target.with_name(target.name + suffix))


def clean_old(layout: Layout, keep: int = KEEP_PUBLISHED) -> list[Path]:
    """Remove published generations beyond the newest `keep` that nobody reads."""
    current = layout.current()
    removed = []
    generations = layout.generations()
    for _, folder in generations[:-keep] if keep else generations:
        if folder == current or in_use(folder / layout.db_path.name):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def elapsed(start: float) -> float:
    return round(time.perf_counter() - start, 3)
