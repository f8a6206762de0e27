"""`benchdb publish`: the public marts as Parquet with a manifest, to a folder and to S3 (moto's
server on loopback). What is published is compared with the warehouse by DuckDB, table by table,
and each file with the manifest's size and SHA-256 computed here from the bytes."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest

from tests import s3_server as s3
from tests.conftest import invoke


def _published(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _same_rows(db: Path, table: str, parquet: Path) -> bool:
    """Both ways of `except all`: the Parquet file holds the table's rows, no more, no fewer."""
    with duckdb.connect(str(db), read_only=True) as con:
        extra, missing = (
            con.execute(
                f"select count(*) from (select * from {a} except all select * from {b})"
            ).fetchone()[0]
            for a, b in (
                (f"read_parquet('{parquet}')", f'"{table}"'),
                (f'"{table}"', f"read_parquet('{parquet}')"),
            )
        )
    return extra == 0 and missing == 0


def test_publish_to_a_folder_matches_the_warehouse(tiny_warehouse, tmp_path):
    target = tmp_path / "published"
    invoke("publish", "--to", target, "--db-path", tiny_warehouse)
    manifest = _published(target)
    with duckdb.connect(str(tiny_warehouse), read_only=True) as con:
        public = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        }
        counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in public}
    assert {t["name"] for t in manifest["tables"]} == public
    assert counts["performance_results"] > 0
    for table in manifest["tables"]:
        file = target / table["file"]
        body = file.read_bytes()
        assert table["bytes"] == len(body)
        assert table["sha256"] == hashlib.sha256(body).hexdigest()
        assert table["rows"] == counts[table["name"]]
        assert _same_rows(tiny_warehouse, table["name"], file), table["name"]
    # the publication's own manifest is the same as the top one
    assert _published(target / manifest["publication"]) == manifest
    assert manifest["generation"] is not None and manifest["snapshot_id"]


def test_publish_again_writes_nothing_and_keeps_two(tiny_warehouse, tmp_path):
    target = tmp_path / "published"
    invoke("publish", "--to", target, "--db-path", tiny_warehouse, "--tables", "models")
    first = _published(target)["publication"]
    again = invoke("publish", "--to", target, "--db-path", tiny_warehouse, "--tables", "models")
    assert "nothing written" in again.output
    assert _published(target)["publication"] == first
    # other table lists are other publications; only the current one and the one before stay
    invoke("publish", "--to", target, "--db-path", tiny_warehouse, "--tables", "test_runs")
    second = _published(target)["publication"]
    (target / "20000101T000000000000Z-g000001").mkdir()  # half-written by a failed publish
    invoke("publish", "--to", target, "--db-path", tiny_warehouse)
    third = _published(target)["publication"]
    folders = sorted(p.name for p in target.iterdir() if p.is_dir())
    assert folders == sorted([second, third])
    assert first not in folders


def test_publish_refuses_unknown_tables_and_writes_nothing(tiny_warehouse, tmp_path):
    target = tmp_path / "published"
    result = invoke(
        "publish",
        "--to",
        target,
        "--db-path",
        tiny_warehouse,
        "--tables",
        "models,nope",
        expect_exit=1,
    )
    assert "no public table nope" in result.output
    assert "Traceback" not in result.output
    assert not target.exists() or not any(target.iterdir())


def test_publish_to_a_file_is_refused(tiny_warehouse, tmp_path):
    file = tmp_path / "a-file"
    file.write_text("x")
    result = invoke("publish", "--to", file, "--db-path", tiny_warehouse, expect_exit=1)
    assert "not a folder" in result.output
    assert file.read_text() == "x"


# ------------------------------------------------------------------ S3: moto's server on loopback


@pytest.fixture
def s3_server(monkeypatch):
    """moto's S3 server on 127.0.0.1 (a free port), with the standard AWS variables set."""
    with s3.running() as env:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        yield env


def test_publish_to_s3(tiny_warehouse, s3_server, tmp_path):
    import boto3

    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    s3.create_bucket(Bucket="marts")
    invoke(
        "publish",
        "--to",
        "s3://marts/bench",
        "--db-path",
        tiny_warehouse,
        "--tables",
        "performance_results,models",
    )
    manifest = json.loads(s3.get_object(Bucket="marts", Key="bench/manifest.json")["Body"].read())
    assert [t["name"] for t in manifest["tables"]] == ["performance_results", "models"]
    for table in manifest["tables"]:
        body = s3.get_object(Bucket="marts", Key=f"bench/{table['file']}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == table["sha256"]
        local = tmp_path / f"{table['name']}.parquet"
        local.write_bytes(body)
        assert _same_rows(tiny_warehouse, table["name"], local), table["name"]
