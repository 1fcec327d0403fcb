from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from golive_cli import golive
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt  # rich's Markdown parser, a CommonMark one

from golive.checklist.markdown import parse_checklist
from golive.gate import decide
from golive.model import (
    AttestRequirement,
    CheckRef,
    CheckResult,
    Item,
    ItemResult,
    Kind,
    Level,
    Match,
    Outcome,
    Policy,
    Review,
    Section,
    Status,
)
from golive.report.json import to_data
from golive.report.markdown_checklist import (
    MARKER,
    NOTE_LIMIT,
    ItemStatus,
    WriteBack,
    item_statuses,
    item_statuses_from_json,
    write_back,
)

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "service"
SEED = ROOT / "tests" / "data" / "seeds" / "mocopr.md"  # the MoCoPr checklist, as published
COMMONMARK = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def status(
    title: str,
    state: Status | None = Status.PASS,
    *,
    item: str | None = None,
    section: str | None = None,
    subsection: str | None = None,
    evidence: str = "it holds",
    check: str | None = None,
    not_run: tuple[str, ...] = (),
) -> ItemStatus:
    return ItemStatus(
        item=item or title.lower().replace(" ", "-"),
        title=title,
        section=section,
        subsection=subsection,
        status=state,
        reason=evidence,
        evidence=evidence,
        check=check,
        not_run=not_run,
    )


def lines(result: WriteBack) -> list[str]:
    return result.text.split("\n")


def note(line: str) -> str:
    """The visible note of a task line: from the dash after golive's marker."""
    return line.split(MARKER, 1)[1].strip()


# --- ticking ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [*Status, None])
def test_a_box_is_ticked_only_for_a_pass(state: Status | None) -> None:
    result = write_back("- [ ] Backups\n", [status("Backups", state)])
    box = "[x]" if state is Status.PASS else "[ ]"
    assert result.text.startswith(f"- {box} Backups {MARKER} — ")
    assert [task.ticked for task in result.matched] == [state is Status.PASS]
    label = "not evaluated" if state is None else state.value.replace("_", " ")
    assert f" {label}: it holds" in result.text


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        (Status.PASS, "— ✅ pass: coverage 84 % (coverage.line) · 2025-06-01"),
        (Status.FAIL, "— ❌ fail: coverage 84 % (coverage.line) · 2025-06-01"),
        (Status.WAIVED, "— 🛡️ waived: coverage 84 % (coverage.line) · 2025-06-01"),
        (Status.NOT_APPLICABLE, "— ➖ not applicable: coverage 84 % (coverage.line) · 2025-06-01"),  # noqa: RUF001
        (None, "— ⏭️ not evaluated: coverage 84 % (coverage.line) · 2025-06-01"),
    ],
)
def test_the_note_shows_status_evidence_check_and_date(state: Status | None, shown: str) -> None:
    item = status("Coverage", state, evidence="coverage 84 %", check="coverage.line")
    result = write_back("- [ ] Coverage\n", [item], now="2025-06-01T09:30:00+00:00")
    assert note(lines(result)[0]) == shown


def test_a_pass_with_checks_left_out_is_partly_verified_and_not_ticked() -> None:
    item = status("TLS", evidence="ingress has TLS", check="k8s.tls", not_run=("tls.versions",))
    result = write_back("- [x] TLS\n", [item])
    assert (
        lines(result)[0]
        == f"- [ ] TLS {MARKER} — ◐ partly verified: ingress has TLS (k8s.tls); not run: tls.versions"
    )
    assert [t.item for t in result.cleared] == ["tls"]


def test_a_tick_by_hand_is_cleared_when_golive_does_not_find_the_item_satisfied() -> None:
    text = "- [x] Backups\n- [X] Alerts\n- [x] Docs\n"
    items = [status("Backups", Status.FAIL), status("Alerts"), status("Docs", Status.PENDING)]
    result = write_back(text, items)
    assert [line[:5] for line in lines(result)[:3]] == ["- [ ]", "- [X]", "- [ ]"]
    assert [(t.line, t.item) for t in result.cleared] == [(1, "backups"), (3, "docs")]
    assert [t.item for t in result.ticked] == ["alerts"]
    assert result.summary() == (
        "1 ticked, 2 unticked (2 ticks cleared); 0 tasks matching no item, 0 ambiguous; "
        "0 items without a task"
    )


# --- matching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "No compiler warnings with `cargo clippy`",
        "no  compiler WARNINGS with cargo clippy.",
        "No compiler warnings with ``cargo clippy``:",
        "No compiler warnings with cargo clippy!?",
        "Ｎｏ compiler warnings with cargo clippy",  # noqa: RUF001 (full-width, NFKC folds it)
        "No compiler warnings\twith `cargo clippy` ",
    ],
)
def test_titles_match_whatever_their_case_spacing_code_and_final_punctuation(
    written: str,
) -> None:
    result = write_back(f"- [ ] {written}\n", [status("No compiler warnings with `cargo clippy`")])
    assert [t.line for t in result.ticked] == [1]
    assert result.unmatched == () and result.without_task == ()


def test_the_same_title_twice_is_told_apart_by_its_headings() -> None:
    text = "## Security\n### Input\n- [ ] Tested\n### Output\n- [ ] Tested\n## Ops\n- [ ] Tested\n"
    items = [
        status("Tested", Status.FAIL, item="ops", section="Ops"),
        status("Tested", item="out", section="Security", subsection="Output"),
        status("Tested", Status.PENDING, item="in", section="SECURITY", subsection="input"),
    ]
    result = write_back(text, items)
    assert [(t.line, t.item, t.ticked) for t in result.matched] == [
        (3, "in", False),
        (5, "out", True),
        (7, "ops", False),
    ]


def test_a_unique_title_matches_under_other_headings() -> None:
    result = write_back("## Moved\n- [ ] Tested\n", [status("Tested", section="Elsewhere")])
    assert [t.item for t in result.ticked] == ["tested"]


def test_a_task_golive_cannot_tell_apart_stays_as_it_was() -> None:
    text = "## A\n- [x] Tested\n- [ ] Tested \n## B\n- [ ] Tested\n"
    items = [
        status("Tested", Status.FAIL, item="a1", section="A"),
        status("Tested", Status.FAIL, item="a2", section="A"),
        status("Tested", Status.FAIL, item="b", section="B"),
    ]
    result = write_back(text, items)
    assert lines(result)[:3] == ["## A", "- [x] Tested", "- [ ] Tested "]
    assert [(t.line, t.candidates) for t in result.ambiguous] == [
        (2, ("a1", "a2")),
        (3, ("a1", "a2")),
    ]
    assert [t.item for t in result.matched] == ["b"]
    assert [s.item for s in result.without_task] == ["a1", "a2"]


def test_unmatched_tasks_and_items_without_a_task_are_listed() -> None:
    text = "# Title\n\n- [x] Ours\n* [ ] Theirs <!-- golive --> — ✅ pass: stale\n"
    result = write_back(text, [status("Ours"), status("Missing")])
    assert lines(result)[3] == "* [ ] Theirs <!-- golive --> — ✅ pass: stale"
    assert [(t.line, t.title, t.ambiguous) for t in result.unmatched] == [(4, "Theirs", False)]
    assert [s.item for s in result.without_task] == ["missing"]
    assert result.summary() == (
        "1 ticked, 0 unticked; 1 task matching no item, 0 ambiguous; 1 item without a task"
    )


# --- preserving the document ------------------------------------------------------------------


def test_everything_but_the_matched_task_lines_is_kept_byte_for_byte() -> None:
    text = (
        "\ufeff# Launch\r\n\r\nSome *prose*  \r\n"
        "```md\r\n- [ ] Backups\r\n```\r\n"
        "<!--\r\n- [ ] Backups\r\n-->\r\n"
        "1. [ ] Backups\r"
        "\t+ [x]\tAlerts  \n"
        "   12) [ ] Docs"
    )
    items = [status("Backups", Status.FAIL), status("Alerts"), status("Docs")]
    result = write_back(text, items)
    assert result.text == (
        "\ufeff# Launch\r\n\r\nSome *prose*  \r\n"
        "```md\r\n- [ ] Backups\r\n```\r\n"
        "<!--\r\n- [ ] Backups\r\n-->\r\n"
        f"1. [ ] Backups {MARKER} — ❌ fail: it holds\r"
        f"\t+ [x]\tAlerts {MARKER} — ✅ pass: it holds  \n"
        f"   12) [x] Docs {MARKER} — ✅ pass: it holds"
    )
    assert [t.line for t in result.matched] == [10, 11, 12]


def test_a_second_write_back_replaces_the_note() -> None:
    first = write_back("- [ ] Backups  \n", [status("Backups")], now="2025-06-01")
    assert first.text == f"- [x] Backups {MARKER} — ✅ pass: it holds · 2025-06-01  \n"
    later = write_back(
        first.text, [status("Backups", Status.FAIL, evidence="no job")], now="2025-07-01"
    )
    assert later.text == f"- [ ] Backups {MARKER} — ❌ fail: no job · 2025-07-01  \n"
    assert (
        write_back(
            later.text, [status("Backups", Status.FAIL, evidence="no job")], now="2025-07-01"
        ).text
        == later.text
    )


def test_a_reason_cannot_break_the_line_or_the_list() -> None:
    evil = (
        "line one\nline two\r- [ ] fake task <!-- comment --> [link](x) *em* `code | $x$ & ~s~ \\"
    )
    text = "- [ ] Backups\n- [ ] Next\n"
    result = write_back(text, [status("Backups", Status.FAIL, evidence=evil * 3)])
    first = lines(result)[0]
    assert len(lines(result)) == 3 and lines(result)[1] == "- [ ] Next"
    assert len(note(first)) <= NOTE_LIMIT + len(re.findall(r"\\", note(first)))
    html = COMMONMARK.render(result.text)
    assert html.count("<li>") == 2
    assert html.count("<!--") == 1  # golive's marker; the reason's comment is shown as text
    assert "<a " not in html and "<em>" not in html and "<code>" not in html
    assert "&lt;!-- comment --&gt; [link](x) *em* `code | $x$ &amp; ~s~" in html
    assert "…" in first


def test_a_long_summary_is_clipped_before_the_name_of_its_check() -> None:
    item = status("Backups", Status.FAIL, evidence="word " * 50, check="backup.schedule")
    visible = note(lines(write_back("- [ ] Backups\n", [item], now="2025-06-01"))[0])
    assert len(visible) <= NOTE_LIMIT
    assert visible.endswith("word… (backup.schedule) · 2025-06-01")


@pytest.mark.parametrize("now", ["yesterday", "06/01/2025", "2025-6-1"])
def test_now_must_be_an_iso_date(now: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        write_back("- [ ] Backups\n", [status("Backups")], now=now)


def test_no_date_without_now() -> None:
    assert (
        write_back("- [ ] A\n", [status("A")], now="").text
        == f"- [x] A {MARKER} — ✅ pass: it holds\n"
    )


# --- from a review ----------------------------------------------------------------------------

SECTIONS = (
    Section(id="quality", title="Code Quality and Testing"),
    Section(id="quality.unit", title="Unit Testing"),
    Section(id="post", title="Post-Launch Monitoring"),
)


def ran(check: str, state: Status, summary: str) -> CheckResult:
    return CheckResult(
        check=check, kind=Kind.STATIC, outcome=Outcome(status=state, summary=summary)
    )


def review() -> Review:
    def result(
        item: Item, state: Status, reason: str, *checks: CheckResult, skipped: tuple[str, ...] = ()
    ) -> ItemResult:
        return ItemResult(item=item, status=state, reason=reason, checks=checks, skipped=skipped)

    item = Item(
        id="tests.coverage", title="Test coverage > 80%", section="quality.unit", level=Level.MUST
    )
    signed = replace(
        item, id="review", title="Code review", attest=AttestRequirement(role="eng", expires="30d")
    )
    live = CheckRef(id="tls.versions", kind=Kind.LIVE)
    tls = replace(item, id="tls", title="TLS", section="quality", checks=(live,))
    probes = replace(tls, id="probes", title="Probes", match=Match.ANY)
    errors = replace(item, id="errors", title="Error rates", section="post", checks=(live,))
    results = (
        result(
            item,
            Status.FAIL,
            "coverage.line: 62 % < 80 %",
            ran("coverage.line", Status.PASS, "lcov read"),
            ran("coverage.line", Status.FAIL, "62 % < 80 %"),
        ),
        result(signed, Status.PENDING, "awaiting sign-off by eng, valid 30d"),
        result(
            tls,
            Status.PASS,
            "k8s.tls: ingress has TLS",
            ran("k8s.tls", Status.PASS, "ingress has TLS"),
            skipped=("tls.versions",),
        ),
        result(
            probes,
            Status.PASS,
            "k8s.probes: probed",
            ran("k8s.probes", Status.PASS, "probed"),
            skipped=("tls.versions",),
        ),
    )
    return Review(
        service="demo",
        profiles=("mocopr",),
        root="/somewhere",
        sections=SECTIONS,
        results=results,
        scope=frozenset({Kind.STATIC, Kind.ATTEST}),
        policy=Policy(),
        not_evaluated=(errors,),
        started_at="2025-06-01T09:30:00+00:00",
        version="0.0.0",
    )


EXPECTED = [
    ItemStatus(
        item="tests.coverage",
        title="Test coverage > 80%",
        section="Code Quality and Testing",
        subsection="Unit Testing",
        status=Status.FAIL,
        reason="coverage.line: 62 % < 80 %",
        evidence="62 % < 80 %",
        check="coverage.line",
    ),
    ItemStatus(
        item="review",
        title="Code review",
        section="Code Quality and Testing",
        subsection="Unit Testing",
        status=Status.PENDING,
        reason="awaiting sign-off by eng, valid 30d",
        evidence="awaiting sign-off by eng, valid 30d",
    ),
    ItemStatus(
        item="tls",
        title="TLS",
        section="Code Quality and Testing",
        subsection=None,
        status=Status.PASS,
        reason="k8s.tls: ingress has TLS",
        evidence="ingress has TLS",
        check="k8s.tls",
        not_run=("tls.versions",),
    ),
    ItemStatus(
        item="probes",
        title="Probes",
        section="Code Quality and Testing",
        subsection=None,
        status=Status.PASS,
        reason="k8s.probes: probed",
        evidence="probed",
        check="k8s.probes",
    ),
    ItemStatus(
        item="errors",
        title="Error rates",
        section="Post-Launch Monitoring",
        subsection=None,
        status=None,
        reason="its live checks were outside this review's scope",
        evidence="its live checks were outside this review's scope",
    ),
]


def test_item_statuses_of_a_review() -> None:
    statuses = item_statuses(review())
    assert statuses == EXPECTED
    assert [s.satisfied for s in statuses] == [False, False, False, True, False]


def test_the_json_report_gives_the_same_item_statuses() -> None:
    data = json.loads(json.dumps(to_data(review(), decide(review()))))
    assert item_statuses_from_json(data) == EXPECTED


def test_only_a_review_document_is_read() -> None:
    with pytest.raises(ValueError, match=r"golive\.review/v1.*'golive\.sarif'"):
        item_statuses_from_json({"schema": "golive.sarif"})


# --- properties -------------------------------------------------------------------------------

words = st.text(st.sampled_from("abcXYZ019 `*_<>!.-#[]\\"), min_size=1, max_size=14)
titles = words.map(lambda w: w.strip(" \t")).filter(lambda w: any(c.isalnum() for c in w))
task_lines = st.builds(
    lambda indent, marker, mark, gap, title, old, trail: (
        f"{indent}{marker} [{mark}]{gap}{title}{old}{trail}"
    ),
    st.sampled_from(["", "  ", "\t", "    "]),
    st.sampled_from(["-", "*", "+", "1.", "10)"]),
    st.sampled_from([" ", "x", "X"]),
    st.sampled_from([" ", "\t", "  "]),
    titles,
    st.sampled_from(["", f" {MARKER} — ✅ pass: old", f"{MARKER}— ❌ fail: older · 2020-01-01"]),
    st.sampled_from(["", " ", "  \t"]),
)
other_lines = st.one_of(
    st.builds(lambda level, w: f"{level} {w}", st.sampled_from(["#", "##", "###"]), titles),
    st.sampled_from(["", "text", "- [ ]", "- plain item", "---"]),
    words,
)
# Fences and comment blocks hide the tasks after them until they close: rarer, so that most
# documents have tasks outside them too.
block_lines = st.sampled_from(["```", "~~~~", "<!--", "-->", "  ```", "<!-- one line -->"])
documents = st.builds(
    lambda bom, parts, ends, final: (
        bom
        + "".join(line + ends[i % len(ends)] for i, line in enumerate(parts[:-1]))
        + (parts[-1] if parts else "")
        + (final if parts else "")
    ),
    st.sampled_from(["", "\ufeff"]),
    st.lists(
        st.one_of(
            st.lists(task_lines, min_size=1, max_size=5),
            st.lists(other_lines | block_lines, max_size=1),
        ),
        min_size=1,
        max_size=10,
    ).map(lambda chunks: [line for chunk in chunks for line in chunk]),
    st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=3),
    st.sampled_from(["", "\n", "\r\n"]),
)
reasons = st.text(max_size=200)


@settings(deadline=None)
@given(documents)
def test_without_matching_items_the_document_is_unchanged(document: str) -> None:
    # "§" never occurs in a generated title: these items match no task.
    result = write_back(
        document, [status("§ nothing"), status("§ other", Status.FAIL)], now="2025-06-01"
    )
    assert result.text == document
    assert result.matched == ()
    assert len(result.unmatched) == len(parse_checklist(document).items)


@settings(max_examples=200, deadline=None)  # a loaded CI machine is slow, not wrong
@given(documents, st.data())
def test_a_second_write_back_changes_nothing(document: str, data: st.DataObject) -> None:
    tasks = parse_checklist(document).items
    chosen = data.draw(
        st.lists(st.sampled_from(tasks), unique_by=lambda t: t.line) if tasks else st.just([])
    )
    items = [
        status(
            task.title.split(MARKER)[0].strip(" \t"),
            data.draw(st.sampled_from([*Status, None])),
            item=f"item-{task.line}",
            section=data.draw(st.sampled_from([task.section, "Elsewhere", None])),
            subsection=task.subsection,
            evidence=data.draw(reasons),
            check=data.draw(st.none() | st.just("some.check")),
            not_run=data.draw(st.sampled_from([(), ("live.one",)])),
        )
        for task in chosen
    ]
    now = data.draw(st.sampled_from([None, "2025-06-01", "2025-06-01T09:30:00Z"]))
    first = write_back(document, items, now=now)
    again = write_back(first.text, items, now=now)
    assert again.text == first.text
    assert again.matched == tuple(replace(t, was_ticked=t.ticked) for t in first.matched)
    # Only matched task lines changed, each to the box golive's evidence gives.
    before = re.split(r"\r\n|\r|\n", document.removeprefix("\ufeff"))
    after = re.split(r"\r\n|\r|\n", first.text.removeprefix("\ufeff"))
    assert len(after) == len(before)
    changed = {t.line: t for t in first.matched}
    for number, (old, new) in enumerate(zip(before, after, strict=True), start=1):
        if number not in changed:
            assert new == old
        else:
            box = re.match(r"[ \t]*(?:[-*+]|[0-9]+[.)])[ \t]+\[(.)\]", new)
            assert box is not None and (box[1] != " ") == changed[number].ticked
            assert len(note(new).replace("\\", "")) <= NOTE_LIMIT
    assert [t.line for t in parse_checklist(first.text).items] == [t.line for t in tasks]
    assert first.text.startswith("\ufeff") == document.startswith("\ufeff")


# --- the MoCoPr checklist and a real review ---------------------------------------------------


@pytest.fixture(scope="module")
def mocopr_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example service reviewed against the MoCoPr profile, as its own checklist."""
    config = tmp_path_factory.mktemp("mocopr") / "golive.toml"
    config.write_text('[service]\nname = "greeter"\nprofiles = ["mocopr"]\n', "utf-8")
    return config


@pytest.fixture(scope="module")
def cli_document(mocopr_config: Path) -> dict[str, Any]:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed; the example service needs it")
    out = mocopr_config.parent / "review.json"
    run = golive("check", EXAMPLE, "--config", mocopr_config, "-f", f"json={out}")
    assert run.returncode == 1, run.stderr  # NO-GO: the example misses parts of MoCoPr
    document: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return document


@pytest.mark.slow
def test_the_mocopr_checklist_is_written_back_from_a_real_review(
    cli_document: dict[str, Any],
) -> None:
    seed = SEED.read_text("utf-8")
    statuses = item_statuses_from_json(cli_document)
    result = write_back(seed, statuses, now=cli_document["started_at"])
    assert len(result.matched) == 170
    assert result.unmatched == () and result.without_task == ()
    by_id = {s.item: s for s in statuses}
    # Every seed task went to the item of its title, under its headings.
    for task, matched in zip(parse_checklist(seed).items, result.matched, strict=True):
        item = by_id[matched.item]
        assert (task.line, task.title) == (matched.line, item.title)
        assert (task.section, task.subsection) == (item.section, item.subsection)
    passing = {i["id"] for i in cli_document["items"] if i["status"] == "pass"}
    partial = {
        i["id"]
        for i in cli_document["items"]
        if i["status"] == "pass" and i["skipped"] and i["match"] == "all"
    }
    assert {t.item for t in result.ticked} == passing - partial
    assert partial <= {"security.transport.tls", "metrics.sla"}  # their live checks did not run
    assert len(result.ticked) >= 40
    new = result.text.split("\n")
    assert new[result.ticked[0].line - 1].startswith("- [x] ")
    assert write_back(result.text, statuses, now=cli_document["started_at"]).text == result.text
    # Nothing but task lines changed: headings, prose and the code blocks are as published.
    task_lines = {t.line for t in result.matched}
    assert [line for n, line in enumerate(new, 1) if n not in task_lines] == [
        line for n, line in enumerate(seed.split("\n"), 1) if n not in task_lines
    ]


@pytest.mark.slow
def test_a_review_in_process_and_its_json_report_agree(mocopr_config: Path) -> None:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed; the example service needs it")
    from golive.checklist import load_checklist
    from golive.checks.registry import Registry
    from golive.runner import run_review

    registry = Registry.discover()
    checklist = load_checklist(EXAMPLE, registry, config=mocopr_config)
    real = run_review(checklist, root=EXAMPLE, registry=registry)
    statuses = item_statuses(real)
    assert statuses == item_statuses_from_json(to_data(real, decide(real)))
    result = write_back(SEED.read_text("utf-8"), statuses)
    assert result.unmatched == () and result.without_task == ()
    assert {t.item for t in result.ticked} == {s.item for s in statuses if s.satisfied}
