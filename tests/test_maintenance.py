"""`benchdb db check|optimize|backup|restore|stats` through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from benchdb import maintenance
from benchdb.compat import BenchmarkDBAPI, BenchmarkDBMaintenance
from benchdb.warehouse import CORE_MARTS
from tests.conftest import invoke
from tests.test_migrate import LEGACY_DIR

PRIMARY_KEYS = {
    "models": "model_id",
    "hardware_platforms": "hardware_id",
    "test_runs": "run_id",
    "performance_results": "result_id",
    "hardware_availability_log": "log_id",
}


def mart_rows(db: Path, table: str) -> list[tuple]:
    """Every row, without `loaded_at` (when a build wrote the row, not what the row says)."""
    with duckdb.connect(str(db), read_only=True) as con:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'main' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            if c != "loaded_at"
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        return con.execute(
            f"select {select} from {table} order by {PRIMARY_KEYS[table]}"
        ).fetchall()


def landed_count(data_dir: Path, kind: str) -> int:
    files = (data_dir / "landing" / kind).glob("run_date=*/*.parquet")
    return sum(pq.read_metadata(f).num_rows for f in files)


@pytest.fixture
def site(tiny_run, tiny_warehouse, tmp_path):
    """A private copy of the tiny landing zone and its warehouse (same file name)."""
    shutil.copytree(tiny_run / "landing", tmp_path / "data" / "landing")
    db = tmp_path / "wh" / "benchmark.duckdb"
    db.parent.mkdir()
    shutil.copy(tiny_warehouse, db)
    # the copy must not look older than the landing files it was built from
    return tmp_path / "data", db


def args(site) -> list:
    data_dir, db = site
    return ["--db-path", db, "--data-dir", data_dir]


# ------------------------------------------------------------------------ stats


def test_stats_counts_rows_and_landing_files(site, tiny_run):
    data_dir, db = site
    out = invoke("db", "stats", *args(site), "--json").output
    stats = json.loads(out)
    assert stats["tables"]["performance_results"] == landed_count(tiny_run, "benchmark_results")
    assert stats["tables"]["test_runs"] == landed_count(tiny_run, "test_runs")
    assert stats["landing"]["benchmark_results"]["files"] == 1
    assert stats["file_size_bytes"] == db.stat().st_size
    newest = max(
        r["measured_at"]
        for f in (tiny_run / "landing" / "benchmark_results").glob("*/*.parquet")
        for r in pq.read_table(f).to_pylist()
    )
    assert stats["newest_result_at"] == newest.isoformat()
    table = invoke("db", "stats", *args(site)).output
    assert "performance_results" in table and "benchmark_results" in table


# ------------------------------------------------------------------------ check


@pytest.mark.slow
def test_check_passes_on_a_good_warehouse_with_dbt_tests(site):
    out = invoke("db", "check", *args(site), "--json").output
    report = json.loads(out[out.index("{") :])
    names = {c["name"]: c["status"] for c in report["checks"]}
    assert report["ok"] is True
    for name in (
        "warehouse opens",
        "tables read back",
        "no orphan ids",
        "landing files readable",
        "landing rows accounted for",
        "dbt tests pass",
    ):
        assert names[name] == "ok", report


def test_check_fails_on_a_corrupt_landing_file(site):
    data_dir, _ = site
    bad = data_dir / "landing" / "benchmark_results" / "run_date=2020-01-01" / "x.parquet"
    bad.parent.mkdir()
    bad.write_bytes(b"PAR1 this is not parquet")
    result = invoke("db", "check", *args(site), "--skip-dbt-tests", expect_exit=1)
    assert "landing files readable" in result.output and str(bad) in result.output


def test_check_fails_when_a_landing_file_vanished(site):
    data_dir, _ = site
    (landed,) = (data_dir / "landing" / "benchmark_results").glob("*/*.parquet")
    landed.unlink()
    result = invoke("db", "check", *args(site), "--skip-dbt-tests", expect_exit=1)
    assert "no landing file any more" in result.output


def test_check_fails_on_orphan_ids(site):
    _, db = site
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update performance_results set model_id = 'no-such-model' "
            "where result_id = (select min(result_id) from performance_results)"
        )
    result = invoke("db", "check", *args(site), "--skip-dbt-tests", expect_exit=1)
    assert "performance_results.model_id: 1 row(s) with an id not in models.model_id" in (
        result.output
    )
    assert "(e.g. no-such-model)" in result.output


def test_the_orphan_check_asks_what_the_dbt_project_tests_ask():
    """Its relationships are read from the models' yml, `where` filters included: the one on
    hardware_compatibility.model_id leaves out whole-family entries (no model_name)."""
    found = {(r.child, r.column): r for r in maintenance.relationships()}
    assert found[("performance_results", "model_id")].parent == "models"
    assert found[("performance_results", "hardware_id")].field == "hardware_id"
    assert found[("hardware_compatibility", "model_id")].where == "model_name is not null"


@pytest.mark.slow
def test_check_passes_on_the_shipped_legacy_files_and_names_a_real_orphan(tmp_path):
    """Issue 14: `db check` failed every warehouse holding the shipped legacy files ("no orphan
    ids: hardware_compatibility.model_id not in models") while the build's tests passed."""
    data_dir, db = tmp_path / "data", tmp_path / "benchmark.duckdb"
    invoke("migrate", "--input-dir", LEGACY_DIR, "--data-dir", data_dir)
    invoke("build", "--quiet", "--data-dir", data_dir, "--db-path", db)
    with duckdb.connect(str(db), read_only=True) as con:
        (family_entries,) = con.execute(
            "select count(*) from hardware_compatibility hc where model_name is null and not "
            "exists (select 1 from models m where m.model_id = hc.model_id)"
        ).fetchone()
    assert family_entries > 0  # what the old check called orphans: the test means something
    site = ["--db-path", db, "--data-dir", data_dir]
    out = invoke("db", "check", *site, "--skip-dbt-tests", "--json").output
    report = json.loads(out[out.index("{") :])
    assert report["ok"] is True, report
    assert {c["name"]: c["status"] for c in report["checks"]}["no orphan ids"] == "ok"

    published = db.resolve()
    published.chmod(0o644)
    with duckdb.connect(str(published)) as con:
        con.execute(
            "update hardware_compatibility set model_name = 'ghost', model_id = 'ghost-id' "
            "where compatibility_id = (select min(compatibility_id) from hardware_compatibility)"
        )
    result = invoke("db", "check", *site, "--skip-dbt-tests", expect_exit=1)
    assert "hardware_compatibility.model_id: 1 row(s) with an id not in models" in result.output
    assert "integrity check failed: no orphan ids" in result.output


def test_check_warns_about_results_landed_after_the_build(site):
    data_dir, db = site
    BenchmarkDBAPI(db, data_dir, auto_refresh=False).store_performance_result(
        model_name="gpt2", hardware_type="cpu", batch_size=1, throughput=2.0
    )
    result = invoke("db", "check", *args(site), "--skip-dbt-tests")
    assert "WARN" in result.output and "run `benchdb build`" in result.output


def test_check_fails_without_a_warehouse(tmp_path):
    result = invoke(
        "db", "check", "--db-path", tmp_path / "none.duckdb", "--data-dir", tmp_path,
        expect_exit=1,
    )  # fmt: skip
    assert "warehouse opens" in result.output and "benchdb build" in result.output


# ------------------------------------------------------------------------ optimize


def test_optimize_keeps_every_row(site):
    _, db = site
    before = {t: mart_rows(db, t) for t in CORE_MARTS}
    inode = db.stat().st_ino
    out = invoke("db", "optimize", "--db-path", db).output
    assert "optimized" in out and "checkpoint" in out
    assert db.stat().st_ino != inode  # a new file was swapped in, the old one never edited
    assert {t: mart_rows(db, t) for t in CORE_MARTS} == before


# ------------------------------------------------------------------------ backup / restore


@pytest.mark.slow
def test_backup_restores_into_an_empty_place_with_identical_marts(site, tmp_path):
    data_dir, db = site
    backups = tmp_path / "backups"
    out = invoke("db", "backup", *args(site), "--compress", "--dir", backups).output
    (archive,) = list(backups.glob("benchdb-backup-*.tar.gz"))
    assert str(archive) in out
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert any(n.endswith("warehouse/benchmark.duckdb") for n in names)
    assert any("landing/benchmark_results/" in n for n in names)

    empty = tmp_path / "restored"
    new_db = empty / "wh" / "benchmark.duckdb"
    invoke("db", "restore", archive, "--db-path", new_db, "--data-dir", empty / "data")
    for table in CORE_MARTS:
        assert mart_rows(new_db, table) == mart_rows(db, table), table
    original_files = sorted(p.relative_to(data_dir) for p in data_dir.rglob("*.parquet"))
    restored_files = sorted(
        p.relative_to(empty / "data") for p in (empty / "data").rglob("*.parquet")
    )
    assert restored_files == original_files

    # the landing zone alone is enough: a rebuild from it gives the same marts
    rebuilt = empty / "rebuilt" / "benchmark.duckdb"
    invoke("build", "--quiet", "--data-dir", empty / "data", "--db-path", rebuilt)
    for table in CORE_MARTS:
        assert mart_rows(rebuilt, table) == mart_rows(db, table), table


def test_restore_refuses_to_overwrite_and_checks_checksums(site, tmp_path):
    data_dir, db = site
    folder = Path(invoke("db", "backup", *args(site), "--dir", tmp_path / "b").output.split()[-1])
    result = invoke("db", "restore", folder, *args(site), expect_exit=1)
    assert "pass --force" in result.output
    # a tampered backup is refused before anything is written
    (landing_file,) = list((folder / "landing" / "benchmark_results").glob("*/*.parquet"))
    landing_file.write_bytes(landing_file.read_bytes()[:-10] + b"0123456789")
    target = tmp_path / "elsewhere"
    result = invoke(
        "db", "restore", folder, "--db-path", target / "b.duckdb", "--data-dir", target,
        expect_exit=1,
    )  # fmt: skip
    assert "fails its checksum" in result.output
    assert not target.exists()


def test_restore_with_force_replaces_the_warehouse(site, tmp_path):
    data_dir, db = site
    folder = Path(invoke("db", "backup", *args(site), "--dir", tmp_path / "b").output.split()[-1])
    before = mart_rows(db, "performance_results")
    with duckdb.connect(str(db)) as con:
        con.execute("delete from performance_results")
    invoke("db", "restore", folder, *args(site), "--force")
    assert mart_rows(db, "performance_results") == before


def test_retention_purges_old_backups_compressed_ones_included(site, tmp_path):
    backups = tmp_path / "backups"
    invoke("db", "backup", *args(site), "--dir", backups, "--compress")
    invoke("db", "backup", *args(site), "--dir", backups)
    invoke("db", "backup", *args(site), "--dir", backups, "--compress")
    assert len(maintenance.list_backups(backups)) == 3
    (backups / "notes.txt").write_text("not a backup")
    out = invoke("db", "backup", *args(site), "--dir", backups, "--keep", "2").output
    kept = maintenance.list_backups(backups)
    assert len(kept) == 2 and "purged old backup" in out
    # the newest two: one archive and the folder just written
    assert kept[0].name.endswith(".tar.gz") and kept[1].is_dir()
    assert (backups / "notes.txt").exists()  # only backups are ever deleted


def test_maintenance_class_keeps_the_old_method_names(site, tmp_path):
    data_dir, db = site
    m = BenchmarkDBMaintenance(db_path=db, data_dir=data_dir)
    assert m.check_integrity(run_dbt_tests=False)
    path = Path(m.backup_db(backup_dir=tmp_path / "b", compress=True))
    assert path.exists() and path.name.endswith(".tar.gz")
    m.backup_db(backup_dir=tmp_path / "b")
    assert len(m.purge_old_backups(keep=1, backup_dir=tmp_path / "b")) == 1
    stats = m.get_database_stats()
    assert stats["tables"]["models"] >= 3 and stats["total_rows"] > 0
    assert m.optimize_db()["tables"] >= len(CORE_MARTS)


# ------------------------------------------------------------------------ leftovers


def dead_pid() -> int:
    """The id of a process that has ended (and was reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_temporaries_of_dead_writers_go_on_the_next_run_and_live_ones_stay(site):
    data_dir, db = site
    folder = next((data_dir / "landing" / "benchmark_results").glob("run_date=*"))
    abandoned = folder / ".r.parquet.0123abcd.tmp"
    fresh = folder / ".r.parquet.4567ef01.tmp"
    for tmp in (abandoned, fresh):
        tmp.write_bytes(b"half a parquet file")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(abandoned, (two_hours_ago, two_hours_ago))
    dead_optimize = db.parent / f".optimize-{dead_pid()}"
    (dead_optimize / "benchmark.duckdb").parent.mkdir()
    (dead_optimize / "benchmark.duckdb").write_bytes(b"x")
    live_optimize = db.parent / f".optimize-{os.getpid()}"  # this process is alive
    live_optimize.mkdir()
    dead_link = db.parent / f".benchmark.duckdb.{dead_pid()}.link"
    dead_link.symlink_to("nowhere")
    partial = data_dir / "backups" / ".benchdb-backup-20200101T000000000000Z.partial"
    (partial / "landing").mkdir(parents=True)
    (partial / "landing" / "f").write_bytes(b"x")
    for path in (partial / "landing" / "f", partial / "landing", partial):
        os.utime(path, (two_hours_ago, two_hours_ago))

    assert maintenance.leftovers(data_dir, db) == sorted(
        [abandoned, dead_optimize, dead_link, partial]
    )
    result = invoke("db", "check", *args(site), "--skip-dbt-tests")
    assert "removed 4 temporary file(s) of writers that died mid-write" in result.output
    for gone in (abandoned, dead_optimize, dead_link, partial):
        assert not os.path.lexists(gone), gone
    assert fresh.exists() and live_optimize.exists()  # a writer may still be at work on them
    again = invoke("db", "check", *args(site), "--skip-dbt-tests").output
    assert "none left by interrupted writes" in again


def test_backup_cleans_what_an_interrupted_backup_left(site):
    data_dir, db = site
    partial = data_dir / "backups" / ".benchdb-backup-20200101T000000000000Z.tar.gz.partial"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"half an archive")
    os.utime(partial, (time.time() - 7200, time.time() - 7200))
    result = invoke("db", "backup", *args(site))
    assert f"removed {partial} (left by an interrupted write)" in result.output
    assert not partial.exists()
    assert len(maintenance.list_backups(data_dir / "backups")) == 1
