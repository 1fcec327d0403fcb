"""limits.request-size and limits.rate against nginx, small Python servers and the example
greeter service."""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from livekit import Nginx, free_port, http_server, service, wait_for_port

from golive.checks.limits import RateLimit, RequestSize
from golive.model import Outcome, Status
from golive.testing import run_check

GREETER = Path(__file__).resolve().parents[2] / "examples" / "service"


class Echo(BaseHTTPRequestHandler):
    """Reads the whole body of a POST and answers 200; GETs get 200 too."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        if self.path == "/private":
            self._answer(401)
            return
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._answer(500 if self.path == "/crash" else 200)

    def do_GET(self) -> None:
        self._answer(200)

    def _answer(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"ok")
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def echo() -> Iterator[int]:
    with http_server(Echo) as port:
        yield port


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory, echo: int) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("nginx")
    (directory / "www").mkdir()
    for name in ("limited", "bare"):
        (directory / "www" / name).write_text("ok")
    upstream = f"proxy_http_version 1.1; proxy_pass http://127.0.0.1:{echo};"
    servers = f"""
    server {{
        listen 127.0.0.1:{{web}};
        root {directory}/www;
        location /upload {{ client_max_body_size 1k; {upstream} }}
        location /tight {{ client_max_body_size 256; {upstream} }}
        location /open {{ client_max_body_size 100m; {upstream} }}
        location /ignores {{ client_max_body_size 100m; return 200 "ok"; }}
        location /limited {{
            limit_req zone=fast burst=5 nodelay;
            limit_req_status 429;
            add_header Retry-After 1 always;
        }}
        location /bare {{ limit_req zone=bare burst=5 nodelay; limit_req_status 429; }}
    }}
    """
    zones = (
        "limit_req_zone $binary_remote_addr zone=fast:1m rate=10r/s;\n"
        "limit_req_zone $binary_remote_addr zone=bare:1m rate=10r/s;"
    )
    with Nginx(directory / "nginx", servers, http=zones) as server:
        yield f"http://127.0.0.1:{server.ports['web']}"


def size(
    url: str, path: str, max_body: str | None = "1KiB", consent: str = "active", **more: object
) -> Outcome:
    svc = service(url, consent=consent)
    return run_check(RequestSize, Path(), service=svc, path=path, max_body=max_body, **more)


def rate(
    url: str, path: str, limit: str | None = "10 req/s", consent: str = "active", **more: object
) -> Outcome:
    svc = service(url, consent=consent)
    params = {"limit": limit} if limit is not None else {}
    return run_check(RateLimit, Path(), service=svc, path=path, **params, **more)


# --- limits.request-size ------------------------------------------------------------------------


def test_nginx_refuses_an_oversized_body_before_it_is_sent(nginx: str) -> None:
    outcome = size(nginx, "/upload", chunked=True, control=True)
    assert outcome.status is Status.PASS, outcome
    assert outcome.facts["status"] == 413
    assert outcome.facts["sent_body"] == 0  # answered on the head, before 100 Continue
    assert outcome.facts["chunked_status"] == 413
    assert outcome.facts["control_status"] == 200


def test_a_body_over_the_limit_accepted_fails(nginx: str) -> None:
    outcome = size(nginx, "/open")
    assert outcome.status is Status.FAIL, outcome
    assert "not enforced" in outcome.summary
    assert outcome.facts["sent_body"] == 1025


def test_a_limit_lower_than_declared_fails_the_control(nginx: str) -> None:
    outcome = size(nginx, "/tight", control=True)
    assert outcome.status is Status.FAIL, outcome
    assert "lower than declared" in outcome.summary


def test_asking_for_the_body_and_answering_2xx_is_not_enforced(nginx: str) -> None:
    # nginx's `return 200` sends 100 Continue, then 200, and discards whatever comes: it takes
    # a body of any size.
    outcome = size(nginx, "/ignores")
    assert outcome.status is Status.FAIL, outcome
    assert outcome.facts["continue"] is True


class _Hasty(BaseHTTPRequestHandler):
    """Answers 200 on the head alone, without 100 Continue and without reading the body."""

    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


def test_an_endpoint_that_answers_before_the_body_is_unknown() -> None:
    with http_server(_Hasty) as port:
        outcome = size(f"http://127.0.0.1:{port}", "/ignores")
    assert outcome.status is Status.UNKNOWN, outcome
    assert "before reading the body" in outcome.summary


def test_a_5xx_instead_of_413_is_enforced_badly(echo: int) -> None:
    outcome = size(f"http://127.0.0.1:{echo}", "/crash")
    assert outcome.status is Status.FAIL, outcome
    assert "enforced badly" in outcome.summary


def test_an_earlier_401_means_the_limit_was_not_reached(echo: int) -> None:
    outcome = size(f"http://127.0.0.1:{echo}", "/private")
    assert outcome.status is Status.UNKNOWN, outcome
    assert "401" in outcome.summary


def test_a_reset_without_413_is_enforced_badly() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]

        def reset() -> None:
            conn, _ = server.accept()
            conn.recv(4096)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # a reset, and no answer

        thread = threading.Thread(target=reset, daemon=True)
        thread.start()
        outcome = size(f"http://127.0.0.1:{port}", "/upload")
        thread.join(5)
    assert outcome.status is Status.FAIL, outcome
    assert "enforced badly" in outcome.summary


def test_a_target_that_refuses_connections_is_unknown() -> None:
    outcome = size(f"http://127.0.0.1:{free_port()}", "/upload")
    assert outcome.status is Status.UNKNOWN, outcome
    assert "got no answer" in outcome.summary


def test_request_size_needs_active_consent(nginx: str) -> None:
    outcome = size(nginx, "/upload", consent="passive")
    assert outcome.status is Status.UNKNOWN
    assert "consent" in outcome.summary


def test_without_a_declared_endpoint_and_limit_size_is_unknown(nginx: str) -> None:
    outcome = run_check(RequestSize, Path(), service=service(nginx, consent="active"))
    assert outcome.status is Status.UNKNOWN
    assert "no endpoint or limit declared" in outcome.summary
    outcome = size(nginx, "/upload", max_body=None)
    assert outcome.status is Status.UNKNOWN


def test_a_limit_over_what_a_probe_may_send_is_unknown(nginx: str) -> None:
    outcome = size(nginx, "/upload", max_body="200MiB")
    assert outcome.status is Status.UNKNOWN
    assert "over what a probe may send" in outcome.summary


# --- limits.rate ----------------------------------------------------------------------------------


def bucket(
    capacity: int, per_second: float, *, retry_after: str | None = "1", crash_after: int = 0
) -> type[BaseHTTPRequestHandler]:
    """A handler limiting all clients together with a token bucket (or crashing with 500
    after `crash_after` requests, or never limiting when `capacity` is 0)."""
    state = {"tokens": float(capacity), "at": time.monotonic(), "served": 0}
    lock = threading.Lock()

    class Bucket(Echo):
        def do_GET(self) -> None:
            if self.path == "/missing":
                self._answer(404)
                return
            with lock:
                now = time.monotonic()
                state["served"] += 1
                state["tokens"] = min(capacity, state["tokens"] + (now - state["at"]) * per_second)
                state["at"] = now
                allowed = capacity == 0 or state["tokens"] >= 1
                if allowed:
                    state["tokens"] -= 1
                crash = crash_after and state["served"] > crash_after
            if crash:
                self._answer(500)
            elif allowed:
                self._answer(200)
            else:
                self._answer(429, {"Retry-After": retry_after} if retry_after else {})

    return Bucket


@pytest.mark.slow
def test_nginx_limit_req_with_retry_after_passes(nginx: str) -> None:
    outcome = rate(nginx, "/limited")
    assert outcome.status is Status.PASS, outcome
    assert outcome.facts["first_429"] <= 15  # type: ignore[operator]
    assert outcome.facts["retry_after"] == "1"


@pytest.mark.slow
def test_a_429_without_retry_after_warns(nginx: str) -> None:
    outcome = rate(nginx, "/bare")
    assert outcome.status is Status.WARN, outcome
    assert "Retry-After" in outcome.summary
    assert "after one window (1 s): 200" in (outcome.observed or "")


def test_no_rate_limit_fails() -> None:
    with http_server(bucket(0, 0)) as port:
        outcome = rate(f"http://127.0.0.1:{port}", "/api", concurrency=4)
    assert outcome.status is Status.FAIL, outcome
    assert "no rate limit observed" in outcome.summary
    assert outcome.facts["sent"] == 25


def test_a_path_that_only_answers_4xx_is_unknown() -> None:
    with http_server(bucket(0, 0)) as port:
        outcome = rate(f"http://127.0.0.1:{port}", "/missing", concurrency=4)
    assert outcome.status is Status.UNKNOWN, outcome
    assert "answered only 404" in outcome.summary


def test_5xx_under_a_burst_fails() -> None:
    with http_server(bucket(0, 0, crash_after=8)) as port:
        outcome = rate(f"http://127.0.0.1:{port}", "/api", concurrency=4)
    assert outcome.status is Status.FAIL, outcome
    assert "overloaded" in outcome.summary


@pytest.mark.slow
def test_a_limit_looser_than_declared_warns() -> None:
    with http_server(bucket(20, 1, retry_after="1")) as port:
        outcome = rate(f"http://127.0.0.1:{port}", "/api", concurrency=4, limit="10 req/s")
    assert outcome.status is Status.WARN, outcome
    assert "looser than declared" in outcome.summary


@pytest.mark.slow
def test_no_recovery_after_retry_after_fails() -> None:
    with http_server(bucket(5, 0.0001, retry_after="1")) as port:
        outcome = rate(f"http://127.0.0.1:{port}", "/api", concurrency=4, limit="5 req/min")
    assert outcome.status is Status.FAIL, outcome
    assert "did not recover" in outcome.summary


def test_a_retry_after_longer_than_the_check_may_wait_is_unknown() -> None:
    with http_server(bucket(5, 0.0001, retry_after="3600")) as port:
        outcome = rate(f"http://127.0.0.1:{port}", "/api", concurrency=4, limit="5 req/min")
    assert outcome.status is Status.UNKNOWN, outcome
    assert "3600 s" in outcome.summary


def test_an_allowance_over_the_burst_cap_is_unknown(nginx: str) -> None:
    outcome = rate(nginx, "/ignores", limit="1000 req/min")
    assert outcome.status is Status.UNKNOWN, outcome
    assert outcome.facts["sent"] == 1000
    assert "more than one burst may send" in outcome.summary


def test_without_a_declared_endpoint_rate_is_unknown(nginx: str) -> None:
    outcome = run_check(RateLimit, Path(), service=service(nginx, consent="active"))
    assert outcome.status is Status.UNKNOWN
    assert "no endpoint declared" in outcome.summary


def test_rate_needs_active_consent(nginx: str) -> None:
    outcome = rate(nginx, "/limited", consent="passive")
    assert outcome.status is Status.UNKNOWN
    assert "consent" in outcome.summary


def test_a_target_that_does_not_answer_is_unknown() -> None:
    outcome = rate(f"http://127.0.0.1:{free_port()}", "/api")
    assert outcome.status is Status.UNKNOWN, outcome


# --- the example service ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def greeter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed")
    manifest = GREETER / "Cargo.toml"
    built = subprocess.run(
        ["cargo", "build", "--offline", "--quiet", "--manifest-path", str(manifest)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if built.returncode != 0:
        pytest.fail(f"the example service does not build:\n{built.stderr}")
    config = tmp_path_factory.mktemp("greeter") / "greeter.toml"
    config.write_text(
        '[server]\nbind = "127.0.0.1:8080"\nworkers = 4\nmax_body_bytes = 1024\n'
        'rate_limit_per_minute = 30\n\n[log]\nlevel = "error"\n\n[features]\ndebug = false\n'
    )
    port = free_port()
    process = subprocess.Popen(
        [str(GREETER / "target" / "debug" / "greeter")],
        env={"GREETER_CONFIG": str(config), "GREETER_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_greeter_refuses_oversized_and_chunked_bodies(greeter: str) -> None:
    outcome = size(greeter, "/api/echo", chunked=True, control=True)
    assert outcome.status is Status.PASS, outcome
    assert outcome.facts["status"] == 413
    assert outcome.facts["chunked_status"] == 400  # refused on the head: no chunked bodies
    assert outcome.facts["control_status"] != 413


@pytest.mark.slow
def test_greeter_limits_the_rate_and_recovers(greeter: str) -> None:
    outcome = rate(greeter, "/api/greeting?name=golive", limit="30 req/min")
    assert outcome.status is Status.PASS, outcome
    assert outcome.facts["first_429"] <= 30 + 5 + 1  # type: ignore[operator]
    assert "Retry-After" not in outcome.summary
