"""Security-header scoring in the manner of the MDN HTTP Observatory (algorithm v4): parsers
for Set-Cookie and Content-Security-Policy, the ten tests with their score modifiers, and the
grade.

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
from functools import cached_property
from html.parser import HTMLParser
from urllib.parse import urlsplit

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

PRIVATE_REFERRER_POLICIES = (
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
)
_LEAKY_REFERRER_POLICIES = (
    "origin",
    "origin-when-cross-origin",
    "unsafe-url",
    "no-referrer-when-downgrade",
)

# CSP sources that allow (nearly) anything, and the ones that allow inline script.
_BROAD = frozenset(
    {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
)
_INLINE = frozenset({"'unsafe-inline'", "data:"})
_NONCE_OR_HASH = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
_META_FORBIDDEN = frozenset({"frame-ancestors", "report-uri", "sandbox"})
_REPEATABLE = frozenset({"report-uri", "report-to"})
_SHORTEST_POLICY = 6  # characters; anything shorter cannot hold a directive and a source

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

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


# --- what one response showed ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CorsProbe:
    """A response to a request that carried `Origin: origin`."""

    origin: str
    headers: Sequence[tuple[str, str]]


@dataclass(frozen=True, kw_only=True)
class Page:
    """The final response of one GET, and the cookies set on the way to it."""

    url: str
    headers: Sequence[tuple[str, str]]
    set_cookies: Sequence[str] = ()  # every Set-Cookie value of the redirect chain
    body: bytes = b""  # the start of the body (HTML is read for meta tags and scripts)
    cors: CorsProbe | None = None

    @property
    def https(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    def values(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]

    def first(self, name: str) -> str | None:
        found = self.values(name)
        return found[0] if found else None

    @cached_property
    def html(self) -> Html | None:
        """The meta tags and scripts of the body, when the response is HTML."""
        content_type = (self.first("content-type") or "").split(";", 1)[0].strip().lower()
        if content_type not in _HTML_TYPES:
            return None
        parser = Html()
        parser.feed(self.body.decode("utf-8", "replace"))
        parser.close()
        return parser


class Html(HTMLParser):
    """The meta tags (CSP, referrer) and script sources of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta_csp: list[str] = []
        self.meta_referrer: str | None = None
        self.scripts: list[tuple[str | None, bool]] = []  # (src, has integrity)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value for name, value in attrs}
        if tag == "meta":
            content = values.get("content")
            equiv = (values.get("http-equiv") or "").strip().lower()
            if equiv and content is not None:
                if equiv == "content-security-policy" and content:
                    self.meta_csp.append(content)
            elif (values.get("name") or "").strip().lower() == "referrer" and content:
                self.meta_referrer = content
        elif tag == "script":
            self.scripts.append((values.get("src"), bool(values.get("integrity"))))


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


@dataclass(frozen=True, kw_only=True)
class Csp:
    """The policies of a response, combined: each directive's sources (lower case)."""

    directives: Mapping[str, frozenset[str]]
    repeated: tuple[str, ...] = ()  # report-uri / report-to given twice (tolerated)

    def sources(self, *names: str) -> frozenset[str] | None:
        """The sources of the first of `names` present (a directive and its fallbacks)."""
        for name in names:
            if name in self.directives:
                return self.directives[name]
        return None


class CspError(ValueError):
    """A policy that cannot be parsed: empty, too short, or a directive given twice."""


def parse_csp(policies: Sequence[str]) -> Csp:
    """Combine `policies` (each a header value or meta content; commas separate policies).

    A directive given twice in one policy is an error (report-uri and report-to are tolerated).
    A directive several policies give keeps the sources all of them allow; a source directive
    with no sources, or none left, is `'none'`.
    """
    split = [
        part.replace("\r", "").replace("\n", "").strip() for p in policies for part in p.split(",")
    ]
    combined: dict[str, frozenset[str]] = {}
    repeated: set[str] = set()
    for policy in split:
        if len(policy) < _SHORTEST_POLICY:
            raise CspError(f'"{policy}" is not a policy')
        seen: dict[str, frozenset[str]] = {}
        for entry in policy.split(";"):
            words = entry.split()
            if not words:
                continue
            name = words[0].lower()
            if name in seen:
                if name not in _REPEATABLE:
                    raise CspError(f"the directive {name} is given twice")
                repeated.add(name)
                continue
            sources = frozenset(word.lower() for word in words[1:])
            seen[name] = sources if sources or not name.endswith("-src") else frozenset({"'none'"})
        for name, sources in seen.items():
            combined[name] = combined[name] & sources if name in combined else sources
    directives = {name: sources or frozenset({"'none'"}) for name, sources in combined.items()}
    return Csp(directives=directives, repeated=tuple(sorted(repeated)))


def broad(sources: Iterable[str]) -> list[str]:
    """The sources among `sources` that allow any host (`*`, `https:`, ...)."""
    return sorted(s for s in sources if s in _BROAD)


def page_csp(page: Page, html: Html | None = None) -> tuple[Csp | None, Csp | None, str | None]:
    """The enforced policy of `page` (headers and meta tags), the header-only policy (for
    frame-ancestors) and, when the policy cannot be parsed, why."""
    headers = page.values("content-security-policy")
    metas = html.meta_csp if html is not None else []
    try:
        combined = parse_csp([*headers, *metas]) if headers or metas else None
    except CspError as exc:
        return None, None, str(exc)
    try:
        header_only = parse_csp(headers) if headers else None
    except CspError:
        header_only = None
    return combined, header_only, None


def script_sources(csp: Csp) -> tuple[set[str], bool]:
    """The script sources a browser applies (script-src, else default-src, else anything:
    'unsafe-inline' is dropped beside a nonce or hash, hosts and 'self' beside
    'strict-dynamic'), and whether 'strict-dynamic' lacks the nonce or hash it needs."""
    sources = set(csp.sources("script-src", "default-src") or {"*"})
    keyed = any(s.startswith(_NONCE_OR_HASH) for s in sources)
    if keyed:
        sources.discard("'unsafe-inline'")  # ignored by browsers once a nonce or hash is given
    if "'strict-dynamic'" in sources:
        if not keyed:
            return sources, True
        sources = {
            s
            for s in sources
            if s not in {"'self'", "'unsafe-inline'"} and not any(s.startswith(b) for b in _BROAD)
        }
    return sources, False


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
    if any(s.startswith(_NONCE_OR_HASH) for s in style):
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
    elif script & (_BROAD | _INLINE) or set(objects) & _BROAD:
        result = "csp-implemented-with-unsafe-inline"
    elif insecure(active):
        result = "csp-implemented-with-insecure-scheme"
    elif "'unsafe-eval'" in script | style:
        result = "csp-implemented-with-unsafe-eval"
    elif insecure(passive):
        result = "csp-implemented-with-insecure-scheme-in-passive-content-only"
    elif style & (_BROAD | _INLINE):
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


@dataclass(frozen=True, kw_only=True)
class Cookie:
    """The attributes of one Set-Cookie; its value is never kept."""

    name: str
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None  # the value as written, lower case; None when absent
    persistent: bool = False  # Max-Age or Expires given

    @property
    def same_site_valid(self) -> bool:
        return self.same_site is None or self.same_site in {"lax", "strict", "none"}


def parse_set_cookie(header: str) -> Cookie | None:
    """The cookie a Set-Cookie header sets, or None when it sets none (no name=value pair)."""
    first, *attributes = header.split(";")
    name, equals, _ = first.partition("=")
    name = name.strip()
    if not equals or not name:
        return None
    flags: dict[str, str] = {}
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        flags.setdefault(key.strip().lower(), value.strip().lower())
    return Cookie(
        name=name,
        secure="secure" in flags,
        http_only="httponly" in flags,
        same_site=flags.get("samesite"),
        persistent="max-age" in flags or "expires" in flags,
    )


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


@dataclass(frozen=True, kw_only=True)
class Hsts:
    max_age: int | None = None  # seconds; None when the header is absent or invalid
    include_subdomains: bool = False
    preload: bool = False
    error: str | None = None  # why the header is invalid


def parse_hsts(values: Sequence[str]) -> Hsts | None:
    """The Strict-Transport-Security policy of a response (None without the header). Sent
    twice, or without a numeric max-age, it is invalid."""
    if not values:
        return None
    text = ", ".join(values)[:1024]
    if "," in text:
        return Hsts(error="the header is sent more than once")
    max_age: int | None = None
    flags: set[str] = set()
    for part in text.split(";"):
        key, equals, value = part.strip().partition("=")
        key = key.strip().lower()
        if key == "max-age" and equals:
            digits = value.strip().strip('"')
            if not digits.isdigit():
                return Hsts(error=f'max-age "{value.strip()}" is not a number of seconds')
            max_age = int(digits)
        elif key:
            flags.add(key)
    if max_age is None:
        return Hsts(error="it has no max-age")
    return Hsts(
        max_age=max_age, include_subdomains="includesubdomains" in flags, preload="preload" in flags
    )


def hsts(page: Page) -> Hsts | None:
    return parse_hsts(page.values("strict-transport-security"))


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


def referrer_policy(page: Page, html: Html | None = None) -> str | None:
    """The policy browsers apply: the last recognised token of the header values and the meta
    tag (which comes last); "" when given but none is recognised, None when not given."""
    values = page.values("referrer-policy")
    if html is not None and html.meta_referrer:
        values = [*values, html.meta_referrer]
    if not values:
        return None
    known = set(PRIVATE_REFERRER_POLICIES) | set(_LEAKY_REFERRER_POLICIES)
    tokens = [t.strip().lower() for v in values for t in v.split(",")]
    return next((t for t in reversed(tokens) if t in known), "")


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


def frame_options(page: Page) -> str | None:
    """X-Frame-Options as browsers read it: the one value of every header line (lower case),
    "invalid" when they disagree, None when absent."""
    values = {
        v.strip().lower() for value in page.values("x-frame-options") for v in value.split(",")
    }
    values.discard("")
    if not values:
        return None
    return values.pop() if len(values) == 1 else "invalid"


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
