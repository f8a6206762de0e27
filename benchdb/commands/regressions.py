"""`benchdb regressions`: which series got worse or better, since which run, and what changed."""

from __future__ import annotations

import click

from benchdb.options import (
    db_path_option,
    format_option,
    hardware_option,
    model_option,
    output_option,
    resolve_db_path,
)


@click.command()
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    default=None,
    help="Only changes dated at or after this UTC date (or date and time).",
)
@model_option(help="Only this model's series.")
@hardware_option(help="Only series on this hardware type.")
@click.option(
    "--all",
    "all_statuses",
    is_flag=True,
    help="Every series, also those with no change or too few points.",
)
@format_option(["table", "markdown", "csv", "json", "html"], default="table")
@output_option()
@db_path_option()
def regressions(since, model, hardware, all_statuses, fmt, output, db_path) -> None:
    """Regressions, suspects and improvements found in the measured history.

    A series (one configuration on one device, one metric) alerts when its last 5 runs differ
    from the up to 20 before them: one-sided t-test p < 0.001 and the median moved by at
    least 3% (5% on a shared host). One alerting run is `suspect`; two in a row are a
    `regression` or an `improvement`, dated to the run where the level changed, with what
    changed in its environment (docs/regressions.md). Table and markdown show the main
    columns; csv and json every column of the `regressions` mart.

    \b
      benchdb regressions
      benchdb regressions --since 2026-11-01 --model bert-base-uncased --hardware cpu
      benchdb regressions --all --format csv --output regressions.csv
    """
    from datetime import timezone

    from benchdb import regressions as finding
    from benchdb.reporting import data, formats
    from benchdb.text_table import render

    since = since.replace(tzinfo=timezone.utc) if since else None
    with data.connect(resolve_db_path(db_path)) as con:
        finding.require_regressions(con)
        if model:
            data.check_model(con, model)
        if hardware:
            data.check_hardware(con, hardware)
        table = data.arrow(con, *finding.regressions_sql(since, model, hardware, all_statuses))
        counts = finding.status_counts(con)
    summary = finding.summary_line(counts, table.num_rows)
    columns, rows = list(finding.DISPLAY_COLUMNS), finding.display_rows(table)
    if fmt == "table":
        body = render(columns, rows, max_width=100) if rows else "nothing to show"
        text = f"{body}\n{summary}"
    elif fmt == "markdown":
        text = f"{formats.markdown_table(columns, rows)}\n\n{summary}"
    elif fmt == "html":
        body = f"<h1>Regressions</h1>\n{formats.html_table(columns, rows)}\n<p>{summary}</p>"
        text = formats.html_page("benchdb regressions", body)
    else:
        text = formats.render_text(table, fmt)
    if output:
        formats.write_text(output, text)
        click.echo(f"wrote {table.num_rows} row(s) to {output}", err=True)
    else:
        click.echo(text)


COMMANDS = [regressions]
