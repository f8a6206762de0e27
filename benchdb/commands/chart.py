"""`benchdb chart`: one chart to a PNG, SVG or PDF file, or the whole dashboard to a folder."""

from __future__ import annotations

from pathlib import Path

import click

from benchdb.options import (
    batch_size_option,
    check_output,
    db_path_option,
    hardware_option,
    metric_option,
    model_option,
    output_option,
    precision_option,
    resolve_db_path,
)

CHARTS = ("hardware-comparison", "model-comparison", "batch-size", "heatmap", "history")
# generation benchmarks: their own metrics (TTFT; decode tokens/s), so no --metric
GENERATION_CHARTS = ("ttft-vs-input-length", "tokens-per-second-vs-batch")
ALIASES = {"batch-size-comparison": "batch-size", "hardware-heatmap": "heatmap"}
MANY_HARDWARE = ("heatmap", "hardware-comparison")


def _one(values: list[str] | None, option: str, chart: str) -> str | None:
    if values and len(values) > 1:
        raise click.BadParameter(
            f"{chart} takes one value, got {', '.join(values)}", param_hint=option
        )
    return values[0] if values else None


@click.command()
@click.argument(
    "chart_type",
    metavar="CHART",
    type=click.Choice([*CHARTS, *GENERATION_CHARTS, "dashboard", *ALIASES]),
)
@model_option(several=True, help="Model (several for heatmap, model-comparison, dashboard).")
@hardware_option(several=True, help="Hardware type (several for heatmap, dashboard).")
@metric_option(
    several=True,
    help="throughput, latency or memory [default: throughput; dashboard: throughput,latency]; "
    "several only for the dashboard.",
)
@precision_option(help="Only this precision (fp32, fp16, bf16 ...).")
@batch_size_option(help="Only this batch size.")
@output_option(
    folder=True,
    help="Chart file (.png, .svg, .pdf) [default: CHART-METRIC.png]; the dashboard's folder "
    "[default: dashboard].",
)
@click.option(
    "--dpi",
    type=click.IntRange(min=1),
    default=None,
    help="Resolution of PNG files [default: 120; dashboard 90].",
)
@db_path_option()
def chart(
    chart_type, models, hardware, metrics, precision, batch_size, output, dpi, db_path
) -> None:
    """Draw a chart from the reporting marts.

    Simulated results are drawn faded (dashed outline, triangles) with a legend entry;
    latency is the median with p90 and p99 whiskers. Without --model or --hardware, the model
    measured on the most hardware types and the hardware type with the most models are used.
    The generation charts (`benchdb run --kind generate`) draw every hardware type, or the one
    --hardware names, in panels: TTFT p50 by input length, decode tokens/s by batch size.

    \b
      benchdb chart hardware-comparison --model bert-base-uncased --output hw.png
      benchdb chart model-comparison --hardware cpu --metric latency --output models.svg
      benchdb chart batch-size --model gpt2 --hardware cpu --output batch.pdf
      benchdb chart heatmap --metric throughput --output heatmap.png
      benchdb chart history --model gpt2 --hardware cpu --output history.png
      benchdb chart ttft-vs-input-length --output ttft.png
      benchdb chart tokens-per-second-vs-batch --hardware cpu --output tokens.png
      benchdb chart dashboard --output dash
    """
    from benchdb.reporting import data

    chart_type = ALIASES.get(chart_type, chart_type)
    db = resolve_db_path(db_path)
    metrics = metrics or []
    for name in metrics:
        data.metric(name)
    if chart_type == "dashboard":
        output = check_output(output or Path("dashboard").resolve(), folder=True)
        _dashboard(db, output, metrics, models, hardware, dpi)
        return
    if len(metrics) > 1:
        raise click.BadParameter(
            "one metric per chart (several only for the dashboard)", param_hint="--metric"
        )
    if chart_type in GENERATION_CHARTS and metrics:
        raise click.BadParameter(
            f"{chart_type} draws its own metric; leave --metric out", param_hint="--metric"
        )
    metric_name = metrics[0] if metrics else "throughput"
    from benchdb.reporting import charts, visualizer

    # a file, not a folder, with a chart's suffix (the default's folder is checked too)
    stem = chart_type if chart_type in GENERATION_CHARTS else f"{chart_type}-{metric_name}"
    default = Path(f"{stem}.png").resolve()
    output = check_output(output or default, charts.SAVE_FORMATS)

    path = visualizer.chart_file(
        db,
        chart_type,
        metric_name,
        output,
        model_name=None
        if chart_type in ("heatmap", "model-comparison", *GENERATION_CHARTS)
        else _one(models, "--model", chart_type),
        model_names=models
        if chart_type in ("heatmap", "model-comparison", *GENERATION_CHARTS)
        else None,
        hardware_type=None
        if chart_type in MANY_HARDWARE
        else _one(hardware, "--hardware", chart_type),
        hardware_types=hardware if chart_type in MANY_HARDWARE else None,
        precision=precision,
        batch_size=batch_size,
        dpi=dpi or 120,
        echo=lambda line: click.echo(line, err=True),
    )
    click.echo(f"wrote {path}")


def _dashboard(db: Path, output: Path, metrics, models, hardware, dpi) -> None:
    from benchdb.reporting.dashboard import build_dashboard

    result = build_dashboard(
        db,
        output.resolve(),
        metrics=metrics or None,
        model_names=models,
        hardware_types=hardware,
        dpi=dpi or 90,
        echo=lambda line: click.echo(line, err=True),
    )
    for step in ("read marts", "write index.html"):
        click.echo(f"{step}  {result.timings[step]:.2f}s", err=True)
    for spec, reason in result.skipped:
        click.echo(f"not drawn: {spec.title}: {reason}", err=True)
    click.echo(f"wrote {result.index} ({len(result.charts)} charts)")


COMMANDS = [chart]
