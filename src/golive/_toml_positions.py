"""Find the line and column of every key and value in a TOML document, which `tomllib` omits."""

from __future__ import annotations

import bisect
import contextlib
import tomllib
from dataclasses import dataclass

__all__ = ["KeyPath", "Position", "Span", "locate"]

KeyPath = tuple[str | int, ...]

_BARE_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# Numbers, booleans and dates never contain these, but a date-time may contain a space.
_SCALAR_END = frozenset(",]}#\r\n")
# Far deeper than any configuration, and shallow enough to stay clear of Python's recursion limit.
_MAX_DEPTH = 100


@dataclass(frozen=True, kw_only=True)
class Position:
    """A place in the text, as an editor shows it."""

    line: int  # 1-based
    column: int  # 1-based, counted in characters (not bytes); a tab is one character


@dataclass(frozen=True, kw_only=True)
class Span:
    """Where a key path is written: its key, and its value unless it is a table made by a header
    or a dotted key (or an array of tables)."""

    key: Position
    value: Position | None


class _ScanError(Exception):
    """The text stopped looking like TOML; `locate` keeps what it found up to there."""


class _Scanner:
    """A cursor over the text that records a `Span` for every key path it passes."""

    def __init__(self, text: str) -> None:
        self._text = text
        # A BOM is invisible in editors, so it must not count as a column on line 1.
        self._i = 1 if text.startswith("\ufeff") else 0
        self._line_starts = [self._i]
        while (newline := text.find("\n", self._line_starts[-1])) >= 0:
            self._line_starts.append(newline + 1)
        self._table: KeyPath = ()
        # Path of each array of tables -> index of its latest `[[...]]` table.
        self._latest: dict[KeyPath, int] = {}
        self.spans: dict[KeyPath, Span] = {}

    def run(self) -> None:
        while True:
            self._skip_trivia()
            if self._i >= len(self._text):
                return
            if self._peek() == "[":
                self._header()
            else:
                self._key_value(self._table, depth=0)
            self._end_of_line()

    # -- statements ------------------------------------------------------------------------

    def _header(self) -> None:
        is_array = self._text.startswith("[[", self._i)
        self._i += 2 if is_array else 1
        segments = self._key()
        self._expect("]]" if is_array else "]")
        # A path points at the segment that completes it: `[items."x"]` -> the `"x"`.
        span = Span(key=self._position(segments[-1][1]), value=None)
        path: KeyPath = ()
        for name, start in segments[:-1]:
            path = self._implicit_table(path, name, start)
            # `[fruit.variety]` after `[[fruit]]` extends the latest fruit table.
            if path in self._latest:
                path = (*path, self._latest[path])
        path = (*path, segments[-1][0])
        if is_array:
            self.spans.setdefault(path, span)
            self._latest[path] = self._latest.get(path, -1) + 1
            path = (*path, self._latest[path])
        # Assign, not setdefault: an explicit `[a]` after `[a.b]` is where `a` is defined.
        self.spans[path] = span
        self._table = path

    def _key_value(self, table: KeyPath, depth: int) -> None:
        segments = self._key()
        self._expect("=")
        self._skip_blank()
        path = table
        for name, start in segments[:-1]:
            path = self._implicit_table(path, name, start)
        self._value((*path, segments[-1][0]), segments[-1][1], depth)

    def _implicit_table(self, parent: KeyPath, name: str, start: int) -> KeyPath:
        """Record a table made by a dotted key or header at the first place its name appears."""
        path = (*parent, name)
        self.spans.setdefault(path, Span(key=self._position(start), value=None))
        return path

    def _end_of_line(self) -> None:
        self._skip_blank()
        if self._peek() == "#":
            self._skip_comment()
        if self._peek() not in ("", "\r", "\n"):
            raise _ScanError

    # -- keys and values -------------------------------------------------------------------

    def _key(self) -> list[tuple[str, int]]:
        """Read a possibly dotted key as (name, start index) segments."""
        segments = []
        while True:
            self._skip_blank()
            start = self._i
            segments.append((self._key_segment(), start))
            self._skip_blank()
            if self._peek() != ".":
                return segments
            self._i += 1

    def _key_segment(self) -> str:
        """Read one bare or quoted segment of a key and return its name."""
        if self._peek() in ('"', "'"):
            return _key_name(self._string())
        start = self._i
        while self._i < len(self._text) and self._text[self._i] in _BARE_KEY_CHARS:
            self._i += 1
        if self._i == start:
            raise _ScanError
        return self._text[start : self._i]

    def _value(self, path: KeyPath, key_start: int, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise _ScanError
        self.spans[path] = Span(key=self._position(key_start), value=self._position(self._i))
        match self._peek():
            case '"' | "'":
                self._string()
            case "[":
                self._array(path, depth)
            case "{":
                self._inline_table(path, depth)
            case _:
                start = self._i
                while self._i < len(self._text) and self._text[self._i] not in _SCALAR_END:
                    self._i += 1
                if self._i == start:
                    raise _ScanError

    def _array(self, path: KeyPath, depth: int) -> None:
        self._i += 1
        index = 0
        while True:
            self._skip_trivia()
            if self._peek() == "]":
                break
            # An element has no key of its own, so its key points at the element too.
            self._value((*path, index), self._i, depth + 1)
            index += 1
            self._skip_trivia()
            if self._peek() == ",":
                self._i += 1
            elif self._peek() != "]":
                raise _ScanError
        self._i += 1

    def _inline_table(self, path: KeyPath, depth: int) -> None:
        self._i += 1
        while True:
            # TOML 1.0 forbids newlines here and 1.1 allows them; accepting both costs nothing.
            self._skip_trivia()
            if self._peek() == "}":
                break
            self._key_value(path, depth + 1)
            self._skip_trivia()
            if self._peek() == ",":
                self._i += 1
            elif self._peek() != "}":
                raise _ScanError
        self._i += 1

    def _string(self) -> str:
        """Skip a string of any of the four kinds and return its text, quotes included."""
        start = self._i
        quote = self._text[start]
        escapes = quote == '"'  # literal strings have none, so `\` is just a character there
        delimiter = quote * 3
        if self._text.startswith(delimiter, start):
            self._i += 3
            while not self._text.startswith(delimiter, self._i):
                if self._i >= len(self._text):
                    raise _ScanError
                # Skipping the escaped character also skips `\"` and a line-ending backslash.
                self._i += 2 if escapes and self._peek() == "\\" else 1
            # Up to two quotes just before the closing delimiter belong to the content.
            extra = 0
            while extra < 2 and self._peek(3 + extra) == quote:
                extra += 1
            self._i += 3 + extra
        else:
            self._i += 1
            while (char := self._peek()) != quote:
                if char in ("", "\n"):
                    raise _ScanError
                self._i += 2 if escapes and char == "\\" else 1
            self._i += 1
        return self._text[start : self._i]

    # -- low-level cursor moves ------------------------------------------------------------

    def _peek(self, ahead: int = 0) -> str:
        index = self._i + ahead
        return self._text[index] if index < len(self._text) else ""

    def _expect(self, token: str) -> None:
        self._skip_blank()
        if not self._text.startswith(token, self._i):
            raise _ScanError
        self._i += len(token)

    def _skip_blank(self) -> None:
        while self._peek() in (" ", "\t"):
            self._i += 1

    def _skip_comment(self) -> None:
        newline = self._text.find("\n", self._i)
        self._i = len(self._text) if newline < 0 else newline

    def _skip_trivia(self) -> None:
        """Skip whitespace, newlines and comments."""
        while (char := self._peek()) in (" ", "\t", "\r", "\n", "#"):
            if char == "#":
                self._skip_comment()
            else:
                self._i += 1

    def _position(self, index: int) -> Position:
        line = bisect.bisect_right(self._line_starts, index)
        return Position(line=line, column=index - self._line_starts[line - 1] + 1)


def _key_name(raw: str) -> str:
    """Turn a quoted key segment as written into its name."""
    if raw[0] == "'" or "\\" not in raw:
        return raw[1:-1]
    # Let tomllib decode the escapes, so a name is spelled exactly as in the parsed document.
    try:
        return str(tomllib.loads(f"k = {raw}")["k"])
    except tomllib.TOMLDecodeError:
        raise _ScanError from None


def locate(text: str) -> dict[KeyPath, Span]:
    """Map every key path in a TOML document to where its key and value are written.

    Paths are as in `tomllib.loads(text)`, with integer indices for array elements and for
    each `[[table]]`. A path's key points at the segment that completes it (`b` in `a.b = 1`
    and in `[a.b]`, where an error about that key belongs); a table made in passing, like
    `("a",)` by `[a.b]`, points at its own name where it first appears. An array element's key
    is the element itself. The text is assumed valid:
    on anything else this stops and returns what it found so far.
    """
    scanner = _Scanner(text)
    with contextlib.suppress(_ScanError):
        scanner.run()
    return scanner.spans
