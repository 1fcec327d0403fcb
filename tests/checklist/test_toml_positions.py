"""Tests for the TOML position locator: hand-written cases, then rendered random documents."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive._toml_positions import KeyPath, Position, Span, locate

Place = tuple[int, int]


def _where(text: str, *path: str | int) -> tuple[Place, Place | None]:
    """The (line, column) of the key and value at `path`, for compact assertions."""
    tomllib.loads(text.removeprefix("\ufeff"))  # the locator is only ever given valid TOML
    span = locate(text)[path]
    value = None if span.value is None else (span.value.line, span.value.column)
    return (span.key.line, span.key.column), value


def test_plain_keys_values_and_comments() -> None:
    text = '# leading comment\nname = "golive"  # trailing = comment\n\n  count=3\n'
    assert _where(text, "name") == ((2, 1), (2, 8))
    assert _where(text, "count") == ((4, 3), (4, 9))
    assert set(locate(text)) == {("name",), ("count",)}


def test_four_string_kinds_hide_their_contents() -> None:
    text = (
        'a = "x # not a comment \\" b = 2"\n'
        "b = 'C:\\path # \"no\"'\n"
        'c = """\n'
        'line "quoted" "" \\"""\n'
        "ends \\\n"
        '   continued"""\n'
        "d = '''\n"
        "raw '' \" # \\\n"
        "'''\n"
        'e = """five quotes close with two of them"""""\n'
        "f = '''x'''''\n"
        "g = 1\n"
    )
    spans = locate(text)
    assert set(spans) == {(name,) for name in "abcdefg"}
    assert _where(text, "c") == ((3, 1), (3, 5))
    assert _where(text, "d") == ((7, 1), (7, 5))
    assert _where(text, "e") == ((10, 1), (10, 5))
    assert _where(text, "g") == ((12, 1), (12, 5))


def test_dotted_and_quoted_keys() -> None:
    text = 'x = 0\na . "b.c" .\td = 1\n"q\\"uo\\u00e9" = 2\n\'lit\' = 3\n"" = 4\n'
    assert _where(text, "a", "b.c", "d") == ((2, 13), (2, 17))
    assert _where(text, "a") == ((2, 1), None)
    assert _where(text, "a", "b.c") == ((2, 5), None)
    assert _where(text, 'q"uoé') == ((3, 1), (3, 17))
    assert _where(text, "lit") == ((4, 1), (4, 9))
    assert _where(text, "") == ((5, 1), (5, 6))


def test_table_headers_and_implicit_parents() -> None:
    text = '[a.b]\nk = 1\n[ "x.y" . z ]\n[p.q.r]\n[p]\n'
    assert _where(text, "a") == ((1, 2), None)
    assert _where(text, "a", "b") == ((1, 4), None)
    assert _where(text, "a", "b", "k") == ((2, 1), (2, 5))
    assert _where(text, "x.y") == ((3, 3), None)
    assert _where(text, "x.y", "z") == ((3, 11), None)
    # `p` is first made implicitly by [p.q.r], then defined by its own header.
    assert _where(text, "p") == ((5, 2), None)
    assert _where(text, "p", "q") == ((4, 4), None)


def test_dotted_key_inside_a_table_records_the_intermediate() -> None:
    text = '[fruit]\napple.color = "red"\napple.taste.sweet = true\n[fruit.apple.texture]\n'
    assert _where(text, "fruit", "apple") == ((2, 1), None)
    assert _where(text, "fruit", "apple", "color") == ((2, 7), (2, 15))
    assert _where(text, "fruit", "apple", "taste") == ((3, 7), None)
    assert _where(text, "fruit", "apple", "taste", "sweet") == ((3, 13), (3, 21))
    assert _where(text, "fruit", "apple", "texture") == ((4, 14), None)


def test_arrays_of_tables_count_their_occurrences() -> None:
    text = (
        '[[items]]\nname = "a"\n[[items.steps]]\nrun = 1\n[items.meta]\n'
        '[[ items ]]\nname = "b"\n[[items.steps]]\n[[items.steps]]\nrun = 2\n'
    )
    assert _where(text, "items") == ((1, 3), None)
    assert _where(text, "items", 0) == ((1, 3), None)
    assert _where(text, "items", 0, "name") == ((2, 1), (2, 8))
    assert _where(text, "items", 0, "steps", 0, "run") == ((4, 1), (4, 7))
    assert _where(text, "items", 0, "meta") == ((5, 8), None)
    assert _where(text, "items", 1) == ((6, 4), None)
    assert _where(text, "items", 1, "steps") == ((8, 9), None)
    assert _where(text, "items", 1, "steps", 1, "run") == ((10, 1), (10, 7))
    assert ("items", 2) not in locate(text)


def test_nested_inline_tables() -> None:
    text = 'owner = { name = "x", "a b" = { deep.er = [1] }, n = {} }\n'
    assert _where(text, "owner") == ((1, 1), (1, 9))
    assert _where(text, "owner", "name") == ((1, 11), (1, 18))
    assert _where(text, "owner", "a b") == ((1, 23), (1, 31))
    assert _where(text, "owner", "a b", "deep") == ((1, 33), None)
    assert _where(text, "owner", "a b", "deep", "er") == ((1, 38), (1, 43))
    assert _where(text, "owner", "a b", "deep", "er", 0) == ((1, 44), (1, 44))
    assert _where(text, "owner", "n") == ((1, 50), (1, 54))


def test_arrays_multiline_nested_with_comments_and_trailing_commas() -> None:
    text = (
        'checks = ["a", { id = "b" }]\n'
        "grid = [ # comment with ] and ,\n"
        "  [1, 2,],\n"
        "  # another\n"
        "  [],  \n"
        "]\n"
        "after = 1\n"
    )
    assert _where(text, "checks", 1) == ((1, 16), (1, 16))
    assert _where(text, "checks", 1, "id") == ((1, 18), (1, 23))
    assert _where(text, "grid", 0, 1) == ((3, 7), (3, 7))
    assert _where(text, "grid", 1) == ((5, 3), (5, 3))
    assert _where(text, "after") == ((7, 1), (7, 9))
    assert ("grid", 2) not in locate(text)


def test_scalars_dates_times_numbers_booleans() -> None:
    text = (
        "odt = 1979-05-27 07:32:00Z\nld = 1979-05-27\nlt = 07:32:00.5\n"
        "arr = [1979-05-27T00:32:00-07:00 , +1_000, 0x1f, 6.02e+23, inf, -nan, true, false]\n"
    )
    spans = locate(text)
    starts = [spans[("arr", n)].value for n in range(8)]
    columns = [8, 36, 44, 50, 60, 65, 71, 77]
    assert starts == [Position(line=4, column=c) for c in columns]
    assert _where(text, "lt") == ((3, 1), (3, 6))


def test_crlf_bom_tabs_and_unicode_columns() -> None:
    text = '\ufeffa = 1\r\n[t]\r\n\tkey\t=\t"é"\r\n"日本" = { b = 2 }\r\n'
    assert tomllib.loads(text.removeprefix("\ufeff"))
    assert _where(text, "a") == ((1, 1), (1, 5))
    assert _where(text, "t") == ((2, 2), None)
    assert _where(text, "t", "key") == ((3, 2), (3, 8))
    assert _where(text, "t", "日本", "b") == ((4, 10), (4, 14))


def test_never_raises_on_broken_or_pathological_text() -> None:
    text = 'a = "x"\n[[b]]\nc = [1, {d = """e\n"""}]\n'
    for end in range(len(text) + 1):
        locate(text[:end])
    for junk in ["[" * 5000, "a = " + "[" * 5000, "a = " + "{b=" * 5000, "= = =", "\\", '"""']:
        locate(junk)
    assert locate("a = 1\nb 2\nc = 3\n") == {
        ("a",): Span(key=Position(line=1, column=1), value=Position(line=1, column=5))
    }


@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    locate(text)


# -- Property: render random documents, then find every key and value again -------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_CHARS = st.sampled_from(list("abZ09_-. \"'\\#=[]{},é日😀\t\n\r\x01\x7f")) | st.characters(
    exclude_categories=["Cs"]
)
_KEYS = st.text(_CHARS, max_size=5)
_SCALARS = st.integers() | st.booleans() | st.text(_CHARS, max_size=8) | st.dates() | st.datetimes()
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)
_DOCUMENTS = st.dictionaries(_KEYS, _VALUES, max_size=5)
_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _is_control(char: str) -> bool:
    return (ord(char) < 0x20 and char != "\t") or char == "\x7f"


def _escape(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if _is_control(char):
        return f"\\u{ord(char):04X}"
    return f"\\U{ord(char):08X}" if ord(char) > 0xFFFF else char


def _multiline_basic_body(text: str) -> str:
    out, quotes = [], 0
    for char in text:
        # Quotes stay bare, except the third in a row, which would close the string.
        quotes = quotes + 1 if char == '"' and quotes < 2 else 0
        out.append(char if char == "\n" or (char == '"' and quotes) else _escape(char))
    return "".join(out)


def _is_table_array(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _paths(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        yield (*path, key), child
        if isinstance(child, dict | list):
            yield from _paths(child, (*path, key))


class _Renderer:
    """Write a document as TOML, choosing each style with `draw`, and note every offset."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any], newline: str) -> None:
        self.draw = draw
        self.newline = newline
        self.parts: list[str] = []
        self.size = 0
        self.expected: dict[KeyPath, tuple[int, int | None]] = {}

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def choose(self, *options: str) -> str:
        return str(self.draw(st.sampled_from(options)))

    def flip(self) -> bool:
        return bool(self.draw(st.booleans()))

    def key(self, name: str) -> str:
        if _BARE.fullmatch(name) and self.flip():
            return name
        if not any(_is_control(c) or c in "'\n" for c in name) and self.flip():
            return f"'{name}'"
        return '"' + "".join(map(_escape, name)) + '"'

    def string(self, text: str) -> str:
        kinds = ["basic", "multiline"]
        if not any(_is_control(c) or c in "'\n" for c in text):
            kinds.append("literal")
        if "'''" not in text and not any(_is_control(c) and c != "\n" for c in text):
            kinds.append("multiline literal")
        match self.choose(*kinds):
            case "basic":
                return '"' + "".join(map(_escape, text)) + '"'
            case "literal":
                return f"'{text}'"
            case "multiline literal":
                opening = "\n" if text.startswith("\n") or self.flip() else ""
                return f"'''{opening}{text}'''"
            case _:
                body = _multiline_basic_body(text)
                openings = ["\n"] if body.startswith("\n") else ["", "\n"]
                if body[:1] not in (" ", "\t", "\n"):
                    openings.append("\\\n  \t")  # a line-ending backslash trims what follows
                return f'"""{self.choose(*openings)}{body}"""'

    def write_dotted_key(self, base: KeyPath, names: list[str]) -> int:
        """Write `a.b.c`; return where its last segment starts (where the path points)."""
        last = self.size
        for n, name in enumerate(names):
            if n:
                self.write(self.choose(".", " . ", "\t.", ". "))
            last = self.size
            if n < len(names) - 1:
                self.expected.setdefault((*base, *names[: n + 1]), (self.size, None))
            self.write(self.key(name))
        return last

    def write_header(self, path: KeyPath, is_array: bool) -> None:
        self.write(("[[" if is_array else "[") + self.choose("", " "))
        start = self.size
        names = [n for n, part in enumerate(path) if isinstance(part, str)]
        for count, n in enumerate(names):
            if count:
                self.write(self.choose(".", " . "))
            start = self.size  # the header's path points at its last segment
            if count < len(names) - 1:
                self.expected.setdefault(path[: n + 1], (self.size, None))
            self.write(self.key(str(path[n])))
        self.write(self.choose("", " ") + ("]]" if is_array else "]"))
        self.write(self.choose("", " # header [x]") + self.newline)
        if is_array:
            self.expected.setdefault(path[:-1], (start, None))
        self.expected[path] = (start, None)

    def flatten(self, names: list[str], value: object) -> Iterator[tuple[list[str], object]]:
        """Split a table into dotted keys, sometimes."""
        if isinstance(value, dict) and value and self.flip():
            for name, child in value.items():
                yield from self.flatten([*names, name], child)
        else:
            yield names, value

    def write_section(self, path: KeyPath, table: dict[str, Any], header: str) -> None:
        pairs, tables, arrays = [], [], []
        for name, value in table.items():
            if isinstance(value, dict) and self.flip():
                tables.append(name)
            elif _is_table_array(value) and self.flip():
                arrays.append(name)
            else:
                pairs.append(name)
        # A table with only sub-tables may be left to be created implicitly by their headers.
        implicit = header == "table" and not pairs and bool(tables + arrays) and self.flip()
        if header != "root" and not implicit:
            self.write_header(path, header == "array")
        for name in pairs:
            for names, value in self.flatten([name], table[name]):
                self.write(self.choose("", "  ", "\t"))
                start = self.write_dotted_key(path, names)
                self.write(self.choose(" = ", "=", "\t=  "))
                self.write_value((*path, *names), start, value)
                self.write(self.choose("", " # a = [1, {", "\t#") + self.newline)
            if self.flip():
                self.write(self.choose("", "# comment = 1") + self.newline)
        for name in tables:
            self.write_section((*path, name), table[name], "table")
        for name in arrays:
            for index, element in enumerate(table[name]):
                self.write_section((*path, name, index), element, "array")

    def write_value(self, path: KeyPath, key_start: int, value: object) -> None:
        self.expected[path] = (key_start, self.size)
        match value:
            case bool():
                self.write("true" if value else "false")
            case int():
                self.write(("+" if value >= 0 and self.flip() else "") + str(value))
            case str():
                self.write(self.string(value))
            case dt.datetime():
                self.write(value.isoformat(sep=self.choose(" ", "T")))
            case dt.date():
                self.write(value.isoformat())
            case list():
                self.write_array(path, value)
            case dict():
                self.write("{" + self.choose("", " "))
                entries = [e for name, v in value.items() for e in self.flatten([name], v)]
                for n, (names, child) in enumerate(entries):
                    self.write(", " if n else "")
                    start = self.write_dotted_key(path, names)
                    self.write(" = ")
                    self.write_value((*path, *names), start, child)
                self.write(self.choose("", " ") + "}")

    def write_array(self, path: KeyPath, values: list[Any]) -> None:
        multiline = self.flip()
        # A comment runs to the end of the line, so only a multi-line array can hold one.
        separators = (",", " , ", ", # ,]") if multiline else (",", " , ")
        self.write("[")
        for index, element in enumerate(values):
            self.write(self.choose("\n  ", "\n# c ]\n\t") if multiline else "")
            self.write_value((*path, index), self.size, element)
            if index < len(values) - 1 or self.flip():
                self.write(self.choose(*separators))
        self.write(self.newline + "]" if multiline else "]")


def _offset(text: str, position: Position) -> int:
    line_start = 0
    for _ in range(position.line - 1):
        line_start = text.index("\n", line_start) + 1
    bom = 1 if position.line == 1 and text.startswith("\ufeff") else 0
    return line_start + bom + position.column - 1


_FIRST_CHARACTERS = {bool: "tf", int: "+-0123456789", str: "\"'", list: "[", dict: "{"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_DOCUMENTS, data=st.data())
def test_locates_every_key_and_value_of_rendered_documents(
    document: dict[str, Any], data: st.DataObject
) -> None:
    renderer = _Renderer(data.draw, data.draw(st.sampled_from(["\n", "\r\n"])))
    bom = data.draw(st.sampled_from(["", "\ufeff"]))
    renderer.write_section((), document, "root")
    text = bom + "".join(renderer.parts)
    assert tomllib.loads(text.removeprefix(bom)) == document

    spans = locate(text)

    assert set(spans) == {path for path, _ in _paths(document)} == set(renderer.expected)
    for path, value in _paths(document):
        span = spans[path]
        key = _offset(text, span.key)
        first = _FIRST_CHARACTERS.get(type(value), "0123456789")
        if isinstance(path[-1], int) and span.value is not None:
            assert span.key == span.value, path  # an element's key is the element itself
        else:
            assert text[key] in "\"'" or _BARE.match(text[key]), path
        assert span.value is None or text[_offset(text, span.value)] in first, path
        value_at = None if span.value is None else _offset(text, span.value) - len(bom)
        assert (key - len(bom), value_at) == renderer.expected[path], path
    locate(text[: data.draw(st.integers(0, len(text)))])
