"""The decision record: a GO / NO-GO decision as a signed, verifiable in-toto Statement.

`golive gate` writes one: the verdict, the blocking items and conditions, the commit and
version reviewed, the digest of the effective checklist and of every item's result, the
sign-off and waiver records the review used (by digest), the policy and golive's version.
Signing is optional; `verify` checks the envelope, the signatures against the signers, and
that the record agrees with itself (the verdict with its blocking items, the digest of the
results with the results listed), and, given a JSON report, that the report is the one
the record was made from.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from golive.ledger._encoding import canonical, sha256
from golive.ledger.dsse import IN_TOTO, Envelope, EnvelopeError
from golive.ledger.records import (
    DECISION_TYPE,
    STATEMENT_TYPE,
    RecordError,
    Subject,
    format_time,
    statement,
    subject_from,
)
from golive.ledger.signers import Signers
from golive.model import Decision, LedgerEntry, Review

if TYPE_CHECKING:
    from golive.checklist import Checklist

__all__ = ["Verification", "checklist_digest", "decision_record", "item_digest", "verify"]


def item_digest(item: Mapping[str, Any]) -> str:
    """The digest of one item of a `golive.review/v1` JSON report, as records list it."""
    return sha256(canonical(item))


def decision_record(
    review: Review,
    decision: Decision,
    *,
    subject: Subject,
    dirty: bool,
    checklist_digest: str,
    key: Ed25519PrivateKey | None = None,
    now: dt.datetime | None = None,
) -> Envelope:
    """The decision as an in-toto Statement in a DSSE envelope, signed when `key` is given."""
    from golive.report.json import to_data

    data = to_data(review, decision)
    results = [
        {"item": i["id"], "level": i["level"], "status": i["status"], "sha256": item_digest(i)}
        for i in data["items"]
    ]
    predicate = {
        "verdict": decision.verdict.value,
        "summary": decision.summary,
        "decidedAt": format_time(now or dt.datetime.now(dt.UTC)),
        "reviewStartedAt": review.started_at,
        "golive": review.version,
        "profiles": list(review.profiles),
        "scope": sorted(kind.value for kind in review.scope),
        "dirty": dirty,
        "policy": {
            "unknown": review.policy.unknown.value,
            "strict": review.policy.strict,
            "binding": review.policy.binding.value,
            "approvers": list(review.policy.approvers),
        },
        "checklist": {"file": review.source, "sha256": checklist_digest},
        "blocking": data["decision"]["blocking"],
        "conditions": data["decision"]["conditions"],
        "results": results,
        "resultsSha256": sha256(canonical(results)),
        "records": [_record(entry) for entry in review.ledger],
    }
    envelope = Envelope(payload_type=IN_TOTO, payload=statement(subject, DECISION_TYPE, predicate))
    return envelope.signed(key) if key is not None else envelope


def _record(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "path": entry.path,
        "kind": entry.kind,
        "state": entry.state.value,
        "item": entry.item,
        "signers": list(entry.signers),
        "sha256": entry.digest,
    }


@dataclass(frozen=True, kw_only=True)
class Verification:
    """What verifying a decision record found: `problems` empty means it holds."""

    problems: tuple[str, ...] = ()
    verdict: str | None = None
    summary: str | None = None
    subject: Subject | None = None
    signed_by: tuple[str, ...] = ()
    decided_at: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    text: str | bytes,
    *,
    signers: Signers,
    roles: Sequence[str] = (),
    allow_unsigned: bool = False,
    review: Mapping[str, Any] | None = None,
    commit: str | None = None,
) -> Verification:
    """Check a decision record; every problem found is listed, none stops the others.

    `roles`: a signature counts only from a signer with one of them (any signer when empty).
    `review`: a `golive.review/v1` report that must be the one the record was made from.
    `commit`: the commit the record must have been made for.
    """
    problems: list[str] = []
    try:
        envelope = Envelope.from_json(text)
    except EnvelopeError as error:
        return Verification(problems=(f"not a decision record: {error}",))
    if envelope.payload_type != IN_TOTO:
        problems.append(f'payload type "{envelope.payload_type}" is not {IN_TOTO}')
    try:
        data = json.loads(envelope.payload)
    except (ValueError, RecursionError):
        return Verification(problems=(*problems, "the payload is not JSON"))
    if (
        not isinstance(data, dict)
        or data.get("_type") != STATEMENT_TYPE
        or data.get("predicateType") != DECISION_TYPE
        or not isinstance(data.get("predicate"), dict)
    ):
        return Verification(problems=(*problems, f"the payload is not a {DECISION_TYPE} Statement"))
    predicate: dict[str, Any] = data["predicate"]
    subject: Subject | None = None
    try:
        subject = subject_from(data.get("subject"))
    except RecordError as error:
        problems.append(str(error))
    signed_by = _signatures(envelope, signers, roles, allow_unsigned, problems)
    verdict = predicate.get("verdict")
    blocking = predicate.get("blocking")
    results = predicate.get("results")
    if verdict not in {"GO", "NO-GO"}:
        problems.append(f"the verdict {verdict!r} is neither GO nor NO-GO")
    if not isinstance(blocking, list) or not isinstance(results, list):
        problems.append("the record lacks its blocking items or its results")
    else:
        if (verdict == "GO") == bool(blocking):
            problems.append(
                f"the verdict {verdict} contradicts its {len(blocking)} blocking item(s)"
            )
        if sha256(canonical(results)) != predicate.get("resultsSha256"):
            problems.append("the results listed do not match the record's results digest")
        statuses = {r.get("item"): r.get("status") for r in results if isinstance(r, dict)}
        for entry in blocking:
            item = entry.get("item") if isinstance(entry, dict) else None
            if item not in statuses:
                problems.append(f"the blocking item {item} is not among the results")
        if review is not None:
            _against_review(review, results, predicate, problems)
    if commit is not None and subject is not None and subject.commit != commit:
        made = subject.commit or "no commit"
        problems.append(f"made for commit {made}, not {commit}")
    notes = []
    if predicate.get("dirty"):
        notes.append("the work tree had uncommitted changes when the decision was made")
    return Verification(
        problems=tuple(problems),
        verdict=verdict if isinstance(verdict, str) else None,
        summary=predicate.get("summary") if isinstance(predicate.get("summary"), str) else None,
        subject=subject,
        signed_by=signed_by,
        decided_at=predicate.get("decidedAt")
        if isinstance(predicate.get("decidedAt"), str)
        else None,
        notes=tuple(notes),
    )


def _signatures(
    envelope: Envelope,
    signers: Signers,
    roles: Sequence[str],
    allow_unsigned: bool,
    problems: list[str],
) -> tuple[str, ...]:
    if not envelope.signatures:
        if not allow_unsigned:
            problems.append("the record is not signed")
        return ()
    who, why_not = signers.signed(envelope)
    if why_not is not None:
        problems.append(why_not)
        return ()
    if roles and not any(set(roles) & s.roles for s in who):
        names = ", ".join(s.handle for s in who)
        problems.append(f"signed by {names}, without the {' or '.join(roles)} role")
    return tuple(s.handle for s in who)


def _against_review(
    review: Mapping[str, Any],
    results: list[Any],
    predicate: Mapping[str, Any],
    problems: list[str],
) -> None:
    items = review.get("items")
    if not isinstance(items, list):
        problems.append("the review given is not a golive.review/v1 report")
        return
    recorded = {r.get("item"): r.get("sha256") for r in results if isinstance(r, dict)}
    given = {i.get("id"): item_digest(i) for i in items if isinstance(i, dict)}
    if set(recorded) != set(given):
        problems.append("the review given has other items than the record")
    changed = sorted(str(k) for k in recorded.keys() & given.keys() if recorded[k] != given[k])
    if changed:
        listed = ", ".join(str(k) for k in changed[:5]) + (" ..." if len(changed) > 5 else "")
        problems.append(
            f"the review given differs from the record in {len(changed)} item(s): {listed}"
        )
    verdict = (
        review.get("decision", {}).get("verdict")
        if isinstance(review.get("decision"), dict)
        else None
    )
    if verdict != predicate.get("verdict"):
        problems.append(
            f"the review given decided {verdict}, the record {predicate.get('verdict')}"
        )


def checklist_digest(checklist: Checklist) -> str:
    """The digest of the effective checklist: every item as resolved (level, checks and their
    parameters, sign-off, disabled reason), the policy and the targets. A profile or override
    that changes what is checked changes it; comments and key order do not."""
    items = [
        {
            "id": item.id,
            "title": item.title,
            "section": item.section,
            "level": item.level.value,
            "match": item.match.value,
            "disabled": item.disabled,
            "attest": None
            if item.attest is None
            else {"role": item.attest.role, "expires": item.attest.expires},
            "checks": [
                {
                    "id": ref.id,
                    "kind": ref.kind.value,
                    "planned": ref.planned,
                    "params": ref.params.model_dump(mode="json")
                    if hasattr(ref.params, "model_dump")
                    else None,
                }
                for ref in item.checks
            ],
        }
        for item in checklist.items
    ]
    policy = checklist.policy
    data = {
        "service": checklist.service,
        "profiles": list(checklist.profiles),
        "items": items,
        "policy": {
            "unknown": policy.unknown.value,
            "strict": policy.strict,
            "binding": policy.binding.value,
            "approvers": list(policy.approvers),
            "warn_before": policy.warn_before,
            "max_waiver": policy.max_waiver,
        },
        "targets": [
            {"name": t.name, "url": t.url, "consent": t.consent, "environment": t.environment}
            for t in checklist.targets
        ],
    }
    return sha256(canonical(data))
