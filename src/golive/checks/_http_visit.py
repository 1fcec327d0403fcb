"""The probe of the HTTP checks: one GET per path, following redirects on the target and
collecting every Set-Cookie on the way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

from golive.checks.base import Unknown
from golive.probes.http import HttpError, Response, request
from golive.probes.observatory import Page
from golive.probes.safety import Consent, Origin, PinnedTarget, ProbeRefused

__all__ = ["Visit", "single_request", "visit_path"]

_MAX_HOPS = 5
_KEEP = 512 * 1024  # bytes of HTML read for meta tags and scripts (never reported)


@dataclass(frozen=True, kw_only=True)
class Visit:
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


def single_request(
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


def visit_path(target: PinnedTarget, path: str, headers: Sequence[tuple[str, str]] = ()) -> Visit:
    """GET `path`, following redirects on the target's origin and collecting every Set-Cookie.
    Unknown when the page is not reached: a transport failure, a redirect elsewhere, or a
    status whose headers say nothing of the page (404, 5xx...)."""
    url = target.url(path)
    cookies: list[str] = []
    for _ in range(_MAX_HOPS + 1):
        response = single_request(target, "GET", url, headers=headers)
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
    return Visit(path=path, response=response, url=url, set_cookies=tuple(cookies))
