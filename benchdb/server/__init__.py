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
- `sandbox.py`: the checks and limits of POST /query;
- `answers.py`, `errors.py`, `jsonsafe.py`, `schemas.py`: reading through the reader, the error
  shape, NaN-safe JSON, the OpenAPI models.

The SQL every read runs is benchdb.queries', shared with the Python API (benchdb.compat);
writes validate and land through benchdb.store, as the Python API's do.
"""

from __future__ import annotations

from benchdb.server.app import app_from_environment, create_app
from benchdb.server.errors import ApiError
from benchdb.server.jsonsafe import SafeJSONResponse, plain, rows_as_records
from benchdb.server.reader import WarehouseReader
from benchdb.server.sandbox import QueryRefused, check_read_only_sql, run_read_only_query
from benchdb.server.settings import ServerSettings, settings_from_environment

__all__ = [
    "ApiError",
    "QueryRefused",
    "SafeJSONResponse",
    "ServerSettings",
    "WarehouseReader",
    "app_from_environment",
    "check_read_only_sql",
    "create_app",
    "plain",
    "rows_as_records",
    "run_read_only_query",
    "settings_from_environment",
]
