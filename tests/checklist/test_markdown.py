from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.checklist.markdown import (
    MarkdownChecklist,
    MarkdownItem,
    parse_checklist,
    slugify,
    to_profile_toml,
)

SEEDS = Path(__file__).parent.parent / "data" / "seeds"

MOCOPR_SECTIONS = [
    "Code Quality and Testing",
    "Security",
    "Performance and Scalability",
    "Monitoring and Observability",
    "Configuration Management",
    "Documentation",
    "Infrastructure and Deployment",
    "Data Management",
    "Compliance and Legal",
    "Operations and Maintenance",
    "Final Pre-Launch Checks",
    "Post-Launch Monitoring",
    "Continuous Improvement",
]


def titles(text: str) -> list[str]:
    return [item.title for item in parse_checklist(text).items]


# --- the seed documents -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mocopr_text() -> str:
    return (SEEDS / "mocopr.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def mocopr(mocopr_text: str) -> MarkdownChecklist:
    return parse_checklist(mocopr_text)


def test_mocopr_has_170_open_items_under_its_title(mocopr: MarkdownChecklist) -> None:
    assert mocopr.title == "Production Readiness Checklist"
    assert len(mocopr.items) == 170
    assert not any(item.checked for item in mocopr.items)


def test_mocopr_sections_in_order_the_last_two_without_subsections(
    mocopr: MarkdownChecklist,
) -> None:
    sections = mocopr.sections()
    assert [name for name, _ in sections] == MOCOPR_SECTIONS
    assert sections[1] == (
        "Security",
        [
            "Input Validation",
            "Authentication and Authorization",
            "Transport Security",
            "Dependency Security",
        ],
    )
    assert sections[-2] == ("Post-Launch Monitoring", [])
    assert sections[-1] == ("Continuous Improvement", [])
    assert all(subsections for _, subsections in sections[:-2])


@pytest.mark.parametrize(
    ("title", "section", "subsection", "line"),
    [
        (
            "No compiler warnings with `cargo clippy`",
            "Code Quality and Testing",
            "Code Quality",
            25,
        ),
        ("Test coverage > 80%", "Code Quality and Testing", "Unit Testing", 10),
        (
            "All `TODO` and `FIXME` comments resolved",
            "Code Quality and Testing",
            "Code Quality",
            27,
        ),
        (
            "Multi-user/concurrent usage tests",
            "Code Quality and Testing",
            "Integration Testing",
            20,
        ),
        ("Stakeholder approval obtained", "Final Pre-Launch Checks", "Go/No-Go Decision", 339),
        ("Process optimization", "Continuous Improvement", None, 357),
    ],
)
def test_mocopr_items_as_written(
    mocopr: MarkdownChecklist, title: str, section: str, subsection: str | None, line: int
) -> None:
    expected = MarkdownItem(
        title=title, checked=False, section=section, subsection=subsection, line=line, indent=0
    )
    assert expected in mocopr.items


def test_mocopr_code_blocks_do_not_leak(mocopr: MarkdownChecklist, mocopr_text: str) -> None:
    task_lines = {
        number
        for number, line in enumerate(mocopr_text.split("\n"), start=1)
        if line.startswith("- [ ] ")
    }
    assert [item.line for item in mocopr.items] == sorted(task_lines)
    leaked = ("cargo", "Json(", "FROM ", "[profile.release]", "Run quality checks")
    assert not [i.title for i in mocopr.items if i.title.startswith(leaked)]
    assert all(item.section in MOCOPR_SECTIONS for item in mocopr.items)


def test_mocopr_profile_parses_with_170_unique_ids(mocopr: MarkdownChecklist) -> None:
    profile = tomllib.loads(to_profile_toml(mocopr, name="mocopr"))
    assert profile["profile"] == {"name": "mocopr", "title": "Production Readiness Checklist"}
    assert len(profile["items"]) == 170
    assert [item["title"] for item in profile["items"].values()] == [
        item.title for item in mocopr.items
    ]
    clippy = "code-quality-and-testing.code-quality.no-compiler-warnings-with-cargo-clippy"
    assert profile["items"][clippy] == {
        "title": "No compiler warnings with `cargo clippy`",
        "section": "code-quality-and-testing.code-quality",
        "level": "should",
        "origin": ["line 25"],
    }
    assert profile["sections"]["continuous-improvement"] == {"title": "Continuous Improvement"}
    assert {item["section"] for item in profile["items"].values()} <= set(profile["sections"])


def test_tusklang_key_value_blocks_have_no_items() -> None:
    checklist = parse_checklist((SEEDS / "tusklang.md").read_text(encoding="utf-8"))
    assert checklist.title == "Production Checklist for TuskLang with Rust"
    assert checklist.items == ()
    assert checklist.sections() == []
    assert "items" not in tomllib.loads(to_profile_toml(checklist, name="tusklang"))


# --- edge cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```markdown\n- [ ] fenced\n```\n- [ ] shown\n", ["shown"]),
        ("````\n```\n- [ ] inner fence does not close\n```\n````\n- [ ] shown\n", ["shown"]),
        ("~~~ text\n```\n- [ ] backticks\n```\n- [ ] still fenced\n~~~\n- [ ] shown\n", ["shown"]),
        ("- [ ] step\n  ```bash\n  - [ ] nested fence\n  ```\n- [ ] shown\n", ["step", "shown"]),
        ("```foo```\n- [ ] shown\n", ["shown"]),  # inline code, not a fence
        ("<!-- - [ ] commented -->\n- [ ] shown\n", ["shown"]),
        ("<!--\n## Hidden\n- [ ] commented\n-->\n- [ ] shown\n", ["shown"]),
        ("  <!-- note\n  - [ ] commented\n  --> - [ ] closing line\n- [ ] shown\n", ["shown"]),
        ("- [ ] inline <!-- remark -->\n- [ ] shown\n", ["inline <!-- remark -->", "shown"]),
    ],
)
def test_fences_and_comments_hide_items(text: str, expected: list[str]) -> None:
    assert titles(text) == expected


def test_an_unclosed_fence_hides_the_rest() -> None:
    assert titles("- [ ] before\n```\n- [ ] after\n") == ["before"]


def test_headings_inside_fences_and_comments_are_not_structure() -> None:
    text = "# Title\n## Real\n```\n# Not a title\n## Not a section\n```\n<!--\n### No\n-->\n- [ ] a"
    checklist = parse_checklist(text)
    assert checklist.title == "Title"
    assert checklist.items[0].section == "Real"
    assert checklist.items[0].subsection is None


@pytest.mark.parametrize(
    ("line", "checked"), [("- [ ] open", False), ("- [x] done", True), ("- [X] done", True)]
)
def test_checked_state(line: str, checked: bool) -> None:
    assert parse_checklist(line).items[0].checked is checked


@pytest.mark.parametrize("marker", ["-", "*", "+", "1.", "10)", "3."])
def test_list_markers(marker: str) -> None:
    assert titles(f"{marker} [ ] item") == ["item"]


@pytest.mark.parametrize(
    "line", ["- [ ]", "- [ ] ", "-[ ] x", "- [ ]x", "- [y] x", "- [] x", "> - [ ] quoted", "[ ] x"]
)
def test_not_task_items(line: str) -> None:
    assert titles(line) == []


def test_nested_items_keep_their_indent() -> None:
    items = parse_checklist("- [ ] a\n  - [ ] b\n    * [x] c\n\t- [ ] d\n").items
    assert [(i.title, i.indent) for i in items] == [("a", 0), ("b", 2), ("c", 4), ("d", 4)]


def test_crlf_bom_and_lone_cr() -> None:
    checklist = parse_checklist("\ufeff# Title\r\n## Ops  \r\n- [ ] a  \r\n\r- [x] b\r\n")
    assert checklist.title == "Title"
    assert [(i.title, i.section, i.line) for i in checklist.items] == [
        ("a", "Ops", 3),
        ("b", "Ops", 5),
    ]


@pytest.mark.parametrize(
    ("heading", "name"),
    [
        ("## Security ##", "Security"),
        ("## Security #####   ", "Security"),
        ("## C#", "C#"),
        ("## ✅ Code Quality", "Code Quality"),
        ("## 🚀 Launch 🚀", "Launch"),
        ("## ✅️Done", "Done"),
        ("## -- Notes --", "Notes"),
        ("## Monitoring & Observability", "Monitoring & Observability"),
        ("## (Optional) Extras", "(Optional) Extras"),
        ("## Is it ready?", "Is it ready?"),
        ("## `cargo` checks", "`cargo` checks"),
        ("## 📋", "📋"),
        ("   ## Indented", "Indented"),
    ],
)
def test_section_headings_are_cleaned(heading: str, name: str) -> None:
    assert parse_checklist(f"{heading}\n- [ ] a\n").items[0].section == name


@pytest.mark.parametrize("heading", ["##", "## #", "    ## code, not a heading", "##nospace"])
def test_empty_or_invalid_headings_name_no_section(heading: str) -> None:
    assert parse_checklist(f"{heading}\n- [ ] a\n").items[0].section is None


def test_structure_levels() -> None:
    text = (
        "# One\n- [ ] top\n## A\n### A1\n#### Detail\n- [ ] a1\n## B\n- [ ] b\n"
        "# Two\n- [ ] after second title\n"
    )
    checklist = parse_checklist(text)
    assert checklist.title == "One"
    assert [(i.section, i.subsection) for i in checklist.items] == [
        (None, None),
        ("A", "A1"),
        ("B", None),
        (None, None),
    ]
    assert checklist.sections() == [("A", ["A1"]), ("B", [])]


def test_never_raises_on_odd_input() -> None:
    for text in ["", "\ufeff", "\x00\r\r\n", "#" * 10_000, "- [ ] " + "x" * 10_000, "<!--"]:
        parse_checklist(text)


# --- slugs and the profile ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("No compiler warnings with `cargo clippy`", "no-compiler-warnings-with-cargo-clippy"),
        ("Test coverage > 80%", "test-coverage-80"),
        ("Critical business logic has 100% test coverage", "critical-business-logic-has-100-test"),
        ("CI/CD Pipeline", "ci-cd-pipeline"),
        ("Don't log secrets", "dont-log-secrets"),
        ("✅ Café straße", "cafe-strasse"),
        ("🚀🚀", "item"),
        ("", "item"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slugify_max_words() -> None:
    assert slugify("one two three four", max_words=2) == "one-two"


def test_profile_ids_are_unique_and_items_without_section_go_to_general() -> None:
    text = (
        "- [ ] Loose\n## Sec\n- [ ] Same\n- [ ] Same!\n### Sub\n- [ ] Same\n## Sec?\n- [ ] Same\n"
    )
    profile = tomllib.loads(to_profile_toml(parse_checklist(text), name="p"))
    assert list(profile["sections"]) == ["general", "sec", "sec.sub", "sec-2"]
    assert list(profile["items"]) == [
        "general.loose",
        "sec.same",
        "sec.same-2",
        "sec.sub.same",
        "sec-2.same",
    ]


def test_profile_without_title_or_items() -> None:
    profile = tomllib.loads(to_profile_toml(MarkdownChecklist(title=None, items=()), name="p"))
    assert profile == {"profile": {"name": "p"}}


def test_profile_escapes_titles() -> None:
    title = 'Quote " backslash \\ tab \t bell \x07 del \x7f `code` \U0001f680'
    item = MarkdownItem(
        title=title, checked=False, section='a "b"', subsection=None, line=1, indent=0
    )
    checklist = MarkdownChecklist(title='T "1"', items=(item,))
    profile = tomllib.loads(to_profile_toml(checklist, name='n\\"'))
    assert profile["profile"] == {"name": 'n\\"', "title": 'T "1"'}
    assert profile["sections"]["a-b"]["title"] == 'a "b"'
    assert [i["title"] for i in profile["items"].values()] == [title]


# --- properties ---------------------------------------------------------------------------------

# Printable as str.isprintable() means it: no controls, no separators other than the space.
printable = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")) | (
    st.just(" ")
)
item_titles = st.text(printable, min_size=1, max_size=40).map(str.strip).filter(bool)
word_char = st.characters(categories=("Lu", "Ll", "Lo", "Nd"))
# A heading that starts and ends with a letter or digit has no decoration to clean away.
headings = st.one_of(
    word_char,
    st.builds(lambda a, b, c: a + b + c, word_char, st.text(printable, max_size=30), word_char),
)
Entry = tuple[str, bool, str, int]  # title, checked, list marker, indent
Document = tuple[str | None, list[tuple[str, list[Entry], list[tuple[str, list[Entry]]]]]]

items = st.lists(
    st.tuples(
        item_titles,
        st.booleans(),
        st.sampled_from(["-", "*", "+", "1.", "2)"]),
        st.integers(0, 8),
    ),
    max_size=4,
)
documents = st.tuples(
    st.none() | headings,
    st.lists(
        st.tuples(headings, items, st.lists(st.tuples(headings, items), max_size=3)), max_size=4
    ),
)


def render(document: Document) -> tuple[str, list[MarkdownItem]]:
    """The Markdown of a generated document, with the items a reader must find in it."""
    title, sections = document
    lines: list[str] = [] if title is None else [f"# {title}", ""]
    expected: list[MarkdownItem] = []

    def add_items(entries: list[Entry], section: str, subsection: str | None) -> None:
        for text, checked, marker, indent in entries:
            lines.append(f"{' ' * indent}{marker} [{'x' if checked else ' '}] {text}")
            expected.append(
                MarkdownItem(
                    title=text,
                    checked=checked,
                    section=section,
                    subsection=subsection,
                    line=len(lines),
                    indent=indent,
                )
            )
        lines.append("")

    for section, direct, subsections in sections:
        lines += [f"## {section}", ""]
        add_items(direct, section, None)
        for subsection, entries in subsections:
            lines += [f"### {subsection}", ""]
            add_items(entries, section, subsection)
    return "\n".join(lines), expected


@given(documents)
def test_rendered_documents_parse_back(document: Document) -> None:
    text, expected = render(document)
    checklist = parse_checklist(text)
    assert checklist.title == document[0]
    assert list(checklist.items) == expected
    sections: dict[str, list[str]] = {}
    for section, direct, subsections in document[1]:
        found = sections.get(section, [])
        for name, entries in subsections:
            if entries and name not in found:
                found.append(name)
        if direct or found:
            sections[section] = found
    assert checklist.sections() == list(sections.items())


@given(st.text())
def test_parse_never_raises(text: str) -> None:
    checklist = parse_checklist(text)
    assert all(item.title and item.title == item.title.strip(" \t") for item in checklist.items)
    assert all(not re.search(r"[\r\n]", item.title) for item in checklist.items)


@given(documents, st.text())
def test_rendered_profile_keeps_titles(document: tuple, name: str) -> None:
    checklist = parse_checklist(render(document)[0])
    profile = tomllib.loads(to_profile_toml(checklist, name=name))
    assert profile["profile"]["name"] == name
    assert [i["title"] for i in profile.get("items", {}).values()] == [
        i.title for i in checklist.items
    ]


arbitrary_items = st.builds(
    MarkdownItem,
    title=st.text(min_size=1),
    checked=st.booleans(),
    section=st.none() | st.text(),
    subsection=st.none() | st.text(),
    line=st.integers(1, 10_000),
    indent=st.integers(0, 20),
)


@given(st.none() | st.text(), st.lists(arbitrary_items, max_size=20), st.text())
def test_profile_always_parses(title: str | None, entries: list[MarkdownItem], name: str) -> None:
    checklist = MarkdownChecklist(title=title, items=tuple(entries))
    profile = tomllib.loads(to_profile_toml(checklist, name=name))
    assert profile["profile"].get("title") == title
    found = profile.get("items", {})
    assert [i["title"] for i in found.values()] == [i.title for i in entries]
    assert [i["origin"] for i in found.values()] == [[f"line {i.line}"] for i in entries]
    assert {i["section"] for i in found.values()} <= set(profile.get("sections", {}))
