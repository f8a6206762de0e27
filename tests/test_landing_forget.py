"""`benchdb landing forget | restore | list` (issue 14): a landed Parquet file or a registered
legacy file is withdrawn from later builds without deleting it, with who, when and why, and the
next build no longer holds its rows; restore brings them back. Bad names are one clear line."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT_ROOT, invoke
from tests.test_migrate import LEGACY_DIR

FIXTURE_LANDING = PROJECT_ROOT / "tests" / "fixtures" / "data" / "landing"
LEGACY = "perf_placeholder_bert_cpu.json"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("forget")
    data = root / "data"
    shutil.copytree(FIXTURE_LANDING, data / "landing")
    inbox = root / "inbox"
    inbox.mkdir()
    for name in (LEGACY, "perf_direct_runner_bert-tiny_cpu.json"):
        shutil.copyfile(LEGACY_DIR / name, inbox / name)
    invoke("migrate", "--input-dir", inbox, "--data-dir", data)
    (results,) = (data / "landing" / "benchmark_results").rglob("*.parquet")
    return {"data": data, "db": data / "benchmark.duckdb", "inbox": inbox, "results": results}


def build(site: dict) -> None:
    invoke("build", "--quiet", "--data-dir", site["data"], "--db-path", site["db"])


def count(site: dict, sql: str, *params) -> int:
    with duckdb.connect(str(site["db"]), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()[0]


def landing_files(site: dict) -> dict[Path, bytes]:
    root = site["data"] / "landing"
    files = [p for p in root.rglob("*") if p.is_file() and "withdrawals" not in p.parts]
    return {p: p.read_bytes() for p in files}


def test_forget_withdraws_rows_keeps_files_and_restore_brings_them_back(site):
    results_ids = [r["result_id"] for r in pq.read_table(site["results"]).to_pylist()]
    legacy_source = site["inbox"] / LEGACY
    runner_rows = "select count(*) from performance_results where list_contains($1, result_id)"
    legacy_rows = "select count(*) from performance_results where source_path = $1"
    build(site)
    assert count(site, runner_rows, results_ids) == len(results_ids) == 48
    placeholder_rows = count(site, legacy_rows, str(legacy_source))
    assert placeholder_rows > 0
    before = landing_files(site)

    out = invoke(
        "landing", "forget", site["results"], "--source", legacy_source,
        "--reason", "measured on the wrong host", "--data-dir", site["data"],
    ).output  # fmt: skip
    assert f"withdrawn: {site['results']}" in out
    assert f"(migrated from {legacy_source})" in out
    listed = invoke("landing", "list", "--data-dir", site["data"]).output
    assert "measured on the wrong host" in listed and site["results"].name in listed
    build(site)
    assert count(site, runner_rows, results_ids) == 0
    assert count(site, legacy_rows, str(legacy_source)) == 0
    listed_files = "select count(*) from legacy_files where original_path = $1"
    assert count(site, listed_files, str(legacy_source)) == 0
    # the other legacy file and the fixture run's test run are still there
    legacy_results = "select count(*) from performance_results where result_source = 'legacy'"
    assert count(site, legacy_results) > 0
    assert count(site, "select count(*) from test_runs where run_source = 'runner'") == 1
    # evidence: every landed byte is where it was
    assert landing_files(site) == before

    again = invoke(
        "landing", "forget", site["results"], "--reason", "twice", "--data-dir", site["data"]
    ).output
    assert f"already withdrawn: {site['results']}" in again and "recorded in" not in again

    invoke(
        "landing", "restore", site["results"], "--source", legacy_source,
        "--data-dir", site["data"],
    )  # fmt: skip
    assert "no withdrawn files" in invoke("landing", "list", "--data-dir", site["data"]).output
    build(site)
    assert count(site, runner_rows, results_ids) == 48
    assert count(site, legacy_rows, str(legacy_source)) == placeholder_rows


@pytest.mark.parametrize(
    "args, message",
    [
        (["forget", "nope.parquet", "--reason", "x"], "nope.parquet: not a landed file of"),
        (
            ["forget", "--source", "/old/none.json", "--reason", "x"],
            "/old/none.json: no registered legacy file has this original path",
        ),
        (
            ["forget", "benchmark_results/run_date=2026-11-27/gone.parquet", "--reason", "x"],
            "gone.parquet: no such landed file",
        ),
        (["restore"], "name a landed FILE or a legacy file's --source PATH"),
    ],
)  # fmt: skip
def test_bad_names_are_one_line_and_change_nothing(site, args, message):
    log = site["data"] / "landing" / "withdrawals"
    entries = sorted(log.rglob("*.parquet")) if log.exists() else []
    result = invoke("landing", *args, "--data-dir", site["data"], expect_exit=None)
    assert result.exit_code != 0
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert "Traceback" not in result.output
    assert (sorted(log.rglob("*.parquet")) if log.exists() else []) == entries


def test_forget_needs_a_reason(site):
    result = invoke("landing", "forget", site["results"], "--data-dir", site["data"], expect_exit=2)
    assert "Missing option '--reason'" in result.output
