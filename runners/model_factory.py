"""Build a catalog model from its config (random weights) or a local weights directory, and
make inputs of the right shape for its modality.

Latency and memory do not depend on weight values, so random weights measure the same thing
as downloaded ones, with no hub at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runners.capabilities import check_sequence_length
from runners.catalog import ModelSpec
from runners.errors import ConfigurationError

PRECISIONS = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


class UnsupportedConfiguration(Exception):
    """A capability rule (runners/capabilities.py) refuses the combination: recorded with status
    `unsupported`; `check` is the kind of rule (the row's error_type)."""

    def __init__(self, message: str, check: str = "UnsupportedConfiguration") -> None:
        super().__init__(message)
        self.check = check


@dataclass
class ModelInputs:
    tensors: dict[str, Any]
    sequence_length: int | None = None
    image_size: int | None = None
    audio_seconds: float | None = None
    tokens_per_item: int | None = None

    def shapes(self) -> dict[str, list[int]]:
        return {name: list(t.shape) for name, t in self.tensors.items()}


def torch_dtype(precision: str):
    import torch

    if precision not in PRECISIONS:
        raise ConfigurationError(
            f"unknown precision '{precision}'; use one of {', '.join(PRECISIONS)}"
        )
    return getattr(torch, PRECISIONS[precision])


def model_classes(spec: ModelSpec, model_class: str | None = None):
    """The transformers (model class, config class); importing them is not part of a measurement.
    `model_class` replaces the catalog's (the generation class, for instance)."""
    import transformers

    model_class = model_class or spec.model_class
    model_cls = getattr(transformers, model_class, None)
    config_cls = getattr(transformers, spec.config_class, None)
    if model_cls is None or config_cls is None:
        raise ConfigurationError(
            f"model '{spec.model_name}': transformers {transformers.__version__} has no "
            f"{model_class if model_cls is None else spec.config_class}"
        )
    return model_cls, config_cls


def build_model(spec: ModelSpec, weights_dir: Path | None = None, model_class: str | None = None):
    """Return (model in eval mode, weights_source); `model_class` as in model_classes."""
    model_cls, config_cls = model_classes(spec, model_class)
    if weights_dir is not None:
        if not (weights_dir / "config.json").is_file():
            raise ConfigurationError(f"weights directory {weights_dir} has no config.json")
        model = model_cls.from_pretrained(str(weights_dir), local_files_only=True)
        source = f"local:{weights_dir}"
    else:
        model = model_cls(config_cls(**spec.config_overrides))
        source = "random_init"
    model.eval()
    return model, source


def make_inputs(
    spec: ModelSpec, config, batch_size: int, sequence_length: int, device: str, dtype
) -> ModelInputs:
    """Inputs for one forward pass; text uses `sequence_length`, images and audio their config."""
    import torch

    generator = torch.Generator().manual_seed(0)
    if spec.input_kind == "text_tokens":
        refused = check_sequence_length(spec.model_name, spec.input_kind, config, sequence_length)
        if refused:
            raise UnsupportedConfiguration(refused.message, refused.error_type)
        ids = torch.randint(
            0, config.vocab_size, (batch_size, sequence_length), generator=generator
        )
        tensors = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
        if getattr(config, "is_encoder_decoder", False):
            tensors["decoder_input_ids"] = ids.clone()
        return _to(
            ModelInputs(tensors, sequence_length=sequence_length, tokens_per_item=sequence_length),
            device,
            dtype,
        )
    geometry = input_geometry(spec, config, sequence_length)
    if spec.input_kind == "image":
        size = geometry["image_size"]
        pixels = torch.randn((batch_size, config.num_channels, size, size), generator=generator)
        return _to(ModelInputs({"pixel_values": pixels}, image_size=size), device, dtype)
    if spec.input_kind == "audio_features":
        frames = 2 * config.max_source_positions
        features = torch.randn((batch_size, config.num_mel_bins, frames), generator=generator)
        decoder_ids = torch.randint(
            0, config.vocab_size, (batch_size, geometry["sequence_length"]), generator=generator
        )
        inputs = ModelInputs(
            {"input_features": features, "decoder_input_ids": decoder_ids},
            sequence_length=geometry["sequence_length"],
            audio_seconds=geometry["audio_seconds"],
        )
        return _to(inputs, device, dtype)
    raise ConfigurationError(f"model '{spec.model_name}': unknown input kind '{spec.input_kind}'")


def make_prompt(
    config,
    batch_size: int,
    input_length: int,
    device: str,
    input_kind: str = "text_tokens",
    dtype=None,
) -> dict[str, Any]:
    """A generation's prompt: `input_length` random token ids per item (seeded), no padding.
    An encoder-decoder's prompt goes to its encoder; its decoder starts from one start token.
    An audio encoder-decoder (whisper) hears its config's whole audio window (random log-mel
    features, 2 x max_source_positions frames of 10 ms, in `dtype`), and its decoder's prompt
    is the start token and `input_length - 1` random token ids."""
    import torch

    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, config.vocab_size, (batch_size, input_length), generator=generator)
    start = getattr(config, "decoder_start_token_id", None)
    if input_kind == "audio_features":
        frames = 2 * config.max_source_positions
        features = torch.randn((batch_size, config.num_mel_bins, frames), generator=generator)
        ids[:, 0] = start if start is not None else 0
        return {
            "input_features": features.to(device=device, dtype=dtype),
            "decoder_input_ids": ids.to(device),
        }
    prompt = {"input_ids": ids.to(device)}
    if getattr(config, "is_encoder_decoder", False):
        # T5's decoder starts from its pad token; the id's value does not change the timing
        start = start if start is not None else (getattr(config, "pad_token_id", None) or 0)
        prompt["attention_mask"] = torch.ones_like(prompt["input_ids"])
        prompt["decoder_input_ids"] = torch.full((batch_size, 1), start, device=device)
    return prompt


def input_geometry(spec: ModelSpec, config, sequence_length: int) -> dict:
    """Sequence length, image size and audio seconds of one item, from the config alone.

    Text takes `sequence_length` tokens; images are the config's image size (no sequence
    length); Whisper's encoder takes exactly 2 x max_source_positions frames of 10 ms, and its
    decoder `sequence_length` tokens, at most max_target_positions.
    """
    if spec.input_kind == "image":
        return {"sequence_length": None, "image_size": config.image_size, "audio_seconds": None}
    if spec.input_kind == "audio_features":
        return {
            "sequence_length": min(sequence_length, config.max_target_positions),
            "image_size": None,
            "audio_seconds": 2 * config.max_source_positions / 100.0,
        }
    return {"sequence_length": sequence_length, "image_size": None, "audio_seconds": None}


def build_config(spec: ModelSpec):
    """The transformers config of a catalog row, without building the model."""
    _, config_cls = model_classes(spec)
    return config_cls(**spec.config_overrides)


def config_geometry(spec: ModelSpec, sequence_length: int) -> dict:
    """input_geometry from the catalog config, without building the model."""
    return input_geometry(spec, build_config(spec), sequence_length)


def requested_geometry(spec: ModelSpec, sequence_length: int) -> dict:
    """What the configuration asked for, where the catalog config cannot say more."""
    text = spec.input_kind == "text_tokens"
    return {
        "sequence_length": sequence_length if text else None,
        "image_size": None,
        "audio_seconds": None,
    }


def _to(inputs: ModelInputs, device: str, dtype) -> ModelInputs:
    inputs.tensors = {
        name: t.to(device=device, dtype=dtype) if t.is_floating_point() else t.to(device)
        for name, t in inputs.tensors.items()
    }
    return inputs


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())
