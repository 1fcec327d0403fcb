"""How a configuration check ends: waivers by file path, undecided values, capped findings."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from golive.checks._config_model import Unreadable
from golive.checks.base import Facts, failed, passed, unknown
from golive.model import Finding, Location, Outcome, Status

__all__ = ["Verdict", "unreadable_findings"]


def unreadable_findings(problems: Sequence[Unreadable], rule: str) -> list[Finding]:
    return [
        Finding(message=f"cannot read {p.path}: {p.reason}", location=p.location, rule=rule)
        for p in problems
    ]


@dataclass(kw_only=True)
class Verdict:
    """The findings of one run of a check, and how they end it."""

    waive: Mapping[str, str]
    problems: list[Finding] = field(default_factory=list)  # each one fails the check
    undecided: list[Finding] = field(default_factory=list)  # keep it from passing

    def conclude(
        self,
        *,
        failing: str,
        passing: str,
        undecided: str,
        required: str | None = None,
        observed: str | None = None,
        facts: Facts | None = None,
        fix: str | None = None,
    ) -> Outcome:
        """`failing` / `undecided` may hold `{n}`, the number of findings of that kind."""
        used: set[str] = set()
        active = self._unwaived(self.problems, used)
        open_questions = self._unwaived(self.undecided, used)
        waived = [f for f in self.problems + self.undecided if self._reason(f) is not None]
        shown_waived = [self._waived(f) for f in waived]
        all_facts: dict[str, str | int | float | bool] = {
            **(facts or {}),
            "findings": len(active),
            "undecided": len(open_questions),
        }
        if waived:
            all_facts["waived"] = len(waived)
        unused = [pattern for pattern in self.waive if pattern not in used]
        if unused:
            all_facts["waivers_unused"] = ", ".join(unused)
        listing = active + open_questions + shown_waived
        if active:
            return failed(
                failing.format(n=len(active)),
                observed=observed,
                required=required,
                findings=listing,
                remediation=fix,
                facts=all_facts,
            )
        if open_questions:
            return unknown(
                undecided.format(n=len(open_questions)),
                observed=observed,
                required=required,
                findings=listing,
                facts=all_facts,
            )
        if waived:
            reasons = sorted({r for f in waived if (r := self._reason(f)) is not None})
            return Outcome(
                status=Status.WAIVED,
                summary=f"{len(waived)} finding(s) waived: {'; '.join(reasons)}",
                observed=observed,
                required=required,
                findings=tuple(listing),
                remediation=fix,
                facts=all_facts,
            )
        return passed(passing, observed=observed, required=required, facts=all_facts)

    def _unwaived(self, findings: list[Finding], used: set[str]) -> list[Finding]:
        kept = []
        for finding in findings:
            pattern = self._pattern(finding.location)
            if pattern is None:
                kept.append(finding)
            else:
                used.add(pattern)
        return kept

    def _pattern(self, location: Location | None) -> str | None:
        if location is None:
            return None
        for pattern in self.waive:
            if fnmatch.fnmatchcase(location.path, pattern):
                return pattern
        return None

    def _reason(self, finding: Finding) -> str | None:
        pattern = self._pattern(finding.location)
        return None if pattern is None else self.waive[pattern]

    def _waived(self, finding: Finding) -> Finding:
        return replace(finding, message=f"waived: {self._reason(finding)}: {finding.message}")
