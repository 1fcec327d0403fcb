"""TLS at the edge (Ingress, Gateway API, Istio Gateway) and mutual TLS inside a service mesh."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from golive.checks._k8s_base import Judging, WaiveParams
from golive.checks._k8s_model import (
    K8sResources,
    Workload,
    mapping,
    maps,
    same_namespace,
    selects,
    sequence,
)
from golive.checks._k8s_params import MeshParams
from golive.checks._k8s_report import Report
from golive.checks._manifests import Resource
from golive.model import Outcome, Status

__all__ = ["judge_ingress_tls", "judge_mesh", "linkerd_note", "mesh_found"]

_GATEWAY_GROUP = "gateway.networking.k8s.io"


def _covered(host: str, tls_hosts: set[str]) -> bool:
    if host in tls_hosts:
        return True
    _, dot, parent = host.partition(".")
    return bool(dot) and f"*.{parent}" in tls_hosts


def judge_ingress_tls(on: Judging, params: WaiveParams) -> int:
    report, k8s = on.report, on.k8s
    checked = 0
    for ingress in k8s.of_kind("Ingress"):
        checked += 1
        spec = mapping(ingress.body.get("spec"))
        entries = [mapping(t) for t in sequence(spec.get("tls"))]
        if not entries:
            report.add(ingress, "has no spec.tls: it serves plain HTTP", rule="no-tls")
            continue
        if any(not e.get("hosts") for e in entries):
            continue  # a tls entry without hosts covers every host
        hosts = {str(h) for e in entries for h in sequence(e.get("hosts"))}
        for rule in maps(spec.get("rules")):
            host = rule.get("host")
            if isinstance(host, str) and not _covered(host, hosts):
                report.add(
                    ingress,
                    f"host {host} is not covered by spec.tls",
                    rule.value_location("host"),
                    rule="host",
                )
    gateways = [g for g in k8s.of_kind("Gateway") if g.group == _GATEWAY_GROUP]
    for gateway in gateways:
        checked += 1
        for listener in maps(mapping(gateway.body.get("spec")).get("listeners")):
            protocol, port = listener.get("protocol"), listener.get("port")
            name = listener.get("name", "?")
            if protocol == "HTTP" and port == 443:
                report.add(
                    gateway,
                    f"listener {name} serves plain HTTP on port 443",
                    listener.value_location("protocol"),
                    rule="listener",
                )
            if protocol == "HTTPS" and not mapping(listener.get("tls")).get("certificateRefs"):
                report.add(
                    gateway,
                    f"HTTPS listener {name} has no tls.certificateRefs",
                    listener.location,
                    rule="listener",
                )
    for route in k8s.of_kind("HTTPRoute"):
        if route.group == _GATEWAY_GROUP:
            checked += _judge_route(report, route, gateways)
    for gateway in k8s.of_kind("Gateway"):
        if gateway.group != "networking.istio.io":
            continue
        checked += 1
        for server in maps(mapping(gateway.body.get("spec")).get("servers")):
            protocol = str(mapping(server.get("port")).get("protocol", "")).upper()
            tls = mapping(server.get("tls"))
            if protocol == "HTTP" and tls.get("httpsRedirect") is not True:
                report.add(
                    gateway,
                    "an HTTP server without tls.httpsRedirect: true",
                    server.location,
                    rule="istio-http",
                )
            if protocol == "HTTPS" and not tls.get("mode"):
                report.add(
                    gateway, "an HTTPS server without tls.mode", server.location, rule="istio-https"
                )
    return checked


def _judge_route(report: Report, route: Resource, gateways: list[Resource]) -> int:
    spec = mapping(route.body.get("spec"))
    redirects = any(
        mapping(mapping(f).get("requestRedirect")).get("scheme") == "https"
        for rule in sequence(spec.get("rules"))
        for f in sequence(mapping(rule).get("filters"))
    )
    protocols: list[str] = []
    for parent in maps(spec.get("parentRefs")):
        namespace = parent.get("namespace", route.namespace)
        gateway = next(
            (
                g
                for g in gateways
                if g.name == parent.get("name") and same_namespace(g.namespace, namespace)
            ),
            None,
        )
        if gateway is None:
            continue
        for listener in maps(mapping(gateway.body.get("spec")).get("listeners")):
            if "sectionName" in parent and listener.get("name") != parent.get("sectionName"):
                continue
            if "port" in parent and listener.get("port") != parent.get("port"):
                continue
            protocols.append(str(listener.get("protocol")))
    if not protocols:
        return 0  # its gateway is not in the repository
    if "HTTPS" not in protocols and not redirects:
        report.add(
            route, "attaches only to plain HTTP listeners", spec.at("parentRefs"), rule="route"
        )
    return 1


def _labels(resource: Resource, key: str) -> dict[str, str]:
    found = mapping(mapping(resource.body.get("metadata")).get(key))
    return {str(k): str(v) for k, v in found.items()}


def _istio_namespaces(k8s: K8sResources) -> set[str]:
    return {
        ns.name or ""
        for ns in k8s.of_kind("Namespace")
        if _labels(ns, "labels").get("istio-injection") == "enabled"
        or "istio.io/rev" in _labels(ns, "labels")
    }


def _linkerd_namespaces(k8s: K8sResources) -> set[str]:
    return {
        ns.name or ""
        for ns in k8s.of_kind("Namespace")
        if _labels(ns, "annotations").get("linkerd.io/inject") == "enabled"
    }


def _marks(workload: Workload) -> dict[str, str]:
    """The pod template's labels and annotations together (injection may be either)."""
    metadata = mapping(mapping(workload.template).get("metadata"))
    found = {**mapping(metadata.get("labels")), **mapping(metadata.get("annotations"))}
    return {str(k): str(v) for k, v in found.items()}


def mesh_found(k8s: K8sResources, workloads: Iterable[Workload]) -> list[str]:
    """The meshes in use: "istio", "linkerd"."""
    marks = [_marks(w) for w in workloads]
    meshes = []
    if (
        any(r.group.endswith("istio.io") for r in k8s.resources)
        or _istio_namespaces(k8s)
        or any(m.get("sidecar.istio.io/inject") == "true" for m in marks)
    ):
        meshes.append("istio")
    if _linkerd_namespaces(k8s) or any(m.get("linkerd.io/inject") == "enabled" for m in marks):
        meshes.append("linkerd")
    return meshes


def judge_mesh(on: Judging, params: MeshParams) -> int:
    """Judge mutual TLS in the meshes found.

    Istio: a workload's effective PeerAuthentication is the one whose selector picks it, else
    the one without selector in its namespace, else the one without selector in the root
    namespace (mesh-wide); it must be STRICT (Istio's default, with none, is PERMISSIVE), and
    no DestinationRule may turn TLS off for in-mesh hosts. Linkerd encrypts traffic between
    meshed pods with mutual TLS by default, so meshed namespaces and workloads pass, noted.
    """
    report, k8s = on.report, on.k8s
    pods = [w for w in on.workloads if w.long_running]
    meshes = mesh_found(k8s, pods)
    linkerd = _linkerd_namespaces(k8s)
    in_linkerd = [
        w
        for w in pods
        if _marks(w).get("linkerd.io/inject", "enabled" if w.namespace in linkerd else "")
        == "enabled"
    ]
    istio: list[Workload] = []
    rules = k8s.of_kind("DestinationRule") if "istio" in meshes else []
    if "istio" in meshes:
        policies = k8s.of_kind("PeerAuthentication")
        istio = [
            w
            for w in pods
            if _marks(w).get("sidecar.istio.io/inject") != "false" and w not in in_linkerd
        ]
        for workload in istio:
            _judge_peer(report, workload, policies, params.root_namespace)
        for rule in rules:
            _judge_destination(report, rule)
    report.facts.update(
        meshes=", ".join(meshes) or "none",
        istio_workloads=len(istio),
        linkerd_workloads=len(in_linkerd),
    )
    return len(istio) + len(in_linkerd) + len(rules) if meshes else 0


def linkerd_note(outcome: Outcome, report: Report) -> Outcome:
    """A pass owed to Linkerd alone says so: it encrypts meshed traffic by default."""
    meshed = report.facts.get("linkerd_workloads", 0)
    if outcome.status is not Status.PASS or report.facts.get("istio_workloads") or not meshed:
        return outcome
    return replace(
        outcome,
        summary=f"Linkerd meshes {meshed} workload(s) and encrypts their traffic with mutual "
        "TLS by default",
    )


def _judge_peer(report: Report, workload: Workload, policies: list[Resource], root: str) -> None:
    def level(policy: Resource) -> int | None:
        spec = mapping(policy.body.get("spec"))
        selector = mapping(spec.get("selector")).get("matchLabels")
        if selector:
            if same_namespace(policy.namespace, workload.namespace) and selects(
                {"matchLabels": selector}, workload.labels
            ):
                return 0
            return None
        if policy.namespace == root:
            return 2
        return 1 if same_namespace(policy.namespace, workload.namespace) else None

    levels = [(lvl, p) for p in policies if (lvl := level(p)) is not None]
    ranked = sorted(levels, key=lambda pair: pair[0])
    if not ranked:
        report.add(
            workload.resource,
            "no PeerAuthentication covers it: Istio accepts plain text (PERMISSIVE) by default",
            rule="no-peer-authentication",
        )
        return
    policy = ranked[0][1]
    mtls = mapping(mapping(policy.body.get("spec")).get("mtls"))
    mode = mtls.get("mode", "UNSET")
    if mode != "STRICT":
        report.add(
            policy,
            f"mtls.mode is {mode}, not STRICT, for {workload.ref}",
            mtls.value_location("mode") if "mode" in mtls else policy.location,
            rule="mode",
        )
    for port, setting in mapping(mapping(policy.body.get("spec")).get("portLevelMtls")).items():
        port_mode = mapping(setting).get("mode")
        if port_mode in {"PERMISSIVE", "DISABLE"}:
            report.add(
                policy, f"port {port} allows {port_mode}", mapping(setting).location, rule="port"
            )


def _judge_destination(report: Report, rule: Resource) -> None:
    spec = mapping(rule.body.get("spec"))
    host = str(spec.get("host", ""))
    in_mesh = "." not in host or host.endswith((".svc", ".svc.cluster.local", ".local"))
    policies = [mapping(spec.get("trafficPolicy"))]
    policies += [mapping(mapping(s).get("trafficPolicy")) for s in sequence(spec.get("subsets"))]
    policies += [mapping(p) for tp in list(policies) for p in sequence(tp.get("portLevelSettings"))]
    for policy in policies:
        tls = mapping(policy.get("tls"))
        mode = tls.get("mode")
        if mode == "DISABLE" or (mode == "SIMPLE" and in_mesh):
            report.add(
                rule,
                f"tls.mode {mode} for {host} turns mutual TLS off",
                tls.value_location("mode"),
                rule="destination-rule",
            )
