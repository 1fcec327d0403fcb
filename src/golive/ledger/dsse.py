"""DSSE envelopes: a payload, its type, and Ed25519 signatures over both.

A signature covers PAE(type, payload) = "DSSEv1 <len type> <type> <len payload> <payload>",
so neither the payload nor its type can change without breaking it. The `keyid` next to a
signature is a hint for finding the key, never a proof of who signed: verification tries
the named key first and then every other trusted key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from golive.ledger._encoding import b64decode, b64encode
from golive.ledger.keys import key_id

__all__ = ["IN_TOTO", "Envelope", "EnvelopeError", "Signature", "pae"]

IN_TOTO = "application/vnd.in-toto+json"


class EnvelopeError(ValueError):
    """The text is not a DSSE envelope; the message says what is wrong."""


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding of a payload and its type."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


@dataclass(frozen=True, kw_only=True)
class Signature:
    keyid: str
    sig: bytes


@dataclass(frozen=True, kw_only=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...] = ()

    def signed(self, key: Ed25519PrivateKey) -> Envelope:
        """This envelope with one more signature, by `key` (a key signs an envelope once)."""
        keyid = key_id(key.public_key())
        if any(s.keyid == keyid for s in self.signatures):
            return self
        sig = key.sign(pae(self.payload_type, self.payload))
        return replace(self, signatures=(*self.signatures, Signature(keyid=keyid, sig=sig)))

    def verified_by(self, keys: Iterable[Ed25519PublicKey]) -> list[tuple[Signature, str]]:
        """The signatures that a key among `keys` verifies, each with that key's id."""
        message = pae(self.payload_type, self.payload)
        by_id = {key_id(key): key for key in keys}
        found: list[tuple[Signature, str]] = []
        for signature in self.signatures:
            named = by_id.get(signature.keyid)
            candidates = [signature.keyid] if named is not None else []
            candidates += [k for k in by_id if k != signature.keyid]
            for candidate in candidates:
                try:
                    by_id[candidate].verify(signature.sig, message)
                except InvalidSignature:
                    continue
                found.append((signature, candidate))
                break
        return found

    def to_json(self) -> str:
        data = {
            "payloadType": self.payload_type,
            "payload": b64encode(self.payload),
            "signatures": [{"keyid": s.keyid, "sig": b64encode(s.sig)} for s in self.signatures],
        }
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Envelope:
        try:
            data: Any = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise EnvelopeError(f"not JSON: {error}") from None
        if not isinstance(data, dict):
            raise EnvelopeError("not a DSSE envelope: expected a JSON object")
        for name in ("payloadType", "payload", "signatures"):
            if name not in data:
                raise EnvelopeError(f'not a DSSE envelope: no "{name}"')
        payload_type, signatures = data["payloadType"], data["signatures"]
        if not isinstance(payload_type, str):
            raise EnvelopeError('"payloadType" is not a string')
        try:
            payload = b64decode(data["payload"])
        except ValueError as error:
            raise EnvelopeError(f'"payload": {error}') from None
        if not isinstance(signatures, list):
            raise EnvelopeError('"signatures" is not a list')
        parsed: list[Signature] = []
        for number, entry in enumerate(signatures, start=1):
            if not isinstance(entry, dict) or "sig" not in entry:
                raise EnvelopeError(f'signature {number} has no "sig"')
            keyid = entry.get("keyid") or ""
            if not isinstance(keyid, str):
                raise EnvelopeError(f'signature {number}: "keyid" is not a string')
            try:
                sig = b64decode(entry["sig"])
            except ValueError as error:
                raise EnvelopeError(f"signature {number}: {error}") from None
            parsed.append(Signature(keyid=keyid, sig=sig))
        return cls(payload_type=payload_type, payload=payload, signatures=tuple(parsed))
