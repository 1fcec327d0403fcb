"""What the TLS checks read in a certificate, why a chain fails, and the CA/Browser Forum
lifetime rule."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import Any

from golive.checks.base import Unknown
from golive.probes import tls
from golive.probes.safety import PinnedTarget

__all__ = [
    "CURVES",
    "Certificate",
    "failure_reasons",
    "judge_lifetime",
    "read_certificate",
    "served_leaf",
    "utc_now",
    "verify_chain",
    "when",
]

CURVES = {"secp256r1": "P-256", "secp384r1": "P-384"}

# CA/Browser Forum ballot SC-081: the longest validity of a public TLS certificate, by the date
# it was issued (notBefore).
_LIFETIMES = (
    (dt.datetime(2029, 3, 15, tzinfo=dt.UTC), 47),
    (dt.datetime(2027, 3, 15, tzinfo=dt.UTC), 100),
    (dt.datetime(2026, 3, 15, tzinfo=dt.UTC), 200),
)
_LIFETIME_BEFORE = 398

# OpenSSL's X509_V_ERR codes the certificate check explains in its own words.
_NOT_YET_VALID, _EXPIRED, _SELF_SIGNED, _SELF_SIGNED_IN_CHAIN = 9, 10, 18, 19
_UNKNOWN_ISSUER = {2, 20, 21}
_NAME_MISMATCH = {62, 63, 64}


@dataclass(frozen=True, kw_only=True)
class Certificate:
    """What a certificate says, as the checks report it."""

    subject: str
    issuer: str
    dns: tuple[str, ...]
    ips: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    self_signed: bool
    key: str  # "ECDSA P-256", "RSA 2048", ...
    key_kind: str  # ecdsa | rsa | other
    key_bits: int
    curve: str | None
    fingerprint: str  # SHA-256, hex

    @property
    def names(self) -> str:
        return ", ".join((*self.dns, *self.ips)) or "no subjectAltName"

    def matches(self, host: str) -> bool:
        """RFC 6125 matching on the subjectAltName (a wildcard covers one leftmost label)."""
        host = host.lower().rstrip(".")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return any(ipaddress.ip_address(ip) == address for ip in self.ips)
        for pattern in (name.lower().rstrip(".") for name in self.dns):
            if pattern == host:
                return True
            label, _, rest = host.partition(".")
            if pattern.startswith("*.") and label and rest == pattern[2:]:
                return True
        return False


def read_certificate(der: bytes) -> Certificate:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise Unknown(f"the server's certificate cannot be read: {exc}") from None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = tuple(san.get_values_for_type(x509.DNSName))
        ips = tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        dns, ips = (), ()
    self_signed = cert.issuer == cert.subject
    if self_signed:
        try:
            cert.verify_directly_issued_by(cert)
        except (ValueError, TypeError, InvalidSignature):
            self_signed = False
    key = cert.public_key()
    curve = None
    if isinstance(key, rsa.RSAPublicKey):
        kind, bits, text = "rsa", key.key_size, f"RSA {key.key_size}"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        curve = key.curve.name
        kind, bits, text = "ecdsa", key.key_size, f"ECDSA {CURVES.get(curve, curve)}"
    elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        kind, bits = "other", 0
        text = "Ed25519" if isinstance(key, ed25519.Ed25519PublicKey) else "Ed448"
    else:
        kind, bits, text = "other", 0, type(key).__name__.removesuffix("PublicKey")
    return Certificate(
        subject=cert.subject.rfc4514_string() or "(empty subject)",
        issuer=cert.issuer.rfc4514_string() or "(empty issuer)",
        dns=dns,
        ips=ips,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        self_signed=self_signed,
        key=text,
        key_kind=kind,
        key_bits=bits,
        curve=curve,
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
    )


def served_leaf(verification: tls.Verification, target: PinnedTarget) -> Certificate:
    if not verification.chain:
        raise Unknown(f"{target.origin} sent no certificate")
    return read_certificate(verification.chain[0])


def verify_chain(target: PinnedTarget, **options: Any) -> tls.Verification:
    try:
        return tls.verify(target, **options)
    except tls.TlsError as exc:
        raise Unknown(f"no TLS handshake with {target.origin}: {exc}") from None


def when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def failure_reasons(
    verification: tls.Verification, leaf: Certificate, host: str
) -> list[tuple[str, str]]:
    """Every reason the chain fails, keyed, in a client's words (OpenSSL names only the
    first it meets)."""
    now = utc_now()
    code = verification.code
    reasons = []
    if code == _SELF_SIGNED or (leaf.self_signed and code in _UNKNOWN_ISSUER):
        reasons.append(("self-signed", "self-signed: no trusted CA issued it"))
    elif code == _SELF_SIGNED_IN_CHAIN:
        reasons.append(
            ("untrusted-root", "the chain ends in a self-signed root that is not trusted")
        )
    elif code in _UNKNOWN_ISSUER:
        reasons.append(
            ("untrusted", f"issued by {leaf.issuer}, a CA that is not trusted (or a missing chain)")
        )
    elif code not in {_NOT_YET_VALID, _EXPIRED, *_NAME_MISMATCH}:
        reasons.append((f"openssl-{code}", verification.message or f"OpenSSL error {code}"))
    if leaf.not_after <= now:
        reasons.append(("expired", f"expired on {when(leaf.not_after)}"))
    elif code == _EXPIRED:
        reasons.append(("expired", "a certificate of the chain has expired"))
    if leaf.not_before > now:
        reasons.append(("not-yet-valid", f"not valid before {when(leaf.not_before)}"))
    elif code == _NOT_YET_VALID:
        reasons.append(("not-yet-valid", "a certificate of the chain is not valid yet"))
    if not leaf.matches(host):
        reasons.append(("name", f"issued for {leaf.names}, not {host}"))
    elif code in _NAME_MISMATCH:
        reasons.append(("name", verification.message or f"the name does not match {host}"))
    return reasons


def judge_lifetime(public: tls.Verification, leaf: Certificate) -> tuple[str | None, str | None]:
    """A warning when a public certificate lives longer than allowed, and a note saying how
    "public" was decided."""
    days = (leaf.not_after - leaf.not_before).total_seconds() / 86_400
    if not public.verified:
        if public.code in {_SELF_SIGNED, _SELF_SIGNED_IN_CHAIN, *_UNKNOWN_ISSUER}:
            return None, (
                f"lifetime {days:.0f} days not judged: a private CA's certificate (its chain "
                "does not lead to the system trust store)"
            )
        return None, (
            f"lifetime {days:.0f} days not judged: the chain does not verify against the "
            f"system trust store ({public.message})"
        )
    limit = next(
        (limit for start, limit in _LIFETIMES if leaf.not_before >= start), _LIFETIME_BEFORE
    )
    if days > limit:
        return (
            f"the public certificate lives {days:.0f} days, above the {limit}-day maximum for "
            f"one issued on {leaf.not_before:%Y-%m-%d}",
            None,
        )
    return None, None
