"""The text a backup job runs (commands, arguments, environment, mounted scripts), with places."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from golive.checks._manifests import Manifests, Resource
from golive.checks._yaml import YamlMap, YamlSeq
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["ConfigMaps", "Found", "Segment", "container_segments", "pod_spec", "search"]

_FOLDED_LINES = 40  # how far below a folded value's first line a match is looked for


@dataclass(frozen=True, kw_only=True)
class _Piece:
    offset: int  # where this piece starts in the segment's text
    location: Location


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A run of text from one place (a container's argv, its environment, a script in a
    ConfigMap), with the location of each piece so a match can be placed on its line."""

    text: str
    pieces: tuple[_Piece, ...]
    kind: str = "text"  # "image", "argv", "env" or "text" (a script or configuration)

    @classmethod
    def of(cls, parts: list[tuple[str, Location]], sep: str = " ", kind: str = "text") -> Segment:
        pieces, offset = [], 0
        for text, location in parts:
            pieces.append(_Piece(offset=offset, location=location))
            offset += len(text) + len(sep)
        return cls(text=sep.join(text for text, _ in parts), pieces=tuple(pieces), kind=kind)

    def locate(self, position: int, token: str, repo: Repository) -> Location:
        """Where the text at `position` (which starts with `token`) is written."""
        piece = next(p for p in reversed(self.pieces) if p.offset <= position)
        inner = self.text[piece.offset : position]
        base = piece.location
        below = inner.count("\n")
        line = (base.line or 1) + below
        if below == 0 and base.column is not None:
            column: int | None = base.column + len(inner)
        else:
            column = None
        # The file's own lines are the truth (quotes, block indentation, folded `>` text):
        # find the token on that line or, for folded text, a few lines below.
        text = repo.text(base.path)
        lines = text.split("\n", line + _FOLDED_LINES)[: line + _FOLDED_LINES] if text else []
        for number in range(line, min(line + _FOLDED_LINES, len(lines)) + 1):
            found = lines[number - 1].find(token) if token else -1
            if found >= 0:
                return Location(path=base.path, line=number, column=found + 1)
        return Location(path=base.path, line=line, column=column)


@dataclass(frozen=True, kw_only=True)
class Found:
    """A pattern's match in a segment, and where it is written."""

    match: re.Match[str]
    location: Location


def search(pattern: re.Pattern[str], segments: list[Segment], repo: Repository) -> Found | None:
    """The first match of `pattern` in `segments`, with its location."""
    for segment in segments:
        match = pattern.search(segment.text)
        if match is not None:
            token = match.group(0).strip().splitlines()[0] if match.group(0).strip() else ""
            return Found(match=match, location=segment.locate(match.start(), token, repo))
    return None


class ConfigMaps:
    """The repository's ConfigMaps by namespace and name, so a job's mounted scripts are read."""

    def __init__(self, manifests: Manifests) -> None:
        self._by_name: dict[str, list[Resource]] = {}
        for resource in manifests.of_kind("ConfigMap"):
            if resource.name:
                self._by_name.setdefault(resource.name, []).append(resource)

    def get(self, name: str, namespace: str | None) -> Resource | None:
        candidates = self._by_name.get(name, [])
        same = [c for c in candidates if c.namespace == namespace]
        if same:
            return same[0]
        return candidates[0] if len(candidates) == 1 else None

    def segments(self, name: str, namespace: str | None, key: str | None = None) -> list[Segment]:
        resource = self.get(name, namespace)
        if resource is None:
            return []
        data = resource.body.get("data")
        if not isinstance(data, YamlMap):
            return []
        return [
            Segment.of([(f"{value}", data.value_location(item))])
            for item, value in data.items()
            if (key is None or item == key) and isinstance(value, str | int | float)
        ]


def pod_spec(resource: Resource) -> YamlMap | None:
    """The pod spec of a workload: CronJob, Job, Deployment, StatefulSet, DaemonSet or Pod."""
    body: Any = resource.body
    path = {
        "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
        "Pod": ("spec",),
    }.get(resource.kind, ("spec", "template", "spec"))
    for key in path:
        body = body.get(key) if isinstance(body, YamlMap) else None
    return body if isinstance(body, YamlMap) else None


def containers(spec: YamlMap) -> Iterator[YamlMap]:
    for key in ("initContainers", "containers"):
        listed = spec.get(key)
        if isinstance(listed, YamlSeq):
            yield from (c for c in listed if isinstance(c, YamlMap))


def container_segments(
    spec: YamlMap, namespace: str | None, config_maps: ConfigMaps
) -> list[Segment]:
    """Everything the pod's containers run: image, command and arguments, environment (names
    and literal values; values from Secrets are not read), and ConfigMaps they mount or load."""
    segments: list[Segment] = []
    mounted: list[str] = []
    for container in containers(spec):
        image = container.get("image")
        if isinstance(image, str):
            segments.append(Segment.of([(image, container.value_location("image"))], kind="image"))
        argv: list[tuple[str, Location]] = []
        for key in ("command", "args"):
            items = container.get(key)
            if isinstance(items, YamlSeq):
                argv.extend(
                    (str(item), items.item_at[i])
                    for i, item in enumerate(items)
                    if isinstance(item, str | int | float)
                )
        if argv:
            segments.append(Segment.of(argv, kind="argv"))
        segments.extend(_environment(container, namespace, config_maps))
        for source in container.get("envFrom") or ():
            ref = source.get("configMapRef") if isinstance(source, YamlMap) else None
            if isinstance(ref, YamlMap) and isinstance(ref.get("name"), str):
                mounted.append(ref["name"])
    for volume in spec.get("volumes") or ():
        if not isinstance(volume, YamlMap):
            continue
        config_map = volume.get("configMap")
        if isinstance(config_map, YamlMap) and isinstance(config_map.get("name"), str):
            mounted.append(config_map["name"])
        projected = volume.get("projected")
        for source in (projected.get("sources") or ()) if isinstance(projected, YamlMap) else ():
            inner = source.get("configMap") if isinstance(source, YamlMap) else None
            if isinstance(inner, YamlMap) and isinstance(inner.get("name"), str):
                mounted.append(inner["name"])
    for name in dict.fromkeys(mounted):
        segments.extend(config_maps.segments(name, namespace))
    return segments


def _environment(
    container: YamlMap, namespace: str | None, config_maps: ConfigMaps
) -> list[Segment]:
    env = container.get("env")
    if not isinstance(env, YamlSeq):
        return []
    parts: list[tuple[str, Location]] = []
    found: list[Segment] = []
    for index, entry in enumerate(env):
        if not isinstance(entry, YamlMap) or not isinstance(entry.get("name"), str):
            continue
        value = entry.get("value")
        source = entry.get("valueFrom")
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            parts.append((f"{entry['name']}={value}", env.item_at[index]))
        elif isinstance(source, YamlMap):
            parts.append((f"{entry['name']}=<from {_origin(source)}>", env.item_at[index]))
            ref = source.get("configMapKeyRef")
            if isinstance(ref, YamlMap) and isinstance(ref.get("name"), str):
                key = ref.get("key") if isinstance(ref.get("key"), str) else None
                found.extend(config_maps.segments(ref["name"], namespace, key))
    return ([Segment.of(parts, sep="\n", kind="env")] if parts else []) + found


def _origin(source: YamlMap) -> str:
    for key, label in (("secretKeyRef", "a Secret"), ("configMapKeyRef", "a ConfigMap")):
        if key in source:
            return label
    return "the cluster"
