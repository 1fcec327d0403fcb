"""Progressive delivery: Argo Rollouts and Flagger canary and blue-green rollouts, judged."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import Field, field_validator

from golive.checks._delivery_bluegreen import BlueGreenPolicy, judge_blue_green
from golive.checks._delivery_model import DeliveryPlans, percent
from golive.checks._delivery_outcome import Judgement, Subject, conclude
from golive.checks._delivery_plans import load_plans
from golive.checks._delivery_rules import CanaryPolicy, ErrorRule, judge_canary
from golive.checks._manifests import Manifests
from golive.checks.base import Check, CheckParams, NotApplicable
from golive.checks.params import Duration, Ratio, RatioThreshold
from golive.checks.repository import Repository
from golive.model import Kind, Outcome, Status
from golive.thresholds import Threshold, format_duration

__all__ = ["FIXTURES", "BlueGreenParams", "BlueGreenRollouts", "CanaryParams", "CanaryRollouts"]

_ERROR_METRICS = frozenset({"error_rate", "errors", "error", "error_ratio"})
_SUCCESS_METRICS = frozenset({"success_rate", "availability", "success_ratio"})
_SEED_CANARY: dict[str, Any] = {
    "initial_traffic": "10%",
    "traffic_increment": "20%",
    "monitoring_window": "30m",
    "success_criteria": "error_rate < 1%",
    "rollback_trigger": "error_rate > 2%",
}
_SEED_BLUE_GREEN: dict[str, Any] = {
    "health_check_interval": "30s",
    "health_check_timeout": "10s",
    "traffic_switch_duration": "5m",
    "rollback_threshold": "error_rate > 5%",
}


def delivery_rollouts(manifests: Manifests, repo: Repository) -> DeliveryPlans:
    """Every Argo Rollout and Flagger Canary, read with the analysis templates they use."""
    return load_plans(manifests, repo)


FIXTURES: Mapping[str, Callable[..., Any]] = {"delivery_rollouts": delivery_rollouts}


def _error_metric(value: Threshold | None) -> Threshold | None:
    if value is not None and value.metric not in {None, *_ERROR_METRICS, *_SUCCESS_METRICS}:
        names = ", ".join(sorted(_ERROR_METRICS | _SUCCESS_METRICS))
        raise ValueError(f'metric "{value.metric}" is not an error rate; write one of {names}')
    return value


class CanaryParams(CheckParams):
    initial_traffic: Ratio | None = None  # the first share of traffic the canary gets
    traffic_increment: Ratio | None = None  # the largest increase between two steps
    monitoring_window: Duration | None = None  # time held before full promotion, in total
    success_criteria: RatioThreshold | None = None  # "error_rate < 1%"
    rollback_trigger: RatioThreshold | None = None  # "error_rate > 2%"
    waive: dict[str, str] = Field(default_factory=dict)  # Kind/namespace/name or path -> reason

    @field_validator("success_criteria", "rollback_trigger")
    @classmethod
    def _error_metrics(cls, value: Threshold | None) -> Threshold | None:
        return _error_metric(value)


class BlueGreenParams(CheckParams):
    health_check_interval: Duration | None = None
    health_check_timeout: Duration | None = None
    traffic_switch_duration: Duration | None = None  # previous version kept after the switch
    rollback_threshold: RatioThreshold | None = None  # "error_rate > 5%" or ">5%"
    waive: dict[str, str] = Field(default_factory=dict)

    @field_validator("rollback_threshold")
    @classmethod
    def _error_metrics(cls, value: Threshold | None) -> Threshold | None:
        return _error_metric(value)


class CanaryRollouts(Check):
    """Canary rollouts follow the traffic steps and roll back on the error budget.

    Judges every Argo Rollout with a canary strategy and every Flagger Canary that shifts
    traffic by weight. Each parameter an item sets turns on its rule; an item that sets none
    judges all of them with the seed's policy (first step 10%, +20 points per step, 30m held
    before full promotion, roll back at error_rate > 2%, succeed only at error_rate < 1%).
    `initial_traffic`: the first setWeight (Flagger: stepWeight or stepWeights[0]).
    `traffic_increment`: every increase between steps, and the last move to 100% (Flagger's
    promotion after maxWeight, in steps of stepWeightPromotion when set). `monitoring_window`:
    the total of timed pauses after traffic reaches the canary, step analyses and experiments
    before full promotion (Flagger: interval x weight steps); an untimed pause is a warning.
    `rollback_trigger` and `success_criteria`: an analysis (step, background or experiment;
    templates resolved across the repository) with an error-rate or success-rate metric whose
    failure (or success) condition lies at or inside the limit; Flagger's thresholdRange of
    request-success-rate or of a MetricTemplate query. No analysis fails: nothing rolls it
    back. A template not in the repository makes its rollout unknown. docs/delivery.md has
    the full mapping.
    """

    id = "delivery.canary"
    kind = Kind.STATIC
    Params = CanaryParams
    fix = (
        "Start the canary at a small setWeight, raise it in small steps with timed pauses, and "
        "add an analysis whose metric fails the rollout on the error rate (docs/delivery.md)."
    )

    def run(self, params: CanaryParams, delivery_rollouts: DeliveryPlans) -> Outcome:
        plans = delivery_rollouts
        policy_params = params if _sets_policy(params) else _seeded(params, _SEED_CANARY)
        policy = _canary_policy(policy_params)
        subjects = [judge_canary(plan, policy) for plan in plans.canaries]
        subjects += _unjudged(plans, "canary")
        if not subjects:
            raise NotApplicable(_nothing("canary", plans))
        return conclude(
            check_id=self.id,
            nouns=("canary rollout", "canary rollouts"),
            subjects=subjects,
            waive=params.waive,
            required=_canary_required(policy_params),
            remediation=self.fix,
            facts=_facts(plans, len(plans.canaries), _rules(policy_params)),
        )


class BlueGreenRollouts(Check):
    """Blue-green rollouts run a pre-promotion analysis and roll back automatically.

    Judges every Argo Rollout with a blueGreen strategy and every Flagger Canary in blue/green
    mode (`iterations` without weights or match). Each parameter an item sets turns on its
    rule; an item that sets none judges all of them with the seed's policy.
    `rollback_threshold`: a prePromotionAnalysis (Flagger: the analysis) must exist, and an
    analysis metric must fail at or below the error rate; without one, a manual gate
    (autoPromotionEnabled: false) or a postPromotionAnalysis alone is a warning.
    `health_check_interval`: readiness probe periodSeconds and the analysis metrics'
    interval (Flagger: the analysis interval). `health_check_timeout`: readiness probe
    timeoutSeconds and analysis timeouts where set (nothing to read: facts only).
    `traffic_switch_duration`: how long the previous version stays up to switch back to after
    the switch: scaleDownDelaySeconds (default 30s), or the postPromotionAnalysis when
    scaleDownDelaySeconds is unset; Flagger keeps nothing. docs/delivery.md has the details.
    """

    id = "delivery.blue-green"
    kind = Kind.STATIC
    Params = BlueGreenParams
    fix = (
        "Add a prePromotionAnalysis whose metric fails on the error rate, keep health checks "
        "frequent, and keep the previous version (scaleDownDelaySeconds) long enough to switch "
        "back (docs/delivery.md)."
    )

    def run(self, params: BlueGreenParams, delivery_rollouts: DeliveryPlans) -> Outcome:
        plans = delivery_rollouts
        policy_params = params if _sets_policy(params) else _seeded(params, _SEED_BLUE_GREEN)
        policy = BlueGreenPolicy(
            rollback=_error_rule("rollback-threshold", policy_params.rollback_threshold),
            interval=policy_params.health_check_interval,
            timeout=policy_params.health_check_timeout,
            switch=policy_params.traffic_switch_duration,
        )
        subjects = [judge_blue_green(plan, policy) for plan in plans.blue_greens]
        subjects += _unjudged(plans, "blue-green")
        if not subjects:
            raise NotApplicable(_nothing("blue-green", plans))
        return conclude(
            check_id=self.id,
            nouns=("blue-green rollout", "blue-green rollouts"),
            subjects=subjects,
            waive=params.waive,
            required=_blue_green_required(policy_params),
            remediation=self.fix,
            facts=_facts(plans, len(plans.blue_greens), _rules(policy_params)),
        )


def _sets_policy(params: CheckParams) -> bool:
    return any(getattr(params, name) is not None for name in _rules_of(params))


def _rules_of(params: CheckParams) -> list[str]:
    return [name for name in type(params).model_fields if name != "waive"]


def _rules(params: CheckParams) -> str:
    return ", ".join(name for name in _rules_of(params) if getattr(params, name) is not None)


_P = TypeVar("_P", CanaryParams, BlueGreenParams)


def _seeded(params: _P, seed: dict[str, Any]) -> _P:
    return type(params).model_validate({**seed, "waive": params.waive})


def _error_rule(
    rule: str, threshold: Threshold | None, *, success: bool = False
) -> ErrorRule | None:
    if threshold is None:
        return None
    value = threshold.quantity.value
    error_rate = 1 - value if threshold.metric in _SUCCESS_METRICS else value
    return ErrorRule(rule=rule, error_rate=error_rate, text=threshold.text, success=success)


def _canary_policy(params: CanaryParams) -> CanaryPolicy:
    rules = [
        _error_rule("rollback-trigger", params.rollback_trigger),
        _error_rule("success-criteria", params.success_criteria, success=True),
    ]
    return CanaryPolicy(
        initial=params.initial_traffic.value if params.initial_traffic else None,
        increment=params.traffic_increment.value if params.traffic_increment else None,
        window=params.monitoring_window,
        errors=tuple(rule for rule in rules if rule is not None),
    )


def _canary_required(params: CanaryParams) -> str:
    parts = []
    if params.initial_traffic is not None:
        parts.append(f"first step <= {percent(params.initial_traffic.value)}")
    if params.traffic_increment is not None:
        parts.append(f"steps <= +{params.traffic_increment.value * 100:.4g} points")
    if params.monitoring_window is not None:
        parts.append(f"held >= {format_duration(params.monitoring_window)} before promotion")
    if params.rollback_trigger is not None:
        parts.append(f"rolls back at {params.rollback_trigger.text}")
    if params.success_criteria is not None:
        parts.append(f"succeeds only at {params.success_criteria.text}")
    return ", ".join(parts)


def _blue_green_required(params: BlueGreenParams) -> str:
    parts = []
    if params.rollback_threshold is not None:
        parts.append(f"pre-promotion analysis rolling back at {params.rollback_threshold.text}")
    if params.health_check_interval is not None:
        parts.append(f"health checks every <= {format_duration(params.health_check_interval)}")
    if params.health_check_timeout is not None:
        parts.append(f"health check timeouts <= {format_duration(params.health_check_timeout)}")
    if params.traffic_switch_duration is not None:
        kept = format_duration(params.traffic_switch_duration)
        parts.append(f"previous version kept >= {kept} after the switch")
    return ", ".join(parts)


def _unjudged(plans: DeliveryPlans, strategy: str) -> list[Subject]:
    subjects = []
    for item in plans.unjudged:
        if item.strategy != strategy:
            continue
        message = f"holds a {strategy} rollout golive cannot judge: the file {item.reason}"
        judgement = Judgement(
            status=Status.UNKNOWN, rule="unreadable", message=message, location=item.location
        )
        subject = Subject(
            ref=item.path, path=item.path, location=item.location, judgements=(judgement,)
        )
        subjects.append(subject)
    return subjects


def _nothing(strategy: str, plans: DeliveryPlans) -> str:
    reasons = [
        "no Argo Rollout with a canary strategy and no Flagger Canary shifting traffic by weight"
        if strategy == "canary"
        else "no Argo Rollout with a blueGreen strategy and no Flagger Canary in blue/green mode"
    ]
    others = len(plans.blue_greens) if strategy == "canary" else len(plans.canaries)
    if others:
        other = "delivery.blue-green" if strategy == "canary" else "delivery.canary"
        reasons.append(f"{others} other rollout(s) are judged by {other}")
    if plans.ab_tests:
        reasons.append(f"{len(plans.ab_tests)} Flagger A/B test(s) route by header instead")
    if plans.deployments:
        reasons.append(
            f"{plans.deployments} Deployment(s) roll out with the plain Kubernetes rolling update"
        )
    return "; ".join(reasons)


def _facts(plans: DeliveryPlans, rollouts: int, rules: str) -> dict[str, str | int | float | bool]:
    tools = [plan.tool for plan in plans.canaries] + [plan.tool for plan in plans.blue_greens]
    return {
        "rollouts": rollouts,
        "argo_rollouts": tools.count("Argo Rollouts"),
        "flagger_canaries": tools.count("Flagger"),
        "flagger_ab_tests": len(plans.ab_tests),
        "analysis_templates": plans.templates,
        "unjudged_files": len({item.path for item in plans.unjudged}),
        "plain_deployments": plans.deployments,
        "rules": rules,
    }
