"""Judging SLO objectives against the checklist: each must be at least as strict as its limit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from golive.checks._alerting_slo import Slo, SloDefinitions
from golive.checks._alerting_sources import unreadable_finding
from golive.checks._alerting_waive import Judged, judge, waived_outcome
from golive.checks.base import failed, passed, unknown
from golive.model import Finding, Outcome
from golive.thresholds import Comparator, Threshold, format_duration

__all__ = ["SloReview", "review_slos", "slo_outcome"]

# An objective is a target, not a measurement, so an objective equal to the limit meets it
# (99.9 % meets `availability >99.9%`). `availability` and `error_rate` apply to availability
# SLOs (the error budget is 1 - objective); `latency` applies to latency SLOs, whose bound must
# be at most the limit and whose objective must cover the limit's percentile (99 % of requests
# under 100 ms meets `p95 < 100ms`).


@dataclass(frozen=True, kw_only=True)
class SloReview:
    failures: tuple[Judged, ...]
    evidence: tuple[Finding, ...]


def slo_outcome(
    definitions: SloDefinitions,
    *,
    availability: Threshold | None,
    error_rate: Threshold | None,
    latency: Threshold | None,
    waive: Mapping[str, str],
    fix: str | None,
) -> Outcome:
    """The outcome of slo.definitions: SLOs exist, each as strict as the limits."""
    slos = definitions.slos
    problems = [unreadable_finding(u) for u in definitions.unreadable]
    limits = [
        f"{name} {limit}"
        for name, limit in (
            ("availability", availability),
            ("error_rate", error_rate),
            ("latency", latency),
        )
        if limit is not None
    ]
    required = ", ".join(limits) or None
    if not slos:
        if problems:
            return unknown(
                f"no SLO found, and {len(problems)} file(s) that may define SLOs could not be read",
                findings=problems,
            )
        return failed(
            "no SLO definitions found (Sloth, Pyrra or OpenSLO)",
            required=required or "an SLO for the service",
            remediation=fix,
        )
    review = review_slos(slos, availability=availability, error_rate=error_rate, latency=latency)
    verdict = judge(review.failures, waive)
    frameworks = sorted({slo.framework for slo in slos})
    facts: dict[str, str | int | float | bool] = {
        "slos": len(slos),
        "frameworks": ", ".join(frameworks),
        "latency_slos": sum(slo.kind == "latency" for slo in slos),
        "generate_alerts": sum(slo.alerting for slo in slos),
        "unreadable": len(problems),
        **verdict.facts,
    }
    observed = "; ".join(f.message for f in review.evidence[:3]) or None
    if verdict.failures:
        return failed(
            f"{len(verdict.failures)} SLO problem(s)",
            observed=observed,
            required=required,
            findings=[*verdict.failures, *verdict.waived, *review.evidence],
            remediation=fix,
            facts=facts,
        )
    if problems and limits:  # an SLO golive could not read may be the loose one
        return unknown(
            f"{len(problems)} file(s) that may define SLOs could not be read; the SLOs read "
            "are as strict as required",
            observed=observed,
            required=required,
            findings=[*problems, *verdict.waived, *review.evidence],
            facts=facts,
        )
    if verdict.all_waived:
        return waived_outcome(
            verdict,
            "SLOs fall short of the checklist",
            observed=observed,
            required=required,
            findings=review.evidence,
            facts=facts,
        )
    return passed(
        f"{len(slos)} SLO(s) defined ({', '.join(frameworks)})"
        + (", each as strict as required" if limits else ""),
        observed=observed,
        required=required,
        findings=[*review.evidence, *problems],
        facts=facts,
    )


def review_slos(
    slos: Sequence[Slo],
    *,
    availability: Threshold | None,
    error_rate: Threshold | None,
    latency: Threshold | None,
) -> SloReview:
    failures: list[Judged] = []
    evidence: list[Finding] = []
    for slo in slos:
        problems = list(_problems(slo, availability, error_rate, latency))
        failures.extend(_judged(slo, problem) for problem in problems)
        if not problems:
            evidence.append(
                Finding(
                    message=f"{slo.label}: {_describe(slo)}",
                    location=slo.location,
                    rule="slo.definitions",
                    evidence=True,
                )
            )
    kinds = {slo.kind for slo in slos}
    anchor = slos[0] if slos else None
    for name, limit, kind in (
        ("availability", availability, "availability"),
        ("error_rate", error_rate, "availability"),
        ("latency", latency, "latency"),
    ):
        if limit is not None and kind not in kinds and anchor is not None:
            failures.append(
                Judged(
                    finding=Finding(
                        message=f"no {kind} SLO is declared; required: {name} {limit}",
                        location=anchor.location,
                        rule="slo.definitions",
                    ),
                    subjects=(),
                )
            )
    return SloReview(failures=tuple(failures), evidence=tuple(evidence))


def _problems(
    slo: Slo,
    availability: Threshold | None,
    error_rate: Threshold | None,
    latency: Threshold | None,
) -> list[str]:
    if slo.objective is None:
        return [f"objective {slo.objective_text!r} is not a percentage golive can read"]
    found: list[str] = []
    shown = f"{slo.objective * 100:.6g}%"
    if slo.kind == "availability":
        if availability is not None and not _as_strict(slo.objective, availability):
            found.append(f"objective {shown} is less strict than availability {availability}")
        budget = 1 - slo.objective
        if error_rate is not None and not _as_strict(budget, error_rate):
            found.append(
                f"error budget {budget * 100:.6g}% (objective {shown}) is less strict than "
                f"error_rate {error_rate}"
            )
    elif latency is not None:
        if slo.latency is None:
            found.append(f"latency bound not readable; required: latency {latency}")
        elif not _as_strict(slo.latency, latency):
            found.append(
                f"latency bound {format_duration(slo.latency)} is less strict than "
                f"latency {latency}"
            )
        quantile = _quantile(latency.statistic)
        if quantile is not None and slo.objective + 1e-12 < quantile:
            found.append(
                f"objective {shown} of requests covers less than the {latency.statistic} "
                f"of latency {latency}"
            )
    return found


def _as_strict(value: float, limit: Threshold) -> bool:
    bound = limit.quantity.value
    tolerance = 1e-9 * max(1.0, abs(bound))
    match limit.comparator:
        case Comparator.GT | Comparator.GE:
            return value >= bound - tolerance
        case Comparator.LT | Comparator.LE:
            return value <= bound + tolerance
        case Comparator.EQ:
            return abs(value - bound) <= tolerance
        case Comparator.NE:
            return abs(value - bound) > tolerance
    return False


def _quantile(statistic: str | None) -> float | None:
    if statistic is None:
        return None
    if statistic == "median":
        return 0.5
    if statistic.startswith("p"):
        try:
            return float(statistic[1:]) / 100
        except ValueError:
            return None
    return None


def _describe(slo: Slo) -> str:
    objective = "?" if slo.objective is None else f"{slo.objective * 100:.6g}%"
    if slo.kind == "latency":
        bound = "?" if slo.latency is None else format_duration(slo.latency)
        return f"latency, {objective} of requests under {bound}"
    return f"availability {objective}"


def _judged(slo: Slo, problem: str) -> Judged:
    finding = Finding(
        message=f"{slo.label}: {problem}", location=slo.location, rule="slo.definitions"
    )
    return Judged(finding=finding, subjects=slo.subjects)
