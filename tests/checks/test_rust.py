"""The Rust checks against real std-only crates, with real cargo, clippy and rustfmt.

Each crate in tests/data/rust is copied once per module (cargo writes target/ next to the
manifest), so one build serves every test that reads it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from golive.checks.base import Check
from golive.checks.rust import (
    Clippy,
    CompilerWarnings,
    Formatting,
    LockfileCommitted,
    ReleaseProfile,
    RustTests,
    RustVersionDeclared,
)
from golive.model import Finding, Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "rust"
ALL_CHECKS = [
    Clippy,
    CompilerWarnings,
    Formatting,
    RustTests,
    ReleaseProfile,
    LockfileCommitted,
    RustVersionDeclared,
]
BUILDING = [Clippy, CompilerWarnings, RustTests]  # the checks that compile the workspace

needs_cargo = pytest.mark.skipif(
    shutil.which("cargo") is None, reason="cargo is not installed; these tests run it for real"
)
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def check_id(check: type[Check]) -> str:
    return check.id


def where(finding: Finding) -> str:
    return str(finding.location)


def copy(factory: pytest.TempPathFactory, name: str) -> Path:
    target = factory.mktemp(name) / name
    shutil.copytree(DATA / name, target)
    return target


def git(root: Path, *args: str) -> None:
    config = ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *config, *args], cwd=root, check=True, capture_output=True)


def commit(root: Path, *paths: str) -> Path:
    git(root, "init", "-q")
    git(root, "add", *(paths or ["-A"]))
    git(root, "commit", "-q", "-m", "fixture")
    return root


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed; the clean crate is a committed git work tree")
    return commit(copy(tmp_path_factory, "clean"))


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy(tmp_path_factory, "dirty")  # not a git work tree


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy(tmp_path_factory, "broken")


@pytest.fixture(scope="module")
def offline_dep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy(tmp_path_factory, "offline-dep")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy(tmp_path_factory, "workspace")


@pytest.fixture
def without_cargo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def without_clippy_and_rustfmt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `cargo` first on PATH that lacks the clippy and fmt subcommands, as cargo says then."""
    real = shutil.which("cargo")
    assert real is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "cargo"
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$1" in clippy|fmt) echo "error: no such command: \\`$1\\`" >&2; exit 101;; esac\n'
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(real).parent}")


# --- clean: every check passes ----------------------------------------------------------------


@pytest.mark.slow
@needs_cargo
@pytest.mark.parametrize("check", ALL_CHECKS, ids=check_id)
def test_clean_crate_passes(check: type[Check], clean: Path) -> None:
    assert run_check(check, clean).status is Status.PASS


@pytest.mark.slow
@needs_cargo
def test_test_counts_unit_and_integration_tests(clean: Path) -> None:
    outcome = run_check(RustTests, clean)
    assert (outcome.facts["passed"], outcome.facts["failed"]) == (4, 0)


@pytest.mark.slow
@needs_cargo
def test_test_without_all_features_skips_feature_gated_tests(clean: Path) -> None:
    outcome = run_check(RustTests, clean, all_features=False)
    assert outcome.facts["passed"] == 3
    assert "--all-features" not in str(outcome.facts["command"])


@pytest.mark.slow
@needs_cargo
def test_test_fails_below_min_tests(clean: Path) -> None:
    outcome = run_check(RustTests, clean, min_tests=10)
    assert (outcome.status, outcome.summary) == (Status.FAIL, "only 4 test(s) ran")


@pytest.mark.slow
@needs_cargo
def test_crate_without_tests_passes_only_with_min_tests_zero(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    untested = copy(tmp_path_factory, "profile-equivalents")
    assert run_check(RustTests, untested).summary == "only 0 test(s) ran"
    assert run_check(RustTests, untested, min_tests=0).status is Status.PASS


# --- dirty: a lint, a warning, an unformatted file, a failing test ------------------------------


@pytest.mark.slow
@needs_cargo
def test_clippy_reports_lints_and_compiler_warnings(dirty: Path) -> None:
    outcome = run_check(Clippy, dirty)
    assert outcome.status is Status.FAIL
    assert sorted((where(f), f.rule) for f in outcome.findings) == [
        ("src/lib.rs:4:5", "clippy::len_zero"),
        ("src/lib.rs:8:9", "unused_variables"),
    ]
    assert (outcome.facts["lints"], outcome.facts["diagnostics"]) == (1, 2)


@pytest.mark.slow
@needs_cargo
def test_warnings_reports_rustc_warnings_only(dirty: Path) -> None:
    outcome = run_check(CompilerWarnings, dirty)
    assert outcome.status is Status.FAIL
    assert [(where(f), f.rule) for f in outcome.findings] == [
        ("src/lib.rs:8:9", "unused_variables")
    ]
    assert outcome.facts["warnings"] == 1


@pytest.mark.slow
@needs_cargo
def test_fmt_names_the_unformatted_file(dirty: Path) -> None:
    outcome = run_check(Formatting, dirty)
    assert outcome.status is Status.FAIL
    assert outcome.summary == "1 file(s) are not formatted: src/shape.rs"
    assert [where(f) for f in outcome.findings] == ["src/shape.rs:1"]


@pytest.mark.slow
@needs_cargo
def test_test_reports_counts_and_where_the_failing_test_panicked(dirty: Path) -> None:
    outcome = run_check(RustTests, dirty)
    assert outcome.status is Status.FAIL
    assert (outcome.facts["passed"], outcome.facts["failed"]) == (2, 1)
    assert [(f.message, where(f)) for f in outcome.findings] == [
        ("test tests::sums failed", "src/lib.rs:23:9")
    ]


@pytest.mark.slow
@needs_cargo
def test_test_fails_when_a_test_ends_the_process(tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = run_check(RustTests, copy(tmp_path_factory, "crashing"))
    assert outcome.status is Status.FAIL  # no "test result" line, yet not unknown
    [finding] = outcome.findings
    assert "`--lib`" in finding.message
    assert "exit status: 3" in finding.message


@pytest.mark.slow
@needs_cargo
def test_test_names_a_failing_doc_test_in_full(tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = run_check(RustTests, copy(tmp_path_factory, "doc-fail"))
    assert (outcome.facts["passed"], outcome.facts["failed"]) == (1, 1)
    assert [f.message for f in outcome.findings] == ["test src/lib.rs - one (line 3) failed"]


def test_release_profile_fails_without_profile(dirty: Path) -> None:
    outcome = run_check(ReleaseProfile, dirty)
    assert outcome.status is Status.FAIL
    assert [f.rule for f in outcome.findings] == [
        "profile.release.lto",
        "profile.release.codegen-units",
        "profile.release.panic",
        "profile.release.strip",
    ]


def test_msrv_fails_without_rust_version(dirty: Path) -> None:
    outcome = run_check(RustVersionDeclared, dirty)
    assert outcome.status is Status.FAIL
    assert [f.message for f in outcome.findings] == ["package dirty declares no rust-version"]


# --- broken: a compile error ------------------------------------------------------------------


@pytest.mark.slow
@needs_cargo
@pytest.mark.parametrize("check", BUILDING, ids=check_id)
def test_compile_error_fails_with_an_error_finding(check: type[Check], broken: Path) -> None:
    outcome = run_check(check, broken)
    assert outcome.status is Status.FAIL
    assert "do not compile" in outcome.summary or "does not compile" in outcome.summary
    assert [(where(f), f.rule) for f in outcome.findings] == [("src/lib.rs:2:5", "E0308")]


@pytest.mark.slow
@needs_cargo
def test_fmt_checks_code_that_does_not_compile(broken: Path) -> None:
    assert run_check(Formatting, broken).status is Status.PASS


# --- offline: a dependency that is not in the local cache ------------------------------------


@pytest.mark.slow
@needs_cargo
@pytest.mark.parametrize("check", BUILDING, ids=check_id)
def test_missing_dependency_offline_is_unknown(check: type[Check], offline_dep: Path) -> None:
    outcome = run_check(check, offline_dep)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("dependencies cannot be fetched offline")
    assert "serde" in outcome.summary


@pytest.mark.slow
@needs_cargo
def test_fmt_needs_no_dependencies(offline_dep: Path) -> None:
    assert run_check(Formatting, offline_dep).status is Status.PASS


@pytest.mark.slow
@needs_cargo
def test_offline_failure_writes_no_lockfile(offline_dep: Path) -> None:
    run_check(Clippy, offline_dep)
    outcome = run_check(LockfileCommitted, offline_dep)
    assert (outcome.status, outcome.summary) == (Status.FAIL, "there is no Cargo.lock")


# --- workspace --------------------------------------------------------------------------------


@pytest.mark.slow
@needs_cargo
def test_warnings_in_a_member_are_located_from_the_workspace_root(workspace: Path) -> None:
    outcome = run_check(CompilerWarnings, workspace)
    assert [where(f) for f in outcome.findings] == ["crates/cli/src/lib.rs:2:9"]


@pytest.mark.slow
@needs_cargo
def test_failing_test_in_a_member_is_located_from_the_workspace_root(workspace: Path) -> None:
    outcome = run_check(RustTests, workspace)
    assert [(f.message, where(f)) for f in outcome.findings] == [
        ("test tests::is_named_core failed", "crates/core/src/lib.rs:9:9")
    ]


def test_msrv_names_the_member_without_rust_version(workspace: Path) -> None:
    outcome = run_check(RustVersionDeclared, workspace)
    assert (outcome.status, outcome.summary) == (
        Status.FAIL,
        "1 of 2 package(s) declare no rust-version",
    )
    assert [(f.message, where(f)) for f in outcome.findings] == [
        ("package ws-cli declares no rust-version", "crates/cli/Cargo.toml:1:2")
    ]


def test_msrv_inherited_from_the_workspace_counts(clean: Path, workspace: Path) -> None:
    outcome = run_check(RustVersionDeclared, workspace)
    assert "ws-core" not in " ".join(f.message for f in outcome.findings)
    assert run_check(RustVersionDeclared, clean).observed == "clean: 1.75"


# --- no Cargo.toml, no cargo, no clippy -------------------------------------------------------


@pytest.mark.parametrize("check", ALL_CHECKS, ids=check_id)
def test_not_applicable_without_cargo_toml(check: type[Check]) -> None:
    outcome = run_check(check, DATA / "no-cargo")
    assert outcome.status is Status.NOT_APPLICABLE


@pytest.mark.usefixtures("without_cargo")
@pytest.mark.parametrize("check", [Clippy, CompilerWarnings, Formatting, RustTests], ids=check_id)
def test_unknown_when_cargo_is_not_installed(check: type[Check], clean: Path) -> None:
    outcome = run_check(check, clean)
    assert (outcome.status, outcome.summary) == (
        Status.UNKNOWN,
        "cargo is not installed (not found on PATH)",
    )


@pytest.mark.usefixtures("without_cargo")
def test_static_checks_need_no_cargo(clean: Path) -> None:
    assert run_check(ReleaseProfile, clean).status is Status.PASS
    assert run_check(RustVersionDeclared, clean).status is Status.PASS


@pytest.mark.slow
@needs_cargo
@pytest.mark.usefixtures("without_clippy_and_rustfmt")
def test_without_clippy_clippy_is_unknown(dirty: Path) -> None:
    outcome = run_check(Clippy, dirty)
    assert (outcome.status, outcome.summary) == (
        Status.UNKNOWN,
        "clippy is not installed (rustup component add clippy)",
    )


@pytest.mark.slow
@needs_cargo
@pytest.mark.usefixtures("without_clippy_and_rustfmt")
def test_without_clippy_warnings_come_from_cargo_check(dirty: Path) -> None:
    outcome = run_check(CompilerWarnings, dirty)
    assert outcome.status is Status.FAIL
    assert str(outcome.facts["command"]).startswith("cargo check ")
    assert [f.rule for f in outcome.findings] == ["unused_variables"]


@pytest.mark.slow
@needs_cargo
@pytest.mark.usefixtures("without_clippy_and_rustfmt")
def test_without_rustfmt_fmt_is_unknown(dirty: Path) -> None:
    outcome = run_check(Formatting, dirty)
    assert (outcome.status, outcome.summary) == (
        Status.UNKNOWN,
        "cargo fmt is not installed (rustup component add rustfmt)",
    )


# --- release profile ---------------------------------------------------------------------------


def profile(name: str, **params: object) -> Outcome:
    return run_check(ReleaseProfile, DATA / name, **params)


def test_release_profile_accepts_equivalent_spellings_and_a_panic_policy() -> None:
    assert profile("profile-equivalents", panic="unwind").status is Status.PASS


def test_release_profile_points_at_the_differing_value() -> None:
    outcome = profile("profile-equivalents")
    assert [(f.message, where(f)) for f in outcome.findings] == [
        ('panic = "unwind", expected "abort"', "Cargo.toml:11:9")
    ]


def test_cargo_config_overrides_the_manifest_profile() -> None:
    outcome = profile("profile-override")
    assert outcome.status is Status.FAIL
    assert [(f.message, where(f)) for f in outcome.findings] == [
        ("codegen-units = 16, expected 1", ".cargo/config.toml")
    ]


def test_release_profile_codegen_units_param() -> None:
    assert profile("profile-override", **{"codegen-units": 16}).status is Status.PASS


def test_release_profile_any_leaves_a_key_unchecked() -> None:
    unchecked = {"lto": "any", "codegen-units": "any", "panic": "any", "strip": "any"}
    assert profile("dirty", **unchecked).status is Status.PASS


# --- lockfile --------------------------------------------------------------------------------


@needs_git
def test_lockfile_ignored_by_gitignore_fails_at_the_rule(tmp_path: Path) -> None:
    root = tmp_path / "clean"
    shutil.copytree(DATA / "clean", root)
    (root / ".gitignore").write_text("/target\nCargo.lock\n")
    outcome = run_check(LockfileCommitted, commit(root))
    assert outcome.status is Status.FAIL
    assert [where(f) for f in outcome.findings] == [".gitignore:2"]


@needs_git
def test_untracked_lockfile_fails(tmp_path: Path) -> None:
    root = tmp_path / "clean"
    shutil.copytree(DATA / "clean", root)
    outcome = run_check(LockfileCommitted, commit(root, "Cargo.toml", "src"))
    assert (outcome.status, outcome.summary) == (
        Status.FAIL,
        "Cargo.lock exists but is not committed",
    )


def test_lockfile_outside_git_is_unknown(dirty: Path) -> None:
    assert run_check(LockfileCommitted, dirty).status is Status.UNKNOWN
