"""benchdb: measure real models, land the results as Parquet, and serve the marts dbt builds.

The runner side (`benchdb run`) needs only torch, transformers, pyarrow and click; everything that
reads the warehouse (DuckDB, dbt, plotnine) is imported lazily by the commands that use it.

The old system's Python classes are importable from here (`from runners import BenchmarkDBAPI`).
They are resolved lazily, on first use, so `import runners` stays light on a hardware host.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# name -> modules to look in, first found wins
_EXPORTS: dict[str, tuple[str, ...]] = {
    "BenchmarkDBAPI": ("runners.api",),
    "BenchmarkRunner": ("runners.api",),
    "BenchmarkDBMaintenance": ("runners.api",),
    "IncrementalBenchmarkRunner": ("runners.api",),
    "SimulationDetection": ("runners.api",),
    "BenchmarkVisualizer": ("runners.api",),
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    modules = _EXPORTS.get(name)
    if modules is None:
        raise AttributeError(f"module 'runners' has no attribute '{name}'")
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:  # the module exists but one of its imports is missing
                raise
            continue
        if hasattr(module, name):
            value = getattr(module, name)
            globals()[name] = value
            return value
    raise AttributeError(f"module 'runners' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
