"""The package layout is the design: `runners` runs on a hardware host, `benchdb` on the warehouse.

Imports go one way: `benchdb` may import `runners`, never the reverse, and `runners` imports
nothing a hardware host lacks (it has torch, transformers, pyarrow and click). The old class names
live in `benchdb.compat`, which nothing else in the project imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT

HOST_PACKAGES = {"torch", "transformers", "pyarrow", "click"}
WAREHOUSE_ONLY = {"duckdb", "dbt", "pandas", "plotnine", "fastapi", "uvicorn", "pydantic"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def python_files(package: str) -> list[Path]:
    files = sorted((PROJECT_ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    return files


def test_runners_imports_nothing_from_benchdb_or_the_warehouse_stack():
    offenders = []
    for path in python_files("runners"):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top == "benchdb" or top in WAREHOUSE_ONLY:
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}: {module}")
    assert not offenders, "the hardware host's package reaches the warehouse side:\n" + "\n".join(
        offenders
    )


def test_nothing_imports_the_compatibility_layer():
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for package in ("runners", "benchdb")
        for path in python_files(package)
        if path.name != "compat.py"
        and any(
            m == "benchdb.compat" or m.startswith("benchdb.compat.") for m in imported_modules(path)
        )
    ]
    assert not offenders, f"only users import benchdb.compat: {offenders}"


def test_the_checker_sees_lazy_imports(tmp_path):
    # the rules above are only as good as the scan: it must see imports inside functions
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from benchdb.warehouse import build\n    import duckdb\n")
    assert {"benchdb.warehouse", "duckdb"} <= imported_modules(module)


def test_the_cli_runs_a_host_command_with_the_warehouse_stack_blocked(tmp_path):
    """`benchdb run --help` on a host: the CLI imports no duckdb, dbt, pandas or plotnine."""
    code = (
        "import sys\n"
        f"for blocked in {sorted(WAREHOUSE_ONLY)!r}:\n"
        "    sys.modules[blocked] = None\n"
        "from benchdb.cli import main\n"
        "sys.argv = ['benchdb', 'run', '--help']\n"
        "main()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "--model" in out.stdout
