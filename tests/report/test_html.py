"""The HTML report as text: one self-contained page, escaped, complete, with a policy that holds."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import pytest

from golive.gate import decide
from golive.model import (
    AttestRequirement,
    Chart,
    CheckRef,
    CheckResult,
    Finding,
    Item,
    ItemResult,
    Kind,
    Level,
    Line,
    Location,
    Match,
    Outcome,
    Policy,
    Review,
    Section,
    Status,
    UnknownPolicy,
)
from golive.report import Format, RenderOptions, render
from golive.report.html import SYMBOLS

HOSTILE = "</style></script><script>alert(\"x\")</script><img src=x onerror='alert(1)'> & co"
VOID = {"meta", "link", "input", "br", "hr", "img"}


def check(status: Status, name: str = "", **outcome: Any) -> CheckResult:
    return CheckResult(
        check=name or f"demo.{status.value}",
        kind=Kind.STATIC,
        outcome=Outcome(status=status, summary=f"it is {status.value}", **outcome),
        seconds=0.1,
    )


def result(status: Status, *, ran: tuple[CheckResult, ...] = (), **item: Any) -> ItemResult:
    fields: dict[str, Any] = {"id": f"ops.{status.value}", "title": status.value.title()}
    fields |= {"section": "ops.deploy", "level": Level.MUST} | item
    reason = fields.pop("reason", f"{status.value}!")
    return ItemResult(item=Item(**fields), status=status, reason=reason, checks=ran)


FAILURE = check(
    Status.FAIL,
    observed="2 markers",
    required="<= 0",
    remediation="Finish the work, or `git rm` it.",
    findings=(
        Finding(
            message="TODO: later",
            location=Location(path="src/a.rs", line=3, column=7),
            fingerprint="fp-todo-a",
        ),
        Finding(message="whole file", location=Location(path="b.rs"), rule="r1", fingerprint="f2"),
        Finding(message="nowhere in particular", fingerprint="f3"),
    ),
    facts={"markers": 2, "ratio": 2 / 3, "odd": float("nan"), "ok": False, "tool": "grep"},
)
SNIPPET = check(Status.WARN, remediation="[profile.release]\nlto = true\n", findings=())
CHART = Chart(
    title="Latency over time",
    x_label="seconds",
    y_label="latency (ms)",
    lines=(Line(name="p99", points=((0.0, 1.0), (1.0, 2.0), (2.0, 1.5))),),
)
LOAD = check(Status.PASS, "load.latency", charts=(CHART, replace(CHART, title="Second chart")))


def every_status() -> Review:
    special = {
        Status.FAIL: FAILURE,
        Status.WARN: SNIPPET,
        Status.ERROR: check(Status.ERROR, trace="Traceback: boom"),
        Status.PASS: LOAD,
    }
    results = [result(s, ran=(special.get(s) or check(s),)) for s in Status]
    disabled = Item(id="ops.off", title="Off", section="ops", level=Level.MAY, disabled="no db")
    attested = result(
        Status.PENDING,
        id="ops.signed",
        attest=AttestRequirement(role="security", expires="90d"),
        checks=(CheckRef(id="demo.planned", kind=Kind.TOOL, planned=True),),
        match=Match.ANY,
        reason="awaiting the sign-off",
    )
    shares = result(Status.PASS, id="perf.shares", section="perf", ran=(LOAD,), level=Level.SHOULD)
    stray = result(Status.UNKNOWN, id="odd one", section="elsewhere.deep", level=Level.SHOULD)
    live = Item(
        id="ops.live",
        title="Answers",
        section="ops",
        level=Level.MUST,
        checks=(CheckRef(id="http.ok", kind=Kind.LIVE),),
    )
    return Review(
        service="démo",
        profiles=("production", "eu"),
        root="/home/someone/secret-checkout",
        sections=(
            Section(id="ops", title="Ops"),
            Section(id="ops.deploy", title="Deploy"),
            Section(id="perf", title="Performance"),
        ),
        results=(
            *results,
            ItemResult(item=disabled, status=Status.NOT_APPLICABLE, reason="disabled: no db"),
            attested,
            shares,
            stray,
        ),
        scope=frozenset({Kind.TOOL, Kind.STATIC, Kind.ATTEST}),
        policy=Policy(),
        not_evaluated=(live,),
        started_at="2025-01-02T03:04:05+00:00",
        seconds=1.23456789,
        version="0.1.0",
        source="golive.toml",
    )


def page(review: Review, *, verbose: bool = False) -> str:
    return render(Format.HTML, review, decide(review), RenderOptions(verbose=verbose))


class _Reader(HTMLParser):
    """The text a browser shows (outside <style> and <script>) and whether tags nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.scripts = 0
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.add(tag)
        if "id" in values:
            self.ids.append(values["id"] or "")
        if "href" in values:
            self.hrefs.append(values["href"] or "")
        if tag == "script":
            self.scripts += 1
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if not self.open or self.open[-1] not in {"style", "script"}:
            self.text.append(data)


def read(text: str) -> _Reader:
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader


def visible(text: str) -> str:
    """The text of `text`, one space between the pieces of text in different elements."""
    return " ".join(" ".join(read(text).text).split())


def part(text: str, start: str, end: str) -> str:
    """`text` from `start` up to the first `end` after it."""
    first = text.index(start)
    return text[first : text.index(end, first)]


def articles(text: str) -> dict[str, str]:
    """Each item's article, by item id."""
    found = re.findall(r'<article id="item-([^"]+)" data-status="(\w+)"', text)
    return dict(found)


def inline(text: str, tag: str) -> str:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.DOTALL)
    assert match is not None
    return match.group(1)


def sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


# --- one file, nothing fetched, a policy that pins what runs ----------------------------------


def test_the_document_is_html5_and_every_tag_closes_in_order() -> None:
    text = page(every_status())
    assert text.startswith('<!DOCTYPE html>\n<html lang="en">') and text.endswith("</html>\n")
    reader = read(text)
    assert reader.errors == [] and reader.open == []


def test_nothing_is_fetched_from_anywhere() -> None:
    text = page(every_status())
    reader = read(text)
    assert reader.scripts == 1 and "<script src" not in text
    assert all(href.startswith(("#", "data:")) for href in reader.hrefs), reader.hrefs
    assert not re.search(r"\b(src|srcset|action|formaction|poster)=", text)
    assert "@import" not in text and "url(" not in text
    # The only address in the page is the SVG namespace, which names and fetches nothing.
    addresses = set(re.findall(r"(?:https?:)?//[\w.-]+\.\w+[^\s\"'<>]*", unquote(text)))
    assert addresses == {"http://www.w3.org/2000/svg"}, addresses


def test_the_policy_pins_the_inline_style_and_script_by_hash() -> None:
    text = page(every_status())
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
    assert policy is not None
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == f"'{sha256(inline(text, 'script'))}'"
    assert directives["style-src"] == f"'{sha256(inline(text, 'style'))}'"
    assert directives["img-src"] == "data:"
    assert "unsafe" not in policy.group(1)
    # Style attributes would need 'unsafe-inline'; the page has none (charts included).
    assert " style=" not in text
    assert text.index("Content-Security-Policy") < text.index("<style>")


def test_the_page_does_not_name_the_absolute_repository_path() -> None:
    assert "secret-checkout" not in page(every_status())


# --- escaping ---------------------------------------------------------------------------------


def hostile() -> Review:
    evil = check(
        Status.FAIL,
        HOSTILE,
        observed=HOSTILE,
        required=HOSTILE,
        remediation=f"{HOSTILE}\n</pre>{HOSTILE}",
        findings=(
            Finding(
                message=HOSTILE,
                location=Location(path=f"{HOSTILE}.rs", line=1, column=2),
                rule=HOSTILE,
                fingerprint=HOSTILE,
            ),
        ),
        facts={HOSTILE: HOSTILE},
        charts=(replace(CHART, title=HOSTILE, lines=(Line(name=HOSTILE, points=((1, 1),)),)),),
        trace=HOSTILE,
    )
    bad = result(Status.FAIL, id=HOSTILE, title=HOSTILE, section=HOSTILE, ran=(evil,))
    return Review(
        service=HOSTILE,
        profiles=(HOSTILE,),
        root=".",
        sections=(Section(id=HOSTILE, title=HOSTILE),),
        results=(replace(bad, reason=HOSTILE, skipped=(HOSTILE,)),),
        scope=frozenset({Kind.STATIC}),
        policy=Policy(),
        not_evaluated=(Item(id=HOSTILE, title=HOSTILE, section=HOSTILE, level=Level.MUST),),
        started_at=HOSTILE,
        version=HOSTILE,
        source=HOSTILE,
    )


def test_hostile_text_is_escaped_everywhere_and_shows_literally() -> None:
    text = page(hostile(), verbose=True)
    reader = read(text)
    assert reader.errors == [] and reader.scripts == 1
    assert text.count("<script") == 1 and text.count("</script>") == 1
    assert text.count("<style") == 1 and text.count("</style>") == 1
    assert "img" not in reader.tags and "<img" not in text
    shown = "".join(reader.text)
    # Every place the text goes: title, service, item, check, finding, fix, fact, chart, trace.
    assert shown.count(HOSTILE) >= 12, shown.count(HOSTILE)
    assert "&lt;/style&gt;&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)" in text


def test_code_spans_become_code_and_nothing_else_becomes_markup() -> None:
    review = every_status()
    fail = next(r for r in review.results if r.status is Status.FAIL)
    tricky = replace(fail.item, title="Run `<b>bold</b>` and `x`")
    review = replace(review, results=(replace(fail, item=tricky),))
    text = page(review)
    assert "Run <code>&lt;b&gt;bold&lt;/b&gt;</code> and <code>x</code>" in text


# --- content ----------------------------------------------------------------------------------


def test_the_banner_gives_the_verdict_the_service_and_the_summary() -> None:
    review = every_status()
    text = page(review)
    banner = text[text.index('<header class="banner"') : text.index("</header>")]
    assert '<p class="verdict" id="verdict">NO-GO</p>' in banner
    assert "golive review of démo" in banner and decide(review).summary in visible(banner)
    assert "<title>golive NO-GO: démo</title>" in text


def test_a_go_review_has_a_green_banner_and_icon() -> None:
    review = every_status()
    fine = tuple(r for r in review.results if r.status in {Status.PASS, Status.NOT_APPLICABLE})
    text = page(replace(review, results=fine))
    assert '<header class="banner go" id="top">' in text and ">GO</p>" in text
    assert "%231a7f37" in text  # the icon's colour
    assert "No item blocks." in text


def test_blocking_items_and_conditions_link_to_their_items() -> None:
    review = every_status()
    decision = decide(review)
    text = page(review)
    section = text[text.index('<section id="decision"') : text.index('<section id="counts"')]
    ids = set(read(text).ids)
    for blocker in (*decision.blocking, *decision.conditions):
        anchor = f"item-{blocker.item.replace(' ', '~20~')}"
        assert f'href="#{anchor}"' in section and anchor in ids
    assert f"Blocking items ({len(decision.blocking)}, all must)" in section
    assert f"Conditions ({len(decision.conditions)})" in section
    assert "fail!" in section  # the reason


def test_many_conditions_are_collapsed() -> None:
    review = every_status()
    many = tuple(
        result(Status.FAIL, id=f"ops.c{n}", level=Level.SHOULD, ran=(check(Status.FAIL),))
        for n in range(11)
    )
    text = page(replace(review, results=many))
    assert "<details><summary>Show the 11 conditions</summary>" in text


def test_counts_name_each_status_that_occurs() -> None:
    text = page(every_status())
    tally = part(text, '<ul class="tally">', "</ul>")
    assert 'data-only="not_applicable"' in tally and "<b>2</b> not applicable" in tally
    assert "<b>2</b> pass" in tally and "<b>2</b> unknown" in tally
    assert "14 items; 1 more not evaluated in this scope." in visible(text)


def test_the_section_table_counts_each_section_and_the_total() -> None:
    text = page(every_status())
    table = part(text, '<table class="counts">', "</table>")
    rows = [visible(row) for row in re.findall(r"<tr.*?</tr>", part(table, "<tbody>", "</tbody>"))]
    # Columns: fail error expired unknown warn pending unverified waived pass not applicable.
    assert rows == [
        "Ops 1 1 1 1 1 2 1 1 1 2 12",  # everything under ops, its subsections included
        "Deploy 1 1 1 1 1 2 1 1 1 1 11",
        "Performance 1 1",
        "elsewhere.deep 1 1",
        "Total 1 1 1 2 1 2 1 1 2 2 14",
    ]


def test_every_item_is_listed_once_with_its_status() -> None:
    review = every_status()
    listed = articles(page(review))
    assert len(listed) == len(review.results)
    assert {r.item.id: r.status.value for r in review.results} == {
        item.replace("~20~", " "): status for item, status in listed.items()
    }


def test_items_of_an_undeclared_section_are_listed_under_its_id() -> None:
    text = page(every_status())
    assert '<section class="group" id="sec-elsewhere.deep">' in text
    assert "<h3>elsewhere.deep" in text and 'id="item-odd~20~one"' in text


def test_an_item_shows_level_reason_and_notes() -> None:
    text = page(every_status())
    shown = visible(part(text, '<article id="item-ops.signed"', "</article>"))
    assert "… pending ops.signed Pending must blocks GO awaiting the sign-off" in shown
    assert "needs a sign-off by security, valid 90d" in shown
    assert (
        "one passing check is enough" in shown and "planned, not built yet: demo.planned" in shown
    )


def test_a_check_shows_summary_observed_required_findings_and_fix() -> None:
    text = page(every_status())
    shown = visible(text)
    assert "✘ fail demo.fail : it is fail observed 2 markers required <= 0" in shown
    assert "src/a.rs:3:7 TODO: later fp-todo-a" in shown
    assert "b.rs whole file r1 f2" in shown and "nowhere in particular f3" in shown
    assert "Fix: Finish the work, or git rm it." in shown
    assert "<code>git rm</code>" in text


def test_a_remediation_snippet_keeps_its_lines() -> None:
    assert "<pre>[profile.release]\nlto = true</pre>" in page(every_status())


def test_facts_are_sorted_and_collapsed() -> None:
    text = page(every_status())
    assert (
        "<details><summary>Facts (5)</summary>"
        "<pre>markers = 2\nodd = nan\nok = false\nratio = 0.666667\ntool = grep</pre></details>"
    ) in text


def test_a_traceback_only_when_verbose() -> None:
    assert "Traceback: boom" not in page(every_status())
    assert "<summary>Traceback</summary><pre>Traceback: boom</pre>" in page(
        every_status(), verbose=True
    )


def test_charts_are_inline_svg_drawn_once_for_a_shared_run() -> None:
    text = page(every_status())
    assert text.count("<svg ") == 2 and "<?xml" not in text
    assert '<svg role="img" aria-label="Latency over time" ' in text
    assert '<svg role="img" aria-label="Second chart" ' in text
    assert 'Charts: drawn under <a href="#item-ops.pass"><code>ops.pass</code></a>' in text


def test_the_reason_is_not_repeated_when_a_check_says_it() -> None:
    review = every_status()
    fail = next(r for r in review.results if r.status is Status.FAIL)
    once = replace(fail, reason="demo.fail: it is fail")
    text = page(replace(review, results=(once,)))
    assert visible(text).count("it is fail") == 1 + 1  # the decision table, the check


def test_items_not_evaluated_are_listed_with_their_kinds() -> None:
    text = page(every_status())
    section = text[text.index('<section id="not-evaluated"') :]
    assert "Not evaluated in this scope (1)" in section
    assert (
        '<td><code>ops.live</code> Answers</td><td><i class="must">must</i></td><td>live</td>'
        in section
    )


def test_the_metadata_of_the_review() -> None:
    text = page(every_status())
    about = visible(text[text.index('<section id="about"') :])
    for expected in (
        "Service démo",
        "Profiles production, eu",
        "Checklist golive.toml",
        "Started 2025-01-02T03:04:05+00:00",
        "Duration 1.2 s",
        "Scope static, tool, attest",
        "Left out 1 item with live checks this run did not include",
        "Policy undecided must items block; waivers accepted",
        "golive 0.1.0",
    ):
        assert expected in about


def test_a_lenient_strict_policy_is_described() -> None:
    review = replace(every_status(), policy=Policy(unknown=UnknownPolicy.WARN, strict=True))
    about = visible(page(review))
    assert "undecided must items are conditions; no waivers accepted (strict)" in about


def test_the_filters_are_hidden_until_the_script_shows_them() -> None:
    text = page(every_status())
    assert (
        '<div id="filters" class="filters" role="search" aria-label="Filter the items" hidden>'
        in text
    )
    boxes = re.findall(r'<input type="checkbox" name="status" value="(\w+)" checked>', text)
    assert boxes == [
        "fail", "error", "expired", "unknown", "warn", "pending", "unverified", "waived", "pass",
        "not_applicable",
    ]  # fmt: skip


def test_item_anchors_are_distinct_for_awkward_ids() -> None:
    review = every_status()
    base = review.results[0]
    awkward = ("a b", "a~20~b", "a#b", 'a"b', "ünï")
    results = tuple(replace(base, item=replace(base.item, id=name)) for name in awkward)
    ids = [i for i in read(page(replace(review, results=results))).ids if i.startswith("item-")]
    assert len(set(ids)) == len(awkward)
    assert all(re.fullmatch(r"item-[A-Za-z0-9_.:~-]+", i) for i in ids)


def test_an_empty_review_still_renders() -> None:
    empty = Review(
        service="s", profiles=(), root=".", sections=(), results=(), scope=frozenset(),
        policy=Policy(),
    )  # fmt: skip
    text = page(empty)
    assert "The review has no items." in text and read(text).errors == []


def test_symbols_are_the_terminal_ones() -> None:
    from golive.report.terminal import LOOK

    assert {status: symbol for status, (symbol, _) in LOOK.items()} == SYMBOLS


def test_five_thousand_items_render_well_under_a_second() -> None:
    review = every_status()
    many = tuple(
        replace(r, item=replace(r.item, id=f"{r.item.id}.{n}"))
        for n in range(5000 // len(review.results) + 1)
        for r in review.results
    )[:5000]
    review = replace(review, results=many)
    decision = decide(review)
    start = time.perf_counter()
    text = render(Format.HTML, review, decision, RenderOptions())
    elapsed = time.perf_counter() - start
    assert len(articles(text)) == 5000
    assert elapsed < 1.0, f"{elapsed:.2f} s"  # about 0.2 s on a laptop


@pytest.mark.parametrize("name", ["style.css", "report.js"])
def test_the_assets_cannot_end_their_element_early(name: str) -> None:
    from importlib.resources import files

    asset = files("golive.report").joinpath("html", name).read_text("utf-8")
    assert "</" not in asset and "url(" not in asset and "@import" not in asset


def test_sign_off_and_waiver_records_are_listed() -> None:
    from golive.model import LedgerEntry, RecordState

    entry = LedgerEntry(
        kind="waiver",
        path=".golive/waivers/w.json",
        state=RecordState.REFUSED,
        reason="signed by an unknown key <script>",
        item="docker.non-root",
        signers=(),
        digest="0" * 64,
    )
    text = page(replace(every_status(), ledger=(entry,)))
    assert '<section id="ledger"' in text and 'href="#ledger"' in text
    assert "signed by an unknown key &lt;script&gt;" in text
    assert "<code>.golive/waivers/w.json</code>" in text
    assert read(text).errors == []
