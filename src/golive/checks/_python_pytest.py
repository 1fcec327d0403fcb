"""Running the project's pytest suite into a JUnit XML report, and reading JUnit XML reports.

The suite runs without pytest's cache (`-p no:cacheprovider`) and without writing bytecode, so
the work tree stays as it was. Unless the check allows it, a small plugin refuses network
connections from the test process to anything but this machine, and a test that tried is
told so in its failure.
"""

from __future__ import annotations

import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from golive.checks._process import run_tool
from golive.checks._python_project import PythonProject, Tool
from golive.checks._python_tools import relative_location
from golive.checks.base import Unknown
from golive.model import Location

__all__ = [
    "NETWORK_BLOCKED",
    "JUnitReport",
    "PytestRun",
    "TestCase",
    "missing_modules",
    "missing_reason",
    "read_junit",
    "run_pytest",
]

NETWORK_BLOCKED = "golive blocks network access during the review"
_PLUGIN = "_golive_no_network"
# Imported by pytest (`-p`) before the project's conftest files; loopback stays reachable.
_PLUGIN_SOURCE = f'''"""Refuses network connections beyond this machine (loaded by golive)."""
import ipaddress
import socket

_LOCAL_NAMES = {{"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}}


def _local(host):
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return True
    host = host.split("%", 1)[0].strip("[]").lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _refuse(address):
    if isinstance(address, tuple) and address and not _local(address[0]):
        raise OSError("{NETWORK_BLOCKED}: " + ":".join(str(part) for part in address[:2]))


def _guard(original, position):
    def guarded(self, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and len(args) > position:
            _refuse(args[position])
        return original(self, *args)
    return guarded


_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host is not None and not _local(host):
        raise socket.gaierror(socket.EAI_NONAME, "{NETWORK_BLOCKED}: " + str(host))
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guard(socket.socket.connect, 0)
socket.socket.connect_ex = _guard(socket.socket.connect_ex, 0)
socket.socket.sendto = _guard(socket.socket.sendto, -1)
socket.getaddrinfo = _guarded_getaddrinfo
'''
_FRAME = re.compile(r"(?m)^(?P<path>[^\s:][^:\n]*\.py):(?P<line>\d+):")
_MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '(?P<name>[\w.]+)'")
_MESSAGE_CHARS = 200


@dataclass(frozen=True, kw_only=True)
class TestCase:
    """One test (or one module that could not be collected) and how it ended."""

    __test__ = False  # not a pytest test class

    id: str  # "tests/test_app.py::TestApp::test_adds"
    outcome: str  # "passed", "failed", "error" or "skipped"
    message: str
    location: Location | None  # the innermost place in the repository the traceback names
    text: str  # the traceback, as the report has it
    collection: bool  # an error collecting a module, not a failing test


@dataclass(frozen=True, kw_only=True)
class JUnitReport:
    cases: tuple[TestCase, ...]
    seconds: float  # the suite's own time, as the report gives it

    def count(self, outcome: str) -> int:
        return Counter(case.outcome for case in self.cases)[outcome]


@dataclass(frozen=True, kw_only=True)
class PytestRun:
    report: JUnitReport
    command: str
    returncode: int
    seconds: float  # wall-clock time of the whole run, start-up included
    network_blocked: bool


def run_pytest(project: PythonProject, tool: Tool, *, network: bool, timeout: float) -> PytestRun:
    with tempfile.TemporaryDirectory(prefix="golive-pytest-") as scratch:
        junit = Path(scratch) / "junit.xml"
        args = ["-p", "no:cacheprovider", f"--junitxml={junit}", "-o", "junit_family=xunit2"]
        env = {"PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1", "TERM": "dumb"}
        if not network:
            (Path(scratch) / f"{_PLUGIN}.py").write_text(_PLUGIN_SOURCE, encoding="utf-8")
            args += ["-p", _PLUGIN]
            # The plugin's directory goes first; the project's own PYTHONPATH is kept after it.
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [scratch, os.getenv("PYTHONPATH")]))
        argv = [tool.executable, *args, "-q", "--color=no"]
        run = run_tool(argv, cwd=project.root, timeout=timeout, env=env)
        if not junit.is_file():
            output = f"{run.stdout}\n{run.stderr}"
            missing = missing_modules(output, project)
            if missing:
                raise Unknown(missing_reason(missing, "pytest could not start"))
            raise Unknown(
                f"pytest could not run the tests (exit {run.returncode}): {_last(output)}"
            )
        report = read_junit(junit, project)
    return PytestRun(
        report=report,
        command=" ".join(["pytest", *args, "-q", "--color=no"]).replace(scratch, "$TMP"),
        returncode=run.returncode,
        seconds=run.seconds,
        network_blocked=not network,
    )


def missing_reason(modules: list[str], what: str) -> str:
    return (
        f"{what}: {len(modules)} module(s) the tests import are not installed where pytest runs "
        f"({', '.join(modules[:5])}); install the project's test dependencies"
    )


def missing_modules(text: str, project: PythonProject) -> list[str]:
    """Modules a traceback could not import that are not the project's own: dependencies
    missing from the environment the tests run in."""
    names = {match["name"] for match in _MISSING_MODULE.finditer(text)}
    return sorted(n for n in names if not project.is_local_module(n.partition(".")[0]))


def _last(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if re.search(r"(?i)\berror\b", line)]
    return (errors or lines or ["no output"])[-1]


# --- reading JUnit XML ------------------------------------------------------------------------


def read_junit(path: Path, project: PythonProject) -> JUnitReport:
    """Read a JUnit XML report (pytest's, or any tool's); Unknown when it cannot be read."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise Unknown(f"the JUnit report {path.name} is not valid XML: {exc}") from exc
    except OSError as exc:
        raise Unknown(f"the JUnit report {path} cannot be read: {exc.strerror or exc}") from exc
    if root.tag not in {"testsuites", "testsuite"}:
        raise Unknown(f"{path.name} is not a JUnit report (its root element is <{root.tag}>)")
    cases = tuple(_case(element, project) for element in root.iter("testcase"))
    return JUnitReport(cases=cases, seconds=_seconds(root))


def _seconds(root: ET.Element) -> float:
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    timed = [_float(suite.get("time")) for suite in suites]
    if suites and all(t is not None for t in timed):
        return sum(t for t in timed if t is not None)
    total = _float(root.get("time"))
    if total is not None:
        return total
    return sum(_float(case.get("time")) or 0.0 for case in root.iter("testcase"))


def _float(text: str | None) -> float | None:
    try:
        return float(text.replace(",", "")) if text else None
    except ValueError:
        return None


def _case(element: ET.Element, project: PythonProject) -> TestCase:
    outcome, detail = "passed", None
    for tag, name in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        detail = element.find(tag)
        if detail is not None:
            outcome = name
            break
    text = (detail.text or "") if detail is not None else ""
    message = (detail.get("message") or "") if detail is not None else ""
    if not message and text:
        message = text.strip().splitlines()[-1]
    if len(message) > _MESSAGE_CHARS:
        message = message[: _MESSAGE_CHARS - 3].rstrip() + "..."
    location = _innermost(text, project) if outcome in {"failed", "error"} else None
    if location is None and element.get("file") and outcome in {"failed", "error"}:
        location = relative_location(str(element.get("file")), project.root)
    return TestCase(
        id=_test_id(element.get("classname") or "", element.get("name") or "?", project),
        outcome=outcome,
        message=" ".join(message.split()),
        location=location,
        text=text,
        collection=message == "collection failure",
    )


def _innermost(text: str, project: PythonProject) -> Location | None:
    """The last frame of the traceback that lies inside the repository."""
    found = None
    for frame in _FRAME.finditer(text):
        location = relative_location(frame["path"], project.root, int(frame["line"]))
        if not location.path.startswith(("/", "../")):
            found = location
    return found


def _test_id(classname: str, name: str, project: PythonProject) -> str:
    """`tests/test_app.py::TestApp::test_adds` from `tests.test_app.TestApp` and `test_adds`."""
    parts = [*classname.split("."), name] if classname else name.split(".")
    known = frozenset(project.sources)
    for cut in range(len(parts), 0, -1):
        module = "/".join(parts[:cut]) + ".py"
        if module in known:
            return "::".join([module, *parts[cut:]])
    return f"{classname}::{name}" if classname else name
