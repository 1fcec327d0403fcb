"""A guarded XML reader for coverage and test reports: no entities, no external resources.

Reports come from anywhere (a CI artefact, a pull request), so a report that declares an
entity (the billion-laughs payload) or refers to an external one is refused before anything
is expanded or fetched. A DOCTYPE that only names a DTD, as Cobertura writes, is accepted: its
DTD is never read. Each element keeps the line it starts on, so findings can point into the
report itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

__all__ = ["XmlError", "XmlNode", "parse_xml"]


class XmlError(Exception):
    """The document is not well-formed XML, or it uses a feature that is refused."""


@dataclass(kw_only=True)
class XmlNode:
    """One element: its tag, attributes, children, text and the line it starts on."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[XmlNode] = field(default_factory=list)
    text: str = ""

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def iter(self, tag: str) -> Iterator[XmlNode]:
        """This element and its descendants with `tag`, in document order."""
        pending = [self]
        while pending:
            node = pending.pop()
            if node.tag == tag:
                yield node
            pending.extend(reversed(node.children))

    def find(self, tag: str) -> XmlNode | None:
        """The first direct child with `tag`."""
        return next((child for child in self.children if child.tag == tag), None)

    def findall(self, tag: str) -> list[XmlNode]:
        """The direct children with `tag`."""
        return [child for child in self.children if child.tag == tag]


class _RefusedError(Exception):
    pass


def parse_xml(path: Path) -> XmlNode:
    """The root element of the XML file at `path`; raises `XmlError` or `OSError`."""
    with path.open("rb") as stream:
        return _parse(stream)


def _parse(stream: BinaryIO) -> XmlNode:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    stack: list[XmlNode] = []
    roots: list[XmlNode] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = XmlNode(tag=tag, attrs=attrs, line=parser.CurrentLineNumber)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    def refuse_entity(name: str, *args: object) -> None:
        raise _RefusedError(f'the document declares the entity "{name}"; entities are refused')

    def refuse_external(*args: object) -> int:
        raise _RefusedError("the document refers to an external entity; those are not fetched")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_external
    try:
        parser.ParseFile(stream)
    except expat.ExpatError as exc:
        raise XmlError(f"line {exc.lineno}, column {exc.offset + 1}: {_reason(exc)}") from None
    except _RefusedError as exc:
        raise XmlError(f"line {parser.CurrentLineNumber}: {exc}") from None
    if not roots:
        raise XmlError("the document has no root element")
    return roots[0]


def _reason(exc: expat.ExpatError) -> str:
    return expat.ErrorString(exc.code) if exc.code is not None else str(exc)
