"""The Monte Carlo forecast: reproducible under a seed, and sane on constructed cases."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.lib.forecast import forecast_completion

ONE_A_DAY = np.ones(84, dtype=int)


def test_the_same_seed_gives_the_same_forecast_and_another_seed_may_not():
    history = np.array([0, 1, 3, 0, 2, 5, 0, 1] * 10)
    runs = [
        forecast_completion(30, history, days_to_due=20, trials=2000, seed=seed, key="jira:1")
        for seed in (7, 7, 8)
    ]

    assert runs[0] == runs[1]
    assert runs[0].p_on_time != runs[2].p_on_time


def test_ten_items_at_one_a_day_with_twenty_days_to_go_is_almost_surely_on_time():
    result = forecast_completion(10, ONE_A_DAY, days_to_due=20, trials=10_000, seed=7, key="jira:1")

    assert result.p_on_time == pytest.approx(1.0, abs=0.01)
    assert result.p50_days == 10
    assert result.p85_days == 10


def test_forty_items_at_one_a_day_with_twenty_days_to_go_is_almost_surely_late():
    result = forecast_completion(40, ONE_A_DAY, days_to_due=20, trials=10_000, seed=7, key="jira:1")

    assert result.p_on_time == pytest.approx(0.0, abs=0.01)
    assert result.p50_days == 40


def test_noisy_throughput_spreads_the_dates_and_p85_is_not_before_p50():
    history = np.array([0, 0, 1, 2, 0, 3, 1, 0, 0, 2] * 8)

    result = forecast_completion(20, history, days_to_due=25, trials=10_000, seed=7, key="jira:1")

    assert result.p50_days is not None
    assert result.p85_days is not None
    assert result.p85_days > result.p50_days
    assert 0.0 < result.p_on_time < 1.0


def test_a_team_that_finished_nothing_gets_no_date():
    result = forecast_completion(5, np.zeros(84), days_to_due=30, trials=1000, seed=7, key="jira:1")

    assert result.p50_days is None
    assert result.p_on_time == 0.0
