"""http.security-headers, http.cookies and http.cors against a real nginx (HTTPS with a test
CA), one server block per configuration."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from livekit import Nginx, Pki, free_port, make_pki, service
from pydantic import ValidationError

from golive.checks.base import Check
from golive.checks.http_headers import (
    Cookies,
    Cors,
    SecurityHeaders,
    SecurityHeadersParams,
)
from golive.model import Outcome, Status
from golive.testing import run_check

GOOD = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _adds(headers: dict[str, str], *extra: tuple[str, str]) -> str:
    lines = [*headers.items(), *extra]
    return " ".join(f'add_header {name} "{value}" always;' for name, value in lines)


def _tls(name: str, location: str, *more: str) -> str:
    return f"""
server {{
    listen 127.0.0.1:{{{name}}} ssl;
    location / {{ {location} return 200 "hello"; }}
    {" ".join(more)}
}}"""


SERVERS = {
    "good": _adds(GOOD, ("Set-Cookie", "session=s3cr3t; Path=/; Secure; HttpOnly; SameSite=Lax")),
    "bare": "",
    "unsafe_inline": _adds(
        {
            **GOOD,
            "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        }
    ),
    "short_hsts": _adds({**GOOD, "Strict-Transport-Security": "max-age=3600"}),
    "allow_from": _adds(
        {
            **GOOD,
            "Content-Security-Policy": "default-src 'none'",
            "X-Frame-Options": "ALLOW-FROM https://example.com",
        }
    ),
    "cookie_bare": _adds(GOOD, ("Set-Cookie", "sid=s3cr3t-value; Path=/")),
    "cookie_none": _adds(GOOD, ("Set-Cookie", "pref=dark; Max-Age=600; Secure; SameSite=None")),
    "cors_creds": _adds(
        GOOD,
        ("Access-Control-Allow-Origin", "$http_origin"),
        ("Access-Control-Allow-Credentials", "true"),
    ),
    "cors_reflect": _adds(GOOD, ("Access-Control-Allow-Origin", "$http_origin")),
    "cors_star": _adds(GOOD, ("Access-Control-Allow-Origin", "*")),
    "cors_fixed": _adds(GOOD, ("Access-Control-Allow-Origin", "https://app.example.com")),
    # CORS only on the preflight: GET answers without it
    "cors_preflight": _adds(GOOD)
    + ' if ($request_method = OPTIONS) { add_header Access-Control-Allow-Origin "$http_origin";'
    + ' add_header Access-Control-Allow-Credentials "true"; return 204; }',
}


@dataclass(frozen=True)
class Site:
    nginx: Nginx
    pki: Pki

    def url(self, name: str, scheme: str = "https") -> str:
        return f"{scheme}://127.0.0.1:{self.nginx.ports[name]}"

    def run(
        self,
        check: type[Check],
        name: str,
        *,
        scheme: str = "https",
        consent: str = "passive",
        ca: bool = True,
        **params: object,
    ) -> Outcome:
        svc = service(self.url(name, scheme), consent=consent, ca=self.pki.ca if ca else None)
        return run_check(check, self.nginx.directory, service=svc, **params)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("http-headers")
    pki = make_pki(root / "pki")
    stranger = make_pki(root / "stranger", self_signed=True)
    blocks = [_tls(name, location) for name, location in SERVERS.items()]
    blocks.append(_tls("missing", "", 'location /gone { return 404 "no"; }'))
    blocks.append(
        f"""
server {{
    listen 127.0.0.1:{{chain}} ssl;
    location = / {{ add_header Set-Cookie "sessionid=s3cr3t-value; Path=/" always;
                    return 302 /home; }}
    location / {{ {_adds(GOOD)} add_header Set-Cookie "theme=x; Secure; Max-Age=60; SameSite=Lax" always;
                  return 200 "home"; }}
}}
server {{
    listen 127.0.0.1:{{away}} ssl;
    location / {{ return 301 https://elsewhere.invalid/; }}
}}
server {{
    listen 127.0.0.1:{{plain}};
    location / {{ return 200 "hello"; }}
}}
server {{
    listen 127.0.0.1:{{selfsigned}} ssl;
    ssl_certificate {stranger.cert}; ssl_certificate_key {stranger.key};
    location / {{ {_adds(GOOD)} return 200 "hello"; }}
}}"""
    )
    http = f"ssl_certificate {pki.cert}; ssl_certificate_key {pki.key};"
    with Nginx(root / "nginx", "\n".join(blocks), http=http) as nginx:
        yield Site(nginx=nginx, pki=pki)


def _rules(outcome: Outcome) -> list[str]:
    return sorted((f.rule or "").rpartition(".")[2] for f in outcome.findings)


# --- http.security-headers ---------------------------------------------------------------------


def test_well_configured_server_passes_with_a_top_grade(site: Site) -> None:
    outcome = site.run(SecurityHeaders, "good", min_grade=">=A")
    assert outcome.status is Status.PASS, outcome
    assert outcome.facts["grade"] == "A+"
    assert outcome.facts["score"] == 135  # 100 + CSP 10 + cookies 5 + referrer 5 + XFO 5 + CORP 10
    assert outcome.facts["content-security-policy"] == 10
    assert outcome.facts["cross-origin-resource-policy"] == 10
    assert outcome.facts["strict-transport-security"] == 0


def test_bare_https_server_fails_every_header(site: Site) -> None:
    outcome = site.run(SecurityHeaders, "bare", min_grade="B")
    assert outcome.status is Status.FAIL
    assert _rules(outcome) == ["csp", "framing", "grade", "hsts", "nosniff", "referrer-policy"]
    assert (outcome.facts["score"], outcome.facts["grade"]) == (30, "D")
    assert outcome.facts["content-security-policy"] == -25
    assert outcome.facts["x-frame-options"] == -20
    assert "grade D (score 30) is below B" in " ".join(f.message for f in outcome.findings)


def test_bare_plain_http_server_fails_with_grade_f(site: Site) -> None:
    outcome = site.run(SecurityHeaders, "plain", scheme="http")
    assert outcome.status is Status.FAIL
    assert _rules(outcome) == ["csp", "framing", "hsts", "nosniff", "referrer-policy"]
    hsts = next(f for f in outcome.findings if f.rule == "http.security-headers.hsts")
    assert "plain HTTP" in hsts.message
    assert (outcome.facts["score"], outcome.facts["grade"]) == (10, "F")
    assert outcome.facts["redirection"] == -20


def test_unsafe_inline_script_fails_only_the_csp(site: Site) -> None:
    outcome = site.run(SecurityHeaders, "unsafe_inline")
    assert outcome.status is Status.FAIL
    assert _rules(outcome) == ["csp"]
    assert "script-src allows 'unsafe-inline'" in outcome.findings[0].message
    assert outcome.facts["content-security-policy"] == -20


def test_short_hsts_fails(site: Site) -> None:
    outcome = site.run(SecurityHeaders, "short_hsts")
    assert _rules(outcome) == ["hsts"]
    assert "max-age=3600 is under six months" in outcome.findings[0].message
    assert outcome.facts["strict-transport-security"] == -10


def test_x_frame_options_allow_from_fails(site: Site) -> None:
    outcome = site.run(SecurityHeaders, "allow_from")
    assert outcome.status is Status.FAIL
    assert _rules(outcome) == ["framing"]
    assert "ALLOW-FROM" in outcome.findings[0].message


def test_min_grade_alone_can_fail(site: Site) -> None:
    # every header rule holds on "chain", but a session cookie without flags costs the grade
    outcome = site.run(SecurityHeaders, "chain", min_grade="A")
    assert outcome.status is Status.FAIL
    assert _rules(outcome) == ["grade"]


def test_each_named_path_is_scored_and_the_worst_is_reported(site: Site) -> None:
    # "/" redirects to /home, setting a session cookie without flags on the way: the headers
    # hold, but the cookie costs 30 points (and the bonus); http.cookies judges the cookie
    outcome = site.run(SecurityHeaders, "chain", paths=["/about", "/"])
    assert outcome.status is Status.PASS
    assert (outcome.facts["path"], outcome.facts["score"], outcome.facts["grade"]) == ("/", 70, "B")
    assert outcome.facts["cookies"] == -30
    assert "/about: A+ (135;" in (outcome.observed or "")


@pytest.mark.parametrize(
    ("name", "params", "reason"),
    [
        ("missing", {"paths": ["/gone"]}, "answered 404"),
        ("away", {}, "off target"),
        ("selfsigned", {}, "TLS failed"),
    ],
)
def test_unreachable_pages_are_unknown(
    site: Site, name: str, params: dict[str, object], reason: str
) -> None:
    outcome = site.run(SecurityHeaders, name, **params)
    assert outcome.status is Status.UNKNOWN
    assert reason in outcome.summary


def test_a_closed_port_is_unknown(site: Site) -> None:
    svc = service(f"https://127.0.0.1:{free_port()}", ca=site.pki.ca)
    outcome = run_check(SecurityHeaders, site.nginx.directory, service=svc)
    assert outcome.status is Status.UNKNOWN
    assert "failed" in outcome.summary


def test_params_are_validated() -> None:
    assert SecurityHeadersParams.model_validate({"min_grade": ">= b+"}).min_grade == "B+"
    with pytest.raises(ValidationError, match="not a grade"):
        SecurityHeadersParams.model_validate({"min_grade": "E"})
    with pytest.raises(ValidationError, match="must start with /"):
        SecurityHeadersParams.model_validate({"paths": ["health"]})


# --- http.cookies ------------------------------------------------------------------------------


def test_well_flagged_cookie_passes(site: Site) -> None:
    outcome = site.run(Cookies, "good")
    assert outcome.status is Status.PASS, outcome
    assert outcome.facts == {"cookies": 1, "session_cookies": 1, "names": "session"}


def test_cookie_without_flags_fails_and_never_shows_its_value(site: Site) -> None:
    outcome = site.run(Cookies, "cookie_bare")
    assert outcome.status is Status.FAIL
    assert _rules(outcome) == ["httponly", "samesite", "secure"]
    assert "s3cr3t" not in repr(outcome)
    assert all("sid" in f.message for f in outcome.findings)


def test_samesite_none_with_secure_is_a_warning(site: Site) -> None:
    outcome = site.run(Cookies, "cookie_none")
    assert outcome.status is Status.WARN
    assert "SameSite=None" in outcome.findings[0].message


def test_cookies_set_on_a_redirect_are_judged(site: Site) -> None:
    outcome = site.run(Cookies, "chain")
    assert outcome.status is Status.FAIL
    assert outcome.facts["names"] == "sessionid, theme"
    assert {f.fingerprint for f in outcome.findings} == {
        "http.cookies.secure:/:sessionid",
        "http.cookies.httponly:/:sessionid",
        "http.cookies.samesite:/:sessionid",
    }
    assert "s3cr3t" not in repr(outcome)


def test_no_cookies_is_not_applicable(site: Site) -> None:
    outcome = site.run(Cookies, "bare")
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary.startswith("no cookies set on /")


def test_cookies_of_an_unreachable_page_are_unknown(site: Site) -> None:
    assert site.run(Cookies, "selfsigned", ca=False).status is Status.UNKNOWN


# --- http.cors ---------------------------------------------------------------------------------


def test_no_cors_passes(site: Site) -> None:
    outcome = site.run(Cors, "bare")
    assert outcome.status is Status.PASS
    assert "https://probe.invalid is not allowed" in outcome.summary
    assert 'no preflight sent (OPTIONS needs consent = "active")' in outcome.summary
    assert site.run(Cors, "bare", enabled=False).status is Status.PASS


def test_reflected_origin_with_credentials_fails_whatever_is_allowed(site: Site) -> None:
    for params in ({}, {"allow_origins": ["*"]}, {"enabled": False}):
        outcome = site.run(Cors, "cors_creds", **params)
        assert outcome.status is Status.FAIL, params
        assert _rules(outcome) == ["credentials"]


def test_reflected_origin_without_credentials(site: Site) -> None:
    outcome = site.run(Cors, "cors_reflect")
    assert outcome.status is Status.FAIL
    assert _rules(outcome) == ["reflected"]
    assert site.run(Cors, "cors_reflect", allow_origins=["*"]).status is Status.PASS
    allowed = site.run(Cors, "cors_reflect", allow_origins=["https://*.invalid"])
    assert allowed.status is Status.PASS


def test_any_origin_without_credentials(site: Site) -> None:
    assert site.run(Cors, "cors_star").status is Status.WARN
    assert site.run(Cors, "cors_star", allow_origins=["*"]).status is Status.PASS
    off = site.run(Cors, "cors_star", enabled=False)
    assert off.status is Status.FAIL
    assert _rules(off) == ["enabled"]


def test_fixed_origin(site: Site) -> None:
    assert site.run(Cors, "cors_fixed").status is Status.PASS
    listed = site.run(Cors, "cors_fixed", allow_origins=["https://app.example.com"])
    assert listed.status is Status.PASS
    other = site.run(Cors, "cors_fixed", allow_origins=["https://admin.example.com"])
    assert _rules(other) == ["origin"]
    assert site.run(Cors, "cors_fixed", enabled=False).status is Status.FAIL


def test_preflight_is_sent_only_with_active_consent(site: Site) -> None:
    passive = site.run(Cors, "cors_preflight")
    assert passive.status is Status.PASS
    assert passive.facts["preflight"] is False
    active = site.run(Cors, "cors_preflight", consent="active")
    assert active.status is Status.FAIL
    assert active.findings[0].message.startswith("preflight: CORS echoes any Origin back")


def test_cors_of_an_unreachable_page_is_unknown(site: Site) -> None:
    outcome = site.run(Cors, "missing", paths=["/gone"])
    assert outcome.status is Status.UNKNOWN
