"""GET /, /health and /summary: what this server is, whether its warehouse reads, and the
warehouse's counts (rpt_warehouse_summary)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from benchdb import __version__, queries
from benchdb.server.answers import Reader, records, settings_of
from benchdb.server.schemas import ERROR_RESPONSES
from benchdb.server.settings import ServerSettings

router = APIRouter()
Settings = Annotated[ServerSettings, Depends(settings_of)]

# the docs pages' HEAD routes are not endpoints of the API
_NOT_LISTED = {"HEAD /docs", "HEAD /openapi.json", "HEAD /redoc", "HEAD /docs/oauth2-redirect"}

# table sizes /health reports (how many rows the core marts hold, not an answer about results:
# the counts of models, results and estimates are /summary's)
TABLE_SIZES_SQL = (
    "select (select count(*) from performance_results) as performance_results, "
    "(select count(*) from models) as models, "
    "(select count(*) from hardware_platforms) as hardware_platforms"
)


@router.get("/", tags=["meta"], summary="What this server is")
def root(request: Request, settings: Settings) -> dict[str, Any]:
    routes = request.app.routes
    return {
        "name": "benchdb",
        "version": __version__,
        "docs": "/docs",
        "openapi": "/openapi.json",
        "read_only": not settings.token,
        "endpoints": sorted(
            {f"{m} {r.path}" for r in routes for m in getattr(r, "methods", ()) or ()} - _NOT_LISTED
        ),
    }


@router.get("/health", tags=["meta"], responses=ERROR_RESPONSES, summary="Warehouse health")
def health(reader: Reader, settings: Settings) -> dict[str, Any]:
    tables = [r["table_name"] for r in records(reader, queries.TABLES_SQL)]
    sizes = records(reader, TABLE_SIZES_SQL)[0]
    info = settings.db_path.stat()
    return {
        "status": "ok",
        "warehouse": settings.db_path.name,  # its name only: no answer discloses a path
        "built_at": datetime.fromtimestamp(info.st_mtime).astimezone().isoformat(),
        "tables": tables,
        "rows": sizes,
        "read_only": not settings.token,
    }


@router.get(
    "/summary",
    tags=["meta"],
    responses=ERROR_RESPONSES,
    summary="Counts: models, results, measured and simulated, configurations (one object)",
)
def summary(reader: Reader) -> dict[str, Any]:
    rows = records(reader, queries.SUMMARY_SQL, require="rpt_warehouse_summary")
    return rows[0] if rows else {}
