"""The Python toolchain: ruff, the formatter, mypy and pytest, as the project configures them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from golive.checks import _python_pytest as _pytest
from golive.checks._python_project import PythonProject, Tool, load_project
from golive.checks._python_tools import (
    Problem,
    ToolReport,
    check_black,
    check_ruff_format,
    run_mypy,
    run_ruff,
)
from golive.checks.base import (
    Check,
    CheckParams,
    Facts,
    NoParams,
    NotApplicable,
    Unknown,
    failed,
    passed,
    unknown,
    warned,
)
from golive.checks.params import Duration
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Outcome

__all__ = ["FIXTURES", "Format", "Mypy", "PytestParams", "PytestSuite", "Ruff", "python_project"]

_MARGIN = 15.0  # seconds between a tool's own deadline and the check's timeout


def python_project(repo: Repository) -> PythonProject:
    """The Python project at the repository root (not applicable when there is none)."""
    return load_project(repo)


FIXTURES: Mapping[str, Callable[..., Any]] = {"python_project": python_project}


def _tool(project: PythonProject, name: str) -> Tool:
    tool = project.find_tool(name)
    if tool is None:
        raise Unknown(f"{name} is not installed (looked {project.looked_in()})")
    return tool


def _findings(problems: Iterable[Problem], default_rule: str) -> list[Finding]:
    found = []
    for problem in list(problems):
        rule = problem.code or default_rule
        where = problem.location.path if problem.location else ""
        digest = hashlib.sha256(f"{where}\0{rule}\0{problem.message}".encode()).hexdigest()[:16]
        found.append(
            Finding(
                message=problem.message, location=problem.location, rule=rule, fingerprint=digest
            )
        )
    return found


def _facts(project: PythonProject, report: ToolReport, tool: str, **more: Any) -> Facts:
    config = project.configured.get(tool)
    return {
        "command": report.command,
        "tool": report.tool.executable,
        "tool_from": report.tool.origin,
        "config": config.source if config else f"no {tool} configuration in the project",
        "seconds": round(report.seconds, 2),
        **more,
    }


def _files(problems: Iterable[Problem]) -> list[str]:
    return sorted({p.location.path for p in problems if p.location})


class Ruff(Check):
    """ruff reports no lint findings.

    Runs `ruff check` in the repository root with the project's own configuration (its rule
    selection, excludes and per-file ignores), never fixing anything, and lists each finding
    with its file, line, column and rule code. Without a ruff configuration ruff's default
    rules apply. ruff comes from the project's `.venv` or `venv` if it has one there, else
    from PATH; without it the check is unknown.
    """

    id = "python.ruff"
    kind = Kind.TOOL
    timeout = 300.0
    fix = "Run `ruff check --fix`, then fix or `# noqa: CODE` (with a reason) what remains."

    def run(self, params: NoParams, python_project: PythonProject) -> Outcome:
        tool = _tool(python_project, "ruff")
        report = run_ruff(python_project, tool, timeout=self.timeout - _MARGIN)
        files = _files(report.problems)
        facts = _facts(python_project, report, "ruff", findings=len(report.problems))
        if not report.problems:
            return passed("ruff reports no findings", observed="0 findings", facts=facts)
        rules = sorted({p.code or "?" for p in report.problems})
        return failed(
            f"ruff reports {len(report.problems)} finding(s) in {len(files)} file(s) "
            f"({', '.join(rules[:5])}{' ...' if len(rules) > 5 else ''})",
            observed=f"{len(report.problems)} finding(s)",
            required="0 findings",
            findings=_findings(report.problems, "ruff"),
            remediation=self.fix,
            facts={**facts, "files": len(files), "rules": len(rules)},
        )


class Format(Check):
    """Python code is formatted (ruff format or black).

    Runs `ruff format --check`, or `black --check` when the project uses black (a
    `[tool.black]` table, or black among its dependencies) and does not configure ruff's
    formatter, with the project's own configuration. Each unformatted file is a finding at its
    first line that would change. Files the formatter cannot parse are listed too; if they
    are the only problem, the check is unknown (the syntax error is ruff's and mypy's to
    report).
    """

    id = "python.format"
    kind = Kind.TOOL
    timeout = 300.0
    fix = "Run `ruff format` (or `black .` in a project that uses black)."

    def run(self, params: NoParams, python_project: PythonProject) -> Outcome:
        formatter = python_project.formatter
        deadline = self.timeout - _MARGIN
        if formatter == "black":
            config = python_project.configured["black"]
            tool = python_project.find_tool("black")
            if tool is None:
                raise Unknown(
                    f"the project formats with black ({config.source}), but black is not "
                    f"installed (looked {python_project.looked_in()})"
                )
            report = check_black(python_project, tool, timeout=deadline)
        else:
            report = check_ruff_format(
                python_project, _tool(python_project, "ruff"), timeout=deadline
            )
        files = _files(report.problems)
        facts = _facts(
            python_project,
            report,
            formatter,
            formatter=formatter,
            unformatted=len(files),
            unparseable=len(report.unreadable),
        )
        fix = "Run `black .`." if formatter == "black" else "Run `ruff format`."
        if files:
            return failed(
                f"{len(files)} file(s) are not formatted: {', '.join(files[:5])}"
                + (" ..." if len(files) > 5 else ""),
                observed=f"{len(files)} unformatted file(s)",
                required="0",
                findings=_findings([*report.problems, *report.unreadable], formatter),
                remediation=fix,
                facts=facts,
            )
        if report.unreadable:
            return unknown(
                f"{formatter} cannot parse {len(report.unreadable)} file(s) "
                f"({', '.join(_files(report.unreadable)[:5]) or 'see its output'}), so whether "
                "they are formatted is unknown; every other file is formatted",
                findings=_findings(report.unreadable, formatter),
                facts=facts,
            )
        return passed(
            f"every file is formatted ({formatter})", observed="0 unformatted", facts=facts
        )


class Mypy(Check):
    """mypy reports no type errors.

    Runs mypy with the project's own configuration (mypy.ini, .mypy.ini, `[tool.mypy]` or
    setup.cfg) on the files it names, or on the project's package directories when it names
    none. Each error is a finding with its file, line, column and error code. A project that
    neither configures mypy nor depends on it is not applicable. When the only errors are
    imports mypy cannot find outside the project, the check is unknown: the project's
    dependencies are not installed where mypy runs.
    """

    id = "python.mypy"
    kind = Kind.TOOL
    timeout = 900.0
    fix = "Run `mypy` and fix each error, or silence it with `# type: ignore[code]` and a reason."

    def run(self, params: NoParams, python_project: PythonProject) -> Outcome:
        if not python_project.uses("mypy"):
            raise NotApplicable(
                "the project does not use mypy (no mypy configuration, and mypy is not "
                "among its dependencies)"
            )
        tool = _tool(python_project, "mypy")
        report = run_mypy(python_project, tool, timeout=self.timeout - _MARGIN)
        files = _files(report.problems)
        targets = (
            "configured files"
            if python_project.mypy_targets_configured
            else ", ".join(python_project.packages)
        )
        facts = _facts(python_project, report, "mypy", errors=len(report.problems), targets=targets)
        if not report.problems:
            return passed("mypy reports no errors", observed="0 errors", facts=facts)
        missing = [p for p in report.problems if p.code == "import-not-found"]
        if len(missing) == len(report.problems):
            return unknown(
                f"mypy cannot find {len(missing)} imported module(s) "
                f"({'; '.join(p.message for p in missing[:3])}): the project's dependencies "
                "are not installed where mypy runs",
                findings=_findings(missing, "mypy"),
                facts=facts,
            )
        return failed(
            f"mypy reports {len(report.problems)} error(s) in {len(files)} file(s)",
            observed=f"{len(report.problems)} error(s)",
            required="0 errors",
            findings=_findings(report.problems, "mypy"),
            remediation=self.fix,
            facts={**facts, "files": len(files)},
        )


class PytestParams(CheckParams):
    junit: str | None = None  # read this JUnit XML report instead of running the tests
    max_duration: Duration | None = None  # the suite may take at most this long
    min_tests: int = 1  # fewer passing tests than this fails: an empty suite verifies nothing
    network: bool = False  # let the tests reach other machines


class PytestSuite(Check):
    """The Python test suite passes.

    Runs pytest in the repository root with the project's configuration, its cache off and,
    unless `network = true`, network connections beyond this machine refused in the test
    process, and reads the JUnit XML report pytest writes. With `junit`, reads that report
    instead (a report older than the newest Python file warns). Fails when a test fails or
    errors, when fewer than `min_tests` pass, or when the suite took longer than
    `max_duration`. Unknown when pytest is missing, or when the tests cannot be collected
    because modules they import are not installed.
    """

    id = "python.pytest"
    kind = Kind.TOOL
    Params = PytestParams
    timeout = 1800.0
    fix = "Run `pytest` and fix the failing tests."

    def run(self, params: PytestParams, python_project: PythonProject) -> Outcome:
        facts: dict[str, str | int | float | bool] = {}
        stale = False
        if params.junit is not None:
            path = Path(params.junit)
            path = path if path.is_absolute() else python_project.root / path
            if not path.is_file():
                raise Unknown(f"the JUnit report {params.junit} does not exist")
            report = _pytest.read_junit(path, python_project)
            newest = _newest_source(python_project)
            stale = newest is not None and newest[1] > path.stat().st_mtime
            facts.update(report=params.junit, stale=stale)
            if newest is not None and stale:
                facts["newer_source"] = newest[0]
        else:
            tool = _tool(python_project, "pytest")
            run = _pytest.run_pytest(
                python_project, tool, network=params.network, timeout=self.timeout - _MARGIN
            )
            report = run.report
            facts.update(
                command=run.command,
                tool=tool.executable,
                tool_from=tool.origin,
                exit_code=run.returncode,
                wall_seconds=round(run.seconds, 2),
                network="blocked beyond loopback" if run.network_blocked else "allowed",
            )
        return self._judge(params, report, python_project, facts, stale)

    def _judge(
        self,
        params: PytestParams,
        report: _pytest.JUnitReport,
        project: PythonProject,
        facts: dict[str, str | int | float | bool],
        stale: bool,
    ) -> Outcome:
        counts = {
            "passed": report.count("passed"),
            "failed": report.count("failed"),
            "errors": report.count("error"),
            "skipped": report.count("skipped"),
        }
        facts.update(counts, seconds=round(report.seconds, 2))
        observed = (
            f"{counts['passed']} passed, {counts['failed']} failed, {counts['errors']} errors, "
            f"{counts['skipped']} skipped in {report.seconds:.2f} s"
        )
        broken = [c for c in report.cases if c.outcome in {"failed", "error"}]
        missing = {c.id: _pytest.missing_modules(c.text, project) for c in broken if c.collection}
        offline = [c for c in broken if _pytest.NETWORK_BLOCKED in c.text]
        offline_ids = {c.id for c in offline}
        real = [c for c in broken if not missing.get(c.id) and c.id not in offline_ids]
        if broken and not real:
            return unknown(_environment_reason(missing, offline), observed=observed, facts=facts)
        if broken:
            collected = sum(c.collection for c in broken)
            return failed(
                f"{counts['failed']} test(s) failed, {counts['errors']} error(s)"
                + (f" ({collected} module(s) could not be collected)" if collected else ""),
                observed=observed,
                required="0 failed, 0 errors",
                findings=[
                    Finding(
                        message=f"{case.id} {_VERB[case.outcome]}: {case.message}",
                        location=case.location,
                        rule="pytest",
                        fingerprint=hashlib.sha256(case.id.encode()).hexdigest()[:16],
                    )
                    for case in broken
                ],
                remediation=self.fix,
                facts=facts,
            )
        if counts["passed"] < params.min_tests:
            return failed(
                f"only {counts['passed']} test(s) passed"
                if report.cases
                else "pytest found no tests",
                observed=observed,
                required=f">= {params.min_tests} passing test(s)",
                remediation="Add tests; an empty suite verifies nothing.",
                facts=facts,
            )
        if params.max_duration is not None and report.seconds > params.max_duration:
            return failed(
                f"the suite took {report.seconds:.2f} s, longer than {params.max_duration:g} s",
                observed=f"{report.seconds:.2f} s",
                required=f"<= {params.max_duration:g} s",
                remediation="Speed up or split the slowest tests (`pytest --durations=10`).",
                facts=facts,
            )
        if stale:
            return warned(
                f"{counts['passed']} test(s) passed, but the report is older than "
                f"{facts.get('newer_source')}",
                observed=observed,
                remediation="Run the tests again and publish a fresh report.",
                facts=facts,
            )
        return passed(f"{counts['passed']} test(s) passed", observed=observed, facts=facts)


_VERB = {"failed": "failed", "error": "errored"}


def _environment_reason(missing: Mapping[str, list[str]], offline: list[_pytest.TestCase]) -> str:
    """Why tests that broke only for want of modules or the network decide nothing."""
    reasons = []
    modules = sorted({name for names in missing.values() for name in names})
    if modules:
        reasons.append(_pytest.missing_reason(modules, "the test suite cannot be collected"))
    if offline:
        reasons.append(
            f"{len(offline)} test(s) need the network, which the review blocks "
            f"({', '.join(c.id for c in offline[:3])}); set network = true to allow it"
        )
    return "; ".join(reasons)


def _newest_source(project: PythonProject) -> tuple[str, float] | None:
    newest: tuple[str, float] | None = None
    for path in project.sources:
        try:
            mtime = (project.root / path).stat().st_mtime
        except OSError:
            continue
        if newest is None or mtime > newest[1]:
            newest = (path, mtime)
    return newest
