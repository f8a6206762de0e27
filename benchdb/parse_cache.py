"""dbt's parse, shared between warehouses: a new warehouse does not parse the project from scratch.

dbt writes its parse to `<target>/partial_parse.msgpack` and reuses it when nothing it depends on
changed: the project's files, its vars, the env vars read while parsing, and the profile's
connection (benchdb gives every build the same relative path, build/warehouse.duckdb, and the
same landing settings at parse time). A warehouse keeps its own target folder (benchdb.generations);
its first build starts from the newest parse any build of this project saved. dbt checks every
file's checksum itself, so a parse from another state is never trusted blindly: at worst dbt
parses everything again, as it would without the cache.

The cache lives in $BENCHDB_CACHE_DIR, else $XDG_CACHE_HOME/benchdb, else ~/.cache/benchdb, one
file per project folder. Failing to read or write it changes nothing but the time a build takes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from benchdb.paths import PROJECT_DIR

PARSE_FILE = "partial_parse.msgpack"


def cache_file(project_dir: Path = PROJECT_DIR) -> Path:
    root = os.environ.get("BENCHDB_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "benchdb"
    )
    key = hashlib.sha256(str(project_dir.resolve()).encode()).hexdigest()[:16]
    return Path(root) / "dbt-parse" / key / PARSE_FILE


def restore(target_dir: Path) -> bool:
    """Give a target folder without a parse of its own the shared one; True when copied."""
    mine = target_dir / PARSE_FILE
    shared = cache_file()
    if mine.exists() or not shared.is_file():
        return False
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared, mine)
    except OSError:
        return False
    return True


def save(target_dir: Path) -> bool:
    """Offer a build's parse to the next new warehouse (atomic replace); True when saved."""
    mine = target_dir / PARSE_FILE
    shared = cache_file()
    if not mine.is_file():
        return False
    temporary = None
    try:
        shared.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=shared.parent, prefix=".parse-")
        os.close(handle)
        shutil.copyfile(mine, temporary)
        os.replace(temporary, shared)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        return False
    return True
