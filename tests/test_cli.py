"""The `benchdb` CLI as a whole: every command's help has examples, and every example runs;
shared options have one name everywhere, old spellings still work and are hidden; bad values
get one clear line naming the option and the value.

The examples are read from each command's `--help` output and run through the real CLI, in the
order of the help, in a private site: the session's tiny landing zone plus one more run of the
same tiny models on the cpu, timed long enough (20 iterations) for latency percentiles (a run
stores p50 from 20 samples on; the session's run times 5), and the warehouse built from both;
the default data dir and warehouse point there (BENCHMARK_DATA_DIR / BENCHMARK_DB_PATH); the
inputs the examples name are there too (plan.csv, configs.csv, legacy JSON folders, the fixture
landing zone).
Only these change in an example:
- absolute paths (/srv/..., /tmp/..., /mnt/...) are moved under the site; relative ones are
  relative to it;
- a backup that does not exist is replaced by a fresh one of the same kind (folder or .tar.gz);
- a full-size model is replaced by the tiny test model of its modality, in `--model` and in the
  plan file `benchdb run --plan` reads (the site's warehouse holds only the tiny models);
- `benchdb serve` is not left running: uvicorn.run is replaced by a recorder, and the app the
  command built is asked for /health.
"""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
from pathlib import Path

import click
import pytest

from benchdb.cli import main
from benchdb.options import HIDDEN_ALIASES, AliasedOption
from tests.conftest import PROJECT_ROOT, TINY_MODELS, invoke

# the tiny test model of each full-size catalog model's modality
TINY = {
    "bert-base-uncased": "test/tiny-bert",
    "distilbert-base-uncased": "test/tiny-bert",
    "sentence-transformers/all-MiniLM-L6-v2": "test/tiny-bert",
    "t5-small": "test/tiny-bert",
    "gpt2": "test/tiny-bert",
    "vit-base-patch16-224": "test/tiny-vit",
    "whisper-tiny": "test/tiny-whisper",
}
OLD_SPELLINGS = ("--models", "--batch-sizes", "--json")
HOUSE_FORMATS = {"table", "csv", "json", "markdown", "html", "parquet"}


def command_paths(command: click.Command = main, path: tuple[str, ...] = ()):
    yield path
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from command_paths(sub, (*path, name))


def command_at(path: tuple[str, ...]) -> click.Command:
    command = main
    for name in path:
        command = command.commands[name]
    return command


COMMANDS = list(command_paths())
IDS = [" ".join(p) or "benchdb" for p in COMMANDS]
EXAMPLE = re.compile(r"^ {4,}((?:[A-Z_]+=\S+ )*benchdb(?: .*)?)$")


def examples(path: tuple[str, ...]) -> list[str]:
    """The example command lines of `benchdb PATH --help` (continuation lines joined)."""
    description = invoke(*path, "--help").output.split("\nOptions:")[0]
    lines = description.splitlines()
    found = []
    i = 0
    while i < len(lines):
        match = EXAMPLE.match(lines[i])
        if match:
            line = match.group(1)
            while line.endswith("\\"):
                i += 1
                line = line[:-1].rstrip() + " " + lines[i].strip()
            found.append(line)
        i += 1
    return found


# ------------------------------------------------------------------------ help


def test_every_command_is_walked():
    assert {"run", "build", "query", "plan", "migrate", "report", "compare", "serve"} <= {
        p[0] for p in COMMANDS if p
    }
    assert ("chart",) in COMMANDS
    assert {("db", n) for n in ("check", "optimize", "backup", "restore", "stats")} <= set(COMMANDS)
    assert {
        ("simulation", n) for n in ("mark-hardware", "mark-available", "report", "list", "run-csv")
    } <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_every_command_has_examples_of_itself(path):
    found = examples(path)
    assert found, f"`benchdb {' '.join(path)} --help` has no example"
    own = [e for e in found if f" benchdb {' '.join(path)}".rstrip() in f" {e}"]
    assert own, f"no example of `benchdb {' '.join(path)}` itself: {found}"
    for example in found:
        # a shell would expand $name inside double quotes: examples quote SQL with single quotes
        assert not re.search(r'"[^"]*\$\w', example), example
        shlex.split(example)  # quotes balanced


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_help_shows_only_canonical_spellings(path):
    text = invoke(*path, "--help").output
    for old in OLD_SPELLINGS:
        assert not re.search(rf"{old}\b", text), f"{old} in `benchdb {' '.join(path)} --help`"


# ------------------------------------------------------------------------ examples run


@pytest.fixture(scope="module")
def example_data(tiny_run, tmp_path_factory) -> Path:
    """The tiny run, one more run with latency percentiles, a tiny-llama generation run, and
    the warehouse of all three."""
    data = tmp_path_factory.mktemp("cli-examples") / "data"
    shutil.copytree(tiny_run / "landing", data / "landing")
    # generation rows for the generation charts' examples, landed before the forward run
    # so `compare --baseline previous --candidate latest` compares two forward runs
    invoke(
        "run", "--model", "test/tiny-llama", "--kind", "generate", "--input-length", "8",
        "--output-length", "4", "--batch-size", "1,2", "--warmup", "1",
        "--min-iterations", "20", "--min-duration", "0.05", "--data-dir", data,
    )  # fmt: skip
    invoke(
        "run", "--model", TINY_MODELS, "--hardware", "cpu", "--batch-size", "1,2",
        "--precision", "fp32,bf16", "--sequence-length", "16", "--warmup", "1",
        "--min-iterations", "20", "--min-duration", "0.05", "--data-dir", data,
    )  # fmt: skip
    invoke("build", "--quiet", "--data-dir", data, "--db-path", data / "benchmark.duckdb")
    return data


@pytest.fixture
def site(example_data, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "site"
    shutil.copytree(example_data / "landing", root / "data" / "landing")
    # copy, not copy2: the warehouse must not look older than the files it was built from
    shutil.copy(example_data / "benchmark.duckdb", root / "data" / "benchmark.duckdb")
    shutil.copytree(PROJECT_ROOT / "tests" / "fixtures" / "data", root / "tests/fixtures/data")
    legacy = PROJECT_ROOT / "tests" / "fixtures" / "legacy"
    shutil.copytree(legacy / "real", root / "benchmark_results")
    shutil.copytree(legacy / "real", root / "old_results")
    shutil.copytree(legacy / "variants", root / "ci_results")
    (root / "plan.csv").write_text(
        "model_name,hardware_type,batch_size,precision,sequence_length\n"
        "test/tiny-bert,cpu,1,fp32,16\n"
    )
    (root / "configs.csv").write_text(
        "model_name,hardware_type,batch_size\ntest/tiny-vit,cpu,1\ntest/tiny-vit,cuda,1\n"
    )
    monkeypatch.chdir(root)
    monkeypatch.setenv("BENCHMARK_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("BENCHMARK_DB_PATH", str(root / "data" / "benchmark.duckdb"))
    for name in ("BENCHDB_API_TOKEN", "BENCHDB_CORS_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    return root


def _tiny_models(value: str) -> str:
    return ",".join(dict.fromkeys(TINY.get(m, m) for m in value.split(",")))


def _tiny_plan(path: Path) -> None:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
        columns = list(rows[0]) if rows else None
    if not rows:
        return
    seen, kept = set(), []
    for row in rows:
        row["model_name"] = TINY.get(row["model_name"], row["model_name"])
        key = (row["model_name"], row["hardware_type"], row["batch_size"], row.get("precision"))
        if key not in seen:
            seen.add(key)
            kept.append(row)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(kept)


def _backup_like(example_path: str) -> str:
    """A real backup of the kind the example names (an archive or a folder)."""
    compress = ["--compress"] if example_path.endswith(".tar.gz") else []
    written = invoke("db", "backup", *compress).output
    return written.split("backup written: ")[1].split()[0]


def adapt(args: list[str], site: Path) -> list[str]:
    """An example's arguments, with the substitutions the module docstring lists."""
    out = []
    for i, arg in enumerate(args):
        before = args[i - 1] if i else ""
        if before in ("--model", "--models"):
            arg = _tiny_models(arg)
        elif arg.startswith("/"):
            arg = str(site / arg.lstrip("/"))
        out.append(arg)
    if out[:2] == ["db", "restore"] and not Path(out[2]).exists():
        out[2] = _backup_like(out[2])
    if out[:1] == ["run"] and "--plan" in out:
        _tiny_plan(Path(out[out.index("--plan") + 1]))
    return out


def run_example(example: str, site: Path, monkeypatch, served: list) -> None:
    for part in example.split(" && "):
        words = shlex.split(part)
        while "=" in words[0]:
            name, _, value = words.pop(0).partition("=")
            monkeypatch.setenv(name, value)
        assert words[0] == "benchdb", part
        args = adapt(words[1:], site)
        result = invoke(*args, expect_exit=None)
        assert result.exit_code == 0, f"`{part}` failed:\n{result.output}"
        if args[:1] == ["serve"]:
            assert served, f"`{part}` did not start uvicorn"


@pytest.fixture
def served(site, monkeypatch) -> list:
    """uvicorn.run replaced by a recorder; the variables a multi-worker serve sets are restored."""
    import os

    import uvicorn

    calls: list = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    for name in ("BENCHDB_CORS_ORIGINS", "BENCHDB_QUERY_ROW_LIMIT", "BENCHDB_QUERY_TIME_LIMIT"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # remembered, restored afterwards
        if not os.environ[name]:
            monkeypatch.delenv(name)
    return calls


@pytest.fixture
def torch_threads():
    import torch

    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)  # `benchdb run --threads N` sets them for the process


@pytest.mark.slow
@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_every_example_runs(path, site, served, monkeypatch, torch_threads):
    found = examples(path)
    for example in found:
        run_example(example, site, monkeypatch, served)
    for app, kwargs in served:
        if isinstance(app, str):  # several workers: uvicorn builds the app from its factory
            assert kwargs.get("factory") and kwargs["workers"] > 1
            module, _, name = app.partition(":")
            app = getattr(__import__(module, fromlist=[name]), name)()
        from fastapi.testclient import TestClient

        with TestClient(app) as client:  # built and answering (503 where no warehouse is yet)
            assert client.get("/openapi.json").status_code == 200
            assert client.get("/health").status_code in (200, 503)


def test_serve_example_builds_the_app_it_was_asked_for(site, served, monkeypatch):
    run_example(
        "BENCHDB_API_TOKEN=secret benchdb serve --host 0.0.0.0 --port 8123 "
        "--cors-origin https://dash.example.org",
        site,
        monkeypatch,
        served,
    )
    ((app, kwargs),) = served
    assert kwargs["host"] == "0.0.0.0" and kwargs["port"] == 8123
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        assert client.get("/health").status_code == 200  # the site's warehouse, by default
        preflight = client.options(
            "/health",
            headers={
                "Origin": "https://dash.example.org",
                "Access-Control-Request-Method": "GET",
            },
        )
        assert preflight.headers["access-control-allow-origin"] == "https://dash.example.org"
        # the token reached the server: a wrong one is 401 (a read-only server answers 403)
        refused = client.post("/performance", json={}, headers={"Authorization": "Bearer nope"})
        assert refused.status_code == 401


# ------------------------------------------------------------------------ shared options


def _options(path):
    return {o: p for p in command_at(path).params for o in getattr(p, "opts", [])}


SHARED = ("--model", "--hardware", "--batch-size", "--precision", "--sequence-length", "--metric")
LEAVES = [p for p in COMMANDS if not isinstance(command_at(p), click.Group)]


def test_shared_options_are_spelled_and_shown_the_same_everywhere():
    seen: dict[str, set[str]] = {}
    for path in LEAVES:
        command = command_at(path)
        ctx = click.Context(command, info_name=path[-1])
        for param in command.params:
            record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
            if record and record[0].split()[0] in SHARED:
                name, metavar = record[0].split()
                seen.setdefault(name, set()).add(metavar.replace("N", "X").replace("NAME", "X"))
                assert isinstance(param, AliasedOption)
                assert param.hidden_aliases == HIDDEN_ALIASES.get(name, ())
            if record and record[0].startswith("--format "):
                assert set(param.type.choices) <= HOUSE_FORMATS, path
    assert set(seen) == set(SHARED)
    # one value or a list of them: the same two shapes of one metavar everywhere
    for name, shapes in seen.items():
        (one,) = {shape.split("[")[0] for shape in shapes}
        assert shapes <= {one, f"{one}[,{one}...]"}, (name, shapes)


REQUIRED = {("chart",): ["heatmap"], ("query",): ["--sql", "select 1"]}


@pytest.mark.parametrize(
    "old, new, value",
    [("--models", "--model", "test/tiny-bert"), ("--batch-sizes", "--batch-size", "4")],
)
def test_old_spellings_parse_like_the_new_on_every_command(old, new, value):
    commands = [p for p in LEAVES if new in _options(p)]
    assert len(commands) >= 4
    for path in commands:
        command = command_at(path)
        base = REQUIRED.get(path, [])
        with command.make_context(path[-1], [*base, old, value]) as ctx:
            old_params = dict(ctx.params)
        with command.make_context(path[-1], [*base, new, value]) as ctx:
            assert ctx.params == old_params, path
        assert old_params != dict(command.make_context(path[-1], list(base)).params)


def test_old_plural_spellings_run_a_plan(tiny_warehouse):
    new = ["--model", "test/tiny-bert,test/tiny-vit", "--batch-size", "1,4", "--hardware", "cpu"]
    old = ["--models", "test/tiny-bert,test/tiny-vit", "--batch-sizes", "1,4", "--hardware", "cpu"]
    planned = invoke("plan", "--db-path", tiny_warehouse, *new).output
    assert invoke("plan", "--db-path", tiny_warehouse, *old).output == planned
    rows = {tuple(line.split()[:4]) for line in planned.splitlines() if line.startswith("test/")}
    # the tiny run measured batch 1 and 2 at 16 tokens; the plan wants fp32 at 128 tokens:
    # tiny-bert is missing at both batch sizes, tiny-vit (no tokens) only at batch 4
    assert rows == {
        ("test/tiny-bert", "cpu", "1", "fp32"),
        ("test/tiny-bert", "cpu", "4", "fp32"),
        ("test/tiny-vit", "cpu", "4", "fp32"),
    }


def test_old_plural_spellings_run_a_benchmark(tmp_path):
    import pyarrow.parquet as pq

    invoke(
        "run", "--models", "test/tiny-bert", "--hardware", "rocm", "--batch-sizes", "1,3",
        "--data-dir", tmp_path,
    )  # fmt: skip
    (landed,) = (tmp_path / "landing" / "benchmark_results").rglob("*.parquet")
    rows = pq.read_table(landed).to_pylist()
    assert sorted(r["batch_size"] for r in rows) == [1, 3]
    assert {r["status"] for r in rows} == {"unavailable"}


@pytest.mark.parametrize(
    "command",
    [
        ["db", "stats"],
        ["query", "--sql", "select model_name from models where model_name = 'test/tiny-vit'"],
        ["compare", "--model", "test/tiny-vit", "--batch-size", "1"],
    ],
    ids=["db stats", "query", "compare"],
)
def test_json_flag_is_format_json(command, tiny_run, tiny_warehouse):
    args = [*command, "--db-path", tiny_warehouse]
    if command[0] == "db":
        args += ["--data-dir", tiny_run]
    as_flag = invoke(*args, "--json").stdout
    assert as_flag == invoke(*args, "--format", "json").stdout
    assert json.loads(as_flag)  # JSON, and not empty


# ------------------------------------------------------------------------ bad values


@pytest.mark.parametrize(
    "args, exit_code, message",
    [
        (
            ["run", "--model", "test/tiny-bert", "--batch-size", "1,,4"],
            2,
            "Invalid value for '--batch-size': '1,,4' has an empty item: "
            "give batch sizes separated by commas",
        ),
        (
            ["run", "--model", "test/tiny-bert", "--batch-sizes", "1,,4"],
            2,
            "Invalid value for '--batch-size': '1,,4' has an empty item: "
            "give batch sizes separated by commas",
        ),
        (
            ["run", "--model", "test/tiny-bert,"],
            2,
            "Invalid value for '--model': 'test/tiny-bert,' has an empty item: "
            "give models separated by commas",
        ),
        (
            ["run", "--model", "test/tiny-bert", "--batch-size", "0"],
            2,
            "Invalid value for '--batch-size': batch size must be a positive integer, got 0",
        ),
        (
            ["run", "--model", "test/tiny-bert", "--sequence-length", "128,-1"],
            2,
            "Invalid value for '--sequence-length': "
            "sequence length must be a positive integer, got -1",
        ),
        (
            ["run", "--model", "test/tiny-bert", "--threads", "0"],
            2,
            "Invalid value for '--threads': 0 is not in the range x>=1.",
        ),
        (
            ["run", "--model", "test/tiny-bert", "--min-iterations", "0"],
            2,
            "Invalid value for '--min-iterations': 0 is not in the range x>=1.",
        ),
        (
            ["run", "--model", "test/tiny-bert", "--hardware", "cpu,tpu"],
            1,
            "Invalid value for '--hardware': unknown hardware type 'tpu'; known types: "
            "cpu, cuda, rocm, mps, openvino, webgpu, webnn, qnn",
        ),
        (
            ["plan", "--precision", "fp32,fp8"],
            1,
            "Invalid value for '--precision': unknown precision 'fp8'; use one of fp32, fp16, bf16",
        ),
        (["plan", "--limit", "-1"], 2, "Invalid value for '--limit': -1 is not in the range x>=0."),
        (
            ["run", "--model", "test/tiny-bert", "--min-duration", "nan"],
            2,
            "Invalid value for '--min-duration': 'nan' is not a finite number",
        ),
        (
            ["simulation", "run-csv", "configs.csv", "--min-duration", "inf"],
            2,
            "Invalid value for '--min-duration': 'inf' is not a finite number",
        ),
        (
            ["serve", "--time-limit", "nan"],
            2,
            "Invalid value for '--time-limit': 'nan' is not a finite number",
        ),
        (
            ["compare", "--model", "a,b"],
            2,
            "Invalid value for '--model': 'a,b': give one model, not a list",
        ),
        (
            ["compare", "--model", "a", "--batch-size", "four"],
            2,
            "Invalid value for '--batch-size': 'four' is not a batch size (a whole number)",
        ),
        (
            ["chart", "heatmap", "--dpi", "0"],
            2,
            "Invalid value for '--dpi': 0 is not in the range x>=1.",
        ),
        (
            ["chart", "dashboard", "--metric", "latency,"],
            2,
            "Invalid value for '--metric': 'latency,' has an empty item: "
            "give metrics separated by commas",
        ),
        (
            ["db", "stats", "--json", "--format", "table"],
            2,
            "Invalid value for '--json': --json means --format json, "
            "but --format table was given too",
        ),
    ],
)
def test_bad_values_are_one_line_naming_option_and_value(
    args, exit_code, message, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    Path("configs.csv").write_text("model_name,hardware_type,batch_size\ntest/tiny-bert,cpu,1\n")
    data = tmp_path / "data"
    place = ["--data-dir", data] if args[0] in ("run", "db", "simulation") else []
    if args[0] not in ("run", "simulation"):
        place += ["--db-path", tmp_path / "none.duckdb"]
    result = invoke(*args, *place, expect_exit=exit_code)
    assert result.output.strip().splitlines()[-1] == f"Error: {message}"
    assert not any("Traceback" in line for line in result.output.splitlines())
    assert not data.exists()  # nothing measured, nothing landed


def numeric_options() -> list[tuple[tuple[str, ...], click.Option]]:
    """Every option of every command whose value is a number (or a list of whole numbers)."""
    found = []
    for path in COMMANDS:
        for param in command_at(path).params:
            kind = type(param.type)
            number = issubclass(
                kind, (click.types._NumberParamTypeBase, click.types._NumberRangeBase)
            )
            listed = getattr(param.type, "cast", None) in (int, float)
            if isinstance(param, click.Option) and (number or listed):
                found.append((path, param))
    return found


def test_no_numeric_option_takes_nan_or_infinity():
    """The sweep of issue 14: every number option, fed what float() takes but no setting
    means, refuses it at parse time (a click error: one line, exit 2), never later as a
    traceback (`migrate --max-file-mb nan` did)."""
    options = numeric_options()
    assert {("migrate", "--max-file-mb"), ("run", "--time-limit"), ("serve", "--time-limit")} <= {
        (path[0], param.opts[0]) for path, param in options
    }
    for path, param in options:
        ctx = click.Context(command_at(path), info_name=" ".join(path))
        for value in ("nan", "inf", "-inf", "1e400", "-1"):
            with pytest.raises(click.BadParameter):
                param.process_value(ctx, value)
                pytest.fail(f"benchdb {' '.join(path)} {param.opts[0]} {value} was accepted")


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_migrate_refuses_a_file_size_limit_that_is_no_size(value, tmp_path):
    data = tmp_path / "data"
    result = invoke(
        "migrate", "--input-dir", tmp_path, "--data-dir", data, f"--max-file-mb={value}",
        expect_exit=2,
    )  # fmt: skip
    (line,) = [x for x in result.output.splitlines() if x.startswith("Error:")]
    assert line.startswith("Error: Invalid value for '--max-file-mb': "), line
    assert value in line
    assert "Traceback" not in result.output
    assert not data.exists()


# ------------------------------------------------------------------------ docs/old_cli.md

OLD_CLI = PROJECT_ROOT / "docs" / "old_cli.md"
OLD_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "duckdb_benchmark_api.md"


def old_cli_lines(pattern: str) -> list[str]:
    """What `pattern` finds in the map's rows (an old command line, then benchdb's)."""
    rows = [r for r in OLD_CLI.read_text(encoding="utf-8").splitlines() if r.startswith("| `py")]
    return [found for row in rows for found in re.findall(pattern, row)]


@pytest.mark.parametrize("line", old_cli_lines(r"`(benchdb [^`]+)`"))
def test_every_benchdb_line_of_the_old_cli_map_parses(line, tmp_path, monkeypatch):
    """Each line's command, options and values as the real CLI parses them (nothing runs):
    a renamed option or a value the command refuses breaks this test, not a user."""
    monkeypatch.chdir(tmp_path)
    for folder in ("benchmark_results", "old_results", "ci_results"):
        Path(folder).mkdir()
    for name in ("plan.csv", "benchmark_configs.csv"):
        Path(name).write_text("model_name,hardware_type,batch_size\n")
    args = shlex.split(line)[1:]
    command = main
    while isinstance(command, click.Group):
        command = command.commands[args.pop(0)]
    with command.make_context(command.name, args) as ctx:
        assert ctx.params


@pytest.mark.skipif(not OLD_REFERENCE.exists(), reason="the old system's documentation is not here")
def test_every_old_command_line_is_mapped():
    documented = re.findall(r"^(python -m duckdb_api\S* .*)$", OLD_REFERENCE.read_text(), re.M)
    mapped = set(old_cli_lines(r"`(python -m duckdb_api[^`]+)`"))
    assert documented and not [line for line in documented if line.strip() not in mapped]
