"""Resource sampling against real processes (Python children that hold memory, leak it, open
file descriptors, burn CPU, listen on ports and fork), metrics pages written by hand and the
example greeter's /metrics, and the analysis of samples."""

from __future__ import annotations

import json
import math
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from livekit import free_port, wait_for_port

from golive.load.resources import (
    Growth,
    ProcessSource,
    ResourceUnavailable,
    Sample,
    Sampler,
    analyse,
    judge_growth,
    parse_growth_bound,
    pids_listening_on,
    sample_from_exposition,
)
from golive.model import Target
from golive.probes.exposition import is_openmetrics
from golive.probes.http import request
from golive.probes.safety import ProbePolicy
from golive.thresholds import Dimension, ThresholdError

MiB = 1 << 20


@contextmanager
def spawn(code: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A Python child in a session of its own, with the first line it prints (it prints when
    it is set up); it and everything it forked are killed on the way out."""
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        yield process, process.stdout.readline().strip()
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def sample_for(source: ProcessSource, seconds: float, interval: float = 0.1) -> list[Sample]:
    sampler = Sampler(source, seconds=30, interval=interval).start()
    time.sleep(seconds)
    sampling = sampler.stop()
    assert sampling.ended == "stopped" and sampling.failures == 0, sampling
    return list(sampling.samples)


# Every child ends by itself after 30 s, should its killer fail.
STEADY = """
    import time
    block = b"x" * (30 << 20)
    print("ready", flush=True)
    time.sleep(30)
"""
LEAKING = """
    import time
    held = []
    print("ready", flush=True)
    for _ in range(60):
        held.append(b"x" * (1 << 20))  # 8 MiB/s
        time.sleep(0.125)
    time.sleep(30)
"""
OPENING = """
    import os, time
    held = []
    print("ready", flush=True)
    for _ in range(300):
        held.append(os.open(os.devnull, os.O_RDONLY))  # 20 per second, never closed
        time.sleep(0.05)
    time.sleep(30)
"""
BURNING = """
    import time
    print("ready", flush=True)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        pass
"""
LISTENING = """
    import socket, time
    four = socket.socket()
    four.bind(("127.0.0.1", 0))
    four.listen()
    try:
        six = socket.socket(socket.AF_INET6)
        six.bind(("::1", 0))
        six.listen()
        port6 = six.getsockname()[1]
    except OSError:
        port6 = 0
    client = socket.create_connection(four.getsockname())  # an established socket, not listening
    print(four.getsockname()[1], port6, client.getsockname()[1], flush=True)
    time.sleep(30)
"""
FORKING = """
    import os, socket, time
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    if os.fork() == 0:  # a worker sharing the listening socket, holding 40 MiB
        block = b"y" * (40 << 20)
        print(os.getpid(), server.getsockname()[1], flush=True)
        time.sleep(30)
        os._exit(0)
    time.sleep(30)
"""
REAPING = """
    import os, sys, time
    child = os.fork()
    if child == 0:
        print(os.getpid(), flush=True)
        end = time.process_time() + 0.8  # a worker that burns CPU, then exits
        while time.process_time() < end:
            pass
        os._exit(0)
    os.waitpid(child, 0)
    print("reaped", flush=True)
    time.sleep(30)
"""


# --- local processes ------------------------------------------------------------------------


@pytest.mark.slow
def test_steady_memory_is_flat() -> None:
    with spawn(STEADY) as (process, _):
        samples = sample_for(ProcessSource(process.pid), 2.5)
    report = analyse(samples, min_seconds=1, cores=os.cpu_count())
    assert report.rss_peak is not None and 30 * MiB < report.rss_peak < 60 * MiB
    assert report.rss_mean is not None and report.rss_mean > 30 * MiB
    verdict = judge_growth(report.rss_trend, parse_growth_bound("<10MB/h"))
    assert verdict.growth is Growth.FLAT, verdict.reason
    assert report.cpu_mean is not None and report.cpu_mean < 0.05
    assert report.fds_growth == 0 and report.fds_first is not None and report.fds_first >= 3
    assert report.notes == ()


@pytest.mark.slow
def test_leaking_memory_grows() -> None:
    with spawn(LEAKING) as (process, _):
        samples = sample_for(ProcessSource(process.pid), 3.0)
    report = analyse(samples, min_seconds=1)
    slope = report.rss_trend.slope
    assert 6 * MiB < slope < 10 * MiB, slope
    verdict = judge_growth(report.rss_trend, parse_growth_bound("<10MB/h"))
    assert verdict.growth is Growth.GROWING, verdict.reason
    assert "beyond <10MB/h" in verdict.reason and verdict.low > 10e6 / 3600
    loose = judge_growth(report.rss_trend, parse_growth_bound("<1GB/s"))
    assert loose.growth is Growth.FLAT, loose.reason
    # The default guard wants 30 s of samples after the warm-up: three seconds decide nothing.
    short = judge_growth(analyse(samples).rss_trend, parse_growth_bound("<10MB/h"))
    assert short.growth is Growth.UNDECIDED and "30 s" in short.reason


@pytest.mark.slow
def test_open_file_descriptors_grow() -> None:
    with spawn(OPENING) as (process, _):
        # Long enough that a child the busy machine starves for a moment still leaves
        # several independent samples (its steps would otherwise read as one).
        samples = sample_for(ProcessSource(process.pid), 4.0)
    report = analyse(samples, min_seconds=1)
    assert report.fds_growth is not None and report.fds_growth >= 30
    assert report.fds_peak == report.fds_last
    assert 10 < report.fds_trend.slope < 30
    bound = parse_growth_bound("<1/min", dimension=Dimension.COUNT)
    verdict = judge_growth(report.fds_trend, bound)
    assert verdict.growth is Growth.GROWING, verdict.reason


@pytest.mark.slow
def test_busy_loop_uses_one_core() -> None:
    """Up to one core, as much as the machine gives it; the CPU time sampled agrees with
    what the kernel accounts to the child once it has been waited for."""
    with spawn(BURNING) as (process, _):
        samples = sample_for(ProcessSource(process.pid), 2.5, interval=0.25)
        stopped = time.monotonic()
        os.kill(process.pid, signal.SIGKILL)
        usage = os.wait4(process.pid, 0)[2]
        killed = time.monotonic()
    report = analyse(samples, cores=2, cpu_window=1.0)
    assert report.cpu_mean is not None and 0.3 < report.cpu_mean < 1.1, report.cpu_mean
    assert report.cpu_peak is not None and report.cpu_mean <= report.cpu_peak < 1.2
    assert report.cpu_share == pytest.approx(report.cpu_mean / 2)
    used, last = usage.ru_utime + usage.ru_stime, samples[-1].cpu_seconds
    assert last is not None and last <= used + 0.02
    assert used - last < killed - stopped + 0.25 + 0.02  # the time since the last sample


def test_listening_ports() -> None:
    with spawn(LISTENING) as (process, line):
        port4, port6, client = (int(word) for word in line.split())
        assert pids_listening_on(port4) == [process.pid]
        if port6:
            assert pids_listening_on(port6) == [process.pid]
        assert pids_listening_on(client) == []  # connected, not listening
        source = ProcessSource.listening(port4)
        assert source.pids == (process.pid,) and source.children
    closed = free_port()
    assert pids_listening_on(closed) == []
    with pytest.raises(ResourceUnavailable, match=f"nothing listens on TCP port {closed}"):
        ProcessSource.listening(closed)


def test_process_tree_sums_its_workers() -> None:
    with spawn(FORKING) as (process, line):
        worker, port = (int(word) for word in line.split())
        assert pids_listening_on(port) == sorted([process.pid, worker])
        tree = ProcessSource.listening(port)
        assert tree.pids == (process.pid,)  # the worker counts through its parent
        alone = ProcessSource(process.pid).sample(0)
        both = tree.sample(0)
        flat = ProcessSource.listening(port, children=False)
        assert flat.pids == tuple(sorted([process.pid, worker]))
        assert flat.sample(0).rss_bytes == pytest.approx(both.rss_bytes, rel=0.05)
    assert alone.rss_bytes is not None and both.rss_bytes is not None
    assert both.rss_bytes - alone.rss_bytes > 40 * MiB
    assert alone.open_fds is not None and both.open_fds is not None
    assert both.open_fds > alone.open_fds


@pytest.mark.slow
def test_reaped_workers_keep_their_cpu_time() -> None:
    with spawn(REAPING) as (process, _):
        assert process.stdout is not None
        tree = ProcessSource(process.pid, children=True)
        alone = ProcessSource(process.pid)
        before = tree.sample(0)
        assert process.stdout.readline().strip() == "reaped"
        after = tree.sample(1)
        parent = alone.sample(1)
    assert before.cpu_seconds is not None and after.cpu_seconds is not None
    assert after.cpu_seconds >= before.cpu_seconds
    assert after.cpu_seconds >= 0.7  # the worker's 0.8 s moved to its parent's reaped time
    assert parent.cpu_seconds is not None and parent.cpu_seconds < 0.3


def test_exited_process_ends_the_sampler() -> None:
    code = 'import time\nprint("ready", flush=True)\ntime.sleep(0.4)'
    with spawn(code) as (process, _):
        source = ProcessSource(process.pid)
        sampling = Sampler(source, seconds=10, interval=0.05).start().stop()
        assert sampling.samples  # the first sample is taken at once
        # Not yet waited for: a zombie, which counts as exited.
        sampler = Sampler(source, seconds=10, interval=0.05).start()
        assert process.stdout is not None
        process.stdout.read()  # EOF: the child has exited
        assert _wait_for(lambda: not sampler.running)
        result = sampler.stop()
        assert result.ended == f"process {process.pid} has exited"
        assert result.failures == 1 and result.reasons == (result.ended,)
        with pytest.raises(ResourceUnavailable, match="has exited") as caught:
            source.sample(0)
        assert caught.value.final
        with pytest.raises(ResourceUnavailable, match=f"no running process {process.pid}"):
            ProcessSource(process.pid)


def test_without_proc(tmp_path: Path) -> None:
    with pytest.raises(ResourceUnavailable, match="is not available") as caught:
        ProcessSource(os.getpid(), proc=tmp_path)
    assert caught.value.final
    with pytest.raises(ResourceUnavailable, match="is not available"):
        pids_listening_on(80, proc=tmp_path)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to read as another user")
def test_another_users_process() -> None:
    """Read as `nobody` (a child that drops root after importing golive), a root process's
    memory and CPU time are visible, its file descriptors and socket owners are not."""
    with spawn(LISTENING) as (process, line):
        port = int(line.split()[0])
        code = f"""
            import json, os
            from golive.load.resources import ProcessSource, ResourceUnavailable, pids_listening_on
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            out = {{}}
            try:
                out["pids"] = pids_listening_on({port})
            except ResourceUnavailable as exc:
                out["reason"] = exc.reason
            sample = ProcessSource({process.pid}).sample(0)
            out["sample"] = [sample.rss_bytes, sample.cpu_seconds, sample.open_fds, sample.notes]
            print(json.dumps(out))
        """
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    out = json.loads(result.stdout)
    assert "pids" not in out
    assert f"a socket listens on port {port}, but its process cannot be named" in out["reason"]
    rss, cpu, fds, notes = out["sample"]
    assert rss > 0 and cpu is not None and fds is None
    assert notes == [
        f"open file descriptors unknown: /proc/{process.pid}/fd is not readable (the process "
        "belongs to another user); run golive as that user or as root"
    ]


def _wait_for(condition: object, timeout: float = 5.0) -> bool:
    assert callable(condition)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


# --- metrics pages --------------------------------------------------------------------------

PYTHON_CLIENT = """\
# HELP process_virtual_memory_bytes Virtual memory size in bytes.
# TYPE process_virtual_memory_bytes gauge
process_virtual_memory_bytes 1.2e+09
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.4576e+07
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.34
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 17.0
"""
OPENMETRICS_PAGE = """\
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
process_cpu_seconds_total 3.5
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1048576
# TYPE process_open_fds gauge
process_open_fds 9
# EOF
"""
FEDERATED = """\
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes{job="api",instance="a:8080"} 100000000
process_resident_memory_bytes{job="api",instance="b:8080"} 200000000
process_resident_memory_bytes{job="db",instance="c:9187"} 300000000
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total{job="api",instance="a:8080"} 10
process_cpu_seconds_total{job="api",instance="b:8080"} 20
process_cpu_seconds_total{job="db",instance="c:9187"} 30
# TYPE process_open_fds gauge
process_open_fds{job="api",instance="a:8080"} 40
process_open_fds{job="api",instance="b:8080"} 50
process_open_fds{job="db",instance="c:9187"} 60
"""
OPENTELEMETRY = """\
# TYPE process_cpu_time_seconds_total counter
process_cpu_time_seconds_total{state="user"} 1.5
process_cpu_time_seconds_total{state="system"} 0.5
# TYPE process_memory_usage_bytes gauge
process_memory_usage_bytes 5e+07
# TYPE process_open_file_descriptor_count gauge
process_open_file_descriptor_count 21
"""


def test_python_client_page() -> None:
    sample = sample_from_exposition(PYTHON_CLIENT, 2.0)
    assert sample == Sample(t=2.0, rss_bytes=24_576_000, cpu_seconds=12.34, open_fds=17)


def test_openmetrics_page() -> None:
    sample = sample_from_exposition(OPENMETRICS_PAGE.encode(), 0.5, openmetrics=True)
    assert (sample.rss_bytes, sample.cpu_seconds, sample.open_fds) == (MiB, 3.5, 9)


def test_page_of_several_processes() -> None:
    with pytest.raises(ResourceUnavailable, match="3 series") as caught:
        sample_from_exposition(FEDERATED, 0)
    assert "name one process's labels" in caught.value.reason
    one = sample_from_exposition(FEDERATED, 0, labels={"job": "api", "instance": "b:8080"})
    assert (one.rss_bytes, one.cpu_seconds, one.open_fds, one.notes) == (200e6, 20, 50, ())
    db = sample_from_exposition(FEDERATED, 0, labels={"job": "db"})
    assert db.rss_bytes == 300_000_000
    with pytest.raises(ResourceUnavailable, match='2 series with job="api"'):
        sample_from_exposition(FEDERATED, 0, labels={"job": "api"})
    with pytest.raises(ResourceUnavailable, match=r'no process_open_fds .* with job="web"'):
        sample_from_exposition(FEDERATED, 0, labels={"job": "web"})


def test_opentelemetry_names() -> None:
    sample = sample_from_exposition(OPENTELEMETRY, 0)
    assert (sample.rss_bytes, sample.cpu_seconds, sample.open_fds) == (50_000_000, 2.0, 21)


def test_partial_and_broken_pages() -> None:
    memory_only = "process_resident_memory_bytes 4096\nprocess_open_fds NaN\n"
    sample = sample_from_exposition(memory_only, 0)
    assert (sample.rss_bytes, sample.cpu_seconds, sample.open_fds) == (4096, None, None)
    assert sample.notes == (
        "no process_cpu_seconds_total (or process_cpu_time_seconds_total)",
        "process_open_fds is nan",
    )
    with pytest.raises(ResourceUnavailable, match="no process metrics on the metrics page"):
        sample_from_exposition("http_requests_total 3\n", 0)
    with pytest.raises(ResourceUnavailable, match="breaks the exposition format: line 2"):
        sample_from_exposition("process_open_fds 3\nprocess_open_fds{ 4\n", 0)
    with pytest.raises(ResourceUnavailable, match="breaks the exposition format"):
        sample_from_exposition(PYTHON_CLIENT, 0, openmetrics=True)  # no "# EOF"


def test_sampler_over_metrics_pages() -> None:
    """A source made of a page and the parser: CPU counted at half a core, memory growing
    10 MB/s, and a restart (the counter falls to zero) that adds no negative load."""

    def page(t: float) -> str:
        cpu = 0.5 * t if t < 0.6 else 0.5 * (t - 0.6)
        return (
            f"process_cpu_seconds_total {cpu}\n"
            f"process_resident_memory_bytes {100e6 + 10e6 * t:.0f}\n"
            "process_open_fds 12\n"
        )

    sampler = Sampler(lambda t: sample_from_exposition(page(t), t), seconds=1.0, interval=0.02)
    with sampler:
        assert _wait_for(lambda: not sampler.running)
    sampling = sampler.stop()
    assert sampling.ended == "time limit" and sampling.failures == 0
    assert 20 < len(sampling.samples) <= 51
    report = analyse(sampling.samples, warmup=0, min_seconds=0.5)
    assert report.cpu_mean == pytest.approx(0.5, rel=0.1)
    assert report.rss_trend.slope == pytest.approx(10e6, rel=0.01)
    assert report.fds_growth == 0


GREETER = Path(__file__).resolve().parents[2] / "examples" / "service"


@pytest.mark.slow
def test_greeter_metrics_and_process() -> None:
    """The example greeter exports its resident memory; golive reads the same process from
    /proc and finds it on its port."""
    binary = GREETER / "target" / "debug" / "greeter"
    if not binary.exists():
        pytest.skip("the example greeter is not built (cargo build in examples/service)")
    port = free_port()
    environment = {
        **os.environ,
        "GREETER_CONFIG": str(GREETER / "config" / "staging.toml"),
        "GREETER_BIND": f"127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [str(binary)],
        cwd=GREETER,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=10)
        policy = ProbePolicy(
            [Target(name="local", url=f"http://127.0.0.1:{port}", allow_private=True)]
        )
        response = request(policy.target(), "GET", "/metrics", keep=MiB)
        assert response.status == 200
        exposed = sample_from_exposition(
            response.body, 0, openmetrics=is_openmetrics(response.content_type)
        )
        local = ProcessSource.listening(port).sample(0)
        assert ProcessSource.listening(port).pids == (process.pid,)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert exposed.rss_bytes is not None and local.rss_bytes is not None
    assert exposed.rss_bytes == pytest.approx(local.rss_bytes, rel=0.5)
    assert exposed.cpu_seconds is None and "process_cpu_seconds_total" in exposed.notes[0]


# --- the sampler ----------------------------------------------------------------------------


def test_sampler_bounds() -> None:
    def constant(t: float) -> Sample:
        return Sample(t=t, rss_bytes=1, cpu_seconds=0.0, open_fds=3)

    with pytest.raises(ValueError, match="seconds"):
        Sampler(constant, seconds=0)
    with pytest.raises(ValueError, match="interval"):
        Sampler(constant, seconds=1, interval=0)
    with pytest.raises(ValueError, match="max_samples"):
        Sampler(constant, seconds=1, max_samples=20_000)
    # Four hours at one per second would be 14,400 samples: the interval grows to fit.
    assert Sampler(constant, seconds=4 * 3600).interval == pytest.approx(4 * 3600 / 9_999)
    with pytest.raises(RuntimeError, match="never started"):
        Sampler(constant, seconds=1).stop()
    # Five samples over 0.2 s: one every 0.05 s, however often they were asked for.
    full = Sampler(constant, seconds=0.2, interval=0.01, max_samples=5).start()
    assert full.interval == pytest.approx(0.05)
    assert _wait_for(lambda: not full.running)
    sampling = full.stop()
    assert sampling.ended in {"time limit", "sample limit"} and 4 <= len(sampling.samples) <= 5
    times = [s.t for s in sampling.samples]
    assert times == sorted(times) and times[0] < 0.01


def test_sampler_failures_and_errors() -> None:
    calls = 0

    def flaky(t: float) -> Sample:
        nonlocal calls
        calls += 1
        if calls % 2:
            raise ResourceUnavailable("the metrics endpoint answered 503")
        return Sample(t=t, rss_bytes=None, cpu_seconds=None, open_fds=None)

    with Sampler(flaky, seconds=0.3, interval=0.01) as sampler:
        assert _wait_for(lambda: not sampler.running)
    sampling = sampler.stop()
    assert sampling.failures >= 5 and sampling.reasons == ("the metrics endpoint answered 503",)
    assert len(sampling.samples) in {sampling.failures, sampling.failures - 1}

    def broken(t: float) -> Sample:
        raise KeyError("a bug in the source")

    with pytest.raises(KeyError, match="a bug in the source"):
        Sampler(broken, seconds=1, interval=0.01).start().stop()


def test_sampler_snapshot_while_running() -> None:
    sampler = Sampler(
        lambda t: Sample(t=t, rss_bytes=1, cpu_seconds=0.0, open_fds=1), seconds=5, interval=0.01
    )
    seen: list[int] = []
    with sampler:

        def read() -> None:
            for _ in range(50):
                seen.append(len(sampler.snapshot()))
                time.sleep(0.002)

        readers = [threading.Thread(target=read) for _ in range(4)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
    final = sampler.stop()
    assert max(seen) <= len(final.samples) and final.ended == "stopped"
    assert len(final.samples) >= 10


# --- analysis -------------------------------------------------------------------------------


def series(values: list[float], *, step: float = 1.0, fds: int | None = 10) -> list[Sample]:
    return [
        Sample(t=i * step, rss_bytes=int(v), cpu_seconds=0.25 * i * step, open_fds=fds)
        for i, v in enumerate(values)
    ]


def test_warm_up_is_left_out_of_trends_not_peaks() -> None:
    # Caches fill over the first 20 s (up to 200 MB), then memory stays flat for 80 s.
    values = [10e6 * i for i in range(21)] + [200e6] * 80
    report = analyse(series(values))
    assert report.warmup == pytest.approx(20.0)
    assert report.rss_peak == 200_000_000
    assert report.rss_mean == pytest.approx(200e6)
    assert judge_growth(report.rss_trend, parse_growth_bound("<1MB/h")).growth is Growth.FLAT
    whole = analyse(series(values), warmup=0)
    # With the warm-up, the line through a ramp and a plateau is no evidence of flatness.
    assert judge_growth(whole.rss_trend, parse_growth_bound("<1MB/h")).growth is not Growth.FLAT
    assert report.cpu_mean == pytest.approx(0.25)


def test_noise_decides_only_far_from_the_bound() -> None:
    rng = random.Random(7)
    # 100 MB plus 1 MB of noise, growing 10 MB/h, sampled for two minutes.
    values = [100e6 + 10e6 / 3600 * t + rng.gauss(0, 1e6) for t in range(120)]
    trend = analyse(series(values), warmup=0).rss_trend
    assert trend.too_short is None and trend.effective > 60
    assert judge_growth(trend, parse_growth_bound("<10GB/h")).growth is Growth.FLAT
    undecided = judge_growth(trend, parse_growth_bound("<10MB/h"))
    assert undecided.growth is Growth.UNDECIDED
    assert "a longer run narrows it" in undecided.reason
    assert undecided.low < 10e6 / 3600 < undecided.high


def test_autocorrelated_steps_widen_the_error() -> None:
    # Memory that moves in steps of 5 MB up and down every 20 samples: not a trend.
    values = [100e6 + 5e6 * ((i // 20) % 2) for i in range(200)]
    trend = analyse(series(values), warmup=0).rss_trend
    assert trend.effective < 20
    assert judge_growth(trend, parse_growth_bound("<0MB/h")).growth is Growth.UNDECIDED


def test_too_few_samples() -> None:
    assert analyse([]).rss_peak is None
    empty = analyse([])
    assert empty.cpu_mean is None and empty.fds_growth is None and empty.cpu_share is None
    verdict = judge_growth(empty.rss_trend, parse_growth_bound("<10MB/h"))
    assert verdict.growth is Growth.UNDECIDED and math.isnan(verdict.low)
    few = analyse(series([1e6] * 5), warmup=0, min_seconds=1)
    assert few.rss_trend.too_short == "5 samples to fit a trend to; it needs at least 10"


def test_missing_fields_and_notes() -> None:
    note = "open file descriptors unknown: /proc/1/fd is not readable"
    samples = [
        Sample(t=float(t), rss_bytes=None, cpu_seconds=None, open_fds=None, notes=(note,))
        for t in range(20)
    ]
    report = analyse(samples)
    assert report.notes == (note,)
    assert report.rss_peak is None and report.cpu_mean is None and report.fds_first is None
    assert report.rss_trend.too_short is not None


def test_cpu_peak_and_restarts() -> None:
    # Idle, a 5 s burst of two cores, a counter reset, then a quarter core.
    cpu = [0.0] * 10 + [2.0 * i for i in range(1, 6)] + [0.25 * i for i in range(15)]
    samples = [
        Sample(t=float(t), rss_bytes=1, cpu_seconds=c, open_fds=1) for t, c in enumerate(cpu)
    ]
    report = analyse(samples, warmup=0, cpu_window=5.0)
    assert report.cpu_peak == pytest.approx(2.0)
    assert report.cpu_mean == pytest.approx((10 + 14 * 0.25) / 29)


def test_growth_bounds() -> None:
    hourly = parse_growth_bound("<10MB/h")
    assert hourly.per_second == pytest.approx(10e6 / 3600) and str(hourly) == "<10MB/h"
    assert parse_growth_bound("<10MB").per == 3600  # a size alone is per hour
    assert parse_growth_bound("<= 1MiB per min").per_second == pytest.approx(MiB / 60)
    assert parse_growth_bound("<50MB/day").per == 86_400
    assert parse_growth_bound("<50MB/24h").per == 86_400
    assert str(parse_growth_bound("<1MB/30min")) == "<1MB/30 min"
    assert parse_growth_bound("<5/min", dimension=Dimension.COUNT).per_second == pytest.approx(
        5 / 60
    )
    for text, problem in (
        (">10MB/h", "an upper limit"),
        ("<10MB/fortnight", 'unknown time "fortnight"'),
        ("<10ms/h", "size"),
        ("p95<10MB/h", "no statistic"),
        ("<10MB/0s", "above zero"),
    ):
        with pytest.raises(ThresholdError, match=problem) as caught:
            parse_growth_bound(text)
        assert caught.value.text == text
