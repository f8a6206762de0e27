"""A device's calibration of the roofline, fitted in the warehouse, applied to new estimates.

simulation_accuracy (models/marts/simulation/) fits, per catalog device and metric (a forward
pass's latency, a generation's TPOT and TTFT), the device's measured rows against the roofline
times estimated beside them (`benchdb run --also-estimate`), and picks by leave-one-out error
between two forms (docs/simulation.md, "Calibration"):

- `factor`:           estimate = roofline x factor            (least squares of log(measured /
                      roofline): the factor is the geometric mean of measured / roofline)
- `factor_overhead`:  estimate = roofline x factor + overhead  (least squares of the relative
                      error, the first-order form of least squares in log space; overhead >= 0)

An estimate made later reads the fit from the warehouse file and records it, whole, in its
simulation_method (what was fitted, on how many rows, measured up to when, read from which
file). A device with no measured rows, or no warehouse to read, gets the roofline bound alone,
with `calibration: null` and the reason in words. Nothing here imports DuckDB until a warehouse
file is read, so `benchdb run` works on a host without the warehouse extra.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

METRICS = ("latency", "tpot", "ttft")  # forward mean latency; generation's decode step, prefill


@dataclass(frozen=True)
class Calibration:
    hardware_type: str
    device_name: str
    metric: str
    method: str  # factor | factor_overhead
    factor: float
    overhead_ms: float
    rows: int  # measured rows it was fitted on
    status: str  # 'validated' (tested leave-one-out) or 'not validated' (one row)
    fitted_through: str | None  # the newest measurement among those rows (ISO time)
    left_out_median_abs_error_pct: float | None
    source: str  # the warehouse file and mart it was read from

    def apply(self, roofline_ms: float) -> float:
        return roofline_ms * self.factor + self.overhead_ms

    def record(self) -> dict:
        return asdict(self)


def warehouse_for(data_dir: Path | None) -> Path:
    """The warehouse file a run reads calibrations from: BENCHMARK_DB_PATH when set, else the
    one in the run's data directory (`<data-dir>/benchmark.duckdb`), else the default warehouse
    (benchdb.paths.db_path)."""
    from benchdb import paths

    if os.environ.get("BENCHMARK_DB_PATH") or data_dir is None:
        return paths.db_path()
    return paths.warehouse_path(Path(data_dir) / "benchmark.duckdb")


def apply(calibration: Calibration | None, roofline_ms: float) -> float:
    return calibration.apply(roofline_ms) if calibration else roofline_ms


def uncalibrated_note(device_name: str, metric: str, why: str) -> str:
    return (
        f"uncalibrated ({metric}): {why}; the estimate is the roofline bound alone (a lower "
        f"bound). Measure {device_name} with `benchdb run --also-estimate`, build, and see "
        "simulation_accuracy"
    )


class Calibrations:
    """The fits of one warehouse file, read once, on first use."""

    def __init__(self, db_path: Path | None) -> None:
        self.db_path = db_path
        self._fits: dict[tuple[str, str, str], Calibration] | None = None
        self._why_none = ""

    def lookup(self, hardware_type: str, device_name: str, metric: str):
        """(Calibration or None, a note in words for the estimate's method record)."""
        if self._fits is None:
            self._fits, self._why_none = read_calibrations(self.db_path)
        fit = self._fits.get((hardware_type, device_name, metric))
        if fit:
            note = (
                f"calibrated ({metric}): {fit.method} fitted on {fit.rows} measured row(s) of "
                f"{device_name} ({fit.status}), read from {fit.source}"
            )
            return fit, note
        why = self._why_none or f"the warehouse has no measured {metric} rows of this device"
        return None, uncalibrated_note(device_name, metric, why)


def read_calibrations(db_path: Path | None) -> tuple[dict[tuple[str, str, str], Calibration], str]:
    """Every fitted calibration of a warehouse file, keyed (hardware type, device, metric), and,
    when there are none to read, why in words."""
    if db_path is None:
        return {}, "no warehouse file was given to read calibrations from"
    if not db_path.exists():
        return {}, f"no warehouse at {db_path} to read calibrations from"
    try:
        import duckdb
    except ImportError:
        return {}, "duckdb is not installed here (the warehouse extra), so no calibration"
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            rows = con.execute(
                "select hardware_type, estimated_with_device, metric, calibration_method, "
                "cast(calibration_factor as double), cast(calibration_overhead_ms as double), "
                "cast(calibration_rows as integer), calibration_status, "
                "strftime(calibrated_through, '%Y-%m-%dT%H:%M:%S'), "
                "cast(left_out_median_abs_error_pct as double) "
                "from simulation_accuracy where calibration_method is not null"
            ).fetchall()
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        return {}, f"cannot read simulation_accuracy in {db_path}: {first}"
    source = f"simulation_accuracy in {db_path}"
    fits = {
        (hw, device, metric): Calibration(
            hw, device, metric, method, factor, overhead or 0.0, n, status, through, err, source
        )
        for hw, device, metric, method, factor, overhead, n, status, through, err in rows
    }
    return fits, "" if fits else f"simulation_accuracy in {db_path} has no fitted device"
