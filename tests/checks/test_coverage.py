"""The coverage checks against hand-written lcov and Cobertura reports and real coverage.py runs.

tests/data/coverage/README.md says how each report was made. Reports from coverage.py are
made here, by running it on a copy of tests/data/coverage/calc.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.checks._coverage_formats import ReportError, read_coverage
from golive.checks._coverage_paths import PathPlacer
from golive.checks.coverage import BranchCoverage, CriticalCoverage, LineCoverage
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "coverage"
SHOP = DATA / "shop"
REPORTS = DATA / "reports"

needs_coverage_py = pytest.mark.skipif(
    importlib.util.find_spec("coverage") is None,
    reason="coverage.py is not installed; these tests run it for real",
)
needs_cargo = pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")


def where(outcome: Outcome) -> list[str]:
    return [str(f.location) for f in outcome.findings]


def with_venv(root: Path) -> Path:
    """Give a project copy this interpreter's environment as its own `.venv`."""
    (root / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def calc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of tests/data/coverage/calc with real coverage.py reports in reports/."""
    if importlib.util.find_spec("coverage") is None:
        pytest.skip("coverage.py is not installed")
    root = tmp_path_factory.mktemp("calc") / "calc"
    shutil.copytree(DATA / "calc", root)
    env = {**os.environ, "COVERAGE_FILE": str(root.parent / ".coverage")}
    python = [sys.executable, "-m"]
    run = [
        "coverage",
        "run",
        "--branch",
        "--source=src",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    subprocess.run([*python, *run], cwd=root, env=env, check=True, capture_output=True)
    (root / "reports").mkdir()
    for kind, name in (("json", "coverage.json"), ("xml", "coverage.xml"), ("lcov", "lcov.info")):
        subprocess.run(
            [*python, "coverage", kind, "-o", f"reports/{name}"], cwd=root, env=env, check=True
        )
    return root


# --- coverage.line ------------------------------------------------------------------------------


def test_line_coverage_at_the_threshold_passes() -> None:
    outcome = run_check(LineCoverage, SHOP)  # 32 of 40 lines: exactly 80%
    assert outcome.status is Status.PASS
    assert outcome.observed == "80.0% (32 of 40 lines)"
    assert outcome.required == ">= 80%"
    assert outcome.facts["report"] == "lcov.info"
    assert outcome.facts["format"] == "lcov"
    assert outcome.facts["files"] == 3
    assert outcome.facts["files_outside_repository"] == 2  # the standard library, a registry crate


def test_line_coverage_at_the_threshold_fails_a_strict_limit() -> None:
    outcome = run_check(LineCoverage, SHOP, min=">80%")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "line coverage is 80.0%, below > 80%"
    assert where(outcome) == ["src/billing/tax.rs:6", "src/billing/invoice.rs:16", "src/lib.rs:17"]
    assert outcome.findings[0].message == "60.0% (6 of 10 lines); not covered: 6-9"
    assert outcome.remediation == LineCoverage.fix


def test_a_file_in_two_records_is_merged() -> None:
    # lib.rs lines 6-8 are uncovered in the first record and covered in the second.
    outcome = run_check(LineCoverage, SHOP, min=">80%")
    assert outcome.findings[2].message == "94.1% (16 of 17 lines); not covered: 17"


def test_cobertura_from_another_machine() -> None:
    outcome = run_check(LineCoverage, SHOP, report=str(REPORTS / "tarpaulin.xml"))
    assert outcome.status is Status.PASS
    assert outcome.observed == "80.0% (32 of 40 lines)"
    assert outcome.facts["format"] == "Cobertura XML"
    assert outcome.facts["report"] == str(REPORTS / "tarpaulin.xml")  # outside: shown whole


def test_llvm_cov_json_totals() -> None:
    outcome = run_check(LineCoverage, SHOP, report=str(REPORTS / "llvm-cov.json"), min=">=90%")
    assert outcome.status is Status.FAIL
    assert outcome.observed == "80.0% (32 of 40 lines)"
    assert outcome.findings[0].message == "60.0% (6 of 10 lines)"  # totals only: no line numbers
    assert where(outcome)[0] == "src/billing/tax.rs"


def test_percentages_are_truncated_not_rounded(tmp_path: Path) -> None:
    lines = "".join(f"DA:{n},{int(n <= 7996)}\n" for n in range(1, 10001))
    (tmp_path / "lcov.info").write_text(f"SF:a.py\n{lines}end_of_record\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    outcome = run_check(LineCoverage, tmp_path)
    assert outcome.status is Status.FAIL
    assert outcome.observed == "79.9% (7,996 of 10,000 lines)"


def test_no_report_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("print('hi')\n")
    outcome = run_check(LineCoverage, tmp_path)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("no coverage report found in the 13 usual places")
    assert outcome.summary.endswith("; produce one, or set run = true")


def test_no_code_is_not_applicable(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# notes\n")
    for check in (LineCoverage, BranchCoverage):
        outcome = run_check(check, tmp_path)
        assert outcome.status is Status.NOT_APPLICABLE
        assert outcome.summary == "the repository has no code to cover"


def test_a_named_report_that_does_not_exist_is_unknown() -> None:
    outcome = run_check(LineCoverage, SHOP, report="coverage/missing.info")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == "the coverage report coverage/missing.info does not exist"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("malformed.xml", "malformed XML: line 5, column 3: mismatched tag"),
        ("billion-laughs.xml", 'malformed XML: line 3: the document declares the entity "lol"'),
        ("external-entity.xml", 'declares the entity "secret"; entities are refused'),
        ("empty.info", "the report is empty"),
        ("bad-record.info", "line 4: malformed DA record 'DA:seven,1'"),
        ("istanbul.json", "JSON that is neither coverage.py's"),
        ("not-coverage.xml", "XML whose root element is <html>, not Cobertura's <coverage>"),
    ],
)
def test_unreadable_reports_are_unknown(name: str, reason: str) -> None:
    report = REPORTS / name
    started = time.monotonic()
    outcome = run_check(LineCoverage, SHOP, report=str(report))
    assert time.monotonic() - started < 5  # nothing was expanded
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith(f"the coverage report {report} cannot be read: ")
    assert reason in outcome.summary
    assert "root:" not in outcome.summary  # the external entity was not read


def test_a_report_without_lines_is_unknown() -> None:
    outcome = run_check(LineCoverage, SHOP, report=str(REPORTS / "no-classes.xml"))
    assert outcome.status is Status.UNKNOWN
    assert (
        outcome.summary
        == f"the coverage report ({REPORTS / 'no-classes.xml'}) holds no measured lines"
    )


def test_a_report_about_another_repository_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    shutil.copy(SHOP / "lcov.info", tmp_path / "lcov.info")
    outcome = run_check(LineCoverage, tmp_path)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == (
        "the coverage report lcov.info names 5 file(s), none of them in this repository "
        "(first: /home/runner/.cargo/registry/src/index.crates.io-6f17d22bba15001f/itoa-1.0.11/src/lib.rs)"
    )


def test_the_newest_report_is_read(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    shutil.copy(REPORTS / "llvm-cov.json", root / "coverage.json")
    now = time.time()
    old = now - 3600
    os.utime(root / "lcov.info", (now, now))  # copytree keeps the fixture's own, any age
    os.utime(root / "coverage.json", (old, old))
    outcome = run_check(LineCoverage, root)
    assert (outcome.facts["report"], outcome.facts["reports_found"]) == ("lcov.info", 2)
    os.utime(root / "lcov.info", (old - 60, old - 60))
    outcome = run_check(LineCoverage, root)
    assert (outcome.facts["report"], outcome.facts["format"]) == ("coverage.json", "llvm-cov JSON")
    assert outcome.facts["report_age"] == "1 h"


def test_reports_in_build_folders_are_found(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    (root / "lcov.info").rename(tmp_path / "lcov.info")
    (root / "target" / "tarpaulin").mkdir(parents=True)
    shutil.copy(REPORTS / "tarpaulin.xml", root / "target" / "tarpaulin" / "cobertura.xml")
    outcome = run_check(LineCoverage, root)
    assert outcome.status is Status.PASS
    assert outcome.facts["report"] == "target/tarpaulin/cobertura.xml"


def test_paths_are_made_relative_to_the_repository(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / "src" / name).write_text("x = 1\n")
    (tmp_path / "main.py").write_text("x = 1\n")
    placer = PathPlacer(tmp_path, ["src/a.py", "src/b.py", "src/c.py", "main.py"])
    assert placer.place(f"{tmp_path}/src/a.py") == "src/a.py"
    assert placer.place("./src//b.py") == "src/b.py"
    assert placer.place("c.py", ["/elsewhere/src"]) == "src/c.py"  # by its trailing path
    assert placer.place("C:\\ci\\proj\\src\\c.py") == "src/c.py"
    assert placer.place("/ci/proj/main.py") == "main.py"  # a unique top-level file
    assert placer.place("/usr/lib/python3.11/json/__init__.py") is None
    assert placer.place("../other/x.py") is None


# --- real coverage.py reports -------------------------------------------------------------------


@needs_coverage_py
@pytest.mark.slow
@pytest.mark.parametrize("name", ["coverage.json", "coverage.xml", "lcov.info"])
def test_coverage_py_reports_agree(calc: Path, name: str) -> None:
    outcome = run_check(LineCoverage, calc, report=f"reports/{name}")
    assert outcome.status is Status.FAIL
    assert outcome.observed == "64.7% (11 of 17 lines)"
    assert where(outcome) == ["src/calc/__init__.py:11", "src/calc/billing.py:12"]
    branches = run_check(BranchCoverage, calc, report=f"reports/{name}", min=">=25%")
    assert branches.observed == "25.0% (2 of 8 branches)"
    assert branches.status is Status.PASS


@needs_coverage_py
@pytest.mark.slow
def test_critical_coverage_of_a_python_module(calc: Path) -> None:
    outcome = run_check(
        CriticalCoverage, calc, paths=["src/calc/billing.py"], report="reports/coverage.json"
    )
    assert outcome.status is Status.FAIL
    assert [f.message for f in outcome.findings] == ["66.6% (6 of 9 lines); not covered: 12-14"]


@needs_coverage_py
@pytest.mark.slow
def test_run_measures_a_python_project(tmp_path: Path) -> None:
    root = tmp_path / "calc"
    shutil.copytree(DATA / "calc", root)
    with_venv(root)
    outcome = run_check(LineCoverage, root, run=True, min=">=60%")
    assert outcome.status is Status.PASS
    assert outcome.observed == "64.7% (11 of 17 lines)"
    assert outcome.facts["report"] == "made by this review"
    assert outcome.facts["command"] == (
        "python -m coverage run --branch --source=src -m pytest -q -p no:cacheprovider"
    )
    left = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.name != ".venv")
    assert left == sorted(
        p.relative_to(DATA / "calc").as_posix() for p in (DATA / "calc").rglob("*")
    )  # no data file, cache or bytecode left behind


@pytest.mark.slow
def test_run_with_a_venv_lacking_coverage_is_unknown(tmp_path: Path) -> None:
    root = tmp_path / "calc"
    shutil.copytree(DATA / "calc", root)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    outcome = run_check(LineCoverage, root, run=True)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == (
        "the project's Python (.venv/bin/python) cannot import coverage and pytest; "
        "run `.venv/bin/python -m pip install coverage pytest`"
    )


def test_run_on_a_project_it_cannot_measure_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.go").write_text("package main\n")
    outcome = run_check(LineCoverage, tmp_path, run=True)
    assert outcome.status is Status.UNKNOWN
    assert "only measures Python (coverage.py) and Rust (llvm-cov) projects" in outcome.summary


@needs_cargo
@pytest.mark.slow
def test_run_on_rust_needs_llvm_tools_matching_rustc(tmp_path: Path) -> None:
    root = tmp_path / "crate"
    shutil.copytree(DATA / "crate", root)
    outcome = run_check(LineCoverage, root, run=True, min=">=90%")
    if outcome.status is Status.UNKNOWN:
        # This machine's llvm-cov is older than rustc's LLVM (or missing): said, not guessed.
        assert "llvm-profdata and llvm-cov for rustc's LLVM" in outcome.summary
        assert "rustup component add llvm-tools" in outcome.summary
    else:
        assert outcome.status is Status.FAIL
        assert outcome.facts["format"] == "llvm-cov JSON"
        assert where(outcome) == ["src/lib.rs"]
    assert sorted(p.name for p in root.iterdir()) == ["Cargo.lock", "Cargo.toml", "src"]


# --- coverage.branch ----------------------------------------------------------------------------


def test_branch_coverage_below_the_threshold_fails() -> None:
    outcome = run_check(BranchCoverage, SHOP)
    assert outcome.status is Status.FAIL
    assert outcome.observed == "50.0% (6 of 12 branches)"
    assert outcome.required == ">= 70%"
    assert where(outcome) == ["src/billing/tax.rs", "src/billing/invoice.rs", "src/lib.rs"]


def test_branch_coverage_at_the_threshold_passes() -> None:
    assert run_check(BranchCoverage, SHOP, min=">=50%").status is Status.PASS
    assert run_check(BranchCoverage, SHOP, min=">50%").status is Status.FAIL


@pytest.mark.parametrize("name", ["tarpaulin.xml", "llvm-cov.json"])
def test_a_report_without_branch_data_is_unknown(name: str) -> None:
    outcome = run_check(BranchCoverage, SHOP, report=str(REPORTS / name))
    assert outcome.status is Status.UNKNOWN
    assert "has no branch data" in outcome.summary


def test_branch_coverage_without_a_report_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "lib.rs").write_text("pub fn f() {}\n")
    outcome = run_check(BranchCoverage, tmp_path)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("no coverage report found in the 13 usual places")


# --- coverage.critical --------------------------------------------------------------------------


def test_critical_paths_below_the_threshold_fail() -> None:
    outcome = run_check(CriticalCoverage, SHOP, paths=["src/billing/**"])
    assert outcome.status is Status.FAIL
    assert outcome.summary == "3 of 3 critical file(s) are below >= 100%"
    assert [(str(f.location), f.message) for f in outcome.findings] == [
        ("src/billing/invoice.rs:16", "76.9% (10 of 13 lines); not covered: 16, 19-20"),
        ("src/billing/tax.rs:6", "60.0% (6 of 10 lines); not covered: 6-9"),
        ("src/billing/refund.rs", "not in the coverage report: no test loaded it"),
    ]  # billing/mod.rs only declares modules: no code to cover
    assert outcome.facts["critical_files_not_in_report"] == 1


def test_critical_paths_at_their_threshold_pass() -> None:
    outcome = run_check(CriticalCoverage, SHOP, paths=["src/billing/tax.rs"], min=">=60%")
    assert outcome.status is Status.PASS
    assert outcome.observed == "60.0% (6 of 10 lines) in 1 critical file(s)"


def test_critical_globs_matching_nothing_covered_fail() -> None:
    outcome = run_check(CriticalCoverage, SHOP, paths=["src/payments/**"])
    assert outcome.status is Status.FAIL
    assert (
        outcome.summary
        == "no file in the coverage report matches the critical paths (src/payments/**)"
    )


def test_critical_paths_must_be_declared() -> None:
    outcome = run_check(CriticalCoverage, SHOP)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("declare the critical paths: with = { paths = [")


def test_critical_paths_without_a_report_are_unknown(tmp_path: Path) -> None:
    (tmp_path / "lib.rs").write_text("pub fn f() {}\n")
    outcome = run_check(CriticalCoverage, tmp_path, paths=["lib.rs"])
    assert outcome.status is Status.UNKNOWN


# --- the readers never fail in unexpected ways ---------------------------------------------------

_LCOV_LINES = st.sampled_from(
    [
        "SF:src/a.py",
        "DA:1,1",
        "DA:2,0",
        "DA:x",
        "BRDA:1,0,0,-",
        "BRDA:1",
        "LF:3",
        "LH:z",
        "end_of_record",
        "TN:",
        "",
        "FN:1,f",
    ]
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.lists(_LCOV_LINES, max_size=12).map("\n".join),
        st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
        st.text(max_size=200).map(lambda t: "<coverage>" + t),
        st.text(max_size=200).map(lambda t: '{"meta": {}, "files": ' + t),
    )
)
def test_any_report_reads_or_says_why(tmp_path: Path, body: str) -> None:
    report = tmp_path / "report"
    report.write_bytes(body.encode("utf-8", "surrogateescape"))
    try:
        data = read_coverage(report, PathPlacer(tmp_path, []))
    except ReportError:
        return
    assert all(0 <= f.lines_covered <= f.lines_total for f in data.files)
