"""Plan CSV files: the configurations `benchdb run --plan` and `benchdb simulation run-csv` run.

Read with the csv module only (hardware hosts have no database). Everything is checked before
anything runs: unknown columns, unknown models or hardware, duplicates, text where numbers
belong. Each error names the file, the line and the column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from runners.benchmark import BenchmarkConfig, validate_options
from runners.catalog import ModelSpec, resolve_models
from runners.errors import BenchdbError, ConfigurationError

REQUIRED_COLUMNS = ("model_name", "hardware_type", "batch_size")
OPTIONAL_COLUMNS = ("precision", "sequence_length")
# what `benchdb plan` writes beside the configuration: informative, ignored when running
INFORMATIVE_COLUMNS = (
    "priority",
    "plan_kind",
    "reason",
    "last_status",
    "last_error",
    "attempts",
    "last_attempt_at",
    "newest_result_at",
)
PLAN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + INFORMATIVE_COLUMNS
DEFAULT_PRECISION = "fp32"
DEFAULT_SEQUENCE_LENGTH = 128


def _positive_int(text: str, where: str, column: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ConfigurationError(f"{where}: {column} '{text}' is not a whole number") from None
    if value < 1:
        raise ConfigurationError(f"{where}: {column} must be a positive integer, got {value}")
    return value


def read_plan(path: Path, catalog: dict[str, ModelSpec]) -> list[BenchmarkConfig]:
    """Parse and check a plan CSV; returns its configurations in file order."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read plan {path}: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        return configs_from_rows(reader.fieldnames or [], reader, catalog, str(path), 2)


def configs_from_rows(
    columns: Iterable[str],
    rows: Iterable[Mapping[str, object]],
    catalog: dict[str, ModelSpec],
    source: str,
    first_line: int = 1,
) -> list[BenchmarkConfig]:
    """Check plan rows (from a CSV or a DataFrame's records); errors name `source` and the line."""
    header = [str(h).strip() for h in columns]
    unknown = [h for h in header if h not in PLAN_COLUMNS]
    if unknown:
        raise ConfigurationError(
            f"{source}: unknown column(s) {', '.join(unknown)}; a plan has "
            f"{', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(OPTIONAL_COLUMNS)}"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ConfigurationError(f"{source}: missing column(s) {', '.join(missing)}")
    configs: list[BenchmarkConfig] = []
    seen: dict[tuple, int] = {}
    for line, raw in enumerate(rows, start=first_line):
        row = {str(k).strip(): _text(v) for k, v in raw.items() if k}
        where = f"{source}:{line}"
        try:
            (spec,) = resolve_models([row["model_name"]], catalog)
            hardware = row["hardware_type"]
            batch = _positive_int(row["batch_size"], where, "batch_size")
            precision = row.get("precision") or DEFAULT_PRECISION
            seq_text = row.get("sequence_length") or ""
            seq = (
                _positive_int(seq_text, where, "sequence_length")
                if seq_text
                else DEFAULT_SEQUENCE_LENGTH
            )
            validate_options([hardware], [batch], [precision], [seq])
        except ConfigurationError as exc:
            message = str(exc)
            raise ConfigurationError(
                message if message.startswith(where) else f"{where}: {message}"
            ) from None
        except BenchdbError as exc:
            raise ConfigurationError(f"{where}: {exc}") from None
        key = (
            spec.model_name,
            hardware,
            precision,
            batch,
            None if spec.input_kind == "image" else seq,
        )
        if key in seen:
            raise ConfigurationError(
                f"{where}: duplicate of line {seen[key]} "
                f"({spec.model_name} {hardware} {precision} batch {batch} seq {seq})"
            )
        seen[key] = line
        configs.append(BenchmarkConfig(spec, hardware, precision, batch, seq))
    return configs


def _text(value: object) -> str:
    """A cell as text: None and NaN (pandas' missing value) are empty; 4.0 is '4'."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
