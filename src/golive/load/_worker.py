"""One generator process: its share of the arrivals (or of the closed-loop connections), an
event loop (uvloop when installed), and per-second reports to the parent through a pipe.

Messages to the parent: `("ready", loop name)`, then `("second", s, offered, completed, errors,
dropped, histogram or None)` for each measured second once every request due in it has an
outcome, then `("done", totals)`; `("error", traceback)` when the worker itself breaks. From the
parent: `("start", t0)` (a `time.perf_counter()` instant, the same clock in every process on
the platforms golive runs on) and `("stop",)`. A closed pipe means the parent is gone: the
worker stops at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection as Pipe
from typing import Any

from golive.load._closed import ClosedRun
from golive.load._open import OpenRun
from golive.load._runs import Job

__all__ = ["Job", "main"]


def _event_loop() -> tuple[Callable[[], asyncio.AbstractEventLoop], str]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop, "asyncio"
    return uvloop.new_event_loop, "uvloop"


def main(job: Job, pipe: Pipe) -> None:
    """The worker process: wait for the start instant, run, report, exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    factory, name = _event_loop()
    loop = factory()
    try:
        pipe.send(("ready", name))
        message: Any = pipe.recv()
        if message[0] != "start":
            return
        run_type = OpenRun if job.arrivals is not None else ClosedRun
        run = run_type(job, loop, pipe, message[1])
        gc.collect()
        gc.freeze()  # what exists now is never garbage: keep collections short during the run
        loop.run_until_complete(run.main())
    except (EOFError, BrokenPipeError):
        pass  # the parent is gone
    except Exception:
        with contextlib.suppress(OSError):
            pipe.send(("error", traceback.format_exc()))
    finally:
        loop.close()
        pipe.close()
