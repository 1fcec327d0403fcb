"""The vulnerability audit: every locked dependency looked up by every source at hand (pip-audit,
cargo-audit, cargo-deny, an offline OSV directory), and the results folded into one outcome."""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from golive.checks._deps_auditors import (
    AuditorReport,
    Key,
    Vulnerability,
    deny_vulnerabilities,
    find_tool,
    run_cargo_audit,
    run_cargo_deny,
    run_pip_audit,
)
from golive.checks._deps_model import Ecosystem, Inventory, Lockfile, Origin
from golive.checks._deps_osv import load_advisories
from golive.checks.base import Facts, Unknown, failed, not_applicable, passed, unknown
from golive.model import Finding, Location, Outcome

__all__ = ["NO_DATA", "audit"]

TOOL_TIMEOUT = 300.0
NO_DATA = (
    "no vulnerability data: install pip-audit/cargo-audit, or give an offline advisory "
    'directory with `advisories = "…"`'
)


@dataclass(kw_only=True)
class _Dependency:
    name: str
    version: str
    location: Location
    audited_by: set[str] = field(default_factory=set)
    skipped: dict[str, str] = field(default_factory=dict)  # source -> reason


def _dependencies(inventory: Inventory) -> tuple[dict[Key, _Dependency], list[Finding]]:
    """Every resolved third-party package, and the manifests whose versions nothing resolves."""
    found: dict[Key, _Dependency] = {}
    unresolved: list[Finding] = []
    for lock in inventory.lockfiles.values():
        for package in lock.packages:
            if package.origin is Origin.LOCAL or not package.version:
                continue
            key = (package.ecosystem, package.key, package.version)
            found.setdefault(
                key,
                _Dependency(
                    name=package.name, version=package.version, location=lock.location(package)
                ),
            )
        if lock.error:
            unresolved.append(
                Finding(
                    message=f"{lock.path} could not be read: {lock.error}",
                    location=Location(path=lock.path),
                )
            )
    for manifest in inventory.with_dependencies:
        if inventory.lockfile_of(manifest) is None:
            count = sum(r.origin is Origin.REGISTRY for r in manifest.requirements)
            unresolved.append(
                Finding(
                    message=f"no lockfile resolves the versions of its {count} dependencies",
                    location=Location(path=manifest.path),
                    rule="deps.audit.unresolved",
                )
            )
    return found, unresolved


def audit(
    *, inventory: Inventory, root: Path, advisories: str | None, ignore: Iterable[str], fix: str
) -> Outcome:
    dependencies, unresolved = _dependencies(inventory)
    if not dependencies and not unresolved:
        if not inventory.with_dependencies:
            if inventory.manifests:
                names = ", ".join(m.path for m in inventory.manifests[:3])
                verb = "declares" if len(inventory.manifests) == 1 else "declare"
                return not_applicable(f"no third-party dependencies to audit ({names} {verb} none)")
            return not_applicable("no dependency manifests or lockfiles")
        return not_applicable("the manifests declare only local (workspace or path) dependencies")
    reports = _run_sources(inventory, root, dependencies, advisories)
    if not reports:
        raise Unknown(NO_DATA)
    for report in reports:
        for key in report.audited:
            if key in dependencies:
                dependencies[key].audited_by.add(report.tool)
        for key, reason in report.skipped.items():
            if key in dependencies:
                dependencies[key].skipped[report.tool] = reason
    ignored_ids = set(ignore)
    vulnerabilities, ignored = _merge((v for r in reports for v in r.vulnerabilities), ignored_ids)
    unaudited = {k: d for k, d in dependencies.items() if not d.audited_by}
    facts: Facts = {
        "dependencies": len(dependencies),
        "audited": len(dependencies) - len(unaudited),
        "not_audited": len(unaudited),
        "unresolved": len(unresolved),
        "vulnerable": len({v.key for v in vulnerabilities}),
        "sources": ", ".join(r.tool for r in reports if not r.error),
        "commands": "; ".join(r.command for r in reports),
        "ignored": ", ".join(sorted(ignored)),
        "unused_ignores": ", ".join(sorted(ignored_ids - ignored)),
        **{f"{r.tool}_skipped": len(r.skipped) for r in reports if r.skipped},
        **{f"{r.tool}_error": r.error for r in reports if r.error},
    }
    facts = {name: value for name, value in facts.items() if value != ""}
    observed = f"{facts['audited']} of {len(dependencies)} locked dependencies audited"
    gaps = _gaps(unaudited, unresolved, len(dependencies))
    if vulnerabilities:
        packages = len({v.key for v in vulnerabilities})
        noun = "vulnerability" if len(vulnerabilities) == 1 else "vulnerabilities"
        return failed(
            f"{len(vulnerabilities)} known {noun} in {packages} package(s)"
            + (f"; also {gaps}" if gaps else ""),
            observed=observed,
            required="no known vulnerabilities",
            findings=[_vulnerability(v, dependencies) for v in vulnerabilities],
            remediation=fix,
            facts=facts,
        )
    if gaps:
        return unknown(
            f"{gaps}; no known vulnerabilities among the rest",
            observed=observed,
            required="every dependency audited",
            findings=[*unresolved, *(_unaudited(d) for d in unaudited.values())],
            facts=facts,
        )
    return passed(
        f"no known vulnerabilities in {len(dependencies)} dependencies",
        observed=observed,
        required="no known vulnerabilities",
        facts=facts,
    )


def _gaps(unaudited: dict[Key, _Dependency], unresolved: list[Finding], total: int) -> str:
    """What kept the audit from being complete, in a few words."""
    parts = []
    if unaudited:
        reasons = Counter(_why(d) for d in unaudited.values())
        why = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common(3))
        parts.append(f"{len(unaudited)} of {total} locked dependencies were not audited ({why})")
    if unresolved:
        parts.append(f"{len(unresolved)} manifest(s) or lockfile(s) give no versions to audit")
    return "; ".join(parts)


def _why(dependency: _Dependency) -> str:
    if dependency.skipped:
        tool, reason = next(iter(dependency.skipped.items()))
        if "not found on PyPI" in reason:
            return f"skipped by {tool}, which could not look them up on PyPI"
        return f"skipped by {tool}"
    return "not covered by any source"


def _unaudited(dependency: _Dependency) -> Finding:
    reasons = "; ".join(f"{tool}: {reason}" for tool, reason in dependency.skipped.items())
    return Finding(
        message=f"{dependency.name} {dependency.version} was not audited"
        + (f" ({reasons})" if reasons else " (no source covers its ecosystem)"),
        location=dependency.location,
        rule="deps.audit.not-audited",
    )


def _vulnerability(vuln: Vulnerability, dependencies: dict[Key, _Dependency]) -> Finding:
    aliases = [a for a in vuln.aliases if a != vuln.id][:3]
    fixed = f"; fixed in {vuln.fixed}" if vuln.fixed else "; no fixed version known"
    where = dependencies.get(vuln.key)
    return Finding(
        message=f"{vuln.id}{' (' + ', '.join(aliases) + ')' if aliases else ''}: "
        f"{vuln.name} {vuln.version}{fixed}" + (f" -- {vuln.summary}" if vuln.summary else ""),
        location=where.location if where else None,
        rule=vuln.id,
        fingerprint=f"{vuln.id}:{vuln.ecosystem}:{vuln.key[1]}@{vuln.version}",
    )


def _merge(
    found: Iterable[Vulnerability], ignore: set[str]
) -> tuple[list[Vulnerability], set[str]]:
    """One entry per advisory and package version, whichever sources reported it; ignored
    advisories (by id or alias) left out and named."""
    by_package: dict[Key, list[Vulnerability]] = defaultdict(list)
    ignored: set[str] = set()
    for vuln in found:
        hit = vuln.ids & ignore
        if hit:
            ignored |= hit
            continue
        same = by_package[vuln.key]
        if not any(other.ids & vuln.ids for other in same):
            same.append(vuln)
    merged = [v for group in by_package.values() for v in group]
    return sorted(merged, key=lambda v: (v.name, v.version, v.id)), ignored


def _run_sources(
    inventory: Inventory, root: Path, dependencies: dict[Key, _Dependency], advisories: str | None
) -> list[AuditorReport]:
    reports = []
    if advisories:
        reports.append(_offline(root, advisories, dependencies))
    python = [
        (d.name, d.version) for (eco, _, _), d in dependencies.items() if eco is Ecosystem.PYPI
    ]
    pip_audit = find_tool("pip-audit", root) if python else None
    if pip_audit:
        reports.append(run_pip_audit(pip_audit, root, python, timeout=TOOL_TIMEOUT))
    cargo_locks = [
        lock
        for lock in inventory.lockfiles.values()
        if lock.ecosystem is Ecosystem.CARGO and not lock.error
    ]
    cargo_audit = find_tool("cargo-audit", root) if cargo_locks else None
    cargo_deny = find_tool("cargo-deny", root) if cargo_locks else None
    for lock in cargo_locks:
        crates = _crates(lock)
        if cargo_audit:
            reports.append(
                run_cargo_audit(cargo_audit, root, lock.path, crates, timeout=TOOL_TIMEOUT)
            )
        if cargo_deny:
            reports.append(_deny_advisories(cargo_deny, root, lock, crates))
    return reports


def _crates(lock: Lockfile) -> frozenset[Key]:
    return frozenset(
        (p.ecosystem, p.key, p.version) for p in lock.packages if p.origin is not Origin.LOCAL
    )


def _deny_advisories(
    executable: str, root: Path, lock: Lockfile, crates: frozenset[Key]
) -> AuditorReport:
    manifest = posixpath.join(posixpath.dirname(lock.path), "Cargo.toml")
    try:
        diagnostics, finished, command, error = run_cargo_deny(
            executable, root, manifest, ["advisories"], config=None, timeout=TOOL_TIMEOUT
        )
    except Unknown as exc:
        return AuditorReport(
            tool="cargo-deny", command="cargo deny check advisories", error=exc.reason
        )
    if not finished:
        return AuditorReport(
            tool="cargo-deny",
            command=command,
            error=f"cargo deny could not check advisories offline: {error or 'no summary'}",
        )
    return AuditorReport(
        tool="cargo-deny",
        command=command,
        audited=crates,
        vulnerabilities=tuple(deny_vulnerabilities(diagnostics)),
    )


def _offline(root: Path, advisories: str, dependencies: dict[Key, _Dependency]) -> AuditorReport:
    path = Path(advisories)
    database = load_advisories(path if path.is_absolute() else root / path, advisories)
    audited: set[Key] = set()
    skipped: dict[Key, str] = {}
    found: list[Vulnerability] = []
    for key, dependency in dependencies.items():
        ecosystem = key[0]
        if ecosystem not in database.ecosystems:
            continue
        hits, undecided = database.lookup(ecosystem, dependency.name, dependency.version)
        if undecided and not hits:
            skipped[key] = f"version {dependency.version} cannot be compared with the advisories"
            continue
        audited.add(key)
        found.extend(
            Vulnerability(
                id=hit.advisory.id,
                aliases=hit.advisory.aliases,
                ecosystem=ecosystem,
                name=dependency.name,
                version=dependency.version,
                fixed=hit.fixed,
                summary=hit.advisory.summary,
                source="advisories",
            )
            for hit in hits
        )
    return AuditorReport(
        tool="advisories",
        command=f"OSV directory {advisories} ({database.count} advisories, "
        f"newest modified {database.newest or 'unknown'})",
        audited=frozenset(audited),
        vulnerabilities=tuple(found),
        skipped=skipped,
    )
