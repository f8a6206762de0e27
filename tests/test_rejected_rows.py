"""Bad rows are contained, not fatal (issue 14): a landing zone holding bad landed rows, a results
file copied under another name and a fuzzed set of legacy files builds; every bad row and value
is in rejected_rows with its rule, no string or boolean becomes a metric, and the good rows are
all there. The inputs are written as a user's tools write them: pyarrow through the runner's
landing writer, and `benchdb migrate` over JSON files."""

from __future__ import annotations

import json
import math
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
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
    real = real_result()
    run_id = landing.new_run_id()
    rows, expected = [], {}

    def add(tag: str, expectation, **changes) -> str:
        row = {**real, "run_id": run_id, "result_id": landing.derived_id(run_id, tag)}
        row.update(changes)
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


def real_result() -> dict:
    """A completed row of the fixture's results file (a real measurement), schema_version off."""
    (fixture,) = (FIXTURE_LANDING / "benchmark_results").rglob("*.parquet")
    row = next(r for r in pq.read_table(fixture).to_pylist() if r["status"] == "completed")
    row.pop("schema_version")
    return row


def orphan_results(landing_root: Path) -> dict:
    """Two results of a run whose test_runs file never landed: 20 and 50 s after a start."""
    run_id = landing.new_run_id()
    start = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    rows = [
        {
            **real_result(),
            "run_id": run_id,
            "result_id": landing.derived_id(run_id, seconds),
            "batch_size": batch,
            "measured_at": start + timedelta(seconds=seconds),
            "host": "orphan-host",
        }
        for batch, seconds in ((1, 20), (2, 50))
    ]
    landing.write_rows(landing_root, "benchmark_results", rows, run_id, start)
    return {
        "run_id": run_id,
        "first": start + timedelta(seconds=20),
        "last": start + timedelta(seconds=50),
    }


def summaries_out_of_order(landing_root: Path) -> dict:
    """A run whose record says it ended an hour before it started, and whose results (no
    per-iteration list: the landed summary is what the warehouse keeps) contradict themselves
    in one way each. Returns the run id and, per result id, the columns that must be NULL."""
    run_id = landing.new_run_id()
    now = landing.utc_now()
    base = {
        **real_result(),
        "run_id": run_id,
        "latencies_ms": None,
        "latency_min_ms": 1.0,
        "latency_max_ms": 9.0,
        "latency_mean_ms": 4.0,
        "latency_p50_ms": 3.0,
        "latency_p90_ms": 6.0,
        "latency_p95_ms": 7.0,
        "latency_p99_ms": 8.0,
    }
    percentiles = ["latency_p50_ms", "latency_p90_ms", "latency_p95_ms", "latency_p99_ms"]
    cases = {
        "ordered": ({}, []),
        "min above max": (
            {"latency_min_ms": 9.5, "latency_max_ms": 0.5},
            ["latency_min_ms", "latency_max_ms"],
        ),
        "p50 above p90": ({"latency_p50_ms": 6.5}, percentiles),
        "mean below min": ({"latency_mean_ms": 0.5}, ["latency_mean_ms"]),
        "p99 above max": ({"latency_p99_ms": 9.5}, percentiles),
    }
    rows, expected = [], {}
    for batch, (tag, (changes, nulled)) in enumerate(cases.items(), start=1):
        row = {**base, "result_id": landing.derived_id(run_id, tag), "batch_size": batch}
        row.update(changes)
        rows.append(row)
        expected[row["result_id"]] = (tag, nulled)
    landing.write_rows(landing_root, "benchmark_results", rows, run_id, now)
    (runs,) = (FIXTURE_LANDING / "test_runs").rglob("*.parquet")
    run = {**pq.read_table(runs).to_pylist()[0], "run_id": run_id}
    run.pop("schema_version")
    run.update(started_at=now, completed_at=now - timedelta(hours=1))
    landing.write_rows(landing_root, "test_runs", [run], run_id, now)
    return {"run_id": run_id, "results": expected, "started_at": now}


def wrongly_typed_files(landing_root: Path) -> dict[str, tuple[str, str]]:
    """Results files whose columns break the contract, each otherwise a real row; returns, per
    file (absolute path), the column at fault and words of the reason, written by hand."""
    folder = landing_root / "benchmark_results" / "run_date=2026-02-02"
    folder.mkdir(parents=True, exist_ok=True)
    row = real_result()
    expected = {}

    def write(name: str, table: pa.Table, column: str, words: str) -> None:
        pq.write_table(table, folder / name)
        expected[str(folder / name)] = (column, words)

    def one_row(**changes) -> dict:
        return {**row, "result_id": landing.derived_id("typed", str(changes)), **changes}

    write(
        "batch-size-text.parquet",
        pa.Table.from_pylist([one_row(batch_size="4")]),
        "batch_size",
        "string where int32 belongs",
    )
    write(
        "latencies-text.parquet",
        pa.Table.from_pylist([one_row(latencies_ms=["1.5", "2.5"])]),
        "latencies_ms",
        "a list of string",
    )
    no_id = one_row()
    del no_id["result_id"]
    write(
        "no-result-id.parquet",
        pa.Table.from_pylist([no_id]),
        "result_id",
        "required column result_id missing",
    )
    (folder / "truncated.parquet").write_bytes(b"PAR1 not a whole file")
    expected[str(folder / "truncated.parquet")] = ("*", "not a readable Parquet file")
    return expected


def bad_values_of_other_kinds(landing_root: Path) -> dict:
    """One run's compatibility and integration results, hardware events and run record, each
    row breaking at most one value rule of its kind. Returns, per row id, (column, words of the
    rule) expected in rejected_rows, written by hand from the defect; a good row of each kind
    (None) must come through with its value."""
    run_id = landing.new_run_id()
    now = landing.utc_now()
    model = real_result()["model_name"]
    expected: dict[str, tuple[str, str] | None] = {}

    def compatibility(tag: str, score: float, expectation) -> dict:
        row = {
            "compatibility_id": landing.derived_id(run_id, "compatibility", tag),
            "run_id": run_id,
            "tested_at": now,
            "model_name": model,
            "hardware_type": "cpu",
            "is_compatible": True,
            "compatibility_score": score,
        }
        expected[row["compatibility_id"]] = expectation
        return row

    landing.write_rows(
        landing_root,
        "compatibility_results",
        [
            compatibility("good", 0.75, None),
            compatibility("above one", 1.5, ("compatibility_score", "range")),
            compatibility("negative", -0.25, ("compatibility_score", "range")),
            compatibility("nan", math.nan, ("compatibility_score", "range")),
            compatibility("infinite", math.inf, ("compatibility_score", "range")),
        ],
        run_id,
        now,
    )

    def integration(tag: str, expectation, **changes) -> dict:
        row = {
            "test_result_id": landing.derived_id(run_id, "integration", tag),
            "run_id": run_id,
            "executed_at": now,
            "test_name": f"test_{tag.replace(' ', '_')}",
            "status": "pass",
            "execution_time_seconds": 1.25,
            "model_name": model,
            "hardware_type": "cpu",
            **changes,
        }
        expected[row["test_result_id"]] = expectation
        return row

    landing.write_rows(
        landing_root,
        "integration_results",
        [
            integration("good", None),
            integration("odd status", ("status", "vocabulary"), status="passed"),
            integration(
                "negative time",
                ("execution_time_seconds", "range"),
                execution_time_seconds=-3.0,
            ),
            integration(
                "nan time", ("execution_time_seconds", "range"), execution_time_seconds=math.nan
            ),
        ],
        run_id,
        now,
    )
    (runs,) = (FIXTURE_LANDING / "test_runs").rglob("*.parquet")
    run = {**pq.read_table(runs).to_pylist()[0], "run_id": run_id, "test_type": "benchmarks"}
    run.pop("schema_version")
    landing.write_rows(landing_root, "test_runs", [run], run_id, now)
    expected[run_id] = ("test_type", "vocabulary")
    return {"run_id": run_id, "rows": expected}


def missing_keys_of_other_kinds(landing_root: Path) -> dict:
    """One run's record, hardware events, compatibility and integration results: a good row of
    each kind and one row per required key left NULL (or blank), and an integration result one
    of whose assertions has no id. Returns the run id, each kind's file, the good ids and, per
    kind, the (column, rule, outcome) expected in rejected_rows, written by hand."""
    run_id = landing.new_run_id()
    now = landing.utc_now()
    model = real_result()["model_name"]
    files, good = {}, {}

    def land(kind: str, rows: list[dict], name_run: str = run_id) -> None:
        files[kind] = str(landing.write_rows(landing_root, kind, rows, name_run, now))

    (runs,) = (FIXTURE_LANDING / "test_runs").rglob("*.parquet")
    run = {**pq.read_table(runs).to_pylist()[0], "run_id": run_id}
    run.pop("schema_version")
    landing.write_rows(landing_root, "test_runs", [run], run_id, now)
    # the run without its id, in a file of its own (a file is named by its run)
    land("test_runs", [{**run, "run_id": None}], name_run=landing.new_run_id())

    def event(tag: str, **changes) -> dict:
        return {
            "event_id": landing.derived_id(run_id, "event", tag),
            "run_id": run_id,
            "hardware_type": "cpu",
            "is_available": True,
            "detected_at": now + timedelta(seconds=len(tag)),
            "host": f"host-{tag}",
            "event_source": "runner_detection",
            **changes,
        }

    events = [event("good"), event("no id", event_id=None)]
    # of a run no kept event has: db check must match it by its event id, not by its run
    events += [
        event("no type", hardware_type=" "),
        event("unknown", is_available=None, run_id=landing.new_run_id()),
    ]
    land("hardware_events", events)
    good["hardware_events"] = events[0]["event_id"]

    def compatibility(tag: str, **changes) -> dict:
        return {
            "compatibility_id": landing.derived_id(run_id, "compatibility", tag),
            "run_id": run_id,
            "tested_at": now,
            "model_name": model,
            "hardware_type": "cpu",
            "is_compatible": True,
            "compatibility_score": 0.5,
            **changes,
        }

    rows = [compatibility("good"), compatibility("no id", compatibility_id=None)]
    rows += [compatibility("no run", run_id=""), compatibility("no type", hardware_type=None)]
    land("compatibility_results", rows)
    good["compatibility_results"] = rows[0]["compatibility_id"]

    def integration(tag: str, assertion_ids=("a",), **changes) -> dict:
        test_result_id = landing.derived_id(run_id, "integration", tag)
        return {
            "test_result_id": test_result_id,
            "run_id": run_id,
            "executed_at": now,
            "test_name": f"test_{tag.replace(' ', '_')}",
            "status": "pass",
            "model_name": model,
            "hardware_type": "cpu",
            "assertions": [
                {
                    "assertion_id": None if i is None else f"{test_result_id}-{i}",
                    "assertion_name": f"check {n}",
                    "passed": True,
                }
                for n, i in enumerate(assertion_ids)
            ],
            **changes,
        }

    rows = [integration("good", ("a", "b")), integration("no id", test_result_id=None)]
    rows += [integration("no run", run_id=None), integration("nameless check", ("a", None))]
    land("integration_results", rows)
    good["integration_results"] = rows[0]["test_result_id"]
    required = "row_rejected"
    expected = {
        "test_runs": [("run_id", "required: run_id", required)],
        "hardware_events": [
            ("event_id", "required: event_id", required),
            ("hardware_type", "required: hardware_type", required),
            ("is_available", "required: is_available", required),
        ],
        "compatibility_results": [
            ("compatibility_id", "required: compatibility_id", required),
            ("run_id", "required: run_id", required),
            ("hardware_type", "required: hardware_type", required),
        ],
        "integration_results": [
            ("test_result_id", "required: test_result_id", required),
            ("run_id", "required: run_id", required),
            (
                "assertions",
                "required: assertion_id of every assertion: the assertions are NULL",
                "value_nulled",
            ),
        ],
    }
    nameless = rows[3]["test_result_id"]
    return {
        "run_id": run_id,
        "files": files,
        "good": good,
        "expected": expected,
        "nameless": nameless,
    }


def repeated_ids(landing_root: Path, marked_result: str) -> dict:
    """Hand-written files repeating ids (issue 14): integration results whose checks repeat an
    assertion_id, the same content once and other content once; a run record, a hardware event
    and a compatibility result each written twice in one file with other content; result marks
    without their result_id or is_simulated, a mark of `marked_result` and one of a result no
    file holds. Returns the ids and files, what is expected written by hand."""
    run_id = landing.new_run_id()
    now = landing.utc_now()
    model = real_result()["model_name"]
    shared, other = landing.derived_id(run_id, "check"), landing.derived_id(run_id, "other")

    def check(assertion_id: str, message: str) -> dict:
        return {
            "assertion_id": assertion_id,
            "assertion_name": "loads",
            "passed": True,
            "message": message,
        }

    def integration(tag: str, checks: list[dict]) -> dict:
        return {
            "test_result_id": landing.derived_id(run_id, "integration", tag),
            "run_id": run_id,
            "executed_at": now,
            "test_name": f"test_{tag}",
            "status": "pass",
            "model_name": model,
            "hardware_type": "cpu",
            "assertions": checks,
        }

    # the file whose path sorts first ("a-") holds the kept copy; the same check written twice
    # in its list is one check
    first = integration("first", [check(shared, "ok"), check(shared, "ok"), check(other, "ok")])
    second = integration("second", [check(shared, "ran on cuda")])
    files = {
        "kept": str(
            landing.write_rows(landing_root, "integration_results", [first], "a-" + run_id, now)
        ),
        "second": str(
            landing.write_rows(landing_root, "integration_results", [second], "b-" + run_id, now)
        ),
    }
    (runs,) = (FIXTURE_LANDING / "test_runs").rglob("*.parquet")
    run = {**pq.read_table(runs).to_pylist()[0], "run_id": run_id}
    run.pop("schema_version")
    files["test_runs"] = str(
        landing.write_rows(
            landing_root, "test_runs", [run, {**run, "test_name": "written again"}], run_id, now
        )
    )
    event = {
        "event_id": landing.derived_id(run_id, "event"),
        "run_id": run_id,
        "hardware_type": "cpu",
        "is_available": True,
        "detected_at": now,
        "event_source": "runner_detection",
    }
    files["hardware_events"] = str(
        landing.write_rows(
            landing_root, "hardware_events", [event, {**event, "is_available": False}], run_id, now
        )
    )
    compatibility = {
        "compatibility_id": landing.derived_id(run_id, "compatibility"),
        "run_id": run_id,
        "tested_at": now,
        "model_name": model,
        "hardware_type": "cpu",
        "is_compatible": True,
        "compatibility_score": 0.5,
    }
    files["compatibility_results"] = str(
        landing.write_rows(
            landing_root,
            "compatibility_results",
            [compatibility, {**compatibility, "compatibility_score": 0.25}],
            run_id,
            now,
        )
    )

    def mark(tag: str, **changes) -> dict:
        return {
            "mark_id": landing.derived_id(run_id, "mark", tag),
            "result_id": marked_result,
            "is_simulated": True,
            "reason": f"by hand: {tag}",
            "marked_at": now,
            **changes,
        }

    marks = [
        mark("good"),
        mark("no result", result_id=None),
        mark("blank result", result_id=" "),
        mark("says nothing", is_simulated=None),
        mark("unknown result", result_id=landing.derived_id(run_id, "never landed")),
    ]
    files["result_marks"] = str(
        landing.write_rows(landing_root, "result_marks", marks, run_id, now)
    )
    return {
        "run_id": run_id,
        "files": files,
        "shared": shared,
        "other": other,
        "first": first["test_result_id"],
        "second": second["test_result_id"],
        "marks": {m["reason"].removeprefix("by hand: "): m["mark_id"] for m in marks},
        "event_id": event["event_id"],
        "compatibility_id": compatibility["compatibility_id"],
    }


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
    orphan = orphan_results(data / "landing")
    disordered = summaries_out_of_order(data / "landing")
    typed = wrongly_typed_files(data / "landing")
    other_kinds = bad_values_of_other_kinds(data / "landing")
    missing_keys = missing_keys_of_other_kinds(data / "landing")
    repeated = repeated_ids(data / "landing", good)
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
        "orphan": orphan,
        "disordered": disordered,
        "typed": typed,
        "other_kinds": other_kinds,
        "missing_keys": missing_keys,
        "repeated": repeated,
        "data": data,
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
        " and rejection_rule not like 'duplicate%' and rejection_rule not like 'order:%'"
        " and outcome <> 'file_rejected'",
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
    # the fixture's 48 rows, each once though its file is there twice, the good new row, the
    # four whose bad value is NULL, the orphan run's two and the five of summaries_out_of_order
    # (the wrongly typed files add none)
    assert query(
        built, "select count(*), count(distinct result_id) from performance_results"
        " where result_source = 'runner'",
    ) == [(60, 60)]  # fmt: skip


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


def test_results_without_their_run_record_are_kept_under_a_flagged_run(built):
    orphan = built["orphan"]
    ((started, completed, host, test_type, success, has_record, note),) = query(
        built,
        "select started_at, completed_at, host, test_type, success, has_run_record,"
        " run_record_note from test_runs where run_id = $1",
        orphan["run_id"],
    )
    assert (started, completed) == (orphan["first"], orphan["last"])
    assert (host, test_type, success, has_record) == ("orphan-host", "performance", None, False)
    assert note.startswith("run record not landed: a row built from its 2 landed benchmark")
    assert query(
        built, "select count(*) from performance_results where run_id = $1", orphan["run_id"]
    ) == [(2,)]
    # every other run has its own record
    assert query(built, "select count(*) from test_runs where not has_run_record") == [(1,)]


def test_a_run_that_ends_before_it_starts_keeps_its_start_only(built):
    run = built["disordered"]
    assert query(
        built, "select started_at, completed_at from test_runs where run_id = $1", run["run_id"]
    ) == [(run["started_at"], None)]
    ((column, rule, outcome),) = query(
        built,
        "select column_name, rejection_rule, outcome from rejected_rows"
        " where source_table = 'test_runs' and row_identity = $1",
        run["run_id"],
    )
    assert (column, outcome) == ("completed_at", "value_nulled")
    assert rule.startswith("order: completed_at before started_at")


def test_a_latency_summary_that_contradicts_itself_is_null_where_it_does(built):
    columns = [
        "latency_min_ms", "latency_max_ms", "latency_mean_ms",
        "latency_p50_ms", "latency_p90_ms", "latency_p95_ms", "latency_p99_ms",
    ]  # fmt: skip
    results = built["disordered"]["results"]
    for result_id, (tag, nulled) in results.items():
        (row,) = query(
            built,
            f"select {', '.join(columns)} from performance_results where result_id = $1",
            result_id,
        )
        got = {c for c, v in zip(columns, row) if v is None}
        assert got == set(nulled), tag
        listed = query(
            built,
            "select column_name from rejected_rows where row_identity = $1"
            " and rejection_rule like 'order:%' and outcome = 'value_nulled'",
            result_id,
        )
        assert sorted(c for (c,) in listed) == sorted(nulled), tag


def test_a_wrongly_typed_file_is_left_out_named_and_listed(built):
    output = built["result"].output
    listed = query(
        built,
        "select source_file, column_name, rejection_rule from rejected_rows"
        " where outcome = 'file_rejected'",
    )
    assert {r[0] for r in listed} == set(built["typed"])
    for path, column, rule in listed:
        expected_column, words = built["typed"][path]
        assert column == expected_column and words in rule and rule.startswith("file schema:")
        (line,) = [x for x in output.splitlines() if path in x]
        assert words in line
    # the other files' types are the contract's
    assert query(
        built,
        "select data_type from information_schema.columns"
        " where table_name = 'performance_results' and column_name = 'batch_size'",
    ) == [("INTEGER",)]
    # (test_the_good_rows_are_all_there counts the runner rows: none of these files' is read)


def test_a_wrongly_typed_file_stays_out_until_withdrawn(built):
    from benchdb import snapshot

    landing_root = built["data"] / "landing"
    rejected = {str(landing_root / f.relative_path) for f in snapshot.take(landing_root).rejected}
    assert rejected == set(built["typed"])
    path = sorted(built["typed"])[0]
    invoke("landing", "forget", path, "--reason", "wrong types", "--data-dir", built["data"])
    try:
        taken = snapshot.take(landing_root)
        assert path not in {str(landing_root / f.relative_path) for f in taken.files}
        assert {str(landing_root / f.relative_path) for f in taken.rejected} == rejected - {path}
    finally:
        invoke("landing", "restore", path, "--data-dir", built["data"])


def test_bad_values_of_the_other_landing_kinds_are_null_and_listed(built):
    run = built["other_kinds"]
    found = query(
        built,
        "select row_identity, column_name, rejection_rule, outcome from rejected_rows"
        " where source_kind = 'landing' and source_table in"
        " ('compatibility_results', 'integration_results', 'test_runs')"
        " and list_contains($1, row_identity)",
        list(run["rows"]),
    )
    bad = {i: e for i, e in run["rows"].items() if e is not None}
    assert sorted(r[0] for r in found) == sorted(bad)
    for identity, column, rule, outcome in found:
        assert (column, outcome) == (bad[identity][0], "value_nulled")
        assert rule.startswith(bad[identity][1] + ":"), rule
    # the rows stay, the bad values are NULL, the good ones kept as landed
    scores = dict(
        query(
            built,
            "select compatibility_id, compatibility_score from hardware_compatibility"
            " where run_id = $1",
            run["run_id"],
        )
    )
    assert {i: scores[i] for i in scores if run["rows"][i] is None} == {
        next(i for i in scores if run["rows"][i] is None): 0.75
    }
    assert len(scores) == 5
    assert all(scores[i] is None for i in scores if run["rows"][i] is not None)
    tests = {
        r[0]: r[1:]
        for r in query(
            built,
            "select test_result_id, status, execution_time_seconds"
            " from integration_test_results where run_id = $1",
            run["run_id"],
        )
    }
    assert sorted(tests.values(), key=str) == sorted(
        [("pass", 1.25), (None, 1.25), ("pass", None), ("pass", None)], key=str
    )
    assert query(built, "select test_type from test_runs where run_id = $1", run["run_id"]) == [
        (None,)
    ]


def test_rows_of_the_other_kinds_without_their_keys_are_refused_and_listed(built):
    keys = built["missing_keys"]
    found = query(
        built,
        "select source_table, source_file, column_name, rejection_rule, outcome"
        " from rejected_rows where list_contains($1, source_file)",
        list(keys["files"].values()),
    )
    for kind, expected in keys["expected"].items():
        mine = sorted(r[2:] for r in found if r[0] == kind and r[1] == keys["files"][kind])
        assert mine == sorted(expected), kind
    assert len(found) == sum(len(e) for e in keys["expected"].values())
    # the good row of each kind is in its mart, the refused ones in none
    run = keys["run_id"]
    assert query(built, "select count(*) from test_runs where run_id = $1", run) == [(1,)]
    assert query(built, "select count(*) from test_runs where run_id is null") == [(0,)]
    assert query(
        built, "select detected_on_host from hardware_availability_log where run_id = $1", run
    ) == [("host-good",)]  # fmt: skip
    assert query(
        built, "select compatibility_id from hardware_compatibility where run_id = $1", run
    ) == [(keys["good"]["compatibility_results"],)]  # fmt: skip
    tests = query(
        built,
        "select test_result_id from integration_test_results where run_id = $1 order by 1",
        run,
    )
    assert tests == sorted([(keys["good"]["integration_results"],), (keys["nameless"],)])
    # the good result's two checks; none of the result whose check has no id
    assertions = query(
        built,
        "select test_result_id, count(*) from integration_test_assertions"
        " where list_contains($1, test_result_id) group by 1",
        [keys["good"]["integration_results"], keys["nameless"]],
    )
    assert assertions == [(keys["good"]["integration_results"], 2)]


def test_a_repeated_assertion_id_is_one_check_and_other_content_is_refused(built):
    rep = built["repeated"]
    checks = query(
        built,
        "select assertion_id, test_result_id, message from integration_test_assertions"
        " where list_contains($1, assertion_id) order by all",
        [rep["shared"], rep["other"]],
    )
    # the same check twice in the first result's list is one; the second result's check under
    # that id (other content, in the file whose path sorts after) is refused
    assert checks == sorted(
        [(rep["shared"], rep["first"], "ok"), (rep["other"], rep["first"], "ok")]
    )
    found = query(
        built,
        "select source_table, source_file, row_identity, column_name, rejection_rule,"
        " reported_value, outcome from rejected_rows where list_contains($1, row_identity)",
        [rep["shared"], rep["other"]],
    )
    assert len(found) == 1, found
    table, file, identity, column, rule, value, outcome = found[0]
    assert (table, file, identity, column, outcome) == (
        "integration_test_assertions", rep["files"]["second"], rep["shared"], "assertions",
        "row_rejected",
    )  # fmt: skip
    assert rule.startswith("duplicate assertion_id: other content under the id kept from")
    assert rep["first"] in rule and rep["files"]["kept"] in rule
    assert "ran on cuda" in value
    # both results stay: only the check was refused
    assert query(
        built,
        "select count(*) from integration_test_results where list_contains($1, test_result_id)",
        [rep["first"], rep["second"]],
    ) == [(2,)]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "mart", "id_column", "key"),
    [
        ("test_runs", "test_runs", "run_id", "run_id"),
        ("hardware_events", "hardware_availability_log", "run_id", "run_id"),
        ("compatibility_results", "hardware_compatibility", "compatibility_id", "compatibility_id"),
    ],
)
def test_an_id_written_twice_in_one_file_is_one_row_and_the_other_listed(
    built, kind, mart, id_column, key
):
    rep = built["repeated"]
    file = rep["files"][kind]
    assert query(built, f"select count(*) from {mart} where {id_column} = $1", rep[key]) == [(1,)]
    found = query(
        built,
        "select column_name, rejection_rule, outcome from rejected_rows"
        " where source_table = $1 and source_file = $2",
        kind,
        file,
    )
    own_id = {"hardware_events": "event_id"}.get(kind, id_column)
    assert found == [(own_id, f"duplicate: {own_id} already landed in {file}", "row_rejected")]


def test_result_marks_without_their_keys_mark_nothing_and_are_listed(built):
    rep = built["repeated"]
    found = query(
        built,
        "select row_identity, column_name, rejection_rule, outcome from rejected_rows"
        " where source_table = 'result_marks' and source_file = $1",
        rep["files"]["result_marks"],
    )
    marks = rep["marks"]
    assert sorted(found) == sorted(
        [
            (marks["says nothing"], "is_simulated", "required: is_simulated", "row_rejected"),
            (marks["no result"], "result_id", "required: result_id", "row_rejected"),
            (marks["blank result"], "result_id", "required: result_id", "row_rejected"),
        ]
    )
    # the good mark marks its result; the refused ones (the same result id) add nothing
    ((is_simulated, reason),) = query(
        built,
        "select is_simulated, simulation_reason from performance_results where result_id = $1",
        built["good"],
    )
    assert is_simulated is True
    assert reason.startswith("result marked simulated at ") and reason.endswith(": by hand: good")


def check_report(*arguments) -> tuple[int, dict]:
    result = invoke("db", "check", "--skip-dbt-tests", "--json", *arguments, expect_exit=None)
    out = result.output
    report, _ = json.JSONDecoder().raw_decode(out[out.index("{") :])  # an error line may follow
    return result.exit_code, {c["name"]: (c["status"], c["detail"]) for c in report["checks"]}


def test_db_check_accounts_for_rejected_rows_and_names_a_real_loss(built, tmp_path):
    # the same landing zone less the one file Parquet cannot read (a real defect, which the
    # check names on its own: test_maintenance): every other refusal is in rejected_rows
    data = tmp_path / "data"
    shutil.copytree(built["data"] / "landing", data / "landing")
    (truncated,) = (data / "landing").rglob("truncated.parquet")
    truncated.unlink()
    code, checks = check_report("--db-path", built["db"], "--data-dir", data)
    assert code == 0, checks
    status, detail = checks["landing rows accounted for"]
    assert status == "ok", detail
    # the four rows bad_landed_rows breaks a row rule with, each row of the copied file, the
    # nine of missing_keys_of_other_kinds that db check matches by their id and file (a run, 3
    # hardware events, 3 compatibility and 2 integration results), and of repeated_ids the
    # run, event and compatibility result written twice (each id once in its file) and the
    # three refused marks
    refused = 4 + len(built["original_ids"]) + 9 + 3 + 3
    assert f"; {refused} refused by a rule are in rejected_rows" in detail
    # the mark of a result no file holds marks nothing: a warning, not a loss
    status, detail = checks["marks applied"]
    assert status == "warn"
    unknown = landing.derived_id(built["repeated"]["run_id"], "never landed")
    assert detail == (
        f"1 result_marks row(s) name no row of performance_results and mark nothing"
        f" (e.g. result_id {unknown} of {Path(built['repeated']['files']['result_marks']).name})"
    )
    # a good row lost from the warehouse is named, though rejected rows are accounted for
    db = tmp_path / "lost.duckdb"
    shutil.copyfile(Path(built["db"]).resolve(), db)
    with duckdb.connect(str(db)) as con:
        con.execute("delete from performance_results where result_id = $1", [built["good"]])
    code, checks = check_report("--db-path", db, "--data-dir", data)
    assert code == 1  # (the marts that referred to it name it too: no orphan ids)
    status, detail = checks["landing rows accounted for"]
    assert status == "fail"
    assert detail.startswith(
        "1 benchmark_results row(s) landed before the last build are not in performance_results"
        f" nor in rejected_rows (e.g. result_id {built['good']} of "
    ), detail
