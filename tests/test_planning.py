"""Planning closes the loop: plan, run the plan, build, plan again."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from runners import landing
from tests.conftest import FAST_TIMING, invoke

PLAN_OPTIONS = [
    "--models",
    "test/tiny-bert,test/tiny-vit",
    "--hardware",
    "cpu",
    "--batch-sizes",
    "1,2,3",
    "--precision",
    "fp32",
    "--sequence-length",
    "16",
]


def _plan(db: Path, out: Path, *extra: str) -> list[dict]:
    invoke("plan", "--db-path", db, *PLAN_OPTIONS, *extra, "--output", out)
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _key(row: dict) -> tuple:
    return (
        row["model_name"],
        row["hardware_type"],
        row["batch_size"],
        row["precision"],
        row["sequence_length"],
    )


def _build(data: Path, db: Path) -> None:
    invoke("build", "--quiet", "--data-dir", data, "--db-path", db)


def test_plan_run_build_plan_again_shrinks_by_exactly_what_ran(tmp_path, monkeypatch):
    data, db = tmp_path / "data", tmp_path / "w.duckdb"
    _build(data, db)
    first = _plan(db, tmp_path / "plan.csv", "--missing-only")
    # 2 models x 3 batch sizes; tiny-vit takes no sequence length
    assert len(first) == 6
    assert {r["sequence_length"] for r in first if r["model_name"] == "test/tiny-vit"} == {""}
    assert all(r["reason"] == "never run" and r["attempts"] == "0" for r in first)

    # run four of them; batch size 3 of tiny-bert fails
    subset = [r for r in first if r["batch_size"] in ("1", "3")]
    with (tmp_path / "subset.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(first[0]))
        writer.writeheader()
        writer.writerows(subset)
    from runners import worker

    real = worker.make_inputs

    def fail_bert_batch_3(spec, config, batch_size, *args):
        if spec.model_name == "test/tiny-bert" and batch_size == 3:
            raise RuntimeError("kernel exploded at batch 3")
        return real(spec, config, batch_size, *args)

    # workers fork from a fresh interpreter that would not see the patch: measure in this process
    monkeypatch.setenv("BENCHDB_ISOLATION", "in_process")
    monkeypatch.setattr(worker, "make_inputs", fail_bert_batch_3)
    invoke("run", "--plan", tmp_path / "subset.csv", *FAST_TIMING, "--data-dir", data)
    _build(data, db)

    second = _plan(db, tmp_path / "plan2.csv", "--missing-only")
    completed = {_key(r) for r in subset} - {("test/tiny-bert", "cpu", "3", "fp32", "16")}
    assert {_key(r) for r in second} == {_key(r) for r in first} - completed
    failed = next(r for r in second if _key(r) == ("test/tiny-bert", "cpu", "3", "fp32", "16"))
    assert failed["reason"] == "last attempt failed"
    assert failed["attempts"] == "1"
    assert "kernel exploded at batch 3" in failed["last_error"]

    # nothing is stale yet; with a zero-day window everything measured is outdated
    assert _plan(db, tmp_path / "p3.csv", "--refresh-older-than", "30") == []
    stale = _plan(db, tmp_path / "p4.csv", "--refresh-older-than", "0")
    assert {_key(r) for r in stale} == completed
    assert all(r["plan_kind"] == "outdated" for r in stale)


def test_unsupported_is_known_not_missing(tmp_path):
    data, db = tmp_path / "data", tmp_path / "w.duckdb"
    # tiny-bert has 512 positions: sequence length 1024 is unsupported
    invoke(
        "run",
        "--model",
        "test/tiny-bert",
        "--sequence-length",
        "1024",
        *FAST_TIMING,
        "--data-dir",
        data,
    )
    _build(data, db)
    rows = _plan(db, tmp_path / "p.csv", "--missing-only", "--sequence-length", "1024")
    assert ("test/tiny-bert", "cpu", "1", "fp32", "1024") not in {_key(r) for r in rows}
    with duckdb.connect(str(db), read_only=True) as con:
        (known,) = con.execute(
            "select is_known_unsupported from benchmark_config_status "
            "where model_name = 'test/tiny-bert' and sequence_length_key = 1024"
        ).fetchone()
    assert known is True


def test_empty_plan_still_writes_its_header(tmp_path, tiny_warehouse):
    out = tmp_path / "plan.csv"
    invoke(
        "plan",
        "--db-path",
        tiny_warehouse,
        "--models",
        "test/tiny-vit",
        "--hardware",
        "cpu",
        "--batch-sizes",
        "1,2",
        "--precision",
        "fp32",
        "--missing-only",
        "--output",
        out,
    )
    lines = out.read_text().splitlines()
    assert lines[0].startswith("model_name,hardware_type,batch_size,precision")
    assert len(lines) == 1


def test_available_only_keeps_hardware_this_host_has(tmp_path, tiny_warehouse):
    result = invoke(
        "plan",
        "--db-path",
        tiny_warehouse,
        "--models",
        "test/tiny-bert",
        "--hardware",
        "cpu,cuda",
        "--batch-sizes",
        "7",
        "--precision",
        "fp32",
        "--available-only",
        "--output",
        tmp_path / "p.csv",
    )
    with (tmp_path / "p.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["hardware_type"] for r in rows] == ["cpu"]
    assert "left out cuda" in result.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "model_name,hardware_type,batch_size,colour\ntest/tiny-bert,cpu,1,red\n",
            "unknown column(s) colour",
        ),
        (
            "model_name,hardware_type,batch_size\nbert-base-uncase,cpu,1\n",
            ":2: unknown model 'bert-base-uncase'",
        ),
        (
            "model_name,hardware_type,batch_size\ntest/tiny-bert,tpu,1\n",
            ":2: unknown hardware type 'tpu'",
        ),
        (
            "model_name,hardware_type,batch_size\ntest/tiny-bert,cpu,four\n",
            ":2: batch_size 'four' is not a whole number",
        ),
        (
            "model_name,hardware_type,batch_size,sequence_length\ntest/tiny-bert,cpu,1,long\n",
            ":2: sequence_length 'long' is not a whole number",
        ),
        (
            "model_name,hardware_type,batch_size\ntest/tiny-bert,cpu,1\ntest/tiny-bert,cpu,1\n",
            ":3: duplicate of line 2",
        ),
        ("model_name,hardware_type\ntest/tiny-bert,cpu\n", "missing column(s) batch_size"),
    ],
)
def test_bad_plan_is_refused_before_anything_runs(tmp_path, body, message):
    plan = _write(tmp_path / "plan.csv", body)
    result = invoke("run", "--plan", plan, "--data-dir", tmp_path / "d", expect_exit=None)
    assert result.exit_code == 1
    assert message in result.output and "plan.csv" in result.output
    assert not landing.landed_files(tmp_path / "d" / "landing")


def test_plan_rejects_unknown_names_in_options(tiny_warehouse):
    result = invoke("plan", "--db-path", tiny_warehouse, "--models", "vit-bse", expect_exit=None)
    assert result.exit_code == 1 and "unknown model 'vit-bse'" in result.output
    result = invoke("plan", "--db-path", tiny_warehouse, "--hardware", "gpu", expect_exit=None)
    assert result.exit_code == 1 and "unknown hardware type 'gpu'" in result.output
