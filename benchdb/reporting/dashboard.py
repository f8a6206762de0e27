"""The dashboard: a folder with index.html, every chart as a PNG beside it, and the key tables.

`plan` decides what to draw (pure: a list of `ChartSpec`), `build_dashboard` loads each chart's
frame, renders the charts and writes the page. With no choices it picks sensible defaults: the
model measured on the most hardware types, the hardware type with the most measured models,
and throughput and latency.
"""

from __future__ import annotations

import html
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from benchdb.reporting import chart_data, data, formats, generation_tables
from benchdb.reporting.data import ReportError
from benchdb.reporting.summary import simulated_sentence, warehouse_sentence, warehouse_summary

DEFAULT_METRICS = ("throughput", "latency")
# the generation charts' "metric": they draw their own (TTFT, decode tokens/s)
GENERATION = "generation"
GENERATION_CHARTS = ("ttft-vs-input-length", "tokens-per-second-vs-batch")


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the dashboard: its type, metric and subject (model or hardware type)."""

    chart: str
    metric: str
    model_name: str | None = None
    hardware_type: str | None = None

    @property
    def file_name(self) -> str:
        subject = self.model_name or self.hardware_type or "all"
        safe = "".join(c if c.isalnum() or c in "-." else "-" for c in subject).strip("-")
        return f"{self.chart}-{self.metric}-{safe}.png"

    @property
    def title(self) -> str:
        label = {
            "heatmap": "Model x hardware",
            "hardware-comparison": f"Hardware compared for {self.model_name}",
            "model-comparison": f"Models compared on {self.hardware_type}",
            "batch-size": f"Batch-size scaling of {self.model_name}",
            "history": f"History of {self.model_name}"
            + (f" on {self.hardware_type}" if self.hardware_type else ""),
            "ttft-vs-input-length": "Generation: time to first token by input length",
            "tokens-per-second-vs-batch": "Generation: decode tokens per second by batch size",
        }[self.chart]
        return label if self.metric == GENERATION else f"{label}: {self.metric}"


@dataclass
class Dashboard:
    """What `build_dashboard` wrote and how long each chart took."""

    index: Path
    charts: list[Path] = field(default_factory=list)
    skipped: list[tuple[ChartSpec, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # step -> seconds


def plan(
    metrics: list[str], model_names: list[str], hardware_types: list[str], history_hardware: str
) -> list[ChartSpec]:
    """Every chart of the dashboard, in page order."""
    specs: list[ChartSpec] = []
    for m in metrics:
        specs.append(ChartSpec("heatmap", m))
    for model in model_names:
        for m in metrics:
            specs.append(ChartSpec("hardware-comparison", m, model_name=model))
    for hardware in hardware_types:
        for m in metrics:
            specs.append(ChartSpec("model-comparison", m, hardware_type=hardware))
    for model in model_names:
        for m in metrics:
            specs.append(ChartSpec("batch-size", m, model_name=model))
    for model in model_names:
        specs.append(ChartSpec("history", metrics[0], model, history_hardware))
    return specs


def load_frame(con, spec: ChartSpec, model_names: list[str], hardware_types: list[str]):
    """The frame one chart draws (raises ReportError when the selection is empty)."""
    if spec.chart == "heatmap":
        return chart_data.best_results(
            con, spec.metric, model_names or None, hardware_types or None
        )
    if spec.chart == "hardware-comparison":
        return chart_data.hardware_comparison(con, spec.model_name)
    if spec.chart == "model-comparison":
        return chart_data.model_comparison(con, spec.hardware_type, model_names or None)
    if spec.chart == "batch-size":
        return chart_data.batch_size_scaling(con, spec.model_name)
    if spec.chart in GENERATION_CHARTS:
        return chart_data.generation_results(con, spec.hardware_type, model_names or None)
    from benchdb.reporting import regressions

    history = chart_data.result_history(con, spec.model_name, spec.hardware_type)
    return regressions.with_marks(con, history, spec.metric)


def reference_setting(frame, by_input: bool = True):
    """The dashboard's focus: one precision (fp32 when measured, else the most common) and,
    per model, the input size with the most results (ties: the smallest). Returns the
    narrowed frame and a caption note naming what is shown. Pure."""
    import pandas as pd

    if frame.empty or "precision" not in frame:
        return frame, ""
    precisions = frame["precision"].value_counts()
    precision = "fp32" if "fp32" in precisions.index else str(precisions.index[0])
    narrowed = frame[frame["precision"] == precision]
    shown = f"precision {precision}"
    if by_input and "input_label" in narrowed:
        keys = [c for c in ("sequence_length", "image_size", "audio_seconds") if c in narrowed]
        ordered = narrowed.sort_values(keys, kind="stable", na_position="first")
        counts = (
            ordered.groupby(["model_name", "input_label"], sort=False).size().reset_index(name="n")
        )
        best = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates("model_name")
        keep = pd.MultiIndex.from_frame(best[["model_name", "input_label"]])
        index = pd.MultiIndex.from_frame(narrowed[["model_name", "input_label"]])
        narrowed = narrowed[index.isin(keep)]
        shown += " at each model's most measured input size"
    if len(narrowed) == len(frame):
        return frame, ""
    return narrowed, (
        f"dashboard shows {shown}; `benchdb chart` with --precision / --batch-size shows the rest"
    )


def draw(spec: ChartSpec, frame):
    """The ggplot for one spec (pure): the dashboard's reference setting of `frame`."""
    from benchdb.reporting import charts

    if spec.chart == "heatmap":
        return charts.heatmap_chart(frame, spec.metric)
    if spec.chart in GENERATION_CHARTS:
        return charts.CHART_FUNCTIONS[spec.chart](frame)
    if spec.chart == "history":
        focused, note = reference_setting(frame, by_input=False)
        return charts.history_chart(focused, spec.metric, spec.model_name, spec.hardware_type, note)
    focused, note = reference_setting(frame)
    if spec.chart == "hardware-comparison":
        return charts.hardware_comparison_chart(focused, spec.metric, spec.model_name, note)
    if spec.chart == "model-comparison":
        return charts.model_comparison_chart(focused, spec.metric, spec.hardware_type, note)
    return charts.batch_size_chart(focused, spec.metric, spec.model_name, note=note)


def _render(job: tuple[ChartSpec, object, Path, int]) -> tuple[float, str | None]:
    """Draw and save one chart; returns (seconds, error or None). Runs in a worker process."""
    from benchdb.reporting import charts

    spec, frame, path, dpi = job
    started = time.perf_counter()
    try:
        charts.save(draw(spec, frame), path, dpi=dpi)
    except ReportError as exc:
        return time.perf_counter() - started, str(exc)
    return time.perf_counter() - started, None


def build_dashboard(
    db_path: Path,
    output_dir: Path,
    metrics: list[str] | None = None,
    model_names: list[str] | None = None,
    hardware_types: list[str] | None = None,
    dpi: int = 90,
    workers: int | None = None,
    echo: Callable[[str], None] | None = None,
) -> Dashboard:
    """Write output_dir/index.html and one PNG per chart. output_dir is checked first: its
    parent must exist and it must be (or become) a folder that accepts files."""
    metrics = list(metrics or DEFAULT_METRICS)
    for m in metrics:
        data.metric(m)
    output_dir = data.check_output_file(Path(output_dir), folder=True)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with data.connect(db_path) as con:
        if not data.measured_models(con):
            raise ReportError(
                "the warehouse has no completed results yet: nothing to chart "
                "(run `benchdb run` and `benchdb build` first)"
            )
        # models or hardware asked for but never measured are left out; unknown ones are errors
        model_names = data.check_models(con, model_names) if model_names else model_names
        if hardware_types:
            hardware_types = data.check_hardware_list(con, hardware_types)
        chart_models = list(
            model_names or [data.default_model(con, "forward") or data.default_model(con)]
        )
        chart_hardware = list(hardware_types or [data.default_hardware(con)])
        history_hardware = chart_hardware[0]
        specs = plan(metrics, chart_models, chart_hardware, history_hardware)
        if has_generation_results(con):
            # a warehouse with generation benchmarks gets their two charts (docs/generation.md)
            # (every hardware type in panels, unless one was chosen)
            one = hardware_types[0] if hardware_types and len(hardware_types) == 1 else None
            specs += [ChartSpec(c, GENERATION, hardware_type=one) for c in GENERATION_CHARTS]
        jobs, skipped = [], []
        for spec in specs:
            try:
                frame = load_frame(con, spec, model_names or [], hardware_types or [])
            except ReportError as exc:
                skipped.append((spec, str(exc)))
                continue
            jobs.append((spec, frame, output_dir / spec.file_name, dpi))
        tables = key_tables(con, model_names or [], hardware_types or [])
        summary = simulation_summary(con)
    timings["read marts"] = time.perf_counter() - started

    try:
        output_dir.mkdir(exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create {output_dir}: {exc.strerror or exc}") from None
    results = _render_all(jobs, workers)
    charts: list[Path] = []
    for (spec, _frame, path, _dpi), (seconds, error) in zip(jobs, results):
        timings[spec.file_name] = seconds
        if error:
            skipped.append((spec, error))
        else:
            charts.append(path)
            if echo:
                echo(f"{path.name}  {seconds:.2f}s")

    started = time.perf_counter()
    drawn = [(spec, path) for (spec, _f, path, _d) in jobs if path in charts]
    page = dashboard_html(drawn, skipped, tables, summary, db_path)
    index = output_dir / "index.html"
    formats.write_text(index, page)
    timings["write index.html"] = time.perf_counter() - started
    return Dashboard(index=index, charts=charts, skipped=skipped, timings=timings)


def _render_all(jobs: list, workers: int | None) -> list[tuple[float, str | None]]:
    """Render in worker processes (one per core, at most); serially when there is one."""
    count = workers if workers is not None else min(len(jobs), os.cpu_count() or 1)
    if count <= 1 or len(jobs) <= 1:
        return [_render(job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from benchdb.reporting import charts  # noqa: F401 (import plotnine once, before forking)

    # fork: the workers start with plotnine already imported; they open no database
    context = multiprocessing.get_context("fork")
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][1]))  # big charts first
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        done = dict(zip(order, pool.map(_render, [jobs[i] for i in order])))
    return [done[i] for i in range(len(jobs))]


def has_generation_results(con) -> bool:
    """Whether the warehouse holds a completed generation (a warehouse built before
    rpt_generation_results has none)."""
    if not generation_tables.has_generation_mart(con):
        return False
    ((found,),) = con.execute(
        "select count(*) from rpt_generation_results where status = 'completed'"
    ).fetchall()
    return found > 0


# ---------------------------------------------------------------- tables and the page


def simulation_summary(con) -> dict:
    """Counts for the page's header: rpt_warehouse_summary's row, as the reports print it."""
    return warehouse_summary(con)


def key_tables(con, model_names: list[str], hardware_types: list[str]) -> dict[str, object]:
    """The tables the page shows, as pyarrow Tables keyed by heading: what is known per model and
    hardware, the regression alerts, the latest forward pass per configuration, then the
    generation tables (generation_tables, the report's own loader: measured, estimated and did
    not complete apart), each with its note in TABLE_NOTES."""
    params: dict = {}
    where = "where configurations_tried > 0"
    if model_names:
        where += " and list_contains($models, model_name)"
        params["models"] = model_names
    if hardware_types:
        where += " and list_contains($hardware, hardware_type)"
        params["hardware"] = hardware_types
    matrix = data.arrow(
        con,
        f"""
        select
            model_name, hardware_type, compatibility_status,
            configurations_measured as measured, configurations_simulated as simulated,
            configurations_failed as failed, configurations_unsupported as unsupported,
            configurations_unavailable as unavailable,
            round(best_throughput_items_per_second, 2) as best_items_per_second,
            round(best_latency_p50_ms, 3) as best_p50_ms,
            round(lowest_memory_peak_mb, 1) as lowest_peak_mb
        from rpt_model_hardware_matrix
        {where}
        order by model_name, hardware_type
        """,
        params,
    )
    latest = data.arrow(
        con,
        f"""
        select
            model_name, hardware_type, precision, batch_size, input_label,
            round(latency_p50_ms, 3) as p50_ms, round(latency_p90_ms, 3) as p90_ms,
            round(latency_p99_ms, 3) as p99_ms,
            round(throughput_items_per_second, 2) as items_per_second,
            round(memory_peak_mb, 1) as peak_mb,
            case when is_simulated then 'simulated' else 'measured' end as result,
            strftime(measured_at, '%Y-%m-%d %H:%M') as measured_at_utc
        from rpt_latest_results
        {where.replace("configurations_tried > 0", FORWARD_COMPLETED)}
        order by model_name, hardware_type, precision, batch_size, input_label
        limit 200
        """,
        params,
    )
    from benchdb.reporting import regressions

    heading, alerts, _ = regressions.section(con)
    tables = {
        "Model x hardware: what is known": matrix,
        heading: alerts,
        "Latest result per configuration (first 200)": latest,
    }
    for title, table, _note in generation_tables.generation_tables(
        con, model_names, hardware_types
    ):
        tables[title] = table
    return tables


# the forward table: forward passes only (generations have their own tables)
FORWARD_COMPLETED = "status = 'completed' and coalesce(benchmark_kind, 'forward') = 'forward'"
# what a table's rows are, under its heading
TABLE_NOTES = {
    "Latest result per configuration (first 200)": (
        "Forward passes; generations (time to first token, time per output token) are in the "
        "generation tables below."
    ),
    generation_tables.MEASURED: generation_tables.MEASURED_NOTE,
    generation_tables.ESTIMATED: generation_tables.ESTIMATED_NOTE,
    generation_tables.FAILED: generation_tables.FAILED_NOTE,
}


def _simulated_sentence(summary: dict) -> str:
    sentence = simulated_sentence(summary)
    if int(summary["results_simulated"]):
        sentence += " Charts draw them faded with a dashed outline or as triangles."
    return sentence


def dashboard_html(
    charts: list[tuple[ChartSpec, Path]],
    skipped: list[tuple[ChartSpec, str]],
    tables: dict[str, object],
    summary: dict,
    db_path: Path,
) -> str:
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<h1>benchdb dashboard</h1>",
        f"<p>Warehouse {html.escape(str(db_path))}, generated {generated}.</p>",
        f'<p id="warehouse-counts">{html.escape(warehouse_sentence(summary))}</p>',
        f'<p class="simulated-note" id="simulated-count">'
        f"{html.escape(_simulated_sentence(summary))}</p>",
        "<h2>Charts</h2>",
    ]
    for spec, path in charts:
        parts.append(
            f'<figure><img src="{html.escape(path.name)}" alt="{html.escape(spec.title)}">'
            f"<figcaption>{html.escape(spec.title)}</figcaption></figure>"
        )
    if skipped:
        parts.append("<h3>Not drawn</h3><ul>")
        parts += [
            f"<li>{html.escape(spec.title)}: {html.escape(reason)}</li>" for spec, reason in skipped
        ]
        parts.append("</ul>")
    for heading, table in tables.items():
        columns, rows = formats.rows_of(table)
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if heading in TABLE_NOTES:
            parts.append(f"<p>{html.escape(TABLE_NOTES[heading])}</p>")
        parts.append(formats.html_table(columns, rows) if rows else "<p>No rows.</p>")
    style = "figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }"
    return formats.html_page("benchdb dashboard", f"<style>{style}</style>\n" + "\n".join(parts))
