"""The frames the charts draw, read from the reporting marts with the selection checked.

Each loader validates what it is given (an unknown model or hardware type lists the valid
ones) and raises `ReportError` when the selection holds no completed result, so no chart is
ever drawn empty.
"""

from __future__ import annotations

from benchdb.reporting import data
from benchdb.reporting.data import ReportError


def _filters(precision: str | None, batch_size: int | None) -> tuple[str, dict]:
    sql, params = "", {}
    if precision:
        sql += " and precision = $precision"
        params["precision"] = precision
    if batch_size:
        sql += " and batch_size = $batch_size"
        params["batch_size"] = batch_size
    return sql, params


def _describe(precision: str | None, batch_size: int | None) -> str:
    parts = [
        f"precision {precision}" if precision else "",
        f"batch {batch_size}" if batch_size else "",
    ]
    return "".join(f" at {p}" for p in parts if p)


def _require(frame, what: str):
    if frame.empty:
        raise ReportError(f"no completed results for {what}: nothing to show")
    return frame


def hardware_comparison(
    con,
    model_name: str,
    precision: str | None = None,
    batch_size: int | None = None,
    hardware_types: list[str] | None = None,
):
    data.check_model(con, model_name)
    where, params = _filters(precision, batch_size)
    for hardware in hardware_types or []:
        data.check_hardware(con, hardware)
    if hardware_types:
        where += " and list_contains($hardware, hardware_type)"
        params["hardware"] = list(hardware_types)
    frame = data.frame(
        con,
        "select * from rpt_hardware_comparison where model_name = $model"
        + where
        + " order by precision, batch_size, input_label, hardware_type",
        {"model": model_name, **params},
    )
    return _require(frame, f"model {model_name}{_describe(precision, batch_size)}")


def model_comparison(
    con,
    hardware_type: str,
    model_names: list[str] | None = None,
    precision: str | None = None,
    batch_size: int | None = None,
):
    data.check_hardware(con, hardware_type)
    model_names = data.check_models(con, model_names) if model_names else model_names
    where, params = _filters(precision, batch_size)
    if model_names:
        where += " and list_contains($models, model_name)"
        params["models"] = list(model_names)
    frame = data.frame(
        con,
        "select * from rpt_model_comparison where hardware_type = $hardware"
        + where
        + " order by model_name, input_label, precision, batch_size",
        {"hardware": hardware_type, **params},
    )
    return _require(frame, f"hardware {hardware_type}{_describe(precision, batch_size)}")


def batch_size_scaling(
    con, model_name: str, hardware_type: str | None = None, precision: str | None = None
):
    data.check_model(con, model_name)
    where, params = _filters(precision, None)
    if hardware_type:
        data.check_hardware(con, hardware_type)
        where += " and hardware_type = $hardware"
        params["hardware"] = hardware_type
    frame = data.frame(
        con,
        "select * from rpt_batch_size_scaling where model_name = $model"
        + where
        + " order by hardware_type, precision, input_label, batch_size",
        {"model": model_name, **params},
    )
    on = f" on {hardware_type}" if hardware_type else ""
    return _require(frame, f"model {model_name}{on}{_describe(precision, None)}")


def best_results(
    con,
    metric_name: str,
    model_names: list[str] | None = None,
    hardware_types: list[str] | None = None,
):
    """rpt_best_results for one metric (the heatmap's tiles): the best measured value per model
    and hardware type, an estimate only where nothing was measured (is_simulated)."""
    m = data.metric(metric_name)
    model_names = data.check_models(con, model_names) if model_names else model_names
    if hardware_types:
        hardware_types = data.check_hardware_list(con, hardware_types)
    sql = "select * from rpt_best_results where metric = $metric"
    params: dict = {"metric": m.column}
    if model_names:
        sql += " and list_contains($models, model_name)"
        params["models"] = list(model_names)
    if hardware_types:
        sql += " and list_contains($hardware, hardware_type)"
        params["hardware"] = list(hardware_types)
    frame = data.frame(con, sql + " order by model_name, hardware_type", params)
    if frame.empty:
        raise ReportError(f"no {m.name} values per model and hardware type: nothing to chart")
    return frame


def result_history(
    con,
    model_name: str,
    hardware_type: str | None = None,
    precision: str | None = None,
    batch_size: int | None = None,
):
    data.check_model(con, model_name)
    where, params = _filters(precision, batch_size)
    if hardware_type:
        data.check_hardware(con, hardware_type)
        where += " and hardware_type = $hardware"
        params["hardware"] = hardware_type
    frame = data.frame(
        con,
        "select * from rpt_result_history where model_name = $model"
        + where
        + " order by measured_at, result_id",
        {"model": model_name, **params},
    )
    on = f" on {hardware_type}" if hardware_type else ""
    return _require(frame, f"model {model_name}{on}{_describe(precision, batch_size)}")


def generation_results(
    con,
    hardware_type: str | None = None,
    model_names: list[str] | None = None,
    precision: str | None = None,
    batch_size: int | None = None,
):
    """rpt_generation_results' completed rows (the generation charts), selection checked."""
    model_names = data.check_models(con, model_names) if model_names else model_names
    where, params = _filters(precision, batch_size)
    if hardware_type:
        data.check_hardware(con, hardware_type)
        where += " and hardware_type = $hardware"
        params["hardware"] = hardware_type
    if model_names:
        where += " and list_contains($models, model_name)"
        params["models"] = list(model_names)
    frame = data.frame(
        con,
        "select * from rpt_generation_results where status = 'completed'"
        + where
        + " order by hardware_type, model_name, batch_size, input_length, output_length",
        params,
    )
    on = f" on {hardware_type}" if hardware_type else ""
    return _require(
        frame,
        f"generation (benchdb run --kind generate){on}{_describe(precision, batch_size)}",
    )
