"""The wheel works outside a checkout.

The wheel is built from this checkout and installed into fresh virtual environments that see only
the distributions a role needs (and what those distributions require), taken from this project's
environment through a `.pth` file: no download, no copy of torch.

- a hardware host: torch, transformers, pyarrow and click; `benchdb run` measures a tiny model;
- a warehouse host: the same plus the warehouse extra; `benchdb build` and `benchdb query` work on
  a temporary data directory.

Both run from a temporary working directory, so nothing from the checkout can be found.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

HOST = ("torch", "transformers", "pyarrow", "click")
WAREHOUSE = (*HOST, "duckdb", "dbt-core", "dbt-duckdb", "pandas", "plotnine", "fastapi", "uvicorn",
             "ruptures", "scipy")  # fmt: skip


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_closure(roots: tuple[str, ...]) -> set[str]:
    """The distributions `roots` need, following their requirements and the extras asked for."""
    from packaging.requirements import Requirement

    seen: set[tuple[str, str]] = set()
    todo = [(_canonical(r), "") for r in roots]
    while todo:
        name, extra = todo.pop()
        if (name, extra) in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional or platform-specific requirement not installed here
        seen.add((name, extra))
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                todo += [(_canonical(req.name), e) for e in ("", *sorted(req.extras))]
    return {name for name, _ in seen}


def site_view(roots: tuple[str, ...], folder: Path) -> Path:
    """A folder of links to the installed files of exactly the closure of `roots`."""
    folder.mkdir()
    for name in requirement_closure(roots):
        dist = metadata.distribution(name)
        for file in dist.files or []:
            top = file.parts[0]
            if top.endswith((".dist-info", ".data")) or top == ".." or top == "__pycache__":
                if top.endswith(".dist-info"):
                    target = folder / top
                    if not target.exists():
                        target.symlink_to(Path(dist.locate_file(top)))
                continue
            target = folder / top
            if not target.exists():
                target.symlink_to(Path(dist.locate_file(top)))
    return folder


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(PROJECT_ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("benchdb-*.whl")
    return built


def fresh_env(root: Path, roots: tuple[str, ...], wheel: Path) -> Path:
    """A virtual environment seeing only `roots` (and their requirements) plus the wheel."""
    venv.EnvBuilder(with_pip=False).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    view = site_view(roots, root / "site-view")
    (site / "deps.pth").write_text(f"{view}\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return root / "venv" / "bin"


def run(bin_dir: Path, *args: str, cwd: Path, data_dir: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(cwd),
        "BENCHMARK_DATA_DIR": str(data_dir),
        "BENCHMARK_DB_PATH": str(data_dir / "benchmark.duckdb"),
        "DO_NOT_TRACK": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_wheel_carries_both_packages_the_catalog_and_the_dbt_project(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "runners/benchmark.py",
        "runners/catalogs/model_catalog.csv",
        "benchdb/cli.py",
        "benchdb/commands/run.py",
        "benchdb/reporting/charts.py",
        "benchdb/project/dbt_project.yml",
        "benchdb/project/profiles.yml",
        "benchdb/project/seeds/hardware_catalog.csv",
        "benchdb/project/models/marts/core/performance_results.sql",
        "benchdb/project/macros/stable_id.sql",
    ):
        assert expected in names, expected
    assert not any(n.startswith(("tests/", "benchdb/project/tests/fixtures")) for n in names)
    # every package of the checkout is in the wheel (a new sub-package must be listed in
    # pyproject.toml)
    for init in [
        *PROJECT_ROOT.glob("runners/**/__init__.py"),
        *PROJECT_ROOT.glob("benchdb/**/__init__.py"),
    ]:
        assert str(init.relative_to(PROJECT_ROOT)) in names, init


def test_a_hardware_host_runs_the_wheel_with_only_the_runner_dependencies(wheel, tmp_path):
    bin_dir = fresh_env(tmp_path, HOST, wheel)
    work = tmp_path / "elsewhere"
    work.mkdir()
    data = tmp_path / "data"
    blocked = run(bin_dir, "python", "-c", "import duckdb", cwd=work, data_dir=data)
    assert blocked.returncode != 0 and "duckdb" in blocked.stderr  # the view really is partial
    out = run(
        bin_dir,
        "benchdb",
        "run",
        "--model",
        "test/tiny-bert",
        "--hardware",
        "cpu",
        "--batch-size",
        "1",
        "--sequence-length",
        "8",
        "--warmup",
        "1",
        "--min-iterations",
        "20",
        "--min-duration",
        "0",
        cwd=work,
        data_dir=data,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    landed = list((data / "landing" / "benchmark_results").rglob("*.parquet"))
    assert len(landed) == 1
    checker = (
        "import pyarrow.parquet as pq, sys\n"
        "t = pq.read_table(sys.argv[1]).to_pylist()\n"
        "assert [r['status'] for r in t] == ['completed'], t\n"
        "assert t[0]['iterations'] >= 20 and t[0]['latency_p50_ms'] > 0\n"
    )
    check = run(bin_dir, "python", "-c", checker, str(landed[0]), cwd=work, data_dir=data)
    assert check.returncode == 0, check.stderr[-2000:]


def test_a_warehouse_host_builds_and_queries_with_the_wheel(wheel, tmp_path):
    bin_dir = fresh_env(tmp_path, WAREHOUSE, wheel)
    work = tmp_path / "elsewhere"
    work.mkdir()
    data = tmp_path / "data"
    fixture_landing = PROJECT_ROOT / "tests" / "fixtures" / "data" / "landing"
    (data).mkdir()
    os.symlink(fixture_landing, data / "landing")
    built = run(bin_dir, "benchdb", "build", "--quiet", cwd=work, data_dir=data)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-2000:]
    answer = run(
        bin_dir,
        "benchdb",
        "query",
        "--sql",
        "select count(*) as n from performance_results",
        "--format",
        "csv",
        cwd=work,
        data_dir=data,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    # the fixture run (tests/fixtures/README.md): 4 models x 3 hardware x 2 batches x 2 precisions
    assert answer.stdout.split() == ["n", "48"]
