"""k6's end-of-test summaries: handleSummary JSON, --summary-export, and the versioned
machine-readable summary (grafana/k6-summary, schema 1.0.0). k6 durations are milliseconds."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from golive.load._external_base import (
    ExternalResult,
    ExternalResultError,
    Model,
    as_number,
    as_object,
    as_text,
    as_time,
    line_of,
    statistic_key,
)

__all__ = ["read_k6"]

_OPEN_EXECUTORS = frozenset({"constant-arrival-rate", "ramping-arrival-rate"})


def read_k6(text: str, name: str) -> ExternalResult:
    """The result in the k6 summary `text`; `name` is the file, for errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExternalResultError(
            f"not JSON: {exc.msg} (column {exc.colno})", path=name, line=exc.lineno
        ) from None
    if not isinstance(data, dict):
        raise ExternalResultError("expected a JSON object (a k6 summary)", path=name, line=1)
    summary = _k6_summary(data, text, name)
    metrics = summary.metrics
    reqs = metrics.get("http_reqs", ({}, {}))[0]
    count, rate = as_number(reqs.get("count")), as_number(reqs.get("rate"))
    if count is None:
        raise ExternalResultError(
            "no http_reqs count: the run made no HTTP requests, or this is not a k6 summary",
            path=name,
            line=line_of(text, '"metrics"'),
        )
    notes: list[str] = []
    failures: int | None = None
    failed = metrics.get("http_req_failed", ({}, {}))[0]
    if (ratio := as_number(failed.get("rate"))) is not None:
        total = sum(as_number(failed.get(key)) or 0 for key in ("passes", "fails")) or count
        failures = min(round(ratio * total), round(count))
    else:
        notes.append("no http_req_failed metric (k6 before v0.31): the error rate is unknown")
    trend = metrics.get("http_req_duration", ({}, {}))[0]
    latency = {
        key: value / 1000
        for stat, raw_value in trend.items()
        if (key := _k6_statistic(stat)) and (value := as_number(raw_value)) is not None
    }
    if not latency:
        notes.append("no http_req_duration statistics: latency is unknown")
    annotation = as_object(data.get("golive"))
    model = _k6_model(annotation.get("scenarios"))
    if model is None:
        notes.append(
            "the summary does not say which executor ran: an arrival-rate executor is "
            "open-model, a VU executor closed-model (golive's k6 export records it)"
        )
    samples = as_number(trend.get("count"))
    # k6 lists only the metrics that got samples: no dropped_iterations, none dropped
    dropped = as_number(metrics.get("dropped_iterations", ({}, {}))[0].get("count")) or 0
    return ExternalResult(
        tool="k6",
        format=summary.shape,
        version=summary.version,
        model=model,
        duration=summary.duration or (count / rate if rate else None),
        requests=round(count),
        failures=failures,
        rate=rate,
        latency=latency,
        latency_samples=round(samples) if samples is not None else None,
        dropped=round(dropped),
        thresholds={
            f"{metric}: {expr}": ok
            for metric, (_, held) in metrics.items()
            for expr, ok in held.items()
        }
        | summary.thresholds,
        finished=summary.finished or as_time(annotation.get("finished")),
        notes=tuple(notes),
    )


@dataclass(frozen=True, kw_only=True)
class _K6Summary:
    """What the three k6 summary shapes hold, brought to one form."""

    shape: str
    metrics: dict[str, _Metric]
    version: str | None = None
    finished: datetime | None = None
    duration: float | None = None
    thresholds: dict[str, bool] = field(default_factory=dict)


def _k6_summary(data: dict[str, Any], text: str, name: str) -> _K6Summary:
    results = data.get("results")
    if "version" in data and isinstance(results, dict):
        metadata = as_object(data.get("metadata"))
        passed = results.get("passed")
        return _K6Summary(
            shape=f"k6 machine-readable summary v{data['version']}",
            metrics=_k6_metric_list(results.get("metrics"), text, name),
            version=as_text(metadata.get("k6Version")),
            finished=as_time(metadata.get("generatedAt")),
            duration=as_number(as_object(data.get("config")).get("duration")),
            thresholds={"all thresholds": passed} if isinstance(passed, bool) else {},
        )
    raw = data.get("metrics")
    if not isinstance(raw, dict):
        raise ExternalResultError(
            'no "metrics" object: not a k6 end-of-test summary', path=name, line=1
        )
    flat = not any(isinstance(as_object(m).get("values"), dict) for m in raw.values())
    ms = as_number(as_object(data.get("state")).get("testRunDurationMs"))
    return _K6Summary(
        shape="k6 --summary-export JSON" if flat else "k6 handleSummary JSON",
        metrics={key: _k6_metric(value, flat=flat) for key, value in raw.items()},
        duration=ms / 1000 if ms is not None else None,
    )


_Metric = tuple[dict[str, Any], dict[str, bool]]  # values, thresholds (expression -> held)


def _k6_metric(raw: Any, *, flat: bool) -> _Metric:
    metric = as_object(raw)
    held = as_object(metric.get("thresholds"))
    if flat:  # --summary-export: values beside "thresholds", whose booleans mean FAILED
        values = {k: v for k, v in metric.items() if k != "thresholds"}
        if "value" in values and "rate" not in values:
            values["rate"] = values["value"]
        return values, {e: not failed for e, failed in held.items() if isinstance(failed, bool)}
    ok = {expr: as_object(state).get("ok") for expr, state in held.items()}
    return as_object(metric.get("values")), {e: v for e, v in ok.items() if isinstance(v, bool)}


def _k6_metric_list(raw: Any, text: str, name: str) -> dict[str, _Metric]:
    if not isinstance(raw, list):
        raise ExternalResultError(
            '"results.metrics" is not a list', path=name, line=line_of(text, '"results"')
        )
    return {
        str(item["name"]): (as_object(item.get("values")), {})
        for item in raw
        if isinstance(item, dict) and "name" in item
    }


def _k6_statistic(stat: str) -> str | None:
    match stat:
        case "avg" | "min" | "max":
            return stat
        case "med":
            return "p50"
    found = re.fullmatch(r"p\(([0-9]+(?:\.[0-9]+)?)\)", stat)
    return statistic_key(found[1]) if found else None


def _k6_model(scenarios: Any) -> Model | None:
    executors = {as_object(s).get("executor") for s in as_object(scenarios).values()}
    if not executors or not all(isinstance(e, str) for e in executors):
        return None
    return "open" if executors <= _OPEN_EXECUTORS else "closed"
