"""JUnit XML test reports: finding them, and reading their test cases, outcomes and times.

Reads what pytest (`--junitxml`), cargo-nextest, Maven Surefire and Gradle write:
`<testsuites>` or a single `<testsuite>`, nested suites, and `<testcase>` elements with
`<failure>`, `<error>` or `<skipped>` inside (nextest's `<flakyFailure>` marks a test that
passed on a retry). A directory of reports (Surefire's `TEST-*.xml`) is read as one run.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from golive.checks._coverage_paths import PathPlacer
from golive.checks._coverage_xml import XmlError, XmlNode, parse_xml
from golive.checks.base import Unknown

__all__ = ["COMMON_PLACES", "JUnitCase", "JUnitRun", "age_of", "find_reports", "read_run"]

# Each entry is one run: a file, or a set of files that together hold one run.
COMMON_PLACES = (
    "junit.xml",
    "junit/*.xml",
    "test-results.xml",
    "test-results/**/*.xml",
    "test-reports/**/*.xml",
    "reports/junit*.xml",
    "target/nextest/**/junit.xml",
    "target/surefire-reports/TEST-*.xml",
    "build/test-results/**/*.xml",
)
_MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class JUnitCase:
    """One test case of the run and how it ended."""

    name: str
    outcome: str  # "passed", "failed", "error" or "skipped"
    message: str
    seconds: float | None  # None when the report gives no time
    flaky: bool  # passed only on a retry
    report: str  # the report file it is in, as shown
    report_line: int
    file: str | None  # the test's source file, when the report names one
    line: int | None


@dataclass(frozen=True, kw_only=True)
class JUnitRun:
    """One test run read from one or more JUnit files."""

    files: tuple[str, ...]
    cases: tuple[JUnitCase, ...]
    seconds: float | None
    started: datetime | None  # the earliest suite timestamp, when the report has one
    written: float  # the newest file's modification time (seconds since the epoch)
    skipped_files: tuple[str, ...]  # XML files in a report directory that are not JUnit

    def count(self, outcome: str) -> int:
        return sum(case.outcome == outcome for case in self.cases)


def find_reports(root: Path, junit: str | None) -> list[Path] | None:
    """The files of the named report (a file or a directory), or of the newest run found."""
    if junit:
        path = Path(junit) if Path(junit).is_absolute() else root / junit
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.xml") if p.is_file())
            if not files:
                raise Unknown(f"the JUnit report directory {junit} holds no .xml file")
            return files
        if not path.is_file():
            raise Unknown(f"the JUnit report {junit} does not exist")
        return [path]
    runs = []
    for pattern in COMMON_PLACES:
        if "*" in pattern:
            files = sorted(p for p in root.glob(pattern) if p.is_file())
        else:
            files = [root / pattern] if (root / pattern).is_file() else []
        if files:
            runs.append((max(p.stat().st_mtime for p in files), files))
    if not runs:
        return None
    return max(runs, key=lambda run: run[0])[1]


def read_run(files: list[Path], root: Path, placer: PathPlacer) -> JUnitRun:
    """Read one run; `Unknown` names the file and the error when one cannot be read."""
    cases: list[JUnitCase] = []
    shown: list[str] = []
    skipped: list[str] = []
    seconds: float | None = None
    stamps: list[datetime] = []
    for path in files:
        name = _shown(path, root)
        try:
            if path.stat().st_size > _MAX_BYTES:
                raise Unknown(f"the JUnit report {name} is too large to read")
            top = parse_xml(path)
        except XmlError as exc:
            raise Unknown(f"the JUnit report {name} is not well-formed XML: {exc}") from None
        except OSError as exc:
            raise Unknown(f"the JUnit report {name} cannot be read: {exc.strerror}") from None
        if top.tag not in {"testsuites", "testsuite"}:
            if len(files) > 1:
                skipped.append(name)
                continue
            raise Unknown(f"{name} is not a JUnit report (its root element is <{top.tag}>)")
        shown.append(name)
        found = [_case(suite, node, name, placer) for suite, node in _cases(top)]
        cases.extend(found)
        took = _seconds(top)
        if took is not None:
            seconds = (seconds or 0.0) + took
        elif any(case.seconds is not None for case in found):
            seconds = (seconds or 0.0) + sum(case.seconds or 0.0 for case in found)
        stamps.extend(_stamps(top))
    if not shown:
        raise Unknown(f"none of the {len(files)} XML file(s) is a JUnit report")
    return JUnitRun(
        files=tuple(shown),
        cases=tuple(cases),
        seconds=seconds,
        started=min(stamps) if stamps else None,
        written=max(path.stat().st_mtime for path in files),
        skipped_files=tuple(skipped),
    )


def _shown(path: Path, root: Path) -> str:
    resolved, base = path.resolve(), root.resolve()
    return resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else str(path)


def _cases(top: XmlNode) -> list[tuple[XmlNode, XmlNode]]:
    """(innermost suite, test case) pairs in document order."""
    found: list[tuple[XmlNode, XmlNode]] = []
    pending = [(top, top)]
    while pending:
        suite, node = pending.pop()
        if node.tag == "testcase":
            found.append((suite, node))
            continue
        inner = node if node.tag == "testsuite" else suite
        pending.extend((inner, child) for child in reversed(node.children))
    return found


def _case(suite: XmlNode, node: XmlNode, report: str, placer: PathPlacer) -> JUnitCase:
    tags = {child.tag: child for child in reversed(node.children)}
    outcome = next(
        (label for tag, label in _OUTCOMES if tag in tags),
        "passed",
    )
    detail = next((tags[tag] for tag, _ in _OUTCOMES if tag in tags), None)
    message = ""
    if detail is not None:
        message = detail.get("message") or detail.text.strip() or detail.get("type") or ""
        message = message.strip().splitlines()[0] if message.strip() else ""
    classname, name = node.get("classname") or "", node.get("name") or "?"
    file, line = node.get("file"), _int(node.get("line"))
    if line is not None and suite.get("name") == "pytest":
        line += 1  # pytest writes 0-based line numbers
    if detail is not None and file is None:
        file, line = _failed_at(detail.text)
    return JUnitCase(
        name=f"{classname}::{name}" if classname else name,
        outcome=outcome,
        message=message[:200],
        seconds=_float(node.get("time")),
        flaky="flakyFailure" in tags or "flakyError" in tags,
        report=report,
        report_line=node.line,
        file=placer.existing(file) if file else None,
        line=line,
    )


_OUTCOMES = (("failure", "failed"), ("error", "error"), ("skipped", "skipped"))
_PANIC_AT = re.compile(r"panicked at ([^\s:]+\.rs):(\d+):\d+")
_RAISED_AT = re.compile(r"^([^\s:]+\.py):(\d+): \w", re.M)  # pytest's last traceback line


def _failed_at(text: str) -> tuple[str | None, int | None]:
    """Where a Rust test panicked, or the last place of a pytest traceback."""
    panic = _PANIC_AT.search(text)
    if panic:
        return panic[1], int(panic[2])
    raised = list(_RAISED_AT.finditer(text))
    if raised:
        return raised[-1][1], int(raised[-1][2])
    return None, None


def _seconds(top: XmlNode) -> float | None:
    """The run's own time: the root's, else the sum of its top-level suites' times."""
    own = _float(top.get("time"))
    if own is not None:
        return own
    times = [_float(suite.get("time")) for suite in top.findall("testsuite")]
    known = [t for t in times if t is not None]
    return sum(known) if known else None


def _stamps(top: XmlNode) -> list[datetime]:
    stamps = []
    for node in [top, *top.iter("testsuite")]:
        text = node.get("timestamp")
        if not text:
            continue
        with contextlib.suppress(ValueError):
            stamp = datetime.fromisoformat(text.strip())
            stamps.append(stamp if stamp.tzinfo else stamp.astimezone())  # naive: local time
    return stamps


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def age_of(run: JUnitRun) -> tuple[float, str]:
    """Seconds since the run, and what that is measured from."""
    if run.started is not None:
        return max(0.0, time.time() - run.started.timestamp()), "the report's timestamp"
    return max(0.0, time.time() - run.written), "the report file's modification time"
