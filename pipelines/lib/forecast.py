"""Monte Carlo completion forecasts for open initiatives (metrics.md "Forecast").

Why Monte Carlo over a team's recent daily throughput rather than a velocity average: the
spread of real throughput (quiet days, bursts) is what makes a date uncertain, and resampling
days keeps that spread without assuming a distribution. Every draw comes from a generator
seeded from the configured seed and the initiative's id, so a night's numbers are reproducible
and one initiative's forecast does not change when another is added.

Day arithmetic: the simulation starts the day after `as_of`; finishing on simulated day k
means finishing on `as_of date + k days`. Trials still unfinished after `max_days` count as
never finishing (not on time, and +inf in the percentiles, which then give no date).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

DEFAULT_MAX_DAYS = 3650


@dataclass(frozen=True)
class Forecast:
    """Percentile completion offsets in days from as_of (None: not reachable) and P(on time)."""

    p50_days: int | None
    p85_days: int | None
    p_on_time: float | None


def stable_seed(seed: int, key: str) -> list[int]:
    """Seed material for one initiative: the configured seed plus a stable hash of its id."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return [int(seed), int.from_bytes(digest[:8], "big")]


def simulate_days(
    remaining: int,
    daily_throughput: np.ndarray,
    *,
    trials: int,
    rng: np.random.Generator,
    max_days: int = DEFAULT_MAX_DAYS,
) -> np.ndarray:
    """Days each trial needs to finish `remaining` items (float, +inf when never within max)."""
    history = np.asarray(daily_throughput, dtype=np.int64)
    if remaining <= 0:
        return np.zeros(trials)
    if history.size == 0 or history.sum() == 0:
        return np.full(trials, np.inf)
    days = np.full(trials, np.inf)
    done = np.zeros(trials, dtype=np.int64)
    open_trials = np.arange(trials)
    mean = history.mean()
    block = int(min(max_days, max(16, np.ceil(remaining / mean * 1.5))))
    elapsed = 0
    while open_trials.size and elapsed < max_days:
        width = min(block, max_days - elapsed)
        draws = rng.choice(history, size=(open_trials.size, width))
        totals = done[open_trials, None] + np.cumsum(draws, axis=1)
        reached = totals >= remaining
        finished = reached.any(axis=1)
        first = reached.argmax(axis=1)
        days[open_trials[finished]] = elapsed + first[finished] + 1
        done[open_trials] = totals[:, -1]
        open_trials = open_trials[~finished]
        elapsed += width
    return days


def forecast_completion(
    remaining: int,
    daily_throughput: np.ndarray,
    *,
    days_to_due: int | None,
    trials: int,
    seed: int,
    key: str,
    max_days: int = DEFAULT_MAX_DAYS,
) -> Forecast:
    """p50 and p85 completion offsets and P(finish within days_to_due) for one initiative."""
    rng = np.random.default_rng(stable_seed(seed, key))
    days = simulate_days(remaining, daily_throughput, trials=trials, rng=rng, max_days=max_days)
    p50, p85 = np.quantile(days, [0.5, 0.85], method="inverted_cdf")
    return Forecast(
        p50_days=int(p50) if np.isfinite(p50) else None,
        p85_days=int(p85) if np.isfinite(p85) else None,
        p_on_time=None if days_to_due is None else float(np.mean(days <= days_to_due)),
    )
