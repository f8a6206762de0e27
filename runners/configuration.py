"""What one benchmark configuration is, and the cross product a run asks for.

Two kinds: `forward` (one forward pass over `sequence_length` tokens, the default) and `generate`
(a prompt of `sequence_length` tokens, the input length, then `output_length` new tokens, greedy,
with the KV cache; runners/generation.py), the latter under a `backend` (eager or compile).

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

FORWARD = "forward"
GENERATE = "generate"
KINDS = (FORWARD, GENERATE)
BACKENDS = ("eager", "compile")


@dataclass(frozen=True)
class BenchmarkConfig:
    spec: ModelSpec
    hardware_type: str
    precision: str
    batch_size: int
    # tokens per item of a forward pass; the prompt's tokens (input length) of a generation
    sequence_length: int
    kind: str = FORWARD
    output_length: int | None = None  # new tokens per item (generate only)
    backend: str = "eager"

    @property
    def is_generation(self) -> bool:
        return self.kind == GENERATE

    def describe(self) -> str:
        common = f"{self.spec.model_name} {self.hardware_type} {self.precision} b{self.batch_size}"
        if self.is_generation:
            return f"{common} in{self.sequence_length} out{self.output_length} {self.backend}"
        return f"{common} s{self.sequence_length}"


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


def expand_generation_configs(
    specs: Sequence[ModelSpec],
    hardware_types: Sequence[str],
    precisions: Sequence[str],
    batch_sizes: Sequence[int],
    input_lengths: Sequence[int],
    output_lengths: Sequence[int],
    backends: Sequence[str] = ("eager",),
) -> list[BenchmarkConfig]:
    """The cross product for `--kind generate`, without repeats. Whether a model can generate is
    the worker's capability check (a row with status unsupported), not an error here."""
    validate_options(hardware_types, batch_sizes, precisions, input_lengths)
    for n in output_lengths:
        if n < 1:
            raise ConfigurationError(f"output length must be a positive integer, got {n}")
    for b in backends:
        if b not in BACKENDS:
            raise ConfigurationError(f"unknown backend '{b}'; use one of {', '.join(BACKENDS)}")
    configs: dict[tuple, BenchmarkConfig] = {}
    for spec, hw, prec, batch, n_in, n_out, backend in itertools.product(
        specs, hardware_types, precisions, batch_sizes, input_lengths, output_lengths, backends
    ):
        key = (spec.model_name, hw, prec, batch, n_in, n_out, backend)
        configs.setdefault(
            key, BenchmarkConfig(spec, hw, prec, batch, n_in, GENERATE, n_out, backend)
        )
    return list(configs.values())
