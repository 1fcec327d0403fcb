"""Security-header scoring in the manner of the MDN HTTP Observatory (algorithm v4): the ten
tests with their score modifiers, and the grade; the header parsers they read a response with
(Set-Cookie, Content-Security-Policy, ...) are exported from here too.

Pure functions over what one response showed (`Page`); nothing here touches the network. The
score starts at 100; every negative modifier counts, and the positive ones (bonus) count only
when the score without them is at least 90. Where one response cannot show what a test needs,
the test says so and scores 0: redirection from plain HTTP (judged by `tls.redirect`), CORS
without a probe origin (judged by `http.cors`) and the HSTS preload list (never consulted).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from golive.probes._headers import (
    BROAD,
    NONCE_OR_HASH,
    PRIVATE_REFERRER_POLICIES,
    Cookie,
    CorsProbe,
    Csp,
    CspError,
    Hsts,
    Html,
    Page,
    broad,
    frame_options,
    hsts,
    page_csp,
    parse_csp,
    parse_hsts,
    parse_set_cookie,
    referrer_policy,
    script_sources,
)

__all__ = [
    "GRADES",
    "MODIFIERS",
    "PRIVATE_REFERRER_POLICIES",
    "Cookie",
    "CorsProbe",
    "Csp",
    "CspError",
    "Hsts",
    "Html",
    "Page",
    "Scorecard",
    "TestResult",
    "broad",
    "frame_options",
    "grade_for",
    "grade_rank",
    "hsts",
    "page_csp",
    "parse_csp",
    "parse_hsts",
    "parse_set_cookie",
    "referrer_policy",
    "score",
    "script_sources",
]

# Grades from best to worst, and the lowest score of each band.
GRADES = ("A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F")
_BANDS: tuple[tuple[int, str], ...] = (
    *((100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+")),
    *((50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F")),
)
_BONUS_FLOOR = 90  # bonus points count only from this score (without them) up

# The Observatory's own six-month floor: 180 days, a little under the 15768000 s it documents.
_HSTS_SIX_MONTHS = 15552000

# CSP sources that allow inline script, and directives a meta tag cannot give.
_INLINE = frozenset({"'unsafe-inline'", "data:"})
_META_FORBIDDEN = frozenset({"frame-ancestors", "report-uri", "sandbox"})

# The modifier of every result, by the Observatory's result ids.
MODIFIERS: Mapping[str, int] = {
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-implemented-but-duplicate-directives": 0,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    "csp-not-implemented-but-reporting-enabled": -25,
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    "redirection-not-probed": 0,
    "redirection-missing": -20,
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    "hsts-not-implemented-no-https": -20,
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    "corp-implemented-with-same-origin": 10,
    "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0,
    "corp-not-implemented": 0,
    "corp-header-invalid": -5,
}


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TestResult:
    """One test: its name, the Observatory's result id, its modifier, and whether it passed."""

    __test__ = False  # not a pytest class

    name: str  # content-security-policy, cookies, ...
    result: str
    passed: bool
    modifier: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "modifier", MODIFIERS[self.result])


@dataclass(frozen=True, kw_only=True)
class Scorecard:
    score: int
    grade: str
    tests: tuple[TestResult, ...]

    def test(self, name: str) -> TestResult:
        return next(t for t in self.tests if t.name == name)

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.tests)


def grade_for(points: int) -> str:
    """The grade of a final score (the bands of the Observatory)."""
    return next(grade for floor, grade in _BANDS if points >= floor)


def grade_rank(grade: str) -> int:
    """The position of `grade` from the best (A+ is 0); ValueError for a grade that is none."""
    return GRADES.index(grade)


def score(page: Page) -> Scorecard:
    """The ten tests on `page`, the score and the grade."""
    html = page.html
    csp_result, csp = _csp_test(page, html)
    hsts_result = _hsts_test(page)
    tests = (
        csp_result,
        _cookies_test(page, hsts_result.passed),
        _cors_test(page.cors),
        TestResult(
            name="redirection",
            result="redirection-not-probed" if page.https else "redirection-missing",
            passed=page.https,
        ),
        _referrer_test(page, html),
        hsts_result,
        _sri_test(page, html),
        _nosniff_test(page),
        _framing_test(page, csp),
        _corp_test(page),
    )
    bonus = sum(t.modifier for t in tests)
    without_bonus = 100 + sum(t.modifier for t in tests if t.modifier < 0)
    points = max(0, 100 + bonus if without_bonus >= _BONUS_FLOOR else without_bonus)
    return Scorecard(score=points, grade=grade_for(points), tests=tests)


# --- Content-Security-Policy -------------------------------------------------------------------


def _csp_test(page: Page, html: Html | None) -> tuple[TestResult, Csp | None]:
    name = "content-security-policy"
    csp, header_only, error = page_csp(page, html)
    if error is not None:
        return TestResult(name=name, result="csp-header-invalid", passed=False), None
    meta_only = (
        parse_csp(html.meta_csp) if html is not None and html.meta_csp else Csp(directives={})
    )
    meta_directives = set(meta_only.directives) - _META_FORBIDDEN
    if csp is None or not ((header_only and header_only.directives) or meta_directives):
        reporting = page.first("content-security-policy-report-only")
        result = "csp-not-implemented-but-reporting-enabled" if reporting else "csp-not-implemented"
        return TestResult(name=name, result=result, passed=False), None
    script, strict_without_key = script_sources(csp)
    objects = csp.sources("object-src", "default-src") or {"*"}
    style = set(csp.sources("style-src", "default-src") or {"*"})
    if any(s.startswith(NONCE_OR_HASH) for s in style):
        style.discard("'unsafe-inline'")
    passive = [s for d in ("img-src", "media-src") for s in (csp.sources(d, "default-src") or ())]
    active = [
        s
        for d, sources in csp.directives.items()
        if d not in {"img-src", "media-src", "script-src"}
        for s in sources
    ] + sorted(script)

    def insecure(sources: Iterable[str]) -> bool:
        return page.https and any(s.startswith(("http:", "ftp:")) for s in sources)

    if strict_without_key:
        result = "csp-header-invalid"
    elif script & (BROAD | _INLINE) or set(objects) & BROAD:
        result = "csp-implemented-with-unsafe-inline"
    elif insecure(active):
        result = "csp-implemented-with-insecure-scheme"
    elif "'unsafe-eval'" in script | style:
        result = "csp-implemented-with-unsafe-eval"
    elif insecure(passive):
        result = "csp-implemented-with-insecure-scheme-in-passive-content-only"
    elif style & (BROAD | _INLINE):
        result = "csp-implemented-with-unsafe-inline-in-style-src-only"
    elif csp.directives.get("default-src") == frozenset({"'none'"}):
        result = "csp-implemented-with-no-unsafe-default-src-none"
    else:
        result = "csp-implemented-with-no-unsafe"
    passed = result in {
        "csp-implemented-with-no-unsafe",
        "csp-implemented-with-no-unsafe-default-src-none",
        "csp-implemented-with-unsafe-inline-in-style-src-only",
        "csp-implemented-with-insecure-scheme-in-passive-content-only",
    }
    if passed and csp.repeated:
        result = "csp-implemented-but-duplicate-directives"
    return TestResult(name=name, result=result, passed=passed), header_only


# --- Set-Cookie --------------------------------------------------------------------------------


# Worst last: a cookie problem replaces the result only when it is worse.
_COOKIE_ORDER = (
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
)


def _cookies_test(page: Page, hsts_passed: bool) -> TestResult:
    name = "cookies"
    cookies = [c for c in map(parse_set_cookie, page.set_cookies) if c is not None]
    if not cookies:
        return TestResult(name=name, result="cookies-not-found", passed=True)
    problems: list[str] = []
    for cookie in cookies:
        secure = cookie.secure  # as the Observatory's cookie jar keeps it, even over plain HTTP
        session = any(word in cookie.name.lower() for word in ("login", "sess"))
        if not cookie.same_site_valid or (cookie.same_site == "none" and not secure):
            problems.append("cookies-samesite-flag-invalid")
        if not secure:
            problems.append(
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts_passed
                else "cookies-without-secure-flag"
            )
        if "csrf" in cookie.name.lower() and cookie.same_site is None:
            problems.append("cookies-anticsrf-without-samesite-flag")
        if session and not secure:
            problems.append(
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts_passed
                else "cookies-session-without-secure-flag"
            )
        if session and not cookie.http_only:
            problems.append("cookies-session-without-httponly-flag")
    if problems:
        worst = max(problems, key=_COOKIE_ORDER.index)
        return TestResult(name=name, result=worst, passed=False)
    if any(c.same_site is None for c in cookies):
        return TestResult(name=name, result="cookies-secure-with-httponly-sessions", passed=True)
    return TestResult(
        name=name, result="cookies-secure-with-httponly-sessions-and-samesite", passed=True
    )


# --- the other headers -------------------------------------------------------------------------


def _cors_test(probe: CorsProbe | None) -> TestResult:
    name = "cross-origin-resource-sharing"
    allowed = _first(probe.headers, "access-control-allow-origin") if probe else None
    if probe is None or allowed is None:
        return TestResult(name=name, result=f"{name}-not-implemented", passed=True)
    credentials = (_first(probe.headers, "access-control-allow-credentials") or "").strip()
    if allowed.strip() == "*":
        return TestResult(name=name, result=f"{name}-implemented-with-public-access", passed=True)
    if allowed.strip() == probe.origin and credentials.lower() == "true":
        return TestResult(
            name=name, result=f"{name}-implemented-with-universal-access", passed=False
        )
    return TestResult(name=name, result=f"{name}-implemented-with-restricted-access", passed=True)


def _hsts_test(page: Page) -> TestResult:
    name = "strict-transport-security"
    if not page.https:
        return TestResult(name=name, result="hsts-not-implemented-no-https", passed=False)
    policy = hsts(page)
    if policy is None:
        return TestResult(name=name, result="hsts-not-implemented", passed=False)
    if policy.max_age is None:
        return TestResult(name=name, result="hsts-header-invalid", passed=False)
    if policy.max_age < _HSTS_SIX_MONTHS:
        return TestResult(
            name=name, result="hsts-implemented-max-age-less-than-six-months", passed=False
        )
    return TestResult(name=name, result="hsts-implemented-max-age-at-least-six-months", passed=True)


def _referrer_test(page: Page, html: Html | None) -> TestResult:
    name = "referrer-policy"
    policy = referrer_policy(page, html)
    if policy is None:
        return TestResult(name=name, result="referrer-policy-not-implemented", passed=True)
    if policy in PRIVATE_REFERRER_POLICIES:
        return TestResult(name=name, result="referrer-policy-private", passed=True)
    if policy:
        return TestResult(name=name, result="referrer-policy-unsafe", passed=False)
    return TestResult(name=name, result="referrer-policy-header-invalid", passed=False)


def _nosniff_test(page: Page) -> TestResult:
    name = "x-content-type-options"
    value = page.first("x-content-type-options")
    if value is None:
        return TestResult(name=name, result=f"{name}-not-implemented", passed=False)
    if value.strip().lower() != "nosniff":
        return TestResult(name=name, result=f"{name}-header-invalid", passed=False)
    return TestResult(name=name, result=f"{name}-nosniff", passed=True)


def _framing_test(page: Page, header_csp: Csp | None) -> TestResult:
    name = "x-frame-options"
    if header_csp is not None and "frame-ancestors" in header_csp.directives:
        return TestResult(name=name, result=f"{name}-implemented-via-csp", passed=True)
    value = frame_options(page)
    if value is None:
        return TestResult(name=name, result=f"{name}-not-implemented", passed=False)
    if value in {"deny", "sameorigin"}:
        return TestResult(name=name, result=f"{name}-sameorigin-or-deny", passed=True)
    if value.startswith("allow-from"):
        return TestResult(name=name, result=f"{name}-allow-from-origin", passed=True)
    return TestResult(name=name, result=f"{name}-header-invalid", passed=False)


def _corp_test(page: Page) -> TestResult:
    name = "cross-origin-resource-policy"
    value = (page.first(name) or "").strip().lower()
    result = {
        "": "corp-not-implemented",
        "same-origin": "corp-implemented-with-same-origin",
        "same-site": "corp-implemented-with-same-site",
        "cross-origin": "corp-implemented-with-cross-origin",
    }.get(value, "corp-header-invalid")
    return TestResult(name=name, result=result, passed=result != "corp-header-invalid")


# --- Subresource Integrity ---------------------------------------------------------------------

_SRI_ORDER = (
    "sri-implemented-and-all-scripts-loaded-securely",
    "sri-implemented-and-external-scripts-loaded-securely",
    "sri-implemented-but-external-scripts-not-loaded-securely",
    "sri-not-implemented-but-external-scripts-loaded-securely",
    "sri-not-implemented-and-external-scripts-not-loaded-securely",
)


def _site(host: str) -> str:
    """The registrable part of a host, approximated by its last two labels (an IP is itself)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return ".".join(host.split(".")[-2:])
    return host


def _sri_test(page: Page, html: Html | None) -> TestResult:
    name = "subresource-integrity"
    if html is None:
        return TestResult(name=name, result="sri-not-implemented-response-not-html", passed=True)
    if not html.scripts:
        return TestResult(
            name=name, result="sri-not-implemented-but-no-scripts-loaded", passed=True
        )
    result: str | None = None
    foreign = False

    def worse(candidate: str) -> None:
        nonlocal result
        if result is None or _SRI_ORDER.index(candidate) > _SRI_ORDER.index(result):
            result = candidate

    for given, integrity in html.scripts:
        if not given:
            continue
        src = given.strip()
        lowered = src.lower()
        if lowered.startswith("//"):
            same_site, secure = False, False  # protocol-relative: whatever the page used
        elif lowered.startswith(("http://", "https://")):
            host = (urlsplit(src).hostname or "").lower()
            same_site, secure = _site(host) == _site(page.host), lowered.startswith("https://")
        else:
            if integrity and page.https and result is None:
                result = "sri-implemented-and-all-scripts-loaded-securely"
            continue
        if same_site:
            if integrity and secure and result is None:
                result = "sri-implemented-and-all-scripts-loaded-securely"
            continue
        foreign = True
        if integrity and not secure:
            worse("sri-implemented-but-external-scripts-not-loaded-securely")
        elif not integrity and secure:
            worse("sri-not-implemented-but-external-scripts-loaded-securely")
        elif not integrity:
            worse("sri-not-implemented-and-external-scripts-not-loaded-securely")
    if result is None:
        result = (
            "sri-implemented-and-external-scripts-loaded-securely"
            if foreign
            else "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
        )
    passed = result not in _SRI_ORDER[2:]
    return TestResult(name=name, result=result, passed=passed)


def _first(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)
