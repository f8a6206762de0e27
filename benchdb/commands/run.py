"""`benchdb run`: measure models on this host and land the results."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from benchdb.options import (
    FiniteRange,
    batch_size_option,
    check_known,
    data_dir_option,
    generation_options,
    hardware_option,
    invoked_command_line,
    landing_option,
    min_duration_option,
    model_option,
    precision_option,
    resolve_landing,
    sequence_length_option,
)

# seconds a configuration may take by default. A generation is output_length forward passes:
# gpt2 at batch 4, input 128, output 32 decodes at ~103 ms a token on the 2-core development
# machine (docs/benchmarks.md, "Generation"), ~3.4 s a generation, so the 105 generations of the
# defaults (5 warm-up, 100 timed) take ~360 s, past the forward pass's 300 s
FORWARD_TIME_LIMIT = 300.0
GENERATE_TIME_LIMIT = 1200.0


@click.command()
@model_option(several=True, help="Catalog model names (seeds/model_catalog.csv).")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Run exactly the configurations in this CSV (as `benchdb plan --output` writes).",
)
@hardware_option(
    several=True,
    default="cpu",
    show_default=True,
    help="Hardware types: cpu, cuda, rocm, mps, openvino, ...",
)
@batch_size_option(several=True, default="1", show_default=True)
@sequence_length_option(
    several=True,
    default="128",
    show_default=True,
    help="Tokens per item for text; decoder tokens for audio.",
)
@precision_option(several=True, default="fp32", show_default=True, help="fp32, fp16, bf16.")
@generation_options()
@click.option(
    "--warmup",
    default=5,
    show_default=True,
    type=click.IntRange(min=0),
    help="Warm-up iterations.",
)
@click.option(
    "--min-iterations",
    default=100,
    show_default=True,
    type=click.IntRange(min=1),
    help="Timed iterations, at least.",
)
@min_duration_option()
@click.option(
    "--time-limit",
    default=None,
    type=FiniteRange(min=0, min_open=True),
    help="Seconds per configuration before it stops with status `timeout` "
    f"[default: {FORWARD_TIME_LIMIT:g}; {GENERATE_TIME_LIMIT:g} when a generation runs].",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="torch intra-op threads in each measuring process [default: the host's physical cores].",
)
@click.option(
    "--weights-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Load weights from this local directory instead of random init.",
)
@click.option(
    "--force-simulation",
    is_flag=True,
    help="Estimate (roofline, flagged simulated) configurations whose hardware is unavailable.",
)
@click.option(
    "--also-estimate",
    is_flag=True,
    help="Also estimate every measured configuration, to calibrate the estimates.",
)
@click.option(
    "--simulate-device",
    "simulate_devices",
    multiple=True,
    metavar="NAME",
    help="Hardware catalog device to estimate with (default: each type's default). Repeatable.",
)
@data_dir_option()
@landing_option()
def run(
    models,
    hardware,
    batch_sizes,
    sequence_lengths,
    precisions,
    kind,
    input_lengths,
    output_lengths,
    backends,
    warmup,
    min_iterations,
    min_duration,
    time_limit,
    threads,
    weights_dir,
    plan_file,
    force_simulation,
    also_estimate,
    simulate_devices,
    data_dir,
    landing_uri,
) -> None:
    """Measure models on this host and land the results as Parquet.

    Every configuration becomes a row: completed ones with their latencies, failed, timed-out,
    unsupported or unavailable ones with their status and error. --landing (or env
    BENCHMARK_LANDING_URI) lands them in another folder or under an S3 prefix
    (s3://bucket/prefix), where many hosts can write at once (docs/scale_out.md).

    \b
      benchdb run --model prajjwal1/bert-tiny --batch-size 1,4,16
      benchdb run --model gpt2 --hardware cuda --precision fp32,fp16 --batch-size 1,8
      benchdb run --model bert-base-uncased --hardware rocm --force-simulation
      benchdb run --model gpt2 --sequence-length 128,512 --threads 2 --min-duration 0.5
      benchdb run --model gpt2 --kind generate --input-length 128 --output-length 32
      benchdb run --plan plan.csv
      benchdb run --model prajjwal1/bert-tiny --landing /shared/landing
    """
    from benchdb import simulation
    from benchdb.calibration import warehouse_for
    from runners import benchmark, landing
    from runners.catalog import load_catalog, resolve_models
    from runners.timing import TimingSettings

    landing_root = resolve_landing(landing_uri, data_dir)
    if weights_dir and not (weights_dir / "config.json").is_file():
        raise click.BadParameter(f"{weights_dir} has no config.json", param_hint="--weights-dir")
    try:
        settings = TimingSettings(
            warmup, min_iterations, min_duration, time_limit or FORWARD_TIME_LIMIT
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    catalog = load_catalog()
    if plan_file and models:
        raise click.UsageError("give either --model or --plan, not both")
    if plan_file:
        from runners.plan_file import read_plan

        _check_plan_options()
        configs = read_plan(plan_file, catalog)
        kind = ",".join(sorted({c.kind for c in configs})) or kind
    elif models:
        check_known(hardware, precisions)
        specs = resolve_models(models, catalog)
        _check_kind_options(kind)
        if kind == "generate":
            configs = benchmark.expand_generation_configs(
                specs, hardware, precisions, batch_sizes, input_lengths, output_lengths, backends
            )
        else:
            configs = benchmark.expand_configs(
                specs, hardware, precisions, batch_sizes, sequence_lengths
            )
    else:
        raise click.UsageError("give --model (with --hardware, --batch-size ...) or --plan")
    if time_limit is None and any(c.is_generation for c in configs):
        settings = dataclasses.replace(settings, max_duration_seconds=GENERATE_TIME_LIMIT)
    device_choices = resolve_simulate_devices(simulate_devices)
    landing.ensure_writable(landing_root)
    click.echo(f"benchdb run: {len(configs)} configuration(s), landing in {landing_root}")
    with click.progressbar(
        length=len(configs),
        label="measuring",
        show_pos=True,
        item_show_func=lambda text: text or "",
    ) as bar:
        outcome = benchmark.run_benchmarks(
            configs,
            settings,
            landing_root,
            weights_dir,
            on_result=lambda config, row: bar.update(1, f"{config.describe()}: {row['status']}"),
            # within a configuration: its phase and timed iterations, as the worker reports them
            on_progress=lambda config, phase: bar.update(0, f"{config.describe()}: {phase}"),
            command=invoked_command_line(),
            estimator=simulation.estimator(device_choices, warehouse_for(data_dir)),
            estimate_unavailable=force_simulation,
            estimate_measured=also_estimate,
            threads=threads,
            options={
                "models": models,
                "hardware": hardware,
                "batch_sizes": batch_sizes,
                "precisions": precisions,
                "kind": kind,
                **_kind_metadata(configs, kind, sequence_lengths, plan_file is not None),
                "threads": threads,
                "weights_dir": str(weights_dir) if weights_dir else None,
                "plan": str(plan_file) if plan_file else None,
                "force_simulation": force_simulation,
                "also_estimate": also_estimate,
            },
        )
    print_run_summary(outcome)
    if outcome.interrupted:
        raise click.ClickException("interrupted: what was measured so far has been landed")


def _check_kind_options(kind: str) -> None:
    """Options of one kind given with the other are a mistake, not something to ignore."""
    ctx = click.get_current_context()
    other_kind = (
        {"sequence_lengths"}
        if kind == "generate"
        else {"input_lengths", "output_lengths", "backends"}
    )
    wrong = {
        name
        for name in other_kind
        if ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)
    }
    if wrong:
        names = ", ".join(f"--{n[:-1].replace('_', '-')}" for n in sorted(wrong))
        hint = "--input-length" if kind == "generate" else "--kind generate"
        raise click.UsageError(f"{names} does not apply to --kind {kind} (use {hint})")


def _check_plan_options() -> None:
    """A plan file names each configuration's kind, lengths and backend (its columns)."""
    ctx = click.get_current_context()
    given = [
        name
        for name in ("kind", "input_lengths", "output_lengths", "backends")
        if ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)
    ]
    if given:
        names = ", ".join(f"--{n.rstrip('s').replace('_', '-')}" for n in given)
        raise click.UsageError(
            f"{names} does not apply to --plan: the plan file's columns benchmark_kind, "
            "input_length, output_length and backend give each configuration's"
        )


def _kind_metadata(configs, kind: str, sequence_lengths, from_plan: bool) -> dict:
    """The test run's record of what kind of benchmark ran, and at which lengths."""
    generations = [c for c in configs if c.is_generation]
    forward = [c for c in configs if not c.is_generation]
    metadata: dict = {"kind": kind}
    if generations:
        metadata.update(
            input_lengths=sorted({c.sequence_length for c in generations}),
            output_lengths=sorted({c.output_length for c in generations}),
            backends=sorted({c.backend for c in generations}),
        )
    if forward or not generations:
        metadata["sequence_lengths"] = (
            sorted({c.sequence_length for c in forward}) if from_plan else sequence_lengths
        )
    return metadata


def resolve_simulate_devices(names: tuple[str, ...]) -> dict[str, str]:
    """--simulate-device names -> {hardware type: device name}, checked against the catalog."""
    if not names:
        return {}
    from benchdb.simulation import load_hardware_catalog

    catalog = load_hardware_catalog()
    by_name = {d.device_name: d for d in catalog}
    chosen = {}
    for name in names:
        if name not in by_name:
            raise click.BadParameter(
                f"'{name}' is not in seeds/hardware_catalog.csv; known devices: "
                + ", ".join(sorted(by_name)),
                param_hint="--simulate-device",
            )
        chosen[by_name[name].hardware_type] = name
    return chosen


def print_run_summary(outcome) -> None:
    """The tables at the end of a run (forward passes, generations): one line per configuration,
    then every error in full, the warnings and the landed files."""
    from benchdb.text_table import render

    forward = [r for r in outcome.rows if not r.get("benchmark_kind")]
    generation = [r for r in outcome.rows if r.get("benchmark_kind")]
    if forward:
        columns = [
            "sim",
            "model",
            "hardware",
            "precision",
            "batch",
            "seq",
            "status",
            "p50_ms",
            "items/s",
            "peak_mb",
            "quality",
        ]
        rows = [
            [
                "sim" if r.get("is_simulated") else "",
                r["model_name"],
                r["hardware_type"],
                r["precision"],
                r["batch_size"],
                r.get("sequence_length"),
                r["status"],
                r.get("latency_p50_ms"),
                r.get("throughput_items_per_second"),
                r.get("memory_peak_mb"),
                r.get("quality"),
            ]
            for r in forward
        ]
        click.echo()
        click.echo(render(columns, rows))
    if generation:
        columns = [
            "sim",
            "model",
            "hardware",
            "precision",
            "batch",
            "in",
            "out",
            "backend",
            "status",
            "ttft_p50_ms",
            "tpot_p50_ms",
            "decode_tok/s",
            "peak_mb",
            "quality",
        ]
        rows = [
            [
                "sim" if r.get("is_simulated") else "",
                r["model_name"],
                r["hardware_type"],
                r["precision"],
                r["batch_size"],
                r["input_length"],
                r["output_length"],
                r["backend"],
                r["status"],
                r.get("ttft_p50_ms"),
                r.get("tpot_p50_ms"),
                r.get("decode_tokens_per_second"),
                r.get("memory_peak_mb"),
                r.get("quality"),
            ]
            for r in generation
        ]
        click.echo()
        click.echo(render(columns, rows))
    estimates = sum(1 for r in outcome.rows if r.get("is_simulated"))
    if estimates:
        click.echo(
            f"sim: {estimates} roofline estimate(s), not measurements (is_simulated; "
            "docs/simulation.md)"
        )
    # errors in full, one configuration each: a table column would cut them
    for r in outcome.rows:
        if r.get("error_message"):
            lengths = (
                f"in{r['input_length']} out{r['output_length']} {r['backend']}"
                if r.get("benchmark_kind")
                else f"s{r.get('sequence_length')}"
            )
            message = r["error_message"].strip().replace("\n", "\n    ")
            click.echo(
                f"{r['status']}: {r['model_name']} {r['hardware_type']} {r['precision']} "
                f"b{r['batch_size']} {lengths}: {message}"
            )
    for warning in outcome.warnings():
        click.echo(f"warning: {warning}")
    counts = {s: outcome.count(s) for s in sorted({r["status"] for r in outcome.rows})}
    click.echo(f"\nrun {outcome.run_id}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for path in outcome.files:
        click.echo(f"landed {path}")


COMMANDS = [run]
