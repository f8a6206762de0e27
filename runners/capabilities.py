"""What a device can run, checked before a model is built: the only source of `unsupported`.

A configuration is `unsupported` only when one of the rules below says so, and its row names the
rule: `error_type` is the kind of check (`PrecisionUnsupported`, `SequenceLengthUnsupported`)
and `error_message` ends with `[rule <name>: <what it requires>]`. Anything else that goes wrong
is `failed` with the exception, never guessed to be a limitation from its message.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import Any

# (hardware type, precision) -> (rule name, what it requires); None: always supported.
# The CPU runs every precision through torch's kernels (converted to fp32 arithmetic where the
# CPU lacks fp16/bf16 units): that is what a CPU user gets, so it is measured, not refused.
PRECISION_RULES: dict[tuple[str, str], tuple[str, str] | None] = {
    ("cpu", "fp32"): None,
    ("cpu", "fp16"): None,
    ("cpu", "bf16"): None,
    ("cuda", "fp32"): None,
    ("cuda", "fp16"): ("cuda.fp16", "compute capability >= 5.3 (native fp16 arithmetic)"),
    (
        "cuda",
        "bf16",
    ): ("cuda.bf16", "compute capability >= 8.0 (native bf16; Volta and Turing only emulate it)"),
    ("rocm", "fp32"): None,
    ("rocm", "fp16"): None,
    ("rocm", "bf16"): ("rocm.bf16", "torch.cuda.is_bf16_supported(including_emulation=False)"),
    ("mps", "fp32"): None,
    ("mps", "fp16"): None,
    ("mps", "bf16"): ("mps.bf16", "macOS >= 14 (Metal bf16)"),
}
SEQUENCE_RULE = ("text.sequence_length", "at most the model's position embeddings")


@dataclass(frozen=True)
class Unsupported:
    """A configuration a rule refuses: the row's error_type and error_message."""

    error_type: str
    message: str


def rule_text(rule: tuple[str, str]) -> str:
    return f"[rule {rule[0]}: {rule[1]}]"


def _cuda_capability(device: str) -> tuple[int, int]:
    import torch

    return torch.cuda.get_device_capability(device)


def _precision_supported(rule_name: str, device: str) -> tuple[bool, str]:
    """(supported, what this device has) for one rule."""
    if rule_name in ("cuda.fp16", "cuda.bf16"):
        import torch

        major, minor = _cuda_capability(device)
        needed = (5, 3) if rule_name == "cuda.fp16" else (8, 0)
        name = torch.cuda.get_device_name(device)
        return (major, minor) >= needed, f"{name} has compute capability {major}.{minor}"
    if rule_name == "rocm.bf16":
        import torch

        supported = torch.cuda.is_bf16_supported(including_emulation=False)
        return supported, f"{torch.cuda.get_device_name(device)}: {supported}"
    if rule_name == "mps.bf16":
        release = platform.mac_ver()[0] or "0"
        major = int(release.split(".")[0] or 0)
        return major >= 14, f"this host runs macOS {release or 'unknown'}"
    raise ValueError(f"no capability rule named {rule_name}")


def check_precision(hardware_type: str, precision: str, device: str) -> Unsupported | None:
    """None when `device` (a torch device string) runs `precision` natively, else why not."""
    rule = PRECISION_RULES.get((hardware_type, precision))
    if rule is None:
        return None
    supported, facts = _precision_supported(rule[0], device)
    if supported:
        return None
    return Unsupported(
        "PrecisionUnsupported",
        f"{precision} on {hardware_type} needs {rule[1]}; {facts} {rule_text(rule)}",
    )


def position_limit(config: Any) -> int | None:
    return getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)


def check_sequence_length(
    model_name: str, input_kind: str, config: Any, sequence_length: int
) -> Unsupported | None:
    """Text models take at most their position embeddings (images and audio have their own
    geometry: see model_factory.input_geometry)."""
    if input_kind != "text_tokens":
        return None
    limit = position_limit(config)
    if limit is None or sequence_length <= limit:
        return None
    return Unsupported(
        "SequenceLengthUnsupported",
        f"sequence length {sequence_length} exceeds {model_name}'s {limit} position embeddings "
        + rule_text(SEQUENCE_RULE),
    )


GENERATION_RULE = (
    "generate.decoder",
    "a decoder or encoder-decoder fed text tokens, or an encoder-decoder fed audio features, "
    "with a language-model head (the catalog's generation_class)",
)
GENERATION_LENGTH_RULE = (
    "generate.length",
    "a decoder's input plus output tokens at most its position embeddings",
)
# what a generation's prompt can be: text tokens (decoders, encoder-decoders) or, for an
# encoder-decoder, audio features whose decoder takes the input length as its prompt (whisper)
GENERATION_INPUTS = ("text_tokens", "audio_features")


def check_generation(
    spec: Any, config: Any, input_length: int, output_length: int
) -> Unsupported | None:
    """Can `spec` generate `output_length` tokens after `input_length` prompt tokens? An
    encoder-only model has no decoder to generate with; a decoder holds prompt and new tokens in
    one sequence, an encoder-decoder's encoder only the prompt. An audio encoder-decoder
    (whisper) hears its config's audio window; its decoder holds the input length's prompt
    tokens and the new ones, at most max_target_positions."""
    encoder_decoder = bool(getattr(config, "is_encoder_decoder", False))
    audio = spec.input_kind == "audio_features"
    if (
        not spec.generation_class
        or spec.input_kind not in GENERATION_INPUTS
        or (audio and not encoder_decoder)
    ):
        if not spec.generation_class:
            why = "no generation_class in the catalog"
        elif audio:
            why = "an audio model without a decoder"
        else:
            why = f"its input is {spec.input_kind}, not text tokens or audio features"
        return Unsupported(
            "GenerationUnsupported",
            f"{spec.model_name} cannot generate: {why} {rule_text(GENERATION_RULE)}",
        )
    if audio:
        limit = getattr(config, "max_target_positions", None)
        longest, what = input_length + output_length, "decoder input + output length"
    elif encoder_decoder:
        limit = position_limit(config)
        longest, what = max(input_length, output_length), "input or output length"
    else:
        limit = position_limit(config)
        longest, what = input_length + output_length, "input + output length"
    if limit is None or longest <= limit:
        return None
    return Unsupported(
        "SequenceLengthUnsupported",
        f"{what} {longest} exceeds {spec.model_name}'s {limit} position embeddings "
        + rule_text(GENERATION_LENGTH_RULE),
    )
