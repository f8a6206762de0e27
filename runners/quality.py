"""Was the host quiet while a configuration was timed? The readings, and the rules that judge them.

Readings (columns of benchmark_results; docs/landing_zone.md):

- `load_avg_1m_before` / `load_avg_1m_after`: the host's 1-minute load average when the worker
  started and after its last timed iteration; `host_cpu_count`: the logical CPUs the worker may
  run on (its affinity).
- `process_cpu_seconds`: CPU time of the worker (all its threads) during the timed iterations,
  against their wall time `timed_seconds`.
- `other_cpu_seconds`: CPU time everything else spent on the worker's CPUs during the timed
  iterations: busy time of those CPUs in /proc/stat (user, nice, system, irq, softirq and
  steal, the hypervisor's share) minus the worker's own. Linux only; NULL elsewhere.
- `latency_cv`: sample stdev / mean of the timed latencies.

A row is `noisy` when any rule below fires, else `ok`; `quality_reason` gives the figures:

1. busy host: the load average, less the most this run could have put there itself
   (threads x (1 - e^(-age/60)), the load average being a 60 s exponential mean), exceeds the
   CPU count: more runnable tasks than CPUs, so every task, ours too, waited for one. (The load
   average lags; it is a backstop, rule 2 is the precise one.)
2. others on our CPUs: other processes kept more than (CPUs the worker's threads leave free)
   + 0.25 CPUs busy while we timed. 0.25 tolerates kernel threads and interrupts (a few
   percent of a CPU on an idle host); /proc/stat counts in ticks of 10 ms, so two ticks per
   CPU over the timed window are allowed on top (0.04 CPUs on 2 CPUs over a second).
3. starved worker (CPU device only): the worker got less than 0.9 CPU-seconds per second of
   timing. Its main thread never sleeps while a CPU model runs (no I/O, no waits), so below
   0.9 it was waiting for a CPU at least a tenth of the time.
4. high spread: CV above 0.20. With the default 100 samples the mean (which throughput uses)
   then has a standard error of CV / sqrt(n) = 2%, the most that still fits the runner's 3%
   fidelity target; a quiet host gives a few percent.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

LOAD_TIME_CONSTANT_SECONDS = 60.0
OTHER_CPU_TOLERANCE = 0.25
# /proc/stat's resolution (USER_HZ is 100 on Linux): two ticks per CPU of rounding are allowed
STAT_TICK_SECONDS = 0.01
MIN_CPU_PER_WALL = 0.9
MAX_LATENCY_CV = 0.20
BUSY_FIELDS = (0, 1, 2, 5, 6, 7)  # user nice system (idle iowait) irq softirq steal


@dataclass(frozen=True)
class HostReading:
    """One instant: monotonic time, load average, our CPU time, busy time of our CPUs."""

    at: float
    load_1m: float | None
    process_cpu_seconds: float
    cpus_busy_seconds: float | None


def load_average_1m() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def cpus_busy_seconds(cpus: list[int]) -> float | None:
    """Busy time (steal included) summed over `cpus`, from /proc/stat; None where unreadable."""
    wanted = {f"cpu{c}" for c in cpus}
    total = 0
    found = 0
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            for line in handle:
                name, _, rest = line.partition(" ")
                if name in wanted:
                    values = rest.split()
                    total += sum(int(values[i]) for i in BUSY_FIELDS if i < len(values))
                    found += 1
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        return None
    return total / ticks if found == len(wanted) else None


def read_host(cpus: list[int]) -> HostReading:
    return HostReading(
        at=time.perf_counter(),
        load_1m=load_average_1m(),
        process_cpu_seconds=time.process_time(),
        cpus_busy_seconds=cpus_busy_seconds(cpus),
    )


def own_load_bound(threads: int, run_age_seconds: float) -> float:
    """The most this run can have added to the 1-minute load average after running
    `run_age_seconds` with at most `threads` runnable tasks."""
    age = max(run_age_seconds, 0.0)
    return threads * (1 - math.exp(-age / LOAD_TIME_CONSTANT_SECONDS))


@dataclass(frozen=True)
class NoiseFigures:
    device: str
    host_cpu_count: int
    threads: int
    load_avg_1m_before: float | None
    load_avg_1m_after: float | None
    # the most of each load reading this run can account for (own_load_bound)
    own_load_before: float
    own_load_after: float
    timed_seconds: float
    process_cpu_seconds: float | None
    other_cpu_seconds: float | None
    latency_cv: float | None


def judge(figures: NoiseFigures) -> tuple[str | None, str]:
    """('ok' | 'noisy', the reason with its figures); (None, why) when nothing could be read."""
    f = figures
    noisy: list[str] = []
    seen: list[str] = []
    others_load = [
        load - own
        for load, own in (
            (f.load_avg_1m_before, f.own_load_before),
            (f.load_avg_1m_after, f.own_load_after),
        )
        if load is not None
    ]
    if others_load:
        worst = max(others_load)
        text = f"others' load {max(worst, 0):.2f} on {f.host_cpu_count} CPUs"
        if worst > f.host_cpu_count:
            noisy.append(f"busy host: {text} (more runnable tasks than CPUs)")
        else:
            seen.append(text)
    if f.timed_seconds > 0 and f.other_cpu_seconds is not None:
        others = max(f.other_cpu_seconds, 0.0) / f.timed_seconds
        rounding = 2 * STAT_TICK_SECONDS * f.host_cpu_count / f.timed_seconds
        allowed = max(f.host_cpu_count - f.threads, 0) + OTHER_CPU_TOLERANCE + rounding
        text = f"other processes used {others:.2f} of {f.host_cpu_count} CPUs while timing"
        if others > allowed:
            noisy.append(f"{text} (over {allowed:.2f})")
        else:
            seen.append(text)
    if f.device == "cpu" and f.timed_seconds > 0 and f.process_cpu_seconds is not None:
        share = f.process_cpu_seconds / f.timed_seconds
        text = f"worker CPU/wall {share:.2f}"
        if share < MIN_CPU_PER_WALL:
            noisy.append(f"starved worker: {text} (under {MIN_CPU_PER_WALL}: waited for a CPU)")
        else:
            seen.append(text)
    if f.latency_cv is not None:
        text = f"CV {f.latency_cv:.3f}"
        if f.latency_cv > MAX_LATENCY_CV:
            noisy.append(f"high spread: {text} (over {MAX_LATENCY_CV})")
        else:
            seen.append(text)
    if noisy:
        return "noisy", "; ".join(noisy)
    if not seen:
        return None, "no noise reading could be taken (no load average, /proc/stat or spread)"
    return "ok", "quiet: " + ", ".join(seen)
