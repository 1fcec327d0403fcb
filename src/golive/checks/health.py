"""Live health checks: the liveness and readiness endpoints answer, in time, with bodies that
agree with their status codes and list the dependencies the service declares.

The rules follow what Kubernetes does with an httpGet probe (200 <= status < 400 within
`timeoutSeconds`, default 1 s, tried `failureThreshold` = 3 times `periodSeconds` = 10 s
apart), the health-check response format draft (`application/health+json`: pass/ok/up/warn
with 2xx-3xx, fail/error/down with 4xx-5xx) and Spring Boot Actuator (UP/UNKNOWN with 200,
DOWN/OUT_OF_SERVICE with 503).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from golive.checks._live import LiveParams, fetch, finding, pinned
from golive.checks.base import Check, Unknown, failed, passed, warned
from golive.checks.fixtures import ServiceInfo
from golive.checks.params import Duration
from golive.model import Finding, Kind, Outcome
from golive.probes.http import HttpError, Response, ok, request
from golive.probes.safety import Consent, PinnedTarget, ProbePolicy
from golive.thresholds import describe_duration, format_duration

__all__ = ["Dependencies", "Liveness", "Readiness"]

_PASSING = {"pass", "ok", "up", "warn"}  # health+json statuses that need 2xx-3xx
_FAILING = {"fail", "error", "down"}  # ... that need 4xx-5xx
_SPRING_UP = {"UP", "UNKNOWN"}  # 200
_SPRING_DOWN = {"DOWN", "OUT_OF_SERVICE"}  # 503
_DETAIL_KEYS = ("components", "checks", "details")


class HealthParams(LiveParams):
    path: str | None = None  # default: [service] health in golive.toml
    timeout: Duration = 1.0  # per attempt, as Kubernetes' timeoutSeconds
    interval: Duration = 10.0  # between attempts, as periodSeconds
    attempts: int = Field(default=3, ge=1, le=10)  # as failureThreshold


class DependencyParams(LiveParams):
    path: str | None = None  # default: the readiness endpoint
    dependencies: list[str] = Field(default_factory=list)
    timeout: Duration = 5.0


@dataclass(frozen=True, kw_only=True)
class _Body:
    """What a health body says: its format and status word, and whether it shows details."""

    format: str  # "health+json", "spring" or "" (not a recognised health body)
    status: str
    details: bool


def _body(response: Response) -> _Body | None:
    data = response.json()
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        return None
    status = data["status"]
    details = any(isinstance(data.get(key), dict | list) and data.get(key) for key in _DETAIL_KEYS)
    if response.content_type == "application/health+json" or status.lower() in (
        _PASSING | _FAILING
    ):
        return _Body(format="health+json", status=status.lower(), details=details)
    if status.upper() in _SPRING_UP | _SPRING_DOWN:
        return _Body(format="spring", status=status.upper(), details=details)
    return _Body(format="", status=status, details=details)


def _disagreement(body: _Body, status: int) -> str | None:
    """Why the body's status word contradicts the HTTP status, or None."""
    good = ok(status)
    if body.format == "health+json":
        if body.status in _PASSING and not good:
            return f'the body says "{body.status}" but the status is {status} (needs 2xx-3xx)'
        if body.status in _FAILING and (good or status < 400):
            return f'the body says "{body.status}" but the status is {status} (needs 4xx-5xx)'
    if body.format == "spring":
        if body.status in _SPRING_UP and status != 200:
            return f'the body says "{body.status}" but the status is {status} (Spring answers 200)'
        if body.status in _SPRING_DOWN and status != 503:
            return f'the body says "{body.status}" but the status is {status} (Spring answers 503)'
    return None


def _down(body: _Body | None) -> bool:
    return body is not None and (body.status in _FAILING or body.status in _SPRING_DOWN)


def _path(params: HealthParams | DependencyParams, declared: str | None, what: str) -> str:
    path = params.path or declared
    if path is None:
        raise Unknown(
            f'no {what} endpoint is declared: set [service] health = {{ {what} = "/path" }} '
            "in golive.toml, or the item's path"
        )
    return path


@dataclass(frozen=True, kw_only=True)
class _Attempt:
    number: int
    status: int | None  # None: no HTTP answer
    seconds: float
    problem: str | None  # why this attempt failed, or None
    body: _Body | None


def _attempts(target: PinnedTarget, path: str, params: HealthParams) -> Iterator[_Attempt]:
    """`params.attempts` GETs of `path`, `params.interval` apart, each judged by the httpGet
    rule and, when the body is a health report, by the agreement of body and status."""
    for number in range(1, params.attempts + 1):
        if number > 1:
            time.sleep(params.interval)
        started = time.monotonic()
        try:
            response = request(target, "GET", path, timeout=params.timeout)
        except HttpError as exc:
            seconds = time.monotonic() - started
            yield _Attempt(number=number, status=None, seconds=seconds, problem=str(exc), body=None)
            continue
        body = _body(response)
        problem = None
        if not ok(response.status):
            problem = f"answered {response.status} {response.reason}".rstrip()
        elif response.elapsed > params.timeout:
            problem = f"answered after {describe_duration(response.elapsed)}"
        if body is not None and problem is None:
            problem = _disagreement(body, response.status)
        yield _Attempt(
            number=number,
            status=response.status,
            seconds=response.elapsed,
            problem=problem,
            body=body,
        )


def _judge(
    target: PinnedTarget, path: str, params: HealthParams, what: str, *, readiness: bool
) -> Outcome:
    attempts = list(_attempts(target, path, params))
    bad = [a for a in attempts if a.problem is not None]
    slowest = max(a.seconds for a in attempts)
    facts: dict[str, str | int | float | bool] = {
        "url": target.url(path),
        "attempts": len(attempts),
        "failed_attempts": len(bad),
        "slowest_ms": round(slowest * 1000, 1),
    }
    statuses = ", ".join(str(a.status) if a.status else "no answer" for a in attempts)
    observed = f"{statuses} (slowest {describe_duration(slowest)})"
    required = (
        f"{params.attempts} answers 2xx-3xx within {format_duration(params.timeout)}, "
        f"{format_duration(params.interval)} apart"
    )
    findings = [
        finding(target, path, f"attempt {a.number}: {a.problem}", rule=f"health.{what}")
        for a in bad
    ]
    if bad:
        first = bad[0]
        if readiness and _down(first.body):
            summary = f"NOT READY: {path} reports {first.body.status if first.body else ''}"
        else:
            summary = f"{path}: {len(bad)} of {len(attempts)} attempt(s) failed: {first.problem}"
        return failed(summary, observed=observed, required=required, findings=findings, facts=facts)
    body = attempts[-1].body
    if body is not None and body.format:
        facts["format"] = body.format
        facts["status_word"] = body.status
    if body is not None and body.details:
        return warned(
            f"{path} answers, but shows component details to anyone (no credentials sent)",
            observed=observed,
            required=required,
            findings=[
                finding(
                    target,
                    path,
                    "component details are exposed without authentication",
                    rule=f"health.{what}.details",
                )
            ],
            remediation="Show health details only to authenticated callers "
            "(Spring: management.endpoint.health.show-details=when-authorized).",
            facts=facts,
        )
    return passed(
        f"{path} answered {len(attempts)} time(s) in time", observed=observed, facts=facts
    )


class Liveness(Check):
    """The liveness endpoint answers 2xx/3xx in time on repeated tries."""

    id = "health.liveness"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "`attempts` GETs (3) of the liveness path, `interval` apart"
    Params = HealthParams
    timeout = 120.0
    fix = "Serve a cheap liveness endpoint that does not depend on other services."

    def run(self, params: HealthParams, probes: ProbePolicy, service: ServiceInfo) -> Outcome:
        target = pinned(probes, params, Consent.PASSIVE, "a liveness probe")
        path = _path(params, service.liveness, "liveness")
        return _judge(target, path, params, "liveness", readiness=False)


class Readiness(Check):
    """The readiness endpoint answers and its body agrees with its status code."""

    id = "health.readiness"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "`attempts` GETs (3) of the readiness path, `interval` apart"
    Params = HealthParams
    timeout = 120.0
    fix = "Answer readiness with 503 while the service cannot serve, 200 when it can."

    def run(self, params: HealthParams, probes: ProbePolicy, service: ServiceInfo) -> Outcome:
        target = pinned(probes, params, Consent.PASSIVE, "a readiness probe")
        path = _path(params, service.readiness, "readiness")
        return _judge(target, path, params, "readiness", readiness=True)


def _components(data: Mapping[str, Any]) -> dict[str, str]:
    """Component name -> its status word, from a health+json `checks` object (keys
    "component:measurement", values lists of objects) or Spring `components` (nested)."""
    found: dict[str, str] = {}
    checks = data.get("checks")
    if isinstance(checks, dict):
        for key, value in checks.items():
            name = str(key).partition(":")[0]
            entries = value if isinstance(value, list) else [value]
            for entry in entries:
                status = entry.get("status") if isinstance(entry, dict) else None
                label = str(entry.get("componentType", "")) if isinstance(entry, dict) else ""
                found[name] = str(status or "")
                if label:
                    found.setdefault(label, str(status or ""))
    for key in ("components", "details"):
        nested = data.get(key)
        if isinstance(nested, dict):
            for name, value in nested.items():
                status = value.get("status") if isinstance(value, dict) else value
                found[str(name)] = str(status or "")
    return found


def _matches(dependency: str, component: str) -> bool:
    """A declared dependency matches a component whose name contains it, ignoring case and
    separators ("database" matches "db" too, the common short name)."""
    aliases = {
        "database": ("database", "db", "postgres", "mysql", "sql"),
        "cache": ("cache", "redis", "memcached"),
    }
    wanted = aliases.get(dependency.lower(), (dependency.lower(),))
    name = component.lower().replace("_", "").replace("-", "")
    return any(alias.replace("_", "").replace("-", "") in name for alias in wanted)


class Dependencies(Check):
    """The readiness report lists the service's declared dependencies, each healthy."""

    id = "health.dependencies"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 GET of the readiness path"
    Params = DependencyParams
    fix = (
        "List each dependency (database, cache, external services) in the readiness body, "
        "as `checks` of application/health+json or Spring `components`."
    )

    def run(self, params: DependencyParams, probes: ProbePolicy, service: ServiceInfo) -> Outcome:
        target = pinned(probes, params, Consent.PASSIVE, "a readiness probe")
        path = _path(params, service.readiness, "readiness")
        if not params.dependencies:
            raise Unknown(
                "no dependencies are declared for this item: name them in its "
                'with = { dependencies = ["database", ...] }'
            )
        # Details are often shown only to authenticated callers: use the credential if any.
        response = fetch(
            target, path, timeout=params.timeout, credentials=target.credential is not None
        )
        data = response.json()
        if not isinstance(data, dict):
            return failed(
                f"{path} does not answer with a JSON health report (status {response.status})",
                observed=response.content_type or "no content type",
                required="a JSON body listing the dependencies",
            )
        components = _components(data)
        findings: list[Finding] = []
        listed: list[str] = []
        for dependency in params.dependencies:
            hits = [name for name in components if _matches(dependency, name)]
            if not hits:
                findings.append(
                    finding(target, path, f"{dependency} is not listed", rule="health.dependencies")
                )
                continue
            listed.append(dependency)
            for name in hits:
                word = components[name].lower()
                if word in _FAILING or word.upper() in _SPRING_DOWN:
                    findings.append(
                        finding(
                            target,
                            path,
                            f"{dependency} ({name}) reports {components[name]}",
                            rule="health.dependencies.down",
                        )
                    )
        observed = ", ".join(f"{k}: {v or '?'}" for k, v in components.items()) or "no components"
        required = ", ".join(params.dependencies) + " listed and healthy"
        facts = {"components": len(components), "authenticated": target.credential is not None}
        if findings:
            return failed(
                f"{path}: " + "; ".join(f.message.rsplit(" (", 1)[0] for f in findings),
                observed=observed,
                required=required,
                findings=findings,
                facts=facts,
            )
        return passed(
            f"{path} lists {', '.join(listed)}", observed=observed, required=required, facts=facts
        )
