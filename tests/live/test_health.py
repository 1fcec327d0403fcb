"""health.liveness, health.readiness and health.dependencies against real HTTP servers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from livekit import http_server, service

from golive.checks.base import Check
from golive.checks.health import Dependencies, Liveness, Readiness
from golive.model import Outcome, Status
from golive.testing import run_check

# path -> (status, content type, body, delay in seconds)
ROUTES: dict[str, tuple[int, str, object, float]] = {
    "/healthz": (200, "text/plain", "ok", 0.0),
    "/health+json": (200, "application/health+json", {"status": "pass"}, 0.0),
    "/lying": (200, "application/health+json", {"status": "fail"}, 0.0),
    "/down": (503, "application/health+json", {"status": "fail"}, 0.0),
    "/spring-down-200": (200, "application/json", {"status": "DOWN"}, 0.0),
    "/slow": (200, "text/plain", "ok", 0.5),
    "/error": (500, "text/plain", "boom", 0.0),
    "/redirect": (302, "text/plain", "", 0.0),
    "/details": (
        200,
        "application/json",
        {"status": "UP", "components": {"db": {"status": "UP"}, "redis": {"status": "UP"}}},
        0.0,
    ),
    "/checks": (
        200,
        "application/health+json",
        {
            "status": "warn",
            "checks": {
                "postgres:responseTime": [{"componentType": "datastore", "status": "pass"}],
                "payments-api:connections": [{"componentType": "component", "status": "fail"}],
            },
        },
        0.0,
    ),
}
FLAKY = {"count": 0}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/flaky":
            FLAKY["count"] += 1
            status, kind, body, delay = (
                (200, "text/plain", "ok", 0.0)
                if FLAKY["count"] % 2
                else (503, "text/plain", "", 0.0)
            )
        else:
            status, kind, body, delay = ROUTES.get(self.path, (404, "text/plain", "", 0.0))
        time.sleep(delay)
        data = (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        if status == 302:
            self.send_header("Location", "/healthz")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with http_server(Handler) as port:
        yield f"http://127.0.0.1:{port}"


def health(check: type[Check], url: str, tmp: Path, **params: object) -> Outcome:
    params.setdefault("interval", "0.05s")
    return run_check(check, tmp, service=service(url), **params)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/healthz", Status.PASS),
        ("/health+json", Status.PASS),
        ("/redirect", Status.PASS),  # followed on the same origin, as kubelet does
        ("/lying", Status.FAIL),  # "fail" with 200: the body contradicts the code
        ("/down", Status.FAIL),
        ("/spring-down-200", Status.FAIL),
        ("/slow", Status.FAIL),  # 0.5 s, over the 0.2 s timeout given below
        ("/error", Status.FAIL),
        ("/missing", Status.FAIL),
        ("/flaky", Status.FAIL),  # one of three attempts failed
        ("/details", Status.WARN),  # component details shown to anyone
    ],
)
def test_liveness_rules(url: str, tmp_path: Path, path: str, status: Status) -> None:
    outcome = health(Liveness, url, tmp_path, path=path, timeout="0.2s")
    assert outcome.status is status, outcome.summary


def test_readiness_fail_reads_not_ready(url: str, tmp_path: Path) -> None:
    outcome = health(Readiness, url, tmp_path, path="/down")
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("NOT READY")


def test_declared_path_is_used_and_missing_one_is_unknown(url: str, tmp_path: Path) -> None:
    declared = run_check(
        Liveness, tmp_path, service=service(url, liveness="/healthz"), interval="0s"
    )
    assert declared.status is Status.PASS
    undeclared = run_check(Liveness, tmp_path, service=service(url), interval="0s")
    assert undeclared.status is Status.UNKNOWN
    assert "no liveness endpoint is declared" in undeclared.summary


def test_nothing_listening_fails(tmp_path: Path) -> None:
    from livekit import free_port

    outcome = health(Liveness, f"http://127.0.0.1:{free_port()}", tmp_path, path="/healthz")
    assert outcome.status is Status.FAIL
    assert "attempt(s) failed" in outcome.summary


def test_private_address_needs_allow_private(url: str, tmp_path: Path) -> None:
    outcome = run_check(
        Liveness, tmp_path, service=service(url, allow_private=False), path="/healthz"
    )
    assert outcome.status is Status.UNKNOWN
    assert "loopback" in outcome.summary and "allow_private" in outcome.summary


def test_dependencies(url: str, tmp_path: Path) -> None:
    def deps(path: str, *names: str) -> Outcome:
        return run_check(
            Dependencies, tmp_path, service=service(url), path=path, dependencies=list(names)
        )

    assert deps("/details", "database", "cache").status is Status.PASS
    missing = deps("/details", "database", "queue")
    assert missing.status is Status.FAIL
    assert "queue is not listed" in missing.summary
    down = deps("/checks", "database", "payments-api")
    assert down.status is Status.FAIL
    assert "payments-api" in down.summary and "fail" in down.summary
    assert deps("/healthz", "database").status is Status.FAIL
    assert deps("/details").status is Status.UNKNOWN
