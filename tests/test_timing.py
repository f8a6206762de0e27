"""The latency statistics and the warm-up / minimum-iterations / minimum-duration loop."""

from __future__ import annotations

import time

import pytest

from runners.timing import TimingSettings, measure_latency, min_samples_for, percentile, summarize


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


def test_a_percentile_needs_ten_samples_beyond_it():
    # n >= 10 x 100 / (100 - q), worked by hand
    assert [min_samples_for(q) for q in (50, 90, 95, 99)] == [20, 100, 200, 1000]


def test_percentiles_are_stored_only_with_enough_samples():
    # 1..19 ms: 19 samples, one short of p50's 20
    few = summarize([float(v) for v in range(1, 20)])
    assert [few[f"latency_p{q}_ms"] for q in (50, 90, 95, 99)] == [None] * 4
    assert few["latency_mean_ms"] == 10.0 and few["latency_max_ms"] == 19.0
    assert "p50 needs 20" in few["percentiles_note"] and "19 samples" in few["percentiles_note"]
    # 1..20 ms: p50 at rank 9.5 -> 10.5; p90 needs 100
    twenty = summarize([float(v) for v in range(1, 21)])
    assert twenty["latency_p50_ms"] == 10.5 and twenty["latency_p90_ms"] is None
    assert twenty["percentiles_note"].startswith("p90, p95, p99 not stored: 20 samples")
    # 1..100 ms: p90 at rank 89.1 -> 90.1; p95 and p99 still NULL
    hundred = summarize([float(v) for v in range(1, 101)])
    assert hundred["latency_p90_ms"] == pytest.approx(90.1)
    assert hundred["latency_p95_ms"] is None and hundred["latency_p99_ms"] is None
    # 1,000 samples: all four, and nothing to say
    thousand = summarize([float(v) for v in range(1, 1001)])
    assert thousand["latency_p99_ms"] == pytest.approx(990.01)
    assert thousand["percentiles_note"] is None


def test_coefficient_of_variation_worked_by_hand():
    # mean 5, sample stdev sqrt(32 / 7)
    summary = summarize([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    assert summary["latency_cv"] == pytest.approx((32 / 7) ** 0.5 / 5)
    assert summarize([3.0])["latency_cv"] is None


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
