"""Safe YAML: plain mappings, lists and scalars that remember where they were written.

The text is composed into a node graph by libyaml (PyYAML's C composer, about 40 times faster
than a pure-Python parser) and converted here; no constructor ever runs, so a `!!python/...`
tag cannot build an object (it is refused with a reason). Aliases are shared nodes in that
graph: before converting, the size each document would have with every alias expanded is
measured, and a document past the limit (a "billion laughs") or with an alias that contains
itself is refused, as are oversized files and flow collections nested so deep that a parser
would crawl. Merge keys (`<<: *defaults`) are applied; GitLab's `!reference [job, key]` becomes
a `Reference`. Scalars stay text, except `null` (None) and `true`/`false`; with `typed=True`,
integers and floats become numbers too (Kubernetes `replicas: 3`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from golive.model import Location

__all__ = [
    "MAX_CHARS",
    "MAX_NODES",
    "Reference",
    "Tagged",
    "YamlError",
    "YamlMap",
    "YamlSeq",
    "parse_yaml",
    "parse_yaml_documents",
]

# A document whose aliases, expanded, make more than MAX_NODES values and more than ten times
# the values it writes is refused (a "billion laughs"); a long document without aliases is not.
MAX_NODES = 200_000
_EXPANSION = 10
MAX_CHARS = 8 * 1024 * 1024  # large CRD bundles reach a few MB
_MAX_DEPTH = 200
# libyaml's composer recurses: 1,000 nested `[` take it 7 ms, 10,000 take 0.3 s, and 100,000
# crash the interpreter. Past this depth golive refuses the file before composing it.
_MAX_FLOW_DEPTH = 1000
# Each branch starts with a literal character, which lets the regex engine skip ahead fast; a
# comment's `#` must follow a space or start the line, tested after it, (?<!\S#).
_QUOTED_OR_COMMENT = re.compile(r"""'[^'\n]*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|#(?<!\S#)[^\n]*""")
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_BRACKET = re.compile(r"[\[\]{}]")
_CORE = "tag:yaml.org,2002:"
_PYTHON = _CORE + "python/"

Node = Any  # a yaml.nodes.Node: `id` is "scalar", "sequence" or "mapping"


class YamlError(Exception):
    """The text is not YAML golive will read; `location` is where the problem is."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


class YamlMap(dict[str, Any]):
    """A mapping with the location of itself, of each key and of each value."""

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location
        self.key_at: dict[str, Location] = {}
        self.value_at: dict[str, Location] = {}

    def at(self, key: str) -> Location:
        """Where `key` is written (the mapping's own place when it is absent)."""
        return self.key_at.get(key, self.location)

    def value_location(self, key: str) -> Location:
        """Where the value of `key` starts (the first content line of a `|` block)."""
        return self.value_at.get(key, self.at(key))


class YamlSeq(list[Any]):
    """A sequence with the location of itself and of each item."""

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location
        self.item_at: list[Location] = []


class Tagged(str):
    """A scalar written with a local tag (`!vault`, `!ENV`, `!secret`): the text, and the tag."""

    tag: str

    def __new__(cls, text: str, tag: str) -> Tagged:
        made = super().__new__(cls, text)
        made.tag = tag
        return made


@dataclass(frozen=True, kw_only=True)
class Reference:
    """GitLab's `!reference [job, key, ...]`: the value found at that path."""

    path: tuple[str, ...]
    location: Location


def parse_yaml(
    text: str,
    path: str,
    *,
    max_nodes: int = MAX_NODES,
    max_chars: int = 1024 * 1024,
    typed: bool = False,
) -> Any:
    """The first document of `text` as plain values; raises `YamlError` for what is refused."""
    for document in _documents(text, path, max_nodes=max_nodes, max_chars=max_chars, typed=typed):
        return document
    return None


def parse_yaml_documents(
    text: str,
    path: str,
    *,
    max_nodes: int = MAX_NODES,
    max_chars: int = MAX_CHARS,
    typed: bool = True,
) -> list[Any]:
    """Every document of `text` (`---`-separated), empty ones left out; a refused or broken
    document raises `YamlError` (the whole file is then unread)."""
    return [
        document
        for document in _documents(
            text, path, max_nodes=max_nodes, max_chars=max_chars, typed=typed
        )
        if document is not None
    ]


def _documents(
    text: str, path: str, *, max_nodes: int, max_chars: int, typed: bool
) -> Iterator[Any]:
    import yaml

    if len(text) > max_chars:
        raise YamlError(
            f"refused: {len(text):,} characters, more than the {max_chars:,} golive reads",
            Location(path=path),
        )
    depth, line = _flow_depth(text)
    if depth > _MAX_FLOW_DEPTH:
        raise YamlError(
            f"refused: [ ] and {{ }} nested more than {_MAX_FLOW_DEPTH} levels deep",
            Location(path=path, line=line),
        )
    # Without an anchor (`&`) there is no alias, so no bomb and no alias inside itself; without
    # "python/" there is no Python tag, however it is spelled (`!!python/`, `%TAG`, `!<...>`).
    # Such text skips the walk that measures every document; depth is still bounded: past
    # Python's recursion limit the converter stops with "nested too deeply".
    guarded = "&" in text or "python/" in text
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    converter = _Converter(path, typed=typed)
    try:
        for root in yaml.compose_all(text, Loader=loader):
            if root is None:
                yield None
                continue
            if guarded:
                _measure(root, path, max_nodes)
            yield converter.convert(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        raise YamlError(f"not valid YAML: {message}", _location(path, mark)) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}", Location(path=path)) from None
    except RecursionError:
        raise YamlError("nested too deeply to read", Location(path=path)) from None


def _flow_depth(text: str) -> tuple[int, int]:
    """The deepest nesting of `[` and `{` outside quotes and comments (roughly), and its line."""
    if text.count("[") + text.count("{") <= _MAX_FLOW_DEPTH:
        return 0, 0  # too few brackets to go past the limit: no need to look closer
    stripped = _QUOTED_OR_COMMENT.sub("", text)  # newlines are kept: lines still count
    depth = deepest = 0
    for bracket in _NOT_BRACKETS.sub("", stripped):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    if deepest <= _MAX_FLOW_DEPTH:
        return deepest, 0
    depth = 0
    for match in _BRACKET.finditer(stripped):  # again, for the line of the deepest point
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth == deepest:
            return deepest, stripped.count("\n", 0, match.start()) + 1
    return deepest, 0


def _location(path: str, mark: Any) -> Location:
    if mark is None:
        return Location(path=path)
    # Made without the frozen dataclass's __init__ (three object.__setattr__ calls): a large
    # manifest has tens of thousands of keys and values, and this is a third of the cost.
    where = _new(Location)
    fields = where.__dict__
    fields["path"], fields["line"], fields["column"] = path, mark.line + 1, mark.column + 1
    return where


_new = object.__new__


def _measure(root: Node, path: str, limit: int) -> None:
    """Refuse Python tags, recursive aliases, deep nesting and oversized alias expansion."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    written = 0  # values as written: each node once, however many aliases point at it

    def refuse(message: str, node: Node) -> NoReturn:
        raise YamlError(message, _location(path, node.start_mark))

    def size(node: Node, depth: int) -> int:
        nonlocal written
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            return known
        written += 1
        tag = node.tag
        if tag and tag.startswith(_PYTHON):
            refuse(
                f"refused the Python object tag !!{tag[len(_CORE) :]}: golive never builds "
                "objects from YAML",
                node,
            )
        if depth > _MAX_DEPTH:
            refuse(f"refused: nested more than {_MAX_DEPTH} levels deep", node)
        value = node.value
        if not isinstance(value, list):
            return 1  # a scalar
        if key in open_nodes:
            refuse("refused an alias that contains itself", node)
        open_nodes.add(key)
        total = 1
        for child in value:
            if isinstance(child, tuple):  # a mapping's (key, value)
                total += size(child[0], depth + 1) + size(child[1], depth + 1)
            else:
                total += size(child, depth + 1)
            if total > limit and total > _EXPANSION * written:
                refuse(
                    f"refused: more than {limit:,} values once its aliases are expanded "
                    "(an alias bomb?)",
                    node,
                )
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root, 0)


class _Converter:
    """Nodes to YamlMap / YamlSeq / str / bool / None (and numbers when `typed`), with
    locations (1-based)."""

    def __init__(self, path: str, *, typed: bool) -> None:
        self._path = path
        self._typed = typed

    def convert(self, node: Node) -> Any:
        tag = node.tag or ""
        if node.id == "mapping":
            return self._mapping(node)
        if node.id == "sequence":
            if tag == "!reference":
                parts = tuple(str(item.value) for item in node.value if isinstance(item.value, str))
                return Reference(path=parts, location=self._at(node))
            return self._sequence(node)
        if tag == _CORE + "null":
            return None
        if tag == _CORE + "bool" and str(node.value).lower() in {"true", "false"}:
            # YAML 1.2 booleans only: libyaml also tags `yes`, `no`, `on` and `off`, which
            # GitHub Actions (`on:`) and YAML 1.2 readers take as text.
            return str(node.value).lower() == "true"
        if self._typed and tag in {_CORE + "int", _CORE + "float"}:
            return _number(str(node.value), tag)
        if tag.startswith("!"):
            return Tagged(str(node.value), tag)  # `!vault ...`, `!ENV ${X}`, `!secret x`
        return str(node.value)

    def _at(self, node: Node) -> Location:
        return _location(self._path, node.start_mark)

    def _value_at(self, node: Node) -> Location:
        where = self._at(node)
        if getattr(node, "style", None) in {"|", ">"} and where.line is not None:
            return Location(path=where.path, line=where.line + 1)  # content starts below
        return where

    def _sequence(self, node: Node) -> YamlSeq:
        result = YamlSeq(self._at(node))
        for item in node.value:
            result.append(self.convert(item))
            result.item_at.append(self._value_at(item))
        return result

    def _mapping(self, node: Node) -> YamlMap:
        result = YamlMap(self._at(node))
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _CORE + "merge":
                if value_node.id == "sequence":
                    merges.extend(value_node.value)
                else:
                    merges.append(value_node)
                continue
            key = _key(key_node)
            result[key] = self.convert(value_node)
            result.key_at[key] = self._at(key_node)
            result.value_at[key] = self._value_at(value_node)
        for merged in merges:  # explicit keys win, then the first merged mapping
            if merged.id != "mapping":
                continue
            source = self._mapping(merged)
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    result.key_at[key] = source.key_at[key]
                    result.value_at[key] = source.value_at[key]
        return result


def _key(node: Node) -> str:
    value = node.value
    return value if isinstance(value, str) else "?"  # a collection as a key: never a name


def _number(text: str, tag: str) -> int | float | str:
    """A YAML number as Python reads it; text that will not convert stays text."""
    cleaned = text.replace("_", "")
    try:
        if tag.endswith("int"):
            return int(cleaned, 0) if cleaned[:2].lower() in {"0x", "0o", "0b"} else int(cleaned)
        lowered = cleaned.lower()
        if lowered in {".inf", "+.inf", "-.inf", ".nan"}:
            return float(lowered.replace(".", ""))
        return float(cleaned)
    except ValueError:
        return text
