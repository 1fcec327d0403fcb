"""The pods a rollout manages: their template, found inline or through a workload reference."""

from __future__ import annotations

from typing import Any

from golive.checks._delivery_model import Probe, Timing
from golive.checks._manifests import Manifests, Resource
from golive.checks._yaml import YamlMap, YamlSeq

__all__ = ["find_workload", "pod_spec", "readiness_probes", "referenced_names"]

_PERIOD_DEFAULT = 10.0  # Kubernetes' defaults for probes, in seconds
_TIMEOUT_DEFAULT = 1.0


def find_workload(
    manifests: Manifests, kind: Any, name: Any, namespace: str | None
) -> Resource | None:
    """The Deployment (or other workload) named by a `workloadRef` / `targetRef`."""
    if not isinstance(name, str):
        return None
    kinds = (kind,) if isinstance(kind, str) else ("Deployment",)
    candidates = [r for r in manifests.of_kind(*kinds) if r.name == name]
    exact = [r for r in candidates if r.namespace == namespace]
    loose = [r for r in candidates if not r.namespace or not namespace]
    found = exact or loose
    return found[0] if found else None


def pod_spec(body: YamlMap) -> YamlMap | None:
    """`spec.template.spec` of a Rollout or a workload."""
    spec = body.get("spec")
    template = spec.get("template") if isinstance(spec, YamlMap) else None
    pods = template.get("spec") if isinstance(template, YamlMap) else None
    return pods if isinstance(pods, YamlMap) else None


def readiness_probes(pods: YamlMap) -> tuple[Probe, ...]:
    """The readiness probe of every container that has one, with Kubernetes' defaults."""
    containers = pods.get("containers")
    if not isinstance(containers, YamlSeq):
        return ()
    probes: list[Probe] = []
    for container in containers:
        if not isinstance(container, YamlMap):
            continue
        probe = container.get("readinessProbe")
        if not isinstance(probe, YamlMap):
            continue
        name = str(container.get("name") or "?")
        probes.append(
            Probe(
                container=name,
                period=_timing(probe, "periodSeconds", _PERIOD_DEFAULT, container, name),
                timeout=_timing(probe, "timeoutSeconds", _TIMEOUT_DEFAULT, container, name),
            )
        )
    return tuple(probes)


def _timing(probe: YamlMap, key: str, default: float, container: YamlMap, name: str) -> Timing:
    value = probe.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        where = probe.value_location(key)
        return Timing(seconds=float(value), location=where, what=f"{key} of container {name}")
    return Timing(
        seconds=default,
        location=container.at("readinessProbe"),
        what=f"{key} of container {name} (default {default:g})",
    )


def referenced_names(manifests: Manifests, kind: str, key: str) -> set[str]:
    """The names the resources of `kind` point at through `spec.<key>.name` (a Rollout's
    `workloadRef`, a Flagger Canary's `targetRef`)."""
    names: set[str] = set()
    for resource in manifests.of_kind(kind):
        spec = resource.body.get("spec")
        ref = spec.get(key) if isinstance(spec, YamlMap) else None
        if isinstance(ref, YamlMap) and isinstance(ref.get("name"), str):
            names.add(ref["name"])
    return names
