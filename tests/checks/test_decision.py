"""`decision.record`: a signed GO decision record stands for the code under review."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from ledger_kit import Person, write_signers

from golive.checks.decision import DecisionRecord
from golive.checks.fixtures import ServiceInfo
from golive.ledger import Subject
from golive.ledger.decision import decision_record
from golive.model import Kind, Policy, Review, Status
from golive.testing import run_check

ALICE = Person("alice", ("release",))
MALLORY = Person("mallory", ("release",))
SERVICE = ServiceInfo(name="shop")


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def repository(tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "app.py").write_text("print('hello')\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example", "commit", "-q", "-m", "init")
    return root, git(root, "rev-parse", "HEAD")


def record(
    root: Path, commit: str, *, by: Person, days_ago: float = 0, name: str = "d.json"
) -> None:
    review = Review(
        service="shop",
        profiles=("p",),
        root=str(root),
        sections=(),
        results=(),
        scope=frozenset({Kind.STATIC}),
        policy=Policy(),
    )
    from golive.gate import decide

    envelope = decision_record(
        review,
        decide(review),
        subject=Subject(service="shop", commit=commit),
        dirty=False,
        checklist_digest="0" * 64,
        key=by.key,
        now=dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago),
    )
    folder = root / ".golive" / "decisions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(envelope.to_json())


def test_a_signed_go_record_for_this_commit_passes(tmp_path: Path) -> None:
    root, head = repository(tmp_path)
    write_signers(root, ALICE)
    record(root, head, by=ALICE)
    outcome = run_check(DecisionRecord, root, service=SERVICE)
    assert outcome.status is Status.PASS, outcome.summary
    assert ".golive/decisions/d.json" in outcome.summary


def test_no_record_an_old_one_or_a_strangers_fails(tmp_path: Path) -> None:
    root, head = repository(tmp_path)
    write_signers(root, ALICE)
    assert run_check(DecisionRecord, root, service=SERVICE).status is Status.FAIL
    record(root, head, by=ALICE, days_ago=40)
    old = run_check(DecisionRecord, root, service=SERVICE)
    assert (old.status, "at most 30 d is accepted" in old.summary) == (Status.FAIL, True)
    (root / ".golive" / "decisions" / "d.json").unlink()
    record(root, head, by=MALLORY)
    forged = run_check(DecisionRecord, root, service=SERVICE)
    assert forged.status is Status.FAIL
    assert "signed by an unknown key" in forged.findings[0].message


def test_without_git_it_is_unknown_and_without_signers_not_applicable(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    outcome = run_check(DecisionRecord, plain, service=SERVICE)
    assert (outcome.status, "not a git work tree" in outcome.summary) == (Status.UNKNOWN, True)
    root, head = repository(tmp_path)
    record(root, head, by=ALICE)
    nobody = run_check(DecisionRecord, root, service=SERVICE)
    assert nobody.status is Status.NOT_APPLICABLE
    assert "no signers" in nobody.summary
