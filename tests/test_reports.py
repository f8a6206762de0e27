"""`benchdb report`: four reports in HTML (self-contained, charts embedded), Markdown and CSV,
each saying how many of its results are simulated."""

from __future__ import annotations

import base64
import csv
import html
import io
import re

import pytest

from tests.conftest import invoke
from tests.test_charts_support import (
    empty_warehouse_path,
    image_sources,
    is_blank,
    mixed_warehouse_path,
)


@pytest.fixture(scope="session")
def mixed_warehouse(tiny_run, tmp_path_factory):
    return mixed_warehouse_path(tiny_run, tmp_path_factory)


def _note(page: str) -> str:
    found = re.search(r'<p class="simulated-note" id="simulated-count">([^<]*)</p>', page)
    return html.unescape(found.group(1))


def _completed_cpu_configurations(db) -> int:
    # counted here from performance_results, not from the report: on a host with a GPU the
    # tiny run's cuda rows complete too
    result = invoke(
        "query",
        "--db-path",
        db,
        "--format",
        "csv",
        "--sql",
        "select count(*) from performance_results where status = 'completed' and not is_simulated",
    )
    return int(result.stdout.splitlines()[1])


@pytest.mark.parametrize(
    "kind, charts",
    [("performance", 3), ("hardware", 2), ("compatibility", 1), ("simulation", 1)],
)
def test_html_report_is_one_file_with_embedded_charts(mixed_warehouse, tmp_path, kind, charts):
    out = tmp_path / f"{kind}.html"
    result = invoke(
        "report", kind, "--format", "html", "--output", out, "--db-path", mixed_warehouse
    )
    page = out.read_text()
    sources = image_sources(page)
    assert len(sources) == charts
    for n, src in enumerate(sources):
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        png = tmp_path / f"{kind}-{n}.png"
        png.write_bytes(base64.b64decode(src[len(prefix) :]))
        assert not is_blank(png)
    assert "<script" not in page and "<link" not in page
    assert _note(page) in result.stderr
    assert "simulated" in _note(page)


def test_reports_count_the_simulated_results(mixed_warehouse, tmp_path):
    measured = _completed_cpu_configurations(mixed_warehouse)
    estimates = 8  # the fixture: 2 models x 2 precisions x batch 1 and 2, on rocm
    total = measured + estimates
    share = f"{100.0 * estimates / total:.1f}%"
    pages = {}
    for kind in ("performance", "simulation", "compatibility", "hardware"):
        out = tmp_path / f"{kind}.html"
        invoke("report", kind, "--output", out, "--db-path", mixed_warehouse)
        pages[kind] = out.read_text()
    # one share everywhere: simulated of completed results (rpt_warehouse_summary)
    for kind, page in pages.items():
        assert _note(page).startswith(
            f"{estimates} of {total} results are simulated ({share}): estimates, not measurements"
        ), kind
    # cells tried: 3 models on cpu and on cuda, tiny-bert and tiny-vit on rocm (estimates only),
    # tiny-whisper on openvino (unsupported)
    assert (
        "2 of the 9 model x hardware cells tried are known only from simulated results"
        in html.unescape(pages["compatibility"])
    )


def test_markdown_report_states_the_count_and_holds_the_tables(mixed_warehouse, tmp_path):
    out = tmp_path / "simulation.md"
    invoke(
        "report",
        "simulation",
        "--format",
        "markdown",
        "--output",
        out,
        "--db-path",
        mixed_warehouse,
    )
    text = out.read_text()
    assert text.startswith("# Simulation report\n\n**8 of ")
    assert " results are simulated (" in text.splitlines()[2]
    assert "| simulation_reason | results |" in text
    assert "| test fixture: estimate | 8 |" in text
    assert "| hardware_type | rocm | 8 | 8 | 100.000 |" in text


def test_csv_report_is_the_main_table(mixed_warehouse, tmp_path):
    out = tmp_path / "compatibility.csv"
    invoke(
        "report", "compatibility", "--format", "csv", "--output", out, "--db-path", mixed_warehouse
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    by_cell = {(r["model_name"], r["hardware_type"]): r for r in rows}
    assert by_cell[("test/tiny-bert", "rocm")]["compatibility_status"] == "simulated only"
    assert by_cell[("test/tiny-bert", "rocm")]["simulated"] == "4"
    assert by_cell[("test/tiny-whisper", "openvino")]["compatibility_status"] == "unsupported"
    assert ("test/tiny-whisper", "rocm") not in by_cell  # never tried: not listed


def test_performance_report_shows_each_measurement_quality(mixed_warehouse, tmp_path):
    # issue 15: a reader of the report can tell (and leave out) measurements judged noisy;
    # the standing measurement's judgement, read with `benchdb query`, not from the report
    out = tmp_path / "performance.csv"
    invoke(
        "report", "performance", "--format", "csv", "--output", out, "--db-path", mixed_warehouse
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    judged = invoke(
        "query",
        "--db-path",
        mixed_warehouse,
        "--format",
        "csv",
        "--sql",
        "select model_name, hardware_type, precision, batch_size, quality from rpt_latest_results"
        " where status = 'completed' and not is_simulated"
        " and coalesce(benchmark_kind, 'forward') = 'forward'",
    )
    quality = {
        (r["model_name"], r["hardware_type"], r["precision"], r["batch_size"]): r["quality"]
        for r in csv.DictReader(io.StringIO(judged.stdout))
    }
    measured = [r for r in rows if r["result"] == "measured"]
    assert measured and all(q in ("ok", "noisy") for q in quality.values())
    for r in measured:
        key = (r["model_name"], r["hardware_type"], r["precision"], r["batch_size"])
        assert r["quality"] == quality[key], key
    assert all(r["quality"] == "" for r in rows if r["result"] == "simulated")


def test_compatibility_report_lists_what_did_not_complete(mixed_warehouse, tmp_path):
    out = tmp_path / "compat.md"
    invoke(
        "report",
        "compatibility",
        "--format",
        "markdown",
        "--output",
        out,
        "--db-path",
        mixed_warehouse,
    )
    text = out.read_text()
    assert "test fixture: openvino is not supported for this model" in text


def test_bad_output_and_empty_warehouse(mixed_warehouse, tmp_path, tmp_path_factory):
    missing = tmp_path / "none" / "r.html"
    result = invoke(
        "report", "hardware", "--output", missing, "--db-path", mixed_warehouse, expect_exit=1
    )
    assert f"output folder {missing.parent} does not exist" in result.output
    result = invoke(
        "report",
        "hardware",
        "--format",
        "csv",
        "--output",
        tmp_path / "r.html",
        "--db-path",
        mixed_warehouse,
        expect_exit=1,
    )
    assert "must end in .csv" in result.output
    result = invoke("report", "nonsense", "--db-path", mixed_warehouse, expect_exit=2)
    assert "performance" in result.output and "simulation" in result.output
    empty = empty_warehouse_path(tmp_path_factory)
    out = tmp_path / "empty.html"
    invoke("report", "performance", "--output", out, "--db-path", empty)
    page = out.read_text()
    assert _note(page) == (
        "0 of 0 results are simulated: the warehouse holds no completed result yet."
    )
    assert image_sources(page) == []
