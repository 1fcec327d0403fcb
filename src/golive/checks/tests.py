"""Test evidence: integration tests present, tests on named topics, JUnit results."""

from __future__ import annotations

import re
from pathlib import Path

from golive.checks._coverage_paths import PathPlacer
from golive.checks._tests_integration import integration_signs
from golive.checks._tests_junit import (
    COMMON_PLACES,
    JUnitCase,
    JUnitRun,
    age_of,
    find_reports,
    read_run,
)
from golive.checks._tests_scan import FoundTest, FoundTests, inventory
from golive.checks.base import (
    Check,
    CheckParams,
    Facts,
    NoParams,
    failed,
    not_applicable,
    passed,
    unknown,
)
from golive.checks.params import Duration
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Location, Outcome
from golive.thresholds import describe_duration

__all__ = [
    "FIXTURES",
    "IntegrationTests",
    "JUnitResults",
    "MatchingParams",
    "MatchingTests",
    "ResultsParams",
]

_EXAMPLES = 5  # matching tests named in the observed text


def tests_inventory(repo: Repository) -> FoundTests:
    """The repository's test files and test functions, found once per review."""
    return inventory(repo)


FIXTURES = {"tests_inventory": tests_inventory}


class IntegrationTests(Check):
    """Integration tests exist.

    Counts as integration tests: Rust files under `tests/` of the workspace root or of any
    crate; test files in a folder named integration, integration_tests, tests_integration,
    it, e2e, end-to-end, cypress or playwright; test files named for integration or e2e; an
    `integration` pytest marker that the configuration declares and a test uses; Go tests
    behind the `integration` build tag; JVM `*IT` classes; and JavaScript tests next to a
    Playwright or Cypress configuration. Only their presence is checked, not what they test.
    Without any test the check fails, unless the repository has no code at all.
    """

    id = "tests.integration"
    kind = Kind.STATIC
    fix = (
        "Add tests that drive the service through its real interfaces: Rust files in tests/, "
        "or a tests/integration/ folder (or an `integration` pytest marker)."
    )

    def run(self, params: NoParams, repo: Repository, tests_inventory: FoundTests) -> Outcome:
        signs = integration_signs(repo, tests_inventory)
        facts: Facts = {
            "test_files": len(tests_inventory.files),
            "tests": len(tests_inventory.tests),
            "code_files": tests_inventory.code,
            "integration_signs": len(signs),
            "checked": "presence only, not what the tests cover",
        }
        if signs:
            files = len({path for sign in signs for path in sign.files})
            return passed(
                f"integration tests are present: {signs[0]}"
                + (f", and {len(signs) - 1} more sign(s)" if len(signs) > 1 else ""),
                observed="; ".join(str(sign) for sign in signs),
                facts={**facts, "integration_files": files},
            )
        if tests_inventory.files:
            return failed(
                f"{len(tests_inventory.files)} test file(s) exist, but no integration tests",
                observed=f"{len(tests_inventory.tests)} test(s), none of them integration tests",
                required="integration tests",
                remediation=self.fix,
                facts=facts,
            )
        if tests_inventory.code:
            return failed(
                f"no tests at all ({tests_inventory.code} source file(s))",
                required="integration tests",
                remediation=self.fix,
                facts=facts,
            )
        return not_applicable("the repository has no code")


class MatchingParams(CheckParams):
    patterns: list[str] | None = None  # case-insensitive parts of test names or paths
    topic: str | None = None  # what the patterns stand for, in the outcome's words


class MatchingTests(Check):
    """Tests exist on the given topic.

    A test matches when its name, or the path of its file, contains one of `patterns`,
    ignoring case; `-`, `_` and spaces count as the same, and camelCase words are split
    (`rejectsInvalidJson` matches "invalid json"). Test names are Rust `#[test]` functions,
    Python `test_*` functions and `Test*` classes, JavaScript `it`/`test`/`describe` titles,
    Go `Test*` functions and JUnit `@Test` methods. Only presence is checked, not quality.
    """

    id = "tests.matching"
    kind = Kind.STATIC
    Params = MatchingParams
    fix = "Add tests on this topic, with names that say what they test."

    def run(self, params: MatchingParams, tests_inventory: FoundTests) -> Outcome:
        if not params.patterns:
            return unknown("no patterns given; set with = { patterns = [...] }")
        topic = params.topic or " / ".join(params.patterns)
        if not tests_inventory.files:
            if not tests_inventory.code:
                return not_applicable("the repository has no code and no tests")
            return failed(
                f"no tests at all, so none on {topic}",
                required=f"tests on {topic}",
                remediation=self.fix,
                facts={"code_files": tests_inventory.code, "tests": 0},
            )
        needles = [_words(pattern) for pattern in params.patterns if pattern.strip()]
        matches = _matching(tests_inventory, needles)
        files = len({where.path for _, where in matches})
        facts: Facts = {
            "matches": len(matches),
            "matching_files": files,
            "tests": len(tests_inventory.tests),
            "test_files": len(tests_inventory.files),
            "checked": "presence only, not what the tests cover",
        }
        required = f"a test whose name or path mentions {' / '.join(params.patterns)}"
        if not matches:
            return failed(
                f"no test on {topic}: no test name or path mentions {', '.join(params.patterns)}",
                observed=f"0 of {len(tests_inventory.tests)} test(s) match",
                required=required,
                remediation=self.fix,
                facts=facts,
            )
        examples = ", ".join(f"{name} ({where})" for name, where in matches[:_EXAMPLES])
        more = f" and {len(matches) - _EXAMPLES} more" if len(matches) > _EXAMPLES else ""
        return passed(
            f"{len(matches)} test(s) on {topic} in {files} file(s)",
            observed=f"{examples}{more}",
            required=required,
            facts=facts,
        )


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[-_\s]+")


def _words(text: str) -> str:
    return _SEPARATORS.sub(" ", _CAMEL.sub(" ", text.strip())).lower()


def _matching(tests: FoundTests, needles: list[str]) -> list[tuple[str, Location]]:
    def hit(text: str) -> bool:
        forms = (text.lower(), _words(text))
        return any(needle in form for needle in needles for form in forms)

    found: list[tuple[str, Location]] = []
    by_file: dict[str, list[FoundTest]] = {}
    for test in tests.tests:
        by_file.setdefault(test.path, []).append(test)
    for path in tests.files:
        functions = by_file.get(path, [])
        path_hit = hit(path)
        for test in functions:
            if path_hit or hit(test.name):
                found.append((test.name, Location(path=path, line=test.line)))
        if path_hit and not functions:
            found.append((path.rpartition("/")[2], Location(path=path)))
    return found


class ResultsParams(CheckParams):
    junit: str | None = None  # a JUnit XML file or a directory of them
    max_age: Duration | None = None  # the report must be younger than this
    max_duration: Duration | None = None  # the suite must finish within this


class JUnitResults(Check):
    """A recent JUnit report shows every test passing.

    Reads the JUnit XML report named by `junit` (a file, or a directory read as one run), or
    the newest found in junit.xml, junit/, test-results(.xml), test-reports/,
    reports/junit*.xml, target/nextest/**/junit.xml, target/surefire-reports/ and
    build/test-results/. Fails when a test failed or errored, when the report holds no tests,
    when the run took longer than `max_duration`, or when it is older than `max_age` (from
    the report's own timestamp, else the file's modification time; without `max_age` the age
    is reported but not judged). Without a report the check is unknown.
    """

    id = "tests.results"
    kind = Kind.EVIDENCE
    Params = ResultsParams
    fix = "Run the test suite with JUnit output (pytest --junitxml=junit.xml) and fix what fails."

    def run(self, params: ResultsParams, root: Path, repo: Repository) -> Outcome:
        files = find_reports(root, params.junit)
        if files is None:
            return unknown(
                f"no JUnit report found in the {len(COMMON_PLACES)} usual places (`golive explain "
                "tests.results`); write one with `pytest --junitxml=junit.xml` or cargo-nextest"
            )
        run = read_run(files, root, PathPlacer(root, repo.files))
        age, age_from = age_of(run)
        passed_count, skipped = run.count("passed"), run.count("skipped")
        broken = [case for case in run.cases if case.outcome in {"failed", "error"}]
        took = describe_duration(run.seconds) if run.seconds is not None else "an unknown time"
        facts: dict[str, str | int | float | bool] = {
            "report": ", ".join(run.files[:5]) + (" ..." if len(run.files) > 5 else ""),
            "report_files": len(run.files),
            "tests": len(run.cases),
            "passed": passed_count,
            "failed": run.count("failed"),
            "errors": run.count("error"),
            "skipped": skipped,
            "flaky": sum(case.flaky for case in run.cases),
            "age": describe_duration(age),
            "age_s": round(age, 1),
            "age_from": age_from,
            "not_junit_files": len(run.skipped_files),
        }
        if run.seconds is not None:
            facts["seconds"] = round(run.seconds, 3)
        observed = (
            f"{passed_count} passed, {len(broken)} failed, {skipped} skipped in {took}; "
            f"report {describe_duration(age)} old"
        )
        problems, findings = _problems(run, broken, params, age)
        required = _required(params)
        if problems:
            return failed(
                "; ".join(problems),
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        if params.max_duration is not None and run.seconds is None:
            return unknown(
                "the report gives no times, so the suite's duration cannot be compared with "
                f"the {describe_duration(params.max_duration)} limit",
                observed=observed,
                facts=facts,
            )
        return passed(
            f"{passed_count} test(s) passed" + (f", {skipped} skipped" if skipped else ""),
            observed=observed,
            required=required,
            facts=facts,
        )


def _problems(
    run: JUnitRun, broken: list[JUnitCase], params: ResultsParams, age: float
) -> tuple[list[str], list[Finding]]:
    problems: list[str] = []
    findings: list[Finding] = []
    if broken:
        problems.append(f"{len(broken)} test(s) failed or errored")
        for case in broken:
            where = None
            if case.file:
                where = Location(path=case.file, line=case.line)
            elif not Path(case.report).is_absolute():
                where = Location(path=case.report, line=case.report_line)
            message = f"{case.name} {case.outcome}" + (f": {case.message}" if case.message else "")
            findings.append(Finding(message=message, location=where, rule=f"junit.{case.outcome}"))
    if not run.cases:
        problems.append("the report holds no test cases")
    limit = params.max_duration
    if limit is not None and run.seconds is not None and run.seconds > limit:
        took, most = describe_duration(run.seconds), describe_duration(limit)
        problems.append(f"the suite took {took}, over the {most} limit")
    if params.max_age is not None and age > params.max_age:
        old, oldest = describe_duration(age), describe_duration(params.max_age)
        problems.append(f"the report is {old} old, older than {oldest}")
    return problems, findings


def _required(params: ResultsParams) -> str:
    parts = ["0 failed"]
    if params.max_duration is not None:
        parts.append(f"suite <= {describe_duration(params.max_duration)}")
    if params.max_age is not None:
        parts.append(f"report <= {describe_duration(params.max_age)} old")
    return ", ".join(parts)
