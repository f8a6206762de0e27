"""Calibration of the roofline: the fits and their leave-one-out test on rows computed by hand,
an estimate that records its calibration whole, and a device without one flagged as such."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import jinja2
import pytest

from benchdb.calibration import Calibration, Calibrations, read_calibrations
from benchdb.paths import PROJECT_DIR
from benchdb.simulation import DeviceSpec, ForwardCost, estimate_latency_ms


def _render(model: str) -> str:
    """A simulation mart's SQL with its Jinja resolved as dbt would for DuckDB: ref() names a
    table of this test's connection; the macros are the project's own calibration_fits and
    stable_id's DuckDB form (macros/stable_id.sql)."""
    env = jinja2.Environment()
    fits = env.from_string((PROJECT_DIR / "macros" / "calibration_fits.sql").read_text())

    def stable_id(columns):
        parts = ", ".join(f"coalesce(cast({c} as varchar), '<null>')" for c in columns)
        return f"md5(concat_ws('|', {parts}))"

    sql = (PROJECT_DIR / "models" / "marts" / "simulation" / f"{model}.sql").read_text()
    return env.from_string(sql).render(
        ref=lambda name: name, stable_id=stable_id, calibration_fits=fits.module.calibration_fits
    )


def _frame(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _method(roofline_ms: float, extra: str = "") -> str:
    return f'roofline-v1 {{"roofline_ms": {roofline_ms}{extra}}}'


# Device Dev (cuda), forward latency: three configurations with roofline times 1, 2 and 4 ms
# measured 3, 5 and 8 ms; one of Clamp (not in the catalog): roofline 1 and 2, measured 2 and 6;
# one generation on Dev (TPOT 2 ms against a roofline of 0.5, TTFT 10 against 4).
MEASURED = [
    # result, configuration, device estimated with, measured ms, roofline ms
    ("m1", "c1", "Dev", 3.0, 1.0),
    ("m2", "c2", "Dev", 5.0, 2.0),
    ("m4", "c4", "Dev", 8.0, 4.0),
    ("k1", "k1", "Clamp", 2.0, 1.0),
    ("k2", "k2", "Clamp", 6.0, 2.0),
]


@pytest.fixture(scope="module")
def marts():
    con = duckdb.connect()
    con.execute(
        "create table performance_results (result_id varchar, run_id varchar, "
        "configuration_id varchar, model_name varchar, model_family varchar, "
        "hardware_type varchar, precision varchar, batch_size integer, benchmark_kind varchar, "
        "device_name varchar, quality varchar, measured_at timestamp, latency_mean_ms double, "
        "tpot_mean_ms double, ttft_mean_ms double, status varchar, is_simulated boolean, "
        "simulation_method varchar)"
    )
    rows = []
    for i, (result, config, device, measured, roofline) in enumerate(MEASURED):
        when = f"2026-11-30 10:0{i}:00"
        quality = "noisy" if result == "m4" else "ok"
        rows.append((result, "r1", config, "cuda", "NVIDIA X", quality, when, measured, None, None,
                     False, None, "forward"))  # fmt: skip
        # m1's estimate predates roofline_ms: its roofline is the slower of compute and memory
        method = (
            'roofline-v1 {"compute_ms": 0.25, "memory_ms": 1.0}'
            if result == "m1"
            else _method(roofline, ', "calibration": {"method": "factor", "rows": 5}')
        )
        rows.append((f"e{result}", "r1", config, "cuda", device, None, when, roofline * 1.5,
                     None, None, True, method, "forward"))  # fmt: skip
    # an estimate of c8 from another run (r0) is not paired with c8's measurement of r1; c9 is
    # measured without an estimate beside it
    rows.append(("m8", "r1", "c8", "cuda", "NVIDIA X", "ok", "2026-11-30 10:00:00", 30.0, None,
                 None, False, None, "forward"))  # fmt: skip
    rows.append(("e8", "r0", "c8", "cuda", "Dev", None, "2026-11-29 10:00:00", 1.0, None, None,
                 True, _method(1.0), "forward"))  # fmt: skip
    rows.append(("m9", "r1", "c9", "cuda", "NVIDIA X", "ok", "2026-11-30 10:00:00", 7.0, None,
                 None, False, None, "forward"))  # fmt: skip
    # a generation: TPOT and TTFT are two rows of their own metrics
    rows.append(("g1", "r2", "cg", "cuda", "NVIDIA X", "ok", "2026-11-30 11:00:00", None, 2.0,
                 10.0, False, None, "generate"))  # fmt: skip
    rows.append(("eg", "r2", "cg", "cuda", "Dev", None, "2026-11-30 11:00:00", None, 1.0, 4.0,
                 True, 'roofline-generate-v1 {"tpot_roofline_ms": 0.5, "ttft_roofline_ms": 4.0}',
                 "generate"))  # fmt: skip
    con.executemany(
        "insert into performance_results (result_id, run_id, configuration_id, hardware_type, "
        "device_name, quality, measured_at, latency_mean_ms, tpot_mean_ms, ttft_mean_ms, "
        "is_simulated, simulation_method, benchmark_kind, status, model_name, precision, "
        "batch_size) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'completed', 'bert', "
        "'fp16', 1)",
        rows,
    )
    con.execute(
        "create table rpt_latest_results as select result_id, status, is_simulated "
        "from performance_results where not is_simulated"
    )
    con.execute(
        "create table stg_catalog__hardware_devices as select * from (values "
        "('cuda', 'Dev'), ('cuda', 'Idle')) as t (hardware_type, device_name)"
    )
    con.execute(f"create table simulation_accuracy_rows as {_render('simulation_accuracy_rows')}")
    con.execute(f"create table simulation_accuracy as {_render('simulation_accuracy')}")
    yield con
    con.close()


def test_each_row_is_predicted_by_the_fits_of_the_other_rows(marts):
    rows = {
        (r["measured_result_id"], r["metric"]): r
        for r in _frame(marts, "select * from simulation_accuracy_rows")
    }
    # m8's estimate is of another run, m9 has none: neither is a row; g1 is two (tpot, ttft)
    assert sorted(rows) == [("g1", "tpot"), ("g1", "ttft"), ("k1", "latency"),
                            ("k2", "latency"), ("m1", "latency"), ("m2", "latency"),
                            ("m4", "latency")]  # fmt: skip
    m1, m2, m4 = rows["m1", "latency"], rows["m2", "latency"], rows["m4", "latency"]
    assert m1["roofline_ms"] == 1.0  # max(compute 0.25, memory 1.0): the older record
    assert m2["estimate_calibration_method"] == "factor" and m2["estimate_calibration_rows"] == 5
    assert m1["estimated_ratio"] == pytest.approx(1.5 / 3)
    # factor left out: the geometric mean of measured / roofline over the two other rows
    # (3/1, 5/2, 8/4 for m1, m2, m4): sqrt(2.5 x 2), sqrt(3 x 2), sqrt(3 x 2.5)
    for row, factor in ((m1, math.sqrt(5)), (m2, math.sqrt(6)), (m4, math.sqrt(7.5))):
        assert row["left_out_fit_rows"] == 2
        assert row["left_out_factor"] == pytest.approx(factor)
        assert row["left_out_factor_predicted_ms"] == pytest.approx(row["roofline_ms"] * factor)
    assert m4["left_out_factor_ratio"] == pytest.approx(4 * math.sqrt(7.5) / 8)
    # factor + overhead left out: two other rows, so the line through them: m1 from (2, 5) and
    # (4, 8): 1.5 x + 2 -> 3.5 ms; m2 from (1, 3), (4, 8): 5/3 x + 4/3 -> 14/3; m4 from (1, 3),
    # (2, 5): 2 x + 1 -> 9
    for row, factor, overhead, predicted in (
        (m1, 1.5, 2.0, 3.5), (m2, 5 / 3, 4 / 3, 14 / 3), (m4, 2.0, 1.0, 9.0),
    ):  # fmt: skip
        assert row["left_out_affine_factor"] == pytest.approx(factor)
        assert row["left_out_affine_overhead_ms"] == pytest.approx(overhead)
        assert row["left_out_affine_predicted_ms"] == pytest.approx(predicted)
        assert row["left_out_affine_ratio"] == pytest.approx(predicted / row["measured_ms"])
    # Clamp: the line through the other row alone is not fitted (one row), the factor is
    k1 = rows["k1", "latency"]
    assert k1["left_out_factor"] == pytest.approx(3.0) and k1["left_out_affine_factor"] is None
    # a generation's metrics: one row each on Dev, nothing left to fit them on
    tpot, ttft = rows["g1", "tpot"], rows["g1", "ttft"]
    assert (tpot["measured_ms"], tpot["estimated_ms"], tpot["roofline_ms"]) == (2.0, 1.0, 0.5)
    assert (ttft["measured_ms"], ttft["roofline_ms"], ttft["roofline_ratio"]) == (10.0, 4.0, 0.4)
    assert tpot["left_out_fit_rows"] == 0 and tpot["left_out_factor"] is None


def test_the_calibration_is_the_fit_that_erred_less_left_out(marts):
    devices = {
        (r["estimated_with_device"], r["metric"]): r
        for r in _frame(marts, "select * from simulation_accuracy")
    }
    # every catalog device has a row per metric; Clamp is estimated with but not in the catalog
    assert sorted(devices) == [("Clamp", "latency")] + [
        (d, m) for d in ("Dev", "Idle") for m in ("latency", "tpot", "ttft")
    ]
    dev = devices["Dev", "latency"]
    # left-out ratios: factor sqrt(5)/3, 2 sqrt(6)/5, 4 sqrt(7.5)/8; factor + overhead 3.5/3,
    # (14/3)/5, 9/8: the root mean square of their logs
    factor_ratios = [math.sqrt(5) / 3, 2 * math.sqrt(6) / 5, 4 * math.sqrt(7.5) / 8]
    affine_ratios = [3.5 / 3, 14 / 15, 9 / 8]

    def rms(ratios):
        return math.sqrt(sum(math.log(r) ** 2 for r in ratios) / 3)

    assert dev["left_out_factor_rms_log_error"] == pytest.approx(rms(factor_ratios))  # 0.249
    assert dev["left_out_affine_rms_log_error"] == pytest.approx(rms(affine_ratios))  # 0.119
    assert dev["calibration_method"] == "factor_overhead"
    assert dev["calibration_status"] == "validated" and dev["calibration_rows"] == 3
    assert dev["calibration_reason"] == (
        "factor_overhead: rms log error left out 0.119 against 0.249 for the factor alone"
    )
    # fitted on all three rows, weights 1/y^2: sums w = 2401/14400, w x = 3652/14400,
    # w y = 79/120, w x^2 = 7504/14400, w x y = 37/30; solving the normal equations by hand
    # gives factor 557/325 and overhead 436/325
    assert dev["calibration_factor"] == pytest.approx(557 / 325)
    assert dev["calibration_overhead_ms"] == pytest.approx(436 / 325)
    assert dev["fit_factor"] == pytest.approx((3 * 2.5 * 2) ** (1 / 3))
    assert dev["left_out_rows"] == 3
    assert dev["left_out_median_abs_error_pct"] == pytest.approx(12.5)  # |9/8 - 1|
    assert dev["left_out_min_ratio"] == pytest.approx(14 / 15)
    assert dev["roofline_geometric_mean_ratio"] == pytest.approx((1 / 3 * 2 / 5 * 4 / 8) ** (1 / 3))
    assert dev["geometric_mean_ratio"] == pytest.approx(1.5 * (1 / 3 * 2 / 5 * 4 / 8) ** (1 / 3))
    assert dev["noisy_rows"] == 1 and dev["is_in_catalog"] is True
    assert str(dev["calibrated_through"]) == "2026-11-30 10:02:00"  # m4, the newest
    # one row: a factor, not validated (TPOT 2 / 0.5, TTFT 10 / 4)
    tpot, ttft = devices["Dev", "tpot"], devices["Dev", "ttft"]
    assert (tpot["calibration_method"], tpot["calibration_status"]) == ("factor", "not validated")
    assert tpot["calibration_factor"] == pytest.approx(4.0) and tpot["calibration_overhead_ms"] == 0
    assert ttft["calibration_factor"] == pytest.approx(2.5) and ttft["left_out_rows"] == 0
    # Clamp: the line through (1, 2) and (2, 6) is 4 x - 2: a negative overhead, so the factor
    # alone (sqrt(2 x 3)); two rows cannot test factor + overhead left out: the factor is chosen
    clamp = devices["Clamp", "latency"]
    assert clamp["fit_affine_factor"] == pytest.approx(math.sqrt(6))
    assert clamp["fit_affine_overhead_ms"] == 0
    assert clamp["calibration_method"] == "factor" and clamp["is_in_catalog"] is False
    assert clamp["calibration_reason"].startswith("factor: too few rows (2)")
    assert clamp["left_out_factor_rms_log_error"] == pytest.approx(math.log(1.5))  # 3/2, 4/6
    # Idle: nothing measured, nothing fitted, no figure invented
    for metric in ("latency", "tpot", "ttft"):
        idle = devices["Idle", metric]
        assert idle["calibration_status"] == "uncalibrated" and idle["calibration_rows"] == 0
        assert idle["calibration_method"] is None and idle["calibration_factor"] is None
        assert idle["left_out_median_ratio"] is None and idle["roofline_median_ratio"] is None


DEVICE = DeviceSpec(
    "cuda", "Dev", True, {"fp16": 100.0, "fp32": 10.0, "bf16": None}, 1000.0, 16, "test"
)
COST = ForwardCost(
    flops=2 * 10**12, bytes_moved=10**9, operators=10, counted_on="meta", parameter_count=1
)


def test_an_estimate_carries_its_calibration_whole():
    fit = Calibration("cuda", "Dev", "latency", "factor_overhead", 1.5, 0.25, 7, "validated",
                      "2026-11-30T10:02:00", 12.5, "simulation_accuracy in w.duckdb")  # fmt: skip
    # roofline: compute 2e12 / 100e12 s = 20 ms (memory 1 ms); calibrated 20 x 1.5 + 0.25
    latency, inputs = estimate_latency_ms(COST, DEVICE, "fp16", fit, "calibrated (latency) ...")
    assert latency == pytest.approx(30.25) and inputs["roofline_ms"] == pytest.approx(20.0)
    assert inputs["calibration"] == {
        "hardware_type": "cuda", "device_name": "Dev", "metric": "latency",
        "method": "factor_overhead", "factor": 1.5, "overhead_ms": 0.25, "rows": 7,
        "status": "validated", "fitted_through": "2026-11-30T10:02:00",
        "left_out_median_abs_error_pct": 12.5, "source": "simulation_accuracy in w.duckdb",
    }  # fmt: skip
    # without a calibration: the roofline bound alone, said to be one
    latency, inputs = estimate_latency_ms(COST, DEVICE, "fp16")
    assert latency == pytest.approx(20.0) and inputs["calibration"] is None
    assert inputs["calibration_note"].startswith("uncalibrated (latency)")


def test_calibrations_are_read_from_the_warehouse_or_their_absence_said(tmp_path):
    db = tmp_path / "w.duckdb"
    assert read_calibrations(db) == ({}, f"no warehouse at {db} to read calibrations from")
    with duckdb.connect(str(db)) as con:
        con.execute(
            "create table simulation_accuracy as select * from (values "
            "('cpu', 'CPU A', 'latency', 'factor', 1.9, 0.0, 14, 'validated', "
            "timestamp '2026-11-30 10:00:00', 11.0), "
            "('cpu', 'CPU A', 'tpot', null, null, null, 0, 'uncalibrated', null, null)) as t "
            "(hardware_type, estimated_with_device, metric, calibration_method, "
            "calibration_factor, calibration_overhead_ms, calibration_rows, calibration_status, "
            "calibrated_through, left_out_median_abs_error_pct)"
        )
    calibrations = Calibrations(db)
    fit, note = calibrations.lookup("cpu", "CPU A", "latency")
    assert (fit.method, fit.factor, fit.overhead_ms, fit.rows) == ("factor", 1.9, 0.0, 14)
    assert fit.fitted_through == "2026-11-30T10:00:00" and str(db) in fit.source
    assert note.startswith("calibrated (latency): factor fitted on 14 measured row(s) of CPU A")
    fit, note = calibrations.lookup("cpu", "CPU A", "tpot")
    assert fit is None and "no measured tpot rows of this device" in note
    assert Calibrations(Path(tmp_path / "none.duckdb")).lookup("cpu", "CPU A", "latency")[0] is None
