"""runners: what runs on a hardware host.

Measure real models (torch + transformers) and land every outcome as Parquet: timing, memory,
hardware detection and the host's environment, model building from the catalog, the benchmark
loop, and the one atomic landing writer. It needs torch, transformers, pyarrow and click, and
imports nothing from `benchdb` (the warehouse side); tests/test_layout.py checks both.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("benchdb")
except metadata.PackageNotFoundError:  # a checkout on the path, not installed
    __version__ = "0.0.0+unknown"
