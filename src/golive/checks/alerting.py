"""Alerting and observability: alert rules, their routing, dashboards and SLO definitions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from golive.checks._alerting_am import CHANNELS, AlertmanagerConfigs, load_alertmanager_configs
from golive.checks._alerting_categories import CATEGORIES, category_of_key, threshold_dimension
from golive.checks._alerting_dashboards import dashboards_outcome
from golive.checks._alerting_quality import quality_outcome
from golive.checks._alerting_required import required_outcome
from golive.checks._alerting_routing import routing_outcome
from golive.checks._alerting_rules import AlertRules, load_alert_rules
from golive.checks._alerting_slo import SloDefinitions, load_slo_definitions
from golive.checks._alerting_slo_review import slo_outcome
from golive.checks._manifests import Manifests
from golive.checks.base import Check, CheckParams, NoParams
from golive.checks.fixtures import ServiceInfo
from golive.checks.params import DurationThreshold, RatioThreshold
from golive.checks.repository import Repository
from golive.model import Kind, Outcome
from golive.thresholds import Threshold, parse_threshold

__all__ = [
    "FIXTURES",
    "AlertQuality",
    "AlertRouting",
    "GrafanaDashboards",
    "RequiredAlerts",
    "RequiredParams",
    "RoutingParams",
    "SloDefinitionsDeclared",
    "SloParams",
    "WaiveParams",
]

_DEFAULT_CATEGORIES = ("service-down", "error-rate", "latency", "cert-expiry")
_PAGING = ("pagerduty", "opsgenie", "victorops")
_CHANNEL_ALIASES = {"teams": "msteams", "microsoft-teams": "msteams", "mail": "email"}


def alert_rules(repo: Repository, manifests: Manifests) -> AlertRules:
    """Every Prometheus alerting and recording rule: PrometheusRule resources, plain rule
    files, rule files in ConfigMaps and rule groups in Helm values."""
    return load_alert_rules(repo, manifests)


def alertmanager_configs(repo: Repository, manifests: Manifests) -> AlertmanagerConfigs:
    """Every Alertmanager configuration: alertmanager.yml files, Helm values, Secrets and
    ConfigMaps holding alertmanager.yaml, and AlertmanagerConfig resources."""
    return load_alertmanager_configs(repo, manifests)


def slo_definitions(repo: Repository, manifests: Manifests) -> SloDefinitions:
    """Every SLO: Sloth specs and PrometheusServiceLevels, Pyrra and OpenSLO objectives."""
    return load_slo_definitions(repo, manifests)


FIXTURES: Mapping[str, Callable[..., Any]] = {
    "alert_rules": alert_rules,
    "alertmanager_configs": alertmanager_configs,
    "slo_definitions": slo_definitions,
}


class WaiveParams(CheckParams):
    # pattern (fnmatch on a resource's ref, a file's path, or `<ref or path>/<AlertName>`)
    # -> the reason its failures are accepted
    waive: dict[str, str] = Field(default_factory=dict)


class RequiredParams(WaiveParams):
    categories: list[str] = Field(default_factory=lambda: list(_DEFAULT_CATEGORIES))
    thresholds: dict[str, Any] = Field(default_factory=dict)  # category -> ">80%"

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError(f"name at least one category: {', '.join(CATEGORIES)}")
        strange = [c for c in value if c not in CATEGORIES]
        if strange:
            raise ValueError(
                f"unknown category {', '.join(strange)}; expected {', '.join(CATEGORIES)}"
            )
        return list(dict.fromkeys(value))

    @field_validator("thresholds")
    @classmethod
    def _readable_thresholds(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, text in value.items():
            _threshold(key, text)
        return value

    def parsed_thresholds(self) -> dict[str, Threshold]:
        return dict(_threshold(key, text) for key, text in self.thresholds.items())


def _threshold(key: str, text: Any) -> tuple[str, Threshold]:
    category = category_of_key(key)
    dimension = threshold_dimension(category) if category else None
    if category is None or dimension is None:
        limited = ", ".join(c for c in CATEGORIES if threshold_dimension(c))
        raise ValueError(f'no threshold applies to "{key}"; thresholds apply to {limited}')
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ValueError(f'the threshold of "{key}" must be text such as ">80%"')
    return category, parse_threshold(str(text), dimension=dimension)


class RequiredAlerts(Check):
    """Alert rules cover the required categories (recognised from their expressions)

    A category is recognised from what an alerting rule's `expr` references, never from the
    alert's name: service-down (`up == 0`, `absent(up)`, `probe_success == 0`), error-rate (a
    5xx or gRPC-error selector, SLO error ratios), latency (`histogram_quantile` over a
    duration histogram, a duration metric compared with a limit), cpu, memory, disk,
    cert-expiry, burn-rate (an error ratio over two windows against the same factor, Sloth and
    Pyrra recording rules), database, security (401/403 ratios, auth failures) and
    network-latency; docs/alerting.md lists every pattern. A Sloth or Pyrra SLO that generates
    burn-rate alerts covers burn-rate and error-rate (latency for a latency SLO).
    `thresholds` (`cpu_usage = ">80%"`) asks that an alert of the category fire at that level
    or earlier, when its comparison constant can be read. Default categories: service-down,
    error-rate, latency, cert-expiry. No alert rules at all fails.
    """

    id = "alerts.required"
    kind = Kind.STATIC
    Params = RequiredParams
    fix = "Add alerting rules for the missing categories; docs/alerting.md shows what counts."

    def run(
        self, params: RequiredParams, alert_rules: AlertRules, slo_definitions: SloDefinitions
    ) -> Outcome:
        return required_outcome(
            alert_rules,
            slo_definitions,
            categories=params.categories,
            thresholds=params.parsed_thresholds(),
            written=params.thresholds,
            waive=params.waive,
            fix=self.fix,
        )


class AlertQuality(Check):
    """Every alert has a severity, a summary, a runbook_url and a sensible `for`

    Each alerting rule needs a `severity` label, a `summary` (or `description`, or `message`)
    annotation, a `runbook_url` (or `runbook`) annotation, and `for` of at least 1m so a blip
    does not page. Burn-rate alerts (their short window is the delay), dead man's switches
    such as `vector(1)` and alerts over `ALERTS` are exempt from `for`; `absent()` alerts are
    not (a restart makes a series vanish for a moment). The same alert name with the same
    expression twice is a finding. When `promtool` is on the PATH, `promtool check rules` runs
    over every rule source and its errors are findings. Not applicable without alert rules.
    """

    id = "alerts.quality"
    kind = Kind.STATIC
    Params = WaiveParams
    fix = "Add the missing labels and annotations, and a `for` of at least 1m."

    def run(self, params: WaiveParams, root: Path, alert_rules: AlertRules) -> Outcome:
        return quality_outcome(alert_rules, root, waive=params.waive, fix=self.fix)


def _channel(name: str) -> str:
    word = name.strip().lower()
    word = _CHANNEL_ALIASES.get(word, word)
    if word not in CHANNELS:
        raise ValueError(f'unknown channel "{name}"; expected one of {", ".join(sorted(CHANNELS))}')
    return word


class RoutingParams(WaiveParams):
    channels: list[str] = Field(default_factory=list)  # empty: any channel at all
    paging: list[str] = Field(default_factory=lambda: list(_PAGING))  # empty: no paging rule

    @field_validator("channels", "paging")
    @classmethod
    def _known_channels(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_channel(name) for name in value))


class AlertRouting(Check):
    """Alerts are routed to the required notification channels

    Reads every Alertmanager configuration in the repository (alertmanager.yml, Helm values,
    alertmanager.yaml in a Secret or ConfigMap; AlertmanagerConfig resources are merged into
    each). Each must route alerts to a receiver of every channel in `channels` (pagerduty,
    slack, email, sms, opsgenie, webhook, msteams, victorops, ...; a receiver counts only when
    a route reaches it; sms is an SNS phone number or a webhook to an SMS gateway), and
    severity=critical (or page) alerts must reach a receiver of a `paging` channel (pagerduty,
    opsgenie, victorops by default; an empty list drops the rule). Without an Alertmanager
    configuration the result is unknown: it often lives in a platform team's repository, and a
    sign-off can stand in.
    """

    id = "alerts.routing"
    kind = Kind.STATIC
    Params = RoutingParams
    fix = "Add receivers for the missing channels and a severity=critical route to a pager."

    def run(self, params: RoutingParams, alertmanager_configs: AlertmanagerConfigs) -> Outcome:
        return routing_outcome(
            alertmanager_configs,
            channels=params.channels,
            paging=params.paging,
            waive=params.waive,
            fix=self.fix,
        )


class GrafanaDashboards(Check):
    """A Grafana dashboard for the service is kept in the repository

    Counts dashboard JSON files (with `panels` and a `title`, `uid` or `schemaVersion`, also
    an API export under `dashboard`), ConfigMaps carrying dashboard JSON or labelled
    `grafana_dashboard`, grafana-operator GrafanaDashboard resources, Jsonnet sources using
    grafonnet, and Terraform `grafana_dashboard` resources. That none mentions the service's
    name or metrics prefix is noted in the summary, not failed. No dashboard fails.
    """

    id = "dashboards.grafana"
    kind = Kind.STATIC
    fix = "Keep the service's Grafana dashboard in the repository (JSON, a ConfigMap or Jsonnet)."

    def run(
        self, params: NoParams, repo: Repository, manifests: Manifests, service: ServiceInfo
    ) -> Outcome:
        return dashboards_outcome(repo, manifests, service=service.name, fix=self.fix)


class SloParams(WaiveParams):
    availability: RatioThreshold | None = None  # ">99.9%"
    error_rate: RatioThreshold | None = None  # "<1%"
    latency: DurationThreshold | None = None  # "<100ms" (p95 unless written)


class SloDefinitionsDeclared(Check):
    """SLOs are defined (Sloth, Pyrra or OpenSLO) for the service

    Reads Sloth specs (`version: prometheus/v1` with `slos:`) and PrometheusServiceLevel
    resources, Pyrra ServiceLevelObjectives and OpenSLO SLOs. With `availability`,
    `error_rate` or `latency`, every declared objective must be at least as strict: an
    availability SLO's objective against `availability`, its error budget (1 - objective)
    against `error_rate`, a latency SLO's bound against `latency` (and its objective must
    cover the limit's percentile); a limit whose kind of SLO is missing fails. An objective
    equal to the limit meets it. No SLO fails.
    """

    id = "slo.definitions"
    kind = Kind.STATIC
    Params = SloParams
    fix = "Define the service's SLOs with Sloth, Pyrra or OpenSLO, as strict as the checklist."

    def run(self, params: SloParams, slo_definitions: SloDefinitions) -> Outcome:
        return slo_outcome(
            slo_definitions,
            availability=params.availability,
            error_rate=params.error_rate,
            latency=params.latency,
            waive=params.waive,
            fix=self.fix,
        )
