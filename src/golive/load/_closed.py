"""The closed loop in one worker: each connection sends its next request when the previous
answer arrives (what wrk does), for comparisons."""

from __future__ import annotations

import asyncio
import math
import time
from multiprocessing.connection import Connection as Pipe

from golive.load._runs import Job, Run, perf
from golive.load.client import Connection

__all__ = ["ClosedRun"]

_RECONNECT = 0.01  # seconds to wait before reopening after a refused connection


class ClosedRun(Run):
    """Each connection sends its next request when the previous answer arrives."""

    def __init__(self, job: Job, loop: asyncio.AbstractEventLoop, pipe: Pipe, t0: float) -> None:
        super().__init__(job, loop, pipe, t0)
        self.left = job.max_requests
        self.end = t0 + job.warmup + job.seconds  # -inf once stopped or out of requests
        if self.left <= 0:
            self.end = -math.inf
        self.started = False

    def begin(self) -> None:
        early = self.t0 - perf()
        if early > 0:  # uvloop's timers may fire up to a millisecond early
            self.loop.call_later(math.ceil(early * 1000) / 1000, self.begin)
            return
        self.started = True
        for _ in range(self.job.connections):
            self._send(self.pool.new(stamp=True), perf())

    def _send(self, conn: Connection, now: float) -> None:
        if now >= self.end:
            conn.kill()
            return
        self.left -= 1
        if self.left <= 0:
            self.end = -math.inf
        s = -1
        if now >= self.m0:
            s = int(now - self.m0)
            if s >= self.n:
                s = self.n - 1
            self.offered[s] += 1
            self.outstanding[s] += 1
        conn.second = s
        conn.intended = now  # a new connection restamps it when the request is written
        self.inflight += 1
        conn.start()

    def done(self, conn: Connection, status: int) -> None:
        # Run.done and _send in one frame: the hot path of a closed loop at full speed.
        now = perf()
        s = conn.second
        if s >= 0:
            latency = now - conn.intended
            if latency < self.timeout:
                self.samples[s].append(latency)  # counted as completed when swept
                self.statuses[status] += 1
                if self.failing[status]:
                    self.errors[s] += 1
                    self.kinds["status"] += 1
            else:
                self._error(s, "timeout", self.timeout)
        if conn.dead or now >= self.end:
            if s >= 0:
                self.outstanding[s] -= 1
            self.inflight -= 1
            self.released(conn, None, now)
            return
        # the next request, on the same connection, at once (still in flight: inflight stays)
        self.left -= 1
        if self.left <= 0:
            self.end = -math.inf
        following = -1
        if now >= self.m0:
            following = int(now - self.m0)
            if following >= self.n:
                following = self.n - 1
            self.offered[following] += 1
        if following != s:
            if s >= 0:
                self.outstanding[s] -= 1
            if following >= 0:
                self.outstanding[following] += 1
            conn.second = following
        conn.intended = now
        conn.start()

    def released(self, conn: Connection, failure: str | None, now: float) -> None:
        if not conn.dead:
            self._send(conn, now)
        elif failure == "connect":
            self.loop.call_later(_RECONNECT, self._reopen)
        else:
            self._reopen()

    def _reopen(self) -> None:
        if time.perf_counter() < self.end:
            self._send(self.pool.new(stamp=True), perf())

    def dispatched_until(self) -> float:
        return math.inf

    def all_sent(self) -> bool:
        return self.started and time.perf_counter() >= self.end

    def stop(self) -> None:
        self.end = -math.inf
        super().stop()
