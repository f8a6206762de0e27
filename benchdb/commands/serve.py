"""`benchdb serve`: the REST API (FastAPI + uvicorn) over the warehouse."""

from __future__ import annotations

import os

import click

from benchdb.options import (
    FiniteRange,
    data_dir_option,
    db_path_option,
    resolve_data_dir,
    resolve_db_path,
)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@db_path_option()
@data_dir_option()
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="Allow browser calls from this origin (repeatable) [env BENCHDB_CORS_ORIGINS, "
    "comma-separated; default none].",
)
@click.option(
    "--row-limit",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most rows POST /query returns.",
)
@click.option(
    "--time-limit",
    default=10.0,
    show_default=True,
    type=FiniteRange(min=0.1),
    help="Seconds a POST /query may run before it is stopped.",
)
@click.option(
    "--memory-limit",
    default="2GB",
    show_default=True,
    help="Memory of the whole server: a quarter for this process, the rest split between the "
    "query workers (each held to its share by the kernel).",
)
@click.option(
    "--query-workers",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="POST /query worker processes (queries run at once; up to 16 more wait).",
)
@click.option(
    "--result-limit",
    default="32MB",
    show_default=True,
    help="Largest POST /query answer (JSON bytes); a larger result is refused.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="uvicorn worker processes (each keeps its own read-only view of the warehouse).",
)
@click.option("--log-level", default="info", show_default=True, help="uvicorn log level.")
def serve(
    host,
    port,
    db_path,
    data_dir,
    cors_origins,
    row_limit,
    time_limit,
    memory_limit,
    query_workers,
    result_limit,
    workers,
    log_level,
) -> None:
    """Serve the REST API: the old endpoints on the warehouse's marts.

    Reads answer from the last complete build, also while `benchdb build` runs. Writes
    (POST /performance, /compatibility, /integration) need `Authorization: Bearer $TOKEN`
    where TOKEN is BENCHDB_API_TOKEN; without it the server is read-only. POST /query runs
    one read-only SELECT of the warehouse's tables in a worker process, under the time limit,
    its share of the memory limit and the row and result size limits. OpenAPI docs at /docs.

    \b
      benchdb serve
      BENCHDB_API_TOKEN=secret benchdb serve --host 0.0.0.0 --port 8000
      benchdb serve --db-path /srv/benchmark.duckdb --cors-origin https://dash.example.org
      benchdb serve --workers 2
      benchdb serve --memory-limit 4GB --query-workers 4 --time-limit 30
    """
    import uvicorn

    from benchdb.server import ServerSettings, create_app
    from benchdb.server.settings import parse_size

    origins = list(cors_origins) or [
        o.strip() for o in os.environ.get("BENCHDB_CORS_ORIGINS", "").split(",") if o.strip()
    ]
    settings = ServerSettings(
        db_path=resolve_db_path(db_path),
        data_dir=resolve_data_dir(data_dir),
        token=os.environ.get("BENCHDB_API_TOKEN") or None,
        cors_origins=tuple(origins),
        row_limit=row_limit,
        time_limit_seconds=time_limit,
        memory_limit=memory_limit,
        query_workers=query_workers,
    )
    settings.result_byte_limit = _checked(
        "--result-limit", lambda: parse_size(result_limit, "result size limit")
    )
    _checked("--memory-limit", lambda: parse_size(memory_limit))
    at_fault = "--result-limit" if settings.result_byte_limit < 1000 else "--memory-limit"
    _checked(at_fault, settings.query_limits)
    if not settings.db_path.exists():
        click.echo(
            f"warning: no warehouse at {settings.db_path} yet: reads answer 503 until "
            "`benchdb build` creates it",
            err=True,
        )
    mode = "read-write (token set)" if settings.token else "read-only (no BENCHDB_API_TOKEN)"
    click.echo(f"benchdb serve: {settings.db_path}, {mode}, http://{host}:{port}/docs", err=True)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)
        return
    # worker processes build the same app from the environment
    os.environ.update(
        BENCHMARK_DB_PATH=str(settings.db_path),
        BENCHMARK_DATA_DIR=str(settings.data_dir),
        BENCHDB_CORS_ORIGINS=",".join(settings.cors_origins),
        BENCHDB_QUERY_ROW_LIMIT=str(row_limit),
        BENCHDB_QUERY_TIME_LIMIT=str(time_limit),
        BENCHDB_MEMORY_LIMIT=memory_limit,
        BENCHDB_QUERY_WORKERS=str(query_workers),
        BENCHDB_QUERY_RESULT_LIMIT=str(settings.result_byte_limit),
    )
    uvicorn.run(
        "benchdb.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )


def _checked(option: str, check):
    """check()'s value; its ConfigurationError as a bad value of `option` (one line)."""
    from runners.errors import ConfigurationError

    try:
        return check()
    except ConfigurationError as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{option}'") from None


COMMANDS = [serve]
