"""What makes an alerting rule actionable, and `promtool check rules` when it is installed."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from golive.checks._alerting_categories import recognise
from golive.checks._alerting_promql import syntax_problem
from golive.checks._alerting_rules import AlertRules, Rule, RuleSource
from golive.checks._alerting_sources import unread_summary, unreadable_finding
from golive.checks._alerting_waive import Judged, judge, waived_outcome
from golive.checks._process import run_tool
from golive.checks.base import Unknown, failed, not_applicable, passed, unknown
from golive.model import Finding, Location, Outcome

__all__ = [
    "MIN_FOR",
    "Promtool",
    "QualityReview",
    "quality_outcome",
    "review_quality",
    "run_promtool",
]

MIN_FOR = 60.0  # seconds: a shorter `for` pages on a blip
_SUMMARY_KEYS = ("summary", "description", "message")
_RUNBOOK_KEYS = ("runbook_url", "runbook")
_META_METRICS = frozenset({"ALERTS", "ALERTS_FOR_STATE"})
_PROMTOOL_TIMEOUT = 30.0
_POSITIONED = re.compile(r'^\d+:\d+: group "(?P<group>[^"]*)", rule (?P<index>\d+), ')


@dataclass(frozen=True, kw_only=True)
class QualityReview:
    failures: tuple[Judged, ...]
    alerts: int
    missing: dict[str, int]  # severity, summary, runbook_url, for: alerts lacking each
    exempt_for: int  # burn-rate, dead man's switch and meta alerts, which may fire at once
    duplicates: int


@dataclass(frozen=True, kw_only=True)
class Promtool:
    ran: bool
    note: str  # "not installed", "no errors", "2 error(s)", "could not run: ..."
    failures: tuple[Judged, ...] = ()


def review_quality(rules: AlertRules) -> QualityReview:
    failures: list[Judged] = []
    missing = dict.fromkeys(("severity", "summary", "runbook_url", "for", "syntax"), 0)
    exempt = 0
    for rule in rules.alerts:
        problems: list[tuple[str, str, Location]] = []
        broken = syntax_problem(rule.expr)
        if broken is not None:
            problems.append(("syntax", f"the expression does not parse: {broken}", rule.location))
        if not rule.labels.get("severity", "").strip():
            problems.append(("severity", "no severity label", rule.location))
        if not any(rule.annotations.get(key, "").strip() for key in _SUMMARY_KEYS):
            problems.append(("summary", "no summary or description annotation", rule.location))
        if not any(rule.annotations.get(key, "").strip() for key in _RUNBOOK_KEYS):
            problems.append(("runbook_url", "no runbook_url annotation", rule.location))
        if _fires_at_once_by_design(rule):
            exempt += 1
        else:
            problem = _for_problem(rule)
            if problem is not None:
                problems.append(("for", problem, rule.for_location or rule.location))
        for what, message, where in problems:
            missing[what] += 1
            failures.append(_judged(rule, f"{rule.name}: {message}", where, what))
    duplicates = list(_duplicates(rules.alerts))
    failures.extend(duplicates)
    for message, where in rules.problems:
        failures.append(
            Judged(
                finding=Finding(message=message, location=where, rule="alerts.quality.malformed"),
                subjects=(where.path,),
            )
        )
    return QualityReview(
        failures=tuple(failures),
        alerts=len(rules.alerts),
        missing=missing,
        exempt_for=exempt,
        duplicates=len(duplicates),
    )


def _fires_at_once_by_design(rule: Rule) -> bool:
    """Burn-rate alerts (their short window is the delay), dead man's switches (`vector(1)`)
    and alerts about other alerts (`ALERTS{...}`)."""
    expr = rule.scanned
    if not expr.metrics or expr.metrics <= _META_METRICS:
        return True
    return any(found.category == "burn-rate" for found in recognise(expr))


def _for_problem(rule: Rule) -> str | None:
    seconds = rule.for_seconds
    if seconds is None:
        return f"`for: {rule.for_text}` is not a duration"
    if seconds < MIN_FOR:
        shown = "no `for`" if rule.for_text is None else f"`for: {rule.for_text}`"
        return f"{shown}: it fires on the first evaluation that matches (at least 1m)"
    return None


def _duplicates(alerts: list[Rule]) -> list[Judged]:
    seen: dict[tuple[str, str], list[Rule]] = defaultdict(list)
    for rule in alerts:
        seen[(rule.name, " ".join(rule.expr.split()))].append(rule)
    found: list[Judged] = []
    for copies in seen.values():
        first = copies[0]
        for copy in copies[1:]:
            message = f"{copy.name}: duplicate of the alert at {first.location} (same expression)"
            found.append(_judged(copy, message, copy.location, "duplicate"))
    return found


def _judged(rule: Rule, message: str, where: Location, what: str) -> Judged:
    finding = Finding(message=message, location=where, rule=f"alerts.quality.{what}")
    return Judged(finding=finding, subjects=rule.subjects)


def quality_outcome(
    rules: AlertRules, root: Path, *, waive: Mapping[str, str], fix: str | None
) -> Outcome:
    """The outcome of alerts.quality over every alerting rule (and promtool's errors)."""
    problems = [unreadable_finding(u) for u in rules.unreadable]
    if not rules.alerts and not rules.problems:
        if problems or rules.templates:
            return unknown(
                "no alerting rules read; " + unread_summary(len(problems), rules.templates),
                findings=problems,
            )
        return not_applicable("no alerting rules to judge (alerts.required reports their absence)")
    review = review_quality(rules)
    promtool = run_promtool(rules, root)
    failures = review.failures
    if promtool.ran:  # promtool parses for real: its errors replace the rough syntax test
        failures = tuple(f for f in failures if f.finding.rule != "alerts.quality.syntax")
    verdict = judge([*failures, *promtool.failures], waive)
    facts: dict[str, str | int | float | bool] = {
        "alerts": review.alerts,
        **{f"missing.{what}": n for what, n in review.missing.items()},
        "exempt_from_for": review.exempt_for,
        "duplicates": review.duplicates,
        "promtool": promtool.note,
        "unreadable": len(problems),
        "problems": len(verdict.failures),
        **verdict.facts,
    }
    lacking = ", ".join(f"{n} without {what}" for what, n in review.missing.items() if n)
    observed = f"{review.alerts} alert(s)" + (f"; {lacking}" if lacking else ", each complete")
    required = f"severity, summary, runbook_url, for >= {MIN_FOR:g}s"
    if verdict.failures:
        files = len({f.location.path for f in verdict.failures if f.location}) or 1
        return failed(
            f"{len(verdict.failures)} problem(s) in the alert rules of {files} file(s)",
            observed=observed,
            required=required,
            findings=[*verdict.failures, *problems, *verdict.waived],
            remediation=fix,
            facts=facts,
        )
    if problems:
        return unknown(
            f"{len(problems)} rule file(s) could not be read; the rest are complete",
            findings=problems,
            facts=facts,
        )
    if verdict.all_waived:
        return waived_outcome(
            verdict,
            "alert rules lack labels, annotations or `for`",
            observed=observed,
            required=required,
            facts=facts,
        )
    checked = "" if promtool.ran else f" (promtool {promtool.note})"
    return passed(
        f"all {review.alerts} alert(s) have a severity, summary, runbook and `for`{checked}",
        observed=observed,
        required=required,
        facts=facts,
    )


# --- promtool ----------------------------------------------------------------------------------


def run_promtool(rules: AlertRules, root: Path) -> Promtool:
    """`promtool check rules` over every rule source (resources and embedded files are written
    to a temporary file each); its errors become findings on the rules they name."""
    executable = shutil.which("promtool")
    if executable is None:
        return Promtool(ran=False, note="not installed (not found on PATH)")
    if not rules.sources:
        return Promtool(ran=False, note="no rule files to check")
    by_rule = {(r.source, r.group, r.index): r for r in rules.rules}
    with tempfile.TemporaryDirectory(prefix="golive-promtool-") as scratch:
        files: dict[str, RuleSource] = {}
        for number, source in enumerate(rules.sources, start=1):
            if source.plain:
                files[source.path] = source
                continue
            written = Path(scratch) / f"rules-{number}.yaml"
            written.write_text(json.dumps({"groups": source.groups}, default=str), "utf-8")
            files[str(written)] = source
        try:
            run = run_tool(
                [executable, "check", "rules", *files], cwd=root, timeout=_PROMTOOL_TIMEOUT
            )
        except Unknown as error:
            return Promtool(ran=False, note=f"could not run: {error.reason}")
    if run.returncode == 0:
        return Promtool(ran=True, note="no errors")
    failures = list(_errors(run.stderr, files, by_rule))
    if not failures:
        first = next((line for line in run.stderr.splitlines() if line.strip()), "no output")
        failures.append(
            Judged(
                finding=Finding(
                    message=f"promtool check rules failed (exit {run.returncode}): {first.strip()}",
                    rule="alerts.quality.promtool",
                ),
                subjects=(),
            )
        )
    return Promtool(ran=True, note=f"{len(failures)} error(s)", failures=tuple(failures))


def _errors(
    stderr: str, files: dict[str, RuleSource], by_rule: dict[tuple[str, str, int], Rule]
) -> list[Judged]:
    found: list[tuple[RuleSource | None, str]] = []
    for line in stderr.splitlines():
        text = line.strip()
        if not text or text == "FAILED:":
            continue
        source, rest = _split_file(text, files)
        if source is not None or not found:
            found.append((source, rest))
        else:  # a continuation line of the error before it
            previous_source, previous = found[-1]
            found[-1] = (previous_source, f"{previous} {rest}")
    judged: list[Judged] = []
    for source, message in found:
        where = source.location if source else None
        positioned = _POSITIONED.match(message)
        if source is not None and positioned:
            rule = by_rule.get((source.source, positioned["group"], int(positioned["index"])))
            if rule is not None:
                where = rule.location
        shown = message if len(message) <= 300 else message[:297] + "..."
        judged.append(
            Judged(
                finding=Finding(
                    message=f"promtool: {shown}", location=where, rule="alerts.quality.promtool"
                ),
                subjects=(source.source, source.path) if source else (),
            )
        )
    return judged


def _split_file(text: str, files: dict[str, RuleSource]) -> tuple[RuleSource | None, str]:
    for name, source in files.items():
        if text.startswith(name + ":"):
            return source, text[len(name) + 1 :].strip()
    return None, text
