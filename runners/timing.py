"""Latency measurement, after optimum-benchmark's latency tracker.

Warm up, then run until both a minimum iteration count and a minimum duration are reached.
On CUDA each iteration is bracketed by CUDA events and read after one synchronize; elsewhere
`perf_counter_ns` brackets the call (with an MPS synchronize where needed). Every iteration's
latency is kept, and the summary statistics are computed from that list.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

PERCENTILES = (50, 90, 95, 99)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default, DuckDB's quantile_cont), q in 0..100."""
    if not values:
        raise ValueError("percentile of an empty list")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(latencies_ms: Sequence[float]) -> dict[str, float | None]:
    """mean, p50/p90/p95/p99, min, max and sample stdev of a list of latencies in ms."""
    if not latencies_ms:
        keys = ["mean", *[f"p{q}" for q in PERCENTILES], "min", "max", "stdev"]
        return {f"latency_{k}_ms": None for k in keys}
    summary: dict[str, float | None] = {"latency_mean_ms": statistics.fmean(latencies_ms)}
    for q in PERCENTILES:
        summary[f"latency_p{q}_ms"] = percentile(latencies_ms, q)
    summary["latency_min_ms"] = min(latencies_ms)
    summary["latency_max_ms"] = max(latencies_ms)
    summary["latency_stdev_ms"] = statistics.stdev(latencies_ms) if len(latencies_ms) > 1 else None
    return summary


@dataclass(frozen=True)
class TimingSettings:
    warmup_iterations: int = 5
    min_iterations: int = 10
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


def _synchronizer(device: str) -> Callable[[], None]:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.synchronize
    if device == "mps":
        return torch.mps.synchronize
    return lambda: None


def measure_latency(
    forward: Callable[[], object], device: str, settings: TimingSettings, started_at: float
) -> TimingResult:
    """Warm up `forward`, then time it; stops early (timed_out) past the configured time limit.

    `started_at` is the `time.perf_counter()` at which the configuration began (before the
    model was built), so the time limit covers the whole configuration.
    """
    sync = _synchronizer(device)
    result = TimingResult()
    deadline = started_at + settings.max_duration_seconds

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

    if device.startswith("cuda"):
        _time_cuda(forward, settings, deadline, result)
    else:
        _time_host(forward, sync, settings, deadline, result)
    return result


def _enough(count: int, elapsed: float, settings: TimingSettings) -> bool:
    return count >= settings.min_iterations and elapsed >= settings.min_duration_seconds


def _time_host(forward, sync, settings: TimingSettings, deadline: float, result: TimingResult):
    begin = time.perf_counter()
    while True:
        t0 = time.perf_counter_ns()
        forward()
        sync()
        t1 = time.perf_counter_ns()
        result.latencies_ms.append((t1 - t0) / 1e6)
        now = time.perf_counter()
        if _enough(len(result.latencies_ms), now - begin, settings):
            break
        if now > deadline:
            result.timed_out = True
            break
    result.timed_seconds = time.perf_counter() - begin


def _time_cuda(forward, settings: TimingSettings, deadline: float, result: TimingResult):
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
        now = time.perf_counter()
        if _enough(len(events), now - begin, settings):
            break
        if now > deadline:
            result.timed_out = True
            break
    torch.cuda.synchronize()
    result.timed_seconds = time.perf_counter() - begin
    result.latencies_ms = [float(s.elapsed_time(e)) for s, e in events]
