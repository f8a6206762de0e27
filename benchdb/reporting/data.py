"""Reading the warehouse for reports and charts: read-only, `$name` parameters, one-line errors.

Every query here reads the marts (core and `rpt_*`), never staging or sources. Selection checks
raise `ReportError` naming the value at fault and listing the valid ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from runners.errors import BenchdbError


class ReportError(BenchdbError):
    """A selection, metric, output path or SQL statement a report or chart cannot use."""


@dataclass(frozen=True)
class Metric:
    """One metric users ask for by name (throughput, latency, memory)."""

    name: str
    column: str  # the column charted and compared; rpt_best_results.metric
    label: str  # axis label with its unit
    higher_is_better: bool
    best_flag: str  # the comparison marts' column marking the best (measurements first)
    short_label: str  # for colour legends and table notes
    spread: tuple[str, str] | None = None  # (p90, p99) columns drawn as whiskers


METRICS: dict[str, Metric] = {
    "throughput": Metric(
        "throughput",
        "throughput_items_per_second",
        "Throughput (items/s), higher is better",
        True,
        "is_best_throughput",
        "Throughput (items/s)",
    ),
    "latency": Metric(
        "latency",
        "latency_p50_ms",
        "Latency p50 (ms), lower is better",
        False,
        "is_best_latency",
        "Latency p50 (ms)",
        ("latency_p90_ms", "latency_p99_ms"),
    ),
    "memory": Metric(
        "memory",
        "memory_peak_mb",
        "Peak memory (MiB), lower is better",
        False,
        "is_best_memory",
        "Peak memory (MiB)",
    ),
}


def metric(name: str) -> Metric:
    """The metric called `name`; an unknown name lists the valid ones."""
    try:
        return METRICS[name]
    except KeyError:
        raise ReportError(f"unknown metric '{name}': choose one of {', '.join(METRICS)}") from None


def sql_error_line(exc: Exception) -> str:
    """DuckDB's message on one line: its first paragraph (with any 'Did you mean' hint)."""
    paragraph = str(exc).strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines() if line.strip())


@contextmanager
def connect(db_path: Path) -> Iterator:
    """A read-only DuckDB connection to the warehouse; a missing file says to build first."""
    from benchdb.warehouse import connect_read_only

    con = connect_read_only(db_path)
    try:
        yield con
    finally:
        con.close()


def arrow(con, sql: str, params: Mapping[str, object] | None = None):
    """Run one statement with `$name` parameters bound by DuckDB; returns a pyarrow Table."""
    import duckdb
    import pyarrow as pa

    try:
        relation = con.sql(sql, params=dict(params or {}))
        return relation.to_arrow_table() if relation is not None else pa.table({})
    except duckdb.Error as exc:
        raise ReportError(f"query failed: {sql_error_line(exc)}") from None


def frame(con, sql: str, params: Mapping[str, object] | None = None):
    """Like `arrow`, as a pandas DataFrame (what the charts take)."""
    import duckdb

    try:
        return con.sql(sql, params=dict(params or {})).df()
    except duckdb.Error as exc:
        raise ReportError(f"query failed: {sql_error_line(exc)}") from None


def query_table(db_path: Path, sql: str, params: Mapping[str, object] | None = None):
    """`benchdb query` in Python: read-only, parameters bound, a pyarrow Table back."""
    with connect(db_path) as con:
        return arrow(con, sql, params)


def _listing(values: list[str], limit: int = 30) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" ... ({len(values)} in all)" if len(values) > limit else "")


def measured_models(con) -> list[str]:
    """Models with at least one completed result (measured or simulated)."""
    rows = con.sql(
        "select distinct model_name from rpt_latest_results "
        "where status = 'completed' order by model_name"
    ).fetchall()
    return [r[0] for r in rows]


def measured_hardware(con) -> list[str]:
    """Hardware types with at least one completed result."""
    rows = con.sql(
        "select distinct hardware_type from rpt_latest_results "
        "where status = 'completed' order by hardware_type"
    ).fetchall()
    return [r[0] for r in rows]


def check_model(con, name: str) -> str:
    """`name` when it has completed results; otherwise an error listing the models that do."""
    valid = measured_models(con)
    if name in valid:
        return name
    if not valid:
        raise ReportError("the warehouse has no completed results yet: run `benchdb run` first")
    known = con.sql("select 1 from models where model_name = $m", params={"m": name}).fetchall()
    why = "has no completed results" if known else "is not in the warehouse"
    raise ReportError(f"model '{name}' {why}; models with results: {_listing(valid)}")


def check_hardware(con, hardware_type: str) -> str:
    """`hardware_type` when it has completed results; otherwise an error listing those that do."""
    valid = measured_hardware(con)
    if hardware_type in valid:
        return hardware_type
    if not valid:
        raise ReportError("the warehouse has no completed results yet: run `benchdb run` first")
    raise ReportError(
        f"hardware '{hardware_type}' has no completed results; "
        f"hardware types with results: {', '.join(valid)}"
    )


def narrowed_to(
    model_names: list[str] | None = None, hardware_types: list[str] | None = None
) -> tuple[str, dict]:
    """The `and ...` SQL keeping only `model_names` and `hardware_types` (each where given), and
    its parameters ($models, $hardware_types)."""
    sql, params = "", {}
    if model_names:
        sql += " and list_contains($models, model_name)"
        params["models"] = list(model_names)
    if hardware_types:
        sql += " and list_contains($hardware_types, hardware_type)"
        params["hardware_types"] = list(hardware_types)
    return sql, params


def check_models(con, names: list[str]) -> list[str]:
    """For a list of models (heatmap, model comparison): the ones with results. A model the
    warehouse knows but never measured is left out; an unknown one, or none with results, is an
    error naming them."""
    valid = set(measured_models(con))
    known = {r[0] for r in con.sql("select model_name from models").fetchall()} | valid
    unknown = [n for n in names if n not in known]
    if unknown:
        check_model(con, unknown[0])  # raises, listing the models with results
    kept = [n for n in names if n in valid]
    if not kept:
        check_model(con, names[0])
    return kept


def check_hardware_list(con, hardware_types: list[str]) -> list[str]:
    """For a list of hardware types: the ones with results; a known type with none is left out,
    an unknown one (or none with results) is an error."""
    from runners.hardware import KNOWN_HARDWARE

    valid = set(measured_hardware(con))
    unknown = [h for h in hardware_types if h not in valid and h not in KNOWN_HARDWARE]
    if unknown:
        check_hardware(con, unknown[0])
    kept = [h for h in hardware_types if h in valid]
    if not kept:
        check_hardware(con, hardware_types[0])
    return kept


def default_model(con, kind: str | None = None) -> str | None:
    """The model measured on the most hardware types, then in the most configurations; of
    one benchmark kind (forward, generate) when `kind` is given (the forward marts' charts)."""
    row = con.sql(
        """
        select model_name
        from rpt_latest_results
        where
            status = 'completed'
            and ($kind is null or coalesce(benchmark_kind, 'forward') = $kind)
        group by model_name
        order by
            count(distinct hardware_type) desc,
            count(*) desc,
            count_if(not is_simulated) desc,
            model_name
        limit 1
        """,
        params={"kind": kind},
    ).fetchall()
    return row[0][0] if row else None


def default_hardware(con) -> str | None:
    """The hardware type with the most measured (not simulated) models, then configurations."""
    row = con.sql(
        """
        select hardware_type
        from rpt_latest_results
        where status = 'completed'
        group by hardware_type
        order by
            count(distinct model_name) filter (where not is_simulated) desc,
            count(distinct model_name) desc,
            count(*) desc,
            hardware_type
        limit 1
        """
    ).fetchall()
    return row[0][0] if row else None


def check_output_file(
    path: Path, suffixes: tuple[str, ...] = (), *, folder: bool | None = False
) -> Path:
    """`path` when an output can be written there; otherwise a `ReportError`, one line naming
    the path and why. Every command checks its output with this before any work starts.

    folder=False: a file, whose name ends in one of `suffixes` (when given); True: a folder
    (created later if missing); None: either. The path's folder must exist, be a folder and
    accept new files (tried by creating and removing a hidden file: permissions, read-only file
    systems and places such as /proc that accept none all answer the same way); an existing
    file must open for writing; an existing folder must accept new files.
    """
    import errno
    import os
    import stat
    import tempfile

    path = Path(path)
    place = Path(os.path.abspath(path))

    def why(exc: OSError) -> str:
        return exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))

    def accepts_files(where: Path) -> OSError | None:
        try:
            handle, name = tempfile.mkstemp(prefix=".benchdb-write-check-", dir=where)
        except OSError as exc:
            return exc
        os.close(handle)
        os.unlink(name)
        return None

    try:
        mode = place.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {why(exc)}") from None
    if folder is False and mode is not None and stat.S_ISDIR(mode):
        raise ReportError(f"output {path} is a folder, not a file")
    if folder is False and suffixes and path.suffix.lower() not in suffixes:
        raise ReportError(f"output file {path}: the name must end in {' or '.join(suffixes)}")
    if mode is not None:
        if stat.S_ISDIR(mode):
            refused = accepts_files(place)
            if refused:
                raise ReportError(f"output folder {path} accepts no new files ({why(refused)})")
        elif folder is True:
            raise ReportError(f"output {path} is a file, not a folder")
        elif stat.S_ISREG(mode):
            try:
                with open(place, "ab"):  # opened, not written: the file is unchanged
                    pass
            except OSError as exc:
                raise ReportError(f"cannot write {path}: {why(exc)}") from None
        return path
    parent = place.parent
    shown = path.parent if str(path.parent) != "." else parent
    try:
        parent_mode = parent.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise ReportError(f"output folder {shown} does not exist (for {path})") from None
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {why(exc)}") from None
    if not stat.S_ISDIR(parent_mode):
        raise ReportError(f"output folder {shown} is a file, not a folder (for {path})")
    refused = accepts_files(parent)
    if refused:
        raise ReportError(
            f"cannot write {path}: output folder {shown} accepts no new files ({why(refused)})"
        )
    return path
