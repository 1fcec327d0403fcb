"""Dependency policies: cargo-deny's deny.toml for Rust, license allow-lists for Python and npm
(liccheck, pip-licenses, license-checker, licensee), and GitHub's dependency review."""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from golive._toml_positions import locate
from golive.checks._deps_inventory import read_text
from golive.checks._deps_model import Ecosystem, Inventory
from golive.checks.repository import Repository
from golive.model import Finding, Location

__all__ = ["DenyConfig", "Evidence", "deny_configs", "license_policies", "runs_cargo_deny"]

_DENY_NAMES = ("deny.toml", ".deny.toml", ".cargo/deny.toml")
_SECTIONS = ("licenses", "bans", "sources")
_SCRIPTS = (
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    "Jenkinsfile",
    "Makefile",
    "justfile",
    "tox.ini",
    "noxfile.py",
    ".pre-commit-config.yaml",
    "package.json",
)
# (ecosystems, what it is, a line that enforces it)
_COMMANDS = (
    (
        frozenset({Ecosystem.PYPI}),
        "pip-licenses with an allow-list or deny-list",
        re.compile(r"pip-licenses\b.*--(?:allow-only|fail-on)"),
    ),
    (frozenset({Ecosystem.PYPI}), "liccheck", re.compile(r"\bliccheck\b")),
    (
        frozenset({Ecosystem.NPM}),
        "license-checker with an allow-list or deny-list",
        re.compile(r"license-checker[\w-]*\b.*--(?:onlyAllow|failOn)"),
    ),
    (frozenset({Ecosystem.NPM}), "licensee", re.compile(r"\blicensee\b")),
    (
        frozenset({Ecosystem.NPM}),
        "license-compliance",
        re.compile(r"license-compliance\b.*--(?:allow|deny)"),
    ),
)
_REVIEW = re.compile(r"dependency-review-action")
_REVIEW_LICENSES = re.compile(r"\b(?:allow|deny)-licenses\b")


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """A license policy found in the repository, and the ecosystems it governs."""

    ecosystems: frozenset[Ecosystem]
    what: str
    location: Location


@dataclass(frozen=True, kw_only=True)
class DenyConfig:
    """The cargo-deny configuration of one Rust workspace, and what it lacks."""

    workspace: str  # the directory of the workspace's root Cargo.toml ("" for the repository)
    path: str | None  # the deny.toml, or None when there is none
    findings: tuple[Finding, ...]


def _rust_workspaces(inventory: Inventory) -> dict[str, Location]:
    """The directory of each Rust workspace (the lockfile's, else the manifest's own)."""
    roots: dict[str, Location] = {}
    for manifest in inventory.with_dependencies:
        if manifest.ecosystem is Ecosystem.CARGO:
            folder = posixpath.dirname(manifest.lockfile or manifest.path)
            roots.setdefault(folder, Location(path=manifest.path))
    return roots


def deny_configs(repo: Repository, inventory: Inventory) -> list[DenyConfig]:
    configs = []
    for workspace, manifest in sorted(_rust_workspaces(inventory).items()):
        path = next(
            (
                candidate
                for folder in dict.fromkeys((workspace, ""))
                for name in _DENY_NAMES
                if repo.exists(candidate := posixpath.join(folder, name))
            ),
            None,
        )
        if path is None:
            message = (
                f"no cargo-deny configuration for the Rust workspace at {workspace or '.'} "
                "(deny.toml with [licenses], [bans] and [sources])"
            )
            configs.append(
                DenyConfig(
                    workspace=workspace,
                    path=None,
                    findings=(Finding(message=message, location=manifest, rule="deny.toml"),),
                )
            )
            continue
        configs.append(
            DenyConfig(workspace=workspace, path=path, findings=tuple(_deny_gaps(repo, path)))
        )
    return configs


def _deny_gaps(repo: Repository, path: str) -> Iterator[Finding]:
    text = read_text(repo, path) or ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        yield Finding(message=f"not valid TOML: {exc}", location=Location(path=path, line=1))
        return
    spans = locate(text)
    for section in _SECTIONS:
        table = data.get(section)
        if not isinstance(table, dict):
            yield Finding(
                message=f"[{section}] is missing: cargo-deny does not check {section}",
                location=Location(path=path, line=1),
                rule=f"deny.{section}",
            )
            continue
        if section == "licenses" and not (table.get("allow") or table.get("deny")):
            span = spans.get(("licenses",))
            at = span.key if span else None
            yield Finding(
                message="[licenses] names no allowed licenses (allow = [...]), so every "
                "licensed crate is rejected",
                location=Location(path=path, line=at.line if at else 1),
                rule="deny.licenses.allow",
            )


def license_policies(repo: Repository) -> list[Evidence]:
    """Python and npm license policies, and dependency review with a license list."""
    found: list[Evidence] = []
    for path in repo.glob("pyproject.toml", "**/pyproject.toml"):
        found.extend(_pyproject_policy(path, read_text(repo, path) or ""))
    for path in repo.glob("*.ini", "setup.cfg", "**/liccheck*.ini"):
        text = read_text(repo, path) or ""
        if re.search(r"^\[Licenses\]", text, re.M | re.I) and "authorized_licenses" in text:
            found.append(_at(path, text, "authorized_licenses", {Ecosystem.PYPI}, "liccheck"))
    for name in (".licensee.json", ".license-compliancerc", ".license-compliancerc.json"):
        if repo.exists(name):
            found.append(
                Evidence(
                    ecosystems=frozenset({Ecosystem.NPM}),
                    what=f"{name}",
                    location=Location(path=name, line=1),
                )
            )
    for path in repo.glob(*_SCRIPTS, ".github/dependency-review-config.yml"):
        text = read_text(repo, path) or ""
        for ecosystems, what, pattern in _COMMANDS:
            match = pattern.search(text)
            if match:
                found.append(_at(path, text, match[0], ecosystems, what))
        if (_REVIEW.search(text) or "dependency-review-config" in path) and (
            review := _REVIEW_LICENSES.search(text)
        ):
            found.append(
                _at(path, text, review[0], set(Ecosystem), "dependency review with a license list")
            )
    return found


def runs_cargo_deny(repo: Repository) -> str | None:
    """The CI file or script that runs cargo-deny, if any."""
    for path in repo.glob(*_SCRIPTS):
        if re.search(r"cargo[- ]deny\b|cargo-deny-action", read_text(repo, path) or ""):
            return path
    return None


def _pyproject_policy(path: str, text: str) -> Iterator[Evidence]:
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return
    checks = (
        ("liccheck", ("authorized_licenses", "unauthorized_licenses"), "liccheck"),
        ("pip-licenses", ("allow-only", "fail-on"), "pip-licenses"),
        ("licensecheck", ("only_licenses", "fail_licenses"), "licensecheck"),
    )
    for table, keys, what in checks:
        settings = tool.get(table) if isinstance(tool, dict) else None
        if isinstance(settings, dict) and any(settings.get(key) for key in keys):
            yield _at(path, text, f"[tool.{table}]", {Ecosystem.PYPI}, f"{what} in {path}")


def _at(path: str, text: str, needle: str, ecosystems: Iterable[Ecosystem], what: str) -> Evidence:
    at = text.find(needle)
    line = text.count("\n", 0, at) + 1 if at >= 0 else 1
    return Evidence(
        ecosystems=frozenset(ecosystems), what=what, location=Location(path=path, line=line)
    )
