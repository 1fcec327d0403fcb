"""Argo Rollouts analysis metrics: what each measures, its limits, cadence and length."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TypeGuard

from golive.checks._delivery_conditions import Measure, classify, error_limit
from golive.checks._delivery_model import Bound, Metric, Timing, go_duration
from golive.checks._yaml import YamlMap

__all__ = ["args_of", "dry_run_of", "is_number", "read_metric"]

_ARG = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.\-]+)\s*\}\}")
_QUERY_KEYS = frozenset({"query", "formula", "jsonPath", "expression", "metricName", "nrql"})
_WEB_TIMEOUT_DEFAULT = 10.0


def read_metric(item: YamlMap, args: dict[str, str], dry_run: list[str]) -> Metric:
    name = str(item.get("name") or "?")
    provider = item.get("provider")
    reading = classify(name, " ".join(_queries(provider)))
    conditions = {
        key: _substitute(item.get(key), args) for key in ("successCondition", "failureCondition")
    }
    bounds: dict[str, Bound | None] = {}
    for key, text in conditions.items():
        limit = error_limit(reading, text, failure=key == "failureCondition") if text else None
        location = item.value_location(key)
        bounds[key] = (
            None if limit is None else Bound(error_rate=limit, text=text or "", location=location)
        )
    success, failure = bounds["successCondition"], bounds["failureCondition"]
    if conditions["failureCondition"]:
        # Without a success condition, a measurement succeeds whenever it does not fail.
        rollback, accepted = failure, (success if conditions["successCondition"] else failure)
    else:
        rollback, accepted = success, success  # it fails whenever it does not succeed
    written = [text for text in conditions.values() if text]
    unclear = None
    if reading.measure is Measure.UNCLEAR and any(re.search(r"[<>]", t) for t in written):
        unclear = f"cannot tell whether metric {name} (`{written[0]}`) measures the error rate"
    elif any("{{" in text for text in written) and rollback is None:
        unclear = f"metric {name} compares with an argument that has no value here: {written[0]}"
    interval = go_duration(_substitute(item.get("interval"), args))
    count = _integer(_substitute(item.get("count"), args))
    delay = go_duration(_substitute(item.get("initialDelay"), args)) or 0.0
    limit = _integer(_substitute(item.get("failureLimit"), args)) or 0
    measurements = count if count is not None else (1 if interval is None else None)
    never = None
    if any(_matches(pattern, name) for pattern in dry_run):
        never = "dryRun lists it, so its failures never fail the analysis"
    elif measurements is not None and limit >= measurements > 0:
        never = f"failureLimit {limit} with {measurements} measurement(s) never fails the analysis"
    if interval is None:
        hold: float | None = delay
    elif count is None:
        hold = None  # measures until the rollout stops it
    else:
        hold = delay + max(count - 1, 0) * interval
    source = next(iter(provider), "?") if isinstance(provider, YamlMap) else "?"
    return Metric(
        name=name,
        location=item.location,
        source=source,
        measures=reading.measure.value,
        rollback=rollback,
        success=accepted,
        never_fails=never,
        unclear=unclear,
        interval=None
        if interval is None
        else Timing(
            seconds=interval,
            location=item.value_location("interval"),
            what=f"interval of metric {name}",
        ),
        timeout=_timeout(provider, name),
        hold=hold,
    )


def _timeout(provider: Any, name: str) -> Timing | None:
    if not isinstance(provider, YamlMap):
        return None
    web = provider.get("web")
    if isinstance(web, YamlMap):
        value = web.get("timeoutSeconds")
        if is_number(value):
            where = web.value_location("timeoutSeconds")
            return Timing(
                seconds=float(value), location=where, what=f"timeoutSeconds of metric {name}"
            )
        where = provider.at("web")
        what = f"web timeout of metric {name} (default 10)"
        return Timing(seconds=_WEB_TIMEOUT_DEFAULT, location=where, what=what)
    prometheus = provider.get("prometheus")
    if isinstance(prometheus, YamlMap) and is_number(prometheus.get("timeout")):
        where = prometheus.value_location("timeout")
        return Timing(
            seconds=float(prometheus["timeout"]), location=where, what=f"timeout of metric {name}"
        )
    return None


def _queries(node: Any, inherited: bool = False) -> Iterator[str]:
    if isinstance(node, str):
        if inherited:
            yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _queries(value, key in _QUERY_KEYS or key == "queries" or inherited)
    elif isinstance(node, list):
        for value in node:
            yield from _queries(value, inherited)


def args_of(node: Any) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in node if isinstance(node, list) else []:
        if isinstance(item, YamlMap) and isinstance(item.get("name"), str):
            value = item.get("value")
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                values[item["name"]] = str(value)
    return values


def dry_run_of(node: Any) -> list[str]:
    return [
        item["metricName"]
        for item in (node if isinstance(node, list) else [])
        if isinstance(item, YamlMap) and isinstance(item.get("metricName"), str)
    ]


def _matches(pattern: str, name: str) -> bool:
    try:
        return pattern == name or re.fullmatch(pattern, name) is not None
    except re.error:
        return False


def _substitute(value: Any, args: dict[str, str]) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    return _ARG.sub(lambda found: args.get(found.group(1), found.group(0)), str(value))


def _integer(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
