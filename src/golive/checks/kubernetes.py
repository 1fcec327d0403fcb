"""Kubernetes manifests: schema, resources, probes, budgets, scaling, security, network, mesh."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from golive.checks import _k8s_mesh, _k8s_pods, _k8s_scaling
from golive.checks._k8s_base import K8sCheck, WaiveParams
from golive.checks._k8s_helm import render_charts
from golive.checks._k8s_model import K8sResources, Workload, build_workloads
from golive.checks._k8s_network import judge_network_policies
from golive.checks._k8s_params import (
    HpaParams,
    ImageParams,
    MeshParams,
    NetworkParams,
    ProbesParams,
    ReplicasParams,
    ResourcesParams,
    SchemaParams,
    ServiceParams,
)
from golive.checks._k8s_report import Report
from golive.checks._k8s_schema import schema_outcome
from golive.checks._k8s_service import judge_services
from golive.checks._manifests import Manifests
from golive.checks.fixtures import ServiceInfo
from golive.checks.repository import Repository
from golive.model import Kind, Outcome

__all__ = [
    "FIXTURES",
    "Hpa",
    "ImageTags",
    "IngressTls",
    "MeshMtls",
    "NetworkPolicy",
    "Pdb",
    "Probes",
    "Replicas",
    "Resources",
    "RollingUpdate",
    "Schema",
    "SecurityContext",
    "ServiceExposure",
    "Spread",
]

_WORKLOADS_NONE = "no workload with containers in the Kubernetes manifests"
_SERVING_NONE = "no serving workload (long-running, with container ports)"
_REPLICATED_NONE = "no workload runs more than one replica"


def k8s_resources(repo: Repository, manifests: Manifests) -> K8sResources:
    """Every Kubernetes resource of the repository: plain manifests, and Helm charts rendered
    with `helm template` when helm is installed (unrendered charts are kept with the reason)."""
    rendered = render_charts(repo, manifests.charts)
    return K8sResources(
        resources=manifests.resources + rendered.resources,
        unreadable=manifests.unreadable,
        unrendered=rendered.gaps,
        rendered=rendered.charts,
    )


def k8s_workloads(k8s_resources: K8sResources) -> tuple[Workload, ...]:
    """Every workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
    Job, CronJob, Pod, Argo Rollout) with its pod template, containers and replicas."""
    return build_workloads(k8s_resources)


FIXTURES: Mapping[str, Callable[..., Any]] = {
    "k8s_resources": k8s_resources,
    "k8s_workloads": k8s_workloads,
}


class Schema(K8sCheck[SchemaParams]):
    """Kubernetes manifests exist and every document has a known kind and apiVersion.

    Every document is compared with golive's offline table of the Kubernetes API (1.11 to the
    newest release, from the upstream OpenAPI definitions): an unknown kind, an apiVersion
    that does not serve the kind or was removed by `kubernetes_version` (default: the newest
    release), or a missing required field fails, naming the replacement; a pre-release
    apiVersion superseded by a stable one warns. Unknown fields in the `spec` of common kinds,
    in pod specs and in containers fail. Custom resources pass when a
    CustomResourceDefinition in the repository defines them or their group belongs to a
    well-known operator (docs/kubernetes.md lists them; `operator_groups` adds more). A
    manifest that is not valid YAML fails. No manifests at all is not applicable.
    """

    id = "k8s.schema"
    kind = Kind.STATIC
    Params = SchemaParams
    fix = "Move to the apiVersion named, fix the field names, or add the CRD to the repository."
    what = "document(s)"

    def run(
        self, params: SchemaParams, k8s_resources: K8sResources, k8s_workloads: tuple[Workload, ...]
    ) -> Outcome:
        report = Report(rule=self.id, waive=params.waive)
        return schema_outcome(report, params, k8s_resources, k8s_workloads, fix=self.fix)


class Resources(K8sCheck[ResourcesParams]):
    """Every container sets resource requests and limits.

    Each container (and native sidecar) needs `requests.cpu`, `requests.memory`,
    `limits.memory` and, unless `cpu_limit = false`, `limits.cpu`. A request left out next to
    a limit counts (Kubernetes copies the limit), as do defaults a LimitRange of the namespace
    fills in. A request above its limit fails. Init containers that run to completion are
    left out unless `init_containers = true`: they finish before the application starts.
    """

    id = "k8s.resources"
    kind = Kind.STATIC
    Params = ResourcesParams
    fix = "Set resources.requests and resources.limits (cpu, memory) on every container."
    what, nothing = "container(s)", _WORKLOADS_NONE
    judge = staticmethod(_k8s_pods.judge_resources)

    def required(self, params: ResourcesParams) -> str:
        limits = "cpu and memory" if params.cpu_limit else "memory"
        return f"requests for cpu and memory, limits for {limits}"


class Probes(K8sCheck[ProbesParams]):
    """Every serving container has liveness and readiness probes on the declared health paths.

    A serving container is one with ports in a long-running workload (not a Job or CronJob).
    When the service declares its health endpoints (golive.toml `[service]`) or the item sets
    `liveness` / `readiness`, every httpGet probe must use that path; a mismatch is reported
    at the probe's path. tcpSocket, exec and grpc probes count as present.
    """

    id = "k8s.probes"
    kind = Kind.STATIC
    Params = ProbesParams
    fix = "Add livenessProbe and readinessProbe (httpGet on the health endpoints)."
    what, nothing = "serving container(s)", "no long-running workload has a container with ports"
    judge = staticmethod(_k8s_pods.judge_probes)

    def required(self, params: ProbesParams) -> str:
        live, ready = params.liveness or "any path", params.readiness or "any path"
        return f"liveness and readiness probes (liveness {live}, readiness {ready})"

    def run(  # type: ignore[override]  # also asks for the service's declared health paths
        self,
        params: ProbesParams,
        k8s_resources: K8sResources,
        k8s_workloads: tuple[Workload, ...],
        service: ServiceInfo,
    ) -> Outcome:
        declared = {
            "liveness": params.liveness or service.liveness,
            "readiness": params.readiness or service.readiness,
        }
        return super().run(params.model_copy(update=declared), k8s_resources, k8s_workloads)


class Pdb(K8sCheck[WaiveParams]):
    """Every workload with more than one replica has a PodDisruptionBudget.

    A Deployment, StatefulSet, ReplicaSet, ReplicationController or Rollout running more than
    one replica (declared, or an autoscaler's minimum) needs a PodDisruptionBudget in its
    namespace whose selector matches its pod labels. A budget with `maxUnavailable: 0`, or a
    `minAvailable` equal to the replicas (or 100%), blocks node drains and fails too.
    DaemonSets are left out: a drain does not evict them.
    """

    id = "k8s.pdb"
    kind = Kind.STATIC
    Params = WaiveParams
    fix = "Add a PodDisruptionBudget (policy/v1) selecting the pods, with maxUnavailable: 1."
    what, nothing = "replicated workload(s)", _REPLICATED_NONE
    requirement = "a PodDisruptionBudget that allows evictions"
    judge = staticmethod(_k8s_scaling.judge_pdb)


class Hpa(K8sCheck[HpaParams]):
    """A HorizontalPodAutoscaler with replica bounds and targets within policy.

    Every serving Deployment, StatefulSet and Rollout is scaled by a HorizontalPodAutoscaler
    (autoscaling/v2, v2beta2, v2beta1 or v1) or a KEDA ScaledObject whose minimum is at least
    `min_replicas`, whose maximum is at most `max_replicas` (the ceiling the capacity plan
    allows) and above its minimum, and whose CPU and memory utilisation targets are at most
    `cpu_target` and `memory_target` percent (an HPA without metrics scales on 80 % CPU).
    """

    id = "k8s.hpa"
    kind = Kind.STATIC
    Params = HpaParams
    fix = "Add an autoscaling/v2 HorizontalPodAutoscaler with the policy's bounds and targets."
    what, nothing = "serving workload(s)", "no serving Deployment, StatefulSet or Rollout"
    judge = staticmethod(_k8s_scaling.judge_hpa)

    def required(self, params: HpaParams) -> str:
        targets = {"cpu": params.cpu_target, "memory": params.memory_target}
        wanted = "".join(f", {name} <= {value}%" for name, value in targets.items() if value)
        return f"{params.min_replicas}-{params.max_replicas} replicas{wanted}"


class RollingUpdate(K8sCheck[WaiveParams]):
    """Deployments use RollingUpdate with a bounded maxUnavailable.

    Deployments, DaemonSets and StatefulSets must update by RollingUpdate (Recreate and
    OnDelete fail), and `maxUnavailable` may not take every replica down at once (100 %, or a
    count at least the replicas); a Deployment with both maxUnavailable and maxSurge 0 fails.
    """

    id = "k8s.rolling-update"
    kind = Kind.STATIC
    Params = WaiveParams
    fix = "Use strategy.type RollingUpdate with maxUnavailable below the replica count (25%)."
    nothing = "no Deployment, DaemonSet or StatefulSet"
    requirement = "RollingUpdate with maxUnavailable below the replicas"
    judge = staticmethod(_k8s_scaling.judge_rolling_update)


class SecurityContext(K8sCheck[WaiveParams]):
    """Containers run as non-root, read-only root filesystem, no privilege escalation, capabilities dropped.

    For every container and init container, with the pod's securityContext merged under the
    container's: runAsNonRoot true (or a non-zero runAsUser), readOnlyRootFilesystem true,
    allowPrivilegeEscalation false, capabilities.drop ALL, not privileged; and the pod does
    not share the node's network, PID or IPC namespace. One finding per missing setting.
    """  # noqa: E501 -- the first line is the catalog title, kept whole

    id = "k8s.security-context"
    kind = Kind.STATIC
    Params = WaiveParams
    fix = (
        "Set securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true, "
        "allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}."
    )
    what, nothing = "container(s)", _WORKLOADS_NONE
    requirement = "non-root, read-only root filesystem, no escalation, capabilities dropped"
    judge = staticmethod(_k8s_pods.judge_security)


class ImageTags(K8sCheck[ImageParams]):
    """Container images are not tagged latest or untagged.

    Every container image names a tag other than `latest`, or a digest (best); with
    `strict = true` every image must be pinned by digest. Image overrides of a Kustomization
    in the repository (`images: newTag / digest`) are applied first. An image that is a
    placeholder (`${IMAGE}`) cannot be judged.
    """

    id = "k8s.image-tags"
    kind = Kind.STATIC
    Params = ImageParams
    fix = "Pin the image to a version tag, or better a digest (image@sha256:...)."
    what, nothing = "container(s)", _WORKLOADS_NONE
    judge = staticmethod(_k8s_pods.judge_images)

    def required(self, params: ImageParams) -> str:
        return "images pinned by digest" if params.strict else "a tag other than latest"


class NetworkPolicy(K8sCheck[NetworkParams]):
    """A NetworkPolicy selects every workload.

    Every workload's pods are selected, for ingress, by at least one NetworkPolicy of their
    namespace (an empty podSelector selects all); Calico and Cilium policies with simple
    selectors count. With `allowed_ips`, every ipBlock (Calico `nets`, Cilium `fromCIDR`) in
    an ingress rule must lie within those ranges; 0.0.0.0/0 fails.
    """

    id = "k8s.network-policy"
    kind = Kind.STATIC
    Params = NetworkParams
    fix = "Add a NetworkPolicy for the namespace (default deny, then allow what is needed)."
    judge = staticmethod(judge_network_policies)

    def required(self, params: NetworkParams) -> str:
        within = f"; ingress sources within {', '.join(params.allowed_ips)}"
        return "a NetworkPolicy selecting every workload" + (within if params.allowed_ips else "")


class Replicas(K8sCheck[ReplicasParams]):
    """Serving workloads run at least two replicas.

    Every serving workload (long-running, with container ports; DaemonSets left out) runs at
    least `min` replicas: declared, or as the minimum of an autoscaler that scales it. A bare
    Pod serving traffic is one replica.
    """

    id = "k8s.replicas"
    kind = Kind.STATIC
    Params = ReplicasParams
    fix = "Raise spec.replicas (or the autoscaler's minReplicas) to at least the minimum."
    what, nothing = "serving workload(s)", _SERVING_NONE
    requirement = "at least {min} replicas"
    judge = staticmethod(_k8s_scaling.judge_replicas)


class Spread(K8sCheck[WaiveParams]):
    """Replicas are spread by anti-affinity or topology spread constraints.

    A workload running more than one replica has a podAntiAffinity term (required or
    preferred) or a topologySpreadConstraint on hostname, zone or region whose label selector
    picks its own pods (or that uses matchLabelKeys).
    """

    id = "k8s.spread"
    kind = Kind.STATIC
    Params = WaiveParams
    fix = "Add topologySpreadConstraints (topologyKey: kubernetes.io/hostname) for the pods."
    what, nothing = "replicated workload(s)", _REPLICATED_NONE
    requirement = "pods spread over hosts or zones"
    judge = staticmethod(_k8s_scaling.judge_spread)


class ServiceExposure(K8sCheck[ServiceParams]):
    """Serving workloads are exposed through a load-balanced Service.

    Every serving workload is selected by a Service of its namespace whose targetPort names a
    container port. With `session_affinity`, the Service sets `sessionAffinity: ClientIP`
    (or an ingress sticky-session annotation or an Istio consistentHash does it). With
    `algorithm`, an ingress annotation or an Istio DestinationRule must choose that algorithm;
    Kubernetes Services choose none, so without such a setting that part is unknown.
    """

    id = "k8s.service"
    kind = Kind.STATIC
    Params = ServiceParams
    fix = "Add a Service whose selector matches the pod labels and targetPort a container port."
    what, nothing = "serving workload(s)", _SERVING_NONE
    judge = staticmethod(judge_services)

    def required(self, params: ServiceParams) -> str:
        extra = (", session affinity" if params.session_affinity else "") + (
            f", {params.algorithm} balancing" if params.algorithm else ""
        )
        return "a Service for every serving workload" + extra


class IngressTls(K8sCheck[WaiveParams]):
    """Every Ingress terminates TLS.

    Every Ingress has `spec.tls` covering the host of each rule (a wildcard covers one
    label); Gateway API Gateways serve no plain HTTP on port 443 and give HTTPS listeners a
    certificate; an HTTPRoute attached only to plain HTTP listeners fails unless it redirects
    to https; Istio Gateway HTTP servers redirect to HTTPS.
    """

    id = "k8s.ingress-tls"
    kind = Kind.STATIC
    Params = WaiveParams
    fix = "Add spec.tls with a certificate Secret covering every host (cert-manager can issue it)."
    what = "ingress resource(s)"
    nothing = "no Ingress, Gateway or HTTPRoute in the Kubernetes manifests"
    requirement = "TLS on every host"
    judge = staticmethod(_k8s_mesh.judge_ingress_tls)


class MeshMtls(K8sCheck[MeshParams]):
    """Service-mesh mutual TLS is strict where a mesh is present (Istio, Linkerd).

    Istio (istio.io resources, `istio-injection` / `istio.io/rev` namespace labels, sidecar
    injection on pods): every long-running workload is covered by a STRICT PeerAuthentication
    (its own, its namespace's, or the mesh-wide one in `root_namespace`), no port is left
    PERMISSIVE, and no DestinationRule turns TLS off for in-mesh hosts. Linkerd meshes
    (`linkerd.io/inject: enabled`) encrypt pod-to-pod traffic with mTLS by default and pass.
    """

    id = "k8s.mesh-mtls"
    kind = Kind.STATIC
    Params = MeshParams
    fix = "Add a PeerAuthentication with mtls.mode STRICT in the Istio root namespace."
    what, nothing = "meshed workload(s) and DestinationRule(s)", "no service mesh found"
    requirement = "strict mutual TLS"
    judge = staticmethod(_k8s_mesh.judge_mesh)

    def finish(
        self, report: Report, params: MeshParams, k8s: K8sResources, checked: int
    ) -> Outcome:
        outcome = super().finish(report, params, k8s, checked)
        return _k8s_mesh.linkerd_note(outcome, report)
