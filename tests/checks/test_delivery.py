"""Tests of the progressive delivery checks: canary and blue-green rollouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import CORPUS as SHARED_CORPUS
from pydantic import ValidationError

from golive.checks._delivery_conditions import Measure, classify, error_limit, range_limit
from golive.checks._delivery_model import go_duration
from golive.checks.delivery import BlueGreenRollouts, CanaryParams, CanaryRollouts
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).resolve().parents[1] / "data" / "delivery"
CORPUS = SHARED_CORPUS / "argo-rollouts" / "examples"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the real-world corpus is not at {CORPUS}"
)


def places(outcome: Outcome) -> set[tuple[str, str]]:
    """(rule, path:line) of every finding that is not evidence of a pass."""
    return {
        (finding.rule or "", f"{finding.location.path}:{finding.location.line}")
        for finding in outcome.findings
        if finding.location is not None and not finding.evidence
    }


def messages(outcome: Outcome, rule: str) -> list[str]:
    return [f.message for f in outcome.findings if f.rule == rule]


# --- delivery.canary ---------------------------------------------------------------------------


def test_canaries_that_follow_the_seed_policy_pass() -> None:
    outcome = run_check(CanaryRollouts, DATA / "canary-good")
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.summary == "all 2 canary rollouts follow the policy"
    evidence = {f.message.partition(":")[0]: f.message for f in outcome.findings}
    assert "held 31 m before full promotion" in evidence["Rollout/shop/api"]
    assert "rolls back above 1% errors (metric success-rate)" in evidence["Rollout/shop/api"]
    assert "succeeds only up to 1% errors (metric error-rate)" in evidence["Rollout/shop/api"]
    assert "held 45 m" in evidence["Canary/shop/web"]  # 9 weight steps x 5m
    assert outcome.facts["argo_rollouts"] == 1
    assert outcome.facts["flagger_canaries"] == 1
    assert outcome.facts["analysis_templates"] == 2
    assert outcome.observed == "2 pass"


def test_each_broken_rule_is_a_finding_at_its_field() -> None:
    outcome = run_check(CanaryRollouts, DATA / "canary-bad")
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("4 of 4 canary rollouts break the policy: ")
    assert places(outcome) == {
        ("delivery.canary/initial-traffic", "rollouts.yaml:23"),  # setWeight: 25
        ("delivery.canary/traffic-increment", "rollouts.yaml:25"),  # 25 -> 75
        ("delivery.canary/monitoring-window", "rollouts.yaml:22"),  # steps: 6m in total
        ("delivery.canary/rollback-trigger", "templates.yaml:9"),  # result[0] >= 0.95
        ("delivery.canary/success-criteria", "templates.yaml:9"),
        ("delivery.canary/rollback-trigger", "rollouts.yaml:45"),  # no analysis at all
        ("delivery.canary/rollback-trigger", "templates.yaml:25"),  # failureLimit >= count
        ("delivery.canary/success-criteria", "templates.yaml:25"),
        ("delivery.canary/initial-traffic", "flagger.yaml:13"),  # stepWeight: 20
        ("delivery.canary/traffic-increment", "flagger.yaml:14"),  # 50% -> 100% in one go
        ("delivery.canary/monitoring-window", "flagger.yaml:11"),  # 3 steps x 1m
        ("delivery.canary/rollback-trigger", "flagger.yaml:10"),  # only a webhook
        ("delivery.canary/success-criteria", "flagger.yaml:10"),
    }
    rollback = messages(outcome, "delivery.canary/rollback-trigger")
    assert "Rollout/no-analysis: no analysis: nothing rolls it back when errors rise" in rollback
    assert any("fails only above 5% errors (`result[0] >= 0.95`)" in m for m in rollback)
    assert any("failureLimit 3 with 3 measurement(s) never fails" in m for m in rollback)
    assert outcome.remediation == CanaryRollouts.fix
    assert outcome.facts["fail"] == 4


def test_weights_scale_to_max_traffic_weight_and_silenced_analyses_roll_nothing_back() -> None:
    outcome = run_check(CanaryRollouts, DATA / "odd")
    assert outcome.status is Status.FAIL
    assert places(outcome) == {
        ("delivery.canary/rollback-trigger", "rollout.yaml:44"),  # dryRun: error-.*
        ("delivery.canary/success-criteria", "rollout.yaml:44"),
        ("delivery.canary/rollback-trigger", "canary.yaml:10"),  # skipAnalysis: true
    }
    assert any("dryRun lists it" in f.message for f in outcome.findings)
    assert any("skipAnalysis: true" in f.message for f in outcome.findings)


def test_an_item_judges_only_the_rules_its_parameters_name() -> None:
    outcome = run_check(CanaryRollouts, DATA / "canary-bad", initial_traffic="10%")
    assert {rule for rule, _ in places(outcome)} == {"delivery.canary/initial-traffic"}
    assert outcome.required == "first step <= 10%"
    assert outcome.facts["rules"] == "initial_traffic"
    loose = run_check(CanaryRollouts, DATA / "canary-bad", traffic_increment="40%")
    assert places(loose) == {
        ("delivery.canary/traffic-increment", "rollouts.yaml:25"),  # +50 points
        ("delivery.canary/traffic-increment", "flagger.yaml:14"),  # +50 points at promotion
    }


def test_error_limits_are_compared_with_the_policy() -> None:
    strict = run_check(CanaryRollouts, DATA / "canary-good", rollback_trigger="error_rate > 0.5%")
    assert strict.status is Status.FAIL
    assert places(strict) == {
        ("delivery.canary/rollback-trigger", "analysis/templates.yaml:31"),  # >= 0.99
        ("delivery.canary/rollback-trigger", "flagger.yaml:21"),  # thresholdRange min: 99
    }
    as_success = run_check(
        CanaryRollouts, DATA / "canary-good", rollback_trigger="success_rate < 98%"
    )
    assert as_success.status is Status.PASS
    finer = run_check(CanaryRollouts, DATA / "canary-good", success_criteria="error_rate < 0.5%")
    assert finer.status is Status.FAIL
    assert any("accepts up to 1% errors as a success" in f.message for f in finer.findings)


def test_a_policy_metric_that_is_not_an_error_rate_is_a_configuration_error() -> None:
    with pytest.raises(ValidationError, match="is not an error rate"):
        CanaryParams.model_validate({"rollback_trigger": "latency_ratio > 2%"})


def test_an_untimed_pause_makes_the_monitoring_window_a_warning() -> None:
    outcome = run_check(CanaryRollouts, DATA / "canary-manual", monitoring_window="30m")
    assert outcome.status is Status.WARN
    assert places(outcome) == {("delivery.canary/monitoring-window", "rollout.yaml:23")}
    assert "automated holds total 5 m" in outcome.findings[0].message


def test_a_template_not_in_the_repository_is_unknown_and_named() -> None:
    outcome = run_check(CanaryRollouts, DATA / "canary-unresolved")
    assert outcome.status is Status.UNKNOWN
    assert "AnalysisTemplate platform-error-rate is not in the repository" in outcome.summary
    assert ("delivery.canary/rollback-trigger", "rollout.yaml:19") in places(outcome)


def test_no_canary_is_not_applicable_and_says_what_is_there() -> None:
    outcome = run_check(CanaryRollouts, DATA / "plain")
    assert outcome.status is Status.NOT_APPLICABLE
    assert "1 Deployment(s) roll out with the plain Kubernetes rolling update" in outcome.summary
    assert "1 Flagger A/B test(s) route by header instead" in outcome.summary
    blue_green_only = run_check(CanaryRollouts, DATA / "bluegreen-good")
    assert blue_green_only.status is Status.NOT_APPLICABLE
    assert "judged by delivery.blue-green" in blue_green_only.summary


def test_an_unreadable_rollout_file_is_unknown_not_a_pass() -> None:
    outcome = run_check(CanaryRollouts, DATA / "broken")
    assert outcome.status is Status.UNKNOWN
    assert places(outcome) == {("delivery.canary/unreadable", "rollout.yaml:10")}
    assert "cannot be read" in outcome.summary


def test_waivers_cover_failures_and_report_the_unused_ones() -> None:
    waive = {
        "Rollout/*": "demo rollouts of the vendor",
        "Canary/checkout": "owned by the checkout team",
        "Rollout/legacy/*": "retired",
    }
    outcome = run_check(CanaryRollouts, DATA / "canary-bad", waive=waive)
    assert outcome.status is Status.WAIVED
    assert "demo rollouts of the vendor" in outcome.summary
    assert "owned by the checkout team" in outcome.summary
    assert all(f.message.startswith("waived: ") for f in outcome.findings)
    assert outcome.facts["waivers_unused"] == "Rollout/legacy/*"
    assert outcome.facts["waived"] == 4
    partly = run_check(CanaryRollouts, DATA / "canary-bad", waive={"Canary/*": "not ours"})
    assert partly.status is Status.FAIL
    assert sum(f.message.startswith("waived: not ours: Canary/checkout") for f in partly.findings)


# --- delivery.blue-green -----------------------------------------------------------------------


def test_a_blue_green_rollout_with_analysis_and_delay_passes() -> None:
    outcome = run_check(BlueGreenRollouts, DATA / "bluegreen-good")
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.summary == "the blue-green rollout follows the policy"
    evidence = outcome.findings[0].message
    assert outcome.observed == evidence  # one rollout: what it does, not a count
    assert "rolls back above 5% errors (metric error-rate)" in evidence
    assert "previous version kept 10 m after the switch" in evidence


def test_a_blue_green_rollout_without_analysis_fails_each_rule() -> None:
    outcome = run_check(BlueGreenRollouts, DATA / "bluegreen-bad")
    assert outcome.status is Status.FAIL
    assert places(outcome) == {
        ("delivery.blue-green/pre-promotion", "rollout.yaml:23"),  # blueGreen: no analysis
        ("delivery.blue-green/health-check-interval", "rollout.yaml:20"),  # periodSeconds: 60
        ("delivery.blue-green/health-check-timeout", "rollout.yaml:21"),  # timeoutSeconds: 20
        ("delivery.blue-green/traffic-switch", "rollout.yaml:23"),  # scaleDownDelaySeconds 30
    }
    assert any("default 30" in m for m in messages(outcome, "delivery.blue-green/traffic-switch"))


def test_a_manual_promotion_gate_without_analysis_is_a_warning() -> None:
    outcome = run_check(BlueGreenRollouts, DATA / "bluegreen-manual", rollback_threshold=">5%")
    assert outcome.status is Status.WARN
    assert "autoPromotionEnabled: false leaves the promotion to a person" in outcome.summary


def test_a_timeout_rule_with_nothing_to_read_is_unknown() -> None:
    outcome = run_check(BlueGreenRollouts, DATA / "bluegreen-manual", health_check_timeout="10s")
    assert outcome.status is Status.UNKNOWN
    assert "no container has a readiness probe" in outcome.summary
    alongside = run_check(BlueGreenRollouts, DATA / "bluegreen-manual")
    assert alongside.facts["undetermined"] == 1  # judged with the other rules: facts only


def test_flagger_blue_green_is_judged_on_its_analysis_interval_and_switch() -> None:
    outcome = run_check(BlueGreenRollouts, DATA / "bluegreen-flagger")
    assert outcome.status is Status.FAIL
    assert places(outcome) == {
        ("delivery.blue-green/health-check-interval", "canary.yaml:15"),  # interval: 1m
        ("delivery.blue-green/traffic-switch", "canary.yaml:14"),
    }
    rollback = run_check(BlueGreenRollouts, DATA / "bluegreen-flagger", rollback_threshold=">5%")
    assert rollback.status is Status.PASS
    strict = run_check(BlueGreenRollouts, DATA / "bluegreen-flagger", rollback_threshold=">0.5%")
    assert places(strict) == {("delivery.blue-green/rollback-threshold", "canary.yaml:21")}


def test_no_blue_green_rollout_is_not_applicable() -> None:
    outcome = run_check(BlueGreenRollouts, DATA / "canary-good")
    assert outcome.status is Status.NOT_APPLICABLE
    assert "2 other rollout(s) are judged by delivery.canary" in outcome.summary


def test_a_blue_green_rollout_in_a_helm_chart_is_unknown() -> None:
    outcome = run_check(BlueGreenRollouts, DATA / "broken")
    assert outcome.status is Status.UNKNOWN
    assert places(outcome) == {("delivery.blue-green/unreadable", "chart/templates/rollout.yaml:2")}
    assert "Helm chart chart, which golive does not render" in outcome.summary


# --- reading metrics, conditions and durations --------------------------------------------------

_SUCCESS_QUERY = (
    'sum(irate(istio_requests_total{reporter="source",response_code!~"5.*"}[5m])) /\n'
    'sum(irate(istio_requests_total{reporter="source"}[5m]))'
)
_ERROR_QUERY = _SUCCESS_QUERY.replace("!~", "=~")


@pytest.mark.parametrize(
    ("name", "query", "condition", "failure", "expected"),
    [
        ("success-rate", _SUCCESS_QUERY, "result[0] >= 0.95", False, 0.05),
        ("success-rate", _SUCCESS_QUERY, "result >= 0.95", True, None),  # bounds nothing
        ("error-rate", _ERROR_QUERY, "result <= 0.95", False, 0.95),
        ("error-rate", _ERROR_QUERY, "len(result) == 0 || result[0] < 0.02", False, 0.02),
        ("error-rate", _ERROR_QUERY, "result[0] > 0.02 || result[0] > 0.05", True, 0.02),
        ("error-rate", _ERROR_QUERY, "0.01 < result[0]", True, 0.01),
        ("errors", f"({_ERROR_QUERY}) * 100", "result[0] > 2", True, 0.02),
        ("webmetric", "{$.results.ok}", "result == 'true'", False, None),
        ("webmetric", "{$.results.successPercent}", "asFloat(result) >= 0.90", False, 0.1),
        ("success-rate", "{$.data.value}", "asFloat(result) >= 0.90", False, 0.1),
        ("availability", f"1 - ({_ERROR_QUERY})", "result[0] < 0.99", True, 0.01),
        (
            "latency",
            "histogram_quantile(0.99, sum(rate(x_bucket[5m])) by (le))",
            "result < 0.5",
            False,
            None,
        ),
    ],
)
def test_error_limits_of_argo_conditions(
    name: str, query: str, condition: str, failure: bool, expected: float | None
) -> None:
    limit = error_limit(classify(name, query), condition, failure=failure)
    assert limit == pytest.approx(expected) if expected is not None else limit is None


@pytest.mark.parametrize(
    ("name", "query", "measure"),
    [
        ("m", 'sum(rate(x{status_code=~"5.."}[1m])) / sum(rate(x[1m]))', Measure.ERROR_RATE),
        ("m", 'sum(rate(x{code=~"2.."}[1m])) / sum(rate(x[1m]))', Measure.SUCCESS_RATE),
        ("m", "filter(sum(r), WHERE status >= '500') / sum(r) * 100", Measure.ERROR_RATE),
        ("m", 'sum(rate(x{response_code!="404"}[1m])) / sum(rate(x[1m]))', Measure.UNCLEAR),
        ("total-errors", 'sum(irate(x{response_code=~"5.*"}[5m]))', Measure.ERROR_COUNT),
        ("random-fail", "", Measure.UNCLEAR),  # a job: the name alone is not a rate
        (
            "app error rate",
            '[{"Expression": "m1 / m2", "MetricName": "ErrorCount"}]',
            Measure.ERROR_RATE,
        ),
        ("p99", "histogram_quantile(0.99, sum(rate(latency_bucket[1m])) by (le))", Measure.OTHER),
    ],
)
def test_what_a_query_measures(name: str, query: str, measure: Measure) -> None:
    assert classify(name, query).measure is measure


def test_flagger_ranges_in_percent() -> None:
    success = classify("request-success-rate", 'sum(x{code!~"5.."}) / sum(x) * 100')
    assert range_limit(success, 99, None) == pytest.approx(0.01)
    errors = classify("error rate", 'sum(x{code=~"5.."}) / sum(x)')
    assert range_limit(errors, None, 5) == pytest.approx(0.05)  # above 1: percent
    assert range_limit(errors, 1, None) is None  # a floor bounds no error rate


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10m", 600.0), ("1m30s", 90.0), ("40s", 40.0), ("1.5h", 5400.0), (30, 30.0), ("10", 10.0)],
)
def test_go_durations(text: str | int, seconds: float) -> None:
    assert go_duration(text) == seconds


@pytest.mark.parametrize("text", ["{{args.pause}}", "10 minutes", "", None, True])
def test_unreadable_durations(text: object) -> None:
    assert go_duration(text) is None


# --- the real-world corpus ---------------------------------------------------------------------


@needs_corpus
def test_argo_rollouts_examples_canaries() -> None:
    outcome = run_check(CanaryRollouts, CORPUS)
    assert outcome.status is Status.FAIL
    assert outcome.facts["judged"] == 20
    assert outcome.facts["fail"] == 20
    found = places(outcome)
    # Canary examples without any analysis: nothing rolls them back.
    for path in ("rollout-canary.yaml", "rollout-template-ref.yaml", "rollout-rolling-update.yaml"):
        assert any(
            rule.endswith("rollback-trigger") and where.startswith(path) for rule, where in found
        )
    assert ("delivery.canary/initial-traffic", "rollout-canary.yaml:28") in found  # setWeight: 20
    assert ("delivery.canary/monitoring-window", "rollout-canary.yaml:31") in found  # pause: {}
    rollback = messages(outcome, "delivery.canary/rollback-trigger")
    assert "Rollout/rollout-canary: no analysis: nothing rolls it back when errors rise" in rollback
    # Job and web metrics roll back, but not on the error rate.
    step = [m for m in rollback if m.startswith("Rollout/rollout-analysis-step:")]
    assert step and "random-fail (job" in step[0]
    rolling = [
        m for m in messages(outcome, "delivery.canary/initial-traffic") if "rollingupdate" in m
    ]
    assert rolling and "no steps" in rolling[0]


@needs_corpus
def test_argo_rollouts_examples_blue_green() -> None:
    outcome = run_check(BlueGreenRollouts, CORPUS)
    assert outcome.status is Status.FAIL
    found = places(outcome)
    assert ("delivery.blue-green/traffic-switch", "rollout-bluegreen.yaml:25") in found
    assert ("delivery.blue-green/pre-promotion", "rollout-bluegreen.yaml:25") in found
    assert ("delivery.blue-green/unreadable", "helm-blue-green/templates/rollout.yaml:2") in found
    gate = messages(outcome, "delivery.blue-green/pre-promotion")
    assert gate and "autoPromotionEnabled: false" in gate[0]
