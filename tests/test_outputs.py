"""Every output path is checked before any work starts: one line naming --output, the path
and why, exit 1, no traceback, nothing written.

The places of issue 14 (`report --output /proc/r.html`, `query --output` into a missing
folder, `chart dashboard --output` somewhere unwritable), a read-only folder, a folder where a
file is wanted (a file where the dashboard's folder is wanted), and a read-only file, on every
command that writes an --output: report, query, each chart, the dashboard, compare,
simulation report and list, plan. The warehouse named is one that does not exist: a command
that did any work before checking its output would fail on the warehouse instead.

A read-only folder stops only ordinary users (root writes anywhere), so when the tests run as
root the command runs with the effective user id of `nobody`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from benchdb.reporting import visualizer
from benchdb.reporting.data import ReportError, check_output_file
from tests.conftest import invoke

NOBODY = 65534
PREFIX = "Error: Invalid value for '--output': "

# command line (less --output and --db-path) -> the name of a file it may write
COMMANDS = {
    "report": (["report", "performance"], "r.html"),
    "report markdown": (["report", "hardware", "--format", "markdown"], "r.md"),
    "query": (["query", "--sql", "select 1 as x", "--format", "csv"], "q.csv"),
    "query parquet": (["query", "--sql", "select 1 as x", "--format", "parquet"], "q.parquet"),
    "chart hardware-comparison": (["chart", "hardware-comparison"], "c.png"),
    "chart model-comparison": (["chart", "model-comparison", "--metric", "latency"], "m.svg"),
    "chart batch-size": (["chart", "batch-size"], "b.pdf"),
    "chart heatmap": (["chart", "heatmap"], "h.png"),
    "chart history": (["chart", "history"], "h.png"),
    "chart dashboard": (["chart", "dashboard"], "dash"),
    "compare": (["compare", "--model", "test/tiny-bert"], "c.csv"),
    "simulation report": (["simulation", "report"], "s.json"),
    "simulation list": (["simulation", "list"], "s.csv"),
    "plan": (["plan"], "plan.csv"),
}
IDS = list(COMMANDS)


@contextlib.contextmanager
def as_ordinary_user():
    """The effective user is `nobody` while inside, when the tests run as root."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.fixture
def read_only_folder():
    """A folder under /tmp (which nobody may enter) that nobody may write in."""
    folder = Path(tempfile.mkdtemp(prefix="benchdb-read-only-"))
    (folder / "old.csv").write_text("kept\n")
    (folder / "old.csv").chmod(0o444)
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)


def refused(args: list, output: Path | str, tmp_path: Path, ordinary: bool = False) -> str:
    """Run the command with --output; it must stop with exit 1 and one line; returns it."""
    cli = [*args, "--output", output, "--db-path", tmp_path / "no-warehouse.duckdb"]
    with as_ordinary_user() if ordinary else contextlib.nullcontext():
        result = invoke(*cli, expect_exit=None)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("name", IDS)
def test_proc_is_refused(name, tmp_path):
    # the issue's `report --output /proc/r.html`: /proc exists, but no file can be made there
    args, file_name = COMMANDS[name]
    line = refused(args, f"/proc/{file_name}", tmp_path)
    assert line == (
        f"{PREFIX}cannot write /proc/{file_name}: output folder /proc accepts no new files "
        "(No such file or directory)"
    )
    assert not Path(f"/proc/{file_name}").exists()


@pytest.mark.parametrize("name", IDS)
def test_a_missing_folder_is_refused(name, tmp_path):
    # the issue's `query --output` into a missing folder
    args, file_name = COMMANDS[name]
    missing = tmp_path / "no" / "such" / file_name
    line = refused(args, missing, tmp_path)
    assert line == f"{PREFIX}output folder {missing.parent} does not exist (for {missing})"
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("name", IDS)
def test_a_read_only_folder_is_refused(name, tmp_path, read_only_folder):
    # the issue's `chart dashboard --output` into an unwritable place
    args, file_name = COMMANDS[name]
    target = read_only_folder / file_name
    line = refused(args, target, tmp_path, ordinary=True)
    assert line == (
        f"{PREFIX}cannot write {target}: output folder {read_only_folder} accepts no new files "
        "(Permission denied)"
    )
    assert sorted(p.name for p in read_only_folder.iterdir()) == ["old.csv"]


@pytest.mark.parametrize("name", [n for n in IDS if n != "chart dashboard"])
def test_a_folder_is_not_a_file(name, tmp_path):
    args, _ = COMMANDS[name]
    folder = tmp_path / "a-folder"
    folder.mkdir()
    line = refused(args, folder, tmp_path)
    assert line == f"{PREFIX}output {folder} is a folder, not a file"
    assert list(folder.iterdir()) == []


def test_the_dashboard_needs_a_folder_not_a_file(tmp_path):
    target = tmp_path / "dash.png"
    target.write_text("a file")
    line = refused(["chart", "dashboard"], target, tmp_path)
    assert line == f"{PREFIX}output {target} is a file, not a folder"
    assert target.read_text() == "a file"


@pytest.mark.parametrize("name", ["report", "query", "compare", "simulation list"])
def test_a_read_only_file_is_refused_and_kept(name, tmp_path, read_only_folder):
    args, _ = COMMANDS[name]
    old = read_only_folder / "old.csv"
    if name == "report":
        args = ["report", "performance", "--format", "csv"]
    line = refused(args, old, tmp_path, ordinary=True)
    assert line == f"{PREFIX}cannot write {old}: Permission denied"
    assert old.read_text() == "kept\n"


def test_a_file_where_the_folder_should_be(tmp_path):
    blocker = tmp_path / "report.html"
    blocker.write_text("x")
    target = blocker / "r.html"
    line = refused(COMMANDS["report"][0], target, tmp_path)
    assert line == f"{PREFIX}output folder {blocker} is a file, not a folder (for {target})"


def test_the_suffix_of_the_format_is_checked_before_work(tmp_path):
    line = refused(["report", "hardware", "--format", "csv"], tmp_path / "r.html", tmp_path)
    assert line == f"{PREFIX}output file {tmp_path / 'r.html'}: the name must end in .csv"
    line = refused(["chart", "heatmap"], tmp_path / "h.gif", tmp_path)
    assert line == (
        f"{PREFIX}output file {tmp_path / 'h.gif'}: the name must end in .png or .svg or .pdf"
    )
    # a Parquet file under a text file's name: refused like the others
    line = refused(COMMANDS["query parquet"][0], tmp_path / "q.csv", tmp_path)
    assert line == f"{PREFIX}output file {tmp_path / 'q.csv'}: the name must end in .parquet"
    assert not (tmp_path / "q.csv").exists()


def test_a_backup_folder_that_cannot_be_written_is_one_line(tmp_path, read_only_folder):
    data_dir = tmp_path / "data"
    (data_dir / "landing").mkdir(parents=True)
    place = ["--data-dir", data_dir, "--db-path", tmp_path / "no-warehouse.duckdb"]
    for target, why in (
        ("/proc/backups", "cannot create /proc/backups: No such file or directory"),
        (
            read_only_folder,
            f"output folder {read_only_folder} accepts no new files (Permission denied)",
        ),
    ):
        with as_ordinary_user():
            result = invoke("db", "backup", "--dir", target, *place, expect_exit=None)
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [f"Error: Invalid value for '--dir': {why}"]
    assert os.listdir(read_only_folder) == ["old.csv"]
    deeper = tmp_path / "new" / "backups"  # a folder that is not there yet is made, as before
    assert "backup written" in invoke("db", "backup", "--dir", deeper, *place).output
    assert len(list(deeper.glob("benchdb-backup-*"))) == 1


def test_an_unwritable_default_output_is_refused(tmp_path, read_only_folder, monkeypatch):
    # no --output: the default file (or the dashboard's folder) is in the current folder
    monkeypatch.chdir(read_only_folder)
    for args, default in (
        (["report", "performance"], "performance-report.html"),
        (["chart", "heatmap"], "heatmap-throughput.png"),
        (["chart", "dashboard"], "dashboard"),
    ):
        with as_ordinary_user():
            result = invoke(*args, "--db-path", tmp_path / "no-warehouse.duckdb", expect_exit=None)
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [
            f"{PREFIX}cannot write {read_only_folder / default}: output folder "
            f"{read_only_folder} accepts no new files (Permission denied)"
        ]


def test_a_writable_place_is_written_and_the_check_leaves_nothing(tiny_warehouse, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    invoke("report", "performance", "--output", out / "r.html", "--db-path", tiny_warehouse)
    invoke("query", "--sql", "select 1 as x", "--format", "csv", "--output", out / "q.csv",
           "--db-path", tiny_warehouse)  # fmt: skip
    (out / "q.csv").write_text("old\n")  # an existing file is replaced
    invoke("query", "--sql", "select 2 as y", "--format", "csv", "--output", out / "q.csv",
           "--db-path", tiny_warehouse)  # fmt: skip
    assert (out / "q.csv").read_text().splitlines() == ["y", "2"]
    assert sorted(p.name for p in out.iterdir()) == ["q.csv", "r.html"]


# ---------------------------------------------------------------- the Python API


def test_check_output_file_in_python(tmp_path, read_only_folder):
    assert check_output_file(tmp_path / "x.png", (".png",)) == tmp_path / "x.png"
    assert check_output_file(tmp_path, folder=True) == tmp_path
    assert check_output_file(tmp_path, folder=None) == tmp_path
    assert check_output_file(tmp_path / "new-folder", folder=True) == tmp_path / "new-folder"
    with pytest.raises(ReportError, match=r"^output .* is a folder, not a file$"):
        check_output_file(tmp_path)
    with pytest.raises(ReportError, match="accepts no new files"):
        check_output_file(Path("/proc/x.png"), (".png",))
    with as_ordinary_user(), pytest.raises(ReportError, match=r"\(Permission denied\)$"):
        check_output_file(read_only_folder, folder=True)
    assert stat.S_IMODE(read_only_folder.stat().st_mode) == 0o555
    assert list(tmp_path.glob(".benchdb-write-check-*")) == []


def test_the_old_visualizer_checks_before_reading(tmp_path):
    with pytest.raises(ReportError) as caught:
        visualizer.create_hardware_heatmap(
            output_file="/proc/heat.png", db_path=tmp_path / "no-warehouse.duckdb"
        )
    assert str(caught.value) == (
        "cannot write /proc/heat.png: output folder /proc accepts no new files "
        "(No such file or directory)"
    )
    with pytest.raises(ReportError, match="accepts no new files"):
        visualizer.create_dashboard("/proc/dash", db_path=tmp_path / "no-warehouse.duckdb")
