"""Bad rows are contained, not fatal (issue 14): a landing zone holding bad landed rows, a results
file copied under another name and a fuzzed set of legacy files builds; every bad row and value
is in rejected_rows with its rule, no string or boolean becomes a metric, and the good rows are
all there. The inputs are written as a user's tools write them: pyarrow through the runner's
landing writer, and `benchdb migrate` over JSON files."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from runners import landing
from tests.conftest import PROJECT_ROOT, invoke
from tests.test_migrate import LEGACY_DIR

FIXTURE_LANDING = PROJECT_ROOT / "tests" / "fixtures" / "data" / "landing"
DIRECT = "perf_direct_runner_bert-tiny_cpu.json"  # shape A: one batch, avg latency 21.83 ms


def fuzzed_legacy(folder: Path) -> dict[str, list[tuple[str, str, str]]]:
    """One shape-A file per defect, each its own model; returns, per model, the rejections
    expected: (column or key, words of the rule, action), written by hand from the defect."""
    base = (LEGACY_DIR / DIRECT).read_text()
    doc = json.loads(base)
    batch = doc["batch_results"]["1"]
    folder.mkdir()

    def write(name: str, text: str) -> None:
        (folder / f"{name}.json").write_text(text.replace(doc["model"], f"fuzz/{name}"))

    def variant(name: str, **changes) -> None:
        d = json.loads(base)
        d["batch_results"]["1"].update(changes)
        write(name, json.dumps(d))

    variant("string_latency", avg_latency_ms="888.375")
    variant("string_nan", avg_latency_ms="NaN")
    variant("bool_throughput", throughput_items_per_second=True)
    variant("zero_latency", avg_latency_ms=0)
    variant("negative_memory", memory_mb=-5)
    variant("absurd_latency", avg_latency_ms=9.99e307)
    variant("negative_batch", batch_size=-4)
    text = json.dumps(doc)
    latency = f'"avg_latency_ms": {batch["avg_latency_ms"]}'
    assert latency in text
    write("beyond_double", text.replace(latency, '"avg_latency_ms": 1e400'))
    write("repeated_key", text.replace(latency, '"avg_latency_ms": 5.0, "avg_latency_ms": 7.0'))
    no_hardware = json.loads(base)
    del no_hardware["hardware"]
    write("no_hardware", json.dumps(no_hardware))
    return {
        "string_latency": [("avg_latency_ms", "a string where a number", "value_nulled")],
        "string_nan": [("avg_latency_ms", "a string where a number", "value_nulled")],
        "bool_throughput": [
            ("throughput_items_per_second", "a boolean where a number", "value_nulled")
        ],
        "zero_latency": [
            ("avg_latency_ms", "reported 0", "value_nulled"),
            ("latency_mean_ms", "zero", "value_nulled"),
        ],
        "negative_memory": [
            ("memory_mb", "negative", "value_nulled"),
            ("memory_peak_mb", "negative", "value_nulled"),
        ],
        "absurd_latency": [("avg_latency_ms", "absurd", "value_nulled")],
        "beyond_double": [("avg_latency_ms", "infinite or beyond double range", "value_nulled")],
        "repeated_key": [("avg_latency_ms", "duplicate key", "value_nulled")],
        "negative_batch": [("batch_size", "range: batch_size must be 1 or more", "row_rejected")],
        "no_hardware": [("hardware", "required: a hardware key", "row_rejected")],
    }


def bad_landed_rows(landing_root: Path) -> tuple[str, dict[str, tuple[str, str, str]]]:
    """A new run's results file, rows derived from a real fixture row: one good, the others each
    breaking one rule. Returns the good result_id and, per bad result_id, (column, rule words,
    action)."""
    (fixture,) = (FIXTURE_LANDING / "benchmark_results").rglob("*.parquet")
    real = next(r for r in pq.read_table(fixture).to_pylist() if r["status"] == "completed")
    run_id = landing.new_run_id()
    rows, expected = [], {}

    def add(tag: str, expectation, **changes) -> str:
        row = {**real, "run_id": run_id, "result_id": landing.derived_id(run_id, tag)}
        row.update(changes)
        row.pop("schema_version")
        rows.append(row)
        if expectation:
            expected[row["result_id"]] = expectation
        return row["result_id"]

    good = add("good", None)
    add("negative batch", ("batch_size", "range", "row_rejected"), batch_size=-4)
    add("no model", ("model_name", "required", "row_rejected"), model_name=None)
    add("bad status", ("status", "vocabulary", "row_rejected"), status="exploded")
    add("bad precision", ("precision", "vocabulary", "row_rejected"), precision="fp64")
    add("nan latency", ("latency_mean_ms", "NaN", "value_nulled"), latency_mean_ms=math.nan)
    add(
        "infinite throughput",
        ("throughput_items_per_second", "infinite", "value_nulled"),
        throughput_items_per_second=math.inf,
    )
    add("zero memory", ("memory_peak_mb", "zero", "value_nulled"), memory_peak_mb=0.0)
    add("bad quality", ("quality", "vocabulary", "value_nulled"), quality="excellent")
    now = landing.utc_now()
    landing.write_rows(landing_root, "benchmark_results", rows, run_id, now)
    (runs,) = (FIXTURE_LANDING / "test_runs").rglob("*.parquet")
    run = {**pq.read_table(runs).to_pylist()[0], "run_id": run_id}
    run.pop("schema_version")
    landing.write_rows(landing_root, "test_runs", [run], run_id, now)
    return good, expected


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("rejected")
    data = root / "data"
    shutil.copytree(FIXTURE_LANDING, data / "landing")
    # the fixture run's results file copied under another name: one result each, not two
    (original,) = (data / "landing" / "benchmark_results").rglob("*.parquet")
    copy = original.with_name("copy-of-" + original.name)
    shutil.copyfile(original, copy)
    good, landed_expected = bad_landed_rows(data / "landing")
    legacy_expected = fuzzed_legacy(root / "fuzz")
    invoke("migrate", "--input-dir", root / "fuzz", "--data-dir", data)
    db = data / "benchmark.duckdb"
    result = invoke("build", "--quiet", "--data-dir", data, "--db-path", db, expect_exit=None)
    return {
        "result": result,
        "db": db,
        "good": good,
        "landed": landed_expected,
        "legacy": legacy_expected,
        "original": original,
        "copy": copy,
        "original_ids": [r["result_id"] for r in pq.read_table(original).to_pylist()],
    }


def query(built: dict, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(built["db"]), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_the_build_succeeds_whatever_the_input(built):
    assert built["result"].exit_code == 0, built["result"].output


def test_every_bad_landed_row_is_accounted_for_with_its_rule(built):
    found = query(
        built,
        "select row_identity, column_name, rejection_rule, outcome from rejected_rows"
        " where source_kind = 'landing' and source_table = 'benchmark_results'"
        " and rejection_rule not like 'duplicate%'",
    )
    by_id = {r[0]: r[1:] for r in found}
    assert set(by_id) == set(built["landed"])
    for result_id, (column, words, action) in built["landed"].items():
        got_column, rule, got_action = by_id[result_id]
        assert (got_column, got_action) == (column, action), result_id
        assert words in rule, rule
    rejected = [i for i, (_, _, action) in built["landed"].items() if action == "row_rejected"]
    assert query(
        built, "select count(*) from performance_results where list_contains($1, result_id)",
        rejected,
    ) == [(0,)]  # fmt: skip


def test_nulled_values_leave_the_row_and_only_the_value(built):
    kept = {i: e[0] for i, e in built["landed"].items() if e[2] == "value_nulled"}
    rows = dict(
        query(
            built,
            "select result_id, struct_pack(latency_mean_ms, throughput_items_per_second,"
            " memory_peak_mb, quality) from performance_results where list_contains($1, result_id)",
            list(kept),
        )
    )
    assert set(rows) == set(kept)
    for result_id, column in kept.items():
        if column == "latency_mean_ms":
            # recomputed from the stored per-iteration latencies, which are fine: a real mean
            assert rows[result_id]["latency_mean_ms"] > 0
        else:
            assert rows[result_id][column] is None, column


def test_the_good_rows_are_all_there(built):
    status = "select status from performance_results where result_id = $1"
    assert query(built, status, built["good"]) == [("completed",)]
    # the fixture's 48 rows, each once though its file is there twice, the good new row and
    # the four whose bad value is NULL
    assert query(
        built, "select count(*), count(distinct result_id) from performance_results"
        " where result_source = 'runner'",
    ) == [(53, 53)]  # fmt: skip


def test_a_results_file_copied_under_another_name_is_one_result(built):
    copies = query(
        built,
        "select source_file, row_identity, rejection_rule from rejected_rows"
        " where source_table = 'benchmark_results' and rejection_rule like 'duplicate%'",
    )
    # the copy in the file whose path sorts first is kept; each row of the other is listed,
    # naming the kept file
    kept, dropped = sorted([built["original"], built["copy"]], key=str)
    assert sorted(r[1] for r in copies) == sorted(built["original_ids"])
    assert {r[0] for r in copies} == {str(dropped)}
    assert all(str(kept) in r[2] for r in copies)
    assert query(
        built, "select count(*) from test_runs where run_id in"
        " (select run_id from performance_results where list_contains($1, result_id))",
        built["original_ids"],
    ) == [(1,)]  # fmt: skip


def test_every_fuzzed_legacy_defect_is_accounted_for(built):
    found = query(
        built,
        "select source_file, column_name, rejection_rule, outcome from rejected_rows"
        " where source_kind = 'legacy'",
    )
    for name, expectations in built["legacy"].items():
        mine = [r[1:] for r in found if Path(r[0]).name == f"{name}.json"]
        for column, words, action in expectations:
            assert any(c == column and words in rule and a == action for c, rule, a in mine), (
                name,
                column,
                words,
                mine,
            )
    # nothing else of those files was refused
    listed = {Path(r[0]).name for r in found}
    assert listed == {f"{name}.json" for name in built["legacy"]}


def test_rejected_rows_leave_performance_results(built):
    models = {
        r[0]
        for r in query(
            built, "select model_name from performance_results where model_name like 'fuzz/%'"
        )
    }
    assert models == {f"fuzz/{n}" for n in built["legacy"]} - {
        "fuzz/negative_batch",
        "fuzz/no_hardware",
    }


def test_no_string_or_boolean_becomes_a_metric(built):
    metrics = query(
        built,
        "select model_name, latency_mean_ms, throughput_items_per_second, memory_peak_mb"
        " from performance_results where model_name like 'fuzz/%'",
    )
    by_model = {r[0]: r[1:] for r in metrics}
    # "888.375" never became a latency, true never a throughput of 1.0
    assert all(888.375 not in values for values in by_model.values())
    assert by_model["fuzz/bool_throughput"][1] is None
    # the latency of the string files is the mean of the stored iterations (21.83 ms, worked
    # from the file: (20.14 + 41.50 + 16.35 + 16.76 + 14.39) / 5), not the string
    for name in ("fuzz/string_latency", "fuzz/string_nan"):
        assert by_model[name][0] == pytest.approx(21.828, abs=0.001)
    for name in ("fuzz/absurd_latency", "fuzz/beyond_double"):
        assert by_model[name][0] == pytest.approx(21.828, abs=0.001)
    assert query(
        built,
        "select count(*) from legacy_metric_values where source_path like '%fuzz%'"
        " and (value = 888.375 or value = 1.0 or isinf(value) or value > 1e15)",
    ) == [(0,)]


def test_a_repeated_key_reads_the_first_value_as_migrate_does(built):
    # migrate (Python) and the build (DuckDB) both read 5.0; the 7.0 is the rejected copy
    rows = query(
        built,
        "select reported_value, rejection_rule from rejected_rows"
        " where source_file like '%repeated_key%'",
    )
    rule = "duplicate key: written again in the same object; the first value is read"
    assert rows == [("7.0", rule)]
    from benchdb.migrate import _parse

    doc, _ = _parse(Path(built["db"]).parent.parent / "fuzz" / "repeated_key.json")
    assert doc["batch_results"]["1"]["avg_latency_ms"] == 5.0
