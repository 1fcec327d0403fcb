"""The JUnit XML report: a test suite per checklist section, a test case per item.

CI systems read JUnit XML to show tests and to fail a pipeline, so the report keeps one rule
above all: it has failures or errors exactly when the decision is NO-GO. An item fails as a
test only when it blocks the decision; what does not block is a skipped test that says why
(a condition, an informational item, a waiver, an item that does not apply), or, for a
warning, a passing test whose output carries it. The document stays within the Jenkins
`junit-10.xsd` schema, which is what most readers of JUnit XML accept.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from golive.model import (
    Blocker,
    CheckResult,
    Decision,
    Item,
    ItemResult,
    Kind,
    Level,
    Review,
    Section,
    Status,
    Verdict,
)
from golive.report.base import RenderOptions

__all__ = ["render"]

_FINDINGS_SHOWN = 50  # per check, unless verbose: a CI page shows the top of a long failure
_DECISION = "golive.decision"  # the suite of blockers the review's items do not account for

# Check statuses whose findings and fix are worth reading under an item.
_QUIET = frozenset({Status.PASS, Status.NOT_APPLICABLE})

# XML 1.0 holds tab, newline, carriage return, and the code points from U+0020 on except the
# surrogates, U+FFFE and U+FFFF. Anything else is dropped: a parser refuses it even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A parser turns a raw carriage return into a newline, and in an attribute turns tabs and
# newlines into spaces; character references keep them as they were.
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


def render(review: Review, decision: Decision, options: RenderOptions) -> str:
    """The review as a JUnit XML document (UTF-8), ending in a newline."""
    blocking = _blocking(decision)
    roles = _Roles(blocking=blocking, conditions={c.item for c in decision.conditions})
    suites = _suites(review, roles, options)
    extra = _unaccounted(review, decision, blocking)
    if extra.cases or not suites:
        suites.insert(0, extra)
    cases = [case for suite in suites for case in suite.cases]
    failures = sum(case.element == "failure" for case in cases)
    errors = sum(case.element == "error" for case in cases)
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    # junit-10.xsd allows no `skipped` count on the root: each suite carries its own.
    out.append(
        "<testsuites"
        + _attributes(
            name=f"golive {review.service}",
            tests=str(len(cases)),
            failures=str(failures),
            errors=str(errors),
            time=_seconds(review.seconds),
        )
        + ">"
    )
    for index, suite in enumerate(suites):
        properties = _properties(review, decision) if index == 0 else ()
        _write_suite(out, suite, review.started_at, properties)
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


# --- what each item becomes -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Case:
    """One `<testcase>`: its outcome element (none for a pass) and the text it carries."""

    classname: str
    name: str
    seconds: float
    element: str | None = None  # "failure", "error" or "skipped"
    type: str = ""
    message: str = ""
    text: str = ""  # the outcome element's text
    output: str = ""  # <system-out>: a warning, or checks this run left out of a pass


@dataclass(frozen=True, kw_only=True)
class _Suite:
    id: str
    name: str
    cases: tuple[_Case, ...]


@dataclass(frozen=True, kw_only=True)
class _Roles:
    """What the decision made of each item: the blockers by id, and the ids of conditions."""

    blocking: dict[str, Blocker]
    conditions: set[str]


def _blocking(decision: Decision) -> dict[str, Blocker]:
    # A GO decision fails nothing, whatever it lists: the verdict is what CI must mirror.
    if decision.verdict is not Verdict.NO_GO:
        return {}
    return {blocker.item: blocker for blocker in decision.blocking}


def _case(result: ItemResult, roles: _Roles, options: RenderOptions) -> _Case:
    item, status = result.item, result.status
    base = _Case(
        classname=item.section,
        name=f"{item.id}: {item.title}",
        seconds=sum(_finite(check.seconds) for check in result.checks),
    )
    blocker = roles.blocking.get(item.id)
    if blocker is not None:
        element = "error" if status is Status.ERROR else "failure"
        head = f"{status.value} ({item.level.value} item, blocks the decision): {blocker.reason}"
        return replace(
            base,
            element=element,
            type=status.value,
            message=blocker.reason,
            text=_evidence(head, result, options),
        )
    if status is Status.PASS:
        if not result.skipped:
            return base
        return replace(base, output=_left_out(result))
    if status is Status.WARN:
        head = f"warn ({_role(result, roles)}, does not block): {result.reason}"
        return replace(base, output=_evidence(head, result, options))
    if status is Status.NOT_APPLICABLE:
        return _skipped(base, status.value, result.reason, result, options)
    # A waiver the decision accepted (under a strict policy a should item's is a condition).
    if status is Status.WAIVED and item.id not in roles.conditions:
        reason = result.reason
        message = reason if reason.startswith("waived") else f"waived: {reason}"
        return _skipped(base, status.value, message, result, options)
    # Broken, undecided or awaiting a sign-off, and still not blocking: a condition of the
    # decision or an informational item, never a passing test.
    message = f"{_role(result, roles)} ({status.value}): {result.reason}"
    return _skipped(base, status.value, message, result, options)


def _role(result: ItemResult, roles: _Roles) -> str:
    if result.item.id in roles.conditions:
        return "condition"
    if result.item.level is Level.MAY:
        return "informational"
    return "not counted in the decision"  # e.g. an item about the decision itself


def _skipped(
    base: _Case, kind: str, message: str, result: ItemResult, options: RenderOptions
) -> _Case:
    text = _evidence(message, result, options)
    return replace(base, element="skipped", type=kind, message=message, text=text)


def _not_evaluated(item: Item, scope: frozenset[Kind]) -> _Case:
    kinds = sorted({ref.kind.value for ref in item.checks if ref.kind not in scope})
    names = ", ".join(kinds) or "its"
    hint = " (golive check --live runs them)" if kinds == [Kind.LIVE.value] else ""
    message = f"not evaluated: this review did not run {names} checks{hint}"
    return _Case(
        classname=item.section,
        name=f"{item.id}: {item.title}",
        seconds=0.0,
        element="skipped",
        type="not_evaluated",
        message=message,
        text=message,
    )


# --- evidence as text -------------------------------------------------------------------------


def _evidence(head: str, result: ItemResult, options: RenderOptions) -> str:
    """The head line, then each check with what it observed, its findings and the fix."""
    lines = [head]
    for check in result.checks:
        lines.extend(_check(check, options))
    planned = result.item.planned
    if planned:
        lines.append(f"planned (not built yet): {', '.join(planned)}")
    attest = result.item.attest
    waiting = result.status in {Status.PENDING, Status.EXPIRED}
    # The runner's reason for a pending item, "awaiting sign-off by ...", says it already.
    if attest is not None and waiting and str(attest) not in result.reason:
        lines.append(f"needs a {attest}")
    if result.skipped:
        lines.append(_left_out(result))
    return "\n".join(lines)


def _check(check: CheckResult, options: RenderOptions) -> list[str]:
    outcome = check.outcome
    lines = [f"{check.check} [{outcome.status.value}]: {outcome.summary}"]
    if outcome.observed is not None:
        lines.append(f"  observed: {outcome.observed}")
    if outcome.required is not None:
        lines.append(f"  required: {outcome.required}")
    if outcome.status in _QUIET and not options.verbose:
        return lines
    findings = outcome.findings if options.verbose else outcome.findings[:_FINDINGS_SHOWN]
    for finding in findings:
        where = f"{finding.location}: " if finding.location is not None else ""
        rule = f" [{finding.rule}]" if finding.rule else ""
        held = "✓ " if finding.evidence else ""
        lines.append(f"  {held}{where}{finding.message}{rule}")
    hidden = len(outcome.findings) - len(findings)
    if hidden:
        lines.append(f"  … and {hidden} more (--verbose lists all)")
    if outcome.remediation:
        lines.append("  fix: " + outcome.remediation.rstrip().replace("\n", "\n       "))
    if options.verbose:
        lines.extend(f"  {name}: {outcome.facts[name]}" for name in sorted(outcome.facts))
        if outcome.trace:
            lines.append("  " + outcome.trace.rstrip().replace("\n", "\n  "))
    return lines


def _left_out(result: ItemResult) -> str:
    kinds = {ref.kind for ref in result.item.checks if ref.id in result.skipped}
    names = ", ".join(kind.value for kind in Kind if kind in kinds)
    return f"not run in this review ({names} checks): {', '.join(result.skipped)}"


# --- suites -----------------------------------------------------------------------------------


def _suites(review: Review, roles: _Roles, options: RenderOptions) -> list[_Suite]:
    cases: dict[str, list[_Case]] = {section.id: [] for section in review.sections}
    for result in review.results:
        cases.setdefault(result.item.section, []).append(_case(result, roles, options))
    for item in review.not_evaluated:
        cases.setdefault(item.section, []).append(_not_evaluated(item, review.scope))
    titles = {section.id: section for section in review.sections}
    return [
        _Suite(id=section, name=_suite_name(section, titles), cases=tuple(found))
        for section, found in cases.items()
        if found
    ]


def _suite_name(section: str, sections: dict[str, Section]) -> str:
    """The titles from the top-level section down, then the id: unique, and greppable."""
    titles: list[str] = []
    current: str | None = section
    while current is not None:
        known = sections.get(current)
        if known is not None:
            titles.append(known.title)
        current = current.rpartition(".")[0] or None
    if not titles:
        return section
    return f"{' › '.join(reversed(titles))} ({section})"  # noqa: RUF001 (the angle quote is meant)


def _unaccounted(review: Review, decision: Decision, blocking: dict[str, Blocker]) -> _Suite:
    """Failing cases for a NO-GO that no item of the review shows: a blocker without a result,
    or a verdict without blockers. Empty when the items account for the decision."""
    reviewed = {result.item.id for result in review.results}
    cases = [
        _Case(
            classname=_DECISION,
            name=f"{blocker.item}: {blocker.title}",
            seconds=0.0,
            element="error" if blocker.status is Status.ERROR else "failure",
            type=blocker.status.value,
            message=blocker.reason,
            text=f"{blocker.status.value} ({blocker.level.value} item, blocks the decision): "
            f"{blocker.reason}",
        )
        for blocker in blocking.values()
        if blocker.item not in reviewed
    ]
    if decision.verdict is Verdict.NO_GO and not blocking:
        cases.append(
            _Case(
                classname=_DECISION,
                name="verdict",
                seconds=0.0,
                element="failure",
                type="no-go",
                message=decision.summary,
                text=f"NO-GO: {decision.summary}",
            )
        )
    return _Suite(id=_DECISION, name=f"golive decision ({_DECISION})", cases=tuple(cases))


def _properties(review: Review, decision: Decision) -> list[tuple[str, str]]:
    properties = [
        ("verdict", decision.verdict.value),
        ("summary", decision.summary),
        ("service", review.service),
        ("profiles", ", ".join(review.profiles)),
        ("golive", review.version),
        ("scope", ", ".join(kind.value for kind in Kind if kind in review.scope)),
        ("policy.unknown", decision.policy.unknown.value),
        ("policy.strict", "true" if decision.policy.strict else "false"),
    ]
    if review.source is not None:
        properties.append(("checklist", review.source))
    return properties


# --- writing ----------------------------------------------------------------------------------


def _write_suite(
    out: list[str], suite: _Suite, started_at: str, properties: Sequence[tuple[str, str]]
) -> None:
    cases = suite.cases
    head = _attributes(
        name=suite.name,
        id=suite.id,
        tests=str(len(cases)),
        failures=str(sum(case.element == "failure" for case in cases)),
        errors=str(sum(case.element == "error" for case in cases)),
        skipped=str(sum(case.element == "skipped" for case in cases)),
        time=_seconds(sum(case.seconds for case in cases)),
        timestamp=started_at or None,
    )
    out.append(f"  <testsuite{head}>")
    if properties:
        out.append("    <properties>")
        out.extend(
            f"      <property{_attributes(name=name, value=value)}/>" for name, value in properties
        )
        out.append("    </properties>")
    out.extend(_case_xml(case) for case in cases)
    out.append("  </testsuite>")


def _case_xml(case: _Case) -> str:
    head = _attributes(classname=case.classname, name=case.name, time=_seconds(case.seconds))
    if case.element is None and not case.output:
        return f"    <testcase{head}/>"
    parts = [f"    <testcase{head}>"]
    if case.element is not None:
        detail = _attributes(type=case.type, message=case.message)
        parts.append(f"      <{case.element}{detail}>{_text(case.text)}</{case.element}>")
    if case.output:
        parts.append(f"      <system-out>{_text(case.output)}</system-out>")
    parts.append("    </testcase>")
    return "\n".join(parts)


def _attributes(**values: str | None) -> str:
    return "".join(
        f' {name}="{_attribute(value)}"' for name, value in values.items() if value is not None
    )


def _attribute(value: str) -> str:
    return _NOT_XML.sub("", value).translate(_ATTRIBUTE)


def _text(value: str) -> str:
    return _NOT_XML.sub("", value).translate(_TEXT)


def _finite(seconds: float) -> float:
    return seconds if math.isfinite(seconds) and seconds > 0 else 0.0


def _seconds(seconds: float) -> str:
    # junit-10.xsd: digits, then at most three decimals (no sign, no exponent).
    return f"{_finite(seconds):.3f}"
