"""The test-evidence checks: integration tests, tests on a topic, and JUnit results.

The source trees are in tests/data/testevidence. JUnit reports from pytest are made here by
running pytest; nextest's and Surefire's (neither runs here) are modelled on their output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive.checks.tests import IntegrationTests, JUnitResults, MatchingTests
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "testevidence"
JUNIT = DATA / "junit"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

PYTEST_SUITE = """\
import pytest


def test_passes():
    assert True


def test_fails():
    assert 1 + 1 == 3


@pytest.fixture
def broken():
    raise RuntimeError("no database")


def test_errors(broken):
    pass


@pytest.mark.skip(reason="later")
def test_skipped():
    pass
"""


def where(outcome: Outcome) -> list[str]:
    return [str(f.location) for f in outcome.findings]


def junit_report(stamp: datetime | None, *, time_attr: str | None = "1.5") -> str:
    attrs = f' timestamp="{stamp.isoformat()}"' if stamp else ""
    attrs += f' time="{time_attr}"' if time_attr else ""
    return (
        f'<testsuites><testsuite name="unit" tests="1"{attrs}>'
        '<testcase classname="unit" name="test_one"/></testsuite></testsuites>'
    )


@pytest.fixture(scope="module")
def pytest_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose suite ran under real pytest, with JUnit XML in two flavours."""
    root = tmp_path_factory.mktemp("suite")
    (root / "test_suite.py").write_text(PYTEST_SUITE)
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_suite.py"]
    for name, family in (("junit.xml", "xunit2"), ("xunit1.xml", "xunit1")):
        subprocess.run(
            [*pytest, f"--junitxml={name}", "-o", f"junit_family={family}"],
            cwd=root,
            capture_output=True,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    return root


# --- tests.integration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tree", "sign"),
    [
        (
            "rust-workspace",
            "Rust integration tests in crates/api/tests/ (1 file(s): crates/api/tests/roundtrip.rs)",
        ),
        (
            "python-marker",
            "the pytest marker 'integration' (pyproject.toml) (1 file(s): tests/test_db.py)",
        ),
        (
            "python-folder",
            "tests in tests/integration/ (1 file(s): tests/integration/test_checkout.py)",
        ),
        ("js-e2e", "tests in e2e/ (1 file(s): e2e/login.spec.ts)"),
        ("go-tagged", "Go tests behind the integration build tag (1 file(s): postgres_test.go)"),
    ],
)
def test_integration_tests_found(tree: str, sign: str) -> None:
    outcome = run_check(IntegrationTests, DATA / tree)
    assert outcome.status is Status.PASS
    assert outcome.summary == f"integration tests are present: {sign}"
    assert outcome.facts["checked"] == "presence only, not what the tests cover"


@pytest.mark.parametrize(("tree", "tests"), [("rust-unit", 1), ("python-unit", 2)])
def test_unit_tests_alone_fail(tree: str, tests: int) -> None:
    outcome = run_check(IntegrationTests, DATA / tree)
    assert outcome.status is Status.FAIL
    assert outcome.summary == "1 test file(s) exist, but no integration tests"
    assert outcome.observed == f"{tests} test(s), none of them integration tests"


def test_code_without_tests_fails() -> None:
    outcome = run_check(IntegrationTests, DATA / "no-tests")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "no tests at all (1 source file(s))"


def test_no_code_is_not_applicable() -> None:
    outcome = run_check(IntegrationTests, DATA / "docs-only")
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary == "the repository has no code"


def test_a_crate_at_the_root_with_tests_folder(tmp_path: Path) -> None:
    shutil.copytree(DATA / "rust-unit", tmp_path, dirs_exist_ok=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "cli.rs").write_text("#[test]\nfn runs() {}\n")
    outcome = run_check(IntegrationTests, tmp_path)
    assert outcome.status is Status.PASS
    assert "Rust integration tests in tests/" in outcome.summary


def test_files_named_for_integration_and_jvm_it_classes(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_api_integration.py").write_text("def test_api():\n    pass\n")
    java = tmp_path / "src" / "test" / "java" / "CheckoutIT.java"
    java.parent.mkdir(parents=True)
    java.write_text("class CheckoutIT {\n    @Test\n    void checksOut() {}\n}\n")
    outcome = run_check(IntegrationTests, tmp_path)
    assert outcome.status is Status.PASS
    assert outcome.observed == (
        "test files named for integration (1 file(s): tests/test_api_integration.py); "
        "JVM integration tests (*IT) (1 file(s): src/test/java/CheckoutIT.java)"
    )


def test_vendored_end_to_end_tests_do_not_count(tmp_path: Path) -> None:
    shutil.copytree(DATA / "python-unit", tmp_path, dirs_exist_ok=True)
    spec = tmp_path / "node_modules" / "lib" / "e2e" / "run.spec.js"
    spec.parent.mkdir(parents=True)
    spec.write_text('test("works", () => {});\n')
    assert run_check(IntegrationTests, tmp_path).status is Status.FAIL


@needs_git
def test_ignored_integration_tests_do_not_count(tmp_path: Path) -> None:
    shutil.copytree(DATA / "python-folder", tmp_path, dirs_exist_ok=True)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("tests/integration/\n")
    assert run_check(IntegrationTests, tmp_path).status is Status.FAIL


# --- tests.matching -----------------------------------------------------------------------------


def test_tests_on_a_topic_pass() -> None:
    outcome = run_check(
        MatchingTests,
        DATA / "rust-workspace",
        topic="edge cases",
        patterns=["edge", "boundary", "empty"],
    )
    assert outcome.status is Status.PASS
    assert outcome.summary == "2 test(s) on edge cases in 2 file(s)"
    assert outcome.observed == (
        "handles_empty_body (crates/api/src/lib.rs:22), "
        "adds_at_the_overflow_boundary (crates/core/src/lib.rs:8)"
    )
    assert outcome.facts["matches"] == 2


def test_test_titles_and_paths_match() -> None:
    outcome = run_check(
        MatchingTests, DATA / "js-e2e", topic="transport", patterns=["HTTPS", "timeout"]
    )
    assert outcome.status is Status.PASS
    assert outcome.observed == (
        "user can log in over https (e2e/login.spec.ts:3), "
        "handles a timeout error from the server (src/app.test.ts:8)"
    )
    by_path = run_check(MatchingTests, DATA / "rust-workspace", patterns=["roundtrip"])
    assert by_path.observed == "client_server_roundtrip (crates/api/tests/roundtrip.rs:4)"


def test_separators_and_camel_case_count_as_words(tmp_path: Path) -> None:
    (tmp_path / "store_test.go").write_text(
        "package store\n\nfunc TestRoundTripOverHTTP(t *testing.T) {}\n"
    )
    (tmp_path / "test_flow.py").write_text("def test_end_to_end_checkout():\n    pass\n")
    outcome = run_check(MatchingTests, tmp_path, patterns=["round trip", "end-to-end"])
    assert outcome.status is Status.PASS
    assert outcome.facts["matches"] == 2


def test_more_matches_than_shown(tmp_path: Path) -> None:
    tests = "".join(f"def test_error_{n}():\n    pass\n" for n in range(8))
    (tmp_path / "test_errors.py").write_text(tests)
    outcome = run_check(MatchingTests, tmp_path, patterns=["error"], topic="errors")
    assert outcome.summary == "8 test(s) on errors in 1 file(s)"
    assert outcome.observed is not None
    assert outcome.observed.endswith(" and 3 more")


def test_no_test_on_the_topic_fails() -> None:
    outcome = run_check(
        MatchingTests, DATA / "python-unit", topic="concurrency", patterns=["concurren", "thread"]
    )
    assert outcome.status is Status.FAIL
    assert (
        outcome.summary == "no test on concurrency: no test name or path mentions concurren, thread"
    )
    assert outcome.observed == "0 of 2 test(s) match"


def test_matching_without_tests() -> None:
    assert run_check(MatchingTests, DATA / "no-tests", patterns=["x"]).status is Status.FAIL
    outcome = run_check(MatchingTests, DATA / "docs-only", patterns=["x"])
    assert outcome.status is Status.NOT_APPLICABLE


def test_matching_without_patterns_is_unknown() -> None:
    outcome = run_check(MatchingTests, DATA / "rust-workspace", topic="transport")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == "no patterns given; set with = { patterns = [...] }"


# --- tests.results ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_real_pytest_report_with_failures(pytest_run: Path) -> None:
    outcome = run_check(JUnitResults, pytest_run)  # junit.xml, found by its name
    assert outcome.status is Status.FAIL
    assert outcome.summary == "2 test(s) failed or errored"
    assert outcome.observed is not None
    assert outcome.observed.startswith("1 passed, 2 failed, 1 skipped in ")
    assert [(str(f.location), f.message) for f in outcome.findings] == [
        ("test_suite.py:9", "test_suite::test_fails failed: assert (1 + 1) == 3"),
        (
            "test_suite.py:14",
            'test_suite::test_errors error: failed on setup with "RuntimeError: no database"',
        ),
    ]
    assert outcome.facts["age_from"] == "the report's timestamp"


@pytest.mark.slow
def test_pytest_line_numbers_are_one_based(pytest_run: Path) -> None:
    outcome = run_check(JUnitResults, pytest_run, junit="xunit1.xml")
    assert where(outcome) == ["test_suite.py:8", "test_suite.py:17"]  # the test functions


@pytest.mark.slow
def test_a_real_passing_pytest_report(tmp_path: Path) -> None:
    (tmp_path / "test_ok.py").write_text("def test_ok():\n    pass\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--junitxml=test-results/unit.xml",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    outcome = run_check(JUnitResults, tmp_path, max_age="1h", max_duration="60s")
    assert outcome.status is Status.PASS
    assert outcome.summary == "1 test(s) passed"
    assert outcome.required == "0 failed, suite <= 1 min, report <= 1 h old"
    assert outcome.facts["report"] == "test-results/unit.xml"


def test_a_nextest_report_points_at_the_panic(tmp_path: Path) -> None:
    shutil.copytree(DATA / "rust-workspace", tmp_path, dirs_exist_ok=True)
    (tmp_path / "target" / "nextest" / "ci").mkdir(parents=True)
    shutil.copy(JUNIT / "nextest.xml", tmp_path / "target" / "nextest" / "ci" / "junit.xml")
    outcome = run_check(JUnitResults, tmp_path)
    assert outcome.status is Status.FAIL
    assert where(outcome) == ["crates/api/src/lib.rs:18"]
    assert outcome.findings[0].message.startswith("api::tests::rejects_invalid_json failed: thread")
    assert outcome.facts["flaky"] == 1
    assert outcome.facts["seconds"] == 2.481
    assert outcome.facts["report"] == "target/nextest/ci/junit.xml"


def test_a_directory_of_surefire_reports_is_one_run() -> None:
    outcome = run_check(JUnitResults, JUNIT, junit="surefire-reports", max_duration="5s")
    assert outcome.status is Status.PASS
    assert outcome.summary == "2 test(s) passed, 1 skipped"
    assert outcome.facts["report_files"] == 2
    assert outcome.facts["not_junit_files"] == 1  # failsafe-summary.xml
    assert outcome.facts["seconds"] == 1.97


def test_a_suite_over_its_time_limit_fails() -> None:
    outcome = run_check(JUnitResults, JUNIT, junit="surefire-reports", max_duration="1s")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "the suite took 1.97 s, over the 1 s limit"


def test_an_old_report_fails_max_age(tmp_path: Path) -> None:
    stamp = datetime.now(UTC) - timedelta(hours=2)
    (tmp_path / "junit.xml").write_text(junit_report(stamp))
    outcome = run_check(JUnitResults, tmp_path, max_age="1h")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "the report is 2 h old, older than 1 h"
    assert run_check(JUnitResults, tmp_path, max_age="3h").status is Status.PASS
    assert run_check(JUnitResults, tmp_path).status is Status.PASS  # age reported, not judged


def test_without_a_timestamp_the_file_time_counts(tmp_path: Path) -> None:
    (tmp_path / "junit.xml").write_text(junit_report(None))
    old = time.time() - 3 * 86_400
    os.utime(tmp_path / "junit.xml", (old, old))
    outcome = run_check(JUnitResults, tmp_path, max_age="2d")
    assert outcome.status is Status.FAIL
    assert outcome.facts["age_from"] == "the report file's modification time"


def test_a_report_without_times_cannot_be_held_to_a_limit(tmp_path: Path) -> None:
    (tmp_path / "junit.xml").write_text(junit_report(None, time_attr=None))
    outcome = run_check(JUnitResults, tmp_path, max_duration="30s")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("the report gives no times")


def test_the_newest_run_is_read(tmp_path: Path) -> None:
    (tmp_path / "junit.xml").write_text(junit_report(None))
    old = time.time() - 600
    os.utime(tmp_path / "junit.xml", (old, old))
    (tmp_path / "test-results" / "e2e").mkdir(parents=True)
    (tmp_path / "test-results" / "e2e" / "a.xml").write_text(junit_report(None))
    (tmp_path / "test-results" / "b.xml").write_text(junit_report(None))
    outcome = run_check(JUnitResults, tmp_path)
    assert outcome.facts["report"] == "test-results/b.xml, test-results/e2e/a.xml"
    assert outcome.facts["tests"] == 2


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        (
            "malformed.xml",
            "the JUnit report broken/malformed.xml is not well-formed XML: line 1, column 107: mismatched tag",
        ),
        (
            "billion-laughs.xml",
            'the JUnit report broken/billion-laughs.xml is not well-formed XML: line 3: the document declares the entity "a"; entities are refused',
        ),
        (
            "not-junit.xml",
            "broken/not-junit.xml is not a JUnit report (its root element is <coverage>)",
        ),
        ("missing.xml", "the JUnit report broken/missing.xml does not exist"),
    ],
)
def test_unreadable_reports_are_unknown(name: str, summary: str) -> None:
    outcome = run_check(JUnitResults, JUNIT, junit=f"broken/{name}")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == summary


def test_a_report_without_tests_fails() -> None:
    outcome = run_check(JUnitResults, JUNIT, junit="broken/no-tests.xml")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "the report holds no test cases"


def test_no_report_is_unknown() -> None:
    outcome = run_check(JUnitResults, DATA / "docs-only")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("no JUnit report found in the 9 usual places")
