"""Scanner reports: where they are looked for, and reading one file into runs.

A report is told apart by its content, not its name: a SARIF log (`runs`), pip-audit's JSON
(`dependencies`) or cargo-audit's (`vulnerabilities` as an object). Reports are build
products, usually ignored by git, so they are looked for on disk, not in the repository's
file index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golive.checks._coverage_paths import PathPlacer
from golive.checks._scan_audits import (
    DependencyFiles,
    is_cargo_audit,
    is_pip_audit,
    read_cargo_audit,
    read_pip_audit,
)
from golive.checks._scan_model import Report, ReportError, first_line, kind_of
from golive.checks._scan_sarif import is_sarif, read_sarif
from golive.checks.repository import Repository

__all__ = ["DEFAULT_PLACES", "find_reports", "parse_report", "read_report"]

# Where reports are looked for when the checklist names none, relative to the repository.
DEFAULT_PLACES = (
    "*.sarif",
    "*.sarif.json",
    "reports/**/*.sarif",
    "reports/**/*.sarif.json",
    ".golive/reports/**/*.sarif",
    ".golive/reports/**/*.json",
    "pip-audit.json",
    "reports/**/pip-audit.json",
    "cargo-audit.json",
    "reports/**/cargo-audit.json",
)
_REPORT_SUFFIXES = (".sarif", ".json")  # the files read from a directory named by `report`
_MAX_BYTES = 256 * 1024 * 1024


def find_reports(root: Path, report: str | None) -> tuple[list[Path], str]:
    """The report files to read, and what was looked for (said when nothing is found).

    `report` is a file, a directory (its .sarif and .json files, at any depth) or a glob
    (`reports/*.sarif`, `**` for any depth), relative to the repository; None looks in
    `DEFAULT_PLACES`.
    """
    if report is None or not report.strip():
        return _matching(root, DEFAULT_PLACES), f"looked in {', '.join(DEFAULT_PLACES)}"
    pattern = report.strip()
    looked = f"looked for {pattern}"
    if any(char in pattern for char in "*?["):
        return _matching(root, (pattern,)), looked
    path = Path(pattern) if Path(pattern).is_absolute() else root / pattern
    if path.is_dir():
        found = [p for p in path.rglob("*") if p.is_file() and p.name.endswith(_REPORT_SUFFIXES)]
        return sorted(found), f"looked for .sarif and .json files in {pattern}"
    return ([path] if path.is_file() else []), looked


def _matching(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    found: dict[Path, Path] = {}
    for pattern in patterns:
        base, relative = root, pattern
        if Path(pattern).is_absolute():
            base = Path(Path(pattern).anchor)
            relative = pattern[len(base.anchor) :]
        try:
            matches = list(base.glob(relative))
        except (ValueError, OSError):  # a pattern Path.glob refuses ("a/**b")
            matches = []
        for path in matches:
            if path.is_file():
                found.setdefault(path.resolve(), path)
    return sorted(found.values())


def read_report(path: Path, *, root: Path, placer: PathPlacer, repo: Repository) -> Report:
    """Read one report file; `ReportError` says which file and why it cannot be used."""
    shown = _shown(path, root)
    try:
        status = path.stat()
        if status.st_size > _MAX_BYTES:
            raise ReportError(f"{shown}: too large to read ({status.st_size} bytes)")
        raw = path.read_bytes()
    except OSError as error:
        raise ReportError(f"{shown}: cannot be read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReportError(f"{shown}: not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise ReportError(f"{shown}: the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        what = error.msg.removesuffix(" at").removesuffix(" starting")
        ends = error.pos >= len(text.rstrip()) or what == "Unterminated string"
        cut = " (the file ends early: was it cut off?)" if ends else ""
        raise ReportError(
            f"{shown}:{error.lineno}:{error.colno}: not valid JSON: {what}{cut}"
        ) from None
    except ValueError as error:  # an integer of more than 4300 digits
        raise ReportError(f"{shown}: not usable JSON: {error}") from None
    except RecursionError:
        raise ReportError(f"{shown}: JSON nested too deeply to read") from None
    files = DependencyFiles(repo, shown)
    return parse_report(data, report=shown, placer=placer, files=files, written=status.st_mtime)


def parse_report(
    data: Any,
    *,
    report: str,
    placer: PathPlacer,
    files: DependencyFiles | None = None,
    written: float = 0.0,
) -> Report:
    """The runs of a report's JSON value, whatever that value is; `ReportError` otherwise."""
    try:
        if is_sarif(data):
            runs = tuple(read_sarif(data, report=report, placer=placer))
            return Report(path=report, format="SARIF", runs=runs, written=written)
        if is_cargo_audit(data):
            run = read_cargo_audit(data, report=report, files=files)
            return Report(path=report, format="cargo-audit", runs=(run,), written=written)
        if is_pip_audit(data):
            run = read_pip_audit(data, report=report, files=files)
            return Report(path=report, format="pip-audit", runs=(run,), written=written)
    except ReportError as error:
        raise ReportError(f"{report}: {error}") from None
    keys = sorted(data)[:5] if isinstance(data, dict) else []
    holding = f" with keys {', '.join(first_line(key, 40) for key in keys)}" if keys else ""
    raise ReportError(
        f"{report}: not a SARIF log, pip-audit or cargo-audit report "
        f"(the top level is {kind_of(data)}{holding})"
    )


def _shown(path: Path, root: Path) -> str:
    resolved, base = path.resolve(), root.resolve()
    return resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else str(path)
