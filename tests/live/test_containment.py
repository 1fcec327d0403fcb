"""A whole live review against a hostile service: every answer points somewhere else.

The service redirects every request to a second loopback port, names it in Location,
Content-Location and links, and answers MCP and JSON-RPC with the same. golive runs every
live check of the production profile against it; the listener on the second port must
receive nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from golive_cli import golive
from livekit import Listener, http_server, make_pki

pytestmark = pytest.mark.slow
ELSEWHERE: dict[str, int] = {}


class Hostile(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        other = f"http://127.0.0.1:{ELSEWHERE['port']}"
        body = json.dumps({"status": "pass", "links": {"self": other}, "next": other}).encode()
        self.send_response(307)
        self.send_header("Location", f"{other}{self.path}")
        self.send_header("Content-Location", other)
        self.send_header("Link", f"<{other}/metrics>; rel=next")
        self.send_header("Access-Control-Allow-Origin", other)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_OPTIONS = _answer  # noqa: N815 -- the http.server interface

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener() as other:
        ELSEWHERE["port"] = other.port
        yield other


def test_a_full_live_review_sends_nothing_off_target(tmp_path: Path, listener: Listener) -> None:
    pki = make_pki(tmp_path / "pki")
    with http_server(Hostile, tls=pki) as https, http_server(Hostile) as plain:
        (tmp_path / "golive.toml").write_text(
            f"""
[service]
health = {{ liveness = "/healthz", readiness = "/readyz" }}

[targets.svc]
url = "https://127.0.0.1:{https}"
default = true
allow_private = true
consent = "active"
ca = "{pki.ca}"

[checks."health.liveness"]
with = {{ interval = "0s" }}

[checks."health.readiness"]
with = {{ interval = "0s" }}

[checks."tls.redirect"]
with = {{ http_port = {plain} }}

[targets.prometheus]
url = "https://127.0.0.1:{https}"
allow_private = true
ca = "{pki.ca}"

[checks."prometheus.slo"]
with = {{ prometheus = "prometheus" }}

[checks."prometheus.alerts-loaded"]
with = {{ prometheus = "prometheus" }}

[items."security.request-size-limit"]
with = {{ path = "/upload", max_body = "1KiB" }}

[items."security.rate-limiting"]
with = {{ path = "/api", limit = "20 req/s" }}

[items."security.authentication"]
with = {{ paths = ["/admin"] }}

[items."security.jsonrpc-validation"]
with = {{ path = "/mcp" }}

[items."health.dependencies"]
with = {{ dependencies = ["database"] }}
"""
        )
        run = golive("check", tmp_path, "--live", "--kind", "live", "--format", "json")
    assert run.returncode in {0, 1}, run.stderr
    ran = [
        check["id"]
        for item in json.loads(run.stdout)["items"]
        for check in item["checks"]
        if check["status"] not in {"not_applicable"}
    ]
    assert len(set(ran)) >= 20, sorted(set(ran))
    assert listener.connections == 0
