"""How a route reads: the shared SQL (benchdb.queries) on the request's warehouse reader, with
warehouse problems turned into answers (no warehouse: 503; a missing mart: 404 naming it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

import duckdb
from fastapi import Depends, Request

from benchdb import queries
from benchdb.queries import MissingMartError
from benchdb.server.errors import ApiError
from benchdb.server.jsonsafe import rows_as_records
from benchdb.server.reader import WarehouseReader
from benchdb.server.settings import ServerSettings
from runners.errors import WarehouseError

# connection -> (sql, parameters): SQL that depends on which marts the warehouse holds
SqlBuilder = Callable[[Any], "tuple[str, Mapping[str, Any]]"]


def reader_of(request: Request) -> WarehouseReader:
    return request.app.state.reader


def settings_of(request: Request) -> ServerSettings:
    return request.app.state.settings


# a route's warehouse reader, as a parameter: `reader: Reader`
Reader = Annotated[WarehouseReader, Depends(reader_of)]


@contextmanager
def warehouse_errors() -> Iterator[None]:
    """Warehouse problems as API errors: a missing mart 404, anything else 503."""
    try:
        yield
    except MissingMartError as exc:
        raise ApiError(404, str(exc), missing=exc.mart) from None
    except WarehouseError as exc:
        raise ApiError(503, str(exc)) from None
    except duckdb.Error as exc:
        raise ApiError(503, f"warehouse query failed: {str(exc).splitlines()[0]}") from None


def records(
    reader: WarehouseReader,
    sql: str | SqlBuilder,
    params: Mapping[str, Any] | None = None,
    require: str | Callable[[Any], None] | None = None,
) -> list[dict[str, Any]]:
    """The rows of one read-only query as JSON-safe dicts; `sql` may be a builder. `require`
    names the mart the query reads (or checks for it: a function of the connection raising
    MissingMartError), answered 404 when the warehouse lacks it."""
    with warehouse_errors(), reader.cursor() as cur:
        if isinstance(require, str):
            queries.require_mart(cur, require)
        elif require is not None:
            require(cur)
        if callable(sql):
            sql, params = sql(cur)
        cur.execute(sql, dict(params) if params else None)
        return rows_as_records(cur, cur.fetchall())
