"""What a server is started with: the warehouse, the landing zone, the token and the limits.

`memory_limit` is the whole server's: this process and its POST /query worker processes
together. A quarter is this process's (its DuckDB, for the GET endpoints, gets half of that); the
rest is split evenly between the query workers, each held to its share by the kernel (an
address-space limit, RLIMIT_AS) and, inside that, by DuckDB's own memory_limit (a third).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchdb.server.reader import DEFAULT_MEMORY_LIMIT
from benchdb.server.sandbox import (
    DEFAULT_QUERY_WORKERS,
    DEFAULT_QUEUE_LIMIT,
    DEFAULT_RESULT_BYTE_LIMIT,
    DEFAULT_ROW_LIMIT,
    DEFAULT_TIME_LIMIT_SECONDS,
    QueryLimits,
)
from runners.errors import ConfigurationError

# a query worker's address space holds Python, DuckDB and their threads (about 270 MB of
# mappings before any query) plus what its queries use: less than this cannot work
MIN_WORKER_BYTES = 400 * 1000**2

_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_size(text: str | int, name: str = "memory limit") -> int:
    """'2GB' -> 2_000_000_000 bytes (DuckDB's units: GB = 1000^3, GiB = 1024^3)."""
    if isinstance(text, int):
        return text
    found = _SIZE.match(str(text))
    unit = found.group(2).lower() if found else None
    if not found or unit not in _UNITS:
        raise ConfigurationError(
            f"{name} '{text}' is not a size: write a number and a unit, like 2GB, 512MB or 1GiB"
        )
    return int(float(found.group(1)) * _UNITS[unit])


def megabytes(n: int) -> str:
    """A byte count as DuckDB's memory_limit takes it ('250MB')."""
    return f"{max(1, n // 1000**2)}MB"


@dataclass
class ServerSettings:
    db_path: Path
    data_dir: Path
    token: str | None = None
    cors_origins: tuple[str, ...] = ()
    row_limit: int = DEFAULT_ROW_LIMIT
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    query_workers: int = DEFAULT_QUERY_WORKERS
    result_byte_limit: int = DEFAULT_RESULT_BYTE_LIMIT
    queue_limit: int = DEFAULT_QUEUE_LIMIT
    extra: dict[str, Any] = field(default_factory=dict)

    def memory_bytes(self) -> int:
        return parse_size(self.memory_limit)

    def server_share_bytes(self) -> int:
        """What this process may use (a quarter of the limit)."""
        return self.memory_bytes() // 4

    def reader_memory_limit(self) -> str:
        """DuckDB's memory_limit for the GET endpoints' reads in this process."""
        return megabytes(self.server_share_bytes() // 2)

    def query_limits(self) -> QueryLimits:
        """The limits every POST /query runs under, checked for sense (ConfigurationError)."""
        workers = int(self.query_workers)
        if workers < 1:
            raise ConfigurationError(f"query workers must be at least 1, got {workers}")
        if self.row_limit < 1:
            raise ConfigurationError(f"row limit must be at least 1, got {self.row_limit}")
        if not self.time_limit_seconds > 0:
            raise ConfigurationError(f"time limit must be above 0 s, got {self.time_limit_seconds}")
        if self.result_byte_limit < 1000:
            raise ConfigurationError(
                f"result size limit must be at least 1000 bytes, got {self.result_byte_limit}"
            )
        per_worker = (self.memory_bytes() - self.server_share_bytes()) // workers
        if per_worker < MIN_WORKER_BYTES:
            raise ConfigurationError(
                f"memory limit {self.memory_limit} leaves {per_worker // 1000**2} MB to each of "
                f"{workers} query worker(s); each needs at least {MIN_WORKER_BYTES // 1000**2} MB: "
                "raise the memory limit or use fewer query workers"
            )
        return QueryLimits(
            row_limit=int(self.row_limit),
            time_limit_seconds=float(self.time_limit_seconds),
            result_byte_limit=int(self.result_byte_limit),
            workers=workers,
            queue_limit=max(0, int(self.queue_limit)),
            worker_address_space_bytes=per_worker,
            worker_duckdb_memory_limit=megabytes(per_worker // 3),
        )


def settings_from_environment() -> ServerSettings:
    """Settings from the environment (what `benchdb serve --workers N` hands its workers)."""
    from benchdb import paths as benchdb_paths
    from runners import paths

    origins = os.environ.get("BENCHDB_CORS_ORIGINS", "")
    return ServerSettings(
        db_path=benchdb_paths.db_path(),
        data_dir=paths.data_dir(),
        token=os.environ.get("BENCHDB_API_TOKEN") or None,
        cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        row_limit=int(os.environ.get("BENCHDB_QUERY_ROW_LIMIT", DEFAULT_ROW_LIMIT)),
        time_limit_seconds=float(
            os.environ.get("BENCHDB_QUERY_TIME_LIMIT", DEFAULT_TIME_LIMIT_SECONDS)
        ),
        memory_limit=os.environ.get("BENCHDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        query_workers=int(os.environ.get("BENCHDB_QUERY_WORKERS", DEFAULT_QUERY_WORKERS)),
        result_byte_limit=parse_size(
            os.environ.get("BENCHDB_QUERY_RESULT_LIMIT", DEFAULT_RESULT_BYTE_LIMIT),
            "result size limit",
        ),
    )
