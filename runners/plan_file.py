"""Plan CSV files: the configurations `benchdb run --plan` and `benchdb simulation run-csv` run.

Read with the csv module only (hardware hosts have no database). Everything is checked before
anything runs: unknown columns, unknown models or hardware, duplicates, text where numbers
belong, lengths given to the wrong kind. Each error names the file, the line and the column.

A row is a forward pass (`benchmark_kind` empty or `forward`: `sequence_length`, default 128)
or a generation (`benchmark_kind` `generate`: `input_length` and `output_length`, both
required, and `backend`, default eager; no `sequence_length`), as `benchdb plan --output`
writes them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from runners.benchmark import BenchmarkConfig, validate_options
from runners.catalog import ModelSpec, resolve_models
from runners.configuration import BACKENDS, FORWARD, GENERATE, KINDS
from runners.errors import BenchdbError, ConfigurationError

REQUIRED_COLUMNS = ("model_name", "hardware_type", "batch_size")
OPTIONAL_COLUMNS = (
    "precision",
    "sequence_length",
    "benchmark_kind",
    "input_length",
    "output_length",
    "backend",
)
GENERATION_COLUMNS = ("input_length", "output_length", "backend")
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
DEFAULT_BACKEND = "eager"


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
            config = _config(spec, row, where)
        except ConfigurationError as exc:
            message = str(exc)
            raise ConfigurationError(
                message if message.startswith(where) else f"{where}: {message}"
            ) from None
        except BenchdbError as exc:
            raise ConfigurationError(f"{where}: {exc}") from None
        key = _key(config)
        if key in seen:
            raise ConfigurationError(
                f"{where}: duplicate of line {seen[key]} ({config.describe()})"
            )
        seen[key] = line
        configs.append(config)
    return configs


def _config(spec: ModelSpec, row: Mapping[str, str], where: str) -> BenchmarkConfig:
    """One row's configuration, checked: a forward pass or a generation."""
    hardware = row["hardware_type"]
    batch = _positive_int(row["batch_size"], where, "batch_size")
    precision = row.get("precision") or DEFAULT_PRECISION
    kind = row.get("benchmark_kind") or FORWARD
    if kind not in KINDS:
        raise ConfigurationError(
            f"{where}: benchmark_kind '{kind}' is not one of {', '.join(KINDS)}"
        )
    if kind == FORWARD:
        # a forward pass runs as built: eager, as `benchdb plan` writes it (no other backend)
        given = [
            c
            for c in GENERATION_COLUMNS
            if row.get(c) and not (c == "backend" and row[c] == DEFAULT_BACKEND)
        ]
        if given:
            raise ConfigurationError(
                f"{where}: {', '.join(given)} given for a forward pass (benchmark_kind "
                f"'{row.get('benchmark_kind') or ''}'): set benchmark_kind to generate, or "
                "leave them empty"
            )
        seq_text = row.get("sequence_length") or ""
        seq = (
            _positive_int(seq_text, where, "sequence_length")
            if seq_text
            else DEFAULT_SEQUENCE_LENGTH
        )
        validate_options([hardware], [batch], [precision], [seq])
        return BenchmarkConfig(spec, hardware, precision, batch, seq)
    if row.get("sequence_length"):
        raise ConfigurationError(
            f"{where}: sequence_length '{row['sequence_length']}' given for a generation: "
            "a generation's prompt is input_length (leave sequence_length empty)"
        )
    lengths = []
    for column in ("input_length", "output_length"):
        if not row.get(column):
            raise ConfigurationError(f"{where}: {column} is empty; a generation needs it")
        lengths.append(_positive_int(row[column], where, column))
    backend = row.get("backend") or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise ConfigurationError(
            f"{where}: backend '{backend}' is not one of {', '.join(BACKENDS)}"
        )
    validate_options([hardware], [batch], [precision], [lengths[0]])
    return BenchmarkConfig(
        spec, hardware, precision, batch, lengths[0], GENERATE, lengths[1], backend
    )


def _key(config: BenchmarkConfig) -> tuple:
    """What makes two rows the same configuration (image models take no sequence length)."""
    spec = config.spec
    common = (spec.model_name, config.hardware_type, config.precision, config.batch_size)
    if config.is_generation:
        return (*common, GENERATE, config.sequence_length, config.output_length, config.backend)
    return (*common, None if spec.input_kind == "image" else config.sequence_length)


def _text(value: object) -> str:
    """A cell as text: None and NaN (pandas' missing value) are empty; 4.0 is '4'."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
