"""Prometheus checks: the service within its SLO over a window, and the required alert rules
loaded and healthy, read from Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`,
`/api/v1/rules`) on the target the checklist names with `prometheus`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Self

from pydantic import Field, field_validator, model_validator

from golive.checks._alerting_categories import CATEGORIES, category_of_key, recognise
from golive.checks._alerting_promql import Expression, Matcher, Selector, scan
from golive.checks.base import Check, CheckParams, Unknown, failed, passed, unknown, warned
from golive.checks.fixtures import ServiceInfo
from golive.checks.metrics import STATUS_LABELS, is_latency_name, is_request_counter_name
from golive.checks.params import CountThreshold, Duration, DurationThreshold, RatioThreshold
from golive.model import Finding, Kind, Outcome, Status
from golive.probes.prometheus import Prometheus, PrometheusError, Rule
from golive.probes.safety import Consent, ProbePolicy
from golive.stats import clopper_pearson, hardest_bound
from golive.thresholds import Comparator, Threshold, describe_duration, min_samples

__all__ = [
    "AlertsLoaded",
    "AlertsLoadedParams",
    "PrometheusParams",
    "Slo",
    "SloParams",
]

DEFAULT_CATEGORIES = ("service-down", "error-rate", "latency", "cert-expiry")
_COVERAGE = 0.9  # the share of the window the series must cover
_STEPS = 60  # coverage is read at this many steps across the window (and its end)
_HTTP_ERRORS = "5..|5xx|5XX"
_HTTP_STATUS = re.compile(r"[1-5](?:[0-9][0-9]|xx|XX)")
# gRPC server-side failures, as go-grpc and OpenTelemetry spell them
_GRPC_ERRORS = (
    "Unknown|DeadlineExceeded|Internal|Unavailable|DataLoss"
    "|UNKNOWN|DEADLINE_EXCEEDED|INTERNAL|UNAVAILABLE|DATA_LOSS"
)
_GRPC_STATUS = re.compile(r"[A-Z][A-Za-z_]*")
_PLACEHOLDERS = ("{{.window}}", "{{ .window }}", "${window}", "$window")
_UNITS = (("_seconds", 1.0), ("_milliseconds", 1e-3), ("_microseconds", 1e-6), ("_ms", 1e-3))


class PrometheusParams(CheckParams):
    # The target whose url is the Prometheus server; default: a target named "prometheus".
    prometheus: str | None = None


class SloParams(PrometheusParams):
    window: Duration = 3600.0
    response_time: DurationThreshold | None = None  # `p95<250ms`; the statistic defaults to p95
    error_rate: RatioThreshold | None = None  # `<1%`
    availability: RatioThreshold | None = None  # `>=99.9%`
    query: str | None = None  # any PromQL; `$window` (or `{{.window}}`) becomes the window
    objective: CountThreshold | None = None  # what `query`'s value must meet: `>=0.999`
    job: str | None = None  # the service's job label; default: the service's name
    selector: str | None = None  # more label matchers for its series: `route!="/healthz"`
    requests_metric: str | None = None  # default: the job's one request counter
    duration_metric: str | None = None  # a histogram's name; default: the job's one
    status_label: str | None = None  # default: the first of code, status, status_code ...
    error_rate_query: str | None = None  # a ratio from 0 to 1, replacing the default query
    latency_query: str | None = None  # in seconds
    availability_query: str | None = None  # a ratio from 0 to 1

    @model_validator(mode="after")
    def _paired(self) -> Self:
        if (self.query is None) != (self.objective is None):
            raise ValueError(
                "query and objective go together: the value of query must meet objective"
            )
        if self.window <= 0:
            raise ValueError("window must be longer than 0 s")
        return self


class AlertsLoadedParams(PrometheusParams):
    categories: list[str] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    job: str | None = None  # when set, rules whose selectors name another job do not count

    @field_validator("categories")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        found: list[str] = []
        for name in value:
            category = category_of_key(name)
            if category is None:
                raise ValueError(
                    f'unknown alert category "{name}"; expected one of {", ".join(CATEGORIES)}'
                )
            found.append(category)
        return list(dict.fromkeys(found))


# --- prometheus.slo ---------------------------------------------------------------------------


class Slo(Check):
    """Prometheus shows the service within its SLO over the window.

    Each threshold given is evaluated with an instant query at Prometheus' current time over
    `window` (default 1h):

    - `error_rate`: `increase()` of 5xx requests (gRPC server errors for `grpc_code`) over
      all requests of the service's request counter (`job` defaults to the service's name;
      the counter, its status label and the duration histogram are found among the job's
      metrics unless named; a status label whose values are not statuses is unknown);
    - `availability`: the share of non-5xx requests; the share of successful scrapes of the
      best-scraped instance (`max(avg_over_time(up[window]))`) must meet it too;
    - `response_time`: `histogram_quantile()` of the duration histogram for the threshold's
      percentile (p95 by default), or the mean for `avg`;
    - `query` with `objective`: any PromQL whose every series must meet `objective`.

    `error_rate_query`, `latency_query` and `availability_query` replace the default queries.
    A threshold is unknown when the series it reads cover less than 90 % of the window, when
    the query returns nothing or NaN (no requests), when too few requests were counted for a
    percentile (p95 needs 200), or when the one-sided 95 % Clopper-Pearson bound of an error
    rate or availability does not clear the threshold though the estimate does. A quantile
    that falls in the +Inf bucket is only a lower bound. Any threshold broken fails.
    """

    id = "prometheus.slo"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "a few GETs of the Prometheus query API"
    Params = SloParams
    timeout = 180.0
    fix = (
        "Find what breaks the objective in the evidence's queries (errors by route, slow "
        "endpoints) and fix it, or correct the objective if it was never realistic."
    )

    def run(self, params: SloParams, probes: ProbePolicy, service: ServiceInfo) -> Outcome:
        goals = _goals(params)
        if not goals:
            raise Unknown(
                "no objective to check: set response_time, error_rate, availability, or query "
                "with objective"
            )
        api = _server(probes, params.prometheus)
        try:
            now = api.query("time()")[0].value
        except (PrometheusError, IndexError) as exc:
            raise Unknown(f"Prometheus at {api.target.origin} did not answer: {exc}") from None
        job = params.job or service.name
        reader = _Reader(api=api, now=now, params=params, job=job)
        verdicts = [reader.judge(goal) for goal in goals]
        facts: dict[str, str | int | float | bool] = {
            "window_seconds": params.window,
            "job": job,
            **reader.sloth_budget(service.name),
        }
        findings = [v.finding(self.id) for v in verdicts]
        window = describe_duration(params.window)
        observed = "; ".join(v.observed for v in verdicts)
        required = "; ".join(v.required for v in verdicts)
        broken = [v for v in verdicts if v.status is Status.FAIL]
        undecided = [v for v in verdicts if v.status is Status.UNKNOWN]
        if broken:
            return failed(
                f"over the last {window}: " + "; ".join(v.headline for v in broken),
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        if undecided:
            return unknown(
                f"over the last {window}: " + "; ".join(v.headline for v in undecided),
                observed=observed,
                required=required,
                findings=findings,
                facts=facts,
            )
        return passed(
            f"within the objective over the last {window}: "
            + "; ".join(v.headline for v in verdicts),
            observed=observed,
            required=required,
            findings=findings,
            facts=facts,
        )


@dataclass(frozen=True, kw_only=True)
class _Goal:
    name: str  # error rate, availability, response time, query
    threshold: Threshold


@dataclass(frozen=True, kw_only=True)
class _Verdict:
    goal: _Goal
    status: Status
    summary: str
    value: str | None = None
    queries: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        return f"{self.goal.name}: {self.summary}"

    @property
    def observed(self) -> str:
        return f"{self.goal.name}: {self.value or 'unknown'}"

    @property
    def required(self) -> str:
        return f"{self.goal.name} {self.goal.threshold}"

    def finding(self, check: str) -> Finding:
        parts = [f"{self.goal.name} {self.goal.threshold}: {self.summary}"]
        parts += list(self.notes)
        parts += [f"query: {q}" for q in self.queries]
        rule = f"{check}.{self.goal.name.replace(' ', '-')}"
        return Finding(message="; ".join(parts), rule=rule, fingerprint=rule)


class _Undecided(Exception):  # noqa: N818 -- a verdict of its own, not an error
    def __init__(
        self, reason: str, *, queries: Sequence[str] = (), value: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.queries = tuple(queries)
        self.value = value


def _goals(params: SloParams) -> list[_Goal]:
    found: list[_Goal] = []
    if params.error_rate is not None:
        found.append(_Goal(name="error rate", threshold=params.error_rate))
    if params.availability is not None:
        found.append(_Goal(name="availability", threshold=params.availability))
    if params.response_time is not None:
        found.append(_Goal(name="response time", threshold=params.response_time))
    if params.objective is not None:
        found.append(_Goal(name="query", threshold=params.objective))
    return found


@dataclass(kw_only=True)
class _Requests:
    """Requests and 5xx responses counted over the window, with the queries that counted them."""

    total: float
    errors: float
    queries: tuple[str, ...]
    covered: str


@dataclass(kw_only=True)
class _Reader:
    """Reads one window of the service's series from Prometheus, memoising each query."""

    api: Prometheus
    now: float
    params: SloParams
    job: str
    _values: dict[str, list[tuple[dict[str, str], float]]] = field(default_factory=dict)
    _metric_names: frozenset[str] | None = None
    _requests: _Requests | None = None

    @property
    def window(self) -> str:
        return _range(self.params.window)

    @property
    def selector(self) -> str:
        matchers = [f"job={_quote(self.job)}"]
        if self.params.selector:
            matchers.append(self.params.selector.strip().strip("{}"))
        return ", ".join(matchers)

    def judge(self, goal: _Goal) -> _Verdict:
        judges: dict[str, Callable[[_Goal], _Verdict]] = {
            "error rate": self._error_rate,
            "availability": self._availability,
            "response time": self._response_time,
            "query": self._query,
        }
        try:
            return judges[goal.name](goal)
        except _Undecided as exc:
            return _Verdict(
                goal=goal,
                status=Status.UNKNOWN,
                summary=exc.reason,
                value=exc.value,
                queries=exc.queries,
            )
        except PrometheusError as exc:
            return _Verdict(goal=goal, status=Status.UNKNOWN, summary=str(exc))

    # --- the goals ------------------------------------------------------------------------

    def _error_rate(self, goal: _Goal) -> _Verdict:
        if self.params.error_rate_query:
            return self._custom(goal, self.params.error_rate_query, _percent)
        counted = self._counted()
        return self._proportion(goal, counted.errors, counted)

    def _availability(self, goal: _Goal) -> _Verdict:
        if self.params.availability_query:
            return self._custom(goal, self.params.availability_query, _percent)
        # the best instance's share of successful scrapes: the service was down when it is low
        up = f"max(avg_over_time(up{{job={_quote(self.job)}}}[{self.window}]))"
        scraped = self._single(up, allow_empty=True)
        if scraped is not None and not goal.threshold.holds(scraped):
            shown = f"up for {_percent(scraped)} of scrapes"
            return _Verdict(
                goal=goal,
                status=Status.FAIL,
                summary=f"the service was {shown}, breaking {goal.threshold}",
                value=shown,
                queries=(up,),
            )
        counted = self._counted()
        verdict = self._proportion(goal, counted.total - counted.errors, counted)
        if scraped is None:
            return _with_note(verdict, f"no up series for job {self.job!r}", up)
        return _with_note(verdict, f"scrapes succeeded {_percent(scraped)} of the time", up)

    def _response_time(self, goal: _Goal) -> _Verdict:
        if self.params.latency_query:
            return self._custom(goal, self.params.latency_query, _seconds)
        statistic = goal.threshold.statistic or "p95"
        histogram = self._histogram()
        scale = _scale(histogram)
        bucket = f"{histogram}_bucket{{{self.selector}}}"
        count = f"sum(increase({histogram}_count{{{self.selector}}}[{self.window}]))"
        if statistic == "avg":
            expr = f"sum(increase({histogram}_sum{{{self.selector}}}[{self.window}])) / {count}"
        elif statistic == "median" or statistic.startswith("p"):
            q = 0.5 if statistic == "median" else float(statistic[1:]) / 100
            expr = f"histogram_quantile({q:g}, sum by (le) (rate({bucket}[{self.window}])))"
        else:
            raise _Undecided(
                f"a histogram cannot give the {statistic}; write a percentile (p99) or avg"
            )
        self._require_coverage(f"{histogram}_count{{{self.selector}}}", (expr,))
        observed = self._single(count, queries=(expr, count))
        raw = self._single(expr, queries=(expr, count))
        if raw is None or math.isnan(raw):
            raise _Undecided(
                f"no request was observed in the last {describe_duration(self.params.window)}",
                queries=(expr,),
            )
        value = raw * scale
        threshold = goal.threshold
        shown = f"{statistic} {_seconds(value)} ({observed or 0:.0f} requests)"
        notes: list[str] = []
        bounds = self._bounds(bucket)
        finite = [b for b in bounds if math.isfinite(b)]
        queries = (expr, count)
        if statistic != "avg" and finite:
            if raw >= max(finite):  # the quantile lies in the +Inf bucket: only a lower bound
                if threshold.holds(value) and threshold.comparator in {
                    Comparator.LT,
                    Comparator.LE,
                }:
                    raise _Undecided(
                        f"{statistic} is above the largest finite bucket "
                        f"({_seconds(max(finite) * scale)}); the histogram cannot tell whether "
                        f"it is {threshold.comparator} {threshold.quantity}",
                        queries=queries,
                        value=f"{statistic} above {_seconds(max(finite) * scale)}",
                    )
                largest = _seconds(max(finite) * scale)
                shown = f"{statistic} above {largest} ({observed or 0:.0f} requests)"
            else:
                inside = _bucket_of(raw, finite)
                limit = threshold.quantity.value / scale
                if inside is not None and inside[0] < limit < inside[1]:
                    notes.append(
                        f"the threshold lies inside the bucket ({_seconds(inside[0] * scale)}, "
                        f"{_seconds(inside[1] * scale)}]; the value is interpolated"
                    )
        if not threshold.holds(value):
            return _Verdict(
                goal=goal,
                status=Status.FAIL,
                summary=f"{shown} breaks {threshold}",
                value=shown,
                queries=queries,
                notes=tuple(notes),
            )
        need = min_samples(statistic)
        if observed is None or observed < need:
            raise _Undecided(
                f"{shown} meets {threshold}, but {statistic} needs at least {need} requests in "
                "the window",
                queries=queries,
                value=shown,
            )
        return _Verdict(
            goal=goal,
            status=Status.PASS,
            summary=f"{shown} meets {threshold}",
            value=shown,
            queries=queries,
            notes=tuple(notes),
        )

    def _query(self, goal: _Goal) -> _Verdict:
        assert self.params.query is not None  # paired with objective by the model
        return self._custom(goal, self.params.query, lambda v: f"{v:g}")

    # --- shared -----------------------------------------------------------------------------

    def _custom(self, goal: _Goal, written: str, show: Callable[[float], str]) -> _Verdict:
        """A query the checklist wrote: every series it returns must meet the threshold."""
        expr = _substitute(written, self.params.window)
        self._require_coverage_of(expr)
        series = self._series(expr)
        if not series:
            raise _Undecided("the query returned no series", queries=(expr,))
        if any(math.isnan(v) for _, v in series):
            raise _Undecided(
                "the query returned NaN (nothing counted in the window?)", queries=(expr,)
            )
        broken = [(labels, v) for labels, v in series if not goal.threshold.holds(v)]
        shown = ", ".join(f"{show(v)}{_labels(labels)}" for labels, v in series[:10])
        if broken:
            worst = ", ".join(f"{show(v)}{_labels(labels)}" for labels, v in broken[:5])
            return _Verdict(
                goal=goal,
                status=Status.FAIL,
                summary=f"{worst} breaks {goal.threshold}",
                value=shown,
                queries=(expr,),
            )
        return _Verdict(
            goal=goal,
            status=Status.PASS,
            summary=f"{shown} meets {goal.threshold}",
            value=shown,
            queries=(expr,),
        )

    def _proportion(self, goal: _Goal, count: float, counted: _Requests) -> _Verdict:
        """Judges `count` of the counted requests against the goal: a failure on the ratio
        itself, a pass only when the 95% bound hardest on the threshold holds too."""
        ratio = count / counted.total
        low, high = clopper_pearson(count, counted.total)
        show = _percent
        threshold = goal.threshold
        shown = f"{show(ratio)} of {counted.total:.0f} requests"
        notes = (f"95% bounds {show(low)} to {show(high)}", counted.covered)
        if not threshold.holds(ratio):
            return _Verdict(
                goal=goal,
                status=Status.FAIL,
                summary=f"{shown} breaks {threshold}",
                value=shown,
                queries=counted.queries,
                notes=notes,
            )
        worst = hardest_bound(threshold, count, counted.total)
        if not threshold.holds(worst):
            return _Verdict(
                goal=goal,
                status=Status.UNKNOWN,
                summary=f"{shown} meets {threshold}, but too few requests to be sure: the 95% "
                f"bound is {show(worst)}",
                value=shown,
                queries=counted.queries,
                notes=notes,
            )
        return _Verdict(
            goal=goal,
            status=Status.PASS,
            summary=f"{shown} meets {threshold}",
            value=shown,
            queries=counted.queries,
            notes=notes,
        )

    def _counted(self) -> _Requests:
        if self._requests is not None:
            return self._requests
        metric = self._request_metric()
        label, errors_pattern = self._status_label(metric)
        series = f"{metric}{{{self.selector}}}"
        total_q = f"sum(increase({series}[{self.window}]))"
        failures = f"{metric}{{{self.selector}, {label}=~{_quote(errors_pattern)}}}"
        errors_q = f"sum(increase({failures}[{self.window}]))"
        queries = (errors_q, total_q)
        covered = self._require_coverage(series, queries)
        total = self._single(total_q, queries=queries)
        if total is None:
            raise _Undecided(f"no series {series}", queries=queries)
        if math.isnan(total) or total <= 0:
            raise _Undecided(
                f"no request was counted in the last {describe_duration(self.params.window)}",
                queries=queries,
            )
        errors = self._single(errors_q, allow_empty=True) or 0.0
        self._requests = _Requests(
            total=total, errors=min(errors, total), queries=queries, covered=covered
        )
        return self._requests

    def _require_coverage(self, series: str, queries: Sequence[str]) -> str:
        share = self._coverage(series)
        window = describe_duration(self.params.window)
        if share < _COVERAGE:
            raise _Undecided(
                f"{series} covers {share:.0%} of the last {window} (at least 90% is needed); "
                "wait until the window is filled or shorten it",
                queries=queries,
            )
        return f"{series} covers {share:.0%} of the window"

    def _require_coverage_of(self, expr: str) -> None:
        selectors = [_selector_text(s) for s in scan(expr).selectors][:5]
        if not selectors:
            raise _Undecided("the query reads no series", queries=(expr,))
        shares = {text: self._coverage(text) for text in dict.fromkeys(selectors)}
        best = max(shares.values())
        if best < _COVERAGE:
            window = describe_duration(self.params.window)
            raise _Undecided(
                f"the series the query reads cover {best:.0%} of the last {window} (at least "
                "90% is needed)",
                queries=(expr,),
            )

    def _coverage(self, series: str) -> float:
        """The share of steps across the window at which `series` had a sample."""
        window = self.params.window
        step = max(0.001, round(window / _STEPS, 3))  # as the API reads it: milliseconds
        found = self.api.query_range(
            f"count({series})", start=self.now - window, end=self.now, step=step
        )
        stamps = {t for one in found for t, v in one.points if not math.isnan(v)}
        return min(1.0, len(stamps) / (math.floor(window / step + 1e-9) + 1))

    def _series(self, expr: str) -> list[tuple[dict[str, str], float]]:
        if expr not in self._values:
            self._values[expr] = [
                (dict(s.labels), s.value) for s in self.api.query(expr, at=self.now)
            ]
        return self._values[expr]

    def _single(
        self, expr: str, *, allow_empty: bool = False, queries: Sequence[str] = ()
    ) -> float | None:
        series = self._series(expr)
        if len(series) > 1:
            raise _Undecided(f"{expr} returned {len(series)} series, expected one", queries=queries)
        if not series:
            return None
        return series[0][1]

    def _names(self) -> frozenset[str]:
        if self._metric_names is None:
            found = self._series(f"group by (__name__) ({{{self.selector}}})")
            self._metric_names = frozenset(labels.get("__name__", "") for labels, _ in found)
        if not self._metric_names:
            raise _Undecided(
                f"Prometheus has no series with {{{self.selector}}}; set job (or selector) to "
                "the service's labels"
            )
        return self._metric_names

    def _request_metric(self) -> str:
        if self.params.requests_metric:
            return self.params.requests_metric
        names = self._names()
        counters = sorted(n for n in names if n.endswith("_total") and is_request_counter_name(n))
        if not counters:
            counters = sorted(f"{h}_count" for h in self._histograms(names))
        return _one(counters, "request counter", "requests_metric", self.selector)

    def _histogram(self) -> str:
        if self.params.duration_metric:
            return self.params.duration_metric.removesuffix("_bucket")
        return _one(
            sorted(self._histograms(self._names())),
            "request-duration histogram",
            "duration_metric",
            self.selector,
        )

    @staticmethod
    def _histograms(names: Iterable[str]) -> set[str]:
        present = set(names)
        return {
            n.removesuffix("_bucket")
            for n in present
            if n.endswith("_bucket")
            and is_latency_name(n)
            and n.removesuffix("_bucket") + "_count" in present
        }

    def _status_label(self, metric: str) -> tuple[str, str]:
        """The label carrying the response status, and the pattern of its server errors."""
        labels = (self.params.status_label,) if self.params.status_label else STATUS_LABELS
        found = self._series(f"count by ({', '.join(labels)}) ({metric}{{{self.selector}}})")
        present = {key for labels_, _ in found for key in labels_}
        label = next((lb for lb in labels if lb in present), None)
        if label is None:
            raise _Undecided(
                f"{metric} has no status label ({', '.join(labels[:5])} ...); name it "
                "with status_label or write error_rate_query"
            )
        values = sorted({found_labels[label] for found_labels, _ in found if label in found_labels})
        grpc = label.startswith("grpc")
        shape = _GRPC_STATUS if grpc else _HTTP_STATUS
        if not any(shape.fullmatch(value) for value in values):
            kind = "gRPC codes" if grpc else "HTTP statuses"
            raise _Undecided(
                f"the values of {metric}'s {label} label ({', '.join(values[:6])}) are not "
                f"{kind}; write error_rate_query"
            )
        return label, _GRPC_ERRORS if grpc else _HTTP_ERRORS

    def _bounds(self, bucket: str) -> list[float]:
        found = self._series(f"count by (le) ({bucket})")
        bounds: list[float] = []
        for labels, _ in found:
            try:
                bounds.append(float(labels.get("le", "nan")))
            except ValueError:
                continue
        return sorted(b for b in bounds if not math.isnan(b))

    def sloth_budget(self, service: str) -> dict[str, str | int | float | bool]:
        """What is left of each Sloth SLO's error budget for the service, when Sloth is used."""
        try:
            found = self._series(
                f"slo:period_error_budget_remaining:ratio{{sloth_service={_quote(service)}}}"
            )
        except PrometheusError:
            return {}
        return {
            f"error_budget_remaining.{labels.get('sloth_slo', 'slo')}": round(value, 6)
            for labels, value in found
            if math.isfinite(value)
        }


def _with_note(verdict: _Verdict, note: str, query: str) -> _Verdict:
    return _Verdict(
        goal=verdict.goal,
        status=verdict.status,
        summary=verdict.summary,
        value=verdict.value,
        queries=(*verdict.queries, query),
        notes=(*verdict.notes, note),
    )


def _one(names: Sequence[str], what: str, param: str, selector: str) -> str:
    if len(names) == 1:
        return names[0]
    if not names:
        raise _Undecided(f"no {what} among the series with {{{selector}}}; name it with {param}")
    raise _Undecided(f"several {what}s ({', '.join(names[:5])}); name one with {param}")


def _scale(histogram: str) -> float:
    """Seconds per unit of a histogram named with its unit."""
    for suffix, seconds in _UNITS:
        if histogram.endswith(suffix):
            return seconds
    raise _Undecided(
        f"{histogram} does not say its unit (_seconds, _milliseconds); write latency_query in "
        "seconds"
    )


def _bucket_of(value: float, bounds: Sequence[float]) -> tuple[float, float] | None:
    below = 0.0
    for bound in bounds:
        if value <= bound:
            return below, bound
        below = bound
    return None


def _range(seconds: float) -> str:
    """A PromQL duration: `1h`, `30d`, `90s`, `1500ms`."""
    if seconds >= 1 and seconds == int(seconds):
        whole = int(seconds)
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if whole % size == 0:
                return f"{whole // size}{unit}"
        return f"{whole}s"
    return f"{max(1, round(seconds * 1000))}ms"


def _substitute(query: str, window: float) -> str:
    for placeholder in _PLACEHOLDERS:
        query = query.replace(placeholder, _range(window))
    return query


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _selector_text(selector: Selector) -> str:
    matchers = ", ".join(f"{m.label}{m.op}{_quote(m.value)}" for m in selector.matchers)
    if any(m.label == "__name__" for m in selector.matchers) or not selector.name:
        return f"{{{matchers}}}"
    return f"{selector.name}{{{matchers}}}"


def _labels(labels: dict[str, str]) -> str:
    shown = {k: v for k, v in labels.items() if k != "__name__"}
    if not shown:
        return ""
    return " {" + ", ".join(f"{k}={_quote(v)}" for k, v in sorted(shown.items())) + "}"


def _percent(value: float) -> str:
    if not math.isfinite(value):
        return repr(value)
    return f"{value * 100:.4g}%"


def _seconds(value: float) -> str:
    if not math.isfinite(value):
        return repr(value)
    return f"{value * 1000:.4g} ms" if value < 1 else f"{value:.4g} s"


# --- prometheus.alerts-loaded -------------------------------------------------------------------


class AlertsLoaded(Check):
    """Prometheus has the required alert rules loaded and healthy.

    `GET /api/v1/rules?type=alert` on the Prometheus target. Each required category
    (`categories`, default service-down, error-rate, latency and cert-expiry; also cpu,
    memory, disk, burn-rate, database, security, network-latency) must be matched by a
    loaded alert whose expression watches it -- recognised from what the expression
    references, as the static alert checks do, never from the alert's name -- and whose
    health is "ok". A category with no such alert fails; so does one whose only alerts fail
    to evaluate (health "err", with Prometheus' error). With `job`, an alert whose selectors
    name only other jobs does not count. Alerts not evaluated yet leave the category
    unknown. Any other alert (of the job, with `job`) that fails to evaluate is a warning.
    """

    id = "prometheus.alerts-loaded"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 GET of the Prometheus rules API"
    Params = AlertsLoadedParams
    fix = (
        "Load alert rules for each required category into Prometheus (rule_files), and fix "
        "the expressions Prometheus reports errors for (`promtool check rules`; the rule's "
        "lastError on the /rules page)."
    )

    def run(self, params: AlertsLoadedParams, probes: ProbePolicy) -> Outcome:
        api = _server(probes, params.prometheus)
        try:
            rules = [r for r in api.rules(kind="alert") if r.type in {"alerting", ""}]
        except PrometheusError as exc:
            raise Unknown(str(exc)) from None
        required = ", ".join(params.categories)
        if not rules:
            return failed(
                f"Prometheus at {api.target.origin} has no alerting rules loaded",
                observed="0 alerting rules",
                required=required,
                remediation=self.fix,
            )
        covers: dict[str, list[tuple[Rule, str]]] = {}
        scoped: list[Rule] = []  # the alerts that can fire for the service
        for rule in rules:
            expression = scan(rule.query)
            if params.job is not None and not _watches_job(expression, params.job):
                continue
            scoped.append(rule)
            for found in recognise(expression):
                covers.setdefault(found.category, []).append((rule, found.how))
        findings: list[Finding] = []
        missing: list[str] = []
        broken: list[str] = []
        pending: list[str] = []
        for category in params.categories:
            matched = covers.get(category, [])
            healthy = [(r, how) for r, how in matched if r.health == "ok"]
            rule_id = f"{self.id}.{category}"
            if healthy:
                names = "; ".join(f"{_rule_name(r)} ({how})" for r, how in healthy[:3])
                findings.append(_alert_finding(f"{category}: {names}", rule_id))
            elif not matched:
                missing.append(category)
                findings.append(_alert_finding(f"{category}: no loaded alert watches it", rule_id))
            elif any(r.health == "err" for r, _ in matched):
                broken.append(category)
                errors = "; ".join(
                    f"{_rule_name(r)}: {r.last_error or 'health err'}"
                    for r, _ in matched
                    if r.health == "err"
                )
                findings.append(
                    _alert_finding(f"{category}: only failing alerts: {errors}", rule_id)
                )
            else:
                pending.append(category)
                findings.append(
                    _alert_finding(
                        f"{category}: {', '.join(_rule_name(r) for r, _ in matched)} not "
                        "evaluated yet",
                        rule_id,
                    )
                )
        failing = [r for r in scoped if r.health == "err" or r.last_error]
        told = {id(r) for c in broken for r, _ in covers[c]}
        findings += [
            _alert_finding(
                f"{_rule_name(r)} fails to evaluate: {r.last_error or 'health err'}",
                f"{self.id}.rule-error",
                fingerprint=f"{self.id}.rule-error:{r.group}:{r.name}",
            )
            for r in failing
            if id(r) not in told
        ]
        observed = f"{len(rules)} alerting rules; categories watched: " + (
            ", ".join(c for c in CATEGORIES if c in covers) or "none"
        )
        facts: dict[str, str | int | float | bool] = {
            "alerting_rules": len(rules),
            "failing_rules": len(failing),
        }
        if missing or broken:
            parts = []
            if missing:
                parts.append(f"no loaded alert for {', '.join(missing)}")
            if broken:
                parts.append(f"the alerts for {', '.join(broken)} fail to evaluate")
            return failed(
                "; ".join(parts),
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        if pending:
            return unknown(
                f"the alerts for {', '.join(pending)} are loaded but not evaluated yet; run "
                "again after one evaluation interval",
                observed=observed,
                required=required,
                findings=findings,
                facts=facts,
            )
        if failing:
            return warned(
                f"alerts for {required} are loaded and healthy, but {len(failing)} other "
                "alerting rule(s) fail to evaluate",
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        return passed(
            f"alerts for {required} are loaded and healthy",
            observed=observed,
            required=required,
            findings=findings,
            facts=facts,
        )


def _watches_job(expression: Expression, job: str) -> bool:
    """Whether an alert can fire for `job`: it names no job, or one of its job matchers
    selects it."""
    matchers = [m for _, m in expression.matchers() if m.label == "job"]
    return not matchers or any(_selects(m, job) for m in matchers)


def _selects(matcher: Matcher, value: str) -> bool:
    match matcher.op:
        case "=":
            return matcher.value == value
        case "!=":
            return matcher.value != value
        case "=~" | "!~":
            try:
                hit = re.fullmatch(matcher.value, value) is not None
            except re.error:
                return True  # a pattern Python cannot read: do not rule the alert out
            return hit if matcher.op == "=~" else not hit
        case _:
            return True


def _rule_name(rule: Rule) -> str:
    return f"{rule.name} (group {rule.group})" if rule.group else rule.name


def _alert_finding(message: str, rule: str, *, fingerprint: str | None = None) -> Finding:
    return Finding(message=message, rule=rule, fingerprint=fingerprint or rule)


# --- the server -----------------------------------------------------------------------------------


def _server(probes: ProbePolicy, name: str | None) -> Prometheus:
    """The Prometheus API on the named target (or the one named "prometheus")."""
    if name is None:
        if "prometheus" not in probes.names:
            declared = ", ".join(probes.names) or "none"
            raise Unknown(
                "no Prometheus target: name the target whose url is the Prometheus server with "
                f"prometheus = NAME (declared targets: {declared})"
            )
        name = "prometheus"
    target = probes.target(name)
    target.require(Consent.PASSIVE, "Prometheus API queries")
    return Prometheus(target)
