"""The canary policy, rule by rule, and the error-rate rules blue-green rollouts share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from golive.checks._delivery_model import Analysis, Bound, CanaryPlan, Metric, percent
from golive.checks._delivery_outcome import Notes, Subject
from golive.model import Location, Status
from golive.thresholds import format_duration

__all__ = ["CanaryPolicy", "ErrorRule", "judge_canary", "judge_errors"]

_EPSILON = 1e-9
_MEASURES = {"": "not an error rate golive recognises", "other": "not an error rate"}


@dataclass(frozen=True, kw_only=True)
class ErrorRule:
    """An error rate the analyses must act on: roll back above it, or succeed only below it."""

    rule: str  # "rollback-trigger", "success-criteria", "rollback-threshold"
    error_rate: float  # a fraction
    text: str  # the policy as written, "error_rate > 2%"
    success: bool = False  # judge the success conditions rather than the failure ones


@dataclass(frozen=True, kw_only=True)
class CanaryPolicy:
    """The parts of the canary policy a run judges (None: that rule is not judged)."""

    initial: float | None = None  # the first share of traffic, a fraction
    increment: float | None = None  # the largest increase between steps, a fraction
    window: float | None = None  # seconds held before full promotion
    errors: tuple[ErrorRule, ...] = ()


def judge_canary(plan: CanaryPlan, policy: CanaryPolicy) -> Subject:
    """Every rule of `policy` against one canary."""
    notes = Notes()
    if policy.initial is not None or policy.increment is not None:
        _traffic(plan, policy, notes)
    if policy.window is not None:
        _window(plan, policy.window, notes)
    if policy.errors:
        anchor = plan.skipped_at if plan.skipped and plan.skipped_at else plan.strategy_at
        judge_errors(plan.analyses, plan.skipped, policy.errors, anchor, notes)
    resource = plan.resource
    return notes.subject(resource.ref, resource.path, resource.location)


def judge_errors(
    analyses: Sequence[Analysis],
    skipped: str | None,
    rules: Sequence[ErrorRule],
    anchor: Location,
    notes: Notes,
) -> None:
    """Whether the analyses roll back (or succeed) on the error rates of `rules`."""
    first = rules[0].rule
    if skipped:
        notes.add(Status.FAIL, first, skipped, anchor)
        return
    if not any(a.metrics or a.checks or a.unresolved for a in analyses):
        where = analyses[0].location if analyses else anchor
        message = (
            "no analysis: nothing rolls it back when errors rise"
            if not rules[0].success
            else "no analysis: nothing checks its error rate before promotion"
        )
        notes.add(Status.FAIL, first, message, where)
        return
    for rule in rules:
        _error_rule(analyses, rule, notes)


def _error_rule(analyses: Sequence[Analysis], rule: ErrorRule, notes: Notes) -> None:
    pairs = [(analysis, metric) for analysis in analyses for metric in analysis.metrics]
    bounds: list[tuple[Analysis, Metric, Bound]] = []
    for analysis, metric in pairs:
        bound = metric.success if rule.success else metric.rollback
        if bound is not None and metric.never_fails is None:
            bounds.append((analysis, metric, bound))
    best = min(bounds, key=lambda found: found[2].error_rate, default=None)
    if best is not None and best[2].error_rate <= rule.error_rate + _EPSILON:
        verb = "succeeds only up to" if rule.success else "rolls back above"
        notes.evidence.append(
            f"{verb} {percent(best[2].error_rate)} errors (metric {best[1].name})"
        )
        return
    unresolved = [(a, text) for a in analyses for text in a.unresolved]
    if unresolved:
        message = f"{unresolved[0][0].where}: {unresolved[0][1]}, so its error limits are unknown"
        notes.add(Status.UNKNOWN, rule.rule, message, unresolved[0][0].location)
        return
    if best is not None:
        analysis, metric, bound = best
        if rule.success:
            message = (
                f"metric {metric.name} ({analysis.where}) accepts up to {percent(bound.error_rate)}"
                f" errors as a success (`{bound.text}`); the policy succeeds only at {rule.text}"
            )
        else:
            message = (
                f"metric {metric.name} ({analysis.where}) fails only above "
                f"{percent(bound.error_rate)} errors (`{bound.text}`); the policy rolls back at "
                f"{rule.text}"
            )
        notes.add(Status.FAIL, rule.rule, message, bound.location)
        return
    for analysis, metric in pairs:
        if metric.never_fails is not None and (metric.rollback or metric.success):
            message = f"metric {metric.name} ({analysis.where}): {metric.never_fails}"
            notes.add(Status.FAIL, rule.rule, message, metric.location)
            return
    for analysis, metric in pairs:
        if metric.unclear is not None:
            notes.add(
                Status.UNKNOWN, rule.rule, f"{analysis.where}: {metric.unclear}", metric.location
            )
            return
    names = [f"{m.name} ({m.source}: {_MEASURES.get(m.measures, m.measures)})" for _, m in pairs]
    names += [check for analysis in analyses for check in analysis.checks]
    verb = "bounds the error rate of a success" if rule.success else "fails on the error rate"
    message = f"no analysis metric {verb}; the analyses check: {', '.join(names) or 'nothing'}"
    where = next((a.location for a in analyses if a.metrics or a.checks), analyses[0].location)
    notes.add(Status.FAIL, rule.rule, message, where)


def _traffic(plan: CanaryPlan, policy: CanaryPolicy, notes: Notes) -> None:
    if plan.unstepped is not None or not plan.steps:
        rule = "initial-traffic" if policy.initial is not None else "traffic-increment"
        notes.add(Status.FAIL, rule, plan.unstepped or "no traffic steps", plan.strategy_at)
        return
    first = next((step for step in plan.steps if step.percent > 0), plan.steps[0])
    if policy.initial is not None:
        if first.percent > policy.initial * 100 + _EPSILON:
            message = (
                f"the first traffic step sends {_share(first.percent)} to the canary "
                f"({first.what}); the policy starts at {percent(policy.initial)} at most"
            )
            notes.add(Status.FAIL, "initial-traffic", message, first.location)
        else:
            notes.evidence.append(f"first step {_share(first.percent)}")
    if policy.increment is None:
        return
    limit = policy.increment * 100
    largest = 0.0
    for before, after in pairwise(plan.steps):
        step = after.percent - before.percent
        largest = max(largest, step)
        if step > limit + _EPSILON:
            message = (
                f"{after.what} raises the canary from {_share(before.percent)} to "
                f"{_share(after.percent)} (+{step:.4g} points); the policy allows +{limit:.4g}"
            )
            notes.add(Status.FAIL, "traffic-increment", message, after.location)
    if plan.promotion is not None:
        step = plan.promotion.percent
        largest = max(largest, step)
        if step > limit + _EPSILON:
            message = f"{plan.promotion.what} (+{step:.4g} points); the policy allows +{limit:.4g}"
            notes.add(Status.FAIL, "traffic-increment", message, plan.promotion.location)
    notes.evidence.append(f"steps of at most +{largest:.4g} points")


def _window(plan: CanaryPlan, window: float, notes: Notes) -> None:
    holds = plan.holds
    total = sum(hold.seconds for hold in holds if hold.seconds is not None)
    endless = [h for h in holds if h.seconds is None and not h.manual and not h.unresolved]
    manual = [h for h in holds if h.manual]
    unresolved = [text for hold in holds for text in hold.unresolved]
    where = plan.window_at or plan.strategy_at
    if endless:
        notes.evidence.append(f"held until {endless[0].what} is stopped")
    elif total >= window - _EPSILON:
        notes.evidence.append(f"held {format_duration(total)} before full promotion")
    elif unresolved:
        message = (
            f"held {format_duration(total)} before full promotion, plus time golive cannot "
            f"tell: {'; '.join(unresolved)}"
        )
        notes.add(Status.UNKNOWN, "monitoring-window", message, where)
    elif manual:
        message = (
            f"automated holds total {format_duration(total)}; {manual[0].what} waits for a "
            f"person, so the monitoring time depends on when someone promotes it (the policy "
            f"asks {format_duration(window)})"
        )
        notes.add(Status.WARN, "monitoring-window", message, manual[0].location)
    else:
        listed = ", ".join(hold.what for hold in holds) or "no pause, analysis or experiment step"
        message = (
            f"the canary is held {format_duration(total)} in total before full promotion "
            f"({listed}); the policy asks {format_duration(window)}"
        )
        notes.add(Status.FAIL, "monitoring-window", message, where)


def _share(value: float) -> str:
    return f"{round(value, 2):g}%"
