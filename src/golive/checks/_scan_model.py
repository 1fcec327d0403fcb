"""What scanner reports say, in one shape: runs of a tool, and each run's results.

A SARIF log holds one run per tool; a pip-audit or cargo-audit report is one run of that tool.
Parsers read untrusted JSON: they take any value, and either return runs or raise
`ReportError` with a reason a person can act on. The helpers here read a JSON value as the
type a field should have, and give an empty value when it has another.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from golive.model import Location

__all__ = [
    "LEVELS",
    "Report",
    "ReportError",
    "ScanResult",
    "ScanRun",
    "as_int",
    "as_list",
    "as_object",
    "as_text",
    "as_texts",
    "content_fingerprint",
    "first_line",
    "kind_of",
    "safe_text",
    "tool_key",
]

LEVELS = ("error", "warning", "note", "none")  # SARIF's levels, most severe first
_MESSAGE_CHARS = 500


class ReportError(Exception):
    """A report golive cannot read: not JSON, not a format it knows, or malformed."""


@dataclass(frozen=True, kw_only=True)
class ScanResult:
    """One result of a scanner run: a rule that fired, or a vulnerable dependency."""

    rule: str  # the tool's rule or advisory id ("CKV_K8S_8", "PYSEC-2018-28"); "" for none
    aliases: tuple[str, ...] = ()  # other ids rule patterns may name (CVE, GHSA)
    level: str  # one of LEVELS
    message: str
    location: Location | None = None
    suppressed: bool = False  # accepted as an exception in the tool itself
    fixed: bool = False  # SARIF baselineState "absent": in the baseline, gone now
    fingerprint: str  # line-independent identity, for waivers and baselines


@dataclass(frozen=True, kw_only=True)
class ScanRun:
    """One run of one tool, as one report records it."""

    tool: str  # as the report names it: "Checkov", "Semgrep OSS", "pip-audit"
    version: str | None
    report: str  # the report file, as shown
    results: tuple[ScanResult, ...]
    finished: datetime | None = None  # when the run ended, when the report says so
    incomplete: str | None = None  # why the results cannot be taken as complete
    audited: int | None = None  # dependencies looked up (dependency audits)
    not_audited: tuple[str, ...] = ()  # "name: why", for dependencies an audit skipped

    @property
    def key(self) -> str:
        """The tool's short name in rule ids: the first word of its name, lower case."""
        return tool_key(self.tool)

    def named(self, tool: str) -> bool:
        """Whether `tool` names this run's tool: its whole name or its first word, any case."""
        wanted = " ".join(tool.split()).casefold()
        return wanted in {" ".join(self.tool.split()).casefold(), self.key}

    @property
    def label(self) -> str:
        return f"{self.tool} {self.version}" if self.version else self.tool


@dataclass(frozen=True, kw_only=True)
class Report:
    """A report file and the runs it holds."""

    path: str  # relative to the repository when inside it
    format: str  # "SARIF", "pip-audit" or "cargo-audit"
    runs: tuple[ScanRun, ...]
    written: float  # the file's modification time, seconds since the epoch


def tool_key(name: str) -> str:
    words = name.split()
    return words[0].casefold() if words else ""


def content_fingerprint(*parts: str) -> str:
    """16 hex digits of a SHA-256 over `parts`: what identifies a result, never its line."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def safe_text(text: str) -> str:
    """`text` as valid Unicode: JSON may carry lone surrogates, which no output can encode."""
    return text.encode("utf-8", "replace").decode("utf-8")


def first_line(value: Any, limit: int = _MESSAGE_CHARS) -> str:
    """`value` as one line of at most `limit` characters (runs of white space made one)."""
    text = safe_text(" ".join(value.split())) if isinstance(value, str) else ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def as_object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def as_texts(value: Any) -> tuple[str, ...]:
    """The strings of a list (other items left out)."""
    return tuple(item for item in as_list(value) if isinstance(item, str))


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def kind_of(value: Any) -> str:
    """What a JSON value is, in words: "null", "a list", "an object"..."""
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "a list"
        case _:
            return "an object"
