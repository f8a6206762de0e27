"""Where the warehouse side finds its dbt project and the warehouse file.

The dbt project (dbt_project.yml, models/, macros/, seeds/, profiles.yml) is the root of a
checkout; a wheel carries the same files as package data (`benchdb/project/`, mapped from the
root in pyproject.toml), so `benchdb build` works outside a clone too.

`BENCHMARK_DB_PATH` is the warehouse file; without it, `data/benchmark.duckdb` at the root of the
checkout, or in the current directory when installed from a wheel (as runners.paths.data_dir).
"""

from __future__ import annotations

import os
from pathlib import Path

from runners.paths import CHECKOUT_ROOT

_PACKAGED_PROJECT = Path(__file__).resolve().parent / "project"
PROJECT_DIR = (
    _PACKAGED_PROJECT
    if (_PACKAGED_PROJECT / "dbt_project.yml").is_file() or CHECKOUT_ROOT is None
    else CHECKOUT_ROOT
)
HARDWARE_CATALOG_CSV = PROJECT_DIR / "seeds" / "hardware_catalog.csv"


def warehouse_path(path: str | os.PathLike) -> Path:
    """An absolute warehouse path that keeps its last link: the warehouse file is a symbolic
    link to its current generation (benchdb/generations.py), and resolving it would name one
    generation instead of the warehouse."""
    return Path(os.path.abspath(path))


def db_path() -> Path:
    value = os.environ.get("BENCHMARK_DB_PATH")
    return warehouse_path(value or (CHECKOUT_ROOT or Path.cwd()) / "data" / "benchmark.duckdb")
