"""What runs in a worker process: measure one configuration, or probe the host.

Everything here needs torch and transformers, which the zygote (runners/isolation.py) has
already imported; nothing here imports the landing writer. The same functions run in the
calling process where no worker can be forked.
"""

from __future__ import annotations

import gc
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runners.capabilities import check_generation, check_precision, check_sequence_length
from runners.catalog import ModelSpec
from runners.configuration import BenchmarkConfig
from runners.environment import collect_environment
from runners.generation import GreedyGeneration, step_clock_factory, summarize_generation
from runners.hardware import KNOWN_HARDWARE, detect, torch_device, usable_cpus
from runners.memory import MemoryTracker
from runners.model_factory import (
    UnsupportedConfiguration,
    build_model,
    config_geometry,
    count_parameters,
    input_geometry,
    make_inputs,
    make_prompt,
    model_classes,
    requested_geometry,
    torch_dtype,
)
from runners.quality import HostReading, NoiseFigures, judge, own_load_bound, read_host
from runners.timing import (
    TimingResult,
    TimingSettings,
    measure_latency,
    summarize,
    synchronizer,
)

MAX_ERROR_CHARS = 4000


def safe_geometry(spec: ModelSpec, sequence_length: int) -> dict:
    try:
        return config_geometry(spec, sequence_length)
    except Exception:  # the worker meets the same error and fails the row with it
        return requested_geometry(spec, sequence_length)


def error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {Path(last.filename).name}:{last.lineno} in {last.name})"
    return text[:MAX_ERROR_CHARS]


@dataclass(frozen=True)
class WorkerJob:
    """What a worker needs to measure one configuration (pickled to it)."""

    config: BenchmarkConfig
    settings: TimingSettings
    weights_dir: Path | None
    threads: int
    started_at: float  # perf_counter (CLOCK_MONOTONIC, the same in every process on Linux)
    run_started_at: float
    in_worker: bool


def _oom_errors() -> tuple[type[BaseException], ...]:
    import torch

    found = [getattr(torch, "OutOfMemoryError", None), torch.cuda.OutOfMemoryError, MemoryError]
    return tuple(t for t in found if t is not None)


class _Setup:
    """What every configuration does around its timing, forward or generate: pin the threads,
    make the model's config, find the device and its environment, refuse what a capability check
    refuses, build the model under the memory tracker, read the host around the timed
    iterations, and free the memory when measuring in this process."""

    def __init__(self, report: Callable[[str], None], job: WorkerJob) -> None:
        self.report, self.job = report, job
        self.cpus = usable_cpus()
        self.fields: dict = {"host_cpu_count": len(self.cpus)}
        self.before = read_host(self.cpus)
        self.device = "cpu"
        self.tracker: MemoryTracker | None = None

    def configure(self):
        """The model's transformers config (with the threads pinned)."""
        import torch

        torch.set_num_threads(self.job.threads)
        self.report("import")
        spec = self.job.config.spec
        _, config_cls = model_classes(spec)
        return config_cls(**spec.config_overrides)

    def locate(self) -> None:
        """The torch device that runs it, and its environment, recorded."""
        self.device = torch_device(self.job.config.hardware_type)
        self.fields["device"] = self.device
        self.fields.update(collect_environment(self.device))

    def refuses(self, refusal) -> bool:
        """Record a capability check's refusal as an `unsupported` row; False when none."""
        if refusal:
            self.fields.update(
                status="unsupported", error_type=refusal.error_type, error_message=refusal.message
            )
        return bool(refusal)

    def build(self, model_class: str | None = None):
        """The model on its device at the configuration's precision, its build timed."""
        config = self.job.config
        self.tracker = MemoryTracker(self.device, in_worker=self.job.in_worker)
        self.report("build")
        self.tracker.start()
        build_start = time.perf_counter()
        model, weights_source = build_model(config.spec, self.job.weights_dir, model_class)
        model.to(device=self.device, dtype=torch_dtype(config.precision))
        self.fields.update(
            model_build_seconds=time.perf_counter() - build_start,
            weights_source=weights_source,
            parameter_count=count_parameters(model),
        )
        return model

    def around_timing(self):
        start = read_host(self.cpus)
        return lambda: (start, read_host(self.cpus))

    def release(self) -> None:
        """A worker's memory goes with it; in this process, collect it now."""
        if not self.job.in_worker:
            gc.collect()
            if self.device.startswith("cuda"):
                import torch

                torch.cuda.empty_cache()


def measure(report: Callable[[str], None], job: WorkerJob) -> dict:
    """Measure one configuration where it runs (a worker, or this process); returns the row's
    fields: geometry, environment, status, timings, memory, noise."""
    import torch

    config, spec = job.config, job.config.spec
    setup = _Setup(report, job)
    fields = setup.fields
    model = inputs = tensors = None
    try:
        model_config = setup.configure()
        fields.update(input_geometry(spec, model_config, config.sequence_length))
        setup.locate()
        if setup.refuses(
            check_precision(config.hardware_type, config.precision, setup.device)
            or check_sequence_length(
                spec.model_name, spec.input_kind, model_config, config.sequence_length
            )
        ):
            return fields
        model = setup.build()
        inputs = make_inputs(
            spec,
            model.config,
            config.batch_size,
            config.sequence_length,
            setup.device,
            torch_dtype(config.precision),
        )
        fields.update(
            sequence_length=inputs.sequence_length,
            image_size=inputs.image_size,
            audio_seconds=inputs.audio_seconds,
            input_shapes=json.dumps(inputs.shapes()),
        )
        setup.tracker.loaded()
        tensors = inputs.tensors
        with torch.inference_mode():
            timing = measure_latency(
                lambda: model(**tensors),
                setup.device,
                job.settings,
                job.started_at,
                on_phase=report,
                around_timing=setup.around_timing,
                on_iteration=_progress(report, job.settings.min_iterations, "iterations"),
            )
        memory = setup.tracker.stop()
    except Exception as exc:  # one failing configuration must not stop the run
        fields.update(failure_fields(exc))
    else:
        fields["num_threads"] = torch.get_num_threads()
        _record_measurement(
            fields, config, job, timing, memory, inputs.tokens_per_item, setup.before
        )
    finally:
        model = inputs = tensors = None
        setup.release()
    return fields


def failure_fields(exc: Exception) -> dict:
    """status, error_type and error_message of a configuration that raised."""
    if isinstance(exc, UnsupportedConfiguration):
        return {"status": "unsupported", "error_type": exc.check, "error_message": str(exc)}
    status = "oom" if isinstance(exc, _oom_errors()) else "failed"
    return {"status": status, "error_type": type(exc).__name__, "error_message": error_text(exc)}


def _progress(report: Callable[[str], None], total: int, unit: str) -> Callable[[int], None]:
    """An on_iteration callback that reports "timing n/total unit" at most every half second
    (a message to the parent per iteration would cost more than a small model's iteration)."""
    last = [0.0]

    def on_iteration(count: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 0.5:
            last[0] = now
            report(f"timing {count}/{total} {unit}")

    return on_iteration


def _record_measurement(
    fields: dict,
    config: BenchmarkConfig,
    job: WorkerJob,
    timing: TimingResult,
    memory,
    tokens_per_item: int | None,
    before: HostReading,
) -> None:
    stats = summarize(timing.latencies_ms)
    fields.update(stats)
    fields.update(
        latencies_ms=timing.latencies_ms,
        iterations=len(timing.latencies_ms),
        warmup_iterations=timing.warmup_iterations,
        warmup_seconds=timing.warmup_seconds,
        timed_seconds=timing.timed_seconds,
        **memory.columns(),
    )
    mean_ms = stats["latency_mean_ms"]
    if mean_ms:
        items = config.batch_size * 1000.0 / mean_ms
        fields["throughput_items_per_second"] = items
        if tokens_per_item:
            fields["throughput_tokens_per_second"] = items * tokens_per_item
    _record_noise(fields, job, timing, before, fields.get("latency_cv"))
    fields.update(_timing_status(job, timing, "iteration"))


def _timing_status(job: WorkerJob, timing: TimingResult, unit: str) -> dict:
    """completed, or timeout with how far the timed {unit}s got."""
    if not timing.timed_out:
        return {"status": "completed"}
    settings = job.settings
    return {
        "status": "timeout",
        "error_type": "TimeLimitExceeded",
        "error_message": (
            f"stopped after {len(timing.latencies_ms)} timed {unit}(s): over the "
            f"{settings.max_duration_seconds:g} s time limit before reaching "
            f"{settings.min_iterations} {unit}s and {settings.min_duration_seconds:g} s"
            if timing.latencies_ms
            else "time limit reached during warm-up"
        ),
    }


def _record_noise(
    fields: dict,
    job: WorkerJob,
    timing: TimingResult,
    before: HostReading,
    latency_cv: float | None,
) -> None:
    """Load, CPU time and spread (`latency_cv`) around the timed iterations, and the judgement."""
    fields["load_avg_1m_before"] = before.load_1m
    if timing.timing_context is None:  # never reached the timed iterations
        fields["quality_reason"] = "not judged: no timed iterations"
        return
    start, end = timing.timing_context
    fields["load_avg_1m_after"] = end.load_1m
    process_cpu = end.process_cpu_seconds - start.process_cpu_seconds
    fields["process_cpu_seconds"] = process_cpu
    if start.cpus_busy_seconds is not None and end.cpus_busy_seconds is not None:
        fields["other_cpu_seconds"] = max(
            end.cpus_busy_seconds - start.cpus_busy_seconds - process_cpu, 0.0
        )
    quality, reason = judge(
        NoiseFigures(
            device=fields.get("device") or "cpu",
            host_cpu_count=fields["host_cpu_count"],
            threads=job.threads,
            load_avg_1m_before=before.load_1m,
            load_avg_1m_after=end.load_1m,
            own_load_before=own_load_bound(job.threads, before.at - job.run_started_at),
            own_load_after=own_load_bound(job.threads, end.at - job.run_started_at),
            timed_seconds=timing.timed_seconds,
            process_cpu_seconds=process_cpu,
            other_cpu_seconds=fields.get("other_cpu_seconds"),
            latency_cv=latency_cv,
        )
    )
    fields["quality"] = quality
    fields["quality_reason"] = reason


def measure_generation(report: Callable[[str], None], job: WorkerJob) -> dict:
    """Measure one `generate` configuration where it runs (runners/generation.py): as `measure`,
    with the generation's samples and metrics in place of a forward pass's."""
    import torch

    config, spec = job.config, job.config.spec
    setup = _Setup(report, job)
    fields = setup.fields
    fields["model_class"] = spec.generation_class or None
    model = generation = None
    try:
        model_config = setup.configure()
        setup.locate()
        if setup.refuses(
            check_generation(spec, model_config, config.sequence_length, config.output_length)
            or check_precision(config.hardware_type, config.precision, setup.device)
        ):
            return fields
        model = setup.build(spec.generation_class)
        prompt = make_prompt(
            model.config,
            config.batch_size,
            config.sequence_length,
            setup.device,
            spec.input_kind,
            torch_dtype(config.precision),
        )
        fields["input_shapes"] = json.dumps({k: list(v.shape) for k, v in prompt.items()})
        compiled = torch.compile(model) if config.backend == "compile" else None
        generation = GreedyGeneration(
            model, prompt, config.output_length, step_clock_factory(setup.device), run=compiled
        )
        setup.tracker.loaded()

        def on_phase(phase: str) -> None:
            if phase == "timing":
                generation.forget()  # the compile pass's and the warm-up's generations
            report(phase)

        with torch.inference_mode():
            if compiled is not None:
                # torch.compile compiles on first use: the first generation, apart and untimed
                report("compile")
                compile_start = time.perf_counter()
                generation()
                synchronizer(setup.device)()
                fields["compile_seconds"] = time.perf_counter() - compile_start
            timing = measure_latency(
                generation,
                setup.device,
                job.settings,
                job.started_at,
                on_phase=on_phase,
                around_timing=setup.around_timing,
                on_iteration=_progress(report, job.settings.min_iterations, "generations"),
            )
        memory = setup.tracker.stop()
        steps = generation.steps_ms() if timing.latencies_ms else []
        if len(steps) != len(timing.latencies_ms):
            raise RuntimeError(
                f"step clocks kept {len(steps)} generations for {len(timing.latencies_ms)} timed"
            )
        generated = len(generation.last_tokens or [])
    except Exception as exc:  # one failing configuration must not stop the run
        fields.update(failure_fields(exc))
    else:
        fields["num_threads"] = torch.get_num_threads()
        fields.update(
            summarize_generation(
                steps,
                timing.latencies_ms,
                config.batch_size,
                config.sequence_length,
                config.output_length,
            )
        )
        fields.update(
            generated_tokens=generated,
            iterations=len(timing.latencies_ms),
            warmup_iterations=timing.warmup_iterations,
            warmup_seconds=timing.warmup_seconds,
            timed_seconds=timing.timed_seconds,
            **memory.columns(),
        )
        _record_noise(fields, job, timing, setup.before, fields["e2e_latency_cv"])
        fields.update(_timing_status(job, timing, "generation"))
    finally:
        model = generation = None
        setup.release()
    return fields


def probe(report: Callable[[str], None], geometry_requests: list[tuple[ModelSpec, int]]) -> dict:
    """Run once per run where the workers run: detect every hardware type, read the host's
    software and work out each configuration's input geometry (so the parent needs neither
    torch nor transformers)."""
    report("detect")
    detections = {hw: detect(hw) for hw in KNOWN_HARDWARE}
    environment = collect_environment("cpu")
    geometries = {
        (spec.model_name, seq): safe_geometry(spec, seq) for spec, seq in geometry_requests
    }
    return {"detections": detections, "environment": environment, "geometries": geometries}
