"""Sign-off and waiver records: in-toto Statements about a service, in signed DSSE envelopes.

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "payments", "digest": {"gitCommit": "9f2c..."},
                  "annotations": {"version": "1.4.0"}}],
     "predicateType": "https://golive.dev/sign-off/v1",
     "predicate": {"item": "security.pentest", "role": "security",
                   "evidence": "https://...", "note": "...", "signer": "alice",
                   "signedAt": "2026-11-22T10:00:00Z", "expires": "2027-02-20T10:00:00Z"}}

A waiver's predicate (`https://golive.dev/waiver/v1`) has `item`, `reason`, `owner`,
`findings` (fingerprints; empty: the whole item), `signedAt` and `expires`. The subject's
digest is the git commit the record was made at; outside git, the SHA-256 of the service
name (the record then binds to the name alone).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from golive.ledger._encoding import canonical, sha256
from golive.ledger.dsse import IN_TOTO, Envelope, EnvelopeError

__all__ = [
    "DECISION_TYPE",
    "SIGN_OFF_TYPE",
    "STATEMENT_TYPE",
    "WAIVER_TYPE",
    "RecordError",
    "SignOff",
    "Subject",
    "Waiver",
    "format_time",
    "parse_record",
    "parse_time",
    "sign_off_envelope",
    "statement",
    "subject_from",
    "waiver_envelope",
]

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
SIGN_OFF_TYPE = "https://golive.dev/sign-off/v1"
WAIVER_TYPE = "https://golive.dev/waiver/v1"
DECISION_TYPE = "https://golive.dev/decision/v1"


class RecordError(ValueError):
    """A record cannot be read as one; the message says what is wrong."""


@dataclass(frozen=True, kw_only=True)
class Subject:
    """What a record is about: the service, and the commit and version it was made at."""

    service: str
    commit: str | None = None
    version: str | None = None

    def descriptor(self) -> dict[str, Any]:
        digest = (
            {"gitCommit": self.commit} if self.commit else {"sha256": sha256(self.service.encode())}
        )
        data: dict[str, Any] = {"name": self.service, "digest": digest}
        if self.version:
            data["annotations"] = {"version": self.version}
        return data

    def describe(self) -> str:
        parts = [self.service]
        if self.version:
            parts.append(f"version {self.version}")
        if self.commit:
            parts.append(f"commit {self.commit[:12]}")
        return ", ".join(parts)


@dataclass(frozen=True, kw_only=True)
class SignOff:
    item: str
    role: str
    evidence: str
    note: str | None
    signer: str
    signed_at: dt.datetime
    expires: dt.datetime
    subject: Subject
    envelope: Envelope

    kind: Literal["sign-off"] = "sign-off"


@dataclass(frozen=True, kw_only=True)
class Waiver:
    item: str
    reason: str
    owner: str
    findings: tuple[str, ...]
    signed_at: dt.datetime
    expires: dt.datetime
    subject: Subject
    envelope: Envelope

    kind: Literal["waiver"] = "waiver"


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: object, name: str) -> dt.datetime:
    if not isinstance(text, str):
        raise RecordError(f'"{name}" is not a time')
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(f'"{name}": {text!r} is not an ISO 8601 time') from None
    if moment.tzinfo is None:
        raise RecordError(f'"{name}": {text!r} has no time zone')
    return moment.astimezone(dt.UTC)


def statement(subject: Subject, predicate_type: str, predicate: dict[str, Any]) -> bytes:
    """The in-toto Statement as the bytes a DSSE envelope carries (canonical JSON)."""
    return canonical(
        {
            "_type": STATEMENT_TYPE,
            "subject": [subject.descriptor()],
            "predicateType": predicate_type,
            "predicate": predicate,
        }
    )


def sign_off_envelope(
    subject: Subject,
    *,
    item: str,
    role: str,
    evidence: str,
    signer: str,
    signed_at: dt.datetime,
    expires: dt.datetime,
    note: str | None = None,
) -> Envelope:
    """An unsigned sign-off record (sign it with `Envelope.signed`)."""
    predicate = {
        "item": item,
        "role": role,
        "evidence": evidence,
        "signer": signer,
        "signedAt": format_time(signed_at),
        "expires": format_time(expires),
    }
    if note:
        predicate["note"] = note
    return Envelope(payload_type=IN_TOTO, payload=statement(subject, SIGN_OFF_TYPE, predicate))


def waiver_envelope(
    subject: Subject,
    *,
    item: str,
    reason: str,
    owner: str,
    signed_at: dt.datetime,
    expires: dt.datetime,
    findings: tuple[str, ...] = (),
) -> Envelope:
    """An unsigned waiver record; no findings means the whole item."""
    predicate = {
        "item": item,
        "reason": reason,
        "owner": owner,
        "findings": sorted(set(findings)),
        "signedAt": format_time(signed_at),
        "expires": format_time(expires),
    }
    return Envelope(payload_type=IN_TOTO, payload=statement(subject, WAIVER_TYPE, predicate))


def parse_record(text: str | bytes) -> SignOff | Waiver:
    """A sign-off or a waiver from an envelope's text; RecordError says what is wrong.

    Signatures are not checked here: see `golive.ledger.verify`.
    """
    try:
        envelope = Envelope.from_json(text)
    except EnvelopeError as error:
        raise RecordError(str(error)) from None
    if envelope.payload_type != IN_TOTO:
        raise RecordError(f'payload type "{envelope.payload_type}" is not {IN_TOTO}')
    data = _statement(envelope.payload)
    predicate_type = data["predicateType"]
    predicate = data["predicate"]
    subject = subject_from(data["subject"])
    signed_at = parse_time(predicate.get("signedAt"), "signedAt")
    expires = parse_time(predicate.get("expires"), "expires")
    if expires <= signed_at:
        raise RecordError("it expires before it was signed")
    if predicate_type == SIGN_OFF_TYPE:
        return SignOff(
            item=_text(predicate, "item"),
            role=_text(predicate, "role"),
            evidence=_text(predicate, "evidence"),
            note=_text(predicate, "note", optional=True),
            signer=_text(predicate, "signer"),
            signed_at=signed_at,
            expires=expires,
            subject=subject,
            envelope=envelope,
        )
    if predicate_type == WAIVER_TYPE:
        findings = predicate.get("findings", [])
        if not isinstance(findings, list) or not all(isinstance(f, str) and f for f in findings):
            raise RecordError('"findings" is not a list of fingerprints')
        return Waiver(
            item=_text(predicate, "item"),
            reason=_text(predicate, "reason"),
            owner=_text(predicate, "owner"),
            findings=tuple(findings),
            signed_at=signed_at,
            expires=expires,
            subject=subject,
            envelope=envelope,
        )
    raise RecordError(f'predicate type "{predicate_type}" is neither a sign-off nor a waiver')


def _statement(payload: bytes) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        raise RecordError("the payload is not JSON") from None
    if not isinstance(data, dict) or data.get("_type") != STATEMENT_TYPE:
        raise RecordError(f"the payload is not an in-toto Statement ({STATEMENT_TYPE})")
    if not isinstance(data.get("predicateType"), str):
        raise RecordError('the Statement has no "predicateType"')
    if not isinstance(data.get("predicate"), dict):
        raise RecordError('the Statement has no "predicate" object')
    return data


def subject_from(subjects: object) -> Subject:
    """The service a Statement's `subject` names; RecordError when it names no one service."""
    if not isinstance(subjects, list) or len(subjects) != 1 or not isinstance(subjects[0], dict):
        raise RecordError("the Statement must have exactly one subject, the service")
    entry = subjects[0]
    name, digest = entry.get("name"), entry.get("digest")
    if not isinstance(name, str) or not name:
        raise RecordError("the subject has no name")
    if not isinstance(digest, dict) or not digest:
        raise RecordError("the subject has no digest")
    commit = digest.get("gitCommit")
    if commit is not None and not isinstance(commit, str):
        raise RecordError("the subject's gitCommit is not text")
    annotations = entry.get("annotations") or {}
    version = annotations.get("version") if isinstance(annotations, dict) else None
    return Subject(
        service=name, commit=commit, version=version if isinstance(version, str) else None
    )


def _text(data: dict[str, Any], name: str, *, optional: bool = False) -> Any:
    value = data.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f'the predicate has no "{name}"')
    return value
