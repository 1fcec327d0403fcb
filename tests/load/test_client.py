"""The load client's HTTP/1.1 against scripted servers: every framing a response may have
(Content-Length, chunked with trailers, until close, none for HEAD/204/304, after an interim
1xx), bytes arriving in pieces, connections the server closes, and each kind of failure."""

from __future__ import annotations

import asyncio
import weakref
from types import ModuleType

import pytest

from golive.load import LoadPlan, LoadResult, Stage, run_open

Answer = bytes | list[bytes]  # a response, or its pieces written one by one


def run(kit: ModuleType, answer: Answer, *, close: bool = False, method: str = "GET") -> LoadResult:
    async def respond(number: int, head: bytes, writer: asyncio.StreamWriter) -> bool:
        for piece in [answer] if isinstance(answer, bytes) else answer:
            writer.write(piece)
            await writer.drain()
            if not isinstance(answer, bytes):
                await asyncio.sleep(0.002)
        return not close

    with kit.Scripted(respond) as server:
        plan = LoadPlan(
            target=kit.target(server.url),
            path="/",
            method=method,
            stages=(Stage(rate=80, seconds=0.25),),
            timeout=2,
        )
        return run_open(plan)


CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: yes\r\n\r\n"
)


@pytest.mark.parametrize(
    ("name", "answer", "close"),
    [
        ("content-length", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", False),
        ("chunked", CHUNKED, False),
        ("chunked in pieces", [CHUNKED[i : i + 7] for i in range(0, len(CHUNKED), 7)], False),
        (
            "head in pieces",
            [b"HTTP/1.1 20", b"0 OK\r\nContent-Le", b"ngth: 5\r\n\r", b"\nhel", b"lo"],
            False,
        ),
        (
            "interim 100",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            False,
        ),
        ("no content", b"HTTP/1.1 204 No Content\r\n\r\n", False),
        ("not modified", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", False),
        ("until close", b"HTTP/1.0 200 OK\r\n\r\nthe body ends when the connection does", True),
        (
            "connection close",
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
            True,
        ),
        ("closed silently", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", True),
        (
            "1.0 keep-alive",
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
            False,
        ),
    ],
)
def test_every_framing_is_read_whole(
    kit: ModuleType, name: str, answer: Answer, close: bool
) -> None:
    result = run(kit, answer, close=close)
    assert result.sent == 20
    assert result.error_count == 0, result.errors
    assert result.completed == 20
    assert sum(result.statuses.values()) == 20


def test_keep_alive_connections_are_reused(kit: ModuleType) -> None:
    result = run(kit, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    assert result.connections <= 2


def test_a_closing_server_gets_a_connection_per_request(kit: ModuleType) -> None:
    result = run(
        kit, b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", close=True
    )
    assert result.connections == 20


def test_head_responses_have_no_body(kit: ModuleType) -> None:
    result = run(kit, b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", method="HEAD")
    assert result.ok == 20 and result.error_count == 0


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (b"SPDY/3 200 OK\r\n\r\n", "protocol"),
        (b"HTTP/1.1 2x0 OK\r\n\r\n", "protocol"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "protocol"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "protocol"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokextra", "protocol"),
        (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "protocol"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", "reset"),
        (b"", "reset"),
    ],
)
def test_broken_answers_are_classified(kit: ModuleType, answer: bytes, kind: str) -> None:
    result = run(kit, answer, close=True)
    assert result.errors[kind] == 20, result.errors
    assert result.error_rate == 1


def test_a_reused_connection_closed_before_answering_is_retried_once(kit: ModuleType) -> None:
    served: weakref.WeakSet[asyncio.StreamWriter] = weakref.WeakSet()

    async def once_per_connection(number: int, head: bytes, writer: asyncio.StreamWriter) -> bool:
        if writer in served:
            return False  # hang up on the second request, as an idle timeout would
        served.add(writer)
        writer.write(kit.OK)
        return True

    with kit.Scripted(once_per_connection) as server:
        plan = LoadPlan(
            target=kit.target(server.url), path="/", stages=(Stage(rate=80, seconds=0.25),)
        )
        result = run_open(plan)
    assert result.ok == 20 and result.error_count == 0
    assert result.connections > 10
