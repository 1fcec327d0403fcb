"""Load-engine benchmark: golive's generator next to wrk, against one nginx on 127.0.0.1.

Three measurements, in one run, against the same nginx (one worker process):

- (a) throughput: `wrk -t1 -c32` against golive `run_closed` with one generator process and
  the same 32 connections, in interleaved runs; goal: golive reaches 80 % of wrk's req/s.
- (b) a stall: nginx's worker is stopped (SIGSTOP) for 1 s in the middle of each run. golive's
  open model (`run_open`, a fixed rate, latency from the intended send time) must report a p99
  of at least 0.9 s; the closed loops (wrk, and golive `run_closed`) report milliseconds:
  coordinated omission, shown side by side.
- (c) precision: 10,000 req/s offered for 10 s by two generator processes; golive's dispatch
  lateness p99 stays under 5 ms, or the result marks itself saturated.

With two cores or more, nginx is pinned to the first; for (a) and (b) every client is pinned to
the second (taskset, and this process's own affinity, which golive's workers inherit), while
the generators of (c) may use every core, as they would on a machine of their own. The run's
policy caps are raised (a closed loop at full speed sends millions of requests); the script
says so.

    python benchmarks/load.py [--seconds 10] [--runs 3] [--markdown]

It needs nginx (/usr/sbin/nginx) and wrk (`apt-get install nginx-light wrk`) and exits 1 when
a goal is missed, naming it.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from golive.load import LoadPlan, LoadResult, Stage, run_closed, run_open
from golive.model import Target
from golive.probes.safety import Caps, PinnedTarget, ProbePolicy

CONNECTIONS = 32
THROUGHPUT_GOAL = 0.80  # golive closed loop / wrk
STALL = 1.0  # seconds nginx's worker is stopped
STALL_GOAL = 0.9  # seconds: the open model's p99 at least this
CLOSED_CEILING = 0.1  # seconds: a closed loop's p99 below this hides the stall
STALL_RATE = 1000.0  # req/s offered through the stall
PRECISION_RATE = 10_000.0
PRECISION_PROCESSES = 2
LATENESS_GOAL = 0.005  # seconds
_SPAWN = 0.3  # seconds for run_open to start its workers (when the stall timer starts)
CAPS = Caps(requests=100_000_000, bytes_sent=100 * 1024**3, inflight=2000)

NGINX_CONF = """
worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{ listen 127.0.0.1:{port}; location / {{ return 200 'hello'; }} }}
}}
"""


# --- the server and the pinning ------------------------------------------------------------


def cores() -> tuple[list[str], list[str]]:
    """taskset prefixes for the server and for the clients (empty on one core)."""
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        return [], []
    return ["taskset", "-c", "0"], ["taskset", "-c", "1"]


@contextmanager
def nginx(port: int, prefix: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    with tempfile.TemporaryDirectory(prefix="golive-bench-") as directory:
        conf = Path(directory) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=directory, port=port))
        process = subprocess.Popen(
            [*prefix, binary, "-p", directory, "-c", str(conf), "-g", "daemon off;"],
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while not worker_pid(process) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)
            yield process
        finally:
            process.terminate()
            process.wait(10)


def worker_pid(master: subprocess.Popen[bytes]) -> int | None:
    path = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    children = path.read_text().split() if path.exists() else []
    return int(children[0]) if children else None


def stall(master: subprocess.Popen[bytes], *, after: float) -> threading.Thread:
    """Stop nginx's worker `after` seconds from now, for STALL seconds."""
    worker = worker_pid(master)
    assert worker is not None

    def freeze() -> None:
        time.sleep(after)
        os.kill(worker, signal.SIGSTOP)
        try:
            time.sleep(STALL)
        finally:
            os.kill(worker, signal.SIGCONT)

    thread = threading.Thread(target=freeze, daemon=True)
    thread.start()
    return thread


# --- the two clients -------------------------------------------------------------------------


@dataclass(frozen=True)
class Wrk:
    rate: float
    p99: float  # seconds


def wrk(
    url: str, seconds: float, prefix: list[str], *, stall_of: subprocess.Popen[bytes] | None = None
) -> Wrk:
    argv = [*prefix, "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency", url]
    thread = stall(stall_of, after=seconds * 0.4) if stall_of is not None else None
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    if thread is not None:
        thread.join()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return Wrk(rate=rate, p99=float(value) / {"us": 1e6, "ms": 1e3, "s": 1.0}[unit])


def target(url: str) -> PinnedTarget:
    declared = Target(name="nginx", url=url, allow_private=True, consent="load")
    return ProbePolicy([declared], caps=CAPS).target()


def request_plan(url: str, stages: tuple[Stage, ...], **kw: object) -> LoadPlan:
    return LoadPlan(target=target(url), path="/", stages=stages, **kw)  # type: ignore[arg-type]


def closed(url: str, seconds: float) -> LoadResult:
    plan = request_plan(url, (Stage(rate=1, seconds=1),))
    return run_closed(plan, connections=CONNECTIONS, seconds=seconds)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Findings:
    wrk_rates: list[float]
    golive_rates: list[float]
    golive_cpu: list[float]
    opened: LoadResult  # (b) the open model through the stall
    closed_stalled: LoadResult  # (b) golive's closed loop through the stall
    wrk_stalled: Wrk  # (b) wrk through the stall
    precise: LoadResult  # (c)

    @property
    def ratio(self) -> float:
        return statistics.median(self.golive_rates) / statistics.median(self.wrk_rates)


def measure(url: str, seconds: float, runs: int, master: subprocess.Popen[bytes]) -> Findings:
    _, client_cores = cores()
    # (a) throughput, interleaved, after one unmeasured run of each
    wrk(url, 2, client_cores)
    closed(url, 2)
    wrk_rates, golive_rates, golive_cpu = [], [], []
    for _ in range(runs):
        wrk_rates.append(wrk(url, seconds, client_cores).rate)
        result = closed(url, seconds)
        golive_rates.append(result.achieved_rate)
        golive_cpu.append(result.client_cpu)

    # (b) the same stall under the open model and the two closed loops
    warm = Stage(rate=STALL_RATE, seconds=1, measured=False)
    thread = stall(master, after=_SPAWN + 1 + seconds * 0.4)
    # room in flight for every arrival of the stall: none is dropped
    stalled = (warm, Stage(rate=STALL_RATE, seconds=seconds))
    opened = run_open(request_plan(url, stalled, max_inflight=2 * int(STALL_RATE)))
    thread.join()
    thread = stall(master, after=_SPAWN + seconds * 0.4)
    closed_stalled = closed(url, seconds)
    thread.join()
    wrk_stalled = wrk(url, seconds, client_cores, stall_of=master)

    # (c) precision: two generator processes, free to run on every core
    if client_cores:
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    stages = (
        Stage(rate=PRECISION_RATE, seconds=2, measured=False),
        Stage(rate=PRECISION_RATE, seconds=seconds),
    )
    precise = run_open(request_plan(url, stages, processes=PRECISION_PROCESSES))
    return Findings(
        wrk_rates, golive_rates, golive_cpu, opened, closed_stalled, wrk_stalled, precise
    )


def goals(found: Findings) -> list[str]:
    """The goals missed, each in a sentence."""
    missed = []
    if found.ratio < THROUGHPUT_GOAL:
        missed.append(
            f"(a) golive reached {found.ratio:.0%} of wrk's req/s (goal {THROUGHPUT_GOAL:.0%})"
        )
    open_p99 = found.opened.latency.percentile(99)
    if open_p99 < STALL_GOAL:
        missed.append(f"(b) the open model's p99 was {ms(open_p99)} (goal >= {STALL_GOAL:g} s)")
    closed_p99 = found.closed_stalled.latency.percentile(99)
    if closed_p99 >= CLOSED_CEILING:
        missed.append(
            f"(b) golive run_closed's p99 was {ms(closed_p99)}: a closed loop should hide the stall"
        )
    late = found.precise.lateness.percentile(99)
    if late >= LATENESS_GOAL and not found.precise.saturated:
        missed.append(
            f"(c) dispatch lateness p99 was {ms(late)} (goal < {ms(LATENESS_GOAL)}) and the "
            "result did not mark itself saturated"
        )
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    parser.add_argument("--runs", type=int, default=3, help="interleaved throughput runs")
    parser.add_argument("--port", type=int, default=18_080)
    parser.add_argument("--markdown", action="store_true", help="print a table for the docs")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    server_cores, client_cores = cores()
    if client_cores:
        os.sched_setaffinity(0, {1})  # golive's worker processes inherit it
    url = f"http://127.0.0.1:{args.port}"
    with nginx(args.port, server_cores) as master:
        found = measure(url, args.seconds, args.runs, master)
    report(found, args, pinned=bool(client_cores))
    missed = goals(found)
    if missed:
        print("\nMISSED:\n  " + "\n  ".join(missed))
        sys.exit(1)
    print("\nall goals met")


def machine() -> str:
    cpu = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    server = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    loop = "uvloop " + metadata.version("uvloop") if _has("uvloop") else "asyncio"
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, {loop}, "
        f"hdrhistogram {metadata.version('hdrhistogram')}, "
        f"{server.stderr.strip().split(': ')[-1]}, wrk {wrk_version()}"
    )


def report(found: Findings, args: argparse.Namespace, *, pinned: bool) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    where = "nginx (1 worker) pinned to core 0, the clients to core 1" if pinned else "unpinned"
    print(f"{stamp} · {machine()}")
    print(f"{where}; (c) runs {PRECISION_PROCESSES} generator processes on every core")
    print(
        f"policy caps raised for the benchmark: {CAPS.requests:,} requests, "
        f"{CAPS.bytes_sent // 1024**3} GiB sent, {CAPS.inflight} in flight"
    )
    s, opened, closed_, wrk_, precise = (
        args.seconds,
        found.opened,
        found.closed_stalled,
        found.wrk_stalled,
        found.precise,
    )
    wrk_runs = ", ".join(f"{r:,.0f}" for r in found.wrk_rates)
    golive_runs = ", ".join(f"{r:,.0f}" for r in found.golive_rates)
    rows = [
        (
            f"(a) {CONNECTIONS} connections, {args.runs} x {s:g} s",
            "wrk -t1 -c32",
            f"{statistics.median(found.wrk_rates):,.0f} req/s",
            f"runs {wrk_runs}",
        ),
        (
            "",
            "golive run_closed, 1 process",
            f"{statistics.median(found.golive_rates):,.0f} req/s",
            f"runs {golive_runs}; client CPU {statistics.median(found.golive_cpu):.0%}",
        ),
        ("", "golive / wrk (medians)", f"{found.ratio:.0%}", f"goal >= {THROUGHPUT_GOAL:.0%}"),
        (
            f"(b) nginx stopped {STALL:g} s, {s:g} s runs",
            f"golive run_open, {STALL_RATE:,.0f} req/s",
            f"p99 {ms(opened.latency.percentile(99))}",
            f"p50 {ms(opened.latency.percentile(50))}, max {ms(opened.latency.max)}, "
            f"{opened.sent:,} sent, {opened.dropped} dropped; goal p99 >= {STALL_GOAL:g} s",
        ),
        (
            "",
            f"golive run_closed, {CONNECTIONS} conn.",
            f"p99 {ms(closed_.latency.percentile(99))}",
            f"max {ms(closed_.latency.max)}, {closed_.sent:,} sent; goal p99 < "
            f"{ms(CLOSED_CEILING)}",
        ),
        (
            "",
            "wrk -t1 -c32",
            f"p99 {ms(wrk_.p99)}",
            f"{wrk_.rate:,.0f} req/s; wrk 4 back-fills its histogram after the run (stats_correct)",
        ),
        (
            f"(c) {PRECISION_RATE:,.0f} req/s offered, {s:g} s",
            f"golive run_open, {precise.processes} processes",
            f"lateness p99 {ms(precise.lateness.percentile(99))}",
            f"p50 {ms(precise.lateness.percentile(50))}; latency p99 "
            f"{ms(precise.latency.percentile(99))}; achieved {precise.achieved_rate:,.0f} "
            f"req/s; client CPU {precise.client_cpu:.0%}; saturated: "
            f"{'; '.join(precise.saturated) or 'no'}; goal p99 < {ms(LATENESS_GOAL)}",
        ),
    ]
    if args.markdown:
        print("\n| measurement | client | result | details |\n|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        print()
        for what, client, value, details in rows:
            print(f"{what:<32} {client:<32} {value:>20}   {details}")
    worst = max(opened.timeline, key=lambda second: second.p99)
    print(
        f"\nthe open model's worst second (t = {worst.t:.0f} s of {s:g}): p50 {ms(worst.p50)}, "
        f"p99 {ms(worst.p99)}, {worst.offered} offered, {worst.completed} completed"
    )


def _has(package: str) -> bool:
    try:
        metadata.version(package)
    except metadata.PackageNotFoundError:
        return False
    return True


def wrk_version() -> str:
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"wrk (\S+)", out.stdout + out.stderr)
    return found.group(1) if found else "?"


if __name__ == "__main__":
    main()
