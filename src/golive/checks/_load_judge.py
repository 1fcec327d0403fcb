"""Verdicts on a load run: whether the generator did what was asked, and whether the service
met each threshold, with enough samples to say so.

Three outcomes, never a guess: a threshold broken while the generator was healthy fails; a
threshold met by a healthy generator with enough samples passes; anything else -- the
generator was late or busy, the rate was not offered on time, too few samples for the
percentile or the error-rate bound, a limit below what the generator can measure -- is
`unknown` with the reason. Arrivals refused on time at the in-flight cap are the service's
backlog, never an excuse for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from golive.load import LoadResult
from golive.load.result import LATE_P99, ON_TIME, SATURATED_CPU
from golive.model import Status
from golive.stats import hardest_bound
from golive.thresholds import Threshold, describe_duration, min_samples

__all__ = [
    "ACHIEVED",
    "FLOOR_FACTOR",
    "Judgement",
    "generator_problems",
    "judge_error_rate",
    "judge_latency",
    "judge_throughput",
    "latency_value",
    "offer_problems",
    "overwhelmed",
    "worst",
]

ACHIEVED = 0.97  # the share of the planned arrivals that must have been offered on time
FLOOR_FACTOR = 5  # a latency limit under 5 x the dispatch lateness p99 cannot be measured
_ORDER = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.WARN: 2, Status.PASS: 3}


@dataclass(frozen=True, kw_only=True)
class Judgement:
    """One threshold's verdict, with the value it was judged on."""

    status: Status
    name: str  # "p95 < 100 ms", "throughput > 1000 req/s"
    observed: str
    reason: str  # why, in one line


def worst(judgements: Iterable[Judgement]) -> Status:
    statuses = [j.status for j in judgements]
    return min(statuses, key=_ORDER.__getitem__) if statuses else Status.UNKNOWN


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "n/a"
    return f"{seconds * 1000:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def generator_problems(result: LoadResult) -> list[str]:
    """Why the run cannot vouch for what it measured: a late dispatch (it blurs latencies),
    then `offer_problems`. Dropped arrivals are not the generator's problem: it refused them
    on time because the service held `max_inflight` requests open -- see `overwhelmed`."""
    problems = []
    late = result.lateness.percentile(99) if result.lateness.count else 0.0
    if late > LATE_P99:
        problems.append(
            f"dispatch lateness p99 was {late * 1e3:.1f} ms (over {LATE_P99 * 1e3:.0f} ms)"
        )
    return problems + offer_problems(result)


def offer_problems(result: LoadResult) -> list[str]:
    """Why the service may never have been asked for the rate: the generator did not offer it
    on time, or its CPU was saturated. These put a *shortfall* in doubt; a late dispatch of a
    few milliseconds blurs latencies, not a missing throughput or a full in-flight allowance.

    Offered means handled on time: sent, or refused because `max_inflight` requests were
    open (the service's backlog). Only arrivals the generator itself handled late count
    against it -- a service too slow to answer never makes the generator look short."""
    problems = []
    if result.client_cpu > SATURATED_CPU:
        problems.append(
            f"the generator used {result.client_cpu:.0%} of its CPU (over {SATURATED_CPU:.0%})"
        )
    if result.plan_rate > 0:
        offered = result.offered_rate if result.measured_seconds > 0 else 0.0
        if offered < ACHIEVED * result.plan_rate:
            late = ""
            if result.behind:
                late = (
                    f" ({result.behind:,} arrivals were handled over {ON_TIME * 1e3:.0f} ms "
                    "after they were due)"
                )
            problems.append(
                f"the generator offered {offered:.0f} req/s of the "
                f"{result.plan_rate:.0f} req/s asked{late}"
            )
    if problems and result.dropped:
        problems.append(
            f"{result.dropped:,} arrivals were dropped (the in-flight cap), which a busy or "
            "lagging generator may have filled itself"
        )
    return problems


def overwhelmed(result: LoadResult, *, rate: float) -> Judgement | None:
    """A failure when arrivals were dropped by a healthy generator: the service held the
    whole in-flight allowance open, so it did not keep up with the rate (each of those
    requests waited about max_inflight / rate seconds, Little's law)."""
    if not result.dropped or offer_problems(result):
        return None
    shown = f"{result.dropped:,} of {result.sent + result.dropped:,} arrivals dropped"
    return Judgement(
        status=Status.FAIL,
        name=f"keeps up with {rate:g} req/s",
        observed=shown,
        reason=f"{shown}: the service held the in-flight allowance open and did not keep up",
    )


def latency_value(result: LoadResult, statistic: str) -> float:
    """The statistic of the run's latencies, in seconds."""
    latencies = result.latency
    match statistic:
        case "avg":
            return latencies.mean
        case "max":
            return latencies.max
        case "min":
            return latencies.min
        case "median":
            return latencies.percentile(50)
        case _:
            return latencies.percentile(float(statistic[1:]))


def _unhealthy(name: str, observed: str) -> Judgement:
    """A limit met while the generator was late or busy: the run cannot vouch for it."""
    return Judgement(
        status=Status.UNKNOWN,
        name=name,
        observed=observed,
        reason="met, but the generator was not healthy (see above)",
    )


def judge_latency(result: LoadResult, threshold: Threshold, *, healthy: bool) -> Judgement:
    statistic = threshold.statistic or "p95"
    name = f"{statistic} {threshold.comparator} {threshold.quantity}"
    count = result.latency.count
    if count == 0:
        return Judgement(
            status=Status.UNKNOWN, name=name, observed="no response", reason="no request completed"
        )
    value = latency_value(result, statistic)
    observed = f"{statistic} {ms(value)} of {count:,}"
    if not threshold.holds(value):
        # A broken limit fails even on few samples, but only if the generator was healthy:
        # a late generator adds its own delay to every latency.
        # The generator's own delay is at most its worst dispatch lateness: a value over the
        # limit by more than that is the service's, healthy generator or not.
        worst_late = result.lateness.max if result.lateness.count else 0.0
        if not healthy and not threshold.holds(value - worst_late) and not offer_problems(result):
            return Judgement(
                status=Status.FAIL,
                name=name,
                observed=observed,
                reason=f"{statistic} is {ms(value)}, over the limit by more than the "
                f"generator's worst lateness ({ms(worst_late)})",
            )
        if not healthy:
            return Judgement(
                status=Status.UNKNOWN,
                name=name,
                observed=observed,
                reason=f"{statistic} {ms(value)} breaks the limit, but the generator was not "
                "healthy, so part of it may be the generator's",
            )
        return Judgement(
            status=Status.FAIL, name=name, observed=observed, reason=f"{statistic} is {ms(value)}"
        )
    need = min_samples(statistic)
    if count < need:
        return Judgement(
            status=Status.UNKNOWN,
            name=name,
            observed=observed,
            reason=f"{statistic} needs at least {need:,} samples, the run has {count:,}",
        )
    floor = FLOOR_FACTOR * result.lateness.percentile(99)
    if threshold.quantity.value < floor:
        return Judgement(
            status=Status.UNKNOWN,
            name=name,
            observed=observed,
            reason=f"the limit is under {FLOOR_FACTOR} x the generator's dispatch lateness p99 "
            f"({ms(floor)}): too fine for this generator to measure",
        )
    if not healthy:
        return _unhealthy(name, observed)
    return Judgement(
        status=Status.PASS, name=name, observed=observed, reason=f"{statistic} is {ms(value)}"
    )


def judge_throughput(result: LoadResult, threshold: Threshold, *, healthy: bool) -> Judgement:
    """Goodput -- responses with an expected status per second of the measured phase."""
    name = f"throughput {threshold.comparator} {threshold.quantity}"
    goodput = result.goodput
    observed = (
        f"{goodput:.0f} req/s good of {result.achieved_rate:.0f} req/s sent "
        f"over {describe_duration(result.measured_seconds)}"
    )
    if threshold.holds(goodput):
        if healthy:
            return Judgement(status=Status.PASS, name=name, observed=observed, reason=observed)
        return _unhealthy(name, observed)
    if offer_problems(result):
        return Judgement(
            status=Status.UNKNOWN,
            name=name,
            observed=observed,
            reason="not reached, but the generator could not offer the rate, so the service "
            "was never asked for it",
        )
    return Judgement(status=Status.FAIL, name=name, observed=observed, reason=observed)


def judge_error_rate(
    result: LoadResult, threshold: Threshold, *, healthy: bool = True
) -> Judgement:
    """The point estimate and its one-sided 95 % upper bound must both be under the limit."""
    name = f"error rate {threshold.comparator} {threshold.quantity}"
    trials = result.sent
    failures = trials - result.ok
    if trials == 0:
        return Judgement(
            status=Status.UNKNOWN, name=name, observed="no request", reason="no request sent"
        )
    rate = failures / trials
    bound = hardest_bound(threshold, failures, trials)
    observed = f"{rate:.3%} ({failures:,} of {trials:,}; 95 % bound {bound:.3%})"
    if not threshold.holds(rate):
        return Judgement(status=Status.FAIL, name=name, observed=observed, reason=observed)
    if not threshold.holds(bound):
        return Judgement(
            status=Status.UNKNOWN,
            name=name,
            observed=observed,
            reason=f"{trials:,} requests are too few to bound the error rate by "
            f"{threshold.quantity} (the 95 % bound is {bound:.3%})",
        )
    if not healthy:
        return _unhealthy(name, observed)
    return Judgement(status=Status.PASS, name=name, observed=observed, reason=observed)


def statuses_text(result: LoadResult) -> str:
    parts = [f"{code}: {count:,}" for code, count in sorted(result.statuses.items())]
    parts += [f"{kind}: {count:,}" for kind, count in sorted(result.errors.items()) if count]
    return ", ".join(parts) or "none"


def percentiles_text(result: LoadResult, points: Sequence[float] = (50, 90, 95, 99, 99.9)) -> str:
    if result.latency.count == 0:
        return "no response"
    spread = ", ".join(f"p{p:g} {ms(result.latency.percentile(p))}" for p in points)
    return f"{spread}, max {ms(result.latency.max)}"
