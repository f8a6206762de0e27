"""Where things live: the project, the landing zone and the warehouse file.

`BENCHMARK_DATA_DIR` (default `data/`) holds the landing zone; `BENCHMARK_DB_PATH`
(default `data/benchmark.duckdb`) is the warehouse. Relative defaults are taken from the project
root, so `benchdb` behaves the same from any working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL_CATALOG_CSV = PROJECT_ROOT / "seeds" / "model_catalog.csv"


def data_dir() -> Path:
    value = os.environ.get("BENCHMARK_DATA_DIR")
    return Path(value).resolve() if value else PROJECT_ROOT / "data"


def landing_dir() -> Path:
    return data_dir() / "landing"


def db_path() -> Path:
    value = os.environ.get("BENCHMARK_DB_PATH")
    return Path(value).resolve() if value else PROJECT_ROOT / "data" / "benchmark.duckdb"


def model_catalog_csv() -> Path:
    value = os.environ.get("BENCHMARK_MODEL_CATALOG")
    return Path(value).resolve() if value else MODEL_CATALOG_CSV
