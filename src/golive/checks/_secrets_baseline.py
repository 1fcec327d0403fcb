"""The secrets baseline: findings accepted on purpose, each with a reason, read from TOML.

```toml
[[accepted]]
fingerprint = "4f3c2a..."          # from the finding
path = "tests/tls/server.key"     # where it was found
rule = "private-key"
reason = "throwaway key of the TLS tests; it signs nothing outside them"
```

An entry accepts the finding of its rule with its fingerprint in its file, wherever the
secret moves in the file. An entry that is malformed accepts nothing, and is itself reported
as a problem at its line in the baseline.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from golive._toml_positions import locate
from golive.checks._secrets_rules import RULE_IDS
from golive.model import Finding, Location

__all__ = ["Baseline", "Entry", "load_baseline"]

_FIELDS = ("fingerprint", "path", "rule", "reason")
_FINGERPRINT = re.compile(r"^[0-9a-f]{24}$")
_WHY = ": say why this is not a secret, or why it may stay"
_TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One accepted finding."""

    fingerprint: str
    path: str
    rule: str
    reason: str
    line: int | None  # where the entry starts in the baseline


@dataclass(frozen=True, kw_only=True)
class Baseline:
    """The accepted findings, and what is wrong with the file, if anything."""

    path: str  # relative to the repository root, with /
    present: bool = False
    entries: tuple[Entry, ...] = ()
    problems: tuple[Finding, ...] = ()
    _index: dict[tuple[str, str], Entry] = field(default_factory=dict, repr=False)

    def accepts(self, fingerprint: str, path: str) -> Entry | None:
        return self._index.get((fingerprint, path))

    def stale(self, seen: set[tuple[str, str]]) -> list[Entry]:
        """Entries no finding of this scan matched: their secret is gone (or moved file)."""
        return [e for e in self.entries if (e.fingerprint, e.path) not in seen]


def load_baseline(root: Path, relative: str) -> Baseline:
    """Read the baseline at `relative` (under `root`); an absent file accepts nothing."""
    path = PurePosixPath(relative.replace("\\", "/")).as_posix()
    full = root / path
    if not full.is_file():
        return Baseline(path=path)
    try:
        text = full.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Baseline(path=path, present=True, problems=(_problem(path, f"unreadable: {exc}"),))
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = _TOML_ERROR_AT.search(str(exc))
        line, column = (int(at.group(1)), int(at.group(2))) if at else (None, None)
        message = _TOML_ERROR_AT.sub("", str(exc)).strip()
        return Baseline(
            path=path,
            present=True,
            problems=(_problem(path, f"not valid TOML: {message}", line, column),),
        )
    return _validated(path, document, text)


def _validated(path: str, document: dict[str, Any], text: str) -> Baseline:
    spans = locate(text)

    def at(*keys: str | int) -> tuple[int | None, int | None]:
        span = spans.get(tuple(keys))
        return (span.key.line, span.key.column) if span else (None, None)

    problems: list[Finding] = []
    for key in document:
        if key != "accepted":
            problems.append(
                _problem(path, f'unknown key "{key}"; expected [[accepted]] tables', *at(key))
            )
    listed = document.get("accepted", [])
    if not isinstance(listed, list):
        problems.append(_problem(path, '"accepted" must be an array of tables', *at("accepted")))
        listed = []
    entries: list[Entry] = []
    for number, raw in enumerate(listed):
        where = at("accepted", number)
        if not isinstance(raw, dict):
            problems.append(_problem(path, f"accepted entry {number + 1} is not a table", *where))
            continue
        wrong = _entry_problems(raw)
        if wrong:
            problems.extend(
                _problem(path, f"accepted entry {number + 1}: {what}", *at("accepted", number, key))
                if key in raw
                else _problem(path, f"accepted entry {number + 1}: {what}", *where)
                for key, what in wrong
            )
            continue
        entries.append(
            Entry(
                fingerprint=raw["fingerprint"],
                path=raw["path"],
                rule=raw["rule"],
                reason=raw["reason"].strip(),
                line=where[0],
            )
        )
    index = {(e.fingerprint, e.path): e for e in entries}
    return Baseline(
        path=path, present=True, entries=tuple(entries), problems=tuple(problems), _index=index
    )


def _entry_problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, what is wrong) for each problem of one entry."""
    wrong: list[tuple[str, str]] = []
    for key in raw:
        if key not in _FIELDS:
            wrong.append((key, f'unknown key "{key}"; expected {", ".join(_FIELDS)}'))
    for key in _FIELDS:
        value = raw.get(key)
        if key not in raw:
            wrong.append((key, f'no "{key}"' + (_WHY if key == "reason" else "")))
        elif not isinstance(value, str) or not value.strip():
            wrong.append((key, f'"{key}" must be non-empty text'))
    fingerprint = raw.get("fingerprint")
    if isinstance(fingerprint, str) and fingerprint and not _FINGERPRINT.match(fingerprint):
        wrong.append(("fingerprint", "the fingerprint is not one golive reported (24 hex digits)"))
    rule = raw.get("rule")
    if isinstance(rule, str) and rule and rule not in RULE_IDS:
        wrong.append(("rule", f'unknown rule "{rule}"'))
    return wrong


def _problem(
    path: str, message: str, line: int | None = None, column: int | None = None
) -> Finding:
    return Finding(
        message=message,
        location=Location(path=path, line=line, column=column),
        rule="baseline",
    )
