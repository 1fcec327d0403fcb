"""The Python toolchain checks against real projects, with real ruff, mypy and pytest.

The projects in tests/data/python are copied once per module (no tool writes into them: the
checks turn the caches off), and every test sees a PATH holding only the tools it should
find. The JUnit reports in tests/data/python/junit/reports were written by pytest 9 running
that project's tests. The black output below was recorded from black 26, which is not a
dependency of golive (the test that runs black is skipped where it is not installed), and the
`ruff format` text from ruff 0.8, the last one without `format --output-format`; the mypy
text format is recorded from the mypy installed here, which answers in JSON when asked.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from golive.checks._python_project import load_project
from golive.checks._python_tools import (
    parse_black_errors,
    parse_mypy_json,
    parse_mypy_text,
    parse_ruff_format_text,
    parse_unified_diff,
)
from golive.checks.base import Check
from golive.checks.python import Format, Mypy, PytestSuite, Ruff
from golive.checks.repository import Repository
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "python"
CHECKS = [Ruff, Format, Mypy, PytestSuite]
VENV_BIN = Path(sys.executable).parent
BLACK = shutil.which("black") or shutil.which("black", path=str(VENV_BIN))


def check_id(check: type[Check]) -> str:
    return check.id


def where(outcome: Outcome) -> list[str]:
    return [str(f.location) for f in outcome.findings]


def make_bin(directory: Path, *tools: str) -> Path:
    """A directory holding links to just `tools`, to put alone on PATH."""
    directory.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        found = shutil.which(tool, path=str(VENV_BIN)) or (BLACK if tool == "black" else None)
        if found is None:
            pytest.skip(f"{tool} is not installed in golive's environment")
        (directory / tool).symlink_to(found)
    return directory


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("python") / "projects"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("conftest.py"))
    return target


@pytest.fixture(scope="module")
def toolchain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bin(tmp_path_factory.mktemp("bin") / "bin", "ruff", "mypy", "pytest")


@pytest.fixture(autouse=True)
def only_the_toolchain(monkeypatch: pytest.MonkeyPatch, toolchain: Path) -> None:
    monkeypatch.setenv("PATH", str(toolchain))


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# --- the python_project fixture ---------------------------------------------------------------


def test_the_project_is_read_from_pyproject(projects: Path) -> None:
    project = load_project(Repository.scan(projects / "clean"))
    assert {tool: c.source for tool, c in project.configured.items()} == {
        "ruff": "[tool.ruff] in pyproject.toml",
        "mypy": "[tool.mypy] in pyproject.toml",
        "pytest": "[tool.pytest.ini_options] in pyproject.toml",
    }
    assert str(project.configured["mypy"].location) == "pyproject.toml:15:7"
    assert project.packages == ("src/greet",)
    assert project.formatter == "ruff"
    assert not project.mypy_targets_configured
    assert {"pytest", "mypy", "ruff"} <= project.dependencies


def test_tools_are_found_in_other_configuration_files(tmp_path: Path) -> None:
    project = load_project(
        Repository.scan(
            write(
                tmp_path,
                {
                    "ruff.toml": "line-length = 90\n\n[format]\nquote-style = 'single'\n",
                    "mypy.ini": "[mypy]\nfiles = app.py\n",
                    "setup.cfg": "[metadata]\nname = app\n\n[tool:pytest]\naddopts = -q\n",
                    "requirements-dev.txt": "# tools\nBlack==24.1\n-r requirements.txt\n",
                    "requirements.txt": "requests>=2\n",
                    "app.py": "X = 1\n",
                },
            )
        )
    )
    assert {tool: str(c.location) for tool, c in project.configured.items()} == {
        "ruff": "ruff.toml",
        "mypy": "mypy.ini",
        "pytest": "setup.cfg:4:1",
        "black": "None",
    }
    assert project.dependencies == {"black", "requests"}
    assert project.mypy_targets_configured
    assert project.packages == ("app.py",)
    assert project.formatter == "ruff"  # ruff.toml configures ruff's formatter


def test_dependencies_come_from_every_kind_of_group(tmp_path: Path) -> None:
    pyproject = """
[dependency-groups]
lint = ["ruff>=0.5", {include-group = "typing"}]
typing = ["mypy"]

[tool.poetry.group.dev.dependencies]
pytest = "^8"

[tool.uv]
dev-dependencies = ["black"]
"""
    project = load_project(Repository.scan(write(tmp_path, {"pyproject.toml": pyproject})))
    assert project.dependencies == {"ruff", "mypy", "pytest", "black"}
    assert project.formatter == "black"  # black is used, and ruff's formatter is not set up


@pytest.mark.parametrize("check", CHECKS, ids=check_id)
def test_no_python_project_is_not_applicable(projects: Path, check: type[Check]) -> None:
    outcome = run_check(check, projects / "no-python")  # only vendor/ holds Python
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary.startswith("no Python project here")


def test_tools_are_taken_from_the_projects_venv_first(tmp_path: Path) -> None:
    root = write(tmp_path, {"app.py": "X = 1\n"})
    make_bin(root / ".venv" / "bin", "ruff")
    outcome = run_check(Ruff, root)
    assert outcome.status is Status.PASS
    assert outcome.facts["tool_from"] == ".venv/bin"
    assert outcome.facts["config"] == "no ruff configuration in the project"


# --- ruff -------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("check", CHECKS, ids=check_id)
def test_a_clean_project_passes(projects: Path, check: type[Check]) -> None:
    outcome = run_check(check, projects / "clean")
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.facts["tool_from"] == "PATH"


def test_ruff_findings_fail_with_their_places_and_codes(projects: Path) -> None:
    outcome = run_check(Ruff, projects / "dirty")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "ruff reports 1 finding(s) in 1 file(s) (F401)"
    assert [(str(f.location), f.rule, f.message) for f in outcome.findings] == [
        ("src/shop/cart.py:3:8", "F401", "`os` imported but unused")
    ]
    assert outcome.facts["findings"] == 1


def test_a_broken_ruff_configuration_is_unknown(tmp_path: Path) -> None:
    root = write(tmp_path, {"pyproject.toml": '[tool.ruff]\nline-length = "long"\n'})
    outcome = run_check(Ruff, root)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("ruff check could not lint the project")


@pytest.mark.parametrize("check", CHECKS, ids=check_id)
def test_a_missing_tool_is_unknown(
    projects: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, check: type[Check]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    outcome = run_check(check, projects / "clean")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.endswith(
        "is not installed (looked on PATH; the project has no .venv or venv)"
    )


# --- formatting -------------------------------------------------------------------------------


def test_unformatted_files_fail_at_their_first_change(projects: Path) -> None:
    outcome = run_check(Format, projects / "dirty")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "1 file(s) are not formatted: src/shop/names.py"
    assert where(outcome) == ["src/shop/names.py:3:8"]
    assert outcome.facts["formatter"] == "ruff"


def test_a_file_the_formatter_cannot_parse_is_unknown(tmp_path: Path) -> None:
    root = write(tmp_path, {"ok.py": "X = 1\n", "broken.py": "def f(:\n    pass\n"})
    outcome = run_check(Format, root)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("ruff cannot parse 1 file(s) (broken.py)")


def test_a_black_project_without_black_is_unknown(projects: Path) -> None:
    outcome = run_check(Format, projects / "black-project")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == (
        "the project formats with black ([tool.black] in pyproject.toml), but black is not "
        "installed (looked on PATH; the project has no .venv or venv)"
    )


@pytest.mark.slow
@pytest.mark.skipif(BLACK is None, reason="black is not installed")
def test_black_checks_a_black_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toolchain: Path
) -> None:
    root = tmp_path / "project"
    shutil.copytree(DATA / "black-project", root)
    write(root, {"app/ugly.py": "x=1\n"})
    monkeypatch.setenv("PATH", f"{toolchain}:{make_bin(tmp_path / 'bin', 'black')}")
    outcome = run_check(Format, root)
    assert outcome.status is Status.FAIL
    assert where(outcome) == ["app/ugly.py:1"]
    assert outcome.facts["formatter"] == "black"


def test_blacks_diff_and_errors_are_read() -> None:
    # Recorded from `black --check --diff --quiet .` (black 26.10.1) in /tmp/bk.
    diff = (
        "--- /tmp/bk/pkg/a.py\t2026-11-21 20:40:41.833257+00:00\n"
        "+++ /tmp/bk/pkg/a.py\t2026-11-21 20:40:42.009614+00:00\n"
        "@@ -1,7 +1,7 @@\n"
        " import os\n"
        "-x=1\n"
        "+\n"
        "+x = 1\n"
        " \n"
        " \n"
        "-\n"
        "-def f( a ):\n"
        "+def f(a):\n"
        "     return a\n"
    )
    stderr = "error: cannot parse: /tmp/bk/pkg/bad.py:1:6\n    def g(:\n         ^\n"
    root = Path("/tmp/bk")
    assert [str(p.location) for p in parse_unified_diff(diff, root)] == ["pkg/a.py:2"]
    [error] = parse_black_errors(stderr, root)
    assert (str(error.location), error.code) == ("pkg/bad.py:1:6", "invalid-syntax")


def test_an_old_ruffs_format_text_is_read() -> None:
    # Recorded from `ruff format --check --no-cache` (ruff 0.8.6) in /tmp/pyx.
    stdout = "Would reformat: pkg/a.py\nWould reformat: pkg/b.py\n2 files would be reformatted\n"
    stderr = "error: Failed to parse pkg/bad.py:1:7: Expected a parameter or the end of the list\n"
    problems, unreadable = parse_ruff_format_text(stdout, stderr, Path("/tmp/pyx"))
    assert [str(p.location) for p in problems] == ["pkg/a.py", "pkg/b.py"]
    assert [(str(p.location), p.message) for p in unreadable] == [
        ("pkg/bad.py:1:7", "Expected a parameter or the end of the list")
    ]


# --- mypy -------------------------------------------------------------------------------------


def test_mypys_two_output_formats_give_the_same_problem() -> None:
    # Recorded from mypy 2.4 with `--output json`, and with the flags the text fallback uses.
    root = Path("/tmp/pyx")
    text = 'pkg/b.py:2:12: error: Incompatible return value type (got "int", expected "str")  [return-value]'
    json_line = (
        '{"file": "pkg/b.py", "line": 2, "column": 11, "end_line": 2, "end_column": 12, '
        '"message": "Incompatible return value type (got \\"int\\", expected \\"str\\")", '
        '"hint": null, "code": "return-value", "severity": "error"}'
    )
    assert parse_mypy_text(text, root) == parse_mypy_json(json_line, root)
    problem = parse_mypy_text(text, root)
    assert problem is not None
    assert (str(problem.location), problem.code) == ("pkg/b.py:2:12", "return-value")
    assert parse_mypy_text('pkg/b.py:5:13: note: Revealed type is "int"', root) is None


@pytest.mark.slow
def test_type_errors_fail_with_their_places_and_codes(projects: Path) -> None:
    outcome = run_check(Mypy, projects / "dirty")
    assert outcome.status is Status.FAIL
    assert [(str(f.location), f.rule) for f in outcome.findings] == [
        ("src/shop/cart.py:11:12", "return-value")
    ]
    assert outcome.facts["targets"] == "src/shop"


def test_a_project_without_mypy_is_not_applicable(projects: Path) -> None:
    outcome = run_check(Mypy, projects / "black-project")
    assert outcome.status is Status.NOT_APPLICABLE
    assert "does not use mypy" in outcome.summary


@pytest.mark.slow
def test_uninstalled_dependencies_leave_mypy_and_pytest_unknown(projects: Path) -> None:
    mypy = run_check(Mypy, projects / "missing-dep")
    assert mypy.status is Status.UNKNOWN
    assert "dependencies are not installed where mypy runs" in mypy.summary
    tests = run_check(PytestSuite, projects / "missing-dep")
    assert tests.status is Status.UNKNOWN
    assert tests.summary == (
        "the test suite cannot be collected: 1 module(s) the tests import are not installed "
        "where pytest runs (golive_absent_dependency); install the project's test dependencies"
    )


# --- pytest -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_failing_test_fails_with_its_id_and_place(projects: Path) -> None:
    outcome = run_check(PytestSuite, projects / "dirty")
    assert outcome.status is Status.FAIL
    assert [(f.message.partition(": ")[0], str(f.location)) for f in outcome.findings] == [
        ("tests/test_cart.py::test_two_items failed", "tests/test_cart.py:9")
    ]
    assert (outcome.facts["passed"], outcome.facts["failed"]) == (1, 1)
    assert outcome.facts["network"] == "blocked beyond loopback"


@pytest.mark.slow
def test_tests_that_need_the_network_are_unknown(projects: Path) -> None:
    outcome = run_check(PytestSuite, projects / "network")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == (
        "1 test(s) need the network, which the review blocks "
        "(tests/test_network.py::test_remote_host); set network = true to allow it"
    )


@pytest.mark.slow
def test_an_empty_suite_fails(projects: Path) -> None:
    outcome = run_check(PytestSuite, projects / "black-project")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "pytest found no tests"
    assert run_check(PytestSuite, projects / "black-project", min_tests=0).status is Status.PASS


@pytest.mark.slow
def test_a_suite_slower_than_max_duration_fails(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
            "tests/test_slow.py": "import time\n\n\ndef test_sleeps():\n    time.sleep(0.3)\n",
        },
    )
    outcome = run_check(PytestSuite, root, max_duration="100ms")
    assert outcome.status is Status.FAIL
    assert outcome.required == "<= 0.1 s"
    assert run_check(PytestSuite, root, max_duration="1m").status is Status.PASS


@pytest.mark.slow
@pytest.mark.parametrize(
    ("files", "reason"),
    [
        (
            {"conftest.py": "import golive_absent_plugin\n"},
            "pytest could not start: 1 module(s) the tests import are not installed where "
            "pytest runs (golive_absent_plugin); install the project's test dependencies",
        ),
        (
            {"pyproject.toml": '[tool.pytest.ini_options]\naddopts = "--cov=app"\n'},
            "pytest could not run the tests (exit 4): pytest: error: unrecognized arguments: "
            "--cov=app",
        ),
    ],
    ids=["missing-plugin-module", "unknown-option"],
)
def test_a_suite_pytest_cannot_start_is_unknown(
    tmp_path: Path, files: dict[str, str], reason: str
) -> None:
    root = write(tmp_path, {**files, "tests/test_x.py": "def test_x() -> None:\n    pass\n"})
    outcome = run_check(PytestSuite, root)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == reason


def fresh_reports(root: Path) -> Path:
    """The project with its reports newer than every source file."""
    later = time.time() + 60
    for report in (root / "reports").iterdir():
        os.utime(report, (later, later))
    return root


@pytest.fixture
def junit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))  # reading a report runs nothing
    root = tmp_path / "junit"
    shutil.copytree(DATA / "junit", root)
    return fresh_reports(root)


def test_a_junit_report_is_read_instead_of_running(junit: Path) -> None:
    outcome = run_check(PytestSuite, junit, junit="reports/passing.xml")
    assert outcome.status is Status.PASS
    assert outcome.observed == "2 passed, 0 failed, 0 errors, 0 skipped in 0.02 s"
    assert outcome.facts["stale"] is False


def test_failures_in_a_junit_report_fail_with_test_ids_and_places(junit: Path) -> None:
    outcome = run_check(PytestSuite, junit, junit=str(junit / "reports" / "failing.xml"))
    assert outcome.status is Status.FAIL
    assert [(f.message, str(f.location)) for f in outcome.findings] == [
        (
            "tests/test_calc.py::TestBroken::test_divides_by_zero failed: "
            "ZeroDivisionError: division by zero",
            "src/calc/__init__.py:9",
        ),
        (
            "tests/test_calc.py::test_with_leaky_fixture errored: "
            'failed on teardown with "RuntimeError: the fixture did not clean up"',
            "tests/test_calc.py:22",
        ),
    ]
    counts = {k: outcome.facts[k] for k in ("passed", "failed", "errors", "skipped")}
    assert counts == {"passed": 2, "failed": 1, "errors": 1, "skipped": 1}


def test_a_junit_report_older_than_the_code_warns(junit: Path) -> None:
    later = time.time() + 120
    os.utime(junit / "src" / "calc" / "__init__.py", (later, later))
    outcome = run_check(PytestSuite, junit, junit="reports/passing.xml")
    assert outcome.status is Status.WARN
    assert outcome.facts["stale"] is True
    assert outcome.facts["newer_source"] == "src/calc/__init__.py"


def test_a_junit_report_slower_than_max_duration_fails(junit: Path) -> None:
    outcome = run_check(PytestSuite, junit, junit="reports/passing.xml", max_duration="10ms")
    assert outcome.status is Status.FAIL
    assert (outcome.observed, outcome.required) == ("0.02 s", "<= 0.01 s")


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        ("reports/absent.xml", "the JUnit report reports/absent.xml does not exist"),
        ("pyproject.toml", "the JUnit report pyproject.toml is not valid XML: syntax error"),
    ],
)
def test_an_unreadable_junit_report_is_unknown(junit: Path, report: str, reason: str) -> None:
    outcome = run_check(PytestSuite, junit, junit=report)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith(reason)
