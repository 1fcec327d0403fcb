"""Service-level objectives kept in the repository (Sloth, Pyrra, OpenSLO), read into one shape."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from golive.checks._alerting_sources import expand_lists, plain_yaml
from golive.checks._manifests import Manifests, Resource, Unreadable
from golive.checks._yaml import YamlMap, YamlSeq
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["Slo", "SloDefinitions", "load_slo_definitions"]

# An objective is held as a fraction (99.9 % is 0.999). An SLO is a latency SLO when its
# indicator counts requests under a latency bound (a `_bucket{le="0.25"}` series, a Pyrra latency
# indicator, an OpenSLO threshold on a duration metric); its bound is read in seconds when it
# can be. Every other SLO is an availability (error-ratio) SLO.

_LE = re.compile(r"""\ble\s*=~?\s*["']([0-9.eE+]+)["']""")
_LATENCY_WORDS = re.compile(r"latency|duration|response_time", re.IGNORECASE)
_PYRRA_DURATION = re.compile(r"^([0-9.]+)(ms|s|m)$")


@dataclass(frozen=True, kw_only=True)
class Slo:
    """One objective of one SLO."""

    framework: str  # sloth, pyrra, openslo
    name: str
    service: str | None
    objective: float | None  # a fraction; None when it cannot be read
    objective_text: str
    kind: str  # "availability" or "latency"
    latency: float | None  # the latency bound in seconds, for latency SLOs that show it
    alerting: bool  # the framework generates burn-rate alerts from it
    location: Location  # the objective's line (the SLO's when it has none)
    source: str
    path: str

    @property
    def subjects(self) -> tuple[str, ...]:
        return (self.source, self.path, f"{self.source}/{self.name}")

    @property
    def label(self) -> str:
        return f"{self.framework} SLO {self.name!r}"


@dataclass(frozen=True, kw_only=True)
class SloDefinitions:
    slos: tuple[Slo, ...]
    unreadable: tuple[Unreadable, ...] = ()


def load_slo_definitions(repo: Repository, manifests: Manifests) -> SloDefinitions:
    slos: list[Slo] = []
    for resource in expand_lists(manifests.resources):
        slos.extend(_from_resource(resource))
    plain, unreadable, _ = plain_yaml(repo, manifests, needles=("slos:",))
    for document in plain:
        data = document.data
        if isinstance(data, YamlMap) and str(data.get("version", "")).startswith("prometheus/"):
            slos.extend(_sloth(data, document.source, document.path))
    broken = [u for u in manifests.unreadable if _mentions_slos(repo.text(u.path) or "")]
    return SloDefinitions(slos=tuple(slos), unreadable=(*broken, *unreadable))


def _mentions_slos(text: str) -> bool:
    return any(word in text for word in ("slos:", "ServiceLevelObjective", "openslo/"))


def _from_resource(resource: Resource) -> Iterator[Slo]:
    spec = resource.body.get("spec")
    if not isinstance(spec, YamlMap):
        return
    if resource.group == "sloth.slok.dev" and resource.kind == "PrometheusServiceLevel":
        yield from _sloth(spec, resource.ref, resource.path)
    elif resource.group == "pyrra.dev" and resource.kind == "ServiceLevelObjective":
        yield _pyrra(spec, resource)
    elif resource.api_version.startswith("openslo/") and resource.kind == "SLO":
        yield from _openslo(spec, resource)


def _sloth(spec: YamlMap, source: str, path: str) -> Iterator[Slo]:
    service = _text(spec.get("service"))
    slos = spec.get("slos")
    if not isinstance(slos, YamlSeq):
        return
    for item in slos:
        if not isinstance(item, YamlMap):
            continue
        queries = _strings(item.get("sli"))
        latency = _latency_bound(queries)
        alerting = item.get("alerting")
        generates = isinstance(alerting, YamlMap) and not (
            _disabled(alerting.get("page_alert")) and _disabled(alerting.get("ticket_alert"))
        )
        yield Slo(
            framework="sloth",
            name=_text(item.get("name")) or "?",
            service=service,
            objective=_fraction(item.get("objective"), percent=True),
            objective_text=_text(item.get("objective")) or "(none)",
            kind="availability" if latency is None else "latency",
            latency=latency,
            alerting=generates,
            location=item.value_location("objective") if "objective" in item else item.location,
            source=source,
            path=path,
        )


def _disabled(alert: Any) -> bool:
    return isinstance(alert, YamlMap) and alert.get("disable") is True


def _pyrra(spec: YamlMap, resource: Resource) -> Slo:
    indicator = spec.get("indicator")
    indicator = indicator if isinstance(indicator, YamlMap) else YamlMap(resource.location)
    latency: float | None = None
    kind = "availability"
    if "latency" in indicator:
        kind, latency = "latency", _latency_bound(_strings(indicator.get("latency")))
    elif "latencyNative" in indicator:
        native = indicator.get("latencyNative")
        bound = _text(native.get("latency")) if isinstance(native, YamlMap) else None
        kind, latency = "latency", _pyrra_seconds(bound)
    alerting = spec.get("alerting")
    disabled = isinstance(alerting, YamlMap) and alerting.get("disabled") is True
    return Slo(
        framework="pyrra",
        name=resource.name or "?",
        service=None,
        objective=_fraction(spec.get("target"), percent=True),
        objective_text=_text(spec.get("target")) or "(none)",
        kind=kind,
        latency=latency,
        alerting=not disabled,
        location=spec.value_location("target") if "target" in spec else resource.location,
        source=resource.ref,
        path=resource.path,
    )


def _openslo(spec: YamlMap, resource: Resource) -> Iterator[Slo]:
    objectives = spec.get("objectives")
    if not isinstance(objectives, YamlSeq):
        return
    indicator = _strings(spec.get("indicator")) + _strings(spec.get("indicatorRef"))
    for position, objective in enumerate(objectives, start=1):
        if not isinstance(objective, YamlMap):
            continue
        if "targetPercent" in objective:
            key, value = "targetPercent", _fraction(objective.get("targetPercent"), percent=True)
        else:
            key, value = "target", _fraction(objective.get("target"), percent=False)
        bound = objective.get("value")
        words = [*indicator, _text(objective.get("displayName")) or "", resource.name or ""]
        latency_like = "op" in objective and bound is not None and _is_latency(words)
        name = _text(objective.get("displayName")) or f"{resource.name or '?'} #{position}"
        yield Slo(
            framework="openslo",
            name=name,
            service=_text(spec.get("service")),
            objective=value,
            objective_text=_text(objective.get(key)) or "(none)",
            kind="latency" if latency_like else "availability",
            latency=_openslo_seconds(bound, indicator) if latency_like else None,
            alerting=False,
            location=objective.value_location(key) if key in objective else objective.location,
            source=resource.ref,
            path=resource.path,
        )


def _fraction(value: Any, *, percent: bool) -> float | None:
    if value is None or isinstance(value, bool | YamlMap | YamlSeq):
        return None
    try:
        number = float(str(value).strip().rstrip("%"))
    except ValueError:
        return None
    if percent or number > 1:
        number /= 100
    return number if 0 < number <= 1 else None


def _latency_bound(queries: list[str]) -> float | None:
    for query in queries:
        found = _LE.search(query)
        if found and "_bucket" in query:
            try:
                value = float(found.group(1))
            except ValueError:
                continue
            return value / 1000 if re.search(r"_(milliseconds|ms)_bucket", query) else value
    return None


def _is_latency(texts: list[str]) -> bool:
    return any(_LATENCY_WORDS.search(text) for text in texts)


def _pyrra_seconds(text: str | None) -> float | None:
    found = _PYRRA_DURATION.match(text or "")
    if not found:
        return None
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0}[found.group(2)]
    return float(found.group(1)) * scale


def _openslo_seconds(value: Any, indicator: list[str]) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    text = " ".join(indicator)
    if re.search(r"_(milliseconds|ms)\b", text):
        return number / 1000
    if re.search(r"_seconds\b", text):
        return number
    return None  # the metric's unit is not written down


def _strings(value: Any) -> list[str]:
    """Every string inside `value` (queries of an indicator, wherever they are nested)."""
    if isinstance(value, YamlMap):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, YamlSeq):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, YamlMap | YamlSeq):
        return None
    return str(value)
