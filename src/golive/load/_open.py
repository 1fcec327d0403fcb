"""The open model in one worker: its share of the arrivals, each dispatched when it is due,
whatever the server does; beyond the in-flight cap, dropped and counted. An arrival handled
more than ON_TIME after it was due, sent or dropped, is counted `behind`: the generator's own
lag, not offered at its time."""

from __future__ import annotations

import asyncio
import math
import time
from multiprocessing.connection import Connection as Pipe

from golive.load._runs import Job, Run, perf
from golive.load.client import Connection
from golive.load.result import ON_TIME

__all__ = ["OpenRun"]


class OpenRun(Run):
    """Arrivals at their planned instants, whatever the server does."""

    def __init__(self, job: Job, loop: asyncio.AbstractEventLoop, pipe: Pipe, t0: float) -> None:
        super().__init__(job, loop, pipe, t0)
        assert job.arrivals is not None
        self.cursor = job.arrivals.cursor()
        self.total = job.arrivals.total
        self.step = job.processes
        self.cap = job.max_inflight
        self.i = job.index
        self.next_t, self.next_measured = self._due(self.i)
        self.handle: asyncio.TimerHandle | None = None

    def begin(self) -> None:
        self.wake()

    def _due(self, i: int) -> tuple[float, bool]:
        if i >= self.total:
            return math.inf, False
        t, measured = self.cursor.time(i)
        return self.t0 + t, measured

    def wake(self) -> None:
        """Dispatch every arrival that is due, then sleep until the next one."""
        self.handle = None
        if self.stopping:
            return
        perf = time.perf_counter
        now = perf()
        t = self.next_t
        measured = self.next_measured
        while t <= now:
            self._dispatch(t, measured, now)
            self.i += self.step
            t, measured = self._due(self.i)
            now = perf()
        self.next_t, self.next_measured = t, measured
        if t != math.inf:
            # Whole milliseconds, rounded up: uvloop's timers count in ms, and a shorter
            # delay rounds to 0 and spins the loop until the arrival is due.
            self.handle = self.loop.call_later(math.ceil((t - now) * 1000) / 1000, self.wake)

    def _dispatch(self, t: float, measured: bool, now: float) -> None:
        s = min(int(t - self.m0), self.n - 1) if measured else -1
        if s >= 0:
            self.offered[s] += 1
            if now - t > ON_TIME:
                self.behind += 1
        if self.inflight >= self.cap:
            if s >= 0:
                self.dropped[s] += 1
            return
        idle = self.pool.idle
        conn = None
        while idle:
            conn = idle.pop()
            if not conn.dead:
                break
            conn = None
        if conn is None:
            conn = self.pool.new()
        conn.intended = t
        conn.second = s
        self.inflight += 1
        if s >= 0:
            self.late.append(now - t)
            self.outstanding[s] += 1
        conn.start()

    def released(self, conn: Connection, failure: str | None, now: float) -> None:
        if not conn.dead and not self.stopping:
            self.pool.idle.append(conn)

    def dispatched_until(self) -> float:
        return self.next_t

    def all_sent(self) -> bool:
        # every arrival handed off, and the measured phase over (it may end with no arrivals)
        return self.i >= self.total and perf() >= self.m1

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
        super().stop()
