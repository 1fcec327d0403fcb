"""The verdict of a limit check made of several probes: one part each, the worst deciding."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from golive.checks._live import finding
from golive.checks.base import Facts, failed, passed, unknown, warned
from golive.model import Finding, Outcome, Status
from golive.probes.safety import PinnedTarget

__all__ = ["Part", "conclude_parts"]

_SEVERITY = {Status.PASS: 0, Status.WARN: 1, Status.UNKNOWN: 2, Status.FAIL: 3}


@dataclass(frozen=True, kw_only=True)
class Part:
    """The verdict of one probe of a check, with its line of evidence."""

    status: Status
    evidence: str  # what was sent and what came back
    problem: str | None = None  # why it is not a pass (the summary when it is the worst)
    aspect: str = ""  # which probe of the check: its facts' prefix, its finding's fingerprint
    facts: Facts = field(default_factory=dict)


def conclude_parts(
    parts: Iterable[Part],
    *,
    ok: str,
    target: PinnedTarget,
    path: str,
    rule: str,
    required: str,
    remediation: str,
    facts: Facts,
) -> Outcome:
    """The outcome of several probes: the worst part decides; fail beats unknown beats warn."""
    parts = list(parts)
    worst = max(parts, key=lambda part: _SEVERITY[part.status])
    observed = "; ".join(part.evidence for part in parts)
    findings: list[Finding] = []
    for part in parts:
        if part.problem is not None and part.status is not Status.PASS:
            found = finding(target, path, part.problem, rule=rule)
            if part.aspect:
                found = replace(found, fingerprint=f"{found.fingerprint}:{part.aspect}")
            findings.append(found)
    ending = {Status.PASS: passed, Status.WARN: warned, Status.UNKNOWN: unknown}.get(
        worst.status, failed
    )
    return ending(
        ok if worst.status is Status.PASS else worst.problem or ok,
        observed=observed,
        required=required,
        findings=findings,
        remediation=None if worst.status is Status.PASS else remediation,
        facts=facts,
    )
