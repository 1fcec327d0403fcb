from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from golive.checks.source import TodoMarkers
from golive.model import Finding, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data"
MARKERS = DATA / "source/markers"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def where(finding: Finding) -> str:
    return str(finding.location)


def test_pass_without_markers() -> None:
    assert run_check(TodoMarkers, DATA / "source/clean").status is Status.PASS


def test_fail_with_markers() -> None:
    assert run_check(TodoMarkers, MARKERS).status is Status.FAIL


def test_not_applicable_without_source_files() -> None:
    assert run_check(TodoMarkers, DATA / "source/no-code").status is Status.NOT_APPLICABLE


def test_findings_are_markers_in_comments_only() -> None:
    outcome = run_check(TodoMarkers, MARKERS)
    assert [(where(f), f.rule) for f in outcome.findings] == [
        ("app/handlers.py:10:7", "FIXME"),
        ("bin/deploy:3:3", "HACK"),
        ("db/schema.sql:3:27", "XXX"),
        ("src/main.rs:12:12", "TODO"),
        ("src/main.rs:22:12", "FIXME"),
        ("src/main.rs:23:9", "rust-todo-macro"),
        ("src/main.rs:27:8", "HACK"),
    ]
    assert outcome.observed == "7 marker(s)"
    assert outcome.required == "<= 0"


def test_message_is_the_marker_and_the_rest_of_the_comment() -> None:
    messages = [f.message for f in run_check(TodoMarkers, MARKERS).findings]
    assert "TODO: persist rate-limit state across restarts" in messages
    assert "FIXME: refill is not atomic" in messages  # the closing */ is not part of it
    assert 'todo!("refill the buckets")' in messages


def test_vendored_generated_and_binary_files_are_skipped_and_counted() -> None:
    facts = run_check(TodoMarkers, MARKERS).facts
    assert (facts["skipped_vendored"], facts["skipped_generated"]) == (1, 1)
    assert facts["skipped_binary"] == 1  # legacy/latin1.c is not UTF-8
    assert facts["markers"] == 7


def test_docs_are_scanned_only_when_asked() -> None:
    outcome = run_check(TodoMarkers, MARKERS, include_docs=True)
    assert "README.md:3:1" in [where(f) for f in outcome.findings]


def test_max_allows_some_markers() -> None:
    assert run_check(TodoMarkers, MARKERS, max=7).status is Status.PASS


def test_exclude_skips_paths() -> None:
    outcome = run_check(TodoMarkers, MARKERS, exclude=["src/", "bin/"])
    assert [f.rule for f in outcome.findings] == ["FIXME", "XXX"]


def test_custom_markers() -> None:
    outcome = run_check(TodoMarkers, MARKERS, markers=["XXX"])
    assert [f.rule for f in outcome.findings] == ["XXX", "rust-todo-macro"]


def test_every_marker_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "many.py").write_text("# TODO: one more\n" * 150)
    outcome = run_check(TodoMarkers, tmp_path)
    assert (len(outcome.findings), outcome.facts["markers"]) == (150, 150)


def test_fingerprint_survives_a_marker_moving_down(tmp_path: Path) -> None:
    code = "def f():\n    return 1  # TODO: handle the error\n"
    (tmp_path / "app.py").write_text(code)
    before = run_check(TodoMarkers, tmp_path).findings[0]
    (tmp_path / "app.py").write_text("\n" * 10 + code)
    after = run_check(TodoMarkers, tmp_path).findings[0]
    assert (where(before), where(after)) == ("app.py:2:17", "app.py:12:17")
    assert before.fingerprint == after.fingerprint


def test_fingerprint_changes_with_the_comment(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1  # TODO: one thing\n")
    first = run_check(TodoMarkers, tmp_path).findings[0].fingerprint
    (tmp_path / "app.py").write_text("x = 1  # TODO: another thing\n")
    assert run_check(TodoMarkers, tmp_path).findings[0].fingerprint != first


def test_block_comments_and_strings_in_many_languages(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text('const u = "http://x/*"; // ok\n/*\n  TODO: wrap\n*/\n')
    (tmp_path / "b.go").write_text('s := "// TODO not a comment"\n/* done */ x := "TODO"\n')
    (tmp_path / "c.html").write_text("<p>TODO in text</p>\n<!-- FIXME: alt text -->\n")
    (tmp_path / "d.lua").write_text("local s = '-- TODO'\n--[[ HACK: retry ]]\n")
    outcome = run_check(TodoMarkers, tmp_path)
    assert [where(f) for f in outcome.findings] == ["a.ts:3:3", "c.html:2:6", "d.lua:2:6"]


@needs_git
def test_gitignored_files_are_not_scanned(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("scratch/\n")
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch/notes.py").write_text("# TODO: local notes\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    assert run_check(TodoMarkers, tmp_path).status is Status.PASS


def test_block_comment_closers_are_not_part_of_the_message(tmp_path: Path) -> None:
    (tmp_path / "d.lua").write_text("--[[ HACK: retry ]]\n")
    assert run_check(TodoMarkers, tmp_path).findings[0].message == "HACK: retry"
