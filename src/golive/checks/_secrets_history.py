"""Scanning the git history for secrets: every blob reachable from any ref, read once each.

`git rev-list --all --objects` names every commit, tree and blob reachable from a branch, tag
or other ref; `git cat-file --batch-check` sorts out the blobs and their sizes, and
`git cat-file --batch` streams their contents through the same scanner as the work tree. A
blob is scanned once however many commits hold it, which is what makes this fast. For the
blobs with a secret, one `git log --raw` pass (oldest first) finds the commit that brought
each in. Every git process gets a deadline, and its process group is killed when it passes.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from golive.checks._process import ProcessGroup
from golive.checks._secrets_scan import Hit, hits_in
from golive.checks.base import NotApplicable, Unknown

__all__ = ["HistoryScan", "scan_history"]

_SNIFF = 8192


@dataclass(kw_only=True)
class HistoryScan:
    """What the history holds: hits by blob, the commit that introduced each blob, counts."""

    hits: list[tuple[Hit, str]] = field(default_factory=list)  # (hit, blob id)
    introduced: dict[str, tuple[int, str]] = field(default_factory=dict)  # blob -> (order, commit)
    commits: int = 0
    blobs: int = 0
    scanned: int = 0
    binary: int = 0
    large: int = 0


def scan_history(
    git: str, root: Path, *, max_bytes: int, seconds: float, skip: Sequence[str] = ()
) -> HistoryScan:
    """Scan every blob reachable from any ref of the repository at `root`."""
    processes = ProcessGroup(git, root, seconds)
    started = time.monotonic()
    try:
        inside = processes.run("rev-parse", "--is-inside-work-tree")
        if inside.returncode != 0 or inside.stdout.strip() != b"true":
            raise NotApplicable("not a git work tree: there is no history to scan")
        count = processes.run("rev-list", "--all", "--count")
        scan = HistoryScan(commits=int(count.stdout.strip() or 0))
        if not scan.commits:
            raise NotApplicable("the repository has no commits yet")
        wanted = []
        for blob, size, path in _blobs(processes):
            scan.blobs += 1
            if size > max_bytes:
                scan.large += 1
            elif path not in skip:
                wanted.append((blob, path))
        for (blob, path), data in zip(
            wanted, _contents(processes, [b for b, _ in wanted]), strict=True
        ):
            if data.find(b"\0", 0, _SNIFF) >= 0:
                scan.binary += 1
                continue
            scan.scanned += 1
            scan.hits.extend((hit, blob) for hit in hits_in(path, data))
        if scan.hits:
            scan.introduced = _introductions(processes, {blob for _, blob in scan.hits})
    except (OSError, ValueError) as exc:
        if processes.expired:
            raise Unknown(
                f"the history scan did not finish within {seconds:g} s and was stopped"
            ) from None
        raise Unknown(f"git could not list the history: {exc}") from exc
    finally:
        processes.close()
    if processes.expired:
        elapsed = time.monotonic() - started
        raise Unknown(f"the history scan did not finish within {elapsed:.0f} s and was stopped")
    return scan


def _blobs(processes: ProcessGroup) -> Iterator[tuple[str, int, str]]:
    """(blob id, size, path) of every blob reachable from any ref, each once."""
    objects = processes.start("rev-list", "--all", "--objects")
    check = processes.start(
        "cat-file",
        "--batch-check=%(objectname) %(objecttype) %(objectsize) %(rest)",
        stdin=objects.stdout,
    )
    assert objects.stdout is not None and check.stdout is not None
    objects.stdout.close()  # cat-file holds it now
    for line in check.stdout:
        name, kind, size, *rest = line.rstrip(b"\n").split(b" ", 3)
        if kind == b"blob":
            path = rest[0].decode("utf-8", "replace") if rest else ""
            yield name.decode("ascii"), int(size), path
    if check.wait() != 0 or objects.wait() != 0:
        raise ValueError("git rev-list or cat-file failed")


def _contents(processes: ProcessGroup, blobs: list[str]) -> Iterator[bytes]:
    """The bytes of each blob, in order, streamed through one `git cat-file --batch`."""
    batch = processes.start("cat-file", "--batch", stdin=subprocess.PIPE)
    assert batch.stdin is not None and batch.stdout is not None
    feed, out = batch.stdin, batch.stdout

    def write() -> None:
        try:
            for blob in blobs:
                feed.write(blob.encode("ascii") + b"\n")
            feed.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the reader stopped (deadline); the reader reports it

    writer = threading.Thread(target=write, name="git cat-file feed", daemon=True)
    writer.start()
    for _ in blobs:
        header = out.readline().split()
        if len(header) != 3:
            raise ValueError("git cat-file --batch stopped early")
        size = int(header[2])
        data = out.read(size)
        out.read(1)  # the newline after each object
        if len(data) != size:
            raise ValueError("git cat-file --batch stopped early")
        yield data
    writer.join()
    batch.wait()


def _introductions(processes: ProcessGroup, wanted: set[str]) -> dict[str, tuple[int, str]]:
    """For each wanted blob, the oldest commit that adds it (as (order, commit id))."""
    log = processes.start(
        "log", "--all", "--reverse", "--raw", "--no-abbrev", "--no-renames", "--format=%H"
    )
    assert log.stdout is not None
    found: dict[str, tuple[int, str]] = {}
    commit, order = "", 0
    for raw in log.stdout:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if line.startswith(":"):
            fields = line.split("\t", 1)[0].split()
            blob = fields[3] if len(fields) > 3 else ""
            if blob in wanted and blob not in found:
                found[blob] = (order, commit)
                if len(found) == len(wanted):
                    break  # every blob placed: the rest of the history does not matter
        elif line:
            commit, order = line, order + 1
    return found
