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
import ssl
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from socket import socket

from golive.probes._tls_suites import EVERYTHING, IANA, TLS13_SUITES, Suite, local_suites, suite
from golive.probes._tls_wire import REFUSALS, Protocol, Reply, client_hello, parse
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


class TlsError(Exception):
    """A handshake failed for a reason other than the one probed (unreachable, not TLS)."""


class Answer(enum.StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    UNTESTED = "untested"


# --- the exchanges --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Exchange:
    reply: Reply | None  # None: no answer (see `error`)
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
            while (reply := parse(data, eof=False)) is None:
                chunk = _receive(sock, deadline)
                if not chunk or len(data) > _MAX_ANSWER:
                    reply = parse(data, eof=True)
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
        reply = parse(bytes(received), eof=False)
        return _Exchange(reply=reply, error="timed out", connected=connected)
    except OSError as exc:
        target.record(timed_out=False)
        reply = parse(bytes(received), eof=True)
        return _Exchange(reply=reply, error=_oserror(exc), connected=connected)
    data = bytes(received)
    target.record(timed_out=False)
    verify = failure if isinstance(failure, ssl.SSLCertVerificationError) else None
    return _Exchange(
        reply=parse(data, eof=True),
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


def _context(protocol: Protocol | None, ciphers: str = EVERYTHING) -> ssl.SSLContext | None:
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
    suites = [code for code in IANA if code not in TLS13_SUITES]
    if protocol is Protocol.TLSv1_3:
        suites = list(TLS13_SUITES)
    exchange = _ask(target, client_hello(protocol, suites, target.origin.host))
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
            if strict and reply.alert not in REFUSALS:
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
    local = {} if protocol is Protocol.TLSv1_3 else dict(local_suites())
    if protocol is Protocol.TLSv1_3:
        others = list(TLS13_SUITES)
    else:
        others = [code for code in IANA if code not in local and code not in TLS13_SUITES]
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
        exchange = _ask(target, client_hello(protocol, list(remaining), target.origin.host))
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
