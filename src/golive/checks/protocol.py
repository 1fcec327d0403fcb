"""JSON-RPC 2.0 and MCP (streamable HTTP) conformance: crafted bad requests to a named endpoint,
judged by the error codes and HTTP statuses the specifications require.

Every test is one POST; its finding says what was sent and what came back (bodies cut short,
session ids redacted) and how that was judged. An MCP server only ever gets `initialize`,
`notifications/initialized`, `ping` and `tools/list` (never `tools/call`); a plain JSON-RPC
server gets malformed messages, an unknown method and, when the item names one, a method it
has with invalid params. A 5xx answer to anything fails.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from functools import partial

from golive import __version__
from golive.checks._jsonrpc import Answer, Mark, Probe, Row, Session, rpc
from golive.checks._jsonrpc_judges import (
    FOREIGN_ORIGIN,
    UNKNOWN_METHOD,
    basics,
    expect_accepted,
    expect_anything,
    expect_refusal,
    expect_status,
    oversized_probe,
    verdict,
)
from golive.checks._live import LiveParams, finding, pinned
from golive.checks.base import Check, NotApplicable, Unknown, failed
from golive.checks.params import Duration, Size
from golive.model import Kind, Outcome
from golive.probes.safety import Consent, ProbePolicy

__all__ = ["JsonRpcConformance", "JsonRpcParams", "McpConformance", "McpParams"]

_OFFERED_VERSION = "2025-11-25"  # the newest MCP revision reached through `initialize`
_VERSION_HEADER_SINCE = "2025-06-18"  # the first revision with the MCP-Protocol-Version rules


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
    consent = "active"
    traffic = "about 6 POSTs of malformed and invalid JSON-RPC"
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
        session = Session(target, path, accept="application/json", timeout=params.timeout)
        method = params.method or UNKNOWN_METHOD
        oversized = oversized_probe(params.max_message, method) if params.max_message else None
        rows: list[Row] = []
        answers: list[Answer] = []
        for number, probe in enumerate(basics(method)):
            row, answer = session.run(probe, self.id, required=number == 0)
            rows.append(row)
            answers.append(answer)
        if answers[-1].code == -32601:  # the invalid-params test met an unknown method
            if params.method is None:
                why = "not tested: the server looks the method up first; name one with `method`"
                rows[-1] = replace(rows[-1], mark=Mark.INFO, why=why)
            else:
                why = f"the server does not know method {method!r}: is `method` right?"
                rows[-1] = replace(rows[-1], mark=Mark.UNDECIDED, why=why)
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
        return verdict(
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


def _initialize(session: Session) -> tuple[Answer, str]:
    """The `initialize` exchange and the negotiated protocol version."""
    client = {"name": "golive", "version": __version__}
    offer = {"protocolVersion": _OFFERED_VERSION, "capabilities": {}, "clientInfo": client}
    answer = session.post(rpc(1, "initialize", offer), required=True)
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


def _informative(row: Row, answer: Answer, reason: str) -> Row:
    """`row` reported for information only; a 5xx still fails."""
    if answer.server_error:
        return row
    return replace(row, mark=Mark.INFO, why=f"{row.why} (information only: {reason})")


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
    consent = "active"
    traffic = "about 12 POSTs: initialize, ping, tools/list and invalid requests"
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
        session = Session(target, path, accept=accept, timeout=params.timeout)
        oversized = oversized_probe(params.max_message, "ping") if params.max_message else None
        rows: list[Row] = []
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
        return verdict(
            target,
            path,
            rows,
            required="-32700 with id null; -32600 or 400; -32601; -32602 or -32600; "
            "400 for a bad MCP-Protocol-Version; 404 for an unknown session, 400 without one; "
            f"403 for a foreign Origin{limit}; never a 5xx",
            remediation=self.fix,
            facts={"protocol_version": version, "sessions": sessions},
        )

    def _handshake(self, session: Session, rows: list[Row]) -> tuple[str, bool]:
        """initialize, notifications/initialized and a control ping: the negotiated version
        and whether the server issued a session id."""
        answer, version = _initialize(session)
        session_id = answer.headers.get("mcp-session-id")
        if session_id:
            session.headers["Mcp-Session-Id"] = session_id
        session.headers["MCP-Protocol-Version"] = version
        issued = "a session id issued" if session_id else "no session id"
        rows.append(
            Row(
                name="initialize",
                rule=f"{self.id}.initialize",
                mark=Mark.INFO,
                sent=session.sent(f"initialize (protocolVersion {_OFFERED_VERSION})"),
                got=session.show(answer),
                why=f"negotiated {version}, {issued}",
            )
        )
        initialized = Probe(
            name="initialized notification",
            test="initialized",
            body=rpc(None, "notifications/initialized"),
            judge=expect_accepted,
        )
        rows.append(session.run(initialized, self.id)[0])
        answer = session.post(rpc(2, "ping"))
        if not (answer.result and answer.between(200, 299)):
            raise _HandshakeFailed(f"ping failed after initialize: {session.show(answer)}")
        return version, bool(session_id)

    def _tests(
        self, session: Session, params: McpParams, *, version: str, sessions: bool
    ) -> Iterator[Row]:
        for probe in basics("tools/list"):
            yield session.run(probe, self.id)[0]
        ping = rpc(10, "ping")

        bad_version = Probe(
            name="unsupported MCP-Protocol-Version",
            test="protocol-version",
            body=ping,
            judge=partial(
                expect_status,
                wanted=400,
                processed="the bad version was ignored",
                other=Mark.WARN,
            ),
            headers={"MCP-Protocol-Version": "1900-01-01"},
            note="MCP-Protocol-Version: 1900-01-01",
        )
        row, answer = session.run(bad_version, self.id)
        if not _at_least(version, _VERSION_HEADER_SINCE):
            row = _informative(row, answer, f"revision {version} has no version-header rules")
        yield row

        if sessions:
            unknown_session = Probe(
                name="unknown session",
                test="unknown-session",
                body=ping,
                judge=partial(
                    expect_status,
                    wanted=404,
                    processed="a session it never issued",
                    other=Mark.FAIL,
                ),
                headers={"Mcp-Session-Id": str(uuid.uuid4())},
                note="Mcp-Session-Id: a random UUID",
            )
            missing_session = Probe(
                name="missing session",
                test="missing-session",
                body=ping,
                judge=partial(
                    expect_status,
                    wanted=400,
                    processed="a request without a session",
                    other=Mark.WARN,
                ),
                headers={"Mcp-Session-Id": None},
                note="no Mcp-Session-Id",
            )
            yield session.run(unknown_session, self.id)[0]
            yield session.run(missing_session, self.id)[0]

        address = session.target.address.split("%", 1)[0]
        foreign = Probe(
            name="foreign Origin",
            test="origin",
            body=ping,
            judge=partial(expect_refusal, loopback=ipaddress.ip_address(address).is_loopback),
            headers={"Origin": FOREIGN_ORIGIN},
            note=f"Origin: {FOREIGN_ORIGIN}",
        )
        row, answer = session.run(foreign, self.id)
        if not params.origin_check:
            row = _informative(row, answer, "origin_check = false")
        yield row

        json_only = Probe(
            name="Accept without text/event-stream",
            test="accept",
            body=ping,
            judge=expect_anything,
            headers={"Accept": "application/json"},
            note="Accept: application/json",
        )
        yield session.run(json_only, self.id)[0]
