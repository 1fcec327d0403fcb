"""Live check that protected endpoints refuse missing and wrong credentials and accept the
target's own."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from pydantic import Field, field_validator

from golive.checks._live import LiveParams, finding, pinned
from golive.checks.base import Check, Unknown, failed, passed, unknown, warned
from golive.checks.fixtures import ServiceInfo
from golive.model import Finding, Kind, Outcome, Status, Target
from golive.probes.http import HttpError, Response, request
from golive.probes.safety import Consent, PinnedTarget, ProbePolicy

__all__ = ["AuthParams", "AuthRequired"]

_SEVERITY = {Status.PASS: 0, Status.WARN: 1, Status.UNKNOWN: 2, Status.FAIL: 3}
_METHODS = frozenset({"GET", "HEAD", "POST"})


class AuthParams(LiveParams):
    paths: list[str] = Field(default_factory=list)  # endpoints that need credentials
    # Kept for older checklists: the credential now comes from the target's own token_env.
    token_env: str | None = None
    method: str = "GET"  # GET and HEAD are passive; POST (an empty body) needs active consent

    @field_validator("method")
    @classmethod
    def _safe(cls, value: str) -> str:
        method = value.upper()
        if method not in _METHODS:
            raise ValueError(
                f"method {value!r} is not probed: use GET, HEAD or POST (probes never send "
                "PUT, PATCH or DELETE)"
            )
        return method


@dataclass(frozen=True, kw_only=True)
class _Verdict:
    status: Status
    evidence: str  # "GET /admin: no credentials 401, wrong token 401, credential 200"
    problems: tuple[tuple[str, str], ...] = ()  # (aspect, message), the worst first


class AuthRequired(Check):
    """Protected endpoints refuse missing and wrong credentials and accept valid ones.

    Sends `method` to each of `paths` three times: without credentials, with a made-up token
    (`Authorization: <scheme> golive-invalid-<random>`), and with the target's credential
    (the value of the environment variable its `token_env` names, read by the CLI). The
    first two must get 401 or 403, and a 401 should say how to authenticate
    (WWW-Authenticate; a warning without it); the third must get 2xx or 3xx. A 2xx without
    credentials or with the made-up token fails: the endpoint is open. A 5xx fails. A 404
    or a redirect instead of 401/403 is accepted (warned for a redirect) only when the
    credential gets 2xx there; other answers, a refused credential or a target without a
    credential leave the item unknown. Redirects are not followed.
    """

    id = "auth.required"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "3 GETs per protected path (no, a wrong and the right credential)"
    Params = AuthParams
    timeout = 120.0
    fix = (
        "Put the endpoint behind authentication: answer 401 with WWW-Authenticate (or 403) to "
        "requests without a valid credential, before any handler runs."
    )

    def run(self, params: AuthParams, probes: ProbePolicy, service: ServiceInfo) -> Outcome:
        if not params.paths:
            raise Unknown("no protected paths declared: list them in paths")
        consent = Consent.PASSIVE if params.method in {"GET", "HEAD"} else Consent.ACTIVE
        target = pinned(probes, params, consent, f"the authentication probes ({params.method})")
        declared = _declared(service, target.name)
        notes = _token_env_notes(params, declared)
        scheme = declared.auth_scheme if declared is not None else "Bearer"
        verdicts = [_probe(target, params.method, path, scheme, declared) for path in params.paths]
        worst = max(verdicts, key=lambda v: _SEVERITY[v.status])
        findings: list[Finding] = [
            replace(
                finding(target, path, problem, rule=self.id),
                fingerprint=f"{self.id}:{path}:{aspect}",
            )
            for path, verdict in zip(params.paths, verdicts, strict=True)
            for aspect, problem in verdict.problems
        ]
        observed = "; ".join([*(v.evidence for v in verdicts), *notes])
        facts: dict[str, str | int | float | bool] = {
            "paths": len(params.paths),
            "credential": target.credential is not None,
        }
        if declared is not None and declared.token_env:
            facts["token_env"] = declared.token_env
        required = (
            f"{params.method} without or with a wrong credential: 401/403; "
            "with the target's credential: 2xx/3xx"
        )
        ending = {Status.PASS: passed, Status.WARN: warned, Status.UNKNOWN: unknown}.get(
            worst.status, failed
        )
        summary = (
            worst.problems[0][1]
            if worst.problems and worst.status is not Status.PASS
            else f"{len(params.paths)} protected path(s) refuse missing and wrong credentials "
            "and accept the target's"
        )
        return ending(
            summary,
            observed=observed,
            required=required,
            findings=findings,
            remediation=None if worst.status is Status.PASS else self.fix,
            facts=facts,
        )


def _declared(service: ServiceInfo, name: str) -> Target | None:
    return next((t for t in service.targets if t.name == name), None)


def _token_env_notes(params: AuthParams, declared: Target | None) -> list[str]:
    """What the evidence says about where the credential comes from."""
    source = declared.token_env if declared is not None else None
    where = f"the target's token_env {source}" if source else "nowhere: no token_env"
    notes = [f"credential from {where}"]
    if params.token_env and params.token_env != source:
        notes.append(
            f"the item's token_env {params.token_env} is not used: set token_env on the target"
        )
    return notes


def _send(
    target: PinnedTarget, method: str, path: str, headers: list[tuple[str, str]], *, mine: bool
) -> Response | HttpError:
    consent = Consent.PASSIVE if method in {"GET", "HEAD"} else Consent.ACTIVE
    try:
        return request(
            target,
            method,
            path,
            headers=headers,
            body=b"" if method == "POST" else None,
            consent=consent,
            follow=False,
            credentials=mine,
        )
    except HttpError as exc:
        return exc


def _probe(
    target: PinnedTarget, method: str, path: str, scheme: str, declared: Target | None
) -> _Verdict:
    """The three requests to one path and what they add up to."""
    invalid = f"golive-invalid-{secrets.token_hex(8)}"
    wrong = [("Authorization", f"{scheme} {invalid}".strip())]
    bare = _send(target, method, path, [], mine=False)
    forged = _send(target, method, path, wrong, mine=False)
    own: Response | HttpError | None = None
    if target.credential is not None:
        own = _send(target, method, path, [], mine=True)
    accepted = isinstance(own, Response) and 200 <= own.status < 300
    asked = f"{method} {path}"
    parts = [
        ("no-credentials", *_refusal(bare, f"{asked} without credentials", accepted)),
        ("wrong-token", *_refusal(forged, f"{asked} with a made-up token", accepted)),
        ("credential", *_acceptance(own, f"{asked} with the target's credential", declared)),
    ]
    parts.sort(key=lambda part: -_SEVERITY[part[1]])
    shown = ", ".join(
        f"{label} {_answer(response)}"
        for label, response in (
            ("no credentials", bare),
            ("wrong token", forged),
            ("credential", own),
        )
    )
    problems = tuple((aspect, problem) for aspect, _, problem in parts if problem)
    return _Verdict(status=parts[0][1], evidence=f"{asked}: {shown}", problems=problems)


def _answer(response: Response | HttpError | None) -> str:
    if response is None:
        return "not sent"
    if isinstance(response, HttpError):
        return f"failed ({response})"
    return str(response.status)


def _refusal(
    response: Response | HttpError, what: str, accepted: bool
) -> tuple[Status, str | None]:
    """A request without a valid credential: it must be refused."""
    if isinstance(response, HttpError):
        return Status.UNKNOWN, f"{what} failed: {response}"
    status = response.status
    if status == 401:
        if "www-authenticate" in response.headers:
            return Status.PASS, None
        return Status.WARN, f"{what} got 401 without WWW-Authenticate"
    if status == 403:
        return Status.PASS, None
    if 200 <= status < 300:
        return Status.FAIL, f"the endpoint is open: {what} got {status}"
    if status >= 500:
        return Status.FAIL, f"{what} got {status} instead of 401/403"
    if status == 404 and accepted:
        return Status.PASS, None  # hides the resource from strangers; the credential sees it
    if 300 <= status < 400 and accepted:
        where = response.headers.get("location") or "elsewhere"
        return Status.WARN, f"{what} is redirected to {where} instead of getting 401/403"
    return Status.UNKNOWN, f"{what} got {status}, neither a refusal (401/403) nor access"


def _acceptance(
    response: Response | HttpError | None, what: str, declared: Target | None
) -> tuple[Status, str | None]:
    """A request with the target's credential: it must get through."""
    if response is None:
        source = declared.token_env if declared is not None else None
        if source:
            why = f"the environment variable {source} (the target's token_env) is not set"
        else:
            why = "the target declares no token_env"
        return Status.UNKNOWN, f"access with valid credentials is unknown: {why}"
    if isinstance(response, HttpError):
        return Status.UNKNOWN, f"{what} failed: {response}"
    status = response.status
    if 200 <= status < 400:
        return Status.PASS, None
    if status >= 500:
        return Status.FAIL, f"{what} got {status}"
    if status in {401, 403}:
        return Status.UNKNOWN, (
            f"{what} was refused ({status}): check that the credential is current and "
            "allowed on this path"
        )
    return Status.UNKNOWN, f"{what} got {status}: name a path that exists for this method"
