"""The software and machine a result was measured on, recorded with every row."""

from __future__ import annotations

import os
import platform
import shlex
import socket
import subprocess
import sys
from pathlib import Path

from runners.hardware import cpu_model_name


def _run(args: list[str], cwd: Path | None = None) -> str | None:
    try:
        out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def git_state(cwd: Path | None = None) -> tuple[str | None, str | None]:
    """Commit and branch of the working directory when it is a git repository, else (None, None)."""
    commit = _run(["git", "rev-parse", "HEAD"], cwd)
    branch = _run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd) if commit else None
    return commit, branch


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


def collect_environment(device: str) -> dict[str, object]:
    """Host, OS, Python, torch, transformers, CUDA/driver, device and CPU, thread count."""
    import torch
    import transformers

    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(torch.device(device))
        device_name = props.name
        memory_gb = props.total_memory / 1024**3
        compute_units = props.multi_processor_count
    elif device == "mps":
        device_name, memory_gb, compute_units = "Apple MPS", None, None
    else:
        device_name = cpu_model_name()
        memory_gb = _host_memory_gb()
        compute_units = os.cpu_count()
    return {
        "host": socket.gethostname(),
        "os": platform.platform(),
        "python_version": platform.python_version(),
        "torch_version": torch.__version__,
        "transformers_version": transformers.__version__,
        "cuda_version": torch.version.cuda,
        "rocm_version": getattr(torch.version, "hip", None),
        "driver_version": nvidia_driver_version() if device.startswith("cuda") else None,
        "device_name": device_name,
        "device_memory_gb": memory_gb,
        "device_compute_units": compute_units,
        "cpu_model": cpu_model_name(),
        "num_threads": torch.get_num_threads(),
    }
