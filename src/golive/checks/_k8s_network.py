"""Who may reach the pods: NetworkPolicies (Kubernetes, Calico, Cilium) and Services."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from golive.checks._k8s_base import Judging
from golive.checks._k8s_model import (
    K8sResources,
    mapping,
    same_namespace,
    selects,
    sequence,
)
from golive.checks._k8s_params import Network, NetworkParams, network_range
from golive.checks._k8s_report import Report
from golive.checks._manifests import Resource
from golive.checks._yaml import YamlSeq
from golive.model import Location

__all__ = ["ingress_backends", "judge_network_policies"]

_CALICO_TERM = re.compile(
    r"""^\s*(?:(?P<all>all\(\))|(?P<neg>!)?\s*has\((?P<has>[\w./-]+)\)|"""
    r"""(?P<key>[\w./-]+)\s*(?P<op>==|!=)\s*(?P<q>['"])(?P<value>[^'"]*)(?P=q))\s*$"""
)
_CALICO = frozenset({"projectcalico.org", "crd.projectcalico.org"})


@dataclass(frozen=True, kw_only=True)
class _Policy:
    resource: Resource
    cluster_wide: bool
    matches: Callable[[dict[str, str]], bool | None]  # None: cannot tell
    ingress: bool
    cidrs: tuple[tuple[str, Location], ...]  # ingress source CIDRs and where written


def _calico_matcher(selector: object) -> Callable[[dict[str, str]], bool | None]:
    if selector is None or (isinstance(selector, str) and not selector.strip()):
        return lambda labels: True
    terms = [_CALICO_TERM.match(part) for part in str(selector).split("&&")]
    if not all(terms):
        return lambda labels: None

    def match(labels: dict[str, str]) -> bool | None:
        for term in terms:
            assert term is not None
            if term.group("all"):
                continue
            if term.group("has"):
                present = term.group("has") in labels
                if present == bool(term.group("neg")):
                    return False
                continue
            equal = labels.get(term.group("key")) == term.group("value")
            if equal != (term.group("op") == "=="):
                return False
        return True

    return match


def _label_matcher(selector: object) -> Callable[[dict[str, str]], bool | None]:
    def match(labels: dict[str, str]) -> bool | None:
        return selects(selector, labels)

    return match


def _cilium_matcher(selector: object) -> Callable[[dict[str, str]], bool | None]:
    selector = mapping(selector)
    cleaned = {
        "matchLabels": {
            str(k).split(":", 1)[-1] if str(k).startswith(("k8s:", "any:")) else str(k): v
            for k, v in mapping(selector.get("matchLabels")).items()
        },
        "matchExpressions": selector.get("matchExpressions") or [],
    }
    return lambda labels: selects(cleaned, labels)


def _cidrs(rules: object, *paths: tuple[str, ...]) -> Iterator[tuple[str, Location]]:
    """The text at each of `paths` under every rule (lists along the way are walked)."""
    for path in paths:
        nodes: list[object] = list(sequence(rules))
        for key in path[:-1]:
            nodes = [item for node in nodes for item in _items(mapping(node).get(key))]
        for node in nodes:
            holder = mapping(node)
            value = holder.get(path[-1])
            if isinstance(value, str):
                yield value, holder.value_location(path[-1])
            elif isinstance(value, YamlSeq):
                yield from zip(map(str, value), value.item_at, strict=False)


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def _policies(k8s: K8sResources) -> list[_Policy]:
    found: list[_Policy] = []
    for policy in k8s.of_kind("NetworkPolicy", "GlobalNetworkPolicy"):
        spec = mapping(policy.body.get("spec"))
        if policy.group == "networking.k8s.io":
            types = spec.get("policyTypes")
            selector = spec.get("podSelector", {})
            found.append(
                _Policy(
                    resource=policy,
                    cluster_wide=False,
                    matches=_label_matcher(selector),
                    ingress=not isinstance(types, list) or "Ingress" in types,
                    cidrs=tuple(_cidrs(spec.get("ingress"), ("from", "ipBlock", "cidr"))),
                )
            )
        elif policy.group in _CALICO:
            types = spec.get("types")
            has_egress_only = "egress" in spec and "ingress" not in spec
            global_ = policy.kind == "GlobalNetworkPolicy"
            matcher = _calico_matcher(spec.get("selector"))
            if global_ and spec.get("namespaceSelector"):
                matcher = lambda labels: None  # noqa: E731 -- namespaces are not known here
            found.append(
                _Policy(
                    resource=policy,
                    cluster_wide=global_,
                    matches=matcher,
                    ingress="Ingress" in types if isinstance(types, list) else not has_egress_only,
                    cidrs=tuple(_cidrs(spec.get("ingress"), ("source", "nets"))),
                )
            )
    for policy in k8s.of_kind("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"):
        body = policy.body
        specs = [mapping(s) for s in sequence(body.get("specs"))] or [mapping(body.get("spec"))]
        for spec in specs:
            egress_only = ("egress" in spec or "egressDeny" in spec) and not (
                "ingress" in spec or "ingressDeny" in spec
            )
            found.append(
                _Policy(
                    resource=policy,
                    cluster_wide=policy.kind == "CiliumClusterwideNetworkPolicy",
                    matches=_cilium_matcher(spec.get("endpointSelector")),
                    ingress=not egress_only,
                    cidrs=tuple(
                        _cidrs(spec.get("ingress"), ("fromCIDR",), ("fromCIDRSet", "cidr"))
                    ),
                )
            )
    return found


def judge_network_policies(on: Judging, params: NetworkParams) -> int:
    """Judge that a policy isolates every workload's ingress, and the ingress source ranges.

    A policy counts for a workload when it isolates its pods' ingress: a Kubernetes
    NetworkPolicy whose `podSelector` selects them and whose `policyTypes` include Ingress (the
    default); a Calico (Global)NetworkPolicy with a simple selector (`all()`, `k == 'v'`,
    `k != 'v'`, `has(k)`, `!has(k)` joined by `&&`); a Cilium (Clusterwide)NetworkPolicy whose
    `endpointSelector` selects them. A Calico selector golive cannot read leaves the workloads
    it might cover undecided rather than failed.
    """
    report, workloads, k8s = on.report, on.workloads, on.k8s
    allowed = [network_range(text) for text in params.allowed_ips]
    policies = _policies(k8s)
    judged = [w for w in workloads if w.template_of is None and w.template is not None]
    for workload in judged:
        labels = dict(workload.labels)
        mine = [
            p
            for p in policies
            if p.ingress
            and (p.cluster_wide or same_namespace(p.resource.namespace, workload.namespace))
        ]
        verdicts = [p.matches(labels) for p in mine]
        if any(v is True for v in verdicts):
            continue
        if any(v is None for v in verdicts):
            report.undecided.append(f"{workload.ref}: a Calico selector golive cannot read")
            continue
        report.add(
            workload.resource,
            "no NetworkPolicy selects its pods for ingress",
            rule="missing",
        )
    if allowed:
        for policy in policies:
            for cidr, where in policy.cidrs:
                _judge_cidr(report, policy.resource, cidr, where, allowed)
    report.facts["policies"] = len({id(p.resource) for p in policies})
    return len(judged)


def _judge_cidr(
    report: Report, resource: Resource, cidr: str, where: Location, allowed: list[Network]
) -> None:
    try:
        network = network_range(cidr)
    except ValueError:
        report.add(resource, f"ingress source {cidr} is not a CIDR", where, rule="cidr")
        return
    if network.prefixlen == 0:
        report.add(resource, f"ingress from {cidr} admits any address", where, rule="cidr")
        return
    inside = any(
        network.version == a.version and network.subnet_of(a)  # type: ignore[arg-type]
        for a in allowed
    )
    if not inside:
        listed = ", ".join(str(a) for a in allowed)
        report.add(
            resource,
            f"ingress from {cidr} is outside the allowed ranges ({listed})",
            where,
            rule="cidr",
        )


def ingress_backends(ingress: Resource) -> Iterator[str]:
    """The names of the Services an Ingress routes to."""
    spec = mapping(ingress.body.get("spec"))
    backends = [spec.get("defaultBackend"), spec.get("backend")]
    for rule in sequence(spec.get("rules")):
        for path in sequence(mapping(mapping(rule).get("http")).get("paths")):
            backends.append(mapping(path).get("backend"))
    for backend in map(mapping, backends):
        name = mapping(backend.get("service")).get("name") or backend.get("serviceName")
        if isinstance(name, str):
            yield name
