"""`benchdb`: one click group over the runner and the warehouse.

Each command is a thin layer over a module you can call from Python: runners.benchmark (run),
runners.warehouse (build, query). Heavy imports (torch, duckdb) happen inside the commands.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from runners import paths
from runners.errors import BenchdbError


def _split(value: str, cast=str, name: str = "value") -> list:
    items = [v.strip() for v in value.split(",") if v.strip()]
    try:
        return [cast(v) for v in items]
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a comma-separated list of {name}s") from None


def _ints(name: str):
    def callback(ctx, param, value):
        return _split(value, int, name) if value is not None else value
    return callback


def _strings(ctx, param, value):
    return _split(value) if value is not None else value


data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Landing zone root [env BENCHMARK_DATA_DIR, default data/].",
)
db_path_option = click.option(
    "--db-path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Warehouse file [env BENCHMARK_DB_PATH, default data/benchmark.duckdb].",
)


class BenchdbGroup(click.Group):
    """Turns BenchdbError into a one-line error and a non-zero exit."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BenchdbError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=BenchdbGroup)
@click.version_option(package_name="benchdb")
def main() -> None:
    """benchdb: measure ML models, land results as Parquet, build and query the warehouse.

    \b
      benchdb run --model bert-base-uncased,t5-small --hardware cpu --batch-sizes 1,4
      benchdb build
      benchdb query --sql "select * from performance_results limit 5"
    """


@main.command()
@click.option("--model", "models", required=True, callback=_strings,
              help="Comma-separated catalog model names (seeds/model_catalog.csv).")
@click.option("--hardware", "hardware", default="cpu", show_default=True, callback=_strings,
              help="Comma-separated hardware types: cpu, cuda, rocm, mps, openvino, ...")
@click.option("--batch-sizes", default="1", show_default=True, callback=_ints("batch size"))
@click.option("--sequence-length", "sequence_lengths", default="128", show_default=True,
              callback=_ints("sequence length"),
              help="Tokens per item for text (comma-separated for several); decoder tokens for audio.")
@click.option("--precision", "precisions", default="fp32", show_default=True, callback=_strings,
              help="Comma-separated: fp32, fp16, bf16.")
@click.option("--warmup", default=5, show_default=True, help="Warm-up iterations.")
@click.option("--min-iterations", default=10, show_default=True,
              help="Timed iterations, at least.")
@click.option("--min-duration", default=1.0, show_default=True,
              help="Seconds of timed iterations, at least.")
@click.option("--time-limit", default=300.0, show_default=True,
              help="Seconds per configuration before it stops with status `timeout`.")
@click.option("--threads", type=int, default=None,
              help="torch intra-op threads (default: torch's choice).")
@click.option("--weights-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Load weights from this local directory instead of random init.")
@data_dir_option
def run(models, hardware, batch_sizes, sequence_lengths, precisions, warmup, min_iterations,
        min_duration, time_limit, threads, weights_dir, data_dir) -> None:
    """Measure models on this host and land the results as Parquet.

    Every configuration becomes a row: completed ones with their latencies, failed, timed-out,
    unsupported or unavailable ones with their status and error.

    \b
      benchdb run --model prajjwal1/bert-tiny --batch-sizes 1,4,16
      benchdb run --model gpt2 --hardware cuda --precision fp32,fp16 --batch-sizes 1,8
    """
    from runners import benchmark, landing
    from runners.catalog import load_catalog, resolve_models
    from runners.timing import TimingSettings

    landing_root = (data_dir.resolve() if data_dir else paths.data_dir()) / "landing"
    specs = resolve_models(models, load_catalog())
    try:
        settings = TimingSettings(warmup, min_iterations, min_duration, time_limit)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    configs = benchmark.expand_configs(
        specs, hardware, precisions, batch_sizes, sequence_lengths
    )
    landing.ensure_writable(landing_root)
    if threads:
        import torch

        torch.set_num_threads(threads)
    click.echo(f"benchdb run: {len(configs)} configuration(s), landing in {landing_root}")
    with click.progressbar(length=len(configs), label="measuring", show_pos=True,
                           item_show_func=lambda c: c.describe() if c else "") as bar:
        def advance(config, row):
            bar.update(1, config)
        outcome = benchmark.run_benchmarks(
            configs, settings, landing_root, weights_dir,
            on_result=advance,
            options={"models": models, "hardware": hardware, "batch_sizes": batch_sizes,
                     "sequence_lengths": sequence_lengths, "precisions": precisions,
                     "threads": threads, "weights_dir": str(weights_dir) if weights_dir else None},
        )
    _print_run_summary(outcome)
    if outcome.interrupted:
        raise click.ClickException("interrupted: what was measured so far has been landed")


def _print_run_summary(outcome) -> None:
    from runners.text_table import render

    columns = ["model", "hardware", "precision", "batch", "seq", "status", "p50_ms",
               "items/s", "peak_mb", "error"]
    rows = [
        [r["model_name"], r["hardware_type"], r["precision"], r["batch_size"],
         r.get("sequence_length"), r["status"], r.get("latency_p50_ms"),
         r.get("throughput_items_per_second"), r.get("memory_peak_mb"),
         (r.get("error_message") or "")[:50]]
        for r in outcome.rows
    ]
    click.echo()
    click.echo(render(columns, rows))
    counts = {s: outcome.count(s) for s in sorted({r["status"] for r in outcome.rows})}
    click.echo(f"\nrun {outcome.run_id}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for path in outcome.files:
        click.echo(f"landed {path}")


@main.command()
@db_path_option
@data_dir_option
@click.option("--quiet", is_flag=True, help="Print only the summary, not dbt's progress.")
def build(db_path, data_dir, quiet) -> None:
    """Build the warehouse with dbt from the landing zone and the seeds.

    The new warehouse replaces the old one only when every model and test passed.

    \b
      benchdb build
      BENCHMARK_DB_PATH=/tmp/b.duckdb benchdb build --data-dir tests/fixtures/data
    """
    from runners import warehouse
    from runners.text_table import render

    db = db_path.resolve() if db_path else paths.db_path()
    data = data_dir.resolve() if data_dir else paths.data_dir()
    echo = None if quiet else (lambda line: click.echo(line))
    counts = warehouse.build(db, data, echo=echo)
    click.echo(f"\nwarehouse built: {db}")
    click.echo(f"landing zone:    {data / 'landing'}")
    click.echo(render(["table", "rows"], list(counts.items())))


@main.command()
@click.option("--sql", required=True, help="One SQL statement; bind values with $name.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind $NAME to VALUE (numbers are bound as numbers). Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of the terminal.")
@db_path_option
def query(sql, params, fmt, output, db_path) -> None:
    """Run read-only SQL on the warehouse.

    \b
      benchdb query --sql "select * from performance_results limit 5"
      benchdb query --sql "select * from performance_results where batch_size = $b" --param b=4
    """
    from runners import warehouse
    from runners.text_table import render

    bound = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        bound[name] = warehouse.coerce_parameter(value)
    columns, rows = warehouse.query(db_path.resolve() if db_path else paths.db_path(), sql, bound)
    if fmt == "table":
        text = render(columns, rows) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})"
    elif fmt == "json":
        text = json.dumps([dict(zip(columns, r)) for r in rows], default=str, indent=2)
    else:
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(rows)
        text = buffer.getvalue().rstrip("\n")
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {len(rows)} row(s) to {output}", err=True)
    else:
        click.echo(text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
