"""`benchdb db check|optimize|backup|restore|stats`: keep the warehouse and landing zone healthy."""

from __future__ import annotations

import json
from pathlib import Path

import click

from benchdb.options import (
    check_output,
    data_dir_option,
    db_path_option,
    format_option,
    resolve_data_dir,
    resolve_db_path,
)


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def _clean(data_dir: Path | None, db_path: Path) -> None:
    """Remove what writers that died left behind (benchdb.maintenance.leftovers), saying so."""
    from benchdb import maintenance

    for path in maintenance.clean_leftovers(data_dir, db_path):
        click.echo(f"removed {path} (left by an interrupted write)", err=True)


@click.group()
def db() -> None:
    """Maintain the warehouse and the landing zone.

    \b
      benchdb db check --skip-dbt-tests
      benchdb db stats
      benchdb db backup --compress --keep 7
      benchdb db restore data/backups/benchdb-backup-20250101T000000000000Z.tar.gz --force
      benchdb db optimize
    """


@db.command()
@db_path_option()
@data_dir_option()
@click.option("--skip-dbt-tests", is_flag=True, help="Skip `dbt test` (the slowest check).")
@format_option(["table", "json"], default="table", help="How to print the report.")
def check(db_path, data_dir, skip_dbt_tests, fmt) -> None:
    """Check the warehouse and the landing zone; exits 1 when a check fails.

    The warehouse opens and every table reads back in full; every mart's dbt tests pass (run
    on a copy); every landed file is readable and its rows are in the warehouse; no id lacks
    its parent. Warnings (files landed since the last build) do not fail the check.

    \b
      benchdb db check
      benchdb db check --skip-dbt-tests --format json
    """
    from benchdb import maintenance
    from benchdb.text_table import render

    as_json = fmt == "json"
    report = maintenance.check(
        resolve_db_path(db_path),
        resolve_data_dir(data_dir),
        run_dbt_tests=not skip_dbt_tests,
        echo=None if as_json else lambda line: click.echo(line, err=True),
    )
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        rows = [[c.status.upper(), c.name, c.detail] for c in report.checks]
        click.echo(render(["status", "check", "detail"], rows, max_width=200))
    if not report.ok:
        failed = ", ".join(c.name for c in report.failures())
        raise click.ClickException(f"integrity check failed: {failed}")


@db.command()
@db_path_option()
def optimize(db_path) -> None:
    """Compact the warehouse into a fresh file, ANALYZE and CHECKPOINT it, swap it in.

    Readers keep the file they opened; a build that lands meanwhile wins (nothing changes).

    \b
      benchdb db optimize
    """
    from benchdb import maintenance

    db = resolve_db_path(db_path)
    _clean(None, db)
    result = maintenance.optimize(db)
    click.echo(
        f"optimized {result['db_path']}: {_size(result['size_before_bytes'])} -> "
        f"{_size(result['size_after_bytes'])}, {result['tables']} tables, "
        f"{result['seconds']:.2f}s ({', '.join(result['steps'])})"
    )


@db.command()
@db_path_option()
@data_dir_option()
@click.option("--compress", is_flag=True, help="Write one .tar.gz instead of a folder.")
@click.option(
    "--dir",
    "backup_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where backups go [default: <data dir>/backups].",
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    help="Afterwards keep only the newest N backups (folders and archives alike).",
)
def backup(db_path, data_dir, compress, backup_dir, keep) -> None:
    """Back up the landing zone and the warehouse (checksummed, restorable).

    \b
      benchdb db backup
      benchdb db backup --compress --dir /mnt/backups --keep 7
    """
    from benchdb import maintenance

    data = resolve_data_dir(data_dir)
    if backup_dir is not None:  # before any work: one line naming --dir, not a traceback
        backup_dir = backup_dir.resolve()
        try:
            backup_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise click.ClickException(
                f"Invalid value for '--dir': cannot create {backup_dir}: {exc.strerror}"
            ) from None
        check_output(backup_dir, folder=True, option="--dir")
    _clean(data, resolve_db_path(db_path))
    target_dir = backup_dir or maintenance.default_backup_dir(data)
    before = set(maintenance.list_backups(target_dir))
    path = maintenance.backup(resolve_db_path(db_path), data, target_dir, compress, keep)
    click.echo(f"backup written: {path}")
    purged = before - set(maintenance.list_backups(target_dir))
    for old in sorted(purged):
        click.echo(f"purged old backup: {old}")


@db.command()
@click.argument("backup_path", type=click.Path(exists=True, path_type=Path))
@db_path_option()
@data_dir_option()
@click.option("--force", is_flag=True, help="Replace an existing warehouse file.")
def restore(backup_path, db_path, data_dir, force) -> None:
    """Restore a backup (folder or .tar.gz): landing files and the warehouse.

    Checksums are verified first. Landing files already present with the same content are
    kept; an existing warehouse is replaced only with --force.

    \b
      benchdb db restore data/backups/benchdb-backup-20250101T000000000000Z --force
      benchdb db restore /mnt/backups/benchdb-backup-20250101T000000000000Z.tar.gz \\
          --data-dir /srv/benchdb --db-path /srv/benchdb/benchmark.duckdb
    """
    from benchdb import maintenance

    db, data = resolve_db_path(db_path), resolve_data_dir(data_dir)
    _clean(data, db)
    result = maintenance.restore(backup_path.resolve(), db, data, force)
    click.echo(
        f"restored {result['backup']}: {result['landing_files_restored']} landing file(s) "
        f"({result['landing_files_already_present']} already present)"
        + (f", warehouse at {result['db_path']}" if result["warehouse_restored"] else "")
    )


@db.command()
@db_path_option()
@data_dir_option()
@format_option(["table", "json"], default="table", help="How to print the statistics.")
def stats(db_path, data_dir, fmt) -> None:
    """File size, rows per table, landing files, newest result.

    \b
      benchdb db stats
      benchdb db stats --format json
    """
    from benchdb import maintenance
    from benchdb.text_table import render

    result = maintenance.stats(resolve_db_path(db_path), resolve_data_dir(data_dir))
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"warehouse:     {result['db_path']} ({_size(result['file_size_bytes'])})")
    if result.get("last_modified"):
        click.echo(f"last built:    {result['last_modified']}")
    newest = result.get("newest_result")
    if newest:
        click.echo(
            f"newest result: {result['newest_result_at']} "
            f"({newest['model_name']} on {newest['hardware_type']})"
        )
    click.echo(f"total rows:    {result['total_rows']}")
    click.echo()
    click.echo(render(["table", "rows"], list(result["tables"].items())))
    click.echo()
    landing_rows = [
        [k, v["files"], _size(v["bytes"])] for k, v in sorted(result["landing"].items())
    ]
    click.echo(render(["landing kind", "files", "size"], landing_rows))


COMMANDS = [db]
