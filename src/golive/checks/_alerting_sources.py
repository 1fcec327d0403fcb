"""Where alerting configuration hides in a repository, read with the true locations of its lines."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from golive.checks._manifests import Manifests, Resource, Unreadable
from golive.checks._yaml import YamlError, YamlMap, YamlSeq, parse_yaml_documents
from golive.checks.repository import Repository
from golive.model import Finding, Location

__all__ = [
    "Document",
    "Relocate",
    "embedded_files",
    "expand_lists",
    "find_mappings",
    "plain_yaml",
    "unchanged",
    "unread_summary",
    "unreadable_finding",
]

# A file embedded in a ConfigMap (`data: {alerts.yml: |...}`) is parsed on its own; its
# locations are moved back to the lines of the manifest that holds it, so a finding points at
# the line in the repository, not at line 3 of an invisible file.

Relocate = Callable[[Location], Location]
_YAML_SUFFIXES = (".yaml", ".yml", ".rules")
_MAX_DEPTH = 8  # how deep Helm values nest alerting configuration in practice


def unchanged(location: Location) -> Location:
    return location


@dataclass(frozen=True, kw_only=True)
class Document:
    """One parsed YAML document, where it came from, and how to place its locations."""

    data: Any
    path: str
    source: str  # the resource's ref (plus the key of an embedded file), or the file's path
    relocate: Relocate = unchanged


def plain_yaml(
    repo: Repository, manifests: Manifests, *, needles: tuple[str, ...]
) -> tuple[list[Document], list[Unreadable], list[str]]:
    """The documents of YAML files that are not Kubernetes manifests and contain every needle;
    files that cannot be read; and Helm template files that mention the needles (not read)."""
    taken = {r.path for r in manifests.resources} | {u.path for u in manifests.unreadable}
    documents: list[Document] = []
    unreadable: list[Unreadable] = []
    templates: list[str] = []
    for path in repo.files:
        if not path.endswith(_YAML_SUFFIXES) or path in taken:
            continue
        text = repo.text(path)
        if text is None or not all(needle in text for needle in needles):
            continue
        if _is_template(path, manifests):
            templates.append(path)
            continue
        try:
            parsed = parse_yaml_documents(text, path)
        except YamlError as error:
            unreadable.append(Unreadable(path=path, reason=error.message, location=error.location))
            continue
        documents.extend(Document(data=data, path=path, source=path) for data in parsed)
    return documents, unreadable, templates


def _is_template(path: str, manifests: Manifests) -> bool:
    return manifests.in_chart(path) and "/templates/" in f"/{path}"


def expand_lists(resources: Iterable[Resource]) -> Iterator[Resource]:
    """The resources, with the items of typed lists (`ConfigMapList`, `PrometheusRuleList`)
    in place of the list; the manifests fixture expands only `kind: List`."""
    for resource in resources:
        items = resource.body.get("items")
        if not (resource.kind.endswith("List") and isinstance(items, YamlSeq)):
            yield resource
            continue
        for item in items:
            if not isinstance(item, YamlMap):
                continue
            api_version, kind = item.get("apiVersion"), item.get("kind")
            metadata = item.get("metadata")
            metadata = metadata if isinstance(metadata, YamlMap) else {}
            name, namespace = metadata.get("name"), metadata.get("namespace")
            yield Resource(
                path=resource.path,
                index=resource.index,
                api_version=api_version if isinstance(api_version, str) else resource.api_version,
                kind=kind if isinstance(kind, str) else resource.kind.removesuffix("List"),
                name=name if isinstance(name, str) else None,
                namespace=namespace if isinstance(namespace, str) else None,
                body=item,
                location=item.location,
            )


def embedded_files(
    repo: Repository, resource: Resource, *, needles: tuple[str, ...]
) -> Iterator[Document | Unreadable]:
    """The YAML files a ConfigMap (`data`) or Secret (`stringData`, base64 `data`) carries
    whose text contains every needle."""
    if resource.kind not in {"ConfigMap", "Secret"} or resource.group:
        return
    for field in ("data", "stringData", "binaryData"):
        values = resource.body.get(field)
        if not isinstance(values, YamlMap):
            continue
        encoded = (resource.kind == "Secret" and field == "data") or field == "binaryData"
        for key, value in values.items():
            if not isinstance(value, str):
                continue
            text = _decoded(value) if encoded else value
            if text is None or not all(needle in text for needle in needles):
                continue
            key_at = values.at(key)
            relocate = (
                _constant(key_at)  # base64: no line of the manifest matches a decoded line
                if encoded
                else _relocator(
                    repo.text(resource.path) or "", text, values.value_location(key), key_at
                )
            )
            source = f"{resource.ref}[{key}]"
            try:
                parsed = parse_yaml_documents(text, resource.path)
            except YamlError as error:
                reason = f"{key}: {error.message}"
                yield Unreadable(
                    path=resource.path, reason=reason, location=relocate(error.location)
                )
                continue
            for data in parsed:
                yield Document(data=data, path=resource.path, source=source, relocate=relocate)


def _constant(place: Location) -> Relocate:
    return lambda location: place


def _decoded(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _relocator(outer: str, inner: str, value_at: Location, key_at: Location) -> Relocate:
    """Moves locations inside an embedded `|` block back to the manifest's lines; any other
    style of string (quoted, folded) maps every location to its key."""
    lines = outer.splitlines()
    first = next((line for line in inner.splitlines() if line.strip()), "")
    base = value_at.line
    if base is None or not first:
        return _constant(key_at)
    # The first content line of the block is where the embedded text's line 1 is (skipping
    # blank lines both sides).
    skipped = 0
    for line in inner.splitlines():
        if line.strip():
            break
        skipped += 1
    start = base
    while start <= len(lines) and not lines[start - 1].strip():
        start += 1
    if start > len(lines) or lines[start - 1].strip() != first.strip():
        return _constant(key_at)
    raw = lines[start - 1]
    indent = len(raw) - len(raw.lstrip()) - (len(first) - len(first.lstrip()))
    offset = start - 1 - skipped

    def relocate(location: Location) -> Location:
        if location.line is None:
            return key_at
        column = None if location.column is None else location.column + indent
        return Location(path=key_at.path, line=location.line + offset, column=column)

    return relocate


def find_mappings(
    data: Any, wanted: Callable[[YamlMap], bool], *, depth: int = _MAX_DEPTH
) -> Iterator[YamlMap]:
    """Mappings within `data` (itself included) for which `wanted` holds; a match is not
    searched further."""
    if isinstance(data, YamlMap):
        if wanted(data):
            yield data
            return
        if depth > 0:
            for value in data.values():
                yield from find_mappings(value, wanted, depth=depth - 1)
    elif isinstance(data, YamlSeq) and depth > 0:
        for item in data:
            yield from find_mappings(item, wanted, depth=depth - 1)


def unreadable_finding(problem: Unreadable) -> Finding:
    return Finding(
        message=f"could not read: {problem.reason}",
        location=problem.location,
        rule="alerting.unreadable",
    )


def unread_summary(count: int, templates: Sequence[str]) -> str:
    """Why golive may have missed something: files it could not read, templates it does not
    render."""
    parts = []
    if count:
        parts.append(f"{count} file(s) that may hold it could not be read")
    if templates:
        parts.append(
            f"{len(templates)} Helm template(s) golive does not render mention it "
            f"({', '.join(templates[:3])})"
        )
    return "; ".join(parts)
