"""Keys, signers and records for ledger tests: real Ed25519 keys, real files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from golive.ledger import Ledger, Signers, Subject, load_signers
from golive.ledger.keys import public_key_text
from golive.ledger.records import sign_off_envelope, waiver_envelope
from golive.model import Policy

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
SUBJECT = Subject(service="payments", commit="a" * 40, version="1.4.0")


@dataclass
class Person:
    handle: str
    roles: tuple[str, ...]
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def entry(self) -> str:
        roles = ", ".join(f'"{r}"' for r in self.roles)
        key = public_key_text(self.key.public_key(), f"{self.handle}@example")
        return f'[signers.{self.handle}]\nkey = "{key}"\nroles = [{roles}]\n\n'


def write_signers(root: Path, *people: Person) -> Signers:
    path = root / ".golive" / "signers.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(p.entry() for p in people))
    return load_signers(path, display=".golive/signers.toml")


def sign_off(
    by: Person,
    item: str = "security.pentest",
    *,
    role: str = "security",
    subject: Subject = SUBJECT,
    signed_at: dt.datetime = NOW - dt.timedelta(days=10),
    days: float = 80,
    signer: str | None = None,
) -> str:
    envelope = sign_off_envelope(
        subject,
        item=item,
        role=role,
        evidence="https://tickets.example/PEN-12",
        signer=signer or by.handle,
        signed_at=signed_at,
        expires=signed_at + dt.timedelta(days=days),
    )
    return envelope.signed(by.key).to_json()


def waiver(
    *signed_by: Person,
    item: str = "docker.non-root",
    findings: tuple[str, ...] = (),
    subject: Subject = SUBJECT,
    signed_at: dt.datetime = NOW - dt.timedelta(days=1),
    days: float = 30,
) -> str:
    envelope = waiver_envelope(
        subject,
        item=item,
        reason="the base image moves to distroless next sprint",
        owner=signed_by[0].handle,
        signed_at=signed_at,
        expires=signed_at + dt.timedelta(days=days),
        findings=findings,
    )
    for person in signed_by:
        envelope = envelope.signed(person.key)
    return envelope.to_json()


def put(root: Path, folder: str, name: str, text: str) -> str:
    path = root / ".golive" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path.relative_to(root).as_posix()


def ledger(
    root: Path,
    signers: Signers,
    *,
    policy: Policy | None = None,
    subject: Subject = SUBJECT,
    now: dt.datetime = NOW,
) -> Ledger:
    return Ledger.load(root, signers=signers, subject=subject, policy=policy or Policy(), now=now)
