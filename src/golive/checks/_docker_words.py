"""Dockerfile words: quotes, the escape character and `${VAR}` substitution, as BuildKit reads them.

Arguments of ENV, ARG, USER, COPY and FROM are split into words the way the Dockerfile front
end does it (not a shell): single quotes are literal, double quotes group and allow escapes,
the escape character protects the next character, and `$NAME`, `${NAME}`, `${NAME:-word}`,
`${NAME-word}`, `${NAME:+word}` and `${NAME+word}` are substituted from the variables
declared so far. A variable with no known value is left as written and reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Words", "assignments", "expand", "words"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BLANK = " \t\r\n"
Env = Mapping[str, str | None]  # a declared variable without a value maps to None


@dataclass(kw_only=True)
class Words:
    """The words of a text and the variables that had no value (left as written)."""

    items: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def words(text: str, *, escape: str = "\\", env: Env | None = None) -> Words:
    """Split `text` into words; with `env`, substitute variables (without it, `$` is kept)."""
    result = Words()
    current: list[str] = []
    started = False
    index = 0
    while index < len(text):
        char = text[index]
        if char in _BLANK:
            if started:
                result.items.append("".join(current))
                current, started = [], False
            index += 1
            continue
        started = True
        if char == escape:
            current.append(text[index + 1 : index + 2])
            index += 2
        elif char == "'":
            end = text.find("'", index + 1)
            end = len(text) if end < 0 else end
            current.append(text[index + 1 : end])
            index = end + 1
        elif char == '"':
            index = _double_quoted(
                text, index + 1, escape=escape, env=env, current=current, result=result
            )
        elif char == "$" and env is not None:
            value, index = _variable(text, index, escape, env, result)
            current.append(value)
        else:
            current.append(char)
            index += 1
    if started:
        result.items.append("".join(current))
    return result


def expand(text: str, env: Env, *, escape: str = "\\") -> Words:
    """`text` as one word with its variables substituted (quotes removed)."""
    found = words(text, escape=escape, env=env)
    return Words(items=[" ".join(found.items)], unresolved=found.unresolved)


def assignments(
    text: str, *, escape: str = "\\", legacy: bool = True
) -> list[tuple[str, str | None]]:
    """`KEY=value` pairs of ENV, ARG or LABEL, as written (variables not substituted).

    ENV's old form `ENV KEY value with spaces` (`legacy`) gives one pair; a bare `KEY` (ARG
    without a default) gives `(KEY, None)`.
    """
    found = words(text, escape=escape).items
    if legacy and found and "=" not in found[0]:
        if len(found) == 1:
            return [(found[0], None)]
        value = text.strip()[len(text.strip().split(None, 1)[0]) :].strip()
        return [(found[0], " ".join(words(value, escape=escape).items))]
    pairs: list[tuple[str, str | None]] = []
    for word in found:
        key, equals, value = word.partition("=")
        pairs.append((key, value if equals else None))
    return pairs


def _double_quoted(
    text: str, index: int, *, escape: str, env: Env | None, current: list[str], result: Words
) -> int:
    while index < len(text) and text[index] != '"':
        char = text[index]
        if char == escape and text[index + 1 : index + 2] in {'"', "$", escape}:
            current.append(text[index + 1])
            index += 2
        elif char == "$" and env is not None:
            value, index = _variable(text, index, escape, env, result)
            current.append(value)
        else:
            current.append(char)
            index += 1
    return index + 1


def _variable(text: str, index: int, escape: str, env: Env, result: Words) -> tuple[str, int]:
    """The value of the variable at `text[index] == "$"`, and the index after it."""
    if text.startswith("{", index + 1):
        end = _closing(text, index + 2)
        inner = text[index + 2 : end]
        written = text[index : end + 1]
        return _braced(inner, written, escape, env, result), end + 1
    match = _NAME.match(text, index + 1)
    if match is None:
        return "$", index + 1
    name = match.group(0)
    value = env.get(name)
    if value is None:
        result.unresolved.append(name)
        return "$" + name, match.end()
    return value, match.end()


def _braced(inner: str, written: str, escape: str, env: Env, result: Words) -> str:
    match = _NAME.match(inner)
    if match is None:
        return written
    name, operator = match.group(0), inner[match.end() :]
    value = env.get(name)
    for op in (":-", "-", ":+", "+"):
        if operator.startswith(op):
            word = expand(operator[len(op) :], env, escape=escape)
            fallback = word.items[0] if word.items else ""
            empty_counts = op.startswith(":")
            is_set = value is not None and (bool(value) or not empty_counts)
            if op.endswith("-"):
                if is_set:
                    return value or ""
                result.unresolved.extend(word.unresolved)
                return fallback
            if is_set:
                result.unresolved.extend(word.unresolved)
                return fallback
            if value is None and name not in env:
                result.unresolved.append(name)
                return written
            return ""
    if operator:  # ${NAME%suffix} and the like: not worth guessing
        result.unresolved.append(name)
        return written
    if value is None:
        result.unresolved.append(name)
        return written
    return value


def _closing(text: str, index: int) -> int:
    depth = 1
    while index < len(text):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return len(text)
