"""The reviewed repository's files: listed once, `.gitignore` honoured, each read at most once.

In a git work tree the listing comes from git itself (tracked plus untracked-but-not-ignored
files), which is exact and fast; elsewhere the tree is walked and every `.gitignore` on the way
is applied with pathspec. Binary and oversized files are never decoded, and counted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path

import pathspec

from golive.model import Location

__all__ = ["MAX_TEXT_BYTES", "Repository"]

MAX_TEXT_BYTES = 2 * 1024 * 1024
_SNIFF_BYTES = 8192


class Repository:
    """The files of one repository, relative to its root with `/` separators, sorted."""

    def __init__(
        self,
        root: Path,
        files: Iterable[str],
        *,
        tracked: frozenset[str] | None = None,
        max_text_bytes: int = MAX_TEXT_BYTES,
        excluded: int = 0,
    ) -> None:
        self.root = root
        self.files: tuple[str, ...] = tuple(sorted(files))
        self._tracked = tracked  # None: not a git work tree
        self._max = max_text_bytes
        self._texts: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self._present = frozenset(self.files)
        self._by_lower = {path.lower(): path for path in self.files}
        self.excluded = excluded  # files the checklist's `exclude` patterns left out
        self.skipped_binary: set[str] = set()
        self.skipped_large: set[str] = set()

    @classmethod
    def scan(
        cls,
        root: Path,
        *,
        exclude: Iterable[str] = (),
        max_text_bytes: int = MAX_TEXT_BYTES,
    ) -> Repository:
        """List the repository at `root`; `exclude` holds gitignore-style patterns of paths the
        review leaves out (test fixtures, vendored trees), on top of `.gitignore`."""
        root = root.resolve()
        listed = _git_listing(root)
        files, tracked = listed if listed is not None else (_walk(root), None)
        spec = pathspec.GitIgnoreSpec.from_lines(list(exclude))
        kept = [path for path in files if not spec.match_file(path)]
        return cls(
            root,
            kept,
            tracked=tracked,
            max_text_bytes=max_text_bytes,
            excluded=len(files) - len(kept),
        )

    @property
    def is_git(self) -> bool:
        return self._tracked is not None

    def is_tracked(self, path: str) -> bool | None:
        """Whether git tracks `path`; None outside a git work tree."""
        return None if self._tracked is None else path in self._tracked

    def ignore_rule(self, path: str) -> Location | None:
        """The `.gitignore` line that ignores `path` (None when nothing does, or no git)."""
        listed = _git(["check-ignore", "-v", "--no-index", path], self.root)
        if listed is None or listed.returncode != 0:
            return None
        source, _, rest = listed.stdout.decode("utf-8", "replace").partition(":")
        line, _, _ = rest.partition(":")
        return Location(path=source, line=int(line)) if line.isdigit() else None

    def exists(self, path: str) -> bool:
        return path in self._present

    def find(self, *names: str, dirs: Iterable[str] = ("",)) -> str | None:
        """The first file named one of `names` (case-insensitive) in one of `dirs`."""
        for directory in dirs:
            prefix = f"{directory.strip('/')}/" if directory.strip("/") else ""
            for name in names:
                hit = self._by_lower.get(f"{prefix}{name}".lower())
                if hit is not None:
                    return hit
        return None

    def glob(self, *patterns: str) -> list[str]:
        """Files matching any of the gitignore-style `patterns` (`**/*.rs`, `Dockerfile`)."""
        spec = pathspec.PathSpec.from_lines("gitignore", patterns)
        return [path for path in self.files if spec.match_file(path)]

    def text(self, path: str) -> str | None:
        """The file decoded as UTF-8, or None if it is binary, oversized or not UTF-8."""
        with self._lock:
            if path in self._texts:
                return self._texts[path]
            text = self._read(path)
            self._texts[path] = text
            return text

    def _read(self, path: str) -> str | None:
        full = self.root / path
        try:
            if full.stat().st_size > self._max:
                self.skipped_large.add(path)
                return None
            data = full.read_bytes()
        except OSError:
            return None
        if b"\0" in data[:_SNIFF_BYTES]:
            self.skipped_binary.add(path)
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.skipped_binary.add(path)
            return None


def _git(args: list[str], root: Path) -> subprocess.CompletedProcess[bytes] | None:
    """Run git in `root`; None when git is missing or does not answer."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        return subprocess.run([git, *args], cwd=root, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


def _git_listing(root: Path) -> tuple[list[str], frozenset[str]] | None:
    listing = _git(["ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard"], root)
    if listing is None or listing.returncode != 0:
        return None  # no git, or not a work tree
    files: list[str] = []
    tracked: set[str] = set()
    for entry in listing.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if len(entry) < 3:
            continue
        tag, path = entry[0], entry[2:]
        if not (root / path).is_file():
            continue  # deleted in the work tree, or a submodule
        if path not in tracked:
            files.append(path)
        if tag != "?":
            tracked.add(path)
    return sorted(set(files)), frozenset(tracked)


def _walk(root: Path) -> list[str]:
    """Every file under `root` that no `.gitignore` on its way excludes."""
    found: list[str] = []
    pending: list[tuple[Path, tuple[tuple[str, pathspec.GitIgnoreSpec], ...]]] = [(root, ())]
    while pending:
        directory, rules = pending.pop()
        rel_dir = directory.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        ignore_file = directory / ".gitignore"
        if ignore_file.is_file():
            try:
                lines = ignore_file.read_text("utf-8", errors="replace").splitlines()
                rules = (*rules, (rel_dir, pathspec.GitIgnoreSpec.from_lines(lines)))
            except OSError:
                pass
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name == ".git":
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if _ignored(rel, is_dir, rules):
                continue
            if is_dir:
                pending.append((Path(entry.path), rules))
            elif entry.is_file():
                found.append(rel)
    return found


def _ignored(rel: str, is_dir: bool, rules: tuple[tuple[str, pathspec.GitIgnoreSpec], ...]) -> bool:
    ignored = False
    for base, spec in rules:  # deeper .gitignore files come later and win
        local = rel[len(base) + 1 :] if base else rel
        result = spec.check_file(local + "/" if is_dir else local)
        if result.include is not None:
            ignored = result.include
    return ignored
