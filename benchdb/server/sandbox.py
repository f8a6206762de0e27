"""POST /query: one read-only SELECT on a locked-down attachment of the warehouse.

Three walls: the statement is parsed by DuckDB's own parser (exactly one statement, and it must be
a SELECT); table functions that read files or run SQL text are refused by name; and the
connection it runs on is read-only with `enable_external_access = false` and
`lock_configuration = true` (benchdb.server.reader). A row limit and a time limit hold.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from typing import Any

import duckdb

from benchdb.server.jsonsafe import rows_as_records
from benchdb.server.reader import WarehouseReader

DEFAULT_ROW_LIMIT = 10_000
DEFAULT_TIME_LIMIT_SECONDS = 10.0
MAX_SQL_CHARS = 20_000

# table functions that read files or run SQL text; the engine refuses file access anyway
# (enable_external_access = false): this names the problem before it gets that far
_FORBIDDEN_FUNCTIONS = re.compile(
    r"\b(read_\w+|\w+_scan|scan_\w+|glob|sniff_csv|parquet_\w+|query|query_table|"
    r"json_execute_serialized_sql|load_extension|install_extension|copy_database)\s*\(",
    re.IGNORECASE,
)
_STRING_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.DOTALL)


class QueryRefused(Exception):
    """POST /query will not run this SQL; the message says why (answered with 400)."""


def check_read_only_sql(con, sql: str) -> str:
    """The one SELECT statement in `sql`, or QueryRefused naming what is not allowed."""
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRefused(f"sql is longer than {MAX_SQL_CHARS} characters")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"sql does not parse: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise QueryRefused(f"send exactly one statement, got {len(statements)}")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        kind = str(statement.type).rsplit(".", 1)[-1]
        raise QueryRefused(f"only read-only SELECT queries are allowed; this is a {kind} statement")
    bare = _STRING_OR_COMMENT.sub(" ", statement.query).replace('"', "")
    found = _FORBIDDEN_FUNCTIONS.search(bare)
    if found:
        raise QueryRefused(
            f"function {found.group(1)}() is not allowed: /query reads the warehouse's tables, "
            "not files"
        )
    text = statement.query.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text


def _fetch_limited(cur, sql: str, parameters, row_limit: int, time_limit_seconds: float):
    """Run `sql` on `cur`, interrupted past the time limit; at most row_limit + 1 rows."""
    too_long = f"the query ran past the {time_limit_seconds:g} s time limit and was stopped"
    timer = threading.Timer(time_limit_seconds, cur.interrupt)
    started = time.perf_counter()
    timer.start()
    try:
        cur.execute(sql, dict(parameters) if parameters else None)
        return cur.fetchmany(row_limit + 1)
    except duckdb.InterruptException:
        raise QueryRefused(too_long) from None
    except duckdb.Error as exc:
        if time.perf_counter() - started >= time_limit_seconds:
            raise QueryRefused(too_long) from None
        raise QueryRefused(f"query failed: {str(exc).strip().splitlines()[0]}") from None
    finally:
        timer.cancel()


def run_read_only_query(
    reader: WarehouseReader,
    sql: str,
    parameters: Mapping[str, Any] | None,
    row_limit: int,
    time_limit_seconds: float,
) -> dict[str, Any]:
    """{columns, rows, row_count, truncated, row_limit, elapsed_ms} of one checked SELECT."""
    with reader.cursor(locked_down=True) as cur:
        statement = check_read_only_sql(cur, sql)
        wrapped = f"select * from (\n{statement}\n) limit {int(row_limit) + 1}"
        started = time.perf_counter()
        rows = _fetch_limited(cur, wrapped, parameters, row_limit, time_limit_seconds)
        elapsed_ms = (time.perf_counter() - started) * 1000
        truncated = len(rows) > row_limit
        rows = rows[:row_limit]
        return {
            "columns": [d[0] for d in cur.description or []],
            "rows": rows_as_records(cur, rows),
            "row_count": len(rows),
            "truncated": truncated,
            "row_limit": row_limit,
            "elapsed_ms": round(elapsed_ms, 3),
        }
