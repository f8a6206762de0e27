"""Roofline estimates for hardware this host does not have: explicit, flagged, and on record.

roofline = max(FLOPs / peak FLOP/s, bytes moved / memory bandwidth)
latency  = roofline x factor (+ overhead), the device's calibration, where it has one

FLOPs of one forward pass come from torch's FlopCounterMode, run on the meta device (no memory,
no compute) or, when a model needs real values, once on the CPU. Bytes moved are the weights
plus every operator's outputs written once and read once. Peak figures come from
seeds/hardware_catalog.csv (vendor datasheets; the source of each figure is in the row). The
catalog holds no fitted constant: a device's calibration is fitted in the warehouse from its
measured rows (simulation_accuracy, benchdb/calibration.py) and recorded whole on each estimate
(`calibration`); a device without one is uncalibrated, its estimate is the roofline bound alone,
and the method record says so (`calibration: null`, `calibration_note`) instead of adding an
invented figure.
A simulated row is `is_simulated = true` and says why (`simulation_reason`) and how
(`simulation_method`: this method's versioned name and every input, as JSON).

Generation (`benchdb run --kind generate`) has its own roofline (`roofline-generate-v3`,
estimate_generation): the prefill compute-bound, every decode step bound by the bytes of the
weights and the KV cache it reads; docs/simulation.md, "Generation".
"""

from __future__ import annotations

import csv
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from benchdb import calibration as calib
from benchdb.calibration import Calibration, Calibrations
from benchdb.paths import HARDWARE_CATALOG_CSV
from runners import landing
from runners.benchmark import BenchmarkConfig, Estimator, RunContext, error_text, skeleton_row
from runners.catalog import ModelSpec
from runners.errors import CatalogError, ConfigurationError

METHOD = "roofline-v2"
PEAK_COLUMNS = {"fp32": "peak_tflops_fp32", "fp16": "peak_tflops_fp16", "bf16": "peak_tflops_bf16"}


@dataclass(frozen=True)
class DeviceSpec:
    hardware_type: str
    device_name: str
    is_default_for_type: bool
    peak_tflops: dict[str, float | None]
    memory_bandwidth_gb_per_s: float
    memory_gb: float | None
    source: str

    def rates(self, precision: str) -> tuple[float, float, float]:
        """(peak TFLOP/s, FLOP/s, bytes/s) of the precision; refused where the catalog gives no
        peak for it (a T4 has no bf16)."""
        peak = self.peak_tflops.get(precision)
        if not peak:
            raise ConfigurationError(
                f"the hardware catalog gives no {precision} peak for {self.device_name}"
            )
        return peak, peak * 1e12, self.memory_bandwidth_gb_per_s * 1e9


def _number(row: dict, column: str, path: Path, line: int) -> float | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise CatalogError(f"{path}:{line}: {column} '{text}' is not a number") from None


def load_hardware_catalog(path: Path = HARDWARE_CATALOG_CSV) -> list[DeviceSpec]:
    devices = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            for column in ("hardware_type", "device_name", "memory_bandwidth_gb_per_s", "source"):
                if not (row.get(column) or "").strip():
                    raise CatalogError(f"{path}:{line}: hardware catalog row lacks '{column}'")
            devices.append(
                DeviceSpec(
                    hardware_type=row["hardware_type"].strip(),
                    device_name=row["device_name"].strip(),
                    is_default_for_type=row.get("is_default_for_type", "").strip().lower()
                    == "true",
                    peak_tflops={p: _number(row, c, path, line) for p, c in PEAK_COLUMNS.items()},
                    memory_bandwidth_gb_per_s=_number(row, "memory_bandwidth_gb_per_s", path, line),
                    memory_gb=_number(row, "memory_gb", path, line),
                    source=row["source"].strip(),
                )
            )
    return devices


def pick_device(
    hardware_type: str, device_name: str | None = None, catalog: list[DeviceSpec] | None = None
) -> DeviceSpec:
    """The catalog entry to estimate with: the named device, else the type's default."""
    catalog = catalog if catalog is not None else load_hardware_catalog()
    candidates = [d for d in catalog if d.hardware_type == hardware_type]
    if device_name:
        for device in candidates:
            if device.device_name == device_name:
                return device
        names = ", ".join(d.device_name for d in candidates) or "none"
        raise ConfigurationError(
            f"no device '{device_name}' for {hardware_type} in the hardware catalog "
            f"(known: {names})"
        )
    defaults = [d for d in candidates if d.is_default_for_type] or candidates
    if not defaults:
        raise ConfigurationError(f"the hardware catalog has no {hardware_type} device to simulate")
    return defaults[0]


@dataclass(frozen=True)
class ForwardCost:
    flops: int
    bytes_moved: int
    operators: int
    counted_on: str
    parameter_count: int


def count_forward_cost(
    spec: ModelSpec, batch_size: int, sequence_length: int, precision: str
) -> tuple[ForwardCost, object]:
    """FLOPs and bytes of one forward pass; returns (cost, the ModelInputs used)."""
    from runners.model_factory import model_classes, torch_dtype

    model_cls, config_cls = model_classes(spec)
    dtype = torch_dtype(precision)
    try:
        return _count(model_cls, config_cls, spec, batch_size, sequence_length, dtype, "meta")
    except (RuntimeError, NotImplementedError):
        # some models read tensor values while building masks: count on the CPU instead
        return _count(model_cls, config_cls, spec, batch_size, sequence_length, dtype, "cpu")


def _count(model_cls, config_cls, spec, batch_size, sequence_length, dtype, device):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from runners.model_factory import make_inputs

    with torch.device(device):
        model = model_cls(config_cls(**spec.config_overrides))
    model.to(dtype=dtype).eval()
    inputs = make_inputs(spec, model.config, batch_size, sequence_length, device, dtype)
    tensors = dict(inputs.tensors)
    if device == "meta":
        # a mask of ones changes no FLOPs, and building it reads values the meta device lacks
        tensors.pop("attention_mask", None)
    counter = _ByteCounter()
    flops = FlopCounterMode(display=False)
    with torch.inference_mode(), flops, counter:
        model(**tensors)
    parameters = list(model.parameters())
    weight_bytes = sum(p.numel() * p.element_size() for p in parameters)
    cost = ForwardCost(
        flops=int(flops.get_total_flops()),
        bytes_moved=weight_bytes + 2 * counter.output_bytes,
        operators=counter.operators,
        counted_on=device,
        parameter_count=sum(p.numel() for p in parameters),
    )
    return cost, inputs


class _ByteCounter:
    """Counts operators and the bytes of every new (non-view) tensor they produce."""

    def __init__(self) -> None:
        self.output_bytes = 0
        self.operators = 0
        self._mode = None

    def __enter__(self):
        import torch
        from torch.utils._python_dispatch import TorchDispatchMode
        from torch.utils._pytree import tree_leaves

        counter = self

        class Mode(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                out = func(*args, **(kwargs or {}))
                counter.operators += 1
                if not any(r.alias_info for r in func._schema.returns):
                    for t in tree_leaves(out):
                        if isinstance(t, torch.Tensor):
                            counter.output_bytes += t.numel() * t.element_size()
                return out

        self._mode = Mode()
        self._mode.__enter__()
        return self

    def __exit__(self, *exc):
        return self._mode.__exit__(*exc)


def estimate_latency_ms(
    cost: ForwardCost,
    device: DeviceSpec,
    precision: str,
    calibration: Calibration | None = None,
    calibration_note: str | None = None,
) -> tuple[float, dict]:
    """The roofline latency, calibrated where the device has a calibration, and every input
    that produced it (for simulation_method)."""
    peak, flops_per_second, bytes_per_second = device.rates(precision)
    compute_ms = cost.flops / flops_per_second * 1e3
    memory_ms = cost.bytes_moved / bytes_per_second * 1e3
    roofline_ms = max(compute_ms, memory_ms)
    inputs = {
        "method": METHOD,
        "device_name": device.device_name,
        "precision": precision,
        "peak_tflops": peak,
        "memory_bandwidth_gb_per_s": device.memory_bandwidth_gb_per_s,
        "roofline_ms": roofline_ms,
        "flops": cost.flops,
        "bytes_moved": cost.bytes_moved,
        "operators": cost.operators,
        "counted_on": cost.counted_on,
        "compute_ms": compute_ms,
        "memory_ms": memory_ms,
        "bound": "compute" if compute_ms >= memory_ms else "memory",
        "catalog_source": device.source,
        **calibration_fields(device, "latency", calibration, calibration_note),
    }
    return calib.apply(calibration, roofline_ms), inputs


def calibration_fields(
    device: DeviceSpec, metric: str, calibration: Calibration | None, note: str | None
) -> dict:
    """What an estimate records of its calibration: the fit whole, or null and why."""
    return {
        "calibration": calibration.record() if calibration else None,
        "calibration_note": note
        or calib.uncalibrated_note(
            device.device_name, metric, "no calibration was looked up for this estimate"
        ),
    }


def method_record(inputs: dict) -> str:
    return f"{METHOD} " + json.dumps(inputs, sort_keys=True)


def estimator(
    simulate_devices: dict[str, str] | None = None, calibration_db: Path | None = None
) -> Estimator:
    """The runner's estimator: a roofline estimate row, with `simulate_devices` (hardware type ->
    hardware catalog device, default the type's default device) choosing what to estimate for,
    calibrated by the fits of the warehouse file `calibration_db` (default:
    calibration.warehouse_for(None)), read once, when the first estimate is made."""
    devices = dict(simulate_devices or {})
    calibrations = Calibrations(calibration_db or calib.warehouse_for(None))

    def estimate(config: BenchmarkConfig, ctx: RunContext, reason: str) -> dict:
        device_name = devices.get(config.hardware_type)
        if config.is_generation:
            return estimate_generation_row(config, ctx, reason, device_name, calibrations)
        return estimate_row(config, ctx, reason, device_name, calibrations)

    return estimate


def estimate_row(
    config: BenchmarkConfig,
    ctx: RunContext,
    reason: str,
    device_name: str | None = None,
    calibrations: Calibrations | None = None,
) -> dict:
    """A roofline estimate as a landing row: flagged simulated, with why and how. Never a
    measurement."""
    from runners.model_factory import UnsupportedConfiguration

    started = time.perf_counter()
    row = skeleton_row(config, ctx, landing.utc_now())
    row["result_id"] = landing.derived_id(row["result_id"], "simulated")
    row.update(ctx.host_environment())
    row.update(is_simulated=True, simulation_reason=reason, weights_source="none (estimate)")
    try:
        device = pick_device(config.hardware_type, device_name)
        row.update(device_name=device.device_name, device_memory_gb=device.memory_gb)
        cost, inputs = count_forward_cost(
            config.spec, config.batch_size, config.sequence_length, config.precision
        )
        fit, note = _lookup(calibrations, device, "latency")
        latency_ms, method_inputs = estimate_latency_ms(cost, device, config.precision, fit, note)
    except UnsupportedConfiguration as exc:
        row.update(
            status="unsupported", error_type="UnsupportedConfiguration", error_message=str(exc)
        )
    except ConfigurationError as exc:
        row.update(status="unsupported", error_type="SimulationUnsupported", error_message=str(exc))
    except Exception as exc:
        row.update(status="failed", error_type=type(exc).__name__, error_message=error_text(exc))
    else:
        items = config.batch_size * 1000.0 / latency_ms
        row.update(
            status="completed",
            device=cost.counted_on,
            parameter_count=cost.parameter_count,
            sequence_length=inputs.sequence_length,
            image_size=inputs.image_size,
            audio_seconds=inputs.audio_seconds,
            input_shapes=json.dumps(inputs.shapes()),
            latency_mean_ms=latency_ms,
            latency_p50_ms=latency_ms,
            throughput_items_per_second=items,
            throughput_tokens_per_second=(
                items * inputs.tokens_per_item if inputs.tokens_per_item else None
            ),
            simulation_method=method_record(method_inputs),
        )
    row["total_seconds"] = time.perf_counter() - started
    return row


def _lookup(calibrations: Calibrations | None, device: DeviceSpec, metric: str):
    if calibrations is None:
        return None, None
    return calibrations.lookup(device.hardware_type, device.device_name, metric)


# ---------------------------------------------------------------- generation

GENERATION_METHOD = "roofline-generate-v3"


# a decoder's cross-attention keys and values: computed once over the encoder's output (the
# prefill), then read from the cache, never multiplied again in a decode step
CROSS_ATTENTION_KV = re.compile(
    r"(EncDecAttention|encoder_attn|crossattention)\.(k|v|k_proj|v_proj|key|value)\."
)


@dataclass(frozen=True)
class GenerationGeometry:
    """What a generation's roofline needs of a model: its weights and its KV cache's shape.

    For a decoder the prompt and every new token run through the same weights. For a text
    encoder-decoder (t5) the prompt runs through the encoder (encoder_parameter_count) and the
    decoder's cross-attention keys and values (cross_kv_parameter_count), and each generated
    token through the decoder only (step_parameter_count, the language-model head included);
    the prefill is the encoder plus the first decoder step over the start token. An audio
    encoder-decoder (whisper, `audio_input`) hears the runner's whole audio window: its
    encoder's FLOPs are counted over it (encoder_flops_per_item), its output has
    encoder_positions positions (the cross-attention keys and values, computed once and cached,
    read by every decode step), and the prompt's tokens go to the decoder."""

    parameter_count: int
    weight_bytes: int
    layers: int  # decoder layers holding a self-attention cache
    kv_heads: int
    head_dim: int
    bytes_per_value: int
    is_encoder_decoder: bool
    counted_on: str = "meta"
    # multiplied once per generated token (default: every parameter, a decoder's case)
    step_parameter_count: int | None = None
    step_weight_bytes: int | None = None  # read once per decode step (default: weight_bytes)
    encoder_parameter_count: int = 0  # multiplied once per prompt token, in the encoder
    cross_kv_parameter_count: int = 0  # multiplied once per encoder position, cached after
    # the language-model head (part of step_parameter_count): multiplied once per position
    # whose logits are computed; the prefill computes only the last one's where the model
    # takes `logits_to_keep` (the runner passes 1, as `generate` does), else every position's
    head_parameter_count: int = 0
    prefill_logits_last_only: bool = False
    # an audio encoder-decoder: the prompt's tokens go to the decoder, the encoder hears the
    # runner's audio window (audio_frames mel frames), counted by FlopCounterMode
    audio_input: bool = False
    audio_frames: int | None = None
    audio_mel_bins: int | None = None
    encoder_positions: int | None = None
    encoder_flops_per_item: int | None = None

    @property
    def step_parameters(self) -> int:
        return (
            self.parameter_count if self.step_parameter_count is None else self.step_parameter_count
        )

    @property
    def step_bytes(self) -> int:
        return self.weight_bytes if self.step_weight_bytes is None else self.step_weight_bytes

    def prompt_shapes(self, batch_size: int, input_length: int) -> dict[str, list[int]]:
        """The shapes of the prompt the runner feeds (runners.model_factory.make_prompt)."""
        if self.audio_input:
            mel_bins = self.audio_mel_bins
            return {
                "input_features": [batch_size, mel_bins, self.audio_frames],
                "decoder_input_ids": [batch_size, input_length],
            }
        shapes = {"input_ids": [batch_size, input_length]}
        if self.is_encoder_decoder:
            shapes["attention_mask"] = [batch_size, input_length]
            shapes["decoder_input_ids"] = [batch_size, 1]
        return shapes

    def decoder_prompt_positions(self, input_length: int) -> int:
        """Positions the decoder runs over in the prefill (and caches): the prompt's, but a text
        encoder-decoder's decoder starts from its one start token."""
        return 1 if self.is_encoder_decoder and not self.audio_input else input_length

    def cross_positions(self, input_length: int) -> int:
        """Positions of the cross-attention cache every decode step reads: the encoder's output
        (a text encoder's: the prompt; an audio encoder's: encoder_positions); none for a
        decoder."""
        if not self.is_encoder_decoder:
            return 0
        return self.encoder_positions if self.audio_input else input_length

    def prefill_flops(self, batch_size: int, input_length: int) -> int:
        """2 FLOPs per multiply-add, per parameter a position passes through (the decoder's
        attention products over the sequence are not counted: the usual 2 x parameters
        estimate), plus an audio encoder's counted FLOPs."""
        decoder_positions = self.decoder_prompt_positions(input_length)
        head_positions = 1 if self.prefill_logits_last_only else decoder_positions
        body = self.step_parameters - self.head_parameter_count
        decoder = body * decoder_positions + self.head_parameter_count * head_positions
        if not self.is_encoder_decoder:
            return 2 * batch_size * decoder
        if not self.audio_input:
            per_prompt_token = self.encoder_parameter_count + self.cross_kv_parameter_count
            return 2 * batch_size * (per_prompt_token * input_length + decoder)
        cross = self.cross_kv_parameter_count * self.encoder_positions
        return batch_size * self.encoder_flops_per_item + 2 * batch_size * (cross + decoder)


def _lookups(model) -> set[int]:
    """Parameters read by index, never multiplied: every embedding table (token, position,
    t5's relative attention buckets)."""
    import torch

    return {
        id(p)
        for module in model.modules()
        if isinstance(module, torch.nn.Embedding)
        for p in module.parameters()
    }


def _audio_encoder(model, config, dtype) -> tuple[int, int, int, int]:
    """(mel bins, mel frames, encoder output positions, encoder FLOPs per item) of an audio
    encoder fed what the runner feeds it: runners.model_factory.make_prompt's features (the
    config's whole audio window), through the encoder on the meta device under FlopCounterMode
    (convolutions, projections and attention's products over every position, as a forward
    estimate counts them)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from runners.model_factory import make_prompt

    prompt = make_prompt(config, 1, 1, "meta", "audio_features", dtype)
    features = prompt["input_features"]
    flops = FlopCounterMode(display=False)
    with torch.inference_mode(), flops:
        hidden = model.get_encoder()(features).last_hidden_state
    mel_bins, frames = features.shape[1:]
    return int(mel_bins), int(frames), int(hidden.shape[1]), int(flops.get_total_flops())


def generation_geometry(spec: ModelSpec, precision: str) -> GenerationGeometry:
    """The generation class built on the meta device (no memory, no compute): which parameters
    each phase multiplies, and the KV cache's geometry.

    A position multiplies every parameter but the embeddings (lookups: the token embedding,
    position embeddings, t5's relative attention buckets; a token embedding tied to the
    language-model head is multiplied there); a text encoder-decoder's prompt runs through the
    encoder and the decoder's cross-attention keys and values, a new token through the rest of
    the decoder and the head. An audio encoder (whisper) is run on the meta device over the
    runner's own audio window, for its FLOPs and its output positions."""
    import inspect

    import torch

    from runners.model_factory import model_classes, torch_dtype

    model_cls, config_cls = model_classes(spec, spec.generation_class)
    dtype = torch_dtype(precision)
    config = config_cls(**spec.config_overrides)
    with torch.device("meta"):
        model = model_cls(config)
    model.to(dtype=dtype).eval()
    parameters = {id(p): p for p in model.parameters()}
    is_encoder_decoder = bool(getattr(config, "is_encoder_decoder", False))
    encoder = {id(p) for p in model.get_encoder().parameters()} if is_encoder_decoder else set()
    head_module = model.get_output_embeddings()
    head = {id(p) for p in head_module.parameters()} if head_module is not None else set()
    lookups = _lookups(model) - head
    cross_kv = {id(p) for name, p in model.named_parameters() if CROSS_ATTENTION_KV.search(name)}
    step = (set(parameters) - encoder - lookups - cross_kv) | head
    encoder_matmul = encoder - lookups - head
    audio = spec.input_kind == "audio_features"
    mel_bins, frames, positions, encoder_flops = (
        _audio_encoder(model, config, dtype) if audio else (None, None, None, None)
    )

    def count(ids) -> int:
        return sum(parameters[i].numel() for i in ids)

    # the decoder's cache: whisper's config names its decoder apart (decoder_layers,
    # decoder_attention_heads; its num_hidden_layers and num_attention_heads are the encoder's)
    decoder_heads = getattr(config, "decoder_attention_heads", None)
    heads = decoder_heads or config.num_attention_heads
    head_dim = (
        getattr(config, "head_dim", None)
        or getattr(config, "d_kv", None)
        or config.hidden_size // heads
    )
    layers = (
        getattr(config, "num_decoder_layers", None)
        or getattr(config, "decoder_layers", None)
        or config.num_hidden_layers
    )
    return GenerationGeometry(
        parameter_count=count(parameters),
        weight_bytes=sum(p.numel() * p.element_size() for p in parameters.values()),
        layers=layers,
        kv_heads=decoder_heads or getattr(config, "num_key_value_heads", None) or heads,
        head_dim=head_dim,
        bytes_per_value=torch.tensor([], dtype=dtype).element_size(),
        is_encoder_decoder=is_encoder_decoder,
        step_parameter_count=count(step),
        step_weight_bytes=sum(parameters[i].numel() * parameters[i].element_size() for i in step),
        encoder_parameter_count=count(encoder_matmul),
        cross_kv_parameter_count=count(cross_kv),
        head_parameter_count=count(head),
        # the runner's prefill option (runners/generation.py, GreedyGeneration)
        prefill_logits_last_only="logits_to_keep" in inspect.signature(model.forward).parameters,
        audio_input=audio,
        audio_frames=frames,
        audio_mel_bins=mel_bins,
        encoder_positions=positions,
        encoder_flops_per_item=encoder_flops,
    )


def estimate_generation(
    geometry: GenerationGeometry,
    device: DeviceSpec,
    precision: str,
    batch_size: int,
    input_length: int,
    output_length: int,
    calibrations: dict[str, tuple[Calibration | None, str | None]] | None = None,
) -> tuple[dict, dict]:
    """The roofline of one generation: (metrics, every input that produced them).

    Prefill (TTFT): compute-bound, GenerationGeometry.prefill_flops at the peak (a decoder:
    2 x parameters x prompt tokens, the head once; a text encoder-decoder: the encoder over the
    prompt plus one decoder step; an audio encoder-decoder: its encoder's counted FLOPs over the
    audio window, the cross keys and values over the encoder's positions, the decoder over the
    prompt), or every weight read once (and the KV cache written) at the memory bandwidth if
    that is slower. Decode (TPOT): each step reads the weights a step multiplies and the KV
    cache so far (keys and values of every layer, every position in the self- and
    cross-attention caches, every item) and
    does 2 x step parameters x batch FLOPs; the slower of the two bounds, step by step,
    averaged over the output_length - 1 steps. `calibrations` (metric 'ttft' / 'tpot' ->
    (fit, note)) scales the prefill and every step by the device's fit, where it has one."""
    calibrations = calibrations or {}
    ttft_fit, ttft_note = calibrations.get("ttft", (None, None))
    tpot_fit, tpot_note = calibrations.get("tpot", (None, None))
    peak, flops_per_second, bytes_per_second = device.rates(precision)
    # bytes of keys and values one cached token adds, over every layer and item
    kv_bytes_per_token = (
        2 * geometry.layers * geometry.kv_heads * geometry.head_dim * geometry.bytes_per_value
    ) * batch_size

    # positions cached by the prefill: the decoder's own (its prompt, or a text
    # encoder-decoder's start token) and the cross-attention cache of the encoder's output
    decoder_positions = geometry.decoder_prompt_positions(input_length)
    cross_positions = geometry.cross_positions(input_length)

    prefill_flops = geometry.prefill_flops(batch_size, input_length)
    prefill_compute_ms = prefill_flops / flops_per_second * 1e3
    prefill_cached = decoder_positions + cross_positions
    prefill_memory_ms = (
        (geometry.weight_bytes + kv_bytes_per_token * prefill_cached) / bytes_per_second * 1e3
    )
    ttft_roofline_ms = max(prefill_compute_ms, prefill_memory_ms)
    ttft_ms = calib.apply(ttft_fit, ttft_roofline_ms)

    step_flops = 2 * geometry.step_parameters * batch_size
    step_compute_ms = step_flops / flops_per_second * 1e3
    roofline_steps_ms, step_memory_ms = [], []
    for step in range(1, output_length):
        # a decoder's cache holds prompt and new tokens; an encoder-decoder's decoder reads its
        # own tokens and the cross-attention cache of the encoder's output
        cached = decoder_positions + step + cross_positions
        memory_ms = (geometry.step_bytes + kv_bytes_per_token * cached) / bytes_per_second * 1e3
        step_memory_ms.append(memory_ms)
        roofline_steps_ms.append(max(step_compute_ms, memory_ms))
    steps_ms = [calib.apply(tpot_fit, ms) for ms in roofline_steps_ms]
    tpot_ms = sum(steps_ms) / len(steps_ms) if steps_ms else None
    tpot_roofline_ms = (
        sum(roofline_steps_ms) / len(roofline_steps_ms) if roofline_steps_ms else None
    )
    e2e_ms = ttft_ms + sum(steps_ms)
    metrics = {
        "ttft_ms": ttft_ms,
        "tpot_ms": tpot_ms,
        "e2e_latency_ms": e2e_ms,
        "decode_tokens_per_second": batch_size * 1000.0 / tpot_ms if tpot_ms else None,
        "total_tokens_per_second": batch_size * (input_length + output_length) * 1000.0 / e2e_ms,
    }
    ttft_fields = calibration_fields(device, "ttft", ttft_fit, ttft_note)
    tpot_fields = calibration_fields(device, "tpot", tpot_fit, tpot_note)
    inputs = {
        "method": GENERATION_METHOD,
        "device_name": device.device_name,
        "precision": precision,
        "peak_tflops": peak,
        "memory_bandwidth_gb_per_s": device.memory_bandwidth_gb_per_s,
        "parameter_count": geometry.parameter_count,
        "weight_bytes": geometry.weight_bytes,
        "step_parameter_count": geometry.step_parameters,
        "step_weight_bytes": geometry.step_bytes,
        "encoder_parameter_count": geometry.encoder_parameter_count,
        "cross_kv_parameter_count": geometry.cross_kv_parameter_count,
        "is_encoder_decoder": geometry.is_encoder_decoder,
        "kv_bytes_per_token": kv_bytes_per_token,
        "decoder_prompt_positions": decoder_positions,
        "cross_attention_positions": cross_positions,
        "head_parameter_count": geometry.head_parameter_count,
        "prefill_logits_last_only": geometry.prefill_logits_last_only,
        "audio_frames": geometry.audio_frames,
        "encoder_flops_per_item": geometry.encoder_flops_per_item,
        "kv_geometry": {
            "layers": geometry.layers,
            "kv_heads": geometry.kv_heads,
            "head_dim": geometry.head_dim,
            "bytes_per_value": geometry.bytes_per_value,
        },
        "prefill_flops": prefill_flops,
        "prefill_compute_ms": prefill_compute_ms,
        "prefill_memory_ms": prefill_memory_ms,
        "prefill_bound": "compute" if prefill_compute_ms >= prefill_memory_ms else "memory",
        "decode_step_flops": step_flops,
        "decode_compute_ms": step_compute_ms,
        "decode_memory_ms_first": step_memory_ms[0] if step_memory_ms else None,
        "decode_memory_ms_last": step_memory_ms[-1] if step_memory_ms else None,
        "decode_bound": _decode_bound(step_compute_ms, step_memory_ms),
        # the roofline alone (uncalibrated): what simulation_accuracy_rows fits a calibration to
        "ttft_roofline_ms": ttft_roofline_ms,
        "tpot_roofline_ms": tpot_roofline_ms,
        "ttft_calibration": ttft_fields["calibration"],
        "ttft_calibration_note": ttft_fields["calibration_note"],
        "tpot_calibration": tpot_fields["calibration"],
        "tpot_calibration_note": tpot_fields["calibration_note"],
        "counted_on": geometry.counted_on,
        "catalog_source": device.source,
    }
    return metrics, inputs


def _decode_bound(compute_ms: float, memory_ms: list[float]) -> str | None:
    """Which bound the decode steps hit (the last step reads the largest cache)."""
    if not memory_ms:
        return None
    return "compute" if compute_ms >= max(memory_ms) else "memory"


def generation_method_record(inputs: dict) -> str:
    return f"{GENERATION_METHOD} " + json.dumps(inputs, sort_keys=True)


def estimate_generation_row(
    config: BenchmarkConfig,
    ctx: RunContext,
    reason: str,
    device_name: str | None = None,
    calibrations: Calibrations | None = None,
) -> dict:
    """A generation's roofline estimate as a generation_results row: flagged simulated, with
    why and how, no samples (nothing was timed). Never a measurement."""
    from runners.capabilities import check_generation

    started = time.perf_counter()
    row = skeleton_row(config, ctx, landing.utc_now())
    row["result_id"] = landing.derived_id(row["result_id"], "simulated")
    row.update(ctx.host_environment())
    row.update(is_simulated=True, simulation_reason=reason, weights_source="none (estimate)")
    try:
        device = pick_device(config.hardware_type, device_name)
        row.update(device_name=device.device_name, device_memory_gb=device.memory_gb)
        from runners.model_factory import build_config

        refused = check_generation(
            config.spec, build_config(config.spec), config.sequence_length, config.output_length
        )
        if refused:
            row.update(
                status="unsupported",
                error_type=refused.error_type,
                error_message=refused.message,
            )
            row["total_seconds"] = time.perf_counter() - started
            return row
        geometry = generation_geometry(config.spec, config.precision)
        metrics, method_inputs = estimate_generation(
            geometry,
            device,
            config.precision,
            config.batch_size,
            config.sequence_length,
            config.output_length,
            {metric: _lookup(calibrations, device, metric) for metric in ("ttft", "tpot")},
        )
    except ConfigurationError as exc:
        row.update(status="unsupported", error_type="SimulationUnsupported", error_message=str(exc))
    except Exception as exc:
        row.update(status="failed", error_type=type(exc).__name__, error_message=error_text(exc))
    else:
        row.update(
            status="completed",
            device=geometry.counted_on,
            parameter_count=geometry.parameter_count,
            model_class=config.spec.generation_class,
            generated_tokens=config.output_length,
            input_shapes=json.dumps(
                geometry.prompt_shapes(config.batch_size, config.sequence_length)
            ),
            ttft_mean_ms=metrics["ttft_ms"],
            ttft_p50_ms=metrics["ttft_ms"],
            tpot_mean_ms=metrics["tpot_ms"],
            tpot_p50_ms=metrics["tpot_ms"],
            e2e_latency_mean_ms=metrics["e2e_latency_ms"],
            e2e_latency_p50_ms=metrics["e2e_latency_ms"],
            decode_tokens_per_second=metrics["decode_tokens_per_second"],
            total_tokens_per_second=metrics["total_tokens_per_second"],
            simulation_method=generation_method_record(method_inputs),
        )
    row["total_seconds"] = time.perf_counter() - started
    return row
