"""Dockerfile text into instructions with their lines: directives, continuations, heredocs.

The rules are those of BuildKit's front end: parser directives (`# escape=`, `# syntax=`,
`# check=`) only before anything else; a line ending in the escape character continues on
the next one (comment and blank lines inside a continuation are dropped); `<<WORD` in RUN,
COPY and ADD opens a heredoc whose body follows the instruction, up to a line holding only
WORD (`<<-WORD` strips leading tabs); arguments that are a JSON array of strings are the exec
form. Anything BuildKit would refuse is a `DockerfileError` with its line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from golive.model import Location

__all__ = [
    "KEYWORDS",
    "DockerfileError",
    "Heredoc",
    "Instruction",
    "Lexed",
    "lex",
]

KEYWORDS = frozenset(
    {"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT"}
    | {"VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
)
_DIRECTIVE = re.compile(r"^\s*#\s*(escape|syntax|check)\s*=\s*(.*?)\s*$", re.IGNORECASE)
_KEYWORD = re.compile(r"(\S+)\s*(.*)", re.DOTALL)
_HEREDOC = re.compile(r"(?<!<)<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_FLAG = re.compile(r"--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)")
_WITH_HEREDOCS = frozenset({"RUN", "COPY", "ADD"})
_WITH_FLAGS = frozenset({"FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"})
_EXEC_FORMS = frozenset({"RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "SHELL", "VOLUME"})


class DockerfileError(Exception):
    """The text is not a Dockerfile BuildKit would build; `line` is where the problem is."""

    def __init__(self, message: str, line: int, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, kw_only=True)
class Heredoc:
    """The body of one `<<WORD` heredoc and the line it starts on."""

    word: str
    body: str
    line: int


@dataclass(frozen=True, kw_only=True)
class Instruction:
    """One instruction, its flags and arguments, and the lines it spans (1-based)."""

    path: str
    keyword: str  # upper-case: FROM, RUN, COPY...
    args: str  # after the flags, continuation lines joined
    flags: tuple[tuple[str, str | None], ...] = ()  # in order; None for a bare `--link`
    exec_form: tuple[str, ...] | None = None  # the JSON array, when written that way
    heredocs: tuple[Heredoc, ...] = ()
    line: int
    end_line: int
    column: int = 1

    @property
    def location(self) -> Location:
        return Location(path=self.path, line=self.line, column=self.column)

    def flag(self, name: str) -> str | None:
        """The value of the last `--name=value` ('' for a bare `--name`), or None."""
        found: str | None = None
        for key, value in self.flags:
            if key == name:
                found = "" if value is None else value
        return found

    def flag_values(self, name: str) -> list[str]:
        return [value or "" for key, value in self.flags if key == name]

    @property
    def script(self) -> str:
        """What a RUN executes: the command and the bodies of its heredocs."""
        if self.exec_form is not None:
            return " ".join(self.exec_form)
        return "\n".join([self.args, *(doc.body for doc in self.heredocs)])


@dataclass(frozen=True, kw_only=True)
class Lexed:
    """The instructions of one file, its escape character and its comments by line."""

    instructions: tuple[Instruction, ...]
    escape: str
    comments: tuple[tuple[int, str], ...]


def lex(text: str, path: str) -> Lexed:
    """Split `text` into instructions; raises `DockerfileError` where BuildKit would stop."""
    lines = text.removeprefix("\ufeff").splitlines()
    escape, start = _directives(lines)
    instructions: list[Instruction] = []
    comments: list[tuple[int, str]] = []
    index = start
    while index < len(lines):
        stripped = lines[index].strip()
        if not stripped or stripped.startswith("#"):
            if stripped:
                comments.append((index + 1, stripped[1:].strip()))
            index += 1
            continue
        first = index
        joined, index = _logical_line(lines, index, escape, comments)
        keyword, rest = _split_keyword(joined, first + 1)
        heredocs: tuple[Heredoc, ...] = ()
        if keyword in _WITH_HEREDOCS:
            heredocs, index = _heredocs(lines, index, rest, first + 1)
        column = len(lines[first]) - len(lines[first].lstrip()) + 1
        instructions.append(
            _instruction(
                path,
                keyword=keyword,
                rest=rest,
                heredocs=heredocs,
                line=first + 1,
                end=index,
                column=column,
            )
        )
    return Lexed(instructions=tuple(instructions), escape=escape, comments=tuple(comments))


def _directives(lines: list[str]) -> tuple[str, int]:
    escape = "\\"
    seen: set[str] = set()
    index = 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index])
        if match is None:
            break
        key, value = match.group(1).lower(), match.group(2)
        if key in seen:
            raise DockerfileError(f"the parser directive {key!r} is given twice", index + 1)
        seen.add(key)
        if key == "escape":
            if value not in {"\\", "`"}:
                raise DockerfileError(
                    f"invalid escape character {value!r}: it must be \\ or `", index + 1
                )
            escape = value
        index += 1
    return escape, index


def _logical_line(
    lines: list[str], index: int, escape: str, comments: list[tuple[int, str]]
) -> tuple[str, int]:
    """The instruction starting at `index` with its continuations, and the next line's index."""
    parts: list[str] = []
    while True:
        body = lines[index].rstrip()
        index += 1
        if not body.endswith(escape):
            parts.append(body)
            return "".join(parts), index
        parts.append(body[: -len(escape)])
        while index < len(lines) and (
            not lines[index].strip() or lines[index].lstrip().startswith("#")
        ):
            if lines[index].strip():
                comments.append((index + 1, lines[index].strip()[1:].strip()))
            index += 1
        if index >= len(lines):
            return "".join(parts), index  # a continuation at the end of the file ends it


def _split_keyword(joined: str, line: int) -> tuple[str, str]:
    match = _KEYWORD.match(joined.strip())
    word, rest = (match.group(1), match.group(2)) if match else ("", "")
    keyword = word.upper()
    if keyword not in KEYWORDS:
        raise DockerfileError(f"unknown instruction {word!r}", line)
    return keyword, rest.strip()


def _heredocs(
    lines: list[str], index: int, rest: str, line: int
) -> tuple[tuple[Heredoc, ...], int]:
    found: list[Heredoc] = []
    for match in _HEREDOC.finditer(rest):
        strip_tabs, word = match.group(1) == "-", match.group(3)
        body: list[str] = []
        start = index + 1
        while True:
            if index >= len(lines):
                raise DockerfileError(f"the heredoc <<{word} is never closed", line)
            current = lines[index].lstrip("\t") if strip_tabs else lines[index]
            index += 1
            if current.rstrip("\r") == word:
                break
            body.append(current)
        found.append(Heredoc(word=word, body="\n".join(body), line=start))
    return tuple(found), index


def _instruction(
    path: str,
    *,
    keyword: str,
    rest: str,
    heredocs: tuple[Heredoc, ...],
    line: int,
    end: int,
    column: int,
) -> Instruction:
    flags: list[tuple[str, str | None]] = []
    if keyword in _WITH_FLAGS:
        while rest.startswith("--"):
            match = _FLAG.match(rest)
            if match is None:
                flag = rest.split(maxsplit=1)[0]
                raise DockerfileError(f"malformed flag in {keyword}: {flag!r}", line)
            flags.append((match.group(1), match.group(2)))
            rest = rest[match.end() :]
    exec_form = _exec_form(rest) if keyword in _EXEC_FORMS else None
    if keyword == "HEALTHCHECK":
        command, _, after = rest.partition(" ")
        if command.upper() == "CMD":
            exec_form = _exec_form(after.strip())
    if not rest and keyword not in {"CMD", "ENTRYPOINT"} and not heredocs:
        raise DockerfileError(f"{keyword} needs at least one argument", line, column)
    return Instruction(
        path=path,
        keyword=keyword,
        args=rest,
        flags=tuple(flags),
        exec_form=exec_form,
        heredocs=heredocs,
        line=line,
        end_line=end,
        column=column,
    )


def _exec_form(rest: str) -> tuple[str, ...] | None:
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest)
    except json.JSONDecodeError:
        return None  # BuildKit runs it in a shell instead
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None
