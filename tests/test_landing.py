"""The landing zone contract: schemas agree with dbt's sources, writes are atomic and final."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from runners import landing
from runners.errors import LandingError
from tests.conftest import PROJECT_ROOT

SOURCES_YML = PROJECT_ROOT / "models/staging/landing/_landing__sources.yml"
ARROW_TO_DUCKDB = {
    "string": "varchar",
    "int16": "smallint",
    "int32": "integer",
    "int64": "bigint",
    "double": "double",
    "bool": "boolean",
    "timestamp[us, tz=UTC]": "timestamptz",
    "list<item: double>": "double[]",
    "list<item: struct<assertion_id: string, assertion_name: string, passed: bool, "
    "expected_value: string, actual_value: string, message: string>>": (
        "struct(assertion_id varchar, assertion_name varchar, passed boolean, "
        "expected_value varchar, actual_value varchar, message varchar)[]"
    ),
}


def test_dbt_sources_declare_exactly_the_landing_schemas():
    (source,) = yaml.safe_load(SOURCES_YML.read_text())["sources"]
    tables = {t["name"]: t for t in source["tables"]}
    assert set(tables) == set(landing.SCHEMAS)
    for kind, schema in landing.SCHEMAS.items():
        declared = [(c["name"], c["data_type"]) for c in tables[kind]["columns"]]
        expected = [(f.name, ARROW_TO_DUCKDB[str(f.type)]) for f in schema]
        assert declared == expected, kind


def _event(**overrides):
    row = {
        "event_id": "e1",
        "run_id": "r1",
        "hardware_type": "cpu",
        "is_available": True,
        "detected_at": datetime(2026, 1, 2, 23, 30, tzinfo=timezone.utc),
    }
    return {**row, **overrides}


def test_file_lands_in_its_date_partition_with_schema_version(tmp_path):
    when = datetime(2026, 1, 2, 23, 30, tzinfo=timezone.utc)
    path = landing.write_rows(tmp_path, "hardware_events", [_event()], "r1", when)
    assert path == tmp_path / "hardware_events/run_date=2026-01-02/r1.parquet"
    table = pq.read_table(path)
    assert table.schema.field("detected_at").type == pa.timestamp("us", tz="UTC")
    assert table.column("schema_version").to_pylist() == [landing.SCHEMA_VERSION]
    # no temporary file is left beside it
    assert [p.name for p in path.parent.iterdir()] == ["r1.parquet"]


def test_landed_files_are_never_rewritten(tmp_path):
    when = landing.utc_now()
    path = landing.write_rows(tmp_path, "hardware_events", [_event()], "r1", when)
    before = path.read_bytes()
    with pytest.raises(LandingError, match="already exists"):
        landing.write_rows(tmp_path, "hardware_events", [_event(event_id="e2")], "r1", when)
    assert path.read_bytes() == before


def test_rows_that_do_not_fit_the_schema_are_refused_before_writing(tmp_path):
    with pytest.raises(LandingError, match="not in the landing schema: colour"):
        landing.write_rows(
            tmp_path, "hardware_events", [_event(colour="red")], "r1", landing.utc_now()
        )
    with pytest.raises(LandingError, match="does not fit"):
        landing.write_rows(
            tmp_path, "hardware_events", [_event(is_available="perhaps")], "r1", landing.utc_now()
        )
    assert not list(Path(tmp_path).rglob("*.parquet"))


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def broken_write(table, where, **kwargs):
        Path(where).write_bytes(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(landing.pq, "write_table", broken_write)
    with pytest.raises(LandingError, match="No space left"):
        landing.write_rows(tmp_path, "hardware_events", [_event()], "r1", landing.utc_now())
    assert not [p for p in Path(tmp_path).rglob("*") if p.is_file()]


def test_ids_are_unique_per_run_and_stable_per_configuration():
    assert landing.new_run_id() != landing.new_run_id()
    assert landing.derived_id("r", "bert", 4) == landing.derived_id("r", "bert", 4)
    assert landing.derived_id("r", "bert", 4) != landing.derived_id("r2", "bert", 4)
    assert landing.derived_id("r", "bert", None) != landing.derived_id("r", "bert", 0)


def test_corrupt_file_is_named(tmp_path):
    good = landing.write_rows(tmp_path, "hardware_events", [_event()], "r1", landing.utc_now())
    bad = good.with_name("r2.parquet")
    bad.write_bytes(b"this is not parquet")
    with pytest.raises(LandingError, match=f"corrupt Parquet file in the landing zone: {bad}"):
        landing.check_readable(tmp_path)
