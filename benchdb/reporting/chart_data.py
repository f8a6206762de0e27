"""The frames the charts draw, read from the reporting marts with the selection checked.

Each loader validates what it is given (an unknown model or hardware type lists the valid
ones) and raises `ReportError` when the selection holds no completed result, so no chart is
ever drawn empty. Every loader, forward or generation, is one `_load`: its mart, its own
condition and order, and the shared selection (`_selection`: precision, batch size, hardware,
models), checked and worded once.
"""

from __future__ import annotations

from benchdb.reporting import data
from benchdb.reporting.data import ReportError


def _selection(
    con,
    precision: str | None = None,
    batch_size: int | None = None,
    hardware_type: str | None = None,
    hardware_types: list[str] | None = None,
    model_names: list[str] | None = None,
) -> tuple[str, dict, str]:
    """The selection every loader offers, checked (an unknown hardware type lists the valid
    ones): its `and ...` SQL, its parameters and its words (' on cpu at precision fp32')."""
    sql, params = "", {}
    if precision:
        sql += " and precision = $precision"
        params["precision"] = precision
    if batch_size:
        sql += " and batch_size = $batch_size"
        params["batch_size"] = batch_size
    if hardware_type:
        data.check_hardware(con, hardware_type)
        sql += " and hardware_type = $hardware"
        params["hardware"] = hardware_type
    for hardware in hardware_types or []:
        data.check_hardware(con, hardware)
    narrowed, narrowed_params = data.narrowed_to(model_names, hardware_types)
    sql += narrowed
    params.update(narrowed_params)
    words = [
        f" on {hardware_type}" if hardware_type else "",
        f" at precision {precision}" if precision else "",
        f" at batch {batch_size}" if batch_size else "",
    ]
    return sql, params, "".join(words)


def _load(
    con,
    mart: str,
    condition: str,
    params: dict,
    order: str,
    what: str,
    empty: str | None = None,
    **selection,
):
    """The mart's rows that meet `condition` and the selection, in `order`; a `ReportError`
    (`empty`, else naming `what` and the selection) when there are none: no chart is drawn
    empty."""
    where, more, words = _selection(con, **selection)
    frame = data.frame(
        con,
        f"select * from {mart} where {condition}{where} order by {order}",
        {**params, **more},
    )
    if frame.empty:
        raise ReportError(empty or f"no completed results for {what}{words}: nothing to show")
    return frame


def hardware_comparison(
    con,
    model_name: str,
    precision: str | None = None,
    batch_size: int | None = None,
    hardware_types: list[str] | None = None,
):
    data.check_model(con, model_name)
    return _load(
        con,
        "rpt_hardware_comparison",
        "model_name = $model",
        {"model": model_name},
        "precision, batch_size, input_label, hardware_type",
        f"model {model_name}",
        precision=precision,
        batch_size=batch_size,
        hardware_types=hardware_types,
    )


def model_comparison(
    con,
    hardware_type: str,
    model_names: list[str] | None = None,
    precision: str | None = None,
    batch_size: int | None = None,
):
    data.check_hardware(con, hardware_type)
    model_names = data.check_models(con, model_names) if model_names else model_names
    return _load(
        con,
        "rpt_model_comparison",
        "hardware_type = $hardware_type",
        {"hardware_type": hardware_type},
        "model_name, input_label, precision, batch_size",
        f"hardware {hardware_type}",
        precision=precision,
        batch_size=batch_size,
        model_names=model_names,
    )


def batch_size_scaling(
    con, model_name: str, hardware_type: str | None = None, precision: str | None = None
):
    data.check_model(con, model_name)
    return _load(
        con,
        "rpt_batch_size_scaling",
        "model_name = $model",
        {"model": model_name},
        "hardware_type, precision, input_label, batch_size",
        f"model {model_name}",
        hardware_type=hardware_type,
        precision=precision,
    )


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
    return _load(
        con,
        "rpt_best_results",
        "metric = $metric",
        {"metric": m.column},
        "model_name, hardware_type",
        m.name,
        empty=f"no {m.name} values per model and hardware type: nothing to chart",
        model_names=model_names,
        hardware_types=hardware_types,
    )


def result_history(
    con,
    model_name: str,
    hardware_type: str | None = None,
    precision: str | None = None,
    batch_size: int | None = None,
):
    data.check_model(con, model_name)
    return _load(
        con,
        "rpt_result_history",
        "model_name = $model",
        {"model": model_name},
        "measured_at, result_id",
        f"model {model_name}",
        hardware_type=hardware_type,
        precision=precision,
        batch_size=batch_size,
    )


def generation_results(
    con,
    hardware_type: str | None = None,
    model_names: list[str] | None = None,
    precision: str | None = None,
    batch_size: int | None = None,
):
    """rpt_generation_results' completed rows (the generation charts), selection checked."""
    model_names = data.check_models(con, model_names) if model_names else model_names
    return _load(
        con,
        "rpt_generation_results",
        "status = 'completed'",
        {},
        "hardware_type, model_name, batch_size, input_length, output_length",
        "generation (benchdb run --kind generate)",
        hardware_type=hardware_type,
        model_names=model_names,
        precision=precision,
        batch_size=batch_size,
    )
