"""What one benchmark configuration is, and the cross product a run asks for.

Kept apart from the run loop so a worker can receive a configuration without importing the
landing writer (pyarrow).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from runners.catalog import ModelSpec
from runners.errors import ConfigurationError
from runners.hardware import KNOWN_HARDWARE
from runners.model_factory import PRECISIONS


@dataclass(frozen=True)
class BenchmarkConfig:
    spec: ModelSpec
    hardware_type: str
    precision: str
    batch_size: int
    sequence_length: int

    def describe(self) -> str:
        return (
            f"{self.spec.model_name} {self.hardware_type} {self.precision} "
            f"b{self.batch_size} s{self.sequence_length}"
        )


def validate_options(
    hardware_types: Sequence[str],
    batch_sizes: Sequence[int],
    precisions: Sequence[str],
    sequence_lengths: Sequence[int],
) -> None:
    for hw in hardware_types:
        if hw not in KNOWN_HARDWARE:
            raise ConfigurationError(
                f"unknown hardware type '{hw}'; known types: {', '.join(KNOWN_HARDWARE)}"
            )
    for b in batch_sizes:
        if b < 1:
            raise ConfigurationError(f"batch size must be a positive integer, got {b}")
    for s in sequence_lengths:
        if s < 1:
            raise ConfigurationError(f"sequence length must be a positive integer, got {s}")
    for p in precisions:
        if p not in PRECISIONS:
            raise ConfigurationError(f"unknown precision '{p}'; use one of {', '.join(PRECISIONS)}")


def expand_configs(
    specs: Sequence[ModelSpec],
    hardware_types: Sequence[str],
    precisions: Sequence[str],
    batch_sizes: Sequence[int],
    sequence_lengths: Sequence[int],
) -> list[BenchmarkConfig]:
    """The cross product, without repeats: image models take no sequence length."""
    validate_options(hardware_types, batch_sizes, precisions, sequence_lengths)
    configs: dict[tuple, BenchmarkConfig] = {}
    for spec, hw, prec, batch, seq in itertools.product(
        specs, hardware_types, precisions, batch_sizes, sequence_lengths
    ):
        effective_seq = sequence_lengths[0] if spec.input_kind == "image" else seq
        key = (spec.model_name, hw, prec, batch, effective_seq)
        configs.setdefault(key, BenchmarkConfig(spec, hw, prec, batch, effective_seq))
    return list(configs.values())
