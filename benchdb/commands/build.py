"""`benchdb build`: dbt build over the landing zone, swapped in only when it all passed."""

from __future__ import annotations

import click

from benchdb.options import data_dir_option, db_path_option, resolve_data_dir, resolve_db_path


@click.command()
@db_path_option()
@data_dir_option()
@click.option("--quiet", is_flag=True, help="Print only the summary, not dbt's progress.")
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Rebuild every table from the whole landing zone instead of only what landed since.",
)
@click.option(
    "--unit-tests",
    is_flag=True,
    help="Also run dbt's unit tests (checks of the SQL on fixed rows; `make test` runs them).",
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
def build(db_path, data_dir, quiet, full_refresh, unit_tests, allow_shrink, dbt_vars) -> None:
    """Build the warehouse with dbt from the landing zone and the seeds.

    The new warehouse replaces the old one only when every model and test passed; until then
    readers keep the last complete one.

    \b
      benchdb build
      benchdb build --data-dir tests/fixtures/data --db-path /tmp/fixture.duckdb --quiet
    """
    from benchdb import warehouse
    from benchdb.text_table import render

    db = resolve_db_path(db_path)
    data = resolve_data_dir(data_dir)
    extra = ("--vars", dbt_vars) if dbt_vars else ()
    counts = warehouse.build(
        db,
        data,
        echo=None if quiet else click.echo,
        extra_args=extra,
        full_refresh=full_refresh,
        unit_tests=unit_tests,
        allow_shrink=allow_shrink,
    )
    click.echo(f"\nwarehouse built: {db}")
    click.echo(f"landing zone:    {data / 'landing'}")
    click.echo(render(["table", "rows"], list(counts.items())))


COMMANDS = [build]
