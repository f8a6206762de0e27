"""Simulation: roofline estimates flagged as such, marks that flag results, and the report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from benchdb.paths import HARDWARE_CATALOG_CSV
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
        source="made up for the test",
    )
    cost = ForwardCost(
        flops=2 * 10**12, bytes_moved=10**9, operators=10, counted_on="meta", parameter_count=1
    )
    # compute 2e12 / 100e12 s = 20 ms; memory 1e9 / 1e12 s = 1 ms; no calibration: nothing
    # added or scaled, the roofline bound alone, said to be one
    latency, inputs = estimate_latency_ms(cost, device, "fp16")
    assert latency == pytest.approx(20.0) == inputs["roofline_ms"]
    assert inputs["bound"] == "compute" and inputs["peak_tflops"] == 100.0
    assert inputs["calibration"] is None
    assert inputs["calibration_note"].startswith("uncalibrated (latency)")
    # at fp32: 200 ms of compute
    assert estimate_latency_ms(cost, device, "fp32")[0] == pytest.approx(200.0)
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
    with pytest.raises(ConfigurationError, match="no device 'TPU v5' for cuda"):
        pick_device("cuda", "TPU v5", catalog)


def _catalog_rows() -> dict[str, dict]:
    with HARDWARE_CATALOG_CSV.open(newline="", encoding="utf-8") as handle:
        return {row["device_name"]: row for row in csv.DictReader(handle)}


# Each figure of seeds/hardware_catalog.csv against the arithmetic or the datasheet figure its own
# source column states, written out here by hand from that text: (column, expected, digits the
# catalog rounds to, words the source must contain for it).
CATALOG_FIGURES = {
    "2-core AVX2 server vCPU": [
        ("peak_tflops_fp32", 2 * 2.5 * 32 / 1000, 2, "2 cores x 2.5 GHz x 32 FP32 FLOP/cycle"),
        ("peak_tflops_bf16", 2 * 2.5 * 32 / 1000, 2, "bf16 computed at the fp32 rate"),
        ("memory_bandwidth_gb_per_s", 20, 0, "bandwidth 20 GB/s: an assumed"),
    ],
    "16-core AVX-512 server CPU": [
        ("peak_tflops_fp32", 16 * 2.5 * 64 / 1000, 2, "16 cores x 2.5 GHz x 64 FP32"),
        ("peak_tflops_bf16", 16 * 2.5 * 64 / 1000, 2, "bf16 at the fp32 rate"),
        ("memory_bandwidth_gb_per_s", 0.75 * 8 * 3200 * 8 / 1000, 1, "DDR4-3200"),
    ],
    "NVIDIA H200 SXM": [
        ("peak_tflops_fp32", 67, 1, "FP32 67 TFLOPS"),
        ("peak_tflops_fp16", 1979 / 2, 1, "1979 TFLOPS with sparsity"),
        ("peak_tflops_bf16", 1979 / 2, 1, "1979 TFLOPS with sparsity"),
        ("memory_bandwidth_gb_per_s", 4.8 * 1000, 0, "4.8 TB/s"),
        ("memory_gb", 141, 0, "141 GB"),
    ],
    "NVIDIA H100 SXM5": [
        ("peak_tflops_fp32", 67, 1, "FP32 67 TFLOPS"),
        ("peak_tflops_fp16", 1979 / 2, 1, "1979 TFLOPS with sparsity"),
        ("peak_tflops_bf16", 1979 / 2, 1, "1979 TFLOPS with sparsity"),
        ("memory_bandwidth_gb_per_s", 3.35 * 1000, 0, "3.35 TB/s"),
        ("memory_gb", 80, 0, "80 GB"),
    ],
    "NVIDIA A100 SXM4 80GB": [
        ("peak_tflops_fp32", 19.5, 1, "FP32 19.5 TFLOPS"),
        ("peak_tflops_fp16", 312, 0, "312 TFLOPS dense"),
        ("peak_tflops_bf16", 312, 0, "312 TFLOPS dense"),
        ("memory_bandwidth_gb_per_s", 2039, 0, "2,039 GB/s"),
    ],
    "NVIDIA L4": [
        ("peak_tflops_fp32", 30.3, 1, "FP32 30.3 TFLOPS"),
        ("peak_tflops_fp16", 242 / 2, 0, "242 TFLOPS with sparsity"),
        ("peak_tflops_bf16", 242 / 2, 0, "242 TFLOPS with sparsity"),
        ("memory_bandwidth_gb_per_s", 300, 0, "300 GB/s"),
    ],
    "NVIDIA T4": [
        ("peak_tflops_fp32", 8.1, 1, "FP32 8.1 TFLOPS"),
        ("peak_tflops_fp16", 65, 0, "FP16 Tensor 65 TFLOPS"),
        ("memory_bandwidth_gb_per_s", 320, 0, "320 GB/s"),
    ],
    "NVIDIA GeForce RTX 4090": [
        ("peak_tflops_fp32", 82.6, 1, "FP32 82.6 TFLOPS"),
        ("peak_tflops_fp16", 165.2, 1, "165.2 TFLOPS dense"),
        ("memory_bandwidth_gb_per_s", 1008, 0, "1,008 GB/s"),
    ],
    "AMD Instinct MI300X": [
        ("peak_tflops_fp32", 163.4, 1, "FP32 matrix 163.4 TFLOPS"),
        ("peak_tflops_fp16", 1307.4, 1, "1307.4 TFLOPS"),
        ("memory_bandwidth_gb_per_s", 5.3 * 1000, 0, "5.3 TB/s"),
        ("memory_gb", 192, 0, "192 GB"),
    ],
    "Apple M2 (10-core GPU)": [
        ("peak_tflops_fp32", 3.6, 1, "up to 3.6 TFLOPS"),
        ("peak_tflops_fp16", 3.6, 1, "fp16 assumed at the fp32 rate"),
        ("memory_bandwidth_gb_per_s", 100, 0, "100 GB/s"),
    ],
    "Apple M3 (10-core GPU)": [
        ("peak_tflops_fp32", 10 * 128 * 2 * 1.6 / 1000, 1, "10 cores x 128 ALUs x 2"),
        ("peak_tflops_fp16", 10 * 128 * 2 * 1.6 / 1000, 1, "fp16 assumed at the fp32 rate"),
    ],
    "Intel Core Ultra 7 155H Arc iGPU": [
        ("peak_tflops_fp32", 1024 * 2 * 2.25 / 1000, 1, "1024 ALUs x 2 (FMA) x 2.25 GHz"),
        ("peak_tflops_fp16", 2 * 1024 * 2 * 2.25 / 1000, 1, "fp16 at twice the rate"),
        ("memory_bandwidth_gb_per_s", 7467 * 16 / 1000, 1, "7467 x 16 bytes"),
    ],
    "Intel Core Ultra 7 155H NPU": [
        ("peak_tflops_fp16", 11 / 2, 1, "11 TOPS INT8 (fp16 taken at half"),
        ("memory_bandwidth_gb_per_s", 7467 * 16 / 1000, 1, "LPDDR5x-7467 at 119.5 GB/s"),
    ],
    "WebGPU on an integrated laptop GPU": [
        ("peak_tflops_fp32", 96 * 8 * 2 * 1.35 / 1000, 2, "96 EU x 8 FP32 lanes x 2"),
        ("peak_tflops_fp16", 2 * 96 * 8 * 2 * 1.35 / 1000, 2, "fp16 at twice the rate"),
        ("memory_bandwidth_gb_per_s", 4266 * 16 / 1000, 0, "4266 x 16 bytes"),
    ],
    "WebNN on a laptop NPU": [
        ("peak_tflops_fp16", 11 / 2, 1, "11 INT8 TOPS"),
        ("memory_bandwidth_gb_per_s", 4266 * 16 / 1000, 0, "as the WebGPU class (68 GB/s)"),
    ],
}


def test_hardware_catalog_figures_agree_with_their_stated_sources():
    rows = _catalog_rows()
    assert set(rows) == set(CATALOG_FIGURES), "every catalog row is checked here"
    for device, figures in CATALOG_FIGURES.items():
        row = rows[device]
        for column, expected, digits, words in figures:
            assert words in row["source"], (device, column, words)
            assert float(row[column]) == pytest.approx(round(expected, digits)), (device, column)


def test_the_catalog_holds_no_fitted_constant():
    # the former per-device overheads had no source: they are gone, and each row says where its
    # calibration comes from instead (the device's own measured rows, simulation_accuracy)
    with HARDWARE_CATALOG_CSV.open(newline="", encoding="utf-8") as handle:
        assert "fixed_overhead_ms" not in next(csv.reader(handle))
    for device, row in _catalog_rows().items():
        assert "calibrated from its own measured rows" in row["source"], device
        assert "simulation_accuracy" in row["source"], device


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
    assert method == "roofline-v2"
    inputs = json.loads(inputs)
    assert inputs["device_name"] == "NVIDIA T4" == fp32["device_name"]
    # tiny-bert (2 layers, hidden 32, FFN 64) at batch 1, 16 tokens, by hand: per layer Q, K, V,
    # O 4 x 2 x 16 x 32 x 32, FFN 2 x 2 x 16 x 32 x 64, scores and values 2 x 2 x 16 x 16 x 32;
    # pooler 2 x 32 x 32
    flops = 2 * (4 * 2 * 16 * 32 * 32 + 2 * 2 * 16 * 32 * 64 + 2 * 2 * 16 * 16 * 32) + 2 * 32 * 32
    assert inputs["flops"] == flops
    t4 = _catalog_rows()["NVIDIA T4"]  # the catalog read here, not through benchdb.simulation
    compute_ms = flops / (float(t4["peak_tflops_fp32"]) * 1e12) * 1e3
    memory_ms = inputs["bytes_moved"] / (float(t4["memory_bandwidth_gb_per_s"]) * 1e9) * 1e3
    # no T4 was measured (no warehouse in this data directory): the roofline bound alone,
    # flagged uncalibrated with the reason
    assert inputs["calibration"] is None
    assert inputs["calibration_note"].startswith("uncalibrated (latency): no warehouse at ")
    # nothing was timed: no iterations, no samples, and the estimate is the latency
    assert fp32["latencies_ms"] is None and fp32["iterations"] is None
    assert fp32["latency_mean_ms"] == pytest.approx(max(compute_ms, memory_ms))
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
    inputs = json.loads(estimated["simulation_method"].partition(" ")[2])
    roofline = max(inputs["compute_ms"], inputs["memory_ms"])
    # one pair (batch 1 measured and estimated in the first run); batches 2 and 3 were measured
    # without an estimate beside them
    (row,) = _one(
        db,
        "select estimated_with_device, metric, calibration_status, calibration_rows, "
        "calibration_method, calibration_factor, calibration_overhead_ms, left_out_rows, "
        "roofline_median_ratio, median_ratio from simulation_accuracy where calibration_rows > 0",
    )
    assert row[:5] == ("2-core AVX2 server vCPU", "latency", "not validated", 1, "factor")
    # one row: the factor is its measured / roofline; nothing left out to test it on
    assert row[5] == pytest.approx(measured["latency_mean_ms"] / roofline)
    assert row[6] == 0 and row[7] == 0
    assert row[8] == pytest.approx(roofline / measured["latency_mean_ms"])
    assert row[9] == pytest.approx(estimated["latency_mean_ms"] / measured["latency_mean_ms"])
    # every other catalog device and metric has no measured row: uncalibrated, and no figure
    others = _one(
        db,
        "select count(*), count(calibration_factor), count(left_out_median_ratio), "
        "count(*) filter (where calibration_status = 'uncalibrated') "
        "from simulation_accuracy where calibration_rows = 0",
    )
    cells = 3 * len(load_hardware_catalog()) - 1
    assert others == [(cells, 0, 0, cells)]


def test_a_later_estimate_applies_the_device_calibration_and_names_it(
    simulation_warehouse, tmp_path, monkeypatch
):
    data, db = simulation_warehouse
    first_run = [r for r in _rows(data) if r["hardware_type"] == "cpu" and r["batch_size"] == 1]
    measured = next(r for r in first_run if not r["is_simulated"])
    inputs = json.loads(
        next(r for r in first_run if r["is_simulated"])["simulation_method"].partition(" ")[2]
    )
    factor = measured["latency_mean_ms"] / max(inputs["compute_ms"], inputs["memory_ms"])
    monkeypatch.setenv("BENCHMARK_DB_PATH", str(db))
    invoke(
        "run", "--model", "test/tiny-bert", "--sequence-length", "16", "--hardware", "cpu,cuda",
        "--force-simulation", "--also-estimate", *FAST_TIMING, "--data-dir", tmp_path,
    )  # fmt: skip
    estimates = {r["hardware_type"]: r for r in _rows(tmp_path) if r["is_simulated"]}
    cpu = json.loads(estimates["cpu"]["simulation_method"].partition(" ")[2])
    # the cpu device was fitted on one measured row: its factor, on record whole, applied
    assert cpu["calibration"]["method"] == "factor" and cpu["calibration"]["rows"] == 1
    assert cpu["calibration"]["factor"] == pytest.approx(factor)
    assert cpu["calibration"]["status"] == "not validated"
    assert cpu["calibration"]["source"] == f"simulation_accuracy in {db}"
    assert cpu["calibration"]["fitted_through"] is not None
    assert estimates["cpu"]["latency_mean_ms"] == pytest.approx(cpu["roofline_ms"] * factor)
    # the cuda device (an H100) has no measured rows: the roofline alone, flagged, with why
    cuda = json.loads(estimates["cuda"]["simulation_method"].partition(" ")[2])
    assert cuda["calibration"] is None
    assert "no measured latency rows of this device" in cuda["calibration_note"]
    assert estimates["cuda"]["latency_mean_ms"] == pytest.approx(cuda["roofline_ms"])
    shown = invoke("simulation", "accuracy", "--db-path", db, "--format", "json").output
    (device,) = json.loads(shown)
    assert device["estimated_with_device"] == "2-core AVX2 server vCPU"
    assert device["factor"] == pytest.approx(factor, rel=1e-3)


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
    assert result.exit_code == 1 and "does not exist" in result.output


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
