"""Run benchmark configurations for real and land every outcome as a row.

One configuration = one model x hardware type x precision x batch size x sequence length. Each
runs in its own worker process (runners/isolation.py), forked from a zygote that has already
imported torch, transformers and the model classes: it is built fresh (so its memory reading
includes the weights), warmed up and timed, with the host's noise read around the timed
iterations (runners/quality.py). Anything that goes wrong (unavailable hardware, a capability
rule, out of memory, an exception, a dead worker, the time limit) becomes a row with its status
and error, and the run goes on.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from runners import isolation, landing
from runners.catalog import ModelSpec
from runners.configuration import (
    BenchmarkConfig,
    expand_configs,
    expand_generation_configs,
    validate_options,
)
from runners.environment import (
    HOST_ENVIRONMENT_FIELDS,
    benchdb_provenance,
    collect_environment,
    command_line,
)
from runners.hardware import RUNNABLE_HARDWARE, Detection, physical_core_count
from runners.timing import TimingSettings
from runners.worker import (
    MAX_ERROR_CHARS,
    WorkerJob,
    error_text,
    measure,
    measure_generation,
    probe,
    safe_geometry,
)

# the names simulation, plan files and the CLI import from here
__all__ = [
    "BenchmarkConfig",
    "Estimator",
    "RunContext",
    "RunOutcome",
    "error_text",
    "expand_configs",
    "expand_generation_configs",
    "run_benchmarks",
    "run_configuration",
    "skeleton_row",
    "validate_options",
]

STATUSES = ("completed", "failed", "oom", "timeout", "unsupported", "unavailable")
# statuses that mean the configuration could not be measured on this host, not that it broke
NOT_RUN_STATUSES = ("unsupported", "unavailable")
FAILED_STATUSES = ("failed", "oom", "timeout")


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
    # torch intra-op threads every worker pins (default: the host's physical cores)
    threads: int | None = None
    # "in_process" to measure in this process; None: a forked worker where the OS allows
    isolation: str | None = None
    isolation_note: str | None = None
    # perf_counter when the run began: how much of the load average can be this run's own
    run_started_at: float = field(default_factory=time.perf_counter)
    # (model name, sequence length) -> the input geometry, computed once
    geometries: dict[tuple[str, int], dict] = field(default_factory=dict)
    # hears (configuration, phase) while a configuration runs: "warmup", "timing 40/100 ..."
    on_progress: Callable[[BenchmarkConfig, str], None] | None = None

    def host_environment(self) -> dict:
        """The host's software, without any device or its settings: for rows no device ran."""
        environment = self.environment("cpu")
        return {k: environment[k] for k in HOST_ENVIRONMENT_FIELDS if k in environment}

    def environment(self, device: str) -> dict:
        if device not in self.environments:
            self.environments[device] = collect_environment(device)
        return self.environments[device]

    def resolved_threads(self) -> int:
        return self.threads or physical_core_count()

    def isolation_mode(self) -> tuple[str, str | None]:
        if self.isolation == isolation.IN_PROCESS:
            return isolation.IN_PROCESS, self.isolation_note or "asked for"
        return isolation.isolation_mode()

    def geometry(self, config: BenchmarkConfig) -> dict:
        """The configuration's input geometry from its catalog config; what was asked for when
        the catalog config cannot be built (the configuration then fails with the error)."""
        key = (config.spec.model_name, config.sequence_length)
        if key not in self.geometries:
            self.geometries[key] = safe_geometry(config.spec, config.sequence_length)
        return self.geometries[key]


def skeleton_row(config: BenchmarkConfig, ctx: RunContext, measured_at: datetime) -> dict:
    if config.is_generation:
        return generation_skeleton_row(config, ctx, measured_at)
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
        **ctx.geometry(config),
        "precision": config.precision,
        "host": ctx.host,
        "min_iterations": ctx.settings.min_iterations,
        "min_duration_seconds": ctx.settings.min_duration_seconds,
        "is_simulated": False,
    }


def generation_skeleton_row(
    config: BenchmarkConfig, ctx: RunContext, measured_at: datetime
) -> dict:
    """A generation_results row before anything ran: the configuration and its key."""
    spec = config.spec
    return {
        "result_id": landing.derived_id(
            ctx.run_id,
            config.kind,
            spec.model_name,
            config.hardware_type,
            config.precision,
            config.batch_size,
            config.sequence_length,
            config.output_length,
            config.backend,
        ),
        "run_id": ctx.run_id,
        "measured_at": measured_at,
        "benchmark_kind": config.kind,
        "model_name": spec.model_name,
        "model_family": spec.model_family,
        "modality": spec.modality,
        "hardware_type": config.hardware_type,
        "batch_size": config.batch_size,
        "input_length": config.sequence_length,
        "output_length": config.output_length,
        "precision": config.precision,
        "backend": config.backend,
        "host": ctx.host,
        "min_iterations": ctx.settings.min_iterations,
        "min_duration_seconds": ctx.settings.min_duration_seconds,
        "is_simulated": False,
    }


def kill_grace_seconds(time_limit: float) -> float:
    """How long past its time limit a worker may take to stop by itself (it checks the limit
    after every forward pass, then summarizes and answers) before it is killed."""
    return max(2.0, 0.02 * time_limit)


def preload_names(specs: Iterable[ModelSpec]) -> list[str]:
    """What the zygote imports for these models: their transformers classes, nothing else."""
    names = []
    for spec in specs:
        names += [f"transformers:{spec.model_class}", f"transformers:{spec.config_class}"]
        if spec.generation_class:
            names.append(f"transformers:{spec.generation_class}")
    return names


def run_configuration(config: BenchmarkConfig, ctx: RunContext) -> dict:
    """Measure one configuration; always returns a row, whatever happened."""
    row = skeleton_row(config, ctx, landing.utc_now())
    detection = ctx.detections[config.hardware_type]
    if not detection.is_available:
        # the estimator (benchdb.simulation) has a roofline for forward passes and generations
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
            error_message=f"the torch runner cannot execute on {config.hardware_type} "
            "[rule runner.hardware: one of " + ", ".join(RUNNABLE_HARDWARE) + "]",
        )
        return row

    mode, _ = ctx.isolation_mode()
    launcher = None
    if mode == isolation.FORKED:
        try:
            # ready before the clock starts: the zygote's imports are paid once per process,
            # not by the configuration (nor against its time limit)
            launcher = isolation.zygote(preload_names([config.spec]))
        except isolation.LauncherLost:
            launcher = None  # the job below fails with the launcher's own error
    started = time.perf_counter()
    job = WorkerJob(
        config=config,
        settings=ctx.settings,
        weights_dir=ctx.weights_dir.resolve() if ctx.weights_dir else None,
        threads=ctx.resolved_threads(),
        started_at=started,
        run_started_at=ctx.run_started_at,
        in_worker=mode == isolation.FORKED,
    )
    limit = ctx.settings.max_duration_seconds
    work = measure_generation if config.is_generation else measure
    on_phase = (lambda phase: ctx.on_progress(config, phase)) if ctx.on_progress else None
    if mode == isolation.FORKED:
        try:
            launcher = launcher or isolation.zygote(preload_names([config.spec]))
            outcome = launcher.run(
                work, (job,), started + limit + kill_grace_seconds(limit), on_phase=on_phase
            )
        except isolation.LauncherLost as exc:
            outcome = isolation.JobOutcome(isolation.FORKED, error=f"WorkerLauncherLost: {exc}")
    else:
        outcome = isolation.run_in_process(work, (job,), on_phase=on_phase)
    row["isolation"] = outcome.isolation
    row.update(_outcome_fields(outcome, config, ctx, started))
    row["total_seconds"] = time.perf_counter() - started
    return row


PHASES = {
    None: "starting",
    "import": "importing the model classes",
    "build": "building the model",
    "warmup": "warming up",
    "compile": "compiling (torch.compile's first generation)",
    "timing": "timing",
}


def _outcome_fields(
    outcome: isolation.JobOutcome, config: BenchmarkConfig, ctx: RunContext, started: float
) -> dict:
    """The worker's row fields, or what its death says."""
    if outcome.answered:
        return dict(outcome.value)
    phase = PHASES.get(outcome.phase, outcome.phase)
    limit = ctx.settings.max_duration_seconds
    if outcome.killed_at_deadline:
        elapsed = time.perf_counter() - started
        return {
            "status": "timeout",
            "error_type": "TimeLimitExceeded",
            "error_message": (
                f"the worker was still {phase} {elapsed:.1f} s after the configuration began "
                f"(time limit {limit:g} s, plus {kill_grace_seconds(limit):g} s to stop): "
                f"killed; one {'generation' if config.is_generation else 'forward pass'} or "
                "the build outlasted the limit, nothing timed is kept"
            ),
        }
    if outcome.oom_killed:
        before, after = outcome.oom_kills
        return {
            "status": "oom",
            "error_type": "WorkerOutOfMemory",
            "error_message": (
                f"the worker {outcome.describe_end()} while {phase}; the kernel's "
                f"out-of-memory killer ran meanwhile (/proc/vmstat oom_kill {before} -> {after})"
            ),
        }
    if outcome.error:
        lines = [line for line in outcome.error.strip().splitlines() if line.strip()]
        return {
            "status": "failed",
            "error_type": "WorkerError",
            "error_message": f"while {phase}: {lines[-1] if lines else 'no message'}"[
                :MAX_ERROR_CHARS
            ],
        }
    kind = "WorkerKilled" if (outcome.returncode or 0) < 0 else "WorkerExited"
    return {
        "status": "failed",
        "error_type": kind,
        "error_message": f"the worker {outcome.describe_end()} while {phase}, without a row",
    }


# --------------------------------------------------------------------------- the run


@dataclass
class RunOutcome:
    run_id: str
    rows: list[dict]
    files: list[Path]
    interrupted: bool = False
    isolation_note: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r["status"] == status)

    def measured_rows(self) -> list[dict]:
        return [
            r
            for r in self.rows
            if not r.get("is_simulated") and (r.get("latencies_ms") or r.get("e2e_latencies_ms"))
        ]

    def warnings(self) -> list[str]:
        """What the run summary should warn about, one line each (empty: nothing to say)."""
        found = []
        measured = self.measured_rows()
        noisy = [r for r in measured if r.get("quality") == "noisy"]
        if noisy:
            found.append(
                f"{len(noisy)} of {len(measured)} measured configuration(s) are noisy (quality "
                f"= 'noisy'), e.g. {noisy[0]['model_name']}: {noisy[0]['quality_reason']}; "
                "rerun them on a quiet host"
            )
        short = [r for r in measured if r.get("percentiles_note")]
        if short:
            found.append(
                f"{len(short)} configuration(s) have too few samples for some percentiles "
                f"(stored NULL), e.g. {short[0]['model_name']}: {short[0]['percentiles_note']}"
            )
        in_process = [r for r in self.rows if r.get("isolation") == isolation.IN_PROCESS]
        if in_process:
            found.append(
                f"{len(in_process)} configuration(s) measured in this process, not in a worker "
                f"({self.isolation_note or 'no worker could be forked'}): their memory "
                "figures depend on what ran before them"
            )
        if not measured and not self.interrupted:
            found.append(
                "nothing was measured: every configuration was estimated, refused or failed"
            )
        if self.interrupted:
            found.append("interrupted: only what was measured before Ctrl-C was landed")
        return found


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


def _resolve_threads(threads: int | None, options: dict | None) -> tuple[int, str]:
    # the CLI's --threads, passed as threads= (or, from older callers, in the options)
    asked = threads or (options or {}).get("threads")
    if asked:
        return int(asked), "asked for (--threads)"
    return physical_core_count(), "the host's physical cores (usable by this process)"


def _start(ctx: RunContext, configs: Sequence[BenchmarkConfig]) -> None:
    """Detections, the host's software and every geometry: from a worker (the zygote starts
    importing now), or in this process; a launcher that fails falls back to this process."""
    requests = list(
        {
            (c.spec.model_name, c.sequence_length): (c.spec, c.sequence_length) for c in configs
        }.values()
    )
    mode, note = ctx.isolation_mode()
    outcome = None
    if mode == isolation.FORKED:
        specs = {c.spec.model_name: c.spec for c in configs}.values()
        try:
            launcher = isolation.zygote(preload_names(specs), wait=False)
            # while the zygote imports torch, this process readies the landing writer
            threading.Thread(target=landing.warm_up, daemon=True).start()
            outcome = launcher.run(probe, (requests,), None)
        except isolation.LauncherLost as exc:
            note = f"the worker launcher failed ({exc})"
        else:
            if not outcome.answered:
                note = f"the probe worker {outcome.describe_end()}: {outcome.error or ''}".strip()
                outcome = None
        if outcome is None:
            ctx.isolation = isolation.IN_PROCESS
    if outcome is None:
        outcome = isolation.run_in_process(probe, (requests,))
        if not outcome.answered:
            raise RuntimeError(f"hardware detection failed: {outcome.error}")
    ctx.isolation_note = note
    ctx.detections = outcome.value["detections"]
    ctx.environments["cpu"] = outcome.value["environment"]
    ctx.geometries.update(outcome.value["geometries"])


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
    threads: int | None = None,
    isolation_mode: str | None = None,
    on_progress: Callable[[BenchmarkConfig, str], None] | None = None,
) -> RunOutcome:
    """Detect hardware, land the detection events, run every configuration, land the results.

    Results and the test run are landed at the end, and also when the run is interrupted
    (Ctrl-C), so what was measured is never lost; generation rows land as generation_results.
    `on_progress(config, phase)` hears the running configuration's progress. `threads` pins
    torch's intra-op threads in every worker (default: the host's physical cores);
    isolation_mode="in_process" measures in this process instead of forked workers.
    """
    import socket

    landing.ensure_writable(landing_root)
    clock = time.perf_counter()
    run_id = landing.new_run_id()
    started_at = landing.utc_now()
    host = socket.gethostname()
    pinned, threads_source = _resolve_threads(threads, options)
    ctx = RunContext(
        run_id,
        settings,
        {},
        weights_dir,
        host,
        estimator=estimator,
        estimate_unavailable=estimate_unavailable,
        estimate_measured=estimate_measured,
        threads=pinned,
        isolation=isolation_mode,
        run_started_at=clock,
        on_progress=on_progress,
    )
    _start(ctx, configs)
    files = [
        landing.write_rows(
            landing_root,
            "hardware_events",
            detection_events(run_id, ctx.detections.values(), host),
            run_id,
            started_at,
        )
    ]
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
        outcome.isolation_note = ctx.isolation_note
        completed_at = landing.utc_now()
        for kind, rows in _rows_by_kind(outcome.rows).items():
            files.append(landing.write_rows(landing_root, kind, rows, run_id, started_at))
        mode, _ = ctx.isolation_mode()
        files.append(
            landing.write_rows(
                landing_root,
                "test_runs",
                [
                    _test_run_row(
                        outcome,
                        configs,
                        settings,
                        test_name=test_name,
                        started_at=started_at,
                        completed_at=completed_at,
                        seconds=time.perf_counter() - clock,
                        host=host,
                        command=command or command_line(),
                        metadata={
                            **(options or {}),
                            "interrupted": outcome.interrupted,
                            "warmup_iterations": settings.warmup_iterations,
                            "min_iterations": settings.min_iterations,
                            "min_duration_seconds": settings.min_duration_seconds,
                            "max_duration_seconds": settings.max_duration_seconds,
                            "threads": pinned,
                            "threads_source": threads_source,
                            "isolation": mode,
                            "isolation_note": ctx.isolation_note,
                        },
                    )
                ],
                run_id,
                started_at,
            )
        )
        outcome.files = [f for f in files if f is not None]
    return outcome


def _rows_by_kind(rows: Sequence[dict]) -> dict[str, list[dict]]:
    """benchmark_results (forward passes and estimates) and generation_results, in run order."""
    kinds: dict[str, list[dict]] = {"benchmark_results": [], "generation_results": []}
    for row in rows:
        kind = "generation_results" if row.get("benchmark_kind") else "benchmark_results"
        kinds[kind].append(row)
    return kinds


def _test_run_row(
    outcome: RunOutcome,
    configs: Sequence[BenchmarkConfig],
    settings: TimingSettings,
    *,
    test_name: str,
    started_at: datetime,
    completed_at: datetime,
    seconds: float,
    host: str,
    command: str,
    metadata: dict,
) -> dict:
    rows = outcome.rows
    failed = sum(1 for r in rows if r["status"] in FAILED_STATUSES)
    measured = sum(1 for r in rows if r["status"] == "completed" and not r.get("is_simulated"))
    return {
        "run_id": outcome.run_id,
        "test_name": test_name,
        "test_type": "performance",
        "started_at": started_at,
        "completed_at": completed_at,
        "execution_time_seconds": seconds,
        # a run that measured nothing (all estimated, refused or unavailable) is no success
        "success": failed == 0 and measured > 0 and not outcome.interrupted,
        "configurations_total": len(configs),
        "configurations_completed": measured,
        "configurations_simulated": sum(
            1 for r in rows if r["status"] == "completed" and r.get("is_simulated")
        ),
        "configurations_failed": failed,
        "configurations_noisy": sum(1 for r in rows if r.get("quality") == "noisy"),
        "host": host,
        **benchdb_provenance(),
        "command_line": command,
        "metadata": json.dumps(metadata),
    }
