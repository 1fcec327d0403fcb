"""Flagger: Canary resources (canary, blue/green and A/B modes) and their MetricTemplates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any, TypeGuard

from golive.checks._delivery_conditions import Measure, Reading, classify, range_limit
from golive.checks._delivery_model import (
    Analysis,
    BlueGreenPlan,
    Bound,
    CanaryPlan,
    Hold,
    Metric,
    Timing,
    TrafficStep,
    go_duration,
)
from golive.checks._delivery_pods import (
    find_workload,
    pod_spec,
    readiness_probes,
    referenced_names,
)
from golive.checks._manifests import Manifests, Resource
from golive.checks._yaml import YamlMap, YamlSeq
from golive.thresholds import format_duration

__all__ = ["FlaggerReader"]

_GROUP = "flagger.app"
_INTERVAL_DEFAULT = 60.0  # Flagger's schedule interval when none is set
_INTERVAL_FLOOR = 10.0  # and it never runs more often than this
_MAX_WEIGHT_DEFAULT = 100.0
_MAX_STEPS = 1000  # a stepWeight of 0.01 would otherwise make a long list
_CHECK_HOOKS = frozenset({"pre-rollout", "rollout"})  # webhooks whose failures count
_SWITCH_GAP = (
    "Flagger routes all traffic to the new version and then rolls the previous one (the "
    "primary) over to it: nothing keeps the previous version to switch back to"
)


class FlaggerReader:
    """Reads Flagger Canaries, resolving MetricTemplates across every file of the repository."""

    def __init__(self, manifests: Manifests) -> None:
        self._manifests = manifests
        self._templates: dict[str, list[Resource]] = defaultdict(list)
        for resource in manifests.of_kind("MetricTemplate"):
            if resource.group == _GROUP and resource.name:
                self._templates[resource.name].append(resource)
        self.templates = sum(map(len, self._templates.values()))

    def canaries(self) -> Iterator[CanaryPlan | BlueGreenPlan | Resource]:
        """Each Canary as a canary or blue-green plan; A/B tests as the bare resource."""
        for canary in self._manifests.of_kind("Canary"):
            if canary.group != _GROUP or not isinstance(canary.body.get("spec"), YamlMap):
                continue
            spec: YamlMap = canary.body["spec"]
            key = "analysis" if "analysis" in spec else "canaryAnalysis"
            analysis = spec.get(key)
            if not isinstance(analysis, YamlMap):
                yield CanaryPlan(
                    resource=canary,
                    tool="Flagger",
                    strategy_at=spec.location,
                    unstepped="no analysis section: Flagger has no traffic steps to follow",
                )
                continue
            iterations = analysis.get("iterations")
            weighted = "stepWeight" in analysis or "stepWeights" in analysis
            if _number(iterations) and analysis.get("match"):
                yield canary
            elif _number(iterations) and not weighted:
                yield self._blue_green(canary, spec, key, analysis)
            else:
                yield self._canary(canary, spec, key, analysis)

    def targets(self) -> set[str]:
        """Names of the workloads Canaries manage (`targetRef`)."""
        return referenced_names(self._manifests, "Canary", "targetRef")

    def _canary(self, canary: Resource, spec: YamlMap, key: str, analysis: YamlMap) -> CanaryPlan:
        interval = _interval(analysis)
        checks = self._analysis(canary, spec, key, analysis, interval)
        steps = _weights(analysis)
        unstepped = None
        if not steps:
            unstepped = "no stepWeight or stepWeights: Flagger's analysis has no traffic steps"
        holds: tuple[Hold, ...] = ()
        promotion = None
        if steps:
            count = len(steps)
            what = f"{count} step(s) x interval {format_duration(interval.seconds)}"
            holds = (Hold(what=what, seconds=count * interval.seconds, location=interval.location),)
            promotion = _promotion(analysis, steps[-1])
        return CanaryPlan(
            resource=canary,
            tool="Flagger",
            strategy_at=spec.at(key),
            steps=steps,
            promotion=promotion,
            unstepped=unstepped,
            holds=holds,
            window_at=interval.location,
            analyses=(checks,),
            skipped=_skipped(spec),
            skipped_at=spec.at("skipAnalysis"),
        )

    def _blue_green(
        self, canary: Resource, spec: YamlMap, key: str, analysis: YamlMap
    ) -> BlueGreenPlan:
        interval = _interval(analysis)
        checks = self._analysis(canary, spec, key, analysis, interval)
        has_checks = bool(checks.metrics or checks.checks or checks.unresolved)
        gate = next(
            (
                f"confirm-promotion webhook {hook.get('name') or '?'}"
                for hook in _hooks(analysis)
                if hook.get("type") == "confirm-promotion"
            ),
            None,
        )
        pods: dict[str, Any] = {"pods_unknown": "the Canary has no targetRef"}
        ref = spec.get("targetRef")
        if isinstance(ref, YamlMap):
            workload = find_workload(
                self._manifests, ref.get("kind"), ref.get("name"), canary.namespace
            )
            template = pod_spec(workload.body) if workload is not None else None
            pods = (
                {"probes": readiness_probes(template)}
                if template is not None
                else {"pods_unknown": f"targetRef {ref.get('name')} is not in the repository"}
            )
        return BlueGreenPlan(
            resource=canary,
            tool="Flagger",
            strategy_at=spec.at(key),
            pre=checks if has_checks else None,
            manual_gate=gate,
            skipped=_skipped(spec),
            skipped_at=spec.at("skipAnalysis"),
            cadence=(interval,) if has_checks else (),
            switch_gap=_SWITCH_GAP,
            **pods,
        )

    def _analysis(
        self, canary: Resource, spec: YamlMap, key: str, analysis: YamlMap, interval: Timing
    ) -> Analysis:
        metrics: list[Metric] = []
        unresolved: list[str] = []
        for item in analysis.get("metrics") or []:
            if not isinstance(item, YamlMap):
                continue
            name = str(item.get("name") or "?")
            reading = self._reading(item, name, canary.namespace, unresolved)
            if reading is not None:
                metrics.append(_metric(item, name, reading, interval))
        hooks = [
            str(hook.get("name") or "?")
            for hook in _hooks(analysis)
            if hook.get("type", "rollout") in _CHECK_HOOKS
        ]
        return Analysis(
            where="analysis",
            location=spec.at(key),
            metrics=tuple(metrics),
            checks=tuple(f"webhook {name}" for name in hooks),
            unresolved=tuple(unresolved),
        )

    def _reading(
        self, item: YamlMap, name: str, namespace: str | None, unresolved: list[str]
    ) -> Reading | None:
        ref = item.get("templateRef")
        if isinstance(ref, YamlMap):
            template = self._template(ref.get("name"), ref.get("namespace") or namespace)
            if template is None:
                unresolved.append(f"MetricTemplate {ref.get('name')} is not in the repository")
                return None
            template_spec = template.body.get("spec")
            query = template_spec.get("query") if isinstance(template_spec, YamlMap) else None
            return classify(name, query if isinstance(query, str) else "")
        if name == "request-success-rate":
            return Reading(measure=Measure.SUCCESS_RATE, percent=True)
        if name == "request-duration":
            return Reading(measure=Measure.OTHER, percent=False)
        query = item.get("query")  # the older inline form
        return classify(name, query if isinstance(query, str) else "")

    def _template(self, name: Any, namespace: Any) -> Resource | None:
        found = self._templates.get(name) if isinstance(name, str) else None
        if not found:
            return None
        exact = [template for template in found if template.namespace == namespace]
        return (exact or found)[0]


def _metric(item: YamlMap, name: str, reading: Reading, interval: Timing) -> Metric:
    source = "MetricTemplate" if isinstance(item.get("templateRef"), YamlMap) else "builtin"
    low = high = None
    text, where = "", item.location
    limits = item.get("thresholdRange")
    if isinstance(limits, YamlMap):
        low = limits.get("min") if _number(limits.get("min")) else None
        high = limits.get("max") if _number(limits.get("max")) else None
        text = ", ".join(f"{k}: {limits[k]}" for k in ("min", "max") if k in limits)
        where = item.value_location("thresholdRange")
        text = f"thresholdRange {{{text}}}"
        key = "min" if reading.measure is Measure.SUCCESS_RATE else "max"
        where = limits.value_location(key) if key in limits else where
    elif _number(item.get("threshold")):  # the older single threshold: a floor for success
        value = item["threshold"]
        low, high = (value, None) if reading.measure is Measure.SUCCESS_RATE else (None, value)
        text, where = f"threshold: {value}", item.value_location("threshold")
    limit = range_limit(reading, low, high)
    bound = None if limit is None else Bound(error_rate=limit, text=text, location=where)
    unclear = None
    if reading.measure is Measure.UNCLEAR and (low is not None or high is not None):
        unclear = f"cannot tell whether metric {name} ({text}) measures the error rate"
    return Metric(
        name=name,
        location=item.location,
        source=source,
        measures=reading.measure.value,
        rollback=bound,
        success=bound,  # inside the range a check passes, outside it fails
        unclear=unclear,
        interval=interval,
    )


def _interval(analysis: YamlMap) -> Timing:
    seconds = go_duration(analysis.get("interval"))
    if seconds is None:  # Flagger runs every minute when the interval is unset or unreadable
        what = "the analysis interval (default 1m)"
        where = analysis.value_location("interval") if "interval" in analysis else analysis.location
        return Timing(seconds=_INTERVAL_DEFAULT, location=where, what=what)
    where = analysis.value_location("interval")
    if seconds < _INTERVAL_FLOOR:
        return Timing(
            seconds=_INTERVAL_FLOOR, location=where, what="the analysis interval (10s at least)"
        )
    return Timing(seconds=seconds, location=where, what="the analysis interval")


def _weights(analysis: YamlMap) -> tuple[TrafficStep, ...]:
    listed = analysis.get("stepWeights")
    if isinstance(listed, YamlSeq) and listed:
        return tuple(
            TrafficStep(percent=float(weight), location=listed.item_at[index], what="stepWeights")
            for index, weight in enumerate(listed)
            if _number(weight)
        )
    step = analysis.get("stepWeight")
    if not _number(step) or step <= 0:
        return ()
    top = analysis.get("maxWeight")
    top = float(top) if _number(top) and top > 0 else _MAX_WEIGHT_DEFAULT
    where = analysis.value_location("stepWeight")
    weights: list[TrafficStep] = []
    weight = float(step)
    while weight < top and len(weights) < _MAX_STEPS:
        weights.append(TrafficStep(percent=weight, location=where, what=f"stepWeight: {step}"))
        weight += step
    at_top = analysis.value_location("maxWeight") if "maxWeight" in analysis else where
    weights.append(
        TrafficStep(percent=min(top, 100.0), location=at_top, what=f"maxWeight: {top:g}")
    )
    return tuple(weights)


def _promotion(analysis: YamlMap, last: TrafficStep) -> TrafficStep | None:
    if last.percent >= 100:
        return None
    step = analysis.get("stepWeightPromotion")
    if _number(step) and step > 0:
        where = analysis.value_location("stepWeightPromotion")
        what = f"stepWeightPromotion: {step}"
        return TrafficStep(percent=min(float(step), 100 - last.percent), location=where, what=what)
    what = (
        f"after {last.percent:g}% Flagger promotes the remaining {100 - last.percent:g}% in one "
        "go (stepWeightPromotion is not set)"
    )
    return TrafficStep(percent=100 - last.percent, location=last.location, what=what)


def _hooks(analysis: YamlMap) -> list[YamlMap]:
    hooks = analysis.get("webhooks")
    return [hook for hook in hooks if isinstance(hook, YamlMap)] if isinstance(hooks, list) else []


def _skipped(spec: YamlMap) -> str | None:
    if spec.get("skipAnalysis") is True:
        return "skipAnalysis: true: Flagger promotes without running the analysis"
    return None


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
