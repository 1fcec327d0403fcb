"""Which alert categories the repository covers, and whether their alerts fire early enough."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from golive.checks._alerting_categories import (
    Level,
    Recognised,
    described,
    levels,
    meets,
    recognise,
    threshold_dimension,
)
from golive.checks._alerting_rules import AlertRules, Rule
from golive.checks._alerting_slo import SloDefinitions
from golive.checks._alerting_sources import unread_summary, unreadable_finding
from golive.checks._alerting_waive import Judged, judge, waived_outcome
from golive.checks.base import failed, passed, unknown
from golive.model import Finding, Location, Outcome
from golive.thresholds import Threshold

__all__ = ["Cover", "ThresholdReview", "coverage", "required_outcome", "review_threshold"]


@dataclass(frozen=True, kw_only=True)
class Cover:
    """One alert (or an SLO whose framework generates alerts) that covers a category."""

    category: str
    name: str  # the alert's name, or "sloth SLO 'availability'"
    how: str
    location: Location
    rule: Rule | None = None
    recognised: Recognised | None = None

    def evidence(self) -> Finding:
        return Finding(
            message=f"{self.category}: {self.name} ({self.how})",
            location=self.location,
            rule=f"alerts.required.{self.category}",
            evidence=True,
        )


@dataclass(frozen=True, kw_only=True)
class ThresholdReview:
    met_by: tuple[Cover, Level] | None
    failures: tuple[Judged, ...]  # alerts whose readable level is past the threshold
    readable: int  # alerts whose level could be read


def coverage(rules: AlertRules, slos: SloDefinitions) -> dict[str, list[Cover]]:
    found: dict[str, list[Cover]] = defaultdict(list)
    for rule in rules.alerts:
        for recognised in recognise(rule.scanned):
            found[recognised.category].append(
                Cover(
                    category=recognised.category,
                    name=rule.name,
                    how=recognised.how,
                    location=rule.location,
                    rule=rule,
                    recognised=recognised,
                )
            )
    for slo in slos.slos:
        if not slo.alerting:
            continue
        generated = f"{slo.framework} generates multi-window burn-rate alerts"
        for category in ("burn-rate", "error-rate" if slo.kind == "availability" else "latency"):
            found[category].append(
                Cover(category=category, name=slo.label, how=generated, location=slo.location)
            )
    return found


def review_threshold(
    category: str, threshold: Threshold, covers: Sequence[Cover]
) -> ThresholdReview:
    dimension = threshold_dimension(category)
    readable: list[tuple[Cover, list[Level]]] = []
    for cover in covers:
        if cover.rule is None or cover.recognised is None or dimension is None:
            continue
        comparable = [
            level
            for level in levels(cover.rule.scanned, cover.recognised, dimension)
            if meets(level, threshold) is not None
        ]
        if comparable:
            readable.append((cover, comparable))
    for cover, found in readable:
        for level in found:
            if meets(level, threshold):
                return ThresholdReview(met_by=(cover, level), failures=(), readable=len(readable))
    failures = tuple(
        Judged(
            finding=Finding(
                message=f"{category}: {cover.name} fires at {_levels(found, threshold)}; required: "
                f"{threshold} or earlier",
                location=cover.location,
                rule=f"alerts.required.{category}",
            ),
            subjects=cover.rule.subjects if cover.rule else (),
        )
        for cover, found in readable
    )
    return ThresholdReview(met_by=None, failures=failures, readable=len(readable))


def _levels(found: Sequence[Level], threshold: Threshold) -> str:
    return " and ".join(described(level, threshold) for level in found)


def _counts(found: Mapping[str, list[Cover]]) -> dict[str, int]:
    return {category: len({c.name for c in covers}) for category, covers in found.items()}


def required_outcome(
    rules: AlertRules,
    slos: SloDefinitions,
    *,
    categories: Sequence[str],
    thresholds: Mapping[str, Threshold],
    written: Mapping[str, Any],
    waive: Mapping[str, str],
    fix: str | None,
) -> Outcome:
    """The outcome of alerts.required: each category covered, each threshold met."""
    found = coverage(rules, slos)
    problems = [unreadable_finding(u) for u in (*rules.unreadable, *slos.unreadable)]
    facts: dict[str, str | int | float | bool] = {
        "alerts": len(rules.alerts),
        "recording_rules": len(rules.recording),
        "rule_sources": len(rules.sources),
        "unreadable": len(problems),
        **{f"found.{c}": n for c, n in sorted(_counts(found).items())},
    }
    required = "alerts for " + ", ".join(categories)
    if written:
        required += "; firing at " + ", ".join(f"{k} {v}" for k, v in written.items())
    if not rules.alerts and not found:
        if problems or rules.templates:
            return unknown(
                "no alert rules read; " + unread_summary(len(problems), rules.templates),
                required=required,
                findings=problems,
                facts=facts,
            )
        return failed(
            "no alert rules found",
            required=required,
            remediation="Add Prometheus alerting rules (a PrometheusRule or a rule file).",
            facts=facts,
        )
    anchors = [*(r.location for r in rules.sources), *(s.location for s in slos.slos)]
    place = anchors[0] if anchors else None  # where alert rules are kept
    missing = [c for c in categories if not found.get(c)]
    failures = [
        Judged(
            finding=Finding(
                message=f"{category}: no alerting rule's expression watches it",
                location=place,
                rule=f"alerts.required.{category}",
            ),
            subjects=(),
        )
        for category in missing
    ]
    for category, threshold in thresholds.items():
        review = review_threshold(category, threshold, found.get(category, []))
        failures.extend(review.failures)
        if review.met_by is not None:
            cover, level = review.met_by
            facts[f"threshold.{category}"] = f"{cover.name} fires at {described(level, threshold)}"
        elif found.get(category) and not review.readable:
            facts[f"threshold.{category}"] = "no alert's level could be read"
    verdict = judge(failures, waive)
    facts.update(verdict.facts)
    evidence = [found[c][0].evidence() for c in categories if found.get(c)]
    observed = "found: " + (", ".join(c for c in categories if found.get(c)) or "none")
    if verdict.failures and missing and (problems or rules.templates):
        return unknown(
            f"no {', '.join(missing)} alert in the rules golive could read; "
            + unread_summary(len(problems), rules.templates),
            observed=observed,
            required=required,
            findings=[*problems, *verdict.failures],
            facts=facts,
        )
    if verdict.failures:
        late = len(verdict.failures) - len(missing)
        summary = "; ".join(
            part
            for part in (
                f"no alert for {', '.join(missing)}" if missing else "",
                f"{late} alert(s) fire later than the threshold" if late > 0 else "",
            )
            if part
        )
        return failed(
            summary,
            observed=observed,
            required=required,
            findings=[*verdict.failures, *evidence, *verdict.waived],
            remediation=fix,
            facts=facts,
        )
    if verdict.all_waived:
        return waived_outcome(
            verdict,
            "alert categories or levels fall short",
            observed=observed,
            required=required,
            findings=evidence,
            facts=facts,
        )
    count = f" ({len(rules.alerts)} alerting rules)" if rules.alerts else ""
    return passed(
        f"alerts cover {', '.join(categories)}{count}",
        observed=observed,
        required=required,
        findings=evidence,
        facts=facts,
    )
