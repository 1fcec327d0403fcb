"""`golive report --format markdown-checklist`: a team's Markdown checklist, ticked from a
review, by the real command line."""

from __future__ import annotations

from pathlib import Path

from golive_cli import golive

PROFILE = """\
[profile]
name = "p"
title = "P"

[sections.docs]
title = "Documentation"

[items."docs.security-policy"]
title = "Security policy published"
section = "docs"
level = "must"
checks = ["docs.security"]

[items."docs.license"]
title = "License chosen"
section = "docs"
level = "should"
checks = ["docs.license"]
"""

CHECKLIST = (
    "# Launch\r\n\r\n## Documentation\r\n\r\n- [ ] Security policy published\r\n"
    "- [x] License chosen\r\n- [ ] Something nobody mapped\r\n"
)


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "golive.toml").write_text('[service]\nname = "s"\nprofiles = ["./p.toml"]\n')
    (root / "p.toml").write_text(PROFILE)
    (root / "SECURITY.md").write_text(
        "# Security\n\nReport vulnerabilities to security@example.com; we answer in 3 days.\n"
    )
    (tmp_path / "LAUNCH.md").write_bytes(CHECKLIST.encode())
    return root


def test_the_checklist_is_ticked_from_a_fresh_review(tmp_path: Path) -> None:
    root = repo(tmp_path)
    done = golive("report", root, "--checklist", tmp_path / "LAUNCH.md")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()  # text mode reads \r\n as \n
    assert lines[4].startswith("- [x] Security policy published <!-- golive --> — ✅ pass")
    assert lines[5].startswith("- [ ] License chosen <!-- golive -->")  # no LICENSE: unticked
    assert lines[6] == "- [ ] Something nobody mapped"
    assert "1 ticked" in done.stderr and "line 7: no item: Something nobody mapped" in done.stderr
    assert "line 6: unticked (no evidence): License chosen" in done.stderr


def test_in_place_from_a_saved_json_report_twice_is_stable(tmp_path: Path) -> None:
    root = repo(tmp_path)
    assert (
        golive("check", root, "-f", f"json={tmp_path / 'r.json'}").returncode == 0
    )  # should fails
    args = ("report", "--from", tmp_path / "r.json", "-m", tmp_path / "LAUNCH.md", "--in-place")
    assert golive(*args).returncode == 0
    once = (tmp_path / "LAUNCH.md").read_bytes()
    assert b"\r\n" in once and b"- [x] Security policy published" in once
    assert golive(*args).returncode == 0
    assert (tmp_path / "LAUNCH.md").read_bytes() == once


def test_bad_inputs_are_clear_errors(tmp_path: Path) -> None:
    root = repo(tmp_path)
    missing = golive("report", root, "--checklist", tmp_path / "nope.md")
    assert missing.returncode == 2 and "cannot be read" in missing.stderr
    (tmp_path / "x.json").write_text("[]")
    foreign = golive("report", "--from", tmp_path / "x.json", "-m", tmp_path / "LAUNCH.md")
    assert foreign.returncode == 2 and "not a golive JSON report" in foreign.stderr
