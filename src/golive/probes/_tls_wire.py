"""TLS on the wire, built by hand: protocol versions, the ClientHello golive writes itself, and
the server's first answer read back from raw bytes."""

from __future__ import annotations

import enum
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass

from golive.probes._tls_suites import suite

__all__ = ["REFUSALS", "Protocol", "Reply", "client_hello", "parse"]


class Protocol(enum.Enum):
    """A protocol version, by its number on the wire."""

    SSLv2 = 0x0002
    SSLv3 = 0x0300
    TLSv1_0 = 0x0301
    TLSv1_1 = 0x0302
    TLSv1_2 = 0x0303
    TLSv1_3 = 0x0304

    @property
    def label(self) -> str:
        return {0x0002: "SSLv2", 0x0300: "SSLv3"}.get(self.value) or f"TLS 1.{self.value - 0x0301}"

    def __str__(self) -> str:
        return self.label

    def __lt__(self, other: Protocol) -> bool:
        return self.value < other.value


# --- the server's first answer --------------------------------------------------------------------

_ALERTS = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    22: "record_overflow",
    40: "handshake_failure",
    42: "bad_certificate",
    47: "illegal_parameter",
    50: "decode_error",
    51: "decrypt_error",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    90: "user_canceled",
    109: "missing_extension",
    110: "unsupported_extension",
    112: "unrecognized_name",
}
# Alerts that refuse what a hand-built hello offered (others may mean the hello was malformed).
REFUSALS = {0, 40, 70, 71, 90}


@dataclass(frozen=True, kw_only=True)
class Reply:
    kind: str  # hello | alert | closed | sslv2 | sslv2-error | garbage
    version: int | None = None
    suite: int | None = None
    alert: int | None = None

    def describe(self) -> str:
        match self.kind:
            case "hello":
                chosen = _label(self.version)
                return f"ServerHello for {chosen} with {suite(self.suite or 0).name}"
            case "alert":
                return f"alert {_ALERTS.get(self.alert or 0, str(self.alert))}"
            case "closed":
                return "the server closed the connection"
            case "sslv2":
                return "an SSLv2 SERVER-HELLO"
            case "sslv2-error":
                return "an SSLv2 ERROR message (SSLv2 spoken, no shared SSLv2 cipher)"
            case _:
                return "an answer that is not TLS"


def _label(wire: int | None) -> str:
    try:
        return Protocol(wire).label
    except ValueError:
        return f"version 0x{wire or 0:04X}"


def parse(data: bytes, *, eof: bool) -> Reply | None:
    """The server's first answer in `data`, or None while it is incomplete."""
    if not data:
        return Reply(kind="closed") if eof else None
    if data[0] & 0x80:  # an SSLv2 record: two length bytes, then the message type
        if len(data) < 3:
            return Reply(kind="garbage") if eof else None
        return Reply(kind={4: "sslv2", 0: "sslv2-error"}.get(data[2], "garbage"), version=0x0002)
    if data[0] not in (21, 22):
        return Reply(kind="garbage")
    handshake = bytearray()
    position = 0
    while len(data) - position >= 5:
        kind = data[position]
        length = int.from_bytes(data[position + 3 : position + 5], "big")
        if len(data) - position - 5 < length:
            break
        body = data[position + 5 : position + 5 + length]
        position += 5 + length
        if kind == 21 and not handshake:
            if len(body) < 2:
                return Reply(kind="garbage")
            if body[0] == 1 and body[1] != 0:
                continue  # a warning (unrecognized_name, ...) may precede the ServerHello
            return Reply(kind="alert", alert=body[1])
        if kind != 22:
            return Reply(kind="garbage")
        handshake += body
        if len(handshake) >= 4 and len(handshake) >= 4 + int.from_bytes(handshake[1:4], "big"):
            if handshake[0] != 2:
                return Reply(kind="garbage")
            return _server_hello(bytes(handshake[4 : 4 + int.from_bytes(handshake[1:4], "big")]))
    return Reply(kind="garbage") if eof else None


def _server_hello(body: bytes) -> Reply:
    """The version and suite a ServerHello (or a TLS 1.3 HelloRetryRequest) chose."""
    try:
        version = int.from_bytes(body[0:2], "big")
        at = 35 + body[34]
        chosen = int.from_bytes(body[at : at + 2], "big")
        at += 3
        if len(body) >= at + 2:
            end = at + 2 + int.from_bytes(body[at : at + 2], "big")
            at += 2
            while at + 4 <= end:
                kind = int.from_bytes(body[at : at + 2], "big")
                size = int.from_bytes(body[at + 2 : at + 4], "big")
                if kind == 43 and size == 2:  # supported_versions: the version TLS 1.3 chose
                    version = int.from_bytes(body[at + 4 : at + 6], "big")
                at += 4 + size
    except IndexError:
        return Reply(kind="garbage")
    return Reply(kind="hello", version=version, suite=chosen)


# --- hand-built hellos ----------------------------------------------------------------------------

_GROUPS = (29, 23, 24, 25, 30, 256, 257)  # x25519, P-256, P-384, P-521, x448, ffdhe2048/3072
_SIGNATURES = (
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806,
    0x0809, 0x080A, 0x080B, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201, 0x0202,
)  # fmt: skip


def _u16(value: int) -> bytes:
    return value.to_bytes(2, "big")


def _vector(data: bytes, width: int = 2) -> bytes:
    return len(data).to_bytes(width, "big") + data


def _extension(kind: int, data: bytes) -> bytes:
    return _u16(kind) + _vector(data)


def client_hello(protocol: Protocol, suites: Sequence[int], host: str) -> bytes:
    """A ClientHello record offering `protocol` and `suites` as a browser of its time would."""
    if protocol is Protocol.SSLv2:
        specs = bytes.fromhex("010080 020080 030080 040080 050080 060040 0700C0")
        challenge = os.urandom(16)
        body = b"\x01" + _u16(0x0002) + _u16(len(specs)) + _u16(0) + _u16(16) + specs + challenge
        return _u16(0x8000 | len(body)) + body
    extensions = [
        _extension(10, _vector(b"".join(_u16(g) for g in _GROUPS))),
        _extension(11, b"\x01\x00"),  # ec_point_formats: uncompressed
        _extension(13, _vector(b"".join(_u16(s) for s in _SIGNATURES))),
        _extension(0xFF01, b"\x00"),  # renegotiation_info, empty
    ]
    if not _is_address(host):
        name = host.encode("idna")
        extensions.insert(0, _extension(0, _vector(b"\x00" + _vector(name))))
    legacy = protocol.value
    if protocol is Protocol.TLSv1_3:
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

        share = X25519PrivateKey.generate().public_key().public_bytes_raw()
        extensions += [
            _extension(43, _vector(_u16(0x0304), 1)),
            _extension(51, _vector(_u16(29) + _vector(share))),
            _extension(45, b"\x01\x01"),  # psk_key_exchange_modes: psk_dhe_ke
        ]
        legacy = 0x0303
    session = os.urandom(32)
    body = (
        _u16(legacy)
        + os.urandom(32)
        + _vector(session, 1)
        + _vector(b"".join(_u16(code) for code in suites))
        + b"\x01\x00"
    )
    size = len(body) + 2 + sum(len(e) for e in extensions) + 4
    if 256 <= size < 512:  # some servers hang on hellos of this size: pad past it
        extensions.append(_extension(21, bytes(max(0, 512 - size - 4))))
    message = b"\x01" + _vector(body + _vector(b"".join(extensions)), 3)
    record_version = 0x0300 if protocol is Protocol.SSLv3 else 0x0301
    return b"\x16" + _u16(record_version) + _vector(message)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
