"""The blue-green policy, rule by rule: promotion gate, health checks, and the switch window."""

from __future__ import annotations

from dataclasses import dataclass

from golive.checks._delivery_model import BlueGreenPlan
from golive.checks._delivery_outcome import Notes, Subject
from golive.checks._delivery_rules import ErrorRule, judge_errors
from golive.model import Status
from golive.thresholds import format_duration

__all__ = ["BlueGreenPolicy", "judge_blue_green"]

_EPSILON = 1e-9


@dataclass(frozen=True, kw_only=True)
class BlueGreenPolicy:
    """The parts of the blue-green policy a run judges (None: that rule is not judged)."""

    rollback: ErrorRule | None = None
    interval: float | None = None  # seconds between health checks, at most
    timeout: float | None = None  # seconds one health check may take, at most
    switch: float | None = None  # seconds the previous version stays to switch back to


def judge_blue_green(plan: BlueGreenPlan, policy: BlueGreenPolicy) -> Subject:
    """Every rule of `policy` against one blue-green rollout."""
    notes = Notes()
    if policy.rollback is not None:
        _gate(plan, policy.rollback, notes)
    if policy.interval is not None:
        _interval(plan, policy.interval, notes)
    if policy.timeout is not None:
        _timeout(plan, policy.timeout, notes)
    if policy.switch is not None:
        _switch(plan, policy.switch, notes)
    if notes.undetermined and not notes.judgements and not notes.evidence:
        # Nothing else was judged: a rule that could not look at anything decides nothing.
        notes.add(Status.UNKNOWN, "health-check-timeout", notes.undetermined[0], plan.strategy_at)
    resource = plan.resource
    return notes.subject(resource.ref, resource.path, resource.location)


def _gate(plan: BlueGreenPlan, rule: ErrorRule, notes: Notes) -> None:
    if plan.skipped:
        notes.add(Status.FAIL, rule.rule, plan.skipped, plan.skipped_at or plan.strategy_at)
        return
    if plan.pre is None:
        if plan.post is not None:
            judge_errors([plan.post], None, [rule], plan.post.location, notes)
            message = (
                "no prePromotionAnalysis: errors reach every user before the "
                "postPromotionAnalysis can switch back"
            )
            notes.add(Status.WARN, "pre-promotion", message, plan.strategy_at)
        elif plan.manual_gate:
            message = (
                f"no pre-promotion analysis; {plan.manual_gate} leaves the promotion to a "
                "person, and nothing rolls back on errors"
            )
            notes.add(Status.WARN, "pre-promotion", message, plan.strategy_at)
        else:
            message = (
                "no pre-promotion analysis and nothing holds the promotion: the new version "
                "takes all traffic unchecked"
            )
            notes.add(Status.FAIL, "pre-promotion", message, plan.strategy_at)
        return
    analyses = [plan.pre, *([plan.post] if plan.post is not None else [])]
    judge_errors(analyses, None, [rule], plan.pre.location, notes)
    auto = plan.auto_promotion
    hold = plan.pre.hold
    if auto is not None and (hold is None or hold > auto.seconds + _EPSILON):
        lasting = "runs until stopped" if hold is None else f"takes {format_duration(hold)}"
        message = (
            f"autoPromotionSeconds promotes after {format_duration(auto.seconds)}, whatever "
            f"the prePromotionAnalysis says by then (it {lasting})"
        )
        notes.add(Status.WARN, "pre-promotion", message, auto.location)


def _interval(plan: BlueGreenPlan, interval: float, notes: Notes) -> None:
    timings = [*plan.cadence, *(probe.period for probe in plan.probes)]
    if not timings:
        if plan.pods_unknown:
            message = f"{plan.pods_unknown}, and no analysis metric sets an interval"
            notes.add(Status.UNKNOWN, "health-check-interval", message, plan.strategy_at)
        else:
            message = (
                "nothing checks the new version's health on a schedule: no readiness probe and "
                "no analysis metric with an interval"
            )
            notes.add(Status.FAIL, "health-check-interval", message, plan.strategy_at)
        return
    for timing in timings:
        if timing.seconds > interval + _EPSILON:
            message = (
                f"{timing.what} is {format_duration(timing.seconds)}; the policy checks health "
                f"every {format_duration(interval)}"
            )
            notes.add(Status.FAIL, "health-check-interval", message, timing.location)
    longest = max(timing.seconds for timing in timings)
    notes.evidence.append(f"health checked at least every {format_duration(longest)}")


def _timeout(plan: BlueGreenPlan, timeout: float, notes: Notes) -> None:
    timings = [*(probe.timeout for probe in plan.probes), *plan.timeouts]
    if not timings:
        why = plan.pods_unknown or "no container has a readiness probe"
        notes.undetermined.append(
            f"health check timeouts cannot be told: {why}, no analysis timeout"
        )
        return
    for timing in timings:
        if timing.seconds > timeout + _EPSILON:
            message = (
                f"{timing.what} is {format_duration(timing.seconds)}; the policy gives a health "
                f"check {format_duration(timeout)}"
            )
            notes.add(Status.FAIL, "health-check-timeout", message, timing.location)
    longest = max(timing.seconds for timing in timings)
    notes.evidence.append(f"health check timeouts up to {format_duration(longest)}")


def _switch(plan: BlueGreenPlan, required: float, notes: Notes) -> None:
    if plan.switch_gap:
        notes.add(Status.FAIL, "traffic-switch", plan.switch_gap, plan.strategy_at)
    elif plan.switch_unresolved:
        message = (
            f"the previous version stays until the postPromotionAnalysis ends, and "
            f"{plan.switch_unresolved[0]}"
        )
        where = plan.post.location if plan.post is not None else plan.strategy_at
        notes.add(Status.UNKNOWN, "traffic-switch", message, where)
    elif plan.switch_unbounded:
        notes.evidence.append(f"previous version kept {plan.switch_unbounded}")
    elif plan.switch is not None:
        kept = plan.switch.seconds
        if kept < required - _EPSILON:
            message = (
                f"the previous version is scaled down {format_duration(kept)} after the switch "
                f"({plan.switch.what}); the policy keeps it {format_duration(required)} to "
                "switch back to"
            )
            notes.add(Status.FAIL, "traffic-switch", message, plan.switch.location)
        else:
            notes.evidence.append(f"previous version kept {format_duration(kept)} after the switch")
