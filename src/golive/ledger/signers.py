"""`.golive/signers.toml`: the people whose signatures count, their public keys and roles.

    [signers.alice]
    name = "Alice Example"                     # optional
    key = "ssh-ed25519 AAAAC3Nza... alice@laptop"
    roles = ["security", "approver"]
    until = 2027-06-30                         # optional: records signed later are refused

The file lives in the repository and is reviewed like code: adding a signer is a change
someone approves. For a trust root outside the repository, give `--signers FILE`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from golive.checklist._errors import ConfigError, Problem, SourceFile
from golive.ledger.keys import KeyFileError, key_id, parse_public_key

if TYPE_CHECKING:
    from golive.ledger.dsse import Envelope

__all__ = ["SIGNERS_FILE", "Signer", "Signers", "load_signers"]

SIGNERS_FILE = ".golive/signers.toml"

_FIELDS = ("name", "key", "roles", "until")


@dataclass(frozen=True, kw_only=True)
class Signer:
    handle: str  # the table name: `alice`
    key: Ed25519PublicKey
    keyid: str
    roles: frozenset[str]
    name: str | None = None
    until: dt.date | None = None

    def __str__(self) -> str:
        return self.handle


@dataclass(frozen=True, kw_only=True)
class Signers:
    people: tuple[Signer, ...] = ()
    source: str | None = None  # the file they were read from, as shown in messages

    def by_keyid(self, keyid: str) -> Signer | None:
        return next((s for s in self.people if s.keyid == keyid), None)

    def by_handle(self, handle: str) -> Signer | None:
        return next((s for s in self.people if s.handle == handle), None)

    @property
    def keys(self) -> Iterable[Ed25519PublicKey]:
        return (s.key for s in self.people)

    def signed(self, envelope: Envelope) -> tuple[tuple[Signer, ...], str | None]:
        """Who among these signers signed `envelope` (their signatures hold), or, when
        nobody did, why not: not signed, changed after a known signer signed, or signed by
        keys not trusted here. A signature's keyid is only a hint: every key is tried."""
        if not envelope.signatures:
            return (), "not signed"
        who = tuple(
            s for _, keyid in envelope.verified_by(self.keys) if (s := self.by_keyid(keyid))
        )
        if who:
            return who, None
        known = [s.handle for x in envelope.signatures if (s := self.by_keyid(x.keyid))]
        if known:
            return (), (
                f"bad signature: the record was changed after {', '.join(known)} signed it, "
                "or the signature is not theirs"
            )
        ids = ", ".join(x.keyid or "(no keyid)" for x in envelope.signatures)
        return (), f"signed by an unknown key ({ids}; not in {self.source or 'no signers file'})"


def load_signers(path: Path, *, display: str | None = None) -> Signers:
    """The signers in `path`; no file means nobody can sign. Errors raise ConfigError."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Signers(source=None)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([Problem(message=f"cannot be read: {error}", file=shown)]) from None
    source = SourceFile.parse(shown, text)
    problems: list[Problem] = []
    people: list[Signer] = []
    for key in source.data:
        if key != "signers":
            problems.append(
                source.problem((key,), f'unknown table "{key}"; expected [signers.NAME]', key=True)
            )
    table = source.data.get("signers", {})
    if not isinstance(table, dict):
        problems.append(source.problem(("signers",), "expected [signers.NAME] tables"))
        table = {}
    seen: dict[str, str] = {}
    for handle, entry in table.items():
        signer = _signer(source, handle, entry, problems)
        if signer is None:
            continue
        if signer.keyid in seen:
            problems.append(
                source.problem(
                    ("signers", handle, "key"),
                    f"signer {handle} has the same key as {seen[signer.keyid]}; "
                    "one key, one person",
                )
            )
            continue
        seen[signer.keyid] = handle
        people.append(signer)
    if problems:
        raise ConfigError(problems)
    return Signers(people=tuple(people), source=shown)


def _signer(
    source: SourceFile, handle: str, entry: object, problems: list[Problem]
) -> Signer | None:
    where = ("signers", handle)
    if not isinstance(entry, dict):
        problems.append(source.problem(where, f"signer {handle}: expected a table"))
        return None
    before = len(problems)
    for name in entry:
        if name not in _FIELDS:
            problems.append(
                source.problem(
                    (*where, name),
                    f'signer {handle}: unknown key "{name}"; expected {", ".join(_FIELDS)}',
                    key=True,
                )
            )
    key_text = entry.get("key")
    key: Ed25519PublicKey | None = None
    if not isinstance(key_text, str):
        problems.append(source.problem(where, f'signer {handle}: "key" (a public key) is missing'))
    else:
        try:
            key = parse_public_key(key_text)
        except KeyFileError as error:
            problems.append(source.problem((*where, "key"), f"signer {handle}: {error}"))
    roles = entry.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) and r.strip() for r in roles):
        problems.append(
            source.problem((*where, "roles"), f"signer {handle}: roles must be a list of names")
        )
        roles = []
    name = entry.get("name")
    if name is not None and not isinstance(name, str):
        problems.append(source.problem((*where, "name"), f"signer {handle}: name must be text"))
        name = None
    until = entry.get("until")
    if isinstance(until, dt.datetime):
        until = until.date()
    if until is not None and not isinstance(until, dt.date):
        problems.append(
            source.problem((*where, "until"), f"signer {handle}: until must be a date (2027-06-30)")
        )
        until = None
    if len(problems) > before or key is None:
        return None
    return Signer(
        handle=handle,
        key=key,
        keyid=key_id(key),
        roles=frozenset(r.strip() for r in roles),
        name=name,
        until=until,
    )
