"""Simulation: roofline estimates flagged as such, marks that flag results, and the report."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from benchdb.simulation import (
    DeviceSpec,
    ForwardCost,
    count_forward_cost,
    estimate_latency_ms,
    load_hardware_catalog,
    pick_device,
)
from runners import landing
from runners.catalog import load_catalog
from runners.errors import ConfigurationError
from tests.conftest import FAST_TIMING, invoke


def _rows(data: Path) -> list[dict]:
    return [
        r
        for f in landing.landed_files(data / "landing", "benchmark_results")
        for r in pq.read_table(f).to_pylist()
    ]


def test_bert_base_forward_flops_match_the_hand_count():
    # per layer at batch 1, sequence 128, hidden 768, FFN 3072 (2 FLOPs per multiply-add):
    # Q, K, V, O projections 4 x 2 x 128 x 768 x 768; FFN 2 x 2 x 128 x 768 x 3072;
    # scores and weighted values 2 x 2 x 128 x 128 x 768; 12 layers; pooler 2 x 768 x 768
    per_layer = 4 * 2 * 128 * 768 * 768 + 2 * 2 * 128 * 768 * 3072 + 2 * 2 * 128 * 128 * 768
    expected = 12 * per_layer + 2 * 768 * 768
    cost, _ = count_forward_cost(load_catalog()["bert-base-uncased"], 1, 128, "fp32")
    assert cost.flops == expected
    assert cost.counted_on == "meta"
    # the weights alone are 109.48 M parameters x 4 bytes
    assert cost.bytes_moved > 109_482_240 * 4


def test_roofline_takes_the_slower_of_compute_and_memory():
    device = DeviceSpec(
        "cuda",
        "test gpu",
        True,
        {"fp16": 100.0, "fp32": 10.0, "bf16": None},
        memory_bandwidth_gb_per_s=1000.0,
        memory_gb=16,
        fixed_overhead_ms=0.5,
        source="made up for the test",
    )
    cost = ForwardCost(
        flops=2 * 10**12, bytes_moved=10**9, operators=10, counted_on="meta", parameter_count=1
    )
    # compute 2e12 / 100e12 s = 20 ms; memory 1e9 / 1e12 s = 1 ms
    latency, inputs = estimate_latency_ms(cost, device, "fp16")
    assert latency == pytest.approx(20.5)
    assert inputs["bound"] == "compute" and inputs["peak_tflops"] == 100.0
    # at fp32: 200 ms of compute
    assert estimate_latency_ms(cost, device, "fp32")[0] == pytest.approx(200.5)
    with pytest.raises(ConfigurationError, match="no bf16 peak for test gpu"):
        estimate_latency_ms(cost, device, "bf16")


def test_hardware_catalog_covers_the_common_targets_with_sources():
    catalog = load_hardware_catalog()
    names = {d.device_name for d in catalog}
    for wanted in (
        "NVIDIA H200 SXM",
        "NVIDIA H100 SXM5",
        "NVIDIA A100 SXM4 80GB",
        "NVIDIA L4",
        "NVIDIA T4",
        "NVIDIA GeForce RTX 4090",
        "AMD Instinct MI300X",
    ):
        assert wanted in names
    for hw in ("cpu", "cuda", "rocm", "mps", "openvino", "webgpu", "webnn"):
        assert pick_device(hw, catalog=catalog).hardware_type == hw
    assert all(d.source for d in catalog)
    with pytest.raises(ConfigurationError, match="no device 'TPU v5' for cuda"):
        pick_device("cuda", "TPU v5", catalog)


def test_force_simulation_lands_a_flagged_estimate(tmp_path):
    invoke(
        "run",
        "--model",
        "test/tiny-bert",
        "--hardware",
        "cuda",
        "--precision",
        "fp32,bf16",
        "--sequence-length",
        "16",
        "--force-simulation",
        "--simulate-device",
        "NVIDIA T4",
        "--data-dir",
        tmp_path,
    )
    rows = {r["precision"]: r for r in _rows(tmp_path)}
    fp32 = rows["fp32"]
    assert fp32["status"] == "completed" and fp32["is_simulated"] is True
    assert "cuda unavailable on host" in fp32["simulation_reason"]
    method, _, inputs = fp32["simulation_method"].partition(" ")
    assert method == "roofline-v1"
    inputs = json.loads(inputs)
    assert inputs["device_name"] == "NVIDIA T4" == fp32["device_name"]
    assert inputs["peak_tflops"] == 8.1 and inputs["flops"] > 0
    # nothing was timed: no iterations, no samples, and the estimate is the latency
    assert fp32["latencies_ms"] is None and fp32["iterations"] is None
    assert fp32["latency_mean_ms"] == pytest.approx(
        max(inputs["compute_ms"], inputs["memory_ms"]) + inputs["fixed_overhead_ms"]
    )
    assert fp32["throughput_items_per_second"] == pytest.approx(1000 / fp32["latency_mean_ms"])
    # the T4 has no bf16: the estimate is refused, as a row
    assert rows["bf16"]["status"] == "unsupported" and rows["bf16"]["is_simulated"] is True
    assert "no bf16 peak for NVIDIA T4" in rows["bf16"]["error_message"]


def test_without_force_simulation_missing_hardware_is_not_estimated(tmp_path):
    invoke("run", "--model", "test/tiny-bert", "--hardware", "rocm", "--data-dir", tmp_path)
    (row,) = _rows(tmp_path)
    assert row["status"] == "unavailable" and row["is_simulated"] is False


def test_unknown_simulation_device_lists_the_known_ones(tmp_path):
    result = invoke(
        "run",
        "--model",
        "test/tiny-bert",
        "--hardware",
        "cuda",
        "--force-simulation",
        "--simulate-device",
        "Voodoo 2",
        "--data-dir",
        tmp_path,
        expect_exit=None,
    )
    assert result.exit_code == 2
    assert "'Voodoo 2' is not in seeds/hardware_catalog.csv" in result.output
    assert "NVIDIA H100 SXM5" in result.output


@pytest.fixture(scope="module")
def simulation_warehouse(tmp_path_factory):
    """cpu measured and estimated; cuda estimated; cpu marked simulated for one run."""
    data = tmp_path_factory.mktemp("sim-data")
    db = data / "w.duckdb"
    common = [
        "--model",
        "test/tiny-bert",
        "--sequence-length",
        "16",
        *FAST_TIMING,
        "--data-dir",
        data,
    ]
    invoke("run", *common, "--hardware", "cpu,cuda", "--force-simulation", "--also-estimate")
    invoke(
        "simulation", "mark-hardware", "cpu", "--reason", "noisy neighbour host", "--data-dir", data
    )
    invoke("run", *common, "--batch-sizes", "2")
    invoke("simulation", "mark-available", "cpu", "--data-dir", data)
    invoke("run", *common, "--batch-sizes", "3")
    invoke("build", "--quiet", "--data-dir", data, "--db-path", db)
    return data, db


def _one(db: Path, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_marks_flag_results_between_them(simulation_warehouse):
    _, db = simulation_warehouse
    rows = dict(
        _one(
            db,
            "select batch_size, simulation_reason from performance_results "
            "where hardware_type = 'cpu' and coalesce(simulation_reason, '') not like 'estimate%'"
            " order by batch_size",
        )
    )
    assert rows[1] is None
    assert "marked simulated" in rows[2] and rows[2].endswith(": noisy neighbour host")
    assert rows[3] is None
    (marked,) = _one(
        db,
        "select is_marked_simulated from hardware_availability_summary where hardware_type = 'cpu'",
    )
    assert marked == (False,)


def test_accuracy_mart_compares_estimate_with_measurement(simulation_warehouse):
    data, db = simulation_warehouse
    first_run = [r for r in _rows(data) if r["hardware_type"] == "cpu" and r["batch_size"] == 1]
    measured = next(r for r in first_run if not r["is_simulated"])
    estimated = next(r for r in first_run if r["is_simulated"])
    (row,) = _one(
        db, "select configurations, median_ratio, estimated_with_device from simulation_accuracy"
    )
    assert row[0] == 1
    assert row[1] == pytest.approx(estimated["latency_mean_ms"] / measured["latency_mean_ms"])
    assert row[2] == "2-core AVX2 server vCPU"


def test_simulated_rows_are_never_done_in_the_plan(simulation_warehouse):
    _, db = simulation_warehouse
    (row,) = _one(db, "select count(*) from benchmark_config_status where hardware_type = 'cuda'")
    assert row == (0,)


def test_report_counts_by_hand(simulation_warehouse, tmp_path):
    _, db = simulation_warehouse
    out = tmp_path / "report.json"
    invoke("simulation", "report", "--db-path", db, "--output", out)
    report = json.loads(out.read_text())
    # completed rows: cpu b1 measured + estimated, cuda b1 estimated, cpu b2 measured under the
    # mark (flagged), cpu b3 measured: 5 results, 3 simulated
    assert report["total"] == 5
    assert report["simulated"] == 3
    assert report["percentage"] == 60.0
    by_hw = {r["hardware_type"]: r for r in report["by_hardware"]}
    assert (by_hw["cpu"]["total"], by_hw["cpu"]["simulated"]) == (4, 2)
    assert (by_hw["cuda"]["total"], by_hw["cuda"]["simulated"]) == (1, 1)
    assert sum(r["results"] for r in report["by_reason"]) == 3
    markdown = invoke("simulation", "report", "--db-path", db, "--format", "markdown").output
    assert "3 of 5 results are simulated (60.0%)" in markdown


def test_list_writes_every_simulated_result(simulation_warehouse, tmp_path):
    _, db = simulation_warehouse
    out = tmp_path / "simulated.csv"
    invoke("simulation", "list", "--db-path", db, "--output", out)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("result_id,model_name,hardware_type")
    assert len(lines) == 1 + 3
    result = invoke(
        "simulation",
        "list",
        "--db-path",
        db,
        "--output",
        tmp_path / "no/such.csv",
        expect_exit=None,
    )
    assert result.exit_code == 2 and "does not exist" in result.output


def test_run_csv_estimates_what_this_host_lacks(tmp_path):
    configs = tmp_path / "configs.csv"
    configs.write_text(
        "model_name,hardware_type,batch_size\ntest/tiny-vit,cpu,1\ntest/tiny-vit,cuda,1\n"
    )
    invoke("simulation", "run-csv", configs, "--min-duration", "0.05", "--data-dir", tmp_path)
    rows = {r["hardware_type"]: r for r in _rows(tmp_path)}
    assert rows["cpu"]["is_simulated"] is False and rows["cpu"]["iterations"] >= 10
    assert rows["cuda"]["is_simulated"] is True and rows["cuda"]["status"] == "completed"


def test_marking_unknown_hardware_is_refused(tmp_path):
    result = invoke(
        "simulation",
        "mark-hardware",
        "gpu",
        "--reason",
        "x",
        "--data-dir",
        tmp_path,
        expect_exit=None,
    )
    assert result.exit_code == 1 and "unknown hardware type 'gpu'" in result.output
