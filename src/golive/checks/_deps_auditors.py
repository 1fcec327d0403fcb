"""Vulnerability auditors run as programs (pip-audit, cargo-audit, cargo-deny), their JSON
reports read into one shape."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checks._deps_model import Ecosystem, normalize
from golive.checks._process import run_tool
from golive.checks.base import Unknown

__all__ = [
    "AuditorReport",
    "DenyDiagnostic",
    "Key",
    "Vulnerability",
    "deny_vulnerabilities",
    "find_tool",
    "parse_cargo_audit",
    "parse_cargo_deny",
    "parse_pip_audit",
    "run_cargo_audit",
    "run_cargo_deny",
    "run_pip_audit",
]

Key = tuple[Ecosystem, str, str]  # (ecosystem, normalized name, version)
_ENV = {"CARGO_TERM_COLOR": "never", "NO_COLOR": "1", "TERM": "dumb"}


@dataclass(frozen=True, kw_only=True)
class Vulnerability:
    id: str
    aliases: tuple[str, ...]
    ecosystem: Ecosystem
    name: str
    version: str
    fixed: str | None
    summary: str
    source: str  # the auditor that reported it

    @property
    def key(self) -> Key:
        return (self.ecosystem, normalize(self.ecosystem, self.name), self.version)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))


@dataclass(frozen=True, kw_only=True)
class AuditorReport:
    """What one auditor looked up and found.

    Only `audited` dependencies count as audited. One the tool skipped (pip-audit's
    `skip_reason`, printed while it still says "No known vulnerabilities found") is in
    `skipped` with the tool's reason, and the audit check says so instead of passing.
    """

    tool: str
    command: str
    audited: frozenset[Key] = frozenset()
    vulnerabilities: tuple[Vulnerability, ...] = ()
    skipped: Mapping[Key, str] = field(default_factory=dict)  # dependency -> why not audited
    error: str | None = None  # the tool ran but gave no usable report


def find_tool(name: str, root: Path) -> str | None:
    """A tool on the PATH, or installed in the reviewed project's own .venv."""
    found = shutil.which(name)
    if found:
        return found
    local = root / ".venv" / "bin" / name
    return str(local) if local.is_file() and os.access(local, os.X_OK) else None


def _first_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.lower().startswith("error"):
            return line.removeprefix("error: ").removeprefix("ERROR: ")
    return lines[-1] if lines else "no output"


# --- pip-audit --------------------------------------------------------------------------------


def run_pip_audit(
    executable: str, root: Path, packages: Iterable[tuple[str, str]], *, timeout: float
) -> AuditorReport:
    """Audit exact `name==version` pins (no resolution, no pip) and read the JSON report."""
    pins = sorted(set(packages))
    with tempfile.TemporaryDirectory(prefix="golive-pip-audit-") as folder:
        requirements = Path(folder) / "requirements.txt"
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in pins), encoding="utf-8")
        argv = [
            executable,
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--aliases",
            "on",
            "--desc",
            "on",
            "--requirement",
            str(requirements),
        ]
        try:
            run = run_tool(argv, cwd=root, timeout=timeout, env=_ENV)
        except Unknown as exc:
            return AuditorReport(tool="pip-audit", command="pip-audit", error=exc.reason)
    command = "pip-audit --no-deps --disable-pip --format json -r <locked versions>"
    return parse_pip_audit(run.stdout, run.stderr, pins, command=command)


def parse_pip_audit(
    stdout: str, stderr: str, pins: Iterable[tuple[str, str]], *, command: str = "pip-audit"
) -> AuditorReport:
    try:
        report = json.loads(stdout)
        dependencies = report["dependencies"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return AuditorReport(
            tool="pip-audit",
            command=command,
            error=f"pip-audit gave no JSON report: {_first_error(stderr or stdout)}",
        )
    asked: dict[str, list[str]] = {}
    for name, version in pins:
        asked.setdefault(normalize(Ecosystem.PYPI, name), []).append(version)
    audited: set[Key] = set()
    skipped: dict[Key, str] = {}
    found: list[Vulnerability] = []
    for entry in dependencies:
        key = normalize(Ecosystem.PYPI, str(entry.get("name", "")))
        if "skip_reason" in entry:  # no version in the entry: every pin of that name
            for version in asked.get(key, [entry.get("version", "")]):
                skipped[(Ecosystem.PYPI, key, version)] = str(entry["skip_reason"])
            continue
        version = str(entry.get("version", ""))
        audited.add((Ecosystem.PYPI, key, version))
        for vuln in entry.get("vulns", []):
            fixes = [str(v) for v in vuln.get("fix_versions") or []]
            found.append(
                Vulnerability(
                    id=str(vuln.get("id")),
                    aliases=tuple(str(a) for a in vuln.get("aliases") or ()),
                    ecosystem=Ecosystem.PYPI,
                    name=str(entry.get("name")),
                    version=version,
                    fixed=fixes[0] if fixes else None,
                    summary=_line(vuln.get("description")),
                    source="pip-audit",
                )
            )
    return AuditorReport(
        tool="pip-audit",
        command=command,
        audited=frozenset(audited),
        vulnerabilities=tuple(found),
        skipped=skipped,
    )


def _line(text: Any) -> str:
    first = str(text or "").strip().splitlines()
    return first[0][:200] if first else ""


# --- cargo-audit ------------------------------------------------------------------------------


def run_cargo_audit(
    executable: str, root: Path, lockfile: str, crates: frozenset[Key], *, timeout: float
) -> AuditorReport:
    # Called directly, a cargo subcommand takes its own name as the first argument.
    argv = [executable, "audit", "--json", "--no-fetch", "--stale", "--file", lockfile]
    command = f"cargo audit --json --no-fetch --stale --file {lockfile}"
    try:
        run = run_tool(argv, cwd=root, timeout=timeout, env=_ENV)
    except Unknown as exc:
        return AuditorReport(tool="cargo-audit", command=command, error=exc.reason)
    return parse_cargo_audit(run.stdout, run.stderr, crates, command=command)


def parse_cargo_audit(
    stdout: str, stderr: str, crates: frozenset[Key], *, command: str = "cargo audit"
) -> AuditorReport:
    try:
        report = json.loads(stdout)
        listed = report["vulnerabilities"]["list"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return AuditorReport(
            tool="cargo-audit",
            command=command,
            error=f"cargo audit gave no JSON report: {_first_error(stderr or stdout)}",
        )
    found = []
    for item in listed:
        advisory = item.get("advisory") or {}
        package = item.get("package") or {}
        patched = (item.get("versions") or {}).get("patched") or []
        found.append(
            Vulnerability(
                id=str(advisory.get("id")),
                aliases=tuple(str(a) for a in advisory.get("aliases") or ()),
                ecosystem=Ecosystem.CARGO,
                name=str(package.get("name", advisory.get("package", ""))),
                version=str(package.get("version", "")),
                fixed=_lowest(patched),
                summary=_line(advisory.get("title")),
                source="cargo-audit",
            )
        )
    return AuditorReport(
        tool="cargo-audit", command=command, audited=crates, vulnerabilities=tuple(found)
    )


def _lowest(requirements: Iterable[str]) -> str | None:
    """The first version a list of requirements such as [">=1.2.3", "^0.9.4"] admits."""
    versions = [re.sub(r"^[\s^~=>]+", "", str(r)).split(",")[0].strip() for r in requirements]
    return versions[0] if versions else None


# --- cargo-deny -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DenyDiagnostic:
    severity: str
    code: str
    message: str
    crate: str | None  # "name version" of the crate concerned
    advisory: Mapping[str, Any] | None
    notes: tuple[str, ...]


def run_cargo_deny(
    executable: str,
    root: Path,
    manifest: str,
    checks: Iterable[str],
    *,
    config: str | None,
    timeout: float,
) -> tuple[list[DenyDiagnostic], bool, str, str]:
    """Run `cargo deny check` offline: (diagnostics, whether it finished its checks, the
    command, the first error it logged)."""
    argv = [
        executable,
        "--format",
        "json",
        "--color",
        "never",
        "--manifest-path",
        manifest,
        "--offline",
        "check",
        *(["--config", config] if config else []),
        *checks,
    ]
    command = "cargo deny " + " ".join(argv[1:])
    run = run_tool(argv, cwd=root, timeout=timeout, env=_ENV)
    diagnostics, finished, error = parse_cargo_deny(run.stderr + "\n" + run.stdout)
    return diagnostics, finished and run.returncode in {0, 1}, command, error


def parse_cargo_deny(output: str) -> tuple[list[DenyDiagnostic], bool, str]:
    """cargo-deny's JSON lines: diagnostics, a summary when the checks ran, and log records."""
    diagnostics = []
    finished = False
    errors = []
    for record in _json_lines(output):
        fields = record.get("fields") or {}
        match record.get("type"):
            case "summary":
                finished = True
            case "log" if str(fields.get("level", "")).upper() == "ERROR":
                errors.append(str(fields.get("message", "")))
            case "diagnostic":
                graphs = fields.get("graphs") or []
                krate = graphs[0].get("Krate") if graphs and isinstance(graphs[0], dict) else None
                diagnostics.append(
                    DenyDiagnostic(
                        severity=str(fields.get("severity", "")),
                        code=str(fields.get("code", "")),
                        message=str(fields.get("message", "")),
                        crate=f"{krate.get('name')} {krate.get('version')}" if krate else None,
                        advisory=fields.get("advisory")
                        if isinstance(fields.get("advisory"), dict)
                        else None,
                        notes=tuple(str(n) for n in fields.get("notes") or ()),
                    )
                )
    return diagnostics, finished, errors[0] if errors else ""


def _json_lines(text: str) -> Iterator[dict[str, Any]]:
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield record


def deny_vulnerabilities(diagnostics: Iterable[DenyDiagnostic]) -> list[Vulnerability]:
    found = []
    for diagnostic in diagnostics:
        if diagnostic.code != "vulnerability" or diagnostic.advisory is None:
            continue
        advisory = diagnostic.advisory
        name, _, version = (diagnostic.crate or f"{advisory.get('package', '')} ").partition(" ")
        solution = next((n for n in diagnostic.notes if n.startswith("Solution:")), "")
        fixed = re.search(r"(\d+\.\d+\.\d+[\w.-]*)", solution)
        found.append(
            Vulnerability(
                id=str(advisory.get("id")),
                aliases=tuple(str(a) for a in advisory.get("aliases") or ()),
                ecosystem=Ecosystem.CARGO,
                name=name,
                version=version,
                fixed=fixed[1] if fixed else None,
                summary=_line(advisory.get("title")),
                source="cargo-deny",
            )
        )
    return found
