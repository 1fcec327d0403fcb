"""Links in the documents: found with their positions, and resolved against the repository."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from golive.checks._doctopics_markdown import Document, Documents, is_markdown, parse_document
from golive.checks.repository import Repository

__all__ = ["Broken", "LinkReport", "check_links"]

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_COMMENT = re.compile(r"<!--.*?-->")
_INLINE = re.compile(
    r"\]\(\s*(?:<(?P<angled>[^>\n]*)>|(?P<bare>[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*))"
)
_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*(?:<(?P<angled>[^>]*)>|(?P<bare>\S+))")
_AUTOLINK = re.compile(r"<(?P<bare>[a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>")
_HTML = re.compile(
    r"<(?:a|img|source)\b[^>]*?\b(?:href|src)\s*=\s*[\"'](?P<bare>[^\"']*)[\"']", re.I
)
_RST_DOC = re.compile(r":doc:`(?:[^`<]*<(?P<angled>[^`>]+)>|(?P<bare>[^`<]+))`")
_RST_LINK = re.compile(r"`[^`<]*<(?P<bare>[^`>]+)>`__?")
_RST_DIRECTIVE = re.compile(r"^\s*\.\.\s+(?:image|figure|include|literalinclude)::\s*(?P<bare>\S+)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_DOC_SUFFIXES = ("", ".rst", ".md", ".txt")
_DOC_HINT = "(.rst, .md, .txt)"


@dataclass(frozen=True, kw_only=True)
class _Link:
    target: str
    line: int  # 1-based
    column: int  # 1-based, where the target starts
    doc_role: bool = False  # a reST :doc: target: the suffix is left out


@dataclass(frozen=True, kw_only=True)
class Broken:
    """A local link whose target is missing, and why."""

    path: str
    line: int
    column: int
    target: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class LinkReport:
    documents: int
    local: int  # links to files in the repository that were checked
    anchors: int  # of them, with an anchor into a Markdown file that was checked too
    external: int  # http(s) links, not fetched
    skipped: int  # mailto:, templated, and links leaving the reviewed directory
    broken: tuple[Broken, ...]


def check_links(documents: Documents, repo: Repository) -> LinkReport:
    """Resolve every local link of the Markdown and reST documents."""
    resolver = _Resolver(documents, repo)
    checked = [d for d in documents.items if d.markdown or d.rst]
    for document in checked:
        for link in _rst_links(document) if document.rst else _markdown_links(document):
            resolver.resolve(document, link)
    return LinkReport(
        documents=len(checked),
        local=resolver.local,
        anchors=resolver.anchors,
        external=resolver.external,
        skipped=resolver.skipped,
        broken=tuple(resolver.broken),
    )


def _found(pattern: re.Pattern[str], line: str, number: int) -> Iterator[_Link]:
    for match in pattern.finditer(line):
        group = (
            "angled" if "angled" in pattern.groupindex and match["angled"] is not None else "bare"
        )
        yield _Link(target=match[group], line=number, column=match.start(group) + 1)


def _markdown_links(document: Document) -> Iterator[_Link]:
    commented = False  # inside an HTML comment that spans lines
    for index, raw in enumerate(document.lines):
        if index in document.code:
            continue
        line, commented = _uncommented(_CODE_SPAN.sub(lambda m: " " * len(m[0]), raw), commented)
        for pattern in (_INLINE, _DEFINITION, _AUTOLINK, _HTML):
            yield from _found(pattern, line, index + 1)


def _uncommented(line: str, commented: bool) -> tuple[str, bool]:
    """`line` with HTML comments blanked out (columns kept), and whether one stays open."""
    if commented:
        end = line.find("-->")
        if end == -1:
            return "", True
        line = " " * (end + 3) + line[end + 3 :]
    line = _COMMENT.sub(lambda m: " " * len(m[0]), line)
    start = line.find("<!--")
    return (line, False) if start == -1 else (line[:start], True)


def _rst_links(document: Document) -> Iterator[_Link]:
    for index, line in enumerate(document.lines):
        for link in _found(_RST_DOC, line, index + 1):
            yield _Link(target=link.target, line=link.line, column=link.column, doc_role=True)
        for pattern in (_RST_LINK, _RST_DIRECTIVE):
            for link in _found(pattern, line, index + 1):
                if not link.target.endswith("_"):  # `text <name_>`_ names another target
                    yield link


class _Resolver:
    def __init__(self, documents: Documents, repo: Repository) -> None:
        self._documents = documents
        self._repo = repo
        self._dirs = {""} | {
            "/".join(path.split("/")[:depth])
            for path in repo.files
            for depth in range(1, path.count("/") + 1)
        }
        self._parsed: dict[str, Document | None] = {}
        self.local = self.anchors = self.external = self.skipped = 0
        self.broken: list[Broken] = []

    def resolve(self, document: Document, link: _Link) -> None:
        target = link.target.strip()
        if not target or "{{" in target or "{%" in target or "${" in target:
            self.skipped += bool(target)
            return
        if target.startswith("//") or target.lower().startswith(("http:", "https:")):
            self.external += 1
            return
        if _SCHEME.match(target):
            self.skipped += 1  # mailto:, tel:, data: ...
            return
        path_part, _, fragment = target.partition("#")
        path_part = unquote(path_part.partition("?")[0])
        if not path_part:  # an anchor into this very document
            self.local += 1
            self._check_anchor(document, link, document.path, unquote(fragment))
            return
        base = self._base(document, absolute=path_part.startswith("/"))
        resolved = posixpath.normpath(posixpath.join(base, path_part.lstrip("/")))
        if resolved == ".":
            resolved = ""
        if resolved == ".." or resolved.startswith("../"):
            self.skipped += 1  # beyond the reviewed directory: not ours to judge
            return
        self.local += 1
        suffixes = _DOC_SUFFIXES if link.doc_role else ("",)
        found = next((resolved + s for s in suffixes if self._exists(resolved + s)), None)
        if found is None:
            # Not in the review's listing: it may still be in the repository, only excluded
            # from this review by the checklist. Only git's own ignore rules hide it from readers.
            on_disk = next(
                (resolved + s for s in suffixes if (self._repo.root / (resolved + s)).exists()),
                None,
            )
            if on_disk is not None and self._repo.ignore_rule(on_disk) is None:
                found = on_disk
            elif on_disk is not None:
                reason = (
                    f"{resolved} exists here but is ignored by git, so readers will not find it"
                )
                self._broken(document, link, reason)
                return
            else:
                hint = _DOC_HINT if link.doc_role else ""
                self._broken(document, link, f"{resolved or '.'}{hint} does not exist")
                return
        if fragment and is_markdown(found):
            self._check_anchor(document, link, found, unquote(fragment))

    def _base(self, document: Document, *, absolute: bool) -> str:
        if not absolute:
            return posixpath.dirname(document.path)
        if document.rst:  # Sphinx: "/" is the source directory, where conf.py is
            directory = posixpath.dirname(document.path)
            while directory:
                if self._repo.exists(f"{directory}/conf.py"):
                    return directory
                directory = posixpath.dirname(directory)
        return ""

    def _exists(self, path: str) -> bool:
        return self._repo.exists(path) or path in self._dirs

    def _check_anchor(self, document: Document, link: _Link, path: str, fragment: str) -> None:
        if not fragment or not is_markdown(path):
            return
        self.anchors += 1
        target = self._document(path)
        if target is not None and fragment.lower() not in target.anchors:
            where = "this document" if path == document.path else path
            self._broken(document, link, f"{where} has no heading or anchor #{fragment}")

    def _document(self, path: str) -> Document | None:
        known = self._documents.by_path.get(path)
        if known is not None:
            return known
        if path not in self._parsed:
            text = self._repo.text(path)
            self._parsed[path] = None if text is None else parse_document(path, text)
        return self._parsed[path]

    def _broken(self, document: Document, link: _Link, reason: str) -> None:
        self.broken.append(
            Broken(
                path=document.path,
                line=link.line,
                column=link.column,
                target=link.target,
                reason=reason,
            )
        )
