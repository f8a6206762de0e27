"""`benchdb compare`: hardware side by side for a model, models side by side on hardware, or
two runs, commits or environments (--baseline, --candidate) configuration by configuration."""

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
@click.option("--baseline", default=None, help="With --candidate: what to compare against.")
@click.option("--candidate", default=None, help="With --baseline: what is compared.")
@metric_option(
    default="throughput", show_default=True, help="throughput, latency (p50) or memory (peak)."
)
@precision_option(help="Only this precision.")
@batch_size_option(help="Only this batch size.")
@format_option(["table", "markdown", "csv", "json"], default="table")
@output_option()
@db_path_option()
def compare(
    model, hardware, baseline, candidate, metric, precision, batch_size, fmt, output, db_path
) -> None:
    """Compare hardware for a model, or models on a hardware type, as a table; or two runs,
    commits or environments.

    Each value is the standing result of its configuration (rpt_latest_results); a value
    marked * is simulated.

    With --baseline and --candidate (latest, previous, a run id, a commit, run:ID,
    commit:SHA, or COLUMN=VALUE for an environment column such as torch_version=2.12.0): the
    candidate's speedup over the baseline for every configuration measured on both sides
    (measurements only), with a 95% interval from every timed iteration, and the geometric
    mean over those configurations only. --model, --hardware, --precision and --batch-size
    narrow it; --metric is not used (throughput is batch over mean latency: the same ratio).

    \b
      benchdb compare --model bert-base-uncased --metric throughput
      benchdb compare --hardware cpu --metric latency --precision bf16 --batch-size 1
      benchdb compare --model bert-base-uncased --metric memory --format csv --output mem.csv
      benchdb compare --baseline previous --candidate latest --hardware cpu
    """
    from benchdb.reporting import compare as comparing
    from benchdb.reporting import data, formats
    from benchdb.text_table import render

    if baseline or candidate:
        _compare_sides(
            baseline, candidate, model, hardware, precision, batch_size, fmt, output, db_path
        )
        return
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


def _compare_sides(
    baseline, candidate, model, hardware, precision, batch_size, fmt, output, db_path
) -> None:
    """`compare --baseline X --candidate Y` (benchdb.regressions.compare_runs)."""
    from benchdb import regressions
    from benchdb.reporting import data, formats
    from benchdb.text_table import render

    if not (baseline and candidate):
        raise click.UsageError("give both --baseline and --candidate")
    with data.connect(resolve_db_path(db_path)) as con:
        regressions.require_regressions(con)
        result = regressions.compare_runs(
            con, baseline, candidate, model, hardware, precision, batch_size
        )
    columns = list(regressions.COMPARE_COLUMNS)
    rows = [tuple(r[c] for c in columns) for r in result.rows]
    if fmt == "table":
        text = f"{render(columns, rows)}\n\n{result.footnote()}"
    elif fmt == "markdown":
        text = f"{formats.markdown_table(columns, rows)}\n\n{result.footnote()}"
    elif fmt == "csv":
        import pyarrow as pa

        text = formats.to_csv(pa.Table.from_pylist(result.rows))
    else:
        text = json.dumps(
            {
                "baseline": result.baseline.description,
                "candidate": result.candidate.description,
                "configurations": result.rows,
                "geometric_mean_speedup": result.geomean,
                "geometric_mean_low": result.geomean_low,
                "geometric_mean_high": result.geomean_high,
                "only_in_baseline": result.only_baseline,
                "only_in_candidate": result.only_candidate,
            },
            indent=2,
        )
    if output:
        formats.write_text(output, text + "\n")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


COMMANDS = [compare]
