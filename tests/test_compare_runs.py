"""`benchdb compare --baseline X --candidate Y` on a warehouse written by hand: the speedup per
configuration measured on both sides, its interval, and the geometric mean over those alone.
(tests/test_regressions.py compares two commits of real runner rows.)"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import stats

from tests.conftest import invoke

# configuration -> (baseline iterations, candidate iterations), in ms
SAMPLES = {
    "a": ([10.0, 10.2, 9.8, 10.1, 9.9], [8.0, 8.1, 7.9, 8.2, 7.8]),
    "b": ([20.0, 20.4, 19.6, 20.2], [21.0, 20.8, 21.2, 21.1]),
}
ONLY_CANDIDATE = ("c", [1.0, 1.1, 0.9])  # 10x faster than anything: must not sway the mean


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("compare") / "benchmark.duckdb"
    points, results = [], []

    def add(config: str, run_id: str, commit: str, torch: str, samples: list[float]) -> None:
        result_id = f"{run_id}-{config}"
        points.append(
            (
                result_id,
                run_id,
                f"series-{config}",
                config,
                commit,
                torch,
                float(np.median(samples)),
            )
        )
        results.append((result_id, samples, float(np.mean(samples))))

    for config, (before, after) in SAMPLES.items():
        add(config, "run-1", "aaaaaaa1111", "2.12.0", before)
        add(config, "run-2", "bbbbbbb2222", "2.13.0", after)
    add(ONLY_CANDIDATE[0], "run-2", "bbbbbbb2222", "2.13.0", ONLY_CANDIDATE[1])
    with duckdb.connect(str(db)) as con:
        con.sql(
            "create table regression_points (result_id varchar, run_id varchar, "
            "series_id varchar, model_name varchar, git_commit varchar, torch_version varchar, "
            "metric_value double, metric varchar default 'latency_p50_ms', "
            "hardware_type varchar default 'cpu', device_name varchar default 'vCPU', "
            "configuration_label varchar default 'batch 1', precision varchar default 'fp32', "
            "batch_size integer default 1, measured_at timestamptz default now())"
        )
        con.executemany(
            "insert into regression_points (result_id, run_id, series_id, model_name, "
            "git_commit, torch_version, metric_value) values (?, ?, ?, ?, ?, ?, ?)",
            points,
        )
        con.sql(
            "create table performance_results (result_id varchar, latencies_ms double[], "
            "latency_mean_ms double)"
        )
        con.executemany("insert into performance_results values (?, ?, ?)", results)
        con.sql("create table regressions (series_id varchar)")
    return db


def _expected(before: list[float], after: list[float]) -> tuple[float, float, float]:
    """The speedup and its 95% interval, computed here: the log ratio's delta-method variance
    with Welch's degrees of freedom."""
    b, a = np.asarray(before), np.asarray(after)
    ratio = b.mean() / a.mean()
    vb, va = b.var(ddof=1) / len(b) / b.mean() ** 2, a.var(ddof=1) / len(a) / a.mean() ** 2
    df = (vb + va) ** 2 / (vb**2 / (len(b) - 1) + va**2 / (len(a) - 1))
    half = stats.t.ppf(0.975, df) * math.sqrt(vb + va)
    return ratio, ratio * math.exp(-half), ratio * math.exp(half)


def _compare(db: Path, *args: str) -> dict:
    out = invoke("compare", *args, "--format", "json", "--db-path", db).output
    return json.loads(out)


@pytest.mark.parametrize(
    "baseline, candidate",
    [
        ("run-1", "run-2"),
        ("commit:aaaaaaa", "commit:bbbbbbb"),
        ("aaaaaaa1111", "bbbbbbb"),
        ("torch_version=2.12.0", "torch_version=2.13.0"),
        ("previous", "latest"),
    ],
)
def test_speedups_and_their_intervals_per_common_configuration(warehouse, baseline, candidate):
    answer = _compare(warehouse, "--baseline", baseline, "--candidate", candidate)
    rows = {r["model_name"]: r for r in answer["configurations"]}
    assert sorted(rows) == ["a", "b"]
    for config, (before, after) in SAMPLES.items():
        ratio, low, high = _expected(before, after)
        row = rows[config]
        assert row["speedup"] == pytest.approx(ratio)
        assert row["speedup_low"] == pytest.approx(low)
        assert row["speedup_high"] == pytest.approx(high)
        assert row["baseline_samples"] == len(before)
        assert row["candidate_samples"] == len(after)
    assert answer["only_in_candidate"] == 1 and answer["only_in_baseline"] == 0


def test_the_geometric_mean_covers_common_configurations_only(warehouse):
    answer = _compare(warehouse, "--baseline", "run-1", "--candidate", "run-2")
    a = _expected(*SAMPLES["a"])[0]
    b = _expected(*SAMPLES["b"])[0]
    assert answer["geometric_mean_speedup"] == pytest.approx(math.sqrt(a * b))
    low, high = answer["geometric_mean_low"], answer["geometric_mean_high"]
    assert low < answer["geometric_mean_speedup"] < high


def test_the_table_says_what_was_left_out(warehouse):
    out = invoke(
        "compare", "--baseline", "run-1", "--candidate", "run-2", "--db-path", warehouse
    ).output
    assert "geometric mean over the 2 configuration(s) measured on both sides" in out
    assert (
        "left out: 0 configuration(s) measured only in the baseline, 1 only in the candidate"
        in (out)
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--baseline", "run-1"], "give both --baseline and --candidate"),
        (["--baseline", "nope", "--candidate", "run-2"], "--baseline 'nope' is no run id"),
        (["--baseline", "run-1", "--candidate", "gpu=h100"], "'gpu' is not an environment"),
        (["--baseline", "run-1", "--candidate", "run:none"], "has no measured results"),
        (
            ["--baseline", "run-1", "--candidate", "run-1", "--model", "zzz"],
            "no configuration was measured in both",
        ),
    ],
)
def test_bad_sides_are_one_line(warehouse, args, message):
    result = invoke("compare", *args, "--db-path", warehouse, expect_exit=None)
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output
