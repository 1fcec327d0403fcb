"""From the problems a Dockerfile check found to its outcome: waivers, severities, the cap."""

from __future__ import annotations

import enum
import fnmatch
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from golive.checks._docker_context import DockerFiles
from golive.checks._docker_model import Dockerfile, Unreadable
from golive.checks.base import Facts, NotApplicable
from golive.model import Finding, Location, Outcome, Status

__all__ = [
    "Problem",
    "Reporter",
    "Severity",
    "conclude",
    "facts_of",
    "passed_summary",
    "review_all",
    "unreadable_problems",
]


class Severity(enum.Enum):
    FAIL = "fail"
    UNKNOWN = "unknown"
    WARN = "warn"


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing a check holds against a Dockerfile (`subject`, which waivers name)."""

    severity: Severity
    message: str  # never a secret's value
    location: Location
    rule: str
    subject: str
    key: str = ""  # what identifies the problem beyond its line, for the fingerprint


@dataclass(frozen=True, kw_only=True)
class Reporter:
    """Makes the problems and notes of one check (`rule`) about one Dockerfile (`subject`)."""

    rule: str
    subject: str

    def fail(self, message: str, where: Location, key: str = "") -> Problem:
        return self._problem(Severity.FAIL, message, where, key)

    def warn(self, message: str, where: Location, key: str = "") -> Problem:
        return self._problem(Severity.WARN, message, where, key)

    def unknown(self, message: str, where: Location, key: str = "") -> Problem:
        return self._problem(Severity.UNKNOWN, message, where, key)

    def note(self, message: str, where: Location) -> Finding:
        """How a file passed: listed under a passing outcome."""
        return Finding(message=message, location=where, rule=self.rule, evidence=True)

    def _problem(self, severity: Severity, message: str, where: Location, key: str) -> Problem:
        return Problem(
            severity=severity,
            message=message,
            location=where,
            rule=self.rule,
            subject=self.subject,
            key=key,
        )


def unreadable_problems(unreadable: Iterable[Unreadable], rule: str) -> list[Problem]:
    return [
        Problem(
            severity=Severity.UNKNOWN,
            message=f"cannot be parsed: {item.reason}",
            location=item.location,
            rule=rule,
            subject=item.path,
            key=item.reason,
        )
        for item in unreadable
    ]


def conclude(
    problems: Iterable[Problem],
    waive: Mapping[str, str],
    *,
    passed: str,
    failed: str,
    warned: str = "{count} warning(s) in {files} Dockerfile(s)",
    unknown: str = "{count} Dockerfile(s) could not be judged",
    observed: str | None = None,
    required: str | None = None,
    remediation: str | None = None,
    facts: Facts | None = None,
    notes: Iterable[Finding] = (),
) -> Outcome:
    """The outcome: fail over unknown over waived over warn over pass.

    Summaries are templates with `{count}` (live problems of that severity) and `{files}`
    (the Dockerfiles they are in); a single problem is its own summary. A waived failure
    makes the outcome `waived`, even beside live warnings, so a strict policy that accepts no
    waivers still sees it. `notes` (how files passed) are listed only when nothing is wrong.
    """
    live: list[Problem] = []
    waived: list[tuple[Problem, str]] = []
    used: set[str] = set()
    for problem in problems:
        pattern = _waiver(problem, waive)
        if pattern is None:
            live.append(problem)
        else:
            used.add(pattern)
            waived.append((problem, waive[pattern]))
    by = {severity: [p for p in live if p.severity is severity] for severity in Severity}
    status, counted = _status(by, waived)
    findings = [
        *(_finding(p) for severity in Severity for p in by[severity]),
        *(_finding(p, reason) for p, reason in waived),
        *(notes if status in {Status.PASS, Status.WAIVED} else ()),
    ]
    unused = [pattern for pattern in waive if pattern not in used]
    all_facts: dict[str, str | int | float | bool] = {
        **(facts or {}),
        "failures": len(by[Severity.FAIL]),
        "warnings": len(by[Severity.WARN]),
        "undecided": len(by[Severity.UNKNOWN]),
        "waived": len(waived),
        "findings": len(findings),
    }
    if unused:
        all_facts["waivers_unused"] = ", ".join(unused)
    if status is Status.PASS:
        summary = passed
    elif status is Status.WAIVED:
        reasons = "; ".join(dict.fromkeys(reason for _, reason in waived))
        summary = f"{len(waived)} finding(s) waived: {reasons}"
    elif len(counted) == 1:
        summary = f"{counted[0].message} ({counted[0].location})"
    else:
        template = {Status.FAIL: failed, Status.UNKNOWN: unknown, Status.WARN: warned}[status]
        summary = template.format(
            count=len(counted), files=len({p.subject for p in counted}) or len(counted)
        )
    return Outcome(
        status=status,
        summary=summary,
        observed=observed,
        required=required,
        findings=tuple(findings),
        remediation=remediation if status in {Status.FAIL, Status.WARN} else None,
        facts=all_facts,
    )


def _status(
    by: Mapping[Severity, list[Problem]], waived: list[tuple[Problem, str]]
) -> tuple[Status, list[Problem]]:
    if by[Severity.FAIL]:
        return Status.FAIL, by[Severity.FAIL]
    if by[Severity.UNKNOWN]:
        return Status.UNKNOWN, by[Severity.UNKNOWN]
    if waived:
        return Status.WAIVED, []
    if by[Severity.WARN]:
        return Status.WARN, by[Severity.WARN]
    return Status.PASS, []


def _waiver(problem: Problem, waive: Mapping[str, str]) -> str | None:
    for pattern in waive:
        if fnmatch.fnmatchcase(problem.subject, pattern) or fnmatch.fnmatchcase(
            problem.location.path, pattern
        ):
            return pattern
    return None


def _finding(problem: Problem, waived: str | None = None) -> Finding:
    message = problem.message if waived is None else f"waived: {waived} ({problem.message})"
    if waived is None and problem.severity is not Severity.FAIL:
        message = f"{problem.severity.value}: {message}"
    digest = hashlib.sha256(
        f"{problem.rule}\0{problem.subject}\0{problem.key or problem.message}".encode()
    ).hexdigest()[:16]
    return Finding(
        message=message, location=problem.location, rule=problem.rule, fingerprint=digest
    )


def review_all(
    docker_files: DockerFiles,
    rule: str,
    review: Callable[[Dockerfile], tuple[list[Problem], list[Finding]]],
) -> tuple[list[Problem], list[Finding]]:
    """Every Dockerfile's problems and notes; the unparseable ones are undecided."""
    if docker_files.empty:
        skipped = len(docker_files.skipped)
        aside = f" ({skipped} Dockerfile template(s) are not read)" if skipped else ""
        raise NotApplicable(f"no Dockerfile in the repository{aside}")
    problems = unreadable_problems(docker_files.unreadable, rule)
    notes: list[Finding] = []
    for dockerfile in docker_files.files:
        found, passed = review(dockerfile)
        problems.extend(found)
        notes.extend(passed)
    return problems, notes


def passed_summary(notes: Iterable[Finding], otherwise: str) -> str:
    """The note of a single passing Dockerfile, or `otherwise`."""
    listed = list(notes)
    if len(listed) == 1 and listed[0].location is not None:
        return f"{listed[0].message} ({listed[0].location})"
    return otherwise


def facts_of(docker_files: DockerFiles, **more: int) -> Facts:
    return {
        "dockerfiles": len(docker_files.files),
        "unreadable": len(docker_files.unreadable),
        **more,
    }
