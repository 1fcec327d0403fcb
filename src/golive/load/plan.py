"""What a load test sends: the target, one request, and the arrival rate stage by stage.

A plan is data; `run_open` and `run_closed` (engine.py) enforce the target's policy on it. The
arrival times follow from the stages alone: arrival `i` is due when the integral of the rate
since the start reaches `i`, so a constant rate R gives `i / R` and a ramp solves a quadratic.
Nothing accumulates from one arrival to the next, hence no drift over a long run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from golive.probes.safety import PinnedTarget

__all__ = ["Arrivals", "LoadPlan", "Stage"]

_METHODS = frozenset({"GET", "HEAD", "POST"})
# Headers the engine writes itself: a plan that set them would corrupt the framing.
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
_MAX_TIMEOUT = 60.0  # the latency histogram's highest value


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One stretch of the run: the rate ramps linearly to `rate` over `seconds`."""

    rate: float  # arrivals per second at the END of the stage
    seconds: float  # length of the stage
    measured: bool = True  # False: warm-up / ramp, excluded from results

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate) and self.rate >= 0):
            raise ValueError(f"a stage's rate must be a finite number >= 0, not {self.rate}")
        if not (math.isfinite(self.seconds) and self.seconds > 0):
            raise ValueError(f"a stage lasts a finite number of seconds > 0, not {self.seconds}")


@dataclass(frozen=True, kw_only=True)
class LoadPlan:
    """One request sent at the arrival rate of `stages` to `target`."""

    target: PinnedTarget  # the ONLY way to reach a service
    path: str  # a path the checklist names (may carry a query)
    method: str = "GET"  # GET or HEAD (POST only with a body)
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    stages: tuple[Stage, ...]
    max_inflight: int = 1000  # arrivals beyond it are dropped (counted), never queued
    timeout: float = 10.0  # a slower request is recorded AS the timeout and is an error
    processes: int = 1  # worker processes; each takes every `processes`-th arrival
    expected: tuple[int, int] = (200, 399)  # statuses counted as success
    rate_limit_expected: bool = False  # True: 429 is not an error
    credentials: bool = False  # send the target's Authorization
    start_rate: float | None = None  # the rate the first stage ramps from (default: its own)

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError("a load plan needs at least one stage")
        flags = [s.measured for s in self.stages]
        if True not in flags:
            raise ValueError("a load plan needs a measured stage")
        first, last = flags.index(True), len(flags) - 1 - flags[::-1].index(True)
        if not all(flags[first : last + 1]):
            raise ValueError("the measured stages of a load plan must follow one another")
        if self.start_rate is not None and not (
            math.isfinite(self.start_rate) and self.start_rate >= 0
        ):
            raise ValueError(f"start_rate must be a finite number >= 0, not {self.start_rate}")
        if self.method not in _METHODS:
            raise ValueError(f"a load test sends GET, HEAD or POST, not {self.method}")
        if self.method == "POST" and self.body is None:
            raise ValueError("a POST load test needs a body")
        if not self.path.startswith("/") or any(c in self.path for c in "\r\n #"):
            raise ValueError(f'"{self.path}" is not a request path')
        for name, value in self.headers:
            if name.lower() in _OWN_HEADERS:
                raise ValueError(f"the engine writes the {name} header itself")
            if not name or any(c in name for c in ":\r\n ") or any(c in value for c in "\r\n"):
                raise ValueError(f"malformed header {name!r}: {value!r}")
        if self.max_inflight < 1:
            raise ValueError("max_inflight must be at least 1")
        if not 0 < self.timeout <= _MAX_TIMEOUT:
            raise ValueError(f"timeout must be in (0, {_MAX_TIMEOUT:g}] seconds")
        if not 1 <= self.processes <= self.max_inflight:
            raise ValueError("processes must be at least 1 and at most max_inflight")
        low, high = self.expected
        if not 100 <= low <= high <= 599:
            raise ValueError(f"expected statuses {low}..{high} are not a range of statuses")

    @classmethod
    def steady(
        cls,
        target: PinnedTarget,
        path: str,
        *,
        rate: float,
        seconds: float,
        ramp: float = 10.0,
        **kw: Any,
    ) -> LoadPlan:
        """Ramp from 10 % to 100 % of `rate` over `ramp` seconds (not measured), then hold
        `rate` for `seconds` (measured). `max_inflight` defaults to min(1000, 2 s of arrivals)."""
        kw.setdefault("max_inflight", max(1, min(1000, math.ceil(2 * rate))))
        measured = Stage(rate=rate, seconds=seconds)
        if ramp <= 0:
            return cls(target=target, path=path, stages=(measured,), **kw)
        warm = Stage(rate=rate, seconds=ramp, measured=False)
        return cls(target=target, path=path, stages=(warm, measured), start_rate=rate / 10, **kw)

    @property
    def requests(self) -> int:
        """Arrivals planned, warm-up included (what the policy's caps are charged)."""
        return self.arrivals().total

    @property
    def seconds(self) -> float:
        """Length of the whole run, warm-up included."""
        return sum(s.seconds for s in self.stages)

    @property
    def peak_rate(self) -> float:
        rates = [s.rate for s in self.stages]
        if self.start_rate is not None:
            rates.append(self.start_rate)
        return max(rates)

    def arrivals(self) -> Arrivals:
        return Arrivals.of(self.stages, self.start_rate)


@dataclass(frozen=True)
class _Segment:
    start: float  # seconds since the run began
    seconds: float
    rate0: float  # rate at its start
    rate1: float  # rate at its end
    first: float  # arrivals due before it (the rate's integral up to `start`)
    last: float  # arrivals due before its end
    measured: bool


@dataclass(frozen=True)
class Arrivals:
    """When each arrival of a plan is due, in seconds since the start (picklable, no target)."""

    segments: tuple[_Segment, ...]
    total: int  # arrivals in the whole run
    measured_from: float  # where the measured phase begins and ends, seconds since the start
    measured_to: float
    measured_count: float  # the rate's integral over the measured phase

    @classmethod
    def of(cls, stages: tuple[Stage, ...], start_rate: float | None = None) -> Arrivals:
        segments = []
        at = done = 0.0
        previous = stages[0].rate if start_rate is None else start_rate
        for stage in stages:
            count = (previous + stage.rate) / 2 * stage.seconds
            end = done + count
            segments.append(
                _Segment(at, stage.seconds, previous, stage.rate, done, end, stage.measured)
            )
            at += stage.seconds
            done += count
            previous = stage.rate
        measured = [s for s in segments if s.measured]
        return cls(
            segments=tuple(segments),
            total=_ceil(done),
            measured_from=measured[0].start,
            measured_to=measured[-1].start + measured[-1].seconds,
            measured_count=measured[-1].last - measured[0].first,
        )

    @property
    def measured_seconds(self) -> float:
        return self.measured_to - self.measured_from

    @property
    def measured_rate(self) -> float:
        """The mean offered rate of the measured phase."""
        return self.measured_count / self.measured_seconds

    def cursor(self) -> _Cursor:
        return _Cursor(self.segments)


class _Cursor:
    """Arrival times for increasing indices (a worker walks its share in order)."""

    def __init__(self, segments: tuple[_Segment, ...]) -> None:
        self._segments = segments
        self._at = 0

    def time(self, i: int) -> tuple[float, bool]:
        """When arrival `i` is due (seconds since the start), and whether it is measured."""
        segments = self._segments
        while self._at < len(segments) - 1 and i >= segments[self._at].last:
            self._at += 1
        s = segments[self._at]
        k = i - s.first
        if k <= 0:
            return s.start, s.measured
        # The arrivals due t seconds into the segment: rate0*t + a*t², a = (rate1-rate0)/(2T);
        # this form of the root stays exact when a is 0 (a constant rate: t = k / rate0).
        a = (s.rate1 - s.rate0) / (2 * s.seconds)
        root = math.sqrt(max(0.0, s.rate0 * s.rate0 + 4 * a * k))
        return s.start + min(s.seconds, 2 * k / (s.rate0 + root)), s.measured


def _ceil(value: float) -> int:
    """ceil() that does not turn 1000.0000000001 (a float sum) into 1001."""
    return math.ceil(value - 1e-9)
