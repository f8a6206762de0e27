"""`benchdb query`: one read-only SQL statement on the warehouse, with bound `$name` (or the old
`:name`) parameters; the same first step as POST /query and the Python API
(benchdb.queries.prepare_query)."""

from __future__ import annotations

import click

from benchdb.options import (
    check_output,
    db_path_option,
    format_option,
    output_option,
    resolve_db_path,
)
from benchdb.reporting.formats import QUERY_FORMATS


def parse_params(items: tuple[str, ...]) -> dict[str, object]:
    """('b=4', 'm=bert') -> {'b': 4, 'm': 'bert'}; numbers are bound as numbers."""
    from benchdb.warehouse import coerce_parameter

    bound: dict[str, object] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip().lstrip("$:")
        if not sep or not name:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        if not name.isidentifier():
            raise click.BadParameter(
                f"'{name}' is not a parameter name (letters, digits, _)", param_hint="--param"
            )
        bound[name] = coerce_parameter(value)
    return bound


@click.command()
@click.option("--sql", required=True, help="One SQL statement; bind values with $name (or :name).")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind $NAME (or :NAME) to VALUE (numbers are bound as numbers). Repeatable.",
)
@format_option(QUERY_FORMATS, default="table", help="parquet needs --output.")
@output_option()
@db_path_option()
def query(sql, params, fmt, output, db_path) -> None:
    """Run read-only SQL on the warehouse.

    Values given with --param are bound by DuckDB, never pasted into the SQL; `$name` and the
    old `:name` both work. Exactly one statement runs: `select 1; select 2` is refused before
    anything runs. The warehouse is opened read-only: statements that would change it fail.

    \b
      benchdb query --sql "select * from performance_results limit 5"
      benchdb query --sql 'select * from performance_results where batch_size = $b' --param b=4
      benchdb query --sql 'select * from rpt_latest_results where model_name = $m' \\
          --param m=bert-base-uncased --format markdown
      benchdb query --sql 'select count(*) from performance_results where batch_size = :b' \\
          --param b=4
      benchdb query --sql "select * from performance_results" --format parquet --output r.parquet
    """
    from benchdb.queries import prepare_query
    from benchdb.reporting import data, formats

    bound = parse_params(params)
    sql = prepare_query(sql, bound)
    if output is not None:
        output = output.resolve()
        if fmt == "parquet":  # a binary file under a text file's name misleads whoever opens it
            check_output(output, (".parquet",))
    elif fmt == "parquet":
        raise click.UsageError("--format parquet writes a file: give --output FILE.parquet")
    table = data.query_table(resolve_db_path(db_path), sql, bound)
    if fmt == "parquet":
        formats.write_parquet(table, output)
    else:
        text = formats.render_text(table, fmt)
        if output is None:
            click.echo(text)
            return
        output.write_text(text + "\n", encoding="utf-8")
    click.echo(f"wrote {table.num_rows} row(s) to {output}", err=True)


COMMANDS = [query]
