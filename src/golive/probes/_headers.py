"""What one response showed, read as browsers read it: the page and its HTML, and the
Content-Security-Policy, Set-Cookie, Strict-Transport-Security, Referrer-Policy and
X-Frame-Options headers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser
from urllib.parse import urlsplit

__all__ = [
    "BROAD",
    "NONCE_OR_HASH",
    "PRIVATE_REFERRER_POLICIES",
    "Cookie",
    "CorsProbe",
    "Csp",
    "CspError",
    "Hsts",
    "Html",
    "Page",
    "broad",
    "frame_options",
    "hsts",
    "page_csp",
    "parse_csp",
    "parse_hsts",
    "parse_set_cookie",
    "referrer_policy",
    "script_sources",
]

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

# CSP sources that allow (nearly) anything, and the nonces and hashes that key a policy.
BROAD = frozenset(
    {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
)
NONCE_OR_HASH = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
_REPEATABLE = frozenset({"report-uri", "report-to"})
_SHORTEST_POLICY = 6  # characters; anything shorter cannot hold a directive and a source

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


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
    return sorted(s for s in sources if s in BROAD)


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
    keyed = any(s.startswith(NONCE_OR_HASH) for s in sources)
    if keyed:
        sources.discard("'unsafe-inline'")  # ignored by browsers once a nonce or hash is given
    if "'strict-dynamic'" in sources:
        if not keyed:
            return sources, True
        sources = {
            s
            for s in sources
            if s not in {"'self'", "'unsafe-inline'"} and not any(s.startswith(b) for b in BROAD)
        }
    return sources, False


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


# --- Strict-Transport-Security -----------------------------------------------------------------


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


# --- Referrer-Policy and X-Frame-Options -------------------------------------------------------


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
