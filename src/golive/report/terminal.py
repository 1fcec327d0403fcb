"""The terminal report: sections, a symbol and colour per status, evidence, the decision last.

Items that need reading (failures, errors, undecided, warnings) are shown with their evidence
and a fix; items waiting for a sign-off or for a planned check are counted per section and
listed with `--all`. Without colour the status is still spelled out, so nothing depends on it.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.text import Text

from golive.model import (
    Blocker,
    CheckResult,
    Decision,
    ItemResult,
    Kind,
    Level,
    RecordState,
    Review,
    Section,
    Status,
    Verdict,
)
from golive.report.base import SHOWN_BY_DEFAULT, RenderOptions
from golive.report.baseline import Comparison

__all__ = ["LOOK", "render"]

# Symbol and style per status; every symbol is one column wide.
LOOK: dict[Status, tuple[str, str]] = {
    Status.PASS: ("✔", "green"),
    Status.FAIL: ("✘", "bold red"),
    Status.WARN: ("!", "yellow"),
    Status.ERROR: ("✖", "bold magenta"),
    Status.UNKNOWN: ("?", "yellow"),
    Status.NOT_APPLICABLE: ("∅", "dim"),
    Status.WAIVED: ("~", "cyan"),
    Status.PENDING: ("…", "blue"),
    Status.EXPIRED: ("⊘", "red"),
    Status.UNVERIFIED: ("○", "dim"),
}
_COUNTED = {
    Status.PENDING: "await sign-off",
    Status.UNVERIFIED: "unverified",
    Status.NOT_APPLICABLE: "not applicable",
}
_FINDINGS_SHOWN = 10
_BLOCKERS_NAMED = 20
_IDS_NAMED = 6


def render(review: Review, decision: Decision, options: RenderOptions) -> str:
    out = io.StringIO()
    console = Console(
        file=out,
        width=options.width,
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        highlight=False,
        emoji=False,
    )
    _header(console, review)
    comparison = options.comparison
    if comparison is not None:
        _changes_header(console, comparison)
    by_section: dict[str, list[ItemResult]] = {}
    for result in review.results:
        if comparison is not None and comparison.of(result.item.id) is None:
            continue
        by_section.setdefault(result.item.section, []).append(result)
    for top, subsections in _tree(review.sections):
        _section(console, top, subsections, by_section, options)
    _ledger(console, review, options)
    _totals(console, review)
    _decision(console, decision)
    return out.getvalue()


_RECORD_LOOK = {
    RecordState.USED: ("✔", "green"),
    RecordState.EXPIRING: ("!", "yellow"),
    RecordState.REFUSED: ("✘", "bold red"),
    RecordState.EXPIRED: ("⊘", "red"),
    RecordState.UNUSED: ("○", "yellow"),
    RecordState.OVER_BROAD: ("!", "yellow"),
    RecordState.IGNORED: ("○", "dim"),
}


def _ledger(console: Console, review: Review, options: RenderOptions) -> None:
    """The sign-off and waiver records worth a look (all of them with --all or --verbose)."""
    everything = options.show_all or options.verbose
    shown = [e for e in review.ledger if everything or e.state is not RecordState.USED]
    if not shown:
        return
    used = len(review.ledger) - len(shown)
    console.print()
    title = Text("Sign-offs and waivers", style="bold")
    if used:
        title.append(f"  ({used} in use not listed; --all lists them)", style="dim")
    console.print(title)
    for entry in shown:
        symbol, style = _RECORD_LOOK[entry.state]
        line = Text("  ")
        line.append(f"{symbol} {entry.state.value} ", style=style)
        line.append(f"{entry.kind} ")
        line.append(entry.item or "?", style="cyan")
        line.append(f"  {entry.reason}")
        console.print(line, overflow="fold")
        console.print(Text(f"      {entry.path}", style="dim"), overflow="fold")


def _tree(sections: Sequence[Section]) -> list[tuple[Section, list[Section]]]:
    """Top-level sections, each with every section nested under it (at any depth), in order."""
    tops: dict[str, tuple[Section, list[Section]]] = {}
    for section in sections:
        top = section.id.partition(".")[0]
        if section.id == top:
            tops[top] = (section, [])
        elif top in tops:
            tops[top][1].append(section)
        else:
            tops[section.id] = (section, [])  # a subsection whose top is not in the checklist
    return list(tops.values())


def _symbol(status: Status) -> Text:
    symbol, style = LOOK[status]
    return Text(f"{symbol} {status.value:<10} ", style=style)


def _header(console: Console, review: Review) -> None:
    title = Text()
    title.append("golive ", style="bold")
    title.append(f"{review.version} · {review.service} · profile {', '.join(review.profiles)}")
    console.print(title)
    kinds = [kind.value for kind in Kind if kind in review.scope and kind is not Kind.ATTEST]
    scope = f"scope: {', '.join(kinds)} checks and sign-offs"
    count, left_out = review.left_out()
    if count:
        names = ", ".join(sorted(kind.value for kind in left_out))
        hint = "; use --live" if left_out == {Kind.LIVE} else ""
        scope += f" · {count} items have {names} checks not run here{hint}"
    console.print(Text(f"{scope} · {review.seconds:.1f} s", style="dim"))


def _section(
    console: Console,
    top: Section,
    subsections: list[Section],
    by_section: dict[str, list[ItemResult]],
    options: RenderOptions,
) -> None:
    groups: list[tuple[Section | None, list[ItemResult]]] = [(None, by_section.get(top.id, []))]
    groups += [(sub, by_section.get(sub.id, [])) for sub in subsections]
    everything = [result for _, results in groups for result in results]
    if not everything:
        return
    console.print()
    heading = Text(top.title, style="bold underline")
    heading.append("  " + _tally(Counter(r.status for r in everything)), style="not underline dim")
    console.print(heading)
    for sub, results in groups:
        if not results:
            continue
        indent = "  "
        if sub is not None:
            console.print(Text(f"  {sub.title}", style="bold"))
            indent = "    "
        shows_all = options.show_all or options.comparison is not None
        for result in results:
            if shows_all or result.status in SHOWN_BY_DEFAULT:
                _item(console, result, indent, options)
        if not shows_all:
            _collapsed(console, results, indent)


def _tally(counts: Counter[Status]) -> str:
    return " ".join(f"{LOOK[s][0]}{counts[s]}" for s in LOOK if counts[s])


def _changes_header(console: Console, comparison: Comparison) -> None:
    tally = Counter(change.kind for change in comparison.changes)
    parts = [f"{count} {kind}" for kind, count in tally.items()] or ["nothing changed"]
    line = Text(f"changes since {comparison.baseline}", style="bold")
    if comparison.taken_at:
        line.append(f" ({comparison.taken_at})", style="dim")
    line.append(": " + ", ".join(parts))
    line.append(f" · {comparison.unchanged} unchanged items not shown", style="dim")
    console.print(line, overflow="fold")
    if comparison.dropped:
        names = ", ".join(comparison.dropped[:_IDS_NAMED])
        more = ", …" if len(comparison.dropped) > _IDS_NAMED else ""
        console.print(Text(f"no longer reviewed: {names}{more}", style="dim"), overflow="fold")


def _item(console: Console, result: ItemResult, indent: str, options: RenderOptions) -> None:
    line = Text(indent)
    line.append_text(_symbol(result.status))
    line.append(f"{result.item.id}  ", style="cyan")
    line.append(result.item.title)
    line.append(f"  [{result.item.level.value}]", style="dim")
    change = options.comparison.of(result.item.id) if options.comparison else None
    if change is not None:
        was = f" (was {change.before})" if change.before else ""
        extra = f", {len(change.new_findings)} new finding(s)" if change.new_findings else ""
        extra += f", {len(change.gone_findings)} gone" if change.gone_findings else ""
        line.append(f"  {change.kind}{was}{extra}", style="bold")
    console.print(line)
    detail = indent + " " * 13
    if result.status is Status.PASS and not options.verbose:
        console.print(Text(f"{detail}{_passed_because(result)}", style="dim"), overflow="fold")
        return
    if result.item.disabled:
        console.print(Text(f"{detail}disabled: {result.item.disabled}", style="dim"))
        return
    quiet = {Status.PASS, Status.NOT_APPLICABLE}  # what needs no reading under a failure
    shown = [c for c in result.checks if options.verbose or c.outcome.status not in quiet]
    for check in shown:
        _check(console, check, detail, options)
    planned = [ref.id for ref in result.item.checks if ref.planned]
    if planned:
        console.print(Text(f"{detail}planned: {', '.join(planned)} (not built yet)", style="dim"))
    if result.item.attest and result.status is Status.PENDING:
        console.print(Text(f"{detail}awaiting {result.item.attest}", style="blue"))
    if result.skipped:
        console.print(Text(f"{detail}not run here: {', '.join(result.skipped)}", style="dim"))


def _passed_because(result: ItemResult) -> str:
    """One line of evidence for a passing item: what a check observed, else what the passing
    checks say (an item's own reason only counts them when it has several)."""
    observed = next((c.outcome.observed for c in result.checks if c.outcome.observed), None)
    if observed:
        return observed
    passing = [c for c in result.checks if c.outcome.status is Status.PASS]
    if len(result.checks) > 1 and passing:
        return "; ".join(f"{c.check}: {c.outcome.summary}" for c in passing)
    return result.reason


def _check(console: Console, check: CheckResult, indent: str, options: RenderOptions) -> None:
    outcome = check.outcome
    line = Text(indent)
    line.append(LOOK[outcome.status][0] + " ", style=LOOK[outcome.status][1])
    line.append(f"{check.check}: ", style="bold")
    line.append(outcome.summary)
    console.print(line, overflow="fold")
    inner = indent + "  "
    if outcome.observed or outcome.required:
        parts = []
        if outcome.observed:
            parts.append(f"observed {outcome.observed}")
        if outcome.required:
            parts.append(f"required {outcome.required}")
        console.print(Text(inner + " · ".join(parts), style="dim"), overflow="fold")
    limit = None if options.verbose else _FINDINGS_SHOWN
    for finding in outcome.findings[:limit]:
        text = Text(inner)
        if finding.evidence:
            text.append("✓ ", style="green")
        if finding.location is not None:
            text.append(str(finding.location), style="underline")
            text.append("  ")
        text.append(finding.message)
        if finding.rule:
            text.append(f"  {finding.rule}", style="dim")
        console.print(text, overflow="fold")
    hidden = len(outcome.findings) - _FINDINGS_SHOWN
    if limit is not None and hidden > 0:
        console.print(Text(f"{inner}… and {hidden} more (--verbose lists all)", style="dim"))
    if outcome.remediation and outcome.status in {Status.FAIL, Status.WARN}:
        fix = outcome.remediation.replace("\n", "\n" + inner + "     ")
        console.print(Text(f"{inner}fix: {fix}", style="green"), overflow="fold")
    if options.verbose:
        for key, value in outcome.facts.items():
            console.print(Text(f"{inner}{key}: {value}", style="dim"), overflow="fold")
        if outcome.trace:
            console.print(
                Text(inner + outcome.trace.rstrip().replace("\n", "\n" + inner), style="magenta")
            )


def _collapsed(console: Console, results: Iterable[ItemResult], indent: str) -> None:
    counts = Counter(r.status for r in results if r.status not in SHOWN_BY_DEFAULT)
    if not counts:
        return
    parts = [f"{LOOK[s][0]} {counts[s]} {phrase}" for s, phrase in _COUNTED.items() if counts[s]]
    console.print(Text(f"{indent}{' · '.join(parts)}  (--all lists them)", style="dim"))


def _totals(console: Console, review: Review) -> None:
    counts = review.counts()
    console.print()
    line = Text(f"{len(review.results)} items  ", style="bold")
    for status, (symbol, style) in LOOK.items():
        if counts[status]:
            line.append(f"{symbol} {counts[status]} {status.value}  ", style=style)
    if review.not_evaluated:
        line.append(f"· {len(review.not_evaluated)} not evaluated in this scope", style="dim")
    console.print(line)


def _decision(console: Console, decision: Decision) -> None:
    console.print()
    go = decision.verdict is Verdict.GO
    verdict = Text()
    badge = "bold white on green" if go else "bold white on red"
    verdict.append(f" {decision.verdict.value} ", style=badge)
    verdict.append(f"  {decision.summary}")
    console.print(verdict, overflow="fold")
    named = [b for b in decision.blocking if b.status not in _COUNTED]
    for blocker in named[:_BLOCKERS_NAMED]:
        _blocker(console, blocker)
    if len(named) > _BLOCKERS_NAMED:
        console.print(Text(f"  … and {len(named) - _BLOCKERS_NAMED} more", style="dim"))
    for status, phrase in _COUNTED.items():
        grouped = [b.item for b in decision.blocking if b.status is status]
        if grouped:
            ids = ", ".join(grouped[:_IDS_NAMED]) + (", …" if len(grouped) > _IDS_NAMED else "")
            symbol, style = LOOK[status]
            console.print(
                Text(f"  {symbol} {len(grouped)} must items {phrase}: {ids}", style=style)
            )
    # Must items that are only conditions (warnings, or undecided under `unknown = "warn"`)
    # and should items that fail are named; the rest of the conditions are counted.
    named = [
        c
        for c in decision.conditions
        if c.level is Level.MUST or c.status in {Status.FAIL, Status.ERROR}
    ]
    if named:
        console.print(Text("  conditions:", style="dim"))
        for condition in named[:_BLOCKERS_NAMED]:
            _blocker(console, condition)
    rest = len(decision.conditions) - min(len(named), _BLOCKERS_NAMED)
    if rest:
        console.print(Text(f"  … {rest} more conditions (--all shows every item)", style="dim"))


def _blocker(console: Console, blocker: Blocker) -> None:
    symbol, style = LOOK[blocker.status]
    line = Text("  ")
    line.append(f"{symbol} ", style=style)
    line.append(f"{blocker.item}", style="cyan")
    line.append(f"  {blocker.reason}")
    console.print(line, overflow="fold")
