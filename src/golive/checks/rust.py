"""Rust code-quality checks: clippy, compiler warnings, formatting, tests, release profile,
lockfile and declared minimum Rust version."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from golive.checks import _cargo
from golive.checks.base import (
    Check,
    CheckParams,
    Facts,
    NoParams,
    failed,
    passed,
    unknown,
)
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Location, Outcome

__all__ = [
    "Clippy",
    "CompilerWarnings",
    "Formatting",
    "LockfileCommitted",
    "ReleaseProfile",
    "RustTests",
    "RustVersionDeclared",
]


def _diagnostic_findings(diagnostics: Iterable[_cargo.Diagnostic]) -> list[Finding]:
    return [Finding(message=d.message, location=d.location, rule=d.code) for d in diagnostics]


class Clippy(Check):
    """cargo clippy reports no warnings (`cargo clippy -- -D warnings` would pass).

    Runs clippy once over every target of the workspace (`--all-targets`, offline) and
    turns each diagnostic into a finding with its file, line and column. Compiler errors
    fail the check too: code that does not build cannot be free of warnings.
    """

    id = "rust.clippy"
    kind = Kind.TOOL
    timeout = 900.0
    fix = "Run `cargo clippy --all-targets` and fix or explicitly allow each lint."

    def run(self, params: NoParams, rust_diagnostics: _cargo.Diagnostics) -> Outcome:
        if not rust_diagnostics.clippy:
            return unknown("clippy is not installed (rustup component add clippy)")
        found = [d for d in rust_diagnostics.items if d.level in {"warning", "error"}]
        lints = sum(d.is_clippy for d in found)
        facts: Facts = {
            "command": rust_diagnostics.command,
            "lints": lints,
            "diagnostics": len(found),
        }
        if not found:
            return passed("clippy reports no warnings", observed="0 warnings", facts=facts)
        errors = sum(d.level == "error" for d in found)
        summary = (
            f"the workspace does not compile ({errors} error(s))"
            if errors
            else f"clippy reports {len(found)} warning(s), {lints} of them clippy lints"
        )
        return failed(
            summary,
            observed=f"{len(found)} diagnostic(s)",
            required="0 warnings",
            findings=_diagnostic_findings(found),
            remediation=self.fix,
            facts=facts,
        )


class CompilerWarnings(Check):
    """The workspace compiles without compiler warnings.

    Reads rustc's own warnings (not clippy lints) from the same build the clippy check uses,
    or from `cargo check` when clippy is not installed.
    """

    id = "rust.warnings"
    kind = Kind.TOOL
    timeout = 900.0
    fix = "Run `cargo build --all-targets`; fix each warning or `#[allow]` it with a reason."

    def run(self, params: NoParams, rust_diagnostics: _cargo.Diagnostics) -> Outcome:
        errors = [d for d in rust_diagnostics.items if d.level == "error"]
        warnings = [d for d in rust_diagnostics.items if d.level == "warning" and not d.is_clippy]
        facts: Facts = {"command": rust_diagnostics.command, "warnings": len(warnings)}
        if errors:
            return failed(
                f"the workspace does not compile ({len(errors)} error(s))",
                findings=_diagnostic_findings(errors),
                remediation="Fix the compiler errors.",
                facts=facts,
            )
        if warnings:
            return failed(
                f"{len(warnings)} compiler warning(s)",
                observed=f"{len(warnings)} warning(s)",
                required="0 warnings",
                findings=_diagnostic_findings(warnings),
                remediation=self.fix,
                facts=facts,
            )
        return passed("no compiler warnings", observed="0 warnings", facts=facts)


class Formatting(Check):
    """The code is formatted with rustfmt (`cargo fmt --check` passes)."""

    id = "rust.fmt"
    kind = Kind.TOOL
    timeout = 300.0
    fix = "Run `cargo fmt --all`."

    def run(self, params: NoParams, cargo: _cargo.Cargo) -> Outcome:
        report = _cargo.check_formatting(cargo, timeout=self.timeout)
        if not report.unformatted:
            return passed("every file is formatted")
        files = sorted({hunk.path for hunk in report.unformatted})
        return failed(
            f"{len(files)} file(s) are not formatted: {', '.join(files[:5])}"
            + (" ..." if len(files) > 5 else ""),
            observed=f"{len(files)} unformatted file(s)",
            required="0",
            findings=[
                Finding(message="differs from rustfmt's formatting", location=hunk, rule="rustfmt")
                for hunk in report.unformatted
            ],
            remediation=self.fix,
            facts={"files": len(files), "hunks": len(report.unformatted)},
        )


class TestParams(CheckParams):
    all_features: bool = True
    min_tests: int = Field(default=1, ge=0)


class RustTests(Check):
    """The Rust test suite passes (`cargo test`).

    Runs every test of the workspace (`--no-fail-fast`, with all features by default) and
    reports the passed, failed and ignored counts, each failing test with the place it
    panicked, and compiler errors that kept the tests from building.
    """

    id = "rust.test"
    kind = Kind.TOOL
    Params = TestParams
    timeout = 1800.0
    fix = "Run `cargo test` and fix the failing tests."

    def run(self, params: TestParams, cargo: _cargo.Cargo) -> Outcome:
        report = _cargo.run_tests(cargo, all_features=params.all_features, timeout=self.timeout)
        facts: Facts = {
            "command": report.command,
            "passed": report.passed,
            "failed": report.failed,
            "ignored": report.ignored,
        }
        observed = f"{report.passed} passed, {report.failed} failed, {report.ignored} ignored"
        if report.compile_errors:
            return failed(
                f"the tests do not compile ({len(report.compile_errors)} error(s))",
                findings=_diagnostic_findings(report.compile_errors),
                remediation="Fix the compiler errors in the tests.",
                facts=facts,
            )
        if report.failed:
            return failed(
                f"{report.failed} test(s) failed",
                observed=observed,
                required="0 failed",
                findings=[
                    Finding(message=f"test {name} failed", location=where, rule="cargo test")
                    for name, where in report.failures
                ],
                remediation=self.fix,
                facts=facts,
            )
        if report.passed < params.min_tests:
            return failed(
                f"only {report.passed} test(s) ran",
                observed=observed,
                required=f">= {params.min_tests} passing test(s)",
                remediation="Add tests; an empty suite verifies nothing.",
                facts=facts,
            )
        return passed(f"{report.passed} test(s) passed", observed=observed, facts=facts)


class ReleaseParams(CheckParams):
    """Required values in `[profile.release]`; "any" leaves a key unchecked."""

    lto: bool | str = True
    codegen_units: int | str = Field(default=1, alias="codegen-units")
    panic: str = "abort"
    strip: bool | str = True


# Spellings cargo treats as the same setting.
_SAME = {
    "lto": {True: {True, "fat"}, False: {False, "off"}},
    "strip": {True: {True, "symbols"}, False: {False, "none"}},
}


class ReleaseProfile(Check):
    """The release profile is tuned for production (LTO, one codegen unit, abort on panic, strip).

    Reads `[profile.release]` of the workspace's root Cargo.toml, and `.cargo/config.toml`,
    which overrides it. The defaults follow the usual production profile; set a parameter to
    another value (or to "any") where the service decides otherwise, e.g. `panic = "unwind"`
    for a server that catches panics per request.
    """

    id = "rust.release-profile"
    kind = Kind.STATIC
    Params = ReleaseParams
    fix = '[profile.release]\nlto = true\ncodegen-units = 1\npanic = "abort"\nstrip = true'

    def run(self, params: ReleaseParams, cargo_workspace: _cargo.CargoWorkspace) -> Outcome:
        manifest = cargo_workspace.root
        profile = dict(manifest.data.get("profile", {}).get("release", {}))
        override = _cargo.cargo_config_profile(cargo_workspace.directory)
        sources = {key: manifest.location("profile", "release", key) for key in profile}
        if override is not None:
            name, values = override
            profile.update(values)
            sources.update({key: Location(path=name) for key in values})
        findings = []
        required = []
        for key, want in (
            ("lto", params.lto),
            ("codegen-units", params.codegen_units),
            ("panic", params.panic),
            ("strip", params.strip),
        ):
            if want == "any":
                continue
            required.append(f"{key} = {_toml(want)}")
            have = profile.get(key)
            accepted = _SAME.get(key, {}).get(want, {want})  # type: ignore[call-overload]
            if key in profile and have in accepted:
                continue
            where = sources.get(key) or manifest.location("profile", "release")
            message = (
                f"{key} = {_toml(have)}, expected {_toml(want)}"
                if key in profile
                else f"{key} is not set (cargo's default), expected {_toml(want)}"
            )
            findings.append(Finding(message=message, location=where, rule=f"profile.release.{key}"))
        observed = (
            ", ".join(f"{k} = {_toml(v)}" for k, v in profile.items()) or "no [profile.release]"
        )
        if findings:
            return failed(
                f"{len(findings)} release-profile setting(s) differ from the policy",
                observed=observed,
                required=", ".join(required),
                findings=findings,
                remediation=self.fix,
            )
        return passed("the release profile matches the policy", observed=observed)


class LockfileCommitted(Check):
    """Cargo.lock is committed, so every build uses the same dependency versions."""

    id = "rust.lockfile"
    kind = Kind.STATIC
    fix = "Run `cargo generate-lockfile`, remove Cargo.lock from .gitignore, and commit it."

    def run(
        self, params: NoParams, cargo_workspace: _cargo.CargoWorkspace, repo: Repository
    ) -> Outcome:
        if cargo_workspace.lockfile is None:
            return failed(
                "there is no Cargo.lock", required="Cargo.lock committed", remediation=self.fix
            )
        tracked = repo.is_tracked("Cargo.lock")
        if tracked is None:
            return unknown(
                "Cargo.lock is present, but this is not a git work tree, so whether it is "
                "committed cannot be told"
            )
        if tracked:
            return passed("Cargo.lock is committed")
        ignored_by = repo.ignore_rule("Cargo.lock")
        return failed(
            "Cargo.lock exists but is not committed"
            + (" (it is ignored by .gitignore)" if ignored_by else ""),
            findings=[Finding(message="this rule ignores Cargo.lock", location=ignored_by)]
            if ignored_by
            else [],
            remediation=self.fix,
        )


class RustVersionDeclared(Check):
    """Every package declares its minimum supported Rust version (`rust-version`)."""

    id = "rust.msrv"
    kind = Kind.STATIC
    fix = 'Add `rust-version = "1.75"` (your real minimum) under [package].'

    def run(self, params: NoParams, cargo_workspace: _cargo.CargoWorkspace) -> Outcome:
        if not cargo_workspace.packages:
            return unknown("the workspace has no packages to inspect")
        shared = cargo_workspace.root.data.get("workspace", {}).get("package", {})
        declared: list[str] = []
        findings: list[Finding] = []
        for manifest in cargo_workspace.packages:
            value = manifest.data["package"].get("rust-version")
            if isinstance(value, dict) and value.get("workspace") is True:
                value = shared.get("rust-version")
            if isinstance(value, str):
                declared.append(f"{manifest.package_name or manifest.path}: {value}")
            else:
                findings.append(
                    Finding(
                        message=f"package {manifest.package_name or '?'} declares no rust-version",
                        location=manifest.location("package"),
                    )
                )
        if findings:
            total = len(cargo_workspace.packages)
            return failed(
                f"{len(findings)} of {total} package(s) declare no rust-version",
                findings=findings,
                remediation=self.fix,
            )
        return passed("rust-version is declared", observed="; ".join(declared))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
