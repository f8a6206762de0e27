"""click options and parsers shared by several commands, defined once."""

from __future__ import annotations

from pathlib import Path

import click

from benchdb import paths as benchdb_paths
from runners import paths


def split_list(value: str, cast=str, name: str = "value") -> list:
    """'1, 4,16' -> [1, 4, 16]; a bad item is a click.BadParameter naming the value."""
    items = [v.strip() for v in value.split(",") if v.strip()]
    try:
        return [cast(v) for v in items]
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a comma-separated list of {name}s") from None


def int_list(name: str):
    def callback(ctx, param, value):
        return split_list(value, int, name) if value is not None else value

    return callback


def str_list(ctx, param, value):
    return split_list(value) if value is not None else value


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Landing zone root [env BENCHMARK_DATA_DIR, default data/].",
)
db_path_option = click.option(
    "--db-path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Warehouse file [env BENCHMARK_DB_PATH, default data/benchmark.duckdb].",
)


def resolve_data_dir(data_dir: Path | None) -> Path:
    return data_dir.resolve() if data_dir else paths.data_dir()


def resolve_db_path(db_path: Path | None) -> Path:
    return db_path.resolve() if db_path else benchdb_paths.db_path()


def invoked_command_line() -> str | None:
    """The `benchdb ...` command line being run, as the user typed it (None outside the CLI)."""
    import shlex

    ctx = click.get_current_context(silent=True)
    argv = ctx.find_root().meta.get("benchdb.argv") if ctx else None
    return shlex.join(argv) if argv else None
