"""load.latency, load.throughput, load.stress and load.soak against real servers on loopback."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from livekit import Nginx, free_port, service, wait_for_port

from golive.checks.load import LoadLatency, LoadSoak, LoadStress, LoadThroughput
from golive.model import Outcome, Status
from golive.testing import run_check

pytestmark = pytest.mark.slow
QUICK = {"ramp": "1s", "duration": "3s"}
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


def nginx_url(server: Nginx) -> str:
    return f"http://127.0.0.1:{server.ports['web']}"


def passes(outcome: Outcome) -> None:
    """A pass -- or, on this shared machine, an honest `unknown` because the generator's own
    dispatch lateness went over 10 ms (the VM's scheduling), never anything else."""
    late = outcome.status is Status.UNKNOWN and "dispatch lateness p99" in outcome.summary
    assert outcome.status is Status.PASS or late, outcome


def check(check: type, url: str, consent: str = "load", **params: object) -> Outcome:
    return run_check(check, Path(), service=service(url, consent=consent), **params)


def slow(kit: ModuleType, delay: float) -> Any:
    """Every answer after `delay` seconds, as many at once as are asked."""

    async def answer(number: int, head: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(delay)
        writer.write(OK)
        return True

    return kit.Scripted(answer)


def capacity(kit: ModuleType, per_second: float) -> Any:
    """One answer at a time, each taking 1 / per_second: a service of fixed capacity."""
    lock = asyncio.Lock()

    async def answer(number: int, head: bytes, writer: asyncio.StreamWriter) -> bool:
        async with lock:
            await asyncio.sleep(1 / per_second)
        writer.write(OK)
        return True

    return kit.Scripted(answer)


def test_latency_within_limits_passes(nginx: Nginx) -> None:
    outcome = check(
        LoadLatency, nginx_url(nginx), path="/", rate="200 req/s", p50="<100ms", p95="<200ms",
        error_rate="<5%", **QUICK,
    )  # fmt: skip
    passes(outcome)
    assert outcome.facts["sent"] == 600 and outcome.facts["dropped"] == 0
    assert outcome.facts["latency_hdr"]


def test_a_slow_service_fails_its_latency_limit(kit: ModuleType) -> None:
    with slow(kit, 0.06) as server:
        outcome = check(LoadLatency, server.url, path="/", rate="100 req/s", p95="<20ms", **QUICK)
    assert outcome.status is Status.FAIL, outcome
    assert "p95" in outcome.summary


def test_too_few_samples_for_the_percentile_is_unknown(nginx: Nginx) -> None:
    outcome = check(LoadLatency, nginx_url(nginx), path="/", rate="100 req/s", p99="<1s", **QUICK)
    assert outcome.status is Status.UNKNOWN, outcome
    assert any("needs at least 1,000 samples" in f.message for f in outcome.findings)


def test_a_light_sample_needs_only_active_consent(nginx: Nginx) -> None:
    outcome = check(
        LoadLatency, nginx_url(nginx), consent="active", path="/", p50="<200ms", **QUICK
    )
    passes(outcome)
    assert outcome.facts["offered_rate"] == 10


def test_load_needs_load_consent_and_a_path(nginx: Nginx) -> None:
    refused = check(LoadLatency, nginx_url(nginx), consent="active", path="/", rate="50 req/s",
                    p95="<1s", **QUICK)  # fmt: skip
    assert refused.status is Status.UNKNOWN and 'consent = "load"' in refused.summary
    pathless = check(LoadLatency, nginx_url(nginx), rate="50 req/s", p95="<1s", **QUICK)
    assert pathless.status is Status.UNKNOWN and "no endpoint" in pathless.summary
    limitless = check(LoadLatency, nginx_url(nginx), path="/", rate="50 req/s", **QUICK)
    assert limitless.status is Status.UNKNOWN and "no latency limit" in limitless.summary


def test_throughput_met_passes_and_a_small_service_fails(nginx: Nginx, kit: ModuleType) -> None:
    met = check(LoadThroughput, nginx_url(nginx), path="/", throughput=">200 req/s",
                error_rate="<1%", **QUICK)  # fmt: skip
    passes(met)
    assert met.facts["offered_rate"] == 210
    with capacity(kit, 60) as server:
        short = check(LoadThroughput, server.url, path="/", throughput=">150 req/s",
                      max_inflight=50, **QUICK)  # fmt: skip
    assert short.status is Status.FAIL, short
    assert "did not keep up" in findings(short)


def findings(outcome: Outcome) -> str:
    return " ".join(f.message for f in outcome.findings)


def test_a_far_too_slow_service_fails_even_when_the_generator_hiccups(kit: ModuleType) -> None:
    # 105 req/s is easy to offer; a service answering 20 req/s one at a time holds the whole
    # in-flight allowance, and the arrivals beyond it are refused. The generator is frozen
    # 40 ms in every 100 ms, as a busy machine does to it: the arrivals that fall due then
    # are handled up to 40 ms late, yet within 100 ms -- offered, so the shortfall is the
    # service's. (The verdict with a dispatch lateness p99 over 10 ms: test_load_judge.py.)
    with capacity(kit, 20) as server:
        kit.freeze_generator(server, after=0.0, seconds=0.04, every=0.1)
        outcome = check(LoadThroughput, server.url, path="/", throughput=">100 req/s",
                        max_inflight=20, timeout="2s", **QUICK)  # fmt: skip
    assert outcome.status is Status.FAIL, outcome
    assert "did not keep up" in findings(outcome)
    assert "the generator offered" not in findings(outcome)
    assert int(outcome.facts["dropped"]) > 150 and float(outcome.facts["goodput"]) < 30


def test_a_starved_generator_leaves_a_shortfall_unknown(kit: ModuleType) -> None:
    # Frozen for 0.8 s in the measured phase: the arrivals due then go out late, not offered
    # at their time. The service is too slow as well, but the run cannot say so.
    with capacity(kit, 20) as server:
        kit.freeze_generator(server, after=1.5, seconds=0.8)
        outcome = check(LoadThroughput, server.url, path="/", throughput=">100 req/s",
                        max_inflight=20, timeout="2s", **QUICK)  # fmt: skip
    assert outcome.status is Status.UNKNOWN, outcome
    assert "generator: the generator offered" in findings(outcome)
    assert "over 100 ms after they were due" in findings(outcome)
    assert "could not offer the rate" in findings(outcome)


def test_errors_over_the_limit_fail(nginx: Nginx) -> None:
    outcome = check(LoadThroughput, nginx_url(nginx), path="/teapot", throughput=">50 req/s",
                    error_rate="<1%", **QUICK)  # fmt: skip
    assert outcome.status is Status.FAIL, outcome
    assert outcome.facts["ok"] == 0


def test_stress_finds_the_knee_of_a_fixed_capacity(kit: ModuleType) -> None:
    # 60 and 90 req/s are far under a capacity of 300: the peak of 90 is sustained whatever
    # the steps above it show.
    with capacity(kit, 300) as server:
        outcome = check(LoadStress, server.url, path="/", peak="90 req/s", start="60 req/s",
                        factor=1.5, steps=3, response_time="p95<100ms", max_inflight=100,
                        ramp="1s", duration="4s")  # fmt: skip
    passes(outcome)
    if outcome.status is Status.PASS:  # an honest unknown (a late generator) names no knee
        assert outcome.facts["knee"] >= 90
    with capacity(kit, 60) as server:
        short = check(LoadStress, server.url, path="/", peak="200 req/s", start="50 req/s",
                      factor=2, steps=3, response_time="p95<100ms", max_inflight=100,
                      ramp="1s", duration="5s")  # fmt: skip
    assert short.status is Status.FAIL, short


LEAKY = """
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
KEEP = []
LEAK = int(sys.argv[2])

class H(BaseHTTPRequestHandler):
    def do_GET(self):
        KEEP.append(bytearray(LEAK))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


@pytest.fixture
def leaky(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    script = tmp_path / "leaky.py"
    script.write_text(textwrap.dedent(LEAKY))
    servers = []

    def start(leak: int) -> tuple[str, subprocess.Popen[bytes]]:
        port = free_port()
        process = subprocess.Popen([sys.executable, str(script), str(port), str(leak)])
        servers.append(process)
        wait_for_port(port)
        return f"http://127.0.0.1:{port}", process

    yield start  # type: ignore[misc]
    for process in servers:
        process.kill()
        process.wait()


def test_soak_sees_a_leak(leaky) -> None:  # type: ignore[no-untyped-def]
    # A trend needs 30 s after the warm-up (the first 20 % of the run).
    url, _ = leaky(100_000)  # 100 kB kept per request: 2 MB/s at 20 req/s
    leaking = check(LoadSoak, url, path="/", rate="20 req/s", duration="38s", ramp="1s",
                    leak="<100MB/h", memory_usage="<4GB", interval="0.5s")  # fmt: skip
    assert leaking.status is Status.FAIL, leaking
    assert "memory growth" in leaking.summary
    assert leaking.facts["rss_growth_mb_per_h"] > 1000


def test_a_short_soak_cannot_judge_growth_but_judges_memory(leaky) -> None:  # type: ignore[no-untyped-def]
    url, _ = leaky(0)
    short = check(LoadSoak, url, path="/", rate="50 req/s", duration="5s", ramp="1s",
                  memory_usage="<1MB", interval="0.25s")  # fmt: skip
    assert short.status is Status.FAIL, short  # a Python process is far over 1 MB
    assert "memory < 1 MB" in short.summary
    roomy = check(LoadSoak, url, path="/", rate="50 req/s", duration="5s", ramp="1s",
                  memory_usage="<4GB", interval="0.25s")  # fmt: skip
    passes(roomy)  # memory only: no growth asked for
    leaks = check(LoadSoak, url, path="/", rate="50 req/s", duration="5s", ramp="1s",
                  interval="0.25s")  # fmt: skip
    assert leaks.status is Status.UNKNOWN, leaks  # a leak item: too short to tell a trend
    assert "trend" in leaks.summary


def test_soak_without_a_rate_is_unknown(nginx: Nginx) -> None:
    outcome = check(LoadSoak, nginx_url(nginx), path="/", memory_usage="<1GB")
    assert outcome.status is Status.UNKNOWN and "no rate" in outcome.summary
