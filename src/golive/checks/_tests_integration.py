"""Signs that a repository has integration or end-to-end tests, each with the files behind it."""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from golive.checks._tests_scan import FoundTests, is_vendored
from golive.checks.repository import Repository

__all__ = ["IntegrationSign", "integration_signs"]

_DIRS = frozenset(
    {
        *("integration", "integration_tests", "integration-tests", "tests_integration", "it"),
        *("integrationtest", "e2e", "end2end", "end-to-end", "end_to_end", "cypress", "playwright"),
    }
)
_NAMED = re.compile(r"integration|e2e|end_to_end|end-to-end", re.I)
_MARKER_USE = re.compile(r"\bmark\.integration\b")
_MARKER_DECLARED = re.compile(r"^\s*integration\b", re.M)
_MARKER_HOOK = re.compile(r"addinivalue_line\(\s*['\"]markers['\"]\s*,\s*['\"]integration\b")
_GO_TAG = re.compile(r"^//\s*(?:go:build|\+build)\s.*\bintegration\b", re.M)
_JVM_IT = re.compile(r"IT\.(?:java|kt)$")
_INI_FILES = (("pytest.ini", "pytest"), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest"))
_BROWSER_CONFIG = re.compile(r"^(?:playwright|cypress)\.config\.[cm]?[jt]s$|^cypress\.json$")


@dataclass(frozen=True, kw_only=True)
class IntegrationSign:
    """One reason to believe integration tests exist, and the files that show it."""

    what: str
    files: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.files[:3]) + (" ..." if len(self.files) > 3 else "")
        return f"{self.what} ({len(self.files)} file(s): {shown})"


def integration_signs(repo: Repository, tests: FoundTests) -> list[IntegrationSign]:
    signs: list[IntegrationSign] = []
    crates = sorted(
        p.rpartition("/")[0] for p in repo.files if p.rpartition("/")[2] == "Cargo.toml"
    )
    for crate in crates:
        prefix = f"{crate}/tests/" if crate else "tests/"
        found = [p for p in repo.files if p.startswith(prefix) and p.endswith(".rs")]
        if found and not is_vendored(found[0]):
            signs.append(
                IntegrationSign(what=f"Rust integration tests in {prefix}", files=tuple(found))
            )
    with_tests = {test.path for test in tests.tests}
    by_dir: dict[str, list[str]] = {}
    for path in tests.files:
        parts = path.split("/")
        index = next((i for i, part in enumerate(parts[:-1]) if part.lower() in _DIRS), None)
        if index is not None and not path.endswith(".rs"):
            by_dir.setdefault("/".join(parts[: index + 1]) + "/", []).append(path)
    signs.extend(IntegrationSign(what=f"tests in {d}", files=tuple(f)) for d, f in by_dir.items())
    grouped = {path for files in by_dir.values() for path in files}
    named = [
        path
        for path in tests.files
        if path in with_tests and path not in grouped and _NAMED.search(path.rpartition("/")[2])
    ]
    if named:
        signs.append(IntegrationSign(what="test files named for integration", files=tuple(named)))
    signs.extend(_marker(repo, tests))
    tagged = [
        p for p in tests.files if p.endswith("_test.go") and _GO_TAG.search(repo.text(p) or "")
    ]
    if tagged:
        signs.append(
            IntegrationSign(what="Go tests behind the integration build tag", files=tuple(tagged))
        )
    jvm = [p for p in tests.files if _JVM_IT.search(p) and p not in grouped]
    if jvm:
        signs.append(IntegrationSign(what="JVM integration tests (*IT)", files=tuple(jvm)))
    configs = [p for p in repo.files if _BROWSER_CONFIG.match(p) and not is_vendored(p)]
    js_tests = [p for p in tests.files if p in with_tests and p not in grouped and _js(p)]
    if configs and js_tests:
        signs.append(IntegrationSign(what=f"browser tests ({configs[0]})", files=tuple(js_tests)))
    return signs


def _js(path: str) -> bool:
    return path.rpartition(".")[2] in {"js", "jsx", "ts", "tsx", "mjs", "cjs", "mts", "cts"}


def _marker(repo: Repository, tests: FoundTests) -> list[IntegrationSign]:
    """An `integration` pytest marker that the configuration declares and a test uses."""
    declared = _declared_in(repo)
    if declared is None:
        return []
    python = [p for p in tests.files if p.endswith(".py")]
    python += [p for p in repo.files if _name(p) == "conftest.py"]
    using = sorted({p for p in python if _MARKER_USE.search(repo.text(p) or "")})
    if not using:
        return []
    return [
        IntegrationSign(what=f"the pytest marker 'integration' ({declared})", files=tuple(using))
    ]


def _declared_in(repo: Repository) -> str | None:
    """Where the `integration` marker is declared, or None."""
    text = repo.text("pyproject.toml") if repo.exists("pyproject.toml") else None
    if text:
        try:
            tool: dict[str, Any] = tomllib.loads(text).get("tool", {})
        except tomllib.TOMLDecodeError:
            tool = {}
        pytest = tool.get("pytest", {})
        for table in (pytest.get("ini_options", {}), pytest):
            markers = table.get("markers", []) if isinstance(table, dict) else []
            if isinstance(markers, list) and any(
                isinstance(m, str) and _MARKER_DECLARED.match(m) for m in markers
            ):
                return "pyproject.toml"
    for name, section in (
        ("pytest.ini", "pytest"),
        ("tox.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
    ):
        text = repo.text(name) if repo.exists(name) else None
        if not text:
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            continue
        if _MARKER_DECLARED.search(parser.get(section, "markers", fallback="")):
            return name
    for path in repo.files:
        if _name(path) == "conftest.py" and _MARKER_HOOK.search(repo.text(path) or ""):
            return path
    return None


def _name(path: str) -> str:
    return path.rpartition("/")[2]
