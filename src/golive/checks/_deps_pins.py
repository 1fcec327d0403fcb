"""What `deps.pinned` looks for: requirements that float, and lockfiles out of step with their
manifests."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from golive.checks._deps_model import Ecosystem, Lockfile, Manifest, Origin, Requirement
from golive.checks._deps_python import exact_pin
from golive.checks._deps_semver import Range, cargo_range, npm_range, parse_semver
from golive.model import Finding

__all__ = ["floating", "out_of_sync", "satisfies", "unpinned_requirements"]

# Lockfiles written for one platform: a requirement behind a marker may rightly be missing.
_PLATFORM_LOCKS = frozenset({"requirements", "Pipfile.lock"})


def floating(manifest: Manifest) -> Iterator[Finding]:
    """Git dependencies that follow a branch, paths outside the repository, URLs without a
    hash, and Cargo requirements without an upper bound."""
    for r in manifest.requirements:
        if r.origin is Origin.GIT and r.branch_only:
            follows = f"branch {r.revision}" if r.revision else "its default branch"
            yield _finding(r, f"{r.name} comes from git and follows {follows}", "git-branch")
        elif r.origin is Origin.PATH and _outside(manifest.directory, r.reference or ""):
            yield _finding(
                r, f"{r.name} is a path outside the repository ({r.reference})", "outside-path"
            )
        elif r.origin is Origin.URL and r.ecosystem is Ecosystem.PYPI and not r.hashes:
            yield _finding(r, f"{r.name} is downloaded from a URL with no hash", "url-no-hash")
        elif (
            r.ecosystem is Ecosystem.CARGO
            and r.origin is Origin.REGISTRY
            and not r.inherited
            and (bound := cargo_range(r.spec or "*")) is not None
            and not bound.bounded_above
        ):
            yield _finding(
                r, f'{r.name} = "{r.spec or "*"}" accepts any future version', "unbounded"
            )


def unpinned_requirements(manifest: Manifest) -> Iterator[Finding]:
    """Lines of a requirements file without a lockfile that are not `==` pins."""
    for r in manifest.requirements:
        if r.origin is Origin.REGISTRY and exact_pin(r.spec) is None:
            written = f"{r.name}{r.spec}" if r.spec else r.name
            yield _finding(r, f"{written} is not pinned with ==", "not-pinned")


def out_of_sync(manifest: Manifest, lock: Lockfile) -> Iterator[Finding]:
    """Manifest requirements the lockfile does not have, or has at a version they exclude."""
    for r in manifest.requirements:
        if r.origin is not Origin.REGISTRY or r.group == "workspace":
            continue  # the workspace table only declares; members' uses are checked
        versions = lock.versions(r.key)
        if not versions:
            if r.marker and lock.format in _PLATFORM_LOCKS:
                continue
            yield _finding(
                r, f"{r.name} is not in {lock.path}: the lockfile is out of date", "not-locked"
            )
        elif satisfies(r.ecosystem, r.spec, versions) is False:
            yield _finding(
                r,
                f"{lock.path} locks {r.name} {', '.join(versions)}, outside {r.spec}: "
                "the lockfile is out of date",
                "stale-lock",
            )


def satisfies(ecosystem: Ecosystem, spec: str, versions: list[str]) -> bool | None:
    """Whether any of `versions` meets `spec`; None when golive cannot read one of them."""
    spec = spec.strip()
    if not spec or spec == "*":
        return True
    if ecosystem is Ecosystem.PYPI:
        return _pep440(spec, versions)
    found = cargo_range(spec) if ecosystem is Ecosystem.CARGO else npm_range(spec)
    return _semver(found, versions)


def _semver(found: Range | None, versions: list[str]) -> bool | None:
    parsed = [parse_semver(v) for v in versions]
    if found is None or any(v is None for v in parsed):
        return None
    return any(found.contains(v) for v in parsed if v is not None)


def _pep440(spec: str, versions: list[str]) -> bool | None:
    try:
        specifier = SpecifierSet(spec)
        return any(specifier.contains(Version(v), prereleases=True) for v in versions)
    except InvalidVersion:
        return None
    except InvalidSpecifier:
        pass
    # Poetry's own language: "^1.2", "~1.2", "1.2.3" (exact), alternatives with "||".
    alternatives = [part.strip() for part in spec.replace("||", "|").split("|")]
    answers = []
    for part in alternatives:
        exact = parse_semver(part) is not None and part[:1].isdigit() and "," not in part
        answers.append(_semver(cargo_range("=" + part if exact else part), versions))
    if any(a is True for a in answers):
        return True
    return None if any(a is None for a in answers) else False


def _outside(directory: str, reference: str) -> bool:
    if reference.startswith("/"):
        return True
    joined = posixpath.normpath(posixpath.join(directory, reference))
    return joined == ".." or joined.startswith("../")


def _finding(requirement: Requirement, message: str, rule: str) -> Finding:
    return Finding(
        message=message,
        location=requirement.location,
        rule=f"deps.pinned.{rule}",
        fingerprint=f"{rule}:{requirement.location.path}:{requirement.key}",
    )
