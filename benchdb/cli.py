"""`benchdb`: one click group; each verb lives in its own module under benchdb/commands/.

Every module there exposes `COMMANDS`, a list of click commands, and is a thin layer over a
library module you can call from Python. Options shared by several commands are defined once, in
benchdb/options.py. Heavy imports (torch, duckdb, plotnine) happen inside the commands, so
`benchdb --help` starts fast.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

from benchdb import commands
from runners.errors import BenchdbError


class BenchdbGroup(click.Group):
    """Turns BenchdbError into a one-line error and a non-zero exit."""

    def parse_args(self, ctx, args):
        # kept for the record: runs store the command line that started them
        ctx.meta["benchdb.argv"] = ["benchdb", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BenchdbError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=BenchdbGroup)
@click.version_option(package_name="benchdb")
def main() -> None:
    """benchdb: measure ML models, land results as Parquet, build and query the warehouse.

    Every command's help has examples that run: `benchdb COMMAND --help`.

    \b
      benchdb run --model bert-base-uncased,t5-small --hardware cpu --batch-size 1,4
      benchdb build
      benchdb query --sql "select * from performance_results limit 5"
      benchdb report performance --format html --output report.html
    """


for _module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
    for _command in importlib.import_module(f"benchdb.commands.{_module.name}").COMMANDS:
        main.add_command(_command)
