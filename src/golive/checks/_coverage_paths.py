"""Placing the file paths that coverage and test reports name in the reviewed repository.

Reports name files absolutely (made here, or on a CI machine with another checkout path), or
relative to a source directory they declare, with `./` or Windows separators. A path is
placed at the repository file it names: directly when it lies under the repository, else by
the longest trailing part it shares with exactly one repository file. Third-party paths
(site-packages, node_modules, the Rust registry cache, the standard library) never are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

__all__ = ["PathPlacer"]

_DRIVE = re.compile(r"^[A-Za-z]:/")
_THIRD_PARTY = re.compile(
    r"/(?:site-packages|dist-packages|node_modules|\.cargo/registry|\.cargo/git|\.rustup)/"
    r"|^/rustc/|^/usr/(?:local/)?lib/"
)


class PathPlacer:
    """Turns the paths a report names into repository paths, or None when outside it."""

    def __init__(self, root: Path, files: Iterable[str]) -> None:
        self.root = root.resolve()
        self._lexical_root = PurePosixPath(root.absolute().as_posix())
        self._files = frozenset(files)
        self._by_name: dict[str, list[str]] = {}
        for path in self._files:
            self._by_name.setdefault(path.rpartition("/")[2], []).append(path)

    def place(self, raw: str, bases: Iterable[str] = ()) -> str | None:
        """The repository path `raw` names (tried against each of `bases` first), or None."""
        text = _slashes(raw)
        if not text:
            return None
        if _absolute(text):
            candidates = [text]
        else:
            joined = [_slashes(base).rstrip("/") for base in bases]
            candidates = [f"{base}/{text}" for base in joined if base not in {"", "."}] + [text]
        for candidate in candidates:
            located = self._inside(candidate) if _absolute(candidate) else _clean(candidate)
            if located is not None and self._known(located):
                return located
        if _absolute(text) and self._inside(text) is None and _THIRD_PARTY.search(text):
            return None
        for candidate in candidates:
            found = self._by_suffix(candidate)
            if found is not None:
                return found
        return self._inside(text) if _absolute(text) else _clean(text)

    def existing(self, raw: str) -> str | None:
        """`raw` as a repository path, only when that file exists."""
        path = self.place(raw)
        return path if path is not None and self._known(path) else None

    def _known(self, path: str) -> bool:
        return path in self._files or (self.root / path).is_file()

    def _inside(self, text: str) -> str | None:
        candidate = PurePosixPath(text)
        for root in (self._lexical_root, PurePosixPath(self.root.as_posix())):
            if candidate.is_relative_to(root):
                return _clean(candidate.relative_to(root).as_posix())
        if _DRIVE.match(text):
            return None
        resolved = Path(text).resolve()
        if resolved.is_relative_to(self.root):
            return _clean(resolved.relative_to(self.root).as_posix())
        return None

    def _by_suffix(self, text: str) -> str | None:
        """The one repository file sharing the longest trailing path with `text`.

        A shared file name alone is enough only for a file at the repository's top level
        whose name no other file has.
        """
        parts = text.split("/")
        best: list[str] = []
        best_depth = 0
        for path in self._by_name.get(parts[-1], ()):
            depth = _shared_tail(parts, path.split("/"))
            if depth > best_depth:
                best, best_depth = [path], depth
            elif depth == best_depth:
                best.append(path)
        if len(best) != 1:
            return None
        if best_depth >= 2 or (len(self._by_name[parts[-1]]) == 1 and "/" not in best[0]):
            return best[0]
        return None


def _slashes(text: str) -> str:
    text = text.strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text


def _absolute(text: str) -> bool:
    return text.startswith("/") or bool(_DRIVE.match(text))


def _shared_tail(a: list[str], b: list[str]) -> int:
    depth = 0
    while depth < min(len(a), len(b)) and a[-1 - depth] == b[-1 - depth]:
        depth += 1
    return depth


def _clean(text: str) -> str | None:
    """`text` without `.` and empty parts, `..` resolved; None when it climbs above the root."""
    parts: list[str] = []
    for part in text.split("/"):
        if part in {"", "."}:
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts) or None
