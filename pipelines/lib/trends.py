"""Trend tests for monthly complexity indicators: Theil-Sen slope and Mann-Kendall test.

Why these two: monthly indicators are few (default 6 points), skewed and noisy. Theil-Sen (the
median of all pairwise slopes) ignores outliers that would swing a least-squares line, and
Mann-Kendall asks only whether later months tend to be higher than earlier ones, with no
assumption of normality. Both are computed for many series at once with numpy broadcasting:
the input is a (series x months) matrix with NaN where a month has no value, so gaps in a
series keep their true month spacing.

Mann-Kendall: S = sum over pairs i < j of sign(x_j - x_i); Var(S) = [n(n-1)(2n+5) -
sum_t t(t-1)(2t+5)] / 18 over groups of tied values; Z = (S - sign(S)) / sqrt(Var(S)) with the
usual continuity correction (Hipel and McLeod 1994; Gilbert 1987, section 16.4), or S /
sqrt(Var(S)) without it; two-sided p = erfc(|Z| / sqrt 2). Without the correction and with no
ties in time, this is exactly the asymptotic p-value of Kendall's tau between time and value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RISING, FALLING, FLAT = "rising", "falling", "flat"


@dataclass(frozen=True)
class TrendResult:
    """Per-series arrays: points used, Theil-Sen slope per step, Mann-Kendall S and p-value."""

    n_periods: np.ndarray
    slope: np.ndarray
    s_statistic: np.ndarray
    p_value: np.ndarray
    median: np.ndarray


def _pairs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise differences x_j - x_i (j > i) and their step distances, NaN where invalid."""
    steps = values.shape[1]
    index = np.arange(steps)
    distance = (index[None, :] - index[:, None]).astype(float)  # [i, j] = j - i
    upper = distance > 0
    diff = values[:, None, :] - values[:, :, None]  # [g, i, j] = x_j - x_i
    diff = np.where(upper[None, :, :], diff, np.nan)
    return diff, np.where(upper, distance, np.nan)


def theil_sen(values: np.ndarray) -> np.ndarray:
    """Median pairwise slope of each row (NaN-aware); NaN for rows with fewer than 2 points."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    diff, distance = _pairs(values)
    slopes = (diff / distance[None, :, :]).reshape(values.shape[0], -1)
    result = np.full(values.shape[0], np.nan)
    has_pair = np.isfinite(slopes).any(axis=1)
    if has_pair.any():
        result[has_pair] = np.nanmedian(slopes[has_pair], axis=1)
    return result


def mann_kendall(
    values: np.ndarray, *, continuity: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: (S, Var(S) with tie correction, two-sided p-value); p is 1 when Var(S) is 0."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    valid = np.isfinite(values)
    n = valid.sum(axis=1).astype(float)
    diff, _ = _pairs(values)
    s = np.nansum(np.sign(diff), axis=(1, 2))
    # tie groups: for each valid value, how many valid values equal it (its group's size t);
    # summing (t-1)(2t+5) over the values gives sum over groups of t(t-1)(2t+5)
    equal = (values[:, :, None] == values[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    group_size = equal.sum(axis=2).astype(float)
    ties = np.where(valid, (group_size - 1) * (2 * group_size + 5), 0.0).sum(axis=1)
    variance = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    numerator = s - np.sign(s) if continuity else s
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(variance > 0, numerator / np.sqrt(variance), 0.0)
    erfc = np.frompyfunc(math.erfc, 1, 1)
    p = np.asarray(erfc(np.abs(z) / math.sqrt(2.0)), dtype=float)
    return s, variance, np.where(variance > 0, p, 1.0)


def trend(values: np.ndarray, *, continuity: bool = True) -> TrendResult:
    """Theil-Sen slope and Mann-Kendall test of every row of a (series x periods) matrix."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    s, _variance, p = mann_kendall(values, continuity=continuity)
    medians = np.full(values.shape[0], np.nan)
    has_value = np.isfinite(values).any(axis=1)
    if has_value.any():
        medians[has_value] = np.nanmedian(values[has_value], axis=1)
    return TrendResult(
        n_periods=np.isfinite(values).sum(axis=1),
        slope=theil_sen(values),
        s_statistic=s,
        p_value=p,
        median=medians,
    )


def directions(slope: np.ndarray, p_value: np.ndarray, alpha: float) -> np.ndarray:
    """'rising' / 'falling' when the slope's sign is significant at alpha, else 'flat'."""
    significant = np.asarray(p_value) < alpha
    slope = np.asarray(slope)
    return np.where(
        significant & (slope > 0), RISING, np.where(significant & (slope < 0), FALLING, FLAT)
    )


def relative_slopes(slope: np.ndarray, median: np.ndarray) -> np.ndarray:
    """Slope per period as a share of the window's median (NaN when the median is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(median) != 0, np.asarray(slope) / np.asarray(median), np.nan)
