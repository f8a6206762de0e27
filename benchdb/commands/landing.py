"""`benchdb landing ...`: withdraw a landed or registered file from later builds, and undo it."""

from __future__ import annotations

from pathlib import Path

import click

from benchdb.options import data_dir_option, landing_option, resolve_landing

# text, not Path: an s3:// URL must keep its double slash
FILE_ARGUMENT = click.argument("files", nargs=-1, type=click.Path())
SOURCE_OPTION = click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A legacy JSON file's original path, as `benchdb migrate` found it. Repeatable.",
)


@click.group()
def landing() -> None:
    """The landing zone's files: withdraw one from later builds, restore it, list what is out.

    Nothing is deleted: a withdrawn file stays where it is, as evidence, and the withdrawals log
    (landing/withdrawals/) says who withdrew it, when and why. The next `benchdb build` leaves
    its rows out of every table.

    \b
      benchdb landing list
      benchdb migrate --input-dir ./benchmark_results && benchdb landing forget \\
          --source ./benchmark_results/perf_placeholder_bert_cpu.json --reason "invented numbers"
    """


def _targets(landing_root, files, sources) -> list:
    from benchdb import snapshot

    if not files and not sources:
        raise click.UsageError("name a landed FILE or a legacy file's --source PATH")
    from runners.landing import ObjectStore

    remote = isinstance(landing_root, ObjectStore)
    targets = [snapshot.landed_target(landing_root, f if remote else Path(f)) for f in files]
    for source in sources:
        targets += snapshot.legacy_targets(landing_root, Path(source))
    return list(dict.fromkeys(targets))


def _change(data_dir, landing_uri, files, sources, action: str, reason: str) -> None:
    from benchdb import snapshot

    landing_root = resolve_landing(landing_uri, data_dir)
    targets = _targets(landing_root, files, sources)
    already = set(snapshot.withdrawn(landing_root))
    written = snapshot.record(landing_root, targets, action, reason)
    verb = "withdrawn" if action == "forget" else "restored"
    for target in targets:
        unchanged = (target.relative_path in already) == (action == "forget")
        state = f"already {verb}" if unchanged else verb
        named = f" (migrated from {target.source_path})" if target.source_path else ""
        click.echo(f"{state}: {_shown(landing_root, target.relative_path)}{named}")
    if written:
        click.echo(f"recorded in {written}\nrun `benchdb build` to apply it")


@landing.command()
@FILE_ARGUMENT
@SOURCE_OPTION
@click.option("--reason", required=True, help="Why the file's rows must leave the warehouse.")
@data_dir_option()
@landing_option()
def forget(files, sources, reason, data_dir, landing_uri) -> None:
    """Withdraw landed files from later builds, without deleting them.

    FILE is a landed Parquet file (landing/<kind>/run_date=.../<run_id>.parquet, absolute, or
    relative to the current folder or to the landing root) or a registered legacy copy
    (landing/legacy_files/xx/<sha256>.json); --source names a legacy file by the path
    `benchdb migrate` read it from. The file stays in place; the withdrawal is recorded with
    who, when and why, and the next `benchdb build` leaves its rows out (a full rebuild).
    Legacy content is stored once: withdrawing it withdraws it for every path it was migrated
    from. `benchdb landing restore` undoes it.

    \b
      benchdb migrate --input-dir ./benchmark_results && benchdb landing forget \\
          --source ./benchmark_results/perf_placeholder_bert_cpu.json --reason "invented numbers"
    """
    _change(data_dir, landing_uri, files, sources, "forget", reason)


@landing.command()
@FILE_ARGUMENT
@SOURCE_OPTION
@click.option("--reason", default="restored by hand", show_default=True, help="Why it is back.")
@data_dir_option()
@landing_option()
def restore(files, sources, reason, data_dir, landing_uri) -> None:
    """Bring withdrawn files back into later builds (the opposite entry is recorded).

    \b
      benchdb migrate --input-dir ./benchmark_results \\
          && benchdb landing forget --source ./benchmark_results/perf_placeholder_bert_cpu.json \\
          --reason "checking" \\
          && benchdb landing restore --source ./benchmark_results/perf_placeholder_bert_cpu.json
    """
    _change(data_dir, landing_uri, files, sources, "restore", reason)


@landing.command("list")
@data_dir_option()
@landing_option()
def list_withdrawn(data_dir, landing_uri) -> None:
    """The files withdrawn now: path, who withdrew it, when and why.

    \b
      benchdb landing list
      benchdb landing list --data-dir /srv/benchdb
    """
    from benchdb import snapshot

    landing_root = resolve_landing(landing_uri, data_dir)
    withdrawn = sorted(snapshot.withdrawn(landing_root).items())
    if not withdrawn:
        click.echo(f"no withdrawn files in {landing_root}")
        return
    # whole paths, one file per block: a table would cut them
    for path, row in withdrawn:
        click.echo(_shown(landing_root, path))
        if row["source_path"]:
            click.echo(f"    migrated from {row['source_path']}")
        click.echo(
            f"    withdrawn by {row['recorded_by']} at {row['recorded_at']:%Y-%m-%d %H:%M:%S} UTC:"
            f" {row['reason']}"
        )
    click.echo(f"{len(withdrawn)} withdrawn file(s); `benchdb landing restore FILE` undoes one")


def _shown(landing_root, relative: str) -> str:
    """A landed file as a user names it: its path, or its s3:// URL."""
    from runners.landing import ObjectStore

    if isinstance(landing_root, ObjectStore):
        return landing_root.url(relative)
    return str(landing_root / relative)


COMMANDS = [landing]
