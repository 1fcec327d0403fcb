"""Reading documentation text: headings with their levels, and the lines that are code."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Heading", "code_lines", "headings"]

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-{2,})[ \t]*$")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`*+#:.])\1+[ \t]*$")


@dataclass(frozen=True, kw_only=True)
class Heading:
    """A section title: its 1-based line, its level (1 is the top) and its text."""

    line: int
    level: int
    title: str


def _front_matter_end(lines: list[str]) -> int:
    """The index of the first line after a `---` front-matter block (0 without one)."""
    if lines and lines[0].strip() == "---":
        return next((i + 1 for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
    return 0


def code_lines(text: str) -> frozenset[int]:
    """The 0-based indices of front matter and of fenced code blocks, fences included."""
    lines = text.splitlines()
    inside: set[int] = set(range(_front_matter_end(lines)))
    fence: str | None = None
    for index, line in enumerate(lines):
        if index in inside:
            continue
        opening = _FENCE.match(line)
        if opening and (fence is None or opening.group(1).startswith(fence)):
            fence = None if fence else opening.group(1)[:3]
            inside.add(index)
        elif fence:
            inside.add(index)
    return frozenset(inside)


def headings(text: str, *, rst: bool) -> list[Heading]:
    """Each heading: Markdown `#` and setext headings, or reStructuredText section titles.

    A reST title's level is the order in which its underline character first appears.
    """
    lines = text.splitlines()
    skipped = frozenset(range(_front_matter_end(lines))) if rst else code_lines(text)
    found: list[Heading] = []
    rst_levels: dict[str, int] = {}
    for index, line in enumerate(lines):
        if index in skipped:
            continue
        below = lines[index + 1] if index + 1 < len(lines) else ""
        if not rst:
            match = _ATX.match(line)
            if match:
                found.append(Heading(line=index + 1, level=len(match[1]), title=match[2].strip()))
                continue
        title = line.strip()
        if not title or line[0].isspace() or _RST_UNDERLINE.match(line):
            continue
        if rst and _RST_UNDERLINE.match(below) and len(below.strip()) >= len(title):
            level = rst_levels.setdefault(below.strip()[0], len(rst_levels) + 1)
            found.append(Heading(line=index + 1, level=level, title=title))
        elif not rst and _SETEXT.match(below):
            level = 1 if below.strip().startswith("=") else 2
            found.append(Heading(line=index + 1, level=level, title=title))
    return found
