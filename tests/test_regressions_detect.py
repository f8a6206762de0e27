"""The detector on series built by hand: the statuses, the change point, the interval, the
settings. (tests/test_regressions.py runs it on real runner rows, through dbt.)"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchdb.regressions import Settings, analyse_series, detect, t_test, what_changed

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
# a fixed wiggle of about 1%: deterministic, and no two neighbours equal
WIGGLE = 0.01 * np.sin(np.arange(60) * 2.3)


def points(values, metric="latency_p50_ms", quality="ok", **columns) -> pd.DataFrame:
    n = len(values)
    frame = pd.DataFrame(
        {
            "series_id": "s",
            "metric": metric,
            "model_name": "m",
            "hardware_type": "cpu",
            "is_higher_better": metric == "throughput_items_per_second",
            "metric_value": np.asarray(values, dtype=float),
            "point_number": np.arange(1, n + 1),
            "run_id": [f"run{i + 1}" for i in range(n)],
            "result_id": [f"result{i + 1}" for i in range(n)],
            "measured_at": [START + timedelta(days=i) for i in range(n)],
            "quality": quality,
            "torch_version": "2.12.0",
        }
    )
    for name, value in columns.items():
        frame[name] = value
    return frame


def level(n: int, start: int = 0) -> np.ndarray:
    return 10.0 * (1 + WIGGLE[start : start + n])


def test_t_tests_agree_with_scipy():
    before, after = level(20), level(5, 20) * 1.04
    for pooled in (False, True):
        ours = t_test(before, after, pooled=pooled)
        theirs = stats.ttest_ind(after, before, equal_var=pooled, alternative="greater")
        assert ours.t == pytest.approx(theirs.statistic)
        assert ours.p_up() == pytest.approx(theirs.pvalue)
        assert ours.p_down() == pytest.approx(1 - theirs.pvalue)


def test_a_step_is_a_regression_dated_to_its_first_run():
    values = np.concatenate([level(20), level(5, 20) * 1.10])
    row = analyse_series(points(values), Settings())
    assert row["status"] == "regression" and row["direction"] == "worse"
    assert row["change_point"] == 21 and row["change_run_id"] == "run21"
    assert row["previous_run_id"] == "run20"
    expected = 100 * (values[20:].mean() / values[:20].mean() - 1)
    assert row["change_pct"] == pytest.approx(expected)
    assert row["change_pct_low"] < expected < row["change_pct_high"]
    # nothing in the environment changed: said in words, no field named
    assert row["changed_fields"] == []
    assert "nothing the runs record changed between run run20 and run run21" in row["what_changed"]


def test_what_changed_names_the_columns_that_differ():
    values = np.concatenate([level(20), level(5, 20) * 1.10])
    frame = points(values)
    frame.loc[20:, "torch_version"] = "2.13.0"
    row = analyse_series(frame, Settings())
    assert row["changed_fields"] == ["torch_version"]
    assert row["what_changed"] == "torch_version 2.12.0 -> 2.13.0"
    assert what_changed({"host": "a", "num_threads": 2}, {"host": "b", "num_threads": 2}) == [
        "host a -> b"
    ]


def test_faster_is_an_improvement_and_throughput_reads_the_other_way():
    values = np.concatenate([level(20), level(5, 20) * 0.90])
    assert analyse_series(points(values), Settings())["status"] == "improvement"
    row = analyse_series(points(values, metric="throughput_items_per_second"), Settings())
    assert row["status"] == "regression"


def test_one_alerting_run_is_only_a_suspect():
    # 3 of the last 5 moved: the median moved at the newest point, not at the one before
    values = np.concatenate([level(20), level(3, 20) * 1.10])
    row = analyse_series(points(values), Settings())
    assert row["status"] == "suspect" and row["direction"] == "worse"
    assert row["change_point"] is None


def test_a_spike_is_never_a_regression():
    for at in (5, 15, 24):
        values = level(25)
        values[at] *= 1.5
        assert analyse_series(points(values), Settings())["status"] == "no change"


def test_too_few_points_are_insufficient_data():
    row = analyse_series(points(level(12)), Settings())
    assert row["status"] == "insufficient data" and "12 point(s)" in row["status_reason"]
    assert analyse_series(points(level(13)), Settings())["status"] == "no change"
    table = detect(points(level(12))).to_pylist()
    assert [r["status"] for r in table] == ["insufficient data"]
    assert table[0]["points"] == 12 and table[0]["p_value"] is None


def test_a_shared_host_needs_a_bigger_move():
    values = np.concatenate([10.0 * (1 + WIGGLE[:20] / 10), 10.4 * (1 + WIGGLE[20:25] / 10)])
    assert analyse_series(points(values), Settings())["status"] == "regression"
    shared = analyse_series(points(values, quality="noisy"), Settings())
    assert shared["status"] == "no change" and shared["min_change_pct"] == 5.0
    per_hardware = Settings(min_change_pct_by_hardware={"cpu": 4.5})
    assert analyse_series(points(values), per_hardware)["status"] == "no change"


def test_memory_moves_under_a_mib_are_not_changes():
    values = np.concatenate([np.full(20, 0.0625), np.full(5, 0.078125)])
    row = analyse_series(points(values, metric="memory_peak_mb"), Settings())
    assert row["status"] == "no change"
    assert row["median_change_pct"] == pytest.approx(25.0)


def test_the_welch_setting_is_used():
    # a mixed recent window (one old point): Welch's few degrees of freedom miss it
    values = np.concatenate([level(20), [10.0], level(4, 21) * 1.06])
    assert analyse_series(points(values), Settings())["status"] != "no change"
    welch = analyse_series(points(values), Settings(test="welch"))
    assert welch["p_value"] > analyse_series(points(values), Settings())["p_value"]


def test_settings_refuse_unknown_names():
    with pytest.raises(ValueError, match="unknown regression setting.*alpah"):
        Settings.from_meta({"alpah": 0.01})
    with pytest.raises(ValueError, match="'mann' is not student or welch"):
        Settings.from_meta({"test": "mann"})
    assert Settings.from_meta({"alpha": 0.01}).alpha == 0.01
    assert math.isclose(Settings.from_meta(None).alpha, 0.001)


def test_an_alert_one_spike_carries_is_only_a_suspect():
    # recent runs +3.5%, +2%, +3.5%, +50% (a spike), +2%: the median moved 3.5% at the newest
    # point and at the one before, but without the spike it moved 2.75%
    recent = np.array([1.035, 1.02, 1.035, 1.5, 1.02])
    values = np.concatenate([level(20), 10.0 * recent])
    lenient = Settings(alpha=0.05)  # where a spike can push p under alpha
    row = analyse_series(points(values), lenient)
    assert row["status"] == "suspect" and "one point carries the alert" in row["status_reason"]
    # the same runs without the spike's extra height alert and are confirmed
    steady = np.concatenate([level(20), 10.0 * np.array([1.035, 1.035, 1.035, 1.035, 1.035])])
    assert analyse_series(points(steady), lenient)["status"] == "regression"
