"""HTTP security checks on a live target: security headers with an Observatory grade, cookie
flags, and CORS towards a foreign origin."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from golive.checks._http_header_rules import header_problems, modifiers, score_facts
from golive.checks._http_visit import single_request, visit_path
from golive.checks._live import LiveParams, pinned
from golive.checks.base import Check, Facts, failed, not_applicable, passed, warned
from golive.model import Finding, Kind, Outcome
from golive.probes import observatory
from golive.probes.http import Response
from golive.probes.safety import Consent, PinnedTarget, ProbePolicy

__all__ = [
    "PROBE_ORIGIN",
    "Cookies",
    "CookiesParams",
    "Cors",
    "CorsParams",
    "SecurityHeaders",
    "SecurityHeadersParams",
]

PROBE_ORIGIN = "https://probe.invalid"  # a foreign origin no site can own (RFC 2606)
_SESSION_NAME = re.compile(r"sess|token|auth|login|jwt|(?<![a-z])sid(?![a-z])", re.IGNORECASE)
_CSRF_NAME = re.compile(r"csrf|xsrf", re.IGNORECASE)  # read by scripts on purpose


def _paths(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("name at least one path")
    for path in value:
        if not path.startswith("/"):
            raise ValueError(f'"{path}" is not a path (it must start with /)')
    return value


_Paths = Annotated[list[str], AfterValidator(_paths)]


class SecurityHeadersParams(LiveParams):
    paths: _Paths = Field(default_factory=lambda: ["/"])  # GET each, on the target
    min_grade: str | None = None  # "B" or ">=B": the Observatory grade each path needs

    @field_validator("min_grade")
    @classmethod
    def _grade(cls, value: str | None) -> str | None:
        if value is None:
            return None
        grade = value.strip().removeprefix(">=").strip().upper()
        if grade not in observatory.GRADES:
            known = ", ".join(observatory.GRADES)
            raise ValueError(f'"{value}" is not a grade: expected one of {known}, or ">=" one')
        return grade


class CookiesParams(LiveParams):
    paths: _Paths = Field(default_factory=lambda: ["/"])


class CorsParams(LiveParams):
    paths: _Paths = Field(default_factory=lambda: ["/"])
    enabled: bool = True  # false: the service must not answer CORS at all
    # origins (fnmatch patterns) that may be allowed; "*" accepts public access
    allow_origins: list[str] = Field(default_factory=list)


def _finding(target: PinnedTarget, path: str, message: str, rule: str, key: str = "") -> Finding:
    suffix = f":{key}" if key else ""
    return Finding(
        message=f"{message} ({target.url(path)})", rule=rule, fingerprint=f"{rule}:{path}{suffix}"
    )


def _listing(paths: Iterable[str]) -> str:
    return ", ".join(paths)


# --- security headers --------------------------------------------------------------------------


class SecurityHeaders(Check):
    """Security headers are set (HSTS, CSP, nosniff, frame protection, Referrer-Policy).

    One GET to each named path (default: the target URL itself), following redirects on the
    target. Each header is a finding of its own: Strict-Transport-Security with max-age of at
    least six months (15768000 s), over HTTPS; X-Content-Type-Options: nosniff; framing
    refused by CSP frame-ancestors (not `*` or a bare scheme) or X-Frame-Options DENY or
    SAMEORIGIN (ALLOW-FROM is ignored by browsers); a Content-Security-Policy (header or meta
    tag; Report-Only enforces nothing) whose script sources (script-src, else default-src)
    allow no 'unsafe-inline', 'unsafe-eval', data:, any host (`*`, `https:`) or plain http:,
    and whose object-src (else default-src) is set and allows no such wildcard; Referrer-Policy
    no-referrer, same-origin, strict-origin or strict-origin-when-cross-origin.

    The evidence is the MDN HTTP Observatory score (algorithm v4) of each path, with the
    modifier of each of its tests; `min_grade` (such as "B" or ">=B") makes a lower grade a
    failure too. Redirection from plain HTTP is left to `tls.redirect`, CORS to `http.cors`,
    and the HSTS preload list is not consulted, so those tests score 0 here. A JSON API may
    reasonably do without a CSP: waive that finding for its paths. A page that cannot be
    fetched, that redirects off the target, or that answers 404 or 5xx is unknown; an HTTPS
    target whose certificate does not verify is unknown too (the tls checks judge it).
    """

    id = "http.security-headers"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 GET per path (and its same-origin redirects)"
    Params = SecurityHeadersParams
    fix = (
        "Send, on every response (nginx: `add_header ... always;`): "
        "`Strict-Transport-Security: max-age=63072000`, `X-Content-Type-Options: nosniff`, "
        "`Content-Security-Policy: default-src 'self'; object-src 'none'; frame-ancestors "
        "'none'` (no 'unsafe-inline' or 'unsafe-eval' for scripts) and "
        "`Referrer-Policy: strict-origin-when-cross-origin`."
    )

    def run(self, params: SecurityHeadersParams, probes: ProbePolicy) -> Outcome:
        target = pinned(probes, params, Consent.PASSIVE, "GET")
        findings: list[Finding] = []
        cards: list[tuple[str, observatory.Scorecard]] = []
        for path in params.paths:
            page = visit_path(target, path).page()
            card = observatory.score(page)
            cards.append((path, card))
            for rule, message in header_problems(page):
                findings.append(_finding(target, path, message, f"{self.id}.{rule}"))
            if params.min_grade and (
                observatory.grade_rank(card.grade) > observatory.grade_rank(params.min_grade)
            ):
                message = f"grade {card.grade} (score {card.score}) is below {params.min_grade}"
                findings.append(_finding(target, path, message, f"{self.id}.grade"))
        worst_path, worst = min(cards, key=lambda pair: pair[1].score)
        facts = score_facts(worst, worst_path, len(cards))
        grades = "; ".join(f"{path}: {c.grade} ({c.score}; {modifiers(c)})" for path, c in cards)
        required = "HSTS max-age >= 15768000 s, nosniff, frame protection, a CSP without unsafe "
        required += "script sources and with object-src restricted, a private Referrer-Policy"
        if params.min_grade:
            required += f", grade {params.min_grade} or better"
        if findings:
            return failed(
                f"{len(findings)} security header problem(s) on {_listing(params.paths)}; "
                f"grade {worst.grade} (score {worst.score})",
                observed=f"Observatory grade {grades}",
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        return passed(
            f"every security header is set on {_listing(params.paths)}; "
            f"grade {worst.grade} (score {worst.score})",
            observed=f"Observatory grade {grades}",
            required=required,
            facts=facts,
        )


# --- cookies -----------------------------------------------------------------------------------


def _session_reason(cookie: observatory.Cookie) -> str | None:
    """Why `cookie` is taken for a session cookie, or None."""
    if _CSRF_NAME.search(cookie.name):
        return None
    if _SESSION_NAME.search(cookie.name):
        return "its name marks a session"
    if not cookie.persistent:
        return "no Max-Age or Expires"
    return None


def _cookie_problems(cookie: observatory.Cookie, https: bool) -> list[tuple[str, str, bool]]:
    """(rule, message, only a warning) for each flag `cookie` lacks."""
    name = cookie.name
    out: list[tuple[str, str, bool]] = []
    if not https:
        out.append(("secure", f"cookie {name} is set over plain HTTP", False))
    elif not cookie.secure:
        out.append(("secure", f"cookie {name} has no Secure flag", False))
    reason = _session_reason(cookie)
    if reason and not cookie.http_only:
        out.append(("httponly", f"session cookie {name} ({reason}) has no HttpOnly flag", False))
    same_site = cookie.same_site
    if same_site is None:
        out.append(("samesite", f"cookie {name} has no SameSite (Lax or Strict)", False))
    elif not cookie.same_site_valid:
        out.append(
            ("samesite", f'cookie {name} has SameSite="{same_site}", not Lax or Strict', False)
        )
    elif same_site == "none" and not cookie.secure:
        out.append(("samesite", f"cookie {name} has SameSite=None without Secure", False))
    elif same_site == "none":
        message = f"cookie {name} has SameSite=None: it is sent on cross-site requests"
        out.append(("samesite", message, True))
    return out


class Cookies(Check):
    """Cookies are Secure, HttpOnly and SameSite.

    One GET to each named path (default: the target URL), collecting every Set-Cookie on the
    way through redirects on the target. Every cookie must have Secure (and be set over
    HTTPS); session cookies -- without Max-Age or Expires, or named like a session (sess,
    sid, token, auth, login, jwt; CSRF cookies are read by scripts and excepted) -- must also
    have HttpOnly; SameSite must be Lax or Strict. SameSite=None is a warning with Secure and
    a failure without it (browsers reject it). No cookie at all is not applicable. Findings
    name cookies, never their values.
    """

    id = "http.cookies"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 GET per path (and its same-origin redirects)"
    Params = CookiesParams
    fix = (
        "Set cookies with `Secure; SameSite=Lax` (or Strict), and session cookies also with "
        "`HttpOnly`."
    )

    def run(self, params: CookiesParams, probes: ProbePolicy) -> Outcome:
        target = pinned(probes, params, Consent.PASSIVE, "GET")
        findings: list[Finding] = []
        warnings = 0
        names: dict[str, None] = {}
        sessions: set[str] = set()
        for path in params.paths:
            visit = visit_path(target, path)
            https = visit.url.startswith("https://")
            seen: set[tuple[str, str]] = set()
            for header in visit.set_cookies:
                cookie = observatory.parse_set_cookie(header)
                if cookie is None:
                    continue
                names[cookie.name] = None
                if _session_reason(cookie):
                    sessions.add(cookie.name)
                for rule, message, warning in _cookie_problems(cookie, https):
                    if (rule, cookie.name) in seen:
                        continue
                    seen.add((rule, cookie.name))
                    warnings += warning
                    findings.append(
                        _finding(target, path, message, f"{self.id}.{rule}", key=cookie.name)
                    )
        where = _listing(params.paths)
        if not names:
            return not_applicable(f"no cookies set on {where}")
        facts: Facts = {
            "cookies": len(names),
            "session_cookies": len(sessions),
            "names": ", ".join(names),
        }
        observed = f"{len(names)} cookie(s): {', '.join(names)}"
        required = "Secure; HttpOnly on session cookies; SameSite Lax or Strict"
        if len(findings) > warnings:
            return failed(
                f"{len(findings) - warnings} cookie flag problem(s) on {where}",
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        if findings:
            return warned(
                f"{warnings} cookie(s) with SameSite=None on {where}",
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        return passed(
            f"all {len(names)} cookie(s) on {where} are Secure, SameSite Lax or Strict, and "
            "HttpOnly where they hold a session",
            observed=observed,
            required=required,
            facts=facts,
        )


# --- CORS --------------------------------------------------------------------------------------


def _allowed(origin: str, patterns: Sequence[str]) -> bool:
    return any(p != "*" and fnmatchcase(origin, p) for p in patterns)


def _cors_problem(response: Response, params: CorsParams) -> tuple[str, str, bool] | None:
    """(rule, message, only a warning) when the answer to `Origin: PROBE_ORIGIN` breaks a
    rule, else None."""
    values = response.headers.get_all("access-control-allow-origin")
    if not values:
        return None
    allow = ", ".join(v.strip() for v in values)
    credentials = (response.headers.get("access-control-allow-credentials") or "").strip()
    with_credentials = credentials.lower() == "true"
    creds = " with Access-Control-Allow-Credentials: true" if with_credentials else ""
    public = "*" in params.allow_origins
    if with_credentials and allow in {"*", PROBE_ORIGIN, "null"}:
        what = {
            "*": "allows any origin (*)",
            PROBE_ORIGIN: f"echoes any Origin back ({PROBE_ORIGIN})",
            "null": "allows the null origin",
        }[allow]
        message = f"CORS {what} with credentials: any site can read responses as the signed-in user"
        return "credentials", message, False
    if not params.enabled:
        return (
            "enabled",
            f"CORS is meant to be off, but Origin {PROBE_ORIGIN} gets "
            f"Access-Control-Allow-Origin: {allow}{creds}",
            False,
        )
    if allow == "*":
        if public:
            return None
        return (
            "public",
            'CORS allows any origin (*, without credentials); list "*" in allow_origins '
            "if the API is public",
            True,
        )
    if allow == PROBE_ORIGIN:
        if public or _allowed(PROBE_ORIGIN, params.allow_origins):
            return None
        return "reflected", f"CORS echoes any Origin back ({PROBE_ORIGIN} is allowed)", False
    if allow == "null":
        return "null", "CORS allows the null origin (sandboxed pages, files)", False
    if "," in allow or " " in allow:
        return "invalid", f"Access-Control-Allow-Origin {allow} is invalid (one origin)", True
    if params.allow_origins and not public and not _allowed(allow, params.allow_origins):
        return "origin", f"CORS allows {allow}, which is not in allow_origins", False
    return None


class Cors(Check):
    """CORS does not reflect foreign origins, never with credentials.

    One GET to each named path (default: the target URL) with `Origin: https://probe.invalid`;
    with consent = "active", also a preflight (OPTIONS with Access-Control-Request-Method:
    GET) to the URL that answered. A foreign origin allowed together with
    Access-Control-Allow-Credentials: true (reflected, `*` or `null`) always fails. With
    `enabled = false` any Access-Control-Allow-Origin fails. Otherwise a reflected origin
    fails unless allow_origins admits it, `null` fails, an origin outside a given allow_origins
    fails, and `*` without credentials is a warning unless allow_origins lists "*" (a public
    API). No Access-Control-Allow-Origin for the foreign origin passes.
    """

    id = "http.cors"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 GET per path with a foreign Origin; a preflight OPTIONS with active consent"
    Params = CorsParams
    fix = (
        "Answer Access-Control-Allow-Origin only for the origins you trust (a fixed list, "
        "never the request's Origin echoed back), and never send "
        "Access-Control-Allow-Credentials: true with a reflected origin or *."
    )

    def run(self, params: CorsParams, probes: ProbePolicy) -> Outcome:
        target = pinned(probes, params, Consent.PASSIVE, "GET")
        preflight = target.consent >= Consent.ACTIVE
        origin = [("Origin", PROBE_ORIGIN)]
        findings: list[Finding] = []
        warnings = 0
        answered: list[str] = []
        for path in params.paths:
            visit = visit_path(target, path, origin)
            responses = [("GET", visit.response)]
            if preflight:
                ask = [*origin, ("Access-Control-Request-Method", "GET")]
                options = single_request(
                    target, "OPTIONS", visit.url, headers=ask, consent=Consent.ACTIVE
                )
                responses.append(("OPTIONS", options))
            seen: set[str] = set()
            for method, response in responses:
                allow = response.headers.get("access-control-allow-origin")
                if allow is not None:
                    answered.append(f"{method} {path}: {allow}")
                problem = _cors_problem(response, params)
                if problem is None or problem[0] in seen:
                    continue
                rule, message, warning = problem
                seen.add(rule)
                warnings += warning
                said = f"{'preflight' if method == 'OPTIONS' else method}: {message}"
                findings.append(_finding(target, path, said, f"{self.id}.{rule}"))
        where = _listing(params.paths)
        skipped = "" if preflight else '; no preflight sent (OPTIONS needs consent = "active")'
        facts: Facts = {"preflight": preflight, "allowing": len(answered)}
        observed = "; ".join(answered) or f"no Access-Control-Allow-Origin for {PROBE_ORIGIN}"
        required = "no foreign origin with credentials" + (
            "; CORS off" if not params.enabled else "; no reflected origins"
        )
        if len(findings) > warnings:
            return failed(
                f"{len(findings) - warnings} CORS problem(s) on {where}{skipped}",
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        if findings:
            return warned(
                f"{warnings} CORS warning(s) on {where}{skipped}",
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        summary = (
            f"{PROBE_ORIGIN} is not allowed on {where}"
            if not answered
            else f"CORS on {where} allows only accepted origins"
        )
        return passed(summary + skipped, observed=observed, required=required, facts=facts)
