"""Kubernetes-style documents of the repository, parsed once for every family that reads them.

A document is a resource when it has `apiVersion` and `kind` (Kubernetes objects, Argo
Rollouts, Flagger canaries, PrometheusRules, CronJobs...). Files are read through the safe
YAML layer; a file that cannot be read is kept with its reason, so a check can say `unknown`
rather than pretend the file held nothing. Helm chart templates are not plain YAML: the
charts are listed, and rendering them is left to the families that need it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from golive.checks._yaml import YamlError, YamlMap, YamlSeq, parse_yaml_documents
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["ByKind", "Manifests", "Resource", "Unreadable", "load_manifests", "resource_of"]

_SUFFIXES = (".yaml", ".yml", ".json")
# `apiVersion` and `kind` written as keys (YAML, also in a list; or JSON), not just as words.
_KEY_API = re.compile(r'(?m)^[\s-]*apiVersion\s*:|"apiVersion"\s*:')
_KEY_KIND = re.compile(r'(?m)^[\s-]*kind\s*:|"kind"\s*:')


@dataclass(frozen=True, kw_only=True)
class Resource:
    """One document with `apiVersion` and `kind`, and where it is written."""

    path: str
    index: int  # the document's position in its file, from 0
    api_version: str
    kind: str
    name: str | None
    namespace: str | None
    body: YamlMap
    location: Location

    @property
    def ref(self) -> str:
        """`Kind/namespace/name` (or `Kind/name`), the way findings and waivers name it."""
        parts = [self.kind, *([self.namespace] if self.namespace else []), self.name or "?"]
        return "/".join(parts)

    @property
    def group(self) -> str:
        """The API group (`apps`, `argoproj.io`; empty for the core group)."""
        return self.api_version.rpartition("/")[0]


@dataclass(frozen=True, kw_only=True)
class Unreadable:
    """A file that looked like a manifest but could not be read, and why."""

    path: str
    reason: str
    location: Location


class ByKind:
    """Resources looked up by kind (a mixin for collections with a `resources` tuple)."""

    resources: tuple[Resource, ...]

    def of_kind(self, *kinds: str) -> list[Resource]:
        if len(kinds) == 1:
            return list(self._by_kind.get(kinds[0], ()))
        wanted = set(kinds)
        return [resource for resource in self.resources if resource.kind in wanted]

    @functools.cached_property
    def _by_kind(self) -> dict[str, list[Resource]]:
        index: dict[str, list[Resource]] = {}
        for resource in self.resources:
            index.setdefault(resource.kind, []).append(resource)
        return index


@dataclass(frozen=True, kw_only=True)
class Manifests(ByKind):
    """Every resource of the repository, in file order, and what could not be read."""

    resources: tuple[Resource, ...]
    unreadable: tuple[Unreadable, ...] = ()
    charts: tuple[str, ...] = ()  # directories holding a Helm Chart.yaml

    def in_chart(self, path: str) -> bool:
        """Whether `path` is a template of a chart (not plain YAML until rendered)."""
        return _in(path, self.charts)


def load_manifests(repo: Repository) -> Manifests:
    charts = tuple(
        path.rpartition("/")[0] for path in repo.files if path.rpartition("/")[2] == "Chart.yaml"
    )
    resources: list[Resource] = []
    unreadable: list[Unreadable] = []
    for path in repo.files:
        if not path.endswith(_SUFFIXES) or _in(path, charts):
            continue
        text = repo.text(path)
        if text is None:
            if path in repo.skipped_large:  # never silently: it may hold the manifests
                where = Location(path=path)
                unreadable.append(Unreadable(path=path, reason="too large to read", location=where))
            continue
        if not (_KEY_API.search(text) and _KEY_KIND.search(text)):
            continue  # most YAML files of a repository are not manifests; a broken one that
            # merely mentions the words must not make every manifest check unknown
        try:
            documents = _documents(text, path)
        except YamlError as error:
            unreadable.append(Unreadable(path=path, reason=error.message, location=error.location))
            continue
        resources.extend(_resources(path, documents))
    return Manifests(resources=tuple(resources), unreadable=tuple(unreadable), charts=charts)


def _in(path: str, charts: Iterable[str]) -> bool:
    """Whether `path` is under a chart's templates/ (or its bundled charts/): Go templates,
    not YAML. A chart's crds/ and values files are plain and read as usual."""
    for chart in charts:
        prefix = f"{chart}/" if chart else ""
        if path.startswith((f"{prefix}templates/", f"{prefix}charts/")):
            return True
    return False


def _documents(text: str, path: str) -> list[Any]:
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            where = Location(path=path, line=error.lineno, column=error.colno)
            raise YamlError(f"not valid JSON: {error.msg}", where) from None
        except RecursionError:
            raise YamlError("nested too deeply to read", Location(path=path)) from None
        # JSON is YAML: read it again through the YAML layer to keep positions.
        return parse_yaml_documents(text, path) if isinstance(data, dict | list) else []
    return parse_yaml_documents(text, path)


def _resources(path: str, documents: list[Any]) -> Iterator[Resource]:
    for index, document in enumerate(documents):
        if isinstance(document, YamlSeq):  # a JSON array of resources
            bodies: list[Any] = list(document)
        elif isinstance(document, YamlMap):
            items = document.get("items") if document.get("kind") == "List" else None
            bodies = list(items) if isinstance(items, list) else [document]
        else:
            continue
        for body in bodies:
            resource = resource_of(path, index, body)
            if resource is not None:
                yield resource


def resource_of(path: str, index: int, body: Any) -> Resource | None:
    """The resource `body` describes, the `index`-th document of `path`; None without
    `apiVersion` and `kind`."""
    if not isinstance(body, YamlMap):
        return None
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    metadata = body.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    return Resource(
        path=path,
        index=index,
        api_version=api_version,
        kind=kind,
        name=name if isinstance(name, str) else None,
        namespace=namespace if isinstance(namespace, str) else None,
        body=body,
        location=body.location,
    )
