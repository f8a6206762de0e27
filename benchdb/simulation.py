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

Generation (`benchdb run --kind generate`) has its own roofline (`roofline-generate-v2`,
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

GENERATION_METHOD = "roofline-generate-v2"


# a decoder's cross-attention keys and values: computed once over the encoder's output (the
# prefill), then read from the cache, never multiplied again in a decode step
CROSS_ATTENTION_KV = re.compile(
    r"(EncDecAttention|encoder_attn|crossattention)\.(k|v|k_proj|v_proj|key|value)\."
)


@dataclass(frozen=True)
class GenerationGeometry:
    """What a generation's roofline needs of a model: its weights and its KV cache's shape.

    For a decoder the prompt and every new token run through the same weights. For an
    encoder-decoder the prompt runs through the encoder (encoder_parameter_count) and the
    decoder's cross-attention keys and values (cross_kv_parameter_count), and each generated
    token through the decoder only (step_parameter_count, the language-model head included);
    the prefill is the encoder plus the first decoder step."""

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
    cross_kv_parameter_count: int = 0  # multiplied once per prompt token, cached after

    @property
    def step_parameters(self) -> int:
        return (
            self.parameter_count if self.step_parameter_count is None else self.step_parameter_count
        )

    @property
    def step_bytes(self) -> int:
        return self.weight_bytes if self.step_weight_bytes is None else self.step_weight_bytes

    def prefill_flops(self, batch_size: int, input_length: int) -> int:
        """2 FLOPs per multiply-add, per parameter a token passes through (attention's own
        products over the sequence are not counted: the usual 2 x parameters estimate)."""
        if not self.is_encoder_decoder:
            return 2 * self.step_parameters * batch_size * input_length
        per_prompt_token = self.encoder_parameter_count + self.cross_kv_parameter_count
        return 2 * batch_size * (per_prompt_token * input_length + self.step_parameters)


def generation_geometry(spec: ModelSpec, precision: str) -> GenerationGeometry:
    """The generation class built on the meta device (no memory, no compute): which parameters
    each phase multiplies, and the KV cache's geometry.

    A token multiplies every parameter but its input embedding (a lookup; tied to the
    language-model head, it is multiplied there); an encoder-decoder's prompt runs through the
    encoder and the decoder's cross-attention keys and values, a new token through the rest of
    the decoder and the head."""
    import torch

    from runners.model_factory import model_classes, torch_dtype

    model_cls, config_cls = model_classes(spec, spec.generation_class)
    dtype = torch_dtype(precision)
    config = config_cls(**spec.config_overrides)
    with torch.device("meta"):
        model = model_cls(config)
    model.to(dtype=dtype)
    parameters = {id(p): p for p in model.parameters()}
    is_encoder_decoder = bool(getattr(config, "is_encoder_decoder", False))
    encoder = {id(p) for p in model.get_encoder().parameters()} if is_encoder_decoder else set()
    embedding = {id(p) for p in model.get_input_embeddings().parameters()}
    head_module = model.get_output_embeddings()
    head = {id(p) for p in head_module.parameters()} if head_module is not None else set()
    cross_kv = {id(p) for name, p in model.named_parameters() if CROSS_ATTENTION_KV.search(name)}
    step = (set(parameters) - encoder - embedding - cross_kv) | head
    encoder_matmul = encoder - embedding - head

    def count(ids) -> int:
        return sum(parameters[i].numel() for i in ids)

    heads = config.num_attention_heads
    head_dim = (
        getattr(config, "head_dim", None)
        or getattr(config, "d_kv", None)
        or config.hidden_size // heads
    )
    return GenerationGeometry(
        parameter_count=count(parameters),
        weight_bytes=sum(p.numel() * p.element_size() for p in parameters.values()),
        layers=getattr(config, "num_decoder_layers", None) or config.num_hidden_layers,
        kv_heads=getattr(config, "num_key_value_heads", None) or heads,
        head_dim=head_dim,
        bytes_per_value=torch.tensor([], dtype=dtype).element_size(),
        is_encoder_decoder=is_encoder_decoder,
        step_parameter_count=count(step),
        step_weight_bytes=sum(parameters[i].numel() * parameters[i].element_size() for i in step),
        encoder_parameter_count=count(encoder_matmul),
        cross_kv_parameter_count=count(cross_kv),
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
    2 x parameters x prompt tokens; an encoder-decoder: the encoder over the prompt plus one
    decoder step), or every weight read once (and the KV cache written) at the memory bandwidth
    if that is slower. Decode (TPOT): each step reads the weights a step multiplies and the KV
    cache so far (keys and values of every layer, every token in the cache, every item) and
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

    prefill_flops = geometry.prefill_flops(batch_size, input_length)
    prefill_compute_ms = prefill_flops / flops_per_second * 1e3
    prefill_memory_ms = (
        (geometry.weight_bytes + kv_bytes_per_token * input_length) / bytes_per_second * 1e3
    )
    ttft_roofline_ms = max(prefill_compute_ms, prefill_memory_ms)
    ttft_ms = calib.apply(ttft_fit, ttft_roofline_ms)

    step_flops = 2 * geometry.step_parameters * batch_size
    step_compute_ms = step_flops / flops_per_second * 1e3
    roofline_steps_ms, step_memory_ms = [], []
    for step in range(1, output_length):
        # a decoder's cache holds prompt and new tokens; an encoder-decoder's decoder reads its
        # own tokens and the encoder's (cross-attention) cache of the prompt
        cached = input_length + step
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
            input_shapes=json.dumps({"input_ids": [config.batch_size, config.sequence_length]}),
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
