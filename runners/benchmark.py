"""Run benchmark configurations for real and land every outcome as a row.

One configuration = one model x hardware type x precision x batch size x sequence length. Each
is built fresh (so its memory reading includes the weights), warmed up and timed; anything that
goes wrong (unavailable hardware, unsupported precision, out of memory, an exception, the time
limit) becomes a row with its status and error, and the run goes on.
"""

from __future__ import annotations

import gc
import itertools
import json
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from runners import landing
from runners.catalog import ModelSpec
from runners.environment import collect_environment, command_line, git_state
from runners.errors import ConfigurationError
from runners.hardware import KNOWN_HARDWARE, RUNNABLE_HARDWARE, Detection, detect, torch_device
from runners.memory import MemoryTracker
from runners.model_factory import (
    PRECISIONS,
    UnsupportedConfiguration,
    build_model,
    config_geometry,
    count_parameters,
    make_inputs,
    model_classes,
    torch_dtype,
)
from runners.timing import TimingSettings, measure_latency, summarize

STATUSES = ("completed", "failed", "oom", "timeout", "unsupported", "unavailable")
# statuses that mean the configuration could not be measured on this host, not that it broke
NOT_RUN_STATUSES = ("unsupported", "unavailable")
MAX_ERROR_CHARS = 4000


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


# Builds a flagged estimate row for a configuration that was not (or not only) measured: given the
# configuration, the run's context and the reason, returns a landing row. The runner has none of
# its own; the warehouse side's roofline (`benchdb.simulation.estimate_row`) is passed in.
Estimator = Callable[["BenchmarkConfig", "RunContext", str], dict]


@dataclass
class RunContext:
    run_id: str
    settings: TimingSettings
    detections: dict[str, Detection]
    weights_dir: Path | None = None
    host: str | None = None
    estimator: Estimator | None = None
    # estimate configurations whose hardware is unavailable, instead of skipping them
    estimate_unavailable: bool = False
    # also estimate configurations that were measured, to calibrate the estimates
    estimate_measured: bool = False
    environments: dict[str, dict] = field(default_factory=dict)

    def host_environment(self) -> dict:
        """The host's software, without any device fields: for rows no device ran."""
        return {k: v for k, v in self.environment("cpu").items() if not k.startswith("device_")}

    def environment(self, device: str) -> dict:
        if device not in self.environments:
            self.environments[device] = collect_environment(device)
        return self.environments[device]


def error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {Path(last.filename).name}:{last.lineno} in {last.name})"
    return text[:MAX_ERROR_CHARS]


def _is_unsupported_dtype_error(exc: BaseException) -> bool:
    message = str(exc)
    return isinstance(exc, NotImplementedError) or (
        "not implemented for" in message
        or "does not support" in message
        or "Unsupported dtype" in message
        or "unsupported ScalarType" in message
    )


def skeleton_row(config: BenchmarkConfig, ctx: RunContext, measured_at: datetime) -> dict:
    spec = config.spec
    return {
        "result_id": landing.derived_id(
            ctx.run_id,
            spec.model_name,
            config.hardware_type,
            config.precision,
            config.batch_size,
            config.sequence_length,
        ),
        "run_id": ctx.run_id,
        "measured_at": measured_at,
        "model_name": spec.model_name,
        "model_family": spec.model_family,
        "modality": spec.modality,
        "hardware_type": config.hardware_type,
        "batch_size": config.batch_size,
        **config_geometry(spec, config.sequence_length),
        "precision": config.precision,
        "host": ctx.host,
        "min_iterations": ctx.settings.min_iterations,
        "min_duration_seconds": ctx.settings.min_duration_seconds,
        "is_simulated": False,
    }


def run_configuration(config: BenchmarkConfig, ctx: RunContext) -> dict:
    """Measure one configuration; always returns a row, whatever happened."""
    started = time.perf_counter()
    row = skeleton_row(config, ctx, landing.utc_now())
    detection = ctx.detections[config.hardware_type]
    if not detection.is_available:
        if ctx.estimator and ctx.estimate_unavailable:
            return ctx.estimator(
                config,
                ctx,
                f"{config.hardware_type} unavailable on host {ctx.host}: {detection.reason}",
            )
        # the software that looked for the hardware, so a later version can look again
        row.update(ctx.host_environment())
        row.update(
            status="unavailable",
            error_type="HardwareUnavailable",
            error_message=f"{config.hardware_type} unavailable: {detection.reason}",
        )
        return row
    if config.hardware_type not in RUNNABLE_HARDWARE:
        row.update(ctx.host_environment())
        row.update(
            status="unsupported",
            error_type="RunnerUnsupported",
            error_message=f"the torch runner cannot execute on {config.hardware_type}",
        )
        return row

    import torch

    device = torch_device(config.hardware_type)
    row.update(device=device, **ctx.environment(device))
    if (
        config.precision == "bf16"
        and device.startswith("cuda")
        and not torch.cuda.is_bf16_supported()
    ):
        row.update(
            status="unsupported",
            error_type="PrecisionUnsupported",
            error_message=f"{row['device_name']} does not support bf16",
        )
        row["total_seconds"] = time.perf_counter() - started
        return row

    model = inputs = tensors = None
    tracker = MemoryTracker(device)
    try:
        model_classes(config.spec)  # lazy transformers imports stay out of the memory reading
        tracker.start()
        build_start = time.perf_counter()
        dtype = torch_dtype(config.precision)
        model, weights_source = build_model(config.spec, ctx.weights_dir)
        model.to(device=device, dtype=dtype)
        row["model_build_seconds"] = time.perf_counter() - build_start
        row["weights_source"] = weights_source
        row["parameter_count"] = count_parameters(model)
        inputs = make_inputs(
            config.spec, model.config, config.batch_size, config.sequence_length, device, dtype
        )
        row.update(
            sequence_length=inputs.sequence_length,
            image_size=inputs.image_size,
            audio_seconds=inputs.audio_seconds,
            input_shapes=json.dumps(inputs.shapes()),
        )
        tensors = inputs.tensors
        with torch.inference_mode():
            timing = measure_latency(lambda: model(**tensors), device, ctx.settings, started)
        memory = tracker.stop()
    except UnsupportedConfiguration as exc:
        row.update(
            status="unsupported", error_type="UnsupportedConfiguration", error_message=str(exc)
        )
    except (torch.cuda.OutOfMemoryError, MemoryError) as exc:
        row.update(status="oom", error_type=type(exc).__name__, error_message=error_text(exc))
    except Exception as exc:  # one failing configuration must not stop the run
        status = "unsupported" if _is_unsupported_dtype_error(exc) else "failed"
        row.update(status=status, error_type=type(exc).__name__, error_message=error_text(exc))
    else:
        _record_measurement(row, config, timing, memory, inputs.tokens_per_item)
    finally:
        model = inputs = tensors = None
        gc.collect()
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
    row["total_seconds"] = time.perf_counter() - started
    return row


def _record_measurement(row: dict, config, timing, memory, tokens_per_item) -> None:
    stats = summarize(timing.latencies_ms)
    row.update(stats)
    row.update(
        latencies_ms=timing.latencies_ms,
        iterations=len(timing.latencies_ms),
        warmup_iterations=timing.warmup_iterations,
        warmup_seconds=timing.warmup_seconds,
        timed_seconds=timing.timed_seconds,
        memory_peak_mb=memory.peak_mb,
        memory_reserved_mb=memory.reserved_mb,
        memory_method=memory.method,
    )
    mean_ms = stats["latency_mean_ms"]
    if mean_ms:
        items = config.batch_size * 1000.0 / mean_ms
        row["throughput_items_per_second"] = items
        if tokens_per_item:
            row["throughput_tokens_per_second"] = items * tokens_per_item
    if timing.timed_out:
        row.update(
            status="timeout",
            error_type="TimeLimitExceeded",
            error_message=(
                f"stopped after {len(timing.latencies_ms)} timed iteration(s): over the "
                f"{row['min_duration_seconds']:.0f}s minimum and the time limit"
                if timing.latencies_ms
                else "time limit reached during warm-up"
            ),
        )
    else:
        row["status"] = "completed"


@dataclass
class RunOutcome:
    run_id: str
    rows: list[dict]
    files: list[Path]
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r["status"] == status)


def detection_events(run_id: str, detections: Iterable[Detection], host: str) -> list[dict]:
    now = landing.utc_now()
    return [
        {
            "event_id": landing.derived_id(run_id, "detection", d.hardware_type),
            "run_id": run_id,
            "hardware_type": d.hardware_type,
            "is_available": d.is_available,
            "reason": d.reason,
            "device_name": d.device_name,
            "device_count": d.device_count,
            "host": host,
            "detected_at": now,
            "event_source": "runner_detection",
        }
        for d in detections
    ]


def run_benchmarks(
    configs: Sequence[BenchmarkConfig],
    settings: TimingSettings,
    landing_root: Path,
    weights_dir: Path | None = None,
    test_name: str = "benchdb run",
    on_result: Callable[[BenchmarkConfig, dict], None] | None = None,
    options: dict | None = None,
    command: str | None = None,
    estimator: Estimator | None = None,
    estimate_unavailable: bool = False,
    estimate_measured: bool = False,
) -> RunOutcome:
    """Detect hardware, land the detection events, run every configuration, land the results.

    Results and the test run are landed at the end, and also when the run is interrupted
    (Ctrl-C), so what was measured is never lost.
    """
    import socket

    landing.ensure_writable(landing_root)
    # import every model class up front: a missing class fails before anything runs, and the
    # one-time import cost stays out of the first configuration's numbers
    for spec in {c.spec.model_name: c.spec for c in configs}.values():
        model_classes(spec)
    run_id = landing.new_run_id()
    started_at = landing.utc_now()
    clock = time.perf_counter()
    host = socket.gethostname()
    detections = {hw: detect(hw) for hw in KNOWN_HARDWARE}
    files = [
        landing.write_rows(
            landing_root,
            "hardware_events",
            detection_events(run_id, detections.values(), host),
            run_id,
            started_at,
        )
    ]
    ctx = RunContext(
        run_id,
        settings,
        detections,
        weights_dir,
        host,
        estimator=estimator,
        estimate_unavailable=estimate_unavailable,
        estimate_measured=estimate_measured,
    )
    outcome = RunOutcome(run_id, [], [])
    try:
        for config in configs:
            row = run_configuration(config, ctx)
            outcome.rows.append(row)
            if (
                estimator
                and ctx.estimate_measured
                and not row.get("is_simulated")
                and row["status"] == "completed"
            ):
                outcome.rows.append(
                    estimator(
                        config,
                        ctx,
                        f"estimate beside the measurement on host {host}, for calibration",
                    )
                )
            if on_result:
                on_result(config, row)
    except KeyboardInterrupt:
        outcome.interrupted = True
    finally:
        completed_at = landing.utc_now()
        files.append(
            landing.write_rows(landing_root, "benchmark_results", outcome.rows, run_id, started_at)
        )
        commit, branch = git_state()
        failed = sum(1 for r in outcome.rows if r["status"] in ("failed", "oom", "timeout"))
        files.append(
            landing.write_rows(
                landing_root,
                "test_runs",
                [
                    {
                        "run_id": run_id,
                        "test_name": test_name,
                        "test_type": "performance",
                        "started_at": started_at,
                        "completed_at": completed_at,
                        "execution_time_seconds": time.perf_counter() - clock,
                        "success": failed == 0 and not outcome.interrupted,
                        "configurations_total": len(configs),
                        "configurations_completed": sum(
                            1
                            for r in outcome.rows
                            if r["status"] == "completed" and not r.get("is_simulated")
                        ),
                        "configurations_simulated": sum(
                            1
                            for r in outcome.rows
                            if r["status"] == "completed" and r.get("is_simulated")
                        ),
                        "configurations_failed": failed,
                        "host": host,
                        "git_commit": commit,
                        "git_branch": branch,
                        "command_line": command or command_line(),
                        "metadata": json.dumps(
                            {
                                **(options or {}),
                                "interrupted": outcome.interrupted,
                                "warmup_iterations": settings.warmup_iterations,
                                "min_iterations": settings.min_iterations,
                                "min_duration_seconds": settings.min_duration_seconds,
                                "max_duration_seconds": settings.max_duration_seconds,
                            }
                        ),
                    }
                ],
                run_id,
                started_at,
            )
        )
        outcome.files = [f for f in files if f is not None]
    return outcome
