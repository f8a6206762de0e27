"""Generation benchmarks in the warehouse: `benchdb run --kind generate` -> `benchdb build` ->
rows of performance_results with TTFT / TPOT, keyed apart from forward passes, charted, and
estimated (flagged) for hardware this host lacks."""

from __future__ import annotations

import csv
import json
import re
import statistics

import duckdb
import pyarrow.parquet as pq
import pytest

from runners import landing
from tests.conftest import FAST_TIMING, invoke

GENERATE = ["--kind", "generate", "--input-length", "16", "--output-length", "4"]


def _landed(data_dir, kind):
    return [
        row
        for f in landing.landed_files(data_dir / "landing", kind)
        for row in pq.read_table(f).to_pylist()
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One generation run of the tiny llama on the CPU (batch 1, 2) estimated beside its
    measurement and for cuda (absent here), one forward run of the same model, one build."""
    data_dir = tmp_path_factory.mktemp("generation-warehouse")
    invoke(
        "run", "--model", "test/tiny-llama", "--hardware", "cpu,cuda", "--batch-size", "1,2",
        *GENERATE, *FAST_TIMING, "--force-simulation", "--also-estimate",
        "--data-dir", data_dir,
    )  # fmt: skip
    invoke(
        "run", "--model", "test/tiny-llama", "--batch-size", "1", "--sequence-length", "16",
        *FAST_TIMING, "--data-dir", data_dir,
    )  # fmt: skip
    db = data_dir / "benchmark.duckdb"
    invoke("build", "--quiet", "--data-dir", data_dir, "--db-path", db)
    return data_dir, db


def _query(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def test_measured_generations_are_rows_with_ttft_and_tpot(built):
    data_dir, db = built
    landed = {
        r["result_id"]: r for r in _landed(data_dir, "generation_results") if not r["is_simulated"]
    }
    rows = _query(
        db,
        "select * from performance_results where benchmark_kind = 'generate' "
        "and not is_simulated order by batch_size",
    )
    assert [r["batch_size"] for r in rows] == [1, 2]
    for row in rows:
        source = landed[row["result_id"]]
        assert row["status"] == "completed" and row["test_case"] == "inference_generate"
        assert (row["input_length"], row["output_length"], row["backend"]) == (16, 4, "eager")
        # the warehouse's statistics are those of the landed samples, recomputed
        assert row["ttft_p50_ms"] == pytest.approx(statistics.median(source["ttft_ms"]))
        assert row["tpot_p50_ms"] == pytest.approx(statistics.median(source["tpot_ms"]))
        assert len(row["tpot_ms"]) == 3 * row["iterations"]  # output length 4: 3 decode steps
        # 20 generations: p50 stored, p90 (needs 100) NULL, and the note says why
        assert row["iterations"] < 100 and row["ttft_p90_ms"] is None
        assert "p90" in row["percentiles_note"]
        assert row["decode_tokens_per_second"] == pytest.approx(
            row["batch_size"] * 1000 / statistics.fmean(source["tpot_ms"])
        )
        # no forward-pass numbers on a generation row
        assert row["latency_mean_ms"] is None and row["throughput_items_per_second"] is None


def test_forward_rows_have_no_generation_numbers(built):
    _, db = built
    (row,) = _query(
        db,
        "select * from performance_results where model_name = 'test/tiny-llama' "
        "and benchmark_kind = 'forward'",
    )
    assert row["backend"] == "eager" and row["latency_p50_ms"] > 0
    generation_columns = [
        "input_length", "output_length", "ttft_p50_ms", "tpot_p50_ms", "e2e_latency_p50_ms",
        "decode_tokens_per_second", "total_tokens_per_second",
    ]  # fmt: skip
    assert {c: row[c] for c in generation_columns} == dict.fromkeys(generation_columns)


def test_a_generation_never_shares_a_configuration_with_a_forward_pass(built):
    _, db = built
    latest = _query(
        db,
        "select benchmark_kind, batch_size, hardware_type, input_label, configuration_id "
        "from rpt_latest_results where model_name = 'test/tiny-llama' and hardware_type = 'cpu'",
    )
    assert sorted((r["benchmark_kind"], r["batch_size"]) for r in latest) == [
        ("forward", 1), ("generate", 1), ("generate", 2),
    ]  # fmt: skip
    assert len({r["configuration_id"] for r in latest}) == 3
    labels = {r["benchmark_kind"]: r["input_label"] for r in latest if r["batch_size"] == 1}
    assert labels == {"forward": "seq 16", "generate": "generate in 16 / out 4 tokens, eager"}
    # planning and regressions key them apart too
    status = _query(
        db,
        "select benchmark_kind, input_length_key, output_length_key, backend "
        "from benchmark_config_status where model_name = 'test/tiny-llama' and batch_size = 1 "
        "and hardware_type = 'cpu'",
    )
    assert sorted(tuple(r.values()) for r in status) == [
        ("forward", -1, -1, "eager"), ("generate", 16, 4, "eager"),
    ]  # fmt: skip
    points = _query(
        db,
        "select benchmark_kind, metric, series_id from regression_points "
        "where model_name = 'test/tiny-llama' and batch_size = 1 and hardware_type = 'cpu'",
    )
    metrics = {
        kind: {p["metric"] for p in points if p["benchmark_kind"] == kind}
        for kind in ("inference_forward", "inference_generate")
    }
    assert {"latency_p50_ms", "throughput_items_per_second"} <= metrics["inference_forward"]
    assert {"ttft_p50_ms", "tpot_p50_ms", "decode_tokens_per_second"} <= metrics[
        "inference_generate"
    ]
    assert not metrics["inference_forward"] & {"ttft_p50_ms", "tpot_p50_ms"}
    forward_series = {p["series_id"] for p in points if p["benchmark_kind"] == "inference_forward"}
    generate_series = {p["series_id"] for p in points if p["benchmark_kind"] != "inference_forward"}
    assert forward_series and generate_series and not forward_series & generate_series


def test_an_absent_gpu_gets_a_flagged_generation_estimate(built):
    data_dir, db = built
    rows = _query(
        db,
        "select * from rpt_generation_results where hardware_type = 'cuda' order by batch_size",
    )
    assert [r["batch_size"] for r in rows] == [1, 2]
    for row in rows:
        assert row["is_simulated"] and row["status"] == "completed"
        assert row["configuration_label"].endswith(", estimate")
        assert "cuda unavailable" in row["simulation_reason"]
        assert row["ttft_p50_ms"] > 0 and row["tpot_p50_ms"] > 0
    (method,) = _query(
        db,
        "select simulation_method from performance_results where hardware_type = 'cuda' "
        "and benchmark_kind = 'generate' and batch_size = 1",
    )
    assert method["simulation_method"].startswith("roofline-generate-v3 {")
    inputs = json.loads(method["simulation_method"].split(" ", 1)[1])
    assert inputs["device_name"] == "NVIDIA H100 SXM5" and inputs["decode_bound"] == "memory"


def test_measured_cpu_generations_are_in_the_simulation_accuracy(built):
    _, db = built
    rows = _query(
        db,
        "select * from simulation_accuracy_rows where benchmark_kind = 'generate' "
        "order by metric, batch_size",
    )
    # TPOT and TTFT are rows of their own metric, each fitted apart
    assert [(r["metric"], r["batch_size"]) for r in rows] == [
        ("tpot", 1), ("tpot", 2), ("ttft", 1), ("ttft", 2)
    ]  # fmt: skip
    measured = {
        r["batch_size"]: r
        for r in _query(
            db,
            "select batch_size, tpot_mean_ms, ttft_mean_ms from performance_results "
            "where hardware_type = 'cpu' and benchmark_kind = 'generate' and not is_simulated",
        )
    }
    for row in rows:  # the means: stored however few the samples (a p50 is not)
        assert row["measured_ms"] == measured[row["batch_size"]][f"{row['metric']}_mean_ms"]
    # two rows per metric: each is predicted by the other's factor (measured / roofline)
    for metric in ("tpot", "ttft"):
        one, other = (r for r in rows if r["metric"] == metric)
        for row, rest in ((one, other), (other, one)):
            factor = rest["measured_ms"] / rest["roofline_ms"]
            assert row["left_out_factor"] == pytest.approx(factor)
            assert row["left_out_factor_ratio"] == pytest.approx(
                row["roofline_ms"] * factor / row["measured_ms"]
            )
        (device,) = _query(
            db,
            "select * from simulation_accuracy where hardware_type = 'cpu' "
            f"and metric = '{metric}' and calibration_rows > 0",
        )
        assert device["calibration_rows"] == 2 and device["left_out_rows"] == 2
        assert device["calibration_method"] == "factor"  # two rows: factor + overhead untested
        assert device["roofline_median_ratio"] == pytest.approx(
            statistics.median(r["roofline_ratio"] for r in (one, other))
        )


@pytest.mark.parametrize("chart", ["ttft-vs-input-length", "tokens-per-second-vs-batch"])
def test_generation_charts_are_drawn(built, tmp_path, chart):
    _, db = built
    out = tmp_path / f"{chart}.png"
    result = invoke("chart", chart, "--output", out, "--db-path", db)
    assert out.stat().st_size > 10_000 and f"wrote {out}" in result.output


def test_generation_chart_states_its_settings_and_labels_estimates(built):
    from benchdb.reporting import chart_data, charts, data

    _, db = built
    with data.connect(db) as con:
        frame = chart_data.generation_results(con)
    plot = charts.tokens_per_second_vs_batch_chart(frame)
    # one model, length and backend: stated once; the estimates (cuda) are labelled
    assert "all at test/tiny-llama, in 16, out 4 tokens, fp32, eager" in plot.labels.subtitle
    assert "2 simulated" in plot.labels.caption
    assert sorted(frame["hardware_type"].unique()) == ["cpu", "cuda"]


def test_the_dashboard_has_a_generation_section(built, tmp_path):
    data_dir, db = built
    out = tmp_path / "dash"
    invoke("chart", "dashboard", "--output", out, "--db-path", db, "--dpi", "50")
    page = (out / "index.html").read_text()
    assert "Generation: time to first token by input length" in page
    assert (out / "ttft-vs-input-length-generation-all.png").stat().st_size > 5_000
    # the report's generation tables, from its loader: measured and estimated apart, labelled
    landed = [r for r in _landed(data_dir, "generation_results") if not r["is_simulated"]]
    measured = _html_table(page, "Generation: measured")
    assert [(r["hardware_type"], r["batch_size"]) for r in measured] == [("cpu", "1"), ("cpu", "2")]
    for row in measured:
        (source,) = [s for s in landed if str(s["batch_size"]) == row["batch_size"]]
        assert row["result"] == "measured" and row["model_name"] == "test/tiny-llama"
        assert (row["input_length"], row["output_length"]) == ("16", "4")
        assert (row["precision"], row["backend"]) == ("fp32", "eager")
        assert float(row["tpot_p50_ms"]) == pytest.approx(
            statistics.median(source["tpot_ms"]), abs=6e-4
        )
        assert float(row["ttft_p50_ms"]) == pytest.approx(
            statistics.median(source["ttft_ms"]), abs=6e-4
        )
        # 20 generations, 60 decode steps: p90 needs 100 samples
        assert row["ttft_p90_ms"] == "NULL" and row["tpot_p90_ms"] == "NULL"
        assert float(row["decode_tokens_per_second"]) == pytest.approx(
            int(row["batch_size"]) * 1000 / statistics.fmean(source["tpot_ms"]), abs=6e-3
        )
        assert row["quality"] == (source["quality"] or "NULL")
    estimated = _html_table(page, "Generation: estimated (simulated, not measured)")
    assert [(r["hardware_type"], r["result"]) for r in estimated] == [("cuda", "simulated")] * 2
    assert all("cuda unavailable" in r["simulation_reason"] for r in estimated)
    assert "Roofline estimates" in page and "not measurements" in page
    # the forward table holds forward passes only
    forward = _html_table(page, "Latest result per configuration (first 200)")
    assert [r["input_label"] for r in forward] == ["seq 16"]
    # narrowed to a hardware type, the tables follow: no estimate table for the cpu alone
    narrowed = tmp_path / "cpu"
    invoke("chart", "dashboard", "--output", narrowed, "--db-path", db, "--hardware", "cpu",
           "--metric", "latency", "--dpi", "50")  # fmt: skip
    page = (narrowed / "index.html").read_text()
    assert len(_html_table(page, "Generation: measured")) == 2
    assert "Generation: estimated" not in page


# ------------------------------------------------------------------ the report


def _html_table(page: str, heading: str) -> list[dict]:
    """The rows of the table under <h2>heading</h2>, as {column: cell text}."""
    import html
    import re

    found = re.search(
        rf"<h2>{re.escape(html.escape(heading))}</h2>\s*(?:<p>[^<]*</p>\s*)?<table.*?</table>",
        page,
        re.S,
    )
    assert found, f"no table under {heading!r}"
    table = found.group(0)
    columns = [html.unescape(c) for c in re.findall(r"<th>(.*?)</th>", table)]
    return [
        dict(zip(columns, (html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row))))
        for row in re.findall(r"<tr>(<td.*?)</tr>", table)
    ]


def test_the_report_has_generation_tables_measured_and_estimated_apart(built, tmp_path):
    import base64

    from tests.test_charts_support import is_blank

    data_dir, db = built
    out = tmp_path / "report.html"
    result = invoke("report", "--output", out, "--db-path", db)  # REPORT: performance
    assert f"wrote {out}" in result.output
    page = out.read_text()
    landed = [r for r in _landed(data_dir, "generation_results") if not r["is_simulated"]]
    measured = _html_table(page, "Generation: measured")
    assert [(r["hardware_type"], r["batch_size"]) for r in measured] == [("cpu", "1"), ("cpu", "2")]
    for row in measured:
        (source,) = [s for s in landed if str(s["batch_size"]) == row["batch_size"]]
        assert row["result"] == "measured" and row["model_name"] == "test/tiny-llama"
        assert (row["input_length"], row["output_length"], row["backend"]) == ("16", "4", "eager")
        # the landed samples' medians, to the table's three decimals
        assert float(row["tpot_p50_ms"]) == pytest.approx(
            statistics.median(source["tpot_ms"]), abs=6e-4
        )
        assert float(row["ttft_p50_ms"]) == pytest.approx(
            statistics.median(source["ttft_ms"]), abs=6e-4
        )
        assert row["ttft_p90_ms"] == "NULL"  # 20 generations: p90 needs 100
        assert float(row["decode_tokens_per_second"]) == pytest.approx(
            int(row["batch_size"]) * 1000 / statistics.fmean(source["tpot_ms"]), abs=6e-3
        )
    # the estimates for the absent GPU, in their own table, labelled and with their reason
    estimated = _html_table(page, "Generation: estimated (simulated, not measured)")
    assert [(r["hardware_type"], r["batch_size"]) for r in estimated] == [
        ("cuda", "1"), ("cuda", "2"),
    ]  # fmt: skip
    assert all(r["result"] == "simulated" for r in estimated)
    assert all("cuda unavailable" in r["simulation_reason"] for r in estimated)
    assert "Roofline estimates" in page and "not measurements" in page
    # the forward table holds the forward pass only
    forward = _html_table(page, "Latest result per configuration")
    assert [r["input_label"] for r in forward] == ["seq 16"]
    # the two generation charts, drawn
    for caption in (
        "Generation: time to first token by input length",
        "Generation: decode tokens per second by batch size",
    ):
        found = re.search(
            rf'<img src="data:image/png;base64,([^"]+)" alt="{caption}"><figcaption>', page
        )
        assert found, caption
        png = tmp_path / "chart.png"
        png.write_bytes(base64.b64decode(found.group(1)))
        assert not is_blank(png)


# ------------------------------------------------------------------ plans


def test_a_plan_carries_generations_and_runs_them(built, tmp_path):
    data_dir, db = built
    plan = tmp_path / "plan.csv"
    invoke(
        "plan", "--missing-only", "--model", "test/tiny-llama", "--hardware", "cpu",
        "--batch-size", "1,2", "--kind", "generate", "--input-length", "16,8",
        "--output-length", "4", "--output", plan, "--db-path", db,
    )  # fmt: skip
    with plan.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # input 16 was measured at batch 1 and 2 (the fixture's run); input 8 was not
    assert [
        (r["benchmark_kind"], r["batch_size"], r["input_length"], r["output_length"], r["backend"])
        for r in rows
    ] == [("generate", "1", "8", "4", "eager"), ("generate", "2", "8", "4", "eager")]
    assert all(r["sequence_length"] == "" and r["reason"] == "never run" for r in rows)
    run_dir = tmp_path / "data"
    result = invoke("run", "--plan", plan, *FAST_TIMING, "--data-dir", run_dir)
    landed = _landed(run_dir, "generation_results")
    assert sorted(
        (r["batch_size"], r["input_length"], r["output_length"], r["status"]) for r in landed
    ) == [(1, 8, 4, "completed"), (2, 8, 4, "completed")]
    assert not landing.landed_files(run_dir / "landing", "benchmark_results")
    assert "ttft_p50_ms" in result.output


def test_the_seed_plan_holds_its_wanted_generations(built, tmp_path):
    _, db = built
    plan = tmp_path / "plan.csv"
    invoke("plan", "--missing-only", "--output", plan, "--db-path", db)
    with plan.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # seeds/wanted_benchmarks.csv wants gpt2 generating 32 tokens after 128 on the cpu
    generations = [r for r in rows if r["benchmark_kind"] == "generate"]
    keys = {
        (r["model_name"], r["hardware_type"], r["batch_size"], r["input_length"])
        + (r["output_length"], r["backend"])
        for r in generations
    }
    assert keys == {
        ("gpt2", "cpu", "1", "128", "32", "eager"),
        ("gpt2", "cpu", "4", "128", "32", "eager"),
    }
    assert all(r["benchmark_kind"] == "forward" for r in rows if r not in generations)


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "model_name,hardware_type,batch_size,benchmark_kind,input_length\n"
            "test/tiny-llama,cpu,1,generate,8\n",
            ":2: output_length is empty; a generation needs it",
        ),
        (
            "model_name,hardware_type,batch_size,input_length,output_length\n"
            "test/tiny-llama,cpu,1,8,4\n",
            ":2: input_length, output_length given for a forward pass",
        ),
        (
            "model_name,hardware_type,batch_size,sequence_length,benchmark_kind,"
            "input_length,output_length\ntest/tiny-llama,cpu,1,16,generate,8,4\n",
            ":2: sequence_length '16' given for a generation",
        ),
        (
            "model_name,hardware_type,batch_size,benchmark_kind\ntest/tiny-llama,cpu,1,decode\n",
            ":2: benchmark_kind 'decode' is not one of forward, generate",
        ),
        (
            "model_name,hardware_type,batch_size,benchmark_kind,input_length,output_length,"
            "backend\ntest/tiny-llama,cpu,1,generate,8,4,jit\n",
            ":2: backend 'jit' is not one of eager, compile",
        ),
        (
            "model_name,hardware_type,batch_size,benchmark_kind,input_length,output_length\n"
            "test/tiny-llama,cpu,1,generate,8,4\ntest/tiny-llama,cpu,1,generate,8,4\n",
            ":3: duplicate of line 2",
        ),
    ],
)
def test_a_bad_generation_plan_is_refused_before_anything_runs(tmp_path, body, message):
    plan = tmp_path / "plan.csv"
    plan.write_text(body)
    result = invoke("run", "--plan", plan, "--data-dir", tmp_path / "d", expect_exit=None)
    assert result.exit_code == 1 and message in result.output and "plan.csv" in result.output
    assert not any((tmp_path / "d").rglob("*.parquet"))


def test_a_plan_file_says_the_kind_not_the_options(tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text("model_name,hardware_type,batch_size\ntest/tiny-llama,cpu,1\n")
    result = invoke(
        "run", "--plan", plan, "--kind", "generate", "--data-dir", tmp_path, expect_exit=2
    )
    assert "--kind does not apply to --plan" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--kind", "forward", "--input-length", "8"], "--input-length does not apply to --kind"),
        (["--kind", "generate", "--sequence-length", "8"], "--sequence-length does not apply"),
        (["--backend", "jit"], "unknown backend 'jit'"),
    ],
)
def test_plan_refuses_options_of_the_other_kind(built, args, message):
    _, db = built
    result = invoke("plan", *args, "--db-path", db, expect_exit=2)
    assert message in result.output and "Traceback" not in result.output
