"""Producing a coverage report when none exists: the tests run under coverage.py or llvm-cov.

Everything is written to a temporary directory (data files, profiles, the Rust build), so the
repository is left as it was. Python runs `coverage run -m pytest` with the project's own
virtual environment when it has one (`.venv`, `venv`, `env`), else the first `python3` or
`python` on the PATH that has coverage and pytest. Rust builds the tests with
`-C instrument-coverage` (offline), then merges the profiles with `llvm-profdata` and exports
per-file totals with `llvm-cov`; both must come from rustc's own LLVM version or newer (the
rustup `llvm-tools` component, or a versioned `llvm-cov-NN`), since older ones cannot read its
profiles.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from golive.checks._coverage_formats import CoverageData, ReportError, read_coverage
from golive.checks._coverage_paths import PathPlacer
from golive.checks._process import ToolRun, run_tool
from golive.checks.base import Unknown
from golive.checks.repository import Repository

__all__ = ["Produced", "produce"]

_VENVS = (".venv", "venv", "env")
_NOT_SOURCE = frozenset({"tests", "test", "docs", "doc", "examples", "benchmarks", "scripts"})
_NOT_MODULES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py"})
_OMIT = "tests/*,test/*,*/tests/*,*/test/*,test_*.py,*_test.py,conftest.py,*/conftest.py"
_LLVM_VERSION = re.compile(r"LLVM version:? (\d+)")
_IGNORED_SOURCES = r"/\.cargo/(registry|git)/|/\.rustup/|^/rustc/"
# pytest: 0 passed, 1 some tests failed, 5 no tests collected -- all leave usable data.
_PYTEST_RAN = frozenset({0, 1, 5})


@dataclass(frozen=True, kw_only=True)
class Produced:
    """A report made for this review, and how."""

    data: CoverageData
    command: str
    tests_failed: bool  # the suite ran, but some tests failed: the coverage is still that run's


def produce(root: Path, repo: Repository, *, budget: float) -> Produced:
    """Run the project's tests under coverage; `Unknown` when it cannot be done here."""
    deadline = time.monotonic() + budget
    rust = repo.exists("Cargo.toml")
    python = any(repo.exists(name) for name in ("pyproject.toml", "setup.py", "setup.cfg"))
    if not (rust or python):
        raise Unknown(
            "no coverage report, and run = true only measures Python (coverage.py) and Rust "
            "(llvm-cov) projects; this repository has neither pyproject.toml nor Cargo.toml"
        )
    made = [
        producer(root, repo, deadline)
        for wanted, producer in ((python, _python), (rust, _rust))
        if wanted
    ]
    if len(made) == 1:
        return made[0]
    first, second = made
    merged = CoverageData(
        format=f"{first.data.format} + {second.data.format}",
        files=tuple(sorted((*first.data.files, *second.data.files), key=lambda f: f.path)),
        branch_data=first.data.branch_data and second.data.branch_data,
        outside=(*first.data.outside, *second.data.outside),
    )
    return Produced(
        data=merged,
        command=f"{first.command}; {second.command}",
        tests_failed=first.tests_failed or second.tests_failed,
    )


def _left(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 1:
        raise Unknown("no time was left to produce a coverage report")
    return remaining


def _last_line(run: ToolRun) -> str:
    lines = [line for line in (run.stderr + "\n" + run.stdout).splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit code {run.returncode}"


# --- Python: coverage.py ------------------------------------------------------------------------


def _python(root: Path, repo: Repository, deadline: float) -> Produced:
    python = _interpreter(root, deadline)
    with tempfile.TemporaryDirectory(prefix="golive-coverage-") as scratch:
        data_file = Path(scratch) / ".coverage"
        env = {"COVERAGE_FILE": str(data_file), "PYTHONDONTWRITEBYTECODE": "1"}
        argv = [python, "-m", "coverage", "run", "--branch", *_source_options(repo)]
        argv += ["-m", "pytest", "-q", "-p", "no:cacheprovider"]
        tests = run_tool(argv, cwd=root, timeout=_left(deadline), env=env)
        if tests.returncode not in _PYTEST_RAN:
            raise Unknown(
                f"the tests could not run under coverage (pytest exit {tests.returncode}): "
                f"{_last_line(tests)}"
            )
        if not data_file.exists() and any(Path(scratch).glob(".coverage.*")):
            combine = [python, "-m", "coverage", "combine", scratch]
            run_tool(combine, cwd=root, timeout=_left(deadline), env=env)
        report = Path(scratch) / "coverage.json"
        export = [python, "-m", "coverage", "json", "-i", "-o", str(report)]
        made = run_tool(export, cwd=root, timeout=_left(deadline), env=env)
        if not report.is_file():
            raise Unknown(f"coverage.py wrote no JSON report: {_last_line(made)}")
        try:
            data = read_coverage(report, PathPlacer(root, repo.files))
        except ReportError as exc:
            raise Unknown(f"coverage.py's JSON report cannot be read: {exc}") from None
    shown = " ".join(["python", *argv[1:]])
    return Produced(data=data, command=shown, tests_failed=tests.returncode == 1)


def _interpreter(root: Path, deadline: float) -> str:
    """The project's virtual environment's Python, else one on the PATH with coverage."""
    own = [
        root / venv / sub
        for venv in _VENVS
        for sub in ("bin/python", "Scripts/python.exe")
        if (root / venv / sub).is_file()
    ]
    if own:
        python = str(own[0])
        if not _has_modules(python, root, deadline):
            shown = own[0].relative_to(root).as_posix()
            raise Unknown(
                f"the project's Python ({shown}) cannot import coverage and pytest; "
                f"run `{shown} -m pip install coverage pytest`"
            )
        return python
    found = [path for name in ("python3", "python") if (path := shutil.which(name))]
    for python in found:
        if _has_modules(python, root, deadline):
            return python
    if not found:
        raise Unknown("no Python interpreter found (no .venv, and no python3 on the PATH)")
    raise Unknown(
        f"{found[0]} cannot import coverage and pytest, and the project has no virtual "
        "environment (.venv) that can; install coverage and pytest"
    )


def _has_modules(python: str, root: Path, deadline: float) -> bool:
    probe = run_tool(
        [python, "-c", "import coverage, pytest"], cwd=root, timeout=min(60.0, _left(deadline))
    )
    return probe.returncode == 0


def _source_options(repo: Repository) -> list[str]:
    """`--source` for a project without coverage settings of its own, so tests are not counted."""
    if _configured(repo):
        return []
    if any(path.startswith("src/") and path.endswith(".py") for path in repo.files):
        return ["--source=src"]
    packages = sorted(
        {
            path.partition("/")[0]
            for path in repo.files
            if path.count("/") == 1
            and path.endswith("/__init__.py")
            and path.partition("/")[0] not in _NOT_SOURCE
        }
    )
    modules = [
        path.removesuffix(".py")
        for path in repo.files
        if "/" not in path
        and path.endswith(".py")
        and path not in _NOT_MODULES
        and not path.startswith("test_")
        and not path.endswith("_test.py")
    ]
    if packages or modules:
        return [f"--source={','.join([*packages, *modules])}"]
    return ["--source=.", f"--omit={_OMIT}"]


def _configured(repo: Repository) -> bool:
    if repo.exists(".coveragerc"):
        return True
    for name, marker in (
        ("pyproject.toml", "[tool.coverage"),
        ("setup.cfg", "[coverage:"),
        ("tox.ini", "[coverage:"),
    ):
        text = repo.text(name) if repo.exists(name) else None
        if text and marker in text:
            return True
    return False


# --- Rust: -C instrument-coverage, llvm-profdata, llvm-cov -------------------------------------


def _rust(root: Path, repo: Repository, deadline: float) -> Produced:
    cargo = shutil.which("cargo")
    if cargo is None:
        raise Unknown("cargo is not installed (not found on PATH)")
    profdata, llvm_cov = _llvm_tools(root, deadline)
    with tempfile.TemporaryDirectory(prefix="golive-coverage-") as scratch:
        work = Path(scratch)
        env = {
            "RUSTFLAGS": "-C instrument-coverage",
            "LLVM_PROFILE_FILE": str(work / "profiles" / "%p-%m.profraw"),
            "CARGO_TARGET_DIR": str(work / "target"),
            "CARGO_INCREMENTAL": "0",
            "CARGO_TERM_COLOR": "never",
        }
        argv = [cargo, "test", "--workspace", "--all-targets", "--no-fail-fast", "--offline"]
        tests = run_tool(
            [*argv, "--message-format=json"], cwd=root, timeout=_left(deadline), env=env
        )
        objects = _test_binaries(tests.stdout)
        profiles = sorted(str(p) for p in (work / "profiles").glob("*.profraw"))
        if not objects or not profiles:
            raise Unknown(f"the instrumented tests did not run: {_first_error(tests)}")
        merged = work / "merged.profdata"
        merge = [profdata, "merge", "-sparse", *profiles, "-o", str(merged)]
        merging = run_tool(merge, cwd=root, timeout=_left(deadline))
        if merging.returncode != 0 or not merged.is_file():
            raise Unknown(f"llvm-profdata could not merge the profiles: {_last_line(merging)}")
        export = [llvm_cov, "export", "--format=text", "--summary-only"]
        export += [f"--instr-profile={merged}", f"--ignore-filename-regex={_IGNORED_SOURCES}"]
        export += [objects[0], *(arg for obj in objects[1:] for arg in ("--object", obj))]
        exported = run_tool(export, cwd=root, timeout=_left(deadline))
        if exported.returncode != 0 or exported.truncated:
            raise Unknown(f"llvm-cov could not export the coverage: {_last_line(exported)}")
        report = work / "coverage.json"
        report.write_text(exported.stdout, "utf-8")
        try:
            data = read_coverage(report, PathPlacer(root, repo.files))
        except ReportError as exc:
            raise Unknown(f"llvm-cov's export cannot be read: {exc}") from None
    return Produced(
        data=data,
        command="RUSTFLAGS='-C instrument-coverage' " + " ".join(["cargo", *argv[1:]]),
        tests_failed=tests.returncode != 0,
    )


def _llvm_tools(root: Path, deadline: float) -> tuple[str, str]:
    """llvm-profdata and llvm-cov that can read the profiles rustc writes."""
    rustc = shutil.which("rustc")
    if rustc is None:
        raise Unknown("rustc is not installed (not found on PATH)")
    info = run_tool([rustc, "-vV"], cwd=root, timeout=min(60.0, _left(deadline)))
    host = re.search(r"^host: (\S+)", info.stdout, re.M)
    version = _LLVM_VERSION.search(info.stdout)
    if info.returncode != 0 or host is None or version is None:
        raise Unknown(f"`rustc -vV` did not name its host and LLVM version: {_last_line(info)}")
    major = int(version[1])
    sysroot = run_tool([rustc, "--print", "sysroot"], cwd=root, timeout=min(60.0, _left(deadline)))
    bundled = Path(sysroot.stdout.strip()) / "lib" / "rustlib" / host[1] / "bin"
    if (bundled / "llvm-profdata").is_file() and (bundled / "llvm-cov").is_file():
        return str(bundled / "llvm-profdata"), str(bundled / "llvm-cov")
    versioned = shutil.which(f"llvm-profdata-{major}"), shutil.which(f"llvm-cov-{major}")
    if versioned[0] and versioned[1]:
        return versioned[0], versioned[1]
    plain = shutil.which("llvm-profdata"), shutil.which("llvm-cov")
    found = ""
    if plain[0] and plain[1]:
        said = run_tool([plain[1], "--version"], cwd=root, timeout=min(60.0, _left(deadline)))
        theirs = _LLVM_VERSION.search(said.stdout)
        if theirs and int(theirs[1]) >= major:
            return plain[0], plain[1]
        found = (
            f"; the llvm-cov on the PATH is LLVM {theirs[1]}, too old for its profiles"
            if theirs
            else "; the llvm-cov on the PATH does not say its version"
        )
    raise Unknown(
        f"no llvm-profdata and llvm-cov for rustc's LLVM {major} are installed{found}; "
        f"run `rustup component add llvm-tools` (or install llvm-{major})"
    )


def _test_binaries(stdout: str) -> list[str]:
    binaries = []
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        profile = record.get("profile") or {}
        if record.get("reason") == "compiler-artifact" and profile.get("test"):
            executable = record.get("executable")
            if isinstance(executable, str):
                binaries.append(executable)
    return binaries


def _first_error(run: ToolRun) -> str:
    for line in run.stderr.splitlines():
        if line.startswith("error"):
            return line.removeprefix("error: ").strip()
    return _last_line(run)
