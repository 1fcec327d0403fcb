"""Alert categories recognised from what an expression references, never from the alert's name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from golive.checks._alerting_promql import Comparison, Expression, Matcher
from golive.thresholds import Comparator, Dimension, Threshold, format_duration

__all__ = [
    "CATEGORIES",
    "Level",
    "Recognised",
    "category_of_key",
    "described",
    "levels",
    "meets",
    "recognise",
    "threshold_dimension",
]

CATEGORIES = (
    "service-down",
    "error-rate",
    "latency",
    "cpu",
    "memory",
    "disk",
    "cert-expiry",
    "burn-rate",
    "database",
    "security",
    "network-latency",
)
_DIMENSIONS = {
    **dict.fromkeys(("cpu", "memory", "disk", "error-rate", "security"), Dimension.RATIO),
    **dict.fromkeys(("latency", "network-latency", "cert-expiry"), Dimension.DURATION),
}
_KEY_ALIASES = {
    "response-time": "latency",
    "request-latency": "latency",
    "errors": "error-rate",
    "error-ratio": "error-rate",
    "disk-space": "disk",
    "cert": "cert-expiry",
    "certificate-expiry": "cert-expiry",
    "tls-expiry": "cert-expiry",
}
_STATUS_LABELS = frozenset(
    {"code", "status", "status_code", "statuscode", "response_code", "http_status"}
    | {"http_code", "http_status_code", "http_response_status_code", "status_class"}
    | {"response_status", "grpc_code", "grpc_status", "rpc_grpc_status_code"}
)
_GRPC_ERRORS = (
    "Internal",
    "Unavailable",
    "Unknown",
    "DeadlineExceeded",
    "DataLoss",
    "ResourceExhausted",
    "Unimplemented",
)
_UP = frozenset({"up", "probe_success"})
_WORKLOAD_AVAILABLE = re.compile(
    r"kube_(deployment|statefulset|daemonset|replicaset)_status_"
    r"(replicas_available|replicas_ready|number_available|number_ready)$"
)
_REQUEST_ERRORS = re.compile(
    r"(^|_)(http|grpc|rpc|requests?|api)(_\w*)?_(errors?|failures?|failed)(_total)?$"
    r"|error_(ratio|rate|percent)|5xx"
)
_SLO_ERRORS = re.compile(r"slo:sli_error:|:burnrate|error_?budget", re.IGNORECASE)
_BURN_NAMES = re.compile(r"slo:sli_error:ratio_rate|:burnrate[0-9]|burn_rate", re.IGNORECASE)
_LATENCY = re.compile(
    r"duration|latency|response_time|request_time|elapsed|processing_time", re.IGNORECASE
)
_COUNT_SERIES = re.compile(r"_count(?:$|:)")
_NETWORK = re.compile(
    r"^probe_\w*(duration_seconds|lookup_time)|probe_icmp|rtt|round_trip|(^|_)ping_|smokeping"
    r"|network_latency",
    re.IGNORECASE,
)
_CPU = re.compile(r"cpu_(seconds_total|usage|utili[sz]ation|percent|load)|cpu_cfs_throttled")
_MEMORY = re.compile(
    r"memory_(working_set|rss|usage|utili[sz]ation|percent|used)|resident_memory|node_memory_"
    r"|container_memory_|oom_(kill|events)|heap_(used|inuse|alloc)|jvm_memory_"
    r"|go_memstats_(heap|alloc)|virtual_memory",
    re.IGNORECASE,
)
_DISK = re.compile(
    r"filesystem_(avail|free|size|files|usage|used)|kubelet_volume_stats_"
    r"|disk_(free|used|usage|available|space)|volume_(available|used|capacity|usage)"
    r"|container_fs_(usage|limit)|(^|_)fs_(avail|free|usage)"
)
_CERT = re.compile(
    r"(cert|ssl|tls|x509)\w*(expir|not_after|ttl)|(expir|not_after)\w*(cert|ssl|tls)"
)
_CERT_NOT = re.compile(r"error|fail")
_DATABASE = re.compile(
    r"^(pg|postgres|postgresql|mysql|mysqld|mariadb|redis|mongodb|mongo|pgbouncer|cassandra"
    r"|elasticsearch|opensearch|memcached|clickhouse|cockroach|cockroachdb|mssql|oracledb"
    r"|couchdb|hikaricp)_"
    r"|(^|_)(db|database|sql)_\w*(connection|conn|pool|error|fail|timeout|up$|down)"
)
_SECURITY = re.compile(
    r"auth\w*_(fail|error|denied|reject|invalid)|(failed|invalid)_?(login|auth|password|token)"
    r"|login_fail|unauthori[sz]ed|forbidden|access_denied|permission_denied|brute|intrusion"
    r"|falco_events|modsecurity|(^|_)waf_|csrf",
    re.IGNORECASE,
)
_RATIO_SCALES = frozenset({"100"})
_NOT_LEVELS = re.compile(r"throttl|oom_")
_DURATION_SCALES = {"60": 60.0, "3600": 3600.0, "86400": 86400.0, "604800": 604800.0}


@dataclass(frozen=True, kw_only=True)
class Recognised:
    """One category an expression falls in, how it was recognised, and the metrics behind it."""

    category: str
    how: str
    metrics: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class Level:
    """The constant an alert compares one of its category's metrics with (canonical units)."""

    value: float  # a fraction for ratios, seconds for durations
    op: str
    dimension: Dimension

    def __str__(self) -> str:
        shown = (
            f"{self.value * 100:.4g}%"
            if self.dimension is Dimension.RATIO
            else format_duration(self.value)
        )
        return f"{self.op} {shown}"


def category_of_key(key: str) -> str | None:
    """The category a `thresholds` key names (`cpu_usage` -> cpu), or None."""
    word = key.strip().lower().replace("_", "-").replace(" ", "-")
    for suffix in ("-usage", "-utilisation", "-utilization", "-used"):
        word = word.removesuffix(suffix)
    word = _KEY_ALIASES.get(word, word)
    return word if word in CATEGORIES else None


def threshold_dimension(category: str) -> Dimension | None:
    return _DIMENSIONS.get(category)


def recognise(expr: Expression) -> list[Recognised]:
    """Every category `expr` falls in (an expression can watch several things); the first way
    each was recognised, with every metric that counted for it."""
    first: dict[str, Recognised] = {}
    metrics: dict[str, set[str]] = {}
    for found in _recognise(expr):
        first.setdefault(found.category, found)
        metrics.setdefault(found.category, set()).update(found.metrics)
    if "burn-rate" in first and "error-rate" not in first:
        burn = first["burn-rate"]
        first["error-rate"] = Recognised(
            category="error-rate", how=f"error-budget burn rate ({burn.how})", metrics=burn.metrics
        )
        metrics["error-rate"] = set(burn.metrics)
    return [
        Recognised(category=c, how=first[c].how, metrics=frozenset(metrics[c]))
        for c in CATEGORIES
        if c in first
    ]


def _recognise(expr: Expression) -> Iterator[Recognised]:
    yield from _service_down(expr)
    yield from _error_rate(expr)
    yield from _burn_rate(expr)
    for name in sorted(expr.metrics):
        for category, how in _by_name(name, expr):
            yield Recognised(category=category, how=how, metrics=frozenset({name}))
    for name, matcher in expr.matchers():
        if _is_auth_failure(matcher):
            yield Recognised(
                category="security",
                how=f"{_selector(name, matcher)} (auth failures)",
                metrics=frozenset({name}),
            )


def _service_down(expr: Expression) -> Iterator[Recognised]:
    for function in ("absent", "absent_over_time"):
        if function in expr.functions:
            watched = sorted(expr.metrics & _UP)
            if watched:
                yield Recognised(
                    category="service-down",
                    how=f"{function}({watched[0]})",
                    metrics=frozenset(watched),
                )
    for comparison in expr.comparisons:
        watched = sorted(
            m for m in comparison.left_metrics if m in _UP or _WORKLOAD_AVAILABLE.search(m)
        )
        if watched and _means_none(comparison):
            yield Recognised(
                category="service-down",
                how=f"{watched[0]} {comparison.op} {_number(comparison.constant)}",
                metrics=frozenset(watched),
            )


def _means_none(comparison: Comparison) -> bool:
    value = comparison.constant
    if value is None:
        return False
    return (
        (comparison.op == "==" and value == 0)
        or (comparison.op in {"<", "<="} and 0 < value <= 1)
        or (comparison.op == "!=" and value == 1)
    )


def _error_rate(expr: Expression) -> Iterator[Recognised]:
    for name, matcher in expr.matchers():
        if _is_server_error(matcher):
            yield Recognised(
                category="error-rate",
                how=_selector(name, matcher),
                metrics=frozenset({name} if name else ()),
            )
    for name in sorted(expr.metrics):
        if _REQUEST_ERRORS.search(name) or _SLO_ERRORS.search(name):
            yield Recognised(category="error-rate", how=name, metrics=frozenset({name}))


def _burn_rate(expr: Expression) -> Iterator[Recognised]:
    if len(expr.windows) < 2 or "and" not in expr.set_operators:
        return
    named = sorted(m for m in expr.metrics if _BURN_NAMES.search(m))
    windows = ", ".join(format_duration(w) for w in sorted(expr.windows))
    if named:
        yield Recognised(
            category="burn-rate", how=f"{named[0]} over {windows}", metrics=frozenset(named)
        )
        return
    errors = list(_error_rate(expr))
    factors = [c.constant for c in expr.comparisons if c.constant and c.op in {">", ">="}]
    if errors and len(factors) >= 2 and len(set(factors)) < len(factors):
        yield Recognised(
            category="burn-rate",
            how=f"error ratio over {windows} against the same factor",
            metrics=frozenset(m for r in errors for m in r.metrics),
        )


def _by_name(name: str, expr: Expression) -> Iterator[tuple[str, str]]:
    compared = any(c.constant is not None for c in expr.comparisons)
    if _CERT.search(name) and not _CERT_NOT.search(name):
        yield "cert-expiry", name
        return
    if _NETWORK.search(name):
        if compared:
            yield "network-latency", name
        return
    if _LATENCY.search(name) and not _COUNT_SERIES.search(name):
        if "histogram_quantile" in expr.functions:
            yield "latency", f"histogram_quantile over {name}"
        elif compared:
            yield "latency", name
    if _CPU.search(name):
        yield "cpu", name
    if _MEMORY.search(name):
        yield "memory", name
    if _DISK.search(name):
        yield "disk", name
    if _DATABASE.search(name):
        yield "database", name
    if _SECURITY.search(name):
        yield "security", name


def _is_server_error(matcher: Matcher) -> bool:
    if matcher.label not in _STATUS_LABELS or len(matcher.value) > 200:
        return False
    value, grpc = matcher.value, "grpc" in matcher.label
    if matcher.op == "=":
        return value.lower() == "5xx" or (len(value) == 3 and value.startswith("5"))
    if matcher.op == "=~":  # errors, but not everything (`code=~".+"` selects all requests)
        samples = _GRPC_ERRORS if grpc else ("500", "503", "5xx")
        return any(_full(value, s) for s in samples) and not _full(value, "OK" if grpc else "200")
    # `!=`, `!~`: excluding the successes leaves the errors
    ok = ("OK",) if grpc else ("200",)
    return any(_full(value, s) for s in ok) and not _full(value, "Internal" if grpc else "500")


def _is_auth_failure(matcher: Matcher) -> bool:
    if matcher.label not in _STATUS_LABELS or "grpc" in matcher.label:
        return matcher.label in {"grpc_code", "grpc_status"} and (
            matcher.op in {"=", "=~"}
            and any(_full(matcher.value, s) for s in ("Unauthenticated", "PermissionDenied"))
        )
    if matcher.op == "=":
        return matcher.value in {"401", "403"}
    if matcher.op == "=~":
        auth = _full(matcher.value, "401") or _full(matcher.value, "403")
        return auth and not any(_full(matcher.value, other) for other in ("200", "404", "500"))
    return False


def _full(pattern: str, sample: str) -> bool:
    if len(pattern) > 200:
        return False
    try:
        return re.fullmatch(pattern, sample) is not None
    except re.error:
        return pattern == sample


def _selector(name: str, matcher: Matcher) -> str:
    return f'{name}{{{matcher.label}{matcher.op}"{matcher.value}"}}'


def _number(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


# --- thresholds: the level an alert fires at ---------------------------------------------------


def levels(expr: Expression, recognised: Recognised, dimension: Dimension) -> list[Level]:
    """The levels at which `expr` fires for the metrics that made it `recognised`."""
    found: list[Level] = []
    for comparison in expr.comparisons:
        value = comparison.constant
        if (
            value is None
            or value == 0
            or comparison.op not in {">", ">=", "<", "<="}
            or not {m for m in comparison.left_metrics & recognised.metrics if _level(m)}
            or "predict_linear" in comparison.left
        ):
            continue
        scaled = _scaled(comparison, value, dimension)
        if scaled is not None:
            found.append(Level(value=scaled, op=comparison.op, dimension=dimension))
    return found


def _level(metric: str) -> bool:
    """Whether a metric measures how full or busy something is (CPU throttling and OOM kills
    are events, not levels a usage threshold speaks of)."""
    return not _NOT_LEVELS.search(metric)


def _scaled(comparison: Comparison, value: float, dimension: Dimension) -> float | None:
    tokens = comparison.left
    if dimension is Dimension.RATIO:
        percent = any(
            token in _RATIO_SCALES
            and {tokens[i - 1] if i else "", tokens[i + 1] if i + 1 < len(tokens) else ""}
            & {"*", "-"}
            for i, token in enumerate(tokens)
        )
        if percent:
            value /= 100
        return value if 0 < value <= 1 else None  # a ratio past 1 (load per core) is no level
    if any("timestamp" in m for m in comparison.left_metrics) and "time" not in tokens:
        return None  # a point in time compared with a constant is not a duration we can read
    for i, token in enumerate(tokens[:-1]):
        if token == "/" and tokens[i + 1] in _DURATION_SCALES:
            value *= _DURATION_SCALES[tokens[i + 1]]
    if all(m.endswith(("_milliseconds", "_ms")) for m in comparison.left_metrics):
        value /= 1000
    return value


def described(level: Level, threshold: Threshold) -> str:
    """The level as written, and as the threshold reads it when that is the other way round
    (`< 10%`, that is `> 90%`)."""
    rising = threshold.comparator in {Comparator.GT, Comparator.GE}
    if (level.op in {">", ">="}) == rising or level.dimension is not Dimension.RATIO:
        return str(level)
    flipped = Level(value=1 - level.value, op=">" if rising else "<", dimension=level.dimension)
    return f"{level} (that is {flipped})"


def meets(level: Level, threshold: Threshold) -> bool | None:
    """Whether an alert firing at `level` fires at the threshold or earlier; None when the two
    cannot be compared (a duration the other way round)."""
    rising = threshold.comparator in {Comparator.GT, Comparator.GE}
    if not rising and threshold.comparator not in {Comparator.LT, Comparator.LE}:
        return None
    value = level.value
    if (level.op in {">", ">="}) != rising:
        if level.dimension is not Dimension.RATIO:
            return None
        value = 1 - value  # free space below 10% is usage above 90%
    limit = threshold.quantity.value
    tolerance = 1e-9 * max(1.0, abs(limit))
    return value <= limit + tolerance if rising else value >= limit - tolerance
