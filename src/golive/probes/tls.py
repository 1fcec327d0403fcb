"""TLS handshakes for the live TLS checks: one connection each, to the target's pinned address.

A probe says hello in one of two ways, and reads the server's first answer either way:

- through this machine's OpenSSL (the `ssl` module over memory BIOs) for every protocol
  version and cipher suite it can offer; the handshake runs to its end, so the certificate
  chain is seen;
- with a ClientHello built here, for what the local OpenSSL cannot offer: SSLv2 and SSLv3,
  the suites OpenSSL 3 dropped (3DES, RC4, DES, EXPORT, IDEA, SEED, static ECDH), and TLS 1.3
  suites one at a time (`ssl` cannot restrict the TLS 1.3 suites of a connection). Only the
  server's first flight is read, then the connection is closed.

A ServerHello naming the offered version (and one of the offered suites) is `accepted`; an
alert, a ServerHello for another version, or a closed connection is `refused`. What cannot
be offered at all, and answers that prove nothing (a timeout, an alert saying a hand-built
hello was malformed, bytes that are not TLS), are `untested` -- never refused.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import os
import ssl
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from socket import socket

from golive.probes.safety import PinnedTarget, ProbeRefused

__all__ = [
    "Answer",
    "Attempt",
    "Protocol",
    "Suite",
    "SuiteScan",
    "TlsError",
    "Verification",
    "accepted_suites",
    "suite",
    "try_version",
    "verify",
]

CONNECT_TIMEOUT = 5.0  # seconds to open the TCP connection
HANDSHAKE_TIMEOUT = 5.0  # seconds from the ClientHello to the end of the handshake
_MAX_ANSWER = 64 * 1024  # the first flight is parsed from at most this many bytes
_EVERYTHING = "ALL:COMPLEMENTOFALL:@SECLEVEL=0"  # every suite this OpenSSL can offer


class TlsError(Exception):
    """A handshake failed for a reason other than the one probed (unreachable, not TLS)."""


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


class Answer(enum.StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    UNTESTED = "untested"


# --- cipher suites --------------------------------------------------------------------------------

# IANA names (without "TLS_") of the suites a probe may offer: every suite OpenSSL 3 knows except
# PSK and SRP ones (no client offers those without a key), and the legacy suites it dropped.
_IANA_TEXT = """
0001 RSA_WITH_NULL_MD5                            0002 RSA_WITH_NULL_SHA
0003 RSA_EXPORT_WITH_RC4_40_MD5                   0004 RSA_WITH_RC4_128_MD5
0005 RSA_WITH_RC4_128_SHA                         0006 RSA_EXPORT_WITH_RC2_CBC_40_MD5
0007 RSA_WITH_IDEA_CBC_SHA                        0008 RSA_EXPORT_WITH_DES40_CBC_SHA
0009 RSA_WITH_DES_CBC_SHA                         000A RSA_WITH_3DES_EDE_CBC_SHA
000B DH_DSS_EXPORT_WITH_DES40_CBC_SHA             000C DH_DSS_WITH_DES_CBC_SHA
000D DH_DSS_WITH_3DES_EDE_CBC_SHA                 000E DH_RSA_EXPORT_WITH_DES40_CBC_SHA
000F DH_RSA_WITH_DES_CBC_SHA                      0010 DH_RSA_WITH_3DES_EDE_CBC_SHA
0011 DHE_DSS_EXPORT_WITH_DES40_CBC_SHA            0012 DHE_DSS_WITH_DES_CBC_SHA
0013 DHE_DSS_WITH_3DES_EDE_CBC_SHA                0014 DHE_RSA_EXPORT_WITH_DES40_CBC_SHA
0015 DHE_RSA_WITH_DES_CBC_SHA                     0016 DHE_RSA_WITH_3DES_EDE_CBC_SHA
0017 DH_anon_EXPORT_WITH_RC4_40_MD5               0018 DH_anon_WITH_RC4_128_MD5
0019 DH_anon_EXPORT_WITH_DES40_CBC_SHA            001A DH_anon_WITH_DES_CBC_SHA
001B DH_anon_WITH_3DES_EDE_CBC_SHA                002F RSA_WITH_AES_128_CBC_SHA
0030 DH_DSS_WITH_AES_128_CBC_SHA                  0031 DH_RSA_WITH_AES_128_CBC_SHA
0032 DHE_DSS_WITH_AES_128_CBC_SHA                 0033 DHE_RSA_WITH_AES_128_CBC_SHA
0034 DH_anon_WITH_AES_128_CBC_SHA                 0035 RSA_WITH_AES_256_CBC_SHA
0036 DH_DSS_WITH_AES_256_CBC_SHA                  0037 DH_RSA_WITH_AES_256_CBC_SHA
0038 DHE_DSS_WITH_AES_256_CBC_SHA                 0039 DHE_RSA_WITH_AES_256_CBC_SHA
003A DH_anon_WITH_AES_256_CBC_SHA                 003B RSA_WITH_NULL_SHA256
003C RSA_WITH_AES_128_CBC_SHA256                  003D RSA_WITH_AES_256_CBC_SHA256
0040 DHE_DSS_WITH_AES_128_CBC_SHA256              0041 RSA_WITH_CAMELLIA_128_CBC_SHA
0044 DHE_DSS_WITH_CAMELLIA_128_CBC_SHA            0045 DHE_RSA_WITH_CAMELLIA_128_CBC_SHA
0046 DH_anon_WITH_CAMELLIA_128_CBC_SHA            0067 DHE_RSA_WITH_AES_128_CBC_SHA256
0068 DH_DSS_WITH_AES_256_CBC_SHA256               006A DHE_DSS_WITH_AES_256_CBC_SHA256
006B DHE_RSA_WITH_AES_256_CBC_SHA256              006C DH_anon_WITH_AES_128_CBC_SHA256
006D DH_anon_WITH_AES_256_CBC_SHA256              0084 RSA_WITH_CAMELLIA_256_CBC_SHA
0087 DHE_DSS_WITH_CAMELLIA_256_CBC_SHA            0088 DHE_RSA_WITH_CAMELLIA_256_CBC_SHA
0089 DH_anon_WITH_CAMELLIA_256_CBC_SHA            0096 RSA_WITH_SEED_CBC_SHA
0099 DHE_DSS_WITH_SEED_CBC_SHA                    009A DHE_RSA_WITH_SEED_CBC_SHA
009B DH_anon_WITH_SEED_CBC_SHA                    009C RSA_WITH_AES_128_GCM_SHA256
009D RSA_WITH_AES_256_GCM_SHA384                  009E DHE_RSA_WITH_AES_128_GCM_SHA256
009F DHE_RSA_WITH_AES_256_GCM_SHA384              00A2 DHE_DSS_WITH_AES_128_GCM_SHA256
00A3 DHE_DSS_WITH_AES_256_GCM_SHA384              00A6 DH_anon_WITH_AES_128_GCM_SHA256
00A7 DH_anon_WITH_AES_256_GCM_SHA384              00BA RSA_WITH_CAMELLIA_128_CBC_SHA256
00BD DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256         00BE DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256
00BF DH_anon_WITH_CAMELLIA_128_CBC_SHA256         00C0 RSA_WITH_CAMELLIA_256_CBC_SHA256
00C3 DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256         00C4 DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256
00C5 DH_anon_WITH_CAMELLIA_256_CBC_SHA256         1301 AES_128_GCM_SHA256
1302 AES_256_GCM_SHA384                           1303 CHACHA20_POLY1305_SHA256
1304 AES_128_CCM_SHA256                           1305 AES_128_CCM_8_SHA256
C001 ECDH_ECDSA_WITH_NULL_SHA                     C002 ECDH_ECDSA_WITH_RC4_128_SHA
C003 ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA             C004 ECDH_ECDSA_WITH_AES_128_CBC_SHA
C005 ECDH_ECDSA_WITH_AES_256_CBC_SHA              C006 ECDHE_ECDSA_WITH_NULL_SHA
C007 ECDHE_ECDSA_WITH_RC4_128_SHA                 C008 ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA
C009 ECDHE_ECDSA_WITH_AES_128_CBC_SHA             C00A ECDHE_ECDSA_WITH_AES_256_CBC_SHA
C00B ECDH_RSA_WITH_NULL_SHA                       C00C ECDH_RSA_WITH_RC4_128_SHA
C00D ECDH_RSA_WITH_3DES_EDE_CBC_SHA               C00E ECDH_RSA_WITH_AES_128_CBC_SHA
C00F ECDH_RSA_WITH_AES_256_CBC_SHA                C010 ECDHE_RSA_WITH_NULL_SHA
C011 ECDHE_RSA_WITH_RC4_128_SHA                   C012 ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
C013 ECDHE_RSA_WITH_AES_128_CBC_SHA               C014 ECDHE_RSA_WITH_AES_256_CBC_SHA
C015 ECDH_anon_WITH_NULL_SHA                      C016 ECDH_anon_WITH_RC4_128_SHA
C017 ECDH_anon_WITH_3DES_EDE_CBC_SHA              C018 ECDH_anon_WITH_AES_128_CBC_SHA
C019 ECDH_anon_WITH_AES_256_CBC_SHA               C023 ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
C024 ECDHE_ECDSA_WITH_AES_256_CBC_SHA384          C025 ECDH_ECDSA_WITH_AES_128_CBC_SHA256
C026 ECDH_ECDSA_WITH_AES_256_CBC_SHA384           C027 ECDHE_RSA_WITH_AES_128_CBC_SHA256
C028 ECDHE_RSA_WITH_AES_256_CBC_SHA384            C029 ECDH_RSA_WITH_AES_128_CBC_SHA256
C02A ECDH_RSA_WITH_AES_256_CBC_SHA384             C02B ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
C02C ECDHE_ECDSA_WITH_AES_256_GCM_SHA384          C02D ECDH_ECDSA_WITH_AES_128_GCM_SHA256
C02E ECDH_ECDSA_WITH_AES_256_GCM_SHA384           C02F ECDHE_RSA_WITH_AES_128_GCM_SHA256
C030 ECDHE_RSA_WITH_AES_256_GCM_SHA384            C031 ECDH_RSA_WITH_AES_128_GCM_SHA256
C032 ECDH_RSA_WITH_AES_256_GCM_SHA384             C050 RSA_WITH_ARIA_128_GCM_SHA256
C051 RSA_WITH_ARIA_256_GCM_SHA384                 C052 DHE_RSA_WITH_ARIA_128_GCM_SHA256
C053 DHE_RSA_WITH_ARIA_256_GCM_SHA384             C056 DHE_DSS_WITH_ARIA_128_GCM_SHA256
C057 DHE_DSS_WITH_ARIA_256_GCM_SHA384             C05C ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256
C05D ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384         C060 ECDHE_RSA_WITH_ARIA_128_GCM_SHA256
C061 ECDHE_RSA_WITH_ARIA_256_GCM_SHA384           C072 ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256
C073 ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384     C076 ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256
C077 ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384       C09C RSA_WITH_AES_128_CCM
C09D RSA_WITH_AES_256_CCM                         C09E DHE_RSA_WITH_AES_128_CCM
C09F DHE_RSA_WITH_AES_256_CCM                     C0A0 RSA_WITH_AES_128_CCM_8
C0A1 RSA_WITH_AES_256_CCM_8                       C0A2 DHE_RSA_WITH_AES_128_CCM_8
C0A3 DHE_RSA_WITH_AES_256_CCM_8                   C0AC ECDHE_ECDSA_WITH_AES_128_CCM
C0AD ECDHE_ECDSA_WITH_AES_256_CCM                 C0AE ECDHE_ECDSA_WITH_AES_128_CCM_8
C0AF ECDHE_ECDSA_WITH_AES_256_CCM_8               CCA8 ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
CCA9 ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256    CCAA DHE_RSA_WITH_CHACHA20_POLY1305_SHA256
"""
_IANA: dict[int, str] = {
    int(code, 16): "TLS_" + name
    for code, name in zip(_IANA_TEXT.split()[::2], _IANA_TEXT.split()[1::2], strict=True)
}
TLS13_SUITES = tuple(code for code in _IANA if code >> 8 == 0x13)


@dataclass(frozen=True, kw_only=True)
class Suite:
    """A cipher suite by its code, with its IANA name (OpenSSL's when IANA's is not known)."""

    code: int
    name: str
    openssl: str | None  # OpenSSL's name, when this machine's OpenSSL knows the suite

    def __str__(self) -> str:
        if self.openssl and self.openssl != self.name:
            return f"{self.name} ({self.openssl})"
        return self.name


@functools.cache
def _local_suites() -> dict[int, str]:
    """The TLS 1.2-and-older suites this machine's OpenSSL can offer: code -> OpenSSL name."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.set_ciphers(_EVERYTHING)
    suites = {}
    for cipher in context.get_ciphers():
        kea = str(cipher.get("kea", ""))
        if cipher.get("protocol") == "TLSv1.3" or "psk" in kea or "srp" in kea:
            continue
        suites[int(cipher["id"]) & 0xFFFF] = str(cipher["name"])
    return suites


def suite(code: int) -> Suite:
    local = _local_suites().get(code)
    return Suite(code=code, name=_IANA.get(code) or local or f"0x{code:04X}", openssl=local)


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
_REFUSALS = {0, 40, 70, 71, 90}


@dataclass(frozen=True, kw_only=True)
class _Reply:
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


def _parse(data: bytes, *, eof: bool) -> _Reply | None:
    """The server's first answer in `data`, or None while it is incomplete."""
    if not data:
        return _Reply(kind="closed") if eof else None
    if data[0] & 0x80:  # an SSLv2 record: two length bytes, then the message type
        if len(data) < 3:
            return _Reply(kind="garbage") if eof else None
        return _Reply(kind={4: "sslv2", 0: "sslv2-error"}.get(data[2], "garbage"), version=0x0002)
    if data[0] not in (21, 22):
        return _Reply(kind="garbage")
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
                return _Reply(kind="garbage")
            if body[0] == 1 and body[1] != 0:
                continue  # a warning (unrecognized_name, ...) may precede the ServerHello
            return _Reply(kind="alert", alert=body[1])
        if kind != 22:
            return _Reply(kind="garbage")
        handshake += body
        if len(handshake) >= 4 and len(handshake) >= 4 + int.from_bytes(handshake[1:4], "big"):
            if handshake[0] != 2:
                return _Reply(kind="garbage")
            return _server_hello(bytes(handshake[4 : 4 + int.from_bytes(handshake[1:4], "big")]))
    return _Reply(kind="garbage") if eof else None


def _server_hello(body: bytes) -> _Reply:
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
        return _Reply(kind="garbage")
    return _Reply(kind="hello", version=version, suite=chosen)


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


def _client_hello(protocol: Protocol, suites: Sequence[int], host: str) -> bytes:
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


# --- the exchanges --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Exchange:
    reply: _Reply | None  # None: no answer (see `error`)
    error: str | None = None  # a transport failure
    connected: bool = True
    chain: tuple[bytes, ...] = ()  # served certificates, DER, leaf first (completed handshakes)
    completed: bool = False
    verify_code: int | None = None  # OpenSSL's verification error, if it failed on that
    verify_message: str | None = None
    failure: str | None = None  # OpenSSL's error, if the handshake did not complete


@contextmanager
def _connection(target: PinnedTarget, hello: int) -> Iterator[socket]:
    """A connection to the target, counted against the run's caps and in-flight slots."""
    policy = target.policy
    policy.charge(hello)
    slot = policy.slot()
    if not slot.acquire(timeout=HANDSHAKE_TIMEOUT):
        raise ProbeRefused("no connection slot came free (in-flight cap reached)")
    try:
        sock = target.connect(CONNECT_TIMEOUT)
        try:
            yield sock
        finally:
            sock.close()
    finally:
        slot.release()


def _receive(sock: socket, deadline: float) -> bytes:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("no answer in time")
    sock.settimeout(remaining)
    try:
        return sock.recv(16384)
    except ConnectionResetError:
        return b""


def _ask(target: PinnedTarget, hello: bytes) -> _Exchange:
    """Send a hand-built hello; read until the server's first answer is complete."""
    connected = False
    try:
        with _connection(target, len(hello)) as sock:
            connected = True
            sock.sendall(hello)
            data = b""
            deadline = time.monotonic() + HANDSHAKE_TIMEOUT
            while (reply := _parse(data, eof=False)) is None:
                chunk = _receive(sock, deadline)
                if not chunk or len(data) > _MAX_ANSWER:
                    reply = _parse(data, eof=True)
                    break
                data += chunk
    except TimeoutError:
        target.record(timed_out=True)
        return _Exchange(reply=None, error="timed out", connected=connected)
    except OSError as exc:
        target.record(timed_out=False)
        return _Exchange(reply=None, error=_oserror(exc), connected=connected)
    target.record(timed_out=False)
    return _Exchange(reply=reply)


def _oserror(exc: OSError) -> str:
    return f"{type(exc).__name__}: {exc.strerror or exc}"


def _handshake(target: PinnedTarget, context: ssl.SSLContext) -> _Exchange | None:
    """A handshake through this machine's OpenSSL; None when it cannot even write a hello."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=target.origin.host)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    except ssl.SSLError:
        return None
    hello = outgoing.read()
    if not hello:
        return None
    received = bytearray()  # the server's bytes, kept for parsing its first answer
    connected = False
    try:
        with _connection(target, len(hello)) as sock:
            connected = True
            sock.sendall(hello)
            completed, failure = _drive(tls, sock, incoming, outgoing, received)
    except TimeoutError:
        target.record(timed_out=True)
        reply = _parse(bytes(received), eof=False)
        return _Exchange(reply=reply, error="timed out", connected=connected)
    except OSError as exc:
        target.record(timed_out=False)
        reply = _parse(bytes(received), eof=True)
        return _Exchange(reply=reply, error=_oserror(exc), connected=connected)
    data = bytes(received)
    target.record(timed_out=False)
    verify = failure if isinstance(failure, ssl.SSLCertVerificationError) else None
    return _Exchange(
        reply=_parse(data, eof=True),
        chain=_chain(tls),
        completed=completed,
        verify_code=verify.verify_code if verify else None,
        verify_message=verify.verify_message if verify else None,
        failure=None if failure is None else str(failure.reason or failure),
    )


def _drive(
    tls: ssl.SSLObject,
    sock: socket,
    incoming: ssl.MemoryBIO,
    outgoing: ssl.MemoryBIO,
    received: bytearray,
) -> tuple[bool, ssl.SSLError | None]:
    """Carry OpenSSL's handshake over `sock` until it completes or fails; then send what it
    wrote last (a close_notify, or an alert)."""
    deadline = time.monotonic() + HANDSHAKE_TIMEOUT
    completed, failure = False, None
    while True:
        try:
            tls.do_handshake()
            completed = True
            break
        except ssl.SSLWantReadError:
            if pending := outgoing.read():
                sock.sendall(pending)
            chunk = _receive(sock, deadline)
            if chunk:
                received += chunk[: max(0, _MAX_ANSWER - len(received))]
                incoming.write(chunk)
            else:
                incoming.write_eof()
        except ssl.SSLError as exc:
            failure = exc
            break
    if completed:
        with suppress(ssl.SSLError):  # close_notify is written; the server's is not awaited
            tls.unwrap()
    if pending := outgoing.read():
        with suppress(OSError):
            sock.sendall(pending)
    return completed, failure


def _chain(tls: ssl.SSLObject) -> tuple[bytes, ...]:
    """The certificates the server sent, leaf first (also after a failed verification)."""
    # The chain as sent is public API from Python 3.13 (get_unverified_chain); before, the
    # same method exists on the internal object.
    inner = getattr(tls, "_sslobj", None)
    method = getattr(inner, "get_unverified_chain", None)
    if method is not None:
        try:
            pems = [certificate.public_bytes() for certificate in method() or []]
            return tuple(ssl.PEM_cert_to_DER_cert(pem) for pem in pems)
        except (ssl.SSLError, ValueError):
            pass
    try:
        leaf = tls.getpeercert(binary_form=True)
    except (ssl.SSLError, ValueError):
        return ()
    return (leaf,) if leaf else ()


def _context(protocol: Protocol | None, ciphers: str = _EVERYTHING) -> ssl.SSLContext | None:
    """A non-verifying client context offering exactly `protocol` (all when None), or None
    when this machine's OpenSSL refuses to."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        context.set_ciphers(ciphers)
        if protocol is not None:
            name = {0x0301: "TLSv1", 0x0302: "TLSv1_1"}.get(protocol.value, protocol.name)
            version = ssl.TLSVersion[name]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 on purpose
                context.minimum_version = version
                context.maximum_version = version
    except (KeyError, ValueError, ssl.SSLError):
        return None
    return context


# --- protocol versions ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """What a server answered to one offered protocol version."""

    offered: Protocol
    answer: Answer
    reason: str  # what the server answered, or why the version could not be tested
    via: str  # "OpenSSL" or "a hand-built ClientHello"
    chosen: Protocol | None = None  # the version the server's ServerHello named
    suite: Suite | None = None
    reached: bool = True  # a TCP connection was made

    def __str__(self) -> str:
        return f"{self.offered}: {self.answer} ({self.reason}; via {self.via})"


def try_version(target: PinnedTarget, protocol: Protocol) -> Attempt:
    """Offer exactly `protocol`: through OpenSSL when it can, else with a hand-built hello."""
    cannot = f"{ssl.OPENSSL_VERSION} here cannot offer {protocol}"
    context = None if protocol is Protocol.SSLv2 else _context(protocol)
    if context is not None:
        exchange = _handshake(target, context)
        if exchange is not None:
            return _judge(protocol, exchange, via="OpenSSL", strict=False)
    suites = [code for code in _IANA if code not in TLS13_SUITES]
    if protocol is Protocol.TLSv1_3:
        suites = list(TLS13_SUITES)
    exchange = _ask(target, _client_hello(protocol, suites, target.origin.host))
    attempt = _judge(protocol, exchange, via="a hand-built ClientHello", strict=True)
    if attempt.answer is Answer.UNTESTED:
        return replace(attempt, reason=f"{attempt.reason}; {cannot}")
    return attempt


def _judge(protocol: Protocol, exchange: _Exchange, *, via: str, strict: bool) -> Attempt:
    """Accepted, refused or untested, from the server's first answer. `strict` (hand-built
    hellos) counts only alerts that refuse the offer as refusals."""
    reply = exchange.reply

    def ending(
        answer: Answer,
        reason: str,
        *,
        chosen: Protocol | None = None,
        suite: Suite | None = None,
        reached: bool = True,
    ) -> Attempt:
        return Attempt(
            offered=protocol,
            answer=answer,
            reason=reason,
            via=via,
            chosen=chosen,
            suite=suite,
            reached=reached,
        )

    if reply is None or (exchange.error and reply.kind in {"closed", "garbage"}):
        return ending(Answer.UNTESTED, exchange.error or "no answer", reached=exchange.connected)
    match reply.kind:
        case "hello":
            chosen = (
                Protocol(reply.version) if reply.version in {p.value for p in Protocol} else None
            )
            picked = suite(reply.suite) if reply.suite is not None else None
            answer = Answer.ACCEPTED if reply.version == protocol.value else Answer.REFUSED
            return ending(answer, reply.describe(), chosen=chosen, suite=picked)
        case "sslv2" | "sslv2-error":
            answer = Answer.ACCEPTED if protocol is Protocol.SSLv2 else Answer.UNTESTED
            return ending(answer, reply.describe(), chosen=Protocol.SSLv2)
        case "alert":
            if strict and reply.alert not in _REFUSALS:
                return ending(Answer.UNTESTED, f"{reply.describe()} (the hello may be at fault)")
            return ending(Answer.REFUSED, reply.describe())
        case "closed":
            return ending(Answer.REFUSED, reply.describe())
        case _:
            return ending(Answer.UNTESTED, reply.describe())


# --- cipher suites --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SuiteScan:
    """The suites a server accepts for one protocol version, and how they were found."""

    protocol: Protocol
    accepted: tuple[Suite, ...]
    offered: int  # how many distinct suites were offered in all
    gaps: tuple[str, ...]  # what could not be tested, and why
    chains: tuple[tuple[bytes, ...], ...]  # certificate chains of completed handshakes
    reached: bool


def accepted_suites(target: PinnedTarget, protocol: Protocol) -> SuiteScan:
    """Every suite of `protocol` the server accepts, found by elimination: offer them all,
    drop the one the server picks, offer the rest again, until it refuses. Suites this
    OpenSSL knows go through it (TLS 1.2 and older); the rest, and TLS 1.3 suites, go in
    hand-built hellos."""
    accepted: list[Suite] = []
    gaps: list[str] = []
    chains: list[tuple[bytes, ...]] = []
    reached = False
    local = {} if protocol is Protocol.TLSv1_3 else dict(_local_suites())
    if protocol is Protocol.TLSv1_3:
        others = list(TLS13_SUITES)
    else:
        others = [code for code in _IANA if code not in local and code not in TLS13_SUITES]
    offered = len(local) + len(others)
    while local:
        context = _context(protocol, ":".join(local.values()) + ":@SECLEVEL=0")
        exchange = _handshake(target, context) if context is not None else None
        if exchange is None:  # this OpenSSL cannot offer the version: hand-built hellos can
            others += list(local)
            break
        reached = reached or exchange.connected
        picked = _picked(protocol, exchange, local, gaps, strict=False)
        if picked is None:
            break
        accepted.append(suite(picked))
        chains.append(exchange.chain)
        del local[picked]
    remaining = dict.fromkeys(others, "")
    while remaining:
        exchange = _ask(target, _client_hello(protocol, list(remaining), target.origin.host))
        reached = reached or exchange.connected
        picked = _picked(protocol, exchange, remaining, gaps, strict=True)
        if picked is None:
            break
        accepted.append(suite(picked))
        del remaining[picked]
    if protocol is Protocol.TLSv1_3 and accepted:
        context = _context(protocol)
        exchange = _handshake(target, context) if context is not None else None
        if exchange is not None and exchange.chain:
            chains.append(exchange.chain)
    return SuiteScan(
        protocol=protocol,
        accepted=tuple(accepted),
        offered=offered,
        gaps=tuple(gaps),
        chains=tuple(chains),
        reached=reached,
    )


def _picked(
    protocol: Protocol,
    exchange: _Exchange,
    offered: dict[int, str],
    gaps: list[str],
    *,
    strict: bool,
) -> int | None:
    """The suite the server picked from `offered`, or None when it picked none (a gap is
    recorded when the answer proves nothing)."""
    attempt = _judge(protocol, exchange, via="", strict=strict)
    reply = exchange.reply
    if attempt.answer is Answer.ACCEPTED and reply is not None and reply.suite in offered:
        return reply.suite
    if attempt.answer is Answer.ACCEPTED:
        gaps.append(f"the server picked {attempt.suite} in {protocol}, which was not offered")
    elif attempt.answer is Answer.UNTESTED:
        gaps.append(f"{len(offered)} {protocol} suites: {attempt.reason}")
    return None


# --- certificates ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Verification:
    """The certificate chain a server sent and whether a client trusting `cafiles` accepts it."""

    chain: tuple[bytes, ...]  # DER, leaf first, as sent
    verified: bool
    code: int | None  # OpenSSL's X509_V_ERR_* when not verified
    message: str | None


def verify(
    target: PinnedTarget,
    *,
    cafiles: Sequence[Path] = (),
    system: bool = True,
    hostname: bool = True,
) -> Verification:
    """One handshake as a browser-like client would make it: trusting the system store (with
    `system`) and `cafiles`, checking the name (with `hostname`) and the validity period."""
    context = ssl.create_default_context() if system else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # RFC 5280 strictness (the default from Python 3.13) is not what browsers and curl
    # apply; the same verdict on every Python.
    context.verify_flags &= ~ssl.VERIFY_X509_STRICT
    for cafile in cafiles:
        try:
            context.load_verify_locations(cafile=str(cafile))
        except (OSError, ssl.SSLError) as exc:
            raise TlsError(f"the CA file {cafile} cannot be read: {exc}") from None
    context.check_hostname = hostname
    exchange = _handshake(target, context)
    if exchange is None:
        raise TlsError(f"{ssl.OPENSSL_VERSION} here cannot write a ClientHello")
    if exchange.completed:
        return Verification(chain=exchange.chain, verified=True, code=None, message=None)
    if exchange.verify_code is not None:
        chain = exchange.chain
        if not chain:  # fetch it without verifying
            unverified = _context(None)
            again = _handshake(target, unverified) if unverified is not None else None
            chain = again.chain if again is not None else ()
        return Verification(
            chain=chain, verified=False, code=exchange.verify_code, message=exchange.verify_message
        )
    if exchange.error is not None:
        raise TlsError(f"{target.origin.host}:{target.origin.port}: {exchange.error}")
    reply = exchange.reply.describe() if exchange.reply is not None else "no answer"
    raise TlsError(f"the TLS handshake failed: {exchange.failure or reply} ({reply})")
