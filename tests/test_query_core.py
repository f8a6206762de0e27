"""One answer to every question: one warehouse with measured, estimated, failed and legacy rows,
and every surface (reports, dashboard, `simulation report`, heatmap, compare, the matrix) reports
the same counts and the same best values, each worked out here from what was landed.

The warehouse is the tiny run (measured on the CPU) plus, landed by hand with round numbers:
- estimates for test/tiny-bert that beat every measurement on every metric: one on the CPU at a
  batch size never measured (batch 8), two on rocm where nothing was measured (batch 1 and 8);
- one failed attempt (test/tiny-whisper, batch 16);
- three legacy JSON files migrated with `benchdb migrate`: a measured prajjwal1/bert-tiny on the
  CPU at batch 1 (45.81 items/s), a failed facebook/deit-tiny-patch16-224 on the CPU at batch 1,
  and a web result for bert on webgpu that says `is_simulation: true` and has no batch size.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from benchdb.reporting.formats import number_text
from runners import landing
from tests.conftest import PROJECT_ROOT, invoke

ESTIMATE_RUN = "00000000-0000-4000-8000-00000000e571"
LEGACY_DIR = PROJECT_ROOT / "tests" / "fixtures" / "legacy" / "real"
LEGACY_FILES = (
    "perf_direct_runner_bert-tiny_cpu.json",
    "perf_direct_runner_failed_batch_deit_cpu.json",
    "web_result_simulated_webgpu_bert.json",
)
# (hardware, batch size): items/s, p50 ms, peak MiB. Every one beats any real measurement of a
# tiny model on two cores (thousands of items/s, tenths of a ms, a few MiB).
ESTIMATES = {
    ("cpu", 8): (2_000_000.0, 0.004, 0.25),
    ("rocm", 1): (1_000_000.0, 0.001, 0.5),
    ("rocm", 8): (4_000_000.0, 0.002, 0.75),
}


def _estimate(real: dict, hardware: str, batch: int) -> dict:
    throughput, p50, memory = ESTIMATES[(hardware, batch)]
    return {
        "result_id": landing.derived_id(ESTIMATE_RUN, "tiny-bert", hardware, batch),
        "run_id": ESTIMATE_RUN,
        "measured_at": real["measured_at"],
        "model_name": "test/tiny-bert",
        "model_family": real["model_family"],
        "modality": real["modality"],
        "hardware_type": hardware,
        "batch_size": batch,
        "sequence_length": real["sequence_length"],
        "precision": "fp32",
        "status": "completed",
        "latency_mean_ms": p50,
        "latency_p50_ms": p50,
        "latency_p90_ms": p50,
        "latency_p99_ms": p50,
        "throughput_items_per_second": throughput,
        "memory_peak_mb": memory,
        "is_simulated": True,
        "simulation_reason": "test fixture: faster than anything measured",
        "simulation_method": "test fixture (constants)",
    }


def _landed_results(data_dir: Path) -> list[dict]:
    return [
        row
        for path in landing.landed_files(data_dir / "landing", "benchmark_results")
        for row in pq.read_table(path).to_pylist()
    ]


@pytest.fixture(scope="module")
def core(tiny_run, tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("query-core")
    data_dir, db = root / "data", root / "core.duckdb"
    shutil.copytree(tiny_run, data_dir)
    landing_root = data_dir / "landing"
    real = _landed_results(data_dir)
    bert = next(
        r
        for r in real
        if r["model_name"] == "test/tiny-bert" and r["hardware_type"] == "cpu"
        and r["status"] == "completed" and r["precision"] == "fp32"
    )  # fmt: skip
    rows = [_estimate(bert, hw, batch) for hw, batch in ESTIMATES]
    rows.append(
        {
            "result_id": landing.derived_id(ESTIMATE_RUN, "failed"),
            "run_id": ESTIMATE_RUN,
            "measured_at": bert["measured_at"],
            "model_name": "test/tiny-whisper",
            "hardware_type": "cpu",
            "batch_size": 16,
            "precision": "fp32",
            "status": "failed",
            "error_type": "RuntimeError",
            "error_message": "test fixture: kernel exploded",
            "is_simulated": False,
        }
    )
    when = bert["measured_at"]
    landing.write_rows(landing_root, "benchmark_results", rows, ESTIMATE_RUN, when)
    run = pq.read_table(landing.landed_files(landing_root, "test_runs")[0]).to_pylist()[0]
    run.pop("schema_version")
    run.update(run_id=ESTIMATE_RUN, test_name="test fixture: query core", command_line="fixture")
    landing.write_rows(landing_root, "test_runs", [run], ESTIMATE_RUN, when)
    legacy = root / "legacy"
    legacy.mkdir()
    for name in LEGACY_FILES:
        shutil.copy(LEGACY_DIR / name, legacy / name)
    invoke("migrate", "--input-dir", legacy, "--data-dir", data_dir)
    invoke("build", "--quiet", "--data-dir", data_dir, "--db-path", db)
    return data_dir, db


@pytest.fixture(scope="module")
def expected(core) -> dict:
    """The counts, worked out from the landed Parquet and the three legacy files."""
    runner = _landed_results(core[0])
    completed = [r for r in runner if r["status"] == "completed"]
    simulated = [r for r in completed if r["is_simulated"]]
    models = {r["model_name"] for r in completed}
    hardware = {r["hardware_type"] for r in completed}
    # legacy: bert-tiny completed and measured on cpu; deit failed; the web result is a completed
    # estimate of bert on webgpu (its model and hardware type have a completed result)
    return {
        "results_total": len(runner) + 3,
        "results_completed": len(completed) + 2,
        "results_measured": len(completed) - len(simulated) + 1,
        "results_simulated": len(simulated) + 1,
        "results_without_metrics": len(runner) - len(completed) + 1,
        "legacy_results": 3,
        "models_with_results": len(models | {"prajjwal1/bert-tiny", "bert-base-uncased"}),
        "hardware_types_with_results": len(hardware | {"cpu", "webgpu"}),
    }


def _one(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def _summary(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute("select * from rpt_warehouse_summary")
        columns = [d[0] for d in cursor.description]
        return dict(zip(columns, cursor.fetchall()[0]))


def _measured_tiny_bert_cpu(db: Path) -> list[dict]:
    """tiny-bert's completed measurements on the CPU, as performance_results holds them."""
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(
            "select precision, batch_size, throughput_items_per_second, latency_p50_ms, "
            "memory_peak_mb from performance_results where model_name = 'test/tiny-bert' "
            "and hardware_type = 'cpu' and status = 'completed' and not is_simulated"
        )
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


# ---------------------------------------------------------------- the rules


def test_the_legacy_rows_landed_as_described(core):
    rows = _one(
        core[1],
        "select model_name, hardware_type, batch_size, status, is_simulated, "
        "throughput_items_per_second from performance_results where result_source = 'legacy' "
        "order by model_name",
    )
    assert [r[:5] for r in rows] == [
        ("bert-base-uncased", "webgpu", None, "completed", True),
        ("facebook/deit-tiny-patch16-224", "cpu", 1, "failed", False),
        ("prajjwal1/bert-tiny", "cpu", 1, "completed", False),
    ]
    assert rows[2][5] == pytest.approx(45.81245125816733)  # the file's throughput


def test_a_measurement_beats_a_faster_estimate(core):
    db = core[1]
    measured = _measured_tiny_bert_cpu(db)
    assert measured, "the tiny run measured tiny-bert on the CPU"
    best = {
        metric: (value, simulated, measured_count, estimated_count)
        for metric, value, simulated, measured_count, estimated_count in _one(
            db,
            "select metric, value, is_simulated, configurations_measured, "
            "configurations_estimated from rpt_best_results "
            "where model_name = 'test/tiny-bert' and hardware_type = 'cpu'",
        )
    }
    # the batch-8 estimate (2,000,000 items/s, 0.004 ms, 0.25 MiB) is better on every metric,
    # yet the best is the best measurement; a metric no measurement recorded (a short run
    # stores no percentiles) has no row: the estimate does not stand in for it
    estimate = dict(zip(("throughput", "p50", "memory"), ESTIMATES[("cpu", 8)]))
    checks = (
        ("throughput_items_per_second", max, estimate["throughput"]),
        ("latency_p50_ms", min, estimate["p50"]),
        ("memory_peak_mb", min, estimate["memory"]),
    )
    for metric, pick, estimated in checks:
        values = [r[metric] for r in measured if r[metric] is not None]
        if not values:
            assert metric not in best, metric
            continue
        expected = pick(values)
        assert pick(expected, estimated) == estimated, metric  # the estimate is better
        assert best[metric][:2] == (pytest.approx(expected), False), metric
    assert "throughput_items_per_second" in best
    # one standing result per measured configuration; the batch-8 estimate is the one estimated
    configurations = {(r["precision"], r["batch_size"]) for r in measured}
    assert best["throughput_items_per_second"][2:] == (len(configurations), 1)


def test_an_estimate_only_where_nothing_was_measured(core):
    db = core[1]
    rocm = _one(
        db,
        "select metric, value, is_simulated, batch_size, configurations_measured "
        "from rpt_best_results where model_name = 'test/tiny-bert' and hardware_type = 'rocm' "
        "order by metric",
    )
    # throughput: batch 8's 4,000,000; latency: batch 1's 0.001 ms; memory: batch 1's 0.5 MiB
    assert rocm == [
        ("latency_p50_ms", pytest.approx(0.001), True, 1, 0),
        ("memory_peak_mb", pytest.approx(0.5), True, 1, 0),
        ("throughput_items_per_second", pytest.approx(4_000_000.0), True, 8, 0),
    ]
    # tiny-vit never ran on rocm: no row, not a zero
    assert _one(
        db, "select count(*) from rpt_best_results where model_name = 'test/tiny-vit' "
        "and hardware_type = 'rocm'"
    ) == [(0,)]  # fmt: skip
    # every estimate in rpt_best_results stands where nothing was measured
    assert _one(
        db,
        "select count(*) from rpt_best_results b join rpt_latest_results l "
        "on b.model_name = l.model_name and b.hardware_type = l.hardware_type "
        "where b.is_simulated and l.status = 'completed' and not l.is_simulated",
    ) == [(0,)]


def test_latest_result_is_answered_once(core):
    # rpt_result_history's latest is rpt_latest_results' standing result, row for row, where
    # that is a measurement (an estimate is never the latest point of a history)
    assert _one(
        core[1],
        "select count(*) from rpt_result_history h join rpt_latest_results l "
        "on h.configuration_id = l.configuration_id "
        "where h.is_latest <> (h.result_id = l.result_id and not l.is_simulated)",
    ) == [(0,)]
    # and the fixture has configurations of both kinds, so the rule is exercised both ways
    assert _one(
        core[1],
        "select count(distinct is_simulated) from rpt_latest_results",
    ) == [(2,)]


# ---------------------------------------------------------------- the surfaces agree


def test_summary_mart_counts_by_hand(core, expected):
    summary = _summary(core[1])
    assert {k: summary[k] for k in expected} == expected
    assert (
        summary["configurations"] == _one(core[1], "select count(*) from rpt_latest_results")[0][0]
    )


def _note(page: str) -> str:
    found = re.search(r'<p class="simulated-note" id="simulated-count">([^<]*)</p>', page)
    return html.unescape(found.group(1))


def test_every_surface_prints_the_same_counts(core, expected, tmp_path):
    db = core[1]
    completed, simulated = expected["results_completed"], expected["results_simulated"]
    percent = 100.0 * simulated / completed
    share = f"{simulated} of {completed} results are simulated ({percent:.1f}%)"
    counts = (
        f"{expected['results_completed']} completed ({expected['results_measured']} measured, "
        f"{simulated} simulated) and {expected['results_without_metrics']} without metrics"
    )
    models = (
        f"{expected['models_with_results']} models on "
        f"{expected['hardware_types_with_results']} hardware types have completed "
    )

    # `simulation report`, JSON and Markdown
    out = tmp_path / "simulation.json"
    invoke("simulation", "report", "--db-path", db, "--output", out)
    report = json.loads(out.read_text())
    assert (report["total"], report["simulated"], report["measured"]) == (
        completed,
        simulated,
        expected["results_measured"],
    )
    assert report["rows_without_metrics"] == expected["results_without_metrics"]
    assert report["summary"]["models_with_results"] == expected["models_with_results"]
    assert report["summary"]["legacy_results"] == 3
    assert sum(r["total"] for r in report["by_hardware"]) == completed
    markdown = invoke("simulation", "report", "--db-path", db, "--format", "markdown").output
    assert share in markdown and counts in markdown and models in markdown

    # the Python function the REST server calls, on a cursor
    from benchdb.simulation_report import simulation_report

    with duckdb.connect(str(db), read_only=True) as con:
        assert simulation_report(con.cursor())["summary"] == report["summary"] | {
            "last_measured_at": _summary(db)["last_measured_at"]
        }

    # every report, HTML and Markdown
    for kind in ("performance", "hardware", "compatibility", "simulation"):
        page = tmp_path / f"{kind}.html"
        invoke("report", kind, "--output", page, "--db-path", db)
        text = html.unescape(page.read_text())
        assert _note(page.read_text()).startswith(share), kind
        assert counts in text and models in text, kind
        md = tmp_path / f"{kind}.md"
        invoke("report", kind, "--format", "markdown", "--output", md, "--db-path", db)
        assert share in md.read_text() and models in md.read_text(), kind

    # the dashboard
    dash = tmp_path / "dash"
    invoke(
        "chart", "dashboard", "--model", "test/tiny-bert", "--metric", "throughput",
        "--output", dash, "--db-path", db, "--dpi", "40",
    )  # fmt: skip
    index = (dash / "index.html").read_text()
    assert _note(index).startswith(share)
    assert counts in html.unescape(index) and models in html.unescape(index)


def test_every_surface_shows_the_same_best_values(core, tmp_path):
    from benchdb.reporting import chart_data, charts, data
    from benchdb.reporting.compare import compare_hardware

    db = core[1]
    fastest = max(r["throughput_items_per_second"] for r in _measured_tiny_bert_cpu(db))

    # the heatmap: measured value on the cpu, the estimate labelled on rocm
    with data.connect(db) as con:
        frame = chart_data.best_results(con, "throughput", ["test/tiny-bert"])
        comparison = compare_hardware(con, "test/tiny-bert", "throughput", "fp32")
    tiles = charts.heatmap_chart(frame, "throughput").data.set_index("hardware_type")["label"]
    assert tiles["cpu"] == charts._short_number(fastest)
    assert tiles["rocm"] == "4,000,000 (sim)"

    # the matrix
    matrix = dict(
        (hw, (value, sim))
        for hw, value, sim in _one(
            db,
            "select hardware_type, best_throughput_items_per_second, best_throughput_is_simulated "
            "from rpt_model_hardware_matrix where model_name = 'test/tiny-bert' "
            "and best_throughput_items_per_second is not null",
        )
    )
    assert matrix["cpu"] == (pytest.approx(fastest), False)
    assert matrix["rocm"] == (pytest.approx(4_000_000.0), True)

    # compare: at batch 1 the cpu was measured, so it is best though rocm's estimate is faster;
    # at batch 8 nothing was measured: the faster estimate (rocm) is best, marked *
    columns, rows = comparison.cells(mark=True)
    by_batch = {row[columns.index("batch_size")]: row for row in rows}
    best = columns.index("best_hardware")
    assert by_batch[1][columns.index("rocm")] == "1e+06*"
    assert by_batch[1][best] in ("cpu", "cuda")  # cuda only where this host has a GPU
    assert by_batch[8][best] == "rocm*"
    assert f"cpu {number_text(fastest)} (" in comparison.footnote()
    assert "rocm 4e+06* (batch 8, fp32, seq " in comparison.footnote()

    # the performance report's best table
    md = tmp_path / "performance.md"
    invoke("report", "performance", "--format", "markdown", "--output", md, "--db-path", db)
    text = md.read_text()
    assert "| test/tiny-bert | rocm | items_per_second | 4e+06 | batch 8, fp32, seq " in text
    cpu_row = next(
        line for line in text.splitlines()
        if line.startswith("| test/tiny-bert | cpu | items_per_second |")
    )  # fmt: skip
    assert cpu_row.split(" | ")[3] == number_text(round(fastest, 3))
    assert cpu_row.split(" | ")[5] == "measured"
