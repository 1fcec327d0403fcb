"""The probes of `limits.request-size`: filler bodies just over and under the declared limit."""

from __future__ import annotations

from golive.checks._limits_parts import Part
from golive.checks.base import Facts
from golive.model import Status
from golive.probes.http import HttpError, Response, request
from golive.probes.safety import Consent, PinnedTarget

__all__ = ["control", "oversized"]

_KIB = 1024


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


def oversized(target: PinnedTarget, path: str, size: int, *, chunked: bool) -> Part:
    """One body of `size` bytes, over the limit, and whether the answer shows it enforced."""
    how = "chunked" if chunked else "Content-Length"
    label = f"{size:,} B {how}"
    response, wire = _post(target, path, size, chunked=chunked)

    def part(status: Status, evidence: str, problem: str | None, facts: Facts) -> Part:
        aspect = "chunked" if chunked else ""
        return Part(status=status, evidence=evidence, problem=problem, aspect=aspect, facts=facts)

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
    if 200 <= status < 300 and sent < wire and not asked:
        problem = (
            f"POST {path} answered {status} before reading the body ({sent:,} of {wire:,} B "
            "sent): the endpoint ignores bodies, so its limit cannot be seen; name one that "
            "reads them"
        )
        return part(Status.UNKNOWN, evidence, problem, facts)
    if 200 <= status < 300:
        # Sent in full, or asked for with 100 Continue: either way the server took the body.
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


def control(target: PinnedTarget, path: str, limit: int) -> Part:
    """A body under the limit: anything but 413."""
    size = limit - _KIB if limit > 2 * _KIB else limit // 2
    label = f"control {size:,} B"
    response, _ = _post(target, path, size, chunked=False)
    if isinstance(response, HttpError):
        return Part(
            status=Status.UNKNOWN,
            evidence=f"{label}: failed ({response})",
            problem=f"the control POST {path} of {size:,} B failed: {response}",
            aspect="control",
            facts={"error": str(response), "size": size},
        )
    refused = response.status == 413
    return Part(
        status=Status.FAIL if refused else Status.PASS,
        evidence=f"{label}: {response.status}",
        problem=f"the limit is lower than declared: a body of {size:,} B already got 413"
        if refused
        else None,
        aspect="control",
        facts={"status": response.status, "size": size},
    )
