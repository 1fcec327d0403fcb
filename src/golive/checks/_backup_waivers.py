"""Per-resource waivers of the backup checks, and how findings become one outcome."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field

from golive.checks.base import Facts, as_evidence
from golive.model import Finding, Outcome, Status

__all__ = ["Verdicts", "Waivers"]


class Waivers:
    """The `waive` parameter: fnmatch patterns on `Kind/namespace/name` (or a file path), each
    with the reason a team gives for accepting that resource as it is."""

    def __init__(self, waive: Mapping[str, str] | None) -> None:
        self._waive = dict(waive or {})
        self._matched: set[str] = set()

    def judged(self, ref: str) -> None:
        """Note that `ref` was looked at, so a pattern that matches it is not unused."""
        self._matched.update(p for p in self._waive if fnmatch.fnmatchcase(ref, p))

    def reason(self, ref: str) -> str | None:
        self.judged(ref)
        return next((r for p, r in self._waive.items() if fnmatch.fnmatchcase(ref, p)), None)

    @property
    def unused(self) -> list[str]:
        return [pattern for pattern in self._waive if pattern not in self._matched]


@dataclass(kw_only=True)
class Verdicts:
    """Findings sorted by what they mean for the outcome."""

    waivers: Waivers
    failures: list[Finding] = field(default_factory=list)
    waived: list[Finding] = field(default_factory=list)
    undecided: list[Finding] = field(default_factory=list)
    fine: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def fail(self, finding: Finding, ref: str | None = None) -> None:
        """A failure, unless a waiver covers `ref`."""
        reason = self.waivers.reason(ref) if ref else None
        if reason is None:
            self.failures.append(finding)
            return
        self.waived.append(self._waived(finding, reason))

    def _waived(self, finding: Finding, reason: str) -> Finding:
        self.reasons.append(reason)
        return Finding(
            message=f"waived: {reason}: {finding.message}",
            location=finding.location,
            rule=finding.rule,
        )

    def undecide(self, finding: Finding, ref: str | None = None) -> None:
        """Something golive cannot judge (an unread file), unless a waiver covers `ref`."""
        reason = self.waivers.reason(ref) if ref else None
        if reason is None:
            self.undecided.append(finding)
            return
        self.waived.append(self._waived(finding, reason))

    def conclude(
        self,
        *,
        failed: str,
        undecided: str,
        passed: str,
        observed: str | None,
        required: str | None,
        remediation: str | None,
        facts: Facts,
    ) -> Outcome:
        """Fail on any failure, then unknown on anything undecided, then waived, then pass."""
        if self.failures:
            status, summary = Status.FAIL, failed
        elif self.undecided:
            status, summary = Status.UNKNOWN, undecided
        elif self.waived:
            reasons = "; ".join(dict.fromkeys(self.reasons))
            status, summary = Status.WAIVED, f"{failed}, all waived: {reasons}"
        else:
            status, summary = Status.PASS, passed
        findings = [*self.failures, *self.undecided, *self.waived, *as_evidence(self.fine)]
        all_facts: dict[str, str | int | float | bool] = {
            **facts,
            "failures": len(self.failures),
            "waived": len(self.waived),
            "undecided": len(self.undecided),
            "findings": len(findings),
        }
        if self.waivers.unused:
            all_facts["waivers_unused"] = ", ".join(self.waivers.unused)
        return Outcome(
            status=status,
            summary=summary,
            observed=observed,
            required=required,
            findings=tuple(findings),
            remediation=remediation if status is Status.FAIL else None,
            facts=all_facts,
        )
