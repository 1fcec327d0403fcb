"""Configuration problems that explain themselves: file, line, column, item, what and why.

`golive.toml:14:5: item "perf.latency": unknown unit "mss" in "<100mss"; expected one of ...`
"""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from golive._toml_positions import KeyPath, Span, locate

__all__ = ["ConfigError", "Problem", "SourceFile", "did_you_mean", "problems_from"]


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing wrong in a checklist file."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    item: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line, self.column) if part)
        scope = f'item "{self.item}": ' if self.item else ""
        return f"{where}: {scope}{self.message}" if where else f"{scope}{self.message}"


class ConfigError(Exception):
    """The checklist cannot be used as written; every problem found is listed."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """A TOML file read for the checklist, with positions found on demand."""

    display: str  # the path as shown in messages
    text: str
    data: dict[str, Any]
    prefix: KeyPath = ()  # ("tool", "golive") inside pyproject.toml

    @classmethod
    def parse(cls, display: str, text: str, prefix: KeyPath = ()) -> SourceFile:
        try:
            data = tomllib.loads(text.removeprefix("\ufeff"))  # editors may add a BOM
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([_toml_problem(display, text, exc)]) from None
        for key in prefix:
            data = data.get(str(key), {}) if isinstance(data, dict) else {}
        return cls(display=display, text=text, data=data, prefix=prefix)

    @cached_property
    def _spans(self) -> dict[KeyPath, Span]:
        return locate(self.text)

    def problem(
        self, path: Sequence[str | int], message: str, *, item: str | None = None, key: bool = False
    ) -> Problem:
        """A problem at `path` (its value, or its key when `key`); else the nearest parent."""
        full: KeyPath = (*self.prefix, *path)
        while full:
            span = self._spans.get(full)
            if span is not None:
                where = span.key if key or span.value is None else span.value
                return Problem(
                    message=message,
                    file=self.display,
                    line=where.line,
                    column=where.column,
                    item=item,
                )
            full = full[:-1]
        return Problem(message=message, file=self.display, item=item)


def _toml_problem(display: str, text: str, exc: tomllib.TOMLDecodeError) -> Problem:
    message = str(exc)
    found = re.search(r"^(?P<what>.*?) \(at line (?P<line>\d+), column (?P<col>\d+)\)", message)
    if found is not None:
        what, line, column = found["what"], int(found["line"]), int(found["col"])
    elif message.endswith("(at end of document)"):
        what = message.removesuffix(" (at end of document)")
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    else:
        return Problem(message=f"invalid TOML: {message}", file=display)
    return Problem(
        message=f"invalid TOML: {what[0].lower()}{what[1:]}", file=display, line=line, column=column
    )


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest choices: the best one, and any nearly as close."""
    scored = sorted(
        ((difflib.SequenceMatcher(None, word, choice).ratio(), choice) for choice in set(choices)),
        reverse=True,
    )
    if not scored or scored[0][0] < 0.6:
        return ""
    best = scored[0][0]
    close = [f'"{choice}"' for ratio, choice in scored[:3] if ratio >= best - 0.02]
    return f"; did you mean {' or '.join(close)}?"


def problems_from(
    error: ValidationError | Iterable[ErrorDetails],
    source: SourceFile,
    model: type[BaseModel],
    *,
    base: KeyPath = (),
    item: str | None = None,
) -> list[Problem]:
    """Translate pydantic's errors into problems at their place in `source`.

    `base` is where the validated data sits in the file (an item's `with` table, say).
    """
    entries = error.errors(include_url=False) if isinstance(error, ValidationError) else error
    problems = []
    for entry in entries:
        loc: KeyPath = tuple(entry["loc"])
        if loc and loc[-1] == "[key]":  # a dict key failed its own validation
            loc = loc[:-1]
            at_key = True
        else:
            at_key = entry["type"] == "extra_forbidden"
        path = (*base, *loc)
        owner = item
        if owner is None and len(path) >= 2 and path[0] == "items":
            owner = str(path[1])
        message = _message(entry, model, loc)
        problems.append(source.problem(path, message, item=owner, key=at_key))
    return problems


_KINDS = {
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "dict_type": "a table",
    "model_type": "a table",
    "list_type": "a list",
}


def _message(entry: Any, model: type[BaseModel], loc: KeyPath) -> str:
    kind = entry["type"]
    found = entry.get("input")
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = _allowed_keys(model, loc[:-1])
        listing = f"; allowed: {', '.join(allowed)}" if allowed else ""
        return f'unknown key "{name}"{did_you_mean(name, allowed)}{listing}'
    if kind == "missing":
        return f'missing required key "{loc[-1]}"'
    if kind in {"enum", "literal_error"}:
        expected = entry.get("ctx", {}).get("expected", "")
        return f"{_show(found)} is not allowed here; expected {expected.replace(chr(39), chr(34))}"
    if kind == "value_error":
        return str(entry.get("ctx", {}).get("error", entry["msg"]))
    if kind in _KINDS:
        return f"expected {_KINDS[kind]}, found {_show(found)}"
    return f"{entry['msg'][0].lower()}{entry['msg'][1:]} (found {_show(found)})"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _allowed_keys(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """The keys the table at `loc` accepts, found by walking the model's annotations."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [field.alias or name for name, field in annotation.model_fields.items()]
    return []


def _step(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if part in {name, field.alias}:
                return field.annotation
        return None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin is list and args:
        return args[0]
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip `Annotated[...]` and `X | None` down to the interesting type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in {typing.Union, types.UnionType}:
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation
