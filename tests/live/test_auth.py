"""auth.required against a small Python API that checks a bearer token, and an open one."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from livekit import http_server
from pydantic import ValidationError

from golive.checks.auth import AuthRequired
from golive.checks.fixtures import RunOptions, ServiceInfo
from golive.model import Outcome, Status, Target
from golive.testing import run_check

TOKEN = "s3cret-token-value"


class Api(BaseHTTPRequestHandler):
    """Paths named after how they guard themselves; the valid credential is `Bearer TOKEN`."""

    def do_GET(self) -> None:
        given = self.headers.get("Authorization")
        valid = given == f"Bearer {TOKEN}"
        path = self.path
        if path == "/public" or (path == "/any-token" and given):
            self._answer(200)
        elif path == "/crash":
            self._answer(500)
        elif valid:
            self._answer(200)
        elif path == "/no-challenge":
            self._answer(401)
        elif path == "/hidden":
            self._answer(404)
        elif path == "/browser":
            self._answer(302, {"Location": "/login"})
        elif path == "/forbidden":
            self._answer(403)
        else:
            self._answer(401, {"WWW-Authenticate": 'Bearer realm="api"'})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.do_GET()

    def _answer(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with http_server(Api) as port:
        yield f"http://127.0.0.1:{port}"


def check(
    url: str,
    *paths: str,
    token: str | None = TOKEN,
    target_env: str | None = "API_TOKEN",
    consent: str = "passive",
    **params: object,
) -> Outcome:
    target = Target(name="api", url=url, allow_private=True, consent=consent, token_env=target_env)
    about = ServiceInfo(name="svc", targets=(target,))
    secrets = {"API_TOKEN": token} if token is not None else {}
    return run_check(
        AuthRequired,
        Path(),
        service=about,
        options=RunOptions(secrets=secrets),
        paths=list(paths),
        **params,
    )


def test_a_guarded_api_passes(api: str) -> None:
    outcome = check(api, "/admin", "/forbidden", "/hidden")
    assert outcome.status is Status.PASS, outcome
    assert "no credentials 401, wrong token 401, credential 200" in (outcome.observed or "")
    assert "token_env API_TOKEN" in (outcome.observed or "")
    assert TOKEN not in repr(outcome)


def test_an_open_endpoint_fails(api: str) -> None:
    outcome = check(api, "/admin", "/public")
    assert outcome.status is Status.FAIL, outcome
    assert outcome.summary.startswith("the endpoint is open: GET /public without credentials")
    assert {f.fingerprint for f in outcome.findings} == {
        "auth.required:/public:no-credentials",
        "auth.required:/public:wrong-token",
    }


def test_an_endpoint_taking_any_token_fails(api: str) -> None:
    outcome = check(api, "/any-token")
    assert outcome.status is Status.FAIL, outcome
    assert "with a made-up token got 200" in outcome.summary


def test_a_5xx_fails(api: str) -> None:
    outcome = check(api, "/crash")
    assert outcome.status is Status.FAIL, outcome


def test_a_401_without_www_authenticate_warns(api: str) -> None:
    outcome = check(api, "/no-challenge")
    assert outcome.status is Status.WARN, outcome
    assert "WWW-Authenticate" in outcome.summary


def test_a_login_redirect_warns(api: str) -> None:
    outcome = check(api, "/browser")
    assert outcome.status is Status.WARN, outcome
    assert "redirected to /login" in outcome.summary


def test_without_the_credential_access_is_unknown(api: str) -> None:
    outcome = check(api, "/admin", token=None)
    assert outcome.status is Status.UNKNOWN, outcome
    assert "API_TOKEN" in outcome.summary
    assert "credential not sent" in (outcome.observed or "")


def test_a_target_without_token_env_is_unknown(api: str) -> None:
    outcome = check(api, "/admin", target_env=None)
    assert outcome.status is Status.UNKNOWN, outcome
    assert "declares no token_env" in outcome.summary


def test_an_open_endpoint_fails_even_without_a_credential(api: str) -> None:
    outcome = check(api, "/public", token=None)
    assert outcome.status is Status.FAIL, outcome


def test_a_refused_credential_is_unknown(api: str) -> None:
    outcome = check(api, "/admin", token="expired")
    assert outcome.status is Status.UNKNOWN, outcome
    assert "refused (401)" in outcome.summary


def test_no_paths_is_unknown(api: str) -> None:
    outcome = check(api)
    assert outcome.status is Status.UNKNOWN
    assert "no protected paths declared" in outcome.summary


def test_post_needs_active_consent(api: str) -> None:
    assert check(api, "/admin", method="POST").status is Status.UNKNOWN
    assert check(api, "/admin", method="post", consent="active").status is Status.PASS


def test_state_changing_methods_are_refused(api: str) -> None:
    with pytest.raises(ValidationError, match="DELETE"):
        check(api, "/admin", method="DELETE")


def test_the_item_token_env_is_obsolete(api: str) -> None:
    outcome = check(api, "/admin", token_env="OTHER")
    assert outcome.status is Status.PASS, outcome
    assert "token_env OTHER is not used" in (outcome.observed or "")
