"""`benchdb report`: a performance, hardware, compatibility or simulation report in one file."""

from __future__ import annotations

from pathlib import Path

import click

from benchdb.options import (
    check_output,
    db_path_option,
    format_option,
    output_option,
    resolve_db_path,
)

REPORTS = ("performance", "hardware", "compatibility", "simulation")
SUFFIX = {"html": "html", "markdown": "md", "csv": "csv"}


@click.command()
@click.argument(
    "kind", metavar="[REPORT]", type=click.Choice(REPORTS), default="performance", required=False
)
@format_option(
    list(SUFFIX),
    default="html",
    help="html: one self-contained file with charts; markdown: tables; csv: the main table.",
)
@output_option(help="File to write [default: REPORT-report.html|md|csv].")
@db_path_option()
def report(kind, fmt, output, db_path) -> None:
    """Write a report from the reporting marts (REPORT: performance when not given).

    Every report states at the top how many of its results are simulated. The performance
    report holds the forward passes and, apart, the generations (TTFT, TPOT, tokens/s):
    measured ones in one table, estimates in another.

    \b
      benchdb report performance --format html --output performance.html
      benchdb report
      benchdb report hardware --format markdown --output hardware.md
      benchdb report compatibility --format csv --output compatibility.csv
      benchdb report simulation
    """
    from benchdb.reporting.reports import SUFFIXES, write_report

    output = (output or Path(f"{kind}-report.{SUFFIX[fmt]}")).resolve()
    check_output(output, SUFFIXES[fmt])  # the suffix of --format, or the default's folder
    written = write_report(resolve_db_path(db_path), kind, fmt, output)
    click.echo(written.simulated_sentence, err=True)
    click.echo(f"wrote {output}")


COMMANDS = [report]
