"""One name per model and hardware vocabulary, outside the warehouse: the runner resolves model
aliases through seeds/model_aliases.csv (the seed dbt resolves legacy rows with), a bad alias
file is named with its line, a wheel carries the seed, and benchdb.legacy_shapes keeps model
names out of hardware types."""

from __future__ import annotations

import csv
import re

import pytest

from benchdb.legacy_shapes import hardware_type, metric_leaves
from runners.catalog import load_aliases, load_catalog, resolve_models
from runners.errors import CatalogError
from tests.conftest import PROJECT_ROOT

ALIASES = PROJECT_ROOT / "seeds" / "model_aliases.csv"


def test_the_runner_resolves_an_alias_to_its_catalog_model():
    specs = resolve_models(["google/t5-small", "openai/whisper-tiny", "gpt2"], load_catalog())
    assert [s.model_name for s in specs] == ["t5-small", "whisper-tiny", "gpt2"]


def test_every_alias_names_a_catalog_model_and_says_why():
    catalog = load_catalog()
    with ALIASES.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["alias"] for r in rows} >= {
        "google/t5-small",
        "openai/whisper-tiny",
        "google/vit-base-patch16-224",
    }
    for row in rows:
        assert row["model_name"] in catalog, row
        assert row["alias"] not in catalog, row  # an alias is never a catalog name itself
        assert len(row["evidence"]) > 40, row


def test_a_bad_alias_file_is_named_with_its_line(tmp_path):
    bad = tmp_path / "model_aliases.csv"
    bad.write_text("alias,model_name,evidence\nfoo/t5,t5-small,\n")
    with pytest.raises(CatalogError, match=r"model_aliases.csv:2: alias row is missing field"):
        load_aliases(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("alias,model_name,evidence\na,gpt2,x\na,gpt2,y\n")
    with pytest.raises(CatalogError, match=r"twice.csv:3: alias 'a' is listed twice"):
        load_aliases(twice)
    assert load_aliases(tmp_path / "none.csv") == {}


def test_a_wheel_carries_the_alias_seed_beside_the_catalog():
    text = (PROJECT_ROOT / "pyproject.toml").read_text()  # no tomllib on Python 3.10
    assert '"runners.catalogs" = "seeds"' in text
    data = re.search(r'^"runners\.catalogs" = \[(.*)\]$', text, re.MULTILINE)
    assert data and '"model_aliases.csv"' in data.group(1)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("CUDA", "cuda"),
        ("OpenVINO", "openvino"),
        ("apple", "mps"),
        ("Qualcomm", "qnn"),
        ("openai/clip-vit-base-patch32", None),
        ("bert-base-uncased", None),
        ("gpu", None),
        (None, None),
    ],
)
def test_hardware_keys_are_checked_against_the_vocabulary(key, expected):
    assert hardware_type(key) == expected


def test_numbers_under_metric_keys_with_their_paths():
    doc = {
        "a": {"latency_ms": [1.5, 2], "timestamp": 1740000000, "iterations": 20},
        "mem_gb": "1.25",
        "ok": True,
        "elapsed_time": False,
    }
    # worked by hand: the two latencies (array elements take their array's key) and the
    # memory written as text, listed but never read as a number (issue 14); not the timestamp,
    # the count or the booleans
    assert metric_leaves(doc) == [
        ("$.a.latency_ms[0]", "latency_ms", 1.5),
        ("$.a.latency_ms[1]", "latency_ms", 2.0),
        ("$.mem_gb", "mem_gb", None),
    ]
