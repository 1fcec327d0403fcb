"""The `golive.review/v1` JSON report: a stable, documented document for machines."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from golive.model import (
    Blocker,
    Chart,
    CheckResult,
    Decision,
    Finding,
    Item,
    ItemResult,
    Kind,
    LedgerEntry,
    Review,
)
from golive.report.base import RenderOptions
from golive.report.baseline import Comparison

__all__ = ["SCHEMA", "render", "to_data"]

SCHEMA = "golive.review/v1"

_SECONDS_DIGITS = 3  # milliseconds are as precise as a timing of a check is worth
_FACT_DIGITS = 6


def render(review: Review, decision: Decision, options: RenderOptions) -> str:
    """The review as a `golive.review/v1` JSON document, indented, ending in a newline."""
    data = to_data(review, decision, verbose=options.verbose)
    if options.comparison is not None:
        data["baseline"] = _comparison(options.comparison)
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_data(review: Review, decision: Decision, *, verbose: bool = False) -> dict[str, Any]:
    """The review as plain JSON-ready data; `verbose` adds each check's `trace`."""
    return {
        "schema": SCHEMA,
        "golive": review.version,
        "service": review.service,
        "profiles": list(review.profiles),
        "root": review.root,
        "source": review.source,
        "started_at": review.started_at,
        "seconds": _seconds(review.seconds),
        "scope": _kinds(review.scope),
        "policy": {
            "unknown": review.policy.unknown.value,
            "strict": review.policy.strict,
            "binding": review.policy.binding.value,
            "approvers": list(review.policy.approvers),
        },
        "decision": {
            "verdict": decision.verdict.value,
            "summary": decision.summary,
            "blocking": [_blocker(b) for b in decision.blocking],
            "conditions": [_blocker(b) for b in decision.conditions],
        },
        "counts": {status.value: count for status, count in review.counts().items()},
        "sections": [{"id": s.id, "title": s.title, "parent": s.parent} for s in review.sections],
        "items": [_item(result, verbose=verbose) for result in review.results],
        "not_evaluated": [_not_evaluated(item) for item in review.not_evaluated],
        "ledger": [_ledger_entry(entry) for entry in review.ledger],
    }


def _comparison(comparison: Comparison) -> dict[str, Any]:
    return {
        "file": comparison.baseline,
        "started_at": comparison.taken_at,
        "unchanged": comparison.unchanged,
        "dropped": list(comparison.dropped),
        "changes": [
            {
                "item": c.item,
                "kind": c.kind,
                "before": c.before,
                "after": c.after,
                "new_findings": list(c.new_findings),
                "gone_findings": list(c.gone_findings),
            }
            for c in comparison.changes
        ],
    }


def _ledger_entry(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "path": entry.path,
        "state": entry.state.value,
        "reason": entry.reason,
        "item": entry.item,
        "signers": list(entry.signers),
        "expires": entry.expires,
        "sha256": entry.digest,
    }


def _kinds(kinds: frozenset[Kind] | set[Kind]) -> list[str]:
    return sorted(kind.value for kind in kinds)


def _seconds(value: float) -> float:
    return round(value, _SECONDS_DIGITS)


def _blocker(blocker: Blocker) -> dict[str, Any]:
    return {
        "item": blocker.item,
        "title": blocker.title,
        "level": blocker.level.value,
        "status": blocker.status.value,
        "reason": blocker.reason,
    }


def _item(result: ItemResult, *, verbose: bool) -> dict[str, Any]:
    item = result.item
    attest = item.attest
    return {
        "id": item.id,
        "title": item.title,
        "section": item.section,
        "level": item.level.value,
        "status": result.status.value,
        "reason": result.reason,
        "match": item.match.value,
        "disabled": item.disabled,
        "origin": list(item.origin),
        "attest": None if attest is None else {"role": attest.role, "expires": attest.expires},
        "planned": list(item.planned),
        "skipped": list(result.skipped),
        "checks": [_check(check, verbose=verbose) for check in result.checks],
    }


def _check(result: CheckResult, *, verbose: bool) -> dict[str, Any]:
    outcome = result.outcome
    data: dict[str, Any] = {
        "id": result.check,
        "kind": result.kind.value,
        "status": outcome.status.value,
        "summary": outcome.summary,
        "observed": outcome.observed,
        "required": outcome.required,
        "remediation": outcome.remediation,
        "seconds": _seconds(result.seconds),
        "facts": _facts(outcome.facts),
    }
    if verbose:
        data["trace"] = outcome.trace
    data["findings"] = [_finding(finding) for finding in outcome.findings]
    if outcome.charts:
        data["charts"] = [_chart(chart) for chart in outcome.charts]
    return data


def _chart(chart: Chart) -> dict[str, Any]:
    return {
        "title": chart.title,
        "x_label": chart.x_label,
        "y_label": chart.y_label,
        "x_scale": chart.x_scale,
        "y_scale": chart.y_scale,
        "lines": [
            {
                "name": line.name,
                "points": [
                    [round(x, _FACT_DIGITS), round(y, _FACT_DIGITS)]
                    for x, y in line.points
                    if math.isfinite(x) and math.isfinite(y)
                ],
            }
            for line in chart.lines
        ],
    }


def _facts(facts: Mapping[str, str | int | float | bool]) -> dict[str, str | int | float | bool]:
    """Facts sorted by name; floats rounded, and the ones JSON cannot hold written as text."""
    tidy: dict[str, str | int | float | bool] = {}
    for name in sorted(facts):
        value = facts[name]
        if isinstance(value, float):
            value = round(value, _FACT_DIGITS) if math.isfinite(value) else str(value)
        tidy[name] = value
    return tidy


def _finding(finding: Finding) -> dict[str, Any]:
    where = finding.location
    return {
        "message": finding.message,
        "rule": finding.rule,
        "fingerprint": finding.fingerprint,
        "evidence": finding.evidence,
        "location": None
        if where is None
        else {"path": where.path, "line": where.line, "column": where.column},
    }


def _not_evaluated(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "section": item.section,
        "level": item.level.value,
        "kinds": _kinds({ref.kind for ref in item.checks}),
    }
