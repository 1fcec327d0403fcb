"""Sign-offs, waivers and the decision record through the real command line, in a real git
repository: the way a team uses them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from golive_cli import golive

PROFILE = """\
[profile]
name = "launch"
title = "Launch"

[sections.launch]
title = "Launch"

[items."security.pentest"]
title = "Penetration testing performed"
section = "launch"
level = "must"
attest = { role = "security", expires = "90d" }

[items."docs.security-policy"]
title = "A security policy"
section = "launch"
level = "must"
checks = ["docs.security"]

[items."launch.critical-items"]
title = "All critical checklist items completed"
section = "launch"
level = "must"
checks = ["decision.record"]
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "payments"
    root.mkdir()
    (root / "profile.toml").write_text(PROFILE)
    (root / "golive.toml").write_text(
        '[service]\nname = "payments"\nversion = "1.4.0"\nprofiles = ["./profile.toml"]\n'
    )
    git(root, "init", "-q")
    commit(root, "init")
    return root


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example", "commit", "-q", "-m", message)


def run(root: Path, *args: str, key: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"XDG_CONFIG_HOME": str(root.parent / "config")}
    if key is not None:
        env["GOLIVE_KEY"] = str(key)
    return golive(*args, cwd=root, env=env)


def items(root: Path, *extra: str) -> tuple[int, dict[str, dict]]:  # type: ignore[type-arg]
    report = root.parent / "review.json"
    done = run(root, "check", ".", "-f", f"json={report}", *extra)
    data = json.loads(report.read_text())
    return done.returncode, {i["id"]: i for i in data["items"]} | {"_ledger": data["ledger"]}


@pytest.mark.slow
def test_sign_off_waive_approve_gate_and_verify(repo: Path) -> None:  # noqa: PLR0915 -- one story, in order
    alice_key = repo.parent / "alice.pem"
    bob_key = repo.parent / "bob.pem"
    made = run(repo, "keys", "new", "--signer", "alice", "-r", "security", "-r", "approver",
               "--out", str(alice_key), "--add")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "key id:      SHA256:" in made.stdout
    assert alice_key.stat().st_mode & 0o777 == 0o600
    assert run(repo, "keys", "new", "--signer", "bob", "-r", "engineering", "--out", str(bob_key),
               "--add").returncode == 0  # fmt: skip
    code, found = items(repo)
    assert code == 1
    assert found["security.pentest"]["status"] == "pending"

    # A sign-off by someone without the role is refused at the door.
    wrong = run(
        repo, "attest", "security.pentest", "--evidence", "https://x.example/1", key=bob_key
    )
    assert wrong.returncode == 2
    assert "bob does not have the security role" in wrong.stderr
    signed = run(repo, "attest", "security.pentest", "--evidence", "https://x.example/pentest",
                 key=alice_key)  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    assert (
        "signed off security.pentest as alice (security) for payments, version 1.4.0"
        in signed.stdout
    )
    code, found = items(repo)
    assert found["security.pentest"]["status"] == "pass"
    assert found["docs.security-policy"]["status"] == "fail"

    # The owner's waiver of a must item counts only once an approver co-signs it.
    waived = run(repo, "waive", "docs.security-policy", "--reason", "policy is being written",
                 "--expires", "14d", key=bob_key)  # fmt: skip
    assert waived.returncode == 0, waived.stderr
    assert "golive approve .golive/waivers/docs.security-policy--" in waived.stdout
    code, found = items(repo)
    assert (code, found["docs.security-policy"]["status"]) == (1, "fail")
    assert [e["state"] for e in found["_ledger"] if e["kind"] == "waiver"] == ["refused"]
    record = next((repo / ".golive" / "waivers").glob("*.json"))
    approved = run(repo, "approve", str(record), key=alice_key)
    assert approved.returncode == 0, approved.stderr
    code, found = items(repo)
    assert (code, found["docs.security-policy"]["status"]) == (0, "waived")
    strict_code, strict = items(repo, "--strict")
    assert (strict_code, strict["docs.security-policy"]["status"]) == (1, "fail")

    # The decision: gated, signed, committed, verified; then the item about it passes.
    commit(repo, "sign-offs")
    gate = run(repo, "gate", ".", "--sign", key=alice_key)
    assert gate.returncode == 0, gate.stderr
    decision = next((repo / ".golive" / "decisions").glob("*.json"))
    checked = run(repo, "verify-decision", str(decision), "--commit", "HEAD", "--require-go")
    assert checked.returncode == 0, checked.stdout
    assert "verdict:  GO" in checked.stdout and "signed:   alice" in checked.stdout
    commit(repo, "decision")
    code, found = items(repo)
    assert found["launch.critical-items"]["status"] == "pass"
    assert "GO decided" in found["launch.critical-items"]["reason"]

    # A changed line of code: the decision no longer stands for it.
    (repo / "main.py").write_text("print('changed')\n")
    commit(repo, "change")
    code, found = items(repo)
    assert found["launch.critical-items"]["status"] == "fail"

    # The record altered after signing fails verification.
    data = json.loads(decision.read_text())
    data["payload"] = data["payload"][:-8] + "AAAAAAA="
    decision.write_text(json.dumps(data))
    tampered = run(repo, "verify-decision", str(decision))
    assert tampered.returncode == 1
    assert "✗" in tampered.stdout


def test_attest_and_waive_refuse_bad_input_clearly(repo: Path) -> None:
    no_key = run(repo, "attest", "security.pentest", "--evidence", "https://x.example/1")
    assert (no_key.returncode, "no signing key" in no_key.stderr) == (2, True)
    typo = run(repo, "waive", "security.pentest-x", "--reason", "r", "--expires", "1d")
    assert typo.returncode == 2
    assert "no item security.pentest-x in the checklist" in typo.stderr
    key = repo.parent / "k.pem"
    assert run(repo, "keys", "new", "--signer", "carol", "--out", str(key)).returncode == 0
    stranger = run(repo, "attest", "security.pentest", "--evidence", "https://x.example/1", key=key)
    assert stranger.returncode == 2
    assert "is not in .golive/signers.toml (missing)" in stranger.stderr
    bad_date = run(repo, "waive", "docs.security-policy", "--reason", "r", "--expires", "soon",
                   key=key)  # fmt: skip
    assert bad_date.returncode == 2
    assert "Traceback" not in no_key.stderr + typo.stderr + stranger.stderr + bad_date.stderr


def test_waive_checks_finding_fingerprints_against_a_review(repo: Path) -> None:
    (repo / "profile.toml").write_text(
        PROFILE + '\n[items."docker.add"]\ntitle = "COPY, not ADD"\nsection = "launch"\n'
        'level = "should"\nchecks = ["docker.copy-not-add"]\n'
    )
    (repo / "Dockerfile").write_text("FROM alpine:3.20\nADD app /app\nADD conf /conf\n")
    key = repo.parent / "k.pem"
    assert run(repo, "keys", "new", "--signer", "dana", "--role", "ops", "--add",
               "--out", str(key)).returncode == 0  # fmt: skip
    _, found = items(repo)
    review = str(repo.parent / "review.json")
    prints = sorted(f["fingerprint"] for c in found["docker.add"]["checks"] for f in c["findings"])
    assert len(prints) == 2
    waive = ("waive", "docker.add", "--reason", "r", "--expires", "7d", "--review", review)

    typo = run(repo, *waive, "--finding", prints[0][:-1] + "x", key=key)
    assert typo.returncode == 2
    assert f"not an open finding of docker.add in {review}" in typo.stderr
    assert prints[0] in typo.stderr and prints[1] in typo.stderr  # what it could have been
    assert not (repo / ".golive" / "waivers").exists()

    other = run(repo, *waive, "--finding", prints[0], key=key)
    assert other.returncode == 0, other.stderr
    assert "1 finding(s) of docker.add" in other.stdout

    unchecked = run(repo, *waive[:-2], "--finding", "0123456789abcdef", key=key)
    assert unchecked.returncode == 0
    assert "were not checked against a review" in unchecked.stderr

    missing = run(repo, "waive", "security.pentest", "--reason", "r", "--expires", "7d",
                  "--review", str(repo / "nope.json"), key=key)  # fmt: skip
    assert (missing.returncode, "nope.json" in missing.stderr) == (2, True)
    assert "Traceback" not in typo.stderr + missing.stderr


def test_verify_decision_of_a_missing_or_foreign_file(repo: Path) -> None:
    missing = run(repo, "verify-decision", "nope.json")
    assert (missing.returncode, "nope.json" in missing.stderr) == (2, True)
    (repo / "x.json").write_text('{"hello": 1}')
    foreign = run(repo, "verify-decision", "x.json")
    assert foreign.returncode == 1
    assert "not a decision record" in foreign.stdout


def test_records_made_in_the_same_second_do_not_overwrite_each_other(tmp_path: Path) -> None:
    from golive.cli.ledger import _write_record

    written = [_write_record(tmp_path, ".golive/waivers", "a--1.json", str(n)) for n in range(3)]
    assert [p.name for p in written] == ["a--1.json", "a--1-2.json", "a--1-3.json"]
    assert [p.read_text() for p in written] == ["0", "1", "2"]
