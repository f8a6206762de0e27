"""click options shared by several commands, each defined once.

Every shared option is a decorator factory. The option's name, its parsing and its checks are the
same on every command; the factory's parameters say only where commands legitimately differ: one
value or a comma-separated list, the default, the formats a command writes, the help sentence.

Old spellings stay accepted as hidden aliases (`--models`, `--batch-sizes`, `--json` for
`--format json`): they parse exactly like the canonical name, and `--help` shows only the latter.

    @click.command()
    @model_option(several=True, help="Models to measure.")
    @batch_size_option(several=True, default="1")
    @format_option(["table", "json"], default="table")
    def cmd(models, batch_sizes, fmt): ...
"""

from __future__ import annotations

import copy
import functools
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from benchdb import paths as benchdb_paths
from runners import paths

# canonical name -> old spellings still accepted (hidden from --help)
HIDDEN_ALIASES: dict[str, tuple[str, ...]] = {
    "--model": ("--models",),
    "--batch-size": ("--batch-sizes",),
}


class AliasedOption(click.Option):
    """A click option whose old spellings parse like its name but are not shown in help."""

    def __init__(self, param_decls: Sequence[str], hidden_aliases: Sequence[str] = (), **kwargs):
        super().__init__([*param_decls, *hidden_aliases], **kwargs)
        self.hidden_aliases = tuple(hidden_aliases)

    def _shown(self) -> click.Option:
        shown = copy.copy(self)
        shown.opts = [o for o in self.opts if o not in self.hidden_aliases]
        shown.secondary_opts = [o for o in self.secondary_opts if o not in self.hidden_aliases]
        return shown

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        return click.Option.get_help_record(self._shown(), ctx)

    def get_error_hint(self, ctx: click.Context | None) -> str:
        return click.Option.get_error_hint(self._shown(), ctx)


def shared_option(name: str, dest: str, **kwargs) -> Callable:
    """click.option for a shared option: its hidden aliases come from HIDDEN_ALIASES."""
    return click.option(
        name, dest, cls=AliasedOption, hidden_aliases=HIDDEN_ALIASES.get(name, ()), **kwargs
    )


class Values(click.ParamType):
    """One value, or a comma-separated list of values, of one kind (model, batch size ...).

    The same parsing for every option and every command: items are trimmed; an empty item
    (`1,,4`, a trailing comma, an empty string) is refused; integers must be whole and, where
    `positive`, at least 1. Every refusal is a click.BadParameter naming the option and the value.
    """

    def __init__(self, item: str, cast: type = str, several: bool = True, positive: bool = False):
        self.item = item
        self.cast = cast
        self.several = several
        self.positive = positive
        self.name = f"{item} list" if several else item

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        word = "N" if self.cast is int else "NAME"
        return f"{word}[,{word}...]" if self.several else word

    def convert(self, value, param, ctx):
        if isinstance(value, list) or (not self.several and not isinstance(value, str)):
            return value  # already converted (a default given as a value)
        text = str(value)
        items = [v.strip() for v in text.split(",")]
        if not self.several and len(items) > 1:
            self.fail(f"'{text}': give one {self.item}, not a list", param, ctx)
        if any(not v for v in items):
            what = f"{self.item}s separated by commas" if self.several else f"a {self.item}"
            self.fail(f"'{text}' has an empty item: give {what}", param, ctx)
        values = []
        for v in items:
            try:
                values.append(self.cast(v))
            except ValueError:
                kind = "comma-separated list of {}s" if self.several else "{} (a whole number)"
                self.fail(f"'{text}' is not a {kind.format(self.item)}", param, ctx)
        if self.positive:
            for v in values:
                if v < 1:
                    self.fail(f"{self.item} must be a positive integer, got {v}", param, ctx)
        return values if self.several else values[0]


def model_option(several: bool = False, help: str = "Catalog model name.", **kwargs) -> Callable:
    """--model NAME, or --model A,B,... where the command takes several (dest models)."""
    return shared_option(
        "--model",
        "models" if several else "model",
        type=Values("model", several=several),
        help=help,
        **kwargs,
    )


def hardware_option(
    several: bool = False, help: str = "Hardware type (cpu, cuda, rocm, mps, ...).", **kwargs
) -> Callable:
    """--hardware TYPE, or --hardware A,B,... (dest hardware either way)."""
    return shared_option(
        "--hardware",
        "hardware",
        type=Values("hardware type", several=several),
        help=help,
        **kwargs,
    )


def batch_size_option(several: bool = False, help: str = "Items per batch.", **kwargs) -> Callable:
    """--batch-size N, or --batch-size 1,4,16 (dest batch_sizes); old spelling --batch-sizes."""
    return shared_option(
        "--batch-size",
        "batch_sizes" if several else "batch_size",
        type=Values("batch size", int, several=several, positive=True),
        help=help,
        **kwargs,
    )


def precision_option(
    several: bool = False, help: str = "Precision: fp32, fp16 or bf16.", **kwargs
) -> Callable:
    """--precision P, or --precision fp32,fp16 (dest precisions)."""
    return shared_option(
        "--precision",
        "precisions" if several else "precision",
        type=Values("precision", several=several),
        help=help,
        **kwargs,
    )


def sequence_length_option(
    several: bool = False, help: str = "Tokens per item for text models.", **kwargs
) -> Callable:
    """--sequence-length N, or --sequence-length 128,512 (dest sequence_lengths)."""
    return shared_option(
        "--sequence-length",
        "sequence_lengths" if several else "sequence_length",
        type=Values("sequence length", int, several=several, positive=True),
        help=help,
        **kwargs,
    )


def generation_options(defaults: bool = True, help_prefix: str = "--kind generate: ") -> Callable:
    """--kind (forward, generate), --input-length, --output-length and --backend (lists; dests
    kind, input_lengths, output_lengths, backends): what `benchdb run` measures and `benchdb
    plan` wants. defaults=False leaves them None when not given (the plan's seed)."""

    def default(value: str) -> dict:
        return {"default": value, "show_default": True} if defaults else {"default": None}

    options = [
        click.option(
            "--kind",
            type=click.Choice(["forward", "generate"]),
            help="forward: one forward pass; generate: a prompt, then new tokens one at a time "
            "(time to first token, time per output token).",
            **default("forward"),
        ),
        click.option(
            "--input-length",
            "input_lengths",
            type=Values("input length", int, positive=True),
            help=f"{help_prefix}prompt tokens per item.",
            **default("128"),
        ),
        click.option(
            "--output-length",
            "output_lengths",
            type=Values("output length", int, positive=True),
            help=f"{help_prefix}new tokens per item (greedy; end of sequence ignored: exactly "
            "these).",
            **default("32"),
        ),
        click.option(
            "--backend",
            "backends",
            type=Values("backend"),
            help=f"{help_prefix}eager, compile (torch.compile; compile time reported apart).",
            **default("eager"),
        ),
    ]

    def decorate(f: Callable) -> Callable:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def metric_option(
    several: bool = False, help: str = "throughput, latency or memory.", **kwargs
) -> Callable:
    """--metric NAME (throughput, latency, memory), or a comma-separated list (dest metrics)."""
    return shared_option(
        "--metric",
        "metrics" if several else "metric",
        type=Values("metric", several=several),
        help=help,
        **kwargs,
    )


class FiniteRange(click.FloatRange):
    """click.FloatRange that also refuses `nan` and `inf` (float() takes both, and every
    comparison with nan is false, so FloatRange lets it through to fail later in a traceback)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def min_duration_option(default: float = 1.0) -> Callable:
    """--min-duration SECONDS: time iterations for at least this long."""
    return click.option(
        "--min-duration",
        default=default,
        show_default=True,
        type=FiniteRange(min=0),
        help="Seconds of timed iterations, at least.",
    )


class OutputPath(click.ParamType):
    """--output's type: a path checked before the command does any work.

    The check is `benchdb.reporting.data.check_output_file` (the one the Python API uses): the
    folder exists and accepts new files, an existing file can be written, a folder is given
    only where one is wanted. A refusal is one line naming the option, the path and why, with
    exit 1. A command that knows more (the suffixes its --format writes) checks that too.
    """

    name = "path"

    def __init__(self, folder: bool = False):
        self.folder = folder

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "PATH" if self.folder else "FILE"

    def convert(self, value, param, ctx):
        if ctx is not None and ctx.resilient_parsing:  # shell completion: nothing is written
            return Path(value)
        if not str(value).strip():
            raise click.ClickException("Invalid value for '--output': an empty path")
        return check_output(Path(value), folder=None if self.folder else False)


def check_output(
    path: Path, suffixes: Sequence[str] = (), folder: bool | None = False, option: str = "--output"
) -> Path:
    """`check_output_file` for the CLI: a refusal is one line naming the option, and exit 1.

    Commands call it for what the option's type cannot know: the suffixes their --format
    writes, a file (not a folder) for one chart, the default path when none was given, and
    other options that name where to write (`db backup --dir`).
    """
    from benchdb.reporting.data import ReportError, check_output_file

    try:
        return check_output_file(path, tuple(suffixes), folder=folder)
    except ReportError as exc:
        raise click.ClickException(f"Invalid value for '{option}': {exc}") from None


def output_option(
    help: str = "Write to this file instead of the terminal.", folder: bool = False, **kwargs
) -> Callable:
    """--output PATH: a file (or, where `folder`, a file or a folder), checked when parsed."""
    return click.option(
        "--output",
        type=OutputPath(folder=folder),
        default=None,
        help=help,
        **kwargs,
    )


def format_option(choices: Sequence[str], default: str, help: str | None = None) -> Callable:
    """--format, one of the house's format names (dest fmt).

    Where json is among the choices, the old flag `--json` is a hidden alias of `--format json`.
    """

    def decorate(f: Callable) -> Callable:
        if "json" in choices:
            f = _json_alias(f)
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(list(choices)),
            default=default,
            show_default=True,
            help=help,
        )(f)

    return decorate


def _json_alias(f: Callable) -> Callable:
    @functools.wraps(f)
    def wrapper(*args, json_alias: bool = False, **kwargs):
        if json_alias:
            ctx = click.get_current_context()
            given = ctx.get_parameter_source("fmt") is not click.core.ParameterSource.DEFAULT
            if given and kwargs["fmt"] != "json":
                raise click.BadParameter(
                    f"--json means --format json, but --format {kwargs['fmt']} was given too",
                    param_hint="'--json'",
                )
            kwargs["fmt"] = "json"
        return f(*args, **kwargs)

    return click.option("--json", "json_alias", is_flag=True, hidden=True)(wrapper)


def data_dir_option() -> Callable:
    """--data-dir DIRECTORY: the landing zone root."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Landing zone root [env BENCHMARK_DATA_DIR, default data/].",
    )


def db_path_option() -> Callable:
    """--db-path FILE: the warehouse file."""
    return click.option(
        "--db-path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Warehouse file [env BENCHMARK_DB_PATH, default data/benchmark.duckdb].",
    )


def resolve_data_dir(data_dir: Path | None) -> Path:
    return data_dir.resolve() if data_dir else paths.data_dir()


def resolve_db_path(db_path: Path | None) -> Path:
    return benchdb_paths.warehouse_path(db_path) if db_path else benchdb_paths.db_path()


def check_known(hardware: Sequence[str] = (), precisions: Sequence[str] = ()) -> None:
    """Hardware types and precisions against the runner's lists; the error names the option.

    A ClickException (exit 1), not a usage error: the lists are the runner's, not the CLI's.
    """
    from runners.benchmark import validate_options
    from runners.errors import ConfigurationError

    for option, check in (
        ("--hardware", lambda: validate_options(hardware, [], [], [])),
        ("--precision", lambda: validate_options([], [], precisions, [])),
    ):
        try:
            check()
        except ConfigurationError as exc:
            raise click.ClickException(f"Invalid value for '{option}': {exc}") from None


def invoked_command_line() -> str | None:
    """The `benchdb ...` command line being run, as the user typed it (None outside the CLI)."""
    import shlex

    ctx = click.get_current_context(silent=True)
    argv = ctx.find_root().meta.get("benchdb.argv") if ctx else None
    return shlex.join(argv) if argv else None


def landing_option() -> Callable:
    """--landing DIR|s3://bucket/prefix: a landing zone other than <data-dir>/landing."""
    return click.option(
        "--landing",
        "landing_uri",
        default=None,
        metavar="DIR|s3://BUCKET/PREFIX",
        help="Landing zone: a folder or an S3 prefix (endpoint and credentials from "
        "AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID ...) [env BENCHMARK_LANDING_URI, "
        "default <data-dir>/landing].",
    )


def resolve_landing(landing_uri: str | None, data_dir: Path | None):
    """--landing, else env BENCHMARK_LANDING_URI, else <data dir>/landing: a folder Path or a
    runners.landing.ObjectStore. A malformed URI stops the command naming it."""
    from runners import landing
    from runners.errors import LandingError

    value = landing_uri or os.environ.get("BENCHMARK_LANDING_URI")
    if not value:
        return resolve_data_dir(data_dir) / "landing"
    try:
        return landing.landing_zone(value)
    except LandingError as exc:
        raise click.BadParameter(str(exc), param_hint="--landing") from None
