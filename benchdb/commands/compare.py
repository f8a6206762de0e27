"""`benchdb compare`: hardware side by side for a model, or models side by side on hardware."""

from __future__ import annotations

import json
from pathlib import Path

import click

from benchdb.options import db_path_option, resolve_db_path


@click.command()
@click.option("--model", default=None, help="Compare the hardware types this model ran on.")
@click.option("--hardware", default=None, help="Compare the models that ran on this hardware.")
@click.option(
    "--metric",
    default="throughput",
    show_default=True,
    help="throughput, latency (p50) or memory (peak).",
)
@click.option("--precision", default=None, help="Only this precision.")
@click.option("--batch-size", type=int, default=None, help="Only this batch size.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of the terminal.",
)
@db_path_option
def compare(model, hardware, metric, precision, batch_size, fmt, output, db_path) -> None:
    """Compare hardware for a model, or models on a hardware type, as a table.

    Each value is the standing result of its configuration (rpt_latest_results); a value
    marked * is simulated.

    \b
      benchdb compare --model bert-base-uncased --metric throughput
      benchdb compare --hardware cuda --metric latency --precision fp16
    """
    from benchdb.reporting import compare as comparing
    from benchdb.reporting import data, formats
    from benchdb.text_table import render

    if bool(model) == bool(hardware):
        raise click.UsageError("give exactly one of --model or --hardware")
    data.metric(metric)
    if output is not None and not output.resolve().parent.exists():
        raise data.ReportError(f"output folder {output.resolve().parent} does not exist")
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
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


COMMANDS = [compare]
