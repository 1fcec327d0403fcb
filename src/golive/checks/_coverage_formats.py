"""Coverage reports read into one shape: lcov, Cobertura XML, coverage.py JSON, llvm-cov JSON.

Every reader returns per-file line and branch counts, each file's path made relative to the
repository by `PathPlacer`. A file the report names but that cannot be placed in the
repository (the standard library, a registry cache) is left out and counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checks._coverage_paths import PathPlacer
from golive.checks._coverage_xml import XmlError, parse_xml

__all__ = ["CoverageData", "FileCoverage", "ReportError", "read_coverage"]

_MAX_BYTES = 512 * 1024 * 1024  # a report larger than this is refused, not read
_CONDITION = re.compile(r"\((\d+)\s*/\s*(\d+)\)")


class ReportError(Exception):
    """The report cannot be read: not a known format, malformed, empty or too large."""


@dataclass(frozen=True, kw_only=True)
class FileCoverage:
    """What one report says about one file of the repository."""

    path: str
    lines_total: int
    lines_covered: int
    branches_total: int = 0
    branches_covered: int = 0
    uncovered: tuple[int, ...] | None = None  # never-executed lines; None: totals only

    @property
    def ratio(self) -> float:
        return self.lines_covered / self.lines_total if self.lines_total else 1.0


@dataclass(frozen=True, kw_only=True)
class CoverageData:
    """One coverage report, read: its files, and whether it measured branches at all."""

    format: str  # "lcov", "Cobertura XML", "coverage.py JSON", "llvm-cov JSON"
    files: tuple[FileCoverage, ...]
    branch_data: bool
    outside: tuple[str, ...] = ()  # named by the report, not in the repository

    @property
    def lines_total(self) -> int:
        return sum(f.lines_total for f in self.files)

    @property
    def lines_covered(self) -> int:
        return sum(f.lines_covered for f in self.files)

    @property
    def branches_total(self) -> int:
        return sum(f.branches_total for f in self.files)

    @property
    def branches_covered(self) -> int:
        return sum(f.branches_covered for f in self.files)


# --- collecting per file ----------------------------------------------------------------------


@dataclass(kw_only=True)
class _Tally:
    """Lines and branches of one file as a report lists them, merged over repeated records."""

    lines: dict[int, bool] = field(default_factory=dict)
    branches: dict[tuple[int, str], bool] = field(default_factory=dict)
    totals: tuple[int, int] | None = None  # (total, covered) when no line is listed
    branch_totals: tuple[int, int] | None = None

    def line(self, number: int, covered: bool) -> None:
        self.lines[number] = self.lines.get(number, False) or covered

    def branch(self, key: tuple[int, str], covered: bool) -> None:
        self.branches[key] = self.branches.get(key, False) or covered


def _finish(
    name: str,
    tallies: Mapping[str, _Tally],
    placer: PathPlacer,
    bases: Iterable[str],
    branch_data: bool,
) -> CoverageData:
    placed: dict[str, _Tally] = {}
    outside: list[str] = []
    for raw, tally in tallies.items():
        path = placer.place(raw, bases)
        if path is None:
            outside.append(raw)
            continue
        into = placed.setdefault(path, _Tally())
        for number, hit in tally.lines.items():
            into.line(number, hit)
        for key, taken in tally.branches.items():
            into.branch(key, taken)
        into.totals = into.totals or tally.totals
        into.branch_totals = into.branch_totals or tally.branch_totals
    files = []
    for path, tally in sorted(placed.items()):
        if tally.lines or tally.totals is None:
            total, covered = len(tally.lines), sum(tally.lines.values())
            uncovered: tuple[int, ...] | None = tuple(
                sorted(n for n, ran in tally.lines.items() if not ran)
            )
        else:
            (total, covered), uncovered = tally.totals, None
        if tally.branches:
            branch_total, branch_covered = len(tally.branches), sum(tally.branches.values())
        else:
            branch_total, branch_covered = tally.branch_totals or (0, 0)
        files.append(
            FileCoverage(
                path=path,
                lines_total=total,
                lines_covered=min(covered, total),
                branches_total=branch_total,
                branches_covered=min(branch_covered, branch_total),
                uncovered=uncovered,
            )
        )
    return CoverageData(
        format=name, files=tuple(files), branch_data=branch_data, outside=tuple(sorted(outside))
    )


# --- the readers -----------------------------------------------------------------------------


def read_coverage(path: Path, placer: PathPlacer) -> CoverageData:
    """Read the report at `path`, whatever its format; raises `ReportError` or `OSError`."""
    size = path.stat().st_size
    if size > _MAX_BYTES:
        raise ReportError(f"the report is {size:,} bytes, more than golive reads")
    with path.open("rb") as stream:
        head = stream.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise ReportError("the report is empty")
    if head.startswith(b"<"):
        return _cobertura(path, placer)
    if head.startswith(b"{"):
        return _json(path, placer)
    return _lcov(path, placer)


def _lcov(path: Path, placer: PathPlacer) -> CoverageData:
    tallies: dict[str, _Tally] = {}
    current: _Tally | None = None
    branch_data = False
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    for number, line in enumerate(text.splitlines(), 1):
        key, _, value = line.strip().partition(":")
        if key == "SF":
            current = tallies.setdefault(value.strip(), _Tally())
            continue
        if key == "end_of_record":
            current = None
            continue
        if key not in {"DA", "BRDA", "LF", "LH", "BRF", "BRH"}:
            continue  # TN, FN, FNDA, FNF, FNH, VER and other records do not count here
        if current is None:
            raise ReportError(f"line {number}: {key} record outside an SF ... end_of_record block")
        fields = value.split(",")
        try:
            if key == "DA":
                current.line(int(fields[0]), _count(fields[1]) > 0)
            elif key == "BRDA":
                taken = fields[3].strip()
                was_taken = taken != "-" and _count(taken) > 0
                current.branch((int(fields[0]), f"{fields[1]},{fields[2]}"), was_taken)
                branch_data = True
            elif key in {"LF", "LH"}:
                total, hit = current.totals or (0, 0)
                count = int(fields[0])
                current.totals = (count, hit) if key == "LF" else (total, count)
            else:
                total, hit = current.branch_totals or (0, 0)
                count = int(fields[0])
                current.branch_totals = (count, hit) if key == "BRF" else (total, count)
                branch_data = branch_data or (key == "BRF" and count > 0)
        except (ValueError, IndexError):
            raise ReportError(f"line {number}: malformed {key} record {line.strip()!r}") from None
    if not tallies:
        raise ReportError("not a coverage report: no SF: record (lcov), XML or JSON found")
    return _finish("lcov", tallies, placer, (), branch_data)


def _count(text: str) -> float:
    return float(text.strip())  # gcov-derived reports sometimes write counts as floats


def _cobertura(path: Path, placer: PathPlacer) -> CoverageData:
    try:
        root = parse_xml(path)
    except XmlError as exc:
        raise ReportError(f"malformed XML: {exc}") from None
    if root.tag != "coverage":
        raise ReportError(f"XML whose root element is <{root.tag}>, not Cobertura's <coverage>")
    sources = root.find("sources")
    bases = [s.text for s in sources.findall("source")] if sources else []
    tallies: dict[str, _Tally] = {}
    branch_data = False
    for cls in root.iter("class"):
        filename = cls.get("filename")
        if not filename:
            continue
        tally = tallies.setdefault(filename, _Tally())
        lines = cls.find("lines")
        for line in lines.findall("line") if lines else []:
            try:
                number = int(line.get("number") or "")
                hits = _count(line.get("hits") or "0")
            except ValueError:
                raise ReportError(
                    f"line {line.line}: <line> needs numeric number and hits attributes"
                ) from None
            tally.line(number, hits > 0)
            condition = _CONDITION.search(line.get("condition-coverage") or "")
            if condition:
                branch_data = True
                covered, total = int(condition[1]), int(condition[2])
                for index in range(total):
                    tally.branch((number, str(index)), index < covered)
    return _finish("Cobertura XML", tallies, placer, bases, branch_data)


def _json(path: Path, placer: PathPlacer) -> CoverageData:
    try:
        data = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportError(f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ReportError("JSON that is not an object")
    try:
        if isinstance(data.get("meta"), dict) and isinstance(data.get("files"), dict):
            return _coverage_py(data, placer)
        if data.get("type") == "llvm.coverage.json.export":
            return _llvm_cov(data, placer)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ReportError(f"unexpected content in the JSON report: {exc!r}") from None
    raise ReportError("JSON that is neither coverage.py's (`coverage json`) nor llvm-cov's export")


def _coverage_py(data: Mapping[str, Any], placer: PathPlacer) -> CoverageData:
    tallies: dict[str, _Tally] = {}
    for name, entry in data["files"].items():
        tally = tallies.setdefault(str(name), _Tally())
        for number in entry.get("executed_lines", []):
            tally.line(int(number), True)
        for number in entry.get("missing_lines", []):
            tally.line(int(number), False)
        for arc in entry.get("executed_branches", []):
            tally.branch((int(arc[0]), str(arc[1])), True)
        for arc in entry.get("missing_branches", []):
            tally.branch((int(arc[0]), str(arc[1])), False)
    branch_data = data["meta"].get("branch_coverage") is True
    return _finish("coverage.py JSON", tallies, placer, (), branch_data)


def _llvm_cov(data: Mapping[str, Any], placer: PathPlacer) -> CoverageData:
    tallies: dict[str, _Tally] = {}
    branch_data = False
    for export in data["data"]:
        for entry in export.get("files", []):
            summary = entry["summary"]
            lines, branches = summary["lines"], summary.get("branches") or {}
            tally = tallies.setdefault(str(entry["filename"]), _Tally())
            tally.totals = (int(lines["count"]), int(lines["covered"]))
            tally.branch_totals = (int(branches.get("count", 0)), int(branches.get("covered", 0)))
            branch_data = branch_data or tally.branch_totals[0] > 0
    return _finish("llvm-cov JSON", tallies, placer, (), branch_data)
