"""`benchdb migrate`: register legacy JSON result files in the landing zone (dbt parses them)."""

from __future__ import annotations

from pathlib import Path

import click

from benchdb.options import FiniteRange, data_dir_option, landing_option, resolve_landing

GREEDY = ("--consolidate", "--categories")


class GreedyOptionsCommand(click.Command):
    """Lets `--consolidate A B C` and `--categories x y` take every value up to the next option
    (click options take one value each): the arguments are rewritten to repeated options."""

    def parse_args(self, ctx, args):
        rewritten: list[str] = []
        current = None
        took = False
        for arg in args:
            if arg in GREEDY:
                if current and not took:
                    rewritten.append(current)  # let click say it needs a value
                current, took = arg, False
                continue
            if current and not arg.startswith("-"):
                rewritten += [current, arg]
                took = True
                continue
            if current and not took:
                rewritten.append(current)
            current = None
            rewritten.append(arg)
        if current and not took:
            rewritten.append(current)
        return super().parse_args(ctx, rewritten)


def _split(values) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@click.command(cls=GreedyOptionsCommand)
@click.option(
    "--input-dir",
    "input_dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A directory of legacy JSON files (searched recursively). Repeatable.",
)
@click.option(
    "--consolidate",
    "consolidate",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="DIR...",
    help="Several directories at once, merged into one landing zone.",
)
@click.option(
    "--categories",
    "categories",
    multiple=True,
    metavar="CATEGORY...",
    help="Only these: performance, hardware, compatibility, integration "
    "(space- or comma-separated). Default: all.",
)
@click.option("--dry-run", is_flag=True, help="Only report what would be registered.")
@click.option(
    "--max-file-mb",
    type=FiniteRange(min=0, min_open=True),
    default=64.0,
    show_default=True,
    help="Refuse (quarantine) files larger than this.",
)
@data_dir_option()
@landing_option()
def migrate(
    input_dirs, consolidate, categories, dry_run, max_file_mb, data_dir, landing_uri
) -> None:
    """Register legacy JSON result files in the landing zone; `benchdb build` parses them.

    Every *.json below the directories is copied, content-addressed, into
    landing/legacy_files/ with a manifest row (original path, size, sha256, shape, category,
    times in its path, status). A structure no parser knows is registered as "unrecognised
    shape" (its numbers are kept); invalid JSON is quarantined with a reason. Nothing stops
    the run. Running it again registers nothing twice. --landing s3://bucket/prefix (or env
    BENCHMARK_LANDING_URI) registers them under an S3 prefix instead.

    \b
      benchdb migrate --input-dir ./benchmark_results
      benchdb migrate --consolidate ./old_results ./ci_results --categories performance hardware
      benchdb migrate --input-dir ./benchmark_results --dry-run
    """
    from benchdb import migrate as library

    dirs = [*input_dirs, *consolidate]
    if not dirs:
        raise click.UsageError("give at least one --input-dir or --consolidate directory")
    from runners.landing import ObjectStore

    landing_root = resolve_landing(landing_uri, data_dir)
    state: dict = {}

    def on_start(total: int) -> None:
        state["bar"] = click.progressbar(length=total, label="migrating", show_pos=True)
        state["bar"].__enter__()

    def on_file(path: Path) -> None:
        state["bar"].update(1)

    try:
        to_store = isinstance(landing_root, ObjectStore)
        report = (library.migrate_to_store if to_store else library.migrate)(
            dirs,
            landing_root,
            categories=_split(categories) or None,
            dry_run=dry_run,
            max_file_mb=max_file_mb,
            on_file=on_file,
            on_start=on_start,
        )
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    print_report(report, landing_root)


def print_report(report, landing_root) -> None:
    """The table at the end: files and rows expected per shape, quarantined files and why."""
    from benchdb.legacy_shapes import SHAPES, UNRECOGNISED
    from benchdb.text_table import render

    click.echo()
    rows = [
        [shape, SHAPES.get(shape, UNRECOGNISED).family, category, files, expected]
        for shape, category, files, expected in report.by_shape()
    ]
    if rows:
        rows.append(["all", "", "", sum(r[3] for r in rows), sum(r[4] for r in rows)])
        click.echo(render(["shape", "family", "category", "files", "rows_expected"], rows))
    unrecognised = report.unrecognised()
    if unrecognised:
        click.echo(
            f"\nunrecognised shape ({len(unrecognised)}): registered; their numbers under "
            "metric-like keys are listed in legacy_metric_values"
        )
        for o in unrecognised:
            click.echo(f"  {o.path}: {o.reason}")
    quarantined = report.quarantined()
    if quarantined:
        click.echo(f"\nquarantined ({len(quarantined)}): kept aside, not parsed")
        for o in quarantined:
            click.echo(f"  {o.path}: {o.reason}")
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    counts = [
        (label, report.count(status))
        for label, status in [
            ("would register" if report.dry_run else "registered", "would_register"),
            ("registered", "registered"),
            ("duplicate content", "duplicate"),
            ("already registered", "already_registered"),
            ("quarantined", "quarantined"),
        ]
    ]
    summary = ", ".join(f"{n} {label}" for label, n in counts if n)
    if report.filtered_out:
        summary += f", {report.filtered_out} left out by --categories"
    prefix = "dry run, nothing written" if report.dry_run else f"migration {report.migration_id}"
    click.echo(f"\n{prefix}: {summary or 'no JSON files found'}")
    if report.manifest_path:
        click.echo(f"manifest: {report.manifest_path}")
    elif not report.dry_run:
        click.echo(f"nothing new to register in {landing_root}")


COMMANDS = [migrate]
