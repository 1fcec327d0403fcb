"""Package-manager caches a RUN leaves in its layer: which manager filled one, and no cleanup.

A RUN is split into simple commands (at `&&`, `||`, `;`, `|`, newlines and parentheses);
`sudo`, `env`, variable assignments and shell keywords in front of a program are skipped.
Each package manager has its own evidence of a clean layer: a flag on the install command, a
cleanup command anywhere in the same RUN, an environment variable, or a cache mount.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from golive.checks._docker_parse import Instruction

__all__ = ["CacheIssue", "Command", "cache_issues", "commands"]

_OPERATOR = re.compile(r"^[();<>|&]+$")
_KEYWORDS = frozenset({"if", "then", "do", "else", "elif", "while", "until", "!", "{", "}"})
_WRAPPERS = frozenset(
    {"sudo", "env", "command", "exec", "nice", "time", "nohup", "eatmydata", "xargs"}
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WITH_VALUE = frozenset({"-o", "-t", "-c", "--option", "--target-release", "--config-file"})
_PIP = re.compile(r"^pip(?:3(?:\.\d+)?)?$")
_PYTHON = re.compile(r"^python(?:3(?:\.\d+)?)?$")


@dataclass(frozen=True, kw_only=True)
class Command:
    """One simple command: the program's base name first, then its arguments."""

    words: tuple[str, ...]

    @property
    def program(self) -> str:
        return self.words[0].rpartition("/")[2] if self.words else ""

    def subcommand(self, skip: int = 1) -> str:
        """The first argument after `skip` words that is not an option (nor an option's value)."""
        index = skip
        while index < len(self.words):
            word = self.words[index]
            if word in _WITH_VALUE:
                index += 2
                continue
            if not word.startswith("-"):
                return word
            index += 1
        return ""

    def has(self, *options: str) -> bool:
        return any(word == o or word.startswith(o + "=") for word in self.words for o in options)

    def mentions(self, fragment: str) -> bool:
        return any(fragment in word for word in self.words[1:])


@dataclass(frozen=True, kw_only=True)
class CacheIssue:
    """A package manager that filled its cache in a RUN that does not clean it."""

    manager: str
    needle: str  # the program's name, to find the line
    missing: str  # what would have kept the layer clean


def commands(script: str) -> list[Command]:
    """The simple commands of a shell script (approximately: enough to spot programs)."""
    found: list[Command] = []
    text = re.sub(r"\\\r?\n", " ", script)
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            lexer.commenters = ""
            tokens = list(lexer)
        except ValueError:
            tokens = line.split()
        current: list[str] = []
        for token in [*tokens, ";"]:
            if _OPERATOR.match(token):
                if current:
                    found.append(Command(words=tuple(_strip(current))))
                current = []
            else:
                current.append(token)
    return [command for command in found if command.words]


def cache_issues(instruction: Instruction, env: Mapping[str, str | None]) -> list[CacheIssue]:
    """The caches `instruction` (a RUN) fills and does not clean in the same layer."""
    mounts = instruction.flag_values("mount")
    if any("type=cache" in m or "type=tmpfs" in m for m in mounts):
        return []  # the cache lives outside the layer
    found = commands(instruction.script)
    issues: list[CacheIssue] = []
    for rule in _RULES:
        filling = [c for c in found if rule.fills(c)]
        if not filling or rule.ok_env & {k for k, v in env.items() if v not in {None, ""}}:
            continue
        if rule.flag and all(c.has(*rule.flag) for c in filling):
            continue
        if any(rule.cleans(c) for c in found):
            continue
        issues.append(
            CacheIssue(manager=rule.manager, needle=filling[0].program, missing=rule.missing)
        )
    return issues


def _strip(words: list[str]) -> list[str]:
    index = 0
    while index < len(words):
        word = words[index]
        if word in _KEYWORDS or _ASSIGNMENT.match(word):
            index += 1
        elif word.rpartition("/")[2] in _WRAPPERS:
            index += 1
            while index < len(words) and words[index].startswith("-"):
                index += 1
        else:
            break
    return words[index:]


@dataclass(frozen=True, kw_only=True)
class _Rule:
    manager: str
    fills: Callable[[Command], bool]
    cleans: Callable[[Command], bool]
    missing: str
    flag: tuple[str, ...] = ()
    ok_env: frozenset[str] = frozenset()


def _program(names: set[str], subcommands: set[str]) -> Callable[[Command], bool]:
    return lambda c: c.program in names and c.subcommand() in subcommands


def _removes(*fragments: str) -> Callable[[Command], bool]:
    return lambda c: c.program == "rm" and any(c.mentions(f) for f in fragments)


def _either(*tests: Callable[[Command], bool]) -> Callable[[Command], bool]:
    return lambda c: any(test(c) for test in tests)


def _pip_installs(command: Command) -> bool:
    if _PIP.match(command.program):
        return command.subcommand() == "install"
    if _PYTHON.match(command.program) and command.words[1:3] == ("-m", "pip"):
        return command.subcommand(3) == "install"
    return False


def _pip_cleans(command: Command) -> bool:
    if _PIP.match(command.program) or _PYTHON.match(command.program):
        return "cache" in command.words and ("purge" in command.words or "remove" in command.words)
    return False


_YUM = {"yum", "dnf", "microdnf", "tdnf"}
_RULES = (
    _Rule(
        manager="apt",
        fills=_program(
            {"apt-get", "apt", "aptitude"},
            {"install", "update", "upgrade", "dist-upgrade", "full-upgrade", "build-dep"},
        ),
        cleans=_removes("/var/lib/apt/lists"),
        missing="rm -rf /var/lib/apt/lists/* in the same RUN",
    ),
    _Rule(
        manager="apk",
        fills=_program({"apk"}, {"add", "update", "upgrade"}),
        cleans=_removes("/var/cache/apk"),
        missing="apk add --no-cache",
        flag=("--no-cache",),
    ),
    _Rule(
        manager="pip",
        fills=_pip_installs,
        cleans=_either(_pip_cleans, _removes(".cache/pip", "/root/.cache")),
        missing="pip install --no-cache-dir (or ENV PIP_NO_CACHE_DIR=1)",
        flag=("--no-cache-dir",),
        ok_env=frozenset({"PIP_NO_CACHE_DIR"}),
    ),
    _Rule(
        manager="uv",
        fills=lambda c: c.program == "uv" and c.subcommand() in {"pip", "sync", "tool", "add"},
        cleans=_either(_program({"uv"}, {"cache"}), _removes(".cache/uv", "/root/.cache")),
        missing="uv --no-cache (or ENV UV_NO_CACHE=1)",
        flag=("--no-cache",),
        ok_env=frozenset({"UV_NO_CACHE"}),
    ),
    _Rule(
        manager="yum/dnf",
        fills=_program(_YUM, {"install", "update", "upgrade", "groupinstall", "reinstall"}),
        cleans=_either(_program(_YUM, {"clean"}), _removes("/var/cache/yum", "/var/cache/dnf")),
        missing="yum/dnf clean all in the same RUN",
    ),
    _Rule(
        manager="zypper",
        fills=_program({"zypper"}, {"install", "in", "update", "up", "refresh", "ref"}),
        cleans=_either(_program({"zypper"}, {"clean", "cc"}), _removes("/var/cache/zypp")),
        missing="zypper clean --all in the same RUN",
    ),
    _Rule(
        manager="npm",
        fills=_program({"npm"}, {"install", "i", "ci", "add"}),
        cleans=_either(_program({"npm"}, {"cache"}), _removes(".npm")),
        missing="npm cache clean --force in the same RUN",
    ),
    _Rule(
        manager="yarn",
        fills=lambda c: c.program == "yarn" and c.subcommand() in {"", "install", "add"},
        cleans=_either(_program({"yarn"}, {"cache"}), _removes("yarn")),
        missing="yarn cache clean in the same RUN",
    ),
)
