"""Request and response models: the OpenAPI schema of the REST API.

Request bodies are strict (no "4" for 4, no unknown fields); the cross-field rules (a metric or a
status, error_message with a failure status, simulation_reason exactly when simulated) are
benchdb.validation's, answered 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from benchdb.server.sandbox import MAX_SQL_CHARS
from benchdb.validation import INTEGRATION_STATUSES, PRECISIONS, RESULT_STATUSES
from runners.hardware import KNOWN_HARDWARE

# query parameters: enums; request bodies: Literal takes the JSON strings as they come
HardwareType = Enum("HardwareType", {h: h for h in KNOWN_HARDWARE}, type=str)
Precision = Enum("Precision", {p: p for p in PRECISIONS}, type=str)
HardwareName = Literal[KNOWN_HARDWARE]  # type: ignore[valid-type]
PrecisionName = Literal[PRECISIONS]  # type: ignore[valid-type]
IntegrationStatus = Literal[INTEGRATION_STATUSES]  # type: ignore[valid-type]

PositiveMs = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class PerformanceIn(_Strict):
    """One performance result, stored as sent: a field not given (precision, measured_at, a
    metric) is NULL, never a default or a figure worked out from another. Old names are
    accepted: throughput, latency_avg, memory_peak."""

    model_name: str = Field(min_length=1, max_length=200, examples=["bert-base-uncased"])
    hardware_type: HardwareName
    batch_size: int = Field(ge=1, le=1_000_000, examples=[4])
    # not given: stored NULL, never assumed (fp32 was the old default)
    precision: PrecisionName | None = None
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
    status: Literal[RESULT_STATUSES] | None = None  # type: ignore[valid-type]
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
    status: IntegrationStatus
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
