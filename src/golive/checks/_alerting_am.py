"""Alertmanager configurations kept in the repository, read into routes and receivers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from golive.checks._alerting_sources import (
    Document,
    embedded_files,
    expand_lists,
    find_mappings,
    plain_yaml,
)
from golive.checks._manifests import Manifests, Resource, Unreadable
from golive.checks._yaml import YamlMap, YamlSeq
from golive.checks.repository import Repository
from golive.model import Location

__all__ = [
    "CHANNELS",
    "AlertmanagerConfig",
    "AlertmanagerConfigs",
    "Receiver",
    "Route",
    "RouteMatcher",
    "load_alertmanager_configs",
    "severity_accepts",
]

_INTEGRATIONS = {
    "pagerduty": "pagerduty",
    "slack": "slack",
    "email": "email",
    "opsgenie": "opsgenie",
    "webhook": "webhook",
    "msteams": "msteams",
    "msteamsv2": "msteams",
    "victorops": "victorops",
    "pushover": "pushover",
    "telegram": "telegram",
    "discord": "discord",
    "sns": "sns",
    "webex": "webex",
    "wechat": "wechat",
    "jira": "jira",
    "rocketchat": "rocketchat",
    "incidentio": "incidentio",
}
CHANNELS = frozenset({*_INTEGRATIONS.values(), "sms"})
_CONFIG_KEY = re.compile(r"^([a-z0-9]+?)(?:_configs|Configs)$", re.IGNORECASE)
_SMS_GATEWAY = re.compile(
    r"sms|twilio|messagebird|vonage|nexmo|plivo|sinch|clicksend|textmagic|telnyx", re.IGNORECASE
)
_MATCHER = re.compile(r"""^\s*["']?([^\s"'=!~]+)["']?\s*(=~|!~|!=|=)\s*(.*?)\s*$""")


@dataclass(frozen=True, kw_only=True)
class RouteMatcher:
    label: str
    op: str  # =, !=, =~, !~
    value: str


@dataclass(frozen=True, kw_only=True)
class Route:
    receiver: str | None  # as written; None inherits the parent's
    matchers: tuple[RouteMatcher, ...]
    location: Location
    routes: tuple[Route, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Receiver:
    name: str
    channels: frozenset[str]
    location: Location


@dataclass(frozen=True, kw_only=True)
class AlertmanagerConfig:
    """One configuration (or one AlertmanagerConfig resource) and where it is written."""

    source: str
    path: str
    location: Location
    route: Route | None
    receivers: tuple[Receiver, ...]
    partial: bool  # an AlertmanagerConfig resource, merged into the main configuration

    @property
    def subjects(self) -> tuple[str, ...]:
        return (self.source, self.path)


@dataclass(frozen=True, kw_only=True)
class AlertmanagerConfigs:
    configs: tuple[AlertmanagerConfig, ...]
    unreadable: tuple[Unreadable, ...] = ()
    templates: tuple[str, ...] = ()  # Helm templates that mention receivers (not rendered)


def load_alertmanager_configs(repo: Repository, manifests: Manifests) -> AlertmanagerConfigs:
    """`alertmanager.yml` files and Helm values holding one, `alertmanager.yaml` in Secrets and
    ConfigMaps (stringData, or base64 data), and prometheus-operator AlertmanagerConfig
    resources. Each receiver is reduced to the channels it notifies; a webhook to an SMS
    gateway and an SNS topic with a phone number also count as sms."""
    documents: list[Document] = []
    unreadable = [u for u in manifests.unreadable if _mentions(repo.text(u.path) or "")]
    configs: list[AlertmanagerConfig] = []
    for resource in expand_lists(manifests.resources):
        if resource.kind == "AlertmanagerConfig" and resource.group == "monitoring.coreos.com":
            configs.append(_operator_config(resource))
            continue
        for found in embedded_files(repo, resource, needles=("receivers",)):
            if isinstance(found, Unreadable):
                unreadable.append(found)
            else:
                documents.append(found)
    plain, broken, templates = plain_yaml(repo, manifests, needles=("receivers", "route"))
    documents.extend(plain)
    unreadable.extend(broken)
    for document in documents:
        for mapping in find_mappings(document.data, _is_config):
            configs.append(_config(mapping, document))
    return AlertmanagerConfigs(
        configs=tuple(configs),
        unreadable=tuple(unreadable),
        templates=tuple(p for p in templates if _mentions(repo.text(p) or "")),
    )


def _mentions(text: str) -> bool:
    return "receivers" in text and ("route" in text or "AlertmanagerConfig" in text)


def _is_config(mapping: YamlMap) -> bool:
    return isinstance(mapping.get("route"), YamlMap) and isinstance(
        mapping.get("receivers"), YamlSeq
    )


def _config(mapping: YamlMap, document: Document) -> AlertmanagerConfig:
    move = document.relocate
    route = mapping["route"]
    return AlertmanagerConfig(
        source=document.source,
        path=document.path,
        location=move(mapping.location),
        route=_route(route, document, operator=False),
        receivers=tuple(_receivers(mapping["receivers"], document)),
        partial=False,
    )


def _operator_config(resource: Resource) -> AlertmanagerConfig:
    spec = resource.body.get("spec")
    spec = spec if isinstance(spec, YamlMap) else YamlMap(resource.location)
    document = Document(data=spec, path=resource.path, source=resource.ref)
    route = spec.get("route")
    receivers = spec.get("receivers")
    return AlertmanagerConfig(
        source=resource.ref,
        path=resource.path,
        location=resource.location,
        route=_route(route, document, operator=True) if isinstance(route, YamlMap) else None,
        receivers=tuple(_receivers(receivers, document)) if isinstance(receivers, YamlSeq) else (),
        partial=True,
    )


def _route(route: YamlMap, document: Document, *, operator: bool) -> Route:
    receiver = route.get("receiver")
    children = route.get("routes")
    return Route(
        receiver=str(receiver) if isinstance(receiver, str | int) else None,
        matchers=tuple(_operator_matchers(route) if operator else _matchers(route)),
        location=document.relocate(route.location),
        routes=tuple(
            _route(child, document, operator=operator)
            for child in (children if isinstance(children, YamlSeq) else ())
            if isinstance(child, YamlMap)
        ),
    )


def _matchers(route: YamlMap) -> Iterator[RouteMatcher]:
    for key, op in (("match", "="), ("match_re", "=~")):
        table = route.get(key)
        if isinstance(table, YamlMap):
            for label, value in table.items():
                yield RouteMatcher(label=label, op=op, value=str(value))
    written = route.get("matchers")
    for item in written if isinstance(written, YamlSeq) else ():
        if isinstance(item, str):
            yield from _parse_matchers(item)


def _parse_matchers(text: str) -> Iterator[RouteMatcher]:
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        parts = re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", text[1:-1])
    else:
        parts = [text]
    for part in parts:
        found = _MATCHER.match(part)
        if found:
            value = found.group(3)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            yield RouteMatcher(label=found.group(1), op=found.group(2), value=value)


def _operator_matchers(route: YamlMap) -> Iterator[RouteMatcher]:
    written = route.get("matchers")
    for item in written if isinstance(written, YamlSeq) else ():
        if not isinstance(item, YamlMap) or "name" not in item:
            continue
        op = item.get("matchType")
        if not isinstance(op, str):
            op = "=~" if item.get("regex") is True else "="
        yield RouteMatcher(label=str(item["name"]), op=op, value=str(item.get("value", "")))


def _receivers(receivers: YamlSeq, document: Document) -> Iterator[Receiver]:
    for receiver in receivers:
        if not isinstance(receiver, YamlMap) or "name" not in receiver:
            continue
        channels: set[str] = set()
        for key, value in receiver.items():
            found = _CONFIG_KEY.match(key)
            integration = _INTEGRATIONS.get(found.group(1).lower()) if found else None
            if integration is None or not isinstance(value, YamlSeq) or not value:
                continue
            channels.add(integration)
            if _sends_sms(integration, value):
                channels.add("sms")
        yield Receiver(
            name=str(receiver["name"]),
            channels=frozenset(channels),
            location=document.relocate(receiver.location),
        )


def _sends_sms(integration: str, configs: YamlSeq) -> bool:
    for config in configs:
        if not isinstance(config, YamlMap):
            continue
        if integration == "sns" and (config.get("phone_number") or config.get("phoneNumber")):
            return True
        if integration == "webhook":
            url = config.get("url")
            if isinstance(url, YamlMap):  # AlertmanagerConfig: a Secret reference
                url = " ".join(str(v) for v in url.values())
            if isinstance(url, str) and _SMS_GATEWAY.search(url):
                return True
    return False


def severity_accepts(matcher: RouteMatcher, value: str) -> bool | None:
    """Whether a matcher lets an alert with label `value` through (None: not about it)."""
    text = matcher.value
    if matcher.op in {"=", "!="}:
        equal = text == value
        return equal if matcher.op == "=" else not equal
    try:
        hit = re.fullmatch(text, value) is not None
    except re.error:
        return None
    return hit if matcher.op == "=~" else not hit
