"""Read a Markdown task-list checklist and turn it into a golive profile skeleton."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["MarkdownChecklist", "MarkdownItem", "parse_checklist", "slugify", "to_profile_toml"]


@dataclass(frozen=True, kw_only=True)
class MarkdownItem:
    """One task of a Markdown checklist (`- [ ] ...`), where it stands and whether it is ticked."""

    title: str  # as written, inline code kept; surrounding spaces dropped
    checked: bool
    section: str | None  # the `##` heading above it
    subsection: str | None  # the `###` heading above it, reset by each `##`
    line: int  # 1-based
    indent: int  # columns before the list marker (tabs count as 4)


@dataclass(frozen=True, kw_only=True)
class MarkdownChecklist:
    """The tasks of a Markdown checklist in document order, with its `#` title."""

    title: str | None
    items: tuple[MarkdownItem, ...]

    def sections(self) -> list[tuple[str, list[str]]]:
        """The sections holding items, each with its subsections holding items, in order."""
        found: dict[str, list[str]] = {}
        for item in self.items:
            if item.section is None:
                continue
            subsections = found.setdefault(item.section, [])
            if item.subsection is not None and item.subsection not in subsections:
                subsections.append(item.subsection)
        return list(found.items())


# CommonMark ends a line at "\r\n", "\r" or "\n"; str.splitlines would also split at form feeds
# and Unicode separators, which would shift line numbers against what editors show.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Fences and HTML comments may be indented at will, because in a checklist they are usually
# nested in a list item. Indented code blocks are not recognised: nested tasks look the same.
_FENCE = re.compile(r"[ \t]*(?P<fence>`{3,}|~{3,})(?P<info>.*)")
_HEADING = re.compile(r" {0,3}(?P<level>#{1,6})(?:[ \t]+(?P<text>.*))?")
_TASK = re.compile(
    r"(?P<indent>[ \t]*)(?:[-*+]|[0-9]{1,9}[.)])[ \t]+\[(?P<mark>[ xX])\][ \t]+(?P<title>.*)"
)
# Emoji, pictographs, their modifiers and joiners, private-use icons, and code points newer
# than this Python's Unicode database: decoration when they stand at either end of a heading.
# ASCII never is (the backtick of `code` is a modifier symbol too).
_DECORATIVE = frozenset({"So", "Sk", "Cf", "Mn", "Me", "Co", "Cn"})


def parse_checklist(text: str) -> MarkdownChecklist:
    """Read the task items of a Markdown document, with the headings they stand under.

    Only ATX headings (`## Security`) give structure; setext headings (a line underlined with
    `===` or `---`) are ignored, as checklists do not use them and `---` is usually a rule.
    Anything inside a fenced code block or an HTML comment block is skipped. Never raises.
    """
    title: str | None = None
    section: str | None = None
    subsection: str | None = None
    items: list[MarkdownItem] = []
    fence: str | None = None  # the opening fence of the code block we are in
    in_comment = False
    lines = _LINE_BREAK.split(text.removeprefix("\ufeff"))
    for number, line in enumerate(lines, start=1):
        if fence is not None:
            if _closes(line, fence):
                fence = None
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if (opening := _FENCE.fullmatch(line)) and not (
            opening["fence"][0] == "`" and "`" in opening["info"]  # that is inline code
        ):
            fence = opening["fence"]
            continue
        if line.lstrip(" \t").startswith("<!--"):
            in_comment = "-->" not in line
            continue
        if heading := _HEADING.fullmatch(line):
            level, name = len(heading["level"]), _heading_text(heading["text"] or "")
            if level == 1:
                title = name if title is None else title
                section = subsection = None
            elif level == 2:
                section, subsection = name, None
            elif level == 3:
                subsection = name
            continue
        if (task := _TASK.fullmatch(line)) and (item_title := task["title"].strip(" \t")):
            items.append(
                MarkdownItem(
                    title=item_title,
                    checked=task["mark"] != " ",
                    section=section,
                    subsection=subsection,
                    line=number,
                    indent=len(task["indent"].expandtabs(4)),
                )
            )
    return MarkdownChecklist(title=title, items=tuple(items))


def _closes(line: str, fence: str) -> bool:
    """Whether `line` closes a code block opened by `fence` (same character, at least as long)."""
    run = line.strip(" \t")
    return len(run) >= len(fence) and run == fence[0] * len(run)


def _heading_text(raw: str) -> str | None:
    """The text of a heading without its closing hashes and decoration; None when empty."""
    text = raw.strip(" \t")
    without_hashes = text.rstrip("#")
    if not without_hashes or without_hashes[-1] in " \t":  # `## Title ##`, but not `## C#`
        text = without_hashes.rstrip(" \t")
    start = _decoration_length(text)
    end = len(text) - _decoration_length(text[::-1])
    cleaned = text[start:end] if start < end else text  # all decoration: keep it as written
    return cleaned or None


def _decoration_length(text: str) -> int:
    """How many leading characters of `text` are decoration rather than words.

    Decoration is whitespace, emoji-like characters, and whole tokens without a letter or
    digit ("✅ ", "-- "). A token holding a word is kept whole, so "(Optional) Extras" and
    "C++ Guide" keep their punctuation.
    """
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace() or (not char.isascii() and unicodedata.category(char) in _DECORATIVE):
            index += 1
            continue
        token_end = index
        while token_end < len(text) and not text[token_end].isspace():
            token_end += 1
        if any(c.isalnum() for c in text[index:token_end]):
            return index
        index = token_end
    return index


def slugify(title: str, *, max_words: int = 6) -> str:
    """A short id for a title: its first `max_words` words, ASCII, lower case, dash-separated.

    >>> slugify("No compiler warnings with `cargo clippy`")
    'no-compiler-warnings-with-cargo-clippy'
    """
    folded = unicodedata.normalize("NFKD", title.casefold())
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").replace("'", "")
    words = re.findall(r"[a-z0-9]+", ascii_text)[: max(max_words, 0)]
    return "-".join(words) or "item"


def to_profile_toml(checklist: MarkdownChecklist, *, name: str) -> str:
    """A golive profile with one section per heading and one item per task, as TOML text.

    Items get no checks: golive reports each one as unverified until it is mapped. Tasks
    above the first `##` heading go to a section called "General".
    """
    out = [
        "# Imported from a Markdown checklist. No item has a check yet: each one is reported",
        "# as unverified until it is mapped to checks or to a sign-off.",
        "",
        "[profile]",
        f"name = {_toml_string(name)}",
    ]
    if checklist.title is not None:
        out.append(f"title = {_toml_string(checklist.title)}")
    taken: set[str] = set()
    section_ids: dict[tuple[str, str | None], str] = {}

    def section_id(title: str, parent: str | None, key: tuple[str, str | None]) -> str:
        if key not in section_ids:
            wanted = slugify(title) if parent is None else f"{parent}.{slugify(title)}"
            section_ids[key] = _unique(wanted, taken)
            out.extend(["", f"[sections.{_toml_string(section_ids[key])}]"])
            out.append(f"title = {_toml_string(title)}")
        return section_ids[key]

    for item in checklist.items:
        section_title = item.section or "General"
        sid = section_id(section_title, None, (section_title, None))
        if item.subsection is not None:
            sid = section_id(item.subsection, sid, (section_title, item.subsection))
        item_id = _unique(f"{sid}.{slugify(item.title)}", taken)
        out += [
            "",
            f"[items.{_toml_string(item_id)}]",
            f"title = {_toml_string(item.title)}",
            f"section = {_toml_string(sid)}",
            'level = "should"',
            f'origin = ["line {item.line}"]',
        ]
    return "\n".join(out) + "\n"


def _unique(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... whichever is free first; marks it taken."""
    candidate, counter = wanted, 1
    while candidate in taken:
        counter += 1
        candidate = f"{wanted}-{counter}"
    taken.add(candidate)
    return candidate


_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(value: str) -> str:
    """`value` as a TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = []
    for char in value:
        if char in _TOML_ESCAPES:
            escaped.append(_TOML_ESCAPES[char])
        elif char < " " or char == "\x7f":
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'
