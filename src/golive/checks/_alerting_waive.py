"""Per-resource waivers of the alerting checks, for manifests a team cannot edit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from golive.checks.base import Facts
from golive.model import Finding, Outcome, Status

__all__ = ["Judged", "Verdict", "judge", "waived_outcome"]

# A pattern is matched (fnmatch, case-sensitive) against the names of what a finding is about:
# a resource's ref (`PrometheusRule/monitoring/*`), a file's path, and for an alert rule also
# `<ref or path>/<AlertName>`.


@dataclass(frozen=True, kw_only=True)
class Judged:
    """A failure and the names a waiver may match it by."""

    finding: Finding
    subjects: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The failures no waiver covers, the waived ones (their message starting with
    `waived: <reason>`), and the waivers that covered nothing."""

    failures: tuple[Finding, ...]
    waived: tuple[Finding, ...]
    reasons: tuple[str, ...]
    unused: tuple[str, ...]

    @property
    def facts(self) -> Facts:
        facts: dict[str, str | int | float | bool] = {"waived": len(self.waived)}
        if self.unused:
            facts["waivers_unused"] = ", ".join(self.unused)
        return facts

    @property
    def all_waived(self) -> bool:
        return bool(self.waived) and not self.failures


def judge(failures: Iterable[Judged], waive: Mapping[str, str]) -> Verdict:
    kept: list[Finding] = []
    waived: list[Finding] = []
    reasons: list[str] = []
    used: set[str] = set()
    for item in failures:
        pattern = next(
            (p for p in waive if any(s == p or fnmatchcase(s, p) for s in item.subjects)),
            None,
        )
        if pattern is None:
            kept.append(item.finding)
            continue
        used.add(pattern)
        reason = waive[pattern]
        if reason not in reasons:
            reasons.append(reason)
        message = f"waived: {reason} ({item.finding.message})"
        waived.append(replace(item.finding, message=message))
    return Verdict(
        failures=tuple(kept),
        waived=tuple(waived),
        reasons=tuple(reasons),
        unused=tuple(p for p in waive if p not in used),
    )


def waived_outcome(
    verdict: Verdict,
    what: str,
    *,
    observed: str | None = None,
    required: str | None = None,
    findings: Iterable[Finding] = (),
    facts: Facts | None = None,
) -> Outcome:
    """The outcome when every failure is covered by a waiver."""
    return Outcome(
        status=Status.WAIVED,
        summary=f"{what}; waived: {'; '.join(verdict.reasons)}",
        observed=observed,
        required=required,
        findings=(*verdict.waived, *findings),
        facts={**(facts or {}), **verdict.facts},
    )
