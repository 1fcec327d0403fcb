"""Helm charts rendered offline with `helm template`, read back through the safe YAML layer."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from golive.checks._k8s_model import ChartGap
from golive.checks._manifests import Resource, resource_of
from golive.checks._process import run_tool
from golive.checks._yaml import YamlError, YamlMap, YamlSeq, parse_yaml, parse_yaml_documents
from golive.checks.base import Unknown
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["Rendered", "render_charts"]

_TIMEOUT = 60.0  # seconds per chart; rendering is local and quick
_SOURCE = re.compile(r"^# Source: (\S+)\s*$", re.MULTILINE)
_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
_LOOKAHEAD = 400  # template lines searched for a rendered line


@dataclass(frozen=True, kw_only=True)
class Rendered:
    """What rendering the repository's charts gave."""

    resources: tuple[Resource, ...]
    gaps: tuple[ChartGap, ...]
    charts: tuple[str, ...]  # rendered


def render_charts(repo: Repository, charts: tuple[str, ...]) -> Rendered:
    """Render each top-level chart with `helm template <chart>` (subcharts under `charts/`
    render with their parent), fetching nothing: a chart whose dependencies are not in its
    `charts/` folder is not rendered, and says so. The `# Source:` comment helm writes before
    each document names its template; locations move to that template, at the line that reads
    the same (or starts with the same key), so findings point into the chart."""
    tops = [c for c in charts if not any(_inside(c, parent) for parent in charts if parent != c)]
    if not tops:
        return Rendered(resources=(), gaps=(), charts=())
    helm = shutil.which("helm")
    resources: list[Resource] = []
    gaps: list[ChartGap] = []
    rendered: list[str] = []
    for chart in tops:
        where = Location(path=_join(chart, "Chart.yaml"), line=1)
        meta = _chart_yaml(repo, chart)
        if meta.get("type") == "library":
            continue  # a library chart renders nothing by itself
        if helm is None:
            gaps.append(ChartGap(chart=chart, reason="helm is not installed", location=where))
            continue
        missing = _missing_dependencies(repo, chart, meta)
        if missing:
            reason = (
                f"dependencies missing from {_join(chart, 'charts')}/: {', '.join(missing)} "
                "(run `helm dependency build` with network access, or vendor them)"
            )
            gaps.append(ChartGap(chart=chart, reason=reason, location=where))
            continue
        try:
            run = run_tool([helm, "template", chart or "."], cwd=repo.root, timeout=_TIMEOUT)
        except Unknown as exc:
            gaps.append(ChartGap(chart=chart, reason=exc.reason, location=where))
            continue
        if run.returncode != 0:
            first = next((ln for ln in run.stderr.splitlines() if ln.strip()), "no message")
            reason = f"`helm template` failed: {first.strip()}"
            gaps.append(ChartGap(chart=chart, reason=reason, location=where))
            continue
        try:
            resources.extend(_read_output(repo, chart, run.stdout))
        except YamlError as error:
            reason = f"helm rendered {error.location.path} as invalid YAML: {error.message}"
            gaps.append(ChartGap(chart=chart, reason=reason, location=error.location))
            continue
        rendered.append(chart)
    return Rendered(resources=tuple(resources), gaps=tuple(gaps), charts=tuple(rendered))


def _inside(chart: str, parent: str) -> bool:
    return chart.startswith(_join(parent, "charts") + "/")


def _join(chart: str, name: str) -> str:
    return f"{chart}/{name}" if chart else name


def _chart_yaml(repo: Repository, chart: str) -> YamlMap:
    text = repo.text(_join(chart, "Chart.yaml"))
    try:
        meta = parse_yaml(text or "", _join(chart, "Chart.yaml"))
    except YamlError:
        meta = None
    return meta if isinstance(meta, YamlMap) else YamlMap(Location(path=chart))


def _missing_dependencies(repo: Repository, chart: str, meta: YamlMap) -> list[str]:
    declared = meta.get("dependencies")
    if not isinstance(declared, list):  # Helm 2 charts list them in requirements.yaml
        text = repo.text(_join(chart, "requirements.yaml"))
        try:
            requirements = parse_yaml(text, _join(chart, "requirements.yaml")) if text else None
        except YamlError:
            requirements = None
        declared = requirements.get("dependencies") if isinstance(requirements, dict) else None
    names = [d.get("name") for d in declared or [] if isinstance(d, dict)]
    folder = repo.root / chart / "charts"
    missing = []
    for name in names:
        if not isinstance(name, str):
            continue
        present = (folder / name / "Chart.yaml").is_file() or any(folder.glob(f"{name}-*.tgz"))
        if not present:
            missing.append(name)
    return missing


def _read_output(repo: Repository, chart: str, output: str) -> Iterator[Resource]:
    counts: dict[str, int] = {}
    for chunk in _SEPARATOR.split(output):
        source = _SOURCE.search(chunk)
        if source is None or not chunk.strip():
            continue
        _, _, inside = source.group(1).partition("/")  # `<chart name>/templates/x.yaml`
        path = _join(chart, inside)
        lines = _LineMap(chunk, repo.text(path))
        for document in parse_yaml_documents(chunk, path):
            if not isinstance(document, YamlMap):
                continue
            _relocate(document, lines)
            index = counts.get(path, 0)
            counts[path] = index + 1
            resource = resource_of(path, index, document)
            if resource is not None:
                yield resource


class _LineMap:
    """Rendered line numbers to template line numbers: the next template line that reads the
    same, else the next that starts with the same key, else the last one matched. The column
    is kept where the two lines are indented alike."""

    def __init__(self, rendered: str, template: str | None) -> None:
        self._rendered = rendered.splitlines()
        self._template = (template or "").splitlines()
        self._stripped = [line.strip() for line in self._template]
        self._known = template is not None
        self._map: dict[int, tuple[int, bool] | None] = {}
        self._cursor = 0
        self._last: tuple[int, bool] | None = None

    def __call__(self, location: Location) -> Location:
        if location.line is None or not self._known:
            return Location(path=location.path)
        found = self._line(location.line)
        if found is None:
            return Location(path=location.path)
        line, aligned = found
        return Location(path=location.path, line=line, column=location.column if aligned else None)

    def _line(self, line: int) -> tuple[int, bool] | None:
        for number in range(len(self._map) + 1, line + 1):  # in order, so the cursor advances
            self._map[number] = self._match(number)
        return self._map.get(line)

    def _match(self, number: int) -> tuple[int, bool] | None:
        raw = self._rendered[number - 1] if number <= len(self._rendered) else ""
        text = raw.strip()
        if not text or text.startswith("#") or text == "---":
            return self._last
        key = text.split(":", 1)[0] + ":" if ":" in text else None
        window = range(self._cursor, min(len(self._stripped), self._cursor + _LOOKAHEAD))
        found = next((i for i in window if self._stripped[i] == text), None)
        if found is None and key is not None:
            found = next((i for i in window if self._stripped[i].startswith(key)), None)
        if found is not None:
            self._cursor = found + 1
            indent = len(self._template[found]) - len(self._template[found].lstrip())
            self._last = (found + 1, indent == len(raw) - len(raw.lstrip()))
        return self._last


def _relocate(node: Any, lines: _LineMap) -> None:
    if isinstance(node, YamlMap):
        node.location = lines(node.location)
        for key, value in node.items():
            if key in node.key_at:
                node.key_at[key] = lines(node.key_at[key])
            if key in node.value_at:
                node.value_at[key] = lines(node.value_at[key])
            _relocate(value, lines)
    elif isinstance(node, YamlSeq):
        node.location = lines(node.location)
        node.item_at[:] = [lines(where) for where in node.item_at]
        for value in node:
            _relocate(value, lines)
