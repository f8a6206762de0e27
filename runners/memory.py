"""Peak memory around the measured region, after optimum-benchmark's memory tracker.

CUDA: reset the allocator's peak statistics, then read max allocated and max reserved.
CPU: reset the kernel's resident-set high-water mark (/proc/self/clear_refs, value 5), then
read VmHWM; the growth over the resident size at the start is what the configuration added.
Where the high-water mark cannot be reset, the CPU figure is NULL, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass
class MemoryReading:
    peak_mb: float | None
    reserved_mb: float | None
    method: str


def _proc_status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
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


class MemoryTracker:
    """`start()` before the model is built, `stop()` after the last timed iteration."""

    def __init__(self, device: str) -> None:
        self.device = device
        self._baseline_kb: int | None = None
        self._can_reset = False

    def start(self) -> None:
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.synchronize()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        else:
            self._can_reset = _reset_rss_peak()
            self._baseline_kb = _proc_status_kb("VmRSS")

    def stop(self) -> MemoryReading:
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.synchronize()
            return MemoryReading(
                torch.cuda.max_memory_allocated() / MIB,
                torch.cuda.max_memory_reserved() / MIB,
                "cuda_max_memory_allocated",
            )
        if self.device == "mps":
            import torch

            # MPS exposes no peak counter: the driver's current allocation is the closest reading
            return MemoryReading(
                torch.mps.driver_allocated_memory() / MIB, None, "mps_driver_allocated"
            )
        peak_kb = _proc_status_kb("VmHWM")
        if not self._can_reset or peak_kb is None or self._baseline_kb is None:
            return MemoryReading(None, None, "cpu_peak_rss_unavailable")
        return MemoryReading(
            max(peak_kb - self._baseline_kb, 0) / 1024, None, "cpu_peak_rss_growth"
        )
