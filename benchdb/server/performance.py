"""GET /performance as one JSON text made by DuckDB (no Python per value).

The rows come from benchdb.queries.performance_sql, the same SQL as the Python API's
get_performance_metrics: every result, or with latest_only the one rpt_latest_results says stands
for each configuration. The default question (latest, completed) is asked on every dashboard
load, so its rows, each with its JSON already made, are kept in an in-memory table built once per
generation of the warehouse file: a cache of the mart's answer, not a rule of its own.
"""

from __future__ import annotations

from benchdb import queries
from benchdb.queries import MissingMartError
from benchdb.server.reader import WarehouseReader, quote_string

# the rows of the default question, computed once per generation of the file
LATEST_TABLE = "memory.main.latest_completed_results"


def json_safe_expression(column: str, type_name: str) -> str:
    """A column as DuckDB's to_json should see it: NaN/inf as null, times in ISO 8601 UTC."""
    c = queries.quote_identifier(column)
    upper = type_name.upper()
    if upper in ("DOUBLE", "FLOAT", "REAL"):
        return f"case when isfinite({c}) then {c} end"
    if upper in ("DOUBLE[]", "FLOAT[]"):
        return f"list_transform({c}, x -> case when isfinite(x) then x end)"
    if upper == "TIMESTAMP WITH TIME ZONE":
        return f"strftime(timezone('UTC', {c}), '%Y-%m-%dT%H:%M:%S.%f+00:00')"
    if upper.startswith("TIMESTAMP"):
        return f"strftime({c}, '%Y-%m-%dT%H:%M:%S.%f')"
    if upper.startswith("DECIMAL"):
        return f"cast({c} as double)"
    if upper in ("DATE", "TIME", "UUID", "INTERVAL", "BLOB"):
        return f"cast({c} as varchar)"
    return c


def performance_struct(cur) -> str:
    """{'result_id': result_id, ...}: the JSON object of one /performance row, safe types."""
    description = cur.execute(
        f"select {', '.join(queries.PERFORMANCE_COLUMNS)} from performance_results limit 0"
    ).description
    fields = [f"{quote_string(d[0])}: {json_safe_expression(d[0], str(d[1]))}" for d in description]
    return "{" + ", ".join(fields) + "}"


def build_latest_table(cur) -> str:
    """The standing completed result of every configuration, each row's JSON text made once."""
    struct = performance_struct(cur)
    sql, params = queries.performance_sql(latest_only=True, status="completed")
    cur.execute(
        f"create or replace table {LATEST_TABLE} as "
        f"select *, cast(to_json({struct}) as varchar) as row_json, "
        f"row_number() over (order by {queries.PERFORMANCE_ORDER}) as row_order from ({sql}) "
        "order by row_order",
        params,
    )
    return LATEST_TABLE


def performance_json(
    reader: WarehouseReader,
    model_name: str | None,
    hardware_type: str | None,
    batch_size: int | None,
    precision: str | None,
    latest_only: bool,
    status: str | None,
    limit: int,
) -> str:
    """The JSON array GET /performance answers (MissingMartError without rpt_latest_results)."""
    with reader.session() as (cur, gen):
        if latest_only and "rpt_latest_results" not in gen.tables():
            raise MissingMartError("rpt_latest_results")
        if latest_only and status == "completed":
            table = gen.derive("latest_table", build_latest_table)
            where, params = queries.performance_where(
                model_name, hardware_type, batch_size, precision, None
            )
            sql = (
                "select '[' || coalesce(string_agg(row_json, ',' order by row_order), '') || ']' "
                f"from (select row_json, row_order from {table} {where} "
                f"order by row_order limit {int(limit)})"
            )
        else:
            struct = gen.derive("performance_struct", performance_struct)
            inner, params = queries.performance_sql(
                model_name, hardware_type, batch_size, precision, latest_only, status, limit
            )
            sql = (
                f"select cast(coalesce(to_json(list({struct} order by "
                f"{queries.PERFORMANCE_ORDER})), '[]') as varchar) from ({inner})"
            )
        return cur.execute(sql, params or None).fetchone()[0]
