"""The HTML report: one self-contained page to read a review in a browser, offline.

Styles and the filter script are inlined and pinned by their SHA-256 in a Content-Security-
Policy, so the page loads nothing and runs nothing else; charts are inline SVG. Every item is
in the page, grouped by section; the script only hides and shows them, and without it the
report reads the same.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files
from urllib.parse import quote

from golive.model import (
    Blocker,
    Chart,
    CheckResult,
    Decision,
    Finding,
    ItemResult,
    Kind,
    Level,
    Match,
    Review,
    Section,
    Status,
    UnknownPolicy,
    Verdict,
)
from golive.report.base import RenderOptions
from golive.report.svg import chart_svg

__all__ = ["SYMBOLS", "content_security_policy", "render"]

# The terminal report's symbols, so a status looks alike wherever it is read.
SYMBOLS = {
    Status.PASS: "✔",
    Status.FAIL: "✘",
    Status.WARN: "!",
    Status.ERROR: "✖",
    Status.UNKNOWN: "?",
    Status.NOT_APPLICABLE: "∅",
    Status.WAIVED: "~",
    Status.PENDING: "…",
    Status.EXPIRED: "⊘",
    Status.UNVERIFIED: "○",
}
# Reading order of statuses in counts, tables and filters: the broken first, the settled last.
_ORDER = (
    *(Status.FAIL, Status.ERROR, Status.EXPIRED, Status.UNKNOWN, Status.WARN, Status.PENDING),
    *(Status.UNVERIFIED, Status.WAIVED, Status.PASS, Status.NOT_APPLICABLE),
)
_OPEN_CONDITIONS = 10  # longer lists of conditions are collapsed
_OPEN_FINDINGS = 20  # findings of a check shown before the rest are collapsed
_FACT_DIGITS = 6
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_UNSAFE_IN_ID = re.compile(r"[^A-Za-z0-9_.:-]")


def render(review: Review, decision: Decision, options: RenderOptions) -> str:
    """The review as one HTML5 document that needs nothing but a browser.

    Every item is listed whatever `options.show_all` says (the page filters them);
    `options.verbose` adds the traceback of each crashed check.
    """
    style, script = _asset("style.css"), _asset("report.js")
    colour = "#1a7f37" if decision.verdict is Verdict.GO else "#cf222e"
    icon = (
        "data:image/svg+xml,"
        + quote(f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
                f"<circle cx='8' cy='8' r='7' fill='{colour}'/></svg>")
    )  # fmt: skip
    page = _Page(review, decision, options)
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        f'content="{content_security_policy(style, script)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        '<meta name="referrer" content="no-referrer">',
        f'<meta name="generator" content="golive {_e(review.version)}">',
        f"<title>golive {decision.verdict.value}: {_e(review.service)}</title>",
        f'<link rel="icon" href="{_e(icon)}">',
        f"<style>{style}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#items">Skip to the items</a>',
    ]
    body = [
        *_banner(review, decision),
        "<main>",
        *_contents(review),
        *_decision(decision, page),
        *_tally(review),
        *_section_table(page),
        *_items(page),
        *_not_evaluated(review),
        *_ledger(review),
        *_about(review),
        "</main>",
        f"<footer>Written by golive {_e(review.version)}. This page loads nothing from the "
        "network; its filters need JavaScript, everything else reads without it.</footer>",
        f"<script>{script}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join([*head, *body]) + "\n"


def content_security_policy(style: str, script: str) -> str:
    """A policy that lets the page run exactly `script` and apply exactly `style`, inline,
    and fetch nothing but `data:` images (the icon)."""
    return (
        f"default-src 'none'; style-src '{_sha256(style)}'; script-src '{_sha256(script)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


@cache
def _asset(name: str) -> str:
    """A static file of the page as it is inlined: without its indentation and its comment
    lines, which every copy of the report would otherwise carry."""
    text = files("golive.report").joinpath("html", name).read_text("utf-8")
    # Inlined as the content of <style> or <script>: a closing tag inside would end it early.
    if "</" in text:
        raise ValueError(f"report/html/{name} must not contain '</'")
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith(("//", "/*")))


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


# --- the structure of the review --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Group:
    """A top-level section with its items, and each nested section with its own."""

    id: str
    title: str
    own: tuple[ItemResult, ...]
    subsections: tuple[tuple[str, str, tuple[ItemResult, ...]], ...]

    @property
    def results(self) -> tuple[ItemResult, ...]:
        return self.own + tuple(r for _, _, results in self.subsections for r in results)


class _Page:
    """What several parts of the page need: the groups, who blocks, where items link to."""

    def __init__(self, review: Review, decision: Decision, options: RenderOptions) -> None:
        self.review = review
        self.options = options
        self.groups = _groups(review.sections, review.results)
        self.listed = {result.item.id for result in review.results}
        self.blocking = {blocker.item for blocker in decision.blocking}
        self.conditions = {blocker.item for blocker in decision.conditions}
        # A check run shared by several items draws its charts once, under the first of them.
        self.charts: dict[tuple[str, tuple[Chart, ...]], str] = {}


def _groups(sections: Sequence[Section], results: Sequence[ItemResult]) -> list[_Group]:
    """Sections in checklist order, each nested one under its top-level section; items of a
    section the checklist does not declare still appear, under their id."""
    by_section: dict[str, list[ItemResult]] = {}
    for result in results:
        by_section.setdefault(result.item.section, []).append(result)
    titles = {section.id: section.title for section in sections}
    tops: dict[str, list[str]] = {}
    for section_id in [*titles, *(s for s in by_section if s not in titles)]:
        top = section_id.partition(".")[0]
        if section_id == top or top not in tops:
            tops.setdefault(section_id, [])
        else:
            tops[top].append(section_id)
    groups = []
    for top, nested in tops.items():
        subsections = tuple(
            (sub, titles.get(sub, sub), tuple(by_section.get(sub, ()))) for sub in nested
        )
        group = _Group(
            id=top,
            title=titles.get(top, top),
            own=tuple(by_section.get(top, ())),
            subsections=tuple(s for s in subsections if s[2]),
        )
        if group.results:
            groups.append(group)
    return groups


# --- parts ------------------------------------------------------------------------------------


def _banner(review: Review, decision: Decision) -> Iterable[str]:
    go = decision.verdict is Verdict.GO
    yield f'<header class="banner{" go" if go else ""}" id="top">'
    yield f'<p class="verdict" id="verdict">{decision.verdict.value}</p>'
    yield f"<h1>golive review of {_e(review.service)}</h1>"
    yield f'<p class="summary">{_text(decision.summary)}</p>'
    facts = []
    if review.profiles:
        noun = "profile" if len(review.profiles) == 1 else "profiles"
        facts.append(f"{noun} {_e(', '.join(review.profiles))}")
    if review.started_at:
        facts.append(_e(review.started_at))
    if review.version:
        facts.append(f"golive {_e(review.version)}")
    if facts:
        yield f"<p>{' · '.join(facts)}</p>"
    yield "</header>"


def _contents(review: Review) -> Iterable[str]:
    links = [("decision", "Decision"), ("counts", "Counts"), ("sections", "Sections")]
    links.append(("items", "Items"))
    if review.not_evaluated:
        links.append(("not-evaluated", "Not evaluated"))
    if review.ledger:
        links.append(("ledger", "Sign-offs and waivers"))
    links.append(("about", "About this review"))
    yield '<nav aria-label="Contents"><ul>'
    yield from (f'<li><a href="#{anchor}">{name}</a></li>' for anchor, name in links)
    yield "</ul></nav>"


def _decision(decision: Decision, page: _Page) -> Iterable[str]:
    yield '<section id="decision" aria-labelledby="decision-h">'
    yield f'<h2 id="decision-h">Decision: {decision.verdict.value}</h2>'
    if decision.blocking:
        yield from _blockers("Blocking items", decision.blocking, page)
    else:
        yield "<p>No item blocks.</p>"
    if decision.conditions:
        yield from _blockers("Conditions", decision.conditions, page)
    yield "</section>"


def _blockers(heading: str, blockers: Sequence[Blocker], page: _Page) -> Iterable[str]:
    """A table of blockers, each linking to its item; the level gets a column only when
    the blockers differ in it (blocking items are usually all `must`)."""
    levels = {blocker.level for blocker in blockers}
    same = f", all {next(iter(levels)).value}" if len(levels) == 1 else ""
    yield f"<h3>{heading} ({len(blockers)}{same})</h3>"
    collapsed = heading == "Conditions" and len(blockers) > _OPEN_CONDITIONS
    if heading == "Conditions":
        yield "<p>They do not block, but deserve attention before going live.</p>"
    if collapsed:
        yield f"<details><summary>Show the {len(blockers)} conditions</summary>"
    level = "" if same else '<th scope="col">Level</th>'
    yield '<div class="wrap"><table><thead><tr><th scope="col">Status</th>'
    yield f'<th scope="col">Item</th>{level}<th scope="col">Why</th></tr></thead><tbody>'
    for blocker in blockers:
        item = _code(blocker.item)
        if blocker.item in page.listed:
            item = f'<a href="#{_anchor("item", blocker.item)}">{item}</a>'
        level = "" if same else f"<td>{_level(blocker.level)}</td>"
        yield (
            f"<tr><td>{_badge(blocker.status)}</td><td>{item} {_text(blocker.title)}</td>"
            f"{level}<td>{_text(blocker.reason)}</td></tr>"
        )
    yield "</tbody></table></div>"
    if collapsed:
        yield "</details>"


def _tally(review: Review) -> Iterable[str]:
    counts = review.counts()
    yield '<section id="counts" aria-labelledby="counts-h">'
    sentence = _many(len(review.results), "item")
    if review.not_evaluated:
        sentence += f"; {len(review.not_evaluated)} more not evaluated in this scope"
    yield f'<h2 id="counts-h">Counts by status</h2><p>{sentence}.</p>'
    if review.results:
        yield '<ul class="tally">'
        for status in _ORDER:
            if counts[status]:
                yield (
                    f'<li class="s-{status.value}"><a href="#items" data-only="{status.value}">'
                    f'<span class="st">{SYMBOLS[status]}</span> <b>{counts[status]}</b> '
                    f"{_name(status)}</a></li>"
                )
        yield "</ul>"
    yield "</section>"


def _section_table(page: _Page) -> Iterable[str]:
    yield '<section id="sections" aria-labelledby="sections-h">'
    yield '<h2 id="sections-h">Sections</h2>'
    if not page.groups:
        yield "<p>The review has no items.</p></section>"
        return
    total = Counter(result.status for result in page.review.results)
    columns = [status for status in _ORDER if total[status]]
    yield '<div class="wrap"><table class="counts"><thead><tr><th scope="col">Section</th>'
    yield "".join(f'<th scope="col">{_badge(status)}</th>' for status in columns)
    yield '<th scope="col">Total</th></tr></thead><tbody>'

    def row(cell: str, results: Sequence[ItemResult], css: str = "") -> str:
        tally = Counter(result.status for result in results)
        numbers = "".join(f"<td>{tally[status] or ''}</td>" for status in columns)
        return f"<tr{css}>{cell}{numbers}<td>{len(results)}</td></tr>"

    for group in page.groups:
        link = f'<a href="#{_anchor("sec", group.id)}">{_e(group.title)}</a>'
        yield row(f'<th scope="row">{link}</th>', group.results)
        for sub_id, title, results in group.subsections:
            link = f'<a href="#{_anchor("sec", sub_id)}">{_e(title)}</a>'
            yield row(f'<td class="sub">{link}</td>', results)
    yield row("<td>Total</td>", page.review.results, ' class="total"')
    yield "</tbody></table></div></section>"


def _items(page: _Page) -> Iterable[str]:
    review = page.review
    counts = review.counts()
    yield '<section id="items" aria-labelledby="items-h">'
    yield f'<h2 id="items-h">Items ({len(review.results)})</h2>'
    # Shown by the script: without it there is nothing to filter with, and every item shows.
    yield '<div id="filters" class="filters" role="search" aria-label="Filter the items" hidden>'
    yield "<fieldset><legend>Status</legend>"
    for status in _ORDER:
        if counts[status]:
            yield (
                f'<label class="s-{status.value}"><input type="checkbox" name="status" '
                f'value="{status.value}" checked> {_badge(status)} ({counts[status]})</label>'
            )
    yield "</fieldset>"
    yield '<button type="button" data-quick="all">All</button>'
    yield (
        '<button type="button" data-quick="attention" title="Everything but pass, '
        'not applicable and waived">Needs attention</button>'
    )
    if page.blocking:
        yield '<label><input type="checkbox" id="blocking-only"> Blocking only</label>'
    yield '<label for="search">Search</label>'
    yield '<input type="search" id="search" placeholder="id, title, file, message (/)">'
    yield '<p id="shown" aria-live="polite"></p>'
    yield "</div>"
    yield '<p id="no-match" hidden>No item matches the filters.</p>'
    for group in page.groups:
        yield f'<section class="group" id="{_anchor("sec", group.id)}">'
        yield f"<h3>{_e(group.title)} {_counts(group.results)}</h3>"
        yield from (_item(result, page) for result in group.own)
        for sub_id, title, results in group.subsections:
            yield f'<section class="sub" id="{_anchor("sec", sub_id)}">'
            yield f"<h4>{_e(title)}</h4>"
            yield from (_item(result, page) for result in results)
            yield "</section>"
        yield "</section>"
    yield "</section>"


def _counts(results: Sequence[ItemResult]) -> str:
    """A section's counts in its heading: symbols to the eye, words to a screen reader."""
    tally = Counter(result.status for result in results)
    return " ".join(
        f'<small class="st s-{status.value}">{SYMBOLS[status]}{tally[status]}'
        f'<span class="vh"> {_name(status)}</span></small>'
        for status in _ORDER
        if tally[status]
    )


def _item(result: ItemResult, page: _Page) -> str:
    item = result.item
    marks = ""
    if item.id in page.blocking:
        marks = ' data-blocking=""'
    parts = [
        f'<article id="{_anchor("item", item.id)}" data-status="{result.status.value}"{marks}>',
        f"<h5>{_mark(result.status)} {_code(item.id)} {_text(item.title)} {_level(item.level)}",
    ]
    if item.id in page.blocking:
        parts.append(" <strong>blocks GO</strong>")
    elif item.id in page.conditions:
        parts.append(" <em>condition</em>")
    parts.append("</h5>")
    if not _reason_repeats_check(result):
        parts.append(f"<p>{_text(result.reason)}</p>")
    notes = []
    if item.disabled and item.disabled not in result.reason:
        notes.append(f"disabled: {_text(item.disabled)}")
    if item.attest is not None and str(item.attest) not in result.reason:
        notes.append(f"needs a {_e(str(item.attest))}")
    if item.match is Match.ANY:
        notes.append("one passing check is enough")
    if item.planned:
        notes.append(f"planned, not built yet: {_codes(item.planned)}")
    if result.skipped:
        notes.append(f"not run here: {_codes(result.skipped)}")
    if notes:
        parts.append(f'<p class="meta">{"; ".join(notes)}</p>')
    parts.extend(_check(check, result, page) for check in result.checks)
    parts.append("</article>")
    return "".join(parts)


def _reason_repeats_check(result: ItemResult) -> bool:
    """Whether the item's reason only repeats what one of its checks says below it."""
    said = {f"{check.check}: {check.outcome.summary}" for check in result.checks}
    if len(result.checks) == 1:
        said.add(result.checks[0].outcome.summary)
    return result.reason in said


def _check(check: CheckResult, result: ItemResult, page: _Page) -> str:
    outcome = check.outcome
    parts = [
        f'<div data-status="{outcome.status.value}">',
        f"<p>{_mark(outcome.status)} {_code(check.check)}: {_text(outcome.summary)}</p>",
    ]
    measured = (("observed", outcome.observed), ("required", outcome.required))
    if outcome.observed or outcome.required:
        parts.append("<dl>")
        parts.extend(f"<dt>{name}</dt><dd>{_text(value)}</dd>" for name, value in measured if value)
        parts.append("</dl>")
    if outcome.findings:
        parts.append(_findings(outcome.findings))
    fix = (outcome.remediation or "").strip()
    if "\n" in fix:  # a snippet to paste keeps its lines
        parts.append(f'<div class="fix"><b>Fix</b><pre>{_e(fix)}</pre></div>')
    elif fix:
        parts.append(f'<p class="fix"><b>Fix:</b> {_text(fix)}</p>')
    if outcome.charts:
        parts.append(_charts(check, result, page))
    if outcome.facts:
        parts.append(_facts(outcome.facts))
    if page.options.verbose and outcome.trace:
        parts.append(
            f"<details><summary>Traceback</summary><pre>{_e(outcome.trace)}</pre></details>"
        )
    parts.append("</div>")
    return "".join(parts)


def _findings(findings: Sequence[Finding]) -> str:
    lines = [_finding(finding) for finding in findings]
    shown, rest = lines[:_OPEN_FINDINGS], lines[_OPEN_FINDINGS:]
    text = f'<ul class="findings">{"".join(shown)}</ul>'
    if rest:
        text += (
            f"<details><summary>{_many(len(rest), 'more finding')}</summary>"
            f'<ul class="findings">{"".join(rest)}</ul></details>'
        )
    return text


def _finding(finding: Finding) -> str:
    parts = ['<li class="held"><span class="held-mark">✓</span> ' if finding.evidence else "<li>"]
    if finding.location is not None:
        parts.append(f'<code class="loc">{_e(str(finding.location))}</code> ')
    parts.append(_text(finding.message))
    if finding.rule:
        parts.append(f" {_code(finding.rule)}")
    if finding.fingerprint:
        parts.append(f' <code class="fp">{_e(finding.fingerprint)}</code>')
    parts.append("</li>")
    return "".join(parts)


def _charts(check: CheckResult, result: ItemResult, page: _Page) -> str:
    key = (check.check, check.outcome.charts)
    home = page.charts.get(key)
    if home is not None:
        return (
            f'<p class="muted">Charts: drawn under <a href="#{_anchor("item", home)}">'
            f"{_code(home)}</a>, which shares this check's run.</p>"
        )
    page.charts[key] = result.item.id
    figures = []
    for chart in check.outcome.charts:
        svg = chart_svg(chart)
        svg = svg[svg.index("<svg ") :]  # the XML declaration has no place inside HTML
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{_e(chart.title)}" ', 1)
        figures.append(f'<figure class="chart">{svg}</figure>')
    return "".join(figures)


def _facts(facts: Mapping[str, str | int | float | bool]) -> str:
    lines = "\n".join(f"{name} = {_fact(facts[name])}" for name in sorted(facts))
    return f"<details><summary>Facts ({len(facts)})</summary><pre>{_e(lines)}</pre></details>"


def _fact(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value):
        return str(round(value, _FACT_DIGITS))
    return str(value)


def _not_evaluated(review: Review) -> Iterable[str]:
    if not review.not_evaluated:
        return
    count = len(review.not_evaluated)
    yield '<section id="not-evaluated" aria-labelledby="not-evaluated-h">'
    yield f'<h2 id="not-evaluated-h">Not evaluated in this scope ({count})</h2>'
    yield "<p>Every check of these items is of a kind this run did not include.</p>"
    yield '<div class="wrap"><table><thead><tr><th scope="col">Item</th>'
    yield '<th scope="col">Level</th><th scope="col">Kinds of check</th></tr></thead><tbody>'
    for item in review.not_evaluated:
        kinds = ", ".join(kind.value for kind in Kind if any(r.kind is kind for r in item.checks))
        yield (
            f"<tr><td>{_code(item.id)} {_text(item.title)}</td><td>{_level(item.level)}</td>"
            f"<td>{kinds}</td></tr>"
        )
    yield "</tbody></table></div></section>"


def _ledger(review: Review) -> Iterable[str]:
    """Every sign-off and waiver record of `.golive/`, and what the review made of it."""
    if not review.ledger:
        return
    yield '<section id="ledger" aria-labelledby="ledger-h">'
    yield f'<h2 id="ledger-h">Sign-offs and waivers ({len(review.ledger)})</h2>'
    yield '<div class="wrap"><table><thead><tr><th scope="col">State</th>'
    yield '<th scope="col">Record</th><th scope="col">Item</th><th scope="col">Why</th>'
    yield '<th scope="col">Signed by</th><th scope="col">File</th></tr></thead><tbody>'
    for entry in review.ledger:
        item = _code(entry.item) if entry.item else "?"
        yield (
            f"<tr><td>{_e(entry.state.value)}</td><td>{_e(entry.kind)}</td><td>{item}</td>"
            f"<td>{_text(entry.reason)}</td><td>{_e(', '.join(entry.signers) or '—')}</td>"
            f"<td>{_code(entry.path)}</td></tr>"
        )
    yield "</tbody></table></div></section>"


def _about(review: Review) -> Iterable[str]:
    policy = review.policy
    undecided = (
        "undecided must items block"
        if policy.unknown is UnknownPolicy.BLOCK
        else "undecided must items are conditions"
    )
    waivers = "no waivers accepted (strict)" if policy.strict else "waivers accepted"
    scope = ", ".join(kind.value for kind in Kind if kind in review.scope) or "none"
    count, left_out = review.left_out()
    rows = [
        ("Service", _e(review.service)),
        ("Profiles", _e(", ".join(review.profiles)) or "none"),
        ("Checklist", _code(review.source) if review.source else "the built-in catalog only"),
        ("Started", _e(review.started_at) or "unknown"),
        ("Duration", f"{review.seconds:.1f} s"),
        ("Scope", scope),
        ("Left out", _left_out(count, left_out)),
        ("Policy", f"{undecided}; {waivers}"),
        ("golive", _e(review.version) or "unknown"),
    ]
    yield '<section id="about" aria-labelledby="about-h">'
    yield '<h2 id="about-h">About this review</h2><dl class="about">'
    yield from (f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    yield "</dl></section>"


def _left_out(count: int, kinds: frozenset[Kind]) -> str:
    if not count:
        return "nothing: every check of every item was in scope"
    names = ", ".join(kind.value for kind in Kind if kind in kinds)
    return f"{_many(count, 'item')} with {names} checks this run did not include"


# --- HTML text --------------------------------------------------------------------------------


def _e(text: str) -> str:
    return escape(text, quote=True)


def _text(text: str) -> str:
    """`text` escaped, its `code spans` shown as code."""
    return _CODE_SPAN.sub(r"<code>\1</code>", _e(text))


def _code(text: str) -> str:
    return f"<code>{_e(text)}</code>"


def _codes(texts: Iterable[str]) -> str:
    return ", ".join(_code(text) for text in texts)


def _badge(status: Status) -> str:
    return f'<b class="st s-{status.value}">{SYMBOLS[status]} {_name(status)}</b>'


def _mark(status: Status) -> str:
    """A status inside an item or a check, which give it its colour (`data-status`)."""
    return f"<b>{SYMBOLS[status]} {_name(status)}</b>"


def _name(status: Status) -> str:
    return status.value.replace("_", " ")


def _level(level: Level) -> str:
    return f'<i class="must">{level.value}</i>' if level is Level.MUST else f"<i>{level.value}</i>"


def _anchor(prefix: str, name: str) -> str:
    """An id for the page from an item or section id: characters that a URL fragment or a
    CSS selector would trip over become `~hex~`, so distinct names stay distinct."""
    return f"{prefix}-" + _UNSAFE_IN_ID.sub(lambda m: f"~{ord(m[0]):x}~", name)


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
