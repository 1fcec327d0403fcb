"""The repository index: git-aware, .gitignore honoured with or without git, each file read once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from golive.checks.repository import Repository

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def tree(root: Path) -> Path:
    (root / "src").mkdir()
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "target" / "debug").mkdir(parents=True)
    (root / "target" / "debug" / "out.txt").write_text("built\n")
    (root / "logs").mkdir()
    (root / "logs" / "a.log").write_text("x\n")
    (root / "logs" / "keep.log").write_text("kept\n")
    (root / "docs").mkdir()
    (root / "docs" / ".gitignore").write_text("draft.md\n")
    (root / "docs" / "draft.md").write_text("draft\n")
    (root / "docs" / "guide.md").write_text("guide\n")
    (root / ".gitignore").write_text("target/\n*.log\n!keep.log\n")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0rest")
    return root


EXPECTED = [
    ".gitignore",
    "docs/.gitignore",
    "docs/guide.md",
    "image.png",
    "logs/keep.log",
    "src/main.rs",
]


def test_without_git_every_gitignore_on_the_way_applies(tmp_path: Path) -> None:
    repo = Repository.scan(tree(tmp_path))
    assert not repo.is_git and repo.is_tracked("src/main.rs") is None
    assert list(repo.files) == EXPECTED


@needs_git
def test_in_a_git_work_tree_git_lists_the_files_and_knows_what_is_tracked(tmp_path: Path) -> None:
    root = tree(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "src/main.rs"], cwd=root, check=True)
    repo = Repository.scan(root)
    assert repo.is_git
    assert list(repo.files) == EXPECTED
    assert repo.is_tracked("src/main.rs") is True
    assert repo.is_tracked("docs/guide.md") is False


def test_binary_and_oversized_files_are_never_decoded_and_are_counted(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "big.txt").write_text("x" * 2000)
    repo = Repository.scan(root, max_text_bytes=1000)
    assert repo.text("image.png") is None and repo.skipped_binary == {"image.png"}
    assert repo.text("big.txt") is None and repo.skipped_large == {"big.txt"}
    assert repo.text("src/main.rs") == "fn main() {}\n"


def test_each_file_is_read_once(tmp_path: Path) -> None:
    root = tree(tmp_path)
    repo = Repository.scan(root)
    assert repo.text("docs/guide.md") == "guide\n"
    (root / "docs" / "guide.md").write_text("changed\n")
    assert repo.text("docs/guide.md") == "guide\n"


def test_find_is_case_insensitive_and_searches_the_given_folders(tmp_path: Path) -> None:
    repo = Repository.scan(tree(tmp_path))
    assert repo.find("GUIDE.md", dirs=("", "docs")) == "docs/guide.md"
    assert repo.find("guide.md") is None
    assert repo.glob("**/*.rs") == ["src/main.rs"]


def test_the_checklist_can_leave_paths_out_of_the_review(tmp_path: Path) -> None:
    root = tree(tmp_path)
    repo = Repository.scan(root, exclude=["docs/**", "*.png"])
    assert list(repo.files) == [".gitignore", "logs/keep.log", "src/main.rs"]
    assert repo.excluded == 3
