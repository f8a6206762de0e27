"""Where the runner reads its catalog and writes the landing zone.

`BENCHMARK_DATA_DIR` holds the landing zone (`<data dir>/landing`). Without it, the data dir is
`data/` at the root of the checkout the package runs from (so `benchdb` behaves the same from any
working directory of a clone), or `data/` in the current directory when benchdb is installed from
a wheel.

The model catalog is `seeds/model_catalog.csv` in a checkout; a wheel carries the same file as
package data (`runners/catalogs/`, mapped from `seeds/` in pyproject.toml).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# the clone this package runs from, or None when it is installed from a wheel
CHECKOUT_ROOT: Path | None = (
    PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "dbt_project.yml").is_file() else None
)


def _packaged_or_checkout(name: str) -> Path:
    packaged = PACKAGE_DIR / "catalogs" / name
    if packaged.is_file() or CHECKOUT_ROOT is None:
        return packaged
    return CHECKOUT_ROOT / "seeds" / name


MODEL_CATALOG_CSV = _packaged_or_checkout("model_catalog.csv")


def data_dir() -> Path:
    value = os.environ.get("BENCHMARK_DATA_DIR")
    if value:
        return Path(value).resolve()
    return (CHECKOUT_ROOT or Path.cwd()) / "data"


def landing_dir() -> Path:
    return data_dir() / "landing"


def model_catalog_csv() -> Path:
    value = os.environ.get("BENCHMARK_MODEL_CATALOG")
    return Path(value).resolve() if value else MODEL_CATALOG_CSV
