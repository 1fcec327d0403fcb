"""What a review is of: the service, the git commit checked out, and the version declared."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

from golive.ledger.records import Subject

__all__ = ["has_changes", "head_commit", "subject_of"]


def head_commit(root: Path) -> str | None:
    """The commit checked out at `root`; None outside git or without git."""
    found = _git(root, "rev-parse", "--verify", "-q", "HEAD")
    return found or None


def has_changes(root: Path) -> bool:
    """Whether tracked files under `root` differ from the commit checked out."""
    return bool(_git(root, "status", "--porcelain", "--untracked-files=no", "--", "."))


def _git(root: Path, *args: str) -> str:
    """What git prints to standard output; empty when it fails or is missing."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


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
