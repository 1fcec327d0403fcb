"""The verdict rules on a load run's numbers: what the generator offered, and what excuses a
shortfall. A late generator blurs latencies; only one that did not offer the rate on time, or
whose CPU was saturated, leaves a shortfall `unknown`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from livekit import service

from golive.checks import load as load_checks
from golive.checks._load_judge import (
    generator_problems,
    judge_latency,
    judge_throughput,
    offer_problems,
    overwhelmed,
)
from golive.checks.load import LoadStress
from golive.load import LoadPlan, LoadResult
from golive.load.histogram import Latencies
from golive.load.result import ERROR_KINDS
from golive.model import Outcome, Status
from golive.testing import run_check
from golive.thresholds import Dimension, parse_threshold

RATE = 105.0  # req/s asked for 3 s: 315 arrivals
THROUGHPUT = parse_threshold(">100 req/s", dimension=Dimension.RATE)
P95 = parse_threshold("p95<100ms", dimension=Dimension.DURATION)


def run(
    *,
    sent: int,
    dropped: int = 0,
    behind: int = 0,
    late: float = 0.001,
    latency: float = 1.0,
    cpu: float = 0.05,
) -> LoadResult:
    """A 3 s run at RATE: `sent` answered 200 after `latency`, the rest of the arrivals
    `dropped`; every sent one `late` after it was due but the last 10 (on time)."""
    lateness = Latencies()
    lateness.record_many([late] * (sent - 10) + [0.0005] * 10)
    latencies = Latencies()
    latencies.record_many([latency] * sent)
    return LoadResult(
        plan_rate=RATE,
        measured_seconds=3.0,
        sent=sent,
        completed=sent,
        ok=sent,
        statuses={200: sent},
        errors=dict.fromkeys(ERROR_KINDS, 0),
        dropped=dropped,
        behind=behind,
        latency=latencies,
        lateness=lateness,
        timeline=(),
        client_cpu=cpu,
        processes=1,
        aborted=None,
    )


def test_a_late_generator_does_not_excuse_a_service_that_held_the_allowance() -> None:
    # Every arrival was sent or refused at the in-flight cap within 100 ms: offered. The
    # dispatch lateness p99 of 40 ms makes the generator unhealthy for latencies only.
    result = run(sent=60, dropped=255, late=0.040)
    assert result.offered_rate == RATE
    assert generator_problems(result) == ["dispatch lateness p99 was 40.0 ms (over 10 ms)"]
    assert offer_problems(result) == []
    assert judge_throughput(result, THROUGHPUT, healthy=False).status is Status.FAIL
    kept_up = overwhelmed(result, rate=RATE)
    assert kept_up is not None and kept_up.status is Status.FAIL
    assert kept_up.observed == "255 of 315 arrivals dropped"
    # a latency far over the limit is the service's, late generator or not
    assert judge_latency(result, P95, healthy=False).status is Status.FAIL


def test_arrivals_handled_late_were_not_offered() -> None:
    # 60 arrivals went out over 100 ms late (a generator starved of CPU): 85 of 105 req/s
    # were offered on time, so the service was never asked for the rate.
    result = run(sent=100, dropped=215, behind=60, late=0.3)
    assert math.isclose(result.offered_rate, 85.0)
    assert offer_problems(result) == [
        "the generator offered 85 req/s of the 105 req/s asked (60 arrivals were handled over "
        "100 ms after they were due)",
        "215 arrivals were dropped (the in-flight cap), which a busy or lagging generator may "
        "have filled itself",
    ]
    assert generator_problems(result)[0] == "dispatch lateness p99 was 300.0 ms (over 10 ms)"
    throughput = judge_throughput(result, THROUGHPUT, healthy=False)
    assert throughput.status is Status.UNKNOWN
    assert "could not offer the rate" in throughput.reason
    assert overwhelmed(result, rate=RATE) is None
    assert judge_latency(result, P95, healthy=False).status is Status.UNKNOWN
    assert result.saturated[-1] == (
        "60 arrivals were not offered on time (dispatch lateness over 100 ms)"
    )


def test_a_few_late_arrivals_leave_the_rate_offered() -> None:
    result = run(sent=60, dropped=255, behind=9)  # 306 of 315 on time: 97.1 %
    assert offer_problems(result) == []
    assert judge_throughput(result, THROUGHPUT, healthy=True).status is Status.FAIL
    shorter = run(sent=60, dropped=255, behind=10)  # 305: 96.8 %
    assert offer_problems(shorter)[0].startswith("the generator offered 102 req/s of the 105")


def test_a_busy_generator_leaves_a_shortfall_unknown() -> None:
    result = run(sent=60, dropped=255, cpu=0.95)
    assert offer_problems(result)[0] == "the generator used 95% of its CPU (over 90%)"
    assert judge_throughput(result, THROUGHPUT, healthy=False).status is Status.UNKNOWN
    assert overwhelmed(result, rate=RATE) is None


def test_a_healthy_run_that_keeps_up() -> None:
    result = run(sent=315, latency=0.005)
    assert generator_problems(result) == []
    assert judge_throughput(result, THROUGHPUT, healthy=True).status is Status.PASS
    assert overwhelmed(result, rate=RATE) is None


# --- load.stress: a step the generator dispatched late neither holds nor breaks ---------------


def step(
    rate: float, *, late: float = 0.0005, latency: float = 0.005, behind_share: float = 0.0
) -> LoadResult:
    """A step at `rate` for 4 s, every arrival sent and answered after `latency`; a share of
    them `behind` (handled over 100 ms late)."""
    sent = round(rate * 4)
    result = run(sent=sent, late=late, latency=latency, behind=round(sent * behind_share))
    return replace(result, plan_rate=rate, measured_seconds=4.0)


MET = {"latency": 0.005}  # p95 5 ms: within p95 < 100 ms
LATE = {"late": 0.030, "latency": 0.050}  # dispatch lateness p99 30 ms: met, but unvouched
BROKE = {"latency": 1.5}


def stress(
    monkeypatch: pytest.MonkeyPatch, shapes: Sequence[dict[str, float]], **params: Any
) -> Outcome:
    """load.stress with each step's result made up: the n-th step run gets `shapes[n]`."""
    results = iter(shapes)

    def fake_run(check: str, plan: LoadPlan, *args: object) -> LoadResult:
        return step(plan.stages[-1].rate, **next(results))

    monkeypatch.setattr(load_checks, "_run", fake_run)
    return run_check(
        LoadStress, Path(), service=service("http://127.0.0.1:9", consent="load"), path="/",
        response_time="p95<100ms", **params,
    )  # fmt: skip


def test_a_late_step_under_the_peak_does_not_excuse_a_break_above_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome = stress(monkeypatch, [LATE, BROKE], peak="200 req/s", start="50 req/s", factor=2)
    assert outcome.status is Status.FAIL, outcome
    assert outcome.summary == (
        "the highest sustainable rate is no step, under the peak of 200 req/s: "
        "100 req/s broke p95 < 100 ms"
    )


def test_a_late_step_is_passed_over_by_a_higher_one_that_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome = stress(
        monkeypatch, [LATE, MET, MET], peak="90 req/s", start="60 req/s", factor=1.5, steps=3
    )
    assert outcome.status is Status.PASS, outcome
    assert outcome.facts["knee"] == 135


def test_a_late_step_at_the_peak_leaves_a_lower_knee_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome = stress(
        monkeypatch, [MET, LATE, BROKE], peak="90 req/s", start="60 req/s", factor=1.5, steps=3
    )
    assert outcome.status is Status.UNKNOWN, outcome
    assert outcome.facts["knee"] == 60
    assert "could not vouch for 90 req/s (dispatch lateness p99 was 30.0 ms" in outcome.summary
    assert outcome.summary.endswith("135 req/s broke p95 < 100 ms")


def test_a_step_not_offered_ends_the_search(monkeypatch: pytest.MonkeyPatch) -> None:
    starved = {"late": 0.030, "latency": 0.050, "behind_share": 0.2}
    outcome = stress(monkeypatch, [MET, starved], peak="200 req/s", start="100 req/s", factor=2)
    assert outcome.status is Status.UNKNOWN, outcome
    assert "could not vouch for 200 req/s" in outcome.summary
    assert outcome.facts["steps"] == 2
