"""POST /query: one read-only SELECT in the sandbox (benchdb.server.sandbox); no token needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from benchdb.server.answers import reader_of, settings_of
from benchdb.server.errors import ApiError
from benchdb.server.reader import WarehouseReader
from benchdb.server.sandbox import QueryRefused, run_read_only_query
from benchdb.server.schemas import ErrorOut, QueryIn, QueryOut
from benchdb.server.settings import ServerSettings
from runners.errors import WarehouseError

router = APIRouter()


@router.post(
    "/query",
    tags=["query"],
    responses={
        400: {"model": ErrorOut, "description": "Not one read-only SELECT, or it failed."},
        503: {"model": ErrorOut, "description": "No warehouse: run `benchdb build`."},
    },
    summary="Run one read-only SELECT (no token needed)",
)
def post_query(
    body: Annotated[QueryIn, Body()],
    reader: Annotated[WarehouseReader, Depends(reader_of)],
    settings: Annotated[ServerSettings, Depends(settings_of)],
) -> QueryOut:
    limit = min(body.limit or settings.row_limit, settings.row_limit)
    try:
        result = run_read_only_query(
            reader, body.sql, body.parameters, limit, settings.time_limit_seconds
        )
    except QueryRefused as exc:
        raise ApiError(400, str(exc)) from None
    except WarehouseError as exc:
        raise ApiError(503, str(exc)) from None
    return QueryOut(**result)
