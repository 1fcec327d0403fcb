"""Offline vulnerability data: a directory of OSV advisories, and versions matched against it."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from golive.checks._deps_model import Ecosystem, normalize
from golive.checks._deps_semver import SemVer, parse_semver
from golive.checks.base import Unknown

__all__ = ["Advisory", "AdvisoryDatabase", "Hit", "load_advisories"]

_ECOSYSTEMS = {e.osv: e for e in Ecosystem}
_MAX_FILES = 500_000
_SUMMARY = 100  # characters of an advisory's summary shown in a finding


@dataclass(frozen=True, kw_only=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    modified: str | None

    def named(self, ids: Collection[str]) -> bool:
        """Whether any of `ids` is this advisory's id or one of its aliases."""
        return self.id in ids or any(alias in ids for alias in self.aliases)


@dataclass(frozen=True, kw_only=True)
class _Affected:
    advisory: Advisory
    ranges: tuple[tuple[tuple[str, str], ...], ...]  # the events of each SEMVER/ECOSYSTEM range
    versions: frozenset[str]
    everything: bool  # no ranges and no versions: every version is affected


@dataclass(frozen=True, kw_only=True)
class Hit:
    """An advisory that affects a version, and the first version that fixes it, if known."""

    advisory: Advisory
    fixed: str | None


@dataclass(frozen=True, kw_only=True)
class AdvisoryDatabase:
    """The advisories of one directory, indexed by (ecosystem, package).

    A record affects a package when its version is listed in `affected[].versions` or falls
    inside one of `affected[].ranges` (SEMVER or ECOSYSTEM events: `introduced`, `fixed`,
    `last_affected`); GIT ranges name commits, not versions, and are not used. Versions compare
    by semantic versioning for crates.io and npm, and by PEP 440 for PyPI. Withdrawn records
    are left out; an entry with neither ranges nor versions affects every version.
    """

    source: str
    count: int
    ecosystems: frozenset[Ecosystem]
    unreadable: tuple[str, ...]
    newest: str | None  # the latest `modified` date among the advisories
    index: Mapping[tuple[Ecosystem, str], tuple[_Affected, ...]]

    def lookup(self, ecosystem: Ecosystem, name: str, version: str) -> tuple[list[Hit], bool]:
        """The advisories affecting `name` at `version`, and whether some could not be decided
        (a version that does not parse in the ecosystem's scheme)."""
        hits: list[Hit] = []
        undecided = False
        parsed = _parse(ecosystem, version)
        for entry in self.index.get((ecosystem, normalize(ecosystem, name)), ()):
            if entry.everything or version in entry.versions:
                hits.append(Hit(advisory=entry.advisory, fixed=_next_fix(ecosystem, parsed, entry)))
                continue
            if parsed is None:
                undecided = undecided or bool(entry.ranges)
                continue
            for events in entry.ranges:
                verdict = _affected(ecosystem, parsed, events)
                if verdict is None:
                    undecided = True
                elif verdict[0]:
                    hits.append(Hit(advisory=entry.advisory, fixed=verdict[1]))
                    break
        return hits, undecided


def load_advisories(path: Path, shown: str) -> AdvisoryDatabase:
    """Read every advisory under `path`: each `*.json` file below a directory (recursively), or
    one file, holding one OSV record or a list of them."""
    if not path.exists():
        raise Unknown(f"the advisory directory {shown} does not exist")
    files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
    if len(files) > _MAX_FILES:
        raise Unknown(f"the advisory directory {shown} holds more than {_MAX_FILES:,} files")
    index: dict[tuple[Ecosystem, str], list[_Affected]] = defaultdict(list)
    unreadable: list[str] = []
    ecosystems: set[Ecosystem] = set()
    count = 0
    newest: str | None = None
    for file in files:
        try:
            loaded = json.loads(file.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            unreadable.append(file.name)
            continue
        for record in loaded if isinstance(loaded, list) else [loaded]:
            entries = _entries(record)
            if entries is None:
                unreadable.append(file.name)
                continue
            count += 1
            for ecosystem, name, entry in entries:
                index[(ecosystem, name)].append(entry)
                ecosystems.add(ecosystem)
            modified = record.get("modified")
            if isinstance(modified, str) and (newest is None or modified > newest):
                newest = modified
    if not count:
        raise Unknown(
            f"the advisory directory {shown} holds no readable OSV advisories"
            + (f" ({len(unreadable)} file(s) could not be read)" if unreadable else "")
        )
    return AdvisoryDatabase(
        source=shown,
        count=count,
        ecosystems=frozenset(ecosystems),
        unreadable=tuple(unreadable),
        newest=newest,
        index={key: tuple(value) for key, value in index.items()},
    )


def _entries(record: Any) -> list[tuple[Ecosystem, str, _Affected]] | None:
    """The (ecosystem, package, affected) entries of one record; None if it is not OSV."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        return None
    affected = record.get("affected")
    if not isinstance(affected, list):
        return None
    if record.get("withdrawn"):
        return []
    advisory = Advisory(
        id=record["id"],
        aliases=tuple(str(a) for a in record.get("aliases") or ()),
        summary=_summary(record),
        modified=record.get("modified") if isinstance(record.get("modified"), str) else None,
    )
    found = []
    for item in affected:
        package = item.get("package") if isinstance(item, dict) else None
        if not isinstance(package, dict):
            continue
        ecosystem = _ECOSYSTEMS.get(str(package.get("ecosystem", "")).split(":")[0])
        if ecosystem is None or not isinstance(package.get("name"), str):
            continue
        ranges = tuple(
            tuple(
                (kind, str(value))
                for event in r.get("events", [])
                if isinstance(event, dict)
                for kind, value in event.items()
                if kind in {"introduced", "fixed", "last_affected"}
            )
            for r in item.get("ranges") or []
            if isinstance(r, dict) and r.get("type") in {"SEMVER", "ECOSYSTEM"}
        )
        versions = frozenset(str(v) for v in item.get("versions") or [])
        has_git = any(
            isinstance(r, dict) and r.get("type") == "GIT" for r in item.get("ranges") or []
        )
        entry = _Affected(
            advisory=advisory,
            ranges=ranges,
            versions=versions,
            everything=not ranges and not versions and not has_git,
        )
        found.append((ecosystem, normalize(ecosystem, package["name"]), entry))
    return found


def _next_fix(ecosystem: Ecosystem, version: Any, entry: _Affected) -> str | None:
    """The first `fixed` version after `version` in any of the entry's ranges."""
    if version is None:
        return None
    fixes = [
        (bound, text)
        for events in entry.ranges
        for kind, text in events
        if kind == "fixed" and (bound := _parse(ecosystem, text)) is not None and bound > version
    ]
    return min(fixes)[1] if fixes else None


def _summary(record: Mapping[str, Any]) -> str:
    """The advisory's summary, or the first sentence of its details, kept short."""
    text = str(record.get("summary") or record.get("details") or "").strip()
    first = re.split(r"(?<=\.)\s|\n", text, maxsplit=1)[0]
    return first if len(first) <= _SUMMARY else first[: _SUMMARY - 1].rstrip() + "…"


def _parse(ecosystem: Ecosystem, text: str) -> SemVer | Version | None:
    if ecosystem is Ecosystem.PYPI:
        try:
            return Version(text)
        except InvalidVersion:
            return None
    return parse_semver(text)


def _affected(
    ecosystem: Ecosystem, version: Any, events: tuple[tuple[str, str], ...]
) -> tuple[bool, str | None] | None:
    """Whether `version` falls inside the range these events draw, and the next fix after it;
    None when a bound does not parse."""
    bounds = []
    for kind, text in events:
        bound = _parse(ecosystem, text)
        if bound is None:
            return None
        bounds.append((bound, kind, text))
    state = False
    for bound, kind, _ in sorted(bounds, key=lambda b: b[0]):
        if (kind == "introduced" and version >= bound) or (
            kind in {"fixed", "last_affected"} and version > bound
        ):
            state = kind == "introduced"
        elif kind == "fixed" and version == bound:
            state = False
    fixes = sorted((b, text) for b, kind, text in bounds if kind == "fixed" and b > version)
    return state, (fixes[0][1] if fixes else None)
