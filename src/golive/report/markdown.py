"""The Markdown report: the decision and its reasons, for a pull request or a CI summary."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from golive.model import (
    Blocker,
    CheckResult,
    Decision,
    ItemResult,
    Kind,
    RecordState,
    Review,
    Status,
    Verdict,
)
from golive.report.base import RenderOptions

__all__ = ["LIMIT", "STATUS_ICONS", "render"]

LIMIT = 60_000  # characters: fits a pull-request comment (65,536) with room to spare

STATUS_ICONS = {
    Status.PASS: "✅",
    Status.FAIL: "❌",
    Status.WARN: "⚠️",
    Status.ERROR: "💥",
    Status.UNKNOWN: "❓",
    Status.PENDING: "⏳",
    Status.EXPIRED: "⌛",
    Status.UNVERIFIED: "🔘",
    Status.NOT_APPLICABLE: "➖",  # noqa: RUF001 (the emoji is meant)
    Status.WAIVED: "🛡️",
}

# Columns of the section table, in reading order; `expired` and `waived` only when they occur.
_COLUMNS = (
    *(Status.PASS, Status.FAIL, Status.WARN, Status.ERROR, Status.UNKNOWN, Status.PENDING),
    *(Status.EXPIRED, Status.UNVERIFIED, Status.WAIVED, Status.NOT_APPLICABLE),
)
_OCCASIONAL = frozenset({Status.EXPIRED, Status.WAIVED})
_NEEDS_READING = frozenset({Status.FAIL, Status.ERROR, Status.WARN})
_SETTLED = frozenset({Status.PASS, Status.NOT_APPLICABLE, Status.WAIVED})

# The parts after the header share what is left of LIMIT, in order, each up to its own cap, so
# a huge review loses the tail of its longest lists and never its verdict.
_RESERVE = 1_000  # headings and <details> wrappers around the budgeted lines
_SECTIONS_CAP = 6_000
_BLOCKING_CAP = 20_000
_CONDITIONS_CAP = 20_000
_FINDINGS_CAP = 15_000
_ITEMS_CAP = 40_000
_RECORDS_CAP = 8_000
_CELL = 160  # characters of text in a table cell
_LINE = 300  # characters of text in a list line
_FINDINGS_PER_CHECK = 10  # unless verbose
_TRACE_LINES = 20
_OPEN_CONDITIONS = 10  # longer lists of conditions are collapsed

_PUNCTUATION = re.compile(r"([\\`*_\[\]<>&|~])")
# A run of backticks, text, and a run of the same length: a code span, shown as it is.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")
_BACKTICKS = re.compile(r"`+")


def render(review: Review, decision: Decision, options: RenderOptions) -> str:
    """The review as GitHub-flavoured Markdown, at most LIMIT characters long."""
    header = _header(review, decision)
    budget = _Budget(LIMIT - len(header) - _RESERVE)
    # Spent in order of importance (findings before conditions), shown in reading order.
    sections = budget.spend(_SECTIONS_CAP, lambda n: _section_table(review, n))
    blocking = budget.spend(_BLOCKING_CAP, lambda n: _blockers("Blocking", decision.blocking, n))
    findings = budget.spend(_FINDINGS_CAP, lambda n: _findings(review, options, n))
    conditions = budget.spend(
        _CONDITIONS_CAP, lambda n: _blockers("Conditions", decision.conditions, n)
    )
    records = budget.spend(_RECORDS_CAP, lambda n: _records(review, options, n))
    everything = budget.spend(
        _ITEMS_CAP, lambda n: _every_item(review, n) if options.show_all else ""
    )
    parts = (header, sections, blocking, conditions, findings, records, everything)
    return "\n\n".join(part for part in parts if part) + "\n"


class _Budget:
    """The characters left for the parts still to come."""

    def __init__(self, left: int) -> None:
        self.left = left

    def spend(self, cap: int, part: Callable[[int], str]) -> str:
        text = part(max(0, min(cap, self.left)))
        self.left -= len(text) + 2
        return text


# --- parts ------------------------------------------------------------------------------------


def _header(review: Review, decision: Decision) -> str:
    icon = "✅" if decision.verdict is Verdict.GO else "❌"
    title = f"## golive: {icon} {decision.verdict.value} — {_inline(_clip(review.service, 100))}"
    facts = [decision.summary]
    if review.profiles:
        noun = "profile" if len(review.profiles) == 1 else "profiles"
        facts.append(f"{noun}: {', '.join(review.profiles)}")
    if review.version:
        facts.append(f"golive {review.version}")
    facts.append("scope: " + ", ".join(kind.value for kind in Kind if kind in review.scope))
    if review.not_evaluated:
        left_out = {ref.kind for item in review.not_evaluated for ref in item.checks}
        kinds = "/".join(kind.value for kind in Kind if kind in left_out)
        facts.append(f"{kinds} checks not run: {_many(len(review.not_evaluated), 'item')}")
    return f"{title}\n\n{_inline(_clip(' · '.join(facts), 1_000))}"


def _section_table(review: Review, budget: int) -> str:
    titles = {section.id: section.title for section in review.sections}
    tallies: dict[str, Counter[Status]] = {s.id: Counter() for s in review.sections if not s.parent}
    for result in review.results:
        top = result.item.section.split(".", 1)[0]
        tallies.setdefault(top, Counter())[result.status] += 1
    tallies = {top: tally for top, tally in tallies.items() if tally}
    if not tallies:
        return ""
    total = sum(tallies.values(), Counter[Status]())
    columns = [status for status in _COLUMNS if status not in _OCCASIONAL or total[status]]
    names = ("n/a" if status is Status.NOT_APPLICABLE else status.value for status in columns)
    head = _row(["Section", *names])
    rule = _row(["---", *(":-:" for _ in columns)])

    def counts(tally: Counter[Status]) -> list[str]:
        return [str(tally[status]) if tally[status] else "" for status in columns]

    rows = [_row([_cell(titles.get(top, top)), *counts(tally)]) for top, tally in tallies.items()]
    kept, more = _within(rows, budget, "sections")
    return _with_note("\n".join([head, rule, *kept, _row(["**Total**", *counts(total)])]), more)


def _records(review: Review, options: RenderOptions, budget: int) -> str:
    """Sign-off and waiver records that need a look: refused, expired, expiring, unused,
    over-broad (every record with `show_all`)."""
    shown = [e for e in review.ledger if options.show_all or e.state is not RecordState.USED]
    if not shown:
        return ""
    rows = [
        _row(
            (
                _cell(entry.state.value),
                _cell(entry.kind),
                _code(entry.item or "?", cell=True),
                _cell(entry.reason),
                _code(entry.path, cell=True),
            )
        )
        for entry in shown
    ]
    head = (
        "### Sign-offs and waivers\n\n| state | record | item | why | file |\n|---|---|---|---|---|"
    )
    blocks, note = _within(rows, budget - len(head) - 80, "record")
    return _with_note(head + "\n" + "\n".join(blocks), note) if blocks else ""


def _blockers(heading: str, blockers: Sequence[Blocker], budget: int) -> str:
    """A table of blocking items or conditions; a long list of conditions is collapsed."""
    if not blockers:
        return ""
    rows = [_blocker_row(blocker) for blocker in blockers]
    head = [_row(["Item", "Level", "Status", "Why"]), _row(["---"] * 4)]
    noun = "blocking items" if heading == "Blocking" else heading.lower()
    table = _join([*head, *rows], budget, noun)
    if heading != "Blocking" and len(blockers) > _OPEN_CONDITIONS:
        return f"### {heading}\n\n{_details(f'{len(blockers)} {noun}', table)}"
    return f"### {heading}\n\n{table}"


def _blocker_row(blocker: Blocker) -> str:
    item = f"{_code(blocker.item, cell=True)} {_cell(blocker.title)}"
    return _row([item, blocker.level.value, _status(blocker.status), _cell(blocker.reason)])


def _findings(review: Review, options: RenderOptions, budget: int) -> str:
    results = [r for r in review.results if r.status in _NEEDS_READING]
    if not results:
        return ""
    blocks = [_item_findings(result, options) for result in results]
    body = _join(blocks, budget, "items with findings")
    return f"### Findings\n\n{_details(_many(len(results), 'item') + ' to read', body)}"


def _every_item(review: Review, budget: int) -> str:
    rows = [
        _row([_code(r.item.id, cell=True), _status(r.status), _cell(r.reason)])
        for r in review.results
    ]
    head = [_row(["Item", "Status", "Reason"]), _row(["---"] * 3)]
    table = _join([*head, *rows], budget, "items")
    return f"### All items\n\n{_details(_many(len(rows), 'item'), table)}"


# --- findings of one item ---------------------------------------------------------------------


def _item_findings(result: ItemResult, options: RenderOptions) -> str:
    item = result.item
    lines = [f"- {_code(item.id)} {_text(item.title)} — {_status(result.status)}"]
    unsettled = [check for check in result.checks if check.outcome.status not in _SETTLED]
    if not unsettled:
        lines.append(f"  - {_text(result.reason)}")
    for check in unsettled:
        lines.extend(_check_lines(check, options))
    return "\n".join(lines)


def _check_lines(check: CheckResult, options: RenderOptions) -> Iterable[str]:
    outcome = check.outcome
    measured = [
        f"{name} {value}"
        for name, value in (("observed", outcome.observed), ("required", outcome.required))
        if value
    ]
    summary = outcome.summary + (f" ({', '.join(measured)})" if measured else "")
    yield f"  - {_code(check.check)} {_status(outcome.status)}: {_text(summary)}"
    shown = len(outcome.findings) if options.verbose else _FINDINGS_PER_CHECK
    for finding in outcome.findings[:shown]:
        where = f"{_code(str(finding.location))} " if finding.location else ""
        rule = f" ({_code(finding.rule)})" if finding.rule else ""
        held = "✓ " if finding.evidence else ""
        yield f"    - {held}{where}{_text(finding.message)}{rule}"
    if (hidden := len(outcome.findings) - shown) > 0:
        yield f"    - … {hidden} more findings"
    fix = (outcome.remediation or "").strip().splitlines()
    if len(fix) == 1:
        yield f"    - Fix: {_text(fix[0])}"
    elif fix:  # a snippet to paste keeps its lines
        yield "    - Fix:"
        yield from _fenced(fix, indent="      ")
    if outcome.charts:
        yield f"    - plots: {len(outcome.charts)} (see --plots)"
    if options.verbose and outcome.facts:
        facts = ", ".join(f"{name}={value}" for name, value in sorted(outcome.facts.items()))
        yield f"    - Facts: {_code(_clip(facts, _LINE))}"
    if options.verbose and outcome.trace:
        yield from _fenced(outcome.trace.splitlines()[-_TRACE_LINES:], indent="    ")


def _fenced(lines: Sequence[str], *, indent: str) -> Iterable[str]:
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    yield indent + fence
    yield from (indent + _clip(line, _LINE) for line in lines)
    yield indent + fence


# --- Markdown text ----------------------------------------------------------------------------


def _join(lines: Sequence[str], budget: int, noun: str) -> str:
    """`lines`, one per line, as many as fit in `budget` characters and a note on the rest."""
    kept, more = _within(lines, budget, noun)
    return _with_note("\n".join(kept), more)


def _within(blocks: Sequence[str], budget: int, noun: str) -> tuple[list[str], str]:
    """The leading `blocks` that fit in `budget` characters, and a line on how many did not."""
    kept: list[str] = []
    used = 0
    for block in blocks:
        used += len(block) + 1
        if used > budget:
            break
        kept.append(block)
    left = len(blocks) - len(kept)
    return kept, f"… {left} more {noun}" if left else ""


def _with_note(text: str, note: str) -> str:
    return f"{text}\n\n{note}" if note else text


def _details(summary: str, body: str) -> str:
    # GitHub renders Markdown inside <details> only after a blank line.
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _status(status: Status) -> str:
    return f"{STATUS_ICONS[status]} {status.value}"


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _cell(text: str) -> str:
    return _inline(_clip(text, _CELL), cell=True)


def _text(text: str) -> str:
    return _inline(_clip(text, _LINE))


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.splitlines())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _code(text: str, *, cell: bool = False) -> str:
    """`text` as a code span, with a fence longer than any run of backticks inside it."""
    text = " ".join(text.splitlines())
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    if cell:
        text = text.replace("|", "\\|")  # a pipe ends a table cell even inside a code span
    return f"{fence}{text}{fence}"


def _inline(text: str, *, cell: bool = False) -> str:
    """`text` on one line, showing as written: its code spans kept, other markup escaped."""
    text = " ".join(text.splitlines())
    out: list[str] = []
    start = 0
    for span in _CODE_SPAN.finditer(text):
        out.append(_escape(text[start : span.start()]))
        out.append(span[0].replace("|", "\\|") if cell else span[0])
        start = span.end()
    out.append(_escape(text[start:]))
    return "".join(out)


def _escape(text: str) -> str:
    return _PUNCTUATION.sub(r"\\\1", text)
