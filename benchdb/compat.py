"""The old system's Python API, on the new warehouse.

    from runners import BenchmarkDBAPI, BenchmarkRunner, BenchmarkDBMaintenance

Writes go to the landing zone: every `store_*` call validates its input, writes one immutable
Parquet file (and a `test_runs` row, so relationships hold) and returns the new id. Reads come
from the marts of the last complete build; `refresh()` rebuilds, and reads rebuild by themselves
when the landing zone holds files the warehouse has not seen (`auto_refresh=True`).

`BenchmarkRunner` measures for real through runners/benchmark.py; hardware this host lacks
becomes a row with status `unavailable`, never an invented number. This module imports nothing
from DuckDB at import time, so the runner works on a hardware host without the warehouse extra.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from benchdb import paths as benchdb_paths
from benchdb import simulation
from runners import landing, paths
from runners.errors import BenchdbError, CatalogError, ConfigurationError, WarehouseError
from runners.hardware import KNOWN_HARDWARE
from runners.timing import TimingSettings

# the timing BenchmarkRunner uses unless given its own (tests make it small)
DEFAULT_TIMING = TimingSettings()

PRECISIONS = ("fp32", "fp16", "bf16", "int8", "int4", "mixed")
RESULT_STATUSES = ("completed", "failed", "oom", "timeout", "unsupported", "unavailable")
INTEGRATION_STATUSES = ("pass", "fail", "error", "skip")

# old argument names -> landing columns
OLD_NAMES = {
    "throughput": "throughput_items_per_second",
    "latency_avg": "latency_mean_ms",
    "average_latency_ms": "latency_mean_ms",
    "latency_ms": "latency_mean_ms",
    "latency_p50": "latency_p50_ms",
    "latency_p90": "latency_p90_ms",
    "latency_p95": "latency_p95_ms",
    "latency_p99": "latency_p99_ms",
    "memory_peak": "memory_peak_mb",
    "total_time_seconds": "total_seconds",
    "created_at": "measured_at",
    "device": "device",
}
# metric words of get_performance_comparison -> mart columns
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

# ---------------------------------------------------------------------------------------------
# validation: pure functions, one error naming the field and the value
# ---------------------------------------------------------------------------------------------


def _merge(record: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """store_x({...}) and store_x(a=1, ...) both work; a dict plus keywords merges them."""
    if record is not None and not isinstance(record, Mapping):
        raise ConfigurationError(
            f"expected one dict or keyword arguments, got {type(record).__name__}"
        )
    merged = dict(record or {})
    merged.update(kwargs)
    return merged


def _number(name: str, value: Any, minimum: float | None = None, strict_min: bool = False):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"field '{name}' must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ConfigurationError(f"field '{name}' must be a finite number, got {value!r}")
    if minimum is not None and (value <= minimum if strict_min else value < minimum):
        relation = ">" if strict_min else ">="
        raise ConfigurationError(f"field '{name}' must be {relation} {minimum:g}, got {value:g}")
    return value


def _integer(name: str, value: Any, minimum: int | None = None):
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"field '{name}' must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"field '{name}' must be >= {minimum}, got {value}")
    return value


def _text(name: str, value: Any, required: bool = False, choices: Sequence[str] | None = None):
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigurationError(f"field '{name}' is required")
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"field '{name}' must be text, got {value!r}")
    value = value.strip()
    if choices is not None and value not in choices:
        raise ConfigurationError(
            f"field '{name}' must be one of {', '.join(choices)}, got {value!r}"
        )
    return value


def _boolean(name: str, value: Any, required: bool = False):
    if value is None:
        if required:
            raise ConfigurationError(f"field '{name}' is required")
        return None
    if not isinstance(value, bool):
        raise ConfigurationError(f"field '{name}' must be true or false, got {value!r}")
    return value


def _timestamp(name: str, value: Any) -> datetime:
    if value is None:
        return landing.utc_now()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigurationError(
                f"field '{name}' must be an ISO 8601 timestamp, got {value!r}"
            ) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise ConfigurationError(f"field '{name}' must be a timestamp, got {value!r}")
    if value.tzinfo is None:  # naive times are taken as UTC, as the landing contract says
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _json_text(name: str, value: Any):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError:
            raise ConfigurationError(f"field '{name}' must be JSON, got {value[:60]!r}") from None
        return value
    try:
        return json.dumps(value, default=str, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"field '{name}' cannot be stored as JSON: {exc}") from None


def _check_unknown(record: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    unknown = sorted(set(record) - set(allowed))
    if unknown:
        raise ConfigurationError(
            f"{what}: unknown field(s) {', '.join(repr(u) for u in unknown)}; "
            f"accepted: {', '.join(sorted(allowed))}"
        )


def _catalog_facts(model_name: str) -> dict[str, str]:
    """Family and modality from the catalog when it knows the model (else empty)."""
    from runners.catalog import load_catalog

    try:
        spec = load_catalog().get(model_name)
    except CatalogError:
        return {}
    return {"model_family": spec.model_family, "modality": spec.modality} if spec else {}


_PERF_FLOAT_FIELDS = {
    # name: (minimum, strictly greater)
    "latency_mean_ms": (0.0, True),
    "latency_p50_ms": (0.0, True),
    "latency_p90_ms": (0.0, True),
    "latency_p95_ms": (0.0, True),
    "latency_p99_ms": (0.0, True),
    "latency_min_ms": (0.0, True),
    "latency_max_ms": (0.0, True),
    "latency_stdev_ms": (0.0, False),
    "throughput_items_per_second": (0.0, True),
    "throughput_tokens_per_second": (0.0, True),
    "memory_peak_mb": (0.0, False),
    "memory_reserved_mb": (0.0, False),
    "model_build_seconds": (0.0, False),
    "warmup_seconds": (0.0, False),
    "timed_seconds": (0.0, False),
    "total_seconds": (0.0, False),
    "device_memory_gb": (0.0, False),
    "audio_seconds": (0.0, True),
    "min_duration_seconds": (0.0, False),
}
_PERF_INT_FIELDS = {
    "batch_size": 1,
    "sequence_length": 1,
    "image_size": 1,
    "iterations": 0,
    "warmup_iterations": 0,
    "min_iterations": 0,
    "parameter_count": 0,
    "device_compute_units": 0,
    "num_threads": 1,
}
_PERF_TEXT_FIELDS = (
    "model_family",
    "modality",
    "weights_source",
    "device",
    "device_name",
    "error_type",
    "error_message",
    "simulation_reason",
    "simulation_method",
    "memory_method",
    "host",
    "os",
    "python_version",
    "torch_version",
    "transformers_version",
    "cuda_version",
    "rocm_version",
    "driver_version",
    "cpu_model",
)
METRIC_FIELDS = (
    "latency_mean_ms",
    "latency_p50_ms",
    "throughput_items_per_second",
    "memory_peak_mb",
)
PERFORMANCE_FIELDS = (
    "model_name",
    "hardware_type",
    "precision",
    "status",
    "is_simulated",
    "measured_at",
    "latencies_ms",
    "input_shapes",
    *_PERF_FLOAT_FIELDS,
    *_PERF_INT_FIELDS,
    *_PERF_TEXT_FIELDS,
)


def validate_performance(record: Mapping[str, Any]) -> dict[str, Any]:
    """One performance result (old or new field names) -> a benchmark_results landing row."""
    renamed: dict[str, Any] = {}
    for key, value in record.items():
        target = OLD_NAMES.get(key, key)
        if target in renamed and key != target:
            raise ConfigurationError(f"field '{key}' and '{target}' both given: pass one")
        renamed[target] = value
    _check_unknown(renamed, [*PERFORMANCE_FIELDS, *OLD_NAMES], "performance result")
    row: dict[str, Any] = {
        "model_name": _text("model_name", renamed.get("model_name"), required=True),
        "hardware_type": _text(
            "hardware_type", renamed.get("hardware_type"), required=True, choices=KNOWN_HARDWARE
        ),
        "precision": _text("precision", renamed.get("precision") or "fp32", choices=PRECISIONS),
        "measured_at": _timestamp("measured_at", renamed.get("measured_at")),
    }
    if renamed.get("batch_size") is None:
        raise ConfigurationError("field 'batch_size' is required")
    for name, minimum in _PERF_INT_FIELDS.items():
        row[name] = _integer(name, renamed.get(name), minimum)
    for name, (minimum, strict) in _PERF_FLOAT_FIELDS.items():
        row[name] = _number(name, renamed.get(name), minimum, strict)
    for name in _PERF_TEXT_FIELDS:
        row[name] = _text(name, renamed.get(name))
    latencies = renamed.get("latencies_ms")
    if latencies is not None:
        if isinstance(latencies, (str, bytes)) or not isinstance(latencies, Sequence):
            raise ConfigurationError("field 'latencies_ms' must be a list of numbers")
        row["latencies_ms"] = [_number("latencies_ms", v, 0.0, True) for v in latencies]
    row["input_shapes"] = _json_text("input_shapes", renamed.get("input_shapes"))
    has_metric = any(row.get(m) is not None for m in METRIC_FIELDS) or bool(row.get("latencies_ms"))
    status = _text("status", renamed.get("status"), choices=RESULT_STATUSES)
    if status is None:
        if not has_metric:
            raise ConfigurationError(
                "a performance result needs a metric (throughput, latency_avg, memory_peak ...) "
                "or a status with an error_message"
            )
        status = "completed"
    if status != "completed" and not row.get("error_message"):
        raise ConfigurationError(f"field 'error_message' is required when status is '{status}'")
    row["status"] = status
    row["is_simulated"] = bool(_boolean("is_simulated", renamed.get("is_simulated")))
    if row["is_simulated"] and not row.get("simulation_reason"):
        raise ConfigurationError("field 'simulation_reason' is required when is_simulated is true")
    if not row["is_simulated"] and (row.get("simulation_reason") or row.get("simulation_method")):
        raise ConfigurationError("field 'simulation_reason' was given but is_simulated is not true")
    if row["latency_mean_ms"] is None and row.get("latencies_ms"):
        row["latency_mean_ms"] = sum(row["latencies_ms"]) / len(row["latencies_ms"])
    if row["throughput_items_per_second"] is None and row["latency_mean_ms"]:
        row["throughput_items_per_second"] = row["batch_size"] * 1000.0 / row["latency_mean_ms"]
    for key, value in _catalog_facts(row["model_name"]).items():
        row[key] = row.get(key) or value
    return {k: v for k, v in row.items() if v is not None}


def validate_compatibility(record: Mapping[str, Any]) -> dict[str, Any]:
    allowed = (
        "model_name",
        "hardware_type",
        "device_name",
        "is_compatible",
        "detection_success",
        "initialization_success",
        "error_message",
        "error_type",
        "suggested_fix",
        "workaround_available",
        "compatibility_score",
        "metadata",
        "is_simulated",
        "simulation_reason",
        "tested_at",
        "host",
        "model_family",
        "modality",
    )
    _check_unknown(record, allowed, "compatibility result")
    row: dict[str, Any] = {
        "model_name": _text("model_name", record.get("model_name"), required=True),
        "hardware_type": _text(
            "hardware_type", record.get("hardware_type"), required=True, choices=KNOWN_HARDWARE
        ),
        "is_compatible": _boolean("is_compatible", record.get("is_compatible"), required=True),
        "tested_at": _timestamp("tested_at", record.get("tested_at")),
        "metadata": _json_text("metadata", record.get("metadata")),
        "is_simulated": bool(_boolean("is_simulated", record.get("is_simulated"))),
    }
    for name in ("detection_success", "initialization_success", "workaround_available"):
        row[name] = _boolean(name, record.get(name))
    for name in (
        "device_name",
        "error_message",
        "error_type",
        "suggested_fix",
        "simulation_reason",
        "host",
        "model_family",
        "modality",
    ):
        row[name] = _text(name, record.get(name))
    score = _number("compatibility_score", record.get("compatibility_score"), 0.0)
    if score is not None and score > 1.0:
        raise ConfigurationError(
            f"field 'compatibility_score' must be between 0 and 1, got {score:g}"
        )
    row["compatibility_score"] = score
    if row["is_simulated"] and not row["simulation_reason"]:
        raise ConfigurationError("field 'simulation_reason' is required when is_simulated is true")
    for key, value in _catalog_facts(row["model_name"]).items():
        row[key] = row.get(key) or value
    return {k: v for k, v in row.items() if v is not None}


def validate_integration(record: Mapping[str, Any]) -> dict[str, Any]:
    allowed = (
        "test_module",
        "test_class",
        "test_name",
        "status",
        "execution_time_seconds",
        "model_name",
        "hardware_type",
        "device_name",
        "error_message",
        "error_traceback",
        "metadata",
        "executed_at",
        "host",
        "assertions",
    )
    _check_unknown(record, allowed, "integration test result")
    status = _text("status", record.get("status"), required=True)
    status = {"passed": "pass", "failed": "fail", "skipped": "skip"}.get(status, status)
    row: dict[str, Any] = {
        "test_module": _text("test_module", record.get("test_module"), required=True),
        "test_name": _text("test_name", record.get("test_name"), required=True),
        "status": _text("status", status, choices=INTEGRATION_STATUSES),
        "executed_at": _timestamp("executed_at", record.get("executed_at")),
        "execution_time_seconds": _number(
            "execution_time_seconds", record.get("execution_time_seconds"), 0.0
        ),
        "hardware_type": _text(
            "hardware_type", record.get("hardware_type"), choices=KNOWN_HARDWARE
        ),
        "metadata": _json_text("metadata", record.get("metadata")),
    }
    for name in (
        "test_class",
        "model_name",
        "device_name",
        "error_message",
        "error_traceback",
        "host",
    ):
        row[name] = _text(name, record.get(name))
    assertions = record.get("assertions")
    if assertions is not None:
        if isinstance(assertions, (str, bytes, Mapping)) or not isinstance(assertions, Sequence):
            raise ConfigurationError("field 'assertions' must be a list of objects")
        checked = []
        for i, item in enumerate(assertions):
            if not isinstance(item, Mapping):
                raise ConfigurationError(f"field 'assertions[{i}]' must be an object")
            _check_unknown(
                item,
                ("assertion_name", "passed", "expected_value", "actual_value", "message"),
                f"assertions[{i}]",
            )
            checked.append(
                {
                    "assertion_name": _text(
                        f"assertions[{i}].assertion_name",
                        item.get("assertion_name"),
                        required=True,
                    ),
                    "passed": _boolean(
                        f"assertions[{i}].passed", item.get("passed"), required=True
                    ),
                    "expected_value": _stringify(item.get("expected_value")),
                    "actual_value": _stringify(item.get("actual_value")),
                    "message": _text(f"assertions[{i}].message", item.get("message")),
                }
            )
        row["assertions"] = checked
    return {k: v for k, v in row.items() if v is not None}


def _stringify(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, default=str)


# ---------------------------------------------------------------------------------------------
# SQL the Python API and the REST API share (pure: they return text and parameters)
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
# one configuration, for "latest": simulated estimates never hide a measurement
CONFIGURATION_KEY = (
    "model_name",
    "hardware_type",
    "device_name",
    "batch_size",
    "sequence_length",
    "image_size",
    "audio_seconds",
    "precision",
    "is_simulated",
)


def performance_where(
    model_name: str | None = None,
    hardware_type: str | None = None,
    batch_size: int | None = None,
    precision: str | None = None,
    status: str | None = "completed",
) -> tuple[str, dict[str, Any]]:
    """`where ...` over the given filters (None = no filter), values bound as $parameters."""
    filters, params = [], {}
    for column, value in (
        ("model_name", model_name),
        ("hardware_type", hardware_type),
        ("batch_size", batch_size),
        ("precision", precision),
        ("status", status),
    ):
        if value is not None:
            filters.append(f"{column} = ${column}")
            params[column] = value
    return (f"where {' and '.join(filters)}" if filters else ""), params


PERFORMANCE_ORDER = (
    "model_name, hardware_type, device_name, precision, batch_size, sequence_length, "
    "is_simulated, created_at desc"
)


def performance_sql(
    model_name: str | None = None,
    hardware_type: str | None = None,
    batch_size: int | None = None,
    precision: str | None = None,
    latest_only: bool = True,
    status: str | None = "completed",
    limit: int | None = None,
    source: str = "performance_results",
) -> tuple[str, dict[str, Any]]:
    """SQL for get_performance_metrics and GET /performance: filters bound as $parameters.

    `source` is the relation read (the mart, or a table holding the same columns)."""
    where, params = performance_where(model_name, hardware_type, batch_size, precision, status)
    latest = (
        f"qualify row_number() over (partition by {', '.join(CONFIGURATION_KEY)} "
        "order by created_at desc, result_id desc) = 1"
        if latest_only
        else ""
    )
    sql = (
        f"select {', '.join(PERFORMANCE_COLUMNS)} from {source} {where} {latest} "
        f"order by {PERFORMANCE_ORDER}"
    )
    if limit is not None:
        sql += f" limit {int(limit)}"
    return sql, params


def comparison_sql(model_name: str, metric: str = "throughput") -> tuple[str, dict[str, Any]]:
    """The latest completed results of one model, hardware side by side, for one metric."""
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


# strings and comments are matched (and kept) first, so ':x' inside them is left alone
_COLON_PARAMETER = re.compile(
    r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/|(?<![:\w$]):([A-Za-z_]\w*)\b(?!:)", re.DOTALL
)


def bind_style(sql: str, parameters: Mapping[str, Any] | Sequence[Any] | None):
    """The old API wrote `:name`; DuckDB binds `$name`. Rewrite `:name` for given names only."""
    if not isinstance(parameters, Mapping) or not parameters:
        return sql
    names = set(parameters)
    return _COLON_PARAMETER.sub(
        lambda m: f"${m.group(1)}" if m.group(1) in names else m.group(0), sql
    )


def mart_exists(con, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'main' and table_name = $name",
        {"name": name},
    ).fetchone()[0]
    return bool(found)


def mart_columns(con, name: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'main' and table_name = $name order by ordinal_position",
            {"name": name},
        ).fetchall()
    ]


class MissingMartError(WarehouseError):
    """A mart another part of the project builds is not in this warehouse yet."""

    def __init__(self, mart: str, provided_by: str):
        self.mart = mart
        self.provided_by = provided_by
        super().__init__(
            f"the warehouse has no '{mart}' table yet ({provided_by}); "
            "run `benchdb build` once its models exist"
        )


# which part of the project builds each optional mart
OPTIONAL_MARTS = {
    "hardware_compatibility": "built from legacy JSON and API-stored compatibility results",
    "integration_test_results": "built from legacy JSON and API-stored integration results",
    "missing_benchmarks": "a planning view (incremental benchmarking)",
    "outdated_benchmarks": "a planning view (incremental benchmarking)",
    "priority_benchmarks": "a planning view (incremental benchmarking)",
}


def compatibility_sql(con, model_name=None, hardware_type=None) -> tuple[str, dict]:
    if not mart_exists(con, "hardware_compatibility"):
        raise MissingMartError("hardware_compatibility", OPTIONAL_MARTS["hardware_compatibility"])
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
    filters, params = [], {}
    if model_name is not None:
        filters.append(f"{model_col} = $model_name")
        params["model_name"] = model_name
    if hardware_type is not None:
        filters.append(f"{hw_col} = $hardware_type")
        params["hardware_type"] = hardware_type
    select = ", ".join([*names, "hc.*"])
    where = f"where {' and '.join(filters)}" if filters else ""
    return (
        f"select {select} from hardware_compatibility hc {' '.join(joins)} {where} "
        f"order by {model_col}, {hw_col}",
        params,
    )


def integration_summary_sql(con) -> tuple[str, dict]:
    if not mart_exists(con, "integration_test_results"):
        raise MissingMartError(
            "integration_test_results", OPTIONAL_MARTS["integration_test_results"]
        )
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
# BenchmarkDBAPI
# ---------------------------------------------------------------------------------------------


def _newest_landing_mtime(landing_root: Path) -> float:
    newest = 0.0
    if not landing_root.exists():
        return newest
    for path in landing_root.glob("*/run_date=*/*.parquet"):
        try:
            newest = max(newest, path.stat().st_mtime)
        except OSError:
            continue
    return newest


class BenchmarkDBAPI:
    """Store results (into the landing zone) and read them (from the marts).

    `db_path` defaults to BENCHMARK_DB_PATH, `data_dir` (the landing zone's root) to
    BENCHMARK_DATA_DIR. With `auto_refresh` (the default), a read first rebuilds the warehouse
    when results were landed after its last build, so what you stored is what you read.
    """

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        auto_refresh: bool = True,
    ) -> None:
        self.db_path = Path(db_path).resolve() if db_path else benchdb_paths.db_path()
        self.data_dir = Path(data_dir).resolve() if data_dir else paths.data_dir()
        self.auto_refresh = auto_refresh
        self._built_after = 0.0

    @property
    def landing_root(self) -> Path:
        return self.data_dir / "landing"

    # -- writes ------------------------------------------------------------------------------

    def _land(
        self,
        kind: str,
        row: dict,
        id_field: str,
        test_type: str,
        test_name: str,
        when: datetime,
        run_id: str | None = None,
    ) -> str:
        run_id = run_id or landing.new_run_id()
        row_id = landing.derived_id(run_id, kind, 0)
        row = {id_field: row_id, "run_id": run_id, **row}
        landing.ensure_writable(self.landing_root)
        completed = row.get("status") in (None, "completed", "pass")
        run_row = {
            "run_id": run_id,
            "test_name": test_name,
            "test_type": test_type,
            "started_at": when,
            "completed_at": when,
            "execution_time_seconds": 0.0,
            "success": completed,
            "configurations_total": 1,
            "configurations_completed": 1 if completed else 0,
            "configurations_failed": 0 if completed else 1,
            "host": socket.gethostname(),
            "command_line": f"benchdb.compat {test_name}",
            "metadata": json.dumps({"stored_through": "BenchmarkDBAPI", "kind": kind}),
        }
        # the run first: a result file never points at a run that was not landed
        landing.write_rows(self.landing_root, "test_runs", [run_row], run_id, when)
        landing.write_rows(self.landing_root, kind, [row], run_id, when)
        return row_id

    def store_performance_result(self, result: Mapping[str, Any] | None = None, **kwargs) -> str:
        """Validate one performance result and land it; returns its result_id.

        Accepts one dict or keyword arguments, with the old names (throughput, latency_avg,
        memory_peak) or the warehouse's (throughput_items_per_second, latency_mean_ms,
        memory_peak_mb, latency_p50_ms ...).
        """
        row = validate_performance(_merge(result, kwargs))
        row.setdefault("weights_source", "reported")
        return self._land(
            "benchmark_results",
            row,
            "result_id",
            "performance",
            "store_performance_result",
            landing.utc_now(),
        )

    def store_compatibility_result(self, result: Mapping[str, Any] | None = None, **kwargs) -> str:
        """Validate one hardware compatibility result and land it; returns its compatibility_id."""
        row = validate_compatibility(_merge(result, kwargs))
        return self._land(
            "compatibility_results",
            row,
            "compatibility_id",
            "compatibility",
            "store_compatibility_result",
            landing.utc_now(),
        )

    def store_integration_test_result(
        self, result: Mapping[str, Any] | None = None, **kwargs
    ) -> str:
        """Validate one integration test result (with its assertions) and land it."""
        row = validate_integration(_merge(result, kwargs))
        run_id = landing.new_run_id()
        for i, assertion in enumerate(row.get("assertions", [])):
            assertion["assertion_id"] = landing.derived_id(run_id, "assertion", i)
        return self._land(
            "integration_results",
            row,
            "test_result_id",
            "integration",
            "store_integration_test_result",
            landing.utc_now(),
            run_id,
        )

    # -- reads -------------------------------------------------------------------------------

    def is_stale(self) -> bool:
        """True when the landing zone holds files newer than the warehouse's last build."""
        if not self.db_path.exists():
            return True
        built = max(self._built_after, self.db_path.stat().st_mtime)
        return _newest_landing_mtime(self.landing_root) > built

    def refresh(self, echo=None) -> dict[str, int]:
        """Rebuild the warehouse from the landing zone (dbt build); returns mart row counts."""
        from benchdb import warehouse

        started = time.time()
        counts = warehouse.build(self.db_path, self.data_dir, echo=echo)
        self._built_after = started
        return counts

    def _connect(self):
        from benchdb import warehouse

        if self.auto_refresh and self.is_stale():
            self.refresh()
        return warehouse.connect_read_only(self.db_path)

    def _frame(self, sql: str, parameters=None):
        import duckdb

        with self._connect() as con:
            try:
                return con.execute(sql, parameters if parameters else None).df()
            except duckdb.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise WarehouseError(f"query failed: {first}") from None

    def query(self, sql: str, parameters: Mapping[str, Any] | Sequence[Any] | None = None):
        """Run one read-only SQL statement; `$name` parameters from a dict (`?` from a list).

        The old API's `:name` placeholders are rewritten to `$name` for the names given.
        Returns a pandas DataFrame.
        """
        return self._frame(bind_style(sql, parameters), parameters)

    def get_performance_metrics(
        self,
        model_name: str | None = None,
        hardware_type: str | None = None,
        batch_size: int | None = None,
        precision: str | None = None,
        latest_only: bool = True,
        status: str | None = "completed",
    ):
        """Performance results, newest per configuration when latest_only (a DataFrame)."""
        sql, params = performance_sql(
            model_name, hardware_type, batch_size, precision, latest_only, status
        )
        return self._frame(sql, params)

    def get_performance_comparison(self, model_name: str, metric: str = "throughput"):
        """One model's latest completed results, hardware side by side, for one metric."""
        sql, params = comparison_sql(model_name, metric)
        return self._frame(sql, params)

    def get_model_hardware_compatibility(
        self, model_name: str | None = None, hardware_type: str | None = None
    ):
        with self._connect() as con:
            sql, params = compatibility_sql(con, model_name, hardware_type)
        return self._frame(sql, params)

    def get_integration_test_summary(self):
        with self._connect() as con:
            sql, params = integration_summary_sql(con)
        return self._frame(sql, params)

    def get_hardware_list(self):
        return self._frame("select * from hardware_platforms order by hardware_type, device_name")

    def get_model_list(self):
        return self._frame("select * from models order by model_name")


# ---------------------------------------------------------------------------------------------
# BenchmarkRunner
# ---------------------------------------------------------------------------------------------


def resolve_model_name(name: str, catalog: Mapping[str, Any]) -> str:
    """A catalog name, or the one catalog model a short old name clearly means.

    'vit-base' -> 'vit-base-patch16-224' (the only name starting 'vit-base-'), 'bert-tiny' ->
    'prajjwal1/bert-tiny' (the part after the owner). Anything else unknown raises with the
    closest names.
    """
    if name in catalog:
        return name
    candidates = sorted(
        m for m in catalog if m.startswith(f"{name}-") or m.split("/", 1)[-1] == name
    )
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise CatalogError(
            f"model '{name}' is ambiguous: it could be {', '.join(candidates)}; name one"
        )
    from runners.catalog import resolve_models

    resolve_models([name], catalog)  # raises with suggestions
    raise CatalogError(f"unknown model '{name}'")  # pragma: no cover


@dataclass
class _Pending:
    """A run_single_benchmark result's hardware detection, landed with the result."""

    events: list[dict]


class BenchmarkRunner:
    """Measure models on this host and land the results (the old run_benchmark_with_db).

    Nothing is invented: configurations on hardware this host lacks come back as rows with
    status `unavailable` and the detection's reason. `use_simulation` / `force_simulation` ask
    for the runner's roofline estimate instead (runners/simulation.py): a row flagged
    `is_simulated` with its reason and method, never mistaken for a measurement.
    """

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        timing: TimingSettings | None = None,
        weights_dir: str | os.PathLike | None = None,
    ) -> None:
        self.db_path = Path(db_path).resolve() if db_path else benchdb_paths.db_path()
        self.data_dir = Path(data_dir).resolve() if data_dir else paths.data_dir()
        self.timing = timing
        self.weights_dir = Path(weights_dir) if weights_dir else None
        self.resolved_names: dict[str, str] = {}
        self._pending: dict[str, _Pending] = {}

    @property
    def landing_root(self) -> Path:
        return self.data_dir / "landing"

    def _settings(self) -> TimingSettings:
        return self.timing or DEFAULT_TIMING

    def _specs(self, model_names: Iterable[str]):
        from runners.catalog import load_catalog

        catalog = load_catalog()
        specs = []
        for name in model_names:
            resolved = resolve_model_name(name, catalog)
            if resolved != name:
                self.resolved_names[name] = resolved
                warnings.warn(
                    f"model '{name}' is not a catalog name; using '{resolved}'", stacklevel=3
                )
            specs.append(catalog[resolved])
        return specs

    def run_single_benchmark(
        self,
        model_name: str,
        hardware_type: str,
        batch_size: int,
        sequence_length: int = 128,
        use_simulation: bool = False,
        precision: str = "fp32",
    ) -> dict:
        """Measure one configuration now; returns its row (not yet stored: see
        store_benchmark_result)."""
        from runners import benchmark
        from runners.hardware import detect

        (spec,) = self._specs([model_name])
        (config,) = benchmark.expand_configs(
            [spec], [hardware_type], [precision], [batch_size], [sequence_length]
        )
        run_id = landing.new_run_id()
        detection = detect(hardware_type)
        ctx = benchmark.RunContext(
            run_id,
            self._settings(),
            {hardware_type: detection},
            self.weights_dir,
            socket.gethostname(),
            # unavailable hardware: a flagged roofline estimate (issue 4) instead of a skip
            estimator=simulation.estimator(),
            estimate_unavailable=use_simulation,
        )
        row = benchmark.run_configuration(config, ctx)
        self._pending[run_id] = _Pending(
            benchmark.detection_events(run_id, [detection], ctx.host or "")
        )
        return row

    def store_benchmark_result(self, result: Mapping[str, Any]) -> bool:
        """Land a row from run_single_benchmark (and its hardware detection); True when written.

        Storing the same result twice is an error: landed files are never rewritten.
        """
        row = dict(result)
        missing = [k for k in ("result_id", "run_id", "model_name", "status") if not row.get(k)]
        if missing:
            raise ConfigurationError(
                f"not a run_single_benchmark result: missing {', '.join(missing)}"
            )
        run_id = row["run_id"]
        when = row.get("measured_at") or landing.utc_now()
        landing.ensure_writable(self.landing_root)
        pending = self._pending.pop(run_id, None)
        if pending:
            landing.write_rows(self.landing_root, "hardware_events", pending.events, run_id, when)
        completed = row["status"] == "completed"
        failed = row["status"] in ("failed", "oom", "timeout")
        landing.write_rows(
            self.landing_root,
            "test_runs",
            [
                {
                    "run_id": run_id,
                    "test_name": "BenchmarkRunner.run_single_benchmark",
                    "test_type": "performance",
                    "started_at": when,
                    "completed_at": landing.utc_now(),
                    "execution_time_seconds": row.get("total_seconds"),
                    "success": not failed,
                    "configurations_total": 1,
                    "configurations_completed": int(completed),
                    "configurations_failed": int(failed),
                    "host": row.get("host"),
                    "command_line": "benchdb.compat BenchmarkRunner.run_single_benchmark",
                    "metadata": json.dumps(
                        {
                            "warmup_iterations": self._settings().warmup_iterations,
                            "min_iterations": self._settings().min_iterations,
                            "min_duration_seconds": self._settings().min_duration_seconds,
                        }
                    ),
                }
            ],
            run_id,
            when,
        )
        landing.write_rows(self.landing_root, "benchmark_results", [row], run_id, when)
        return True

    def run_benchmarks(
        self,
        model_names: Sequence[str],
        hardware_types: Sequence[str],
        batch_sizes: Sequence[int],
        sequence_length: int = 128,
        force_simulation: bool = False,
        precisions: Sequence[str] = ("fp32",),
    ) -> dict:
        """Measure every combination and land them as one run.

        Returns {total, successful, failed, results} as the old runner did (successful counts
        completed measurements; failed counts every other row, unavailable hardware included),
        plus run_id, by_status and the landed files.
        """
        from runners import benchmark

        specs = self._specs(model_names)
        configs = benchmark.expand_configs(
            specs, list(hardware_types), list(precisions), list(batch_sizes), [sequence_length]
        )
        outcome = benchmark.run_benchmarks(
            configs,
            self._settings(),
            self.landing_root,
            self.weights_dir,
            test_name="BenchmarkRunner.run_benchmarks",
            options={
                "models": [s.model_name for s in specs],
                "requested_models": list(model_names),
                "hardware": list(hardware_types),
                "batch_sizes": list(batch_sizes),
                "sequence_lengths": [sequence_length],
                "precisions": list(precisions),
                "force_simulation": force_simulation,
            },
            estimator=simulation.estimator(),
            estimate_unavailable=force_simulation,
        )
        successful = outcome.count("completed")
        return {
            "total": len(outcome.rows),
            "successful": successful,
            "failed": len(outcome.rows) - successful,
            "results": outcome.rows,
            "run_id": outcome.run_id,
            "by_status": {s: outcome.count(s) for s in sorted({r["status"] for r in outcome.rows})},
            "resolved_names": dict(self.resolved_names),
            "files": [str(f) for f in outcome.files],
        }


# ---------------------------------------------------------------------------------------------
# BenchmarkDBMaintenance
# ---------------------------------------------------------------------------------------------


class BenchmarkDBMaintenance:
    """check_integrity, optimize_db, backup_db, restore_db, purge_old_backups,
    get_database_stats: the `benchdb db` commands as methods (runners/maintenance.py)."""

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        backup_dir: str | os.PathLike | None = None,
    ) -> None:
        self.db_path = Path(db_path).resolve() if db_path else benchdb_paths.db_path()
        self.data_dir = Path(data_dir).resolve() if data_dir else paths.data_dir()
        self.backup_dir = Path(backup_dir).resolve() if backup_dir else None

    def _backup_dir(self, backup_dir) -> Path:
        from benchdb import maintenance

        if backup_dir:
            return Path(backup_dir).resolve()
        return self.backup_dir or maintenance.default_backup_dir(self.data_dir)

    def check_integrity(self, run_dbt_tests: bool = True):
        """Every check of `benchdb db check`; the report is truthy when nothing failed."""
        from benchdb import maintenance

        return maintenance.check(self.db_path, self.data_dir, run_dbt_tests=run_dbt_tests)

    def optimize_db(self) -> dict:
        from benchdb import maintenance

        return maintenance.optimize(self.db_path)

    def backup_db(self, backup_dir: str | os.PathLike | None = None, compress: bool = False) -> str:
        """Back up the landing zone and the warehouse; returns the backup's path."""
        from benchdb import maintenance

        return str(
            maintenance.backup(
                self.db_path, self.data_dir, self._backup_dir(backup_dir), compress=compress
            )
        )

    def restore_db(self, backup_path: str | os.PathLike, force: bool = False) -> dict:
        from benchdb import maintenance

        return maintenance.restore(Path(backup_path), self.db_path, self.data_dir, force=force)

    def purge_old_backups(
        self,
        keep: int | None = None,
        retention_days: float | None = None,
        backup_dir: str | os.PathLike | None = None,
    ) -> list[str]:
        """Delete backups (folders and .tar.gz alike) beyond the newest `keep` or older than
        `retention_days`; returns what was deleted."""
        from benchdb import maintenance

        return [
            str(p)
            for p in maintenance.purge_backups(
                self._backup_dir(backup_dir), keep=keep, older_than_days=retention_days
            )
        ]

    def get_database_stats(self) -> dict:
        from benchdb import maintenance

        return maintenance.stats(self.db_path, self.data_dir)


# ---------------------------------------------------------------------------------------------
# IncrementalBenchmarkRunner, SimulationDetection, BenchmarkVisualizer
# ---------------------------------------------------------------------------------------------


def _run_frame(runner: BenchmarkRunner, frame, allow_simulation: bool, test_name: str) -> dict:
    """Run the configurations of a DataFrame (model_name, hardware_type, batch_size[,
    precision, sequence_length]); every row is checked before anything runs."""
    from runners import benchmark
    from runners.catalog import load_catalog
    from runners.plan_file import configs_from_rows

    records = frame.to_dict("records") if hasattr(frame, "to_dict") else list(frame)
    columns = (
        list(frame.columns) if hasattr(frame, "columns") else list(records[0] if records else [])
    )
    configs = configs_from_rows(columns, records, load_catalog(), "benchmarks DataFrame", 0)
    outcome = benchmark.run_benchmarks(
        configs,
        runner._settings(),
        runner.landing_root,
        runner.weights_dir,
        test_name=test_name,
        options={"configurations": len(configs)},
        estimator=simulation.estimator(),
        estimate_unavailable=allow_simulation,
    )
    return {
        "total": len(outcome.rows),
        "by_status": {s: outcome.count(s) for s in sorted({r["status"] for r in outcome.rows})},
        "failed": sum(1 for r in outcome.rows if r["status"] in ("failed", "oom", "timeout")),
        "results": outcome.rows,
        "run_id": outcome.run_id,
    }


class IncrementalBenchmarkRunner:
    """Run only what is missing or outdated (the old run_incremental_benchmarks).

    identify_* return DataFrames of configurations (runners/planning.py over the
    benchmark_config_status mart); run_benchmarks(df) runs exactly those and lands them.
    """

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        timing: TimingSettings | None = None,
    ) -> None:
        self.api = BenchmarkDBAPI(db_path, data_dir)
        self.runner = BenchmarkRunner(self.api.db_path, self.api.data_dir, timing)
        self.last_run: dict | None = None

    def _plan(self, **request):
        import pandas as pd

        from benchdb import planning
        from runners.catalog import load_catalog

        if request.get("models"):
            catalog = load_catalog()
            request["models"] = [resolve_model_name(m, catalog) for m in request["models"]]
        if self.api.auto_refresh and self.api.is_stale():
            self.api.refresh()
        rows = planning.build_plan(self.api.db_path, planning.PlanRequest(**request))
        return pd.DataFrame(rows, columns=planning.PLAN_COLUMNS)

    def identify_missing_benchmarks(
        self, models=None, hardware=None, batch_sizes=None, precisions=None, sequence_lengths=None
    ):
        """Wanted configurations with no completed real result."""
        return self._plan(
            mode="missing",
            models=models,
            hardware=hardware,
            batch_sizes=batch_sizes,
            precisions=precisions,
            sequence_lengths=sequence_lengths,
        )

    def identify_outdated_benchmarks(
        self,
        models=None,
        hardware=None,
        batch_sizes=None,
        older_than_days: int = 30,
        precisions=None,
        sequence_lengths=None,
        version_change: bool = False,
    ):
        """Configurations whose newest real result is older than `older_than_days`."""
        return self._plan(
            mode="outdated",
            models=models,
            hardware=hardware,
            batch_sizes=batch_sizes,
            precisions=precisions,
            sequence_lengths=sequence_lengths,
            older_than_days=older_than_days,
            outdated_on_version_change=version_change,
        )

    def identify_priority_benchmarks(self, priority_models=None, priority_hardware=None):
        """Missing or outdated configurations of the key models and hardware; without them,
        the wanted matrix's priority-1 configurations."""
        if priority_models or priority_hardware:
            return self._plan(mode="both", models=priority_models, hardware=priority_hardware)
        return self._plan(mode="both", priority_only=True)

    def run_benchmarks(self, benchmarks) -> bool:
        """Run exactly these configurations; True when none failed, ran out of memory or timed
        out (hardware this host lacks lands as `unavailable` rows). Details: self.last_run."""
        self.last_run = _run_frame(self.runner, benchmarks, False, "IncrementalBenchmarkRunner")
        return self.last_run["failed"] == 0


class SimulationDetection:
    """Marks, reports and estimates (the old simulation_detection), always flagged.

    Marks are appended to the landing zone; the warehouse derives the flags when it builds
    (reads rebuild first when something new has landed).
    """

    def __init__(
        self,
        db_path: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        timing: TimingSettings | None = None,
    ) -> None:
        self.api = BenchmarkDBAPI(db_path, data_dir)
        self.runner = BenchmarkRunner(self.api.db_path, self.api.data_dir, timing)
        self.last_run: dict | None = None

    def _fresh(self) -> Path:
        if self.api.auto_refresh and self.api.is_stale():
            self.api.refresh()
        return self.api.db_path

    def mark_hardware_as_simulated(self, hardware_type: str, reason: str) -> str:
        from benchdb.marks import mark_hardware

        return str(mark_hardware(self.api.landing_root, hardware_type, False, reason))

    def mark_hardware_as_available(
        self, hardware_type: str, reason: str = "marked available by hand"
    ) -> str:
        from benchdb.marks import mark_hardware

        return str(mark_hardware(self.api.landing_root, hardware_type, True, reason))

    def mark_result_as_simulated(self, result_id: str, reason: str) -> str:
        """Flag one result; the row stays, and says why."""
        from benchdb.marks import mark_result

        return str(mark_result(self.api.landing_root, result_id, reason))

    def get_simulated_results(self):
        import pandas as pd

        from benchdb.simulation_report import simulated_results

        columns, rows = simulated_results(self._fresh())
        return pd.DataFrame(rows, columns=columns)

    def get_hardware_availability(self):
        return self.api.query("select * from hardware_availability_summary order by 1")

    def generate_simulation_report(self) -> dict:
        from benchdb.simulation_report import generate_simulation_report

        return generate_simulation_report(self._fresh())

    def run_benchmarks(self, benchmarks) -> bool:
        """Run these configurations; hardware this host lacks is estimated and flagged."""
        self.last_run = _run_frame(self.runner, benchmarks, True, "SimulationDetection")
        return self.last_run["failed"] == 0


class BenchmarkVisualizer:
    """The old visualizer's methods over runners/reporting/visualizer.py; each returns the
    file it wrote."""

    def __init__(
        self, db_path: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None
    ) -> None:
        self.api = BenchmarkDBAPI(db_path, data_dir)

    def _db(self) -> Path:
        if self.api.auto_refresh and self.api.is_stale():
            self.api.refresh()
        return self.api.db_path

    @staticmethod
    def _name(name: str) -> str:
        """Old short names ("vit-base") resolve to catalog names, as BenchmarkRunner does."""
        from runners.catalog import load_catalog

        return resolve_model_name(name, load_catalog())

    def _names(self, names):
        return [self._name(n) for n in names] if names else names

    def create_hardware_comparison_chart(self, model_name, metric="throughput", output_file=None):
        from benchdb.reporting import visualizer

        return visualizer.create_hardware_comparison_chart(
            self._name(model_name), metric, output_file, db_path=self._db()
        )

    def create_model_comparison_chart(
        self, hardware_type, model_names=None, metric="throughput", output_file=None
    ):
        from benchdb.reporting import visualizer

        return visualizer.create_model_comparison_chart(
            hardware_type, self._names(model_names), metric, output_file, db_path=self._db()
        )

    def create_batch_size_comparison_chart(
        self, model_name, hardware_type=None, metric="throughput", output_file=None
    ):
        from benchdb.reporting import visualizer

        return visualizer.create_batch_size_comparison_chart(
            self._name(model_name), hardware_type, metric, output_file, db_path=self._db()
        )

    def create_hardware_heatmap(
        self, model_names=None, hardware_types=None, metric="throughput", output_file=None
    ):
        from benchdb.reporting import visualizer

        return visualizer.create_hardware_heatmap(
            self._names(model_names), hardware_types, metric, output_file, db_path=self._db()
        )

    def create_dashboard(
        self, output_dir="dashboard", metrics=None, model_names=None, hardware_types=None
    ):
        from benchdb.reporting import visualizer

        return visualizer.create_dashboard(
            output_dir, metrics, self._names(model_names), hardware_types, db_path=self._db()
        )


__all__ = [
    "BenchdbError",
    "BenchmarkDBAPI",
    "BenchmarkDBMaintenance",
    "BenchmarkRunner",
    "BenchmarkVisualizer",
    "IncrementalBenchmarkRunner",
    "SimulationDetection",
]
