"""Findings of other scanners: SARIF logs, pip-audit and cargo-audit reports as evidence."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import Field

from golive.checks._coverage_paths import PathPlacer
from golive.checks._scan_model import Report, ReportError, ScanResult, ScanRun
from golive.checks._scan_reports import find_reports, read_report
from golive.checks.base import (
    Check,
    CheckParams,
    Facts,
    failed,
    not_applicable,
    passed,
    unknown,
    warned,
)
from golive.checks.params import Duration
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Outcome
from golive.thresholds import describe_duration

__all__ = ["ScanFindings", "ScanFindingsParams"]

_FAILING = ("error", "warning")
_NAMED = 4  # reports named in a summary before "and N more"


class ScanFindingsParams(CheckParams):
    tool: str | None = None  # the scanner: "checkov", "trivy", "semgrep", "pip-audit" ...
    report: str | None = None  # a report file, directory or glob, relative to the repository
    rules: list[str] = Field(default_factory=list)  # rule ids or globs ("CKV_K8S_*"); all if empty
    max_age: Duration | None = None  # an older report is stale: unknown


class ScanFindings(Check):
    """Reports of other scanners (SARIF, pip-audit, cargo-audit JSON) show no unaddressed findings

    Reads the report named by `report` (a file, a directory or a glob), or every report in
    *.sarif, *.sarif.json, reports/**/*.sarif(.json), .golive/reports/**/*.sarif and *.json,
    pip-audit.json, cargo-audit.json and reports/**/{pip,cargo}-audit.json. Each is a SARIF
    2.1.0 log, `pip-audit -f json` or `cargo audit --json` output, told apart by content.
    `tool` keeps the runs of one scanner: it matches the SARIF tool.driver.name, or its first
    word, ignoring case ("checkov", "trivy", "semgrep" for "Semgrep OSS"), or "pip-audit" /
    "cargo-audit". `rules` keeps the results whose rule id (or advisory alias) matches one of
    its globs, ignoring case; `tool:rule` works too.

    A result of level error or warning that is neither suppressed (a suppression that is not
    underReview or rejected) nor fixed (baselineState "absent") is a finding, and the check
    fails. Notes, suppressed and fixed results are counted, not failed. SARIF levels default
    as the specification says: the rule's defaultConfiguration, else warning. Every
    vulnerability of an audit is an error; cargo-audit warnings are notes. Without a report
    the check is not applicable; an unreadable report, a run that did not complete, or one
    older than `max_age` (from its invocation's endTimeUtc, else the file's modification
    time) is unknown.
    """

    id = "scan.findings"
    kind = Kind.EVIDENCE
    Params = ScanFindingsParams
    fix = (
        "Fix what the scanner reports, or record an accepted exception where the scanner "
        "keeps it (an in-source suppression), then run the scanner again so the report is "
        "current."
    )

    def run(self, params: ScanFindingsParams, root: Path, repo: Repository) -> Outcome:
        files, looked = find_reports(root, params.report)
        if not files:
            return not_applicable(f"no scanner report found ({looked})")
        placer = PathPlacer(root, repo.files)
        reports: list[Report] = []
        problems: list[str] = []
        for path in files:
            try:
                reports.append(read_report(path, root=root, placer=placer, repo=repo))
            except ReportError as error:
                problems.append(str(error))
        if problems:
            more = f" (and {len(problems) - 1} more unreadable report(s))" if problems[1:] else ""
            return unknown(
                f"a scanner report cannot be used: {problems[0]}{more}",
                facts={"report_files": len(files), "unreadable": len(problems)},
            )
        # golive's own SARIF (`--format sarif=golive.sarif`) is a review, not evidence for one.
        own = [report.path for report in reports if any(run.key == "golive" for run in report.runs)]
        chosen = [
            (report, run)
            for report in reports
            for run in report.runs
            if run.key != "golive" and (params.tool is None or run.named(params.tool))
        ]
        if not chosen:
            ignored = f"; golive's own report(s) are not evidence: {', '.join(own)}" if own else ""
            return not_applicable(_no_run(params.tool, reports) + ignored)
        return _judge(chosen, params, self.fix)


def _no_run(tool: str | None, reports: list[Report]) -> str:
    seen = "; ".join(
        f"{report.path} ({', '.join(run.label for run in report.runs) or 'no runs'})"
        for report in reports
        if not any(run.key == "golive" for run in report.runs)
    )
    if not seen:
        return "no scanner report found"
    if tool is None:
        return f"the scanner reports hold no run: {seen}"
    return f"no report of {tool} among the scanner reports found: {seen}"


@dataclass
class _Tally:
    results: int = 0
    ignored: int = 0  # results of rules the `rules` patterns leave out
    fixed: int = 0
    suppressed: int = 0
    levels: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)


def _judge(chosen: list[tuple[Report, ScanRun]], params: ScanFindingsParams, fix: str) -> Outcome:
    runs = [run for _, run in chosen]
    tally = _tally(runs, params.rules)
    described = _described(runs)
    facts = _facts(chosen, tally)
    for run in runs:
        if run.incomplete:
            return unknown(
                f"the {run.tool} run in {run.report} did not complete: {run.incomplete}",
                facts=facts,
            )
    age, source, oldest = max(_ages(chosen), key=lambda entry: entry[0])
    if params.max_age is not None and age > params.max_age:
        return unknown(
            f"stale: {oldest.report} ({oldest.label}) is {describe_duration(age)} old by "
            f"{source}, older than {describe_duration(params.max_age)}; run {oldest.tool} again",
            facts=facts,
        )
    scope = f" of {', '.join(params.rules)}" if params.rules else ""
    observed = _observed(tally)
    required = f"no error or warning result{scope} that is not suppressed"
    if tally.findings:
        return failed(
            f"{len(tally.findings)} unaddressed finding(s){scope} in {described}",
            observed=observed,
            required=required,
            findings=tally.findings,
            remediation=fix,
            facts=facts,
        )
    skipped = [(run, reason) for run in runs for reason in run.not_audited]
    if skipped:
        run, reason = skipped[0]
        if all(not run.audited for run, _ in skipped):
            return unknown(
                f"{run.report}: {run.tool} audited none of its dependencies ({reason})",
                observed=observed,
                facts=facts,
            )
        return warned(
            f"no unaddressed findings{scope} in {described}, but {len(skipped)} "
            f"dependency(ies) were not audited ({reason})",
            observed=observed,
            facts=facts,
        )
    return passed(f"no unaddressed findings{scope} in {described}", observed=observed, facts=facts)


def _tally(runs: Iterable[ScanRun], rules: list[str]) -> _Tally:
    patterns = [pattern.strip().casefold() for pattern in rules if pattern.strip()]
    tally = _Tally()
    for run in runs:
        for result in run.results:
            tally.results += 1
            if patterns and not _selected(run, result, patterns):
                tally.ignored += 1
            elif result.fixed:
                tally.fixed += 1
            elif result.suppressed:
                tally.suppressed += 1
            else:
                tally.levels[result.level] += 1
                if result.level in _FAILING:
                    tally.findings.append(_finding(run, result))
    return tally


def _selected(run: ScanRun, result: ScanResult, patterns: list[str]) -> bool:
    for rule in (result.rule, *result.aliases):
        names = (rule.casefold(), f"{run.key}:{rule}".casefold())
        if any(fnmatchcase(name, pattern) for name in names for pattern in patterns):
            return True
    return False


def _finding(run: ScanRun, result: ScanResult) -> Finding:
    return Finding(
        message=result.message,
        location=result.location,
        rule=f"{run.key}:{result.rule}" if result.rule else run.key,
        fingerprint=result.fingerprint,
    )


def _ages(chosen: list[tuple[Report, ScanRun]]) -> list[tuple[float, str, ScanRun]]:
    now = time.time()
    ages = []
    for report, run in chosen:
        if run.finished is not None:
            ages.append((now - run.finished.timestamp(), "its endTimeUtc", run))
        else:
            ages.append((now - report.written, "the file's modification time", run))
    return [(max(0.0, age), source, run) for age, source, run in ages]


def _described(runs: list[ScanRun]) -> str:
    by_report: dict[str, list[str]] = {}
    for run in runs:
        labels = by_report.setdefault(run.report, [])
        if run.label not in labels:
            labels.append(run.label)
    named = [f"{path} ({', '.join(labels)})" for path, labels in by_report.items()]
    more = f" and {len(named) - _NAMED} more report(s)" if len(named) > _NAMED else ""
    return "; ".join(named[:_NAMED]) + more


def _observed(tally: _Tally) -> str:
    levels = ", ".join(f"{tally.levels[level]} {level}" for level in ("error", "warning", "note"))
    text = f"{levels}; {tally.suppressed} suppressed, {tally.fixed} fixed"
    return text + (f"; {tally.ignored} of other rules" if tally.ignored else "")


def _facts(chosen: list[tuple[Report, ScanRun]], tally: _Tally) -> Facts:
    runs = [run for _, run in chosen]
    age, source, _ = max(_ages(chosen), key=lambda entry: entry[0])
    reports = list(dict.fromkeys(run.report for run in runs))
    facts: dict[str, str | int | float | bool] = {
        "reports": ", ".join(reports[:10]) + (" ..." if len(reports) > 10 else ""),
        "report_files": len(reports),
        "tools": ", ".join(dict.fromkeys(run.label for run in runs)),
        "runs": len(runs),
        "results": tally.results,
        "error": tally.levels["error"],
        "warning": tally.levels["warning"],
        "note": tally.levels["note"],
        "none": tally.levels["none"],
        "suppressed": tally.suppressed,
        "fixed": tally.fixed,
        "ignored_by_rules": tally.ignored,
        "findings": len(tally.findings),
        "age": describe_duration(age),
        "age_s": round(age, 1),
        "age_from": source,
    }
    audited = [run.audited for run in runs if run.audited is not None]
    if audited:
        facts["dependencies_audited"] = sum(audited)
        facts["dependencies_not_audited"] = sum(len(run.not_audited) for run in runs)
    return facts
