"""A small client for Prometheus' HTTP API: instant and range queries, and the loaded rules.

Every request is a GET through the target policy (`golive.probes.http.request`) to a
target whose URL is the Prometheus server (with its route prefix, if any). Whatever keeps an
answer from being read -- a transport failure, an HTTP error, a body that is not Prometheus'
JSON envelope, `"status": "error"` -- is a `PrometheusError` whose message says which call
failed and why, with Prometheus' own `error` text when it gave one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from golive.probes.http import HttpError, Response, request
from golive.probes.safety import PinnedTarget

__all__ = ["Prometheus", "PrometheusError", "RangeSeries", "Rule", "Series"]

_LIMIT = 32 * 1024 * 1024  # bytes of one answer read and kept


class PrometheusError(Exception):
    """An API call gave no usable answer; the message says which and why."""


@dataclass(frozen=True, kw_only=True)
class Series:
    """One element of an instant vector (or a scalar, with no labels)."""

    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True, kw_only=True)
class RangeSeries:
    """One series of a range query: (timestamp in seconds, value) pairs."""

    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One loaded rule as /api/v1/rules reports it."""

    name: str
    query: str
    type: str  # alerting | recording
    health: str  # ok | err | unknown (not evaluated yet)
    last_error: str | None
    group: str
    file: str
    labels: Mapping[str, str]


class Prometheus:
    """The API of the Prometheus server at `target`."""

    def __init__(self, target: PinnedTarget, *, timeout: float = 30.0) -> None:
        self.target = target
        self.timeout = timeout

    def query(self, expr: str, *, at: float | None = None) -> list[Series]:
        """`GET /api/v1/query`: the expression's value at `at` (the server's now without it)."""
        params = {"query": expr}
        if at is not None:
            params["time"] = _timestamp(at)
        data = self._get("/api/v1/query", params)
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar" and isinstance(result, list):
            return [Series(labels={}, value=_value(result, "/api/v1/query"))]
        if kind != "vector" or not isinstance(result, list):
            raise PrometheusError(
                f"/api/v1/query answered a {kind} for {expr!r}; expected a vector or a scalar"
            )
        return [
            Series(labels=_labels(item), value=_value(item.get("value"), "/api/v1/query"))
            for item in result
            if isinstance(item, dict)
        ]

    def query_range(self, expr: str, *, start: float, end: float, step: float) -> list[RangeSeries]:
        """`GET /api/v1/query_range`: the expression at every `step` from `start` to `end`."""
        params = {
            "query": expr,
            "start": _timestamp(start),
            "end": _timestamp(end),
            "step": _timestamp(step),
        }
        data = self._get("/api/v1/query_range", params)
        result = data.get("result")
        if data.get("resultType") != "matrix" or not isinstance(result, list):
            raise PrometheusError(f"/api/v1/query_range did not answer a matrix for {expr!r}")
        found: list[RangeSeries] = []
        for item in result:
            if not isinstance(item, dict):
                continue
            values = item.get("values")
            points = tuple(
                (float(pair[0]), _value(pair, "/api/v1/query_range"))
                for pair in (values if isinstance(values, list) else [])
                if isinstance(pair, list) and len(pair) == 2
            )
            found.append(RangeSeries(labels=_labels(item), points=points))
        return found

    def rules(self, *, kind: str | None = None) -> list[Rule]:
        """`GET /api/v1/rules`: every loaded rule (`kind`: "alert" or "record" only)."""
        data = self._get("/api/v1/rules", {"type": kind} if kind else {})
        groups = data.get("groups")
        if not isinstance(groups, list):
            raise PrometheusError("/api/v1/rules answered no list of groups")
        found: list[Rule] = []
        for group in groups:
            if not isinstance(group, dict):
                continue
            for rule in group.get("rules") or ():
                if not isinstance(rule, dict):
                    continue
                error = rule.get("lastError")
                labels = rule.get("labels")
                found.append(
                    Rule(
                        name=str(rule.get("name", "")),
                        query=str(rule.get("query", "")),
                        type=str(rule.get("type", "")),
                        health=str(rule.get("health", "unknown")),
                        last_error=str(error) if error else None,
                        group=str(group.get("name", "")),
                        file=str(group.get("file", "")),
                        labels={str(k): str(v) for k, v in labels.items()}
                        if isinstance(labels, dict)
                        else {},
                    )
                )
        return found

    def _get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        url = f"{path}?{urlencode(params)}" if params else path
        try:
            response = request(
                self.target,
                "GET",
                url,
                headers=[("Accept", "application/json")],
                timeout=self.timeout,
                keep=_LIMIT,
                read_limit=_LIMIT,
                credentials=self.target.credential is not None,
            )
        except HttpError as exc:
            raise PrometheusError(f"GET {self.target.url(path)} failed: {exc}") from None
        return _envelope(response, self.target.url(path))


def _envelope(response: Response, where: str) -> dict[str, Any]:
    if response.body_size >= _LIMIT:
        raise PrometheusError(f"{where} answered more than {_LIMIT // (1024 * 1024)} MiB")
    body = response.json()
    if not isinstance(body, dict) or body.get("status") not in {"success", "error"}:
        raise PrometheusError(
            f"{where} answered {response.status} {response.content_type or 'without a type'}, "
            f"not Prometheus' API JSON: {response.text(120)!r}"
        )
    if body["status"] == "error" or response.status != 200:
        kind = body.get("errorType") or f"HTTP {response.status}"
        raise PrometheusError(f"{where}: {kind}: {body.get('error') or 'no error message'}")
    data = body.get("data")
    if not isinstance(data, dict):
        raise PrometheusError(f"{where} answered no data object")
    return data


def _labels(item: Mapping[str, Any]) -> dict[str, str]:
    metric = item.get("metric")
    return {str(k): str(v) for k, v in metric.items()} if isinstance(metric, dict) else {}


def _value(pair: Any, where: str) -> float:
    """The value of a `[timestamp, "value"]` pair ("NaN", "+Inf" and "-Inf" included)."""
    if not isinstance(pair, Sequence) or len(pair) != 2 or not isinstance(pair[1], str):
        raise PrometheusError(f'{where} answered a value that is not [time, "value"]: {pair!r}')
    try:
        return float(pair[1])
    except ValueError:
        raise PrometheusError(
            f"{where} answered a value that is not a number: {pair[1]!r}"
        ) from None


def _timestamp(seconds: float) -> str:
    if not math.isfinite(seconds):
        raise ValueError(f"not a finite time: {seconds}")
    return f"{seconds:.3f}".rstrip("0").rstrip(".")
