"""The Observatory scoring, parsers and grade bands, without a network.

GOLDEN holds, for each set of response headers (and HTML), the score, the grade and the
non-zero modifiers that the MDN HTTP Observatory scanner (npm @mdn/mdn-http-observatory 1.4.8,
algorithm v4) gave when it scanned an nginx serving exactly that over HTTPS with a trusted
certificate, with plain HTTP redirecting to it (`plain`: served over plain HTTP only). One row
differs on purpose: with a reflected Origin and credentials that scanner scores CORS 0, since
it never reads back the Origin it sent; the documented modifier is -50, and that is kept.
"""

from __future__ import annotations

from typing import Any

import pytest

from golive.probes import observatory
from golive.probes.observatory import Cookie, CorsProbe, Page, parse_csp, parse_hsts

ORIGIN = "https://http-observatory.security.mozilla.org"
TESTS = {
    "csp": "content-security-policy",
    "cookies": "cookies",
    "cors": "cross-origin-resource-sharing",
    "redirection": "redirection",
    "referrer": "referrer-policy",
    "hsts": "strict-transport-security",
    "sri": "subresource-integrity",
    "xcto": "x-content-type-options",
    "xfo": "x-frame-options",
    "corp": "cross-origin-resource-policy",
}


def _page(
    headers: list[tuple[str, str]],
    html: str | None = None,
    plain: bool = False,
    cors: bool = False,
) -> Page:
    kind = "text/html" if html is not None else "text/plain"
    items = [("Server", "nginx"), ("Content-Type", kind), *headers]
    probe = None
    if cors:
        probe = CorsProbe(
            origin=ORIGIN, headers=[(k, ORIGIN if v == "ORIGIN" else v) for k, v in items]
        )
        items = [(k, v) for k, v in items if v != "ORIGIN"]  # a GET without Origin gets none
    return Page(
        url=f"{'http' if plain else 'https'}://127.0.0.73/",
        headers=items,
        set_cookies=[v for k, v in items if k == "Set-Cookie"],
        body=(html or "hello").encode(),
        cors=probe,
    )


def _case(
    name: str,
    headers: list[tuple[str, str]],
    points: int,
    grade: str,
    modifiers: dict[str, int],
    **page: Any,
) -> Any:
    return pytest.param(_page(headers, **page), points, grade, modifiers, id=name)


GOLDEN = [
    _case("bare", [], 30, "D", {"csp": -25, "hsts": -20, "xcto": -5, "xfo": -20}),
    _case(
        "good",
        [
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
            ("Referrer-Policy", "no-referrer"),
        ],
        120,
        "A+",
        {"csp": 10, "referrer": 5, "xfo": 5},
    ),
    _case(
        "good_corp",
        [
            ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
            ("X-Content-Type-Options", "nosniff"),
            (
                "Content-Security-Policy",
                "default-src 'self'; object-src 'none'; frame-ancestors 'self'",
            ),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("Cross-Origin-Resource-Policy", "same-origin"),
            ("Set-Cookie", "session=abc; Path=/; Secure; HttpOnly; SameSite=Lax"),
        ],
        130,
        "A+",
        {"csp": 5, "cookies": 5, "referrer": 5, "xfo": 5, "corp": 10},
    ),
    _case(
        "unsafe_inline",
        [
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "same-origin"),
        ],
        80,
        "B+",
        {"csp": -20, "referrer": 5},
    ),
    _case(
        "unsafe_eval",
        [
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-eval'"),
            ("X-Frame-Options", "SAMEORIGIN"),
        ],
        90,
        "A",
        {"csp": -10},
    ),
    _case(
        "short_hsts",
        [("Strict-Transport-Security", "max-age=3600"), ("X-Content-Type-Options", "nosniff")],
        45,
        "C-",
        {"csp": -25, "hsts": -10, "xfo": -20},
    ),
    _case(
        "hsts_180d",
        [("Strict-Transport-Security", "max-age=15552000")],
        50,
        "C",
        {"csp": -25, "xcto": -5, "xfo": -20},
    ),
    _case(
        "hsts_invalid",
        [("Strict-Transport-Security", "includeSubDomains")],
        30,
        "D",
        {"csp": -25, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "allow_from",
        [
            ("X-Frame-Options", "ALLOW-FROM https://example.com"),
            ("X-Content-Type-Options", "nosniff"),
        ],
        55,
        "C",
        {"csp": -25, "hsts": -20},
    ),
    _case(
        "xfo_bad",
        [("X-Frame-Options", "bogus"), ("X-Content-Type-Options", "sniff")],
        30,
        "D",
        {"csp": -25, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "cookie_plain",
        [("Set-Cookie", "sid=abc; Path=/")],
        10,
        "F",
        {"csp": -25, "cookies": -20, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "cookie_session_plain",
        [
            ("Set-Cookie", "sessionid=abc; Path=/"),
            ("Strict-Transport-Security", "max-age=63072000"),
        ],
        20,
        "F",
        {"csp": -25, "cookies": -30, "xcto": -5, "xfo": -20},
    ),
    _case(
        "cookie_session_nohttponly",
        [("Set-Cookie", "sessionid=abc; Path=/; Secure; SameSite=Strict")],
        0,
        "F",
        {"csp": -25, "cookies": -30, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "cookie_samesite_none",
        [("Set-Cookie", "pref=abc; Path=/; SameSite=None")],
        10,
        "F",
        {"csp": -25, "cookies": -20, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "cookie_csrf",
        [
            ("Set-Cookie", "csrftoken=abc; Path=/; Secure"),
            ("Strict-Transport-Security", "max-age=63072000"),
        ],
        30,
        "D",
        {"csp": -25, "cookies": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "cookie_ok_nosamesite",
        [
            ("Set-Cookie", "pref=abc; Path=/; Secure"),
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "default-src 'self'"),
        ],
        105,
        "A+",
        {"csp": 5},
    ),
    _case(
        "referrer_unsafe",
        [("Referrer-Policy", "unsafe-url")],
        25,
        "D-",
        {"csp": -25, "referrer": -5, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "referrer_invalid",
        [("Referrer-Policy", "whatever")],
        25,
        "D-",
        {"csp": -25, "referrer": -5, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "referrer_list",
        [("Referrer-Policy", "no-referrer, strict-origin-when-cross-origin")],
        30,
        "D",
        {"csp": -25, "referrer": 5, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "report_only",
        [("Content-Security-Policy-Report-Only", "default-src 'self'")],
        30,
        "D",
        {"csp": -25, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "csp_invalid",
        [("Content-Security-Policy", "script-src 'self'; script-src 'none'")],
        30,
        "D",
        {"csp": -25, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "csp_style_only",
        [
            ("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'"),
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
        ],
        80,
        "B+",
        {"xfo": -20},
    ),
    _case(
        "csp_http_img",
        [
            ("Content-Security-Policy", "default-src 'self'; img-src http://example.com"),
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
        ],
        70,
        "B",
        {"csp": -10, "xfo": -20},
    ),
    _case(
        "csp_http_script",
        [("Content-Security-Policy", "default-src 'self'; script-src http://example.com")],
        35,
        "D",
        {"csp": -20, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "csp_nonce",
        [
            (
                "Content-Security-Policy",
                "default-src 'self'; script-src 'nonce-abc' 'unsafe-inline' 'strict-dynamic' https:; object-src 'none'",
            ),
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
        ],
        80,
        "B+",
        {"csp": 5, "xfo": -20},
    ),
    _case(
        "csp_strict_dynamic_nokey",
        [
            (
                "Content-Security-Policy",
                "script-src 'strict-dynamic'; object-src 'none'; frame-ancestors 'none'",
            )
        ],
        50,
        "C",
        {"csp": -25, "hsts": -20, "xcto": -5, "xfo": 5},
    ),
    _case(
        "csp_no_object",
        [("Content-Security-Policy", "script-src 'self'")],
        35,
        "D",
        {"csp": -20, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "csp_report_dup",
        [
            ("Content-Security-Policy", "default-src 'self'; report-uri /a; report-uri /b"),
            ("Strict-Transport-Security", "max-age=63072000"),
        ],
        75,
        "B",
        {"xcto": -5, "xfo": -20},
    ),
    _case(
        "corp_invalid",
        [("Cross-Origin-Resource-Policy", "nope")],
        25,
        "D-",
        {"csp": -25, "hsts": -20, "xcto": -5, "xfo": -20, "corp": -5},
    ),
    _case(
        "corp_cross",
        [("Cross-Origin-Resource-Policy", "cross-origin")],
        30,
        "D",
        {"csp": -25, "hsts": -20, "xcto": -5, "xfo": -20},
    ),
    _case(
        "all_bonus",
        [
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
            ("Referrer-Policy", "no-referrer"),
            ("Cross-Origin-Resource-Policy", "same-site"),
            ("Set-Cookie", "a=b; Secure; SameSite=Lax"),
        ],
        135,
        "A+",
        {"csp": 10, "cookies": 5, "referrer": 5, "xfo": 5, "corp": 10},
    ),
    _case(
        "html_meta",
        [("Strict-Transport-Security", "max-age=63072000")],
        75,
        "B",
        {"csp": 5, "referrer": 5, "xcto": -5, "xfo": -20},
        html="<html><head><meta http-equiv='Content-Security-Policy' content=\"default-src 'self'; object-src 'none'\"><meta name='referrer' content='no-referrer'></head><body><script src='/app.js'></script></body></html>",
    ),
    _case(
        "html_sri_ext",
        [
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "default-src 'self'"),
        ],
        110,
        "A+",
        {"csp": 5, "sri": 5},
        html="<html><script src='https://cdn.example.com/x.js' integrity='sha384-abc' crossorigin='anonymous'></script></html>",
    ),
    _case(
        "html_ext_nosri",
        [],
        25,
        "D-",
        {"csp": -25, "hsts": -20, "sri": -5, "xcto": -5, "xfo": -20},
        html="<html><script src='https://cdn.example.com/x.js'></script></html>",
    ),
    _case(
        "html_ext_http",
        [],
        0,
        "F",
        {"csp": -25, "hsts": -20, "sri": -50, "xcto": -5, "xfo": -20},
        html="<html><script src='http://cdn.example.com/x.js'></script></html>",
    ),
    _case(
        "html_proto_rel",
        [],
        10,
        "F",
        {"csp": -25, "hsts": -20, "sri": -20, "xcto": -5, "xfo": -20},
        html="<html><script src='//cdn.example.com/x.js' integrity='sha384-x'></script></html>",
    ),
    _case(
        "html_inline",
        [],
        30,
        "D",
        {"csp": -25, "hsts": -20, "xcto": -5, "xfo": -20},
        html="<html><script>alert(1)</script></html>",
    ),
    _case(
        "html_same_sri",
        [
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "default-src 'self'"),
        ],
        110,
        "A+",
        {"csp": 5, "sri": 5},
        html="<html><script src='/a.js' integrity='sha384-x'></script></html>",
    ),
    _case(
        "plain_bare",
        [],
        10,
        "F",
        {"csp": -25, "redirection": -20, "hsts": -20, "xcto": -5, "xfo": -20},
        plain=True,
    ),
    _case(
        "plain_cookie",
        [
            ("Set-Cookie", "sessionid=abc; Path=/; HttpOnly; SameSite=Lax"),
            ("X-Content-Type-Options", "nosniff"),
        ],
        0,
        "F",
        {"csp": -25, "cookies": -40, "redirection": -20, "hsts": -20, "xfo": -20},
        plain=True,
    ),
    _case(
        "plain_secure_cookie",
        [("Set-Cookie", "pref=abc; Path=/; Secure; SameSite=Lax")],
        10,
        "F",
        {"csp": -25, "cookies": 5, "redirection": -20, "hsts": -20, "xcto": -5, "xfo": -20},
        plain=True,
    ),
    _case(
        "cors_reflect_creds",
        [
            ("Access-Control-Allow-Origin", "ORIGIN"),
            ("Access-Control-Allow-Credentials", "true"),
            ("Strict-Transport-Security", "max-age=63072000"),
        ],
        0,
        "F",
        {"csp": -25, "xcto": -5, "xfo": -20, "cors": -50},
        cors=True,
    ),
    _case(
        "cors_star",
        [("Access-Control-Allow-Origin", "*")],
        30,
        "D",
        {"csp": -25, "hsts": -20, "xcto": -5, "xfo": -20},
        cors=True,
    ),
    _case(
        "cors_reflect",
        [("Access-Control-Allow-Origin", "ORIGIN")],
        30,
        "D",
        {"csp": -25, "hsts": -20, "xcto": -5, "xfo": -20},
        cors=True,
    ),
]


@pytest.mark.parametrize(("page", "points", "grade", "modifiers"), GOLDEN)
def test_scores_match_the_observatory(
    page: Page, points: int, grade: str, modifiers: dict[str, int]
) -> None:
    card = observatory.score(page)
    got = {name: card.test(test).modifier for name, test in TESTS.items()}
    assert {k: v for k, v in got.items() if v} == modifiers
    assert (card.score, card.grade) == (points, grade)


@pytest.mark.parametrize(
    ("points", "grade"),
    [
        (135, "A+"),
        (100, "A+"),
        (99, "A"),
        (90, "A"),
        (89, "A-"),
        (85, "A-"),
        (84, "B+"),
        (80, "B+"),
        (79, "B"),
        (70, "B"),
        (69, "B-"),
        (65, "B-"),
        (64, "C+"),
        (60, "C+"),
        (59, "C"),
        (50, "C"),
        (49, "C-"),
        (45, "C-"),
        (44, "D+"),
        (40, "D+"),
        (39, "D"),
        (30, "D"),
        (29, "D-"),
        (25, "D-"),
        (24, "F"),
        (0, "F"),
    ],
)
def test_grade_bands(points: int, grade: str) -> None:
    assert observatory.grade_for(points) == grade


def test_bonus_counts_only_from_90_without_it() -> None:
    # XCTO -5 and a short HSTS -10 leave 85: the CSP, referrer, framing and CORP bonus is lost
    headers = [
        ("Strict-Transport-Security", "max-age=60"),
        ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
    ]
    card = observatory.score(_page(headers))
    assert (card.score, card.grade) == (85, "A-")
    # with nosniff the score without bonus is 90, so all 30 bonus points count
    card = observatory.score(_page([*headers, ("X-Content-Type-Options", "nosniff")]))
    assert (card.score, card.grade) == (120, "A+")


def test_grade_rank_orders_grades() -> None:
    assert observatory.grade_rank("A+") < observatory.grade_rank("A") < observatory.grade_rank("F")
    with pytest.raises(ValueError):
        observatory.grade_rank("E")


def test_parse_set_cookie_keeps_no_value() -> None:
    cookie = observatory.parse_set_cookie(
        "__Host-sid=s3cr3t; Path=/; secure; HTTPONLY; SameSite=Lax; Max-Age=60"
    )
    assert cookie == Cookie(
        name="__Host-sid", secure=True, http_only=True, same_site="lax", persistent=True
    )
    assert "s3cr3t" not in repr(cookie)
    assert observatory.parse_set_cookie("no-equals-sign") is None
    odd = observatory.parse_set_cookie("a=b; SameSite=Sometimes")
    assert odd is not None and not odd.same_site_valid


def test_parse_csp() -> None:
    csp = parse_csp(["Default-Src 'SELF'; img-src; report-uri /a; report-uri /b"])
    assert csp.directives["default-src"] == {"'self'"}
    assert csp.directives["img-src"] == {"'none'"}
    assert csp.repeated == ("report-uri",)
    assert csp.sources("script-src", "default-src") == {"'self'"}
    with pytest.raises(observatory.CspError, match="given twice"):
        parse_csp(["script-src 'self'; script-src 'none'"])
    with pytest.raises(observatory.CspError):
        parse_csp(["a"])
    # two policies: a source counts only when both allow it
    both = parse_csp(
        ["script-src 'self' https://a.example", "script-src 'self', object-src 'none'"]
    )
    assert both.directives["script-src"] == {"'self'"}
    assert both.directives["object-src"] == {"'none'"}


def test_script_sources_follow_nonces_and_strict_dynamic() -> None:
    keyed = parse_csp(["script-src 'nonce-x' 'unsafe-inline' 'strict-dynamic' https: 'self'"])
    assert observatory.script_sources(keyed) == ({"'nonce-x'", "'strict-dynamic'"}, False)
    unkeyed = parse_csp(["script-src 'strict-dynamic' 'self'"])
    assert observatory.script_sources(unkeyed)[1] is True
    assert observatory.script_sources(parse_csp(["img-src 'self'"]))[0] == {"*"}


def test_parse_hsts() -> None:
    assert parse_hsts([]) is None
    policy = parse_hsts(['max-age="31536000"; includeSubDomains; preload'])
    assert policy is not None and (policy.max_age, policy.include_subdomains, policy.preload) == (
        31536000,
        True,
        True,
    )
    assert (
        parse_hsts(["max-age=1", "max-age=2"]) or observatory.Hsts()
    ).error == "the header is sent more than once"
    assert (parse_hsts(["max-age=soon"]) or observatory.Hsts()).max_age is None
    assert (parse_hsts(["includeSubDomains"]) or observatory.Hsts()).error == "it has no max-age"


def test_referrer_and_frame_options_as_browsers_read_them() -> None:
    assert (
        observatory.referrer_policy(_page([("Referrer-Policy", "unsafe-url, no-referrer, bogus")]))
        == "no-referrer"
    )
    assert observatory.referrer_policy(_page([("Referrer-Policy", "bogus")])) == ""
    assert observatory.referrer_policy(_page([])) is None
    assert (
        observatory.frame_options(_page([("X-Frame-Options", "DENY"), ("X-Frame-Options", "deny")]))
        == "deny"
    )
    assert observatory.frame_options(_page([("X-Frame-Options", "DENY, SAMEORIGIN")])) == "invalid"


def test_meta_frame_ancestors_does_not_count() -> None:
    html = "<meta http-equiv='Content-Security-Policy' content=\"frame-ancestors 'none'\">"
    card = observatory.score(_page([], html=html))
    assert card.test("content-security-policy").result == "csp-not-implemented"
    assert card.test("x-frame-options").result == "x-frame-options-not-implemented"
