"""A lean HTTP/1.1 keep-alive client on asyncio transports, for the load engine.

One `Connection` carries one request at a time (no pipelining). The request bytes are encoded
once per run; a response is parsed with `bytes.find` on its head (status, Content-Length,
Transfer-Encoding: chunked, Connection) and its body is counted, never kept. A head seen before
(a server sends the same one for every answer, but for its Date each second) is looked up
instead of parsed again.

The owner (the engine's run) is told of every outcome through four calls: `done` (a whole
response), `failed` (`connect`, `reset` or `protocol`), `retry` (a reused connection closed
before answering, which a keep-alive client retries once on a fresh connection) and `lost` (an
idle connection closed). Timeouts are the owner's: it calls `kill()` on a connection whose
request is overdue.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any, Protocol, cast

from golive.load._wire import Wire, tls_context

__all__ = ["Connection", "Owner", "Pool"]

_MAX_HEAD = 64 * 1024  # a response head larger than this is a protocol error
_MAX_LINE = 4 * 1024  # a chunk-size or trailer line larger than this too
_MAX_HEADS = 256  # response heads remembered with their framing (Date changes every second)

# Parser states
_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILER, _UNTIL_CLOSE = range(6)


def _framing(raw: bytes, status: int, head_only: bool) -> tuple[int, int, int, bool] | None:
    """(status, parser state, Content-Length, close afterwards) of a final response head, or
    None when its framing is malformed."""
    head = raw.lower()
    close = raw[7] == 48  # HTTP/1.0 closes unless it says keep-alive
    i = head.find(b"\r\nconnection:")
    if i >= 0:
        j = head.find(b"\r\n", i + 2)
        value = head[i + 13 : j] if j >= 0 else head[i + 13 :]
        if b"close" in value:
            close = True
        elif b"keep-alive" in value:
            close = False
    if head_only or status in {204, 304}:
        return status, _LENGTH, 0, close
    i = head.find(b"\r\ntransfer-encoding:")
    if i >= 0:
        j = head.find(b"\r\n", i + 2)
        if b"chunked" in (head[i:j] if j >= 0 else head[i:]):
            return status, _CHUNK_SIZE, 0, close
    i = head.find(b"\r\ncontent-length:")
    if i >= 0:
        j = head.find(b"\r\n", i + 2)
        try:
            length = int(head[i + 17 : j] if j >= 0 else head[i + 17 :])
        except ValueError:
            return None
        return (status, _LENGTH, length, close) if length >= 0 else None
    return status, _UNTIL_CLOSE, 0, True  # the body ends when the server closes


class Owner(Protocol):
    """What a connection reports to (the engine's run)."""

    def done(self, conn: Connection, status: int) -> None: ...
    def failed(self, conn: Connection, kind: str) -> None: ...
    def retry(self, conn: Connection) -> None: ...
    def lost(self, conn: Connection) -> None: ...


class Connection(asyncio.Protocol):
    """One keep-alive connection and the request it carries, if any."""

    __slots__ = (
        "_buf",
        "_close",
        "_done",
        "_head_only",
        "_heads",
        "_left",
        "_owner",
        "_pool",
        "_request",
        "_state",
        "_status",
        "busy",
        "connecting",
        "dead",
        "got",
        "intended",
        "reused",
        "second",
        "stamp",
        "transport",
    )

    def __init__(self, pool: Pool, *, stamp: bool) -> None:
        self._pool = pool
        self._owner = pool.owner
        self._done = pool.owner.done
        self._request = pool.wire.request
        self._head_only = pool.wire.head_only
        self._heads = pool.heads
        self.stamp = stamp  # closed loop: latency starts when the request is written
        self.transport: asyncio.Transport | None = None
        self.connecting: asyncio.Task[Any] | None = None
        self.dead = False  # closed, or closing: never reused
        self.busy = False  # a request is out and not yet answered
        self.reused = False  # it has answered a request before
        self.got = 0  # bytes received for the request in flight
        self.intended = 0.0  # when the request was due (open) or written (closed): latency
        # and the timeout count from here
        self.second = -1  # the measured second it counts in, or -1
        self._buf = b""
        self._state = _HEAD
        self._left = 0
        self._status = 0
        self._close = False

    # --- driven by the owner ----------------------------------------------------------------

    def start(self) -> None:
        """Send the request (now, or as soon as the connection is up)."""
        self.busy = True
        self.got = 0
        self._state = 0  # _HEAD
        transport = self.transport
        if transport is not None:
            transport.write(self._request)

    def kill(self) -> None:
        """Drop the connection at once (a timeout, or the end of the run)."""
        self.busy = False
        self.dead = True
        if self.transport is not None:
            self.transport.abort()
        else:
            self._pool.live.discard(self)
            if self.connecting is not None:
                self.connecting.cancel()

    # --- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without deriving from it
        self.transport = tcp = cast(asyncio.Transport, transport)
        self.connecting = None
        sock = tcp.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.dead:
            tcp.abort()
        elif self.busy:
            if self.stamp:
                self.intended = time.perf_counter()
            tcp.write(self._request)

    def data_received(self, data: bytes) -> None:
        if self.busy and not self.got:  # nothing of this response yet
            # The usual case, kept short: a whole response whose head was seen before; first
            # the last one seen (a memcmp), then any (a hash), else the parser below.
            pool = self._pool
            if len(data) == pool.last_size and data.startswith(pool.last_head):
                known = pool.last  # same head (up to its blank line), same length
            else:
                end = data.find(b"\r\n\r\n")
                known = self._heads.get(data[:end]) if end >= 0 else None
                if known is not None and (known[1] != 1 or len(data) != end + 4 + known[2]):
                    known = None  # 1: _LENGTH, and the body must be all there
            if known is not None:
                self.busy = False
                self.reused = True
                if known[3]:
                    self.dead = True
                    if self.transport is not None:
                        self.transport.close()
                self._done(self, known[0])
                return
        if not self.busy:
            # Bytes nobody asked for: the connection is out of step; never reuse it.
            self._drop()
            return
        if self._buf:
            data = self._buf + data
            self._buf = b""
        self.got += len(data)
        n = len(data)
        pos = 0
        while True:
            state = self._state
            if state == _HEAD:
                end = data.find(b"\r\n\r\n", pos)
                if end < 0:
                    if n - pos > _MAX_HEAD:
                        self._protocol()
                    else:
                        self._buf = data[pos:]
                    return
                if not self._head(data, pos, end):
                    return
                pos = end + 4  # then the body (or, after an interim 1xx, the final head)
                continue
            if state == _LENGTH:
                if n - pos < self._left:
                    self._left -= n - pos
                    return
                pos += self._left
            elif state == _UNTIL_CLOSE:
                return
            else:
                pos = self._chunked(data, pos)
                if pos < 0:
                    return
            # the response is whole
            if pos < n:
                self._protocol()  # more than was asked for
                return
            self._finish()
            return

    def eof_received(self) -> bool | None:
        return None  # close the transport: connection_lost settles any response in flight

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._pool.live.discard(self)
        closed_by_us = self.dead
        self.dead = True
        if not self.busy:
            if not closed_by_us:
                self._owner.lost(self)
            return
        self.busy = False
        if self._state == _UNTIL_CLOSE:
            self._done(self, self._status)
        elif self.got == 0 and self.reused:
            self._owner.retry(self)
        else:
            self._owner.failed(self, "reset")

    # --- parsing ------------------------------------------------------------------------------

    def _head(self, data: bytes, pos: int, end: int) -> bool:
        """Read a response head; False when it is malformed (the owner was told)."""
        if data[pos : pos + 7] != b"HTTP/1.":
            self._protocol()
            return False
        try:
            status = int(data[pos + 9 : pos + 12])
        except ValueError:
            status = 0
        if not 100 <= status <= 999:
            self._protocol()
            return False
        if 100 <= status < 200:
            if status == 101:  # never asked for: the connection speaks something else now
                self._protocol()
                return False
            return True  # interim: the final head follows
        raw = data[pos:end]
        framing = _framing(raw, status, self._head_only)
        if framing is None:
            self._protocol()
            return False
        heads = self._heads
        if len(heads) >= _MAX_HEADS:
            heads.clear()
        heads[raw] = framing
        if framing[1] == _LENGTH:
            pool = self._pool
            pool.last_head, pool.last = raw + b"\r\n\r\n", framing
            pool.last_size = len(raw) + 4 + framing[2]
        self._status, self._state, self._left, self._close = framing
        return True

    def _chunked(self, data: bytes, pos: int) -> int:
        """Consume chunked framing from `pos`: where the body ended, or -1 (wait for more, or
        the owner was told of a protocol error)."""
        n = len(data)
        while True:
            state = self._state
            if state == _CHUNK_DATA:
                if n - pos < self._left:
                    self._left -= n - pos
                    return -1
                pos += self._left
                self._state = _CHUNK_SIZE
                continue
            end = data.find(b"\r\n", pos)
            if end < 0:
                if n - pos > _MAX_LINE:
                    self._protocol()
                else:
                    self._buf = data[pos:]
                return -1
            line = data[pos:end]
            pos = end + 2
            if state == _TRAILER:
                if not line:
                    return pos
                continue
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                size = -1
            if size < 0:
                self._protocol()
                return -1
            if size == 0:
                self._state = _TRAILER
            else:
                self._state = _CHUNK_DATA
                self._left = size + 2  # the chunk and its CRLF

    def _finish(self) -> None:
        self.busy = False
        self.reused = True
        if self._close:
            self.dead = True
            if self.transport is not None:
                self.transport.close()
        self._done(self, self._status)

    def _protocol(self) -> None:
        self.busy = False
        self._drop()
        self._owner.failed(self, "protocol")

    def _drop(self) -> None:
        self.dead = True
        if self.transport is not None:
            self.transport.abort()


class Pool:
    """The connections of one worker: the idle ones (most recently used first), all live ones
    (for the timeout sweep), and the means to open more."""

    def __init__(self, loop: asyncio.AbstractEventLoop, wire: Wire, owner: Owner) -> None:
        self.loop = loop
        self.wire = wire
        self.owner = owner
        self.heads: dict[bytes, tuple[int, int, int, bool]] = {}
        # the response last parsed: its head (with the blank line), framing and whole size
        self.last_head = b"\x00"
        self.last: tuple[int, int, int, bool] | None = None
        self.last_size = -1
        self._ssl = tls_context(wire.ca) if wire.tls else None
        self.idle: list[Connection] = []
        self.live: set[Connection] = set()
        self.opened = 0  # connections opened in all

    def new(self, *, stamp: bool = False) -> Connection:
        """A connection being opened to the pinned address (usable at once: `start()` waits
        for it)."""
        conn = Connection(self, stamp=stamp)
        wire = self.wire
        coro = self.loop.create_connection(
            lambda: conn,
            wire.address,
            wire.port,
            ssl=self._ssl,
            server_hostname=wire.server_hostname if wire.tls else None,
        )
        task = self.loop.create_task(coro)
        conn.connecting = task
        task.add_done_callback(lambda t: self._connected(conn, t))
        self.live.add(conn)
        self.opened += 1
        return conn

    def _connected(self, conn: Connection, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        if task.exception() is not None:
            conn.connecting = None
            conn.dead = True
            self.live.discard(conn)
            if conn.busy:
                conn.busy = False
                self.owner.failed(conn, "connect")

    def close(self) -> None:
        for conn in list(self.live):
            conn.kill()
        self.idle.clear()
