"""What configuration values mean: types, truth, numbers, log levels, references and display."""

from __future__ import annotations

import datetime
import itertools
import re
from typing import Any

from golive.checks._config_model import Entry
from golive.thresholds import ThresholdError, parse_duration

__all__ = [
    "LEVEL_ORDER",
    "TYPE_NAMES",
    "empty",
    "equals",
    "is_log_level_key",
    "level_rank",
    "number",
    "only_reference",
    "references",
    "show",
    "truthy",
    "type_of",
]

# An environment variable (or secret store) reference: ${VAR}, ${VAR:-x}, $VAR, %(ENV_VAR)s,
# {{ env "VAR" }}, env:VAR, ${env:VAR}.
_REFERENCE = re.compile(
    r"\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|%\(ENV_\w+\)s|\{\{-?\s*(?:env\b|\.Env\.)|^env:\w+$"
)
_INTEGER = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_TRUE = frozenset({"true", "yes", "on", "1", "y", "enabled", "enable"})
_FALSE = frozenset({"false", "no", "off", "0", "n", "disabled", "disable", "none", ""})
_SECRET_NAME = re.compile(r"pass|secret|token|credential|private|api_?key|auth", re.IGNORECASE)
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]*@")
_SHOWN_CHARS = 60

# Type names a checklist may use, and the value types each admits.
TYPE_NAMES: dict[str, frozenset[str]] = {
    "string": frozenset({"string"}),
    "str": frozenset({"string"}),
    "integer": frozenset({"integer"}),
    "int": frozenset({"integer"}),
    "float": frozenset({"float", "integer"}),
    "number": frozenset({"float", "integer"}),
    "boolean": frozenset({"boolean"}),
    "bool": frozenset({"boolean"}),
    "array": frozenset({"array"}),
    "list": frozenset({"array"}),
    "object": frozenset({"object"}),
    "table": frozenset({"object"}),
    "map": frozenset({"object"}),
    "null": frozenset({"null"}),
    "datetime": frozenset({"datetime"}),
}

# Log levels from the most verbose to the strictest; a level passes "warn or stricter" when its
# rank is at least warn's. `notice` (syslog) is less severe than a warning.
LEVEL_ORDER: tuple[tuple[float, tuple[str, ...]], ...] = (
    (0, ("trace", "all", "finest", "finer", "verbose")),
    (1, ("debug", "fine", "debug1", "debug2", "debug3")),
    (2, ("info", "information", "informational", "config")),
    (2.5, ("notice",)),
    (3, ("warn", "warning")),
    (4, ("error", "err", "severe")),
    (5, ("critical", "crit", "fatal", "alert", "emerg", "emergency", "panic")),
    (6, ("off", "none", "silent", "quiet")),
)
_RANKS = {name: rank for rank, names in LEVEL_ORDER for name in names}
_PYTHON_LEVELS = {10: 1.0, 20: 2.0, 30: 3.0, 40: 4.0, 50: 5.0}


def references(value: Any) -> bool:
    """Whether the value is, or contains, an environment variable reference."""
    return isinstance(value, str) and _REFERENCE.search(value.strip()) is not None


def only_reference(value: Any) -> bool:
    """Whether the whole value comes from the environment (so its real value is unknown here)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    found = _REFERENCE.search(text)
    return found is not None and (found.span() == (0, len(text)) or text.startswith("{{"))


def empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def infer(text: str) -> Any:
    """The value text from .env, .properties and .ini files stands for."""
    lowered = text.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if _INTEGER.fullmatch(text.strip()):
        return int(text)
    if _FLOAT.fullmatch(text.strip()):
        return float(text)
    return text


def type_of(value: Any, *, typed: bool = True) -> str:
    """The value's type, by the names of `TYPE_NAMES` (text of untyped files is inferred)."""
    if not typed and isinstance(value, str):
        value = infer(value)
    match value:
        case None:
            return "null"
        case bool():
            return "boolean"
        case int():
            return "integer"
        case float():
            return "float"
        case str():
            return "string"
        case list() | tuple():
            return "array"
        case dict():
            return "object"
        case datetime.date() | datetime.time():
            return "datetime"
    return type(value).__name__


def truthy(value: Any) -> bool | None:
    """True / False for a value that reads as a switch, None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return None


def number(value: Any) -> tuple[float, bool] | None:
    """The value as a number, and whether it was a duration read in seconds (`30s`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value), False
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _FLOAT.fullmatch(text):
        return float(text), False
    try:
        return parse_duration(text), True
    except ThresholdError:
        return None


def level_rank(value: Any) -> float | None:
    """The rank of a log level (`warn`), or of the most verbose directive in a filter such as
    `RUST_LOG=warn,greeter=debug`; None when the value is not a level."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _PYTHON_LEVELS.get(value)
    if not isinstance(value, str) or not value.strip():
        return None
    ranks = []
    for directive in value.split(","):
        level = directive.rpartition("=")[2].strip().lower()
        if level not in _RANKS:
            return None
        ranks.append(_RANKS[level])
    return min(ranks)


def is_log_level_key(entry: Entry) -> bool:
    """`log_level`, `log.level`, `logging.level.root`, `Logging.LogLevel.Default`, `RUST_LOG`."""
    words = entry.identity.split("_")
    if entry.identity in {"rust_log", "loglevel"}:
        return True
    pairs = set(itertools.pairwise(words))
    return "loglevel" in words or bool(pairs & {("log", "level"), ("logging", "level")})


def equals(actual: Any, expected: Any) -> bool:
    """Whether a configured value is the expected one: switches by truth, numbers by value,
    durations in seconds (a bare number is read as seconds), text case-insensitively."""
    if isinstance(expected, list):
        return any(equals(actual, option) for option in expected)
    if isinstance(expected, bool):
        return truthy(actual) is expected
    if isinstance(expected, int | float):
        found = number(actual)
        return found is not None and not found[1] and found[0] == float(expected)
    if isinstance(expected, str):
        want = number(expected)
        have = number(actual)
        if want is not None and have is not None and want[1]:
            return want[0] == have[0]
        return _text(actual).lower() == expected.strip().lower()
    return bool(actual == expected)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def show(value: Any, key: str = "") -> str:
    """The value as a finding shows it: secrets redacted, URL passwords masked, long text cut."""
    if _SECRET_NAME.search(key) and not isinstance(value, bool) and not empty(value):
        return "<redacted>"
    text = _USERINFO.sub(r"\g<scheme>\g<user>:***@", _text(value))
    if isinstance(value, str):
        text = f'"{text}"'
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
