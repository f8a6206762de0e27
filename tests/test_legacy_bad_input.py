"""Bad input to `benchdb migrate`: each bad file or folder gets a clear message naming it, the
rest migrates, and nothing already stored is lost."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from benchdb import migrate as library
from tests.conftest import invoke
from tests.test_migrate import LEGACY_DIR, manifest_rows

GOOD = "perf_direct_runner_bert-tiny_cpu.json"


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copyfile(LEGACY_DIR / GOOD, folder / "good.json")
    return folder


def migrate(folder: Path, data: Path, *extra: str, expect_exit: int = 0):
    return invoke(
        "migrate", "--input-dir", folder, "--data-dir", data, *extra, expect_exit=expect_exit
    )


def reasons(data: Path) -> dict[str, str]:
    return {
        Path(r["original_path"]).name: r["reason"]
        for r in manifest_rows(data)
        if r["status"] == "quarantined"
    }


def registered(data: Path) -> set[str]:
    return {
        Path(r["original_path"]).name for r in manifest_rows(data) if r["status"] == "registered"
    }


def test_each_bad_file_is_quarantined_with_its_reason_and_the_rest_migrates(inbox, tmp_path):
    (inbox / "truncated.json").write_text('{"model": "x", "batch_results": {"1": ')
    (inbox / "latin1.json").write_bytes(b'{"model": "caf\xe9"}')
    (inbox / "nan.json").write_text(
        '{"model": "m", "hardware": "cpu", "batch_results": {}, "x": NaN}'
    )
    (inbox / "bom.json").write_bytes(b'\xef\xbb\xbf{"model": "m"}')
    (inbox / "empty.json").write_text("")
    (inbox / "unknown_shape.json").write_text('{"colour": "red", "size": 3}')
    (inbox / "scalar.json").write_text("42")
    (inbox / "surrogate.json").write_text('{"model": "\\ud800", "batch_results": {}}')
    (inbox / "deep.json").write_text("[" * 5000 + "]" * 5000)
    data = tmp_path / "data"
    result = migrate(inbox, data)
    # a structure no parser knows is registered (shape U), never quarantined with its numbers
    assert "3 registered, 7 quarantined" in result.output
    why = reasons(data)
    unknown = {
        Path(r["original_path"]).name: (r["shape"], r["reason"])
        for r in manifest_rows(data)
        if r["status"] == "registered" and r["shape"] == "U"
    }
    assert unknown == {
        "unknown_shape.json": ("U", "unrecognised shape: top-level keys colour, size"),
        "scalar.json": ("U", "unrecognised shape: a top-level JSON int"),
    }
    assert (
        why["truncated.json"] == "invalid JSON: Expecting value at line 1 column 39"
    )  # 38 characters, then nothing
    assert why["latin1.json"] == "not UTF-8: byte 0xe9 at offset 14"
    assert why["nan.json"] == "invalid JSON: non-standard JSON constant NaN"
    assert why["bom.json"].startswith("starts with a UTF-8 byte-order mark")
    assert why["empty.json"] == "invalid JSON: Expecting value at line 1 column 1"
    assert why["surrogate.json"] == "invalid JSON: unpaired UTF-16 surrogate \\ud800"
    assert why["deep.json"] == "invalid JSON: nested too deeply"
    # every reason is listed in the report, one line per file, naming it
    for name, reason in [*why.items(), *((n, r) for n, (_, r) in unknown.items())]:
        assert f"{inbox / name}: {reason}" in result.output
    assert registered(data) == {"good.json", "unknown_shape.json", "scalar.json"}
    # the quarantined bytes are kept, not lost
    kept = {p.read_bytes() for p in (data / "landing/legacy_quarantine").rglob("*.json")}
    assert b'{"model": "caf\xe9"}' in kept and len(kept) == 7


def test_quarantined_files_are_not_recorded_again(inbox, tmp_path):
    (inbox / "truncated.json").write_text("{")
    data = tmp_path / "data"
    migrate(inbox, data)
    again = migrate(inbox, data)
    assert "1 already registered, 1 quarantined" in again.output
    assert f"{inbox / 'truncated.json'}: invalid JSON" in again.output
    assert len(manifest_rows(data)) == 2


def test_missing_directory_alone_is_an_error(tmp_path):
    result = migrate(tmp_path / "nope", tmp_path / "data", expect_exit=1)
    assert f"Error: input directory {tmp_path / 'nope'} does not exist" in result.output
    assert not (tmp_path / "data").exists()


def test_missing_directory_beside_a_good_one_is_reported_and_the_rest_migrates(inbox, tmp_path):
    data = tmp_path / "data"
    result = invoke("migrate", "--consolidate", inbox, tmp_path / "nope", "--data-dir", data)
    assert f"problem: input directory {tmp_path / 'nope'} does not exist" in result.output
    assert registered(data) == {"good.json"}


def test_too_large_file_is_refused_without_reading_it(inbox, tmp_path):
    big = inbox / "big.json"
    with open(big, "w") as handle:  # 1.5 MiB of valid JSON
        handle.write('{"model": "m", "batch_results": {}, "pad": "' + "x" * (3 * 2**19) + '"}')
    data = tmp_path / "data"
    result = migrate(inbox, data, "--max-file-mb", "1")
    assert reasons(data)["big.json"] == (
        "too large: 1.5 MiB is over the 1 MiB limit (--max-file-mb); not read"
    )
    assert "1 registered, 1 quarantined" in result.output
    row = next(r for r in manifest_rows(data) if r["file_name"] == "big.json")
    assert row["size_bytes"] == big.stat().st_size and row["sha256"] is None


def test_symlink_loop_is_reported_once_and_files_migrate_once(inbox, tmp_path):
    (inbox / "sub").mkdir()
    shutil.copyfile(LEGACY_DIR / "odd_real_vs_sim_failure.json", inbox / "sub" / "r.json")
    (inbox / "sub" / "back").symlink_to(inbox, target_is_directory=True)
    data = tmp_path / "data"
    result = migrate(inbox, data)
    assert "problem: symlink loop:" in result.output
    assert f"{inbox / 'sub' / 'back'}" in result.output
    assert registered(data) == {"good.json", "r.json"}
    assert len(manifest_rows(data)) == 2


def test_unreadable_entries_are_named(inbox, tmp_path):
    (inbox / "dangling.json").symlink_to(tmp_path / "gone.json")
    os.mkfifo(inbox / "pipe.json")  # would block a naive reader forever
    data = tmp_path / "data"
    result = migrate(inbox, data)
    why = reasons(data)
    assert why["dangling.json"] == "cannot read: No such file or directory"
    assert why["pipe.json"] == "not a regular file"
    assert "1 registered, 2 quarantined" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_file_without_read_permission_is_named(inbox, tmp_path):
    locked = inbox / "locked.json"
    shutil.copyfile(LEGACY_DIR / GOOD, locked)
    locked.chmod(0)
    try:
        migrate(inbox, tmp_path / "data")
        assert reasons(tmp_path / "data")["locked.json"] == "cannot read: Permission denied"
    finally:
        locked.chmod(0o644)


def test_what_duckdb_refuses_is_quarantined_before_the_build_sees_it(inbox, tmp_path, monkeypatch):
    # take away the surrogate check: the file passes Python's parser, DuckDB's reader refuses it
    monkeypatch.setattr(library, "_LONE_SURROGATE", library.re.compile(r"(?!x)x"))
    (inbox / "surrogate.json").write_text('{"model": "\\ud800", "batch_results": {}}')
    data = tmp_path / "data"
    migrate(inbox, data)
    why = reasons(data)["surrogate.json"]
    assert why.startswith("DuckDB's JSON reader refuses it: Malformed JSON")
    assert not list((data / "landing/legacy_files").rglob("*.json"))[1:]  # only good.json left
    again = migrate(inbox, data)
    assert "1 already registered, 1 quarantined" in again.output
    assert len(manifest_rows(data)) == 2


def test_nothing_already_stored_is_lost(inbox, tmp_path):
    data = tmp_path / "data"
    migrate(inbox, data)
    before = {p: p.read_bytes() for p in (data / "landing").rglob("*") if p.is_file()}
    later = tmp_path / "later"
    later.mkdir()
    (later / "bad.json").write_text("{nope")
    shutil.copyfile(LEGACY_DIR / "perf_placeholder_bert_cpu.json", later / "d.json")
    migrate(later, data)
    after = {p: p.read_bytes() for p in (data / "landing").rglob("*") if p.is_file()}
    assert all(after[p] == content for p, content in before.items())
    assert registered(data) == {"good.json", "d.json"}


def test_corrupt_manifest_is_named(inbox, tmp_path):
    data = tmp_path / "data"
    migrate(inbox, data)
    (manifest,) = (data / "landing/legacy_manifest").rglob("*.parquet")
    manifest.write_bytes(b"not parquet")
    result = migrate(inbox, data, expect_exit=1)
    assert f"Error: corrupt legacy manifest file {manifest}" in result.output
