"""Findings of a Kubernetes check, with per-resource waivers, turned into one outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from golive.checks._manifests import Resource
from golive.checks.base import Facts, failed, passed, unknown, warned
from golive.model import Finding, Location, Outcome, Status

__all__ = ["Report"]


@dataclass(frozen=True, kw_only=True)
class _Entry:
    subjects: tuple[str, ...]
    finding: Finding
    warning: bool


@dataclass(kw_only=True)
class Report:
    """Collects the findings of one check run (a local, short-lived accumulator).

    A check adds findings about subjects (a resource's `Kind/namespace/name` and its file) and
    ends with `Report.outcome`: failures not waived fail it; waived ones are listed as
    `waived: <reason>: ...` and, when they are all there is, make it `waived`; what could not be
    read or rendered makes an otherwise passing outcome `unknown`.
    """

    rule: str  # the check id, the prefix of each finding's rule
    waive: Mapping[str, str]
    entries: list[_Entry] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)  # parts the check could not decide
    facts: dict[str, str | int | float | bool] = field(default_factory=dict)  # counts to show

    def add(
        self,
        resource: Resource,
        message: str,
        location: Location | None = None,
        *,
        rule: str,
        warning: bool = False,
    ) -> None:
        """A finding about `resource` at `location` (the resource's own line by default)."""
        self.entries.append(
            _Entry(
                subjects=(resource.ref, resource.path),
                finding=Finding(
                    message=f"{resource.ref}: {message}",
                    location=location or resource.location,
                    rule=f"{self.rule}.{rule}",
                    fingerprint=f"{self.rule}.{rule}:{resource.ref}:{message}",
                ),
                warning=warning,
            )
        )

    def add_file(self, path: str, message: str, location: Location, *, rule: str) -> None:
        """A finding about a file that holds no resource golive could read."""
        self.entries.append(
            _Entry(
                subjects=(path,),
                finding=Finding(message=message, location=location, rule=f"{self.rule}.{rule}"),
                warning=False,
            )
        )

    def outcome(
        self,
        *,
        checked: int,
        what: str,
        required: str,
        fix: str | None,
        gaps: Sequence[str] = (),
        facts: Facts | None = None,
        summary: str | None = None,
    ) -> Outcome:
        """The outcome over `checked` subjects (`what`: "container(s)", "workload(s)")."""
        waived: list[tuple[_Entry, str]] = []
        failing: list[_Entry] = []
        warnings: list[_Entry] = []
        used: set[str] = set()
        for entry in self.entries:
            pattern = next((p for p in self.waive if _matches(p, entry.subjects)), None)
            if pattern is not None:
                used.add(pattern)
                waived.append((entry, self.waive[pattern]))
            else:
                (warnings if entry.warning else failing).append(entry)
        shown = [e.finding for e in failing + warnings] + [
            Finding(
                message=f"waived: {reason}: {entry.finding.message}",
                location=entry.finding.location,
                rule=entry.finding.rule,
                fingerprint=entry.finding.fingerprint,
            )
            for entry, reason in waived
        ]
        unused = sorted(set(self.waive) - used)
        all_facts: dict[str, str | int | float | bool] = {
            "checked": checked,
            "findings": len(failing),
            **({"warnings": len(warnings)} if warnings else {}),
            **({"waived": len(waived)} if waived else {}),
            **({"waivers_unused": ", ".join(unused)} if unused else {}),
            **({"not_judged": "; ".join(gaps)} if gaps else {}),
            **({"undecided": len(self.undecided)} if self.undecided else {}),
            **self.facts,
            **dict(facts or {}),
        }
        listed = shown
        undecided = [*gaps, *self.undecided]
        if failing:
            subjects = len({e.subjects[0] for e in failing})
            return failed(
                f"{len(failing)} problem(s) in {subjects} resource(s) of {checked} {what} checked",
                observed=f"{len(failing)} finding(s)",
                required=required,
                findings=listed,
                remediation=fix,
                facts=all_facts,
            )
        if undecided:
            head = "; ".join(undecided[:3]) + (
                f" (and {len(undecided) - 3} more)" if len(undecided) > 3 else ""
            )
            return unknown(
                f"cannot decide: {head}", required=required, findings=listed, facts=all_facts
            )
        if warnings:
            return warned(
                f"{len(warnings)} warning(s) in {checked} {what} checked",
                required=required,
                findings=listed,
                remediation=fix,
                facts=all_facts,
            )
        if waived:
            reasons = sorted({reason for _, reason in waived})
            return Outcome(
                status=Status.WAIVED,
                summary=f"every problem is waived ({len(waived)} finding(s)): "
                + "; ".join(reasons),
                required=required,
                findings=tuple(listed),
                remediation=fix,
                facts=all_facts,
            )
        return passed(summary or f"all {checked} {what} pass", required=required, facts=all_facts)


def _matches(pattern: str, subjects: Sequence[str]) -> bool:
    return any(fnmatchcase(subject, pattern) for subject in subjects)
