"""Services in front of serving workloads: selector, target port, session affinity, algorithm."""

from __future__ import annotations

from dataclasses import dataclass

from golive.checks._k8s_base import Judging
from golive.checks._k8s_model import (
    K8sResources,
    ServiceIndex,
    Workload,
    mapping,
    same_namespace,
)
from golive.checks._k8s_network import ingress_backends
from golive.checks._k8s_params import ServiceParams
from golive.checks._k8s_report import Report
from golive.checks._manifests import Resource
from golive.model import Location

__all__ = ["algorithm_class", "judge_services"]

_CLASSES = {
    "least": {"least_connections", "least_connection", "least_conn", "leastconn", "least_request"}
    | {"least_requests", "leastrequest", "least_connections_first"},
    "round_robin": {"round_robin", "roundrobin", "rr", "wrr", "weighted_round_robin"},
    "random": {"random"},
    "ewma": {"ewma", "peak_ewma"},
    "hash": {"consistent_hash", "ip_hash", "hash", "ring_hash", "maglev", "source", "uri"},
}
_ALGORITHM_ANNOTATIONS = (
    "nginx.ingress.kubernetes.io/load-balance",
    "haproxy.org/load-balance",
    "haproxy-ingress.github.io/balance-algorithm",
)
_HASH_ANNOTATIONS = ("nginx.ingress.kubernetes.io/upstream-hash-by",)


def algorithm_class(name: str) -> str | None:
    """The family of a load-balancing algorithm's name ("LEAST_REQUEST", "leastconn" -> least)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    return next((c for c, names in _CLASSES.items() if key in names or key == c), None)


@dataclass(frozen=True, kw_only=True)
class _Setting:
    """A load-balancing choice found for a Service, and where it is written."""

    algorithm: str | None  # a class of `_CLASSES`, or None when only affinity was found
    sticky: bool
    source: Resource
    location: Location


def _settings(k8s: K8sResources, service: Resource) -> list[_Setting]:
    found: list[_Setting] = []
    holders = [service] + [
        i
        for i in k8s.of_kind("Ingress")
        if same_namespace(i.namespace, service.namespace)
        and service.name in set(ingress_backends(i))
    ]
    for holder in holders:
        annotations = mapping(mapping(holder.body.get("metadata")).get("annotations"))
        for key, value in annotations.items():
            where = annotations.at(key)
            lowered = str(value).lower()
            if key in _ALGORITHM_ANNOTATIONS:
                found.append(
                    _Setting(
                        algorithm=algorithm_class(str(value)),
                        sticky=False,
                        source=holder,
                        location=where,
                    )
                )
            elif key in _HASH_ANNOTATIONS:
                found.append(_Setting(algorithm="hash", sticky=True, source=holder, location=where))
            elif (
                key.endswith(("/affinity", "/sticky", ".sticky.cookie", "/session-cookie-name"))
                or (
                    key.endswith("target-group-attributes") and "stickiness.enabled=true" in lowered
                )
            ) and lowered not in {"false", "none", ""}:
                found.append(_Setting(algorithm=None, sticky=True, source=holder, location=where))
    for rule in k8s.of_kind("DestinationRule"):
        spec = mapping(rule.body.get("spec"))
        host = str(spec.get("host", ""))
        if not service.name or not (host == service.name or host.startswith(service.name + ".")):
            continue
        balancer = mapping(mapping(spec.get("trafficPolicy")).get("loadBalancer"))
        if "simple" in balancer:
            found.append(
                _Setting(
                    algorithm=algorithm_class(str(balancer["simple"])),
                    sticky=False,
                    source=rule,
                    location=balancer.value_location("simple"),
                )
            )
        if "consistentHash" in balancer:
            found.append(
                _Setting(
                    algorithm="hash",
                    sticky=True,
                    source=rule,
                    location=balancer.at("consistentHash"),
                )
            )
    return found


def _targets(service: Resource) -> list[object]:
    ports = mapping(service.body.get("spec")).get("ports")
    return [
        mapping(p).get("targetPort", mapping(p).get("port"))
        for p in (ports if isinstance(ports, list) else [])
    ]


def judge_services(on: Judging, params: ServiceParams) -> int:
    """Judge the Services in front of serving workloads.

    A Kubernetes Service does not choose a load-balancing algorithm (kube-proxy spreads
    connections), so an `algorithm` policy is judged from what does choose one: an Istio
    DestinationRule's `loadBalancer` for the Service's host, or an ingress controller annotation
    (`nginx.ingress.kubernetes.io/load-balance`, `.../upstream-hash-by`, `haproxy.org/load-balance`,
    `haproxy-ingress.github.io/balance-algorithm`) on the Service or an Ingress routing to it.
    Session affinity is `sessionAffinity: ClientIP` on the Service, a sticky-session annotation
    (NGINX `affinity`, Traefik `sticky`, AWS ALB `stickiness.enabled=true`), or an Istio
    `consistentHash`.
    """
    report, workloads, k8s = on.report, on.workloads, on.k8s
    algorithm, session_affinity = params.algorithm, params.session_affinity
    services = ServiceIndex(k8s.of_kind("Service"))
    wanted = algorithm_class(algorithm) if algorithm else None
    judged = [w for w in workloads if w.serving]
    for workload in judged:
        mine = services.selecting(workload.labels, workload.namespace)
        if not mine:
            report.add(workload.resource, "no Service selects its pods", rule="missing")
            continue
        ports = {
            value
            for c in workload.containers
            for p in c.ports
            for value in (p.get("containerPort"), p.get("name"))
            if value is not None
        }
        if not any(
            t in ports or str(t) in {str(p) for p in ports} for s in mine for t in _targets(s)
        ):
            service = mine[0]
            spec = mapping(service.body.get("spec"))
            targets = ", ".join(str(t) for t in _targets(service)) or "none"
            report.add(
                service,
                f"no port targets a container port of {workload.ref} (targets: {targets}; "
                f"container ports: {', '.join(sorted(str(p) for p in ports)) or 'none'})",
                spec.at("ports"),
                rule="target-port",
            )
        settings = [s for service in mine for s in _settings(k8s, service)]
        if (
            session_affinity
            and not any(
                mapping(s.body.get("spec")).get("sessionAffinity") == "ClientIP" for s in mine
            )
            and not any(s.sticky for s in settings)
        ):
            report.add(
                mine[0],
                f"no session affinity for {workload.ref} (sessionAffinity: ClientIP, a sticky "
                "ingress annotation or an Istio consistentHash)",
                rule="session-affinity",
            )
        if algorithm:
            _judge_algorithm(
                report,
                workload,
                services=mine,
                settings=settings,
                algorithm=algorithm,
                wanted=wanted,
            )
    return len(judged)


def _judge_algorithm(
    report: Report,
    workload: Workload,
    *,
    services: list[Resource],
    settings: list[_Setting],
    algorithm: str,
    wanted: str | None,
) -> None:
    chosen = [s for s in settings if s.algorithm is not None]
    if not chosen:
        report.undecided.append(
            f"{workload.ref}: Kubernetes Services do not choose a load-balancing algorithm, and "
            f"no ingress annotation or mesh setting names one for "
            f"{', '.join(s.ref for s in services)}"
        )
        return
    for setting in chosen:
        if setting.algorithm != wanted:
            report.add(
                setting.source,
                f"balances {workload.ref} by {setting.algorithm}, not {algorithm}",
                setting.location,
                rule="algorithm",
            )
