"""Startup and review-time benchmark: `golive --version` cold, and a static review of the example.

Runs each command as a fresh process several times and reports min / median / p90 wall time,
next to the Python interpreter's own start-up (the floor no Python tool can beat) and, when a
checkov executable is given or found, `checkov --version` measured the same way in the same run.

    python benchmarks/startup.py [--runs 20] [--checkov PATH] [--markdown]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "service"
LIMITS = {"golive --version": 0.150, "golive check (static, evidence)": 1.0}


def _golive() -> list[str]:
    script = Path(sys.executable).with_name("golive")
    return [str(script)] if script.exists() else [sys.executable, "-m", "golive"]


def measure(argv: list[str], runs: int, cwd: Path | None = None) -> list[float]:
    times = []
    env = {**os.environ, "NO_COLOR": "1"}
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        times.append(time.perf_counter() - started)
    return times


def summary(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return ordered[0], statistics.median(ordered), p90


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--checkov", default=shutil.which("checkov"), help="a checkov executable")
    parser.add_argument(
        "--markdown", action="store_true", help="print a table for docs/benchmarks.md"
    )
    args = parser.parse_args()

    golive = _golive()
    cases: list[tuple[str, list[str], Path | None, int]] = [
        ("python -c pass (interpreter floor)", [sys.executable, "-c", "pass"], None, args.runs),
        ("golive --version", [*golive, "--version"], None, args.runs),
        (
            "golive check (static, evidence)",
            [*golive, "check", "--kind", "static", "--kind", "evidence"],
            EXAMPLE,
            max(5, args.runs // 2),
        ),
    ]
    if args.checkov:
        cases.append(
            ("checkov --version", [args.checkov, "--version"], None, max(3, args.runs // 5))
        )
    # Warm the file cache once so "cold" means a new process, not a cold disk.
    for _, argv, cwd, _ in cases:
        measure(argv, 1, cwd)

    rows = []
    for name, argv, cwd, runs in cases:
        low, mid, p90 = summary(measure(argv, runs, cwd))
        rows.append((name, runs, low, mid, p90))

    version = next(mid for name, _, _, mid, _ in rows if name == "golive --version")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.markdown:
        print(f"Measured {stamp} on {machine}; median of each row's runs, fresh process per run.\n")
        print("| command | runs | min | median | p90 | limit | vs golive --version |")
        print("|---|---|---|---|---|---|---|")
    else:
        print(f"{stamp} · {machine}")
    for name, runs, low, mid, p90 in rows:
        limit = LIMITS.get(name)
        verdict = (
            ""
            if limit is None
            else ("within" if mid < limit else "OVER") + f" {limit * 1000:.0f} ms"
        )
        ratio = f"{mid / version:.1f}x"
        if args.markdown:
            limit_text = f"{limit * 1000:.0f} ms" if limit else ""
            cells = [f"`{name}`", str(runs), *(f"{t * 1000:.0f} ms" for t in (low, mid, p90))]
            print("| " + " | ".join([*cells, limit_text, ratio]) + " |")
        else:
            timing = (
                f"min {low * 1000:6.0f} ms  median {mid * 1000:6.0f} ms  p90 {p90 * 1000:6.0f} ms"
            )
            print(f"{name:<40} n={runs:<3} {timing}  {verdict}")
    if any(name in LIMITS and mid >= LIMITS[name] for name, _, _, mid, _ in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
