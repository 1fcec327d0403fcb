"""The open-model engine against real servers on 127.0.0.1: it keeps the planned rate, shows a
stalled server in its percentiles (the closed loop does not), drops and counts what exceeds
the in-flight cap, records timeouts as the timeout, merges worker processes without loss,
leaves the warm-up out, and stops on an abort."""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import signal
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import pytest
from livekit import Nginx, make_pki

from golive.load import Latencies, LoadPlan, Second, Stage, run_closed, run_open


def plan(
    target: object, *, rate: float, seconds: float, warmup: float = 0.0, **kw: object
) -> LoadPlan:
    stages = (Stage(rate=rate, seconds=seconds),)
    if warmup:
        stages = (Stage(rate=rate, seconds=warmup, measured=False), *stages)
    return LoadPlan(target=target, path="/", stages=stages, **kw)  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_planned_rate_is_kept(kit: ModuleType, nginx: Nginx) -> None:
    seen: list[Second] = []
    result = run_open(
        plan(kit.target(kit.nginx_url(nginx)), rate=1000, seconds=3, warmup=0.5),
        progress=seen.append,
    )
    assert result.sent == 3000 and result.dropped == 0
    assert result.completed == result.ok == 3000
    assert result.statuses == {200: 3000}
    assert result.error_rate == 0
    assert result.achieved_rate == pytest.approx(1000, rel=0.01)
    assert result.plan_rate == pytest.approx(1000)
    assert [s.offered for s in result.timeline] == [1000, 1000, 1000]
    assert seen == list(result.timeline)
    assert result.latency.count == 3000
    assert result.lateness.count == 3000
    assert result.lateness.percentile(99) < 0.05  # loose: the test machine is shared
    assert 0 < result.client_cpu < 1
    assert result.aborted is None and result.unfinished == 0
    assert result.connections <= 1000
    evidence = json.loads(json.dumps(result.evidence(), allow_nan=False))
    assert evidence["sent"] == 3000
    # Nothing dropped and the CPU idle; only this shared machine's scheduling may show up.
    assert all("lateness" in reason for reason in evidence["saturated"])
    assert Latencies.decode(evidence["latency_histogram"]).count == 3000


@pytest.mark.slow
def test_a_stall_shows_in_the_open_model_and_hides_in_the_closed_loop(
    kit: ModuleType, nginx: Nginx
) -> None:
    target = kit.target(kit.nginx_url(nginx))
    kit.stall(nginx, after=1.2, seconds=1.0)
    opened = run_open(plan(target, rate=500, seconds=3))
    kit.stall(nginx, after=1.2, seconds=1.0)
    closed = run_closed(plan(target, rate=1, seconds=1), connections=4, seconds=3)
    assert opened.latency.percentile(99) >= 0.9
    assert opened.sent == 1500 and opened.dropped == 0
    # the seconds during the stall report it; the closed loop's tail is milliseconds
    assert max(s.p99 for s in opened.timeline) >= 0.9
    assert closed.latency.percentile(99) < 0.1
    assert closed.latency.max >= 0.9  # it did wait, once per connection
    assert closed.sent > 1000


def test_arrivals_beyond_the_inflight_cap_are_dropped_and_counted(kit: ModuleType) -> None:
    async def slow(number: int, head: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.5)
        writer.write(kit.OK)
        return True

    with kit.Scripted(slow) as server:
        result = run_open(plan(kit.target(server.url), rate=100, seconds=1, max_inflight=5))
    # five in flight at a time, each for half a second: about ten sent, the rest dropped
    assert result.sent + result.dropped == 100
    assert 5 <= result.sent <= 15
    assert result.timeline[0].dropped == result.dropped
    assert result.saturated == [
        f"{result.dropped} arrivals were dropped (the in-flight cap was reached)"
    ]


def test_timeouts_are_errors_recorded_as_the_timeout(kit: ModuleType) -> None:
    async def silent(number: int, head: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(30)
        return False

    with kit.Scripted(silent) as server:
        started = time.perf_counter()
        result = run_open(plan(kit.target(server.url), rate=20, seconds=1, timeout=0.3))
        took = time.perf_counter() - started
    assert result.sent == 20
    assert result.errors["timeout"] == 20 and result.completed == 0
    assert result.error_rate == 1
    assert result.latency.count == 20
    assert result.latency.percentile(50) == pytest.approx(0.3, rel=0.01)
    assert result.timeline[0].errors == 20
    assert took < 5


@pytest.mark.slow
def test_several_processes_add_up_to_the_same_totals(kit: ModuleType, nginx: Nginx) -> None:
    target = kit.target(kit.nginx_url(nginx))
    one = run_open(plan(target, rate=800, seconds=2))
    two = run_open(plan(target, rate=800, seconds=2, processes=2))
    assert one.sent == two.sent == 1600
    assert one.ok == two.ok == 1600
    assert two.processes == 2
    assert two.latency.count == 1600 and two.lateness.count == 1600
    assert [s.offered for s in two.timeline] == [800, 800]
    assert [s.completed for s in two.timeline] == [800, 800]
    assert all("lateness" in reason for reason in two.saturated)  # a shared machine's hiccups


def test_the_warmup_and_a_cooldown_are_left_out(kit: ModuleType, nginx: Nginx) -> None:
    stages = (
        Stage(rate=200, seconds=0.5, measured=False),
        Stage(rate=200, seconds=1),
        Stage(rate=200, seconds=0.3, measured=False),
    )
    target = kit.target(kit.nginx_url(nginx))
    result = run_open(LoadPlan(target=target, path="/", stages=stages))
    assert target.policy.requests_sent == 100 + 200 + 60  # all of it was charged
    assert result.sent == 200
    assert result.measured_seconds == 1
    assert len(result.timeline) == 1
    assert result.latency.count == 200 and result.lateness.count == 200


@pytest.mark.slow
def test_a_ramp_offers_the_integral_of_its_rate(kit: ModuleType, nginx: Nginx) -> None:
    ramp = LoadPlan(
        target=kit.target(kit.nginx_url(nginx)),
        path="/",
        start_rate=0,
        stages=(Stage(rate=400, seconds=2),),
    )
    result = run_open(ramp)
    assert ramp.requests == 400
    assert result.sent == 400
    assert result.plan_rate == pytest.approx(200)
    assert [s.offered for s in result.timeline] == [100, 300]


def test_an_abort_stops_the_run_and_says_why(kit: ModuleType, nginx: Nginx) -> None:
    def after_one(seconds: object) -> str | None:
        return "enough" if len(seconds) >= 1 else None  # type: ignore[arg-type]

    started = time.perf_counter()
    result = run_open(plan(kit.target(kit.nginx_url(nginx)), rate=100, seconds=10), abort=after_one)
    assert time.perf_counter() - started < 5
    assert result.aborted == "enough"
    assert 1 <= len(result.timeline) <= 3
    assert 100 <= result.sent < 400
    assert result.measured_seconds < 4


@pytest.mark.slow
def test_unexpected_statuses_are_errors_and_429_may_be_expected(
    kit: ModuleType, nginx: Nginx
) -> None:
    async def limited(number: int, head: bytes, writer: asyncio.StreamWriter) -> bool:
        if number % 2:
            writer.write(b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n")
        else:
            writer.write(kit.OK)
        return True

    teapot = LoadPlan(
        target=kit.target(kit.nginx_url(nginx)),
        path="/teapot",
        stages=(Stage(rate=100, seconds=0.5),),
    )
    result = run_open(teapot)
    assert result.statuses == {418: 50}
    assert result.errors["status"] == 50 and result.ok == 0 and result.completed == 50
    with kit.Scripted(limited) as server:
        strict = run_open(plan(kit.target(server.url), rate=80, seconds=0.5))
        lenient = run_open(
            plan(kit.target(server.url), rate=80, seconds=0.5, rate_limit_expected=True)
        )
    assert strict.errors["status"] == 20 and strict.ok == 20
    assert lenient.error_count == 0 and lenient.ok == 20
    assert lenient.statuses == {200: 20, 429: 20}


def test_a_refused_connection_is_a_connect_error(kit: ModuleType) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        result = run_open(plan(kit.target(f"http://127.0.0.1:{port}"), rate=20, seconds=1))
    assert result.errors["connect"] == 20
    assert result.completed == 0
    assert math.isnan(result.latency.percentile(50))
    assert math.isnan(result.timeline[0].p99)


def test_the_closed_loop_counts_what_it_sent(kit: ModuleType, nginx: Nginx) -> None:
    result = run_closed(
        plan(kit.target(kit.nginx_url(nginx)), rate=1, seconds=1),
        connections=4,
        seconds=1,
        warmup=0.3,
    )
    assert result.sent > 100
    assert result.ok == result.completed == result.sent
    assert math.isnan(result.plan_rate)
    assert result.lateness.count == 0
    assert len(result.timeline) == 1
    assert result.timeline[0].offered == result.sent


def test_the_closed_loop_stops_at_its_reserved_requests(kit: ModuleType, nginx: Nginx) -> None:
    result = run_closed(
        plan(kit.target(kit.nginx_url(nginx)), rate=1, seconds=1),
        connections=4,
        seconds=5,
        max_requests=50,
    )
    assert result.sent == 50 and result.ok == 50


def test_an_interrupt_stops_at_once_and_leaves_no_worker(kit: ModuleType, nginx: Nginx) -> None:
    def interrupt(second: Second) -> None:
        raise KeyboardInterrupt

    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        run_open(
            plan(kit.target(kit.nginx_url(nginx)), rate=100, seconds=20, processes=2),
            progress=interrupt,
        )
    assert time.perf_counter() - started < 5
    assert multiprocessing.active_children() == []


def test_tls_goes_to_the_pinned_address_with_the_target_name(
    kit: ModuleType, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path / "pki", hosts=("localhost",))
    servers = f"""
    server {{
        listen 127.0.0.1:{{tls}} ssl;
        ssl_certificate {pki.cert};
        ssl_certificate_key {pki.key};
        location / {{ return 200 'hello'; }}
    }}
    """
    with Nginx(tmp_path / "nginx", servers) as server:
        url = f"https://localhost:{server.ports['tls']}"
        trusted = kit.target(url, ca=pki.ca)
        result = run_open(plan(trusted, rate=40, seconds=0.5))
        untrusted = run_open(plan(kit.target(url), rate=40, seconds=0.5))
    assert trusted.address == "127.0.0.1"
    assert result.ok == 20 and result.error_count == 0
    assert result.connections <= 3
    assert untrusted.errors["connect"] == 20  # the certificate is not trusted


def test_without_uvloop_the_asyncio_loop_does_the_same(
    kit: ModuleType, nginx: Nginx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker itself, run here with uvloop made unimportable."""
    from multiprocessing import Pipe

    from golive.load import _worker
    from golive.load.engine import _admit

    monkeypatch.setitem(sys.modules, "uvloop", None)
    load = plan(kit.target(kit.nginx_url(nginx)), rate=200, seconds=0.5)
    job = _worker.Job(
        index=0,
        processes=1,
        wire=_admit(load, requests=load.requests, peak=200, seconds=0.5),
        timeout=2,
        expected=(200, 399),
        rate_limit_expected=False,
        arrivals=load.arrivals(),
        max_inflight=100,
    )
    parent, child = Pipe()
    messages: list[tuple[object, ...]] = []

    def parent_side() -> None:
        messages.append(parent.recv())
        parent.send(("start", time.perf_counter() + 0.01))
        while messages[-1][0] != "done":
            messages.append(parent.recv())

    feeder = threading.Thread(target=parent_side, daemon=True)
    feeder.start()
    handler = signal.getsignal(signal.SIGINT)
    try:
        _worker.main(job, child)
    finally:
        signal.signal(signal.SIGINT, handler)
    feeder.join(5)
    assert messages[0] == ("ready", "asyncio")
    done = messages[-1][1]
    assert isinstance(done, dict)
    assert done["sent"] == 100 and done["ok"] == 100
    assert [m[0] for m in messages[1:]] == ["second", "done"]
