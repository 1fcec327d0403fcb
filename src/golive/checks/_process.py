"""Running a tool as a subprocess with a deadline, killing its whole process group on expiry."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from golive.checks.base import Unknown

__all__ = ["ProcessGroup", "ToolRun", "run_tool", "terminate_all"]

_KEEP_BYTES = 4 * 1024 * 1024  # a tool's output beyond this is cut (counted in `truncated`)

# Tools still running, so an interrupted review can stop them all at once.
_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class ToolRun:
    """What a finished tool printed and returned."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    truncated: bool = False


def run_tool(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> ToolRun:
    """Run `argv`; raise `Unknown` if it cannot start or does not finish within `timeout` s."""
    started = time.monotonic()
    merged = {**os.environ, **(env or {})}
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=merged,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout kills children too
        )
    except OSError as exc:
        raise Unknown(f"could not start {argv[0]}: {exc.strerror or exc}") from exc
    with _live_lock:
        _live.add(process)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise Unknown(
            f"`{' '.join(argv)}` did not finish within {timeout:g} s and was stopped"
        ) from None
    except BaseException:
        _kill_group(process)
        raise
    finally:
        with _live_lock:
            _live.discard(process)
    truncated = len(out) > _KEEP_BYTES or len(err) > _KEEP_BYTES
    return ToolRun(
        argv=tuple(argv),
        returncode=process.returncode,
        stdout=out[:_KEEP_BYTES].decode("utf-8", "replace"),
        stderr=err[-_KEEP_BYTES:].decode("utf-8", "replace"),
        seconds=time.monotonic() - started,
        truncated=truncated,
    )


def terminate_all() -> None:
    """Kill every tool still running (on Ctrl-C, or when a review is abandoned)."""
    with _live_lock:
        running = list(_live)
    for process in running:
        _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


class ProcessGroup:
    """Processes of one tool that a check streams from (`git cat-file --batch`), all killed at
    a shared deadline, on the way out, or when the review is interrupted (`terminate_all`)."""

    def __init__(self, git: str, root: Path, seconds: float) -> None:
        self._git = git
        self._root = root
        self._running: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def start(
        self, *args: str, stdin: IO[bytes] | int | None = subprocess.DEVNULL
    ) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [self._git, *args],
            cwd=self._root,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so the deadline stops all of it
        )
        with self._lock:
            self._running.append(process)
        with _live_lock:
            _live.add(process)
        return process

    def run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        process = self.start(*args)
        out, _ = process.communicate()
        return subprocess.CompletedProcess(process.args, process.returncode, out, b"")

    def _expire(self) -> None:
        self.expired = True
        self.stop()

    def stop(self) -> None:
        with self._lock:
            running, self._running = self._running, []
        for process in running:
            with _live_lock:
                _live.discard(process)
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()

    def close(self) -> None:
        self._timer.cancel()
        self.stop()
