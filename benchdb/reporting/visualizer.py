"""Chart files from the warehouse, and the old `BenchmarkVisualizer` methods as plain functions.

`chart_file` is what `benchdb chart` calls. The `create_*` functions keep the old names and
argument order so a thin `BenchmarkVisualizer(db_path)` class can forward to them; each returns
the path it wrote and raises `ReportError` (a one-line message) on bad input or an empty
selection.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from benchdb.reporting import chart_data, charts, data, regressions
from benchdb.reporting.data import ReportError


def _db(db_path: Path | str | None) -> Path:
    from benchdb import paths as benchdb_paths

    return benchdb_paths.warehouse_path(db_path) if db_path else benchdb_paths.db_path()


def chart_file(
    db_path: Path,
    chart: str,
    metric_name: str,
    output: Path,
    *,
    model_name: str | None = None,
    model_names: list[str] | None = None,
    hardware_type: str | None = None,
    hardware_types: list[str] | None = None,
    precision: str | None = None,
    batch_size: int | None = None,
    dpi: int = 120,
    echo: Callable[[str], None] | None = None,
) -> Path:
    """Load the chart's frame from the marts, draw it and save it to `output` (.png/.svg/.pdf)."""
    if chart not in charts.CHART_FUNCTIONS:
        known = ", ".join(charts.CHART_FUNCTIONS)
        raise ReportError(f"unknown chart '{chart}': choose one of {known}")
    data.metric(metric_name)
    output = data.check_output_file(Path(output).resolve(), charts.SAVE_FORMATS)
    with data.connect(db_path) as con:
        if not data.measured_models(con):
            raise ReportError(
                "the warehouse has no completed results yet: nothing to chart "
                "(run `benchdb run` and `benchdb build` first)"
            )
        if chart in charts.GENERATION_CHART_TYPES:
            frame = chart_data.generation_results(
                con,
                hardware_type,
                model_names or ([model_name] if model_name else None),
                precision,
                batch_size,
            )
            return charts.save(charts.CHART_FUNCTIONS[chart](frame), output, dpi=dpi)
        if chart in ("hardware-comparison", "batch-size", "history") and not model_name:
            # the comparison and scaling marts hold forward passes only
            model_name = data.default_model(con, None if chart == "history" else "forward")
            if echo:
                echo(
                    f"no --model given: charting {model_name} (measured on the most hardware types)"
                )
        if chart == "model-comparison" and not hardware_type:
            hardware_type = data.default_hardware(con)
            if echo:
                echo(f"no --hardware given: charting {hardware_type} (the most models measured)")
        if chart == "hardware-comparison":
            frame = chart_data.hardware_comparison(
                con, model_name, precision, batch_size, hardware_types
            )
            plot = charts.hardware_comparison_chart(frame, metric_name, model_name)
        elif chart == "model-comparison":
            frame = chart_data.model_comparison(
                con, hardware_type, model_names, precision, batch_size
            )
            plot = charts.model_comparison_chart(frame, metric_name, hardware_type)
        elif chart == "batch-size":
            frame = chart_data.batch_size_scaling(con, model_name, hardware_type, precision)
            plot = charts.batch_size_chart(frame, metric_name, model_name, hardware_type)
        elif chart == "heatmap":
            frame = chart_data.best_results(con, metric_name, model_names, hardware_types)
            plot = charts.heatmap_chart(frame, metric_name)
        else:
            frame = chart_data.result_history(con, model_name, hardware_type, precision, batch_size)
            frame = regressions.with_marks(con, frame, metric_name)  # change points, windows
            plot = charts.history_chart(frame, metric_name, model_name, hardware_type)
    return charts.save(plot, output, dpi=dpi)


def _default_output(output_file: Path | str | None, stem: str) -> Path:
    return Path(output_file) if output_file else Path(f"{stem}.png")


def create_hardware_comparison_chart(
    model_name: str,
    metric: str = "throughput",
    output_file: Path | str | None = None,
    *,
    db_path: Path | str | None = None,
) -> Path:
    """Hardware side by side for one model; returns the chart file."""
    out = _default_output(output_file, f"hardware_comparison_{metric}")
    return chart_file(_db(db_path), "hardware-comparison", metric, out, model_name=model_name)


def create_model_comparison_chart(
    hardware_type: str,
    model_names: list[str] | None = None,
    metric: str = "throughput",
    output_file: Path | str | None = None,
    *,
    db_path: Path | str | None = None,
) -> Path:
    """Models side by side on one hardware type (all models with results when None)."""
    out = _default_output(output_file, f"model_comparison_{metric}")
    return chart_file(
        _db(db_path),
        "model-comparison",
        metric,
        out,
        hardware_type=hardware_type,
        model_names=model_names,
    )


def create_batch_size_comparison_chart(
    model_name: str,
    hardware_type: str | None = None,
    metric: str = "throughput",
    output_file: Path | str | None = None,
    *,
    db_path: Path | str | None = None,
) -> Path:
    """A metric against batch size for one model (on one hardware type, or all when None)."""
    out = _default_output(output_file, f"batch_size_comparison_{metric}")
    return chart_file(
        _db(db_path), "batch-size", metric, out, model_name=model_name, hardware_type=hardware_type
    )


def create_hardware_heatmap(
    model_names: list[str] | None = None,
    hardware_types: list[str] | None = None,
    metric: str = "throughput",
    output_file: Path | str | None = None,
    *,
    db_path: Path | str | None = None,
) -> Path:
    """The model x hardware matrix of the best value of a metric."""
    out = _default_output(output_file, f"hardware_heatmap_{metric}")
    return chart_file(
        _db(db_path), "heatmap", metric, out, model_names=model_names, hardware_types=hardware_types
    )


def create_dashboard(
    output_dir: Path | str,
    metrics: list[str] | None = None,
    model_names: list[str] | None = None,
    hardware_types: list[str] | None = None,
    *,
    db_path: Path | str | None = None,
) -> Path:
    """The dashboard folder; returns its index.html."""
    from benchdb.reporting.dashboard import build_dashboard

    return build_dashboard(
        _db(db_path), Path(output_dir).resolve(), metrics, model_names, hardware_types
    ).index
