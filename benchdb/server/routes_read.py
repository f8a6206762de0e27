"""The read endpoints: catalog, performance (all, latest, best, side by side), compatibility,
integration tests, the simulation report and the planning views. Each answers from a mart
through benchdb.queries, the SQL the Python API uses too."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from benchdb import queries
from benchdb.server.answers import Reader, records, warehouse_errors
from benchdb.server.performance import performance_json
from benchdb.server.schemas import (
    ERROR_RESPONSES,
    ComparisonMetric,
    HardwareType,
    IntegrationStatus,
    Precision,
    StatusFilter,
)

router = APIRouter(responses=ERROR_RESPONSES)
ModelName = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100_000)]


def _value(member) -> str | None:
    return member.value if member is not None else None


@router.get("/models", tags=["catalog"], summary="Models")
def models(reader: Reader) -> list[dict[str, Any]]:
    return records(reader, queries.MODELS_SQL)


@router.get("/hardware", tags=["catalog"], summary="Hardware")
def hardware(reader: Reader) -> list[dict[str, Any]]:
    return records(reader, queries.HARDWARE_SQL)


@router.get(
    "/performance",
    tags=["performance"],
    summary="Performance results (the one standing for each configuration by default)",
    response_model=list[dict[str, Any]],
)
def performance(
    reader: Reader,
    model_name: ModelName = None,
    hardware_type: HardwareType | None = None,
    batch_size: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    precision: Precision | None = None,
    latest_only: bool = True,
    status: StatusFilter = StatusFilter.completed,
    limit: Limit = 1000,
) -> Response:
    with warehouse_errors():
        text = performance_json(
            reader,
            model_name,
            _value(hardware_type),
            batch_size,
            _value(precision),
            latest_only,
            None if status == StatusFilter.any else status.value,
            limit,
        )
    return Response(content=text, media_type="application/json")


@router.get(
    "/performance/best",
    tags=["performance"],
    summary="Best result per model, hardware and metric (a measurement beats an estimate)",
)
def best(
    reader: Reader,
    model_name: ModelName = None,
    hardware_type: HardwareType | None = None,
    metric: ComparisonMetric | None = None,
) -> list[dict[str, Any]]:
    sql, params = queries.best_results_sql(model_name, _value(hardware_type), _value(metric))
    return records(reader, sql, params, require="rpt_best_results")


@router.get(
    "/performance/comparison/{model_name:path}",
    tags=["performance"],
    summary="One model's latest results, hardware side by side",
)
def comparison(
    reader: Reader,
    model_name: Annotated[str, PathParam(max_length=200)],
    metric: ComparisonMetric = ComparisonMetric.throughput,
) -> list[dict[str, Any]]:
    sql, params = queries.comparison_sql(model_name, metric.value)
    return records(reader, sql, params, require="rpt_latest_results")


@router.get("/compatibility", tags=["compatibility"], summary="Model x hardware compatibility")
def compatibility(
    reader: Reader, model_name: ModelName = None, hardware_type: HardwareType | None = None
) -> list[dict[str, Any]]:
    hw = _value(hardware_type)
    return records(reader, lambda cur: queries.compatibility_sql(cur, model_name, hw))


@router.get(
    "/integration",
    tags=["integration"],
    summary="Integration test results, or their summary per module",
)
def integration(
    reader: Reader,
    summary: bool = False,
    test_module: Annotated[str | None, Query(max_length=500)] = None,
    status: IntegrationStatus | None = None,
    limit: Limit = 1000,
) -> list[dict[str, Any]]:
    if summary:
        return records(reader, queries.integration_summary_sql)
    return records(reader, lambda cur: queries.integration_sql(cur, test_module, status, limit))


@router.get(
    "/simulation/report",
    tags=["simulation"],
    summary="How many results are simulated: totals, by hardware, model and reason",
)
def simulation_report(reader: Reader) -> dict[str, Any]:
    from benchdb.simulation_report import simulation_report as build_report

    with warehouse_errors(), reader.cursor() as cur:
        return build_report(cur)


@router.get(
    "/benchmarks/missing",
    tags=["planning"],
    summary="Wanted configurations with no completed, measured result",
)
def missing(reader: Reader, limit: Limit = 1000) -> list[dict[str, Any]]:
    return records(reader, lambda cur: queries.mart_rows_sql(cur, "missing_benchmarks", limit))


@router.get(
    "/benchmarks/outdated",
    tags=["planning"],
    summary="Configurations whose newest real result is too old",
)
def outdated(reader: Reader, limit: Limit = 1000) -> list[dict[str, Any]]:
    return records(reader, lambda cur: queries.mart_rows_sql(cur, "outdated_benchmarks", limit))
