"""Memory of one configuration, after optimum-benchmark's memory tracker.

Each configuration runs in its own fresh worker process (runners/isolation.py), so what is
read here belongs to that configuration alone, whatever ran before it.

CPU (`memory_method = 'cpu_worker_rss'`): the kernel's resident-set figures of the worker,
from /proc/self/status. The high-water mark (VmHWM) is reset (/proc/self/clear_refs, value 5)
before the model is built and again once it is loaded, so the build and the forward passes each
get their own peak:

- `memory_baseline_rss_mb`: VmRSS before the build (the interpreter, torch, transformers);
- `memory_loaded_mb`: VmRSS with the model built and the inputs made, minus the baseline;
- `memory_peak_rss_mb`: the worker's absolute peak, max(build peak, inference peak);
- `memory_peak_mb`: that peak minus the baseline (weights plus everything inference needs);
- `memory_inference_growth_mb`: the peak during warm-up and timing minus the loaded-model RSS.

In the calling process (`cpu_rss_in_process`, where no worker can be forked) the same figures
are read, but freed memory from earlier configurations is reused, so they depend on run order.
Where the high-water mark cannot be reset, the figures that need it are NULL, not guesses.

CUDA (`cuda_max_memory_allocated`): torch's allocator statistics, reset before the build and
again once loaded: `memory_peak_mb` = max_memory_allocated, `memory_reserved_mb` =
max_memory_reserved, `memory_loaded_mb` = memory_allocated with the model loaded,
`memory_inference_growth_mb` = the peak allocated during inference minus that; the worker's
host-side VmHWM goes to `memory_peak_rss_mb`.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass
class MemoryReading:
    peak_mb: float | None
    reserved_mb: float | None
    method: str
    peak_rss_mb: float | None = None
    baseline_rss_mb: float | None = None
    loaded_mb: float | None = None
    inference_growth_mb: float | None = None

    def columns(self) -> dict[str, object]:
        return {
            "memory_peak_mb": self.peak_mb,
            "memory_reserved_mb": self.reserved_mb,
            "memory_method": self.method,
            "memory_peak_rss_mb": self.peak_rss_mb,
            "memory_baseline_rss_mb": self.baseline_rss_mb,
            "memory_loaded_mb": self.loaded_mb,
            "memory_inference_growth_mb": self.inference_growth_mb,
        }


def _proc_status_kb(field_name: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _reset_rss_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _mb(kb: int | None) -> float | None:
    return None if kb is None else kb / 1024


class MemoryTracker:
    """`start()` before the model is built, `loaded()` once it and its inputs are ready,
    `stop()` after the last timed iteration."""

    def __init__(self, device: str, in_worker: bool = True) -> None:
        self.device = device
        self.in_worker = in_worker
        self._baseline_kb: int | None = None
        self._build_peak_kb: int | None = None
        self._loaded_kb: int | None = None
        self._reset_ok = False
        self._cuda_build_peak: tuple[int, int] | None = None
        self._cuda_loaded: int | None = None

    @property
    def _is_cuda(self) -> bool:
        return self.device.startswith("cuda")

    def start(self) -> None:
        if self._is_cuda:
            import torch

            torch.cuda.synchronize()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        self._reset_ok = _reset_rss_peak()
        self._baseline_kb = _proc_status_kb("VmRSS")

    def loaded(self) -> None:
        self._build_peak_kb = _proc_status_kb("VmHWM")
        self._loaded_kb = _proc_status_kb("VmRSS")
        self._reset_ok = self._reset_ok and _reset_rss_peak()
        if self._is_cuda:
            import torch

            torch.cuda.synchronize()
            self._cuda_build_peak = (
                torch.cuda.max_memory_allocated(),
                torch.cuda.max_memory_reserved(),
            )
            self._cuda_loaded = torch.cuda.memory_allocated()
            torch.cuda.reset_peak_memory_stats()

    def _peak_rss_kb(self) -> int | None:
        inference_peak = _proc_status_kb("VmHWM")
        if self._build_peak_kb is None or inference_peak is None:
            return inference_peak
        return max(self._build_peak_kb, inference_peak)

    def stop(self) -> MemoryReading:
        inference_peak_kb = _proc_status_kb("VmHWM")
        peak_rss_kb = self._peak_rss_kb()
        if self._is_cuda:
            return self._stop_cuda(peak_rss_kb)
        if self.device == "mps":
            import torch

            # MPS exposes no peak counter: the driver's current allocation is the closest reading
            return MemoryReading(
                torch.mps.driver_allocated_memory() / MIB,
                None,
                "mps_driver_allocated",
                peak_rss_mb=_mb(peak_rss_kb),
            )
        method = "cpu_worker_rss" if self.in_worker else "cpu_rss_in_process"
        if not self._reset_ok or self._baseline_kb is None or peak_rss_kb is None:
            # without a reset, VmHWM may predate this configuration: only a fresh worker's is
            # still its own (its high-water mark started at its birth)
            return MemoryReading(
                None,
                None,
                method + "_no_reset",
                peak_rss_mb=_mb(peak_rss_kb) if self.in_worker else None,
                baseline_rss_mb=_mb(self._baseline_kb),
            )
        loaded_kb = self._loaded_kb
        return MemoryReading(
            peak_mb=max(peak_rss_kb - self._baseline_kb, 0) / 1024,
            reserved_mb=None,
            method=method,
            peak_rss_mb=peak_rss_kb / 1024,
            baseline_rss_mb=self._baseline_kb / 1024,
            loaded_mb=None if loaded_kb is None else (loaded_kb - self._baseline_kb) / 1024,
            inference_growth_mb=(
                None
                if loaded_kb is None or inference_peak_kb is None
                else max(inference_peak_kb - loaded_kb, 0) / 1024
            ),
        )

    def _stop_cuda(self, peak_rss_kb: int | None) -> MemoryReading:
        import torch

        torch.cuda.synchronize()
        allocated = torch.cuda.max_memory_allocated()
        reserved = torch.cuda.max_memory_reserved()
        build_allocated, build_reserved = self._cuda_build_peak or (0, 0)
        return MemoryReading(
            peak_mb=max(allocated, build_allocated) / MIB,
            reserved_mb=max(reserved, build_reserved) / MIB,
            method="cuda_max_memory_allocated",
            peak_rss_mb=_mb(peak_rss_kb),
            loaded_mb=None if self._cuda_loaded is None else self._cuda_loaded / MIB,
            inference_growth_mb=(
                None if self._cuda_loaded is None else max(allocated - self._cuda_loaded, 0) / MIB
            ),
        )
