"""What a load run measured: totals, latency and lateness histograms, and a per-second timeline.

Every count covers the measured phase only (warm-up excluded), by each request's intended send
time. `saturated` lists the reasons the generator itself, not the service, may have set the
numbers: a result with any reason is no evidence either way.

An arrival is offered when the generator handles it on time (within ON_TIME of its due
instant): it sends it, or it refuses it because `max_inflight` requests are still open -- the
service's backlog, not the generator's. An arrival handled later than that (`behind`) was not
offered at its time: the generator's own lag (CPU starvation, a stalled event loop).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from golive.load.histogram import Latencies

__all__ = ["ERROR_KINDS", "LATE_P99", "ON_TIME", "SATURATED_CPU", "LoadResult", "Second"]

ERROR_KINDS = ("timeout", "connect", "reset", "protocol", "status")
LATE_P99 = 0.010  # seconds: a dispatch lateness p99 above this means the schedule slipped
SATURATED_CPU = 0.90  # the generator's processes were this busy: it may have been the bottleneck
# seconds: an arrival handled (sent, or refused at the in-flight cap) later than this after it
# was due was not offered on time -- the generator's own lag. Ten times LATE_P99: a scheduling
# hiccup blurs latencies without changing the rate the service was asked for.
ON_TIME = 0.100


@dataclass(frozen=True, kw_only=True)
class Second:
    """One second of the measured phase, by intended send time."""

    t: float  # seconds since the measured phase began
    offered: int  # arrivals due in this second
    completed: int  # responses received (any status)
    errors: int  # timeouts, transport failures and unexpected statuses
    dropped: int  # arrivals not sent: max_inflight was reached
    p50: float  # seconds (NaN when nothing completed)
    p99: float

    @property
    def error_rate(self) -> float:
        sent = self.offered - self.dropped
        return self.errors / sent if sent else math.nan


@dataclass(frozen=True, kw_only=True)
class LoadResult:
    plan_rate: float  # the offered (planned) rate of the measured phase, req/s (NaN: closed loop)
    measured_seconds: float
    sent: int  # requests sent in the measured phase
    completed: int  # responses received (any status)
    ok: int  # responses with an expected status
    statuses: Mapping[int, int]  # status -> count
    errors: Mapping[str, int]  # each of ERROR_KINDS -> count
    dropped: int  # arrivals not sent because max_inflight was reached
    latency: Latencies  # from INTENDED send time to last byte; timeouts recorded as the timeout
    lateness: Latencies  # dispatch lateness: actual hand-off time minus intended time
    timeline: tuple[Second, ...]
    client_cpu: float  # generator CPU seconds / wall seconds / processes
    processes: int
    aborted: str | None  # why the run stopped early, or None
    unfinished: int = 0  # requests still open when an aborted run stopped (no outcome)
    connections: int = 0  # connections opened in all
    event_loop: str = "asyncio"  # "uvloop" when it was installed
    behind: int = 0  # arrivals handled (sent or dropped) more than ON_TIME after they were due

    @property
    def on_time(self) -> int:
        """Arrivals offered on time: sent, or refused at the in-flight cap, within ON_TIME."""
        return max(0, self.sent + self.dropped - self.behind)

    @property
    def offered_rate(self) -> float:
        """Arrivals offered on time per second of the measured phase (NaN: no phase)."""
        return self.on_time / self.measured_seconds if self.measured_seconds > 0 else math.nan

    @property
    def achieved_rate(self) -> float:
        return self.sent / self.measured_seconds if self.measured_seconds > 0 else math.nan

    @property
    def goodput(self) -> float:
        return self.ok / self.measured_seconds if self.measured_seconds > 0 else math.nan

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def error_rate(self) -> float:
        """Failed requests (errors of any kind) over requests sent; NaN when none was sent."""
        return self.error_count / self.sent if self.sent else math.nan

    @property
    def saturated(self) -> list[str]:
        """Why the generator may have been the bottleneck (empty: it kept up)."""
        reasons = []
        if self.dropped:
            what = "1 arrival was" if self.dropped == 1 else f"{self.dropped} arrivals were"
            reasons.append(f"{what} dropped (the in-flight cap was reached)")
        late = self.lateness.percentile(99)
        if late > LATE_P99:
            reasons.append(
                f"dispatch lateness p99 was {late * 1e3:.1f} ms (over {LATE_P99 * 1e3:.0f} ms)"
            )
        if self.behind:
            what = "1 arrival was" if self.behind == 1 else f"{self.behind} arrivals were"
            reasons.append(
                f"{what} not offered on time (dispatch lateness over {ON_TIME * 1e3:.0f} ms)"
            )
        if self.client_cpu > SATURATED_CPU:
            reasons.append(
                f"the generator used {self.client_cpu:.0%} of its CPU (over {SATURATED_CPU:.0%})"
            )
        return reasons

    def evidence(self) -> dict[str, Any]:
        """The numbers a verdict records, as plain JSON-ready values (NaN becomes None)."""

        def number(value: float) -> float | None:
            return None if math.isnan(value) else round(value, 6)

        return {
            "offered_rate": number(self.plan_rate),
            "achieved_rate": number(self.achieved_rate),
            "goodput": number(self.goodput),
            "measured_seconds": round(self.measured_seconds, 3),
            "sent": self.sent,
            "completed": self.completed,
            "ok": self.ok,
            "dropped": self.dropped,
            "behind": self.behind,
            "errors": dict(self.errors),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "latency_p50": number(self.latency.percentile(50)),
            "latency_p99": number(self.latency.percentile(99)),
            "latency_max": number(self.latency.max),
            "lateness_p99": number(self.lateness.percentile(99)),
            "client_cpu": number(self.client_cpu),
            "processes": self.processes,
            "saturated": self.saturated,
            "aborted": self.aborted,
            "latency_histogram": self.latency.encode(),
        }
