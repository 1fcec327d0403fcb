"""Where a report puts things: paths relative to the git work tree GitHub reads them from,
items at their lines in the checklist file, waivers at their records, and this machine's
absolute paths (the repository's, the home folder) scrubbed from any text written."""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive._toml_positions import locate
from golive.model import Item, RecordState, Review

__all__ = ["SRCROOT", "Place", "inside"]

SRCROOT = "%SRCROOT%"  # the base every artifact URI is relative to
_USED_WAIVER = frozenset({RecordState.USED, RecordState.EXPIRING, RecordState.OVER_BROAD})
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, kw_only=True)
class Place:
    """Where things are: the repository root, the checklist and its items, what to hide."""

    prefix: str  # the reviewed directory relative to the repository root: "" or "a/b/"
    checklist: str | None  # relative to the reviewed directory
    items: Mapping[str, tuple[int, int]]  # item id -> (line, column) in the checklist
    waivers: Mapping[str, str]  # item id -> its waiver record, relative to the reviewed dir
    hidden: _Hidden | None  # absolute paths of this machine, never written

    @classmethod
    def of(cls, review: Review) -> Place:
        root = Path(review.root)
        try:
            resolved = root.resolve()
        except OSError:
            resolved = root.absolute()
        top = _work_tree(resolved)
        prefix = (
            "" if top is None or top == resolved else f"{resolved.relative_to(top).as_posix()}/"
        )
        checklist = inside(review.source) if review.source else None
        items = _item_lines(root / checklist) if checklist else {}
        waivers = {
            entry.item: path
            for entry in review.ledger
            if entry.kind == "waiver"
            and entry.item is not None
            and entry.state in _USED_WAIVER
            and (path := inside(entry.path)) is not None
        }
        roots = {str(resolved): ".", review.root: ".", str(Path.home()): "~"}
        if top is not None:
            roots[str(top)] = "."
        return cls(
            prefix=prefix,
            checklist=checklist,
            items=items,
            waivers=waivers,
            hidden=_Hidden.of(roots),
        )

    def clean(self, text: str) -> str:
        """`text` without this machine's absolute paths (the repository's, the home folder)."""
        return text if self.hidden is None else self.hidden.clean(text)

    def file(self, path: str, line: int | None = None, column: int | None = None) -> dict[str, Any]:
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": _uri(self.prefix + path), "uriBaseId": SRCROOT}
        }
        if line is not None and line >= 1:
            region = {"startLine": line}
            if column is not None and column >= 1:
                region["startColumn"] = column
            physical["region"] = region
        return {"physicalLocation": physical}

    def item(self, item: Item) -> dict[str, Any] | None:
        """The item's place in the checklist file, or None without a checklist."""
        if self.checklist is None:
            return None
        line, column = self.items.get(item.id, (None, None))
        location = self.file(self.checklist, line, column)
        location["logicalLocations"] = [{"name": item.id}]
        return location


@functools.lru_cache(maxsize=4096)
def _uri(path: str) -> str:
    return urllib.parse.quote(path, safe="/")


def _work_tree(path: Path) -> Path | None:
    """The root of the git work tree holding `path` (GitHub reads paths from there)."""
    for candidate in (path, *path.parents):
        try:
            if (candidate / ".git").exists():
                return candidate
        except OSError:
            return None
    return None


@functools.lru_cache(maxsize=4096)  # findings share a few files: normalise each once
def inside(path: str) -> str | None:
    """`path` normalised if it stays inside the reviewed directory, else None."""
    if not path or path.startswith(("/", "\\")) or _DRIVE.match(path):
        return None
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/".join(parts) or None


def _item_lines(path: Path) -> dict[str, tuple[int, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {
        key[1]: (span.key.line, span.key.column)
        for key, span in locate(text).items()
        if len(key) == 2 and key[0] == "items" and isinstance(key[1], str)
    }


@dataclass(frozen=True, kw_only=True)
class _Hidden:
    """Absolute paths replaced where they appear in text: `<root>/x` by `x`, `<home>/x` by
    `~/x`, a bare root by `.` or `~`."""

    pattern: re.Pattern[str]
    names: Mapping[str, str]

    @classmethod
    def of(cls, roots: Mapping[str, str]) -> _Hidden | None:
        names = {
            root.rstrip("/"): name
            for root, name in roots.items()
            if Path(root).is_absolute() and len(root.rstrip("/")) > 1
        }
        if not names:
            return None
        longest = sorted(names, key=len, reverse=True)
        alternatives = "|".join(re.escape(root) for root in longest)
        # A whole path (or its file: URL) only: not the tail of a longer name, a URL or a path.
        pattern = re.compile(rf"(?<![\w.~:/-])(?:file://)?({alternatives})(?:(/)|(?![\w.-]))")
        return cls(pattern=pattern, names=names)

    def clean(self, text: str) -> str:
        def name(match: re.Match[str]) -> str:
            given = self.names[match.group(1)]
            if match.group(2) is None:
                return given
            return "" if given == "." else f"{given}/"

        return self.pattern.sub(name, text)
