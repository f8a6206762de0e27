"""The read-only SQL the Python API and the REST API answer with, over the marts.

Pure builders return (sql, parameters) with values bound as `$name`; the few that depend on which
marts a warehouse holds take a connection and raise MissingMartError naming the missing one.
Rules live in the marts, never here: "latest result per configuration" is `rpt_latest_results`,
"best result per model, hardware and metric" is `rpt_best_results`, the counts are
`rpt_warehouse_summary`. These functions only filter, order and limit what the marts answer.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from runners.errors import ConfigurationError, WarehouseError

# ---------------------------------------------------------------------------------------------
# which marts exist
# ---------------------------------------------------------------------------------------------

# what builds each mart an answer may need (named when the warehouse lacks it)
OPTIONAL_MARTS = {
    "hardware_compatibility": "built from legacy JSON and API-stored compatibility results",
    "integration_test_results": "built from legacy JSON and API-stored integration results",
    "missing_benchmarks": "a planning view (incremental benchmarking)",
    "outdated_benchmarks": "a planning view (incremental benchmarking)",
    "priority_benchmarks": "a planning view (incremental benchmarking)",
    "rpt_latest_results": "the reporting mart of the latest result per configuration",
    "rpt_best_results": "the reporting mart of the best result per model, hardware and metric",
    "rpt_warehouse_summary": "the reporting mart of the warehouse's counts",
}


class MissingMartError(WarehouseError):
    """A mart another part of the project builds is not in this warehouse yet."""

    def __init__(self, mart: str, provided_by: str | None = None):
        self.mart = mart
        self.provided_by = provided_by or OPTIONAL_MARTS.get(mart, "another model")
        super().__init__(
            f"the warehouse has no '{mart}' table yet ({self.provided_by}); "
            "run `benchdb build` once its models exist"
        )


TABLES_SQL = (
    "select table_name from information_schema.tables where table_schema = 'main' "
    "order by table_name"
)


def mart_exists(con, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'main' and table_name = $name",
        {"name": name},
    ).fetchone()[0]
    return bool(found)


def require_mart(con, name: str) -> None:
    """MissingMartError naming `name` unless the warehouse has it."""
    if not mart_exists(con, name):
        raise MissingMartError(name)


def mart_columns(con, name: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'main' and table_name = $name order by ordinal_position",
            {"name": name},
        ).fetchall()
    ]


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def mart_rows_sql(con, name: str, limit: int) -> tuple[str, dict[str, Any]]:
    """Every row of one mart (the planning views), up to `limit`."""
    require_mart(con, name)
    return f"select * from {quote_identifier(name)} limit {int(limit)}", {}


def _where(filters: Mapping[str, Any], column_of: Mapping[str, str] | None = None):
    """`where a = $a and ...` over the filters given (None = no filter)."""
    column_of = column_of or {}
    given = {name: value for name, value in filters.items() if value is not None}
    clauses = [f"{column_of.get(name, name)} = ${name}" for name in given]
    return (f"where {' and '.join(clauses)}" if clauses else ""), given


# ---------------------------------------------------------------------------------------------
# catalog
# ---------------------------------------------------------------------------------------------

MODELS_SQL = "select * from models order by model_name"
HARDWARE_SQL = "select * from hardware_platforms order by hardware_type, device_name"

# ---------------------------------------------------------------------------------------------
# performance results: all of them, or the latest per configuration (rpt_latest_results)
# ---------------------------------------------------------------------------------------------

PERFORMANCE_COLUMNS = (
    "result_id",
    "run_id",
    "model_id",
    "hardware_id",
    "model_name",
    "model_family",
    "hardware_type",
    "device_name",
    "batch_size",
    "sequence_length",
    "image_size",
    "audio_seconds",
    "precision",
    "status",
    "average_latency_ms",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "throughput_items_per_second",
    "throughput_tokens_per_second",
    "memory_peak_mb",
    "iterations",
    "is_simulated",
    "simulation_reason",
    "error_message",
    "measured_at",
    "created_at",
)
PERFORMANCE_ORDER = (
    "model_name, hardware_type, device_name, precision, batch_size, sequence_length, "
    "is_simulated, created_at desc"
)
# the result that stands for each configuration: chosen by the mart, nowhere else
LATEST_FILTER = "result_id in (select result_id from rpt_latest_results)"


def performance_where(
    model_name: str | None = None,
    hardware_type: str | None = None,
    batch_size: int | None = None,
    precision: str | None = None,
    status: str | None = "completed",
) -> tuple[str, dict[str, Any]]:
    """`where ...` over the given filters (None = no filter), values bound as $parameters."""
    return _where(
        {
            "model_name": model_name,
            "hardware_type": hardware_type,
            "batch_size": batch_size,
            "precision": precision,
            "status": status,
        }
    )


def performance_sql(
    model_name: str | None = None,
    hardware_type: str | None = None,
    batch_size: int | None = None,
    precision: str | None = None,
    latest_only: bool = True,
    status: str | None = "completed",
    limit: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """get_performance_metrics and GET /performance: the performance_results columns, filtered.

    latest_only keeps the result `rpt_latest_results` says stands for each configuration (a
    completed result beats a failed attempt, a measurement beats an estimate, then the newest);
    `status` then filters those standing results. Without latest_only: every row."""
    where, params = performance_where(model_name, hardware_type, batch_size, precision, status)
    if latest_only:
        where = f"{where} and {LATEST_FILTER}" if where else f"where {LATEST_FILTER}"
    sql = (
        f"select {', '.join(PERFORMANCE_COLUMNS)} from performance_results {where} "
        f"order by {PERFORMANCE_ORDER}"
    )
    if limit is not None:
        sql += f" limit {int(limit)}"
    return sql, params


# metric words of get_performance_comparison -> performance_results columns
COMPARISON_METRICS = {
    "throughput": "throughput_items_per_second",
    "latency": "average_latency_ms",
    "memory": "memory_peak_mb",
    "throughput_items_per_second": "throughput_items_per_second",
    "average_latency_ms": "average_latency_ms",
    "latency_p50_ms": "latency_p50_ms",
    "latency_p99_ms": "latency_p99_ms",
    "memory_peak_mb": "memory_peak_mb",
}


def comparison_sql(model_name: str, metric: str = "throughput") -> tuple[str, dict[str, Any]]:
    """One model's latest completed results (rpt_latest_results), hardware side by side."""
    column = COMPARISON_METRICS.get(metric)
    if column is None:
        raise ConfigurationError(
            f"unknown metric '{metric}'; use one of {', '.join(COMPARISON_METRICS)}"
        )
    latest, params = performance_sql(model_name=model_name, latest_only=True)
    sql = (
        f"select hardware_type, device_name, precision, batch_size, sequence_length, "
        f"is_simulated, simulation_reason, {column}, measured_at, result_id "
        f"from ({latest}) where {column} is not null "
        f"order by hardware_type, device_name, precision, batch_size, sequence_length, "
        "is_simulated"
    )
    return sql, params


# ---------------------------------------------------------------------------------------------
# best results (rpt_best_results) and the counts (rpt_warehouse_summary)
# ---------------------------------------------------------------------------------------------

# metric words -> rpt_best_results.metric
BEST_METRICS = {
    "throughput": "throughput_items_per_second",
    "latency": "latency_p50_ms",
    "memory": "memory_peak_mb",
    "throughput_items_per_second": "throughput_items_per_second",
    "latency_p50_ms": "latency_p50_ms",
    "memory_peak_mb": "memory_peak_mb",
}


def best_results_sql(
    model_name: str | None = None, hardware_type: str | None = None, metric: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The best result per model x hardware x metric, as `rpt_best_results` chose it (a
    measurement always beats an estimate; an estimate only where nothing was measured)."""
    if metric is not None and metric not in BEST_METRICS:
        raise ConfigurationError(f"unknown metric '{metric}'; use one of {', '.join(BEST_METRICS)}")
    where, params = _where(
        {
            "model_name": model_name,
            "hardware_type": hardware_type,
            "metric": BEST_METRICS.get(metric) if metric else None,
        }
    )
    return (
        f"select * from rpt_best_results {where} order by model_name, hardware_type, metric",
        params,
    )


# one row: models, results (measured, simulated, without metrics), configurations ...
SUMMARY_SQL = "select * from rpt_warehouse_summary"

# ---------------------------------------------------------------------------------------------
# compatibility and integration tests (the legacy marts)
# ---------------------------------------------------------------------------------------------


def compatibility_sql(con, model_name=None, hardware_type=None) -> tuple[str, dict]:
    """Every hardware_compatibility row (all of them, as the old API), filtered."""
    require_mart(con, "hardware_compatibility")
    columns = set(mart_columns(con, "hardware_compatibility"))
    joins, names = [], []
    if "model_name" not in columns:
        joins.append("left join models m on m.model_id = hc.model_id")
        names.append("m.model_name")
    if "hardware_type" not in columns:
        joins.append("left join hardware_platforms hp on hp.hardware_id = hc.hardware_id")
        names.append("hp.hardware_type")
    model_col = "hc.model_name" if "model_name" in columns else "m.model_name"
    hw_col = "hc.hardware_type" if "hardware_type" in columns else "hp.hardware_type"
    where, params = _where(
        {"model_name": model_name, "hardware_type": hardware_type},
        {"model_name": model_col, "hardware_type": hw_col},
    )
    select = ", ".join([*names, "hc.*"])
    return (
        f"select {select} from hardware_compatibility hc {' '.join(joins)} {where} "
        f"order by {model_col}, {hw_col}",
        params,
    )


def integration_sql(
    con, test_module: str | None = None, status: str | None = None, limit: int = 1000
) -> tuple[str, dict[str, Any]]:
    """Every integration_test_results row (all of them, as the old API), filtered."""
    require_mart(con, "integration_test_results")
    where, params = _where({"test_module": test_module, "status": status})
    return f"select * from integration_test_results {where} limit {int(limit)}", params


def integration_summary_sql(con) -> tuple[str, dict]:
    """pass / fail / error / skip counts per test module."""
    require_mart(con, "integration_test_results")
    return (
        "select test_module, count(*) as tests, "
        "count(*) filter (where status = 'pass') as passed, "
        "count(*) filter (where status = 'fail') as failed, "
        "count(*) filter (where status = 'error') as errors, "
        "count(*) filter (where status = 'skip') as skipped "
        "from integration_test_results group by test_module order by test_module",
        {},
    )


# ---------------------------------------------------------------------------------------------
# a user's SQL: one statement, `$name` or the old `:name` parameters (CLI, REST and Python API)
# ---------------------------------------------------------------------------------------------

# strings and comments are matched (and kept) first, so ':x' inside them is left alone
_COLON_PARAMETER = re.compile(
    r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/|(?<![:\w$]):([A-Za-z_]\w*)\b(?!:)", re.DOTALL
)
_parser_lock = threading.Lock()
_parser: list[Any] = []  # one in-memory DuckDB connection, used only to split statements


class QueryError(WarehouseError):
    """A user's SQL that is not run as given: more than one statement, or none."""


def colon_to_dollar(sql: str, parameters: Mapping[str, Any] | Sequence[Any] | None) -> str:
    """The old API wrote `:name`; DuckDB binds `$name`. Rewrites `:name` for given names only
    (casts like `a::int`, strings and comments are left alone)."""
    if not isinstance(parameters, Mapping) or not parameters:
        return sql
    names = set(parameters)
    return _COLON_PARAMETER.sub(
        lambda m: f"${m.group(1)}" if m.group(1) in names else m.group(0), sql
    )


def split_statements(sql: str) -> list[Any] | None:
    """DuckDB's own split of `sql` into statements (each has .query and .type), or None when
    it does not parse (running it then reports the syntax error in DuckDB's words)."""
    import duckdb

    with _parser_lock:
        if not _parser:
            _parser.append(duckdb.connect(":memory:"))
        try:
            return _parser[0].extract_statements(sql)
        except duckdb.Error:
            return None


def one_statement(statements: Sequence[Any]) -> Any:
    """The only statement, or QueryError saying how many there were (nothing is run)."""
    if not statements:
        raise QueryError("the SQL holds no statement: send exactly one statement")
    if len(statements) > 1:
        kinds = ", ".join(str(s.type).rsplit(".", 1)[-1] for s in statements[:5])
        raise QueryError(
            f"send exactly one statement, got {len(statements)} ({kinds}): nothing was run"
        )
    return statements[0]


def prepare_query(sql: str, parameters: Mapping[str, Any] | Sequence[Any] | None = None) -> str:
    """The one step every user query takes first (`benchdb query`, POST /query and
    BenchmarkDBAPI.query): `:name` rewritten to `$name` for the names given, then exactly one
    statement or QueryError. Returns the SQL to run (SQL that does not parse is returned as is,
    for DuckDB to name the syntax error)."""
    sql = colon_to_dollar(sql, parameters)
    statements = split_statements(sql)
    if statements is not None:
        one_statement(statements)
    else:
        unbound = colon_parameters(sql)
        if unbound:
            names = ", ".join(f":{name}" for name in unbound)
            raise QueryError(
                f"no value given for {names}: bind each name (`--param NAME=VALUE`, or "
                "`parameters={'NAME': value}`), or write $NAME"
            )
    return sql


def colon_parameters(sql: str) -> list[str]:
    """The `:name` placeholders left in `sql` (outside strings, comments and casts)."""
    found = [m.group(1) for m in _COLON_PARAMETER.finditer(sql) if m.group(1)]
    return sorted(set(found))


def bind_style(sql: str, parameters: Mapping[str, Any] | Sequence[Any] | None) -> str:
    """The Python API's name for prepare_query (`:name` -> `$name`, one statement only)."""
    return prepare_query(sql, parameters)
