"""How well `benchdb.regressions` finds changes, on generated series whose truth is known.

    python benchmarks/bench_regressions.py [--series 1000] [--test student|welch]

Not a measurement of anything but the detector: every series is generated (a level of 10 ms
times 1 + noise x a standard normal draw, numpy's seeded generator), so the truth is known.
The detector is `detect()`, the code the `regressions` mart runs, with the mart's settings.

- noise only (1%, 2%, 3%), 40 points: false alarms per 1,000 series (`regression` or
  `improvement` at the newest point; `suspect` counted apart);
- steps of 3%, 5% and 10% in 2% noise after 30 points: each series is judged as it grows, one
  run at a time, so "found within k runs" is the share alerting (suspect or confirmed) by the
  k-th run after the step, and "confirmed" the share reported as a `regression`;
- single spikes (+10% to +50%) anywhere, the newest point included: never a `regression`;
- gradual drifts (0.25% per run for 20 runs), and series with a third of their points
  missing (dropped at random).

Also times `detect()` on the generated series (series per second, with the load average).
Writes bench-results/regressions.json and prints the tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from benchdb.regressions import Settings, detect

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
LEVEL_MS = 10.0


def frame(series: dict[str, np.ndarray]) -> pd.DataFrame:
    """regression_points rows for generated latency series (one run a day)."""
    ids = np.repeat(list(series), [len(v) for v in series.values()])
    numbers = np.concatenate([np.arange(1, len(v) + 1) for v in series.values()])
    labels = [f"{i}-{n}" for i, n in zip(ids, numbers)]
    return pd.DataFrame(
        {
            "series_id": ids,
            "metric": "latency_p50_ms",
            "model_name": "generated",
            "hardware_type": "cpu",
            "configuration_label": ids,
            "is_higher_better": False,
            "metric_value": np.concatenate(list(series.values())),
            "point_number": numbers,
            "run_id": labels,
            "result_id": labels,
            "measured_at": [START + timedelta(days=int(n) - 1) for n in numbers],
            "quality": "ok",
        }
    )


def statuses(series: dict[str, np.ndarray], settings: Settings) -> dict[str, dict]:
    table = detect(frame(series), settings)
    return {r["series_id"]: r for r in table.to_pylist()}


def noisy(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    return LEVEL_MS * (1 + noise * rng.standard_normal(n))


def false_alarms(rng, count: int, settings: Settings) -> list[dict]:
    out = []
    for noise in (0.01, 0.02, 0.03):
        series = {f"noise{noise}-{i}": noisy(rng, 40, noise) for i in range(count)}
        found = statuses(series, settings).values()
        out.append(
            {
                "noise_pct": noise * 100,
                "series": count,
                "regressions_per_1000": 1000
                * sum(r["status"] == "regression" for r in found)
                / count,
                "improvements_per_1000": 1000
                * sum(r["status"] == "improvement" for r in found)
                / count,
                "suspects_per_1000": 1000 * sum(r["status"] == "suspect" for r in found) / count,
            }
        )
    return out


def steps(rng, count: int, settings: Settings, max_after: int = 10) -> list[dict]:
    out = []
    for step in (0.03, 0.05, 0.10):
        full = {}
        for i in range(count):
            values = noisy(rng, 30 + max_after, 0.02)
            values[30:] *= 1 + step
            full[f"step{step}-{i}"] = values
        # the series as it grows: judged after each run past the step
        grown = {
            f"{k}|{after}": v[: 30 + after]
            for k, v in full.items()
            for after in range(1, max_after + 1)
        }
        judged = statuses(grown, settings)
        first_alert, first_confirmed, located = [], [], 0
        for key in full:
            alerts = [
                a
                for a in range(1, max_after + 1)
                if judged[f"{key}|{a}"]["status"] in ("suspect", "regression")
            ]
            confirmed = [
                a for a in range(1, max_after + 1) if judged[f"{key}|{a}"]["status"] == "regression"
            ]
            first_alert.append(alerts[0] if alerts else None)
            first_confirmed.append(confirmed[0] if confirmed else None)
            if confirmed and judged[f"{key}|{confirmed[0]}"]["change_point"] == 31:
                located += 1
        row = {"step_pct": step * 100, "noise_pct": 2.0, "series": count}
        for k in (3, 4, 5, 6, 8, 10):
            row[f"found_within_{k}"] = sum(a is not None and a <= k for a in first_alert) / count
            row[f"confirmed_within_{k}"] = (
                sum(a is not None and a <= k for a in first_confirmed) / count
            )
        hits = [a for a in first_alert if a is not None]
        row["median_runs_to_alert"] = float(np.median(hits)) if hits else None
        confirmed_hits = [a for a in first_confirmed if a is not None]
        row["median_runs_to_confirm"] = float(np.median(confirmed_hits)) if confirmed_hits else None
        row["dated_to_the_step_run"] = located / max(1, len(confirmed_hits))
        out.append(row)
    return out


def spikes(rng, count: int, settings: Settings) -> dict:
    series = {}
    for i in range(count):
        values = noisy(rng, 30, 0.02)
        at = int(rng.integers(0, 30)) if i % 3 else 29  # a third spike on the newest point
        values[at] *= 1 + float(rng.uniform(0.10, 0.50))
        series[f"spike-{i}"] = values
    found = statuses(series, settings).values()
    return {
        "series": count,
        "regressions": sum(r["status"] == "regression" for r in found),
        "suspects": sum(r["status"] == "suspect" for r in found),
    }


def drifts(rng, count: int, settings: Settings) -> dict:
    series = {}
    for i in range(count):
        values = noisy(rng, 40, 0.02)
        values[20:] *= 1 + 0.0025 * np.arange(1, 21)  # +5% after 20 runs
        series[f"drift-{i}"] = values
    found = list(statuses(series, settings).values())
    return {
        "series": count,
        "regressions": sum(r["status"] == "regression" for r in found),
        "suspects": sum(r["status"] == "suspect" for r in found),
    }


def missing(rng, count: int, settings: Settings) -> dict:
    series = {}
    for i in range(count):
        values = noisy(rng, 40, 0.02)
        values[30:] *= 1.10
        kept = rng.random(40) >= 1 / 3
        kept[-6:] = True  # the last runs are there, the gaps are earlier
        series[f"missing-{i}"] = values[kept]
    found = list(statuses(series, settings).values())
    return {
        "series": count,
        "step_pct": 10.0,
        "regressions": sum(r["status"] == "regression" for r in found),
        "suspects": sum(r["status"] == "suspect" for r in found),
        "insufficient": sum(r["status"] == "insufficient data" for r in found),
    }


def speed(rng, settings: Settings) -> dict:
    series = {f"speed-{i}": noisy(rng, 25, 0.02) for i in range(2000)}
    points = frame(series)
    start = time.perf_counter()
    detect(points, settings)
    seconds = time.perf_counter() - start
    return {"series": len(series), "points": len(points), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=1000, help="noise-only series per level")
    parser.add_argument("--step-series", type=int, default=300, help="series per other case")
    parser.add_argument("--test", choices=["student", "welch"], default="student")
    args = parser.parse_args()
    settings = Settings(test=args.test)
    rng = np.random.default_rng(20261130)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    result = {
        "settings": {"test": settings.test, "alpha": settings.alpha},
        "load_avg_1m_before": load_before,
        "false_alarms": false_alarms(rng, args.series, settings),
        "steps": steps(rng, args.step_series, settings),
        "spikes": spikes(rng, args.step_series, settings),
        "drifts": drifts(rng, args.step_series, settings),
        "missing_points": missing(rng, args.step_series, settings),
        "speed": speed(rng, settings),
    }
    result["seconds"] = time.perf_counter() - started
    result["load_avg_1m_after"] = os.getloadavg()[0]
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / f"regressions-{settings.test}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
