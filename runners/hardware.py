"""Which hardware this host has, asked of torch (and openvino) at the moment of the run.

Every hardware type the warehouse knows is answered: the ones the Python runner can probe
(cpu, cuda, rocm, mps, openvino) get a real detection; the rest (webgpu, webnn, qnn ...) are
reported unavailable with the reason, so the availability log never has silent gaps.
"""

from __future__ import annotations

import importlib.util
import os
import platform
from dataclasses import dataclass
from pathlib import Path

# the runner runs models on these through torch
RUNNABLE_HARDWARE = ("cpu", "cuda", "rocm", "mps")
# detected but not runnable through torch eager mode
DETECTABLE_HARDWARE = (*RUNNABLE_HARDWARE, "openvino")
# known to the warehouse (the old system's hardware types); only browsers or SDKs run these
KNOWN_HARDWARE = (*DETECTABLE_HARDWARE, "webgpu", "webnn", "qnn")


@dataclass(frozen=True)
class Detection:
    hardware_type: str
    is_available: bool
    reason: str
    device_name: str | None = None
    device_count: int = 0


def cpu_model_name() -> str:
    """The CPU's marketing name from /proc/cpuinfo, falling back to platform.processor()."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown cpu"


def usable_cpus() -> list[int]:
    """The logical CPUs this process may run on (its affinity), or all of them."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def physical_core_count(cpus: list[int] | None = None) -> int:
    """Physical cores among `cpus` (default: the usable ones): distinct (package, core) pairs
    from /sys/devices/system/cpu/cpuN/topology; the logical count where that is unreadable."""
    cpus = usable_cpus() if cpus is None else cpus
    cores = set()
    for cpu in cpus:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            package = (topology / "physical_package_id").read_text().strip()
            core = (topology / "core_id").read_text().strip()
        except OSError:
            return len(cpus)
        cores.add((package, core))
    return len(cores) or len(cpus)


def _detect_cpu() -> Detection:
    return Detection("cpu", True, "always present", cpu_model_name(), os.cpu_count() or 1)


def _detect_cuda_like(hardware_type: str) -> Detection:
    import torch

    is_rocm_build = getattr(torch.version, "hip", None) is not None
    wanted_rocm = hardware_type == "rocm"
    build = "ROCm (HIP)" if is_rocm_build else ("CUDA" if torch.version.cuda else "CPU-only")
    if wanted_rocm != is_rocm_build:
        return Detection(hardware_type, False, f"torch {torch.__version__} is a {build} build")
    if not torch.cuda.is_available():
        return Detection(
            hardware_type,
            False,
            f"torch.cuda.is_available() is False (torch {torch.__version__}, {build} build)",
        )
    count = torch.cuda.device_count()
    return Detection(
        hardware_type, True, f"{count} device(s) visible", torch.cuda.get_device_name(0), count
    )


def _detect_mps() -> Detection:
    import torch

    mps = getattr(torch.backends, "mps", None)
    if mps is None or not mps.is_built():
        return Detection("mps", False, "torch was built without MPS support")
    if not mps.is_available():
        return Detection("mps", False, "torch.backends.mps.is_available() is False")
    return Detection("mps", True, "Apple Metal device visible", "Apple MPS", 1)


def _detect_openvino() -> Detection:
    if importlib.util.find_spec("openvino") is None:
        return Detection("openvino", False, "the openvino package is not installed")
    try:
        import openvino

        devices = list(openvino.Core().available_devices)
    except Exception as exc:  # a broken install is reported, not raised
        return Detection("openvino", False, f"openvino failed to list devices: {exc}")
    if not devices:
        return Detection("openvino", False, "openvino lists no devices")
    return Detection("openvino", True, f"devices: {', '.join(devices)}", devices[0], len(devices))


def detect(hardware_type: str) -> Detection:
    """Detect one hardware type; types with no probe are reported unavailable with why."""
    if hardware_type == "cpu":
        return _detect_cpu()
    if hardware_type in ("cuda", "rocm"):
        return _detect_cuda_like(hardware_type)
    if hardware_type == "mps":
        return _detect_mps()
    if hardware_type == "openvino":
        return _detect_openvino()
    return Detection(
        hardware_type,
        False,
        f"no {hardware_type} detector in the Python runner (needs a browser or SDK host)",
    )


def detect_all() -> list[Detection]:
    return [detect(hw) for hw in KNOWN_HARDWARE]


def torch_device(hardware_type: str) -> str:
    """The torch device string a runnable hardware type uses (ROCm shows up as cuda in torch)."""
    return {"cpu": "cpu", "cuda": "cuda:0", "rocm": "cuda:0", "mps": "mps"}[hardware_type]
