"""Coverage evidence: line, branch and critical-path coverage from lcov, Cobertura and JSON."""

from __future__ import annotations

import re
from pathlib import Path

import pathspec
from pydantic import Field

from golive.checks._coverage_find import CoverageReports, FoundReport, report_facts
from golive.checks._coverage_formats import CoverageData, FileCoverage
from golive.checks._coverage_run import produce
from golive.checks._tests_scan import code_files
from golive.checks.base import (
    Check,
    CheckParams,
    NotApplicable,
    Unknown,
    failed,
    passed,
    unknown,
)
from golive.checks.params import RatioThreshold
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Location, Outcome

__all__ = [
    "FIXTURES",
    "BranchCoverage",
    "BranchParams",
    "CriticalCoverage",
    "CriticalParams",
    "LineCoverage",
    "LineParams",
]

_LOWEST = 10  # least-covered files listed when line coverage fails
_RANGES = 8  # uncovered line ranges named per file
_RUN_BUDGET = 1750.0  # seconds for producing a report, inside the check's timeout
_HAS_CODE = re.compile(r"\b(?:fn|def|func|function|class|impl)\b|=>")


def coverage_report(root: Path, repo: Repository) -> CoverageReports:
    """The repository's coverage reports, found and read once per review (any check's `report`
    parameter names one; otherwise the newest in the common places is used)."""
    return CoverageReports(root, repo)


FIXTURES = {"coverage_report": coverage_report}


class LineParams(CheckParams):
    min: RatioThreshold = Field(default=">=80%", validate_default=True)
    report: str | None = None  # an lcov, Cobertura XML or coverage.py JSON file
    run: bool = False  # without a report, run the tests under coverage to make one


class LineCoverage(Check):
    """Total line coverage meets the threshold.

    Reads the coverage report named by `report`, or the newest in the usual places
    (lcov.info, coverage.lcov, coverage.xml, cobertura.xml, coverage.json, coverage/,
    target/llvm-cov/, target/coverage/, target/tarpaulin/): lcov from cargo-llvm-cov, grcov or
    tarpaulin, Cobertura XML, coverage.py JSON or llvm-cov's JSON export. It compares covered
    lines with all measured lines of the repository's files (files outside the repository are
    left out and counted). Line coverage counts lines only, even where the tool's own total
    mixes in branches. Without a report, `run = true` runs the tests under coverage.py
    (Python) or llvm-cov (Rust) in a scratch directory; otherwise the check is unknown.
    Percentages are truncated, never rounded up to the threshold.
    """

    id = "coverage.line"
    kind = Kind.EVIDENCE
    Params = LineParams
    timeout = 1800.0  # producing a report runs the whole test suite
    fix = (
        "Write tests for the least-covered files below, and produce a fresh report "
        "(cargo llvm-cov --lcov --output-path lcov.info, or coverage run -m pytest && "
        "coverage json)."
    )

    def run(
        self, params: LineParams, coverage_report: CoverageReports, root: Path, repo: Repository
    ) -> Outcome:
        found = coverage_report.find(params.report)
        if found is not None:
            data = coverage_report.read(found)
            facts = dict(report_facts(found, data))
        elif params.run:
            made = produce(root, repo, budget=_RUN_BUDGET)
            data = made.data
            facts = {
                "report": "made by this review",
                "command": made.command,
                "format": data.format,
                "tests_failed": made.tests_failed,
                "files": len(data.files),
                "files_outside_repository": len(data.outside),
            }
        else:
            _no_code(repo)
            return unknown(
                f"{coverage_report.none_found()} (`golive explain {self.id}`); "
                "produce one, or set run = true"
            )
        total, covered = data.lines_total, data.lines_covered
        source = str(facts["report"])
        if not total:
            return unknown(f"the coverage report ({source}) holds no measured lines", facts=facts)
        facts |= {"lines_total": total, "lines_covered": covered, "ratio": covered / total}
        observed = f"{_percent(covered, total)} ({covered:,} of {total:,} lines)"
        note = " (some tests failed during the run)" if facts.get("tests_failed") else ""
        if params.min.holds(covered / total):
            return passed(
                f"line coverage is {_percent(covered, total)}{note}",
                observed=observed,
                required=str(params.min),
                facts=facts,
            )
        lowest = sorted(
            (f for f in data.files if f.lines_total and f.lines_covered < f.lines_total),
            key=lambda f: (f.ratio, f.lines_covered - f.lines_total),
        )
        return failed(
            f"line coverage is {_percent(covered, total)}, below {params.min}{note}",
            observed=observed,
            required=str(params.min),
            findings=[_file_finding(f, self.id) for f in lowest[:_LOWEST]],
            remediation=self.fix,
            facts=facts,
        )


class BranchParams(CheckParams):
    min: RatioThreshold = Field(default=">=70%", validate_default=True)
    report: str | None = None


class BranchCoverage(Check):
    """Branch coverage meets the threshold.

    Reads the same reports as coverage.line and compares the branches taken with all branches
    measured. A report without branch data (coverage.py without `--branch`, cargo-llvm-cov
    without `--branch`, tarpaulin) makes the check unknown, never passed.
    """

    id = "coverage.branch"
    kind = Kind.EVIDENCE
    Params = BranchParams
    fix = "Measure branches (coverage run --branch, cargo llvm-cov --branch) and test both ways."

    def run(
        self, params: BranchParams, coverage_report: CoverageReports, repo: Repository
    ) -> Outcome:
        found, data = _require(coverage_report, repo, params.report)
        facts = dict(report_facts(found, data))
        if not data.branch_data or not data.branches_total:
            return unknown(
                f"the coverage report {found.shown} has no branch data; measure branches "
                "(coverage run --branch, cargo llvm-cov --branch)",
                facts=facts,
            )
        total, covered = data.branches_total, data.branches_covered
        facts |= {"branches_total": total, "branches_covered": covered, "ratio": covered / total}
        observed = f"{_percent(covered, total)} ({covered:,} of {total:,} branches)"
        if params.min.holds(covered / total):
            return passed(
                f"branch coverage is {_percent(covered, total)}",
                observed=observed,
                required=str(params.min),
                facts=facts,
            )
        lowest = sorted(
            (f for f in data.files if f.branches_covered < f.branches_total),
            key=lambda f: (f.branches_covered / f.branches_total, -f.branches_total),
        )
        return failed(
            f"branch coverage is {_percent(covered, total)}, below {params.min}",
            observed=observed,
            required=str(params.min),
            findings=[
                Finding(
                    message=f"{_percent(f.branches_covered, f.branches_total)} "
                    f"({f.branches_covered} of {f.branches_total} branches)",
                    location=Location(path=f.path),
                    rule=self.id,
                )
                for f in lowest[:_LOWEST]
            ],
            remediation=self.fix,
            facts=facts,
        )


class CriticalParams(CheckParams):
    paths: list[str] | None = None  # gitignore-style globs of the critical code
    min: RatioThreshold = Field(default=">=100%", validate_default=True)
    report: str | None = None


class CriticalCoverage(Check):
    """Declared critical paths reach their own coverage threshold.

    `paths` (gitignore-style globs, declared per service) name the critical business logic.
    Every matching file must reach `min` line coverage on its own; each one below it is a
    finding with the first uncovered lines. A matching source file the report does not list
    at all (no test loaded it) counts as uncovered when it defines code, and globs that match
    no file of the report fail: a critical path without coverage data is not covered.
    """

    id = "coverage.critical"
    kind = Kind.EVIDENCE
    Params = CriticalParams
    fix = "Test every line of the critical paths; list the uncovered lines below."

    def run(
        self, params: CriticalParams, coverage_report: CoverageReports, repo: Repository
    ) -> Outcome:
        if not params.paths:
            return unknown('declare the critical paths: with = { paths = ["src/billing/**"] }')
        found, data = _require(coverage_report, repo, params.report)
        spec = pathspec.GitIgnoreSpec.from_lines(params.paths)
        matched = [f for f in data.files if spec.match_file(f.path)]
        listed = {f.path for f in data.files}
        absent = [
            path
            for path in code_files(repo)
            if path not in listed
            and spec.match_file(path)
            and _HAS_CODE.search(repo.text(path) or "")
        ]
        below = [f for f in matched if f.lines_total and not params.min.holds(f.ratio)]
        total = sum(f.lines_total for f in matched)
        covered = sum(f.lines_covered for f in matched)
        facts = dict(report_facts(found, data)) | {
            "critical_files": len(matched),
            "critical_files_below": len(below),
            "critical_files_not_in_report": len(absent),
            "lines_total": total,
            "lines_covered": covered,
        }
        globs = ", ".join(params.paths)
        if not matched and not absent:
            return failed(
                f"no file in the coverage report matches the critical paths ({globs})",
                observed=f"0 critical files in {found.shown}",
                required=f"{params.min} for {globs}",
                remediation="Check the globs, and cover the critical code with tests.",
                facts=facts,
            )
        observed = (
            f"{_percent(covered, total) if total else 'no lines'} "
            f"({covered:,} of {total:,} lines) in {len(matched)} critical file(s)"
            + (f", {len(absent)} more not in the report" if absent else "")
        )
        findings = [_file_finding(f, self.id) for f in below]
        findings += [
            Finding(
                message="not in the coverage report: no test loaded it",
                location=Location(path=path),
                rule=self.id,
            )
            for path in absent
        ]
        if findings:
            return failed(
                f"{len(findings)} of {len(matched) + len(absent)} critical file(s) are below "
                f"{params.min}",
                observed=observed,
                required=f"{params.min} per file",
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        return passed(
            f"all {len(matched)} critical file(s) reach {params.min}",
            observed=observed,
            required=f"{params.min} per file",
            facts=facts,
        )


def _require(
    reports: CoverageReports, repo: Repository, report: str | None
) -> tuple[FoundReport, CoverageData]:
    found = reports.find(report)
    if found is None:
        _no_code(repo)
        raise Unknown(reports.none_found())
    return found, reports.read(found)


def _no_code(repo: Repository) -> None:
    if not code_files(repo):
        raise NotApplicable("the repository has no code to cover")


def _percent(covered: int, total: int) -> str:
    """One decimal, truncated: 79.96% shows as 79.9%, never as the 80% it falls short of."""
    permille = covered * 1000 // total
    return f"{permille // 10}.{permille % 10}%"


def _file_finding(entry: FileCoverage, rule: str) -> Finding:
    message = f"{_percent(entry.lines_covered, entry.lines_total)} "
    message += f"({entry.lines_covered:,} of {entry.lines_total:,} lines)"
    first = None
    if entry.uncovered:
        first = entry.uncovered[0]
        message += f"; not covered: {_ranges(entry.uncovered)}"
    return Finding(message=message, location=Location(path=entry.path, line=first), rule=rule)


def _ranges(lines: tuple[int, ...]) -> str:
    spans: list[list[int]] = []
    for number in lines:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    shown = [f"{a}-{b}" if b > a else str(a) for a, b in spans[:_RANGES]]
    return ", ".join(shown) + (", ..." if len(spans) > _RANGES else "")
