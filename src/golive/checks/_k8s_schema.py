"""`k8s.schema`: kinds and apiVersions against the offline API table shipped with golive."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from golive.checks._k8s_model import K8sResources, Workload, mapping, sequence
from golive.checks._k8s_params import SchemaParams, parse_version
from golive.checks._k8s_report import Report
from golive.checks._manifests import Resource
from golive.checks._yaml import YamlMap
from golive.checks.base import not_applicable
from golive.model import Outcome

__all__ = ["OPERATOR_DOMAINS", "judge_schema", "latest_version", "schema_outcome"]

# Groups of widely used operators and tools whose custom resources are accepted without their
# CRD in the repository: the group itself, or any group ending in "." + one of these.
OPERATOR_DOMAINS = (
    "monitoring.coreos.com",
    "argoproj.io",
    "flagger.app",
    "istio.io",
    "linkerd.io",
    "cert-manager.io",
    "keda.sh",
    "gateway.networking.k8s.io",
    "x-k8s.io",
    "smi-spec.io",
    "getambassador.io",
    "k8s.aws",
    "apisix.apache.org",
    "traefik.io",
    "traefik.containo.us",
    "projectcontour.io",
    "cilium.io",
    "projectcalico.org",
    "bitnami.com",
    "external-secrets.io",
    "velero.io",
    "snapshot.storage.k8s.io",
    "autoscaling.k8s.io",
    "knative.dev",
    "kyverno.io",
    "kustomize.config.k8s.io",
    "fluxcd.io",
    "cnpg.io",
    "crossplane.io",
    "strimzi.io",
    "opentelemetry.io",
    "jaegertracing.io",
    "elastic.co",
    "kubeflow.org",
    "ray.io",
    "grafana.integreatly.org",
    "slok.dev",
    "pyrra.dev",
    "openslo",
    "k8up.io",
    "appscode.com",
    "kubestash.com",
    "percona.com",
    "networking.gke.io",
    "cloud.google.com",
)


@cache
def _table() -> dict[str, Any]:
    text = resources.files("golive.checks").joinpath("k8s_api.json").read_text("utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


def latest_version() -> str:
    return str(_table()["versions"][-1])


def _minor(text: str | None) -> int | None:
    return None if text is None else parse_version(text)


def schema_outcome(
    report: Report,
    params: SchemaParams,
    k8s: K8sResources,
    workloads: tuple[Workload, ...],
    *,
    fix: str | None,
) -> Outcome:
    """The outcome of `k8s.schema`: unreadable manifests are findings, unrendered charts
    leave it undecided, and no manifests at all is not applicable."""
    if not k8s.resources and not k8s.unreadable and not k8s.unrendered:
        return not_applicable(
            "no Kubernetes manifests in the repository (keep them here if the service deploys "
            "to Kubernetes)"
        )
    newest = parse_version(latest_version())
    target = min(parse_version(params.kubernetes_version or latest_version()), newest)
    counts = judge_schema(
        report, k8s, workloads, target=target, extra_groups=params.operator_groups
    )
    return report.outcome(
        checked=len(k8s.resources) + len(k8s.unreadable),
        what="document(s)",
        required=f"kinds and apiVersions served by Kubernetes 1.{target}",
        fix=fix,
        gaps=[f"chart {gap.chart or '.'} not rendered: {gap.reason}" for gap in k8s.unrendered],
        facts={**counts, "kubernetes_version": f"1.{target}", "charts_rendered": len(k8s.rendered)},
    )


def _operator(group: str) -> bool:
    return any(group == d or group.endswith("." + d) for d in OPERATOR_DOMAINS)


def _crd_kinds(found: Iterable[Resource]) -> dict[tuple[str, str], set[str]]:
    """(group, kind) -> served versions, of every CustomResourceDefinition in the repository."""
    kinds: dict[tuple[str, str], set[str]] = {}
    for crd in found:
        spec = mapping(crd.body.get("spec"))
        group, kind = spec.get("group"), mapping(spec.get("names")).get("kind")
        if not isinstance(group, str) or not isinstance(kind, str):
            continue
        versions = {
            str(v.get("name"))
            for v in sequence(spec.get("versions"))
            if isinstance(v, dict) and v.get("served", True) is not False
        }
        if isinstance(spec.get("version"), str):
            versions.add(spec["version"])
        kinds.setdefault((group, kind), set()).update(versions)
        kinds.setdefault((group, kind + "List"), set()).update(versions)
    return kinds


def judge_schema(
    report: Report,
    k8s: K8sResources,
    workloads: tuple[Workload, ...],
    *,
    target: int,
    extra_groups: Iterable[str],
) -> dict[str, int]:
    """Add a finding for every document the API table (or a CRD) does not account for."""
    table = _table()
    kinds: dict[str, Any] = table["kinds"]
    core_groups = {v.rpartition("/")[0] for entry in kinds.values() for v in entry["versions"]}
    crds = _crd_kinds(k8s.of_kind("CustomResourceDefinition"))
    extra = set(extra_groups)
    counts = {"custom": 0, "built_in": 0}
    for unreadable in k8s.unreadable:
        report.add_file(
            unreadable.path,
            unreadable.reason,
            unreadable.location,
            rule="unreadable",
        )
    for resource in k8s.resources:
        group, kind = resource.group, resource.kind
        version = resource.api_version.rpartition("/")[2]
        if (group, kind) in crds:
            counts["custom"] += 1
            served = crds[group, kind]
            if served and version not in served:
                report.add(
                    resource,
                    f"the CustomResourceDefinition of {kind} does not serve {version} "
                    f"(it serves {', '.join(sorted(served))})",
                    rule="crd-version",
                )
            continue
        if group in extra or (_operator(group) and group not in core_groups):
            counts["custom"] += 1
            continue
        base = kind[:-4] if kind.endswith("List") and kind[:-4] in kinds else kind
        entry = kinds.get(base)
        if entry is None:
            where = "the core API" if not group else f"group {group}"
            if group in core_groups or not group:
                message = f"unknown kind {kind}: {where} has no such kind"
            else:
                message = (
                    f"unknown kind {kind} ({resource.api_version}): no "
                    "CustomResourceDefinition in the repository defines it, and "
                    f"{group} is not a known operator group"
                )
            report.add(resource, message, rule="unknown-kind")
            continue
        counts["built_in"] += 1
        _judge_version(report, resource, base, entry, target, listed=base != kind)
    _judge_fields(report, k8s, workloads, kinds, table["fields"])
    return counts


def _replacement(entry: dict[str, Any], kind: str) -> str:
    preferred = entry.get("preferred")
    return f"use {preferred}" if preferred else f"{kind} has no replacement in the API"


def _judge_version(
    report: Report,
    resource: Resource,
    kind: str,
    entry: dict[str, Any],
    target: int,
    *,
    listed: bool,
) -> None:
    """Judge the apiVersion of `kind` (`listed`: the document is a `<kind>List`)."""
    api_version = resource.api_version
    served = entry["versions"].get(api_version)
    where = resource.body.value_location("apiVersion")
    if served is None:
        known = ", ".join(entry["versions"])
        report.add(
            resource,
            f"{api_version} has no kind {kind} (served by {known}); {_replacement(entry, kind)}",
            where,
            rule="unknown-version",
        )
        return
    removed, since = _minor(served.get("removed")), _minor(served.get("since"))
    if removed is not None and removed <= target:
        report.add(
            resource,
            f"{api_version} {kind} was removed in Kubernetes 1.{removed}; "
            f"{_replacement(entry, kind)}",
            where,
            rule="removed",
        )
        return
    if since is not None and since > target:
        report.add(
            resource,
            f"{api_version} {kind} is served from Kubernetes 1.{since} on, after the target "
            f"1.{target}",
            where,
            rule="too-new",
        )
        return
    superseded = _minor(served.get("superseded"))
    if superseded is not None and superseded <= target:
        to = f"; removed in 1.{removed}" if removed is not None else ""
        report.add(
            resource,
            f"{api_version} {kind} is deprecated: a pre-release version, superseded by "
            f"{entry.get('preferred', 'a stable version')} since Kubernetes 1.{superseded}{to}",
            where,
            rule="deprecated",
            warning=True,
        )
    for field in [] if listed else served.get("required", []):
        if not _has(resource.body, field):
            report.add(resource, f"missing required field {field}", rule="required")


def _has(body: YamlMap, dotted: str) -> bool:
    node: Any = body
    for part in dotted.split("."):
        if not isinstance(node, dict) or node.get(part) is None:
            return False
        node = node[part]
    return True


def _judge_fields(
    report: Report,
    k8s: K8sResources,
    workloads: tuple[Workload, ...],
    kinds: dict[str, Any],
    fields: dict[str, list[str]],
) -> None:
    for resource in k8s.resources:
        known = fields.get(resource.kind)
        if known is None or kinds[resource.kind].get("preferred") != resource.api_version:
            continue
        spec = resource.body.get("spec")
        if isinstance(spec, YamlMap):
            _unknown_keys(report, resource, spec, set(known), "spec")
    seen: set[int] = set()
    for workload in workloads:
        if workload.pod_spec is None or id(workload.pod_spec) in seen:
            continue
        if workload.kind != "Rollout" and (
            kinds.get(workload.kind, {}).get("preferred") != workload.resource.api_version
        ):
            continue
        seen.add(id(workload.pod_spec))
        _unknown_keys(report, workload.resource, workload.pod_spec, set(fields["PodSpec"]), "pod")
        for container in workload.all_containers():
            what = f"container {container.name}"
            _unknown_keys(report, workload.resource, container.body, set(fields["Container"]), what)


def _unknown_keys(
    report: Report, resource: Resource, body: YamlMap, known: set[str], where: str
) -> None:
    for key in body:
        if key not in known:
            report.add(
                resource, f"unknown field {key} in {where}", body.at(key), rule="unknown-field"
            )
