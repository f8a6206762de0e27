"""Latency measurement, after optimum-benchmark's latency tracker.

Warm up, then run until both a minimum iteration count and a minimum duration are reached.
On CUDA each iteration is bracketed by CUDA events and read after one synchronize; elsewhere
`perf_counter_ns` brackets the call (with an MPS synchronize where needed). Python's garbage
collector is paused during warm-up and timing (as `timeit` and torch.utils.benchmark do), so a
collection of unrelated objects is not charged to the model. Every iteration's latency is kept,
and the summary statistics are computed from that list.

Sample sufficiency: a percentile is stored only when at least MIN_SAMPLES_BEYOND samples lie
beyond it, that is n >= 10 x 100 / (100 - q): p50 needs 20 samples, p90 100, p95 200, p99 1000.
With fewer, the percentile is NULL and `percentiles_note` says why (with 10 samples "p99" would
be the maximum under another name).
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

PERCENTILES = (50, 90, 95, 99)
# a percentile needs at least this many samples beyond it to be stored
MIN_SAMPLES_BEYOND = 10


def min_samples_for(q: int) -> int:
    """Samples needed before percentile q is stored: ceil(10 x 100 / (100 - q))."""
    if not 0 <= q < 100:
        raise ValueError(f"percentile must be in 0..99, got {q}")
    return -(-MIN_SAMPLES_BEYOND * 100 // (100 - q))


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default, DuckDB's quantile_cont), q in 0..100."""
    if not values:
        raise ValueError("percentile of an empty list")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def percentiles_note(count: int, percentiles: Sequence[int] = PERCENTILES) -> str | None:
    """Why some of `percentiles` of `count` samples are NULL; None when all are stored (or none
    could be: no samples at all is said by the row's status)."""
    missing = [q for q in percentiles if count < min_samples_for(q)]
    if not missing or count == 0:
        return None
    needs = ", ".join(f"p{q} needs {min_samples_for(q)}" for q in missing)
    names = ", ".join(f"p{q}" for q in missing)
    return (
        f"{names} not stored: {count} samples; a percentile is stored only with at least "
        f"{MIN_SAMPLES_BEYOND} samples beyond it ({needs})"
    )


def summarize(latencies_ms: Sequence[float]) -> dict[str, float | str | None]:
    """mean, p50/p90/p95/p99 (when there are enough samples), min, max, sample stdev and the
    coefficient of variation of a list of latencies in ms, plus `percentiles_note`."""
    keys = ["mean", *[f"p{q}" for q in PERCENTILES], "min", "max", "stdev"]
    summary: dict[str, float | str | None] = {f"latency_{k}_ms": None for k in keys}
    summary["latency_cv"] = None
    summary["percentiles_note"] = percentiles_note(len(latencies_ms))
    if not latencies_ms:
        return summary
    mean = statistics.fmean(latencies_ms)
    summary["latency_mean_ms"] = mean
    for q in PERCENTILES:
        if len(latencies_ms) >= min_samples_for(q):
            summary[f"latency_p{q}_ms"] = percentile(latencies_ms, q)
    summary["latency_min_ms"] = min(latencies_ms)
    summary["latency_max_ms"] = max(latencies_ms)
    if len(latencies_ms) > 1:
        stdev = statistics.stdev(latencies_ms)
        summary["latency_stdev_ms"] = stdev
        summary["latency_cv"] = stdev / mean if mean > 0 else None
    return summary


@dataclass(frozen=True)
class TimingSettings:
    warmup_iterations: int = 5
    # 100 samples: p50 and p90 are stored (see min_samples_for); a small model reaches 100
    # iterations well within the one-second minimum, so the default costs it nothing more
    min_iterations: int = 100
    min_duration_seconds: float = 1.0
    # a configuration still running after this many seconds stops with status `timeout`
    max_duration_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.warmup_iterations < 0:
            raise ValueError(f"warmup iterations must be >= 0, got {self.warmup_iterations}")
        if self.min_iterations < 1:
            raise ValueError(f"minimum iterations must be >= 1, got {self.min_iterations}")
        if self.min_duration_seconds < 0:
            raise ValueError(f"minimum duration must be >= 0, got {self.min_duration_seconds}")
        if self.max_duration_seconds <= 0:
            raise ValueError(f"time limit must be > 0, got {self.max_duration_seconds}")


@dataclass
class TimingResult:
    latencies_ms: list[float] = field(default_factory=list)
    warmup_iterations: int = 0
    warmup_seconds: float = 0.0
    timed_seconds: float = 0.0
    timed_out: bool = False
    # what the `around_timing` hook returned after the timed iterations (noise readings)
    timing_context: object = None


def synchronizer(device: str) -> Callable[[], None]:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.synchronize
    if device == "mps":
        return torch.mps.synchronize
    return lambda: None


def measure_latency(
    forward: Callable[[], object],
    device: str,
    settings: TimingSettings,
    started_at: float,
    on_phase: Callable[[str], None] | None = None,
    around_timing: Callable[[], Callable[[], object]] | None = None,
    on_iteration: Callable[[int], None] | None = None,
) -> TimingResult:
    """Warm up `forward`, then time it; stops early (timed_out) past the configured time limit.

    `started_at` is the `time.perf_counter()` at which the configuration began (before the
    model was built), so the time limit covers the whole configuration. `on_phase` hears
    "warmup" and "timing" as they start. `around_timing()` is called just before the first
    timed iteration and returns a function called just after the last one; its result is kept
    in `timing_context` (the noise readings bracket exactly the timed iterations).
    `on_iteration(count)` hears each timed iteration end, outside its timed region (progress).
    """
    sync = synchronizer(device)
    result = TimingResult()
    deadline = started_at + settings.max_duration_seconds
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        if on_phase:
            on_phase("warmup")
        warm_start = time.perf_counter()
        for _ in range(settings.warmup_iterations):
            forward()
            result.warmup_iterations += 1
            if time.perf_counter() > deadline:
                sync()
                result.timed_out = True
                result.warmup_seconds = time.perf_counter() - warm_start
                return result
        sync()
        result.warmup_seconds = time.perf_counter() - warm_start

        if on_phase:
            on_phase("timing")
        finish = around_timing() if around_timing else None
        if device.startswith("cuda"):
            _time_cuda(forward, settings, deadline, result, on_iteration)
        else:
            _time_host(forward, sync, settings, deadline, result, on_iteration)
        if finish:
            result.timing_context = finish()
    finally:
        if was_enabled:
            gc.enable()
    return result


def _enough(count: int, elapsed: float, settings: TimingSettings) -> bool:
    return count >= settings.min_iterations and elapsed >= settings.min_duration_seconds


def _time_host(
    forward, sync, settings: TimingSettings, deadline: float, result: TimingResult, on_iteration
):
    begin = time.perf_counter()
    while True:
        t0 = time.perf_counter_ns()
        forward()
        sync()
        t1 = time.perf_counter_ns()
        result.latencies_ms.append((t1 - t0) / 1e6)
        if on_iteration:
            on_iteration(len(result.latencies_ms))
        now = time.perf_counter()
        if _enough(len(result.latencies_ms), now - begin, settings):
            break
        if now > deadline:
            result.timed_out = True
            break
    result.timed_seconds = time.perf_counter() - begin


def _time_cuda(
    forward, settings: TimingSettings, deadline: float, result: TimingResult, on_iteration
):
    import torch

    events: list[tuple[torch.cuda.Event, torch.cuda.Event]] = []
    begin = time.perf_counter()
    while True:
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        forward()
        end.record()
        events.append((start, end))
        # the duration check needs the GPU to have caught up, or wall time runs ahead of it
        torch.cuda.synchronize()
        if on_iteration:
            on_iteration(len(events))
        now = time.perf_counter()
        if _enough(len(events), now - begin, settings):
            break
        if now > deadline:
            result.timed_out = True
            break
    torch.cuda.synchronize()
    result.timed_seconds = time.perf_counter() - begin
    result.latencies_ms = [float(s.elapsed_time(e)) for s, e in events]
