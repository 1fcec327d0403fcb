"""JSON-RPC 2.0 and MCP (streamable HTTP) conformance: crafted bad requests to a named endpoint,
judged by the error codes and HTTP statuses the specifications require.

Every test is one POST; its finding says what was sent and what came back (bodies cut short,
session ids redacted) and how that was judged. An MCP server only ever gets `initialize`,
`notifications/initialized`, `ping` and `tools/list` (never `tools/call`); a plain JSON-RPC
server gets malformed messages, an unknown method and, when the item names one, a method it
has with invalid params. A 5xx answer to anything fails.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from golive import __version__
from golive.checks._live import LiveParams, finding, pinned
from golive.checks.base import Check, NotApplicable, Unknown, failed, passed, unknown, warned
from golive.checks.params import Duration, Size
from golive.model import Kind, Outcome
from golive.probes.http import Headers, HttpError, Response, request
from golive.probes.safety import Consent, PinnedTarget, ProbePolicy, redact_text

__all__ = ["JsonRpcConformance", "JsonRpcParams", "McpConformance", "McpParams"]

_KEEP = 64 * 1024  # body bytes kept per answer: enough for the first SSE event
_SHOWN = 160  # characters of a body shown in a finding
_MAX_OVERSIZED = 100 * 1024 * 1024  # the hard cap on a probe's request body
_OFFERED_VERSION = "2025-11-25"  # the newest MCP revision reached through `initialize`
_VERSION_HEADER_SINCE = "2025-06-18"  # the first revision with the MCP-Protocol-Version rules
_FOREIGN_ORIGIN = "https://probe.invalid"
_UNKNOWN_METHOD = "no/such_method"
_RESPONSE = {"result", "error"}  # the members that make a JSON-RPC response


class JsonRpcParams(LiveParams):
    path: str | None = None  # the JSON-RPC endpoint
    method: str | None = None  # a read-only method it has, called with `params: 42`
    max_message: Size | None = None  # the declared limit: a message one byte over is sent
    timeout: Duration = 10.0  # per request


class McpParams(LiveParams):
    path: str | None = None  # the streamable-HTTP endpoint, usually /mcp
    origin_check: bool = True  # a foreign Origin must be refused (false: information only)
    max_message: Size | None = None  # the declared limit: a ping one byte over is sent
    timeout: Duration = 10.0  # per request


class _Mark(enum.Enum):
    PASS = "pass"
    FAIL = "FAIL"
    WARN = "warn"
    UNDECIDED = "undecided"
    INFO = "info"  # reported, never part of the verdict


@dataclass(frozen=True, kw_only=True)
class _Answer:
    """What came back to one POST: the status and, when there is one, the JSON-RPC response
    in a JSON body or in the first SSE event that carries one."""

    status: int | None  # None: no HTTP answer
    content_type: str = ""
    headers: Headers = field(default_factory=Headers)
    message: dict[str, Any] | None = None
    text: str = ""  # the body's start
    failure: HttpError | None = None

    @property
    def code(self) -> int | None:
        error = self.message.get("error") if self.message else None
        code = error.get("code") if isinstance(error, dict) else None
        return code if isinstance(code, int) and not isinstance(code, bool) else None

    @property
    def result(self) -> bool:
        return self.message is not None and "result" in self.message

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500

    def between(self, low: int, high: int) -> bool:
        return self.status is not None and low <= self.status <= high

    def describe(self) -> str:
        if self.status is None:
            return f"no answer ({self.failure})"
        parts = [str(self.status), self.content_type or "no content type"]
        error = self.message.get("error") if self.message else None
        if self.code is not None and isinstance(error, dict):
            text = _short(str(error.get("message", "")), 80)
            parts.append(f"error {self.code} ({text})" if text else f"error {self.code}")
        elif self.message is not None and self.result:
            parts.append(f"result {_short(json.dumps(self.message['result']), 60)}")
        else:
            parts.append(f"body {self.text!r}" if self.text else "empty body")
        return ", ".join(parts)


Judge = Callable[[_Answer], tuple[_Mark, str]]


@dataclass(frozen=True, kw_only=True)
class _Probe:
    """One test: the message, the headers that make it, and how its answer is judged."""

    name: str  # what it checks, in the user's words
    test: str  # the last part of its rule
    body: bytes
    judge: Judge
    headers: Mapping[str, str | None] = field(default_factory=dict)  # None removes one
    note: str = ""  # the headers that make the test, as the finding names them
    shown: str = ""  # the body as the finding names it (default: its start)
    expect_continue: bool = False


@dataclass(frozen=True, kw_only=True)
class _Row:
    """A judged test, as its finding reports it."""

    name: str
    rule: str
    mark: _Mark
    sent: str
    got: str
    why: str

    @property
    def message(self) -> str:
        return f"{self.mark.value}: {self.name}: sent {self.sent}; got {self.got}; {self.why}"


def _short(text: str, limit: int = _SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sse_payloads(body: bytes, *, complete: bool) -> Iterator[str]:
    """The data of each SSE event in `body` (the last one only if the body is complete)."""
    text = body.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    events = text.split("\n\n")
    for event in events if complete else events[:-1]:
        data = [
            line[5:].removeprefix(" ") for line in event.split("\n") if line.startswith("data:")
        ]
        if data:
            yield "\n".join(data)


def _message(response: Response) -> dict[str, Any] | None:
    """The JSON-RPC response in `response`: its JSON body (the first of a batch) or the first
    SSE event carrying one; None when there is none."""
    complete = response.body_size <= len(response.body)
    candidates: Iterable[str] = []
    if response.content_type == "text/event-stream":
        candidates = _sse_payloads(response.body, complete=complete)
    elif complete:
        candidates = [response.body.decode("utf-8", "replace")]
    for payload in candidates:
        try:
            data = json.loads(payload)
        except ValueError:
            continue
        if isinstance(data, list) and data:
            data = data[0]
        if isinstance(data, dict) and data.get("jsonrpc") == "2.0" and data.keys() & _RESPONSE:
            return data
    return None


def _rpc(ident: int | None, method: str, params: Any = None, *, size: int = 0) -> bytes:
    """A JSON-RPC request (a notification without `ident`), padded with whitespace before its
    closing brace to `size` bytes: the same message at any size."""
    message: dict[str, Any] = {"jsonrpc": "2.0"}
    if ident is not None:
        message["id"] = ident
    message["method"] = method
    if params is not None:
        message["params"] = params
    text = json.dumps(message, separators=(",", ":"))
    return (text[:-1] + " " * max(0, size - len(text)) + "}").encode()


class _Session:
    """The requests of one conformance run: the endpoint, the headers every request carries,
    and the secrets kept out of findings."""

    def __init__(self, target: PinnedTarget, path: str, *, accept: str, timeout: float) -> None:
        self.target = target
        self.path = path
        self.timeout = timeout
        self.headers: dict[str, str] = {"Content-Type": "application/json", "Accept": accept}
        token = (target.credential or "").rpartition(" ")[2]  # "Bearer <token>": the token too
        self.secrets: list[str | None] = [target.credential, token]

    def post(
        self,
        body: bytes,
        headers: Mapping[str, str | None] | None = None,
        *,
        expect_continue: bool = False,
        required: bool = False,
    ) -> _Answer:
        """POST `body` with the session's headers changed by `headers`. With `required` a
        transport failure ends the check `unknown`."""
        merged = {**self.headers, **(headers or {})}
        try:
            response = request(
                self.target,
                "POST",
                self.path,
                headers=[(k, v) for k, v in merged.items() if v is not None],
                body=body,
                consent=Consent.ACTIVE,
                timeout=self.timeout,
                keep=_KEEP,
                expect_continue=expect_continue,
                credentials=self.target.credential is not None,
            )
        except HttpError as exc:
            if required:
                raise Unknown(f"POST {self.target.url(self.path)} failed: {exc}") from None
            return _Answer(status=None, failure=exc)
        return _Answer(
            status=response.status,
            content_type=response.content_type,
            headers=response.headers,
            message=_message(response),
            text=_short(response.body[:_SHOWN].decode("utf-8", "replace")),
        )

    def run(self, probe: _Probe, check: str, *, required: bool = False) -> tuple[_Row, _Answer]:
        answer = self.post(
            probe.body, probe.headers, expect_continue=probe.expect_continue, required=required
        )
        mark, why = probe.judge(answer)
        sent = probe.shown or _short(probe.body.decode("utf-8", "replace"), 100)
        row = _Row(
            name=probe.name,
            rule=f"{check}.{probe.test}",
            mark=mark,
            sent=self.sent(sent, probe.note),
            got=self.show(answer),
            why=why,
        )
        return row, answer

    def show(self, answer: _Answer) -> str:
        """What a finding says came back, secrets removed."""
        return redact_text(answer.describe(), self.secrets)

    def sent(self, shown: str, note: str = "") -> str:
        return f"POST {self.path} {shown}" + (f" [{note}]" if note else "")


# --- judging one answer ------------------------------------------------------------------------


def _expect_error(
    answer: _Answer, codes: Sequence[int], *, status_ok: int | None = None
) -> tuple[_Mark, str]:
    """A JSON-RPC error with one of `codes` (with a 2xx or 4xx status), or HTTP `status_ok`."""
    wanted = " or ".join(str(code) for code in codes)
    if answer.status is None:
        return _Mark.UNDECIDED, "no HTTP answer"
    if answer.server_error:
        return _Mark.FAIL, "a server error: a bad request must be answered as the client's error"
    if answer.code in codes and (answer.between(200, 299) or answer.between(400, 499)):
        return _Mark.PASS, f"error {answer.code}, as required"
    if answer.status == status_ok:
        also = f" (its error {answer.code} should be {wanted})" if answer.code else ""
        return _Mark.PASS, f"HTTP {status_ok}, as allowed{also}"
    if answer.result:
        return _Mark.FAIL, f"processed: a result instead of error {wanted}"
    if answer.code is not None:
        return _Mark.FAIL, f"error {answer.code}, not {wanted}"
    if answer.between(400, 499):
        return _Mark.WARN, f"rejected with HTTP {answer.status}, but not with error {wanted}"
    return _Mark.FAIL, f"no JSON-RPC error {wanted}"


def _expect_parse_error(answer: _Answer) -> tuple[_Mark, str]:
    mark, why = _expect_error(answer, (-32700,))
    if mark is _Mark.PASS and (answer.message or {}).get("id", 0) is not None:
        return _Mark.FAIL, "error -32700, but its id is not null"
    return mark, why


def _expect_status(
    answer: _Answer, wanted: int, *, processed: str, other: _Mark
) -> tuple[_Mark, str]:
    """HTTP `wanted`; a 2xx without an error is `processed`; other refusals are `other`."""
    if answer.status is None:
        return _Mark.UNDECIDED, "no HTTP answer"
    if answer.server_error:
        return _Mark.FAIL, "a server error"
    if answer.status == wanted:
        return _Mark.PASS, f"HTTP {wanted}, as required"
    if answer.between(200, 299) and answer.code is None:
        return _Mark.FAIL, f"processed: {processed} (HTTP {wanted} required)"
    if answer.between(200, 299) or answer.between(400, 499):
        return other, f"refused with HTTP {answer.status}, not {wanted}"
    return _Mark.FAIL, f"HTTP {answer.status}, not {wanted}"


def _expect_too_large(answer: _Answer) -> tuple[_Mark, str]:
    """413, or a JSON-RPC error raised before the message reached its method."""
    if answer.status is None:
        if answer.failure is not None and answer.failure.timed_out:
            return _Mark.UNDECIDED, "no answer in time"
        return _Mark.FAIL, "enforced badly: the connection ended without a 413"
    if answer.server_error:
        return _Mark.FAIL, "enforced badly: a server error instead of 413"
    if answer.status == 413:
        return _Mark.PASS, "413, as required"
    if answer.result or answer.code in (-32601, -32602):
        return _Mark.FAIL, "processed: the message reached method dispatch (no limit enforced)"
    if answer.code is not None:
        return _Mark.PASS, f"rejected with error {answer.code}"
    if answer.between(400, 499):
        return _Mark.WARN, f"rejected with HTTP {answer.status}, not 413 or a JSON-RPC error"
    return _Mark.FAIL, f"accepted with HTTP {answer.status}"


def _expect_refusal(answer: _Answer, *, loopback: bool) -> tuple[_Mark, str]:
    """403 for a foreign Origin, or any other refusal; processing it fails."""
    if answer.status is None:
        if answer.failure is not None and answer.failure.timed_out:
            return _Mark.UNDECIDED, "no answer in time"
        return _Mark.PASS, "refused: the connection was closed"
    if answer.server_error:
        return _Mark.FAIL, "a server error"
    if answer.status == 403:
        return _Mark.PASS, "403, as required"
    if answer.between(400, 499):
        return _Mark.PASS, f"refused with HTTP {answer.status}"
    if answer.between(200, 299) and answer.code is not None:
        return _Mark.PASS, f"refused with error {answer.code}"
    where = ": a local server open to DNS rebinding" if loopback else ""
    return _Mark.FAIL, f"processed a request from {_FOREIGN_ORIGIN}{where}"


def _expect_anything(answer: _Answer) -> tuple[_Mark, str]:
    """Information about `Accept: application/json` alone (a 5xx still fails)."""
    if answer.server_error:
        return _Mark.FAIL, "a server error"
    if answer.status == 406:
        return _Mark.INFO, "406: the server requires both types (clients must send both)"
    if answer.between(200, 299):
        kind = answer.content_type or "no content type"
        if kind == "text/event-stream":
            return _Mark.INFO, "accepted, but answered with the text/event-stream not accepted"
        return _Mark.INFO, f"accepted ({kind})"
    return _Mark.INFO, "information only"


def _expect_accepted(answer: _Answer) -> tuple[_Mark, str]:
    if answer.status is None:
        return _Mark.UNDECIDED, "no HTTP answer"
    if answer.status == 202:
        return _Mark.PASS, "202, as required"
    if answer.between(200, 299):
        return _Mark.WARN, f"HTTP {answer.status}, not 202 Accepted"
    return _Mark.FAIL, f"HTTP {answer.status}: the notification was rejected"


def _basics(params_method: str) -> list[_Probe]:
    """The tests every JSON-RPC endpoint gets; `params_method` is called with `params: 42`."""
    return [
        _Probe(
            name="malformed JSON",
            test="parse-error",
            body=b'{"jsonrpc":"2.0","id":1,',
            judge=_expect_parse_error,
        ),
        _Probe(
            name="not a JSON-RPC request",
            test="invalid-request",
            body=b'{"foo":1}',
            judge=partial(_expect_error, codes=(-32600,), status_ok=400),
        ),
        _Probe(
            name="unknown method",
            test="unknown-method",
            body=_rpc(3, _UNKNOWN_METHOD),
            judge=partial(_expect_error, codes=(-32601,)),
        ),
        _Probe(
            name="invalid params",
            test="invalid-params",
            body=_rpc(4, params_method, 42),
            judge=partial(_expect_error, codes=(-32602, -32600)),
        ),
    ]


def _oversized(limit: Size, method: str) -> _Probe:
    """A request for `method` one byte over `limit` (refused above the probes' body cap)."""
    size = int(limit.value) + 1
    if size > _MAX_OVERSIZED:
        raise Unknown(f"max_message is above the {_MAX_OVERSIZED // 2**20} MiB a probe may send")
    return _Probe(
        name=f"message over {limit}",
        test="oversized",
        body=_rpc(900, method, size=size),
        shown=f"a {method} request padded with whitespace to {size:,} bytes",
        judge=_expect_too_large,
        note="Expect: 100-continue",
        expect_continue=True,
    )


# --- the verdict -------------------------------------------------------------------------------


def _verdict(
    target: PinnedTarget,
    path: str,
    rows: Sequence[_Row],
    *,
    required: str,
    remediation: str,
    facts: Mapping[str, str | int | float | bool],
) -> Outcome:
    counted = [row for row in rows if row.mark is not _Mark.INFO]
    marked = {mark: [row for row in counted if row.mark is mark] for mark in _Mark}
    common: dict[str, Any] = {
        "observed": "; ".join(f"{row.name}: {row.mark.value}" for row in rows),
        "required": required,
        "findings": [finding(target, path, row.message, rule=row.rule) for row in rows],
        "facts": {
            "url": target.url(path),
            "tests": len(counted),
            **{mark.value.lower(): len(marked[mark]) for mark in _Mark if mark is not _Mark.INFO},
            **facts,
        },
    }

    def listing(mark: _Mark) -> str:
        return "; ".join(f"{row.name} ({row.why})" for row in marked[mark])

    if marked[_Mark.FAIL]:
        count = f"{len(marked[_Mark.FAIL])} of {len(counted)} tests failed"
        return failed(f"{path}: {count}: {listing(_Mark.FAIL)}", remediation=remediation, **common)
    if marked[_Mark.UNDECIDED]:
        return unknown(f"{path}: could not decide: {listing(_Mark.UNDECIDED)}", **common)
    if marked[_Mark.WARN]:
        return warned(f"{path}: {listing(_Mark.WARN)}", remediation=remediation, **common)
    return passed(f"{path}: all {len(counted)} tests passed", **common)


def _named(path: str | None, what: str) -> str:
    if path is None:
        raise NotApplicable(f'no {what} endpoint is named: set the item\'s path (e.g. "/{what}")')
    return path


# --- JSON-RPC ----------------------------------------------------------------------------------


class JsonRpcConformance(Check):
    """The JSON-RPC endpoint answers malformed and invalid requests with the right error codes.

    Sent: malformed JSON (-32700 with id null), `{"foo":1}` (-32600 or HTTP 400), an unknown
    method (-32601), `params: 42` (-32602 or -32600) to the item's `method` -- or, unnamed, to
    the unknown method, where a -32601 leaves that test out -- and, with `max_message`, a
    request padded with whitespace to one byte over it (413, or a JSON-RPC error raised before
    dispatch). A 4xx without the JSON-RPC error is a warning; a 5xx, a result or a wrong code
    fails, and so does an endpoint that never answers with a JSON-RPC response.
    """

    id = "jsonrpc.conformance"
    kind = Kind.LIVE
    Params = JsonRpcParams
    timeout = 120.0
    fix = (
        "Answer every message through the JSON-RPC layer: -32700 for invalid JSON (id null), "
        "-32600 for an invalid request, -32601 for an unknown method, -32602 for bad params, "
        "413 above the size limit, and never a 5xx."
    )

    def run(self, params: JsonRpcParams, probes: ProbePolicy) -> Outcome:
        path = _named(params.path, "rpc")
        target = pinned(probes, params, Consent.ACTIVE, "JSON-RPC conformance probes")
        session = _Session(target, path, accept="application/json", timeout=params.timeout)
        method = params.method or _UNKNOWN_METHOD
        oversized = _oversized(params.max_message, method) if params.max_message else None
        rows: list[_Row] = []
        answers: list[_Answer] = []
        for number, probe in enumerate(_basics(method)):
            row, answer = session.run(probe, self.id, required=number == 0)
            rows.append(row)
            answers.append(answer)
        if answers[-1].code == -32601:  # the invalid-params test met an unknown method
            if params.method is None:
                why = "not tested: the server looks the method up first; name one with `method`"
                rows[-1] = replace(rows[-1], mark=_Mark.INFO, why=why)
            else:
                why = f"the server does not know method {method!r}: is `method` right?"
                rows[-1] = replace(rows[-1], mark=_Mark.UNDECIDED, why=why)
        if all(answer.message is None for answer in answers):
            return failed(
                f"{path} is not a JSON-RPC endpoint: no answer was a JSON-RPC response",
                observed="; ".join(f"{row.name}: {row.got}" for row in rows),
                required="JSON-RPC 2.0 error responses",
                findings=[finding(target, path, row.message, rule=row.rule) for row in rows],
            )
        if oversized is not None:
            rows.append(session.run(oversized, self.id)[0])
        limit = "; 413 above max_message" if params.max_message else ""
        return _verdict(
            target,
            path,
            rows,
            required=f"-32700 with id null; -32600 or 400; -32601; -32602 or -32600{limit}; "
            "never a 5xx",
            remediation=self.fix,
            facts={"method": params.method or ""},
        )


# --- MCP ---------------------------------------------------------------------------------------


class _HandshakeFailed(Exception):  # noqa: N818 -- a verdict, not an error
    """The endpoint failed a step every test depends on: initialize or ping."""


def _at_least(version: str, minimum: str) -> bool:
    """Whether the date-shaped revision `version` is `minimum` or later."""
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", version)) and version >= minimum


def _initialize(session: _Session) -> tuple[_Answer, str]:
    """The `initialize` exchange and the negotiated protocol version."""
    client = {"name": "golive", "version": __version__}
    offer = {"protocolVersion": _OFFERED_VERSION, "capabilities": {}, "clientInfo": client}
    answer = session.post(_rpc(1, "initialize", offer), required=True)
    session.secrets.append(answer.headers.get("mcp-session-id"))
    got = session.show(answer)
    if answer.status in {401, 403}:
        held = "was refused" if session.target.credential else "is missing"
        raise Unknown(f"{session.path} wants authorization ({got}); the target's credential {held}")
    if answer.server_error or answer.code is not None:
        raise _HandshakeFailed(f"initialize failed: {got}")
    if answer.message is None:
        raise _HandshakeFailed(f"not an MCP endpoint: initialize got {got}")
    result = answer.message.get("result")
    version = result.get("protocolVersion") if isinstance(result, dict) else None
    if not isinstance(version, str) or not version:
        raise _HandshakeFailed(f"not an MCP endpoint: no protocolVersion in the result ({got})")
    if not answer.between(200, 299):
        raise _HandshakeFailed(f"initialize failed: {got}")
    return answer, version


def _informative(row: _Row, answer: _Answer, reason: str) -> _Row:
    """`row` reported for information only; a 5xx still fails."""
    if answer.server_error:
        return row
    return replace(row, mark=_Mark.INFO, why=f"{row.why} (information only: {reason})")


class McpConformance(Check):
    """The MCP endpoint follows the streamable-HTTP transport rules.

    After `initialize` (offering revision 2025-11-25), `notifications/initialized` (202) and a
    control `ping`, nine tests: malformed JSON (-32700, id null), `{"foo":1}` (-32600 or 400),
    an unknown method (-32601), `tools/list` with `params: 42` (-32602 or -32600), a bad
    `MCP-Protocol-Version` (400, when the negotiated revision is 2025-06-18 or later), an
    unknown `Mcp-Session-Id` (404) and a missing one (400) when the server issued a session,
    `Origin: https://probe.invalid` (403 or refused; a processed request fails) and
    `Accept: application/json` alone (information). With `max_message`, a ping one byte over
    it must get 413. A 5xx anywhere fails; so does a server that cannot be initialised or
    does not answer ping. Only `initialize`, `notifications/initialized`, `ping` and
    `tools/list` are sent.
    """

    id = "mcp.conformance"
    kind = Kind.LIVE
    Params = McpParams
    timeout = 180.0
    fix = (
        "Validate the Origin header (403 for origins you do not serve; in the Python SDK, "
        "TransportSecuritySettings with allowed_origins), answer an unknown session 404 and a "
        "missing one 400, reject unsupported MCP-Protocol-Version values with 400, and answer "
        "bad messages with JSON-RPC errors, never a 5xx."
    )

    def run(self, params: McpParams, probes: ProbePolicy) -> Outcome:
        path = _named(params.path, "mcp")
        target = pinned(probes, params, Consent.ACTIVE, "MCP conformance probes")
        accept = "application/json, text/event-stream"
        session = _Session(target, path, accept=accept, timeout=params.timeout)
        oversized = _oversized(params.max_message, "ping") if params.max_message else None
        rows: list[_Row] = []
        try:
            version, sessions = self._handshake(session, rows)
        except _HandshakeFailed as stop:
            findings = [finding(target, path, row.message, rule=row.rule) for row in rows]
            findings.append(
                finding(target, path, f"FAIL: handshake: {stop}", rule=f"{self.id}.handshake")
            )
            return failed(
                f"{path}: {stop}",
                observed=str(stop),
                required="an MCP server that completes initialize and answers ping",
                findings=findings,
                remediation="Serve MCP streamable HTTP at this path (POST, JSON or SSE answers).",
            )
        rows.extend(self._tests(session, params, version=version, sessions=sessions))
        if oversized is not None:
            rows.append(session.run(oversized, self.id)[0])
        limit = "; 413 above max_message" if params.max_message else ""
        return _verdict(
            target,
            path,
            rows,
            required="-32700 with id null; -32600 or 400; -32601; -32602 or -32600; "
            "400 for a bad MCP-Protocol-Version; 404 for an unknown session, 400 without one; "
            f"403 for a foreign Origin{limit}; never a 5xx",
            remediation=self.fix,
            facts={"protocol_version": version, "sessions": sessions},
        )

    def _handshake(self, session: _Session, rows: list[_Row]) -> tuple[str, bool]:
        """initialize, notifications/initialized and a control ping: the negotiated version
        and whether the server issued a session id."""
        answer, version = _initialize(session)
        session_id = answer.headers.get("mcp-session-id")
        if session_id:
            session.headers["Mcp-Session-Id"] = session_id
        session.headers["MCP-Protocol-Version"] = version
        issued = "a session id issued" if session_id else "no session id"
        rows.append(
            _Row(
                name="initialize",
                rule=f"{self.id}.initialize",
                mark=_Mark.INFO,
                sent=session.sent(f"initialize (protocolVersion {_OFFERED_VERSION})"),
                got=session.show(answer),
                why=f"negotiated {version}, {issued}",
            )
        )
        initialized = _Probe(
            name="initialized notification",
            test="initialized",
            body=_rpc(None, "notifications/initialized"),
            judge=_expect_accepted,
        )
        rows.append(session.run(initialized, self.id)[0])
        answer = session.post(_rpc(2, "ping"))
        if not (answer.result and answer.between(200, 299)):
            raise _HandshakeFailed(f"ping failed after initialize: {session.show(answer)}")
        return version, bool(session_id)

    def _tests(
        self, session: _Session, params: McpParams, *, version: str, sessions: bool
    ) -> Iterator[_Row]:
        for probe in _basics("tools/list"):
            yield session.run(probe, self.id)[0]
        ping = _rpc(10, "ping")

        bad_version = _Probe(
            name="unsupported MCP-Protocol-Version",
            test="protocol-version",
            body=ping,
            judge=partial(
                _expect_status,
                wanted=400,
                processed="the bad version was ignored",
                other=_Mark.WARN,
            ),
            headers={"MCP-Protocol-Version": "1900-01-01"},
            note="MCP-Protocol-Version: 1900-01-01",
        )
        row, answer = session.run(bad_version, self.id)
        if not _at_least(version, _VERSION_HEADER_SINCE):
            row = _informative(row, answer, f"revision {version} has no version-header rules")
        yield row

        if sessions:
            unknown_session = _Probe(
                name="unknown session",
                test="unknown-session",
                body=ping,
                judge=partial(
                    _expect_status,
                    wanted=404,
                    processed="a session it never issued",
                    other=_Mark.FAIL,
                ),
                headers={"Mcp-Session-Id": str(uuid.uuid4())},
                note="Mcp-Session-Id: a random UUID",
            )
            missing_session = _Probe(
                name="missing session",
                test="missing-session",
                body=ping,
                judge=partial(
                    _expect_status,
                    wanted=400,
                    processed="a request without a session",
                    other=_Mark.WARN,
                ),
                headers={"Mcp-Session-Id": None},
                note="no Mcp-Session-Id",
            )
            yield session.run(unknown_session, self.id)[0]
            yield session.run(missing_session, self.id)[0]

        address = session.target.address.split("%", 1)[0]
        foreign = _Probe(
            name="foreign Origin",
            test="origin",
            body=ping,
            judge=partial(_expect_refusal, loopback=ipaddress.ip_address(address).is_loopback),
            headers={"Origin": _FOREIGN_ORIGIN},
            note=f"Origin: {_FOREIGN_ORIGIN}",
        )
        row, answer = session.run(foreign, self.id)
        if not params.origin_check:
            row = _informative(row, answer, "origin_check = false")
        yield row

        json_only = _Probe(
            name="Accept without text/event-stream",
            test="accept",
            body=ping,
            judge=_expect_anything,
            headers={"Accept": "application/json"},
            note="Accept: application/json",
        )
        yield session.run(json_only, self.id)[0]
