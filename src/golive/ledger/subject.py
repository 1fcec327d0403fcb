"""What a review is of: the service, the git commit checked out, and the version declared."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

from golive.ledger.records import Subject

__all__ = ["git_commit", "subject_of"]


def git_commit(root: Path) -> tuple[str | None, bool]:
    """The commit checked out at `root` and whether the work tree has changes; (None, False)
    outside git or without git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--verify", "-q", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if head.returncode != 0:
            return None, False
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None, False
    return head.stdout.strip() or None, bool(status.stdout.strip())


def subject_of(root: Path, service: str, version: str | None = None) -> Subject:
    """The subject records are checked against: the declared version wins over the one in
    Cargo.toml (`[package]`) or pyproject.toml (`[project]`)."""
    commit, _ = git_commit(root)
    return Subject(service=service, commit=commit, version=version or _manifest_version(root))


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
