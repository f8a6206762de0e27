"""POST /query: one read-only SELECT, checked, then run in a worker process under hard limits.

Checks (in the server process, before any worker is used, and again in the worker):
- exactly one statement (benchdb.queries.prepare_query, the step `benchdb query` and the Python
  API take too, which also turns the old `:name` parameters into `$name`), and it is a SELECT;
- DuckDB's own parse tree (json_serialize_sql) is walked: tables must be the warehouse's public
  tables (the `main` schema), its CTEs or information_schema.tables / .columns; table functions
  must be on a short list (range, generate_series, unnest, json_each ...); no function that reads
  files or reveals the catalog, settings, variables or the environment (duckdb_*(), pragma_*,
  current_setting, getvariable, read_*, glob, pg_get_viewdef ...). So no path or setting is
  disclosed, and errors that would name a file say `<path>` instead.

Limits (every query, whatever functions it calls):
- time: DuckDB is interrupted at the time limit (`interrupt()` from a timer); an operator that
  does not look at interrupts (a huge list_sort, say) is ended with its worker process one
  second later, and a fresh worker takes its place;
- memory: each worker is a separate process held by the kernel to its share of the server's
  memory limit (RLIMIT_AS), with DuckDB's memory_limit inside that; what DuckDB cannot bound
  (list and string functions) fails there as "out of memory", never in the server process;
- result size: at most row_limit rows, and the JSON answer is counted as it is written: past
  result_byte_limit bytes the query is refused, naming the limit;
- concurrency: `workers` queries run at once, `queue_limit` more wait (up to the time limit) for
  a free worker, any beyond answer 503 at once. They run on their own threads, so /health and
  the GET endpoints never wait behind them, and the workers run at a lower CPU priority.

Workers are `python -c ...worker_main()` processes speaking length-prefixed frames on their
stdin/stdout; each keeps a locked-down reader (benchdb.server.reader) of the current warehouse.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import queue
import re
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from benchdb.queries import QueryError, colon_to_dollar, one_statement, prepare_query
from benchdb.server.jsonsafe import rows_as_records
from benchdb.server.reader import WarehouseReader
from runners.errors import WarehouseError

DEFAULT_ROW_LIMIT = 10_000
DEFAULT_TIME_LIMIT_SECONDS = 10.0
DEFAULT_RESULT_BYTE_LIMIT = 32 * 1000**2
DEFAULT_QUERY_WORKERS = 2
DEFAULT_QUEUE_LIMIT = 16
MAX_SQL_CHARS = 20_000
KILL_GRACE_SECONDS = 1.0  # past the time limit, a worker that did not stop is killed
WORKER_START_SECONDS = 60.0
FETCH_ROWS = 256

# table functions a query may call: they make rows, they read nothing
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {"range", "generate_series", "unnest", "json_each", "json_tree", "repeat", "repeat_row"}
)
# catalog views a query may read besides the warehouse's tables (names and types, no paths)
ALLOWED_CATALOG_VIEWS = frozenset(
    {("information_schema", "tables"), ("information_schema", "columns")}
)
# functions that read files, run SQL text, change state or reveal the catalog, settings,
# variables, logs or the environment
_REFUSED_FUNCTION = re.compile(
    r"^(duckdb_\w*|pragma_\w*|read_\w*|parquet_\w*|sniff_\w*|\w*_scan|glob|query|query_table|"
    r"current_setting|getvariable|getenv|json_execute_serialized_sql|which_secret|write_log|"
    r"checkpoint|force_checkpoint|enable_\w+|disable_\w+|truncate_duckdb_logs|"
    r"\w*external_resource\w*|\w*grammar_extension|load_extension|install_extension|"
    r"copy_database|sql_auto_complete|pg_get_\w+|pg_conf_load_time|pg_postmaster_start_time|"
    r"parse_duckdb_log_message)$"
)
# table references: these kinds only (a new kind of reference is refused until looked at)
_TABLE_REF_TYPES = frozenset(
    {
        "BASE_TABLE",
        "TABLE_FUNCTION",
        "JOIN",
        "SUBQUERY",
        "EMPTY",
        "EXPRESSION_LIST",
        "PIVOT",
        "SHOW_REF",
    }
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUOTED_PATH = re.compile(r"""(["'])(?:/|~/|[A-Za-z]:[\\/])[^"'\n]*\1""")
_BARE_PATH = re.compile(r"(?<![\w.:/<>-])/(?:[\w.@+=*-]+/)+[\w.@+=*-]*")


class QueryRefused(Exception):
    """POST /query will not run this SQL, or stopped it; the message says why."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class QueryLimits:
    row_limit: int = DEFAULT_ROW_LIMIT
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS
    result_byte_limit: int = DEFAULT_RESULT_BYTE_LIMIT
    workers: int = DEFAULT_QUERY_WORKERS
    queue_limit: int = DEFAULT_QUEUE_LIMIT
    worker_address_space_bytes: int = 750 * 1000**2
    worker_duckdb_memory_limit: str = "250MB"


def without_paths(message: str) -> str:
    """An error message with every file path replaced by `<path>`."""
    message = _QUOTED_PATH.sub(lambda m: f"{m.group(1)}<path>{m.group(1)}", message)
    return _BARE_PATH.sub("<path>", message)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return without_paths(text.splitlines()[0] if text else type(exc).__name__)


# ---------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------

_system_names: set[str] = set()
_system_names_lock = threading.Lock()


def system_names() -> set[str]:
    """Names of DuckDB's own views and tables (duckdb_settings, pg_settings, tables ...): a CTE
    may not take one, so no reference outside the CTE's scope can reach the catalog."""
    with _system_names_lock:
        if not _system_names:
            with duckdb.connect(":memory:") as con:
                rows = con.execute(
                    "select view_name from duckdb_views() where internal "
                    "union select table_name from duckdb_tables() where internal "
                    "union select function_name from duckdb_functions() "
                    "where function_type in ('table', 'table_macro')"
                ).fetchall()
            _system_names.update(name.lower() for (name,) in rows)
        return _system_names


def _nodes(tree: Any) -> Iterator[dict]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if len(name) > 1 and name[0] == name[-1] == '"' else name


def _is_table_ref(node: dict) -> bool:
    """A FROM-clause item (query nodes have modifiers, expressions a class)."""
    return (
        "type" in node
        and "alias" in node
        and "sample" in node
        and "class" not in node
        and "modifiers" not in node
    )


def check_parse_tree(tree: Any, tables: frozenset[str], catalog: str) -> None:
    """QueryRefused naming the first table, table function or function not allowed."""
    why = "/query reads the warehouse's tables, not files, settings or the catalog"
    nodes = list(_nodes(tree))
    ctes = set()
    for node in nodes:
        cte_map = node.get("cte_map")
        for entry in (cte_map or {}).get("map", []) if isinstance(cte_map, dict) else []:
            name = str(entry.get("key", ""))
            if not _IDENTIFIER.match(name) or name.lower() in system_names():
                raise QueryRefused(
                    f"a WITH query may not be named '{name}' (a name of DuckDB's catalog, or not "
                    "a plain name): choose another name"
                )
            ctes.add(name.lower())
    known = {t.lower() for t in tables} | ctes
    for node in nodes:
        if "function_name" in node:
            name = str(node["function_name"]).lower()
            if _REFUSED_FUNCTION.match(name):
                raise QueryRefused(f"function {name}() is not allowed: {why}")
        if not _is_table_ref(node):
            continue
        kind = node["type"]
        if kind not in _TABLE_REF_TYPES:
            raise QueryRefused(f"a {kind} reference is not allowed: {why}")
        if kind == "TABLE_FUNCTION":
            name = str((node.get("function") or {}).get("function_name", "")).lower()
            if name not in ALLOWED_TABLE_FUNCTIONS:
                allowed = ", ".join(sorted(ALLOWED_TABLE_FUNCTIONS))
                raise QueryRefused(
                    f"table function {name}() is not allowed: {why} (allowed: {allowed})"
                )
        elif kind == "SHOW_REF" and node.get("query") is None:
            if _unquote(str(node.get("table_name", ""))).lower() != "tables":
                raise QueryRefused(f"only SHOW TABLES is allowed among SHOW statements: {why}")
        elif kind == "BASE_TABLE":
            _check_table(node, known, catalog, why)


def _check_table(node: dict, known: set[str], catalog: str, why: str) -> None:
    table = str(node.get("table_name", ""))
    schema = str(node.get("schema_name", "")).lower()
    database = str(node.get("catalog_name", "")).lower()
    if not database and (schema, table.lower()) in ALLOWED_CATALOG_VIEWS:
        return
    qualified = ".".join(x for x in (database, schema, table) if x)
    if database not in ("", catalog.lower()) or schema not in ("", "main", catalog.lower()):
        raise QueryRefused(
            f"table {qualified} is not allowed: {why} (the public tables, in schema main)"
        )
    if table.lower() not in known:
        raise QueryRefused(
            f"no table named '{table}' in the warehouse: see "
            "`select table_name from information_schema.tables`"
        )


def check_read_only_sql(
    con, sql: str, tables: frozenset[str] | None = None, catalog: str | None = None
) -> str:
    """The one SELECT statement in `sql`, checked; or QueryRefused naming what is not allowed.

    `tables` are the warehouse's public tables and `catalog` its name (both read from `con`'s
    current database when not given)."""
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRefused(f"sql is longer than {MAX_SQL_CHARS} characters")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"sql does not parse: {_first_line(exc)}") from None
    try:
        statement = one_statement(statements)
    except QueryError as exc:
        raise QueryRefused(str(exc)) from None
    if statement.type != duckdb.StatementType.SELECT:
        kind = str(statement.type).rsplit(".", 1)[-1]
        raise QueryRefused(f"only read-only SELECT queries are allowed; this is a {kind} statement")
    text = statement.query.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    if catalog is None:
        catalog = con.execute("select current_database()").fetchone()[0]
    if tables is None:
        tables = frozenset(
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main' "
                "and table_catalog = current_database()"
            ).fetchall()
        )
    tree = json.loads(con.execute("select json_serialize_sql($q)", {"q": text}).fetchone()[0])
    if tree.get("error"):
        message = without_paths(str(tree.get("error_message", "")).splitlines()[0])
        raise QueryRefused(f"this SELECT cannot be checked, so it is not run: {message}")
    check_parse_tree(tree, tables, _unquote(catalog))
    return text


# ---------------------------------------------------------------------------------------------
# running one query (in a worker process)
# ---------------------------------------------------------------------------------------------


def _memory_message(limits_mb: int) -> str:
    return (
        f"the query needed more than the {limits_mb} MB of memory a query may use and was "
        "stopped: aggregate or filter in SQL, or select fewer rows"
    )


def _time_message(seconds: float) -> str:
    return f"the query ran past the {seconds:g} s time limit and was stopped"


def answer_query(reader: WarehouseReader, request: Mapping[str, Any], memory_mb: int) -> bytes:
    """The JSON body of POST /query's answer, at most `byte_limit` bytes, or QueryRefused."""
    sql = request["sql"]
    parameters = request.get("parameters") or None
    row_limit = int(request["row_limit"])
    byte_limit = int(request["byte_limit"])
    time_limit = float(request["time_limit"])
    with reader.session(locked_down=True) as (cur, gen):
        statement = check_read_only_sql(cur, sql, gen.tables(), gen.alias)
        wrapped = f"select * from (\n{statement}\n) limit {row_limit + 1}"
        timer = threading.Timer(time_limit, cur.interrupt)
        started = time.perf_counter()
        timer.start()
        try:
            cur.execute(wrapped, dict(parameters) if parameters else None)
            columns = [d[0] for d in cur.description or []]
            head = b'{"columns":' + _dumps(columns) + b',"rows":['
            size, parts, count = len(head) + 120, [head], 0
            while count <= row_limit:
                batch = cur.fetchmany(min(FETCH_ROWS, row_limit + 1 - count))
                if not batch:
                    break
                for record in rows_as_records(cur, batch):
                    count += 1
                    if count > row_limit:
                        break
                    encoded = (b"," if count > 1 else b"") + _dumps(record)
                    size += len(encoded)
                    if size > byte_limit:
                        raise QueryRefused(
                            f"the result is larger than the {byte_limit / 1000**2:g} MB a "
                            f"response may hold (passed it at row {count}): select fewer rows "
                            "or columns, or aggregate in SQL"
                        )
                    parts.append(encoded)
        except duckdb.InterruptException:
            raise QueryRefused(_time_message(time_limit)) from None
        except (duckdb.OutOfMemoryException, MemoryError):
            raise QueryRefused(_memory_message(memory_mb)) from None
        except duckdb.Error as exc:
            if time.perf_counter() - started >= time_limit:
                raise QueryRefused(_time_message(time_limit)) from None
            if "out of memory" in str(exc).lower():
                raise QueryRefused(_memory_message(memory_mb)) from None
            raise QueryRefused(f"query failed: {_first_line(exc)}") from None
        finally:
            timer.cancel()
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
    returned = min(count, row_limit)
    tail = {
        "row_count": returned,
        "truncated": count > row_limit,
        "row_limit": row_limit,
        "elapsed_ms": elapsed_ms,
    }
    parts.append(b"]," + _dumps(tail)[1:])
    return b"".join(parts)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def run_read_only_query(
    reader: WarehouseReader,
    sql: str,
    parameters: Mapping[str, Any] | None,
    row_limit: int,
    time_limit_seconds: float,
    result_byte_limit: int = DEFAULT_RESULT_BYTE_LIMIT,
) -> dict[str, Any]:
    """{columns, rows, row_count, truncated, row_limit, elapsed_ms} of one checked SELECT, run
    in this process (no memory wall: the server runs queries in a QueryPool instead)."""
    request = {
        "sql": colon_to_dollar(sql, parameters),
        "parameters": dict(parameters or {}),
        "row_limit": row_limit,
        "byte_limit": result_byte_limit,
        "time_limit": time_limit_seconds,
    }
    return json.loads(answer_query(reader, request, 0))


# ---------------------------------------------------------------------------------------------
# the worker process
# ---------------------------------------------------------------------------------------------

_FRAME = struct.Struct(">cI")
QUESTION, READY, ANSWER, REFUSED = b"Q", b"R", b"A", b"E"
WORKER_CODE = (
    "import os\n"
    "try:\n    os.nice(10)\nexcept OSError:\n    pass\n"
    "from benchdb.server.sandbox import worker_main\nworker_main()\n"
)


def _write_frame(out, kind: bytes, payload: bytes) -> None:
    out.write(_FRAME.pack(kind, len(payload)) + payload)
    out.flush()


def _read_exact(stream, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _watch_parent(parent: int) -> None:
    """End this worker when the server that started it is gone (even mid-query)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def process_status(pid: int | str = "self") -> dict[str, int]:
    """VmPeak, VmSize, VmHWM and VmRSS of a process, in bytes (from /proc)."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmPeak", "VmSize", "VmHWM", "VmRSS"):
                    found[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return found


def worker_main() -> None:
    """A query worker: reads requests on stdin, answers on stdout, under its memory limit."""
    config = json.loads(os.environ["BENCHDB_QUERY_WORKER"])
    threading.Thread(target=_watch_parent, args=(int(config["parent"]),), daemon=True).start()
    protocol_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the protocol
    protocol_in = sys.stdin.buffer
    limits = QueryLimits(**config["limits"])
    reader = WarehouseReader(Path(config["db_path"]), limits.worker_duckdb_memory_limit, threads=1)
    system_names()  # before the limit: DuckDB's catalog names, for the checks
    cap = limits.worker_address_space_bytes
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    memory_mb = cap // 1000**2
    _write_frame(protocol_out, READY, _dumps({"pid": os.getpid(), **process_status()}))
    while True:
        header = _read_exact(protocol_in, _FRAME.size)
        if header is None:
            return
        _, length = _FRAME.unpack(header)
        body = _read_exact(protocol_in, length)
        if body is None:
            return
        try:
            kind, payload = ANSWER, answer_query(reader, json.loads(body), memory_mb)
        except QueryRefused as exc:
            kind, payload = REFUSED, _dumps({"status": exc.status, "error": str(exc)})
        except WarehouseError as exc:
            kind, payload = REFUSED, _dumps({"status": 503, "error": without_paths(str(exc))})
        except MemoryError:
            kind, payload = REFUSED, _dumps({"status": 400, "error": _memory_message(memory_mb)})
        _write_frame(protocol_out, kind, payload)


# ---------------------------------------------------------------------------------------------
# the pool, in the server process
# ---------------------------------------------------------------------------------------------


class _Worker:
    """One worker process, started on first use and replaced when it dies or is killed."""

    def __init__(self, pool: QueryPool):
        self.pool = pool
        self.process: subprocess.Popen | None = None
        self.ready = False
        self.starts = 0

    def spawn(self) -> None:
        import benchdb

        root = str(Path(benchdb.__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [root, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        )
        env["MALLOC_ARENA_MAX"] = "2"
        env["BENCHDB_QUERY_WORKER"] = json.dumps(
            {
                "parent": os.getpid(),
                "db_path": str(self.pool.db_path),
                "limits": asdict(self.pool.limits),
            }
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        self.ready = False
        self.starts += 1
        self.pool.track(self.process)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            self.pool.untrack(self.process)
        self.process, self.ready = None, False

    def _read(self, n: int, deadline: float) -> bytes | None:
        """n bytes from the worker, None if it ended, TimeoutError past the deadline."""
        fd = self.process.stdout.fileno()
        data = bytearray()
        while len(data) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                raise TimeoutError
            chunk = os.read(fd, min(n - len(data), 1 << 20))
            if not chunk:
                return None
            data += chunk
        return bytes(data)

    def _frame(self, deadline: float) -> tuple[bytes, bytes] | None:
        header = self._read(_FRAME.size, deadline)
        if header is None:
            return None
        kind, length = _FRAME.unpack(header)
        payload = self._read(length, deadline)
        return None if payload is None else (kind, payload)

    def _start(self) -> None:
        if not self.alive():
            self.kill()
            self.spawn()
        if self.ready:
            return
        try:
            frame = self._frame(time.monotonic() + WORKER_START_SECONDS)
        except TimeoutError:
            frame = None
        if frame is None or frame[0] != READY:
            self.kill()
            raise QueryRefused("the query worker did not start: try again", status=503)
        self.ready = True

    def ask(self, request: dict[str, Any]) -> bytes:
        """The worker's JSON answer to one request, or QueryRefused (time, memory, refusal)."""
        self._start()
        limits = self.pool.limits
        body = _dumps(request)
        try:
            self.process.stdin.write(_FRAME.pack(QUESTION, len(body)) + body)
            self.process.stdin.flush()
        except OSError:  # it ended between two queries
            return self._reply(None)
        deadline = time.monotonic() + limits.time_limit_seconds + KILL_GRACE_SECONDS
        try:
            frame = self._frame(deadline)
        except TimeoutError:
            self.pool.killed_for_time += 1
            self._replace()
            raise QueryRefused(_time_message(limits.time_limit_seconds)) from None
        return self._reply(frame)

    def _reply(self, frame: tuple[bytes, bytes] | None) -> bytes:
        limits = self.pool.limits
        if frame is None:  # the worker died: the kernel's memory wall, most likely
            code = self.process.wait() if self.process else None
            self.pool.worker_deaths += 1
            self._replace()
            raise QueryRefused(
                f"{_memory_message(limits.worker_address_space_bytes // 1000**2)} "
                f"(its worker process ended, exit status {code})"
            )
        kind, payload = frame
        if kind == ANSWER:
            return payload
        refusal = json.loads(payload)
        raise QueryRefused(refusal["error"], status=int(refusal.get("status", 400)))

    def _replace(self) -> None:
        self.kill()
        self.spawn()  # warms up while the answer goes out


class QueryPool:
    """POST /query's worker processes, their waiting line and their own threads."""

    def __init__(self, reader: WarehouseReader, limits: QueryLimits):
        self.reader = reader
        self.db_path = reader.db_path
        self.limits = limits
        self.killed_for_time = 0
        self.worker_deaths = 0
        self._processes: dict[int, subprocess.Popen] = {}
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._workers = [_Worker(self) for _ in range(limits.workers)]
        for worker in reversed(self._workers):
            self._idle.put(worker)
        self._slots = threading.BoundedSemaphore(limits.workers + limits.queue_limit)
        self._executor = ThreadPoolExecutor(
            max_workers=limits.workers + limits.queue_limit, thread_name_prefix="benchdb-query"
        )
        self._closed = False
        self._start_lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _end_processes, self._processes)
        _live_pools.add(self)

    # -- process bookkeeping (so nothing outlives the server) --------------------------------
    def track(self, process: subprocess.Popen) -> None:
        self._processes[process.pid] = process

    def untrack(self, process: subprocess.Popen) -> None:
        self._processes.pop(process.pid, None)
        _close_pipes(process)

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.alive()]

    # -- running ---------------------------------------------------------------------------
    def check(self, sql: str, parameters: Mapping[str, Any] | None) -> str:
        """The statement to run (`:name` rewritten, checked on the server's own reader)."""
        try:
            sql = prepare_query(sql, parameters)
        except QueryError as exc:
            raise QueryRefused(str(exc)) from None
        try:
            with self.reader.session() as (cur, gen):
                return check_read_only_sql(cur, sql, gen.tables(), gen.alias)
        except WarehouseError as exc:  # the answer names the file, not its folder (errors.py)
            raise QueryRefused(str(exc), status=503) from None

    def run(
        self, sql: str, parameters: Mapping[str, Any] | None, row_limit: int | None = None
    ) -> bytes:
        """The JSON answer of one query (blocking), or QueryRefused."""
        statement = self.check(sql, parameters)
        limits = self.limits
        request = {
            "sql": statement,
            "parameters": dict(parameters or {}),
            "row_limit": min(row_limit or limits.row_limit, limits.row_limit),
            "byte_limit": limits.result_byte_limit,
            "time_limit": limits.time_limit_seconds,
        }
        self.start()
        try:
            worker = self._idle.get(timeout=limits.time_limit_seconds)
        except queue.Empty:
            raise self._busy(
                f"no query worker was free within {limits.time_limit_seconds:g} s (all "
                f"{limits.workers} are busy)"
            ) from None
        try:
            if self._closed:
                raise QueryRefused("the server is stopping", status=503)
            return worker.ask(request)
        finally:
            self._idle.put(worker)

    def start(self) -> None:
        """Start every worker not started yet (they warm up side by side, in the background)."""
        with self._start_lock:
            for worker in self._workers:
                if worker.starts == 0 and not self._closed:
                    worker.spawn()

    def _busy(self, why: str | None = None) -> QueryRefused:
        why = why or (
            f"all {self.limits.workers} query workers are busy and {self.limits.queue_limit} "
            "more queries are already waiting"
        )
        return QueryRefused(
            f"{why}: try again in a few seconds",
            status=503,
            retry_after=max(1, round(self.limits.time_limit_seconds)),
        )

    async def run_async(
        self, sql: str, parameters: Mapping[str, Any] | None, row_limit: int | None = None
    ) -> bytes:
        """run() on the pool's own threads; past workers + queue_limit waiting, 503 at once."""
        if not self._slots.acquire(blocking=False):
            raise self._busy()
        try:
            future = self._executor.submit(self.run, sql, parameters, row_limit)
        except RuntimeError:
            self._slots.release()
            raise QueryRefused("the server is stopping", status=503) from None
        future.add_done_callback(lambda _: self._slots.release())
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """End the workers (at server shutdown)."""
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        _end_processes(self._processes)


def _end_processes(processes: dict[int, subprocess.Popen]) -> None:
    for process in list(processes.values()):
        if process.poll() is None:
            with contextlib.suppress(OSError):
                process.send_signal(signal.SIGKILL)
    for process in list(processes.values()):
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        _close_pipes(process)
    processes.clear()


def _close_pipes(process: subprocess.Popen) -> None:
    for stream in (process.stdin, process.stdout):
        if stream:
            with contextlib.suppress(OSError):
                stream.close()


_live_pools: weakref.WeakSet[QueryPool] = weakref.WeakSet()


@atexit.register
def _end_all_pools() -> None:
    for pool in list(_live_pools):
        _end_processes(pool._processes)
