"""Dependencies: lockfiles, pinned versions, vulnerability audits, update automation, SBOM."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from golive.checks import _deps_pins
from golive.checks._deps_audit import audit
from golive.checks._deps_model import Inventory, Manifest
from golive.checks._deps_outcomes import policy_outcome, updates_outcome
from golive.checks._deps_sbom import build_sbom, project_name
from golive.checks.base import (
    Check,
    CheckParams,
    Facts,
    failed,
    not_applicable,
    passed,
    unknown,
)
from golive.checks.params import Duration
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Location, Outcome

__all__ = [
    "Audit",
    "AuditParams",
    "DepsParams",
    "LockfileCommitted",
    "Pinned",
    "Policy",
    "Sbom",
    "Updates",
    "UpdatesParams",
]

_LISTED = 20  # paths named in a fact


class DepsParams(CheckParams):
    # gitignore-style paths to leave out, such as test fixture projects ("tests/data/")
    exclude: list[str] = Field(default_factory=list)


def _listing(paths: list[str]) -> str:
    shown = ", ".join(paths[:_LISTED])
    return shown + (f" (and {len(paths) - _LISTED} more)" if len(paths) > _LISTED else "")


def _found(inventory: Inventory) -> Facts:
    manifests = inventory.with_dependencies
    return {
        "manifests": len(manifests),
        "manifests_found": _listing([m.path for m in manifests]),
        "projects": len({m.directory for m in manifests}),
        "lockfiles": len(inventory.lockfiles),
        "vendored_skipped": inventory.vendored,
    }


def _missing_lockfile(manifest: Manifest) -> str:
    if manifest.format == "requirements":
        return (
            f"{manifest.path} is not pinned throughout (every line `name==version`) and no "
            "compiled lockfile stands for it"
        )
    names = ", ".join(manifest.expected) or "a lockfile"
    return f"{manifest.path} has no lockfile ({names}) next to it or at its workspace root"


class LockfileCommitted(Check):
    """Every dependency manifest has a committed lockfile.

    Finds every manifest (Cargo.toml, pyproject.toml, Pipfile, requirements files,
    package.json; vendored directories skipped, nested projects included and listed in the
    facts) that declares dependencies, and the lockfile that resolves it: next to it, or at
    the root of its workspace (Cargo, uv and npm/pnpm workspaces). A requirements file pinned
    throughout with `==` is its own lockfile; `requirements.in` is locked by the
    `requirements.txt` compiled from it. The lockfile must be tracked by git.

    Libraries are held to the same rule: Cargo recommends committing Cargo.lock for every
    package, and for a Python library a committed lockfile is what makes its CI reproducible.
    A library that deliberately ships without one can disable the item with its reason.
    """

    id = "deps.lockfile"
    kind = Kind.STATIC
    Params = DepsParams
    fix = (
        "Create the lockfile with the project's tool (cargo generate-lockfile, uv lock, "
        "poetry lock, npm install, pip-compile), remove it from .gitignore and commit it."
    )

    def run(self, params: DepsParams, deps_manifests: Inventory, repo: Repository) -> Outcome:
        inventory = deps_manifests.without(params.exclude)
        manifests = inventory.with_dependencies
        if not manifests:
            return not_applicable("no dependency manifests declare dependencies")
        findings: list[Finding] = []
        untold: list[str] = []
        for lock in sorted({m.lockfile for m in manifests if m.lockfile}):
            tracked = repo.is_tracked(lock)
            if tracked is None:
                untold.append(lock)
            elif not tracked:
                rule = repo.ignore_rule(lock)
                findings.append(
                    Finding(
                        message=f"{lock} is not committed"
                        + (f" (ignored by {rule})" if rule else ""),
                        location=rule or Location(path=lock),
                        rule="deps.lockfile.uncommitted",
                    )
                )
        missing = [m for m in manifests if m.lockfile is None]
        findings[:0] = [
            Finding(
                message=_missing_lockfile(m),
                location=Location(path=m.path, line=1),
                rule="deps.lockfile.missing",
                fingerprint=f"missing:{m.path}",
            )
            for m in missing
        ]
        facts = {**_found(inventory), "missing": len(missing)}
        locked = len(manifests) - len(missing)
        observed = f"{locked} of {len(manifests)} manifest(s) have a lockfile"
        if findings:
            problems = [
                f"{count} {what}"
                for count, what in (
                    (len(missing), "manifest(s) without a lockfile"),
                    (len(findings) - len(missing), "lockfile(s) not committed"),
                )
                if count
            ]
            return failed(
                ", ".join(problems),
                observed=observed,
                required="a committed lockfile for every manifest",
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        if untold:
            return unknown(
                f"every manifest has a lockfile ({_listing(untold)}), but this is not a git "
                "work tree, so whether they are committed cannot be told",
                observed=observed,
                facts=facts,
            )
        return passed(
            f"every manifest has a committed lockfile ({len(manifests)} manifest(s))",
            observed=observed,
            facts=facts,
        )


class Pinned(Check):
    """Dependency versions are pinned.

    A requirements file used without a lockfile must pin every line with `==` (hashes are
    counted in the facts). A manifest with a lockfile is pinned by it, so the lockfile must be
    in step with the manifest: every registry dependency in the lockfile, at a version the
    manifest accepts. Everywhere, git dependencies must name a commit or tag rather than
    follow a branch, path dependencies must stay inside the repository, Python URL
    dependencies need a hash, and Cargo requirements need an upper bound (not `*` or `>=1`).
    """

    id = "deps.pinned"
    kind = Kind.STATIC
    Params = DepsParams
    fix = (
        "Pin git dependencies to a rev or tag, regenerate stale lockfiles (cargo update -w, "
        "uv lock, npm install), and pin requirements files with pip-compile --generate-hashes."
    )

    def run(self, params: DepsParams, deps_manifests: Inventory) -> Outcome:
        inventory = deps_manifests.without(params.exclude)
        if not any(m.requirements or m.error for m in inventory.manifests):
            return not_applicable("no dependency manifests declare dependencies")
        findings: list[Finding] = []
        undecided: list[str] = []
        unhashed = 0
        for manifest in inventory.manifests:
            if manifest.error:
                undecided.append(f"{manifest.path} ({manifest.error})")
                continue
            findings += [
                Finding(message=m, location=where, rule="deps.pinned.unreadable")
                for m, where in manifest.problems
            ]
            findings += _deps_pins.floating(manifest)
            lock = inventory.lockfile_of(manifest)
            if not manifest.declares_dependencies:
                continue  # only local paths: nothing to lock
            if manifest.is_own_lock:
                unhashed += sum(not r.hashes for r in manifest.requirements)
            elif lock is None and manifest.format == "requirements":
                findings += _deps_pins.unpinned_requirements(manifest)
            elif lock is None:
                findings.append(
                    Finding(
                        message=f"no lockfile pins its {len(manifest.requirements)} dependencies",
                        location=Location(path=manifest.path, line=1),
                        rule="deps.pinned.no-lockfile",
                    )
                )
            elif lock.error:
                undecided.append(f"{lock.path} ({lock.error})")
            else:
                findings += _deps_pins.out_of_sync(manifest, lock)
        facts: Facts = {**_found(inventory), "findings": len(findings), "unhashed_pins": unhashed}
        if findings:
            return failed(
                f"{len(findings)} dependency pin problem(s)",
                required="every version pinned by a lockfile in step with its manifest",
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        if undecided:
            return unknown(f"could not read {_listing(undecided)}", facts=facts)
        return passed(
            f"the dependencies of {sum(bool(m.requirements) for m in inventory.manifests)} "
            "manifest(s) are pinned",
            observed="lockfiles in step with their manifests"
            + (f"; {unhashed} pin(s) without --hash" if unhashed else ""),
            facts=facts,
        )


class AuditParams(DepsParams):
    advisories: str | None = None  # an offline OSV directory, relative to the repository
    ignore: list[str] = Field(default_factory=list)  # advisory ids (or aliases) accepted


class Audit(Check):
    """A vulnerability audit of the dependencies finds nothing unaddressed.

    Every locked third-party package is looked up by every source available: pip-audit
    (Python), cargo-audit and cargo-deny (Rust), when installed on the PATH or in the
    project's .venv, and an offline directory of OSV advisories (`advisories`). A dependency
    no source could look up -- pip-audit's skipped ones, ecosystems the advisory directory
    does not cover, manifests without a lockfile -- makes the check `unknown`, never `pass`.
    Advisories named in `ignore` (by id or alias) are accepted and listed in the facts.
    """

    id = "deps.audit"
    kind = Kind.TOOL
    Params = AuditParams
    timeout = 900.0
    fix = "Upgrade each vulnerable package to a fixed version, or record why it is accepted."

    def run(self, params: AuditParams, deps_manifests: Inventory, root: Path) -> Outcome:
        return audit(
            inventory=deps_manifests.without(params.exclude),
            root=root,
            advisories=params.advisories,
            ignore=params.ignore,
            fix=self.fix or "",
        )


class UpdatesParams(DepsParams):
    cadence: Duration | None = None  # the longest time allowed between update runs


class Updates(Check):
    """An automated dependency-update tool is configured (Dependabot, Renovate).

    Reads .github/dependabot.yml and Renovate's configuration (renovate.json(5),
    .renovaterc(.json), .github/renovate.json, or `renovate` in package.json) and checks that
    they cover every ecosystem the repository has: cargo, pip/uv, npm, github-actions
    (workflows) and docker (Dockerfiles). Coverage is by ecosystem, not by directory. With
    `cadence`, each update must run at least that often (daily, weekly = 7 days, monthly =
    30 days, or a cron schedule).
    """

    id = "deps.updates"
    kind = Kind.STATIC
    Params = UpdatesParams
    fix = (
        "Add .github/dependabot.yml with an `updates` entry per ecosystem (package-ecosystem, "
        'directory "/", schedule.interval), or a renovate.json.'
    )

    def run(self, params: UpdatesParams, deps_manifests: Inventory, repo: Repository) -> Outcome:
        return updates_outcome(
            repo=repo,
            inventory=deps_manifests.without(params.exclude),
            cadence=params.cadence,
            fix=self.fix or "",
        )


class Sbom(Check):
    """A software bill of materials (CycloneDX) can be produced for every component.

    golive builds a CycloneDX 1.6 SBOM from the lockfiles itself (`golive sbom` writes it):
    every locked package becomes a component with its purl and, where the lockfile records
    one, the hash of its source archive. The check passes when every manifest's dependencies
    are resolved by a lockfile into components.
    """

    id = "deps.sbom"
    kind = Kind.TOOL
    Params = DepsParams
    fix = "Add the missing lockfiles (see deps.lockfile), then run `golive sbom -o sbom.json`."

    def run(self, params: DepsParams, deps_manifests: Inventory, root: Path) -> Outcome:
        inventory = deps_manifests.without(params.exclude)
        if not inventory.with_dependencies and not inventory.lockfiles:
            return not_applicable("no dependency manifests or lockfiles to describe")
        sbom = build_sbom(inventory, name=project_name(inventory, root.name))
        facts: Facts = {
            **_found(inventory),
            "components": sbom.components,
            "hashed_components": sbom.hashed,
            **{f"components_{eco}": n for eco, n in sorted(sbom.by_ecosystem.items())},
        }
        observed = f"{sbom.components} component(s) from {len(sbom.lockfiles)} lockfile(s)"
        if sbom.unresolved:
            return failed(
                f"{len(sbom.unresolved)} manifest(s) have dependencies no lockfile resolves",
                observed=observed,
                required="every manifest resolved into components",
                findings=[
                    Finding(
                        message=f"{m.path}: no lockfile, so its dependencies have no versions",
                        location=Location(path=m.path, line=1),
                        rule="deps.sbom.unresolved",
                    )
                    for m in sbom.unresolved
                ],
                remediation=self.fix,
                facts=facts,
            )
        if sbom.unreadable:
            return unknown(f"golive could not read {_listing(list(sbom.unreadable))}", facts=facts)
        return passed(
            f"a CycloneDX 1.6 SBOM of {sbom.components} component(s) can be built",
            observed=observed,
            facts=facts,
        )


class Policy(Check):
    """A dependency policy is enforced (cargo-deny licenses, bans and sources).

    Rust: each workspace needs a cargo-deny configuration (deny.toml, .deny.toml or
    .cargo/deny.toml, in the workspace or at the repository root) with [licenses] (an allow
    list), [bans] and [sources]; when cargo-deny is installed, `cargo deny check licenses
    bans sources` runs offline (unknown when it needs the network). Python and npm: a license
    allow-list that something enforces -- liccheck, pip-licenses --allow-only/--fail-on,
    license-checker --onlyAllow/--failOn, licensee, license-compliance -- or GitHub's
    dependency review with allow-licenses/deny-licenses, which covers every ecosystem.
    """

    id = "deps.policy"
    kind = Kind.STATIC
    Params = DepsParams
    timeout = 600.0
    fix = (
        "Rust: `cargo deny init`, then set [licenses] allow, [bans] and [sources] in deny.toml. "
        "Python/npm: enforce a license allow-list in CI (pip-licenses --allow-only, "
        "license-checker --onlyAllow, or dependency-review-action with allow-licenses)."
    )

    def run(self, params: DepsParams, deps_manifests: Inventory, repo: Repository) -> Outcome:
        return policy_outcome(
            repo=repo,
            inventory=deps_manifests.without(params.exclude),
            fix=self.fix or "",
            timeout=self.timeout / 2,
        )
