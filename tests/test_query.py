"""`benchdb query`: every format, parameters bound by DuckDB, read-only, one-line errors."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pyarrow.parquet as pq
import pytest

from tests.conftest import invoke

BERT_ROWS = "select model_name, batch_size, status from performance_results where model_name = $m"


def run_query(db, *args, expect_exit=0):
    return invoke("query", "--db-path", db, *args, expect_exit=expect_exit)


def test_parameters_are_bound_not_pasted(tiny_warehouse):
    # the tiny run tried tiny-bert on cpu and cuda x fp32 and bf16 x batch 1 and 2: 8 rows
    result = run_query(
        tiny_warehouse, "--sql", BERT_ROWS, "--param", "m=test/tiny-bert", "--format", "json"
    )
    rows = json.loads(result.stdout)
    assert len(rows) == 8
    assert {r["model_name"] for r in rows} == {"test/tiny-bert"}
    # a value that would change the statement if it were pasted in matches nothing
    injected = run_query(
        tiny_warehouse, "--sql", BERT_ROWS, "--param", "m=x' or '1'='1", "--format", "json"
    )
    assert json.loads(injected.stdout) == []


def test_numeric_parameters_are_bound_as_numbers(tiny_warehouse):
    result = run_query(
        tiny_warehouse,
        "--sql",
        "select count(*) as n from performance_results where batch_size = $b and model_name = $m",
        "--param",
        "b=2",
        "--param",
        "m=test/tiny-vit",
        "--format",
        "csv",
    )
    # tiny-vit at batch 2: cpu and cuda x fp32 and bf16 = 4 rows
    assert result.stdout.splitlines() == ["n", "4"]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown", "html"])
def test_every_text_format_holds_the_rows(tiny_warehouse, fmt, tmp_path):
    sql = (
        "select model_name, batch_size, cast(null as double) as missing, 'a|b' as piped "
        "from performance_results where model_name = $m and batch_size = 1 "
        "and hardware_type = 'cpu' order by precision"
    )
    out = tmp_path / f"out.{fmt}"
    run_query(
        tiny_warehouse,
        "--sql",
        sql,
        "--param",
        "m=test/tiny-bert",
        "--format",
        fmt,
        "--output",
        out,
    )
    text = out.read_text()
    if fmt == "table":
        lines = text.splitlines()
        assert lines[0].split() == ["model_name", "batch_size", "missing", "piped"]
        assert lines[-1] == "(2 rows)" and len(lines) == 5
        assert "NULL" in lines[2]
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows == [
            ["model_name", "batch_size", "missing", "piped"],
            ["test/tiny-bert", "1", "", "a|b"],
            ["test/tiny-bert", "1", "", "a|b"],
        ]
    elif fmt == "json":
        assert (
            json.loads(text)
            == [{"model_name": "test/tiny-bert", "batch_size": 1, "missing": None, "piped": "a|b"}]
            * 2
        )
    elif fmt == "markdown":
        lines = text.splitlines()
        assert lines[0] == "| model_name | batch_size | missing | piped |"
        assert lines[1] == "| --- | --- | --- | --- |"
        assert lines[2] == "| test/tiny-bert | 1 | NULL | a\\|b |"
        assert len(lines) == 4
    else:
        cells = _html_cells(text)
        assert cells[0] == ["model_name", "batch_size", "missing", "piped"]
        assert cells[1:] == [["test/tiny-bert", "1", "NULL", "a|b"]] * 2


def test_parquet_keeps_the_types(tiny_warehouse, tmp_path):
    out = tmp_path / "r.parquet"
    result = run_query(
        tiny_warehouse,
        "--sql",
        "select result_id, batch_size, latency_p50_ms, is_simulated, measured_at "
        "from performance_results",
        "--format",
        "parquet",
        "--output",
        out,
    )
    table = pq.read_table(out)
    assert table.num_rows == 24  # 3 models x 2 hardware x 2 precisions x 2 batch sizes
    assert str(table.schema.field("batch_size").type) == "int32"
    assert str(table.schema.field("is_simulated").type) == "bool"
    assert str(table.schema.field("measured_at").type).startswith("timestamp")
    assert "wrote 24 row(s)" in result.stderr


def test_nan_is_null_in_json(tiny_warehouse):
    result = run_query(tiny_warehouse, "--sql", "select 'nan'::double as x", "--format", "json")
    assert json.loads(result.stdout) == [{"x": None}]


def test_the_warehouse_is_read_only(tiny_warehouse):
    result = run_query(tiny_warehouse, "--sql", "drop table performance_results", expect_exit=1)
    assert "read-only" in result.output
    assert len(result.output.strip().splitlines()) == 1
    still = run_query(
        tiny_warehouse, "--sql", "select count(*) as n from performance_results", "--format", "csv"
    )
    assert still.stdout.splitlines() == ["n", "24"]


def test_sql_errors_are_one_line_with_duckdbs_message(tiny_warehouse):
    result = run_query(tiny_warehouse, "--sql", "select * from no_such_table", expect_exit=1)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: query failed: Catalog Error: Table with name no_such_table")
    syntax = run_query(tiny_warehouse, "--sql", "selec 1", expect_exit=1)
    assert syntax.output.strip().splitlines() == [
        'Error: query failed: Parser Error: syntax error at or near "selec"'
    ]


def test_missing_parameter_and_bad_parameter(tiny_warehouse):
    missing = run_query(tiny_warehouse, "--sql", "select $a", expect_exit=1)
    assert "Values were not provided for the following parameters: a" in missing.output
    bad = run_query(tiny_warehouse, "--sql", "select 1", "--param", "nonsense", expect_exit=2)
    assert "'nonsense' is not NAME=VALUE" in bad.output


def test_output_folder_must_exist_and_parquet_needs_a_file(tiny_warehouse, tmp_path):
    missing = tmp_path / "nowhere" / "x.csv"
    result = run_query(tiny_warehouse, "--sql", "select 1", "--output", missing, expect_exit=1)
    assert f"output folder {missing.parent} does not exist" in result.output
    result = run_query(tiny_warehouse, "--sql", "select 1", "--format", "parquet", expect_exit=2)
    assert "give --output" in result.output


def test_missing_warehouse_says_build_first(tmp_path):
    result = run_query(tmp_path / "none.duckdb", "--sql", "select 1", expect_exit=1)
    assert "benchdb build" in result.output


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.rows[-1][-1] += data


def _html_cells(text: str) -> list[list[str]]:
    parser = _Cells()
    parser.feed(text)
    return parser.rows
