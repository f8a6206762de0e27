"""`benchdb report`: performance, hardware, compatibility and simulation reports.

`build_report` reads the marts into a `Report` (tables and chart specs); `render_html`,
`render_markdown` and `render_csv` turn it into one file. The HTML file is self-contained
(charts embedded as base64 PNG, styles inline) and says at the top how many results are
simulated; so does the Markdown. The counts are rpt_warehouse_summary's, the same the dashboard
and `simulation report` print; "best" is rpt_best_results'. CSV holds the report's main table.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from benchdb.reporting import chart_data, charts, data, formats, generation_tables
from benchdb.reporting.data import ReportError
from benchdb.reporting.summary import simulated_sentence, warehouse_sentence, warehouse_summary

REPORT_TYPES = ("performance", "hardware", "compatibility", "simulation")
REPORT_FORMATS = ("html", "markdown", "csv")
SUFFIXES = {"html": (".html", ".htm"), "markdown": (".md", ".markdown"), "csv": (".csv",)}


@dataclass
class Section:
    heading: str
    table: object  # pyarrow.Table
    note: str = ""


@dataclass
class Report:
    kind: str
    title: str
    simulated_sentence: str  # how many of the report's results are simulated
    summary: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    charts: list[tuple[str, Callable[[], object]]] = field(default_factory=list)  # title, plot()


# ---------------------------------------------------------------- reading


def _simulated_note(summary: dict) -> str:
    """The shared sentence (rpt_warehouse_summary), and how this report shows estimates."""
    sentence = simulated_sentence(summary)
    if int(summary["results_simulated"]):
        sentence += " Tables mark them 'simulated'; charts draw them faded."
    return sentence


def _chart(fn, *args) -> Callable[[], object]:
    return lambda: fn(*args)


def _performance(con, summary: dict) -> Report:
    report = Report(
        "performance",
        "Performance report",
        _simulated_note(summary),
        [warehouse_sentence(summary), "One row per configuration: its standing result."],
    )
    report.sections.append(
        Section(
            "Latest result per configuration",
            data.arrow(
                con,
                """
                select
                    model_name, hardware_type, precision, batch_size, input_label,
                    round(latency_p50_ms, 3) as p50_ms, round(latency_p90_ms, 3) as p90_ms,
                    round(latency_p99_ms, 3) as p99_ms,
                    round(throughput_items_per_second, 2) as items_per_second,
                    round(memory_peak_mb, 1) as peak_mb,
                    case when is_simulated then 'simulated' else 'measured' end as result,
                    quality,
                    simulation_reason,
                    strftime(measured_at, '%Y-%m-%d %H:%M') as measured_at_utc
                from rpt_latest_results
                where status = 'completed' and coalesce(benchmark_kind, 'forward') = 'forward'
                order by model_name, hardware_type, precision, batch_size, input_label
                """,
            ),
            "Forward passes; generations (time to first token, time per output token) are in "
            "the generation tables below. quality: 'noisy' when measured on a busy host or with "
            "a high spread (docs/landing_zone.md); empty for estimates.",
        )
    )
    report.sections.append(
        Section(
            "Best per model and hardware type",
            data.arrow(
                con,
                """
                select
                    model_name, hardware_type,
                    case metric
                        when 'throughput_items_per_second' then 'items_per_second'
                        when 'latency_p50_ms' then 'p50_ms'
                        else 'peak_mb'
                    end as metric,
                    round(value, 3) as best,
                    configuration_label as reached_at,
                    case when is_simulated then 'simulated' else 'measured' end as result,
                    configurations_measured as measured,
                    configurations_estimated as estimated
                from rpt_best_results
                order by model_name, hardware_type, metric
                """,
            ),
            "rpt_best_results: a measurement always beats an estimate; an estimate is shown only "
            "where nothing of that model was measured on that hardware type.",
        )
    )
    if _completed_forward(con):
        report.charts += [
            (
                "Best throughput",
                _chart(
                    charts.heatmap_chart, chart_data.best_results(con, "throughput"), "throughput"
                ),
            ),
            (
                "Best latency",
                _chart(charts.heatmap_chart, chart_data.best_results(con, "latency"), "latency"),
            ),
        ]
        model = data.default_model(con, kind="forward")
        scaling = chart_data.batch_size_scaling(con, model)
        report.charts.append(
            (
                f"Batch-size scaling of {model}",
                _chart(charts.batch_size_chart, scaling, "throughput", model),
            )
        )
    _generation(con, report)
    from benchdb.reporting import regressions

    report.sections.append(Section(*regressions.section(con)))
    report.charts += regressions.report_charts(con)
    return report


def _completed_forward(con) -> bool:
    """Whether a forward pass has a completed standing result (the forward marts' charts)."""
    return bool(
        con.sql(
            "select 1 from rpt_latest_results "
            "where status = 'completed' and coalesce(benchmark_kind, 'forward') = 'forward' limit 1"
        ).fetchall()
    )


def _generation(con, report: Report) -> None:
    """The generation tables (measured, estimated, did not complete: each labelled, never
    mixed; generation_tables) and, when anything completed, the two generation charts; nothing
    in a warehouse without generations."""
    tables = generation_tables.generation_tables(con)
    report.sections += [Section(heading, table, note) for heading, table, note in tables]
    if any(t.num_rows for heading, t, _ in tables if heading != generation_tables.FAILED):
        frame = chart_data.generation_results(con)
        report.charts += [
            (
                "Generation: time to first token by input length",
                _chart(charts.ttft_vs_input_length_chart, frame),
            ),
            (
                "Generation: decode tokens per second by batch size",
                _chart(charts.tokens_per_second_vs_batch_chart, frame),
            ),
        ]


def _hardware(con, summary: dict) -> Report:
    report = Report(
        "hardware",
        "Hardware report",
        _simulated_note(summary),
        [warehouse_sentence(summary), "Hardware with no completed result is not compared."],
    )
    report.sections.append(
        Section(
            "Hardware compared per model and configuration",
            data.arrow(
                con,
                """
                select
                    model_name, configuration_label, precision, hardware_type,
                    round(throughput_items_per_second, 2) as items_per_second,
                    round(throughput_vs_cpu, 3) as throughput_vs_cpu,
                    round(latency_p50_ms, 3) as p50_ms,
                    round(latency_p50_vs_cpu, 3) as p50_vs_cpu,
                    round(memory_peak_mb, 1) as peak_mb,
                    throughput_rank,
                    case when is_simulated then 'simulated' else 'measured' end as result
                from rpt_hardware_comparison
                order by model_name, precision, batch_size, input_label, throughput_rank
                """,
            ),
            "throughput_vs_cpu: items per second against the CPU at the same model and "
            "configuration (NULL when the CPU was not measured); rank 1 is the fastest.",
        )
    )
    report.sections.append(
        Section(
            "Per hardware type",
            data.arrow(
                con,
                """
                select
                    hardware_type,
                    count(distinct model_name) filter (where status = 'completed')
                        as models_completed,
                    count_if(status = 'completed' and not is_simulated) as measured,
                    count_if(status = 'completed' and is_simulated) as simulated,
                    count_if(status in ('failed', 'oom', 'timeout', 'unknown')) as failed,
                    count_if(status = 'unsupported') as unsupported,
                    count_if(status = 'unavailable') as unavailable,
                    strftime(max(measured_at), '%Y-%m-%d %H:%M') as last_measured_utc
                from rpt_latest_results
                group by hardware_type
                order by hardware_type
                """,
            ),
            "Counts of configurations by their standing result.",
        )
    )
    report.sections.append(
        Section(
            "Devices",
            data.arrow(
                con,
                """
                select hardware_type, device_name, platform, memory_gb, compute_units
                from hardware_platforms
                order by hardware_type, device_name
                """,
            ),
        )
    )
    if _completed_forward(con):
        model = data.default_model(con, kind="forward")
        report.charts += [
            (
                "Best throughput",
                _chart(
                    charts.heatmap_chart, chart_data.best_results(con, "throughput"), "throughput"
                ),
            ),
            (
                f"Hardware compared for {model}",
                _chart(
                    charts.hardware_comparison_chart,
                    chart_data.hardware_comparison(con, model),
                    "throughput",
                    model,
                ),
            ),
        ]
    return report


def _compatibility(con, summary: dict) -> Report:
    matrix = data.frame(
        con, "select * from rpt_model_hardware_matrix order by model_name, hardware_type"
    )
    tried = matrix[matrix["configurations_tried"] > 0]
    simulated_cells = int((tried["compatibility_status"] == "simulated only").sum())
    report = Report(
        "compatibility",
        "Compatibility report",
        _simulated_note(summary),
        [
            warehouse_sentence(summary),
            (
                f"{simulated_cells} of the {len(tried)} model x hardware cells tried are known "
                "only from simulated results (estimates, not measurements)."
                if len(tried)
                else "No model x hardware cell has been tried."
            ),
            "measured: at least one configuration measured; simulated only: estimates, no "
            "measurement; failed / unsupported / unavailable: nothing completed, for that reason.",
        ],
    )
    report.sections.append(
        Section(
            "Model x hardware",
            data.arrow(
                con,
                """
                select
                    model_name, hardware_type, compatibility_status,
                    configurations_tried as tried, configurations_measured as measured,
                    configurations_simulated as simulated, configurations_failed as failed,
                    configurations_unsupported as unsupported,
                    configurations_unavailable as unavailable
                from rpt_model_hardware_matrix
                where configurations_tried > 0
                order by model_name, hardware_type
                """,
            ),
        )
    )
    report.sections.append(
        Section(
            "Configurations that did not complete",
            data.arrow(
                con,
                """
                select
                    model_name, hardware_type, precision, batch_size, input_label, status,
                    error_type, error_message, attempts,
                    strftime(latest_attempt_at, '%Y-%m-%d %H:%M') as last_tried_utc
                from rpt_latest_results
                where status <> 'completed'
                order by model_name, hardware_type, precision, batch_size
                """,
            ),
        )
    )
    if not tried.empty:
        report.charts.append(("What is known", _chart(charts.compatibility_chart, matrix)))
    return report


def _simulation(con, summary: dict) -> Report:
    import pyarrow as pa

    from benchdb.simulation_report import simulation_report

    numbers = simulation_report(con)
    report = Report(
        "simulation",
        "Simulation report",
        _simulated_note(summary),
        [warehouse_sentence(summary)],
    )
    breakdown = [
        {
            "dimension": column,
            "value": row[column],
            "completed": row["total"],
            "simulated": row["simulated"],
            "simulated_pct": float(row["percentage"]),
        }
        for column, key in (("hardware_type", "by_hardware"), ("model_name", "by_model"))
        for row in numbers[key]
    ]
    report.sections.append(
        Section(
            "Simulated share by hardware type and by model",
            pa.Table.from_pylist(
                breakdown,
                schema=pa.schema(
                    [
                        ("dimension", pa.string()),
                        ("value", pa.string()),
                        ("completed", pa.int64()),
                        ("simulated", pa.int64()),
                        ("simulated_pct", pa.float64()),
                    ]
                ),
            ),
        )
    )
    report.sections.append(
        Section(
            "By reason",
            pa.Table.from_pylist(
                [
                    {
                        "simulation_reason": r["reason"] or "(no reason recorded)",
                        "results": r["results"],
                    }
                    for r in numbers["by_reason"]
                ],
                schema=pa.schema([("simulation_reason", pa.string()), ("results", pa.int64())]),
            ),
        )
    )
    report.sections.append(
        Section(
            "Configurations whose standing result is simulated",
            data.arrow(
                con,
                """
                select model_name, hardware_type, precision, batch_size, input_label,
                    round(throughput_items_per_second, 2) as items_per_second,
                    round(latency_p50_ms, 3) as p50_ms, simulation_reason
                from rpt_latest_results
                where status = 'completed' and is_simulated
                order by model_name, hardware_type, precision, batch_size
                limit 500
                """,
            ),
            "At most 500 rows.",
        )
    )
    has_accuracy = con.sql(
        "select 1 from information_schema.tables where table_name = 'simulation_accuracy'"
    ).fetchall()
    if has_accuracy:
        report.sections.append(
            Section(
                "How close estimates came to measurements",
                data.arrow(con, "select * from simulation_accuracy order by all"),
                "estimate / measured mean latency where a configuration has both "
                "(simulation_accuracy); below 1 the estimate is optimistic.",
            )
        )
    if int(summary["results_completed"]):
        import pandas as pd

        per_hardware = pd.DataFrame(
            [
                {
                    "hardware_type": r["hardware_type"],
                    "measured": r["total"] - r["simulated"],
                    "simulated": r["simulated"],
                }
                for r in numbers["by_hardware"]
            ]
        )
        report.charts.append(
            ("Measured and simulated", _chart(charts.simulation_share_chart, per_hardware))
        )
    return report


BUILDERS = {
    "performance": _performance,
    "hardware": _hardware,
    "compatibility": _compatibility,
    "simulation": _simulation,
}


def build_report(con, kind: str) -> Report:
    if kind not in BUILDERS:
        raise ReportError(f"unknown report '{kind}': choose one of {', '.join(REPORT_TYPES)}")
    return BUILDERS[kind](con, warehouse_summary(con))


# ---------------------------------------------------------------- writing


def render_html(report: Report, dpi: int = 90) -> str:
    """One self-contained HTML file: inline styles, charts as base64 PNG data URIs."""
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"<h1>{html.escape(report.title)}</h1>",
        f'<p class="simulated-note" id="simulated-count">'
        f"{html.escape(report.simulated_sentence)}</p>",
        *(f"<p>{html.escape(s)}</p>" for s in report.summary),
        f"<p>Generated {generated} by benchdb.</p>",
    ]
    for title, plot in report.charts:
        try:
            png = charts.png_bytes(plot(), dpi=dpi)
        except ReportError as exc:
            parts.append(f"<p>{html.escape(title)}: not drawn ({html.escape(str(exc))})</p>")
            continue
        encoded = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<figure><img src="data:image/png;base64,{encoded}" alt="{html.escape(title)}">'
            f"<figcaption>{html.escape(title)}</figcaption></figure>"
        )
    for section in report.sections:
        columns, rows = formats.rows_of(section.table)
        parts.append(f"<h2>{html.escape(section.heading)}</h2>")
        if section.note:
            parts.append(f"<p>{html.escape(section.note)}</p>")
        parts.append(formats.html_table(columns, rows) if rows else "<p>No rows.</p>")
    style = "figure img { max-width: 100%; border: 1px solid #ddd; }"
    return formats.html_page(report.title, f"<style>{style}</style>\n" + "\n".join(parts))


def render_markdown(report: Report) -> str:
    lines = [f"# {report.title}", "", f"**{report.simulated_sentence}**", ""]
    lines += [*report.summary, ""]
    if report.charts:
        lines += ["Charts are in the HTML report (`--format html`).", ""]
    for section in report.sections:
        columns, rows = formats.rows_of(section.table)
        lines += [f"## {section.heading}", ""]
        if section.note:
            lines += [section.note, ""]
        lines += [formats.markdown_table(columns, rows) if rows else "No rows.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_csv(report: Report) -> str:
    """The report's main (first) table."""
    return formats.to_csv(report.sections[0].table) + "\n"


def write_report(db_path: Path, kind: str, fmt: str, output: Path, dpi: int = 90) -> Report:
    """Build the report from the warehouse and write it to `output` in `fmt`."""
    if fmt not in REPORT_FORMATS:
        raise ReportError(f"unknown format '{fmt}': choose one of {', '.join(REPORT_FORMATS)}")
    output = data.check_output_file(Path(output), SUFFIXES[fmt])
    with data.connect(db_path) as con:
        report = build_report(con, kind)
        if fmt == "html":
            text = render_html(report, dpi)
        elif fmt == "markdown":
            text = render_markdown(report)
        else:
            text = render_csv(report)
    formats.write_text(output, text)
    return report
