"""`benchdb plan`: what is missing or stale, as a table and a file for `benchdb run --plan`."""

from __future__ import annotations

import click

from benchdb.options import (
    batch_size_option,
    check_known,
    db_path_option,
    generation_options,
    hardware_option,
    model_option,
    output_option,
    precision_option,
    resolve_db_path,
    sequence_length_option,
)

OVERRIDES = "(overrides the wanted matrix's)"


@click.command()
@click.option("--missing-only", is_flag=True, help="Only configurations never measured for real.")
@click.option(
    "--refresh-older-than",
    "older_than_days",
    type=click.IntRange(min=0),
    default=None,
    metavar="DAYS",
    help="Only configurations whose newest real result is older than DAYS.",
)
@click.option(
    "--priority-only",
    is_flag=True,
    help="Only missing or outdated configurations of priority 1 (the wanted matrix's).",
)
@click.option(
    "--version-change",
    is_flag=True,
    help="Also call results measured with other torch/transformers minor versions outdated.",
)
@model_option(several=True, help=f"Models {OVERRIDES}.")
@hardware_option(several=True, help=f"Hardware types {OVERRIDES}.")
@batch_size_option(several=True, help=f"Batch sizes {OVERRIDES}.")
@precision_option(several=True, help=f"Precisions {OVERRIDES}.")
@sequence_length_option(several=True, help=f"Sequence lengths {OVERRIDES}.")
@generation_options(defaults=False, help_prefix=f"Generations {OVERRIDES}: ")
@click.option(
    "--available-only",
    is_flag=True,
    help="Keep only configurations whose hardware this host has now (live detection).",
)
@output_option(help="Write the plan as CSV (header even when empty) for `benchdb run --plan`.")
@click.option(
    "--limit",
    default=40,
    show_default=True,
    type=click.IntRange(min=0),
    help="Rows to print (the file has all).",
)
@db_path_option()
def plan(
    missing_only,
    older_than_days,
    priority_only,
    version_change,
    models,
    hardware,
    batch_sizes,
    precisions,
    sequence_lengths,
    kind,
    input_lengths,
    output_lengths,
    backends,
    available_only,
    output,
    limit,
    db_path,
) -> None:
    """Plan benchmarks from what is missing or stale in the warehouse.

    Without a mode it plans both missing configurations and those older than 30 days. The
    plan holds forward passes and generations (benchmark_kind, input_length, output_length,
    backend); --kind generate (or --input-length, --output-length, --backend) wants
    generations instead of the wanted matrix's.

    \b
      benchdb plan --missing-only --model bert-base-uncased,t5-small --hardware cpu,cuda
      benchdb plan --refresh-older-than 14 --output plan.csv
      benchdb plan --priority-only --available-only --output plan.csv && benchdb run --plan plan.csv
      benchdb plan --model gpt2 --kind generate --input-length 128,512 --output plan.csv
    """
    from benchdb import planning
    from benchdb.text_table import render
    from runners.benchmark import validate_options
    from runners.catalog import load_catalog, resolve_models

    if missing_only and older_than_days is not None:
        raise click.UsageError("--missing-only and --refresh-older-than contradict each other")
    if models:
        resolve_models(models, load_catalog())
    check_known(hardware or [], precisions or [])
    validate_options(hardware or [], batch_sizes or [], precisions or [], sequence_lengths or [])
    _check_kind_options(kind, sequence_lengths, input_lengths, output_lengths, backends)
    mode = "missing" if missing_only else ("outdated" if older_than_days is not None else "both")
    request = planning.PlanRequest(
        mode=mode,
        older_than_days=30 if older_than_days is None else older_than_days,
        outdated_on_version_change=version_change,
        priority_only=priority_only,
        models=models,
        hardware=hardware,
        batch_sizes=batch_sizes,
        precisions=precisions,
        sequence_lengths=sequence_lengths,
        kind=kind,
        input_lengths=input_lengths,
        output_lengths=output_lengths,
        backends=backends,
    )
    rows = planning.build_plan(resolve_db_path(db_path), request)
    if available_only:
        rows, dropped = planning.keep_available(rows)
        for hw, reason in dropped.items():
            click.echo(f"left out {hw}: {reason}", err=True)
    if output:
        planning.write_plan(rows, output)
    # the plan's columns less its bookkeeping (last status, when tried, the newest result)
    shown = [
        c
        for c in planning.PLAN_COLUMNS
        if c not in ("last_status", "last_attempt_at", "newest_result_at")
    ]
    click.echo(render(shown, [[r[c] for c in shown] for r in rows[:limit]]))
    more = f" (first {limit} shown)" if len(rows) > limit else ""
    click.echo(
        f"\n{len(rows)} configuration(s) to run{more}"
        + (f"; plan written to {output}" if output else "")
    )


def _check_kind_options(kind, sequence_lengths, input_lengths, output_lengths, backends) -> None:
    """A forward pass takes a sequence length; a generation input and output lengths and a
    backend: given with the other kind they are a mistake, not something to ignore."""
    from runners.configuration import BACKENDS

    generation = {
        "--input-length": input_lengths,
        "--output-length": output_lengths,
        "--backend": backends,
    }
    given = [name for name, values in generation.items() if values]
    if kind == "forward" and given:
        raise click.UsageError(f"{', '.join(given)} does not apply to --kind forward")
    if sequence_lengths and (kind == "generate" or given):
        raise click.UsageError(
            "--sequence-length does not apply to generations (use --input-length)"
        )
    for backend in backends or []:
        if backend not in BACKENDS:
            raise click.BadParameter(
                f"unknown backend '{backend}'; use one of {', '.join(BACKENDS)}",
                param_hint="--backend",
            )


COMMANDS = [plan]
