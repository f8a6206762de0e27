"""What a server is started with: the warehouse, the landing zone, the token and the limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchdb.server.reader import DEFAULT_MEMORY_LIMIT
from benchdb.server.sandbox import DEFAULT_ROW_LIMIT, DEFAULT_TIME_LIMIT_SECONDS


@dataclass
class ServerSettings:
    db_path: Path
    data_dir: Path
    token: str | None = None
    cors_origins: tuple[str, ...] = ()
    row_limit: int = DEFAULT_ROW_LIMIT
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    extra: dict[str, Any] = field(default_factory=dict)


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
    )
