"""`benchdb query`: read-only SQL on the warehouse, with bound `$name` parameters."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from runners.options import db_path_option, resolve_db_path


@click.command()
@click.option("--sql", required=True, help="One SQL statement; bind values with $name.")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind $NAME to VALUE (numbers are bound as numbers). Repeatable.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
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
def query(sql, params, fmt, output, db_path) -> None:
    """Run read-only SQL on the warehouse.

    \b
      benchdb query --sql "select * from performance_results limit 5"
      benchdb query --sql "select * from performance_results where batch_size = $b" --param b=4
    """
    from runners import warehouse
    from runners.text_table import render

    bound = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        bound[name] = warehouse.coerce_parameter(value)
    columns, rows = warehouse.query(resolve_db_path(db_path), sql, bound)
    if fmt == "table":
        text = render(columns, rows) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})"
    elif fmt == "json":
        text = json.dumps([dict(zip(columns, r)) for r in rows], default=str, indent=2)
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(rows)
        text = buffer.getvalue().rstrip("\n")
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {len(rows)} row(s) to {output}", err=True)
    else:
        click.echo(text)


COMMANDS = [query]
