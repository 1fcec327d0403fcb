"""Running ruff, black and mypy on the Python project, and reading what they report.

Every tool runs in the repository root with the project's own configuration, and writes no
cache into the repository (ruff `--no-cache`, mypy's cache sent to the null device), so a
review leaves the work tree as it found it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.checks._process import ToolRun, run_tool
from golive.checks._python_project import PythonProject, Tool
from golive.checks.base import NotApplicable, Unknown
from golive.model import Location

__all__ = [
    "Problem",
    "ToolReport",
    "check_black",
    "check_ruff_format",
    "parse_black_errors",
    "parse_mypy_json",
    "parse_mypy_text",
    "parse_ruff_format_text",
    "parse_unified_diff",
    "relative_location",
    "run_mypy",
    "run_ruff",
]

_ENV = {"NO_COLOR": "1", "TERM": "dumb"}
_MYPY_TEXT = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?:(?P<column>\d+):)? (?P<severity>error|warning|note): "
    r"(?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_BLACK_ERROR = re.compile(r"^error: cannot (?:format|parse):? (?P<rest>.+)$")
_PATH_LINE_COLUMN = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+)(?::\s*(?P<msg>.*))?$")


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing a tool reported: where, under which rule, and what."""

    location: Location | None
    code: str | None
    message: str


@dataclass(frozen=True, kw_only=True)
class ToolReport:
    """What one tool run found."""

    tool: Tool
    command: str
    problems: tuple[Problem, ...]  # lint findings, unformatted files, type errors
    unreadable: tuple[Problem, ...] = ()  # files the formatter could not parse
    seconds: float


def relative_location(
    path: str, root: Path, line: int | None = None, column: int | None = None
) -> Location:
    """A tool's path made relative to the repository (kept absolute when it lies outside)."""
    candidate = Path(path)
    if candidate.is_absolute():
        with contextlib.suppress(ValueError):
            candidate = candidate.resolve().relative_to(root.resolve())
    return Location(path=candidate.as_posix(), line=line, column=column)


def _run(tool: Tool, args: Sequence[str], project: PythonProject, timeout: float) -> ToolRun:
    return run_tool([tool.executable, *args], cwd=project.root, timeout=timeout, env=_ENV)


def _command(tool: Tool, run: ToolRun) -> str:
    return " ".join([tool.name, *run.argv[1:]])


def _first_line(*texts: str) -> str:
    """The gist of a tool's complaint: its first line, or ruff's chain of causes."""
    for text in texts:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            continue
        causes = [
            line.removeprefix("Cause:").strip() for line in lines if line.startswith("Cause:")
        ]
        if not causes:
            return lines[0]
        last = lines[-1]
        if not last.startswith(("Cause:", "|")) and not last[:1].isdigit():
            causes.append(last)
        return "; ".join(causes)
    return "no message"


# --- ruff check -------------------------------------------------------------------------------


def run_ruff(project: PythonProject, tool: Tool, *, timeout: float) -> ToolReport:
    """`ruff check` with the project's configuration; never fixes anything."""
    run = _run(
        tool, ["check", "--output-format", "json", "--no-cache", "--no-fix"], project, timeout
    )
    records = _json_list(run) if run.returncode in {0, 1} else None
    if records is None:
        raise Unknown(
            f"ruff check could not lint the project: {_first_line(run.stderr, run.stdout)}"
        )
    problems = [_ruff_problem(record, project.root) for record in records]
    return ToolReport(
        tool=tool, command=_command(tool, run), problems=tuple(problems), seconds=run.seconds
    )


def _json_list(run: ToolRun) -> list[dict[str, Any]] | None:
    try:
        records = json.loads(run.stdout or "[]")
    except json.JSONDecodeError:
        return None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return None
    return records


def _ruff_problem(record: dict[str, Any], root: Path) -> Problem:
    start = record.get("location") or {}
    filename = record.get("filename")
    location = (
        relative_location(filename, root, start.get("row"), start.get("column"))
        if isinstance(filename, str)
        else None
    )
    message = str(record.get("message", ""))
    code = record.get("code") or ("invalid-syntax" if message.startswith("SyntaxError") else None)
    return Problem(location=location, code=code, message=message)


# --- formatting -------------------------------------------------------------------------------


def check_ruff_format(project: PythonProject, tool: Tool, *, timeout: float) -> ToolReport:
    """`ruff format --check`: one problem per file it would reformat, at the first change."""
    args = ["format", "--check", "--no-cache"]
    run = _run(tool, [*args, "--output-format", "json"], project, timeout)
    if run.returncode == 2 and "--output-format" in run.stderr:
        return _ruff_format_text(project, tool, _run(tool, args, project, timeout))
    records = _json_list(run)
    if records is None or (run.returncode == 2 and not records):
        raise Unknown(
            f"ruff format could not check the project: {_first_line(run.stderr, run.stdout)}"
        )
    found = [_ruff_problem(record, project.root) for record in records]
    return ToolReport(
        tool=tool,
        command=_command(tool, run),
        problems=tuple(p for p in found if p.code == "unformatted"),
        unreadable=tuple(p for p in found if p.code != "unformatted"),
        seconds=run.seconds,
    )


def _ruff_format_text(project: PythonProject, tool: Tool, run: ToolRun) -> ToolReport:
    """A ruff older than 0.9 has no `format --output-format`: read its text instead."""
    problems, unreadable = parse_ruff_format_text(run.stdout, run.stderr, project.root)
    if run.returncode not in {0, 1} and not unreadable:
        raise Unknown(
            f"ruff format could not check the project: {_first_line(run.stderr, run.stdout)}"
        )
    return ToolReport(
        tool=tool,
        command=_command(tool, run),
        problems=tuple(problems),
        unreadable=tuple(unreadable),
        seconds=run.seconds,
    )


def parse_ruff_format_text(
    stdout: str, stderr: str, root: Path
) -> tuple[list[Problem], list[Problem]]:
    """`Would reformat: PATH` lines (no line numbers), and `error: Failed to parse PATH:L:C:`."""
    problems = [
        Problem(
            location=relative_location(line.removeprefix("Would reformat: ").strip(), root),
            code="unformatted",
            message="File would be reformatted",
        )
        for line in stdout.splitlines()
        if line.startswith("Would reformat: ")
    ]
    unreadable = []
    for line in stderr.splitlines():
        if not line.startswith("error: "):
            continue
        rest = line.removeprefix("error: ").removeprefix("Failed to parse ")
        where = _PATH_LINE_COLUMN.match(rest)
        location = (
            relative_location(where["path"], root, int(where["line"]), int(where["column"]))
            if where
            else None
        )
        message = (where["msg"] if where else None) or rest
        unreadable.append(Problem(location=location, code="invalid-syntax", message=message))
    return problems, unreadable


def check_black(project: PythonProject, tool: Tool, *, timeout: float) -> ToolReport:
    """`black --check --diff`: one problem per file it would reformat, at the first change."""
    run = _run(tool, ["--check", "--diff", "--quiet", "--no-color", "."], project, timeout)
    unreadable = list(parse_black_errors(run.stderr, project.root))
    if run.returncode not in {0, 1} and not unreadable:
        raise Unknown(f"black could not check the project: {_first_line(run.stderr, run.stdout)}")
    return ToolReport(
        tool=tool,
        command=_command(tool, run),
        problems=tuple(parse_unified_diff(run.stdout, project.root)),
        unreadable=tuple(unreadable),
        seconds=run.seconds,
    )


def parse_unified_diff(diff: str, root: Path) -> Iterable[Problem]:
    """One problem per file of a unified diff, at the first line that changes."""
    path: str | None = None
    reported = True
    old_line = 0
    for line in diff.splitlines():
        if line.startswith("--- "):
            path = line[4:].split("\t", 1)[0].strip()
            reported = False
        elif line.startswith("+++ "):
            continue
        elif hunk := re.match(r"^@@ -(\d+)", line):
            old_line = int(hunk.group(1))
        elif path is not None and not reported:
            if line.startswith(("-", "+")):
                reported = True
                yield Problem(
                    location=relative_location(path, root, max(old_line, 1)),
                    code="unformatted",
                    message="File would be reformatted",
                )
            elif line.startswith(" "):
                old_line += 1


def parse_black_errors(stderr: str, root: Path) -> Iterable[Problem]:
    """black's `error: cannot parse: PATH:LINE:COL` / `error: cannot format PATH: why` lines."""
    for line in stderr.splitlines():
        match = _BLACK_ERROR.match(line.strip())
        if match is None:
            continue
        rest = match.group("rest")
        if where := _PATH_LINE_COLUMN.match(rest):
            location = relative_location(
                where["path"], root, int(where["line"]), int(where["column"])
            )
            yield Problem(location=location, code="invalid-syntax", message="cannot parse")
        else:
            path, _, why = rest.partition(": ")
            yield Problem(location=relative_location(path, root), code="black", message=why or rest)


# --- mypy -------------------------------------------------------------------------------------


def run_mypy(project: PythonProject, tool: Tool, *, timeout: float) -> ToolReport:
    """mypy with the project's configuration, on its configured files or its packages."""
    if project.mypy_targets_configured:
        targets: tuple[str, ...] = ()
    elif project.packages:
        targets = project.packages
    else:
        raise NotApplicable("the project has no package or module for mypy to check")
    common = ["--cache-dir", os.devnull]
    python = project.venv_python
    if python is not None and tool.origin == "PATH":
        common += ["--python-executable", python]  # see the project's installed packages
    run = _run(tool, ["--output", "json", *common, *targets], project, timeout)
    json_output = not (run.returncode == 2 and "--output" in run.stderr)
    if not json_output:  # a mypy older than 1.11: the text format
        text_flags = [
            "--show-column-numbers",
            "--show-error-codes",
            "--no-pretty",
            "--no-error-summary",
            "--no-color-output",
            "--hide-error-context",
        ]
        run = _run(tool, [*text_flags, *common, *targets], project, timeout)
    parse = parse_mypy_json if json_output else parse_mypy_text
    problems = [p for p in (parse(line, project.root) for line in run.stdout.splitlines()) if p]
    if run.returncode not in {0, 1} and not problems:
        raise Unknown(f"mypy could not check the project: {_first_line(run.stderr, run.stdout)}")
    return ToolReport(
        tool=tool, command=_command(tool, run), problems=tuple(problems), seconds=run.seconds
    )


def parse_mypy_json(line: str, root: Path) -> Problem | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, dict) or record.get("severity") != "error":
        return None
    line_no = record.get("line")
    column = record.get("column")
    location = relative_location(
        str(record.get("file", "?")),
        root,
        line_no if isinstance(line_no, int) and line_no > 0 else None,
        column + 1 if isinstance(column, int) and column >= 0 else None,  # 0-based in JSON
    )
    return Problem(location=location, code=record.get("code"), message=str(record.get("message")))


def parse_mypy_text(line: str, root: Path) -> Problem | None:
    match = _MYPY_TEXT.match(line)
    if match is None or match["severity"] != "error":
        return None
    column = int(match["column"]) if match["column"] else None
    location = relative_location(match["path"], root, int(match["line"]), column)
    return Problem(location=location, code=match["code"], message=match["message"])
