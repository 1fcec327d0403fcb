"""What resource samples say: peak and mean memory, CPU utilisation, and whether memory or
file descriptors grow faster than a bound."""

from __future__ import annotations

import enum
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

from golive.thresholds import (
    Comparator,
    Dimension,
    Threshold,
    ThresholdError,
    describe_duration,
    parse_duration,
    parse_threshold,
)

if TYPE_CHECKING:
    from golive.load.resources import Sample

__all__ = [
    "Growth",
    "GrowthBound",
    "GrowthVerdict",
    "ResourceReport",
    "Trend",
    "analyse",
    "fit",
    "judge_growth",
    "parse_growth_bound",
]

_PER = re.compile(r"\s*(?:/|\bper\b)\s*")
_PER_NAMES = ((1.0, "s"), (60.0, "min"), (3600.0, "h"), (86_400.0, "day"))


@dataclass(frozen=True, kw_only=True)
class Trend:
    """A least-squares line through one resource over time.

    `stderr` is the slope's standard error, widened for residuals that follow each other
    (memory moves in steps and saw teeth, so neighbouring samples are not independent): by
    ``sqrt((1 + r) / (1 - r))`` for the lag-1 autocorrelation r of the residuals, which
    leaves `effective` independent samples of `points`.
    """

    slope: float  # units per second; NaN with fewer than two points
    stderr: float
    points: int
    effective: float
    seconds: float  # the time the points span
    too_short: str | None  # why the line cannot decide anything, or None

    @property
    def per_hour(self) -> float:
        return self.slope * 3600


def fit(
    points: Sequence[tuple[float, float]], *, min_points: int = 10, min_seconds: float = 30.0
) -> Trend:
    """The trend of ``(t, value)`` points; `too_short` is set with fewer than `min_points`, a
    span under `min_seconds`, or fewer than three effectively independent samples."""
    n = len(points)
    span = points[-1][0] - points[0][0] if points else 0.0
    if n < 2 or span <= 0:
        reason = (
            f"{n} sample(s) over {describe_duration(span)}; a trend needs at least {min_points}"
        )
        nan = math.nan
        return Trend(slope=nan, stderr=nan, points=n, effective=n, seconds=span, too_short=reason)
    mean_t = math.fsum(t for t, _ in points) / n
    mean_y = math.fsum(y for _, y in points) / n
    sxx = math.fsum((t - mean_t) ** 2 for t, _ in points)
    slope = math.fsum((t - mean_t) * (y - mean_y) for t, y in points) / sxx
    residuals = [y - mean_y - slope * (t - mean_t) for t, y in points]
    squares = math.fsum(r * r for r in residuals)
    stderr = math.sqrt(squares / (n - 2) / sxx) if n > 2 else math.inf
    lag = math.fsum(a * b for a, b in itertools.pairwise(residuals))
    r = min(max(lag / squares, 0.0), 0.99) if squares > 0 else 0.0
    stderr *= math.sqrt((1 + r) / (1 - r))
    effective = n * (1 - r) / (1 + r)
    too_short = None
    if n < min_points:
        too_short = f"{n} samples to fit a trend to; it needs at least {min_points}"
    elif span < min_seconds:
        too_short = (
            f"the samples span {describe_duration(span)}; a trend needs at least "
            f"{describe_duration(min_seconds)}"
        )
    elif effective < 3:
        too_short = (
            "the samples move together too much to tell a trend from noise (fewer than three "
            "independent samples); run longer"
        )
    return Trend(
        slope=slope,
        stderr=stderr,
        points=n,
        effective=effective,
        seconds=span,
        too_short=too_short,
    )


class Growth(enum.StrEnum):
    """How a trend relates to its bound, at the verdict's confidence."""

    GROWING = "growing"  # surely faster than the bound
    FLAT = "flat"  # surely within the bound (it may still grow, slower than the bound)
    UNDECIDED = "undecided"  # the run cannot tell, or is too short


@dataclass(frozen=True, kw_only=True)
class GrowthBound:
    """An upper limit on growth: an amount per time, such as ``<10MB/h`` or ``<5/min``."""

    threshold: Threshold  # the amount, e.g. "< 10 MB"
    per: float  # seconds the amount is spread over: 3600 for "/h"
    text: str

    @property
    def per_second(self) -> float:
        return self.threshold.quantity.value / self.per

    def holds(self, slope: float) -> bool:
        """Whether growth of `slope` units per second is within the bound."""
        return self.threshold.holds(slope * self.per)

    def __str__(self) -> str:
        amount = self.threshold.quantity.text.strip()
        return f"{self.threshold.comparator}{amount}/{_per_name(self.per)}"


def parse_growth_bound(text: str, *, dimension: Dimension = Dimension.SIZE) -> GrowthBound:
    """Read ``<10MB/h``, ``<= 1MiB per min``, ``<50MB/day`` or ``<10MB/24h``: a size
    threshold (or, with ``dimension=Dimension.COUNT``, a plain number such as ``<5/min``) and
    the time it is spread over. Without a time the amount is per hour: ``<10MB`` is
    ``<10MB/h``. Only ``<`` and ``<=`` are accepted: a bound on growth is an upper limit.
    Raises `ThresholdError`, positioned in `text`."""
    found = _PER.search(text)
    amount = text[: found.start()] if found else text
    try:
        threshold = parse_threshold(amount, dimension=dimension)
    except ThresholdError as exc:
        raise ThresholdError(exc.message, text=text, column=exc.column) from None
    if threshold.comparator not in {Comparator.LT, Comparator.LE}:
        column = text.find(str(threshold.comparator))
        message = (
            f'a growth bound is an upper limit; write "<" or "<=", e.g. "<10MB/h", not "{text}"'
        )
        raise ThresholdError(message, text=text, column=max(column, 0))
    if threshold.statistic is not None:
        message = f'a growth bound takes no statistic ("{threshold.statistic}") in "{text}"'
        raise ThresholdError(message, text=text, column=text.find(threshold.statistic))
    per = 3600.0
    if found:
        word = text[found.end() :].strip()
        try:
            per = parse_duration(word if word[:1].isdigit() else f"1{word}")
        except ThresholdError:
            message = (
                f'unknown time "{word}" in "{text}"; write e.g. "/h", "/min", "/day" or "/24h"'
            )
            raise ThresholdError(message, text=text, column=found.end()) from None
        if per <= 0:
            raise ThresholdError(
                f'the time in "{text}" must be above zero', text=text, column=found.end()
            )
    return GrowthBound(threshold=threshold, per=per, text=text)


@dataclass(frozen=True, kw_only=True)
class GrowthVerdict:
    """A trend judged against a bound: `low` and `high` bound the growth per second at the
    confidence asked for (NaN when the trend is too short)."""

    growth: Growth
    reason: str
    low: float
    high: float


def judge_growth(trend: Trend, bound: GrowthBound, *, confidence: float = 0.95) -> GrowthVerdict:
    """GROWING when even the lower confidence bound of the slope breaks `bound`, FLAT when
    even the upper one keeps it, UNDECIDED otherwise (or when the trend is too short).

    The confidence bounds are one-sided Student t bounds with ``effective - 2`` degrees of
    freedom."""
    if trend.too_short:
        return GrowthVerdict(
            growth=Growth.UNDECIDED, reason=trend.too_short, low=math.nan, high=math.nan
        )
    spread = _t_quantile(confidence, trend.effective - 2) * trend.stderr
    low, high = trend.slope - spread, trend.slope + spread
    unit = bound.threshold.quantity.dimension
    level = f"{confidence:.0%}"
    if bound.holds(high):
        growth = Growth.FLAT
        reason = f"grows at most {_rate(high, unit)} ({level} upper bound), within {bound}"
    elif not bound.holds(low):
        growth = Growth.GROWING
        reason = f"grows at least {_rate(low, unit)} ({level} lower bound), beyond {bound}"
    else:
        growth = Growth.UNDECIDED
        reason = (
            f"grows {_rate(trend.slope, unit)}, between {_rate(low, unit)} and "
            f"{_rate(high, unit)} ({level}), on both sides of {bound}; a longer run narrows it"
        )
    return GrowthVerdict(growth=growth, reason=reason, low=low, high=high)


@dataclass(frozen=True, kw_only=True)
class ResourceReport:
    """What the samples of a run say.

    The first `warmup` seconds (a share of the run: caches and pools fill at the start) are
    left out of the means and trends, not out of the peaks: memory used while warming up is
    memory used. CPU utilisation is a fraction of ONE core, like top's %CPU / 100: a
    service keeping two cores busy shows 2.0, so ``cpu_usage <80%`` holds when `cpu_mean` is
    below 0.8. `cpu_share` is the same divided by the machine's cores, when they are known.

    Meant for: ``memory_usage`` against `rss_peak`, ``cpu_usage`` against `cpu_mean`, a
    memory leak by `judge_growth` of `rss_trend`, and descriptor leaks by `judge_growth` of
    `fds_trend` (with a count bound such as ``<1/min``) and by `fds_growth`, the descriptors
    left open at the end of the run.
    """

    samples: int
    seconds: float  # first to last sample
    warmup: float  # seconds left out at the start
    rss_peak: int | None  # bytes, over the whole run
    rss_mean: float | None  # bytes, after the warm-up
    rss_trend: Trend  # bytes per second, after the warm-up
    cpu_mean: float | None  # fraction of one core, after the warm-up
    cpu_peak: float | None  # the highest over any window of `cpu_window` seconds
    cpu_window: float
    cores: int | None
    fds_first: int | None  # over the whole run
    fds_last: int | None
    fds_peak: int | None
    fds_trend: Trend  # descriptors per second, after the warm-up
    notes: tuple[str, ...]  # why some fields are missing

    @property
    def cpu_share(self) -> float | None:
        if self.cpu_mean is None or not self.cores:
            return None
        return self.cpu_mean / self.cores

    @property
    def fds_growth(self) -> int | None:
        """Descriptors open at the end of the run minus those open at its start."""
        if self.fds_first is None or self.fds_last is None:
            return None
        return self.fds_last - self.fds_first


def analyse(
    samples: Sequence[Sample],
    *,
    warmup: float = 0.2,
    cores: int | None = None,
    cpu_window: float = 5.0,
    min_points: int = 10,
    min_seconds: float = 30.0,
) -> ResourceReport:
    """Peaks, means and trends of `samples`; `warmup` is the share of the run left out of
    means and trends, `cores` the cores of the target's machine (``os.cpu_count()`` when the
    target is local), `min_points` and `min_seconds` what a trend needs to decide."""
    if not 0 <= warmup < 1:
        raise ValueError("warmup is a share of the run, from 0 up to (not including) 1")
    ordered = sorted(samples, key=lambda s: s.t)
    start, end = (ordered[0].t, ordered[-1].t) if ordered else (0.0, 0.0)
    cutoff = start + warmup * (end - start)
    rss = [(s.t, s.rss_bytes) for s in ordered if s.rss_bytes is not None]
    cpu = [(s.t, s.cpu_seconds) for s in ordered if s.cpu_seconds is not None and s.t >= cutoff]
    fds = [(s.t, s.open_fds) for s in ordered if s.open_fds is not None]
    rss_after = [(t, float(v)) for t, v in rss if t >= cutoff]
    fds_after = [(t, float(v)) for t, v in fds if t >= cutoff]
    cpu_mean, cpu_peak = _utilisation(cpu, cpu_window)
    notes = list(dict.fromkeys(note for s in ordered for note in s.notes))[:10]
    return ResourceReport(
        samples=len(ordered),
        seconds=end - start,
        warmup=cutoff - start,
        rss_peak=max((v for _, v in rss), default=None),
        rss_mean=math.fsum(v for _, v in rss_after) / len(rss_after) if rss_after else None,
        rss_trend=fit(rss_after, min_points=min_points, min_seconds=min_seconds),
        cpu_mean=cpu_mean,
        cpu_peak=cpu_peak,
        cpu_window=cpu_window,
        cores=cores,
        fds_first=fds[0][1] if fds else None,
        fds_last=fds[-1][1] if fds else None,
        fds_peak=max((v for _, v in fds), default=None),
        fds_trend=fit(fds_after, min_points=min_points, min_seconds=min_seconds),
        notes=tuple(notes),
    )


def _utilisation(
    points: Sequence[tuple[float, float]], window: float
) -> tuple[float | None, float | None]:
    """Mean and peak CPU seconds per second. A counter that goes down (a restarted process,
    a worker that left the tree) adds nothing for that step instead of a negative load."""
    if len(points) < 2 or points[-1][0] <= points[0][0]:
        return None, None
    used = [0.0]
    for (_, before), (_, after) in itertools.pairwise(points):
        used.append(used[-1] + max(0.0, after - before))
    times = [t for t, _ in points]
    mean = used[-1] / (times[-1] - times[0])
    peak: float | None = None
    j = 0
    for i, begin in enumerate(times):
        j = max(j, i + 1)
        while j < len(times) and times[j] - begin < window:
            j += 1
        if j == len(times):
            break
        rate = (used[j] - used[i]) / (times[j] - begin)
        peak = rate if peak is None else max(peak, rate)
    return mean, mean if peak is None else max(peak, mean)


def _t_quantile(confidence: float, freedom: float) -> float:
    """Student's t quantile, from the normal one by the Cornish-Fisher expansion (within
    about 1 % from three degrees of freedom on; fewer are widened further)."""
    z = NormalDist().inv_cdf(confidence)
    nu = max(freedom, 1.0)
    t = z + (z**3 + z) / (4 * nu) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * nu**2)
    return t if nu >= 3 else t * 3 / nu


def _rate(per_second: float, dimension: Dimension) -> str:
    per_hour = per_second * 3600
    if dimension is not Dimension.SIZE:
        return f"{per_hour:.3g}/h"
    size = abs(per_hour)
    for factor, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if size >= factor:
            return f"{per_hour / factor:.3g} {unit}/h"
    return f"{per_hour:.3g} B/h"


def _per_name(seconds: float) -> str:
    for length, name in _PER_NAMES:
        if seconds == length:
            return name
    return describe_duration(seconds)
