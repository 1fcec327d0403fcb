"""Every Prometheus alerting and recording rule of the repository, read once for all checks."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from golive.checks._alerting_promql import Expression, duration_seconds, scan
from golive.checks._alerting_sources import (
    Document,
    Relocate,
    embedded_files,
    expand_lists,
    find_mappings,
    plain_yaml,
)
from golive.checks._manifests import Manifests, Unreadable
from golive.checks._yaml import YamlMap, YamlSeq
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["AlertRules", "Rule", "RuleSource", "load_alert_rules"]

_RULE_KINDS = frozenset({"PrometheusRule", "VMRule"})
_NEEDLES = ("rules:", "expr:")


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One alerting (`alert:`) or recording (`record:`) rule."""

    kind: str  # "alert" or "record"
    name: str
    expr: str
    group: str
    index: int  # the rule's position in its group, from 1 (as promtool counts)
    for_text: str | None  # as written; None when absent (Prometheus then fires at once)
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    location: Location  # the rule's first line
    for_location: Location | None
    source: str  # the PrometheusRule's ref (`PrometheusRule/monitoring/x`) or the file's path
    path: str

    @property
    def is_alert(self) -> bool:
        return self.kind == "alert"

    @property
    def for_seconds(self) -> float | None:
        """`for` in seconds: 0 when absent, None when it is not a duration."""
        return 0.0 if self.for_text is None else duration_seconds(self.for_text)

    @functools.cached_property
    def scanned(self) -> Expression:
        return scan(self.expr)

    @property
    def subjects(self) -> tuple[str, ...]:
        """The names a waiver pattern may match: the source, the file, `source/AlertName`."""
        return (self.source, self.path, f"{self.source}/{self.name}")


@dataclass(frozen=True, kw_only=True)
class RuleSource:
    """One place rule groups come from, as promtool would read it."""

    source: str
    path: str
    location: Location
    groups: Any  # the `groups` list as parsed
    plain: bool  # a rule file promtool can read as it is (not a resource or embedded text)


@dataclass(frozen=True, kw_only=True)
class AlertRules:
    """The rules, where they come from, and what could not be read."""

    rules: tuple[Rule, ...]
    sources: tuple[RuleSource, ...] = ()
    problems: tuple[tuple[str, Location], ...] = ()  # malformed rules: message, place
    unreadable: tuple[Unreadable, ...] = ()
    templates: tuple[str, ...] = ()  # Helm templates that mention rules (not rendered)

    @property
    def alerts(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.is_alert]

    @property
    def recording(self) -> list[Rule]:
        return [rule for rule in self.rules if not rule.is_alert]


def load_alert_rules(repo: Repository, manifests: Manifests) -> AlertRules:
    """PrometheusRule (and VictoriaMetrics VMRule) resources, plain rule files found by their
    content, rule files embedded in ConfigMaps, and rule groups nested in Helm values."""
    documents: list[Document] = []
    unreadable: list[Unreadable] = [
        problem
        for problem in manifests.unreadable
        if _mentions_rules(repo.text(problem.path) or "")
    ]
    for resource in expand_lists(manifests.resources):
        if resource.kind in _RULE_KINDS:
            spec = resource.body.get("spec")
            documents.append(Document(data=spec, path=resource.path, source=resource.ref))
            continue
        for found in embedded_files(repo, resource, needles=_NEEDLES):
            if isinstance(found, Unreadable):
                unreadable.append(found)
            else:
                documents.append(found)
    plain, broken, templates = plain_yaml(repo, manifests, needles=_NEEDLES)
    documents.extend(plain)
    unreadable.extend(broken)
    sources: list[RuleSource] = []
    rules: list[Rule] = []
    problems: list[tuple[str, Location]] = []
    for document in documents:
        for holder in find_mappings(document.data, _holds_groups):
            groups = holder["groups"]
            plain_file = document.source == document.path and holder is document.data
            sources.append(
                RuleSource(
                    source=document.source,
                    path=document.path,
                    location=document.relocate(holder.location),
                    groups=groups,
                    plain=plain_file,
                )
            )
            rules.extend(_rules(groups, document, problems))
    return AlertRules(
        rules=tuple(rules),
        sources=tuple(sources),
        problems=tuple(problems),
        unreadable=tuple(unreadable),
        templates=tuple(p for p in templates if _mentions_rules(repo.text(p) or "")),
    )


def _mentions_rules(text: str) -> bool:
    return "PrometheusRule" in text or ("groups:" in text and "expr:" in text)


def _holds_groups(mapping: YamlMap) -> bool:
    groups = mapping.get("groups")
    return (
        isinstance(groups, YamlSeq)
        and bool(groups)
        and all(isinstance(g, YamlMap) and isinstance(g.get("rules"), YamlSeq) for g in groups)
    )


def _rules(
    groups: YamlSeq, document: Document, problems: list[tuple[str, Location]]
) -> Iterator[Rule]:
    move: Relocate = document.relocate
    for group in groups:
        name = _text(group.get("name")) or "?"
        entries = group["rules"]
        for index, entry in enumerate(entries, start=1):
            where = move(entries.item_at[index - 1])
            if not isinstance(entry, YamlMap):
                problems.append((f"group {name!r}: rule {index} is not a mapping", where))
                continue
            alert, record = _text(entry.get("alert")), _text(entry.get("record"))
            expr = entry.get("expr")
            if not (alert or record):
                message = f"group {name!r}: rule {index} has neither alert nor record"
                problems.append((message, where))
                continue
            if expr is None or (isinstance(expr, str) and not expr.strip()):
                problems.append((f"{alert or record}: no expr", where))
                continue
            yield Rule(
                kind="alert" if alert else "record",
                name=alert or record or "?",
                expr=str(expr),
                group=name,
                index=index,
                for_text=_text(entry.get("for")) if "for" in entry else None,
                labels=_strings(entry.get("labels")),
                annotations=_strings(entry.get("annotations")),
                location=move(entry.location),
                for_location=move(entry.at("for")) if "for" in entry else None,
                source=document.source,
                path=document.path,
            )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, YamlMap | YamlSeq):
        return None
    return str(value)


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, YamlMap):
        return {}
    return {str(k): str(v) for k, v in value.items() if not isinstance(v, YamlMap | YamlSeq)}
