"""Load tests for other tools: a k6 script and a Locust file that offer a plan's load and write
the results `load.results` reads back.

The k6 script is open-model (the `constant-arrival-rate` executor) and carries golive's
thresholds in k6's own language; its `handleSummary` writes the end-of-test summary, with
the scenario that ran, to `k6-summary.json`. The Locust file paces `FastHttpUser`s with
`constant_throughput` and stops itself after the run time; Locust is closed-model, which the
file says, and `load.results` warns about when it judges latency.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from golive.thresholds import Dimension, Threshold

if TYPE_CHECKING:
    from golive.load.plan import LoadPlan

__all__ = [
    "K6_SUMMARY",
    "ExportError",
    "ExportPlan",
    "k6_script",
    "k6_thresholds",
    "locust_file",
]

K6_SUMMARY = "k6-summary.json"  # where the exported k6 script writes its summary
_MAX_VUS = 10_000  # k6 allocates a VU per request in flight; more exhausts a load machine
_METHODS = ("GET", "HEAD")
_K6_STATISTICS = {"avg": "avg", "min": "min", "max": "max", "median": "med"}
# Every percentile load.results may be asked for, and the count its sample-size rule needs.
_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "p(99.9)", "count"]


class ExportError(ValueError):
    """A plan or threshold that the exported script cannot express."""


@dataclass(frozen=True, kw_only=True)
class ExportPlan:
    """One request offered at a constant rate, with the thresholds the run must meet."""

    url: str  # the service's base URL: http(s)://host[:port][/base]
    path: str = "/"  # appended to the URL; may carry a query
    method: str = "GET"  # GET or HEAD: exported tests are read-only
    headers: tuple[tuple[str, str], ...] = ()  # written into the file: never credentials
    rate: float | None = None  # arrivals per second; default ceil(1.05 x throughput)
    seconds: float = 30.0  # how long the load runs
    timeout: float = 10.0  # per request
    # seconds an answer is expected to take; sizes the VUs and users (default: the tightest
    # response_time limit, else 100 ms)
    expected_latency: float | None = None
    response_time: tuple[Threshold, ...] = ()
    throughput: Threshold | None = None
    error_rate: Threshold | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ExportError(f'"{self.url}" is not an http(s) URL with a host')
        if not self.path.startswith("/"):
            raise ExportError(f'the path "{self.path}" must start with "/"')
        if self.method not in _METHODS:
            raise ExportError(f"method {self.method} is not one of {', '.join(_METHODS)}")
        if self.rate is None and self.throughput is None:
            raise ExportError("give a rate, or a throughput threshold to derive it from")
        if self.rate is not None and not (math.isfinite(self.rate) and self.rate > 0):
            raise ExportError(f"the rate must be a number of requests per second > 0: {self.rate}")
        for name, value in (("seconds", self.seconds), ("timeout", self.timeout)):
            if not (math.isfinite(value) and value > 0):
                raise ExportError(f"{name} must be a number of seconds > 0, not {value}")
        for threshold, dimension in (
            *((t, Dimension.DURATION) for t in self.response_time),
            (self.throughput, Dimension.RATE),
            (self.error_rate, Dimension.RATIO),
        ):
            if threshold is not None and threshold.quantity.dimension is not dimension:
                raise ExportError(f'"{threshold.text}" is not a {dimension} threshold')

    @classmethod
    def of(
        cls,
        plan: LoadPlan,
        *,
        response_time: Sequence[Threshold] = (),
        throughput: Threshold | None = None,
        error_rate: Threshold | None = None,
    ) -> ExportPlan:
        """The measured part of a golive load plan, at its peak rate, for another tool."""
        measured = [stage for stage in plan.stages if stage.measured] or list(plan.stages)
        target = plan.target
        return cls(
            url=f"{target.origin}{target.base_path.rstrip('/')}",
            path=plan.path,
            method=plan.method,
            headers=plan.headers,
            rate=max(stage.rate for stage in measured),
            seconds=sum(stage.seconds for stage in measured),
            timeout=plan.timeout,
            response_time=tuple(response_time),
            throughput=throughput,
            error_rate=error_rate,
        )

    @property
    def offered_rate(self) -> float:
        """The rate to offer: the plan's, else 5 % above the throughput to prove, so that a
        run can show it."""
        if self.rate is not None:
            return self.rate
        assert self.throughput is not None  # checked in __post_init__
        return float(math.ceil(1.05 * self.throughput.quantity.value))

    @property
    def latency(self) -> float:
        if self.expected_latency is not None:
            return self.expected_latency
        limits = [t.quantity.value for t in self.response_time]
        return min(limits) if limits else 0.1

    @property
    def concurrency(self) -> int:
        """Requests in flight at the expected latency, doubled for headroom (Little's law)."""
        return max(1, math.ceil(self.offered_rate * self.latency * 2))

    @property
    def target(self) -> str:
        return self.url.rstrip("/") + self.path


def k6_thresholds(plan: ExportPlan) -> dict[str, list[str]]:
    """golive's thresholds in k6's language, by k6 metric."""
    found: dict[str, list[str]] = {}
    for threshold in plan.response_time:
        statistic = threshold.statistic or "p95"
        name = _K6_STATISTICS.get(statistic) or f"p({statistic[1:]})"
        limit = _number(threshold.quantity.value * 1000)  # k6 durations are milliseconds
        found.setdefault("http_req_duration", []).append(f"{name}{threshold.comparator}{limit}")
    if plan.error_rate is not None:
        value = _number(plan.error_rate.quantity.value)
        found["http_req_failed"] = [f"rate{plan.error_rate.comparator}{value}"]
    if plan.throughput is not None:
        # k6 has no rate threshold of its own (k6 #1136); a counter's rate is its count over
        # the whole run, and the tag keeps the successful responses only (goodput).
        value = _number(plan.throughput.quantity.value)
        found["http_reqs{expected_response:true}"] = [f"rate{plan.throughput.comparator}{value}"]
    found["dropped_iterations"] = ["count==0"]  # a saturated generator proves nothing
    return found


def k6_script(plan: ExportPlan, *, summary: str = K6_SUMMARY) -> str:
    """A k6 script (JavaScript) offering `plan` open-model; `k6 run` writes `summary`."""
    rate = plan.offered_rate
    vus = min(plan.concurrency, _MAX_VUS)
    max_vus = min(max(vus, math.ceil(rate * plan.latency * 10)), _MAX_VUS)
    # k6 takes a whole number of arrivals per time unit: 12.5 req/s is 25 every 2 s
    arrivals = Fraction(rate).limit_denominator(1000)
    options = {
        "scenarios": {
            "load": {
                "executor": "constant-arrival-rate",
                "rate": max(1, arrivals.numerator),
                "timeUnit": f"{arrivals.denominator}s",
                "duration": _k6_duration(plan.seconds),
                "preAllocatedVUs": vus,
                "maxVUs": max_vus,
                "gracefulStop": _k6_duration(plan.timeout),
            }
        },
        "thresholds": k6_thresholds(plan),
        "summaryTrendStats": _TREND_STATS,
    }
    params = {"headers": dict(plan.headers), "timeout": _k6_duration(plan.timeout)}
    call = "http.head" if plan.method == "HEAD" else "http.get"
    return f"""\
// Load test for k6: {plan.method} {plan.target} at {_number(rate)} req/s for \
{_number(plan.seconds)} s.
// Open model: arrivals follow the rate whatever the answers (constant-arrival-rate); an
// arrival with no free VU is dropped and counted in dropped_iterations, which fails the run.
// Run: k6 run this-file.js -- it writes {summary} for golive's load.results check.
import http from 'k6/http';

export const options = {json.dumps(options, indent=2)};

const URL = {_js(plan.target)};
const PARAMS = {_js(params)};

export default function () {{
  {call}(URL, PARAMS);
}}

export function handleSummary(data) {{
  // The scenario is kept with the results: it says the load was open-model.
  const golive = {{ scenarios: options.scenarios, finished: new Date().toISOString() }};
  return {{
    {_js(summary)}: JSON.stringify(Object.assign({{}}, data, {{ golive: golive }}), null, 2),
    stdout: 'summary written to ' + {_js(summary)} + '\\n',
  }};
}}
"""


def locust_file(plan: ExportPlan) -> str:
    """A Locust file offering about `plan`'s rate; it stops itself after `plan.seconds`.

    Run it with `locust -f FILE --headless --csv locust` for `locust_stats.csv`.
    """
    rate = plan.offered_rate
    users = plan.concurrency
    base = plan.url.rstrip("/")
    prefix = urlsplit(base).path
    host = base.removesuffix(prefix)
    return f'''\
"""Load test for Locust: {plan.method} {plan.target} at about {_number(rate)} req/s for \
{_number(plan.seconds)} s.

Run: locust -f this-file.py --headless --csv locust --only-summary
golive's load.results check reads locust_stats.csv.

Locust is closed-model: each user sends its next request only after the previous answer,
so a stall delays the requests that would have measured it (coordinated omission) and the
percentiles understate the tail. The {users} users are paced with constant_throughput to
offer {_number(rate)} req/s together as long as answers take under {users / rate:.3g} s;
slower answers lower the rate instead of queueing requests.
"""

import random
import time

from locust import FastHttpUser, LoadTestShape, constant_throughput, task

RATE = {_number(rate)}  # requests per second, all users together
USERS = {users}  # ceil(RATE x {_number(plan.latency)} s expected latency x 2)
SECONDS = {_number(plan.seconds)}
PATH = {(prefix + plan.path)!r}
HEADERS = {dict(plan.headers)!r}


class Visitor(FastHttpUser):
    host = {host!r}
    wait_time = constant_throughput(RATE / USERS)
    network_timeout = {_number(plan.timeout)}
    connection_timeout = {_number(plan.timeout)}

    def on_start(self) -> None:
        # Spread the users' first requests over one pacing interval, not all at once.
        time.sleep(random.uniform(0, USERS / RATE))

    @task
    def visit(self) -> None:
        self.client.request({plan.method!r}, PATH, headers=HEADERS, name=PATH)


class Plan(LoadTestShape):
    """Every user from the first second, for SECONDS (Locust asks once a second), then stop."""

    def tick(self) -> tuple[int, float] | None:
        if self.get_run_time() >= SECONDS:
            return None
        return USERS, USERS
'''


def _k6_duration(seconds: float) -> str:
    return f"{_number(seconds)}s" if seconds >= 1 else f"{_number(seconds * 1000)}ms"


def _js(value: object) -> str:
    """A JavaScript literal: JSON is one."""
    return json.dumps(value)


def _number(value: float) -> str:
    """The shortest decimal that reads back as `value`: 100.0 -> "100", 0.01 -> "0.01"."""
    return format(Decimal(repr(float(value))).normalize(), "f")
