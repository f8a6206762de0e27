"""The app factory: settings in, a FastAPI app with every route out.

The app holds the warehouse reader its GET endpoints read through (in this process, on the
server's thread pool) and the POST /query pool (worker processes, on threads of their own:
benchdb.server.sandbox), so a heavy query never holds up /health or a GET."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from benchdb import __version__
from benchdb.server import (
    routes_chart,
    routes_meta,
    routes_query,
    routes_read,
    routes_regressions,
    routes_write,
)
from benchdb.server.errors import install_error_handlers
from benchdb.server.jsonsafe import SafeJSONResponse
from benchdb.server.reader import WarehouseReader
from benchdb.server.sandbox import QueryPool
from benchdb.server.settings import ServerSettings, settings_from_environment

DESCRIPTION = (
    "Benchmark results of ML models on hardware: the old BenchmarkDBAPI endpoints on "
    "the warehouse's marts. Reads answer from the last complete build. Writes land in "
    "the landing zone (visible after the next `benchdb build`) and need "
    "`Authorization: Bearer <BENCHDB_API_TOKEN>`. NaN and infinity are null."
)


def create_app(settings: ServerSettings) -> FastAPI:
    limits = settings.query_limits()  # ConfigurationError naming a limit that cannot work
    reader = WarehouseReader(settings.db_path, settings.reader_memory_limit())
    query_pool = QueryPool(reader, limits)  # workers start on the first query

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        query_pool.close()  # end the query workers
        reader.close()  # detach the warehouse when the server stops

    app = FastAPI(
        lifespan=lifespan,
        title="benchdb",
        version=__version__,
        description=DESCRIPTION,
        default_response_class=SafeJSONResponse,
    )
    app.state.settings = settings
    app.state.reader = reader
    app.state.query_pool = query_pool
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    install_error_handlers(app)
    for module in (
        routes_meta,
        routes_read,
        routes_regressions,
        routes_chart,
        routes_write,
        routes_query,
    ):
        app.include_router(module.router)
    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn benchdb.server:app_from_environment --factory` (and serve's workers)."""
    return create_app(settings_from_environment())
