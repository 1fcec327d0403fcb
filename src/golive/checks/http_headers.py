"""HTTP security checks on a live target: security headers with an Observatory grade, cookie
flags, and CORS towards a foreign origin."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Annotated
from urllib.parse import urljoin

from pydantic import AfterValidator, Field, field_validator

from golive.checks._live import LiveParams, pinned
from golive.checks.base import Check, Facts, Unknown, failed, not_applicable, passed, warned
from golive.model import Finding, Kind, Outcome
from golive.probes import observatory
from golive.probes.http import HttpError, Response, request
from golive.probes.observatory import Page
from golive.probes.safety import Consent, Origin, PinnedTarget, ProbePolicy, ProbeRefused

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
HSTS_MIN_AGE = 15768000  # seconds: six months
_MAX_HOPS = 5
_KEEP = 512 * 1024  # bytes of HTML read for meta tags and scripts (never reported)
_SESSION_NAME = re.compile(r"sess|token|auth|login|jwt|(?<![a-z])sid(?![a-z])", re.IGNORECASE)
_UNSAFE_SCRIPT: tuple[str, ...] = ("'unsafe-inline'", "'unsafe-eval'", "data:")
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


# --- the probe: one GET per path, following redirects on the target ---------------------------


@dataclass(frozen=True, kw_only=True)
class _Visit:
    path: str
    response: Response  # the final one
    url: str  # the URL that answered
    set_cookies: tuple[str, ...]  # of every response on the way

    def page(self) -> Page:
        return Page(
            url=self.url,
            headers=self.response.headers.items,
            set_cookies=self.set_cookies,
            body=self.response.body,
        )


def _ask(
    target: PinnedTarget,
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    consent: Consent = Consent.PASSIVE,
) -> Response:
    """One request, redirects not followed; a transport failure becomes unknown."""
    try:
        return request(
            target, method, url, headers=headers, consent=consent, follow=False, keep=_KEEP
        )
    except HttpError as exc:
        hint = " (the tls checks judge certificates)" if "TLS failed" in str(exc) else ""
        raise Unknown(f"{method} {url} failed: {exc}{hint}") from None


def _visit(target: PinnedTarget, path: str, headers: Sequence[tuple[str, str]] = ()) -> _Visit:
    """GET `path`, following redirects on the target's origin and collecting every Set-Cookie.
    Unknown when the page is not reached: a transport failure, a redirect elsewhere, or a
    status whose headers say nothing of the page (404, 5xx...)."""
    url = target.url(path)
    cookies: list[str] = []
    for _ in range(_MAX_HOPS + 1):
        response = _ask(target, "GET", url, headers=headers)
        cookies.extend(response.headers.get_all("set-cookie"))
        location = response.headers.get("location")
        if not (300 <= response.status < 400 and location):
            break
        following = urljoin(url, location)
        try:
            here = Origin.of(following) == target.origin
        except ProbeRefused:
            here = False
        if not here:
            raise Unknown(
                f"GET {url} redirects to {following}, off target {target.name} ({target.origin});"
                " declare the URL that serves the page as the target"
            )
        url = following
    else:
        raise Unknown(f"GET {target.url(path)} redirects more than {_MAX_HOPS} times")
    if not (200 <= response.status < 400 or response.status in {401, 403}):
        raise Unknown(
            f"GET {url} answered {response.status} {response.reason}: only a 2xx, 3xx, 401 or 403"
            " response shows the headers the page is served with"
        )
    return _Visit(path=path, response=response, url=url, set_cookies=tuple(cookies))


def _finding(target: PinnedTarget, path: str, message: str, rule: str, key: str = "") -> Finding:
    suffix = f":{key}" if key else ""
    return Finding(
        message=f"{message} ({target.url(path)})", rule=rule, fingerprint=f"{rule}:{path}{suffix}"
    )


def _listing(paths: Iterable[str]) -> str:
    return ", ".join(paths)


# --- security headers --------------------------------------------------------------------------


def _hsts_problem(page: Page) -> str | None:
    if not page.https:
        return "served over plain HTTP, where Strict-Transport-Security has no effect"
    policy = observatory.hsts(page)
    if policy is None:
        return "no Strict-Transport-Security header"
    if policy.max_age is None:
        return f"Strict-Transport-Security is invalid: {policy.error}"
    if policy.max_age < HSTS_MIN_AGE:
        return (
            f"Strict-Transport-Security max-age={policy.max_age} is under six months "
            f"({HSTS_MIN_AGE} s)"
        )
    return None


def _nosniff_problem(page: Page) -> str | None:
    value = page.first("x-content-type-options")
    if value is None:
        return "no X-Content-Type-Options: nosniff"
    if value.strip().lower() != "nosniff":
        return f'X-Content-Type-Options is "{value}", not nosniff'
    return None


def _framing_problem(page: Page, header_csp: observatory.Csp | None) -> str | None:
    ancestors = header_csp.directives.get("frame-ancestors") if header_csp else None
    if ancestors is not None:
        wide = observatory.broad(ancestors)
        if wide:
            return f"CSP frame-ancestors allows any site to frame the page ({' '.join(wide)})"
        return None
    value = observatory.frame_options(page)
    if value is None:
        return "neither CSP frame-ancestors nor X-Frame-Options: any site can frame the page"
    if value in {"deny", "sameorigin"}:
        return None
    if value.startswith("allow-from"):
        return "X-Frame-Options ALLOW-FROM is ignored by browsers; use CSP frame-ancestors"
    return f'X-Frame-Options "{page.first("x-frame-options")}" is not DENY or SAMEORIGIN'


def _csp_problem(page: Page, csp: observatory.Csp | None, error: str | None) -> str | None:
    if error is not None:
        return f"Content-Security-Policy cannot be parsed: {error}"
    if csp is None or not csp.directives:
        if page.first("content-security-policy-report-only"):
            return "only Content-Security-Policy-Report-Only: no policy is enforced"
        return "no Content-Security-Policy"
    faults: list[str] = []
    if csp.sources("script-src", "default-src") is None:
        faults.append("no script-src or default-src, so scripts may come from anywhere")
    else:
        script, strict_without_key = observatory.script_sources(csp)
        named = "script-src" if "script-src" in csp.directives else "default-src"
        unsafe: list[str] = [
            s for s in ("'unsafe-inline'", "'unsafe-eval'", "data:") if s in script
        ]
        unsafe += observatory.broad(script)
        if page.https:
            unsafe += sorted(s for s in script if s.startswith("http:") and s != "http:")
        if unsafe:
            faults.append(f"{named} allows {' '.join(unsafe)}")
        if strict_without_key:
            faults.append(f"{named} has 'strict-dynamic' without a nonce or hash")
    objects = csp.sources("object-src", "default-src")
    if objects is None:
        faults.append("object-src is not restricted (no object-src or default-src)")
    elif observatory.broad(objects):
        faults.append(f"object-src allows {' '.join(observatory.broad(objects))}")
    return f"Content-Security-Policy: {'; '.join(faults)}" if faults else None


def _referrer_problem(page: Page, policy: str | None) -> str | None:
    if policy is None:
        return (
            "no Referrer-Policy (no-referrer, same-origin, strict-origin or "
            "strict-origin-when-cross-origin)"
        )
    if policy in observatory.PRIVATE_REFERRER_POLICIES:
        return None
    if policy:
        return f"Referrer-Policy {policy} sends the page's URL or origin to other sites"
    return f'Referrer-Policy "{page.first("referrer-policy")}" is no policy browsers know'


def _header_problems(page: Page) -> list[tuple[str, str]]:
    """(rule, message) for each header rule `page` breaks."""
    html = page.html
    csp, header_csp, error = observatory.page_csp(page, html)
    problems = {
        "hsts": _hsts_problem(page),
        "nosniff": _nosniff_problem(page),
        "framing": _framing_problem(page, header_csp),
        "csp": _csp_problem(page, csp, error),
        "referrer-policy": _referrer_problem(page, observatory.referrer_policy(page, html)),
    }
    return [(rule, message) for rule, message in problems.items() if message]


def _score_facts(card: observatory.Scorecard, path: str, paths: int) -> Facts:
    facts: dict[str, str | int | float | bool] = {"score": card.score, "grade": card.grade}
    if paths > 1:
        facts["path"] = path  # the lowest-scoring of the paths
    facts["tests_passed"] = card.passed
    facts.update({test.name: test.modifier for test in card.tests})
    return facts


def _modifiers(card: observatory.Scorecard) -> str:
    lowered = [f"{t.name} {t.modifier:+d}" for t in card.tests if t.modifier]
    return ", ".join(lowered) if lowered else "no modifiers"


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
            page = _visit(target, path).page()
            card = observatory.score(page)
            cards.append((path, card))
            for rule, message in _header_problems(page):
                findings.append(_finding(target, path, message, f"{self.id}.{rule}"))
            if params.min_grade and (
                observatory.grade_rank(card.grade) > observatory.grade_rank(params.min_grade)
            ):
                message = f"grade {card.grade} (score {card.score}) is below {params.min_grade}"
                findings.append(_finding(target, path, message, f"{self.id}.grade"))
        worst_path, worst = min(cards, key=lambda pair: pair[1].score)
        facts = _score_facts(worst, worst_path, len(cards))
        grades = "; ".join(f"{path}: {c.grade} ({c.score}; {_modifiers(c)})" for path, c in cards)
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
            visit = _visit(target, path)
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
            visit = _visit(target, path, origin)
            responses = [("GET", visit.response)]
            if preflight:
                ask = [*origin, ("Access-Control-Request-Method", "GET")]
                options = _ask(target, "OPTIONS", visit.url, headers=ask, consent=Consent.ACTIVE)
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
