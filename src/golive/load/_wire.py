"""What a load run sends and where: the request encoded once, the pinned address, and TLS,
as plain data that crosses to the worker processes."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

__all__ = ["Wire", "request_bytes", "tls_context"]


@dataclass(frozen=True, kw_only=True)
class Wire:
    """Where and what to send: plain data, so that it crosses to worker processes."""

    address: str  # the pinned IP
    port: int
    tls: bool
    server_hostname: str  # SNI and certificate name
    ca: str | None  # an extra trust anchor (PEM file) for TLS
    request: bytes  # the whole request, head and body
    head_only: bool  # HEAD: responses carry no body


def request_bytes(
    method: str,
    target: str,
    *,
    host: str,
    headers: tuple[tuple[str, str], ...],
    body: bytes | None,
) -> bytes:
    """The request, encoded once for the whole run."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def tls_context(ca: str | None) -> ssl.SSLContext:
    """The context of golive.probes.http.tls_context, rebuilt where the target is not at hand
    (a worker process receives plain data)."""
    context = ssl.create_default_context()
    if ca is not None:
        context.load_verify_locations(cafile=ca)
    context.set_alpn_protocols(["http/1.1"])
    return context
