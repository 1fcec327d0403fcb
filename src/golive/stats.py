"""Statistics behind golive's verdicts: how sure a proportion or a percentile measured from
a finite sample is.

A verdict on an error rate or an availability passes only when the one-sided 95 % bound of the
proportion clears the threshold, not only its point estimate (the percentile's own sample
minimum is `thresholds.min_samples`). Too little evidence is `unknown`, never a pass.
"""

from __future__ import annotations

import math

from golive.thresholds import Comparator, Threshold

__all__ = ["clopper_pearson", "hardest_bound"]


def clopper_pearson(
    successes: float, trials: float, *, confidence: float = 0.95
) -> tuple[float, float]:
    """One-sided lower and upper bounds (each at `confidence`) of a proportion seen as
    `successes` out of `trials` (the Clopper-Pearson interval; counts may be fractional, as
    `increase()` extrapolates them). Trials above a million are scaled down to a million,
    which only widens the bounds."""
    if trials <= 0:
        return 0.0, 1.0
    if trials > 1e6:
        successes, trials = successes * 1e6 / trials, 1e6
    successes = min(max(successes, 0.0), trials)
    alpha = 1 - confidence
    low = 0.0 if successes <= 0 else _beta_quantile(alpha, successes, trials - successes + 1)
    high = (
        1.0 if successes >= trials else _beta_quantile(1 - alpha, successes + 1, trials - successes)
    )
    return low, high


def _beta_quantile(p: float, a: float, b: float) -> float:
    low, high = 0.0, 1.0
    for _ in range(100):
        middle = (low + high) / 2
        if _beta_cdf(middle, a, b) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2


def _beta_cdf(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(x, a, b) / a
    return 1 - front * _beta_fraction(1 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 100_000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-14:
            break
    return result


def hardest_bound(threshold: Threshold, count: float, trials: float) -> float:
    """The end of the one-sided 95 % interval of `count` / `trials` that is hardest on
    `threshold`: the upper bound against an upper limit (<, <=), the lower bound against a
    lower one (>, >=); the point estimate for == and !=. A proportion passes only when this
    holds too."""
    low, high = clopper_pearson(count, trials)
    match threshold.comparator:
        case Comparator.LT | Comparator.LE:
            return high
        case Comparator.GT | Comparator.GE:
            return low
        case _:
            return count / trials if trials else math.nan
