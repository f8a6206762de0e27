"""The latency statistics and the warm-up / minimum-iterations / minimum-duration loop."""

from __future__ import annotations

import time

import pytest

from runners.timing import TimingSettings, measure_latency, percentile, summarize


def test_percentiles_interpolate_linearly_worked_by_hand():
    values = [40.0, 10.0, 30.0, 20.0, 50.0]  # unsorted on purpose
    assert percentile(values, 50) == 30.0
    # rank = 0.9 x 4 = 3.6 -> 40 + 0.6 x 10
    assert percentile(values, 90) == pytest.approx(46.0)
    assert percentile(values, 99) == pytest.approx(49.6)
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 50.0


def test_summary_of_known_latencies():
    summary = summarize([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    assert summary["latency_mean_ms"] == 5.0
    assert summary["latency_min_ms"] == 2.0
    assert summary["latency_max_ms"] == 9.0
    # sample variance: sum of squared deviations 32 over 7
    assert summary["latency_stdev_ms"] == pytest.approx((32 / 7) ** 0.5)


def test_summary_of_nothing_is_all_null_not_zero():
    assert set(summarize([]).values()) == {None}


def test_single_iteration_has_no_stdev():
    assert summarize([3.0])["latency_stdev_ms"] is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"warmup_iterations": -1},
        {"min_iterations": 0},
        {"min_duration_seconds": -1},
        {"max_duration_seconds": 0},
    ],
)
def test_settings_reject_impossible_values(kwargs):
    with pytest.raises(ValueError):
        TimingSettings(**kwargs)


def test_loop_reaches_both_minimum_count_and_minimum_duration():
    calls = []

    def forward():
        calls.append(1)
        time.sleep(0.002)

    # duration is the binding minimum: 0.1 s of 2 ms calls is ~50 iterations, more than 5
    settings = TimingSettings(warmup_iterations=3, min_iterations=5, min_duration_seconds=0.1)
    result = measure_latency(forward, "cpu", settings, time.perf_counter())
    assert result.warmup_iterations == 3
    assert len(result.latencies_ms) >= 5
    assert result.timed_seconds >= 0.1
    assert len(calls) == 3 + len(result.latencies_ms)
    assert all(lat >= 2.0 for lat in result.latencies_ms)
    assert not result.timed_out

    # count is the binding minimum: 20 calls take ~40 ms, longer than the 1 ms minimum
    settings = TimingSettings(warmup_iterations=0, min_iterations=20, min_duration_seconds=0.001)
    result = measure_latency(forward, "cpu", settings, time.perf_counter())
    assert len(result.latencies_ms) == 20


def test_time_limit_stops_the_loop_and_says_so():
    settings = TimingSettings(
        warmup_iterations=0, min_iterations=1000, min_duration_seconds=0, max_duration_seconds=0.05
    )
    result = measure_latency(lambda: time.sleep(0.01), "cpu", settings, time.perf_counter())
    assert result.timed_out
    assert 1 <= len(result.latencies_ms) < 1000
