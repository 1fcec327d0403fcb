from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from corpus import CORPUS
from pydantic import ValidationError

from golive.checks import kubernetes as k8s
from golive.checks._k8s_base import K8sCheck
from golive.checks._manifests import load_manifests
from golive.checks.fixtures import ServiceInfo
from golive.checks.registry import planned_checks
from golive.checks.repository import Repository
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "k8s"
GOOD, BAD, MULTI = DATA / "good", DATA / "bad", DATA / "multi-ns"
SHOP = ServiceInfo(name="shop", liveness="/healthz", readiness="/ready")
CHECKS: list[type[K8sCheck[Any]]] = [
    k8s.Schema,
    k8s.Resources,
    k8s.Probes,
    k8s.Pdb,
    k8s.Hpa,
    k8s.RollingUpdate,
    k8s.SecurityContext,
    k8s.ImageTags,
    k8s.NetworkPolicy,
    k8s.Replicas,
    k8s.Spread,
    k8s.ServiceExposure,
    k8s.IngressTls,
    k8s.MeshMtls,
]
POLICY: dict[str, dict[str, Any]] = {  # what the built-in profiles pass
    "k8s.network-policy": {"allowed_ips": ["10.0.0.0/8", "172.16.0.0/12"]},
    "k8s.service": {"algorithm": "least_connections", "session_affinity": True},
    "k8s.hpa": {"min_replicas": 2, "max_replicas": 10, "cpu_target": 70, "memory_target": 80},
}
corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")


def _run(check: type[K8sCheck[Any]], root: Path, **params: Any) -> Outcome:
    return run_check(check, root, service=SHOP, **{**POLICY.get(check.id, {}), **params})


def _messages(outcome: Outcome) -> list[str]:
    return [f"{f.location}: {f.message}" for f in outcome.findings]


# --- the contract -------------------------------------------------------------------------------


def test_params_accept_the_planned_parameters_and_waive() -> None:
    planned = {p.id: p for p in planned_checks()}
    for check in CHECKS:
        fields = set(check.Params.model_fields)
        if check.id in planned:
            assert set(planned[check.id].params) <= fields, check.id
            assert planned[check.id].title == check.title().rstrip("."), check.id
        assert "waive" in fields, check.id


def test_bad_parameters_are_configuration_errors() -> None:
    with pytest.raises(ValidationError, match="not a Kubernetes version"):
        k8s.Schema.Params.model_validate({"kubernetes_version": "latest"})
    with pytest.raises(ValidationError, match="does not appear to be an IPv4 or IPv6 network"):
        k8s.NetworkPolicy.Params.model_validate({"allowed_ips": ["10.0.0.0/33"]})


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_a_well_configured_service_passes(check: type[K8sCheck[Any]]) -> None:
    outcome = _run(check, GOOD)
    assert outcome.status is Status.PASS, (outcome.summary, _messages(outcome))


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_a_repository_without_manifests_is_not_applicable(check: type[K8sCheck[Any]]) -> None:
    outcome = _run(check, DATA / "empty")
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary


@pytest.mark.parametrize("check", CHECKS[1:], ids=lambda c: c.id)
def test_an_unreadable_manifest_makes_the_others_unknown(check: type[K8sCheck[Any]]) -> None:
    outcome = _run(check, DATA / "broken")
    assert outcome.status is Status.UNKNOWN
    assert "1 manifest file(s) could not be read" in outcome.summary


# --- k8s.schema ---------------------------------------------------------------------------------


def test_schema_fails_removed_versions_unknown_kinds_fields_and_missing_required() -> None:
    outcome = _run(k8s.Schema, BAD)
    assert outcome.status is Status.FAIL
    assert _messages(outcome) == [
        "app.yaml:1:13: Deployment/legacy: extensions/v1beta1 Deployment was removed in "
        "Kubernetes 1.16; use apps/v1",
        "app.yaml:128:1: Job/migrate: missing required field spec.template",
        "policy.yaml:30:13: PodDisruptionBudget/legacy: policy/v1beta1 PodDisruptionBudget was "
        "removed in Kubernetes 1.25; use policy/v1",
        "policy.yaml:102:1: Widget/mystery: unknown kind Widget (example.com/v1): no "
        "CustomResourceDefinition in the repository defines it, and example.com is not a known "
        "operator group",
        "app.yaml:25:3: Deployment/web: unknown field replica in spec",
    ]
    assert outcome.facts["custom"] == 2  # the Istio PeerAuthentication and DestinationRule


def test_schema_accepts_the_service_level_resources_the_slo_check_reads(tmp_path: Path) -> None:
    documents = [
        ("sloth.slok.dev/v1", "PrometheusServiceLevel"),
        ("pyrra.dev/v1alpha1", "ServiceLevelObjective"),
        ("openslo/v1", "SLO"),
    ]
    (tmp_path / "slo.yaml").write_text(
        "---\n".join(
            f"apiVersion: {version}\nkind: {kind}\nmetadata:\n  name: greeter\nspec: {{}}\n"
            for version, kind in documents
        )
    )
    outcome = _run(k8s.Schema, tmp_path)
    assert outcome.status is Status.PASS, _messages(outcome)
    assert outcome.facts["custom"] == 3


def test_schema_for_an_older_cluster_warns_about_superseded_versions() -> None:
    outcome = _run(k8s.Schema, BAD, kubernetes_version="1.24", operator_groups=["example.com"])
    messages = _messages(outcome)
    assert outcome.status is Status.FAIL  # the extensions/v1beta1 Deployment is still gone
    assert any("policy/v1beta1 PodDisruptionBudget is deprecated" in m for m in messages)
    assert not any("Widget" in m for m in messages)
    assert outcome.facts["kubernetes_version"] == "1.24"


def test_schema_reads_an_unreadable_manifest_as_a_finding() -> None:
    outcome = _run(k8s.Schema, DATA / "broken")
    assert outcome.status is Status.FAIL
    assert _messages(outcome)[0].startswith("configmap.yaml:7:1: not valid YAML")


def test_schema_waivers_turn_failures_into_waived() -> None:
    waive = {
        "Deployment/legacy": "retired next sprint",
        "PodDisruptionBudget/*": "replaced with the new chart",
        "Widget/*": "vendor CRD installed by the platform",
        "Deployment/web": "typo fixed upstream",
        "Job/*": "generated",
        "Deployment/unused": "stale",
    }
    outcome = _run(k8s.Schema, BAD, waive=waive)
    assert outcome.status is Status.WAIVED
    assert all(f.message.startswith("waived: ") for f in outcome.findings)
    assert "retired next sprint" in outcome.summary
    assert outcome.facts["waivers_unused"] == "Deployment/unused"


# --- pods: resources, probes, security context, images -------------------------------------------


def test_resources_fail_missing_settings_and_a_request_over_its_limit() -> None:
    outcome = _run(k8s.Resources, BAD)
    assert _messages(outcome) == [
        "app.yaml:13:11: Deployment/legacy: container legacy sets no requests.cpu, "
        "requests.memory, limits.memory, limits.cpu",
        "app.yaml:43:11: Deployment/web: container web sets no limits.memory",
        "app.yaml:45:15: Deployment/web: container web requests more cpu (2) than its limit (1)",
    ]
    assert outcome.facts["findings"] == 3


def test_resources_count_limit_range_defaults_and_can_leave_out_cpu_limits() -> None:
    assert _run(k8s.Resources, GOOD).facts["from_limit_range"] == 2
    lenient = _run(k8s.Resources, BAD, cpu_limit=False)
    assert "limits.cpu" not in " ".join(_messages(lenient))


def test_probes_fail_missing_probes_and_a_path_that_is_not_the_health_endpoint() -> None:
    outcome = _run(k8s.Probes, BAD)
    assert _messages(outcome) == [
        "app.yaml:13:11: Deployment/legacy: container legacy has no livenessProbe",
        "app.yaml:13:11: Deployment/legacy: container legacy has no readinessProbe",
        "app.yaml:51:21: Deployment/web: container web: livenessProbe checks /, not the declared "
        "health endpoint /healthz",
    ]
    assert outcome.required == "liveness and readiness probes (liveness /healthz, readiness /ready)"


SILENT_SERVER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: model
spec:
  selector:
    matchLabels: {app: model}
  template:
    metadata:
      labels: {app: model}
    spec:
      containers:
        - name: model
          image: ghcr.io/acme/model:1.0
          args: ["--port=8080"]
---
apiVersion: v1
kind: Service
metadata:
  name: model
spec:
  selector: {app: model}
  ports:
    - port: 8080
"""


def test_a_workload_behind_a_service_is_serving_without_declared_ports(tmp_path: Path) -> None:
    (tmp_path / "model.yaml").write_text(SILENT_SERVER)
    outcome = _run(k8s.Probes, tmp_path)
    assert _messages(outcome) == [
        "model.yaml:13:11: Deployment/model: container model has no livenessProbe",
        "model.yaml:13:11: Deployment/model: container model has no readinessProbe",
    ]
    worker = SILENT_SERVER.partition("---")[0]  # no Service: a worker
    (tmp_path / "model.yaml").write_text(worker)
    assert _run(k8s.Probes, tmp_path).status is Status.NOT_APPLICABLE


def test_probes_paths_follow_the_item_then_the_service() -> None:
    outcome = run_check(k8s.Probes, GOOD, service=ServiceInfo(name="x"), liveness="/live")
    assert "checks /healthz, not the declared health endpoint /live" in _messages(outcome)[0]
    anything = run_check(k8s.Probes, GOOD, service=ServiceInfo(name="x"))
    assert anything.status is Status.PASS
    assert (
        anything.required == "liveness and readiness probes (liveness any path, readiness any path)"
    )


def test_security_context_reports_each_missing_setting_at_its_container() -> None:
    outcome = _run(k8s.SecurityContext, BAD)
    web = [m for m in _messages(outcome) if "Deployment/web" in m]
    assert web == [
        "app.yaml:36:7: Deployment/web: the pod sets hostNetwork: true",
        "app.yaml:58:13: Deployment/web: container web runs as root (runAsUser: 0)",
        "app.yaml:38:11: Deployment/web: container web does not set readOnlyRootFilesystem: true",
        "app.yaml:38:11: Deployment/web: container web does not set "
        "allowPrivilegeEscalation: false",
        "app.yaml:38:11: Deployment/web: container web does not drop ALL capabilities",
        "app.yaml:57:13: Deployment/web: container web is privileged",
    ]
    assert outcome.facts["findings"] == 14


def test_image_tags_fail_latest_and_untagged_and_strict_wants_digests() -> None:
    outcome = _run(k8s.ImageTags, BAD)
    assert _messages(outcome) == [
        "app.yaml:14:18: Deployment/legacy: container legacy image example/legacy has no tag "
        "(it means latest)",
        "app.yaml:39:18: Deployment/web: container web image example/web:latest uses the latest "
        "tag",
    ]
    strict = _run(k8s.ImageTags, GOOD, strict=True)
    assert strict.status is Status.FAIL
    assert [m.split(": ", 2)[2] for m in _messages(strict)] == [
        "init container migrate image registry.example.com/shop/api:1.4.2 is not pinned by "
        "digest (@sha256:...)",
        "container report image registry.example.com/shop/report:2.0.1 is not pinned by digest "
        "(@sha256:...)",
    ]


# --- scaling: pdb, hpa, rolling update, replicas, spread -----------------------------------------


def test_pdb_fails_missing_and_blocking_budgets() -> None:
    assert _messages(_run(k8s.Pdb, BAD)) == [
        "policy.yaml:35:3: PodDisruptionBudget/legacy: maxUnavailable: 0 blocks every voluntary "
        "eviction of Deployment/legacy",
        "policy.yaml:25:3: PodDisruptionBudget/db: minAvailable: 3 with 3 replicas of "
        "StatefulSet/db blocks every voluntary eviction",
    ]


def test_hpa_fails_bounds_and_targets_outside_policy() -> None:
    assert _messages(_run(k8s.Hpa, BAD)) == [
        "app.yaml:1:1: Deployment/legacy: no HorizontalPodAutoscaler (or KEDA ScaledObject) "
        "scales it",
        "policy.yaml:10:3: HorizontalPodAutoscaler/web: minimum 1 replicas, below 2",
        "policy.yaml:11:3: HorizontalPodAutoscaler/web: maximum 50 replicas, above 10",
        "policy.yaml:18:11: HorizontalPodAutoscaler/web: cpu target 90% is above the policy's 70%",
        "policy.yaml:1:1: HorizontalPodAutoscaler/web: no memory utilisation target (policy: 80%)",
        "app.yaml:60:1: StatefulSet/db: no HorizontalPodAutoscaler (or KEDA ScaledObject) scales it",
    ]


def test_hpa_memory_target_can_be_left_out_of_the_policy() -> None:
    outcome = _run(k8s.Hpa, BAD, memory_target=0)
    assert not any("memory" in m for m in _messages(outcome))
    assert outcome.required == "2-10 replicas, cpu <= 70%"


def test_rolling_update_fails_recreate_and_unbounded_max_unavailable() -> None:
    assert _messages(_run(k8s.RollingUpdate, BAD)) == [
        "app.yaml:30:11: Deployment/web: strategy.type is Recreate, not RollingUpdate",
        "app.yaml:73:7: StatefulSet/db: maxUnavailable: 3 can take down every replica at once",
    ]


def test_replicas_count_the_autoscaler_minimum() -> None:
    assert _messages(_run(k8s.Replicas, BAD)) == [
        "app.yaml:25:3: Deployment/web: autoscales from 1 replica(s), fewer than 2"
    ]
    assert _run(k8s.Replicas, BAD, min=1).status is Status.PASS


def test_spread_fails_no_terms_and_terms_that_miss_the_own_pods() -> None:
    assert _messages(_run(k8s.Spread, BAD)) == [
        "app.yaml:1:1: Deployment/legacy: 2 replicas with no podAntiAffinity or "
        "topologySpreadConstraints",
        "app.yaml:84:17: StatefulSet/db: its anti-affinity / topology spread terms do not select "
        "its own pods by hostname or zone",
    ]


# --- network: policies, services, ingress, mesh --------------------------------------------------


def test_network_policy_fails_unselected_workloads_and_ranges_outside_the_allowed() -> None:
    outcome = _run(k8s.NetworkPolicy, BAD)
    assert _messages(outcome) == [
        "app.yaml:1:1: Deployment/legacy: no NetworkPolicy selects its pods for ingress",
        "app.yaml:18:1: Deployment/web: no NetworkPolicy selects its pods for ingress",
        "policy.yaml:51:19: NetworkPolicy/open: ingress from 0.0.0.0/0 admits any address",
        "policy.yaml:53:19: NetworkPolicy/open: ingress from 192.168.0.0/16 is outside the "
        "allowed ranges (10.0.0.0/8, 172.16.0.0/12)",
    ]
    assert len(_messages(_run(k8s.NetworkPolicy, BAD, allowed_ips=[]))) == 2


def test_service_fails_missing_services_wrong_ports_and_no_affinity() -> None:
    outcome = _run(k8s.ServiceExposure, BAD)
    assert _messages(outcome) == [
        "app.yaml:1:1: Deployment/legacy: no Service selects its pods",
        "app.yaml:114:3: Service/web: no port targets a container port of Deployment/web "
        "(targets: 9090; container ports: 8080, http)",
        "app.yaml:107:1: Service/web: no session affinity for Deployment/web (sessionAffinity: "
        "ClientIP, a sticky ingress annotation or an Istio consistentHash)",
        "app.yaml:118:1: Service/db: no session affinity for StatefulSet/db (sessionAffinity: "
        "ClientIP, a sticky ingress annotation or an Istio consistentHash)",
    ]


def test_service_algorithm_is_unknown_when_nothing_chooses_one() -> None:
    outcome = run_check(
        k8s.ServiceExposure,
        MULTI,
        algorithm="round_robin",
        waive={"Deployment/team-b/*": "team b is reached through a queue"},
    )
    assert outcome.status is Status.UNKNOWN
    assert "Kubernetes Services do not choose a load-balancing algorithm" in outcome.summary
    assert outcome.findings[0].message.startswith("waived: team b is reached through a queue")


def test_service_algorithm_mismatch_is_a_finding_at_the_mesh_setting() -> None:
    outcome = _run(k8s.ServiceExposure, GOOD, algorithm="round_robin")
    assert _messages(outcome) == [
        "deploy/network.yaml:81:15: DestinationRule/shop/api: balances Deployment/shop/api by "
        "least, not round_robin"
    ]


def test_ingress_tls_fails_plain_ingresses_and_uncovered_hosts() -> None:
    assert _messages(_run(k8s.IngressTls, BAD)) == [
        "policy.yaml:55:1: Ingress/web: has no spec.tls: it serves plain HTTP",
        "policy.yaml:82:13: Ingress/partial: host b.example.com is not covered by spec.tls",
    ]


def test_ingress_tls_judges_gateway_api_listeners_and_routes() -> None:
    outcome = _run(k8s.IngressTls, DATA / "gateway")
    assert _messages(outcome) == [
        "routes.yaml:20:17: Gateway/infra/edge: listener wrong serves plain HTTP on port 443",
        "routes.yaml:59:3: HTTPRoute/infra/plain: attaches only to plain HTTP listeners",
    ]


def test_mesh_mtls_fails_permissive_peer_authentication_and_disabled_tls() -> None:
    messages = _messages(_run(k8s.MeshMtls, BAD))
    assert messages[0] == (
        "policy.yaml:90:11: PeerAuthentication/default: mtls.mode is PERMISSIVE, not STRICT, for "
        "Deployment/legacy"
    )
    assert messages[-1] == (
        "policy.yaml:100:13: DestinationRule/db: tls.mode DISABLE for db turns mutual TLS off"
    )


def test_mesh_mtls_passes_linkerd_noting_its_default_mtls() -> None:
    outcome = _run(k8s.MeshMtls, DATA / "linkerd")
    assert outcome.status is Status.PASS
    assert outcome.summary == (
        "Linkerd meshes 1 workload(s) and encrypts their traffic with mutual TLS by default"
    )


def test_mesh_mtls_without_a_mesh_is_not_applicable() -> None:
    outcome = _run(k8s.MeshMtls, MULTI)
    assert (outcome.status, outcome.summary) == (Status.NOT_APPLICABLE, "no service mesh found")


# --- other shapes: KEDA, autoscaling/v1, Cilium, Kustomize, annotations ---------------------------

EXTRAS = DATA / "extras"


def test_keda_scaled_objects_count_and_autoscaling_v1_cannot_target_memory() -> None:
    assert _messages(_run(k8s.Hpa, EXTRAS)) == [
        "workers.yaml:75:1: HorizontalPodAutoscaler/jobs/front: no memory utilisation target "
        "(policy: 80%) (autoscaling/v1 scales on CPU only)"
    ]


def test_cilium_policies_select_by_their_endpoint_selector() -> None:
    assert _messages(_run(k8s.NetworkPolicy, EXTRAS)) == [
        "workers.yaml:54:1: Deployment/jobs/front: no NetworkPolicy selects its pods for ingress"
    ]


def test_kustomize_tags_apply_and_a_placeholder_image_is_unknown() -> None:
    outcome = _run(k8s.ImageTags, EXTRAS)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == (
        "cannot decide: Deployment/jobs/front: container front image ${FRONT_IMAGE} is a "
        "placeholder"
    )
    assert outcome.facts["kustomize_overrides"] == 1


def test_ingress_annotations_give_affinity_and_choose_the_algorithm() -> None:
    assert _messages(_run(k8s.ServiceExposure, EXTRAS)) == [
        "workers.yaml:1:1: Deployment/jobs/worker: no Service selects its pods",
        "workers.yaml:95:5: Service/jobs/front: balances Deployment/jobs/front by round_robin, not "
        "least_connections",
    ]


# --- namespaces ------------------------------------------------------------------------------


def test_budgets_policies_and_services_only_count_in_their_own_namespace() -> None:
    assert _messages(_run(k8s.Pdb, MULTI)) == [
        "b.yaml:1:1: Deployment/team-b/api: no PodDisruptionBudget selects its pods (2 replicas)"
    ]
    assert _messages(_run(k8s.NetworkPolicy, MULTI)) == [  # the Calico policy selects app=web
        "a.yaml:1:1: Deployment/team-a/api: no NetworkPolicy selects its pods for ingress"
    ]
    assert _messages(_run(k8s.ServiceExposure, MULTI, session_affinity=False)) == [
        "b.yaml:1:1: Deployment/team-b/api: no Service selects its pods"
    ]


def test_a_namespace_wide_waiver_waives_and_reports_the_reason() -> None:
    outcome = _run(k8s.Pdb, MULTI, waive={"Deployment/team-b/*": "team b runs one zone only"})
    assert outcome.status is Status.WAIVED
    assert outcome.summary == "every problem is waived (1 finding(s)): team b runs one zone only"
    assert outcome.findings[0].message.startswith("waived: team b runs one zone only: ")


# --- the k8s_workloads fixture --------------------------------------------------------------------


def test_workloads_have_templates_containers_replicas_and_labels() -> None:
    repo = Repository.scan(GOOD)
    resources = k8s.k8s_resources(repo, load_manifests(repo))
    found = {w.ref: w for w in k8s.k8s_workloads(resources)}
    assert set(found) == {"Deployment/shop/api", "CronJob/shop/nightly-report"}
    api = found["Deployment/shop/api"]
    assert (api.replicas, api.replicas_declared, api.serving) == (3, True, True)
    assert [c.name for c in api.containers] == ["api"]
    assert [c.name for c in api.init_containers] == ["migrate"]
    assert api.labels == {"app": "api", "tier": "web"}
    assert api.strategy is not None and api.strategy["type"] == "RollingUpdate"
    report = found["CronJob/shop/nightly-report"]
    assert (report.long_running, report.serving, report.replicas) == (False, False, 1)


# --- Helm charts ----------------------------------------------------------------------------------


@pytest.fixture
def fake_helm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Puts a stand-in `helm` on PATH (helm is not installed here) that prints the recorded
    `helm template` output of tests/data/k8s/helm/shop.out."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helm = bin_dir / "helm"
    shutil.copy(DATA / "helm" / "fake-helm.sh", helm)
    helm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_HELM_OUTPUT", str(DATA / "helm" / "shop.out"))
    return helm


def test_a_rendered_chart_is_judged_at_its_template_lines(fake_helm: Path) -> None:
    outcome = _run(k8s.ImageTags, DATA / "chart")
    assert _messages(outcome) == [
        "deploy/shop/templates/deployment.yaml:19:18: Deployment/release-name-api: container "
        "api image registry.example.com/shop/api:latest uses the latest tag",
    ]
    replicas = _run(k8s.Replicas, DATA / "chart")
    assert _messages(replicas) == [
        "deploy/shop/templates/deployment.yaml:8:3: Deployment/release-name-api: declares 1 "
        "replica(s), fewer than 2"
    ]
    schema = _run(k8s.Schema, DATA / "chart")
    assert schema.status is Status.PASS
    assert schema.facts["charts_rendered"] == 1


def test_a_chart_helm_cannot_render_is_unknown(
    fake_helm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_HELM_FAIL", 'template: shop/templates/x.yaml:3: function "oops"')
    outcome = _run(k8s.Replicas, DATA / "chart")
    assert outcome.status is Status.UNKNOWN
    assert "`helm template` failed: Error: template: shop/templates/x.yaml:3" in outcome.summary


def test_a_chart_with_missing_dependencies_is_unknown_without_running_helm(
    fake_helm: Path,
) -> None:
    outcome = _run(k8s.Schema, DATA / "chart-deps")
    assert outcome.status is Status.UNKNOWN
    assert "dependencies missing from chart/charts/: postgresql" in outcome.summary


def test_charts_without_helm_are_unknown_never_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.defpath)
    if shutil.which("helm"):
        pytest.skip("helm is installed in a system directory")
    for check in (k8s.Schema, k8s.Replicas, k8s.ImageTags):
        outcome = _run(check, DATA / "chart")
        assert outcome.status is Status.UNKNOWN, check.id
        assert "helm is not installed" in outcome.summary


# --- the real-world corpus ------------------------------------------------------------------------


@corpus
def test_kube_prometheus_is_well_built() -> None:
    stack = CORPUS / "kube-prometheus"
    for check in (k8s.Resources, k8s.Pdb, k8s.NetworkPolicy, k8s.RollingUpdate, k8s.ImageTags):
        outcome = run_check(check, stack)
        assert outcome.status is Status.PASS, (check.id, _messages(outcome))
    security = run_check(k8s.SecurityContext, stack)
    assert _messages(security) == [
        "manifests/nodeExporter-daemonset.yaml:100:7: DaemonSet/monitoring/node-exporter: the pod "
        "sets hostNetwork: true",
        "manifests/nodeExporter-daemonset.yaml:101:7: DaemonSet/monitoring/node-exporter: the pod "
        "sets hostPID: true",
    ]
    waived = run_check(
        k8s.SecurityContext,
        stack,
        waive={"DaemonSet/monitoring/node-exporter": "node metrics need the host's namespaces"},
    )
    assert waived.status is Status.WAIVED


@corpus
def test_kubernetes_examples_fail_most_checks() -> None:
    examples = CORPUS / "kubernetes-examples"
    schema = run_check(k8s.Schema, examples)
    assert schema.status is Status.FAIL
    assert any("extensions/v1beta1 DaemonSet was removed" in m for m in _messages(schema))
    for check in (k8s.Resources, k8s.SecurityContext, k8s.NetworkPolicy, k8s.IngressTls):
        assert run_check(check, examples).status is Status.FAIL, check.id
    assert run_check(k8s.MeshMtls, examples).status is Status.NOT_APPLICABLE


@corpus
def test_argo_rollouts_are_workloads_and_the_chart_needs_helm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", os.defpath)
    rollouts = CORPUS / "argo-rollouts"
    replicas = run_check(k8s.Replicas, rollouts)
    assert any("Rollout/rollout-secret: declares 1 replica(s)" in m for m in _messages(replicas))
    assert not any("rollout-ref-deployment" in m for m in _messages(replicas))  # a template
    if not shutil.which("helm"):
        assert run_check(k8s.RollingUpdate, rollouts).status is Status.UNKNOWN


@corpus
def test_the_whole_corpus_is_judged_by_every_check_in_well_under_a_second() -> None:
    repo = Repository.scan(CORPUS)
    resources = k8s.k8s_resources(repo, load_manifests(repo))
    workloads = k8s.k8s_workloads(resources)
    started = time.perf_counter()
    for check in CHECKS:
        params = check.Params.model_validate(POLICY.get(check.id, {}))
        if check is k8s.Probes:
            k8s.Probes().run(params, resources, workloads, SHOP)  # type: ignore[arg-type]
        else:
            check().run(params, resources, workloads)
    assert time.perf_counter() - started < 0.5
