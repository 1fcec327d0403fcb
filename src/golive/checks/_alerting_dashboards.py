"""Grafana dashboards kept in the repository, in every form golive recognises."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from golive.checks._alerting_sources import expand_lists, unreadable_finding
from golive.checks._manifests import Manifests, Resource, Unreadable
from golive.checks._yaml import YamlMap
from golive.checks.base import failed, passed, unknown
from golive.checks.repository import Repository
from golive.model import Finding, Location, Outcome

__all__ = ["Dashboard", "Dashboards", "dashboards_outcome", "load_dashboards"]

_JSONNET = (".jsonnet", ".libsonnet")


@dataclass(frozen=True, kw_only=True)
class Dashboard:
    """One dashboard and where it is kept; `text` is what it says, to look for the service."""

    how: str  # "dashboard JSON", "ConfigMap", "GrafanaDashboard", "Jsonnet", "Terraform"
    title: str | None
    location: Location
    source: str
    text: str

    def mentions(self, words: tuple[str, ...]) -> bool:
        lowered = self.text.lower()
        return any(word and word.lower() in lowered for word in words)


@dataclass(frozen=True, kw_only=True)
class Dashboards:
    dashboards: tuple[Dashboard, ...]
    unreadable: tuple[Unreadable, ...] = ()


def dashboards_outcome(
    repo: Repository, manifests: Manifests, *, service: str, fix: str | None
) -> Outcome:
    """The outcome of dashboards.grafana: at least one dashboard; the service's name noted."""
    found = load_dashboards(repo, manifests)
    problems = [unreadable_finding(u) for u in found.unreadable]
    boards = found.dashboards
    if not boards:
        if problems:
            return unknown(
                f"no dashboard found, and {len(problems)} JSON file(s) with panels could not "
                "be read",
                findings=problems,
            )
        return failed(
            "no Grafana dashboard in the repository",
            required="a Grafana dashboard (JSON, ConfigMap, GrafanaDashboard or Jsonnet)",
            remediation=fix,
        )
    prefix = service.replace("-", "_").lower()
    mentioning = [b for b in boards if b.mentions((service, prefix))]
    kinds = sorted({b.how for b in boards})
    note = "" if mentioning else f"; none mentions {service!r} or the metrics prefix {prefix}_"
    shown = [*mentioning, *(b for b in boards if b not in mentioning)]
    return passed(
        f"{len(boards)} Grafana dashboard(s) ({', '.join(kinds)}){note}",
        observed=f"{len(mentioning)} of {len(boards)} mention {service!r}",
        findings=[
            Finding(
                message=f"{b.how}: {b.title or b.source}",
                location=b.location,
                rule="dashboards.grafana",
            )
            for b in shown
        ],
        facts={
            "dashboards": len(boards),
            "mentioning_service": len(mentioning),
            "unreadable": len(problems),
        },
    )


def load_dashboards(repo: Repository, manifests: Manifests) -> Dashboards:
    """Dashboard JSON files, ConfigMaps carrying dashboard JSON (or labelled
    `grafana_dashboard`), grafana-operator GrafanaDashboard resources, Jsonnet sources built
    with grafonnet, and Terraform `grafana_dashboard` resources."""
    found: list[Dashboard] = []
    unreadable: list[Unreadable] = []
    manifest_paths = {r.path for r in manifests.resources}
    for resource in expand_lists(manifests.resources):
        found.extend(_from_resource(resource))
    for path in repo.files:
        if path.endswith(".json") and path not in manifest_paths:
            text = repo.text(path)
            if text is None or '"panels"' not in text:
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                where = Location(path=path, line=error.lineno, column=error.colno)
                unreadable.append(
                    Unreadable(path=path, reason=f"not valid JSON: {error.msg}", location=where)
                )
                continue
            board = _dashboard(data)
            if board is not None:
                found.append(
                    Dashboard(
                        how="dashboard JSON",
                        title=_title(board),
                        location=Location(path=path, line=1),
                        source=path,
                        text=text,
                    )
                )
        elif path.endswith(_JSONNET) or path.endswith(".tf"):
            found.extend(_source_code(path, repo.text(path) or ""))
    return Dashboards(dashboards=tuple(found), unreadable=tuple(unreadable))


def _source_code(path: str, text: str) -> Iterator[Dashboard]:
    if path.endswith(".tf"):
        if 'resource "grafana_dashboard"' in text:
            where = Location(path=path, line=_line_of(text, 'resource "grafana_dashboard"'))
            yield Dashboard(how="Terraform", title=None, location=where, source=path, text=text)
        return
    lowered = text.lower()
    if "grafonnet" in lowered or ("grafana" in lowered and "dashboard" in lowered):
        where = Location(path=path, line=_line_of(lowered, "grafonnet") or 1)
        yield Dashboard(how="Jsonnet", title=None, location=where, source=path, text=text)


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return 1 if index < 0 else text.count("\n", 0, index) + 1


def _from_resource(resource: Resource) -> Iterator[Dashboard]:
    if resource.kind == "GrafanaDashboard":
        spec = resource.body.get("spec")
        board = None
        if isinstance(spec, YamlMap) and isinstance(spec.get("json"), str):
            board = _dashboard(_loads(spec["json"]))
        yield Dashboard(
            how="GrafanaDashboard",
            title=_title(board) if board else resource.name,
            location=resource.location,
            source=resource.ref,
            text=json.dumps(spec, default=str) if isinstance(spec, YamlMap) else "",
        )
        return
    if resource.kind != "ConfigMap" or resource.group:
        return
    data = resource.body.get("data")
    labelled = _labelled(resource)
    boards = 0
    if isinstance(data, YamlMap):
        for key, value in data.items():
            if not isinstance(value, str) or '"panels"' not in value:
                continue
            board = _dashboard(_loads(value))
            if board is not None:
                boards += 1
                yield Dashboard(
                    how="ConfigMap",
                    title=_title(board) or key,
                    location=data.at(key),
                    source=f"{resource.ref}[{key}]",
                    text=value,
                )
    if labelled and not boards:
        yield Dashboard(
            how="ConfigMap labelled grafana_dashboard",
            title=resource.name,
            location=resource.location,
            source=resource.ref,
            text=json.dumps(data, default=str) if isinstance(data, YamlMap) else "",
        )


def _labelled(resource: Resource) -> bool:
    metadata = resource.body.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, YamlMap) else None
    return isinstance(labels, YamlMap) and "grafana_dashboard" in labels


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _dashboard(data: Any) -> dict[str, Any] | None:
    """The dashboard model in `data` (also inside an API export's `dashboard` key)."""
    if isinstance(data, dict) and isinstance(data.get("dashboard"), dict):
        data = data["dashboard"]
    if not isinstance(data, dict):
        return None
    has_panels = isinstance(data.get("panels"), list) or isinstance(data.get("rows"), list)
    if has_panels and any(key in data for key in ("title", "uid", "schemaVersion")):
        return data
    return None


def _title(board: dict[str, Any]) -> str | None:
    title = board.get("title")
    return title if isinstance(title, str) else None
