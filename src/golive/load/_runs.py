"""The clockwork one generator process shares between the open model (_open.py) and the
closed loop (_closed.py): the outcome of every request counted in the measured second it
belongs to, timeouts swept every 10 ms, and each second reported to the parent once whole."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe

from golive.load._wire import Wire
from golive.load.client import Connection, Pool
from golive.load.histogram import Latencies
from golive.load.plan import Arrivals
from golive.load.result import ERROR_KINDS

__all__ = ["Job", "Run", "perf"]

_SWEEP = 0.01  # seconds between checks for timeouts and finished seconds
perf = time.perf_counter  # one lookup less on the hot path


@dataclass(frozen=True, kw_only=True)
class Job:
    """A worker's share of a run: plain data, pickled to the process."""

    index: int  # this worker
    processes: int  # all workers
    wire: Wire
    timeout: float
    expected: tuple[int, int]
    rate_limit_expected: bool
    arrivals: Arrivals | None = None  # open model: every `processes`-th arrival from `index`
    max_inflight: int = 0  # open model: this worker's share of the cap
    connections: int = 0  # closed loop: this worker's connections
    warmup: float = 0.0  # closed loop
    seconds: float = 0.0  # closed loop: measured seconds
    max_requests: int = 0  # closed loop: this worker's share of the reserved requests

    @property
    def measured(self) -> tuple[float, float]:
        """The measured phase, in seconds since the start."""
        if self.arrivals is not None:
            return self.arrivals.measured_from, self.arrivals.measured_to
        return self.warmup, self.warmup + self.seconds


class Run:
    """What the open and closed runs share: outcomes, timeouts, seconds, stopping."""

    def __init__(self, job: Job, loop: asyncio.AbstractEventLoop, pipe: Pipe, t0: float) -> None:
        self.job = job
        self.loop = loop
        self.pipe = pipe
        self.t0 = t0
        self.pool = Pool(loop, job.wire, self)
        self.timeout = job.timeout
        self.inflight = 0
        start, end = job.measured
        self.m0 = t0 + start
        self.m1 = t0 + end
        n = max(1, math.ceil(end - start - 1e-9))
        self.n = n
        # Per measured second (by intended send time). Latencies are appended as plain floats
        # and moved into the second's histogram at each sweep, in one tight loop: cheaper than
        # a call per request, and spread evenly (no pause when a second is reported).
        self.offered = [0] * n
        self.completed = [0] * n
        self.errors = [0] * n
        self.dropped = [0] * n
        self.outstanding = [0] * n
        self.samples: list[list[float]] = [[] for _ in range(n)]
        self.hists: list[Latencies | None] = [None] * n
        self.reported = 0  # seconds sent to the parent so far
        self.statuses = [0] * 1000  # by status code
        self.kinds = dict.fromkeys(ERROR_KINDS, 0)
        self.unfinished = 0
        self.behind = 0  # open model: measured arrivals handled later than ON_TIME
        self.lateness = Latencies()
        self.late: list[float] = []  # dispatch lateness since the last sweep
        low, high = job.expected
        self.failing = [  # by status code: an error, not a success
            not low <= code <= high and not (code == 429 and job.rate_limit_expected)
            for code in range(1000)
        ]
        self.low, self.high = low, high
        self.stopping = False
        self.cpu: list[tuple[float, float]] = []  # (perf_counter, process_time) at m0 and m1
        self.finished: asyncio.Future[None] = loop.create_future()

    # --- Owner: what connections report ------------------------------------------------------

    def done(self, conn: Connection, status: int) -> None:
        now = perf()
        self.inflight -= 1
        s = conn.second
        if s >= 0:
            latency = now - conn.intended
            self.outstanding[s] -= 1
            if latency < self.timeout:
                self.samples[s].append(latency)  # counted as completed when swept
                self.statuses[status] += 1
                if self.failing[status]:
                    self.errors[s] += 1
                    self.kinds["status"] += 1
            else:  # answered after its deadline, before the sweep saw it
                self._error(s, "timeout", self.timeout)
        self.released(conn, None, now)

    def failed(self, conn: Connection, kind: str) -> None:
        self.inflight -= 1
        s = conn.second
        if s >= 0:
            self.outstanding[s] -= 1
            self._error(s, kind, None)
        self.released(conn, kind, perf())

    def retry(self, conn: Connection) -> None:
        fresh = self.pool.new(stamp=conn.stamp)
        fresh.intended, fresh.second = conn.intended, conn.second
        fresh.start()

    def lost(self, conn: Connection) -> None:
        idle = self.pool.idle
        if conn in idle:
            idle.remove(conn)

    def _error(self, s: int, kind: str, latency: float | None) -> None:
        self.errors[s] += 1
        self.kinds[kind] += 1
        if latency is not None:  # a timeout, recorded as the timeout
            h = self.hists[s]
            if h is None:
                h = self.hists[s] = Latencies()
            h.record(latency)

    def released(self, conn: Connection, failure: str | None, now: float) -> None:
        """`conn` has no request in flight any more (since `now`)."""
        raise NotImplementedError

    # --- the clockwork -----------------------------------------------------------------------

    async def main(self) -> None:
        self.loop.add_reader(self.pipe.fileno(), self._from_parent)
        self.loop.call_at(self.loop.time() + max(0.0, self.t0 - time.perf_counter()), self.begin)
        self.loop.call_later(_SWEEP, self._sweep)
        try:
            await self.finished
        finally:
            self.loop.remove_reader(self.pipe.fileno())
            self.pool.close()
            await asyncio.sleep(0)  # let the transports close

    def begin(self) -> None:
        raise NotImplementedError

    def dispatched_until(self) -> float:
        """Every arrival due before this instant has been handled."""
        raise NotImplementedError

    def all_sent(self) -> bool:
        raise NotImplementedError

    def _sweep(self) -> None:
        """Time out overdue requests, report finished seconds, and notice the end."""
        if self.finished.done():
            return
        now = time.perf_counter()
        # a request times out `timeout` after it was due (open) or sent (closed)
        due = now - self.timeout
        for conn in [c for c in self.pool.live if c.busy and c.intended <= due]:
            conn.kill()
            self.inflight -= 1
            s = conn.second
            if s >= 0:
                self.outstanding[s] -= 1
                self._error(s, "timeout", self.timeout)
            self.released(conn, "timeout", now)
        self._stamp_cpu(now)
        self._record(now)
        self._report(now, min(now, self.dispatched_until()))
        if self.all_sent() and self.inflight == 0:
            self._finish(now)
        else:
            self.loop.call_later(_SWEEP, self._sweep)

    def _stamp_cpu(self, now: float) -> None:
        if (not self.cpu and now >= self.m0) or (len(self.cpu) == 1 and now >= self.m1):
            self.cpu.append((now, time.process_time()))

    def _record(self, now: float) -> None:
        """Move the latencies gathered since the last sweep into their seconds' histograms."""
        if self.late:
            self.lateness.record_many(self.late)
            self.late = []
        last = min(self.n - 1, int(now - self.m0)) if now >= self.m0 else -1
        for s in range(self.reported, last + 1):
            samples = self.samples[s]
            if samples:
                h = self.hists[s]
                if h is None:
                    h = self.hists[s] = Latencies()
                h.record_many(samples)
                self.completed[s] += len(samples)
                self.samples[s] = []

    def _report(self, now: float, handled: float, *, flush: bool = False) -> None:
        """Send every second whose arrivals have all been handled and answered (with `flush`:
        every second that has begun)."""
        while self.reported < self.n:
            s = self.reported
            if flush:
                if self.m0 + s >= now:
                    break
            elif handled < min(self.m0 + s + 1, self.m1) or self.outstanding[s] > 0:
                break
            h = self.hists[s]
            if self.samples[s]:  # a late answer, or an ending run: not swept yet
                if h is None:
                    h = Latencies()
                h.record_many(self.samples[s])
                self.completed[s] += len(self.samples[s])
                self.samples[s] = []
            histogram = h.encode() if h is not None else None
            self.hists[s] = None
            self.pipe.send(
                (
                    "second",
                    s,
                    self.offered[s],
                    self.completed[s],
                    self.errors[s],
                    self.dropped[s],
                    histogram,
                )
            )
            self.reported += 1

    def _from_parent(self) -> None:
        try:
            message = self.pipe.recv()
        except (EOFError, OSError):
            message = ("stop",)
        if message[0] == "stop" and not self.finished.done():
            self.stop()

    def stop(self) -> None:
        """Stop at once: no more requests; those in flight are dropped, counted unfinished."""
        self.stopping = True
        for conn in list(self.pool.live):
            if conn.busy and conn.second >= 0:
                self.unfinished += 1
            conn.kill()
        self.inflight = 0
        self._finish(time.perf_counter())

    def _finish(self, now: float) -> None:
        if self.finished.done():
            return
        self._record(now)
        self._stamp_cpu(now)
        if len(self.cpu) == 1:
            self.cpu.append((now, time.process_time()))
        self._report(now, now, flush=True)
        (wall0, cpu0), (wall1, cpu1) = self.cpu if self.cpu else ((now, 0.0), (now, 0.0))
        statuses = {code: count for code, count in enumerate(self.statuses) if count}
        self.pipe.send(
            (
                "done",
                {
                    "sent": sum(self.offered) - sum(self.dropped),
                    "completed": sum(self.completed),
                    "dropped": sum(self.dropped),
                    "behind": self.behind,
                    "ok": sum(n for code, n in statuses.items() if self.low <= code <= self.high),
                    "statuses": statuses,
                    "errors": self.kinds,
                    "unfinished": self.unfinished,
                    "lateness": self.lateness.encode(),
                    "cpu": cpu1 - cpu0,
                    "wall": wall1 - wall0,
                    "measured": max(0.0, min(now, self.m1) - self.m0),
                    "connections": self.pool.opened,
                },
            )
        )
        self.finished.set_result(None)
