"""Live checks of the limits a service enforces: the request-body size and the request rate."""

from __future__ import annotations

import time
from dataclasses import replace

from pydantic import Field, field_validator

from golive.checks._limits_parts import Part, conclude_parts
from golive.checks._limits_rate import (
    MAX_WAIT,
    SHOT_TIMEOUT,
    Allowance,
    Burst,
    limit_headers,
    no_limit,
    on_time,
    retry_after,
    retry_header,
    try_recovery,
)
from golive.checks._limits_size import control, oversized
from golive.checks._live import LiveParams, pinned
from golive.checks.base import Check, Unknown
from golive.checks.params import Rate, Size
from golive.model import Kind, Outcome, Status
from golive.probes.safety import Consent, ProbePolicy
from golive.thresholds import Quantity

__all__ = ["RateLimit", "RateParams", "RequestSize", "RequestSizeParams"]

_MAX_BODY = 100 * 1024 * 1024  # the largest body a probe sends, whatever the declared limit


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
    stops at the first response. A 413 passes. A 2xx after the body, or after asking for it
    with 100 Continue, fails (the limit is not enforced); a 5xx or a dropped connection
    without 413 fails as a limit enforced badly. A 2xx on the head alone (no 100 Continue, no
    body read), a redirect or another 4xx (401, 404, 405 ...) means the probe never reached
    the limit: unknown, with the status. With `chunked`, the same size goes
    `Transfer-Encoding: chunked` with no length and must get 413 too (411, or a 400/501 sent
    before any body byte, refuses chunked bodies altogether and is fine). With `control`, a
    body 1 KiB under the limit (half the limit below 2 KiB) must not get 413. Bodies are
    filler bytes, never over 100 MiB; needs `consent = "active"` on the target.
    """

    id = "limits.request-size"
    kind = Kind.LIVE
    consent = "active"
    traffic = "1 POST announcing max_body + 1 bytes; the body only if asked for"
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
        parts = [oversized(target, path, size, chunked=False)]
        if params.chunked:
            parts.append(oversized(target, path, size, chunked=True))
        if params.control:
            parts.append(control(target, path, limit))
        facts: dict[str, str | int | float | bool] = {"max_body": limit, "body_size": size}
        for part in parts:
            prefix = f"{part.aspect}_" if part.aspect else ""
            facts.update({prefix + name: value for name, value in part.facts.items()})
        return conclude_parts(
            parts,
            ok=f"POST {path} with {size:,} B, 1 B over the {limit:,} B limit, got 413",
            target=target,
            path=path,
            rule=self.id,
            required=f"413 for a body over {declared}",
            remediation=self.fix or "",
            facts=facts,
        )


# --- limits.rate ----------------------------------------------------------------------------------


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
    consent = "active"
    traffic = "a burst of up to 1,000 GETs within 10 s, then 1 GET after Retry-After"
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
        allowance = Allowance.of(params.limit)
        burst = Burst(target, path, total=allowance.burst, allowed=allowance.by)
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
        reported = limit_headers(shown[0]) if shown else ""
        if reported:
            facts["ratelimit_headers"] = reported

        def conclude(parts: list[Part], ok: str = "") -> Outcome:
            return conclude_parts(
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
            return conclude([Part(status=Status.FAIL, evidence=sent, problem=problem)])
        if not rejected:
            return conclude([no_limit(burst, allowance, path)])
        first = rejected[0]
        facts["first_429"] = first.number
        parts = [on_time(first, allowance, sent, path), retry_header(rejected)]
        if failures:
            parts.append(
                Part(
                    status=Status.WARN,
                    evidence=f"{len(failures)} connections failed",
                    aspect="connections",
                    problem=f"{len(failures)} requests of the burst failed below HTTP "
                    f"({failures[0].error})",
                )
            )
        wait, raw = retry_after(first.headers)
        if raw is not None:
            facts["retry_after"] = raw
        budget = min(MAX_WAIT, self.timeout - (time.monotonic() - started) - 2 * SHOT_TIMEOUT)
        normal = burst.shots[0].status if burst.shots[0].number < first.number else None
        recovery = try_recovery(
            target, path, wait=wait, window=allowance.window, budget=budget, normal=normal
        )
        parts.append(replace(recovery, aspect="recovery"))
        if reported:
            parts.append(Part(status=Status.PASS, evidence=f"headers {reported}"))
        return conclude(
            parts, ok=f"request {first.number} of the burst got 429; the service recovered"
        )
