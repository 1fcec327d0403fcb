"""Tools run with a deadline; a missing or overrunning tool is `unknown`, never a hang."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from golive.checks._process import run_tool
from golive.checks.base import Unknown


def test_a_tool_runs_and_its_output_is_captured(tmp_path: Path) -> None:
    run = run_tool(
        [
            sys.executable,
            "-c",
            "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)",
        ],
        cwd=tmp_path,
        timeout=30,
    )
    assert (run.returncode, run.stdout, run.stderr) == (3, "out\n", "err\n")


def test_a_missing_tool_is_unknown(tmp_path: Path) -> None:
    with pytest.raises(Unknown, match="could not start /no/such/tool"):
        run_tool(["/no/such/tool"], cwd=tmp_path, timeout=5)


def test_an_overrunning_tool_and_its_children_are_stopped(tmp_path: Path) -> None:
    marker = tmp_path / "child-survived"
    child = tmp_path / "child.py"
    child.write_text(f"import time\ntime.sleep(2)\nopen({str(marker)!r}, 'w').close()\n")
    parent = tmp_path / "parent.py"
    parent.write_text(
        f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, {str(child)!r}])\ntime.sleep(30)\n"
    )
    started = time.monotonic()
    with pytest.raises(Unknown, match=r"did not finish within 0\.5 s"):
        run_tool([sys.executable, str(parent)], cwd=tmp_path, timeout=0.5)
    assert time.monotonic() - started < 5
    time.sleep(2.5)
    assert not marker.exists()
