"""GET /charts/{chart_type}.png: a chart drawn by the reporting package, as PNG."""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from benchdb.server.answers import settings_of
from benchdb.server.errors import ApiError
from benchdb.server.schemas import ERROR_RESPONSES, ComparisonMetric, ErrorOut, HardwareType
from benchdb.server.settings import ServerSettings
from runners.errors import WarehouseError

router = APIRouter()

# the charts helper's `chart_file(db_path, chart, metric_name, output, *, model_name=...,
# hardware_type=...) -> Path` (benchdb/reporting/visualizer.py); looked up at request time
CHART_PROVIDERS = (("benchdb.reporting.visualizer", "chart_file"),)


def chart_renderer():
    """(function, module name) of the installed chart renderer, or (None, why not)."""
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


def _draw(render, settings: ServerSettings, chart_type: str, output: Path, **options) -> None:
    """Draw into `output`; the chart helper's ReportError is 404 (nothing to draw) or 422."""
    try:
        render(settings.db_path, chart_type, options.pop("metric"), output, **options)
    except WarehouseError as exc:
        raise ApiError(503, str(exc)) from None
    except Exception as exc:  # the chart helper's ReportError names what was wrong
        if exc.__class__.__name__ != "ReportError":
            raise
        message = str(exc)
        empty = "no completed results" in message or "nothing to" in message
        raise ApiError(404 if empty else 422, message) from None


@router.get(
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
    settings: Annotated[ServerSettings, Depends(settings_of)],
    chart_type: Annotated[str, PathParam(max_length=100, pattern=r"^[a-z][a-z0-9_-]*$")],
    model_name: Annotated[str | None, Query(max_length=200)] = None,
    hardware_type: HardwareType | None = None,
    metric: ComparisonMetric = ComparisonMetric.throughput,
) -> Response:
    render, where = chart_renderer()
    if render is None:
        raise ApiError(501, f"charts are not available in this installation: {where}")
    if not settings.db_path.exists():
        raise ApiError(503, f"no warehouse at {settings.db_path}: run `benchdb build` first")
    with tempfile.TemporaryDirectory(prefix="benchdb-chart-") as tmp:
        output = Path(tmp) / "chart.png"
        _draw(
            render,
            settings,
            chart_type,
            output,
            metric=metric.value,
            model_name=model_name,
            hardware_type=hardware_type.value if hardware_type else None,
        )
        png = output.read_bytes()
    return Response(content=png, media_type="image/png")
