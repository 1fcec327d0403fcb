from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from golive.gate import decide
from golive.model import (
    CheckRef,
    CheckResult,
    Finding,
    Item,
    ItemResult,
    Kind,
    Level,
    Location,
    Outcome,
    Policy,
    Review,
    Section,
    Status,
)
from golive.report import Format, RenderOptions, render
from golive.report.markdown import LIMIT, STATUS_ICONS

EXAMPLE = Path(__file__).parents[2] / "examples" / "service"
SECTIONS = (
    Section(id="quality", title="Quality"),
    Section(id="quality.unit", title="Unit tests"),
    Section(id="security", title="Security"),
    Section(id="empty", title="Nothing here"),
)


def result(
    item_id: str, status: Status, *, ran: tuple[CheckResult, ...] = (), **item: Any
) -> ItemResult:
    fields: dict[str, Any] = {"id": item_id, "title": item_id.title(), "level": Level.MUST}
    fields |= {"section": item_id.rpartition(".")[0]} | item
    return ItemResult(item=Item(**fields), status=status, reason=f"it is {status}", checks=ran)


def review(*results: ItemResult, **fields: Any) -> Review:
    defaults: dict[str, Any] = {
        "service": "greeter",
        "profiles": ("production",),
        "root": ".",
        "sections": SECTIONS,
        "scope": frozenset({Kind.STATIC, Kind.TOOL, Kind.ATTEST}),
        "policy": Policy(),
        "version": "0.1.0",
    }
    return Review(results=results, **(defaults | fields))


def markdown(subject: Review, **options: Any) -> str:
    return render(Format.MARKDOWN, subject, decide(subject), RenderOptions(**options))


LINT = CheckResult(
    check="rust.clippy",
    kind=Kind.TOOL,
    outcome=Outcome(
        status=Status.FAIL,
        summary="1 lint",
        findings=(
            Finding(
                message="len zero",
                location=Location(path="src/lib.rs", line=2, column=8),
                rule="clippy::len_zero",
            ),
            Finding(message="no place"),
        ),
        remediation="Run `cargo clippy`.",
        trace="Traceback (most recent call last):\n  boom",
    ),
)
FAILING = review(
    result("quality.unit.clippy", Status.FAIL, ran=(LINT,)),
    result("quality.unit.tests", Status.PASS),
    result("security.tls", Status.WARN, title="TLS | HTTPS"),
    result("security.audit", Status.UNVERIFIED, level=Level.SHOULD),
)
PASSING = review(result("quality.tests", Status.PASS), result("security.tls", Status.WAIVED))


@pytest.fixture(scope="module")
def real() -> Review:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed; the example service needs it")
    from golive.checklist import load_checklist
    from golive.checks.registry import Registry
    from golive.runner import run_review

    registry = Registry.discover()
    return run_review(load_checklist(EXAMPLE, registry), root=EXAMPLE, registry=registry)


def test_no_go_header() -> None:
    summary = decide(FAILING).summary
    assert markdown(FAILING).startswith(f"## golive: ❌ NO-GO — greeter\n\n{summary} · profile")


def test_go_header() -> None:
    assert markdown(PASSING).startswith("## golive: ✅ GO — greeter\n")


def test_header_line_names_profile_version_and_scope() -> None:
    line = markdown(PASSING).splitlines()[2]
    assert line.endswith("· profile: production · golive 0.1.0 · scope: static, tool, attest")


def test_header_counts_items_not_evaluated() -> None:
    live = Item(
        id="perf.p95",
        title="Fast",
        section="perf",
        level=Level.MUST,
        checks=(CheckRef(id="http.latency", kind=Kind.LIVE),),
    )
    assert "· live checks not run: 1 item" in markdown(review(not_evaluated=(live,)))


def test_blocking_table_row() -> None:
    row = "| `quality.unit.clippy` Quality.Unit.Clippy | must | ❌ fail | it is fail |"
    assert (
        f"### Blocking\n\n| Item | Level | Status | Why |\n| --- | --- | --- | --- |\n{row}"
        in markdown(FAILING)
    )


def test_conditions_table_rows() -> None:
    text = markdown(FAILING)
    assert "| `security.audit` Security.Audit | should | 🔘 unverified | it is unverified |" in text
    assert text.index("### Blocking") < text.index("### Conditions")


def test_go_has_no_blocking_section() -> None:
    assert "### Blocking" not in markdown(PASSING)


def test_pipe_in_a_title_is_escaped() -> None:
    assert "| `security.tls` TLS \\| HTTPS | must | ⚠️ warn |" in markdown(FAILING)


def test_pipe_and_newline_inside_code_spans_in_cells() -> None:
    text = markdown(review(result("security.x", Status.FAIL, title="use `a|b`\nnow")))
    assert "| `security.x` use `a\\|b` now |" in text


def test_markup_in_text_is_escaped() -> None:
    text = markdown(review(result("security.x", Status.FAIL, title="<script> *bold* [link](x)")))
    assert "\\<script\\> \\*bold\\* \\[link\\](x)" in text


def test_unmatched_backtick_is_escaped() -> None:
    assert "it\\`s" in markdown(review(result("security.x", Status.FAIL, title="it`s")))


def test_no_raw_html_but_details_and_summary() -> None:
    text = markdown(review(result("security.x", Status.FAIL, title="<b>bold</b>")), show_all=True)
    assert set(re.findall(r"(?<!\\)</?([a-zA-Z]+)", text)) == {"details", "summary"}


def test_section_table_rolls_up_and_omits_empty_sections() -> None:
    text = markdown(FAILING)
    assert "| Section | pass | fail | warn | error | unknown | pending | unverified | n/a |" in text
    assert "| Quality | 1 | 1 |  |  |  |  |  |  |" in text
    assert "| Security |  |  | 1 |  |  |  | 1 |  |" in text
    assert "Unit tests" not in text and "Nothing here" not in text


def test_section_table_adds_waived_column_only_when_used() -> None:
    assert "| waived |" in markdown(PASSING) and "| waived |" not in markdown(FAILING)


def test_findings_list_locations_rules_and_remediation_once() -> None:
    text = markdown(FAILING)
    assert "    - `src/lib.rs:2:8` len zero (`clippy::len_zero`)\n    - no place\n" in text
    assert text.count("Fix: Run `cargo clippy`.") == 1


def test_findings_are_collapsed() -> None:
    text = markdown(FAILING)
    assert "### Findings\n\n<details>\n<summary>2 items to read</summary>\n\n- `quality" in text


def test_trace_only_when_verbose() -> None:
    assert "boom" not in markdown(FAILING) and "    ```\n    Traceback" in markdown(
        FAILING, verbose=True
    )


def test_show_all_lists_every_item() -> None:
    text = markdown(FAILING, show_all=True)
    assert "| `quality.unit.tests` | ✅ pass | it is pass |" in text
    assert "### All items" not in markdown(FAILING)


def test_every_status_has_an_icon() -> None:
    assert set(STATUS_ICONS) == set(Status)


def test_many_conditions_are_collapsed() -> None:
    text = markdown(review(*(result(f"security.c{n}", Status.WARN) for n in range(11))))
    assert "### Conditions\n\n<details>\n<summary>11 conditions</summary>" in text


def test_huge_review_is_truncated_below_the_limit() -> None:
    long = "x" * 400
    results = [
        result(f"security.item{n}", Status.FAIL, title=long, ran=(LINT,)) for n in range(2_000)
    ]
    text = markdown(review(*results), show_all=True, verbose=True)
    assert len(text) <= LIMIT and re.search(r"^… \d+ more blocking items$", text, re.M)


def test_huge_review_keeps_its_verdict_and_says_what_it_left_out() -> None:
    text = markdown(review(*(result(f"security.item{n}", Status.UNVERIFIED) for n in range(2_000))))
    shown = text.count("| 🔘 unverified |")
    assert f"… {2_000 - shown} more blocking items" in text and text.startswith("## golive: ❌")


@pytest.mark.slow
def test_real_review_fits_a_comment(real: Review) -> None:
    text = markdown(real, show_all=True, verbose=True)
    assert len(text) <= LIMIT and "## golive: " in text and "### Findings" in text


def test_long_finding_lists_are_cut_unless_verbose() -> None:
    many = tuple(Finding(message=f"m{n}") for n in range(15))
    noisy = CheckResult(
        check="a.b",
        kind=Kind.STATIC,
        outcome=Outcome(status=Status.FAIL, summary="s", findings=many),
    )
    subject = review(result("security.noisy", Status.FAIL, ran=(noisy,)))
    assert "    - … 5 more findings" in markdown(subject) and "m14" in markdown(
        subject, verbose=True
    )
