"""How the conformance checks judge one answer, the tests every JSON-RPC endpoint gets, and the
verdict over all of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from golive.checks._jsonrpc import Answer, Mark, Probe, Row, rpc
from golive.checks._live import finding
from golive.checks.base import Unknown, failed, passed, unknown, warned
from golive.checks.params import Size
from golive.model import Outcome
from golive.probes.safety import PinnedTarget

__all__ = [
    "FOREIGN_ORIGIN",
    "UNKNOWN_METHOD",
    "basics",
    "expect_accepted",
    "expect_anything",
    "expect_refusal",
    "expect_status",
    "oversized_probe",
    "verdict",
]

_MAX_OVERSIZED = 100 * 1024 * 1024  # the hard cap on a probe's request body
FOREIGN_ORIGIN = "https://probe.invalid"
UNKNOWN_METHOD = "no/such_method"


def _expect_error(
    answer: Answer, codes: Sequence[int], *, status_ok: int | None = None
) -> tuple[Mark, str]:
    """A JSON-RPC error with one of `codes` (with a 2xx or 4xx status), or HTTP `status_ok`."""
    wanted = " or ".join(str(code) for code in codes)
    if answer.status is None:
        return Mark.UNDECIDED, "no HTTP answer"
    if answer.server_error:
        return Mark.FAIL, "a server error: a bad request must be answered as the client's error"
    if answer.code in codes and (answer.between(200, 299) or answer.between(400, 499)):
        return Mark.PASS, f"error {answer.code}, as required"
    if answer.status == status_ok:
        also = f" (its error {answer.code} should be {wanted})" if answer.code else ""
        return Mark.PASS, f"HTTP {status_ok}, as allowed{also}"
    if answer.result:
        return Mark.FAIL, f"processed: a result instead of error {wanted}"
    if answer.code is not None:
        return Mark.FAIL, f"error {answer.code}, not {wanted}"
    if answer.between(400, 499):
        return Mark.WARN, f"rejected with HTTP {answer.status}, but not with error {wanted}"
    return Mark.FAIL, f"no JSON-RPC error {wanted}"


def _expect_parse_error(answer: Answer) -> tuple[Mark, str]:
    mark, why = _expect_error(answer, (-32700,))
    if mark is Mark.PASS and (answer.message or {}).get("id", 0) is not None:
        return Mark.FAIL, "error -32700, but its id is not null"
    return mark, why


def expect_status(answer: Answer, wanted: int, *, processed: str, other: Mark) -> tuple[Mark, str]:
    """HTTP `wanted`; a 2xx without an error is `processed`; other refusals are `other`."""
    if answer.status is None:
        return Mark.UNDECIDED, "no HTTP answer"
    if answer.server_error:
        return Mark.FAIL, "a server error"
    if answer.status == wanted:
        return Mark.PASS, f"HTTP {wanted}, as required"
    if answer.between(200, 299) and answer.code is None:
        return Mark.FAIL, f"processed: {processed} (HTTP {wanted} required)"
    if answer.between(200, 299) or answer.between(400, 499):
        return other, f"refused with HTTP {answer.status}, not {wanted}"
    return Mark.FAIL, f"HTTP {answer.status}, not {wanted}"


def _expect_too_large(answer: Answer) -> tuple[Mark, str]:
    """413, or a JSON-RPC error raised before the message reached its method."""
    if answer.status is None:
        if answer.failure is not None and answer.failure.timed_out:
            return Mark.UNDECIDED, "no answer in time"
        return Mark.FAIL, "enforced badly: the connection ended without a 413"
    if answer.server_error:
        return Mark.FAIL, "enforced badly: a server error instead of 413"
    if answer.status == 413:
        return Mark.PASS, "413, as required"
    if answer.result or answer.code in (-32601, -32602):
        return Mark.FAIL, "processed: the message reached method dispatch (no limit enforced)"
    if answer.code is not None:
        return Mark.PASS, f"rejected with error {answer.code}"
    if answer.between(400, 499):
        return Mark.WARN, f"rejected with HTTP {answer.status}, not 413 or a JSON-RPC error"
    return Mark.FAIL, f"accepted with HTTP {answer.status}"


def expect_refusal(answer: Answer, *, loopback: bool) -> tuple[Mark, str]:
    """403 for a foreign Origin, or any other refusal; processing it fails."""
    if answer.status is None:
        if answer.failure is not None and answer.failure.timed_out:
            return Mark.UNDECIDED, "no answer in time"
        return Mark.PASS, "refused: the connection was closed"
    if answer.server_error:
        return Mark.FAIL, "a server error"
    if answer.status == 403:
        return Mark.PASS, "403, as required"
    if answer.between(400, 499):
        return Mark.PASS, f"refused with HTTP {answer.status}"
    if answer.between(200, 299) and answer.code is not None:
        return Mark.PASS, f"refused with error {answer.code}"
    where = ": a local server open to DNS rebinding" if loopback else ""
    return Mark.FAIL, f"processed a request from {FOREIGN_ORIGIN}{where}"


def expect_anything(answer: Answer) -> tuple[Mark, str]:
    """Information about `Accept: application/json` alone (a 5xx still fails)."""
    if answer.server_error:
        return Mark.FAIL, "a server error"
    if answer.status == 406:
        return Mark.INFO, "406: the server requires both types (clients must send both)"
    if answer.between(200, 299):
        kind = answer.content_type or "no content type"
        if kind == "text/event-stream":
            return Mark.INFO, "accepted, but answered with the text/event-stream not accepted"
        return Mark.INFO, f"accepted ({kind})"
    return Mark.INFO, "information only"


def expect_accepted(answer: Answer) -> tuple[Mark, str]:
    if answer.status is None:
        return Mark.UNDECIDED, "no HTTP answer"
    if answer.status == 202:
        return Mark.PASS, "202, as required"
    if answer.between(200, 299):
        return Mark.WARN, f"HTTP {answer.status}, not 202 Accepted"
    return Mark.FAIL, f"HTTP {answer.status}: the notification was rejected"


def basics(params_method: str) -> list[Probe]:
    """The tests every JSON-RPC endpoint gets; `params_method` is called with `params: 42`."""
    return [
        Probe(
            name="malformed JSON",
            test="parse-error",
            body=b'{"jsonrpc":"2.0","id":1,',
            judge=_expect_parse_error,
        ),
        Probe(
            name="not a JSON-RPC request",
            test="invalid-request",
            body=b'{"foo":1}',
            judge=partial(_expect_error, codes=(-32600,), status_ok=400),
        ),
        Probe(
            name="unknown method",
            test="unknown-method",
            body=rpc(3, UNKNOWN_METHOD),
            judge=partial(_expect_error, codes=(-32601,)),
        ),
        Probe(
            name="invalid params",
            test="invalid-params",
            body=rpc(4, params_method, 42),
            judge=partial(_expect_error, codes=(-32602, -32600)),
        ),
    ]


def oversized_probe(limit: Size, method: str) -> Probe:
    """A request for `method` one byte over `limit` (refused above the probes' body cap)."""
    size = int(limit.value) + 1
    if size > _MAX_OVERSIZED:
        raise Unknown(f"max_message is above the {_MAX_OVERSIZED // 2**20} MiB a probe may send")
    return Probe(
        name=f"message over {limit}",
        test="oversized",
        body=rpc(900, method, size=size),
        shown=f"a {method} request padded with whitespace to {size:,} bytes",
        judge=_expect_too_large,
        note="Expect: 100-continue",
        expect_continue=True,
    )


# --- the verdict -------------------------------------------------------------------------------


def verdict(
    target: PinnedTarget,
    path: str,
    rows: Sequence[Row],
    *,
    required: str,
    remediation: str,
    facts: Mapping[str, str | int | float | bool],
) -> Outcome:
    counted = [row for row in rows if row.mark is not Mark.INFO]
    marked = {mark: [row for row in counted if row.mark is mark] for mark in Mark}
    common: dict[str, Any] = {
        "observed": "; ".join(f"{row.name}: {row.mark.value}" for row in rows),
        "required": required,
        "findings": [finding(target, path, row.message, rule=row.rule) for row in rows],
        "facts": {
            "url": target.url(path),
            "tests": len(counted),
            **{mark.value.lower(): len(marked[mark]) for mark in Mark if mark is not Mark.INFO},
            **facts,
        },
    }

    def listing(mark: Mark) -> str:
        return "; ".join(f"{row.name} ({row.why})" for row in marked[mark])

    if marked[Mark.FAIL]:
        count = f"{len(marked[Mark.FAIL])} of {len(counted)} tests failed"
        return failed(f"{path}: {count}: {listing(Mark.FAIL)}", remediation=remediation, **common)
    if marked[Mark.UNDECIDED]:
        return unknown(f"{path}: could not decide: {listing(Mark.UNDECIDED)}", **common)
    if marked[Mark.WARN]:
        return warned(f"{path}: {listing(Mark.WARN)}", remediation=remediation, **common)
    return passed(f"{path}: all {len(counted)} tests passed", **common)
