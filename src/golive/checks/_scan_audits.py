"""Dependency audit reports read as scanner runs: `pip-audit -f json` and `cargo audit --json`.

Each vulnerability is an `error` result whose rule is the advisory id (its aliases, CVE and
GHSA ids, can be named too), placed at the line of the requirements, manifest or lock file
that names the dependency, else at the report itself. cargo-audit's warnings (unmaintained,
unsound, yanked crates) are `note` results: cargo audit itself does not fail on them.
Dependencies pip-audit skipped are kept with its reason.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from golive.checks._scan_model import (
    ReportError,
    ScanResult,
    ScanRun,
    as_int,
    as_object,
    as_text,
    as_texts,
    first_line,
    kind_of,
    safe_text,
)
from golive.checks.repository import Repository
from golive.model import Location

__all__ = [
    "DependencyFiles",
    "is_cargo_audit",
    "is_pip_audit",
    "read_cargo_audit",
    "read_pip_audit",
]

_PYTHON_FILES = (  # in the order a dependency is looked for in them
    "requirements*.txt",
    "requirements/*.txt",
    "pylock.toml",
    "pylock.*.toml",
    "uv.lock",
    "poetry.lock",
    "Pipfile.lock",
    "pyproject.toml",
)
_SUMMARY_CHARS = 160


class DependencyFiles:
    """Finds the line of a requirements, manifest or lock file that names a dependency,
    looking first next to the report, then from the repository's top down."""

    def __init__(self, repo: Repository, report: str) -> None:
        self._repo = repo
        self._report = report
        self._folder = str(PurePosixPath(report).parent)

    def python(self, name: str) -> Location | None:
        words = [re.escape(word) for word in re.split(r"[-_.]+", name) if word]
        pattern = r"[-_.]+".join(words) or re.escape(name)
        entry = re.compile(rf"^\s*name\s*=\s*[\"']{pattern}[\"']\s*$", re.I | re.M)
        mention = re.compile(rf"^\s*[\"']?{pattern}(?![\w.-])", re.I | re.M)
        files = self._candidates(self._repo.glob(*_PYTHON_FILES), _PYTHON_FILES)
        for regex in (entry, mention):
            for path in files:
                found = regex.search(self._repo.text(path) or "")
                if found is not None:
                    return Location(path=path, line=_line_at(found))
        return self._fallback()

    def rust(self, name: str, version: str) -> Location | None:
        first: Location | None = None
        for path in self._candidates(self._repo.glob("Cargo.lock"), ("Cargo.lock",)):
            package_line: int | None = None
            for number, line in enumerate((self._repo.text(path) or "").splitlines(), 1):
                text = line.strip()
                if text.startswith("["):
                    package_line = None
                elif text == f'name = "{name}"':
                    package_line = number
                    first = first or Location(path=path, line=number)
                elif package_line is not None and text == f'version = "{version}"':
                    return Location(path=path, line=package_line)
        return first or self._fallback()

    def _candidates(self, files: list[str], order: tuple[str, ...]) -> list[str]:
        def rank(path: str) -> tuple[bool, int, int, str]:
            folder = str(PurePosixPath(path).parent)
            kind = next(
                (i for i, pattern in enumerate(order) if PurePosixPath(path).match(pattern)),
                len(order),
            )
            return (folder != self._folder, path.count("/"), kind, path)

        return sorted(files, key=rank)

    def _fallback(self) -> Location | None:
        """The report itself, when it is in the repository."""
        inside = not self._report.startswith(("../", "/")) and ":" not in self._report[:3]
        return Location(path=self._report) if inside else None


def _line_at(found: re.Match[str]) -> int:
    text = found.string
    start = found.start() + (len(found[0]) - len(found[0].lstrip()))
    return text.count("\n", 0, start) + 1


# --- pip-audit --------------------------------------------------------------------------------


def is_pip_audit(data: Any) -> bool:
    """pip-audit's JSON: {"dependencies": [...], "fixes": [...]}, or the bare list of 1.x."""
    if isinstance(data, dict):
        return "dependencies" in data and "runs" not in data
    return (
        isinstance(data, list)
        and bool(data)
        and all(isinstance(item, dict) and "name" in item for item in data)
        and any("vulns" in item or "skip_reason" in item for item in data)
    )


def read_pip_audit(data: Any, *, report: str, files: DependencyFiles | None) -> ScanRun:
    dependencies = data.get("dependencies") if isinstance(data, dict) else data
    if not isinstance(dependencies, list):
        raise ReportError(f'"dependencies" is {kind_of(dependencies)}, not a list')
    results: list[ScanResult] = []
    skipped: list[str] = []
    audited = 0
    for index, dependency in enumerate(dependencies):
        where = f"dependencies[{index}]"
        if not isinstance(dependency, dict):
            raise ReportError(f"{where} is {kind_of(dependency)}, not an object")
        name = as_text(dependency.get("name"))
        if not name:
            raise ReportError(f"{where} has no name")
        name = safe_text(name)
        if "skip_reason" in dependency:
            skipped.append(f"{name}: {first_line(dependency['skip_reason'], 200) or 'skipped'}")
            continue
        version = safe_text(as_text(dependency.get("version")) or "?")
        vulns = dependency.get("vulns", [])
        if not isinstance(vulns, list):
            raise ReportError(f"{where}.vulns is {kind_of(vulns)}, not a list")
        audited += 1
        for number, vuln in enumerate(vulns):
            if not isinstance(vuln, dict) or not as_text(vuln.get("id")):
                raise ReportError(f"{where}.vulns[{number}] has no id")
            advisory = safe_text(vuln["id"])
            aliases = tuple(safe_text(alias) for alias in as_texts(vuln.get("aliases")))
            fixes = as_texts(vuln.get("fix_versions"))
            results.append(
                ScanResult(
                    rule=advisory,
                    aliases=aliases,
                    level="error",
                    message=_vulnerability_message(
                        name, version, advisory, aliases, fixes, vuln.get("description")
                    ),
                    location=files.python(name) if files is not None else None,
                    fingerprint=f"pip-audit:{advisory}:{_normal(name)}@{version}",
                )
            )
    return ScanRun(
        tool="pip-audit",
        version=None,
        report=report,
        results=tuple(results),
        audited=audited,
        not_audited=tuple(skipped),
    )


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- cargo-audit ------------------------------------------------------------------------------


def is_cargo_audit(data: Any) -> bool:
    """cargo-audit's JSON: {"database", "lockfile", "settings", "vulnerabilities", "warnings"}."""
    return isinstance(data, dict) and isinstance(data.get("vulnerabilities"), dict)


def read_cargo_audit(data: Any, *, report: str, files: DependencyFiles | None) -> ScanRun:
    vulnerabilities = as_object(as_object(data).get("vulnerabilities"))
    listed = vulnerabilities.get("list")
    if not isinstance(listed, list):
        raise ReportError(f'"vulnerabilities.list" is {kind_of(listed)}, not a list')
    results = [
        _cargo_result(item, f"vulnerabilities.list[{index}]", "error", files)
        for index, item in enumerate(listed)
    ]
    warnings = as_object(as_object(data).get("warnings"))
    for kind, entries in sorted(warnings.items(), key=lambda entry: entry[0]):
        if not isinstance(entries, list):
            raise ReportError(
                f'"warnings.{first_line(kind, 40)}" is {kind_of(entries)}, not a list'
            )
        results.extend(
            _cargo_result(
                item, f"warnings.{first_line(kind, 40)}[{index}]", "note", files, warning=kind
            )
            for index, item in enumerate(entries)
        )
    database = as_object(as_object(data).get("database"))
    advisories = as_int(database.get("advisory-count"))
    empty = "the advisory database it used was empty" if advisories == 0 else None
    return ScanRun(
        tool="cargo-audit",
        version=None,
        report=report,
        results=tuple(results),
        incomplete=empty,
        audited=as_int(as_object(as_object(data).get("lockfile")).get("dependency-count")),
    )


def _cargo_result(
    item: Any, where: str, level: str, files: DependencyFiles | None, *, warning: str = ""
) -> ScanResult:
    if not isinstance(item, dict):
        raise ReportError(f"{where} is {kind_of(item)}, not an object")
    advisory = as_object(item.get("advisory"))
    package = as_object(item.get("package"))
    advisory_id = as_text(advisory.get("id"))
    if advisory_id is None and not warning:
        raise ReportError(f"{where} has no advisory id")
    name = safe_text(as_text(package.get("name")) or as_text(advisory.get("package")) or "?")
    version = safe_text(as_text(package.get("version")) or "?")
    rule = safe_text(advisory_id) if advisory_id else safe_text(warning)
    aliases = tuple(safe_text(alias) for alias in as_texts(advisory.get("aliases")))
    title = advisory.get("title")
    if warning:
        about = f"{rule}: {first_line(title, _SUMMARY_CHARS)}" if advisory_id else ""
        message = f"{name}@{version} is {safe_text(warning)}" + (f" ({about})" if about else "")
    else:
        patched = as_texts(as_object(item.get("versions")).get("patched"))
        message = _vulnerability_message(
            name, version, rule, aliases, patched, title, fix_word="patched"
        )
    return ScanResult(
        rule=rule,
        aliases=aliases,
        level=level,
        message=message,
        location=files.rust(name, version) if files is not None else None,
        fingerprint=f"cargo-audit:{rule}:{name}@{version}",
    )


def _vulnerability_message(  # noqa: PLR0917 -- the parts of one sentence
    name: str,
    version: str,
    advisory: str,
    aliases: tuple[str, ...],
    fixed: tuple[str, ...],
    summary: Any,
    *,
    fix_word: str = "fixed in",
) -> str:
    known_as = f" ({', '.join(aliases)})" if aliases else ""
    fix = f"{fix_word} {', '.join(safe_text(v) for v in fixed)}" if fixed else "no fixed version"
    about = first_line(summary, _SUMMARY_CHARS)
    return f"{name}@{version}: {advisory}{known_as}, {fix}" + (f": {about}" if about else "")
