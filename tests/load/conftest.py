"""Servers for the load-engine tests, all on 127.0.0.1: nginx for speed, and small scripted
HTTP/1.1 servers (asyncio, in a thread of their own) that answer slowly, stall, stay silent,
close, reset or frame their bodies in every way HTTP/1.1 allows."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from livekit import Nginx

from golive.model import Target
from golive.probes.safety import Caps, PinnedTarget, ProbePolicy

# A scripted answer: given the request's number (from 0, over the server's life) and the
# request head, write the response; return False to close the connection afterwards.
Answer = Callable[[int, bytes, asyncio.StreamWriter], Awaitable[bool]]

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


class Scripted:
    """An HTTP/1.1 keep-alive server whose every answer is `answer`."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests = 0
        self.connections = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.Server | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                number = self.requests
                self.requests += 1
                if not await self.answer(number, head, writer):
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def __enter__(self) -> Scripted:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def shut() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def target(
    url: str,
    *,
    consent: str = "load",
    max_rate: float | None = None,
    caps: Caps | None = None,
    ca: Path | None = None,
) -> PinnedTarget:
    """The pinned target at `url`, in a policy of its own."""
    declared = Target(
        name="svc",
        url=url,
        allow_private=True,
        consent=consent,
        max_rate=max_rate,
        ca=str(ca) if ca else None,
    )
    return ProbePolicy([declared], caps=caps).target()


NGINX = """
server {
    listen 127.0.0.1:{web};
    location / { return 200 'hello'; }
    location /teapot { return 418 'no'; }
}
"""


@pytest.fixture(scope="session")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    with Nginx(tmp_path_factory.mktemp("nginx"), NGINX) as server:
        yield server


def nginx_url(server: Nginx) -> str:
    return f"http://127.0.0.1:{server.ports['web']}"


def stall(server: Nginx, *, after: float, seconds: float) -> threading.Thread:
    """Freeze nginx's worker (SIGSTOP) `after` seconds from now, for `seconds`."""
    assert server.process is not None
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    worker = int(children[0])

    def freeze() -> None:
        time.sleep(after)
        os.kill(worker, signal.SIGSTOP)
        try:
            time.sleep(seconds)
        finally:
            os.kill(worker, signal.SIGCONT)

    thread = threading.Thread(target=freeze, daemon=True)
    thread.start()
    return thread


def _load_worker(pid: int) -> bool:
    """Whether `pid` is a live load worker of this process (a spawned child)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    state, parent = stat.rsplit(")", 1)[1].split()[:2]
    return state != "Z" and int(parent) == os.getpid() and b"spawn_main" in cmdline


def generator_pid(timeout: float = 30.0) -> int:
    """The pid of this process's load worker, once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _load_worker(int(entry.name)):
                return int(entry.name)
        time.sleep(0.005)
    raise TimeoutError("no load worker started")


def freeze_generator(
    server: Scripted, *, after: float, seconds: float, every: float | None = None
) -> threading.Thread:
    """Freeze the next load worker (SIGSTOP) for `seconds`, `after` seconds from the first
    request `server` sees (the start of the run's ramp); with `every`, again and again at
    that period until the worker exits -- a generator starved of CPU, or one that hiccups."""
    seen = server.requests

    def freeze() -> None:
        pid = generator_pid()
        while server.requests == seen:
            time.sleep(0.001)
        time.sleep(after)
        while _load_worker(pid):
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:  # it has just exited
                return
            try:
                time.sleep(seconds)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
            if every is None:
                return
            time.sleep(every - seconds)

    thread = threading.Thread(target=freeze, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="session")
def kit() -> ModuleType:
    """This module: the helpers above, for test files (`kit.Scripted`, `kit.target`, ...)."""
    return sys.modules[__name__]
