"""The repository's documents (Markdown, reStructuredText, AsciiDoc, text), parsed once."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from golive.checks._docs_text import Heading, code_lines, headings
from golive.checks.repository import Repository

__all__ = [
    "Document",
    "Documents",
    "is_markdown",
    "load_documents",
    "parse_document",
    "skipped_dir",
    "slug",
]

_PROSE_SUFFIXES = (".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc")
_DOC_DIRS = frozenset({"docs", "doc", "documentation", "runbooks", "playbooks", "adr", "wiki"})
# Directories whose files are not the project's own documentation.
_SKIPPED_DIRS = frozenset(
    {
        "tests",
        "test",
        "__tests__",
        "testdata",
        "node_modules",
        "vendor",
        "third_party",
        "target",
        "dist",
        "build",
        ".venv",
        "venv",
        "__pycache__",
        "site-packages",
        ".git",
    }
)
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<[^>\n]*>|https?://\S+")
_RULE_OR_TABLE = re.compile(r"^\s*(?:[-*_=|:\s]+)$")
_HTML_ANCHOR = re.compile(r"<a\s[^>]*\b(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", re.I)
_INLINE_MARKUP = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # an image: no text of its own
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # a link: its text
    (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1"),  # a reference link: its text
    (re.compile(r"<[^>]+>"), ""),  # inline HTML
    (re.compile(r"[*~`]"), ""),  # emphasis and code markers
)


def skipped_dir(path: str) -> bool:
    """Whether `path` lies in a directory of tests, dependencies or build output."""
    return any(part in _SKIPPED_DIRS for part in path.split("/")[:-1])


def is_markdown(path: str) -> bool:
    return path.lower().endswith((".md", ".markdown", ".mdx"))


@dataclass(frozen=True, kw_only=True)
class Document:
    """One documentation file: its text split into lines, headings and code lines."""

    path: str
    lines: tuple[str, ...]
    headings: tuple[Heading, ...]
    code: frozenset[int]  # 0-based indices of lines in code blocks or front matter

    @property
    def markdown(self) -> bool:
        return is_markdown(self.path)

    @property
    def rst(self) -> bool:
        return self.path.lower().endswith(".rst")

    def words(self, start: int = 0, end: int | None = None) -> int:
        """Words of prose in lines `start` to `end` (0-based, end excluded): headings, code
        blocks, link targets and table rules do not count."""
        titles = {heading.line - 1 for heading in self.headings}
        underlines = {index + 1 for index in titles}  # setext and reST underlines
        count = 0
        for index in range(start, len(self.lines) if end is None else end):
            if index in self.code or index in titles or index in underlines:
                continue
            line = self.lines[index]
            if _RULE_OR_TABLE.match(line):
                continue
            count += len(_WORD.findall(_LINK_TARGET.sub(" ", line)))
        return count

    def section(self, heading: Heading) -> tuple[int, int]:
        """The 0-based line range under `heading`, up to the next heading of its level or
        above (subsections included)."""
        later = (h for h in self.headings if h.line > heading.line and h.level <= heading.level)
        return heading.line, next((h.line - 1 for h in later), len(self.lines))

    @functools.cached_property
    def anchors(self) -> frozenset[str]:
        """The fragment ids a link may name: heading slugs (GitHub style) and HTML anchors."""
        found: set[str] = set()
        seen: dict[str, int] = {}
        for heading in self.headings:
            base = slug(heading.title)
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
        for line in self.lines:
            found.update(anchor.lower() for anchor in _HTML_ANCHOR.findall(line))
        return frozenset(found)


def slug(title: str) -> str:
    """A heading's anchor as GitHub makes it: the rendered text, lower-cased, punctuation
    dropped, each space a hyphen."""
    text = title
    for pattern, replacement in _INLINE_MARKUP:
        text = pattern.sub(replacement, text)
    text = unicodedata.normalize("NFC", text.strip().lower())
    text = "".join(ch for ch in text if ch in " -_" or ch.isalnum())
    return text.replace(" ", "-")


@dataclass(frozen=True, kw_only=True)
class Documents:
    """The project's documents; `unreadable` ones (binary, oversized, not UTF-8) by path."""

    items: tuple[Document, ...]
    unreadable: tuple[str, ...]

    @functools.cached_property
    def by_path(self) -> dict[str, Document]:
        return {document.path: document for document in self.items}


def _is_document(path: str) -> bool:
    if skipped_dir(path):
        return False
    *dirs, name = path.split("/")
    lower = name.lower()
    if lower.endswith(_PROSE_SUFFIXES):
        return True
    stem, dot, suffix = name.rpartition(".")
    in_docs = any(part.lower() in _DOC_DIRS for part in dirs)
    if dot and suffix.lower() == "txt":  # not requirements.txt or CMakeLists.txt
        return in_docs or (stem.isupper() and stem.isalpha())
    return not dot and name.isupper() and name.isalpha()  # README, RUNBOOK, INSTALL


def load_documents(repo: Repository) -> Documents:
    """Every document of the repository outside tests, dependencies and build output."""
    items: list[Document] = []
    unreadable: list[str] = []
    for path in repo.files:
        if not _is_document(path):
            continue
        text = repo.text(path)
        if text is None:
            unreadable.append(path)
            continue
        items.append(parse_document(path, text))
    return Documents(items=tuple(items), unreadable=tuple(unreadable))


def parse_document(path: str, text: str) -> Document:
    """A document from its text; reStructuredText by the `.rst` suffix, else Markdown-like."""
    rst = path.lower().endswith(".rst")
    return Document(
        path=path,
        lines=tuple(text.splitlines()),
        headings=tuple(headings(text, rst=rst)),
        code=frozenset() if rst else code_lines(text),
    )
