"""Replicas and how they scale, survive disruption, spread and roll out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from golive.checks._k8s_base import Judging, WaiveParams
from golive.checks._k8s_model import K8sResources, Workload, mapping, maps, same_namespace, selects
from golive.checks._k8s_params import HpaParams, ReplicasParams
from golive.checks._k8s_report import Report
from golive.checks._manifests import Resource
from golive.checks._yaml import YamlMap
from golive.model import Location

__all__ = [
    "Autoscaler",
    "autoscalers",
    "effective_replicas",
    "judge_hpa",
    "judge_pdb",
    "judge_replicas",
    "judge_rolling_update",
    "judge_spread",
]

_TOPOLOGY_KEYS = frozenset(
    {
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
    }
)
_HPA_DEFAULT_CPU = 80  # an HPA without metrics scales on 80 % CPU


@dataclass(frozen=True, kw_only=True)
class Autoscaler:
    """An HPA or a KEDA ScaledObject, reduced to what the checks compare.

    An autoscaler is a HorizontalPodAutoscaler (autoscaling/v1, v2beta1, v2beta2, v2) or a KEDA
    ScaledObject; when one targets a workload, its minimum replica count is the workload's
    effective replica count.
    """

    resource: Resource
    target_kind: str
    target_name: str | None
    min: int | None
    max: int | None
    min_at: Location
    max_at: Location
    targets: dict[str, tuple[int | None, Location]]  # "cpu"/"memory" -> (utilisation %, where)

    def scales(self, workload: Workload) -> bool:
        return (
            self.target_kind == workload.kind
            and self.target_name == workload.resource.name
            and same_namespace(self.resource.namespace, workload.namespace)
        )


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def autoscalers(k8s: K8sResources) -> list[Autoscaler]:
    found = [_hpa(r) for r in k8s.of_kind("HorizontalPodAutoscaler")]
    found += [_keda(r) for r in k8s.of_kind("ScaledObject") if r.group == "keda.sh"]
    return found


def _hpa(resource: Resource) -> Autoscaler:
    spec = mapping(resource.body.get("spec"))
    ref = mapping(spec.get("scaleTargetRef"))
    targets: dict[str, tuple[int | None, Location]] = {}
    if resource.api_version == "autoscaling/v1":
        cpu = spec.get("targetCPUUtilizationPercentage", _HPA_DEFAULT_CPU)
        targets["cpu"] = (_int(cpu), spec.at("targetCPUUtilizationPercentage"))
    metrics = spec.get("metrics")
    for metric in maps(metrics):
        source = mapping(metric.get("resource") or metric.get("containerResource"))
        name = source.get("name")
        if name not in {"cpu", "memory"}:
            continue
        target = mapping(source.get("target"))
        value = target.get("averageUtilization", source.get("targetAverageUtilization"))
        where = target.at("averageUtilization") if target else source.location
        targets[str(name)] = (_int(value), where)
    if resource.api_version != "autoscaling/v1" and not metrics:
        targets["cpu"] = (_HPA_DEFAULT_CPU, resource.location)
    return Autoscaler(
        resource=resource,
        target_kind=str(ref.get("kind", "")),
        target_name=ref.get("name") if isinstance(ref.get("name"), str) else None,
        min=_int(spec.get("minReplicas", 1)),
        max=_int(spec.get("maxReplicas")),
        min_at=spec.at("minReplicas") if "minReplicas" in spec else resource.location,
        max_at=spec.at("maxReplicas") if "maxReplicas" in spec else resource.location,
        targets=targets,
    )


def _keda(resource: Resource) -> Autoscaler:
    spec = mapping(resource.body.get("spec"))
    ref = mapping(spec.get("scaleTargetRef"))
    targets: dict[str, tuple[int | None, Location]] = {}
    for trigger in maps(spec.get("triggers")):
        kind = trigger.get("type")
        metadata = mapping(trigger.get("metadata"))
        metric_type = trigger.get("metricType", metadata.get("type", "Utilization"))
        if kind in {"cpu", "memory"} and metric_type == "Utilization":
            targets[str(kind)] = (_int(metadata.get("value")), metadata.value_location("value"))
    return Autoscaler(
        resource=resource,
        target_kind=str(ref.get("kind", "Deployment")),
        target_name=ref.get("name") if isinstance(ref.get("name"), str) else None,
        min=_int(spec.get("minReplicaCount", 0)),
        max=_int(spec.get("maxReplicaCount", 100)),
        min_at=spec.at("minReplicaCount") if "minReplicaCount" in spec else resource.location,
        max_at=spec.at("maxReplicaCount") if "maxReplicaCount" in spec else resource.location,
        targets=targets,
    )


def effective_replicas(workload: Workload, scalers: Iterable[Autoscaler]) -> int | None:
    """The autoscaler's minimum when one targets the workload, else its replicas."""
    mins = [s.min for s in scalers if s.scales(workload) and s.min is not None]
    return min(mins) if mins else workload.replicas


def _replicated(workloads: Iterable[Workload], scalers: list[Autoscaler]) -> list[Workload]:
    return [
        w
        for w in workloads
        if w.long_running
        and w.kind not in {"DaemonSet", "Pod"}
        and (effective_replicas(w, scalers) or 0) > 1
    ]


def judge_pdb(on: Judging, params: WaiveParams) -> int:
    report, workloads, k8s = on.report, on.workloads, on.k8s
    scalers = autoscalers(k8s)
    budgets = k8s.of_kind("PodDisruptionBudget")
    judged = _replicated(workloads, scalers)
    for workload in judged:
        replicas = effective_replicas(workload, scalers) or 0
        matching = [
            b
            for b in budgets
            if same_namespace(b.namespace, workload.namespace)
            and selects(mapping(b.body.get("spec")).get("selector"), workload.labels)
        ]
        if not matching:
            report.add(
                workload.resource,
                f"no PodDisruptionBudget selects its pods ({replicas} replicas)",
                rule="missing",
            )
        for budget in matching:
            spec = mapping(budget.body.get("spec"))
            unavailable, available = spec.get("maxUnavailable"), spec.get("minAvailable")
            if unavailable in (0, "0%"):
                report.add(
                    budget,
                    f"maxUnavailable: {unavailable} blocks every voluntary eviction of "
                    f"{workload.ref}",
                    spec.at("maxUnavailable"),
                    rule="blocking",
                )
            count = _int(available)
            if available == "100%" or (count is not None and count >= replicas):
                report.add(
                    budget,
                    f"minAvailable: {available} with {replicas} replicas of {workload.ref} "
                    "blocks every voluntary eviction",
                    spec.at("minAvailable"),
                    rule="blocking",
                )
    return len(judged)


def judge_hpa(on: Judging, params: HpaParams) -> int:
    report, workloads, k8s = on.report, on.workloads, on.k8s
    min_replicas, max_replicas = params.min_replicas, params.max_replicas
    targets = {"cpu": params.cpu_target, "memory": params.memory_target}
    scalers = autoscalers(k8s)
    judged = [
        w for w in workloads if w.serving and w.kind in {"Deployment", "StatefulSet", "Rollout"}
    ]
    for workload in judged:
        mine = [s for s in scalers if s.scales(workload)]
        if not mine:
            report.add(
                workload.resource,
                "no HorizontalPodAutoscaler (or KEDA ScaledObject) scales it",
                rule="missing",
            )
        for scaler in mine:
            _judge_scaler(report, scaler, min_replicas, max_replicas, targets)
    return len(judged)


def _judge_scaler(
    report: Report,
    scaler: Autoscaler,
    min_replicas: int,
    max_replicas: int,
    targets: dict[str, int | None],
) -> None:
    resource = scaler.resource
    if scaler.min is None or scaler.min < min_replicas:
        report.add(
            resource,
            f"minimum {scaler.min} replicas, below {min_replicas}",
            scaler.min_at,
            rule="min",
        )
    if scaler.max is None or scaler.max > max_replicas:
        report.add(
            resource,
            f"maximum {scaler.max} replicas, above {max_replicas}",
            scaler.max_at,
            rule="max",
        )
    elif scaler.min is not None and scaler.max <= scaler.min:
        report.add(
            resource,
            f"maximum {scaler.max} is not above the minimum {scaler.min}: it cannot scale",
            scaler.max_at,
            rule="max",
        )
    for name, wanted in targets.items():
        if not wanted:  # None or 0: the policy sets no target for it
            continue
        value, where = scaler.targets.get(name, (None, resource.location))
        if name not in scaler.targets:
            why = (
                " (autoscaling/v1 scales on CPU only)"
                if resource.api_version.endswith("/v1")
                else ""
            )
            report.add(
                resource,
                f"no {name} utilisation target (policy: {wanted}%){why}",
                rule=f"{name}-target",
            )
        elif value is None:
            report.undecided.append(f"{resource.ref}: its {name} target is not a utilisation %")
        elif value > wanted:
            report.add(
                resource,
                f"{name} target {value}% is above the policy's {wanted}%",
                where,
                rule=f"{name}-target",
            )


def judge_replicas(on: Judging, params: ReplicasParams) -> int:
    report, workloads, k8s = on.report, on.workloads, on.k8s
    minimum = params.min
    scalers = autoscalers(k8s)
    judged = [w for w in workloads if w.serving and w.kind != "DaemonSet"]
    for workload in judged:
        replicas = effective_replicas(workload, scalers)
        if replicas is None:
            report.undecided.append(f"{workload.ref}: replicas is not a number")
        elif replicas < minimum:
            source = "declares" if workload.replicas_declared else "defaults to"
            if any(s.scales(workload) for s in scalers):
                source = "autoscales from"
            what = "a bare Pod is" if workload.kind == "Pod" else f"{source}"
            report.add(
                workload.resource,
                f"{what} {replicas} replica(s), fewer than {minimum}",
                workload.replicas_location(),
                rule="min",
            )
    return len(judged)


def _spread_terms(pod: YamlMap) -> list[tuple[object, bool, Location]]:
    """(label selector, whether matchLabelKeys is set, where) of each usable spread term."""
    terms: list[tuple[object, bool, Location]] = []
    anti = mapping(mapping(pod.get("affinity")).get("podAntiAffinity"))
    for term in anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []:
        terms.append(_term(mapping(term)))
    for weighted in anti.get("preferredDuringSchedulingIgnoredDuringExecution") or []:
        terms.append(_term(mapping(mapping(weighted).get("podAffinityTerm"))))
    for constraint in pod.get("topologySpreadConstraints") or []:
        terms.append(_term(mapping(constraint)))
    return terms


def _term(term: YamlMap) -> tuple[object, bool, Location]:
    usable = term.get("topologyKey") in _TOPOLOGY_KEYS
    selector = term.get("labelSelector") if usable else None
    keys = bool(term.get("matchLabelKeys")) and usable
    return selector, keys, term.location


def judge_spread(on: Judging, params: WaiveParams) -> int:
    report, workloads, k8s = on.report, on.workloads, on.k8s
    scalers = autoscalers(k8s)
    judged = _replicated(workloads, scalers)
    for workload in judged:
        terms = _spread_terms(workload.pod_spec or mapping(None))
        if any(
            keys or selects(sel, workload.labels, empty_selects_all=False) for sel, keys, _ in terms
        ):
            continue
        replicas = effective_replicas(workload, scalers)
        if terms:
            report.add(
                workload.resource,
                "its anti-affinity / topology spread terms do not select its own pods by "
                "hostname or zone",
                terms[0][2],
                rule="selector",
            )
        else:
            report.add(
                workload.resource,
                f"{replicas} replicas with no podAntiAffinity or topologySpreadConstraints",
                rule="missing",
            )
    return len(judged)


def judge_rolling_update(on: Judging, params: WaiveParams) -> int:
    report, workloads, k8s = on.report, on.workloads, on.k8s
    scalers = autoscalers(k8s)
    judged = [
        w
        for w in workloads
        if w.kind in {"Deployment", "DaemonSet", "StatefulSet"} and w.template_of is None
    ]
    for workload in judged:
        strategy = workload.strategy or mapping(None)
        kind = strategy.get("type", "RollingUpdate")
        key = "strategy" if workload.kind == "Deployment" else "updateStrategy"
        if kind != "RollingUpdate":
            report.add(
                workload.resource,
                f"{key}.type is {kind}, not RollingUpdate",
                strategy.value_location("type"),
                rule="type",
            )
            continue
        rolling = mapping(strategy.get("rollingUpdate"))
        unavailable = rolling.get("maxUnavailable")
        if unavailable is None:
            continue
        replicas = effective_replicas(workload, scalers)
        count = _int(unavailable)
        everything = unavailable == "100%" or (
            count is not None and replicas is not None and count >= replicas and count > 0
        )
        if everything:
            report.add(
                workload.resource,
                f"maxUnavailable: {unavailable} can take down every replica at once",
                rolling.at("maxUnavailable"),
                rule="max-unavailable",
            )
        surge = rolling.get("maxSurge")
        if workload.kind == "Deployment" and unavailable in (0, "0%") and surge in (0, "0%"):
            report.add(
                workload.resource,
                "maxUnavailable and maxSurge are both 0: the rollout cannot progress",
                rolling.at("maxUnavailable"),
                rule="max-unavailable",
            )
    return len(judged)
