"""jsonrpc.conformance and mcp.conformance against real servers on 127.0.0.1: the official MCP
Python SDK (stateful and stateless, with and without its DNS-rebinding protection), a broken
MCP server, and plain JSON-RPC servers, correct and broken, each served by uvicorn in a thread.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import uvicorn
from live.servers import broken_mcp_server, jsonrpc_server, mcp_server
from livekit import Listener, free_port, http_server, service, wait_for_port

from golive.checks.base import Check
from golive.checks.protocol import JsonRpcConformance, McpConformance
from golive.model import Outcome, Status
from golive.testing import run_check


@contextmanager
def serve(app: Any) -> Iterator[int]:
    """`app` served by uvicorn on a free port of 127.0.0.1 until the block ends."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def probe(
    check: type[Check], port: int, path: str | None, *, consent: str = "active", **params: Any
) -> Outcome:
    url = f"http://127.0.0.1:{port}"
    if path is not None:
        params["path"] = path
    return run_check(check, ".", service=service(url, consent=consent), **params)


def mcp(app: Any, **params: Any) -> Outcome:
    with serve(app) as port:
        return probe(McpConformance, port, "/mcp", **params)


def rpc(app: Any, **params: Any) -> Outcome:
    with serve(app) as port:
        return probe(JsonRpcConformance, port, "/rpc", **params)


def marks(outcome: Outcome) -> dict[str, str]:
    """Test name -> its mark, from the findings ("pass: unknown method: sent ...")."""
    found = {}
    for item in outcome.findings:
        mark, name, _ = item.message.split(": ", 2)
        found[name] = mark
    return found


MUST_ROWS = [
    "initialized notification",
    "malformed JSON",
    "not a JSON-RPC request",
    "unknown method",
    "invalid params",
    "unsupported MCP-Protocol-Version",
]
SESSION_ROWS = ["unknown session", "missing session"]


# --- the official MCP SDK ------------------------------------------------------------------------


def test_sdk_with_origin_protection_passes_every_row() -> None:
    outcome = mcp(mcp_server.build(mode="stateful", security="strict"))
    assert outcome.status is Status.PASS, outcome.summary
    got = marks(outcome)
    for name in [*MUST_ROWS, *SESSION_ROWS, "foreign Origin"]:
        assert got[name] == "pass", name
    assert got["initialize"] == "info"
    assert got["Accept without text/event-stream"] == "info"
    assert outcome.facts["protocol_version"] == "2025-11-25"
    assert outcome.facts["sessions"] is True
    assert outcome.facts["fail"] == 0
    # SSE answers were read: the unknown method came back as an event with -32601.
    unknown = next(f.message for f in outcome.findings if ": unknown method:" in f.message)
    assert "text/event-stream" in unknown and "-32601" in unknown
    # The SDK answers {"foo":1} with 400 and -32602: allowed, and the finding says so.
    invalid = next(f.message for f in outcome.findings if "not a JSON-RPC request" in f.message)
    assert "should be -32600" in invalid
    # Session ids (32 hex digits in the SDK) never appear in what is reported.
    text = " ".join([outcome.summary, *(f.message for f in outcome.findings)])
    assert not re.search(r"[0-9a-f]{32}", text)


@pytest.mark.parametrize("json_response", [False, True], ids=["sse", "json"])
@pytest.mark.parametrize("mode", ["stateful", "stateless"])
def test_sdk_with_origin_protection_passes_in_every_mode(mode: str, json_response: bool) -> None:
    outcome = mcp(mcp_server.build(mode=mode, json_response=json_response, security="strict"))
    assert outcome.status is Status.PASS, outcome.summary
    got = marks(outcome)
    assert got["foreign Origin"] == "pass"
    assert outcome.facts["sessions"] is (mode == "stateful")
    if mode == "stateless":  # no session issued: those two rows are not sent
        assert not set(SESSION_ROWS) & set(got)
    else:
        assert got["unknown session"] == got["missing session"] == "pass"


def test_sdk_defaults_on_loopback_turn_origin_protection_on() -> None:
    # streamable_http_app(host="127.0.0.1"), the default, enables DNS-rebinding protection.
    outcome = mcp(mcp_server.build(security="default"))
    assert outcome.status is Status.PASS, outcome.summary
    assert marks(outcome)["foreign Origin"] == "pass"


@pytest.mark.parametrize("mode", ["stateful", "stateless"])
def test_sdk_defaults_for_deployment_process_a_foreign_origin(mode: str) -> None:
    # The SDK's own default for an app told it serves 0.0.0.0 (as deployed apps are): no
    # Origin validation at all. A real violation of the transport spec, reported as such.
    outcome = mcp(mcp_server.build(mode=mode, security="default", host_setting="0.0.0.0"))
    assert outcome.status is Status.FAIL
    got = marks(outcome)
    assert got["foreign Origin"] == "FAIL"
    assert [name for name, mark in got.items() if mark == "FAIL"] == ["foreign Origin"]
    assert "processed a request from https://probe.invalid" in outcome.summary
    assert outcome.remediation and "allowed_origins" in outcome.remediation


def test_origin_check_off_reports_the_origin_row_for_information() -> None:
    outcome = mcp(mcp_server.build(security="off"), origin_check=False)
    assert outcome.status is Status.PASS, outcome.summary
    row = next(f.message for f in outcome.findings if ": foreign Origin:" in f.message)
    assert row.startswith("info:") and "origin_check = false" in row


def test_sdk_body_limit_answers_413_one_byte_over() -> None:
    outcome = mcp(mcp_server.build(max_body=65536), max_message="64KiB")
    assert outcome.status is Status.PASS, outcome.summary
    assert marks(outcome)["message over 64 KiB (65,536 B)"] == "pass"


def test_a_declared_limit_the_server_does_not_enforce_fails() -> None:
    outcome = mcp(mcp_server.build(), max_message="4KiB")  # the SDK's limit is 4 MiB
    assert outcome.status is Status.FAIL
    row = next(f.message for f in outcome.findings if "message over" in f.message)
    assert "4,097 bytes" in row and "no limit enforced" in row


def test_a_max_message_above_the_body_cap_is_refused_before_sending() -> None:
    with Listener() as listener:
        outcome = probe(McpConformance, listener.port, "/mcp", max_message="200MB")
    assert outcome.status is Status.UNKNOWN
    assert "above the 100 MiB" in outcome.summary
    assert listener.connections == 0


# --- a broken MCP server -----------------------------------------------------------------------


def test_broken_mcp_server_fails_every_row() -> None:
    outcome = mcp(broken_mcp_server.build())
    assert outcome.status is Status.FAIL
    got = marks(outcome)
    for name in [*MUST_ROWS[1:], *SESSION_ROWS, "foreign Origin"]:
        assert got[name] == "FAIL", name
    assert "a local server open to DNS rebinding" in outcome.summary
    # Its session id, echoed in every result, is redacted from the findings.
    text = " ".join(f.message for f in outcome.findings)
    assert broken_mcp_server.SESSION_ID not in text
    assert "[redacted]" in text


def test_a_5xx_fails_its_row() -> None:
    outcome = mcp(broken_mcp_server.build(crash_on_bad_json=True))
    row = next(f.message for f in outcome.findings if ": malformed JSON:" in f.message)
    assert row.startswith("FAIL:") and "got 500" in row and "server error" in row


def test_version_header_rules_are_keyed_on_the_negotiated_revision() -> None:
    outcome = mcp(broken_mcp_server.build(version="2025-03-26"))
    assert outcome.facts["protocol_version"] == "2025-03-26"
    row = next(f.message for f in outcome.findings if "MCP-Protocol-Version:" in f.message)
    assert row.startswith("info:") and "2025-03-26 has no version-header rules" in row


def test_a_server_that_does_not_answer_ping_fails_before_the_tests() -> None:
    outcome = mcp(broken_mcp_server.build(ping=False))
    assert outcome.status is Status.FAIL
    assert "ping failed after initialize" in outcome.summary and "-32601" in outcome.summary
    assert marks(outcome)["initialized notification"] == "pass"
    assert not any("foreign Origin" in f.message for f in outcome.findings)


# --- endpoints that are not MCP ----------------------------------------------------------------


class _Fixed(BaseHTTPRequestHandler):
    status = 404
    body = b"<html>not found</html>"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


class _Crash(_Fixed):
    status = 500
    body = b"boom"


class _Locked(_Fixed):
    status = 401
    body = b"unauthorized"


def test_a_plain_jsonrpc_server_is_not_mcp() -> None:
    with serve(jsonrpc_server.build()) as port:
        outcome = probe(McpConformance, port, "/rpc")
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("/rpc: initialize failed:")
    assert "-32601" in outcome.summary


def test_a_web_page_is_not_an_mcp_endpoint() -> None:
    with http_server(_Fixed) as port:
        outcome = probe(McpConformance, port, "/mcp")
    assert outcome.status is Status.FAIL
    assert "not an MCP endpoint" in outcome.summary and "404" in outcome.summary


def test_a_server_error_on_initialize_fails() -> None:
    with http_server(_Crash) as port:
        outcome = probe(McpConformance, port, "/mcp")
    assert outcome.status is Status.FAIL
    assert "initialize failed: 500" in outcome.summary


def test_authorization_required_is_unknown() -> None:
    with http_server(_Locked) as port:
        outcome = probe(McpConformance, port, "/mcp")
    assert outcome.status is Status.UNKNOWN
    assert "wants authorization" in outcome.summary


# --- plain JSON-RPC ----------------------------------------------------------------------------


def test_jsonrpc_good_server_passes() -> None:
    outcome = rpc(jsonrpc_server.build())
    assert outcome.status is Status.PASS, outcome.summary
    assert set(marks(outcome).values()) == {"pass"}
    parse = next(f.message for f in outcome.findings if "malformed JSON" in f.message)
    assert "-32700" in parse


def test_jsonrpc_named_method_gets_the_invalid_params() -> None:
    outcome = rpc(jsonrpc_server.build(mode="dispatch"), method="echo")
    assert outcome.status is Status.PASS, outcome.summary
    row = next(f.message for f in outcome.findings if "invalid params" in f.message)
    assert '"method":"echo","params":42' in row and "-32602" in row


def test_jsonrpc_dispatch_first_without_a_method_leaves_params_untested() -> None:
    outcome = rpc(jsonrpc_server.build(mode="dispatch"))
    assert outcome.status is Status.PASS, outcome.summary
    assert marks(outcome)["invalid params"] == "info"
    assert outcome.facts["tests"] == 3


def test_jsonrpc_unknown_named_method_is_undecided() -> None:
    outcome = rpc(jsonrpc_server.build(mode="dispatch"), method="no_such_thing")
    assert outcome.status is Status.UNKNOWN
    assert "does not know method 'no_such_thing'" in outcome.summary


def test_jsonrpc_broken_server_fails() -> None:
    outcome = rpc(jsonrpc_server.build(mode="broken"))
    assert outcome.status is Status.FAIL
    got = marks(outcome)
    assert set(got.values()) == {"FAIL"}
    assert "server error" in outcome.summary and "a result instead of error -32601" in (
        outcome.summary
    )


def test_jsonrpc_plain_4xx_is_a_warning() -> None:
    outcome = rpc(jsonrpc_server.build(mode="plain"))
    assert outcome.status is Status.WARN, outcome.summary
    got = marks(outcome)
    assert got["malformed JSON"] == "warn"
    assert got["not a JSON-RPC request"] == "pass"  # HTTP 400 is allowed there


def test_jsonrpc_size_limit() -> None:
    outcome = rpc(jsonrpc_server.build(max_body=1000), max_message="1000B")
    assert outcome.status is Status.PASS, outcome.summary
    assert "413" in next(f.message for f in outcome.findings if "message over" in f.message)
    outcome = rpc(jsonrpc_server.build(), max_message="1000B")
    assert outcome.status is Status.FAIL
    assert "no limit enforced" in outcome.summary


def test_jsonrpc_web_page_is_not_jsonrpc() -> None:
    with http_server(_Fixed) as port:
        outcome = probe(JsonRpcConformance, port, "/rpc")
    assert outcome.status is Status.FAIL
    assert "not a JSON-RPC endpoint" in outcome.summary


# --- refusals and missing endpoints ------------------------------------------------------------


@pytest.mark.parametrize("check", [JsonRpcConformance, McpConformance])
def test_passive_consent_is_unknown(check: type[Check]) -> None:
    with serve(jsonrpc_server.build()) as port:
        outcome = probe(check, port, "/rpc", consent="passive")
    assert outcome.status is Status.UNKNOWN
    assert 'needs consent = "active"' in outcome.summary


@pytest.mark.parametrize("check", [JsonRpcConformance, McpConformance])
def test_nothing_listening_is_unknown(check: type[Check]) -> None:
    outcome = probe(check, free_port(), "/x")
    assert outcome.status is Status.UNKNOWN
    assert "failed" in outcome.summary


@pytest.mark.parametrize("check", [JsonRpcConformance, McpConformance])
def test_no_endpoint_named_is_not_applicable(check: type[Check]) -> None:
    outcome = probe(check, free_port(), None)
    assert outcome.status is Status.NOT_APPLICABLE
    assert "path" in outcome.summary
