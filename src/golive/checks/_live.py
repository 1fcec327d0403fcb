"""What every live check shares: its target parameter, the pinned target, and plain requests.

A live check names the target it probes (`target`, or the only declared one) and asks for the
`probes` fixture, the run's target policy. A refusal of the policy (no such target, consent
too low, a private address without `allow_private`) reaches the runner as `ProbeRefused` and
ends the check `unknown` with that reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from golive.checks.base import CheckParams, Unknown
from golive.model import Finding
from golive.probes.http import HttpError, Response, request
from golive.probes.safety import Consent, PinnedTarget, ProbePolicy

__all__ = ["LiveParams", "fetch", "finding", "pinned"]


class LiveParams(CheckParams):
    """Parameters every live check takes."""

    target: str | None = None  # a name under [targets]; default: the only one declared


def pinned(probes: ProbePolicy, params: LiveParams, consent: Consent, what: str) -> PinnedTarget:
    """The check's target, pinned, once its consent level allows `what`."""
    target = probes.target(params.target)
    target.require(consent, what)
    return target


def fetch(
    target: PinnedTarget,
    path: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    timeout: float = 10.0,
    credentials: bool = False,
    keep: int = 4096,
) -> Response:
    """One request to `path`; a transport failure becomes `unknown` naming the URL."""
    try:
        return request(
            target,
            method,
            path,
            headers=headers,
            timeout=timeout,
            credentials=credentials,
            keep=keep,
        )
    except HttpError as exc:
        raise Unknown(f"{method} {target.url(path)} failed: {exc}") from None


def finding(target: PinnedTarget, path: str, message: str, *, rule: str) -> Finding:
    """A finding about the probed URL: the message names it; the fingerprint is the rule and
    the target-independent path, so a waiver holds across environments."""
    return Finding(
        message=f"{message} ({target.url(path)})", rule=rule, fingerprint=f"{rule}:{path}"
    )
