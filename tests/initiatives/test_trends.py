"""Theil-Sen and Mann-Kendall, checked against scipy and against hand computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pipelines.lib.trends import directions, mann_kendall, relative_slopes, theil_sen, trend

FIXED_SERIES = [
    [3.0, 5.0, 4.0, 7.0, 8.0, 8.0, 10.0],
    [12.0, 9.5, 11.0, 10.5, 9.0, 8.0],
    [1.0, 2.0, 2.0, 2.0, 3.0, 1.0, 4.0],
    [5.0, 5.0, 6.0, 5.0, 4.0, 6.0],
]


@pytest.mark.parametrize("series", FIXED_SERIES)
def test_p_value_without_continuity_matches_scipy_kendall_tau_against_time(series):
    _s, _variance, p = mann_kendall(np.array(series), continuity=False)

    reference = stats.kendalltau(np.arange(len(series)), series, method="asymptotic")

    assert p[0] == pytest.approx(reference.pvalue, rel=1e-9)


@pytest.mark.parametrize("series", FIXED_SERIES)
def test_theil_sen_slope_matches_scipy(series):
    assert theil_sen(np.array(series))[0] == pytest.approx(stats.theilslopes(series).slope)


def test_continuity_corrected_p_value_matches_hand_computation():
    # n = 5 strictly increasing: S = 10, Var(S) = 5*4*15/18 = 50/3, Z = (10 - 1) / sqrt(50/3)
    s, variance, p = mann_kendall(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))

    z = 9 / math.sqrt(50 / 3)
    assert s[0] == 10
    assert variance[0] == pytest.approx(50 / 3)
    assert p[0] == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert p[0] == pytest.approx(0.0275, abs=5e-5)


def test_ties_reduce_the_variance_as_the_tie_correction_says():
    # values 1,2,2,2,3: one tie group of 3 -> Var = [5*4*15 - 3*2*11] / 18 = 234/18 = 13
    _s, variance, _p = mann_kendall(np.array([1.0, 2.0, 2.0, 2.0, 3.0]))

    assert variance[0] == pytest.approx(13.0)


def test_a_synthetic_rising_series_is_flagged_rising():
    rng = np.random.default_rng(3)
    rising = 100 + 10 * np.arange(6) + rng.normal(0, 2, size=6)

    result = trend(rising)

    assert directions(result.slope, result.p_value, 0.05)[0] == "rising"
    assert result.slope[0] == pytest.approx(10, rel=0.3)


def test_a_flat_noisy_series_is_not_flagged():
    rng = np.random.default_rng(11)
    flat = 100 + rng.normal(0, 15, size=(20, 6))

    result = trend(flat)
    flagged = directions(result.slope, result.p_value, 0.05) != "flat"

    assert flagged.sum() <= 2  # 5% false positives expected; 20 series
    assert directions(result.slope[:1], result.p_value[:1], 0.05)[0] == "flat"


def test_gaps_keep_their_month_spacing_and_series_are_tested_together():
    matrix = np.array(
        [
            [1.0, 2.0, np.nan, 4.0, 5.0, 6.0],
            [6.0, 5.0, 4.0, 3.0, 2.0, 1.0],
            [np.nan] * 6,
        ]
    )

    result = trend(matrix)

    assert list(result.n_periods) == [5, 6, 0]
    assert result.slope[0] == pytest.approx(1.0)
    assert result.slope[1] == pytest.approx(-1.0)
    assert np.isnan(result.slope[2])
    assert list(directions(result.slope, result.p_value, 0.05)) == ["rising", "falling", "flat"]
    assert relative_slopes(result.slope, result.median)[0] == pytest.approx(1 / 4)
