"""POST /query: one read-only SELECT in the sandbox (benchdb.server.sandbox); no token needed.

The handler is async and waits for the query pool's own threads, so queries never occupy the
threads /health and the GET endpoints answer on. The answer is the JSON the worker wrote (at
most the result size limit), passed on as it is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from benchdb.server.errors import ApiError
from benchdb.server.sandbox import QueryPool, QueryRefused
from benchdb.server.schemas import ErrorOut, QueryIn, QueryOut

router = APIRouter()


@router.post(
    "/query",
    tags=["query"],
    response_model=QueryOut,
    responses={
        400: {
            "model": ErrorOut,
            "description": "Not one read-only SELECT of the warehouse's tables, or it failed, "
            "or it went past the time, memory or result size limit.",
        },
        503: {
            "model": ErrorOut,
            "description": "No warehouse (run `benchdb build`), or every query worker is busy "
            "(try again after Retry-After seconds).",
        },
    },
    summary="Run one read-only SELECT (no token needed; time, memory and size limits)",
)
async def post_query(body: Annotated[QueryIn, Body()], request: Request) -> Response:
    pool: QueryPool = request.app.state.query_pool
    try:
        answer = await pool.run_async(body.sql, body.parameters, body.limit)
    except QueryRefused as exc:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        raise ApiError(exc.status, str(exc), headers=headers) from None
    return Response(content=answer, media_type="application/json")
