"""A query result (a pyarrow Table) written as text, CSV, JSON, Parquet, Markdown or HTML."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

QUERY_FORMATS = ("table", "csv", "json", "parquet", "markdown", "html")


def _plain(value: object) -> object:
    """A JSON-safe value: NaN and infinities become null; timestamps as str() writes them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (datetime, date)):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def number_text(value: float) -> str:
    """Four significant figures for very small or large numbers, three decimals otherwise."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return ""
    return f"{value:.4g}" if abs(value) < 1e-3 or abs(value) >= 1e6 else f"{value:.3f}"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def rows_of(table) -> tuple[list[str], list[tuple]]:
    columns = list(table.column_names)
    data = table.to_pylist()
    return columns, [tuple(row[c] for c in columns) for row in data]


def to_table_text(table) -> str:
    from benchdb.text_table import render

    columns, rows = rows_of(table)
    return render(columns, rows) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})"


def to_csv(table) -> str:
    columns, rows = rows_of(table)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n")


def to_json(table) -> str:
    """A JSON array of objects, one per row (NULL and NaN are null)."""
    return json.dumps(_plain(table.to_pylist()), default=str, indent=2)


def _markdown_cell(value: object) -> str:
    if value is None:
        text = "NULL"
    elif isinstance(value, float):
        text = number_text(value)
    else:
        text = _text(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    head = "| " + " | ".join(_markdown_cell(c) for c in columns) + " |"
    rule = "| " + " | ".join("---" for _ in columns) + " |"
    body = ["| " + " | ".join(_markdown_cell(v) for v in row) + " |" for row in rows]
    return "\n".join([head, rule, *body])


def to_markdown(table) -> str:
    return markdown_table(*rows_of(table))


def html_table(columns: list[str], rows: list[tuple], css_class: str = "data") -> str:
    """An escaped <table>; NULL cells are empty and marked with class null."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for value in row:
            if value is None or (isinstance(value, float) and math.isnan(value)):
                cells.append('<td class="null">NULL</td>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<td class="num">{html.escape(number_text(value))}</td>')
            else:
                cells.append(f"<td>{html.escape(_text(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="{css_class}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


PAGE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table.data { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0 1.5em; }
table.data th, table.data td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
table.data th { background: #f0f0f0; text-align: left; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data td.null { color: #999; }
.simulated-note { background: #fff4d6; border: 1px solid #e0b84c; padding: 0.6em 1em; }
"""


def html_page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def to_html(table, title: str = "benchdb query") -> str:
    columns, rows = rows_of(table)
    body = (
        f"<h1>{html.escape(title)}</h1>\n{html_table(columns, rows)}\n"
        f"<p>{len(rows)} row{'s' if len(rows) != 1 else ''}</p>"
    )
    return html_page(title, body)


def render_text(table, fmt: str) -> str:
    """Every text format; parquet is binary and goes through `write_parquet`."""
    if fmt == "table":
        return to_table_text(table)
    if fmt == "csv":
        return to_csv(table)
    if fmt == "json":
        return to_json(table)
    if fmt == "markdown":
        return to_markdown(table)
    if fmt == "html":
        return to_html(table)
    raise ValueError(f"not a text format: {fmt}")


def _refused(path: Path, exc: OSError):
    from benchdb.reporting.data import ReportError

    return ReportError(f"cannot write {path}: {exc.strerror or exc}")


def write_parquet(table, path: Path) -> None:
    """The table as a zstd Parquet file; an OS refusal (disk full, a folder removed since the
    --output check) is a one-line ReportError, not a traceback."""
    import pyarrow.parquet as pq

    try:
        pq.write_table(table, path, compression="zstd")
    except OSError as exc:
        raise _refused(path, exc) from None


def write_text(path: Path, text: str) -> Path:
    """`text` to an output file (UTF-8, ending in a newline); an OS refusal is a one-line
    ReportError naming the file."""
    try:
        Path(path).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise _refused(path, exc) from None
    return Path(path)
