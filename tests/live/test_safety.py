"""The target policy: nothing is ever sent anywhere the checklist did not name."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from livekit import Listener, free_port, http_server

from golive.model import Target
from golive.probes.http import HttpError, request
from golive.probes.safety import REDACTED, Caps, Consent, ProbePolicy, ProbeRefused, redact

SEEN: list[dict[str, str]] = []


class Recorder(BaseHTTPRequestHandler):
    """Answers every GET; redirects /away to the port in the query."""

    def do_GET(self) -> None:
        SEEN.append({k.lower(): v for k, v in self.headers.items()})
        if self.path.startswith("/away?"):
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.path.split('?')[1]}/")
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with http_server(Recorder) as number:
        yield number


def policy(
    url: str, *, consent: str = "passive", allow_private: bool = True, **kw: object
) -> ProbePolicy:
    target = Target(name="t", url=url, allow_private=allow_private, consent=consent)
    return ProbePolicy([target], **kw)  # type: ignore[arg-type]


def test_a_redirect_to_another_port_is_reported_not_followed(port: int) -> None:
    with Listener() as other:
        target = policy(f"http://127.0.0.1:{port}").target()
        response = request(target, "GET", f"/away?{other.port}")
        with pytest.raises(ProbeRefused, match="is not on target"):
            request(target, "GET", f"http://127.0.0.1:{other.port}/")
    assert response.status == 302
    assert response.refused_redirect == f"http://127.0.0.1:{other.port}/"
    assert other.connections == 0


def test_same_origin_redirects_stop_after_five(port: int) -> None:
    response = request(policy(f"http://127.0.0.1:{port}").target(), "GET", "/loop")
    assert len(response.redirects) == 5
    assert response.refused_redirect is not None


def test_dns_is_resolved_once_and_pinned(port: int) -> None:
    answers = iter(["127.0.0.1", "127.0.0.2"])
    calls: list[str] = []

    def resolver(host: str, _port: int) -> list[str]:
        calls.append(host)
        return [next(answers)]

    rebound = socket.socket()
    rebound.bind(("127.0.0.2", port))  # the address a rebinding answer would point to
    rebound.listen(8)
    rebound.settimeout(0.3)
    try:
        target = policy(f"http://svc.test:{port}", resolver=resolver).target()
        for _ in range(3):
            assert request(target, "GET", "/").status == 200
        with pytest.raises(TimeoutError):
            rebound.accept()
    finally:
        rebound.close()
    assert calls == ["svc.test"]
    assert SEEN[-1]["host"] == f"svc.test:{port}"


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fe80::1", "link-local"),
    ],
)
def test_private_addresses_need_allow_private(address: str, why: str) -> None:
    chosen = policy("http://svc.test", allow_private=False, resolver=lambda h, p: [address])
    with pytest.raises(ProbeRefused, match=why):
        chosen.target()


def test_a_public_address_needs_nothing() -> None:
    chosen = policy("https://svc.test", allow_private=False, resolver=lambda h, p: ["203.0.114.7"])
    assert chosen.target().address == "203.0.114.7"  # pinned; nothing is sent here


def test_consent_and_methods(port: int) -> None:
    passive = policy(f"http://127.0.0.1:{port}").target()
    with pytest.raises(ProbeRefused, match="active"):
        request(passive, "POST", "/", body=b"{}")
    with pytest.raises(ProbeRefused, match='consent = "active"'):
        request(passive, "GET", "/", consent=Consent.ACTIVE)
    active = policy(f"http://127.0.0.1:{port}", consent="load").target()
    for method in ("PUT", "PATCH", "DELETE"):
        with pytest.raises(ProbeRefused, match="never sent"):
            request(active, method, "/", consent=Consent.ACTIVE)


def test_caps_stop_requests(port: int) -> None:
    target = policy(f"http://127.0.0.1:{port}", caps=Caps(requests=3)).target()
    for _ in range(3):
        request(target, "GET", "/")
    with pytest.raises(ProbeRefused, match="cap of 3 requests"):
        request(target, "GET", "/")
    sized = policy(f"http://127.0.0.1:{port}", caps=Caps(bytes_sent=100)).target()
    with pytest.raises(ProbeRefused, match="bytes sent"):
        request(sized, "GET", "/" + "x" * 200)


def test_the_circuit_breaker_opens_after_timeouts_in_a_row() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts (in the kernel) and never answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    try:
        target = policy(url, caps=Caps(timeouts_in_a_row=2)).target()
        for _ in range(2):
            with pytest.raises(HttpError, match="timed out"):
                request(target, "GET", "/", timeout=0.1)
        with pytest.raises(ProbeRefused, match="timed out 2 times in a row"):
            request(target, "GET", "/", timeout=0.1)
    finally:
        silent.close()


def test_every_request_says_who_sends_it(port: int) -> None:
    chosen = policy(f"http://127.0.0.1:{port}")
    request(chosen.target(), "GET", "/")
    assert SEEN[-1]["user-agent"].startswith("golive/")
    assert SEEN[-1]["x-golive-run-id"] == chosen.run_id


def test_credentials_are_sent_only_when_asked_and_redacted(port: int) -> None:
    target = ProbePolicy(
        [Target(name="t", url=f"http://127.0.0.1:{port}", allow_private=True)],
        credentials={"t": "Bearer s3cret-token"},
    ).target()
    request(target, "GET", "/")
    assert "authorization" not in SEEN[-1]
    request(target, "GET", "/", credentials=True)
    assert SEEN[-1]["authorization"] == "Bearer s3cret-token"
    shown = redact([("Authorization", "Bearer s3cret-token"), ("Set-Cookie", "sid=1"), ("A", "b")])
    assert shown == [("Authorization", REDACTED), ("Set-Cookie", REDACTED), ("A", "b")]


def test_no_target_and_unknown_target() -> None:
    with pytest.raises(ProbeRefused, match="no target is declared"):
        ProbePolicy([]).target()
    with pytest.raises(ProbeRefused, match='no target "prod"'):
        policy("http://127.0.0.1:1").target("prod")


def test_refused_connection_is_an_http_error() -> None:
    target = policy(f"http://127.0.0.1:{free_port()}").target()
    with pytest.raises(HttpError, match="ConnectionRefused"):
        request(target, "GET", "/")


def test_in_flight_cap_holds_under_threads(port: int) -> None:
    target = policy(f"http://127.0.0.1:{port}", caps=Caps(inflight=2)).target()
    errors: list[BaseException] = []

    def hit() -> None:
        try:
            request(target, "GET", "/")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert target.policy.requests_sent == 8


def test_paths_must_be_absolute() -> None:
    target = policy("http://127.0.0.1:1").target()
    with pytest.raises(ProbeRefused, match="must start with /"):
        target.url("healthz")


def test_with_several_targets_the_default_one_is_used() -> None:
    a = Target(name="app", url="http://127.0.0.1:1", allow_private=True, default=True)
    b = Target(name="prometheus", url="http://127.0.0.1:2", allow_private=True)
    assert ProbePolicy([b, a]).target().name == "app"
    with pytest.raises(ProbeRefused, match="mark one default = true"):
        ProbePolicy([b, Target(name="c", url="http://127.0.0.1:3")]).target()
