"""Kubernetes workloads and the helpers every check of the family shares: selectors, namespaces."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from golive.checks._manifests import ByKind, Resource, Unreadable
from golive.checks._yaml import YamlMap, YamlSeq
from golive.model import Location

__all__ = [
    "LONG_RUNNING",
    "WORKLOAD_KINDS",
    "ChartGap",
    "Container",
    "K8sResources",
    "ServiceIndex",
    "Workload",
    "build_workloads",
    "mapping",
    "maps",
    "same_namespace",
    "selects",
    "sequence",
]

WORKLOAD_KINDS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
    "Rollout",
)
LONG_RUNNING = frozenset(WORKLOAD_KINDS) - {"Job", "CronJob"}
_TEMPLATE_PATH: dict[str, tuple[str, ...]] = {
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}


@dataclass(frozen=True, kw_only=True)
class ChartGap:
    """A Helm chart that could not be rendered, and why."""

    chart: str
    reason: str
    location: Location


@dataclass(frozen=True, kw_only=True)
class K8sResources(ByKind):
    """Every resource of the repository, Helm charts rendered, and what could not be read."""

    resources: tuple[Resource, ...]
    unreadable: tuple[Unreadable, ...] = ()
    unrendered: tuple[ChartGap, ...] = ()
    rendered: tuple[str, ...] = ()  # charts rendered with helm

    def gaps(self) -> list[str]:
        """Why some manifests could not be judged (unreadable files, unrendered charts)."""
        reasons: list[str] = []
        if self.unreadable:
            reasons.append(f"{len(self.unreadable)} manifest file(s) could not be read")
        no_helm = [gap.chart or "." for gap in self.unrendered if gap.reason.startswith("helm is")]
        if no_helm:
            listed = ", ".join(no_helm)
            reasons.append(
                f"helm is not installed; {len(no_helm)} chart(s) not rendered ({listed})"
            )
        reasons.extend(
            f"chart {gap.chart or '.'} not rendered: {gap.reason}"
            for gap in self.unrendered
            if not gap.reason.startswith("helm is")
        )
        return reasons


@dataclass(frozen=True, kw_only=True)
class Container:
    """One container (or init container) of a pod template."""

    name: str
    body: YamlMap
    init: bool
    location: Location

    @property
    def image(self) -> str | None:
        image = self.body.get("image")
        return image if isinstance(image, str) else None

    @property
    def sidecar(self) -> bool:
        """A native sidecar: an init container that keeps running (`restartPolicy: Always`)."""
        return self.init and self.body.get("restartPolicy") == "Always"

    @property
    def ports(self) -> list[YamlMap]:
        return [port for port in sequence(self.body.get("ports")) if isinstance(port, YamlMap)]


@dataclass(frozen=True, kw_only=True)
class Workload:
    """A resource that runs pods, with its pod template."""

    resource: Resource
    template: YamlMap | None  # metadata + spec of the pods (the Pod itself for a Pod)
    pod_spec: YamlMap | None
    containers: tuple[Container, ...]
    init_containers: tuple[Container, ...]
    replicas: int | None  # declared or defaulted (1); None for a DaemonSet or a non-number
    replicas_declared: bool
    selector: YamlMap | None
    labels: Mapping[str, str]
    strategy: YamlMap | None
    template_of: str | None = None  # a Rollout that uses this Deployment's template
    exposed: bool = False  # a Service of its namespace selects its pods

    @property
    def kind(self) -> str:
        return self.resource.kind

    @property
    def ref(self) -> str:
        return self.resource.ref

    @property
    def namespace(self) -> str | None:
        return self.resource.namespace

    @property
    def long_running(self) -> bool:
        return self.kind in LONG_RUNNING and self.template_of is None

    @property
    def serving(self) -> bool:
        """Long-running, and a Service selects its pods or a container declares a port (a
        server that listens without declaring its port is still served through its Service)."""
        return self.long_running and (self.exposed or any(c.ports for c in self.containers))

    @property
    def annotations(self) -> Mapping[str, Any]:
        return mapping(mapping(self.template).get("metadata")).get("annotations") or {}

    def all_containers(self) -> tuple[Container, ...]:
        return self.init_containers + self.containers

    def replicas_location(self) -> Location:
        spec = mapping(self.resource.body.get("spec"))
        return spec.at("replicas") if isinstance(spec, YamlMap) else self.resource.location


_NOWHERE = Location(path="")


def mapping(value: Any) -> YamlMap:
    """`value` when it is a mapping, else an empty one (so lookups chain)."""
    if isinstance(value, YamlMap):
        return value
    empty = YamlMap(_NOWHERE)
    if isinstance(value, dict):
        empty.update(value)
    return empty


def maps(value: Any) -> list[YamlMap]:
    """The mappings among the items of `value` when it is a sequence."""
    return [item for item in sequence(value) if isinstance(item, YamlMap)]


def sequence(value: Any) -> YamlSeq:
    if isinstance(value, YamlSeq):
        return value
    empty = YamlSeq(Location(path=""))
    if isinstance(value, list):
        empty.extend(value)
    return empty


def same_namespace(first: str | None, second: str | None) -> bool:
    """Two resources share a namespace when both name the same one, or either names none (it
    is chosen when applied: `kubectl apply -n`, kustomize, helm)."""
    return first is None or second is None or first == second


def selects(selector: Any, labels: Mapping[str, str], *, empty_selects_all: bool = True) -> bool:
    """Whether a label selector (matchLabels / matchExpressions, or a plain map as a Service
    uses) selects pods with `labels`."""
    if selector is None or not isinstance(selector, dict):
        return False
    if not selector:
        return empty_selects_all
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(labels.get(key) == str(value) for key, value in selector.items())
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        return False
    if not all(labels.get(key) == str(value) for key, value in match_labels.items()):
        return False
    return all(_expression(e, labels) for e in sequence(selector.get("matchExpressions")))


class ServiceIndex:
    """The Services with a selector, found by the labels of pods: only Services whose selector
    shares a label with the pods are compared in full, so matching every workload against
    every Service stays fast in a large repository."""

    def __init__(self, services: Iterable[Resource]) -> None:
        self._by_label: dict[tuple[str, str], list[tuple[int, Resource, YamlMap]]] = {}
        for order, service in enumerate(services):
            selector = mapping(service.body.get("spec")).get("selector")
            if isinstance(selector, dict) and selector:
                key, value = next(iter(selector.items()))
                entry = (order, service, mapping(selector))
                self._by_label.setdefault((str(key), str(value)), []).append(entry)

    def selecting(self, labels: Mapping[str, str], namespace: str | None) -> list[Resource]:
        """The Services of `namespace` whose selector selects pods with `labels`, in file order."""
        found = [
            (order, service)
            for pair in labels.items()
            for order, service, selector in self._by_label.get(pair, ())
            if same_namespace(service.namespace, namespace)
            and all(labels.get(k) == str(v) for k, v in selector.items())
        ]
        return [service for _, service in sorted(found, key=lambda entry: entry[0])]


def _expression(expression: Any, labels: Mapping[str, str]) -> bool:
    if not isinstance(expression, dict):
        return False
    key, operator = expression.get("key"), expression.get("operator")
    values = [str(v) for v in sequence(expression.get("values"))]
    if operator == "In":
        return labels.get(str(key)) in values
    if operator == "NotIn":
        return labels.get(str(key)) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return False


def build_workloads(resources: K8sResources) -> tuple[Workload, ...]:
    """Every workload of `resources`; a Rollout with a `workloadRef` takes the template of the
    Deployment it names (one in its own file first), which is then marked as its template."""
    found = [_workload(r) for r in resources.resources if r.kind in WORKLOAD_KINDS]
    workloads = [w for w in found if w is not None]
    result: list[Workload] = []
    borrowed: dict[int, str] = {}
    for workload in workloads:
        reference = mapping(mapping(workload.resource.body.get("spec")).get("workloadRef"))
        targets = [
            w
            for w in workloads
            if reference
            and workload.kind == "Rollout"
            and workload.template is None
            and w.kind == str(reference.get("kind", "Deployment"))
            and w.resource.name == reference.get("name")
            and w.namespace == workload.namespace
        ]
        targets = [w for w in targets if w.resource.path == workload.resource.path] or targets
        if targets:
            borrowed[id(targets[0])] = workload.ref
            result.append(_with_template(workload, targets[0].template))
        else:
            result.append(workload)
    services = ServiceIndex(resources.of_kind("Service"))
    return tuple(
        replace(
            w,
            template_of=borrowed.get(id(w)),
            exposed=bool(services.selecting(w.labels, w.namespace)),
        )
        for w in result
    )


def _with_template(workload: Workload, template: YamlMap | None) -> Workload:
    pod_spec = mapping(template).get("spec") if template is not None else None
    spec = pod_spec if isinstance(pod_spec, YamlMap) else None
    return replace(
        workload,
        template=template,
        pod_spec=spec,
        containers=tuple(_containers(spec, "containers")),
        init_containers=tuple(_containers(spec, "initContainers")),
        labels=_labels(template),
    )


def _workload(resource: Resource) -> Workload | None:
    body = resource.body
    spec = mapping(body.get("spec"))
    template: Any = body
    for key in _TEMPLATE_PATH.get(resource.kind, ("spec", "template")):
        template = template.get(key) if isinstance(template, dict) else None
    template = template if isinstance(template, YamlMap) else None
    pod_spec = mapping(template).get("spec") if template is not None else None
    pod_spec = pod_spec if isinstance(pod_spec, YamlMap) else None
    declared = "replicas" in spec
    replicas: int | None = None
    if resource.kind == "DaemonSet":
        replicas = None
    elif resource.kind in {"Pod", "Job", "CronJob"}:
        replicas = 1
    else:
        value = spec.get("replicas", 1)
        replicas = value if isinstance(value, int) and not isinstance(value, bool) else None
    strategy_key = "strategy" if resource.kind in {"Deployment", "Rollout"} else "updateStrategy"
    strategy = spec.get(strategy_key)
    selector = spec.get("selector")
    return Workload(
        resource=resource,
        template=template,
        pod_spec=pod_spec,
        containers=tuple(_containers(pod_spec, "containers")),
        init_containers=tuple(_containers(pod_spec, "initContainers")),
        replicas=replicas,
        replicas_declared=declared,
        selector=selector if isinstance(selector, YamlMap) else None,
        labels=_labels(template),
        strategy=strategy if isinstance(strategy, YamlMap) else None,
    )


def _labels(template: YamlMap | None) -> dict[str, str]:
    labels = mapping(mapping(template).get("metadata")).get("labels")
    if not isinstance(labels, dict):
        return {}
    return {str(key): str(value) for key, value in labels.items()}


def _containers(pod_spec: YamlMap | None, key: str) -> Iterator[Container]:
    if pod_spec is None:
        return
    items = pod_spec.get(key)
    if not isinstance(items, YamlSeq):
        return
    for index, body in enumerate(items):
        if not isinstance(body, YamlMap):
            continue
        name = body.get("name")
        yield Container(
            name=name if isinstance(name, str) else f"#{index + 1}",
            body=body,
            init=key == "initContainers",
            location=body.location,
        )
