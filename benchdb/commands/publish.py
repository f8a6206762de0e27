"""`benchdb publish`: the public marts as Parquet with a manifest, for any engine to read."""

from __future__ import annotations

import json

import click

from benchdb.options import db_path_option, format_option, resolve_db_path


@click.command()
@click.option(
    "--to",
    "uri",
    required=True,
    metavar="DIR|s3://BUCKET/PREFIX",
    help="A folder, or an S3 prefix (endpoint, region and credentials from the standard AWS "
    "environment variables: AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID ...).",
)
@click.option(
    "--tables",
    default=None,
    metavar="A,B",
    help="Only these public tables (default: every table and view of schema main).",
)
@db_path_option()
@format_option(["table", "json"], default="table", help="Print a summary, or the manifest.")
def publish(uri, tables, db_path, fmt) -> None:
    """Publish the warehouse's public marts as Parquet files with a manifest.

    Writes <to>/<publication>/<table>.parquet and then <to>/manifest.json, which names the
    publication, the warehouse generation and the landing snapshot it was built from, and each
    table's file, rows, bytes, SHA-256 and columns. Readers start from manifest.json: it is
    written last, so they never see a half-written publication. The previous publication is
    kept; older ones are deleted. Publishing the same generation again writes nothing. An S3
    prefix (--to s3://bucket/prefix) takes the same layout (docs/publish.md).

    \b
      benchdb publish --to published/
      benchdb publish --to published/ --tables performance_results,models --format json
    """
    from benchdb.publish import publish as publish_marts

    wanted = None
    if tables is not None:
        wanted = [t.strip() for t in tables.split(",")]
        if not all(wanted):
            raise click.BadParameter(f"empty table name in {tables!r}", param_hint="--tables")
    manifest = publish_marts(resolve_db_path(db_path), uri, wanted)
    if fmt == "json":
        click.echo(json.dumps(manifest, indent=2))
        return
    if manifest.get("unchanged"):
        click.echo(
            f"{uri}: generation {manifest['generation']} is already published as "
            f"{manifest['publication']}; nothing written"
        )
        return
    rows = sum(t["rows"] for t in manifest["tables"])
    size = sum(t["bytes"] for t in manifest["tables"])
    click.echo(
        f"published {len(manifest['tables'])} tables ({rows} rows, {size / 1e6:.1f} MB) from "
        f"generation {manifest['generation']} to {uri} as {manifest['publication']}"
    )


COMMANDS = [publish]
