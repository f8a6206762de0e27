"""`benchdb compare`: hardware side by side for a model, or models side by side on hardware."""

from __future__ import annotations

import json

import click

from benchdb.options import (
    batch_size_option,
    db_path_option,
    format_option,
    hardware_option,
    metric_option,
    model_option,
    output_option,
    precision_option,
    resolve_db_path,
)


@click.command()
@model_option(help="Compare the hardware types this model ran on.")
@hardware_option(help="Compare the models that ran on this hardware type.")
@metric_option(
    default="throughput", show_default=True, help="throughput, latency (p50) or memory (peak)."
)
@precision_option(help="Only this precision.")
@batch_size_option(help="Only this batch size.")
@format_option(["table", "markdown", "csv", "json"], default="table")
@output_option()
@db_path_option()
def compare(model, hardware, metric, precision, batch_size, fmt, output, db_path) -> None:
    """Compare hardware for a model, or models on a hardware type, as a table.

    Each value is the standing result of its configuration (rpt_latest_results); a value
    marked * is simulated.

    \b
      benchdb compare --model bert-base-uncased --metric throughput
      benchdb compare --hardware cpu --metric latency --precision bf16 --batch-size 1
      benchdb compare --model bert-base-uncased --metric memory --format csv --output mem.csv
    """
    from benchdb.reporting import compare as comparing
    from benchdb.reporting import data, formats
    from benchdb.text_table import render

    if bool(model) == bool(hardware):
        raise click.UsageError("give exactly one of --model or --hardware")
    data.metric(metric)  # --output was checked when parsed (benchdb.options.OutputPath)
    with data.connect(resolve_db_path(db_path)) as con:
        if model:
            result = comparing.compare_hardware(con, model, metric, precision, batch_size)
        else:
            result = comparing.compare_models(con, hardware, metric, precision, batch_size)
    if fmt in ("table", "markdown"):
        columns, rows = result.cells(mark=True)
        body = render(columns, rows) if fmt == "table" else formats.markdown_table(columns, rows)
        text = f"{result.metric.name} for {result.title}\n\n{body}\n\n{result.footnote()}"
    elif fmt == "csv":
        import pyarrow as pa

        columns, rows = result.cells(mark=False)
        text = formats.to_csv(pa.Table.from_pylist([dict(zip(columns, r)) for r in rows]))
    else:
        columns, rows = result.cells(mark=False)
        text = json.dumps([dict(zip(columns, r)) for r in rows], default=str, indent=2)
    if output:
        formats.write_text(output, text + "\n")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


COMMANDS = [compare]
