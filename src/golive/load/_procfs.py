"""Reading a Linux process's resources from /proc: CPU time, resident memory, open file
descriptors, its descendants, and the processes that own a listening TCP socket."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PROC",
    "ResourceUnavailable",
    "Stat",
    "count_fds",
    "descendants",
    "has_ancestor",
    "listening_inodes",
    "read_rss",
    "read_stat",
    "read_stats",
    "require_proc",
    "socket_owners",
]

PROC = Path("/proc")
_LISTEN = "0A"  # the TCP_LISTEN state in /proc/net/tcp


class ResourceUnavailable(Exception):  # noqa: N818 -- a reason to report, not a crash
    """A source cannot give resources; `reason` says why and what to do instead.

    `final` means the cause will not go away (the process has exited, there is no /proc),
    so a sampler stops instead of asking again.
    """

    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final


@dataclass(frozen=True, kw_only=True)
class Stat:
    """The fields of /proc/<pid>/stat that sampling needs."""

    pid: int
    name: str  # the command name (comm), at most 15 characters
    state: str  # R, S, D, Z (zombie), ...
    ppid: int
    ticks: int  # utime + stime, in clock ticks
    reaped_ticks: int  # cutime + cstime: children it has waited for
    started: int  # clock ticks after boot; tells a reused PID apart

    @property
    def exited(self) -> bool:
        return self.state in {"Z", "X", "x"}


def require_proc(proc: Path = PROC) -> None:
    """Raise `ResourceUnavailable` unless `proc` is a Linux procfs."""
    if not (proc / "self" / "stat").is_file():
        raise ResourceUnavailable(
            f"{proc} is not available: process resources are read from the Linux /proc "
            "filesystem; sample a metrics endpoint instead",
            final=True,
        )


def read_stat(pid: int, proc: Path = PROC) -> Stat | None:
    """The process's stat line, or None when there is no such process."""
    try:
        line = (proc / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name sits in parentheses and may hold spaces and parentheses itself.
    head, _, tail = line.rpartition(")")
    fields = tail.split()
    return Stat(
        pid=pid,
        name=head.partition("(")[2],
        state=fields[0],
        ppid=int(fields[1]),
        ticks=int(fields[11]) + int(fields[12]),
        reaped_ticks=int(fields[13]) + int(fields[14]),
        started=int(fields[19]),
    )


def read_stats(proc: Path = PROC) -> dict[int, Stat]:
    """Every process's stat, by PID (processes that exit meanwhile are left out)."""
    stats: dict[int, Stat] = {}
    for pid in _pids(proc):
        stat = read_stat(pid, proc)
        if stat is not None:
            stats[pid] = stat
    return stats


def descendants(roots: Iterable[int], stats: dict[int, Stat]) -> set[int]:
    """The PIDs below `roots` in the process tree (the roots themselves excluded)."""
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    found: set[int] = set()
    waiting = list(roots)
    while waiting:
        for child in children.get(waiting.pop(), ()):
            if child not in found:
                found.add(child)
                waiting.append(child)
    return found - set(roots)


def has_ancestor(pid: int, among: set[int], stats: Mapping[int, Stat]) -> bool:
    """Whether a process above `pid` in the tree is one of `among`."""
    seen: set[int] = set()
    parent = stats[pid].ppid if pid in stats else 0
    while parent > 1 and parent not in seen:
        if parent in among:
            return True
        seen.add(parent)
        parent = stats[parent].ppid if parent in stats else 0
    return False


def read_rss(pid: int, proc: Path = PROC) -> int | None:
    """Resident memory in bytes (statm's resident pages, the same figure as VmRSS), or None
    when the process has gone."""
    try:
        resident = (proc / str(pid) / "statm").read_text().split()[1]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(resident) * os.sysconf("SC_PAGE_SIZE")


def count_fds(pid: int, proc: Path = PROC) -> int | None:
    """Open file descriptors, or None when the process has gone; raises `PermissionError`
    when its fd directory is not readable (another user's process)."""
    try:
        return sum(1 for _ in (proc / str(pid) / "fd").iterdir())
    except (FileNotFoundError, ProcessLookupError):
        return None


def listening_inodes(port: int, proc: Path = PROC) -> set[int]:
    """The socket inodes of TCP sockets (IPv4 and IPv6) listening on `port`."""
    inodes: set[int] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except FileNotFoundError:  # no IPv6 in this kernel
            continue
        for line in lines:
            # sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
            fields = line.split()
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            if int(fields[1].rpartition(":")[2], 16) == port and fields[9] != "0":
                inodes.add(int(fields[9]))
    return inodes


def socket_owners(inodes: set[int], proc: Path = PROC) -> tuple[dict[int, set[int]], list[int]]:
    """Which PIDs hold each socket inode open, and the PIDs whose fd directory could not be
    read (so they may hold some of them too)."""
    wanted = {f"socket:[{inode}]": inode for inode in inodes}
    owners: dict[int, set[int]] = {}
    unreadable: list[int] = []
    for pid in _pids(proc):
        directory = proc / str(pid) / "fd"
        try:
            entries = list(directory.iterdir())
        except PermissionError:
            unreadable.append(pid)
            continue
        except (FileNotFoundError, ProcessLookupError, NotADirectoryError):
            continue
        for entry in entries:
            try:
                link = str(entry.readlink())
            except OSError:  # closed meanwhile, or the process has gone
                continue
            if link in wanted:
                owners.setdefault(wanted[link], set()).add(pid)
    return owners, unreadable


def _pids(proc: Path) -> Iterator[int]:
    for entry in os.scandir(proc):
        if entry.name.isdigit():
            yield int(entry.name)
