"""A small HTTP/1.1 client for probes: one connection per request, to the pinned address only.

Probes need what general clients hide: the exact status and header lines, the bytes actually
sent, `Expect: 100-continue` with a body that stops at the first response, a refusal to follow
a redirect off the target's origin, and a hard bound on what is read. Each request goes
through the target's policy (origin, consent, caps, in-flight slot); the response keeps the
first `keep` bytes of its body and counts the rest.
"""

from __future__ import annotations

import json
import select
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from golive.probes.safety import Consent, Origin, PinnedTarget, ProbePolicy, ProbeRefused

__all__ = ["Headers", "HttpError", "Response", "ok", "request", "tls_context"]

_MAX_HEAD = 64 * 1024  # a response head larger than this is refused
_MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


class HttpError(Exception):
    """The exchange failed below HTTP: refused, reset, timed out, TLS or framing error."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


@dataclass(frozen=True)
class Headers:
    """Response headers in arrival order; lookups ignore case."""

    items: tuple[tuple[str, str], ...] = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for key, value in self.items:
            if key.lower() == name:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.items if key.lower() == name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None


@dataclass(frozen=True, kw_only=True)
class Response:
    url: str  # the URL that answered (after same-origin redirects)
    status: int
    reason: str
    headers: Headers
    body: bytes  # the first `keep` bytes
    body_size: int  # bytes of body read in all (reading stops at `read_limit`)
    elapsed: float  # seconds from the start of the request to the last byte read
    sent_body: int = 0  # body bytes actually sent
    redirects: tuple[str, ...] = ()  # same-origin hops followed
    refused_redirect: str | None = None  # a Location off the target's origin, not followed
    interim: tuple[int, ...] = ()  # 1xx statuses seen before the final one

    @property
    def content_type(self) -> str:
        value = self.headers.get("content-type") or ""
        return value.split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (or was cut at `keep`)."""
        if self.body_size > len(self.body):
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None

    def text(self, limit: int = 200) -> str:
        text = self.body[:limit].decode("utf-8", "replace")
        return " ".join(text.split())


def tls_context(target: PinnedTarget, *, verify: bool = True) -> ssl.SSLContext:
    """A client context trusting the system store plus the target's own CA file."""
    context = ssl.create_default_context()
    if target.ca is not None:
        try:
            context.load_verify_locations(cafile=str(target.ca))
        except (OSError, ssl.SSLError) as exc:
            raise ProbeRefused(f"the CA file {target.ca} of target {target.name}: {exc}") from None
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context


def request(
    target: PinnedTarget,
    method: str,
    path_or_url: str,
    *,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    body: bytes | int | None = None,
    consent: Consent = Consent.PASSIVE,
    timeout: float = 10.0,
    connect_timeout: float = 5.0,
    keep: int = 4096,
    read_limit: int = 1024 * 1024,
    follow: bool = True,
    expect_continue: bool = False,
    credentials: bool = False,
    verify: bool = True,
) -> Response:
    """Send one request to `target` and read its response.

    `body` is bytes, or an int: that many filler bytes, generated while streaming. With
    `expect_continue` the body waits for `100 Continue` (or a second) and sending stops at the
    first final response. `credentials` adds the target's Authorization value. Redirects are
    followed on the target's own origin only (GET and HEAD, at most five); any other Location
    is returned in `refused_redirect`.
    """
    what = f"{method} {path_or_url}"
    target.require(consent, what)
    if method not in {"GET", "HEAD"} and consent < Consent.ACTIVE:
        raise ProbeRefused(f"{method} needs active consent (only GET and HEAD are passive)")
    if method in {"PUT", "PATCH", "DELETE"}:
        raise ProbeRefused(f"{method} is never sent: probes do not change a service's state")
    url = path_or_url if "://" in path_or_url else target.url(path_or_url)
    extra = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    if credentials:
        if target.credential is None:
            raise ProbeRefused(f"target {target.name} has no credential in the environment")
        extra.append(("Authorization", target.credential))
    plan = _Plan(
        method=method,
        headers=tuple(extra),
        body=body,
        timeout=timeout,
        connect_timeout=connect_timeout,
        keep=keep,
        read_limit=read_limit,
        expect_continue=expect_continue,
        verify=verify,
        started=time.monotonic(),
    )
    hops: list[str] = []
    while True:
        origin = Origin.of(url)
        if not target.allows_origin(origin):
            raise ProbeRefused(f"{url} is not on target {target.name} ({target.origin})")
        response = _exchange(target, origin, url, plan)
        location = response.headers.get("location")
        if not (follow and 300 <= response.status < 400 and location):
            return replace(response, redirects=tuple(hops))
        following = urljoin(url, location)
        try:
            same = Origin.of(following) == origin
        except ProbeRefused:
            same = False
        if not same or method not in {"GET", "HEAD"} or len(hops) >= _MAX_REDIRECTS:
            return replace(response, redirects=tuple(hops), refused_redirect=following)
        hops.append(following)
        url = following


@dataclass(frozen=True, kw_only=True)
class _Plan:
    """One request as asked, for every hop of it."""

    method: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | int | None
    timeout: float
    connect_timeout: float
    keep: int
    read_limit: int
    expect_continue: bool
    verify: bool
    started: float

    @property
    def size(self) -> int:
        return len(self.body) if isinstance(self.body, bytes) else (self.body or 0)


def _head_bytes(target: PinnedTarget, origin: Origin, url: str, plan: _Plan) -> bytes:
    parts = urlsplit(url)
    request_target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{plan.method} {request_target} HTTP/1.1", f"Host: {origin.netloc}"]
    names = {k.lower() for k, _ in plan.headers}
    if "user-agent" not in names:
        lines.append(f"User-Agent: {target.policy.user_agent}")
    lines.append(f"X-Golive-Run-Id: {target.policy.run_id}")
    if "accept" not in names:
        lines.append("Accept: */*")
    lines.append("Connection: close")
    if plan.body is not None and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {plan.size}")
    if plan.expect_continue and plan.body is not None:
        lines.append("Expect: 100-continue")
    lines.extend(f"{k}: {v}" for k, v in plan.headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _exchange(target: PinnedTarget, origin: Origin, url: str, plan: _Plan) -> Response:
    head = _head_bytes(target, origin, url, plan)
    policy = target.policy
    policy.charge(len(head))
    slot = policy.slot()
    if not slot.acquire(timeout=plan.timeout):
        raise ProbeRefused("no request slot came free (in-flight cap reached)")
    sock: socket.socket | ssl.SSLSocket | None = None
    try:
        try:
            sock = target.connect(plan.connect_timeout, origin=origin)
            if origin.scheme == "https":
                context = tls_context(target, verify=plan.verify)
                sock = context.wrap_socket(sock, server_hostname=origin.host)
            response = _converse(sock, target, url, head, plan)
        except TimeoutError as exc:
            target.record(timed_out=True)
            raise HttpError(f"timed out after {plan.timeout:g} s ({exc})", timed_out=True) from None
        except ssl.SSLError as exc:
            target.record(timed_out=False)
            raise HttpError(f"TLS failed: {exc.reason or exc}") from None
        except OSError as exc:
            target.record(timed_out=False)
            raise HttpError(f"{type(exc).__name__}: {exc.strerror or exc}") from None
        target.record(timed_out=False)
        return response
    finally:
        slot.release()
        if sock is not None:
            sock.close()


def _converse(
    sock: socket.socket, target: PinnedTarget, url: str, head: bytes, plan: _Plan
) -> Response:
    sock.settimeout(plan.timeout)
    reader = _Reader(sock, deadline=plan.started + plan.timeout)
    sock.sendall(head)
    sent = 0
    interim: list[int] = []
    answer: tuple[int, str, Headers] | None = None
    if plan.body is not None and plan.size:
        if plan.expect_continue:
            answer = _await_continue(reader, interim, wait=min(1.0, plan.timeout))
        if answer is None:
            sent, answer = _send_body(reader, plan, target.policy, interim)
    if answer is None:
        answer = _final_head(reader, interim)
    status, reason, headers = answer
    kept, total = _read_body(reader, plan, status, headers)
    return Response(
        url=url,
        status=status,
        reason=reason,
        headers=headers,
        body=kept,
        body_size=total,
        elapsed=time.monotonic() - plan.started,
        sent_body=sent,
        interim=tuple(interim),
    )


class _Reader:
    """Buffered reads from a socket, bounded by an overall deadline."""

    def __init__(self, sock: socket.socket, *, deadline: float) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.deadline = deadline
        self.eof = False

    def fill(self) -> bool:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the response did not arrive in time")
        self.sock.settimeout(remaining)
        data = self.sock.recv(_CHUNK)
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    def line(self, limit: int = _MAX_HEAD) -> bytes:
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                out = bytes(self.buffer[: end + 1])
                del self.buffer[: end + 1]
                return out
            if len(self.buffer) > limit:
                raise HttpError("a response line is longer than 64 KiB")
            if not self.fill():
                raise HttpError("the connection closed in the middle of the response head")

    def take(self, count: int) -> bytes:
        while len(self.buffer) < count:
            if not self.fill():
                raise HttpError("the connection closed before the announced body ended")
        out = bytes(self.buffer[:count])
        del self.buffer[:count]
        return out

    def ready(self) -> bool:
        """Whether response bytes are waiting (without blocking)."""
        if self.buffer:
            return True
        pending = getattr(self.sock, "pending", None)
        if pending is not None and pending():
            return True
        readable, _, _ = select.select([self.sock], [], [], 0)
        return bool(readable)


def _head(reader: _Reader) -> tuple[int, str, Headers]:
    status_line = reader.line().decode("latin-1").rstrip("\r\n")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not (code.isdigit() and len(code) == 3):
        raise HttpError(f"not an HTTP response: {status_line[:80]!r}")
    items: list[tuple[str, str]] = []
    size = 0
    while True:
        raw = reader.line()
        size += len(raw)
        if size > _MAX_HEAD:
            raise HttpError("the response head is larger than 64 KiB")
        text = raw.decode("latin-1").rstrip("\r\n")
        if not text:
            break
        name, colon, value = text.partition(":")
        if colon:
            items.append((name.strip(), value.strip()))
    return int(code), reason, Headers(tuple(items))


def _final_head(reader: _Reader, interim: list[int]) -> tuple[int, str, Headers]:
    while True:
        status, reason, headers = _head(reader)
        if 100 <= status < 200 and status != 101:
            interim.append(status)
            continue
        return status, reason, headers


def _await_continue(
    reader: _Reader, interim: list[int], *, wait: float
) -> tuple[int, str, Headers] | None:
    """After the head of an `Expect: 100-continue` request: the final response if the server
    answered before asking for the body, else None (send the body)."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        readable, _, _ = select.select([reader.sock], [], [], max(0.0, end - time.monotonic()))
        if readable or reader.ready():
            status, reason, headers = _head(reader)
            if status == 100:
                interim.append(status)
                return None
            if 100 < status < 200:
                interim.append(status)
                continue
            return status, reason, headers
    return None


def _send_body(
    reader: _Reader, plan: _Plan, policy: ProbePolicy, interim: list[int]
) -> tuple[int, tuple[int, str, Headers] | None]:
    """Stream the body in chunks; stop at the first response. Returns bytes sent and the
    response if one arrived early."""
    sock, body, size = reader.sock, plan.body, plan.size
    assert body is not None
    sent = 0
    filler = b"x" * _CHUNK
    while sent < size:
        if reader.ready():
            try:
                return sent, _final_head(reader, interim)
            except HttpError:
                break
        step = min(_CHUNK, size - sent)
        chunk = body[sent : sent + step] if isinstance(body, bytes) else filler[:step]
        policy.add_bytes(step)
        try:
            sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            break  # the server stopped reading: its answer, if any, is waiting
        sent += step
    return sent, None


def _read_body(reader: _Reader, plan: _Plan, status: int, headers: Headers) -> tuple[bytes, int]:
    keep, limit = plan.keep, plan.read_limit
    if plan.method == "HEAD" or status in {204, 304}:
        return b"", 0
    kept = bytearray()
    total = 0

    def take(data: bytes) -> None:
        nonlocal total
        if len(kept) < keep:
            kept.extend(data[: keep - len(kept)])
        total += len(data)

    encoding = (headers.get("transfer-encoding") or "").lower()
    if "chunked" in encoding:
        while total < limit:
            size_line = reader.line().split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise HttpError(f"bad chunk size {size_line[:20]!r}") from None
            if size == 0:
                break
            take(reader.take(size))
            reader.take(2)
        return bytes(kept), total
    length = headers.get("content-length")
    if length is not None:
        try:
            remaining = int(length)
        except ValueError:
            raise HttpError(f"bad Content-Length {length!r}") from None
        while remaining > 0 and total < limit:
            if not reader.buffer and not reader.fill():
                raise HttpError("the connection closed before the announced body ended")
            data = bytes(reader.buffer[:remaining])
            del reader.buffer[: len(data)]
            remaining -= len(data)
            take(data)
        return bytes(kept), total
    while total < limit:  # delimited by the connection's end
        if reader.buffer:
            take(bytes(reader.buffer))
            reader.buffer.clear()
        if not reader.fill():
            break
    if reader.buffer:
        take(bytes(reader.buffer))
    return bytes(kept), total


def ok(status: int) -> bool:
    """The Kubernetes httpGet rule: 200 <= status < 400."""
    return 200 <= status < 400
