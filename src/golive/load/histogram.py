"""Latency distributions as HdrHistograms: fixed memory, lossless merging, reproducible text.

Values are kept in microseconds from 1 µs to 60 s at 3 significant digits (0.1 % resolution),
so the histograms of several worker processes add up to exactly the histogram one process
would have recorded. `encode()` is hdrh's compressed base64 form, which any HdrHistogram
implementation reads back.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from itertools import accumulate

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]  # hdrh ships no types

__all__ = ["Latencies"]

_LOWEST = 1  # µs
_HIGHEST = 60_000_000  # µs: 60 s
_DIGITS = 3


class Latencies:
    """A distribution of durations in seconds (recorded to the microsecond)."""

    __slots__ = (
        "_counts",
        "_h",
        "_half",
        "_mask",
        "_max",
        "_min",
        "_running",
        "_running_total",
        "_shift",
        "_sub",
        "_total",
        "_unit",
    )

    def __init__(self, histogram: HdrHistogram | None = None) -> None:
        h = histogram if histogram is not None else HdrHistogram(_LOWEST, _HIGHEST, _DIGITS)
        self._h = h
        self._counts = h.counts
        # The bucket arithmetic of hdrh's record_value, inlined: recording is on the hot path
        # of the load engine, and this is four times faster than the method call.
        self._unit = h.unit_magnitude
        self._mask = h.sub_bucket_mask
        self._sub = h.sub_bucket_half_count_magnitude
        self._half = h.sub_bucket_half_count
        self._shift = h.unit_magnitude + h.sub_bucket_half_count_magnitude + 1
        self._total = 0
        self._min = _HIGHEST + 1
        self._max = 0
        self._running: list[int] = []  # running totals of the counts, for percentiles
        self._running_total = -1  # the count they were taken at

    def record(self, seconds: float) -> None:
        """Record one duration (clamped to 1 µs .. 60 s)."""
        v = int(seconds * 1e6)
        if v < _LOWEST:
            v = _LOWEST
        elif v > _HIGHEST:
            v = _HIGHEST
        bucket = (v | self._mask).bit_length() - self._shift
        self._counts[((bucket + 1) << self._sub) + (v >> (bucket + self._unit)) - self._half] += 1
        self._total += 1
        # branches, not min()/max(): a call costs more on the hot path
        if v < self._min:  # noqa: PLR1730
            self._min = v
        if v > self._max:  # noqa: PLR1730
            self._max = v

    def record_many(self, values: Sequence[float]) -> None:
        """Record many durations at once (the same as `record` for each, in one tight loop)."""
        if not values:
            return
        counts, mask, shift, sub, unit, half = (
            self._counts,
            self._mask,
            self._shift,
            self._sub,
            self._unit,
            self._half,
        )
        # Indices first, counted with Counter (C speed), then one update per distinct bucket:
        # a ctypes array costs more per item than everything else here.
        indices: list[int] = []
        add = indices.append
        for seconds in values:
            v = int(seconds * 1e6)
            if v < _LOWEST:
                v = _LOWEST
            elif v > _HIGHEST:
                v = _HIGHEST
            bucket = (v | mask).bit_length() - shift
            add(((bucket + 1) << sub) + (v >> (bucket + unit)) - half)
        for index, count in Counter(indices).items():
            counts[index] += count
        self._total += len(values)
        low = min(_HIGHEST, max(_LOWEST, int(min(values) * 1e6)))
        high = min(_HIGHEST, max(_LOWEST, int(max(values) * 1e6)))
        self._min, self._max = min(self._min, low), max(self._max, high)

    def _sync(self) -> HdrHistogram:
        """The histogram with its totals brought up to date."""
        h = self._h
        if self._total:
            h.total_count += self._total
            h.min_value = min(h.min_value, self._min)
            h.max_value = max(h.max_value, self._max)
            self._total = 0
            self._min = _HIGHEST + 1
            self._max = 0
        return h

    def merge(self, other: Latencies) -> None:
        """Add every value of `other` to this distribution."""
        theirs = other._sync()
        if theirs.get_total_count():
            self._sync().add(theirs)

    @property
    def count(self) -> int:
        return int(self._sync().get_total_count())

    def percentile(self, p: float) -> float:
        """The value at percentile `p` (0..100) in seconds; NaN when nothing was recorded.

        The same value as hdrh's `get_value_at_percentile`, found by bisecting the running
        totals of the counts (kept until the next value is recorded) instead of a Python loop
        over every bucket."""
        h = self._sync()
        total = h.get_total_count()
        if not total:
            return math.nan
        if self._running_total != total:
            self._running = list(accumulate(self._counts[:]))  # a slice copies at C speed
            self._running_total = total
        wanted = max(int(min(p, 100.0) * total / 100 + 0.5), 1)
        value = h.get_value_from_index(bisect_left(self._running, wanted))
        edge = h.get_highest_equivalent_value if p else h.get_lowest_equivalent_value
        return float(edge(value)) / 1e6

    @property
    def mean(self) -> float:
        h = self._sync()
        return float(h.get_mean_value()) / 1e6 if h.get_total_count() else math.nan

    @property
    def max(self) -> float:
        h = self._sync()
        return float(h.get_max_value()) / 1e6 if h.get_total_count() else math.nan

    @property
    def min(self) -> float:
        h = self._sync()
        return float(h.get_min_value()) / 1e6 if h.get_total_count() else math.nan

    def encode(self) -> str:
        """The histogram in hdrh's compressed base64 form (reproducible evidence)."""
        return bytes(self._sync().encode()).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> Latencies:
        return cls(HdrHistogram.decode(text.encode("ascii")))

    def __repr__(self) -> str:
        n = self.count
        if not n:
            return "Latencies(empty)"
        p50, p99 = self.percentile(50) * 1e3, self.percentile(99) * 1e3
        return f"Latencies(n={n}, p50={p50:.3f} ms, p99={p99:.3f} ms)"
