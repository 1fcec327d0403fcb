"""The rules of `http.security-headers`, one per header, and the Observatory score as its
evidence."""

from __future__ import annotations

from golive.checks.base import Facts
from golive.probes import observatory
from golive.probes.observatory import Page

__all__ = ["HSTS_MIN_AGE", "header_problems", "modifiers", "score_facts"]

HSTS_MIN_AGE = 15768000  # seconds: six months


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


def header_problems(page: Page) -> list[tuple[str, str]]:
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


def score_facts(card: observatory.Scorecard, path: str, paths: int) -> Facts:
    facts: dict[str, str | int | float | bool] = {"score": card.score, "grade": card.grade}
    if paths > 1:
        facts["path"] = path  # the lowest-scoring of the paths
    facts["tests_passed"] = card.passed
    facts.update({test.name: test.modifier for test in card.tests})
    return facts


def modifiers(card: observatory.Scorecard) -> str:
    lowered = [f"{t.name} {t.modifier:+d}" for t in card.tests if t.modifier]
    return ", ".join(lowered) if lowered else "no modifiers"
