"""Argo Rollouts: canary and blue-green Rollouts, read with the AnalysisTemplates they use."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from golive.checks._delivery_argo_metrics import args_of, dry_run_of, is_number, read_metric
from golive.checks._delivery_model import (
    Analysis,
    BlueGreenPlan,
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
from golive.model import Location
from golive.thresholds import format_duration

__all__ = ["ArgoReader"]

_GROUP = "argoproj.io"
_SCALE_DOWN_DEFAULT = 30.0  # seconds Argo keeps the previous ReplicaSet after the switch


class ArgoReader:
    """Reads Rollouts, resolving analysis templates across every file of the repository."""

    def __init__(self, manifests: Manifests) -> None:
        self._manifests = manifests
        self._namespaced: dict[str, list[Resource]] = defaultdict(list)
        self._cluster: dict[str, Resource] = {}
        for resource in manifests.resources:
            if resource.group != _GROUP or resource.name is None:
                continue
            if resource.kind == "AnalysisTemplate":
                self._namespaced[resource.name].append(resource)
            elif resource.kind == "ClusterAnalysisTemplate":
                self._cluster.setdefault(resource.name, resource)
        self.templates = sum(map(len, self._namespaced.values())) + len(self._cluster)

    def rollouts(self) -> Iterator[CanaryPlan | BlueGreenPlan]:
        for rollout in self._manifests.of_kind("Rollout"):
            if rollout.group != _GROUP:
                continue
            spec = rollout.body.get("spec")
            strategy = spec.get("strategy") if isinstance(spec, YamlMap) else None
            if not isinstance(strategy, YamlMap):
                continue
            if isinstance(strategy.get("blueGreen"), YamlMap):
                yield self._blue_green(rollout, strategy)
            elif "canary" in strategy:
                yield self._canary(rollout, strategy)

    def managed(self) -> set[str]:
        """Names of the workloads Rollouts take their pods from (`workloadRef`)."""
        return referenced_names(self._manifests, "Rollout", "workloadRef")

    # --- canary ----------------------------------------------------------------------------

    def _canary(self, rollout: Resource, strategy: YamlMap) -> CanaryPlan:
        at = strategy.at("canary")
        canary = strategy.get("canary")
        canary = canary if isinstance(canary, YamlMap) else YamlMap(at)
        routing = canary.get("trafficRouting")
        top = routing.get("maxTrafficWeight") if isinstance(routing, YamlMap) else None
        scale = float(top) if is_number(top) and top > 0 else 100.0
        analyses: list[Analysis] = []
        if isinstance(canary.get("analysis"), YamlMap):
            where = canary.at("analysis")
            background = self._analysis(
                [canary["analysis"]], "background analysis", where, rollout.namespace
            )
            analyses.append(background)
        steps, holds = [], []
        current, full, last_at = 0.0, False, canary.at("steps") if "steps" in canary else at
        raw = canary.get("steps")
        for index, step in enumerate(raw if isinstance(raw, YamlSeq) else []):
            if not isinstance(step, YamlMap):
                continue
            label = f"step {index + 1}"
            if is_number(step.get("setWeight")):
                weight = step["setWeight"]
                current = weight * 100 / scale
                last_at = step.value_location("setWeight")
                what = f"{label} setWeight: {weight}"
                steps.append(TrafficStep(percent=current, location=last_at, what=what))
                if current >= 100:
                    full = True
                    break
            elif "pause" in step:
                if current > 0:  # a pause before any traffic reaches the canary watches nothing
                    holds.append(_pause(step, label))
            elif isinstance(step.get("analysis"), YamlMap):
                analysis = self._analysis(
                    [step["analysis"]], f"{label} analysis", step.at("analysis"), rollout.namespace
                )
                analyses.append(analysis)
                holds.append(_analysis_hold(analysis))
            elif isinstance(step.get("experiment"), YamlMap):
                found, hold = self._experiment(
                    step["experiment"], label, step.at("experiment"), rollout.namespace
                )
                analyses.extend([found] if found is not None else [])
                holds.append(hold)
        unstepped = None
        if not isinstance(raw, YamlSeq) or not raw:
            unstepped = (
                "no steps: Argo Rollouts replaces the pods as a rolling update, with no traffic "
                "step and no pause"
            )
        elif not steps:
            unstepped = "no setWeight step: all traffic moves to the new version after the steps"
        promotion = None
        if steps and not full:
            share = f"{round(current, 2):g}%"
            what = f"after the last step Argo Rollouts moves from {share} to 100% at once"
            promotion = TrafficStep(percent=100 - current, location=last_at, what=what)
        return CanaryPlan(
            resource=rollout,
            tool="Argo Rollouts",
            strategy_at=at,
            steps=tuple(steps),
            promotion=promotion,
            unstepped=unstepped,
            holds=tuple(holds),
            window_at=canary.at("steps") if "steps" in canary else at,
            analyses=tuple(analyses),
        )

    def _experiment(
        self, experiment: YamlMap, label: str, at: Location, namespace: str | None
    ) -> tuple[Analysis | None, Hold]:
        blocks = [item for item in experiment.get("analyses") or [] if isinstance(item, YamlMap)]
        where = f"{label} experiment"
        analysis = self._analysis(blocks, where, at, namespace) if blocks else None
        what = f"{label} experiment"
        if "duration" in experiment:
            seconds = go_duration(experiment.get("duration"))
            if seconds is None:
                text = f"experiment duration {experiment.get('duration')!r} is not a duration"
                return analysis, Hold(what=what, seconds=None, location=at, unresolved=(text,))
            return analysis, Hold(
                what=f"{what} {format_duration(seconds)}", seconds=seconds, location=at
            )
        if analysis is not None:
            return analysis, _analysis_hold(analysis)
        return None, Hold(
            what=f"{what} (runs until stopped)", seconds=None, location=at, manual=True
        )

    # --- blue-green ------------------------------------------------------------------------

    def _blue_green(self, rollout: Resource, strategy: YamlMap) -> BlueGreenPlan:
        blue_green: YamlMap = strategy["blueGreen"]
        at = strategy.at("blueGreen")
        pre = post = None
        if isinstance(blue_green.get("prePromotionAnalysis"), YamlMap):
            where = blue_green.at("prePromotionAnalysis")
            pre = self._analysis(
                [blue_green["prePromotionAnalysis"]],
                "prePromotionAnalysis",
                where,
                rollout.namespace,
            )
        if isinstance(blue_green.get("postPromotionAnalysis"), YamlMap):
            where = blue_green.at("postPromotionAnalysis")
            post = self._analysis(
                [blue_green["postPromotionAnalysis"]],
                "postPromotionAnalysis",
                where,
                rollout.namespace,
            )
        seconds = blue_green.get("autoPromotionSeconds")
        auto = None
        if is_number(seconds):
            where = blue_green.value_location("autoPromotionSeconds")
            auto = Timing(seconds=float(seconds), location=where, what="autoPromotionSeconds")
        gate = None
        if blue_green.get("autoPromotionEnabled") is False and auto is None:
            gate = "autoPromotionEnabled: false"
        metrics = [m for a in (pre, post) if a is not None for m in a.metrics]
        return BlueGreenPlan(
            resource=rollout,
            tool="Argo Rollouts",
            strategy_at=at,
            pre=pre,
            post=post,
            manual_gate=gate,
            auto_promotion=auto,
            cadence=tuple(m.interval for m in metrics if m.interval is not None),
            timeouts=tuple(m.timeout for m in metrics if m.timeout is not None),
            **self._pods(rollout),
            **_switch(blue_green, at, post),
        )

    def _pods(self, rollout: Resource) -> dict[str, Any]:
        pods = pod_spec(rollout.body)
        if pods is None:
            spec = rollout.body.get("spec")
            ref = spec.get("workloadRef") if isinstance(spec, YamlMap) else None
            if isinstance(ref, YamlMap):
                workload = find_workload(
                    self._manifests, ref.get("kind"), ref.get("name"), rollout.namespace
                )
                pods = pod_spec(workload.body) if workload is not None else None
                if pods is None:
                    return {
                        "pods_unknown": f"workloadRef {ref.get('name')} is not in the repository"
                    }
        if pods is None:
            return {"pods_unknown": "the Rollout has no pod template"}
        return {"probes": readiness_probes(pods)}

    # --- analyses --------------------------------------------------------------------------

    def _analysis(
        self, blocks: Iterable[Any], where: str, at: Location, namespace: str | None
    ) -> Analysis:
        metrics: list[Metric] = []
        unresolved: list[str] = []
        for block in blocks:
            if not isinstance(block, YamlMap):
                continue
            args = args_of(block.get("args"))
            dry_run = dry_run_of(block.get("dryRun"))
            for name, cluster in _template_refs(block):
                template = self._find(name, cluster, namespace)
                if template is None:
                    kind = "ClusterAnalysisTemplate" if cluster else "AnalysisTemplate"
                    unresolved.append(f"{kind} {name} is not in the repository")
                    continue
                spec = template.body.get("spec")
                if not isinstance(spec, YamlMap):
                    continue
                merged = {**args_of(spec.get("args")), **args}
                patterns = dry_run + dry_run_of(spec.get("dryRun"))
                for item in spec.get("metrics") or []:
                    if isinstance(item, YamlMap):
                        metrics.append(read_metric(item, merged, patterns))
        return Analysis(
            where=where, location=at, metrics=tuple(metrics), unresolved=tuple(unresolved)
        )

    def _find(self, name: str, cluster: bool, namespace: str | None) -> Resource | None:
        if cluster:
            return self._cluster.get(name)
        found = self._namespaced.get(name) or []
        exact = [template for template in found if template.namespace == namespace]
        loose = [template for template in found if not template.namespace or not namespace]
        chosen = exact or loose
        return chosen[0] if chosen else None


def _template_refs(block: YamlMap) -> list[tuple[str, bool]]:
    refs = []
    for item in block.get("templates") or []:
        if isinstance(item, YamlMap) and isinstance(item.get("templateName"), str):
            refs.append((item["templateName"], item.get("clusterScope") is True))
    if isinstance(block.get("templateName"), str):  # the older single-template form
        refs.append((block["templateName"], block.get("clusterScope") is True))
    return refs


def _switch(blue_green: YamlMap, at: Location, post: Analysis | None) -> dict[str, Any]:
    delay = blue_green.get("scaleDownDelaySeconds")
    if is_number(delay):
        where = blue_green.value_location("scaleDownDelaySeconds")
        return {
            "switch": Timing(seconds=float(delay), location=where, what="scaleDownDelaySeconds")
        }
    if post is None:
        what = "scaleDownDelaySeconds (default 30)"
        return {"switch": Timing(seconds=_SCALE_DOWN_DEFAULT, location=at, what=what)}
    if post.unresolved:
        return {"switch_unresolved": post.unresolved}
    hold = post.hold
    if hold is None:
        return {"switch_unbounded": "until its postPromotionAnalysis ends (a metric has no count)"}
    what = "the postPromotionAnalysis (scaleDownDelaySeconds unset: at least 30s)"
    return {
        "switch": Timing(seconds=max(hold, _SCALE_DOWN_DEFAULT), location=post.location, what=what)
    }


def _pause(step: YamlMap, label: str) -> Hold:
    pause = step.get("pause")
    where = step.at("pause")
    if not isinstance(pause, YamlMap) or "duration" not in pause:
        return Hold(
            what=f"{label} pause (until promoted by hand)",
            seconds=None,
            location=where,
            manual=True,
        )
    seconds = go_duration(pause.get("duration"))
    where = pause.value_location("duration")
    if seconds is None:
        text = f"pause duration {pause.get('duration')!r} is not a duration"
        return Hold(what=f"{label} pause", seconds=None, location=where, unresolved=(text,))
    return Hold(what=f"{label} pause {format_duration(seconds)}", seconds=seconds, location=where)


def _analysis_hold(analysis: Analysis) -> Hold:
    seconds = None if analysis.unresolved else analysis.hold
    return Hold(
        what=analysis.where,
        seconds=seconds,
        location=analysis.location,
        unresolved=analysis.unresolved,
    )
