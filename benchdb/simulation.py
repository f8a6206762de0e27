"""Roofline estimates for hardware this host does not have: explicit, flagged, and on record.

latency = max(FLOPs / peak FLOP/s, bytes moved / memory bandwidth) + fixed overhead

FLOPs of one forward pass come from torch's FlopCounterMode, run on the meta device (no memory,
no compute) or, when a model needs real values, once on the CPU. Bytes moved are the weights
plus every operator's outputs written once and read once. Peak figures come from
seeds/hardware_catalog.csv (vendor datasheets; the source of each figure is in the row). The
fixed overhead is a device's only fitted constant: the catalog gives it only where measured rows
of that device were fitted (simulation_accuracy's fitted_overhead_ms, cited in the row); a device
without one is uncalibrated, and its estimate is the roofline bound alone, which the method
record says (`overhead_calibration`) instead of adding an invented figure.
A simulated row is `is_simulated = true` and says why (`simulation_reason`) and how
(`simulation_method`: this method's versioned name and every input, as JSON).

Generation (`benchdb run --kind generate`) has its own roofline (`roofline-generate-v1`,
estimate_generation): the prefill compute-bound, every decode step bound by the bytes of the
weights and the KV cache it reads; docs/simulation.md, "Generation".
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path

from benchdb.paths import HARDWARE_CATALOG_CSV
from runners import landing
from runners.benchmark import BenchmarkConfig, Estimator, RunContext, error_text, skeleton_row
from runners.catalog import ModelSpec
from runners.errors import CatalogError, ConfigurationError

METHOD = "roofline-v1"
PEAK_COLUMNS = {"fp32": "peak_tflops_fp32", "fp16": "peak_tflops_fp16", "bf16": "peak_tflops_bf16"}


@dataclass(frozen=True)
class DeviceSpec:
    hardware_type: str
    device_name: str
    is_default_for_type: bool
    peak_tflops: dict[str, float | None]
    memory_bandwidth_gb_per_s: float
    memory_gb: float | None
    fixed_overhead_ms: float | None  # None: uncalibrated (no measured rows of the device)
    source: str


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
                    fixed_overhead_ms=_number(row, "fixed_overhead_ms", path, line),
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
    cost: ForwardCost, device: DeviceSpec, precision: str
) -> tuple[float, dict]:
    """The roofline latency and every input that produced it (for simulation_method)."""
    peak = device.peak_tflops.get(precision)
    if not peak:
        raise ConfigurationError(
            f"the hardware catalog gives no {precision} peak for {device.device_name}"
        )
    compute_ms = cost.flops / (peak * 1e12) * 1e3
    memory_ms = cost.bytes_moved / (device.memory_bandwidth_gb_per_s * 1e9) * 1e3
    roofline_ms = max(compute_ms, memory_ms)
    overhead = device.fixed_overhead_ms
    latency = roofline_ms + (overhead if overhead is not None else 0.0)
    inputs = {
        "method": METHOD,
        "device_name": device.device_name,
        "precision": precision,
        "peak_tflops": peak,
        "memory_bandwidth_gb_per_s": device.memory_bandwidth_gb_per_s,
        "fixed_overhead_ms": overhead,
        "overhead_calibration": overhead_calibration(device),
        "roofline_ms": roofline_ms,
        "flops": cost.flops,
        "bytes_moved": cost.bytes_moved,
        "operators": cost.operators,
        "counted_on": cost.counted_on,
        "compute_ms": compute_ms,
        "memory_ms": memory_ms,
        "bound": "compute" if compute_ms >= memory_ms else "memory",
        "catalog_source": device.source,
    }
    return latency, inputs


def overhead_calibration(device: DeviceSpec) -> str:
    """Where the device's fixed overhead comes from, in words for the method record."""
    if device.fixed_overhead_ms is None:
        return (
            f"uncalibrated: the hardware catalog has no overhead fitted from measured rows of "
            f"{device.device_name}; the estimate is the roofline bound alone (a lower bound). "
            "Measure with --also-estimate and see simulation_accuracy"
        )
    return "from the hardware catalog (its source cites the measurement it was fitted on)"


def method_record(inputs: dict) -> str:
    return f"{METHOD} " + json.dumps(inputs, sort_keys=True)


def estimator(simulate_devices: dict[str, str] | None = None) -> Estimator:
    """The runner's estimator: a roofline estimate row, with `simulate_devices` (hardware type ->
    hardware catalog device, default the type's default device) choosing what to estimate for."""
    devices = dict(simulate_devices or {})

    def estimate(config: BenchmarkConfig, ctx: RunContext, reason: str) -> dict:
        if config.is_generation:
            return estimate_generation_row(config, ctx, reason, devices.get(config.hardware_type))
        return estimate_row(config, ctx, reason, devices.get(config.hardware_type))

    return estimate


def estimate_row(
    config: BenchmarkConfig, ctx: RunContext, reason: str, device_name: str | None = None
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
        latency_ms, method_inputs = estimate_latency_ms(cost, device, config.precision)
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


# ---------------------------------------------------------------- generation

GENERATION_METHOD = "roofline-generate-v1"


@dataclass(frozen=True)
class GenerationGeometry:
    """What a generation's roofline needs of a model: its weights and its KV cache's shape."""

    parameter_count: int
    weight_bytes: int
    layers: int  # decoder layers holding a self-attention cache
    kv_heads: int
    head_dim: int
    bytes_per_value: int
    is_encoder_decoder: bool
    counted_on: str = "meta"


def generation_geometry(spec: ModelSpec, precision: str) -> GenerationGeometry:
    """The generation class built on the meta device (no memory, no compute): parameters (the
    language-model head included, tied weights once) and the KV cache's geometry."""
    import torch

    from runners.model_factory import model_classes, torch_dtype

    model_cls, config_cls = model_classes(spec, spec.generation_class)
    dtype = torch_dtype(precision)
    config = config_cls(**spec.config_overrides)
    with torch.device("meta"):
        model = model_cls(config)
    model.to(dtype=dtype)
    parameters = list(model.parameters())
    heads = config.num_attention_heads
    head_dim = (
        getattr(config, "head_dim", None)
        or getattr(config, "d_kv", None)
        or config.hidden_size // heads
    )
    return GenerationGeometry(
        parameter_count=sum(p.numel() for p in parameters),
        weight_bytes=sum(p.numel() * p.element_size() for p in parameters),
        layers=getattr(config, "num_decoder_layers", None) or config.num_hidden_layers,
        kv_heads=getattr(config, "num_key_value_heads", None) or heads,
        head_dim=head_dim,
        bytes_per_value=torch.tensor([], dtype=dtype).element_size(),
        is_encoder_decoder=bool(getattr(config, "is_encoder_decoder", False)),
    )


def estimate_generation(
    geometry: GenerationGeometry,
    device: DeviceSpec,
    precision: str,
    batch_size: int,
    input_length: int,
    output_length: int,
) -> tuple[dict, dict]:
    """The roofline of one generation: (metrics, every input that produced them).

    Prefill (TTFT): compute-bound, 2 x parameters x prompt tokens FLOPs at the peak, or the
    weights read once at the memory bandwidth if that is slower. Decode (TPOT): each step reads
    every weight and the KV cache so far (keys and values of every layer, every token in the
    cache, every item) and does 2 x parameters x batch FLOPs; the slower of the two bounds, step
    by step, averaged over the output_length - 1 steps. The device's fixed overhead, where the
    catalog has one, is added to the prefill and to every step, as to a forward pass."""
    peak = device.peak_tflops.get(precision)
    if not peak:
        raise ConfigurationError(
            f"the hardware catalog gives no {precision} peak for {device.device_name}"
        )
    flops_per_second = peak * 1e12
    bytes_per_second = device.memory_bandwidth_gb_per_s * 1e9
    overhead = device.fixed_overhead_ms or 0.0
    # bytes of keys and values one cached token adds, over every layer and item
    kv_bytes_per_token = (
        2 * geometry.layers * geometry.kv_heads * geometry.head_dim * geometry.bytes_per_value
    ) * batch_size

    prefill_flops = 2 * geometry.parameter_count * batch_size * input_length
    prefill_compute_ms = prefill_flops / flops_per_second * 1e3
    prefill_memory_ms = (
        (geometry.weight_bytes + kv_bytes_per_token * input_length) / bytes_per_second * 1e3
    )
    ttft_ms = max(prefill_compute_ms, prefill_memory_ms) + overhead

    step_flops = 2 * geometry.parameter_count * batch_size
    step_compute_ms = step_flops / flops_per_second * 1e3
    steps_ms, step_memory_ms = [], []
    for step in range(1, output_length):
        # a decoder's cache holds prompt and new tokens; an encoder-decoder's decoder reads its
        # own tokens and the encoder's (cross-attention) cache of the prompt
        cached = input_length + step
        memory_ms = (geometry.weight_bytes + kv_bytes_per_token * cached) / bytes_per_second * 1e3
        step_memory_ms.append(memory_ms)
        steps_ms.append(max(step_compute_ms, memory_ms) + overhead)
    tpot_ms = sum(steps_ms) / len(steps_ms) if steps_ms else None
    e2e_ms = ttft_ms + sum(steps_ms)
    metrics = {
        "ttft_ms": ttft_ms,
        "tpot_ms": tpot_ms,
        "e2e_latency_ms": e2e_ms,
        "decode_tokens_per_second": batch_size * 1000.0 / tpot_ms if tpot_ms else None,
        "total_tokens_per_second": batch_size * (input_length + output_length) * 1000.0 / e2e_ms,
    }
    inputs = {
        "method": GENERATION_METHOD,
        "device_name": device.device_name,
        "precision": precision,
        "peak_tflops": peak,
        "memory_bandwidth_gb_per_s": device.memory_bandwidth_gb_per_s,
        "fixed_overhead_ms": device.fixed_overhead_ms,
        "overhead_calibration": overhead_calibration(device),
        "parameter_count": geometry.parameter_count,
        "weight_bytes": geometry.weight_bytes,
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
        # the roofline alone (no overhead): what simulation_accuracy_rows fits an overhead to
        "ttft_roofline_ms": ttft_ms - overhead,
        "tpot_roofline_ms": tpot_ms - overhead if tpot_ms else None,
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
    config: BenchmarkConfig, ctx: RunContext, reason: str, device_name: str | None = None
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
