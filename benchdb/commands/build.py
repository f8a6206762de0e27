"""`benchdb build`: dbt build over the landing zone, swapped in only when it all passed."""

from __future__ import annotations

import re
import sys
import time

import click

from benchdb.options import (
    data_dir_option,
    db_path_option,
    landing_option,
    resolve_data_dir,
    resolve_db_path,
    resolve_landing,
)


@click.command()
@db_path_option()
@data_dir_option()
@landing_option()
@click.option("--quiet", is_flag=True, help="Print only the summary.")
@click.option("--verbose", is_flag=True, help="Print dbt's own log instead of a progress bar.")
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Rebuild every table from the whole landing zone instead of only what landed since.",
)
@click.option(
    "--unit-tests",
    is_flag=True,
    help="Also check the models' logic: dbt's unit tests (the SQL on fixed rows) and the data "
    "tests of staging and intermediate models (`make test` runs them; every build tests the "
    "marts).",
)
@click.option(
    "--allow-shrink",
    is_flag=True,
    help="Build even when the landing zone holds far fewer files than the warehouse was built "
    "from (refused otherwise: most often a mistyped --data-dir).",
)
@click.option(
    "--vars",
    "dbt_vars",
    default=None,
    metavar="YAML",
    help="dbt vars, e.g. '{older_than_days: 14, legacy_naive_timezone: America/Los_Angeles}'.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="duckdb: the embedded warehouse. spark: the marts that have Spark SQL so far (the "
    "core marts and benchmark_config_status) on Apache Spark, a local in-process session or a "
    "cluster through profiles.yml, as Parquet tables under the warehouse's state folder "
    "(docs/spark.md; not run by the examples: a Spark build takes minutes).",
)
def build(
    db_path,
    data_dir,
    landing_uri,
    quiet,
    verbose,
    full_refresh,
    unit_tests,
    allow_shrink,
    dbt_vars,
    engine,
) -> None:
    """Build the warehouse with dbt from the landing zone and the seeds.

    The new warehouse replaces the old one only when every model and test passed; until then
    readers keep the last complete one. With --landing s3://bucket/prefix (or env
    BENCHMARK_LANDING_URI) the snapshot's files are copied once each into
    <data-dir>/landing-mirror/ and built from there (docs/scale_out.md).

    \b
      benchdb build
      benchdb build --data-dir tests/fixtures/data --db-path /tmp/fixture.duckdb --quiet
    """
    from benchdb import warehouse
    from benchdb.text_table import render

    db = resolve_db_path(db_path)
    data = resolve_data_dir(data_dir)
    landing_root = resolve_landing(landing_uri, data_dir)
    extra = ("--vars", dbt_vars) if dbt_vars else ()
    progress = None if quiet or verbose else DbtProgress()
    if engine == "spark":
        _build_on_spark(db, data, landing_root, quiet, progress, extra)
        return
    counts = warehouse.build(
        db,
        data,
        echo=None if quiet else click.echo,
        dbt_output=progress.line if progress else None,
        extra_args=extra,
        full_refresh=full_refresh,
        unit_tests=unit_tests,
        allow_shrink=allow_shrink,
        landing_root=landing_root,
        # files left out of the build are said even with --quiet
        warn=click.echo,
    )
    if progress:
        progress.close()
    click.echo(f"\nwarehouse built: {db}")
    click.echo(f"landing zone:    {landing_root}")
    click.echo(render(["table", "rows"], list(counts.items())))


def _build_on_spark(db, data, landing_root, quiet, progress, extra) -> None:
    from benchdb import spark_engine
    from benchdb.text_table import render

    counts = spark_engine.build(
        db,
        data,
        echo=None if quiet else click.echo,
        dbt_output=progress.line if progress else None,
        extra_args=extra,
        landing_root=landing_root,
    )
    if progress:
        progress.close()
    where = spark_engine.warehouse_dir(db) if counts else "the cluster's schema main"
    click.echo(f"\nspark warehouse built: {where}")
    click.echo(f"landing zone:          {landing_root}")
    if counts:
        click.echo(render(["table", "rows"], list(counts.items())))


class DbtProgress:
    """dbt's log as one progress bar on stderr: nodes done of the build's total, and time.

    On a terminal the bar is redrawn in place; otherwise a line is printed every tenth of the
    nodes. A node that fails or warns is printed in full as it happens."""

    NODE = re.compile(r"\b(\d+) of (\d+) (OK|PASS|ERROR|FAIL|WARN|SKIP|NO-OP)\b")

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.done = 0
        self.total = 0
        self.shown = -1
        self.terminal = sys.stderr.isatty()

    def line(self, text: str) -> None:
        match = self.NODE.search(text)
        if not match:
            return
        self.done += 1
        self.total = int(match.group(2))
        if match.group(3) in ("ERROR", "FAIL", "WARN"):
            self._clear()
            click.echo(text.strip(), err=True)
        self._draw()

    def _draw(self) -> None:
        share = self.done / self.total if self.total else 0.0
        tenth = int(share * 10)
        if not self.terminal and tenth == self.shown and self.done != self.total:
            return
        self.shown = tenth
        bar = "#" * int(share * 30)
        text = (
            f"dbt [{bar:<30}] {self.done}/{self.total} nodes, "
            f"{time.monotonic() - self.started:.0f} s"
        )
        click.echo(f"\r{text}" if self.terminal else text, err=True, nl=not self.terminal)

    def _clear(self) -> None:
        if self.terminal and self.shown >= 0:
            click.echo("", err=True)

    def close(self) -> None:
        if self.terminal and self.shown >= 0:
            click.echo("", err=True)


COMMANDS = [build]
