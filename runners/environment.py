"""The software and machine a result was measured on, recorded with every row, and where this
benchdb itself came from (recorded with every run)."""

from __future__ import annotations

import functools
import os
import platform
import shlex
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from runners.hardware import cpu_model_name, physical_core_count, usable_cpus
from runners.paths import CHECKOUT_ROOT, PACKAGE_DIR


def _run(args: list[str], cwd: Path | None = None) -> str | None:
    try:
        out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def git_state(cwd: Path | None = None) -> tuple[str | None, str | None]:
    """Commit and branch of the git checkout at `cwd` (default: the current directory)."""
    commit = _run(["git", "rev-parse", "HEAD"], cwd)
    branch = _run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd) if commit else None
    return commit, branch


def benchdb_version() -> str | None:
    """The installed distribution's version (importlib.metadata); None when not installed."""
    try:
        return metadata.version("benchdb")
    except metadata.PackageNotFoundError:
        return None


def benchdb_provenance(checkout: Path | None = CHECKOUT_ROOT) -> dict[str, object]:
    """benchdb's own version, and the commit, branch and dirtiness of the checkout its package
    files live in (never of the current directory). From a wheel there is no checkout: the
    commit is NULL and `git_commit_note` says why."""
    found = {
        "benchdb_version": benchdb_version(),
        "git_commit": None,
        "git_branch": None,
        "git_is_dirty": None,
        "git_commit_note": None,
    }
    if checkout is None:
        found["git_commit_note"] = (
            f"benchdb runs from installed files ({PACKAGE_DIR}), not a git checkout: "
            "commit unknown (see benchdb_version)"
        )
        return found
    top = _run(["git", "rev-parse", "--show-toplevel"], checkout)
    if top is None or Path(top).resolve() != checkout.resolve():
        found["git_commit_note"] = (
            f"{checkout} is not the top of a git checkout (or git is missing): commit unknown"
        )
        return found
    commit, branch = git_state(checkout)
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=checkout,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        status = None
    notes = []
    if not commit:
        notes.append(f"git rev-parse HEAD failed in {checkout}")
    if status is None:
        notes.append(f"git status failed in {checkout}: dirtiness unknown")
    found.update(
        git_commit=commit,
        git_branch=branch,
        # uncommitted changes to tracked files (untracked files are not code that ran)
        git_is_dirty=None if status is None else bool(status.strip()),
        git_commit_note="; ".join(notes) or None,
    )
    return found


def nvidia_driver_version() -> str | None:
    out = _run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"])
    return out.splitlines()[0].strip() if out else None


def _host_memory_gb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024**2
    except (OSError, ValueError):
        return None
    return None


def command_line() -> str:
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])


@functools.lru_cache(maxsize=1)
def host_facts() -> dict[str, object]:
    """What does not change during a run (read once; a worker inherits it from the zygote)."""
    cpus = usable_cpus()
    return {
        "host": socket.gethostname(),
        "os": platform.platform(),
        "python_version": platform.python_version(),
        "cpu_model": cpu_model_name(),
        "host_memory_gb": _host_memory_gb(),
        "host_cpu_count": len(cpus),
        "host_physical_cores": physical_core_count(cpus),
        "benchdb_version": benchdb_version(),
    }


def torch_settings(device: str) -> dict[str, object]:
    """Threads and the numeric settings that change what a kernel computes or how fast: TF32
    on CUDA, oneDNN (mkldnn) on the CPU, the float32 matmul precision everywhere. A setting
    that does not apply to the device is NULL."""
    import torch

    on_cuda = device.startswith("cuda")
    mkldnn = torch.backends.mkldnn
    return {
        "num_threads": torch.get_num_threads(),
        "num_interop_threads": torch.get_num_interop_threads(),
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "cuda_matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32 if on_cuda else None,
        "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32 if on_cuda else None,
        "onednn_enabled": bool(mkldnn.is_available() and mkldnn.enabled)
        if device == "cpu"
        else None,
    }


def _plain(value: object) -> str | None:
    return None if value is None else str(value)


def collect_environment(device: str) -> dict[str, object]:
    """Host, OS, Python, torch, transformers, CUDA/driver, device and CPU, threads, settings."""
    import torch
    import transformers

    facts = host_facts()
    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(torch.device(device))
        device_name = props.name
        memory_gb = props.total_memory / 1024**3
        compute_units = props.multi_processor_count
    elif device == "mps":
        device_name, memory_gb, compute_units = "Apple MPS", None, None
    else:
        device_name = facts["cpu_model"]
        memory_gb = facts["host_memory_gb"]
        compute_units = os.cpu_count()
    return {
        "host": facts["host"],
        "os": facts["os"],
        "python_version": facts["python_version"],
        # plain str: torch's TorchVersion would make whoever unpickles the row import torch
        "torch_version": str(torch.__version__),
        "transformers_version": str(transformers.__version__),
        "cuda_version": _plain(torch.version.cuda),
        "rocm_version": _plain(getattr(torch.version, "hip", None)),
        "driver_version": nvidia_driver_version() if device.startswith("cuda") else None,
        "device_name": device_name,
        "device_memory_gb": memory_gb,
        "device_compute_units": compute_units,
        "cpu_model": facts["cpu_model"],
        "host_cpu_count": facts["host_cpu_count"],
        "host_physical_cores": facts["host_physical_cores"],
        "benchdb_version": facts["benchdb_version"],
        **torch_settings(device),
    }


# environment columns that describe the host and its software, not a device or its settings:
# what a row no device ran (unavailable, unsupported by the runner, estimated) carries
HOST_ENVIRONMENT_FIELDS = (
    "host",
    "os",
    "python_version",
    "torch_version",
    "transformers_version",
    "cuda_version",
    "rocm_version",
    "cpu_model",
    "host_cpu_count",
    "host_physical_cores",
    "benchdb_version",
)
