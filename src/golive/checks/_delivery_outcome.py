"""From judged rollouts to one outcome: statuses, waivers, findings and facts."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from golive.checks.base import Facts
from golive.model import Finding, Location, Outcome, Status

__all__ = ["Judgement", "Notes", "Subject", "conclude"]

_ORDER = (Status.FAIL, Status.UNKNOWN, Status.WARN)  # worst first


@dataclass(frozen=True, kw_only=True)
class Judgement:
    """One rule broken (or undecided) by one rollout, at the field that decides it."""

    status: Status  # FAIL, UNKNOWN or WARN
    rule: str  # "initial-traffic", "rollback-trigger", ...
    message: str
    location: Location


@dataclass(frozen=True, kw_only=True)
class Subject:
    """A rollout (or a file of rollouts golive cannot read) and what the rules found."""

    ref: str  # "Rollout/payments/api", or a path
    path: str
    location: Location
    judgements: tuple[Judgement, ...] = ()
    evidence: str = ""  # what the rules observed, for a rollout that passes
    undetermined: tuple[str, ...] = ()  # rules with nothing to look at here (facts only)

    @property
    def status(self) -> Status:
        found = {judgement.status for judgement in self.judgements}
        return next((status for status in _ORDER if status in found), Status.PASS)


@dataclass(kw_only=True)
class Notes:
    """Collects what the rules say about one rollout (the same rule at the same place once)."""

    judgements: list[Judgement] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    undetermined: list[str] = field(default_factory=list)

    def add(self, status: Status, rule: str, message: str, location: Location) -> None:
        if any(j.rule == rule and j.location == location for j in self.judgements):
            return
        judgement = Judgement(status=status, rule=rule, message=message, location=location)
        self.judgements.append(judgement)

    def subject(self, ref: str, path: str, location: Location) -> Subject:
        return Subject(
            ref=ref,
            path=path,
            location=location,
            judgements=tuple(self.judgements),
            evidence="; ".join(self.evidence),
            undetermined=tuple(self.undetermined),
        )


def conclude(
    *,
    check_id: str,
    nouns: tuple[str, str],
    subjects: Sequence[Subject],
    waive: Mapping[str, str],
    required: str,
    remediation: str,
    facts: Facts,
) -> Outcome:
    """The outcome over every subject: the worst unwaived status, or `waived` when waivers
    cover every failure; findings worst first, then waived ones, then the evidence."""
    buckets: dict[Status, list[Finding]] = {status: [] for status in _ORDER}
    waived: list[Finding] = []
    passing: list[Finding] = []
    counts: Counter[str] = Counter()
    reasons: list[str] = []
    used: set[str] = set()
    for subject in subjects:
        pattern = next(
            (p for p in waive if fnmatchcase(subject.ref, p) or fnmatchcase(subject.path, p)),
            None,
        )
        if pattern is not None:
            used.add(pattern)
        status = subject.status
        if status is Status.PASS:
            counts[status.value] += 1
            message = f"{subject.ref}: {subject.evidence or 'follows the policy'}"
            passing.append(
                Finding(message=message, location=subject.location, rule=check_id, evidence=True)
            )
            continue
        if pattern is not None:
            counts[Status.WAIVED.value] += 1
            reason = waive[pattern]
            reasons.extend([reason] if reason not in reasons else [])
            for judgement in subject.judgements:
                waived.append(_finding(check_id, subject, judgement, f"waived: {reason}: "))
            continue
        counts[status.value] += 1
        for judgement in subject.judgements:
            buckets[judgement.status].append(_finding(check_id, subject, judgement, ""))
    status = next((s for s in _ORDER if buckets[s]), Status.WAIVED if waived else Status.PASS)
    findings = [*buckets[Status.FAIL], *buckets[Status.UNKNOWN], *buckets[Status.WARN]]
    findings += [*waived, *passing]
    unused = [pattern for pattern in waive if pattern not in used]
    total = len(subjects)
    all_facts: dict[str, str | int | float | bool] = {
        **facts,
        "judged": total,
        **{name: counts[name] for name in ("pass", "fail", "unknown", "warn", "waived")},
        "findings": len(findings),
        "undetermined": sum(1 for subject in subjects if subject.undetermined),
        **({"waivers_unused": ", ".join(unused)} if unused else {}),
    }
    return Outcome(
        status=status,
        summary=_summary(
            status, counts=counts, total=total, nouns=nouns, findings=findings, reasons=reasons
        ),
        observed=passing[0].message
        if status is Status.PASS and len(passing) == 1  # one rollout: what it does
        else ", ".join(
            f"{counts[name]} {name}"
            for name in ("pass", "fail", "unknown", "warn", "waived")
            if counts[name]
        ),
        required=required,
        findings=tuple(findings),
        remediation=remediation if status in {Status.FAIL, Status.WARN} else None,
        facts=all_facts,
    )


def _summary(
    status: Status,
    *,
    counts: Counter[str],
    total: int,
    nouns: tuple[str, str],
    findings: list[Finding],
    reasons: list[str],
) -> str:
    noun = nouns[0] if total == 1 else nouns[1]
    first = findings[0].message if findings else ""

    def some(count: int, singular: str, plural: str) -> str:
        return f"{count} of {total} {noun} {singular if count == 1 else plural}"

    match status:
        case Status.FAIL:
            return f"{some(counts['fail'], 'breaks', 'break')} the policy: {first}"
        case Status.UNKNOWN:
            return f"{some(counts['unknown'], 'was', 'were')} not judged: {first}"
        case Status.WARN:
            return f"{some(counts['warn'], 'needs', 'need')} a look: {first}"
        case Status.WAIVED:
            waived = some(counts["waived"], "is", "are")
            return f"every failure is waived ({waived} waived): " + "; ".join(reasons)
        case _:
            if total == 1:
                return f"the {noun} follows the policy"
            return f"all {total} {noun} follow the policy"


def _finding(check_id: str, subject: Subject, judgement: Judgement, prefix: str) -> Finding:
    digest = hashlib.sha256(
        "\0".join((judgement.rule, subject.ref, judgement.message)).encode()
    ).hexdigest()[:16]
    return Finding(
        message=f"{prefix}{subject.ref}: {judgement.message}",
        location=judgement.location,
        rule=f"{check_id}/{judgement.rule}",
        fingerprint=digest,
    )
