"""`benchdb simulation ...`: mark hardware, report and list simulated results, run a CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from benchdb.options import (
    data_dir_option,
    db_path_option,
    format_option,
    invoked_command_line,
    min_duration_option,
    output_option,
    resolve_data_dir,
    resolve_db_path,
)


@click.group()
def simulation() -> None:
    """Simulation you can trust: marks, reports and estimates, always flagged.

    \b
      benchdb simulation mark-hardware cuda --reason "CI has no GPU; cuda there is emulated"
      benchdb simulation report --format markdown --output simulation.md
      benchdb simulation accuracy
      benchdb simulation run-csv configs.csv
    """


@simulation.command("mark-hardware")
@click.argument("hardware_type")
@click.option("--reason", required=True, help="Why its results are not to be trusted as measured.")
@data_dir_option()
def mark_hardware(hardware_type, reason, data_dir) -> None:
    """Mark a hardware type simulated: later results on it are flagged when the warehouse builds.

    \b
      benchdb simulation mark-hardware cuda --reason "CI has no GPU; cuda there is emulated"
      benchdb simulation mark-hardware rocm --reason "emulated" --data-dir /srv/benchdb
    """
    from benchdb.marks import mark_hardware as write_mark

    path = write_mark(resolve_data_dir(data_dir) / "landing", hardware_type, False, reason)
    click.echo(f"marked {hardware_type} simulated: {path}\nrun `benchdb build` to apply it")


@simulation.command("mark-available")
@click.argument("hardware_type")
@click.option("--reason", default="marked available by hand", show_default=True)
@data_dir_option()
def mark_available(hardware_type, reason, data_dir) -> None:
    """End a simulated mark: results from now on count as measurements again.

    \b
      benchdb simulation mark-available cuda
      benchdb simulation mark-available cuda --reason "real A100 host back in the pool"
    """
    from benchdb.marks import mark_hardware as write_mark

    path = write_mark(resolve_data_dir(data_dir) / "landing", hardware_type, True, reason)
    click.echo(f"marked {hardware_type} available: {path}\nrun `benchdb build` to apply it")


@simulation.command()
@format_option(["json", "markdown"], default="json")
@output_option()
@db_path_option()
def report(fmt, output, db_path) -> None:
    """Totals, percentage simulated, and counts by hardware, model and reason.

    \b
      benchdb simulation report
      benchdb simulation report --format markdown --output simulation.md
    """
    from benchdb.simulation_report import generate_simulation_report, report_markdown

    data = generate_simulation_report(resolve_db_path(db_path))
    text = json.dumps(data, indent=2, default=str) if fmt == "json" else report_markdown(data)
    _emit(text, output)


@simulation.command()
@click.option("--rows", "evidence", is_flag=True, help="The evidence: one row per measured metric.")
@click.option(
    "--all", "every_device", is_flag=True, help="Every catalog device, calibrated or not."
)
@format_option(["table", "csv", "json", "markdown"], default="table")
@output_option()
@db_path_option()
def accuracy(evidence, every_device, fmt, output, db_path) -> None:
    """How far the roofline estimates are from measurements, per device and metric, and the
    calibration new estimates apply (simulation_accuracy, leave-one-out; docs/simulation.md).

    \b
      benchdb simulation accuracy
      benchdb simulation accuracy --rows --format csv --output accuracy_rows.csv
      benchdb simulation accuracy --all --format markdown
    """
    from benchdb.simulation_report import simulation_accuracy

    columns, rows = simulation_accuracy(resolve_db_path(db_path), evidence, every_device)
    _emit(_tabular(columns, rows, fmt), output)


def _tabular(columns: list[str], rows: list[tuple], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, row)) for row in rows], indent=2, default=str)
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    if fmt == "markdown":
        from benchdb.reporting.formats import markdown_table

        return markdown_table(columns, rows).rstrip("\n")
    from benchdb.text_table import render

    return render(columns, rows) + f"\n\n{len(rows)} row(s)"


@simulation.command("list")
@output_option(help="Write CSV here instead of printing a table.")
@db_path_option()
def list_simulated(output, db_path) -> None:
    """Every simulated result, with why and how it was made.

    \b
      benchdb simulation list
      benchdb simulation list --output simulated.csv
    """
    from benchdb.simulation_report import simulated_results
    from benchdb.text_table import render

    columns, rows = simulated_results(resolve_db_path(db_path))
    if output:  # checked when parsed (benchdb.options.OutputPath), before any work
        from benchdb.reporting.formats import write_text

        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(rows)
        write_text(output, buffer.getvalue())
        click.echo(f"wrote {len(rows)} simulated result(s) to {output}")
    else:
        click.echo(render(columns, rows))
        click.echo(f"\n{len(rows)} simulated result(s)")


@simulation.command("run-csv")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@min_duration_option()
@data_dir_option()
def run_csv(csv_file, min_duration, data_dir) -> None:
    """Run the configurations of a CSV; hardware this host lacks is estimated, flagged simulated.

    The CSV's columns: model_name, hardware_type, batch_size[, precision, sequence_length]
    (a plan file; generations also benchmark_kind, input_length, output_length, backend).

    \b
      benchdb simulation run-csv configs.csv
      benchdb simulation run-csv configs.csv --min-duration 0.5 --data-dir /srv/benchdb
    """
    from benchdb import simulation
    from benchdb.calibration import warehouse_for
    from benchdb.commands.run import print_run_summary
    from runners import benchmark
    from runners.catalog import load_catalog
    from runners.plan_file import read_plan
    from runners.timing import TimingSettings

    configs = read_plan(csv_file, load_catalog())
    landing_root = resolve_data_dir(data_dir) / "landing"
    with click.progressbar(length=len(configs), label="running", show_pos=True) as bar:
        outcome = benchmark.run_benchmarks(
            configs,
            TimingSettings(min_duration_seconds=min_duration),
            landing_root,
            test_name="benchdb simulation run-csv",
            on_result=lambda config, row: bar.update(1),
            options={"csv": str(csv_file)},
            command=invoked_command_line(),
            estimator=simulation.estimator(calibration_db=warehouse_for(data_dir)),
            estimate_unavailable=True,
        )
    print_run_summary(outcome)


def _emit(text: str, output: Path | None) -> None:
    if output:  # checked when parsed (benchdb.options.OutputPath), before any work
        from benchdb.reporting.formats import write_text

        write_text(output, text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text)


COMMANDS = [simulation]
