from __future__ import annotations

from pathlib import Path

from golive.checks.docs import Changelog, Contributing, License, Readme, SecurityPolicy
from golive.model import Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "docs"


# --- docs.readme ------------------------------------------------------------------------------


def test_readme_pass() -> None:
    assert run_check(Readme, DATA / "complete").status is Status.PASS


def test_readme_fail_without_sections() -> None:
    assert run_check(Readme, DATA / "bare").status is Status.FAIL


def test_readme_fail_without_readme(tmp_path: Path) -> None:
    assert run_check(Readme, tmp_path).status is Status.FAIL


def test_readme_unknown_when_not_text(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_bytes(b"\xff\xfe# Install\x00")
    assert run_check(Readme, tmp_path).status is Status.UNKNOWN


def test_readme_headings_in_code_blocks_do_not_count() -> None:
    outcome = run_check(Readme, DATA / "bare")
    assert outcome.observed == "install: -; usage: -; configuration: -"
    assert [str(f.location) for f in outcome.findings] == ["README.md"] * 3


def test_readme_observed_lists_the_headings_per_topic() -> None:
    outcome = run_check(Readme, DATA / "complete")
    assert outcome.observed == (
        "install: 'Installation'; usage: 'Usage'; "
        "configuration: 'Configuration', 'Environment variables'"
    )


def test_readme_synonyms_and_underlined_headings() -> None:
    assert run_check(Readme, DATA / "security-no-channel").status is Status.PASS  # setext
    assert run_check(Readme, DATA / "rst").status is Status.PASS  # reStructuredText


def test_readme_names_the_missing_topic() -> None:
    outcome = run_check(Readme, DATA / "thin")
    assert outcome.summary == "README.md has no section on configuration"


def test_readme_sections_parameter() -> None:
    assert run_check(Readme, DATA / "thin", sections=["install", "usage"]).status is Status.PASS
    assert run_check(Readme, DATA / "complete", sections=["settings"]).status is Status.PASS
    assert run_check(Readme, DATA / "complete", sections=["faq"]).status is Status.FAIL


# --- docs.contributing ------------------------------------------------------------------------


def test_contributing_pass_in_github_dir() -> None:
    assert run_check(Contributing, DATA / "complete").status is Status.PASS


def test_contributing_pass_in_docs_dir() -> None:
    assert run_check(Contributing, DATA / "rst").status is Status.PASS


def test_contributing_fail_when_missing() -> None:
    assert run_check(Contributing, DATA / "bare").status is Status.FAIL


def test_contributing_fail_when_nearly_empty() -> None:
    outcome = run_check(Contributing, DATA / "thin")
    assert (outcome.status, outcome.summary) == (Status.FAIL, "CONTRIBUTING.md is (nearly) empty")


# --- docs.changelog ---------------------------------------------------------------------------


def test_changelog_pass_reports_the_latest_version() -> None:
    outcome = run_check(Changelog, DATA / "complete")
    assert outcome.status is Status.PASS
    assert outcome.observed == "latest 1.10.0, 2 version(s), an Unreleased section"


def test_changelog_latest_in_an_oldest_first_history() -> None:
    assert run_check(Changelog, DATA / "rst").observed == "latest 0.2.1, 3 version(s)"


def test_changelog_fail_when_missing() -> None:
    assert run_check(Changelog, DATA / "bare").status is Status.FAIL


def test_changelog_fail_without_versions() -> None:
    assert run_check(Changelog, DATA / "thin").status is Status.FAIL


def test_changelog_unreleased_only_passes(tmp_path: Path) -> None:
    (tmp_path / "CHANGES.md").write_text("# Changes\n\n## [Unreleased]\n\n- First cut.\n")
    assert run_check(Changelog, tmp_path).status is Status.PASS


def test_changelog_plain_version_lines(tmp_path: Path) -> None:
    (tmp_path / "NEWS").write_text("Version 2.0 (2024-01-02)\n  * Faster.\n\n1.9.9\n  * Fix.\n")
    assert run_check(Changelog, tmp_path).observed == "latest 2.0, 2 version(s)"


# --- docs.security ----------------------------------------------------------------------------


def test_security_pass_with_email() -> None:
    outcome = run_check(SecurityPolicy, DATA / "complete")
    assert (outcome.status, outcome.observed) == (Status.PASS, "report to security@example.com")


def test_security_pass_with_private_vulnerability_reporting() -> None:
    assert run_check(SecurityPolicy, DATA / "rst").status is Status.PASS


def test_security_fail_when_missing() -> None:
    assert run_check(SecurityPolicy, DATA / "bare").status is Status.FAIL


def test_security_fail_without_a_channel() -> None:
    outcome = run_check(SecurityPolicy, DATA / "security-no-channel")
    assert outcome.status is Status.FAIL
    assert "names no reporting channel" in outcome.summary


def test_security_fail_with_a_channel_but_no_word_on_reporting() -> None:
    outcome = run_check(SecurityPolicy, DATA / "thin")
    assert outcome.status is Status.FAIL
    assert "does not say how vulnerabilities are reported" in outcome.summary


# --- docs.license -----------------------------------------------------------------------------


def test_license_pass_identifies_mit() -> None:
    outcome = run_check(License, DATA / "complete")
    assert (outcome.status, outcome.observed) == (
        Status.PASS,
        "LICENSE: MIT; Cargo.toml declares MIT",
    )


def test_license_dual_license_files_and_workspace_manifest() -> None:
    outcome = run_check(License, DATA / "rst")
    assert outcome.status is Status.PASS
    assert outcome.observed == (
        "LICENSE-APACHE: Apache-2.0; LICENSE-MIT: MIT; Cargo.toml declares MIT OR Apache-2.0"
    )


def test_license_fail_when_missing() -> None:
    assert run_check(License, DATA / "bare").status is Status.FAIL


def test_license_fail_names_the_manifest_license(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "x"\nlicense = "MIT"\n')
    outcome = run_check(License, tmp_path)
    assert outcome.status is Status.FAIL
    assert "Cargo.toml declares MIT" in outcome.summary


def test_license_warn_when_file_and_manifest_disagree() -> None:
    outcome = run_check(License, DATA / "thin")
    assert outcome.status is Status.WARN
    assert [str(f.location) for f in outcome.findings] == ["pyproject.toml:4"]


def test_license_fail_when_empty(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text("\n")
    assert run_check(License, tmp_path).status is Status.FAIL


def test_license_unidentified_text_still_passes(tmp_path: Path) -> None:
    (tmp_path / "COPYING").write_text("All rights reserved by the example company, 2024.\n")
    outcome = run_check(License, tmp_path)
    assert (outcome.status, outcome.observed) == (
        Status.PASS,
        "COPYING: license not identified",
    )


def test_license_identified_by_spdx_tag(tmp_path: Path) -> None:
    (tmp_path / "LICENSE.txt").write_text("SPDX-License-Identifier: MPL-2.0\n\nSee the MPL.\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nlicense = "MPL-2.0"\n')
    assert run_check(License, tmp_path).status is Status.PASS
