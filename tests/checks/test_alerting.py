from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from corpus import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from golive.checks import alerting
from golive.checks._alerting_categories import recognise
from golive.checks._alerting_promql import duration_seconds, scan, syntax_problem
from golive.checks._manifests import load_manifests
from golive.checks.alerting import (
    AlertQuality,
    AlertRouting,
    GrafanaDashboards,
    RequiredAlerts,
    SloDefinitionsDeclared,
)
from golive.checks.base import NoParams
from golive.checks.fixtures import ServiceInfo
from golive.checks.repository import Repository
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "alerting"
COMPLETE = DATA / "complete"
PLAIN = DATA / "plain-rules"
EMPTY = DATA / "empty"
BROKEN = DATA / "broken"
HELM = DATA / "helm"
OPERATOR = DATA / "operator"
KUBE_PROMETHEUS = CORPUS / "kube-prometheus" / "manifests"
needs_corpus = pytest.mark.skipif(
    not KUBE_PROMETHEUS.is_dir(), reason="the shared corpus (kube-prometheus) is not here"
)
ALL = [
    "service-down",
    "error-rate",
    "latency",
    "cpu",
    "memory",
    "disk",
    "cert-expiry",
    "burn-rate",
    "database",
    "security",
    "network-latency",
]
PAYMENTS = ServiceInfo(name="payments")


@pytest.fixture(autouse=True)
def _no_real_promtool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Findings are asserted exactly: a promtool installed on this machine stays out."""
    kept = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if not (Path(d) / "promtool").exists()
    ]
    monkeypatch.setenv("PATH", os.pathsep.join(kept))


def _places(outcome: Outcome) -> list[str]:
    return [f"{f.location} {f.message}" for f in outcome.findings]


# --- parameters: the planned names, plus waive ------------------------------------------------


def test_params_accept_the_planned_names() -> None:
    assert set(RequiredAlerts.Params.model_fields) == {"categories", "thresholds", "waive"}
    assert set(AlertQuality.Params.model_fields) == {"waive"}
    assert set(AlertRouting.Params.model_fields) == {"channels", "paging", "waive"}
    assert GrafanaDashboards.Params is NoParams
    assert set(SloDefinitionsDeclared.Params.model_fields) == {
        "availability",
        "error_rate",
        "latency",
        "waive",
    }


def test_the_profiles_parameters_validate() -> None:
    RequiredAlerts.Params.model_validate(
        {
            "categories": ["cpu", "memory", "disk", "network-latency"],
            "thresholds": {
                "cpu_usage": ">80%",
                "memory_usage": ">85%",
                "disk_usage": ">90%",
                "network_latency": ">100ms",
            },
        }
    )
    AlertRouting.Params.model_validate({"channels": ["pagerduty", "slack", "email", "sms"]})
    SloDefinitionsDeclared.Params.model_validate(
        {"availability": ">99.9%", "error_rate": "<1%", "latency": "<100ms"}
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"categories": ["uptime"]}, "unknown category uptime"),
        ({"categories": []}, "name at least one category"),
        ({"thresholds": {"service-down": ">1%"}}, 'no threshold applies to "service-down"'),
        ({"thresholds": {"cpu_usage": ">100ms"}}, "ms"),
        ({"thresholds": {"latency": True}}, "must be text"),
    ],
)
def test_bad_required_params_are_configuration_errors(
    params: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        RequiredAlerts.Params.model_validate(params)


def test_an_unknown_channel_is_a_configuration_error() -> None:
    with pytest.raises(ValidationError, match='unknown channel "carrier-pigeon"'):
        AlertRouting.Params.model_validate({"channels": ["carrier-pigeon"]})
    params = AlertRouting.Params.model_validate({"channels": ["Teams", "mail"]})
    assert params.channels == ["msteams", "email"]  # type: ignore[attr-defined]


def test_the_fixtures_are_shared_under_family_names() -> None:
    assert set(alerting.FIXTURES) == {"alert_rules", "alertmanager_configs", "slo_definitions"}


# --- alerts.required --------------------------------------------------------------------------


def test_required_every_category_of_the_complete_service_passes() -> None:
    outcome = run_check(RequiredAlerts, COMPLETE, categories=ALL)
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.summary.startswith("alerts cover service-down, error-rate")
    places = _places(outcome)
    assert "deploy/prometheus-rule.yaml:10:11 service-down: PaymentsDown (up == 0)" in places
    assert (
        'deploy/prometheus-rule.yaml:18:11 error-rate: PaymentsErrors (http_requests_total{code=~"5.."})'
        in places
    )
    assert any(
        p.startswith("deploy/prometheus-rule.yaml:111:11 burn-rate: PaymentsErrorBudgetBurn")
        for p in places
    )
    assert any("security: PaymentsAuthFailures" in p for p in places)
    assert outcome.facts["alerts"] == 11
    assert outcome.facts["recording_rules"] == 2


def test_required_defaults_to_the_four_basic_categories() -> None:
    outcome = run_check(RequiredAlerts, COMPLETE)
    assert outcome.status is Status.PASS
    assert outcome.observed == "found: service-down, error-rate, latency, cert-expiry"


def test_required_a_missing_category_fails_and_says_which() -> None:
    outcome = run_check(RequiredAlerts, PLAIN)  # no cert-expiry alert
    assert outcome.status is Status.FAIL
    assert outcome.summary == "no alert for cert-expiry"
    assert outcome.findings[0].message == "cert-expiry: no alerting rule's expression watches it"
    assert outcome.findings[0].location is not None


def test_required_reads_rules_embedded_in_a_configmap_at_their_manifest_line() -> None:
    outcome = run_check(RequiredAlerts, PLAIN, categories=["latency"])
    assert outcome.status is Status.PASS
    assert _places(outcome) == [
        "k8s/prometheus-config.yaml:11:13 latency: CheckoutLatencyHigh "
        "(histogram_quantile over http_server_request_duration_seconds_bucket)"
    ]


def test_required_no_alert_rules_fails() -> None:
    outcome = run_check(RequiredAlerts, EMPTY)
    assert outcome.status is Status.FAIL
    assert outcome.summary == "no alert rules found"


def test_required_an_unreadable_rule_file_is_unknown_not_a_failure() -> None:
    outcome = run_check(RequiredAlerts, BROKEN)
    assert outcome.status is Status.UNKNOWN
    assert "could not be read" in outcome.summary
    assert "rules/alerts.yml:6:8" in [str(f.location) for f in outcome.findings]


def test_required_rules_in_an_unrendered_helm_template_are_unknown() -> None:
    outcome = run_check(RequiredAlerts, HELM)
    assert outcome.status is Status.UNKNOWN
    assert "charts/orders/templates/prometheusrule.yaml" in outcome.summary


def test_required_slos_that_generate_burn_rate_alerts_cover_burn_rate() -> None:
    outcome = run_check(RequiredAlerts, OPERATOR, categories=["burn-rate", "error-rate", "latency"])
    assert outcome.status is Status.PASS, outcome.summary
    assert _places(outcome)[0] == (
        "slo/pyrra.yaml:7:11 burn-rate: pyrra SLO 'inventory-errors' "
        "(pyrra generates multi-window burn-rate alerts)"
    )


def test_required_thresholds_met_by_the_alert_levels() -> None:
    outcome = run_check(
        RequiredAlerts,
        COMPLETE,
        categories=["cpu", "memory", "disk", "network-latency", "cert-expiry", "error-rate"],
        thresholds={
            "cpu_usage": ">80%",
            "memory_usage": ">85%",
            "disk_usage": ">90%",
            "network_latency": ">100ms",
            "cert_expiry": "<14d",
            "error_rate": ">1%",
        },
    )
    assert outcome.status is Status.PASS, _places(outcome)
    assert outcome.facts["threshold.cpu"] == "PaymentsCPU fires at > 75%"
    assert outcome.facts["threshold.disk"] == "PaymentsDiskFull fires at < 10% (that is > 90%)"
    assert outcome.facts["threshold.cert-expiry"] == "PaymentsCertificateExpiring fires at < 21 d"
    assert "firing at cpu_usage >80%" in (outcome.required or "")


@pytest.mark.parametrize(
    ("key", "limit", "message"),
    [
        ("cpu", ">70%", "cpu: PaymentsCPU fires at > 75%; required: > 70% or earlier"),
        (
            "disk_usage",
            ">85%",
            "disk: PaymentsDiskFull fires at < 10% (that is > 90%); required: > 85% or earlier",
        ),
        (
            "cert_expiry",
            "<30d",
            "cert-expiry: PaymentsCertificateExpiring fires at < 21 d; required: < 30 d or earlier",
        ),
        (
            "latency",
            ">50ms",
            "latency: PaymentsSlow fires at > 100 ms; required: > 50 ms or earlier",
        ),
    ],
)
def test_required_an_alert_firing_later_than_the_threshold_fails(
    key: str, limit: str, message: str
) -> None:
    category = key.replace("_usage", "").replace("_", "-")
    outcome = run_check(RequiredAlerts, COMPLETE, categories=[category], thresholds={key: limit})
    assert outcome.status is Status.FAIL
    assert outcome.summary == "1 alert(s) fire later than the threshold"
    assert outcome.findings[0].message == message


def test_required_a_waived_threshold_failure_is_waived() -> None:
    outcome = run_check(
        RequiredAlerts,
        COMPLETE,
        categories=["cpu"],
        thresholds={"cpu": ">70%"},
        waive={
            "PrometheusRule/payments/payments/PaymentsCPU": "the CPU limit is generous",
            "Nothing/*": "stale",
        },
    )
    assert outcome.status is Status.WAIVED
    assert outcome.summary.endswith("waived: the CPU limit is generous")
    assert outcome.findings[0].message.startswith(
        "waived: the CPU limit is generous (cpu: PaymentsCPU"
    )
    assert outcome.facts["waivers_unused"] == "Nothing/*"


# --- alerts.quality ---------------------------------------------------------------------------


def test_quality_complete_alerts_pass() -> None:
    outcome = run_check(AlertQuality, COMPLETE)
    assert outcome.status is Status.PASS, _places(outcome)
    assert outcome.facts["exempt_from_for"] == 1  # the burn-rate alert fires at once by design


def test_quality_lists_each_problem_at_its_line() -> None:
    outcome = run_check(AlertQuality, PLAIN)
    assert outcome.status is Status.FAIL
    assert _places(outcome) == [
        "k8s/prometheus-config.yaml:11:13 CheckoutLatencyHigh: no summary or description annotation",
        "rules/alerts.yml:4:9 InstanceDown: no runbook_url annotation",
        "rules/alerts.yml:6:9 InstanceDown: `for: 30s`: it fires on the first evaluation that matches (at least 1m)",
        "rules/alerts.yml:11:9 HighErrorRate: no severity label",
        "rules/alerts.yml:36:9 TooManyRestarts: `for: 5 minutes` is not a duration",
        "rules/alerts.yml:17:9 HighErrorRate: duplicate of the alert at rules/alerts.yml:11:9 (same expression)",
    ]
    assert outcome.facts["exempt_from_for"] == 1  # Watchdog: vector(1)
    assert outcome.facts["duplicates"] == 1


def test_quality_waivers_cover_a_vendored_file() -> None:
    outcome = run_check(AlertQuality, PLAIN, waive={"rules/*": "vendored from upstream"})
    assert outcome.status is Status.FAIL  # the ConfigMap's rule is not covered
    assert outcome.findings[0].message.startswith("CheckoutLatencyHigh")
    assert (
        sum(f.message.startswith("waived: vendored from upstream") for f in outcome.findings) == 5
    )
    everything = run_check(
        AlertQuality,
        PLAIN,
        waive={"rules/*": "vendored from upstream", "ConfigMap/monitoring/*": "platform-owned"},
    )
    assert everything.status is Status.WAIVED
    assert everything.summary.endswith("waived: platform-owned; vendored from upstream")


def test_quality_without_alert_rules_is_not_applicable() -> None:
    assert run_check(AlertQuality, EMPTY).status is Status.NOT_APPLICABLE


def test_quality_an_unreadable_rule_file_is_unknown() -> None:
    assert run_check(AlertQuality, BROKEN).status is Status.UNKNOWN


BROKEN_EXPRESSION = """\
groups:
  - name: greeter
    rules:
      - alert: GreeterDown
        expr: up{job="greeter"} == 0 and (
        for: 2m
        labels: {severity: critical}
        annotations: {summary: down, runbook_url: "https://example.com/runbook#down"}
"""


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ('sum by (job) (rate(x{code=~"5.."}[5m])) > 0.1', None),
        ("histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m]))) > 0.5", None),
        ("up == 0 and (", "unclosed ("),
        ("rate(x[5m]))", "unexpected )"),
        ('x{a="b}', 'unterminated string "b}'),
        ("up ==", "it ends with =="),
        ("sum(x) by", "it ends with by"),
        ("  ", "the expression is empty"),
        ("{{ .Values.expr }} > 1", None),  # a template: not judged
    ],
)
def test_syntax_problems_that_no_parser_would_accept(expression: str, problem: str | None) -> None:
    assert syntax_problem(expression) == problem


def test_quality_an_expression_that_cannot_parse_fails_without_promtool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no promtool
    (tmp_path / "rules.yaml").write_text(BROKEN_EXPRESSION)
    outcome = run_check(AlertQuality, tmp_path)
    assert outcome.status is Status.FAIL
    assert _places(outcome) == [
        "rules.yaml:4:9 GreeterDown: the expression does not parse: unclosed ("
    ]


def _fake_promtool(directory: Path, script: str) -> None:
    tool = directory / "promtool"
    tool.write_text("#!/bin/sh\n" + script)
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)


@pytest.mark.slow
def test_quality_promtool_errors_are_findings_on_the_rule_they_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in prints what promtool prints for a bad rule (errors on stderr, each prefixed
    # with its file) and fails; it uses shell built-ins only, as PATH holds no promtool here.
    _fake_promtool(
        tmp_path,
        'shift 2\nfor f in "$@"; do echo "Checking $f"; [ -s "$f" ] || exit 9; done\n'
        'echo "  FAILED:" >&2\n'
        'echo "$1: 12:9: group \\"payments.availability\\", rule 2, \\"PaymentsErrors\\": '
        'could not parse expression: 1:5: parse error: unexpected <by>" >&2\n'
        "exit 1\n",
    )
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    outcome = run_check(AlertQuality, COMPLETE)
    assert outcome.status is Status.FAIL
    assert _places(outcome) == [
        'deploy/prometheus-rule.yaml:18:11 promtool: 12:9: group "payments.availability", rule 2, '
        '"PaymentsErrors": could not parse expression: 1:5: parse error: unexpected <by>'
    ]
    assert outcome.facts["promtool"] == "1 error(s)"


@pytest.mark.slow
def test_quality_a_clean_promtool_run_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_promtool(tmp_path, 'echo "  SUCCESS: 1 rules found"\nexit 0\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    outcome = run_check(AlertQuality, COMPLETE)
    assert outcome.status is Status.PASS
    assert outcome.facts["promtool"] == "no errors"
    assert "promtool" not in outcome.summary


# --- alerts.routing ---------------------------------------------------------------------------


def test_routing_every_channel_and_paging_for_critical_passes() -> None:
    outcome = run_check(AlertRouting, COMPLETE, channels=["pagerduty", "slack", "email", "sms"])
    assert outcome.status is Status.PASS, _places(outcome)
    assert _places(outcome) == [
        "monitoring/alertmanager.yml:22:5 pagerduty: receiver 'payments-pager'",
        "monitoring/alertmanager.yml:18:5 slack: receiver 'team-slack'",
        "monitoring/alertmanager.yml:25:5 email: receiver 'payments-email'",
        "monitoring/alertmanager.yml:28:5 sms: receiver 'payments-sms'",
        "monitoring/alertmanager.yml:7:7 critical alerts page through receiver 'payments-pager' (pagerduty)",
        "monitoring/alertmanager.yml:31:5 receiver 'unused' is not used by any route",
    ]


def test_routing_a_missing_channel_fails() -> None:
    outcome = run_check(AlertRouting, COMPLETE, channels=["opsgenie", "msteams"])
    assert outcome.status is Status.FAIL
    assert [f.message for f in outcome.findings[:2]] == [
        "no receiver that routes reach sends to opsgenie",
        "no receiver that routes reach sends to msteams",
    ]


@needs_corpus
def test_routing_critical_alerts_to_a_receiver_without_integration_fail() -> None:
    outcome = run_check(AlertRouting, KUBE_PROMETHEUS)
    assert outcome.status is Status.FAIL
    assert _places(outcome)[:2] == [
        "alertmanager-secret.yaml:14:5 no receiver that routes reach notifies anyone",
        "alertmanager-secret.yaml:56:9 critical alerts go to receiver 'Critical' (no integration), "
        "which does not page (opsgenie, pagerduty, victorops)",
    ]


def test_routing_reads_the_config_in_helm_values() -> None:
    outcome = run_check(AlertRouting, HELM, channels=["slack", "opsgenie"])
    assert outcome.status is Status.PASS
    assert (
        "charts/orders/values.yaml:8:11 critical alerts page through receiver 'orders-opsgenie' (opsgenie)"
        in _places(outcome)
    )


def test_routing_merges_alertmanagerconfig_resources_into_the_secret() -> None:
    outcome = run_check(AlertRouting, OPERATOR, channels=["email", "msteams", "pagerduty"])
    assert outcome.status is Status.PASS, _places(outcome)
    places = _places(outcome)
    assert (
        "monitoring/alertmanager-secret.yaml:8:3 email: receiver 'team-email'" in places
    )  # base64: at its key
    assert (
        "monitoring/alertmanagerconfig.yaml:10:9 critical alerts page through receiver 'inventory-pager' (pagerduty)"
        in places
    )
    assert outcome.facts["alertmanager_config_resources"] == 1


def test_routing_without_any_paging_rule_only_wants_the_channels() -> None:
    outcome = run_check(AlertRouting, HELM, channels=["slack"], paging=[])
    assert outcome.status is Status.PASS
    assert outcome.summary == "alerts reach slack"


def test_routing_without_alertmanager_configuration_is_unknown() -> None:
    outcome = run_check(AlertRouting, EMPTY, channels=["pagerduty"])
    assert outcome.status is Status.UNKNOWN
    assert "a sign-off can stand in" in outcome.summary


def test_routing_an_unreadable_configuration_is_unknown() -> None:
    outcome = run_check(AlertRouting, BROKEN)
    assert outcome.status is Status.UNKNOWN
    assert str(outcome.findings[0].location) == "monitoring/alertmanager.yml:5:4"


def test_routing_a_waived_configuration_is_waived() -> None:
    outcome = run_check(
        AlertRouting, HELM, channels=["pagerduty"], waive={"charts/orders/values.yaml": "dev only"}
    )
    assert outcome.status is Status.WAIVED
    assert (
        outcome.findings[0].message
        == "waived: dev only (no receiver that routes reach sends to pagerduty)"
    )


# --- dashboards.grafana -----------------------------------------------------------------------


def test_dashboards_a_json_dashboard_of_the_service_passes() -> None:
    outcome = run_check(GrafanaDashboards, COMPLETE, service=PAYMENTS)
    assert outcome.status is Status.PASS
    assert outcome.summary == "1 Grafana dashboard(s) (dashboard JSON)"
    assert _places(outcome) == ["dashboards/payments.json:1 dashboard JSON: Payments"]


def test_dashboards_not_mentioning_the_service_is_noted_not_failed() -> None:
    outcome = run_check(GrafanaDashboards, COMPLETE, service=ServiceInfo(name="orders-api"))
    assert outcome.status is Status.PASS
    assert outcome.summary.endswith("none mentions 'orders-api' or the metrics prefix orders_api_")


def test_dashboards_operator_resources_and_jsonnet_count() -> None:
    outcome = run_check(GrafanaDashboards, OPERATOR, service=ServiceInfo(name="inventory"))
    assert outcome.status is Status.PASS
    assert outcome.summary == "2 Grafana dashboard(s) (GrafanaDashboard, Jsonnet)"


def test_dashboards_none_fails_and_unreadable_is_unknown() -> None:
    assert run_check(GrafanaDashboards, EMPTY).status is Status.FAIL
    broken = run_check(GrafanaDashboards, BROKEN)
    assert broken.status is Status.UNKNOWN
    assert str(broken.findings[0].location) == "dashboards/overview.json:1:52"


# --- slo.definitions --------------------------------------------------------------------------


def test_slo_sloth_objectives_as_strict_as_required_pass() -> None:
    outcome = run_check(
        SloDefinitionsDeclared, COMPLETE, availability=">99.9%", error_rate="<1%", latency="<100ms"
    )
    assert outcome.status is Status.PASS, _places(outcome)
    assert _places(outcome) == [
        "slo/payments.sloth.yaml:7:16 sloth SLO 'requests-availability': availability 99.95%",
        "slo/payments.sloth.yaml:22:16 sloth SLO 'requests-latency': latency, 99% of requests under 100 ms",
    ]


def test_slo_any_slo_passes_without_limits() -> None:
    outcome = run_check(SloDefinitionsDeclared, OPERATOR)
    assert outcome.status is Status.PASS
    assert outcome.summary == "3 SLO(s) defined (openslo, pyrra)"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"error_rate": "<0.01%"},
            "error budget 0.05% (objective 99.95%) is less strict than error_rate < 0.01%",
        ),
        (
            {"latency": "p99.9 < 100ms"},
            "objective 99% of requests covers less than the p99.9 of latency p99.9 < 100 ms",
        ),
        ({"availability": ">99.99%"}, "objective 99.95% is less strict than availability > 99.99%"),
    ],
)
def test_slo_a_looser_objective_fails(params: dict[str, str], message: str) -> None:
    outcome = run_check(SloDefinitionsDeclared, COMPLETE, **params)
    assert outcome.status is Status.FAIL
    assert outcome.findings[0].message.endswith(message)


def test_slo_pyrra_objectives_below_the_limits_fail_at_their_target() -> None:
    outcome = run_check(SloDefinitionsDeclared, OPERATOR, availability=">99.9%", latency="<100ms")
    assert outcome.status is Status.FAIL
    assert _places(outcome)[:2] == [
        "slo/pyrra.yaml:7:11 pyrra SLO 'inventory-errors': objective 99.5% is less strict than availability > 99.9%",
        "slo/pyrra.yaml:22:11 pyrra SLO 'inventory-latency': latency bound 250 ms is less strict than latency p95 < 100 ms",
    ]


def test_slo_a_limit_without_its_kind_of_slo_fails(tmp_path: Path) -> None:
    (tmp_path / "slo.yaml").write_text(
        'version: "prometheus/v1"\nservice: api\nslos:\n  - name: availability\n'
        "    objective: 99.9\n    sli:\n      raw:\n        error_ratio_query: x\n"
    )
    outcome = run_check(SloDefinitionsDeclared, tmp_path, latency="<1s")
    assert outcome.status is Status.FAIL
    assert _places(outcome)[0] == (
        "slo.yaml:5:16 no latency SLO is declared; required: latency p95 < 1 s"
    )


def test_slo_waivers_cover_a_third_party_slo() -> None:
    outcome = run_check(
        SloDefinitionsDeclared,
        OPERATOR,
        availability=">99.9%",
        waive={"ServiceLevelObjective/inventory/inventory-errors": "owned by the vendor"},
    )
    assert outcome.status is Status.WAIVED
    assert outcome.summary.endswith("waived: owned by the vendor")


def test_slo_an_unreadable_file_leaves_the_limits_undecided(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(
        'version: "prometheus/v1"\nservice: api\nslos:\n  - name: availability\n'
        "    objective: 99.99\n"
    )
    (tmp_path / "bad.yaml").write_text(
        'version: "prometheus/v1"\nslos:\n  - name: x\n   objective: 9\n'
    )
    assert run_check(SloDefinitionsDeclared, tmp_path).status is Status.PASS
    outcome = run_check(SloDefinitionsDeclared, tmp_path, availability=">99.9%")
    assert outcome.status is Status.UNKNOWN
    assert str(outcome.findings[0].location) == "bad.yaml:4:4"


def test_slo_none_fails_and_unreadable_is_unknown() -> None:
    assert run_check(SloDefinitionsDeclared, EMPTY).status is Status.FAIL
    assert run_check(SloDefinitionsDeclared, BROKEN).status is Status.UNKNOWN


# --- where things hide ------------------------------------------------------------------------


def test_typed_lists_and_quoted_embedded_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "bundle.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMapList\nitems:\n"
        "  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: rules, namespace: ops}\n"
        '    data:\n      rules.yml: "groups:\\n- name: g\\n  rules:\\n  - alert: Down\\n'
        '    expr: up == 0\\n"\n'
        "  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: board}\n    data:\n"
        '      board.json: \'{"title": "Ops", "panels": []}\'\n'
    )
    required = run_check(RequiredAlerts, tmp_path, categories=["service-down"])
    assert required.status is Status.PASS
    # a quoted string has no lines of its own in the manifest: the finding is at its key
    assert _places(required) == ["bundle.yaml:8:7 service-down: Down (up == 0)"]
    dashboards = run_check(GrafanaDashboards, tmp_path)
    assert _places(dashboards) == ["bundle.yaml:13:7 ConfigMap: Ops"]


# --- the expression scanner --------------------------------------------------------------------


def test_scan_reads_metrics_windows_and_comparison_constants() -> None:
    expr = scan(
        "sum by(cluster) (apiserver_request:burnrate1h) > (14.40 * 0.01000) # page\n"
        "and on(cluster) sum by(cluster) (apiserver_request:burnrate5m) > (14.40 * 0.01000)"
    )
    assert expr.metrics == {"apiserver_request:burnrate1h", "apiserver_request:burnrate5m"}
    assert expr.windows == {300.0, 3600.0}
    assert [c.constant for c in expr.comparisons] == pytest.approx([0.144, 0.144])
    assert [r.category for r in recognise(expr)] == ["error-rate", "burn-rate"]


def test_scan_keeps_label_lists_and_matchers_out_of_the_metrics() -> None:
    expr = scan("100 * (count(up == 0) BY (cluster, job) / count(up) BY (cluster, job)) > 10")
    assert expr.metrics == {"up"}
    first = expr.comparisons[0]
    assert (first.op, first.constant, first.left_text) == ("==", 0.0, "up")
    assert [r.how for r in recognise(expr)] == ["up == 0"]


def test_the_name_of_an_alert_never_counts() -> None:
    assert recognise(scan("vector(1)")) == []
    assert [r.category for r in recognise(scan("node_filesystem_avail_bytes < 1e9"))] == ["disk"]


@pytest.mark.parametrize(
    ("expr", "categories"),
    [
        ('sum(rate(http_requests_total{code=~".+"}[5m])) > 100', []),  # every request
        ('rate(grpc_server_handled_total{grpc_code!="OK"}[5m]) > 1', ["error-rate"]),
        ('rate(http_requests_total{status=~"4.."}[5m]) > 1', []),  # 404s too: not auth
        ('rate(http_requests_total{status=~"40[13]"}[5m]) > 1', ["security"]),
        ("avg_over_time(probe_success[5m]) < 0.9", ["service-down"]),
        ("mysql_up == 0", ["database"]),
        ("increase(authentication_failures_total[5m]) > 10", ["security"]),
        ("x509_cert_not_after - time() < 86400 * 14", ["cert-expiry"]),
        ("rate(process_cpu_seconds_total[5m]) > 0.9", ["cpu"]),
        ("sum(rate(http_request_duration_seconds_count[5m])) > 1", []),  # a request count
    ],
)
def test_categories_of_typical_expressions(expr: str, categories: list[str]) -> None:
    assert [r.category for r in recognise(scan(expr))] == categories


def test_durations() -> None:
    assert duration_seconds("1h30m") == 5400
    assert duration_seconds("0s") == duration_seconds("0") == 0
    assert duration_seconds("5 minutes") is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='abcxyz_:{}[]()"=~!<>*/+-,.0123456789 \n#`', max_size=120))
def test_scan_never_raises(text: str) -> None:
    expr = scan(text)
    recognise(expr)


# --- the real world: kube-prometheus ------------------------------------------------------------


@needs_corpus
def test_kube_prometheus_covers_what_its_rules_watch() -> None:
    covered = ALL[:8]  # not database, security or network-latency
    outcome = run_check(RequiredAlerts, KUBE_PROMETHEUS, categories=covered)
    assert outcome.status is Status.PASS, _places(outcome)
    assert outcome.facts["alerts"] == 139
    assert "kubernetesControlPlane-prometheusRule.yaml" in str(outcome.findings[-1].location)
    missing = run_check(RequiredAlerts, KUBE_PROMETHEUS, categories=ALL)
    assert missing.summary == "no alert for database, security, network-latency"


@needs_corpus
def test_kube_prometheus_levels_are_read_from_the_real_rules() -> None:
    outcome = run_check(
        RequiredAlerts,
        KUBE_PROMETHEUS,
        categories=["cpu", "memory", "disk"],
        thresholds={"cpu_usage": ">80%", "memory_usage": ">85%", "disk_usage": ">90%"},
    )
    assert outcome.status is Status.FAIL
    assert [f.message for f in outcome.findings[:2]] == [
        "cpu: NodeCPUHighUsage fires at > 90%; required: > 80% or earlier",
        "memory: NodeMemoryHighUtilization fires at > 90%; required: > 85% or earlier",
    ]
    assert outcome.facts["threshold.disk"] == (
        "KubePersistentVolumeFillingUp fires at < 15% (that is > 85%)"
    )


@needs_corpus
def test_kube_prometheus_alerts_are_mostly_well_formed() -> None:
    outcome = run_check(AlertQuality, KUBE_PROMETHEUS)
    assert outcome.status is Status.FAIL
    assert outcome.facts["missing.severity"] == 0
    assert outcome.facts["missing.summary"] == 0
    assert outcome.facts["missing.runbook_url"] == 0
    assert outcome.facts["missing.for"] == 9  # KubeJobNotCompleted, certificate TTLs, ...
    assert outcome.facts["exempt_from_for"] == 6  # Watchdog, InfoInhibitor, 4 burn-rate alerts
    assert all("fires on the first evaluation" in f.message for f in outcome.findings)


@needs_corpus
def test_kube_prometheus_dashboards_in_a_configmap_list() -> None:
    outcome = run_check(GrafanaDashboards, KUBE_PROMETHEUS)
    assert outcome.status is Status.PASS
    assert outcome.facts["dashboards"] == 33


@needs_corpus
def test_kube_prometheus_is_checked_in_well_under_a_second() -> None:
    repo = Repository.scan(KUBE_PROMETHEUS)
    manifests = load_manifests(repo)  # shared with every family; not the alerting checks' time
    started = time.perf_counter()
    rules = alerting.alert_rules(repo, manifests)
    slos = alerting.slo_definitions(repo, manifests)
    configs = alerting.alertmanager_configs(repo, manifests)
    RequiredAlerts().run(RequiredAlerts.Params(categories=ALL), rules, slos)
    AlertQuality().run(AlertQuality.Params(), repo.root, rules)
    AlertRouting().run(AlertRouting.Params(), configs)
    GrafanaDashboards().run(NoParams(), repo, manifests, PAYMENTS)
    SloDefinitionsDeclared().run(SloDefinitionsDeclared.Params(), slos)
    assert time.perf_counter() - started < 1.0  # about 0.1 s here
