"""The REST API (`benchdb serve`): the old endpoints, on the marts, read-only unless given a token.

Reads open the warehouse read-only and never hold it across a build: each request takes a cursor
on the current *generation* of the file, and a new generation is attached as soon as the file's
inode changes (a build or optimize renames a new file into place). Requests already running keep
the old generation until they finish, so every answer comes from one complete warehouse.

POST /query runs one read-only SELECT on a separate, locked-down generation: DuckDB with
`enable_external_access = false` and `lock_configuration = true`, the statement type checked with
DuckDB's own parser, file-reading functions refused, a row limit and a time limit.

Writes (POST /performance, /compatibility, /integration) go to the landing zone through
benchdb.compat and need `Authorization: Bearer <BENCHDB_API_TOKEN>`; without a token configured the
server is read-only. New results are visible after the next `benchdb build`.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

import duckdb
from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from benchdb import __version__
from benchdb import compat as api
from runners.errors import ConfigurationError, LandingError, WarehouseError
from runners.hardware import KNOWN_HARDWARE

DEFAULT_ROW_LIMIT = 10_000
DEFAULT_TIME_LIMIT_SECONDS = 10.0
DEFAULT_MEMORY_LIMIT = "2GB"
MAX_SQL_CHARS = 20_000

# ---------------------------------------------------------------------------------------------
# JSON: NaN and infinity are null, never an error
# ---------------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A JSON-safe value: non-finite floats -> None, times -> ISO 8601, decimals -> float."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, dtime)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return plain(float(value))
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return str(value)


class SafeJSONResponse(JSONResponse):
    """JSONResponse that turns NaN and infinity into null instead of failing."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            plain(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")


def rows_as_records(cursor, rows: Sequence[tuple]) -> list[dict[str, Any]]:
    """Rows -> list of dicts, JSON columns parsed, everything JSON-safe."""
    description = cursor.description or []
    names = [d[0] for d in description]
    json_columns = {i for i, d in enumerate(description) if str(d[1]) == "JSON"}
    records = []
    for row in rows:
        record = {}
        for i, (name, value) in enumerate(zip(names, row)):
            if i in json_columns and isinstance(value, str):
                with suppress(json.JSONDecodeError):
                    value = json.loads(value)
            record[name] = plain(value)
        records.append(record)
    return records


# ---------------------------------------------------------------------------------------------
# reading the warehouse: one attached generation per file inode
# ---------------------------------------------------------------------------------------------


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Generation:
    """One version of the warehouse file, attached read-only to its own in-memory DuckDB."""

    def __init__(self, db_path: Path, signature: tuple, locked_down: bool, memory_limit: str):
        self.signature = signature
        self.alias = _quote_identifier(db_path.stem)
        self.users = 0
        self.retired = False
        self.derived: dict[str, Any] = {}
        self.derived_lock = threading.Lock()
        self.con = duckdb.connect(":memory:", config={"memory_limit": memory_limit})
        try:
            self.con.execute(f"attach {_quote_string(str(db_path))} as {self.alias} (read_only)")
            self.con.execute(f"use {self.alias}")
            if locked_down:
                self.con.execute("set enable_external_access = false")
                self.con.execute("set lock_configuration = true")
        except duckdb.Error as exc:
            self.con.close()
            raise WarehouseError(f"cannot open {db_path}: {str(exc).splitlines()[0]}") from None

    def derive(self, key: str, build) -> Any:
        """Something computed once per generation (build(cursor) -> value), then reused."""
        with self.derived_lock:
            if key not in self.derived:
                cur = self.con.cursor()
                try:
                    cur.execute(f"use {self.alias}")
                    self.derived[key] = build(cur)
                finally:
                    cur.close()
            return self.derived[key]

    def close(self) -> None:
        self.con.close()


class WarehouseReader:
    """Cursors on the last complete warehouse; a renamed-in file is picked up on the next call."""

    def __init__(self, db_path: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT):
        self.db_path = db_path
        self.memory_limit = memory_limit
        self._lock = threading.Lock()
        self._current: dict[bool, _Generation] = {}
        self.generations_opened = 0

    def _signature(self) -> tuple:
        try:
            info = os.stat(self.db_path)
        except FileNotFoundError:
            raise WarehouseError(
                f"no warehouse at {self.db_path}: run `benchdb build` first"
            ) from None
        return (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)

    @contextmanager
    def cursor(self, locked_down: bool = False) -> Iterator[Any]:
        with self.session(locked_down) as (cur, _gen):
            yield cur

    @contextmanager
    def session(self, locked_down: bool = False) -> Iterator[tuple[Any, _Generation]]:
        """(cursor, generation): the cursor reads that generation of the warehouse."""
        signature = self._signature()  # before attaching: a stale label only costs a reopen
        with self._lock:
            gen = self._current.get(locked_down)
            if gen is None or gen.signature != signature:
                fresh = _Generation(self.db_path, signature, locked_down, self.memory_limit)
                self.generations_opened += 1
                if gen is not None:
                    gen.retired = True
                    if gen.users == 0:
                        gen.close()
                self._current[locked_down] = gen = fresh
            gen.users += 1
            cur = gen.con.cursor()
        try:
            cur.execute(f"use {gen.alias}")
            yield cur, gen
        finally:
            cur.close()
            with self._lock:
                gen.users -= 1
                if gen.retired and gen.users == 0:
                    gen.close()

    def close(self) -> None:
        with self._lock:
            for gen in self._current.values():
                gen.retired = True
                if gen.users == 0:
                    gen.close()
            self._current.clear()


# ---------------------------------------------------------------------------------------------
# GET /performance: JSON made by DuckDB, newest results indexed once per warehouse generation
# ---------------------------------------------------------------------------------------------

# the newest completed result per configuration, computed once per generation of the file
LATEST_TABLE = "memory.main.latest_completed_results"


def json_safe_expression(column: str, type_name: str) -> str:
    """A column as DuckDB's to_json should see it: NaN/inf as null, times in ISO 8601 UTC."""
    c = _quote_identifier(column)
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


def _performance_struct(cur) -> str:
    """{'result_id': result_id, ...}: the JSON object of one /performance row, safe types."""
    description = cur.execute(
        f"select {', '.join(api.PERFORMANCE_COLUMNS)} from performance_results limit 0"
    ).description
    fields = [
        f"{_quote_string(d[0])}: {json_safe_expression(d[0], str(d[1]))}" for d in description
    ]
    return "{" + ", ".join(fields) + "}"


def _build_latest_table(cur) -> str:
    """The newest completed result per configuration, each row's JSON text made once."""
    struct = _performance_struct(cur)
    sql, params = api.performance_sql(latest_only=True, status="completed")
    cur.execute(
        f"create or replace table {LATEST_TABLE} as "
        f"select *, cast(to_json({struct}) as varchar) as row_json, "
        f"row_number() over (order by {api.PERFORMANCE_ORDER}) as row_order from ({sql}) "
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
    """GET /performance as one JSON text, serialised by DuckDB (no Python per value).

    The default question (newest completed result per configuration) reads a table of those
    rows with their JSON already made, built once per generation of the warehouse file; any
    other question reads the mart."""
    with reader.session() as (cur, gen):
        if latest_only and status == "completed":
            table = gen.derive("latest_table", _build_latest_table)
            where, params = api.performance_where(
                model_name, hardware_type, batch_size, precision, None
            )
            sql = (
                "select '[' || coalesce(string_agg(row_json, ',' order by row_order), '') || ']' "
                f"from (select row_json, row_order from {table} {where} "
                f"order by row_order limit {int(limit)})"
            )
        else:
            struct = gen.derive("performance_struct", _performance_struct)
            inner, params = api.performance_sql(
                model_name, hardware_type, batch_size, precision, latest_only, status, limit
            )
            sql = (
                f"select cast(coalesce(to_json(list({struct} order by "
                f"{api.PERFORMANCE_ORDER})), '[]') as varchar) from ({inner})"
            )
        return cur.execute(sql, params or None).fetchone()[0]


# ---------------------------------------------------------------------------------------------
# POST /query: what is allowed
# ---------------------------------------------------------------------------------------------

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


def run_read_only_query(
    reader: WarehouseReader,
    sql: str,
    parameters: Mapping[str, Any] | None,
    row_limit: int,
    time_limit_seconds: float,
) -> dict[str, Any]:
    with reader.cursor(locked_down=True) as cur:
        statement = check_read_only_sql(cur, sql)
        wrapped = f"select * from (\n{statement}\n) limit {int(row_limit) + 1}"
        timer = threading.Timer(time_limit_seconds, cur.interrupt)
        started = time.perf_counter()
        timer.start()
        try:
            cur.execute(wrapped, dict(parameters) if parameters else None)
            rows = cur.fetchmany(row_limit + 1)
        except duckdb.InterruptException:
            raise QueryRefused(
                f"the query ran past the {time_limit_seconds:g} s time limit and was stopped"
            ) from None
        except duckdb.Error as exc:
            if time.perf_counter() - started >= time_limit_seconds:
                raise QueryRefused(
                    f"the query ran past the {time_limit_seconds:g} s time limit and was stopped"
                ) from None
            raise QueryRefused(f"query failed: {str(exc).strip().splitlines()[0]}") from None
        finally:
            timer.cancel()
        elapsed_ms = (time.perf_counter() - started) * 1000
        truncated = len(rows) > row_limit
        rows = rows[:row_limit]
        columns = [d[0] for d in cur.description or []]
        return {
            "columns": columns,
            "rows": rows_as_records(cur, rows),
            "row_count": len(rows),
            "truncated": truncated,
            "row_limit": row_limit,
            "elapsed_ms": round(elapsed_ms, 3),
        }


# ---------------------------------------------------------------------------------------------
# request and response models (the OpenAPI schema)
# ---------------------------------------------------------------------------------------------

HardwareType = Enum("HardwareType", {h: h for h in KNOWN_HARDWARE}, type=str)
Precision = Enum("Precision", {p: p for p in api.PRECISIONS}, type=str)
# request bodies are strict (no "4" for 4): Literal takes the JSON strings as they come
HardwareName = Literal[KNOWN_HARDWARE]  # type: ignore[valid-type]
PrecisionName = Literal[api.PRECISIONS]  # type: ignore[valid-type]

PositiveMs = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class PerformanceIn(_Strict):
    """One performance result. Old names are accepted: throughput, latency_avg, memory_peak."""

    model_name: str = Field(min_length=1, max_length=200, examples=["bert-base-uncased"])
    hardware_type: HardwareName
    batch_size: int = Field(ge=1, le=1_000_000, examples=[4])
    precision: PrecisionName = "fp32"
    device_name: str | None = Field(None, max_length=200, examples=["NVIDIA RTX 4090"])
    sequence_length: int | None = Field(None, ge=1, le=10_000_000)
    image_size: int | None = Field(None, ge=1, le=100_000)
    throughput_items_per_second: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        validation_alias=AliasChoices("throughput_items_per_second", "throughput"),
    )
    latency_mean_ms: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        validation_alias=AliasChoices("latency_mean_ms", "latency_avg", "average_latency_ms"),
    )
    latency_p50_ms: PositiveMs | None = None
    latency_p90_ms: PositiveMs | None = None
    latency_p95_ms: PositiveMs | None = None
    latency_p99_ms: PositiveMs | None = None
    memory_peak_mb: float | None = Field(
        None,
        ge=0,
        allow_inf_nan=False,
        validation_alias=AliasChoices("memory_peak_mb", "memory_peak"),
    )
    iterations: int | None = Field(None, ge=0, le=100_000_000)
    warmup_iterations: int | None = Field(None, ge=0, le=100_000_000)
    latencies_ms: list[PositiveMs] | None = Field(None, max_length=100_000)
    status: Literal[api.RESULT_STATUSES] | None = None  # type: ignore[valid-type]
    error_message: str | None = Field(None, max_length=4000)
    is_simulated: bool = False
    simulation_reason: str | None = Field(None, max_length=1000)
    measured_at: datetime | None = Field(None, strict=False)


class CompatibilityIn(_Strict):
    model_name: str = Field(min_length=1, max_length=200)
    hardware_type: HardwareName
    is_compatible: bool
    device_name: str | None = Field(None, max_length=200)
    detection_success: bool | None = None
    initialization_success: bool | None = None
    error_message: str | None = Field(None, max_length=4000)
    error_type: str | None = Field(None, max_length=200)
    suggested_fix: str | None = Field(None, max_length=4000)
    workaround_available: bool | None = None
    compatibility_score: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    metadata: dict[str, Any] | None = None
    is_simulated: bool = False
    simulation_reason: str | None = Field(None, max_length=1000)
    tested_at: datetime | None = Field(None, strict=False)


class AssertionIn(_Strict):
    assertion_name: str = Field(min_length=1, max_length=500)
    passed: bool
    expected_value: str | None = Field(None, max_length=4000)
    actual_value: str | None = Field(None, max_length=4000)
    message: str | None = Field(None, max_length=4000)


class IntegrationIn(_Strict):
    test_module: str = Field(min_length=1, max_length=500)
    test_name: str = Field(min_length=1, max_length=500)
    status: Literal["pass", "fail", "error", "skip"]
    test_class: str | None = Field(None, max_length=500)
    execution_time_seconds: float | None = Field(None, ge=0, allow_inf_nan=False)
    model_name: str | None = Field(None, max_length=200)
    hardware_type: HardwareName | None = None
    device_name: str | None = Field(None, max_length=200)
    error_message: str | None = Field(None, max_length=4000)
    error_traceback: str | None = Field(None, max_length=100_000)
    metadata: dict[str, Any] | None = None
    assertions: list[AssertionIn] | None = Field(None, max_length=10_000)
    executed_at: datetime | None = Field(None, strict=False)


QueryParameter = str | int | float | bool | None


class QueryIn(_Strict):
    sql: str = Field(
        min_length=1,
        max_length=MAX_SQL_CHARS,
        examples=["select model_name, count(*) as n from performance_results group by 1"],
    )
    parameters: dict[Annotated[str, Field(pattern=r"^[A-Za-z_]\w{0,63}$")], QueryParameter] | (
        None
    ) = Field(None, description="Values bound to $name placeholders.", examples=[{}])
    limit: int | None = Field(None, ge=1, description="Row limit (at most the server's).")


class Stored(BaseModel):
    id: str
    kind: str
    landed_in: str
    visible_after: str = "the next `benchdb build`"


class ErrorOut(BaseModel):
    error: str
    missing: str | None = None


class QueryOut(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    row_count: int
    truncated: bool
    row_limit: int
    elapsed_ms: float


class ComparisonMetric(str, Enum):
    throughput = "throughput"
    latency = "latency"
    memory = "memory"


class StatusFilter(str, Enum):
    completed = "completed"
    failed = "failed"
    oom = "oom"
    timeout = "timeout"
    unsupported = "unsupported"
    unavailable = "unavailable"
    any = "any"


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "A mart this endpoint reads is not built yet."},
    503: {"model": ErrorOut, "description": "No warehouse: run `benchdb build`."},
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong bearer token."},
    403: {"model": ErrorOut, "description": "The server is read-only (no BENCHDB_API_TOKEN)."},
}

# ---------------------------------------------------------------------------------------------
# the app
# ---------------------------------------------------------------------------------------------


@dataclass
class ServerSettings:
    db_path: Path
    data_dir: Path
    token: str | None = None
    cors_origins: tuple[str, ...] = ()
    row_limit: int = DEFAULT_ROW_LIMIT
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    extra: dict[str, Any] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, missing: str | None = None, field: str | None = None
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.missing = missing
        self.field = field


def _field_of(message: str) -> str | None:
    found = re.search(r"field '([^']+)'", message)
    return found.group(1) if found else None


# the charts helper's `chart_file(db_path, chart, metric_name, output, *, model_name=...,
# hardware_type=...) -> Path` (runners/reporting/visualizer.py); looked up at request time
CHART_PROVIDERS = (("benchdb.reporting.visualizer", "chart_file"),)


def _chart_renderer():
    """(function, module name) of the installed chart renderer, or (None, why not)."""
    import importlib

    for module_name, function_name in CHART_PROVIDERS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and not module_name.startswith(exc.name):
                raise
            continue
        function = getattr(module, function_name, None)
        if function is not None:
            return function, module_name
        return None, f"{module_name} has no {function_name}()"
    return None, "no charts module (benchdb.reporting.visualizer) is installed"


def create_app(settings: ServerSettings) -> FastAPI:
    reader = WarehouseReader(settings.db_path, settings.memory_limit)
    writer = api.BenchmarkDBAPI(settings.db_path, settings.data_dir, auto_refresh=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        reader.close()  # detach the warehouse when the server stops

    app = FastAPI(
        lifespan=lifespan,
        title="benchdb",
        version=__version__,
        description=(
            "Benchmark results of ML models on hardware: the old BenchmarkDBAPI endpoints on "
            "the warehouse's marts. Reads answer from the last complete build. Writes land in "
            "the landing zone (visible after the next `benchdb build`) and need "
            "`Authorization: Bearer <BENCHDB_API_TOKEN>`. NaN and infinity are null."
        ),
        default_response_class=SafeJSONResponse,
    )
    app.state.settings = settings
    app.state.reader = reader
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        body = {"error": exc.message}
        if exc.missing:
            body["missing"] = exc.missing
        if exc.status == 422 and exc.field:
            loc = ["body", exc.field]
            body["detail"] = [{"loc": loc, "msg": exc.message, "type": "value_error"}]
        return SafeJSONResponse(body, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        # routing errors (unknown path, wrong method) in the same shape as every other error
        return SafeJSONResponse(
            {"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        details = []
        for error in exc.errors():
            if error.get("type") == "json_invalid":
                position = (error.get("loc") or ("body", "?"))[-1]
                message = (error.get("ctx") or {}).get("error", "JSON decode error")
                return SafeJSONResponse(
                    {
                        "error": f"malformed JSON body at character {position}: {message}",
                        "detail": [{"loc": ["body"], "msg": message, "type": "json_invalid"}],
                    },
                    status_code=422,
                )
            loc = [str(x) for x in error.get("loc", ())]
            details.append({"loc": loc, "msg": error.get("msg"), "type": error.get("type")})
        fields = ", ".join(".".join(d["loc"][1:] or d["loc"]) for d in details)
        return SafeJSONResponse(
            {"error": f"invalid request: {fields}", "detail": details}, status_code=422
        )

    bearer = HTTPBearer(auto_error=False, description="BENCHDB_API_TOKEN")

    def require_token(
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
    ) -> None:
        if not settings.token:
            raise ApiError(403, "this server is read-only: start it with BENCHDB_API_TOKEN set")
        given = credentials.credentials if credentials else ""
        if not secrets.compare_digest(given.encode(), settings.token.encode()):
            raise ApiError(401, "a valid bearer token is required to write")

    def read(sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        try:
            with reader.cursor() as cur:
                cur.execute(sql, dict(params) if params else None)
                return rows_as_records(cur, cur.fetchall())
        except WarehouseError as exc:
            raise ApiError(503, str(exc)) from None
        except duckdb.Error as exc:
            raise ApiError(503, f"warehouse query failed: {str(exc).splitlines()[0]}") from None

    def with_mart(build_sql) -> tuple[str, dict]:
        """SQL that depends on which marts exist (missing one -> 404 naming it)."""
        try:
            with reader.cursor() as cur:
                return build_sql(cur)
        except api.MissingMartError as exc:
            raise ApiError(404, str(exc), missing=exc.mart) from None
        except WarehouseError as exc:
            raise ApiError(503, str(exc)) from None

    def mart_rows(name: str, limit: int) -> list[dict[str, Any]]:
        def build(cur):
            if not api.mart_exists(cur, name):
                raise api.MissingMartError(name, api.OPTIONAL_MARTS.get(name, "another model"))
            return f"select * from {_quote_identifier(name)} limit {int(limit)}", {}

        sql, params = with_mart(build)
        return read(sql, params)

    def store(method, body: BaseModel, kind: str) -> Stored:
        record = body.model_dump(exclude_none=True, mode="python")
        for key, value in list(record.items()):
            if isinstance(value, Enum):
                record[key] = value.value
        try:
            new_id = method(record)
        except ConfigurationError as exc:
            raise ApiError(422, str(exc), field=_field_of(str(exc))) from None
        except LandingError as exc:
            raise ApiError(503, f"cannot write the landing zone: {exc}") from None
        return Stored(id=new_id, kind=kind, landed_in=f"landing/{kind}")

    # -- routes --------------------------------------------------------------------------------

    @app.get("/", tags=["meta"], summary="What this server is")
    def root() -> dict[str, Any]:
        return {
            "name": "benchdb",
            "version": __version__,
            "docs": "/docs",
            "openapi": "/openapi.json",
            "read_only": not settings.token,
            "endpoints": sorted(
                {f"{m} {r.path}" for r in app.routes for m in getattr(r, "methods", ()) or ()}
                - {"HEAD /docs", "HEAD /openapi.json", "HEAD /redoc", "HEAD /docs/oauth2-redirect"}
            ),
        }

    @app.get("/health", tags=["meta"], responses=ERROR_RESPONSES, summary="Warehouse health")
    def health() -> dict[str, Any]:
        rows = read(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "order by table_name"
        )
        tables = [r["table_name"] for r in rows]
        counts = read(
            "select (select count(*) from performance_results) as performance_results, "
            "(select count(*) from models) as models, "
            "(select count(*) from hardware_platforms) as hardware_platforms"
        )[0]
        info = settings.db_path.stat()
        return {
            "status": "ok",
            "warehouse": str(settings.db_path),
            "built_at": datetime.fromtimestamp(info.st_mtime).astimezone().isoformat(),
            "tables": tables,
            "rows": counts,
            "read_only": not settings.token,
        }

    @app.get("/models", tags=["catalog"], responses=ERROR_RESPONSES, summary="Models")
    def models() -> list[dict[str, Any]]:
        return read("select * from models order by model_name")

    @app.get("/hardware", tags=["catalog"], responses=ERROR_RESPONSES, summary="Hardware")
    def hardware() -> list[dict[str, Any]]:
        return read("select * from hardware_platforms order by hardware_type, device_name")

    @app.get(
        "/performance",
        tags=["performance"],
        responses=ERROR_RESPONSES,
        summary="Performance results (newest per configuration by default)",
        response_model=list[dict[str, Any]],
    )
    def performance(
        model_name: Annotated[str | None, Query(max_length=200)] = None,
        hardware_type: HardwareType | None = None,
        batch_size: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
        precision: Precision | None = None,
        latest_only: bool = True,
        status: StatusFilter = StatusFilter.completed,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    ) -> list[dict[str, Any]]:
        try:
            text = performance_json(
                reader,
                model_name,
                hardware_type.value if hardware_type else None,
                batch_size,
                precision.value if precision else None,
                latest_only,
                None if status == StatusFilter.any else status.value,
                limit,
            )
        except WarehouseError as exc:
            raise ApiError(503, str(exc)) from None
        except duckdb.Error as exc:
            raise ApiError(503, f"warehouse query failed: {str(exc).splitlines()[0]}") from None
        return Response(content=text, media_type="application/json")

    @app.get(
        "/performance/comparison/{model_name:path}",
        tags=["performance"],
        responses=ERROR_RESPONSES,
        summary="One model's latest results, hardware side by side",
    )
    def comparison(
        model_name: Annotated[str, PathParam(max_length=200)],
        metric: ComparisonMetric = ComparisonMetric.throughput,
    ) -> list[dict[str, Any]]:
        sql, params = api.comparison_sql(model_name, metric.value)
        return read(sql, params)

    @app.get(
        "/compatibility",
        tags=["compatibility"],
        responses=ERROR_RESPONSES,
        summary="Model x hardware compatibility",
    )
    def compatibility(
        model_name: Annotated[str | None, Query(max_length=200)] = None,
        hardware_type: HardwareType | None = None,
    ) -> list[dict[str, Any]]:
        hw = hardware_type.value if hardware_type else None
        sql, params = with_mart(lambda cur: api.compatibility_sql(cur, model_name, hw))
        return read(sql, params)

    @app.get(
        "/integration",
        tags=["integration"],
        responses=ERROR_RESPONSES,
        summary="Integration test results, or their summary per module",
    )
    def integration(
        summary: bool = False,
        test_module: Annotated[str | None, Query(max_length=500)] = None,
        status: Literal["pass", "fail", "error", "skip"] | None = None,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    ) -> list[dict[str, Any]]:
        if summary:
            sql, params = with_mart(api.integration_summary_sql)
            return read(sql, params)

        def build(cur):
            if not api.mart_exists(cur, "integration_test_results"):
                raise api.MissingMartError(
                    "integration_test_results", api.OPTIONAL_MARTS["integration_test_results"]
                )
            filters, params = [], {}
            if test_module is not None:
                filters.append("test_module = $test_module")
                params["test_module"] = test_module
            if status is not None:
                filters.append("status = $status")
                params["status"] = status
            where = f"where {' and '.join(filters)}" if filters else ""
            return f"select * from integration_test_results {where} limit {int(limit)}", params

        sql, params = with_mart(build)
        return read(sql, params)

    @app.get(
        "/simulation/report",
        tags=["simulation"],
        responses=ERROR_RESPONSES,
        summary="How many results are simulated: totals, by hardware, model and reason",
    )
    def simulation_report() -> dict[str, Any]:
        from benchdb.simulation_report import simulation_report as build_report

        with reader.cursor() as cur:
            return build_report(cur)

    @app.get(
        "/benchmarks/missing",
        tags=["planning"],
        responses=ERROR_RESPONSES,
        summary="Wanted configurations with no completed, measured result",
    )
    def missing(limit: Annotated[int, Query(ge=1, le=100_000)] = 1000) -> list[dict[str, Any]]:
        return mart_rows("missing_benchmarks", limit)

    @app.get(
        "/benchmarks/outdated",
        tags=["planning"],
        responses=ERROR_RESPONSES,
        summary="Configurations whose newest real result is too old",
    )
    def outdated(limit: Annotated[int, Query(ge=1, le=100_000)] = 1000) -> list[dict[str, Any]]:
        return mart_rows("outdated_benchmarks", limit)

    @app.get(
        "/charts/{chart_type}.png",
        tags=["charts"],
        responses={
            200: {"content": {"image/png": {}}, "description": "A PNG chart."},
            422: {"model": ErrorOut, "description": "Unknown chart, model, hardware or metric."},
            501: {"model": ErrorOut, "description": "Charts are not installed."},
            **ERROR_RESPONSES,
        },
        response_class=Response,
        summary="A chart as PNG (hardware-comparison, model-comparison, batch-size, heatmap ...)",
    )
    def chart(
        chart_type: Annotated[str, PathParam(max_length=100, pattern=r"^[a-z][a-z0-9_-]*$")],
        model_name: Annotated[str | None, Query(max_length=200)] = None,
        hardware_type: HardwareType | None = None,
        metric: ComparisonMetric = ComparisonMetric.throughput,
    ) -> Response:
        render, where = _chart_renderer()
        if render is None:
            raise ApiError(501, f"charts are not available in this installation: {where}")
        if not settings.db_path.exists():
            raise ApiError(503, f"no warehouse at {settings.db_path}: run `benchdb build` first")
        import tempfile

        with tempfile.TemporaryDirectory(prefix="benchdb-chart-") as tmp:
            output = Path(tmp) / "chart.png"
            try:
                render(
                    settings.db_path,
                    chart_type,
                    metric.value,
                    output,
                    model_name=model_name,
                    hardware_type=hardware_type.value if hardware_type else None,
                )
            except WarehouseError as exc:
                raise ApiError(503, str(exc)) from None
            except Exception as exc:  # the chart helper's ReportError names what was wrong
                if exc.__class__.__name__ != "ReportError":
                    raise
                message = str(exc)
                empty = "no completed results" in message or "nothing to" in message
                raise ApiError(404 if empty else 422, message) from None
            png = output.read_bytes()
        return Response(content=png, media_type="image/png")

    @app.post(
        "/performance",
        tags=["performance"],
        status_code=201,
        responses=WRITE_RESPONSES,
        dependencies=[Depends(require_token)],
        summary="Store a performance result (landing zone)",
    )
    def post_performance(body: PerformanceIn) -> Stored:
        return store(writer.store_performance_result, body, "benchmark_results")

    @app.post(
        "/compatibility",
        tags=["compatibility"],
        status_code=201,
        responses=WRITE_RESPONSES,
        dependencies=[Depends(require_token)],
        summary="Store a hardware compatibility result (landing zone)",
    )
    def post_compatibility(body: CompatibilityIn) -> Stored:
        return store(writer.store_compatibility_result, body, "compatibility_results")

    @app.post(
        "/integration",
        tags=["integration"],
        status_code=201,
        responses=WRITE_RESPONSES,
        dependencies=[Depends(require_token)],
        summary="Store an integration test result with its assertions (landing zone)",
    )
    def post_integration(body: IntegrationIn) -> Stored:
        return store(writer.store_integration_test_result, body, "integration_results")

    @app.post(
        "/query",
        tags=["query"],
        responses={
            400: {"model": ErrorOut, "description": "Not one read-only SELECT, or it failed."},
            503: {"model": ErrorOut, "description": "No warehouse: run `benchdb build`."},
        },
        summary="Run one read-only SELECT (no token needed)",
    )
    def post_query(body: Annotated[QueryIn, Body()]) -> QueryOut:
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

    return app


def settings_from_environment() -> ServerSettings:
    """Settings from the environment (what `benchdb serve --workers N` hands its workers)."""
    from benchdb import paths as benchdb_paths
    from runners import paths

    origins = os.environ.get("BENCHDB_CORS_ORIGINS", "")
    return ServerSettings(
        db_path=benchdb_paths.db_path(),
        data_dir=paths.data_dir(),
        token=os.environ.get("BENCHDB_API_TOKEN") or None,
        cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        row_limit=int(os.environ.get("BENCHDB_QUERY_ROW_LIMIT", DEFAULT_ROW_LIMIT)),
        time_limit_seconds=float(
            os.environ.get("BENCHDB_QUERY_TIME_LIMIT", DEFAULT_TIME_LIMIT_SECONDS)
        ),
    )


def app_from_environment() -> FastAPI:
    """For `uvicorn benchdb.server:app_from_environment --factory` (and serve's workers)."""
    return create_app(settings_from_environment())
