"""Run the golive command line as a user does: a real subprocess, plain output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["golive"]


def golive(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
