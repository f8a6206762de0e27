"""The REST API (`benchdb serve`): the old endpoints, on the marts, read-only unless given a token.

- `app.py`: `create_app(settings)`, `app_from_environment()` (uvicorn's factory for workers);
- `settings.py`: `ServerSettings` (warehouse, landing zone, token, CORS, limits);
- `routes_meta.py`: GET `/`, `/health`, `/summary` (rpt_warehouse_summary);
- `routes_read.py`: GET `/models`, `/hardware`, `/performance` (every result, or the one
  rpt_latest_results says stands for each configuration), `/performance/best`
  (rpt_best_results), `/performance/comparison/{model}`, `/compatibility`, `/integration`,
  `/simulation/report`, `/benchmarks/missing`, `/benchmarks/outdated`;
- `routes_chart.py`: GET `/charts/{chart_type}.png`;
- `routes_write.py`: POST `/performance`, `/compatibility`, `/integration` (token-guarded);
- `routes_query.py`: POST `/query`;
- `performance.py`: GET /performance's JSON, made by DuckDB;
- `reader.py`: read-only cursors on the current generation of the warehouse file;
- `sandbox.py`: the checks and limits of POST /query, and its worker processes (QueryPool);
- `answers.py`, `errors.py`, `jsonsafe.py`, `schemas.py`: reading through the reader, the error
  shape, NaN-safe JSON, the OpenAPI models.

The SQL every read runs is benchdb.queries', shared with the Python API (benchdb.compat);
writes validate and land through benchdb.store, as the Python API's do.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> module: imported on first use, so a POST /query worker process (which imports
# benchdb.server.sandbox) does not load FastAPI and every route
_EXPORTS = {
    "ApiError": "benchdb.server.errors",
    "QueryPool": "benchdb.server.sandbox",
    "QueryRefused": "benchdb.server.sandbox",
    "SafeJSONResponse": "benchdb.server.jsonsafe",
    "ServerSettings": "benchdb.server.settings",
    "WarehouseReader": "benchdb.server.reader",
    "app_from_environment": "benchdb.server.app",
    "check_read_only_sql": "benchdb.server.sandbox",
    "create_app": "benchdb.server.app",
    "plain": "benchdb.server.jsonsafe",
    "rows_as_records": "benchdb.server.jsonsafe",
    "run_read_only_query": "benchdb.server.sandbox",
    "settings_from_environment": "benchdb.server.settings",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'benchdb.server' has no attribute '{name}'")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
