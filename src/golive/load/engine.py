"""Run a load plan: the open model (`run_open`) and, for comparisons, the closed loop
(`run_closed`).

The target's policy is enforced here, before anything is sent: load consent, the peak rate
against the target's `max_rate` and a hard cap, the length of the run, the in-flight cap, and
the whole planned request count and bytes reserved from the run's budget at once. Then worker
processes (spawned fresh: the caller may have threads) generate the load; each reports every
measured second as soon as all its requests have an outcome, and the parent merges the
seconds, hands them to `progress`, asks `abort`, and adds up the histograms without loss.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection as Pipe
from multiprocessing.connection import wait
from typing import Any

from golive.load import _worker
from golive.load._wire import Wire, request_bytes
from golive.load.histogram import Latencies
from golive.load.plan import LoadPlan
from golive.load.result import ERROR_KINDS, LoadResult, Second
from golive.probes.http import tls_context
from golive.probes.safety import Consent, ProbeRefused

__all__ = ["LIGHT_RATE", "MAX_RATE", "MAX_SECONDS", "run_closed", "run_open"]

MAX_RATE = 50_000.0  # req/s: no plan offers more, whatever the target allows
LIGHT_RATE = 10.0  # req/s: a plan that never offers more is a latency sample (active consent)
MAX_SECONDS = 300.0  # one load test, warm-up included
_START_DELAY = 0.05  # seconds between "start" and the first arrival: every worker is waiting
_READY_TIMEOUT = 60.0  # for the workers to start up
_GRACE = 10.0  # beyond the plan and its timeout, before the workers are declared stuck

Progress = Callable[[Second], None]
Abort = Callable[[Sequence[Second]], str | None]


def run_open(
    plan: LoadPlan, *, progress: Progress | None = None, abort: Abort | None = None
) -> LoadResult:
    """Send `plan` at its arrival rate, whatever the service does, and measure each request
    from its intended send time to its last byte.

    A plan that never offers more than LIGHT_RATE is a latency sample and needs the target's
    active consent; anything more is a load test and needs load consent."""
    arrivals = plan.arrivals()
    wire = _admit(plan, requests=arrivals.total, peak=plan.peak_rate, seconds=plan.seconds)
    p = plan.processes
    jobs = [
        _worker.Job(
            index=w,
            processes=p,
            wire=wire,
            timeout=plan.timeout,
            expected=plan.expected,
            rate_limit_expected=plan.rate_limit_expected,
            arrivals=arrivals,
            max_inflight=_share(plan.max_inflight, p, w),
        )
        for w in range(p)
    ]
    return _drive(
        jobs,
        plan_rate=arrivals.measured_rate,
        measured_seconds=arrivals.measured_seconds,
        lasts=plan.seconds + plan.timeout,
        progress=progress,
        abort=abort,
    )


def run_closed(
    plan: LoadPlan,
    *,
    connections: int,
    seconds: float,
    warmup: float = 0.0,
    max_requests: int | None = None,
    progress: Progress | None = None,
    abort: Abort | None = None,
) -> LoadResult:
    """`connections` connections, each sending the plan's request again as soon as the
    previous answer arrives, for `seconds` after `warmup` (what wrk does; latency from the
    actual send). The plan's stages are not used. `max_requests` (default: what is left of the
    run's budget) is reserved up front and bounds the run; unused, it stays spent.

    A closed loop cannot keep to a rate, so a target that declares `max_rate` is refused.
    """
    plan.target.require(Consent.LOAD, "a load test")
    if plan.target.max_rate is not None:
        raise ProbeRefused(
            f"target {plan.target.name} declares max_rate = {plan.target.max_rate:g} req/s; "
            "a closed-loop run cannot keep to a rate"
        )
    if connections < plan.processes or connections > plan.max_inflight:
        raise ValueError(
            f"connections must be between processes ({plan.processes}) and max_inflight "
            f"({plan.max_inflight})"
        )
    if not (seconds > 0 and warmup >= 0):
        raise ValueError("a closed-loop run needs seconds > 0 and warmup >= 0")
    policy = plan.target.policy
    size = len(_request(plan))
    if max_requests is None:
        left = policy.caps.requests - policy.requests_sent
        max_requests = max(0, min(left, (policy.caps.bytes_sent - policy.bytes_sent) // size))
    if max_requests <= 0:
        raise ProbeRefused("no requests are left in the run's budget for a closed-loop run")
    wire = _admit(plan, requests=max_requests, peak=0.0, seconds=warmup + seconds)
    p = plan.processes
    jobs = [
        _worker.Job(
            index=w,
            processes=p,
            wire=wire,
            timeout=plan.timeout,
            expected=plan.expected,
            rate_limit_expected=plan.rate_limit_expected,
            connections=_share(connections, p, w),
            warmup=warmup,
            seconds=seconds,
            max_requests=_share(max_requests, p, w),
        )
        for w in range(p)
    ]
    return _drive(
        jobs,
        plan_rate=math.nan,
        measured_seconds=seconds,
        lasts=warmup + seconds + plan.timeout,
        progress=progress,
        abort=abort,
    )


# --- safety -------------------------------------------------------------------------------------


def _admit(plan: LoadPlan, *, requests: int, peak: float, seconds: float) -> Wire:
    """Everything the policy asks before a load test, then the budget reserved; what the
    workers need to reach the target (its pinned address, nothing else)."""
    target = plan.target
    if 0 < peak <= LIGHT_RATE:
        target.require(Consent.ACTIVE, "a latency sample")
    else:
        target.require(Consent.LOAD, "a load test")
    if peak > MAX_RATE:
        raise ProbeRefused(f"a peak rate of {peak:g} req/s exceeds the hard cap of {MAX_RATE:g}")
    if target.max_rate is not None and peak > target.max_rate:
        raise ProbeRefused(
            f"a peak rate of {peak:g} req/s exceeds max_rate = {target.max_rate:g} "
            f"of target {target.name}"
        )
    if seconds > MAX_SECONDS:
        raise ProbeRefused(f"a load test lasts at most {MAX_SECONDS:g} s, not {seconds:g} s")
    inflight = target.policy.caps.inflight
    if plan.max_inflight > inflight:
        raise ProbeRefused(
            f"max_inflight = {plan.max_inflight} exceeds the run's cap of {inflight} "
            "requests in flight"
        )
    request = _request(plan)
    if target.origin.scheme == "https":
        tls_context(target)  # an unreadable CA file is refused here, not in every worker
    target.policy.reserve(requests, requests * len(request))
    return Wire(
        address=target.address,
        port=target.origin.port,
        tls=target.origin.scheme == "https",
        server_hostname=target.origin.host,
        ca=str(target.ca) if target.ca is not None else None,
        request=request,
        head_only=plan.method == "HEAD",
    )


def _request(plan: LoadPlan) -> bytes:
    """The plan's request with golive's identifying headers, on the target's origin."""
    target = plan.target
    target.url(plan.path)  # refuses a path that is not one
    names = {name.lower() for name, _ in plan.headers}
    headers: list[tuple[str, str]] = []
    if "user-agent" not in names:
        headers.append(("User-Agent", target.policy.user_agent))
    headers.append(("X-Golive-Run-Id", target.policy.run_id))
    if "accept" not in names:
        headers.append(("Accept", "*/*"))
    headers.extend(plan.headers)
    if plan.credentials:
        if target.credential is None:
            raise ProbeRefused(f"target {target.name} has no credential in the environment")
        headers.append(("Authorization", target.credential))
    return request_bytes(
        plan.method,
        target.base_path + plan.path,
        host=target.origin.netloc,
        headers=tuple(headers),
        body=plan.body,
    )


def _share(total: int, parts: int, index: int) -> int:
    """Part `index` of `total` split as evenly as integers allow."""
    return total // parts + (1 if index < total % parts else 0)


# --- the parent's side ----------------------------------------------------------------------


class _Timeline:
    """Seconds from every worker merged, in order, each delivered once all workers sent it."""

    def __init__(self, processes: int, progress: Progress | None, abort: Abort | None) -> None:
        self.processes = processes
        self.progress = progress
        self.abort = abort
        self.parts: dict[int, list[tuple[Any, ...]]] = {}
        self.seconds: list[Second] = []
        self.latency = Latencies()
        self.aborted: str | None = None

    def add(self, message: tuple[Any, ...]) -> None:
        self.parts.setdefault(message[1], []).append(message)
        self.deliver(final=False)

    def deliver(self, *, final: bool) -> None:
        while True:
            parts = self.parts.get(len(self.seconds))
            if not parts or (len(parts) < self.processes and not final):
                return
            del self.parts[len(self.seconds)]
            hist = Latencies()
            for part in parts:
                if part[6] is not None:
                    hist.merge(Latencies.decode(part[6]))
            self.latency.merge(hist)
            second = Second(
                t=float(len(self.seconds)),
                offered=sum(part[2] for part in parts),
                completed=sum(part[3] for part in parts),
                errors=sum(part[4] for part in parts),
                dropped=sum(part[5] for part in parts),
                p50=hist.percentile(50),
                p99=hist.percentile(99),
            )
            self.seconds.append(second)
            if self.progress is not None:
                self.progress(second)
            if self.abort is not None and self.aborted is None:
                self.aborted = self.abort(tuple(self.seconds))


def _drive(
    jobs: list[_worker.Job],
    *,
    plan_rate: float,
    measured_seconds: float,
    lasts: float,
    progress: Progress | None,
    abort: Abort | None,
) -> LoadResult:
    context = multiprocessing.get_context("spawn")
    workers: list[tuple[multiprocessing.process.BaseProcess, Pipe]] = []
    try:
        for job in jobs:
            parent, child = context.Pipe()
            process = context.Process(
                target=_worker.main, args=(job, child), name=f"golive-load-{job.index}"
            )
            process.daemon = True
            process.start()
            child.close()
            workers.append((process, parent))
        ready_by = time.perf_counter() + _READY_TIMEOUT
        loops = {_receive(pipe, "ready", ready_by)[1] for _, pipe in workers}
        t0 = time.perf_counter() + _START_DELAY
        for _, pipe in workers:
            pipe.send(("start", t0))
        timeline = _Timeline(len(jobs), progress, abort)
        totals = _collect(workers, timeline, t0 + lasts + _GRACE)
    finally:
        _end(workers)
    timeline.deliver(final=True)
    return _result(
        totals,
        timeline,
        loops=loops,
        plan_rate=plan_rate,
        measured_seconds=measured_seconds,
        processes=len(jobs),
    )


def _receive(pipe: Pipe, kind: str, deadline: float) -> tuple[Any, ...]:
    if not pipe.poll(max(0.0, deadline - time.perf_counter())):
        raise RuntimeError(f"a load worker sent no {kind!r} in time")
    message: tuple[Any, ...] = pipe.recv()
    if message[0] == "error":
        raise RuntimeError(f"a load worker failed:\n{message[1]}")
    if message[0] != kind:
        raise RuntimeError(f"a load worker sent {message[0]!r} instead of {kind!r}")
    return message


def _collect(
    workers: list[tuple[multiprocessing.process.BaseProcess, Pipe]],
    timeline: _Timeline,
    deadline: float,
) -> list[dict[str, Any]]:
    """Read the workers' seconds until each is done; tell them all to stop on an abort."""
    pipes = {pipe: index for index, (_, pipe) in enumerate(workers)}
    waiting = set(pipes)
    totals: dict[int, dict[str, Any]] = {}
    stopped = False
    while waiting:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise RuntimeError("the load workers did not finish in time")
        for ready in wait(list(waiting), timeout=min(left, 1.0)):
            assert isinstance(ready, Pipe)
            try:
                message = ready.recv()
            except EOFError:
                process = workers[pipes[ready]][0]
                process.join(1)
                raise RuntimeError(
                    f"load worker {pipes[ready]} exited early (exit code {process.exitcode})"
                ) from None
            kind = message[0]
            if kind == "second":
                timeline.add(message)
                if timeline.aborted is not None and not stopped:
                    stopped = True
                    for pipe in waiting:
                        with contextlib.suppress(OSError):  # it may have just finished
                            pipe.send(("stop",))
            elif kind == "done":
                totals[pipes[ready]] = message[1]
                waiting.discard(ready)
            else:
                raise RuntimeError(f"a load worker failed:\n{message[1]}")
    return [totals[index] for index in sorted(totals)]


def _end(workers: list[tuple[multiprocessing.process.BaseProcess, Pipe]]) -> None:
    """No worker outlives the run: ask, then terminate, then kill."""
    for _, pipe in workers:
        with contextlib.suppress(OSError):
            pipe.send(("stop",))
    for process, pipe in workers:
        process.join(2)
        if process.is_alive():
            process.terminate()
            process.join(2)
        if process.is_alive():
            process.kill()
            process.join()
        pipe.close()


def _result(
    totals: list[dict[str, Any]],
    timeline: _Timeline,
    *,
    loops: set[str],
    plan_rate: float,
    measured_seconds: float,
    processes: int,
) -> LoadResult:
    statuses: dict[int, int] = {}
    errors = dict.fromkeys(ERROR_KINDS, 0)
    lateness = Latencies()
    for part in totals:
        for status, count in part["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
        for kind, count in part["errors"].items():
            errors[kind] += count
        lateness.merge(Latencies.decode(part["lateness"]))
    wall = sum(part["wall"] for part in totals)
    if timeline.aborted is not None:
        measured_seconds = max(part["measured"] for part in totals)
    return LoadResult(
        plan_rate=plan_rate,
        measured_seconds=measured_seconds,
        sent=sum(part["sent"] for part in totals),
        completed=sum(part["completed"] for part in totals),
        ok=sum(part["ok"] for part in totals),
        statuses=dict(sorted(statuses.items())),
        errors=errors,
        dropped=sum(part["dropped"] for part in totals),
        behind=sum(part["behind"] for part in totals),
        latency=timeline.latency,
        lateness=lateness,
        timeline=tuple(timeline.seconds),
        client_cpu=sum(part["cpu"] for part in totals) / wall if wall > 0 else math.nan,
        processes=processes,
        aborted=timeline.aborted,
        unfinished=sum(part["unfinished"] for part in totals),
        connections=sum(part["connections"] for part in totals),
        event_loop="uvloop" if loops == {"uvloop"} else "asyncio",
    )
