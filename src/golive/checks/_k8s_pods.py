"""What each container of a pod template declares: resources, probes, security context, image."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from golive.checks._k8s_base import Judging, WaiveParams
from golive.checks._k8s_model import (
    Container,
    K8sResources,
    Workload,
    mapping,
    maps,
    same_namespace,
    sequence,
)
from golive.checks._k8s_params import ImageParams, ProbesParams, ResourcesParams
from golive.checks._yaml import YamlMap

__all__ = [
    "judge_images",
    "judge_probes",
    "judge_resources",
    "judge_security",
    "parse_quantity",
]

_QUANTITY = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$"
)
_SUFFIX = {
    "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40, "Pi": 2.0**50, "Ei": 2.0**60,
}  # fmt: skip
_PLACEHOLDER = re.compile(r"\$\{|\$\(|\{\{|<[A-Za-z_-]+>")


def parse_quantity(value: object) -> float | None:
    """A Kubernetes quantity ("500m", "128Mi", "1.5", 2) as a number; None when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _QUANTITY.match(str(value).strip())
    if not match:
        return None
    return float(match.group(1)) * _SUFFIX.get(match.group(2) or "", 1.0)


def _judged(workloads: Iterable[Workload]) -> list[Workload]:
    """The workloads to judge: one that only lends its template to an Argo Rollout
    (`workloadRef`) is judged through that Rollout."""
    return [w for w in workloads if w.template_of is None]


@dataclass(frozen=True, kw_only=True)
class _Defaults:
    """What LimitRanges fill in for containers of a namespace."""

    namespace: str | None
    limits: frozenset[str]
    requests: frozenset[str]


def _limit_ranges(k8s: K8sResources) -> list[_Defaults]:
    found = []
    for limit_range in k8s.of_kind("LimitRange"):
        for item in maps(mapping(limit_range.body.get("spec")).get("limits")):
            if item.get("type", "Container") != "Container":
                continue
            limits = frozenset(mapping(item.get("default")))
            requests = frozenset(mapping(item.get("defaultRequest"))) | limits
            found.append(
                _Defaults(namespace=limit_range.namespace, limits=limits, requests=requests)
            )
    return found


def judge_resources(on: Judging, params: ResourcesParams) -> int:
    report, workloads, k8s = on.report, on.workloads, on.k8s
    cpu_limit, init_containers = params.cpu_limit, params.init_containers
    defaults = _limit_ranges(k8s)
    counts = {"containers": 0, "from_limit_range": 0, "requests_from_limits": 0}
    for workload in _judged(workloads):
        ranges = [d for d in defaults if same_namespace(d.namespace, workload.namespace)]
        filled_limits = {key for d in ranges for key in d.limits}
        filled_requests = {key for d in ranges for key in d.requests}
        containers = [c for c in workload.all_containers() if not c.init or c.sidecar]
        if init_containers:
            containers = list(workload.all_containers())
        for container in containers:
            counts["containers"] += 1
            resources = mapping(container.body.get("resources"))
            requests, limits = mapping(resources.get("requests")), mapping(resources.get("limits"))
            missing = []
            for name in ("cpu", "memory"):
                if name not in requests:
                    if name in limits:
                        counts["requests_from_limits"] += 1  # Kubernetes copies the limit
                    elif name in filled_requests:
                        counts["from_limit_range"] += 1
                    else:
                        missing.append(f"requests.{name}")
            for name in ("memory", "cpu") if cpu_limit else ("memory",):
                if name not in limits:
                    if name in filled_limits:
                        counts["from_limit_range"] += 1
                    else:
                        missing.append(f"limits.{name}")
            where = container.body.at("resources") if resources else container.location
            kind = "init container" if container.init else "container"
            if missing:
                report.add(
                    workload.resource,
                    f"{kind} {container.name} sets no {', '.join(missing)}",
                    where,
                    rule="missing",
                )
            for name in ("cpu", "memory"):
                request, limit = (
                    parse_quantity(requests.get(name)),
                    parse_quantity(limits.get(name)),
                )
                if request is not None and limit is not None and request > limit:
                    report.add(
                        workload.resource,
                        f"{kind} {container.name} requests more {name} ({requests[name]}) than "
                        f"its limit ({limits[name]})",
                        requests.at(name),
                        rule="request-over-limit",
                    )
    report.facts.update(counts)
    return counts["containers"]


def _path(value: object) -> str:
    return str(value or "/").split("?", 1)[0]


def judge_probes(on: Judging, params: ProbesParams) -> int:
    report, workloads = on.report, on.workloads
    liveness, readiness = params.liveness, params.readiness
    counts = {"containers": 0, "http_probes": 0, "other_probes": 0}
    expected = {"livenessProbe": liveness, "readinessProbe": readiness}
    for workload in _judged(workloads):
        if not workload.serving:
            continue
        # the containers that listen; when none declares a port (the Service reaches a port
        # nobody declared), every container
        listening = [c for c in workload.containers if c.ports] or workload.containers
        for container in listening:
            counts["containers"] += 1
            for key, path in expected.items():
                probe = container.body.get(key)
                if not isinstance(probe, YamlMap):
                    report.add(
                        workload.resource,
                        f"container {container.name} has no {key}",
                        container.location,
                        rule="missing",
                    )
                    continue
                http = probe.get("httpGet")
                if not isinstance(http, YamlMap):
                    counts["other_probes"] += 1
                    continue
                counts["http_probes"] += 1
                if path is not None and _path(http.get("path")) != _path(path):
                    report.add(
                        workload.resource,
                        f"container {container.name}: {key} checks {_path(http.get('path'))}, "
                        f"not the declared health endpoint {path}",
                        http.value_location("path"),
                        rule="path",
                    )
    report.facts.update(counts)
    return counts["containers"]


def _effective(container: Container, pod: YamlMap, key: str) -> object:
    own = mapping(container.body.get("securityContext"))
    return own[key] if key in own else mapping(pod.get("securityContext")).get(key)


def judge_security(on: Judging, params: WaiveParams) -> int:
    report, workloads = on.report, on.workloads
    counts = {"containers": 0, "pods": 0}
    for workload in _judged(workloads):
        pod = workload.pod_spec
        if pod is None:
            continue
        counts["pods"] += 1
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(key) is True:
                report.add(workload.resource, f"the pod sets {key}: true", pod.at(key), rule=key)
        for container in workload.all_containers():
            counts["containers"] += 1
            own = mapping(container.body.get("securityContext"))
            name = f"{'init container' if container.init else 'container'} {container.name}"
            user, non_root = (
                _effective(container, pod, "runAsUser"),
                _effective(container, pod, "runAsNonRoot"),
            )
            numeric = isinstance(user, int) and not isinstance(user, bool)
            if numeric and user == 0:
                holder = own if "runAsUser" in own else mapping(pod.get("securityContext"))
                report.add(
                    workload.resource,
                    f"{name} runs as root (runAsUser: 0)",
                    holder.at("runAsUser"),
                    rule="run-as-root",
                )
            elif non_root is not True and not numeric:
                report.add(
                    workload.resource,
                    f"{name} does not set runAsNonRoot: true (or a non-zero runAsUser)",
                    container.location,
                    rule="run-as-non-root",
                )
            if own.get("readOnlyRootFilesystem") is not True:
                report.add(
                    workload.resource,
                    f"{name} does not set readOnlyRootFilesystem: true",
                    container.location,
                    rule="read-only-root",
                )
            if own.get("allowPrivilegeEscalation") is not False:
                report.add(
                    workload.resource,
                    f"{name} does not set allowPrivilegeEscalation: false",
                    container.location,
                    rule="privilege-escalation",
                )
            drop = [str(c).upper() for c in sequence(mapping(own.get("capabilities")).get("drop"))]
            if "ALL" not in drop:
                report.add(
                    workload.resource,
                    f"{name} does not drop ALL capabilities",
                    container.location,
                    rule="capabilities",
                )
            if own.get("privileged") is True:
                report.add(
                    workload.resource,
                    f"{name} is privileged",
                    own.at("privileged"),
                    rule="privileged",
                )
    report.facts.update(counts)
    return counts["containers"]


def _kustomize_images(k8s: K8sResources) -> dict[str, YamlMap]:
    images: dict[str, YamlMap] = {}
    for kustomization in k8s.of_kind("Kustomization"):
        for entry in sequence(kustomization.body.get("images")):
            if isinstance(entry, YamlMap) and isinstance(entry.get("name"), str):
                images[entry["name"]] = entry
    return images


def _split(image: str) -> tuple[str, str | None, str | None]:
    """(name, tag, digest) of an image reference."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag, digest or None


def judge_images(on: Judging, params: ImageParams) -> int:
    report, workloads, k8s = on.report, on.workloads, on.k8s
    strict = params.strict
    overrides = _kustomize_images(k8s)
    counts = {"containers": 0, "digests": 0, "kustomize_overrides": 0}
    for workload in _judged(workloads):
        for container in workload.all_containers():
            counts["containers"] += 1
            image = container.image
            where = container.body.value_location("image")
            label = f"{'init container' if container.init else 'container'} {container.name}"
            if not image:
                report.add(workload.resource, f"{label} names no image", where, rule="no-image")
                continue
            if _PLACEHOLDER.search(image):
                report.undecided.append(f"{workload.ref}: {label} image {image} is a placeholder")
                continue
            name, tag, digest = _split(image)
            override = overrides.get(name)
            if override is not None:
                counts["kustomize_overrides"] += 1
                tag = str(override.get("newTag", tag)) if override.get("newTag") else tag
                digest = str(override["digest"]) if override.get("digest") else digest
            if digest:
                counts["digests"] += 1
                continue
            if tag is None:
                report.add(
                    workload.resource,
                    f"{label} image {image} has no tag (it means latest)",
                    where,
                    rule="untagged",
                )
            elif tag == "latest":
                report.add(
                    workload.resource,
                    f"{label} image {image} uses the latest tag",
                    where,
                    rule="latest",
                )
            elif strict:
                report.add(
                    workload.resource,
                    f"{label} image {image} is not pinned by digest (@sha256:...)",
                    where,
                    rule="digest",
                )
    report.facts.update(counts)
    return counts["containers"]
