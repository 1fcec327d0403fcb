"""Live checks of the limits a service enforces: the request-body size and the request rate."""

from __future__ import annotations

import contextlib
import email.utils
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from pydantic import Field, field_validator

from golive.checks._live import LiveParams, finding, pinned
from golive.checks.base import Check, Facts, Unknown, failed, passed, unknown, warned
from golive.checks.params import Rate, Size
from golive.model import Finding, Kind, Outcome, Status
from golive.probes.http import Headers, HttpError, Response, request
from golive.probes.safety import Consent, PinnedTarget, ProbePolicy, ProbeRefused
from golive.thresholds import Quantity

__all__ = ["RateLimit", "RateParams", "RequestSize", "RequestSizeParams"]

_KIB = 1024
_MAX_BODY = 100 * 1024 * 1024  # the largest body a probe sends, whatever the declared limit
_SEVERITY = {Status.PASS: 0, Status.WARN: 1, Status.UNKNOWN: 2, Status.FAIL: 3}


@dataclass(frozen=True, kw_only=True)
class _Part:
    """The verdict of one probe of a check, with its line of evidence."""

    status: Status
    evidence: str  # what was sent and what came back
    problem: str | None = None  # why it is not a pass (the summary when it is the worst)
    aspect: str = ""  # which probe of the check: its facts' prefix, its finding's fingerprint
    facts: Facts = field(default_factory=dict)


def _conclude(
    parts: Iterable[_Part],
    *,
    ok: str,
    target: PinnedTarget,
    path: str,
    rule: str,
    required: str,
    remediation: str,
    facts: Facts,
) -> Outcome:
    """The outcome of several probes: the worst part decides; fail beats unknown beats warn."""
    parts = list(parts)
    worst = max(parts, key=lambda part: _SEVERITY[part.status])
    observed = "; ".join(part.evidence for part in parts)
    findings: list[Finding] = []
    for part in parts:
        if part.problem is not None and part.status is not Status.PASS:
            found = finding(target, path, part.problem, rule=rule)
            if part.aspect:
                found = replace(found, fingerprint=f"{found.fingerprint}:{part.aspect}")
            findings.append(found)
    ending = {Status.PASS: passed, Status.WARN: warned, Status.UNKNOWN: unknown}.get(
        worst.status, failed
    )
    return ending(
        ok if worst.status is Status.PASS else worst.problem or ok,
        observed=observed,
        required=required,
        findings=findings,
        remediation=None if worst.status is Status.PASS else remediation,
        facts=facts,
    )


# --- limits.request-size ------------------------------------------------------------------------


class RequestSizeParams(LiveParams):
    # Both are needed; a profile may name the check before the service declares them.
    path: str | None = None  # an endpoint that takes POST bodies and is safe to POST filler to
    max_body: Size | None = None  # the declared limit: one byte more must get 413
    chunked: bool = False  # also send limit + 1 bytes with Transfer-Encoding: chunked
    control: bool = False  # also send a body under the limit (it reaches the application)

    @field_validator("max_body")
    @classmethod
    def _positive(cls, value: Quantity | None) -> Quantity | None:
        if value is not None and value.value < 1:
            raise ValueError("max_body must be at least 1 byte")
        return value


class RequestSize(Check):
    """A body one byte over the limit is refused with 413.

    POSTs to `path` a body of `max_body` + 1 bytes with `Content-Length` and
    `Expect: 100-continue`; the body is only streamed if the server asks for it, and sending
    stops at the first response. A 413 passes. A 2xx after the body fails (the limit is not
    enforced); a 5xx or a dropped connection without 413 fails as a limit enforced badly. A
    2xx before the body was read, a redirect or another 4xx (401, 404, 405 ...) means the probe
    never reached the limit: unknown, with the status. With `chunked`, the same size goes
    `Transfer-Encoding: chunked` with no length and must get 413 too (411, or a 400/501 sent
    before any body byte, refuses chunked bodies altogether and is fine). With `control`, a
    body 1 KiB under the limit (half the limit below 2 KiB) must not get 413. Bodies are
    filler bytes, never over 100 MiB; needs `consent = "active"` on the target.
    """

    id = "limits.request-size"
    kind = Kind.LIVE
    Params = RequestSizeParams
    timeout = 180.0
    fix = (
        "Refuse bodies over the limit with 413 before reading them: client_max_body_size in "
        "nginx, the body-size limit of the gateway or framework; enforce it on chunked bodies too."
    )

    def run(self, params: RequestSizeParams, probes: ProbePolicy) -> Outcome:
        path, declared = params.path, params.max_body
        if path is None or declared is None:
            raise Unknown(
                "no endpoint or limit declared: name a POST endpoint that is safe to send "
                'filler to and its limit (with = { path = "/upload", max_body = "1MiB" })'
            )
        target = pinned(probes, params, Consent.ACTIVE, f"the body-size probe of POST {path}")
        limit = int(declared.value)
        if limit + 1 > _MAX_BODY:
            raise Unknown(
                f"the declared limit {declared} is over what a probe may send ({_MAX_BODY:,} B)"
            )
        size = limit + 1
        parts = [_oversized(target, path, size, chunked=False)]
        if params.chunked:
            parts.append(_oversized(target, path, size, chunked=True))
        if params.control:
            parts.append(_control(target, path, limit))
        facts: dict[str, str | int | float | bool] = {"max_body": limit, "body_size": size}
        for part in parts:
            prefix = f"{part.aspect}_" if part.aspect else ""
            facts.update({prefix + name: value for name, value in part.facts.items()})
        return _conclude(
            parts,
            ok=f"POST {path} with {size:,} B, 1 B over the {limit:,} B limit, got 413",
            target=target,
            path=path,
            rule=self.id,
            required=f"413 for a body over {declared}",
            remediation=self.fix or "",
            facts=facts,
        )


def _chunked(size: int, step: int = 64 * _KIB) -> bytes:
    """`size` filler bytes in chunked transfer coding."""
    out = bytearray()
    left = size
    while left > 0:
        count = min(step, left)
        out += f"{count:x}\r\n".encode() + b"x" * count + b"\r\n"
        left -= count
    return bytes(out + b"0\r\n\r\n")


def _post(
    target: PinnedTarget, path: str, size: int, *, chunked: bool
) -> tuple[Response | HttpError, int]:
    """POST `size` filler bytes with Expect: 100-continue (again without it after a 417);
    the response or the transport failure, and the bytes of body on the wire."""
    body: bytes | int = _chunked(size) if chunked else size
    wire = len(body) if isinstance(body, bytes) else size
    headers = [("Transfer-Encoding", "chunked")] if chunked else []
    timeout = min(60.0, 10.0 + wire / (5 * 1024 * 1024))
    expect = True
    while True:
        try:
            response = request(
                target,
                "POST",
                path,
                headers=headers,
                body=body,
                expect_continue=expect,
                consent=Consent.ACTIVE,
                timeout=timeout,
            )
        except HttpError as exc:
            return exc, wire
        if response.status == 417 and expect:
            expect = False  # the server does not do Expect: send the body plainly
            continue
        return response, wire


def _oversized(target: PinnedTarget, path: str, size: int, *, chunked: bool) -> _Part:
    """One body of `size` bytes, over the limit, and whether the answer shows it enforced."""
    how = "chunked" if chunked else "Content-Length"
    label = f"{size:,} B {how}"
    response, wire = _post(target, path, size, chunked=chunked)

    def part(status: Status, evidence: str, problem: str | None, facts: Facts) -> _Part:
        aspect = "chunked" if chunked else ""
        return _Part(status=status, evidence=evidence, problem=problem, aspect=aspect, facts=facts)

    if isinstance(response, HttpError):
        reason = str(response)
        if response.timed_out or reason.startswith("ConnectionRefused"):
            problem = f"POST {path} ({how}) got no answer: {reason}"
            return part(
                Status.UNKNOWN, f"{label}: no answer ({reason})", problem, {"error": reason}
            )
        return part(
            Status.FAIL,
            f"{label}: connection failed without 413 ({reason})",
            f"the body limit is enforced badly: POST {path} with {label} failed without a 413 "
            f"({reason})",
            {"error": reason},
        )
    status, sent = response.status, response.sent_body
    asked = 100 in response.interim
    evidence = f"{label}: {status} after {sent:,} of {wire:,} B sent"
    evidence += " (after 100 Continue)" if asked else ""
    facts: Facts = {"status": status, "sent_body": sent, "continue": asked}
    if status == 413:
        return part(Status.PASS, evidence, None, facts)
    if chunked and (status == 411 or (status in {400, 501} and sent == 0)):
        return part(Status.PASS, evidence, None, facts)  # chunked bodies refused on the head alone
    if 200 <= status < 300 and sent < wire:
        problem = (
            f"POST {path} answered {status} before reading the body ({sent:,} of {wire:,} B "
            "sent): the endpoint ignores bodies, so its limit cannot be seen; name one that "
            "reads them"
        )
        return part(Status.UNKNOWN, evidence, problem, facts)
    if 200 <= status < 300:
        problem = f"the body limit is not enforced: POST {path} accepted {label} with {status}"
        return part(Status.FAIL, evidence, problem, facts)
    if status >= 500:
        problem = (
            f"the body limit is enforced badly: POST {path} with {label} got {status}, not 413"
        )
        return part(Status.FAIL, evidence, problem, facts)
    problem = (
        f"POST {path} with {label} got {status}: the probe did not reach the size limit "
        "(authentication, method or routing answered first)"
    )
    return part(Status.UNKNOWN, evidence, problem, facts)


def _control(target: PinnedTarget, path: str, limit: int) -> _Part:
    """A body under the limit: anything but 413."""
    size = limit - _KIB if limit > 2 * _KIB else limit // 2
    label = f"control {size:,} B"
    response, _ = _post(target, path, size, chunked=False)
    if isinstance(response, HttpError):
        return _Part(
            status=Status.UNKNOWN,
            evidence=f"{label}: failed ({response})",
            problem=f"the control POST {path} of {size:,} B failed: {response}",
            aspect="control",
            facts={"error": str(response), "size": size},
        )
    refused = response.status == 413
    return _Part(
        status=Status.FAIL if refused else Status.PASS,
        evidence=f"{label}: {response.status}",
        problem=f"the limit is lower than declared: a body of {size:,} B already got 413"
        if refused
        else None,
        aspect="control",
        facts={"status": response.status, "size": size},
    )


# --- limits.rate ----------------------------------------------------------------------------------

_BURST_CAP = 1000  # requests in one burst
_BURST_SECONDS = 10.0
_SHOT_TIMEOUT = 5.0
_UNDECLARED_BURST = 100
_DECISIVE = frozenset({429, *range(500, 600)})  # statuses that end a burst
_MAX_WAIT = 60.0  # the longest wait for recovery after a 429
_GRACE = 0.5  # added to Retry-After: a server rounding it down still recovers
_LIMIT_HEADERS = (
    "RateLimit-Policy",
    "RateLimit",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)
_WINDOWS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60}
_WINDOWS |= {"h": 3600, "hr": 3600, "hour": 3600}


class RateParams(LiveParams):
    path: str | None = None  # a GET endpoint the limiter covers (health checks are often exempt)
    limit: Rate | None = None  # the declared allowance: "120 req/min", "10 req/s"
    concurrency: int = Field(default=8, ge=1, le=64)  # connections the burst uses at once


class RateLimit(Check):
    """A burst over the declared rate gets 429 with Retry-After, and the service recovers.

    Sends GETs to `path` over `concurrency` connections as fast as they go, at most 1,000
    requests and 10 s, and stops at the first 429 or 5xx. The declared `limit` counts the
    requests of the window it is written in ("120 req/min" allows 120 requests, "10 req/s"
    allows 10), since limiters let a client spend a window's allowance at once; the burst is
    1.5 times that plus 10 (100 with no declared limit), longer if the service is so slow
    that the rate refills faster than the burst spends it.

    It passes when a 429 comes by request number allowance + max(5, 10 %) + the refill
    during the burst, no 5xx came, and one GET after waiting Retry-After (one window without
    it; the check waits at most 60 s) gets 2xx. A later 429 warns (the limiter is looser than
    declared, or several instances each count alone), and so do 429s without Retry-After.
    No 429 once the burst is past the allowance, a 5xx, connections failing instead of 429,
    or still no 2xx after the wait fail. A burst that could not outrun the allowance, or a
    wait longer than the check may wait, is unknown. RateLimit-* and X-RateLimit-* headers
    are reported. Needs `consent = "active"` on the target.
    """

    id = "limits.rate"
    kind = Kind.LIVE
    Params = RateParams
    timeout = 120.0
    exclusive = True  # the burst would turn other probes of the service into 429s
    fix = (
        "Limit each client's request rate (limit_req in nginx, the gateway's rate limiter or a "
        "token bucket in the service) and answer 429 with Retry-After instead of overloading."
    )

    def run(self, params: RateParams, probes: ProbePolicy) -> Outcome:
        started = time.monotonic()
        path = params.path
        if path is None:
            raise Unknown(
                "no endpoint declared: name a GET endpoint the limiter covers (with = { path = "
                '"/api/items", limit = "120 req/min" })'
            )
        target = pinned(probes, params, Consent.ACTIVE, f"the rate-limit burst to GET {path}")
        allowance = _Allowance.of(params.limit)
        burst = _Burst(target, path, total=allowance.burst, allowed=allowance.by)
        burst.run(params.concurrency)
        sent = burst.summary
        facts: dict[str, str | int | float | bool] = {
            "burst": allowance.burst,
            "sent": len(burst.shots),
            "seconds": round(burst.seconds, 3),
        }
        if allowance.count is not None:
            facts["declared_per_window"] = allowance.count
            facts["window_seconds"] = allowance.window
        rejected = burst.having(lambda status: status == 429)
        crashed = burst.having(lambda status: status >= 500)
        failures = [s for s in burst.shots if s.error is not None]
        shown = rejected or burst.having(lambda status: True)
        reported = _limit_headers(shown[0]) if shown else ""
        if reported:
            facts["ratelimit_headers"] = reported

        def conclude(parts: list[_Part], ok: str = "") -> Outcome:
            return _conclude(
                parts,
                ok=ok,
                target=target,
                path=path,
                rule=self.id,
                required=allowance.required(),
                remediation=self.fix or "",
                facts=facts,
            )

        if crashed:
            first = crashed[0]
            facts["first_5xx"] = first.number
            problem = (
                f"request {first.number} of the burst got {first.status}: the service "
                "overloaded instead of shedding with 429"
            )
            return conclude([_Part(status=Status.FAIL, evidence=sent, problem=problem)])
        if not rejected:
            return conclude([_no_limit(burst, allowance, path)])
        first = rejected[0]
        facts["first_429"] = first.number
        parts = [_on_time(first, allowance, sent, path), _retry_header(rejected)]
        if failures:
            parts.append(
                _Part(
                    status=Status.WARN,
                    evidence=f"{len(failures)} connections failed",
                    aspect="connections",
                    problem=f"{len(failures)} requests of the burst failed below HTTP "
                    f"({failures[0].error})",
                )
            )
        wait, raw = _retry_after(first.headers)
        if raw is not None:
            facts["retry_after"] = raw
        budget = min(_MAX_WAIT, self.timeout - (time.monotonic() - started) - 2 * _SHOT_TIMEOUT)
        normal = burst.shots[0].status if burst.shots[0].number < first.number else None
        recovery = _recovery(
            target, path, wait=wait, window=allowance.window, budget=budget, normal=normal
        )
        parts.append(replace(recovery, aspect="recovery"))
        if reported:
            parts.append(_Part(status=Status.PASS, evidence=f"headers {reported}"))
        return conclude(
            parts, ok=f"request {first.number} of the burst got 429; the service recovered"
        )


@dataclass(frozen=True, kw_only=True)
class _Allowance:
    """What the declared limit lets a client send: a window's count, refilled at the rate."""

    count: int | None  # requests per window; None when no limit is declared
    window: float  # seconds
    per_second: float
    burst: int  # requests the probe may send

    @classmethod
    def of(cls, limit: Quantity | None) -> _Allowance:
        if limit is None:
            return cls(count=None, window=_MAX_WAIT, per_second=0.0, burst=_UNDECLARED_BURST)
        window = float(_window(limit.text))
        count = max(1, round(limit.value * window))
        burst = min(_BURST_CAP, math.ceil(count * 1.5) + 10)
        return cls(count=count, window=window, per_second=limit.value, burst=burst)

    @property
    def margin(self) -> int:
        return max(5, math.ceil((self.count or 0) / 10))

    def by(self, seconds: float) -> int | None:
        """The request number a 429 must come by, `seconds` into the burst."""
        if self.count is None:
            return None
        return self.count + math.floor(self.per_second * seconds) + self.margin

    def required(self) -> str:
        if self.count is None:
            return f"a 429 within {self.burst} requests, Retry-After, recovery"
        return (
            f"a 429 by request {self.count} + {self.margin} (+ the refill while bursting), "
            "no 5xx, Retry-After, recovery"
        )


def _window(text: str) -> int:
    """The window a rate is written per: 60 for "120 req/min" and "120rpm", 1 for "10 req/s"."""
    unit = text.strip().lower()
    if unit.endswith("rpm"):
        return 60
    if unit.endswith("rps") or "/" not in unit:
        return 1
    return _WINDOWS.get(unit.rpartition("/")[2].strip(), 1)


@dataclass(frozen=True, kw_only=True)
class _Shot:
    number: int  # in the order sent, from 1
    at: float  # seconds from the start of the burst to sending it
    status: int | None = None
    headers: Headers = field(default_factory=Headers)
    error: str | None = None


class _Burst:
    """`total` GETs over a few connections, stopping at the first 429 or 5xx or after 10 s.
    A slow burst goes on past `total` until it is past what the declared rate `allowed` by
    then (at most 1,000 requests), so that it can still outrun the limit."""

    def __init__(
        self,
        target: PinnedTarget,
        path: str,
        *,
        total: int,
        allowed: Callable[[float], int | None],
    ) -> None:
        self.target = target
        self.path = path
        self.total = total
        self.allowed = allowed
        self.shots: list[_Shot] = []
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._next = 1
        self._stop = False
        self._refused: ProbeRefused | None = None
        self._started = 0.0

    @property
    def summary(self) -> str:
        return f"{len(self.shots)} requests in {self.seconds:.2f} s"

    def having(self, test: Callable[[int], bool]) -> list[_Shot]:
        """The answered requests whose status passes `test`, in the order sent."""
        return [s for s in self.shots if s.status is not None and test(s.status)]

    def run(self, workers: int) -> None:
        self._started = time.monotonic()
        threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.seconds = time.monotonic() - self._started
        self.shots.sort(key=lambda shot: shot.number)
        if self._refused is not None and not self.having(lambda status: status in _DECISIVE):
            raise self._refused

    def _work(self) -> None:
        while True:
            with self._lock:
                elapsed = time.monotonic() - self._started
                total = min(_BURST_CAP, max(self.total, (self.allowed(elapsed) or 0) + 1))
                if self._stop or elapsed >= _BURST_SECONDS or self._next > total:
                    return
                number = self._next
                self._next += 1
            at = time.monotonic() - self._started
            try:
                response = request(
                    self.target, "GET", self.path, consent=Consent.ACTIVE, timeout=_SHOT_TIMEOUT
                )
            except HttpError as exc:
                shot = _Shot(number=number, at=at, error=str(exc))
            except ProbeRefused as exc:
                with self._lock:
                    self._refused = exc
                    self._stop = True
                return
            else:
                shot = _Shot(number=number, at=at, status=response.status, headers=response.headers)
            with self._lock:
                self.shots.append(shot)
                if shot.status is not None and shot.status in _DECISIVE:
                    self._stop = True


def _no_limit(burst: _Burst, allowance: _Allowance, path: str) -> _Part:
    shots, sent = burst.shots, burst.summary
    answered = burst.having(lambda status: True)
    failures = [s for s in shots if s.error is not None]
    if not answered:
        reason = failures[0].error if failures else "nothing was sent"
        return _Part(
            status=Status.UNKNOWN,
            evidence=sent,
            problem=f"no request of the burst to GET {path} was answered ({reason})",
        )
    if failures:
        return _Part(
            status=Status.FAIL,
            evidence=f"{sent}; {len(failures)} failed below HTTP",
            problem=f"{len(failures)} requests of the burst failed ({failures[0].error}) and "
            "none got 429: the service drops connections instead of shedding with 429",
        )
    statuses = ", ".join(sorted({str(s.status) for s in answered}))
    evidence = f"{sent}, statuses {statuses}"
    if all(s.status is not None and 400 <= s.status < 500 for s in answered):
        return _Part(
            status=Status.UNKNOWN,
            evidence=evidence,
            problem=f"GET {path} answered only {statuses} and no 429: name a path that "
            "answers the probe normally",
        )
    allowed = allowance.by(burst.seconds)
    if allowed is None:
        enough = len(shots) >= allowance.burst
        over = f"{len(shots)} requests"
    else:
        enough = len(shots) > allowed
        over = f"{len(shots)} requests, past the allowance of {allowed}"
    if not enough and len(shots) >= _BURST_CAP:
        return _Part(
            status=Status.UNKNOWN,
            evidence=evidence,
            problem=f"the declared allowance ({allowed} requests) is more than one burst may "
            f"send ({_BURST_CAP:,}): no 429 in {len(shots)} requests decides nothing",
        )
    if not enough:
        return _Part(
            status=Status.UNKNOWN,
            evidence=evidence,
            problem=f"the burst could not outrun the declared rate ({sent}, allowance "
            f"{allowed if allowed is not None else allowance.burst}): the service answers too "
            "slowly for this probe to reach its limit",
        )
    return _Part(
        status=Status.FAIL,
        evidence=evidence,
        problem=f"no rate limit observed: {over} to GET {path} in {burst.seconds:.2f} s "
        "and none got 429",
    )


def _on_time(first: _Shot, allowance: _Allowance, sent: str, path: str) -> _Part:
    evidence = f"{sent}; first 429 at request {first.number}"
    allowed = allowance.by(first.at)
    if allowed is None or first.number <= allowed:
        return _Part(status=Status.PASS, evidence=evidence)
    return _Part(
        status=Status.WARN,
        evidence=evidence,
        problem=f"the rate limit is looser than declared: the first 429 came at request "
        f"{first.number} of GET {path}, the declared limit allows {allowed} "
        "(or several instances each count alone)",
        aspect="allowance",
    )


def _retry_header(rejected: list[_Shot]) -> _Part:
    missing = [s for s in rejected if "retry-after" not in s.headers]
    if not missing:
        return _Part(status=Status.PASS, evidence="Retry-After on every 429")
    return _Part(
        status=Status.WARN,
        evidence=f"{len(missing)} of {len(rejected)} 429s without Retry-After",
        problem="429 responses carry no Retry-After: clients cannot tell when to come back",
        aspect="retry-after",
    )


def _retry_after(headers: Headers) -> tuple[float | None, str | None]:
    """Seconds Retry-After asks for (a delay, or an HTTP date against the response's Date),
    and the header as sent."""
    raw = headers.get("retry-after")
    if raw is None:
        return None, None
    text = raw.strip()
    if text.isdigit():
        return float(text), raw
    try:
        when = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None, raw
    now = time.time()
    with contextlib.suppress(TypeError, ValueError):
        now = email.utils.parsedate_to_datetime(headers.get("date") or "").timestamp()
    return max(0.0, when - now), raw


def _recovery(
    target: PinnedTarget,
    path: str,
    *,
    wait: float | None,
    window: float,
    budget: float,
    normal: int | None,
) -> _Part:
    """One GET after the wait: it must get 2xx, or what the path answered before the limit."""
    asked = wait is not None
    needed = wait if wait is not None else window
    what = f"Retry-After of {needed:g} s" if asked else f"one window ({needed:g} s)"
    if needed > budget:
        return _Part(
            status=Status.UNKNOWN,
            evidence=f"recovery not tried ({what})",
            problem=f"recovery is unknown: waiting {what} is longer than the "
            f"{max(budget, 0):.0f} s this check may wait",
        )
    time.sleep(needed + _GRACE if asked else needed)
    try:
        response = request(target, "GET", path, consent=Consent.ACTIVE, timeout=2 * _SHOT_TIMEOUT)
    except HttpError as exc:
        return _Part(
            status=Status.UNKNOWN,
            evidence=f"recovery GET failed ({exc})",
            problem=f"the GET {path} after the wait failed: {exc}",
        )
    evidence = f"after {what}: {response.status}"
    if 200 <= response.status < 300 or response.status == normal:
        return _Part(status=Status.PASS, evidence=evidence)
    if response.status == 429 or response.status >= 500:
        return _Part(
            status=Status.FAIL,
            evidence=evidence,
            problem=f"the service did not recover: GET {path} still got {response.status} "
            f"after waiting the {what}",
        )
    return _Part(
        status=Status.UNKNOWN,
        evidence=evidence,
        problem=f"GET {path} after the wait got {response.status}, so recovery is unknown",
    )


def _limit_headers(shot: _Shot | None) -> str:
    if shot is None:
        return ""
    found = [(name, shot.headers.get(name)) for name in _LIMIT_HEADERS]
    return ", ".join(f"{name}: {value}" for name, value in found if value is not None)
