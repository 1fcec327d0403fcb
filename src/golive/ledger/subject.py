"""What a review is of: the service, the git commit checked out, and the version declared."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

from golive.ledger.records import Subject

__all__ = ["has_changes", "head_commit", "same_code", "subject_of"]


def head_commit(root: Path) -> str | None:
    """The commit checked out at `root`; None outside git or without git."""
    found = _git(root, "rev-parse", "--verify", "-q", "HEAD")
    return found or None


def has_changes(root: Path) -> bool:
    """Whether tracked files under `root` differ from the commit checked out."""
    return bool(_git(root, "status", "--porcelain", "--untracked-files=no", "--", "."))


def same_code(root: Path, commit: str, head: str) -> bool:
    """Whether `commit` is `head`, or an ancestor of it from which only `root/.golive/`
    changed (committing a record there makes a new commit of the same code)."""
    if commit == head:
        return True
    if _run(root, "merge-base", "--is-ancestor", commit, head) is None:
        return False
    top = _git(root, "rev-parse", "--show-toplevel")
    try:
        records = (root.resolve() / ".golive").relative_to(Path(top).resolve()).as_posix()
    except (OSError, ValueError):
        return False
    # --quiet: exit 0 when nothing differs, 1 when something does (then _run gives None)
    return (
        _run(Path(top), "diff", "--quiet", commit, head, "--", ".", f":(exclude){records}")
        is not None
    )


def _git(root: Path, *args: str) -> str:
    """What git prints to standard output; empty when it fails or is missing."""
    done = _run(root, *args)
    return done.stdout.strip() if done is not None else ""


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """git's run when it succeeds (exit 0); None when it fails, is missing or hangs."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done if done.returncode == 0 else None


def subject_of(root: Path, service: str, version: str | None = None) -> Subject:
    """The subject records are checked against: the declared version wins over the one in
    Cargo.toml (`[package]`) or pyproject.toml (`[project]`)."""
    return Subject(
        service=service, commit=head_commit(root), version=version or _manifest_version(root)
    )


def _manifest_version(root: Path) -> str | None:
    for name, table in (("Cargo.toml", "package"), ("pyproject.toml", "project")):
        try:
            data = tomllib.loads((root / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        section = data.get(table)
        version = section.get("version") if isinstance(section, dict) else None
        if isinstance(version, str):
            return version
    return None
