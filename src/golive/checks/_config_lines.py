"""The line formats of configuration: .env files, Java .properties and INI files."""

from __future__ import annotations

import re
from collections.abc import Iterator

from golive.checks._config_model import ConfigError, Entry
from golive.model import Location

__all__ = ["parse_dotenv", "parse_ini", "parse_properties"]

_ENV_LINE = re.compile(r"\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)\s*=[ \t]*(?P<rest>.*)")
_PROPERTY_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f"}


def parse_dotenv(text: str, path: str) -> tuple[Entry, ...]:
    """`KEY=VALUE` lines; `export`, quotes (double quotes may span lines) and `#` comments."""
    entries: list[Entry] = []
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _ENV_LINE.fullmatch(line)
        if found is None:
            raise ConfigError("expected KEY=VALUE", Location(path=path, line=number, column=1))
        start = number
        rest = found["rest"]
        if rest[:1] in {'"', "'"}:
            while not _closed(rest) and number < len(lines):
                rest += "\n" + lines[number]
                number += 1
            value = _quoted(rest, path, start)
        else:
            value = re.split(r"\s#", rest, maxsplit=1)[0].strip()
        key = tuple(part for part in found["key"].split("__") if part) or (found["key"],)
        column = found.start("key") + 1
        location = Location(path=path, line=start, column=column)
        entries.append(Entry(key=key, value=value, location=location, typed=False, flat=True))
    return tuple(entries)


def _closed(rest: str) -> bool:
    quote = rest[0]
    i = 1
    while i < len(rest):
        if rest[i] == "\\" and quote == '"':
            i += 2
            continue
        if rest[i] == quote:
            return True
        i += 1
    return False


def _quoted(rest: str, path: str, line: int) -> str:
    quote = rest[0]
    i, out = 1, []
    while i < len(rest):
        char = rest[i]
        if char == "\\" and quote == '"' and i + 1 < len(rest):
            out.append({"n": "\n", "t": "\t"}.get(rest[i + 1], rest[i + 1]))
            i += 2
            continue
        if char == quote:
            tail = rest[i + 1 :].strip()
            if tail and not tail.startswith("#"):
                raise ConfigError(
                    "unexpected text after the closing quote", Location(path=path, line=line)
                )
            return "".join(out)
        out.append(char)
        i += 1
    raise ConfigError(f"the {quote} quote is never closed", Location(path=path, line=line))


def _logical_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """Property lines with `\\` continuations joined: (line, column of the key, text)."""
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        start = number + 1
        raw = lines[number]
        number += 1
        stripped = raw.lstrip()
        if not stripped or stripped[0] in "#!":
            continue
        column = len(raw) - len(stripped) + 1
        joined = stripped
        while _continues(joined) and number < len(lines):
            joined = joined[:-1] + lines[number].lstrip()
            number += 1
        yield start, column, joined


def _continues(line: str) -> bool:
    backslashes = len(line) - len(line.rstrip("\\"))
    return backslashes % 2 == 1


def parse_properties(text: str, path: str) -> tuple[Entry, ...]:
    """`key=value`, `key: value` or `key value`; `#`/`!` comments, `\\` continuations."""
    entries: list[Entry] = []
    for line, column, logical in _logical_lines(text):
        key, value = _split_property(logical)
        location = Location(path=path, line=line, column=column)
        parts = tuple(part for part in key.split(".") if part) or (key,)
        entries.append(Entry(key=parts, value=value, location=location, typed=False))
    return tuple(entries)


def _split_property(line: str) -> tuple[str, str]:
    i = 0
    while i < len(line) and line[i] not in "=: \t":
        i += 2 if line[i] == "\\" else 1
    key = _unescape(line[:i])
    rest = line[i:].lstrip(" \t")
    if rest[:1] in {"=", ":"}:
        rest = rest[1:].lstrip(" \t")
    return key, _unescape(rest)


def _unescape(text: str) -> str:
    def one(found: re.Match[str]) -> str:
        code = found[1]
        if code.startswith("u") and len(code) == 5:
            return chr(int(code[1:], 16))
        return _PROPERTY_ESCAPES.get(code, code)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", one, text)


def parse_ini(text: str, path: str) -> tuple[tuple[Entry, ...], dict[tuple[str, ...], Location]]:
    """`[section]` headers and `key = value` lines; the entries and where each section is."""
    entries: list[Entry] = []
    tables: dict[tuple[str, ...], Location] = {}
    section: tuple[str, ...] = ()
    last: Entry | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if raw[:1] in {" ", "\t"} and last is not None:  # a continuation of the last value
            last = Entry(
                key=last.key,
                value=f"{last.value}\n{stripped}",
                location=last.location,
                typed=False,
            )
            entries[-1] = last
            continue
        column = len(raw) - len(raw.lstrip()) + 1
        if stripped.startswith("[") and stripped.endswith("]"):
            section = (stripped[1:-1].strip(),)
            tables[section] = Location(path=path, line=number, column=column)
            last = None
            continue
        key, sep, value = _ini_split(stripped)
        if not sep:
            raise ConfigError(
                "expected `key = value` or a [section]",
                Location(path=path, line=number, column=column),
            )
        location = Location(path=path, line=number, column=column)
        last = Entry(key=(*section, key), value=value, location=location, typed=False)
        entries.append(last)
    return tuple(entries), tables


def _ini_split(line: str) -> tuple[str, str, str]:
    positions = [i for i in (line.find("="), line.find(":")) if i > 0]
    if not positions:
        return line, "", ""
    cut = min(positions)
    return line[:cut].strip(), line[cut], line[cut + 1 :].strip()
