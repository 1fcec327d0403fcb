"""Metrics endpoint checks: request-duration histograms, request counts by status, process
resources, read from one GET of the page the checklist names (`/metrics` by default).

The page is parsed strictly (Prometheus text 0.0.4, or OpenMetrics when the response says
so); a page that breaks the format fails every check here, naming the line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from golive.checks._live import LiveParams, finding, pinned
from golive.checks.base import Check, Unknown, as_evidence, failed, passed, warned
from golive.model import Finding, Kind, Outcome
from golive.probes.exposition import (
    Exposition,
    ExpositionError,
    Family,
    HistogramSeries,
    histograms,
    is_openmetrics,
    parse,
)
from golive.probes.http import HttpError, request
from golive.probes.safety import Consent, PinnedTarget, ProbePolicy

__all__ = [
    "STATUS_LABELS",
    "LatencyHistogram",
    "MetricsParams",
    "ProcessMetrics",
    "RequestCounts",
    "is_latency_name",
    "is_request_counter_name",
]

# What Prometheus itself sends: OpenMetrics first, the classic text format as fallback.
_ACCEPT = (
    "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1"
)
_LIMIT = 16 * 1024 * 1024  # bytes of a metrics page read and parsed

# Labels that carry a response's status, in order of preference.
STATUS_LABELS = (
    "code",
    "status",
    "status_code",
    "http_status",
    "http_status_code",
    "http_response_status_code",
    "response_code",
    "http_code",
    "status_class",
    "grpc_code",
)
_LATENCY = re.compile(
    r"duration|latency|response_time|request_time|requests?_(seconds|milliseconds)",  # Micrometer
    re.IGNORECASE,
)
_SERVED = re.compile(r"request|http|rpc|server|handler|response|route", re.IGNORECASE)
_CLIENT = re.compile(r"(^|_)client(_|$)", re.IGNORECASE)
_REQUESTS = re.compile(
    r"requests?|(^|_)(http|grpc|rpc)_server_\w*(handled|calls|responses)|(^|_)responses"
    r"|(^|_)handled",
    re.IGNORECASE,
)
# (what, accepted sample names): the first is the Prometheus client libraries' name.
_PROCESS = (
    (
        "CPU",
        (
            "process_cpu_seconds_total",
            "process_cpu_time_seconds_total",  # OpenTelemetry
            "process_cpu_usage",  # Micrometer
        ),
    ),
    (
        "memory",
        (
            "process_resident_memory_bytes",
            "process_memory_usage_bytes",  # OpenTelemetry
            "jvm_memory_used_bytes",  # Micrometer: the JVM's heap and non-heap
        ),
    ),
    (
        "open file descriptors",
        (
            "process_open_fds",
            "process_open_file_descriptor_count",  # OpenTelemetry
            "process_files_open_files",  # Micrometer
        ),
    ),
)


class MetricsParams(LiveParams):
    path: str = "/metrics"  # the metrics page; the item names it (this default is its name)


def is_latency_name(name: str) -> bool:
    """Whether a metric name says it times requests a server handles (`*_request_duration_
    seconds`, `http_server_duration`, `*_request_latency*`, Micrometer's
    `http_server_requests_seconds`), not a client's calls."""
    return bool(_LATENCY.search(name) and _SERVED.search(name) and not _CLIENT.search(name))


def is_request_counter_name(name: str) -> bool:
    """Whether a counter's name says it counts requests a server handled."""
    base = name.removesuffix("_total")
    return bool(_REQUESTS.search(base) and not _CLIENT.search(base) and not _LATENCY.search(base))


class LatencyHistogram(Check):
    """The metrics endpoint exposes request-duration histograms.

    GET the metrics page (`path`, default /metrics) and parse it strictly; a page that breaks
    the format fails with the line. Some family whose name says it times handled requests
    (`*_request_duration_seconds`, `http_server_duration*`, `*_request_latency*`; client-side
    names excluded) must be a histogram whose every series has buckets with a finite bound,
    an `le="+Inf"` bucket, cumulative bucket counts and a `_count` equal to the +Inf bucket.
    A histogram series that breaks these rules fails. Only a summary, or buckets exposed
    without `# TYPE ... histogram`, is a warning: a summary's quantiles cannot be aggregated
    across instances nor changed after the fact. A histogram with no series yet (nothing
    observed) is unknown.
    """

    id = "metrics.latency-histogram"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 GET of the metrics path"
    Params = MetricsParams
    fix = (
        "Record each request's duration in a histogram (prometheus client `Histogram`, "
        "`http_request_duration_seconds` with buckets around your latency objective) and "
        "expose it on the metrics endpoint."
    )

    def run(self, params: MetricsParams, probes: ProbePolicy) -> Outcome:
        target, path, page = _scrape(probes, params)
        if isinstance(page, Outcome):
            return page
        typed = [f for f in page.families if is_latency_name(f.name)]
        found = [f for f in typed if f.type in {"histogram", "gaugehistogram"}]
        summaries = [f for f in typed if f.type == "summary" and f.samples]
        untyped = _untyped_buckets(page)
        observed = ", ".join(f"{f.name} ({f.type})" for f in typed) or None
        required = (
            'a request-duration histogram with finite buckets, le="+Inf" and a matching _count'
        )
        broken: list[Finding] = []
        good: list[Finding] = []
        for family in found:
            series = histograms(family)
            for one in series:
                problems = one.problems()
                if problems:
                    broken.append(
                        finding(
                            target,
                            path,
                            f"{family.name}{_labels(one.labels)} (line {one.line}): "
                            + "; ".join(problems),
                            rule=f"{self.id}.invalid",
                        )
                    )
            if series and not any(one.problems() for one in series):
                good.append(
                    finding(
                        target,
                        path,
                        f"{family.name}: {len(series)} series, buckets {_bounds(series)}",
                        rule=f"{self.id}.found",
                    )
                )
        facts = {"families": len(page.families), "format": page.format, "histograms": len(good)}
        if broken:
            return failed(
                f"{len(broken)} request-duration histogram series break the histogram rules",
                observed=observed,
                required=required,
                findings=[*broken, *as_evidence(good)],
                remediation=self.fix,
                facts=facts,
            )
        if good:
            return passed(
                f"{len(good)} request-duration histogram(s): "
                + ", ".join(f.name for f in found if histograms(f)),
                observed=observed,
                required=required,
                findings=good,
                facts=facts,
            )
        if summaries or untyped:
            notes = [
                finding(
                    target,
                    path,
                    f"{f.name} is a summary (quantiles {_quantiles(f)})",
                    rule=f"{self.id}.summary",
                )
                for f in summaries
            ] + [
                finding(
                    target,
                    path,
                    f"{name} has buckets but no # TYPE {name} histogram line",
                    rule=f"{self.id}.untyped",
                )
                for name in untyped
            ]
            return warned(
                "request durations are exposed, but not as a typed histogram",
                observed=observed or ", ".join(untyped),
                required=required,
                findings=notes,
                remediation="Expose a histogram: a summary's quantiles cannot be aggregated "
                "across instances, and untyped buckets are not a declared histogram.",
                facts=facts,
            )
        if found:
            names = ", ".join(f.name for f in found)
            raise Unknown(
                f"{names} is declared at {_where(target, path)} but has no series yet (no "
                "request observed); send a request and run again"
            )
        return failed(
            f"no request-duration histogram at {_where(target, path)}",
            observed=f"{len(page.families)} metric families, none a request-duration histogram",
            required=required,
            findings=[_families_note(target, path, page, self.id)],
            remediation=self.fix,
            facts=facts,
        )


class RequestCounts(Check):
    """The metrics endpoint exposes request counts labelled by status.

    Some counter whose name says it counts handled requests (`*_requests_total`,
    `grpc_server_handled_total`; client-side names excluded) must label its series with the
    response status (`code`, `status`, `status_code`, `http_status`,
    `http_response_status_code` and a few others). The `_count` of a request-duration
    histogram or summary with a status label counts too (Micrometer's
    `http_server_requests_seconds`). Request counters without any status label fail, and so
    does a page without request counts. A counter declared with no series yet is unknown.
    """

    id = "metrics.request-counts"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 GET of the metrics path"
    Params = MetricsParams
    fix = (
        "Count handled requests in a counter labelled by status, e.g. "
        '`http_requests_total{method="GET",route="/api",code="200"}`.'
    )

    def run(self, params: MetricsParams, probes: ProbePolicy) -> Outcome:
        target, path, page = _scrape(probes, params)
        if isinstance(page, Outcome):
            return page
        counters = [
            f
            for f in page.families
            if (f.type == "counter" or (f.type in {"untyped", "unknown"} and _totals(f)))
            and is_request_counter_name(f.name)
        ]
        timers = [
            f
            for f in page.families
            if f.type in {"histogram", "summary"} and is_latency_name(f.name)
        ]
        labelled: list[tuple[Family, str]] = []
        for family in [*counters, *timers]:
            label = next((lb for lb in STATUS_LABELS if lb in family.label_names), None)
            if label is not None:
                labelled.append((family, label))
        required = "a request counter labelled by status (code, status, status_code ...)"
        observed = ", ".join(f.name for f in counters) or None
        facts = {"families": len(page.families), "format": page.format}
        if labelled:
            notes = [
                finding(
                    target,
                    path,
                    f"{family.name} ({family.type}): {label} = "
                    + ", ".join(sorted(family.label_values(label))[:20]),
                    rule=f"{self.id}.found",
                )
                for family, label in labelled
            ]
            statuses = sorted({v for f, lb in labelled for v in f.label_values(lb)})
            return passed(
                f"requests are counted by status in {_names(f for f, _ in labelled)}",
                observed=f"status values seen: {', '.join(statuses[:20])}",
                required=required,
                findings=notes,
                facts={**facts, "statuses": ", ".join(statuses[:50])},
            )
        with_series = [f for f in counters if f.samples]
        if with_series:
            return failed(
                f"request counters are not labelled by status: {_names(with_series)}",
                observed=observed,
                required=required,
                findings=[
                    finding(
                        target,
                        path,
                        f"{f.name} has labels {', '.join(sorted(f.label_names)) or 'none'}",
                        rule=f"{self.id}.unlabelled",
                    )
                    for f in with_series
                ],
                remediation=self.fix,
                facts=facts,
            )
        if counters:
            raise Unknown(
                f"{_names(counters)} is declared at {_where(target, path)} but has no series "
                "yet (no request counted); send a request and run again"
            )
        return failed(
            f"no request counter at {_where(target, path)}",
            observed=f"{len(page.families)} metric families, none counting requests",
            required=required,
            findings=[_families_note(target, path, page, self.id)],
            remediation=self.fix,
            facts=facts,
        )


class ProcessMetrics(Check):
    """The metrics endpoint exposes process resource metrics (CPU, memory, file descriptors).

    The page must carry the process's CPU time (`process_cpu_seconds_total`), resident
    memory (`process_resident_memory_bytes`) and open file descriptors (`process_open_fds`),
    as the Prometheus client libraries' process collector exports them. Accepted
    equivalents: OpenTelemetry's `process_cpu_time_seconds_total`,
    `process_memory_usage_bytes` and `process_open_file_descriptor_count`; Micrometer's
    `process_cpu_usage`, `jvm_memory_used_bytes` and `process_files_open_files`. All three
    pass; some of them warn naming the missing ones; none fails.
    """

    id = "metrics.process"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 GET of the metrics path"
    Params = MetricsParams
    fix = (
        "Enable the client library's process collector (on by default in the Go, Python, "
        "Java and Node.js clients), or export the process's CPU seconds, resident memory and "
        "open file descriptors yourself."
    )

    def run(self, params: MetricsParams, probes: ProbePolicy) -> Outcome:
        target, path, page = _scrape(probes, params)
        if isinstance(page, Outcome):
            return page
        names = page.sample_names
        present: list[tuple[str, str]] = []
        missing: list[tuple[str, str]] = []
        for what, accepted in _PROCESS:
            seen = next((name for name in accepted if name in names), None)
            if seen is None:
                missing.append((what, accepted[0]))
            else:
                present.append((what, seen))
        observed = ", ".join(f"{what}: {name}" for what, name in present) or "none"
        required = ", ".join(accepted[0] for _, accepted in _PROCESS)
        findings = [
            finding(target, path, f"no {what} metric ({name} or an equivalent)", rule=self.id)
            for what, name in missing
        ]
        facts = {
            "families": len(page.families),
            "format": page.format,
            "present": len(present),
        }
        if not missing:
            return passed(
                "CPU, memory and file-descriptor metrics are exposed",
                observed=observed,
                required=required,
                facts=facts,
            )
        wanted = ", ".join(what for what, _ in missing)
        if present:
            return warned(
                f"no {wanted} metric at {_where(target, path)}",
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        return failed(
            f"no process resource metrics at {_where(target, path)}",
            observed=observed,
            required=required,
            findings=findings,
            remediation=self.fix,
            facts=facts,
        )


# --- the page -------------------------------------------------------------------------------


def _scrape(
    probes: ProbePolicy, params: MetricsParams
) -> tuple[PinnedTarget, str, Exposition | Outcome]:
    """The parsed page, or the failing outcome of a page that cannot be read as metrics."""
    target = pinned(probes, params, Consent.PASSIVE, f"GET {params.path}")
    path = params.path
    try:
        response = request(
            target,
            "GET",
            path,
            headers=[("Accept", _ACCEPT)],
            keep=_LIMIT,
            read_limit=_LIMIT,
            credentials=target.credential is not None,
        )
    except HttpError as exc:
        raise Unknown(f"GET {target.url(path)} failed: {exc}") from None
    where = _where(target, path)
    if response.status in {401, 403}:
        raise Unknown(
            f"GET {where} answered {response.status}: the metrics endpoint needs credentials"
            + (" it did not accept" if target.credential else " (set token_env on the target)")
        )
    if response.status != 200:
        moved = f" to {response.refused_redirect}" if response.refused_redirect else ""
        return (
            target,
            path,
            failed(
                f"GET {where} answered {response.status} {response.reason}{moved}",
                observed=f"HTTP {response.status}",
                required="HTTP 200 with the metrics page",
                findings=[finding(target, path, f"HTTP {response.status}", rule="metrics.status")],
            ),
        )
    if response.body_size >= _LIMIT:
        raise Unknown(f"the metrics page at {where} is larger than {_LIMIT // 2**20} MiB")
    openmetrics = is_openmetrics(response.headers.get("content-type"))
    try:
        page = parse(response.body, openmetrics=openmetrics)
    except ExpositionError as exc:
        kind = "OpenMetrics" if openmetrics else "Prometheus text exposition (0.0.4)"
        shown = response.content_type or "no Content-Type"
        return (
            target,
            path,
            failed(
                f"the metrics page at {where} is not valid {kind}: {exc}",
                observed=f"{shown}; {exc}",
                required=f"valid {kind}",
                findings=[finding(target, path, str(exc), rule="metrics.format")],
                remediation="Serve the page with a Prometheus client library, or fix the line "
                "named (`promtool check metrics < page.txt` shows the same errors).",
            ),
        )
    if not page.families:
        return (
            target,
            path,
            failed(
                f"the metrics page at {where} has no metrics",
                observed="an empty page",
                required="metric families",
            ),
        )
    return target, path, page


def _where(target: PinnedTarget, path: str) -> str:
    return target.url(path)


def _totals(family: Family) -> bool:
    return any(s.name.endswith("_total") for s in family.samples)


def _untyped_buckets(page: Exposition) -> list[str]:
    """Latency-named `*_bucket` series with `le` labels that no TYPE line declares."""
    return [
        f.name.removesuffix("_bucket")
        for f in page.families
        if not f.declared
        and f.name.endswith("_bucket")
        and is_latency_name(f.name)
        and "le" in f.label_names
    ]


def _labels(labels: Sequence[tuple[str, str]]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}"


def _bounds(series: Sequence[HistogramSeries]) -> str:
    bounds = sorted({b for one in series for b in one.bounds})
    return ", ".join("+Inf" if math.isinf(b) else f"{b:g}" for b in bounds)


def _quantiles(family: Family) -> str:
    return ", ".join(sorted(family.label_values("quantile"))) or "none"


def _names(families: Iterable[Family]) -> str:
    return ", ".join(dict.fromkeys(f.name for f in families))


def _families_note(target: PinnedTarget, path: str, page: Exposition, rule: str) -> Finding:
    names = [f.name for f in page.families]
    shown = ", ".join(names[:15]) + (f" and {len(names) - 15} more" if len(names) > 15 else "")
    return finding(target, path, f"families exposed: {shown}", rule=f"{rule}.families")
