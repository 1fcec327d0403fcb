"""What a sustained run costs the target service: samples of its resident memory, CPU time
and open file descriptors, taken in the background, and what they say about its limits and
leaks.

Sources of samples, each a callable ``source(t) -> Sample``:

- `ProcessSource` reads local processes from Linux /proc: one process, several, or (with
  ``children=True``) each one's whole process tree, since many servers fork workers (nginx's
  master and workers, gunicorn, php-fpm). `ProcessSource.listening` finds the processes that
  listen on a TCP port with `pids_listening_on`; whether a target is local enough for that is
  the caller's decision.
- `sample_from_exposition` reads the process collector's metrics (`process_resident_memory_bytes`,
  `process_cpu_seconds_total`, `process_open_fds`, or OpenTelemetry's names) from a metrics page
  the caller fetched through the probe client; ``lambda t: sample_from_exposition(fetch(), t)``
  is a source.

A source that cannot sample raises `ResourceUnavailable` with a reason the report can show
as `unknown`. `Sampler` calls a source every `interval` seconds in a thread, bounded in time
and samples. `analyse` turns the samples into a `ResourceReport`; `parse_growth_bound` and
`judge_growth` say whether a trend grows faster than a bound such as ``<10MB/h``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from golive.load._analysis import (
    Growth,
    GrowthBound,
    GrowthVerdict,
    ResourceReport,
    Trend,
    analyse,
    judge_growth,
    parse_growth_bound,
)
from golive.load._procfs import (
    PROC,
    ResourceUnavailable,
    Stat,
    count_fds,
    descendants,
    has_ancestor,
    listening_inodes,
    read_rss,
    read_stat,
    read_stats,
    require_proc,
    socket_owners,
)
from golive.probes import exposition

__all__ = [
    "MAX_SAMPLES",
    "Growth",
    "GrowthBound",
    "GrowthVerdict",
    "ProcessSource",
    "ResourceReport",
    "ResourceUnavailable",
    "Sample",
    "Sampler",
    "Sampling",
    "Trend",
    "analyse",
    "judge_growth",
    "parse_growth_bound",
    "pids_listening_on",
    "sample_from_exposition",
]

MAX_SAMPLES = 10_000
MAX_SECONDS = 7 * 86_400.0
MIN_INTERVAL = 0.01
# Processes that hold a published port on behalf of another process: their resources are not
# the service's.
_FORWARDERS = frozenset(
    {
        "docker-proxy",
        "rootlessport",
        "rootlesskit",
        "slirp4netns",
        "pasta",
        "kubectl",
        "ssh",
        "sshd",
    }
)


@dataclass(frozen=True, kw_only=True)
class Sample:
    """The target's resources at one moment; a field is None when the source lacks it, and
    `notes` say why."""

    t: float  # seconds on the sampler's clock (since sampling began)
    rss_bytes: int | None  # resident memory
    cpu_seconds: float | None  # CPU time used so far (user + system); only differences count
    open_fds: int | None
    notes: tuple[str, ...] = ()


# --- local processes ------------------------------------------------------------------------


def pids_listening_on(port: int, *, proc: Path = PROC) -> list[int]:
    """The PIDs holding a TCP socket (IPv4 or IPv6) that listens on `port` on this machine;
    empty when nothing listens there.

    Raises `ResourceUnavailable` when a socket listens but its process cannot be named:
    another user's process, whose /proc/<pid>/fd golive may not read, or no /proc at all.
    """
    require_proc(proc)
    inodes = listening_inodes(port, proc)
    if not inodes:
        return []
    owners, unreadable = socket_owners(inodes, proc)
    if len(owners) < len(inodes):
        if unreadable:
            raise ResourceUnavailable(
                f"a socket listens on port {port}, but its process cannot be named: the open "
                f"files of {len(unreadable)} processes of other users are not readable; run "
                "golive as the service's user or as root, or give the service's PID"
            )
        raise ResourceUnavailable(
            f"a socket listens on port {port}, but no process holds it open (the kernel's, or "
            "closed meanwhile)"
        )
    return sorted(set().union(*owners.values()))


class ProcessSource:
    """Samples local processes from /proc: CPU time (utime + stime), resident memory (statm)
    and open file descriptors (entries of /proc/<pid>/fd), summed over `pids`.

    With ``children=True`` each process's descendants count too, found afresh at every
    sample, and CPU time includes the children each member has waited for (cutime + cstime),
    so a worker that exits and is reaped keeps its CPU time in the sum. Resident memory of
    forked workers is summed as each reports it, which counts pages they share with their
    parent once per process: the sum overstates memory, never understates it.

    The source ends (`ResourceUnavailable` with ``final=True``) when one of `pids` exits,
    since resources across a restart say nothing about one process's behaviour.
    """

    def __init__(
        self, pids: int | Iterable[int], *, children: bool = False, proc: Path = PROC
    ) -> None:
        require_proc(proc)
        self.pids = tuple(sorted({pids} if isinstance(pids, int) else set(pids)))
        if not self.pids:
            raise ValueError("no process to sample")
        self.children = children
        self._proc = proc
        self._tick = 1 / os.sysconf("SC_CLK_TCK")
        self._started: dict[int, int] = {}
        for pid in self.pids:
            stat = read_stat(pid, proc)
            if stat is None or stat.exited:
                raise ResourceUnavailable(f"there is no running process {pid}", final=True)
            self._started[pid] = stat.started

    @classmethod
    def listening(cls, port: int, *, children: bool = True, proc: Path = PROC) -> ProcessSource:
        """The processes listening on `port`, each with its tree when `children`; raises
        `ResourceUnavailable` when nothing listens or a port forwarder holds the port."""
        pids = pids_listening_on(port, proc=proc)
        if not pids:
            raise ResourceUnavailable(f"nothing listens on TCP port {port} on this machine")
        stats = read_stats(proc)
        for pid in pids:
            if pid in stats and stats[pid].name in _FORWARDERS:
                raise ResourceUnavailable(
                    f"port {port} is held by {stats[pid].name} (PID {pid}), which forwards "
                    "connections to the service elsewhere; its resources are not the "
                    "service's: give the service's PID, or sample its metrics endpoint"
                )
        # Workers that inherited the listening socket are counted through their parent.
        roots = [pid for pid in pids if not has_ancestor(pid, set(pids), stats)]
        return cls(roots if children else pids, children=children, proc=proc)

    def __call__(self, t: float) -> Sample:
        return self.sample(t)

    def sample(self, t: float) -> Sample:
        if self.children:
            everything = read_stats(self._proc)
            roots = {pid: everything.get(pid) for pid in self.pids}
        else:
            roots = {pid: read_stat(pid, self._proc) for pid in self.pids}
        members: dict[int, Stat] = {}
        for pid, stat in roots.items():
            if stat is None or stat.exited or stat.started != self._started[pid]:
                raise ResourceUnavailable(f"process {pid} has exited", final=True)
            members[pid] = stat
        if self.children:
            members.update((pid, everything[pid]) for pid in descendants(self.pids, everything))
        ticks = sum(s.ticks + (s.reaped_ticks if self.children else 0) for s in members.values())
        rss = 0
        fds: int | None = 0
        notes: list[str] = []
        for pid, stat in members.items():
            if stat.exited:
                continue
            rss += read_rss(pid, self._proc) or 0
            if fds is None:
                continue
            try:
                fds += count_fds(pid, self._proc) or 0
            except PermissionError:
                fds = None
                notes.append(
                    f"open file descriptors unknown: /proc/{pid}/fd is not readable (the "
                    "process belongs to another user); run golive as that user or as root"
                )
        return Sample(
            t=t, rss_bytes=rss, cpu_seconds=ticks * self._tick, open_fds=fds, notes=tuple(notes)
        )


# --- metrics pages --------------------------------------------------------------------------

# (field, accepted sample names, first the Prometheus client libraries' own)
_EXPOSED = (
    ("rss_bytes", ("process_resident_memory_bytes", "process_memory_usage_bytes")),
    ("cpu_seconds", ("process_cpu_seconds_total", "process_cpu_time_seconds_total")),
    ("open_fds", ("process_open_fds", "process_open_file_descriptor_count")),
)
# OpenTelemetry splits CPU time by mode; the series of one process add up.
_CPU_MODE_LABELS = frozenset({"state", "cpu_mode", "mode"})


def sample_from_exposition(
    text: str | bytes,
    t: float,
    *,
    labels: Mapping[str, str] | None = None,
    openmetrics: bool = False,
) -> Sample:
    """The process metrics on a metrics page (Prometheus text or OpenMetrics).

    `labels` picks one process when the page holds several (a federation page or a
    Pushgateway): only series carrying all these label values count, e.g.
    ``{"job": "api", "instance": "10.0.0.5:8080"}``. A metric with several matching series is
    left out with a note. Raises `ResourceUnavailable` when the page breaks the format or has
    none of the three metrics.
    """
    try:
        page = exposition.parse(text, openmetrics=openmetrics)
    except exposition.ExpositionError as exc:
        raise ResourceUnavailable(f"the metrics page breaks the exposition format: {exc}") from None
    by_name: dict[str, list[exposition.Sample]] = {}
    for family in page.families:
        for sample in family.samples:
            by_name.setdefault(sample.name, []).append(sample)
    selector = dict(labels or {})
    values: dict[str, float | None] = {}
    notes: list[str] = []
    for field, names in _EXPOSED:
        values[field], note = _exposed(by_name, names, selector, split=field == "cpu_seconds")
        if note:
            notes.append(note)
    if all(value is None for value in values.values()):
        raise ResourceUnavailable("no process metrics on the metrics page: " + "; ".join(notes))
    rss, cpu, fds = values["rss_bytes"], values["cpu_seconds"], values["open_fds"]
    return Sample(
        t=t,
        rss_bytes=None if rss is None else int(rss),
        cpu_seconds=cpu,
        open_fds=None if fds is None else int(fds),
        notes=tuple(notes),
    )


def _exposed(
    by_name: Mapping[str, list[exposition.Sample]],
    names: Sequence[str],
    selector: Mapping[str, str],
    *,
    split: bool,
) -> tuple[float | None, str | None]:
    where = ""
    if selector:
        where = " with " + ", ".join(f'{key}="{value}"' for key, value in selector.items())
    for name in names:
        series = [
            s
            for s in by_name.get(name, ())
            if all(s.label(key) == value for key, value in selector.items())
        ]
        if not series:
            continue
        ignored = _CPU_MODE_LABELS if split else frozenset[str]()
        processes = {tuple(sorted(p for p in s.labels if p[0] not in ignored)) for s in series}
        if len(processes) > 1:
            shown = "; ".join(sorted(_labels(labels) for labels in processes)[:3])
            return None, (
                f"{name}: {len(processes)} series{where} ({shown}); name one process's "
                "labels (e.g. job and instance)"
            )
        value = math.fsum(s.value for s in series)
        if not math.isfinite(value) or value < 0:
            return None, f"{name}{where} is {value}"
        return value, None
    return None, f"no {names[0]} (or {names[1]}){where}"


def _labels(labels: Iterable[tuple[str, str]]) -> str:
    return "{" + ",".join(f'{key}="{value}"' for key, value in labels) + "}"


# --- sampling in the background -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Sampling:
    """What a `Sampler` gathered."""

    samples: tuple[Sample, ...]
    interval: float  # seconds between samples
    failures: int  # samples the source could not take
    reasons: tuple[str, ...]  # the distinct reasons it gave, the first few
    ended: str  # "stopped", "time limit", "sample limit", or why the source ended


class Sampler:
    """Calls `source` every `interval` seconds in a daemon thread, from `start()` until
    `stop()`, `seconds` have passed, `max_samples` are taken, or the source ends; the first
    sample is taken at once, even when `stop()` follows `start()` straight away.

    When ``seconds / interval`` would exceed `max_samples`, the interval grows so the whole
    run fits: a trend needs the end of the run as much as its start. Ticks are kept on a
    fixed schedule; a source slower than the interval skips ticks rather than queueing them.
    Also a context manager: ``with Sampler(...) as sampler: ...`` then ``sampler.stop()``.
    """

    def __init__(
        self,
        source: Callable[[float], Sample],
        *,
        seconds: float,
        interval: float = 1.0,
        max_samples: int = MAX_SAMPLES,
    ) -> None:
        if not 0 < seconds <= MAX_SECONDS:
            raise ValueError(f"seconds must be above 0 and at most {MAX_SECONDS:.0f}")
        if not interval >= MIN_INTERVAL:
            raise ValueError(f"interval must be at least {MIN_INTERVAL} s")
        if not 2 <= max_samples <= MAX_SAMPLES:
            raise ValueError(f"max_samples must be from 2 to {MAX_SAMPLES}")
        self.seconds = seconds
        self.interval = max(interval, seconds / (max_samples - 1))
        self.max_samples = max_samples
        self._source = source
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="golive-resources", daemon=True)
        self._samples: list[Sample] = []
        self._failures = 0
        self._reasons: list[str] = []
        self._ended = "running"
        self._error: Exception | None = None

    def __enter__(self) -> Sampler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def start(self) -> Sampler:
        self._thread.start()  # a second start raises RuntimeError
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def snapshot(self) -> tuple[Sample, ...]:
        """The samples so far."""
        with self._lock:
            return tuple(self._samples)

    def stop(self) -> Sampling:
        """Stop (waiting for a sample under way) and return what was gathered; re-raises an
        error other than `ResourceUnavailable` that broke the source."""
        if self._thread.ident is None:
            raise RuntimeError("the sampler was never started")
        self._stopping.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        with self._lock:
            return Sampling(
                samples=tuple(self._samples),
                interval=self.interval,
                failures=self._failures,
                reasons=tuple(self._reasons),
                ended=self._ended,
            )

    def _run(self) -> None:
        begin = time.monotonic()
        tick = 0
        ended = "stopped"
        while True:  # the first sample is taken even when stop() came first
            t = time.monotonic() - begin
            if t > self.seconds:
                ended = "time limit"
                break
            try:
                sample = self._source(t)
            except ResourceUnavailable as exc:
                with self._lock:
                    self._failures += 1
                    if exc.reason not in self._reasons and len(self._reasons) < 5:
                        self._reasons.append(exc.reason)
                if exc.final:
                    ended = exc.reason
                    break
            except Exception as exc:  # re-raised by stop(): the source itself is broken
                self._error = exc
                ended = f"error: {exc}"
                break
            else:
                with self._lock:
                    self._samples.append(sample)
                    full = len(self._samples) >= self.max_samples
                if full:
                    ended = "sample limit"
                    break
            tick = max(tick + 1, math.ceil((time.monotonic() - begin) / self.interval))
            if self._stopping.wait(max(0.0, begin + tick * self.interval - time.monotonic())):
                break
        with self._lock:
            self._ended = ended
