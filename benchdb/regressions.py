"""Regressions: which series got worse (or better), since which run, and what changed.

A series is one configuration on one device and one metric: its measured points in the order
they were measured (the `regression_points` mart). For the newest points a one-sided t-test
(Student's by default, Welch's as a setting; on logarithms where the values are positive)
compares the last `recent_runs` points with the `baseline_runs` before them; an alert needs both
p < `alpha` and the median to have moved by at least the hardware's `min_change_pct` (more on a
host the runner saw shared). An alert at the newest point alone is `suspect`; alerts at the
newest two points in the same direction, holding without the most extreme recent run, are a
`regression` (or an `improvement`), so a single odd run never is one. A confirmed change is
then located with ruptures' PELT (l2 cost, penalty from the window's own robust noise) and the
environment of the points on either side is compared, naming what changed: versions, commit,
host, settings.

The `regressions` mart is `detect()` run by dbt over `regression_points`
(models/marts/regressions/regressions.py); docs/regressions.md explains the choices.
`compare_runs` answers `benchdb compare --baseline X --candidate Y`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

STATUSES = ("regression", "improvement", "suspect", "no change", "insufficient data")

# what a point records about where it was measured, compared on either side of a change
ENVIRONMENT_COLUMNS = (
    "git_commit",
    "git_is_dirty",
    "benchdb_version",
    "torch_version",
    "transformers_version",
    "python_version",
    "cuda_version",
    "rocm_version",
    "driver_version",
    "host",
    "os",
    "cpu_model",
    "num_threads",
    "num_interop_threads",
    "float32_matmul_precision",
    "cuda_matmul_allow_tf32",
    "cudnn_allow_tf32",
    "onednn_enabled",
    "isolation",
    "weights_source",
    "warmup_iterations",
    "quality",
)

SERIES_COLUMNS = (
    "series_id",
    "metric",
    "model_name",
    "hardware_type",
    "device_name",
    "precision",
    "batch_size",
    "sequence_length",
    "image_size",
    "audio_seconds",
    "input_length",
    "output_length",
    "backend",
    "benchmark_kind",
    "configuration_label",
    "is_higher_better",
)


@dataclass(frozen=True)
class Settings:
    """The detection rule's numbers; the mart takes them from its `meta` (dbt config)."""

    recent_runs: int = 5
    baseline_runs: int = 20
    min_baseline_runs: int = 8
    alpha: float = 0.001
    # "student" (one noise variance for both windows: exact when nothing changed, and 23
    # degrees of freedom) or "welch" (each window its own: about 6 with 5 recent points, so
    # a 5% step in 2% noise is missed half the time; docs/benchmarks.md "Regressions")
    test: str = "student"
    # the smallest move of the median that alerts, in percent; per hardware type where set
    min_change_pct: float = 3.0
    min_change_pct_by_hardware: Mapping[str, float] = field(default_factory=dict)
    # where a window holds a point the runner flagged noisy (another process used the CPU
    # while it timed), the host was shared: its noise is larger, and so is the bar
    shared_host_min_change_pct: float = 5.0
    # the smallest move of the median in the metric's own unit: the CPU's peak memory is the
    # growth of the resident set, counted in pages, where a fraction of a MiB is noise
    min_change_by_metric: Mapping[str, float] = field(
        default_factory=lambda: {"memory_peak_mb": 1.0}
    )
    # PELT's penalty per change point, in units of noise variance x log(points)
    penalty_factor: float = 3.0

    @classmethod
    def from_meta(cls, meta: Mapping[str, object] | None) -> Settings:
        """Settings from a dbt `meta` mapping (unknown keys are refused, by name)."""
        meta = dict(meta or {})
        known = cls.__dataclass_fields__
        unknown = sorted(k for k in meta if k not in known)
        if unknown:
            raise ValueError(
                f"unknown regression setting(s) {', '.join(unknown)}: use {', '.join(known)}"
            )
        if meta.get("test", "student") not in ("student", "welch"):
            raise ValueError(f"regression setting test: '{meta['test']}' is not student or welch")
        return replace(cls(), **meta)

    def threshold(self, hardware_type: str | None, shared: bool) -> tuple[float, str]:
        """The alerting move in percent for a series, and where it comes from."""
        base = self.min_change_pct_by_hardware.get(hardware_type or "", self.min_change_pct)
        source = (
            f"setting for {hardware_type}"
            if hardware_type in self.min_change_pct_by_hardware
            else "default"
        )
        if shared and self.shared_host_min_change_pct > base:
            return self.shared_host_min_change_pct, "shared host (a point in the window is noisy)"
        return base, source


@dataclass(frozen=True)
class TTest:
    """A two-sample t statistic of `after` against `before` and its degrees of freedom."""

    t: float
    df: float
    before_mean: float
    after_mean: float
    before_var: float
    after_var: float
    n_before: int
    n_after: int

    def p_up(self) -> float:
        """One-sided p-value that `after` is higher than `before`."""
        return _t_sf(self.t, self.df)

    def p_down(self) -> float:
        return _t_sf(-self.t, self.df)

    def log_ratio_variance(self) -> float | None:
        """Variance of log(after mean / before mean) by the delta method; None when a mean is
        not positive or a side has a single value."""
        if self.before_mean <= 0 or self.after_mean <= 0 or min(self.n_before, self.n_after) < 2:
            return None
        return self.after_var / (self.n_after * self.after_mean**2) + self.before_var / (
            self.n_before * self.before_mean**2
        )

    def ratio_interval(self, level: float = 0.95) -> tuple[float, float, float] | None:
        """after/before mean ratio and its interval (delta method on the log ratio, Welch's
        degrees of freedom); None when a mean is not positive."""
        if self.before_mean <= 0 or self.after_mean <= 0:
            return None
        ratio = self.after_mean / self.before_mean
        a = self.after_var / (self.n_after * self.after_mean**2)
        b = self.before_var / (self.n_before * self.before_mean**2)
        spread = math.sqrt(a + b)
        if spread == 0:
            return ratio, ratio, ratio
        df = (a + b) ** 2 / (
            (a**2 / (self.n_after - 1) if self.n_after > 1 else 0.0)
            + (b**2 / (self.n_before - 1) if self.n_before > 1 else 0.0)
            or math.inf
        )
        from scipy.special import stdtrit

        half = float(stdtrit(df, 0.5 + level / 2)) * spread
        return ratio, ratio * math.exp(-half), ratio * math.exp(half)


def t_test(before: np.ndarray, after: np.ndarray, pooled: bool = False) -> TTest:
    """Welch's t of `after` against `before` (each at least 2 values); with `pooled`,
    Student's t (one variance from both windows, n - 2 degrees of freedom)."""
    nb, na = len(before), len(after)
    mb, ma = float(np.mean(before)), float(np.mean(after))
    vb, va = float(np.var(before, ddof=1)), float(np.var(after, ddof=1))
    if pooled:
        df = float(nb + na - 2)
        se2 = ((nb - 1) * vb + (na - 1) * va) / df * (1 / nb + 1 / na)
    else:
        se2 = va / na + vb / nb
        df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1)) if se2 else 0.0
    if se2 == 0:
        # two constant windows: equal is no evidence, different is certain
        t = 0.0 if ma == mb else math.copysign(math.inf, ma - mb)
        return TTest(t, math.inf, mb, ma, vb, va, nb, na)
    return TTest((ma - mb) / math.sqrt(se2), df, mb, ma, vb, va, nb, na)


def _t_sf(t: float, df: float) -> float:
    """P(T >= t) for Student's t with `df` degrees of freedom."""
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    from scipy.special import stdtr

    return float(stdtr(df, -t))


@dataclass(frozen=True)
class Evaluation:
    """The test of one window: the last `recent_runs` points against the ones before them."""

    end: int  # the window ends before this point index
    baseline_start: int
    test: TTest
    median_change_pct: float | None
    p_worse: float
    p_better: float
    alert: str | None  # 'worse', 'better' or None

    @property
    def p_value(self) -> float:
        """The one-sided p-value in the direction the median moved."""
        if self.alert:
            return self.p_worse if self.alert == "worse" else self.p_better
        moved_up = (self.median_change_pct or 0.0) >= 0
        return self.test.p_up() if moved_up else self.test.p_down()


def evaluate(
    values: np.ndarray,
    end: int,
    higher_is_better: bool,
    threshold_pct: float,
    s: Settings,
    min_change: float = 0.0,
) -> Evaluation | None:
    """The test of the window ending before `end`; None when it has too few earlier points.
    An alert needs the median to move by `threshold_pct` percent and by `min_change` in the
    metric's unit.

    The t-test compares logarithms where every value is positive: a change is a ratio, noise
    scales with the level, and latency and throughput (batch over mean latency) then test
    alike; throughput's raw values, 1/latency, turn a busy host's slow outliers into a huge
    spread. Where a value is 0 (memory growth) it compares the values themselves."""
    recent_start = end - s.recent_runs
    baseline_start = max(0, recent_start - s.baseline_runs)
    if recent_start - baseline_start < s.min_baseline_runs:
        return None
    before = values[baseline_start:recent_start]
    after = values[recent_start:end]
    window = values[baseline_start:end]
    logs = (window > 0).all()
    tested = np.log(window) if logs else window
    split = recent_start - baseline_start
    test = t_test(tested[:split], tested[split:], pooled=s.test == "student")
    median_before, median_after = _median(before), _median(after)
    change = 100.0 * (median_after / median_before - 1.0) if median_before > 0 else None
    if abs(median_after - median_before) < min_change:
        threshold_pct = math.inf  # too small to matter in the metric's unit
    p_up, p_down = test.p_up(), test.p_down()
    p_worse, p_better = (p_down, p_up) if higher_is_better else (p_up, p_down)
    worse_move = None if change is None else (-change if higher_is_better else change)
    alert = None
    if worse_move is not None:
        if p_worse < s.alpha and worse_move >= threshold_pct:
            alert = "worse"
        elif p_better < s.alpha and -worse_move >= threshold_pct:
            alert = "better"
    return Evaluation(end, baseline_start, test, change, p_worse, p_better, alert)


def _median(values: np.ndarray) -> float:
    """np.median costs more than the sort of a few dozen values."""
    return float(statistics.median(values.tolist()))


def robust_noise(values: np.ndarray) -> float:
    """The standard deviation of the noise from first differences (MAD): a step or a spike
    moves one or two differences, not their median."""
    if len(values) < 3:
        return float(np.std(values))
    diffs = np.diff(values)
    mad = float(np.median(np.abs(diffs - np.median(diffs))))
    return 1.4826 * mad / math.sqrt(2.0)


def _split_gain(window: np.ndarray, b: int) -> float:
    """How much an l2 cost falls when the window is split before index `b` (signed: positive
    when the level after is higher)."""
    before, after = window[:b], window[b:]
    gain = len(before) * len(after) / len(window) * (after.mean() - before.mean()) ** 2
    return math.copysign(gain, after.mean() - before.mean())


def locate_change(window: np.ndarray, up: bool, s: Settings) -> tuple[int, str]:
    """Where in `window` the level moved (the first index of the new level), and the method.

    PELT with an l2 cost and a penalty of `penalty_factor` x noise variance x log(n); among its
    change points the one whose split explains most of a move in the alert's direction. Where
    PELT finds none in that direction, the best single split is taken (and said so)."""
    import ruptures

    n = len(window)
    scale = float(np.median(np.abs(window))) or 1.0
    sigma = max(robust_noise(window), 1e-6 * scale)
    penalty = s.penalty_factor * sigma**2 * math.log(n)
    found = ruptures.Pelt(model="l2", min_size=2, jump=1).fit(window).predict(pen=penalty)
    sign = 1.0 if up else -1.0
    scored = [(sign * _split_gain(window, b), b) for b in found if b < n]
    scored = [(g, b) for g, b in scored if g > 0]
    if scored:
        return max(scored)[1], "pelt"
    best = max(range(2, n - 1), key=lambda b: sign * _split_gain(window, b))
    return best, "best single split"


def what_changed(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """'field old -> new' for every environment column that differs between two points."""
    changes = []
    for column in ENVIRONMENT_COLUMNS:
        old, new = _plain(before.get(column)), _plain(after.get(column))
        if old != new:
            changes.append(f"{column} {_shown(column, old)} -> {_shown(column, new)}")
    return changes


def _plain(value):
    """A cell as a plain Python value: NaN, NaT and pandas' NA are None."""
    import pandas as pd

    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    return value


def _shown(column: str, value) -> str:
    if value is None:
        return "unknown"
    if column == "git_commit":
        return str(value)[:12]
    return str(value)


class _Points:
    """One series' points as columns of plain lists: reading a row is a dict lookup, not a
    pandas row (which made the mart's build slow on many series)."""

    def __init__(self, columns: Mapping[str, list], start: int, stop: int):
        self.columns, self.start, self.stop = columns, start, stop
        self.values = np.asarray(columns["metric_value"][start:stop], dtype=float)

    def __len__(self) -> int:
        return self.stop - self.start

    def record(self, i: int) -> dict:
        return {k: _plain(v[self.start + i]) for k, v in self.columns.items()}

    def column(self, name: str, start: int = 0) -> list:
        return self.columns[name][self.start + start : self.stop]


def _columns(points) -> dict[str, list]:
    return {c: points[c].tolist() for c in points.columns}


def analyse_series(points, s: Settings) -> dict:
    """One series (its points in order, a DataFrame) -> its row of the `regressions` mart."""
    if not isinstance(points, _Points):
        points = _Points(_columns(points), 0, len(points))
    values = points.values
    n = len(values)
    first, last = points.record(0), points.record(n - 1)
    row = dict.fromkeys(MART_SCHEMA.names)
    row.update({c: first.get(c) for c in SERIES_COLUMNS})
    higher_is_better = bool(row["is_higher_better"])
    row.update(
        points=n,
        first_measured_at=first["measured_at"],
        latest_measured_at=last["measured_at"],
        latest_run_id=last["run_id"],
    )
    window_start = max(0, n - s.recent_runs - s.baseline_runs)
    shared = "noisy" in points.column("quality", window_start)
    threshold, threshold_source = s.threshold(row["hardware_type"], shared)
    row.update(min_change_pct=threshold, threshold_source=threshold_source)
    floor = s.min_change_by_metric.get(row["metric"], 0.0)
    newest = (
        evaluate(values, n, higher_is_better, threshold, s, floor) if n > s.recent_runs else None
    )
    if newest is None:
        row["status"] = "insufficient data"
        row["status_reason"] = (
            f"{n} point(s): the test needs {s.recent_runs} recent and at least "
            f"{s.min_baseline_runs} earlier ones"
        )
        return row
    previous = evaluate(values, n - 1, higher_is_better, threshold, s, floor)
    row.update(
        baseline_first_point=newest.baseline_start + 1,
        recent_first_point=n - s.recent_runs + 1,
        baseline_points=n - s.recent_runs - newest.baseline_start,
        recent_points=s.recent_runs,
        baseline_median=_median(values[newest.baseline_start : n - s.recent_runs]),
        recent_median=_median(values[n - s.recent_runs :]),
        median_change_pct=newest.median_change_pct,
        p_value=newest.p_value,
        noise_pct=_noise_pct(values[newest.baseline_start :]),
        baseline_started_at=points.record(newest.baseline_start)["measured_at"],
        recent_started_at=points.record(n - s.recent_runs)["measured_at"],
    )
    if newest.alert is None:
        row["status"] = "no change"
        row["status_reason"] = _reason(newest, threshold, s)
        return row
    row["direction"] = newest.alert
    up = (newest.alert == "worse") != higher_is_better
    if previous is None or previous.alert != newest.alert:
        row["status"] = "suspect"
        row["status_reason"] = (
            f"the newest point alone alerts ({_reason(newest, threshold, s)}); a second "
            "alerting run in a row confirms it"
        )
        return row
    if not _survives_one_point(values, newest, up, higher_is_better, threshold, s, floor):
        row["status"] = "suspect"
        row["status_reason"] = (
            f"one point carries the alert ({_reason(newest, threshold, s)}): without the most "
            "extreme recent run it does not hold"
        )
        return row
    row["status"] = "regression" if newest.alert == "worse" else "improvement"
    row["status_reason"] = _reason(newest, threshold, s) + "; confirmed by the run before"
    window = values[newest.baseline_start :]
    # located on the scale it was tested on (logarithms where every value is positive): in
    # raw throughput a slow baseline run sits nearer the new level than the old one
    at, method = locate_change(np.log(window) if (window > 0).all() else window, up, s)
    change = newest.baseline_start + at
    interval = t_test(values[newest.baseline_start : change], values[change:]).ratio_interval()
    before, after = points.record(change - 1), points.record(change)
    changes = what_changed(before, after)
    row.update(
        change_point=change + 1,
        change_method=method,
        change_run_id=after["run_id"],
        change_result_id=after["result_id"],
        changed_at=after["measured_at"],
        previous_run_id=before["run_id"],
        previous_result_id=before["result_id"],
        previous_measured_at=before["measured_at"],
        changed_fields=[c.split(" ", 1)[0] for c in changes],
        what_changed="; ".join(changes)
        or (
            f"nothing the runs record changed between run {before['run_id']} and run "
            f"{after['run_id']}"
        ),
    )
    if interval is not None:
        ratio, low, high = interval
        row.update(
            change_pct=100.0 * (ratio - 1.0),
            change_pct_low=100.0 * (low - 1.0),
            change_pct_high=100.0 * (high - 1.0),
        )
    return row


def _survives_one_point(
    values: np.ndarray,
    newest: Evaluation,
    up: bool,
    higher_is_better: bool,
    threshold: float,
    s: Settings,
    floor: float,
) -> bool:
    """Whether the newest alert still holds without the recent window's most extreme point
    (in the alert's direction), the baseline unchanged: a single spike inside the window can
    tip a borderline median move over p < alpha, never a regression."""
    start = newest.end - s.recent_runs
    recent = values[start : newest.end]
    drop = start + int(np.argmax(recent) if up else np.argmin(recent))
    trimmed = np.delete(values[: newest.end], drop)
    fewer = replace(s, recent_runs=s.recent_runs - 1)
    again = evaluate(trimmed, newest.end - 1, higher_is_better, threshold, fewer, floor)
    return again is not None and again.alert == newest.alert


def _noise_pct(values: np.ndarray) -> float | None:
    middle = float(np.median(values))
    return 100.0 * robust_noise(values) / middle if middle > 0 else None


def _reason(e: Evaluation, threshold: float, s: Settings) -> str:
    moved = "n/a" if e.median_change_pct is None else f"{e.median_change_pct:+.1f}%"
    return (
        f"median of the last {s.recent_runs} vs the {e.end - s.recent_runs - e.baseline_start} "
        f"before: {moved} (alerts at {threshold:g}%), {s.test} t-test p = {e.p_value:.2g} "
        f"(alerts below {s.alpha:g})"
    )


def detect(points, settings: Settings | None = None):
    """The `regressions` mart from the `regression_points` mart (pandas in, pyarrow out):
    one row per series, whatever its status."""
    import pyarrow as pa

    s = settings or Settings()
    if not len(points):
        return MART_SCHEMA.empty_table()
    points = points.sort_values(["series_id", "point_number"], kind="stable")
    sizes = points.groupby("series_id", sort=False)["series_id"].transform("size")
    enough = sizes >= s.recent_runs + s.min_baseline_runs
    long = points[enough]
    columns = _columns(long)
    ids = columns["series_id"]
    bounds = [i for i in range(1, len(ids)) if ids[i] != ids[i - 1]]
    rows = [
        analyse_series(_Points(columns, a, b), s)
        for a, b in zip([0, *bounds], [*bounds, len(ids)])
        if b > a
    ]
    tables = [pa.Table.from_pylist(rows, schema=MART_SCHEMA)]
    if not enough.all():
        tables.append(_too_short(points[~enough], s))
    return pa.concat_tables(tables)


def _too_short(points, s: Settings):
    """Series too short to test, in one pass (most series of a large warehouse are)."""
    import pyarrow as pa

    grouped = points.groupby("series_id", sort=False)
    first, last = grouped.head(1).set_index("series_id"), grouped.tail(1).set_index("series_id")
    counts = grouped.size()
    frame = first[[c for c in SERIES_COLUMNS if c in first]].reset_index()
    frame["points"] = counts.reindex(first.index).to_numpy()
    frame["first_measured_at"] = first["measured_at"].to_numpy()
    frame["latest_measured_at"] = last["measured_at"].reindex(first.index).to_numpy()
    frame["latest_run_id"] = last["run_id"].reindex(first.index).to_numpy()
    frame["status"] = "insufficient data"
    frame["status_reason"] = [
        f"{n} point(s): the test needs {s.recent_runs} recent and at least "
        f"{s.min_baseline_runs} earlier ones"
        for n in frame["points"]
    ]
    columns = {}
    for f in MART_SCHEMA:
        if f.name in frame:
            values = frame[f.name].astype(object).where(frame[f.name].notna(), None)
            columns[f.name] = pa.array(values.tolist(), type=f.type, from_pandas=True)
        else:
            columns[f.name] = pa.nulls(len(frame), f.type)
    return pa.table(columns, schema=MART_SCHEMA)


def _mart_schema():
    import pyarrow as pa

    ts = pa.timestamp("us", tz="UTC")
    fields = [
        ("series_id", pa.string()),
        ("metric", pa.string()),
        ("model_name", pa.string()),
        ("hardware_type", pa.string()),
        ("device_name", pa.string()),
        ("precision", pa.string()),
        ("batch_size", pa.int32()),
        ("sequence_length", pa.int32()),
        ("image_size", pa.int32()),
        ("audio_seconds", pa.float64()),
        ("input_length", pa.int32()),
        ("output_length", pa.int32()),
        ("backend", pa.string()),
        ("benchmark_kind", pa.string()),
        ("configuration_label", pa.string()),
        ("is_higher_better", pa.bool_()),
        ("status", pa.string()),
        ("direction", pa.string()),
        ("status_reason", pa.string()),
        ("points", pa.int32()),
        ("baseline_points", pa.int32()),
        ("recent_points", pa.int32()),
        ("baseline_first_point", pa.int32()),
        ("recent_first_point", pa.int32()),
        ("baseline_median", pa.float64()),
        ("recent_median", pa.float64()),
        ("median_change_pct", pa.float64()),
        ("p_value", pa.float64()),
        ("min_change_pct", pa.float64()),
        ("threshold_source", pa.string()),
        ("noise_pct", pa.float64()),
        ("change_point", pa.int32()),
        ("change_method", pa.string()),
        ("change_run_id", pa.string()),
        ("change_result_id", pa.string()),
        ("previous_run_id", pa.string()),
        ("previous_result_id", pa.string()),
        ("change_pct", pa.float64()),
        ("change_pct_low", pa.float64()),
        ("change_pct_high", pa.float64()),
        ("what_changed", pa.string()),
        ("changed_fields", pa.list_(pa.string())),
        ("latest_run_id", pa.string()),
        ("first_measured_at", ts),
        ("baseline_started_at", ts),
        ("recent_started_at", ts),
        ("previous_measured_at", ts),
        ("changed_at", ts),
        ("latest_measured_at", ts),
    ]
    return pa.schema(fields)


MART_SCHEMA = _mart_schema()


# ---------------------------------------------------------------------------------------------
# reading the mart: `benchdb regressions`, GET /regressions, reports


def require_regressions(con) -> None:
    """MissingMartError unless the warehouse has the `regressions` mart (built by dbt since
    the mart was added: an older warehouse needs one `benchdb build`)."""
    from benchdb.queries import TABLES_SQL, MissingMartError

    if "regressions" not in {r[0] for r in con.sql(TABLES_SQL).fetchall()}:
        raise MissingMartError("regressions", "the regressions mart, models/marts/regressions")


def regressions_sql(
    since=None,
    model_name: str | None = None,
    hardware_type: str | None = None,
    all_statuses: bool = False,
) -> tuple[str, dict[str, object]]:
    """The rows of the `regressions` mart a user asked for, worst first: regressions, then
    suspects, then improvements (then, with `all_statuses`, the rest). `since` keeps changes
    dated at or after it (an unconfirmed alert is dated by its newest point)."""
    where, params = [], {}
    if not all_statuses:
        where.append("status in ('regression', 'suspect', 'improvement')")
    if since is not None:
        where.append("coalesce(changed_at, latest_measured_at) >= $since")
        params["since"] = since
    if model_name:
        where.append("model_name = $model")
        params["model"] = model_name
    if hardware_type:
        where.append("hardware_type = $hardware")
        params["hardware"] = hardware_type
    sql = (
        "select * from regressions"
        + (" where " + " and ".join(where) if where else "")
        + " order by case status when 'regression' then 0 when 'suspect' then 1"
        " when 'improvement' then 2 when 'no change' then 3 else 4 end,"
        " abs(coalesce(change_pct, median_change_pct, 0)) desc, model_name, hardware_type,"
        " configuration_label, metric"
    )
    return sql, params


DISPLAY_COLUMNS = (
    "status",
    "metric",
    "model",
    "hardware",
    "configuration",
    "change (95% interval)",
    "p",
    "since run",
    "changed at (UTC)",
    "what changed",
)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


def display_rows(table) -> list[tuple]:
    """The mart's rows in words, one tuple per DISPLAY_COLUMNS: a confirmed change with its
    interval; an unconfirmed one with the median's move."""
    rows = []
    for r in table.to_pylist():
        if r["change_pct"] is not None:
            change = (
                f"{_pct(r['change_pct'])} [{_pct(r['change_pct_low'])}, "
                f"{_pct(r['change_pct_high'])}]"
            )
        elif r["median_change_pct"] is not None:
            change = f"{_pct(r['median_change_pct'])} (median, last {r['recent_points']})"
        else:
            change = ""
        status = r["status"] + (f" ({r['direction']})" if r["status"] == "suspect" else "")
        rows.append(
            (
                status,
                r["metric"],
                r["model_name"],
                r["hardware_type"] + (f" ({r['device_name']})" if r["device_name"] else ""),
                r["configuration_label"],
                change,
                "" if r["p_value"] is None else f"{r['p_value']:.2g}",
                r["change_run_id"] or "",
                "" if r["changed_at"] is None else r["changed_at"].strftime("%Y-%m-%d %H:%M"),
                r["what_changed"] or r["status_reason"] or "",
            )
        )
    return rows


def status_counts(con) -> dict[str, int]:
    """Series per status in the whole mart."""
    return dict(con.sql("select status, count(*) from regressions group by status").fetchall())


def summary_line(counts: Mapping[str, int], shown: int) -> str:
    total = sum(counts.values())
    parts = [f"{counts.get(s, 0)} {s}" for s in STATUSES]
    return f"{shown} row(s) shown; {total} series in all: " + ", ".join(parts)


# ---------------------------------------------------------------------------------------------
# `benchdb compare --baseline X --candidate Y`

SIDE_HELP = (
    "latest (the newest run), previous (the newest run before it that measured one of its "
    "configurations), a run id, a commit (or its first "
    "7+ characters), run:ID, commit:SHA, or COLUMN=VALUE for an environment column "
    "(torch_version=2.12.0, host=ci-3, ...)"
)


@dataclass(frozen=True)
class Side:
    """One side of a comparison: which measured results it holds, in words and in SQL."""

    text: str
    description: str
    condition: str  # over regression_points, parameter $value
    value: object


def resolve_side(con, text: str, option: str) -> Side:
    """--baseline / --candidate as a set of results; an error names the option and the value."""
    from benchdb.reporting.data import ReportError

    kind, sep, value = text.partition(":")
    column, eq, wanted = text.partition("=")
    if text in ("latest", "previous"):
        # previous: the newest run before the latest that measured one of its configurations
        # (a generation run between two forward runs is not the forward run's predecessor)
        runs = con.sql(
            "with latest as (select run_id from regression_points group by run_id "
            "order by max(measured_at) desc, run_id limit 1) "
            "select run_id from regression_points "
            "where run_id = (select run_id from latest) or series_id in ("
            "select series_id from regression_points "
            "where run_id = (select run_id from latest)) "
            "group by run_id order by max(measured_at) desc, run_id limit 2"
        ).fetchall()
        if len(runs) < (1 if text == "latest" else 2):
            raise ReportError(
                f"{option} {text}: the warehouse has {len(runs)} measured run(s)"
                + (" of the latest run's configurations" if text == "previous" else "")
            )
        run_id = runs[0 if text == "latest" else 1][0]
        side = Side(text, f"run {run_id} ({text})", "run_id = $value", run_id)
    elif eq and column in ENVIRONMENT_COLUMNS:
        side = Side(text, f"{column} = {wanted}", f"cast({column} as varchar) = $value", wanted)
    elif eq:
        raise ReportError(
            f"{option} '{text}': '{column}' is not an environment column; use one of "
            + ", ".join(ENVIRONMENT_COLUMNS)
        )
    elif sep and kind == "run":
        side = Side(text, f"run {value}", "run_id = $value", value)
    elif sep and kind == "commit":
        side = Side(text, f"commit {value}", "starts_with(git_commit, $value)", value)
    elif _count(con, "run_id = $value", text):
        side = Side(text, f"run {text}", "run_id = $value", text)
    elif len(text) >= 7 and _count(con, "starts_with(git_commit, $value)", text):
        side = Side(text, f"commit {text}", "starts_with(git_commit, $value)", text)
    else:
        raise ReportError(
            f"{option} '{text}' is no run id or commit with measured results: give {SIDE_HELP}"
        )
    if not _count(con, side.condition, side.value):
        raise ReportError(f"{option} '{text}' ({side.description}) has no measured results")
    if side.condition.startswith("starts_with"):
        commits = con.sql(
            "select distinct git_commit from regression_points where " + side.condition,
            params={"value": side.value},
        ).fetchall()
        if len(commits) > 1:
            raise ReportError(
                f"{option} '{text}' matches {len(commits)} commits: give more characters"
            )
    return side


def _count(con, condition: str, value) -> int:
    return con.sql(
        f"select count(*) from regression_points where {condition}", params={"value": value}
    ).fetchall()[0][0]


@dataclass
class RunComparison:
    """Speedups per configuration measured on both sides, and their geometric mean."""

    baseline: Side
    candidate: Side
    rows: list[dict]
    only_baseline: int
    only_candidate: int
    geomean: float | None = None
    geomean_low: float | None = None
    geomean_high: float | None = None

    def footnote(self) -> str:
        k = len(self.rows)
        lines = [
            f"baseline: {self.baseline.description}; candidate: {self.candidate.description}",
            "speedup = baseline mean latency / candidate mean latency over every timed "
            "iteration (above 1: the candidate is faster); 95% interval from those samples "
            "(Welch, delta method on the log ratio)",
        ]
        if self.geomean is not None:
            interval = (
                f" [{self.geomean_low:.3f}, {self.geomean_high:.3f}]"
                if self.geomean_low is not None
                else ""
            )
            lines.append(
                f"geometric mean over the {k} configuration(s) measured on both sides: "
                f"{self.geomean:.3f}{interval} (interval: measurement noise only)"
            )
        if self.only_baseline or self.only_candidate:
            lines.append(
                f"left out: {self.only_baseline} configuration(s) measured only in the "
                f"baseline, {self.only_candidate} only in the candidate"
            )
        return "\n".join(lines)


COMPARE_COLUMNS = (
    "model_name",
    "hardware_type",
    "device_name",
    "configuration_label",
    "baseline_results",
    "candidate_results",
    "baseline_samples",
    "candidate_samples",
    "baseline_mean_ms",
    "candidate_mean_ms",
    "speedup",
    "speedup_low",
    "speedup_high",
)


def compare_runs(
    con,
    baseline: str,
    candidate: str,
    model_name: str | None = None,
    hardware_type: str | None = None,
    precision: str | None = None,
    batch_size: int | None = None,
) -> RunComparison:
    """Each configuration (model, device, precision, batch, input size) measured on both
    sides: the speedup of the candidate over the baseline with an interval from every timed
    iteration; the geometric mean over those configurations only."""
    from benchdb.reporting.data import ReportError

    base = resolve_side(con, baseline, "--baseline")
    cand = resolve_side(con, candidate, "--candidate")
    filters, params = [], {}
    for column, value in (
        ("model_name", model_name),
        ("hardware_type", hardware_type),
        ("precision", precision),
        ("batch_size", batch_size),
    ):
        if value is not None:
            filters.append(f"{column} = ${column}")
            params[column] = value
    sides = {}
    for name, side in (("baseline", base), ("candidate", cand)):
        where = " and ".join([side.condition.replace("$value", f"${name}"), *filters])
        sql = f"""
            with
            points as (
                select
                    regression_points.*,
                    performance_results.latencies_ms,
                    performance_results.latency_mean_ms
                from regression_points
                inner join performance_results
                    on regression_points.result_id = performance_results.result_id
                where regression_points.metric = 'latency_p50_ms'
            )
            select
                series_id,
                any_value(model_name) as model_name,
                any_value(hardware_type) as hardware_type,
                any_value(device_name) as device_name,
                any_value(configuration_label) as configuration_label,
                count(*) as results,
                -- every timed iteration; a result without them (legacy) counts its mean once
                flatten(list(coalesce(latencies_ms, [latency_mean_ms]))) as samples
            from points
            where {where}
            group by series_id
        """
        table = con.sql(sql, params={**params, name: side.value}).to_arrow_table()
        sides[name] = table.to_pylist()
    by_base = {r["series_id"]: r for r in sides["baseline"]}
    by_cand = {r["series_id"]: r for r in sides["candidate"]}
    common = sorted(
        set(by_base) & set(by_cand),
        key=lambda k: (
            by_base[k]["model_name"],
            by_base[k]["hardware_type"],
            by_base[k]["configuration_label"],
        ),
    )
    if not common:
        raise ReportError(
            f"no configuration was measured in both {base.description} and "
            f"{cand.description}: nothing to compare"
        )
    rows, logs, variances = [], [], []
    for key in common:
        b, c = by_base[key], by_cand[key]
        bs = np.asarray([x for x in b["samples"] if x is not None], dtype=float)
        cs = np.asarray([x for x in c["samples"] if x is not None], dtype=float)
        row = {k: b[k] for k in ("model_name", "hardware_type", "device_name")}
        row["configuration_label"] = b["configuration_label"]
        row.update(
            baseline_results=b["results"],
            candidate_results=c["results"],
            baseline_samples=len(bs),
            candidate_samples=len(cs),
            baseline_mean_ms=float(bs.mean()),
            candidate_mean_ms=float(cs.mean()),
            speedup=float(bs.mean() / cs.mean()),
            speedup_low=None,
            speedup_high=None,
        )
        if len(bs) >= 2 and len(cs) >= 2:
            test = t_test(cs, bs)  # after/before = baseline/candidate
            interval = test.ratio_interval()
            if interval is not None:
                row["speedup_low"], row["speedup_high"] = interval[1], interval[2]
            variances.append(test.log_ratio_variance())
        else:
            variances.append(None)
        logs.append(math.log(row["speedup"]))
        rows.append(row)
    result = RunComparison(
        base, cand, rows, len(set(by_base) - set(by_cand)), len(set(by_cand) - set(by_base))
    )
    mean_log = sum(logs) / len(logs)
    result.geomean = math.exp(mean_log)
    if all(v is not None for v in variances):
        half = 1.96 * math.sqrt(sum(variances)) / len(variances)
        result.geomean_low = math.exp(mean_log - half)
        result.geomean_high = math.exp(mean_log + half)
    return result
