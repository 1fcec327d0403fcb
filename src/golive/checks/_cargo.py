"""Cargo for the Rust checks: the workspace's manifests, and cargo's own reports parsed.

Cargo always runs `--offline`: the review must not depend on (or hang on) the network, and a
dependency that is not in the local cache makes the affected checks `unknown`, naming why.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.checks._process import ToolRun, run_tool
from golive.checks._toml_file import TomlFile
from golive.checks.base import NotApplicable, Unknown
from golive.checks.repository import Repository
from golive.model import Location

__all__ = [
    "Cargo",
    "CargoWorkspace",
    "Diagnostic",
    "Diagnostics",
    "FmtReport",
    "Manifest",
    "TestReport",
    "find_cargo",
    "load_workspace",
]

# What cargo prints when a dependency is not available offline (or the registry is unreachable).
_OFFLINE_SIGNS = (
    "you're using offline mode",
    "attempting to make an HTTP request, but --offline was specified",
    "failed to download",
    "Could not resolve host",
    "failed to get `",
    "failed to load source for dependency",
    "no matching package named",
)
_MISSING_COMPONENT = re.compile(
    r"'cargo-(clippy|fmt)' is not installed|no such command: `(clippy|fmt)`"
)
_COMPONENT = {"clippy": "clippy", "fmt": "rustfmt"}  # the rustup component behind each command
_ENV = {"CARGO_TERM_COLOR": "never", "RUST_BACKTRACE": "0", "TERM": "dumb"}


class Manifest(TomlFile):
    """One Cargo.toml: its repository path, parsed data and text (for positions)."""

    @property
    def package_name(self) -> str | None:
        package = self.data.get("package")
        name = package.get("name") if isinstance(package, dict) else None
        return name if isinstance(name, str) else None


@dataclass(frozen=True, kw_only=True)
class CargoWorkspace:
    """The Rust project at the repository root: its top manifest and its packages."""

    directory: Path
    root: Manifest
    packages: tuple[Manifest, ...]
    lockfile: str | None


def load_workspace(repo: Repository) -> CargoWorkspace:
    if not repo.exists("Cargo.toml"):
        raise NotApplicable("no Cargo.toml at the repository root")
    root = _manifest(repo, "Cargo.toml")
    packages = [root] if "package" in root.data else []
    workspace = root.data.get("workspace")
    if isinstance(workspace, dict):
        excluded = {str(p).strip("/") for p in workspace.get("exclude", [])}
        members = repo.glob(
            *[f"{str(m).strip('/')}/Cargo.toml" for m in workspace.get("members", [])]
        )
        for path in members:
            if path != "Cargo.toml" and path.rpartition("/")[0] not in excluded:
                packages.append(_manifest(repo, path))
    lockfile = (
        "Cargo.lock" if repo.exists("Cargo.lock") or (repo.root / "Cargo.lock").is_file() else None
    )
    return CargoWorkspace(
        directory=repo.root, root=root, packages=tuple(packages), lockfile=lockfile
    )


def _manifest(repo: Repository, path: str) -> Manifest:
    text = repo.text(path)
    if text is None:
        raise Unknown(f"{path} could not be read as UTF-8 text")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Unknown(f"{path} is not valid TOML: {exc}") from exc
    return Manifest(path=path, data=data, text=text)


# --- running cargo ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Cargo:
    """The cargo executable, and the directory it runs in."""

    executable: str
    cwd: Path

    def run(self, *args: str, timeout: float) -> ToolRun:
        result = run_tool([self.executable, *args], cwd=self.cwd, timeout=timeout, env=_ENV)
        _raise_if_offline(result)
        return result


def find_cargo(root: Path) -> Cargo:
    executable = shutil.which("cargo")
    if executable is None:
        raise Unknown("cargo is not installed (not found on PATH)")
    return Cargo(executable=executable, cwd=root)


def _raise_if_offline(run: ToolRun) -> None:
    if run.returncode == 0:
        return
    if any(sign in run.stderr for sign in _OFFLINE_SIGNS):
        first = _first_error(run.stderr)
        raise Unknown(
            f"dependencies cannot be fetched offline ({first}); "
            "run `cargo fetch` with network access, or vendor them"
        )


def _raise_if_missing_component(run: ToolRun) -> None:
    missing = _MISSING_COMPONENT.search(run.stderr) if run.returncode != 0 else None
    if missing:
        tool = missing.group(1) or missing.group(2)
        raise Unknown(f"cargo {tool} is not installed (rustup component add {_COMPONENT[tool]})")


def _first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if line.startswith("error"):
            return line.removeprefix("error: ").strip()
    return stderr.strip().splitlines()[-1] if stderr.strip() else "no message"


# --- diagnostics: cargo clippy / cargo check --------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Diagnostic:
    level: str  # "warning" or "error"
    code: str | None  # "clippy::len_zero", "unused_variables", "E0308"
    message: str
    location: Location | None

    @property
    def is_clippy(self) -> bool:
        return bool(self.code and self.code.startswith("clippy::"))


@dataclass(frozen=True, kw_only=True)
class Diagnostics:
    """The compiler's and clippy's messages for the whole workspace, all targets."""

    items: tuple[Diagnostic, ...]
    success: bool
    clippy: bool  # False when clippy is not installed and `cargo check` stood in
    command: str
    stderr: str


def collect_diagnostics(cargo: Cargo, *, timeout: float) -> Diagnostics:
    args = ("--workspace", "--all-targets", "--offline", "--message-format=json")
    run = cargo.run("clippy", *args, timeout=timeout)
    clippy = not _MISSING_COMPONENT.search(run.stderr)
    if not clippy:
        run = cargo.run("check", *args, timeout=timeout)
    items = _unique(_parse_messages(run.stdout, cargo.cwd))
    if run.returncode != 0 and not any(d.level == "error" for d in items):
        raise Unknown(f"`{' '.join(run.argv[1:3])}` failed: {_first_error(run.stderr)}")
    return Diagnostics(
        items=tuple(items),
        success=run.returncode == 0,
        clippy=clippy,
        command=" ".join(["cargo", *run.argv[1:]]),
        stderr=run.stderr,
    )


def _parse_messages(stdout: str, root: Path) -> Iterable[Diagnostic]:
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue  # test harness output, when this is `cargo test`
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if record.get("reason") != "compiler-message":
            continue
        message = record.get("message") or {}
        level = message.get("level")
        spans = message.get("spans") or []
        code = (message.get("code") or {}).get("code")
        if level not in {"warning", "error"} or not (spans or code):
            continue  # summaries such as "2 warnings emitted"
        yield Diagnostic(
            level=level,
            code=code,
            message=message.get("message", ""),
            location=message_location(message, root),
        )


def message_location(message: Mapping[str, Any], root: Path) -> Location | None:
    """Where a compiler message (cargo `--message-format=json`) points: its primary span."""
    spans = message.get("spans") or []
    primary = next((s for s in spans if s.get("is_primary")), spans[0] if spans else None)
    return _span_location(primary, root) if primary else None


def _span_location(span: Mapping[str, Any], root: Path) -> Location:
    path = Path(span.get("file_name", "?"))
    if path.is_absolute():
        with contextlib.suppress(ValueError):  # outside the repository: keep it absolute
            path = path.resolve().relative_to(root.resolve())
    return Location(
        path=path.as_posix(), line=span.get("line_start"), column=span.get("column_start")
    )


def _unique(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    # The same message arrives once per target (lib, lib test, bin ...); keep the first.
    seen: dict[tuple[str | None, str, str], Diagnostic] = {}
    for diagnostic in diagnostics:
        key = (diagnostic.code, diagnostic.message, str(diagnostic.location))
        seen.setdefault(key, diagnostic)
    return list(seen.values())


# --- cargo fmt --------------------------------------------------------------------------------

_DIFF_AT = re.compile(r"^Diff in (?P<path>.+?)(?::| at line )(?P<line>\d+):\s*$")


@dataclass(frozen=True, kw_only=True)
class FmtReport:
    unformatted: tuple[Location, ...]  # the first differing line of each hunk


def check_formatting(cargo: Cargo, *, timeout: float) -> FmtReport:
    run = cargo.run("fmt", "--all", "--check", timeout=timeout)
    _raise_if_missing_component(run)
    hunks = []
    for line in run.stdout.splitlines():
        match = _DIFF_AT.match(line)
        if match:
            location = _span_location(
                {"file_name": match["path"], "line_start": int(match["line"])}, cargo.cwd
            )
            hunks.append(location)
    if run.returncode != 0 and not hunks:
        raise Unknown(f"cargo fmt could not check the code: {_first_error(run.stderr)}")
    return FmtReport(unformatted=tuple(hunks))


# --- cargo test -------------------------------------------------------------------------------

_RESULT = re.compile(
    r"^test result: (?:ok|FAILED)\. (?P<passed>\d+) passed; (?P<failed>\d+) failed; "
    r"(?P<ignored>\d+) ignored"
)
_FAILED_TEST = re.compile(r"^test (?P<name>.+?) \.\.\. FAILED$")
# A test binary that exits or crashes mid-run prints no result line; cargo says so on stderr.
_ABNORMAL_EXIT = re.compile(
    r"^error: \w+ failed, to rerun pass `(?P<target>[^`]+)`\s+Caused by:\s+"
    r"process didn't exit successfully: `[^`]*` \((?P<status>[^)]*)\)",
    re.MULTILINE,
)
_PANIC = re.compile(
    r"^thread '(?P<name>[^']+)'(?: \(\d+\))? panicked at "
    r"(?P<place>[^:]+):(?P<line>\d+):(?P<col>\d+)"
)


@dataclass(frozen=True, kw_only=True)
class TestReport:
    passed: int
    failed: int
    ignored: int
    failures: tuple[tuple[str, Location | None], ...]  # test name, where it panicked
    compile_errors: tuple[Diagnostic, ...]
    command: str


def run_tests(cargo: Cargo, *, all_features: bool, timeout: float) -> TestReport:
    args: list[str] = [
        "test",
        "--workspace",
        "--no-fail-fast",
        "--offline",
        "--message-format=json",
    ]
    if all_features:
        args.append("--all-features")
    run = cargo.run(*args, timeout=timeout)
    passed = failed = ignored = 0
    panics: dict[str, Location] = {}
    failing: list[str] = []
    for line in run.stdout.splitlines():
        if result := _RESULT.match(line):
            passed += int(result["passed"])
            failed += int(result["failed"])
            ignored += int(result["ignored"])
        elif failure := _FAILED_TEST.match(line):
            failing.append(failure["name"])
        elif panic := _PANIC.match(line):
            span = {
                "file_name": panic["place"],
                "line_start": int(panic["line"]),
                "column_start": int(panic["col"]),
            }
            panics[panic["name"]] = _span_location(span, cargo.cwd)
    for crash in _ABNORMAL_EXIT.finditer(run.stderr):
        failing.append(f"binary `{crash['target']}` (its process ended early: {crash['status']})")
    errors = tuple(d for d in _unique(_parse_messages(run.stdout, cargo.cwd)) if d.level == "error")
    if run.returncode != 0 and not (failed or errors or failing):
        raise Unknown(f"cargo test failed before running tests: {_first_error(run.stderr)}")
    return TestReport(
        passed=passed,
        failed=max(failed, len(failing)),
        ignored=ignored,
        failures=tuple((name, panics.get(name)) for name in dict.fromkeys(failing)),
        compile_errors=errors,
        command="cargo " + " ".join(args),
    )


def cargo_config_profile(root: Path) -> tuple[str, Mapping[str, Any]] | None:
    """`[profile.release]` from `.cargo/config.toml`, which overrides the manifest's."""
    for name in (".cargo/config.toml", ".cargo/config"):
        path = root / name
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return None
            release = data.get("profile", {}).get("release")
            return (name, release) if isinstance(release, dict) else None
    return None
