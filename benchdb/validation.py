"""One result written through the Python API or the REST API -> one landing row, or an error.

Pure functions over dicts: old field names are renamed, every field is checked (benchdb.fields)
and the error names the field. Nothing here writes; benchdb.store lands what passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from benchdb import fields
from runners.errors import CatalogError, ConfigurationError
from runners.hardware import KNOWN_HARDWARE

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
COMPATIBILITY_FIELDS = (
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
INTEGRATION_FIELDS = (
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
ASSERTION_FIELDS = ("assertion_name", "passed", "expected_value", "actual_value", "message")


def catalog_facts(model_name: str) -> dict[str, str]:
    """Family and modality from the catalog when it knows the model (else empty)."""
    from runners.catalog import load_catalog

    try:
        spec = load_catalog().get(model_name)
    except CatalogError:
        return {}
    return {"model_family": spec.model_family, "modality": spec.modality} if spec else {}


def _renamed(record: Mapping[str, Any]) -> dict[str, Any]:
    """Old names -> landing names; an old and a new name for one field is an error."""
    renamed: dict[str, Any] = {}
    for key, value in record.items():
        target = OLD_NAMES.get(key, key)
        if target in renamed and key != target:
            raise ConfigurationError(f"field '{key}' and '{target}' both given: pass one")
        renamed[target] = value
    return renamed


def _performance_values(renamed: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of a performance result checked on its own."""
    row: dict[str, Any] = {
        "model_name": fields.text("model_name", renamed.get("model_name"), required=True),
        "hardware_type": fields.text(
            "hardware_type", renamed.get("hardware_type"), required=True, choices=KNOWN_HARDWARE
        ),
        # not given stays NULL: a precision or a time nobody reported is not assumed
        "precision": fields.text("precision", renamed.get("precision"), choices=PRECISIONS),
        "measured_at": fields.timestamp("measured_at", renamed.get("measured_at")),
    }
    if renamed.get("batch_size") is None:
        raise ConfigurationError("field 'batch_size' is required")
    for name, minimum in _PERF_INT_FIELDS.items():
        row[name] = fields.integer(name, renamed.get(name), minimum)
    for name, (minimum, strict) in _PERF_FLOAT_FIELDS.items():
        row[name] = fields.number(name, renamed.get(name), minimum, strict)
    for name in _PERF_TEXT_FIELDS:
        row[name] = fields.text(name, renamed.get(name))
    latencies = renamed.get("latencies_ms")
    if latencies is not None:
        if isinstance(latencies, (str, bytes)) or not isinstance(latencies, Sequence):
            raise ConfigurationError("field 'latencies_ms' must be a list of numbers")
        row["latencies_ms"] = [fields.number("latencies_ms", v, 0.0, True) for v in latencies]
    row["input_shapes"] = fields.json_text("input_shapes", renamed.get("input_shapes"))
    return row


def _performance_status(row: Mapping[str, Any], given: Any) -> str:
    """The status: given, or completed when a metric is there; a failure needs its message."""
    status = fields.text("status", given, choices=RESULT_STATUSES)
    has_metric = any(row.get(m) is not None for m in METRIC_FIELDS) or bool(row.get("latencies_ms"))
    if status is None:
        if not has_metric:
            raise ConfigurationError(
                "a performance result needs a metric (throughput, latency_avg, memory_peak ...) "
                "or a status with an error_message"
            )
        status = "completed"
    if status != "completed" and not row.get("error_message"):
        raise ConfigurationError(f"field 'error_message' is required when status is '{status}'")
    return status


def validate_performance(record: Mapping[str, Any]) -> dict[str, Any]:
    """One performance result (old or new field names) -> a benchmark_results landing row.

    The row holds what the caller sent and nothing more: a precision, time or metric not given
    is NULL (never fp32, the time of storing, or a throughput worked out from a latency). Only
    the model's family and modality are filled in, from the model catalog."""
    renamed = _renamed(record)
    fields.check_unknown(renamed, [*PERFORMANCE_FIELDS, *OLD_NAMES], "performance result")
    row = _performance_values(renamed)
    row["status"] = _performance_status(row, renamed.get("status"))
    row["is_simulated"] = bool(fields.boolean("is_simulated", renamed.get("is_simulated")))
    if row["is_simulated"] and not row.get("simulation_reason"):
        raise ConfigurationError("field 'simulation_reason' is required when is_simulated is true")
    if not row["is_simulated"] and (row.get("simulation_reason") or row.get("simulation_method")):
        raise ConfigurationError("field 'simulation_reason' was given but is_simulated is not true")
    # nothing is derived here: a throughput the caller did not send stays NULL (the warehouse
    # computes the mean and percentiles of latencies_ms itself, and says so)
    for key, value in catalog_facts(row["model_name"]).items():
        row[key] = row.get(key) or value
    return {k: v for k, v in row.items() if v is not None}


def validate_compatibility(record: Mapping[str, Any]) -> dict[str, Any]:
    """One hardware compatibility result -> a compatibility_results landing row."""
    fields.check_unknown(record, COMPATIBILITY_FIELDS, "compatibility result")
    row: dict[str, Any] = {
        "model_name": fields.text("model_name", record.get("model_name"), required=True),
        "hardware_type": fields.text(
            "hardware_type", record.get("hardware_type"), required=True, choices=KNOWN_HARDWARE
        ),
        "is_compatible": fields.boolean(
            "is_compatible", record.get("is_compatible"), required=True
        ),
        "tested_at": fields.timestamp("tested_at", record.get("tested_at")),
        "metadata": fields.json_text("metadata", record.get("metadata")),
        "is_simulated": bool(fields.boolean("is_simulated", record.get("is_simulated"))),
    }
    for name in ("detection_success", "initialization_success", "workaround_available"):
        row[name] = fields.boolean(name, record.get(name))
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
        row[name] = fields.text(name, record.get(name))
    score = fields.number("compatibility_score", record.get("compatibility_score"), 0.0)
    if score is not None and score > 1.0:
        raise ConfigurationError(
            f"field 'compatibility_score' must be between 0 and 1, got {score:g}"
        )
    row["compatibility_score"] = score
    if row["is_simulated"] and not row["simulation_reason"]:
        raise ConfigurationError("field 'simulation_reason' is required when is_simulated is true")
    for key, value in catalog_facts(row["model_name"]).items():
        row[key] = row.get(key) or value
    return {k: v for k, v in row.items() if v is not None}


def _assertions(assertions: Any) -> list[dict[str, Any]]:
    """An integration result's assertions, each checked, errors naming `assertions[i].field`."""
    if isinstance(assertions, (str, bytes, Mapping)) or not isinstance(assertions, Sequence):
        raise ConfigurationError("field 'assertions' must be a list of objects")
    checked = []
    for i, item in enumerate(assertions):
        if not isinstance(item, Mapping):
            raise ConfigurationError(f"field 'assertions[{i}]' must be an object")
        fields.check_unknown(item, ASSERTION_FIELDS, f"assertions[{i}]")
        name = fields.text(
            f"assertions[{i}].assertion_name", item.get("assertion_name"), required=True
        )
        checked.append(
            {
                "assertion_name": name,
                "passed": fields.boolean(f"assertions[{i}].passed", item.get("passed"), True),
                "expected_value": fields.stringify(item.get("expected_value")),
                "actual_value": fields.stringify(item.get("actual_value")),
                "message": fields.text(f"assertions[{i}].message", item.get("message")),
            }
        )
    return checked


def validate_integration(record: Mapping[str, Any]) -> dict[str, Any]:
    """One integration test result (with its assertions) -> an integration_results row."""
    fields.check_unknown(record, INTEGRATION_FIELDS, "integration test result")
    status = fields.text("status", record.get("status"), required=True)
    status = {"passed": "pass", "failed": "fail", "skipped": "skip"}.get(status, status)
    row: dict[str, Any] = {
        "test_module": fields.text("test_module", record.get("test_module"), required=True),
        "test_name": fields.text("test_name", record.get("test_name"), required=True),
        "status": fields.text("status", status, choices=INTEGRATION_STATUSES),
        "executed_at": fields.timestamp("executed_at", record.get("executed_at")),
        "execution_time_seconds": fields.number(
            "execution_time_seconds", record.get("execution_time_seconds"), 0.0
        ),
        "hardware_type": fields.text(
            "hardware_type", record.get("hardware_type"), choices=KNOWN_HARDWARE
        ),
        "metadata": fields.json_text("metadata", record.get("metadata")),
    }
    for name in ("test_class", "model_name", "device_name", "error_message", "error_traceback"):
        row[name] = fields.text(name, record.get(name))
    row["host"] = fields.text("host", record.get("host"))
    if record.get("assertions") is not None:
        row["assertions"] = _assertions(record["assertions"])
    return {k: v for k, v in row.items() if v is not None}
