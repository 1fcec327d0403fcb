"""The dependency inventory: manifests with their requirements, lockfiles with their packages."""

from __future__ import annotations

import bisect
import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

import pathspec

from golive._toml_positions import KeyPath, locate
from golive.model import Location

__all__ = [
    "Ecosystem",
    "Inventory",
    "LineIndex",
    "Lockfile",
    "Manifest",
    "Origin",
    "Package",
    "Requirement",
    "normalize",
    "toml_locator",
]


class Ecosystem(enum.StrEnum):
    """A package ecosystem golive reads manifests and lockfiles of."""

    CARGO = "cargo"
    PYPI = "pypi"
    NPM = "npm"

    @property
    def osv(self) -> str:
        """The ecosystem's name in OSV advisories."""
        return _OSV[self]

    @property
    def purl_type(self) -> str:
        return self.value


_OSV = {Ecosystem.CARGO: "crates.io", Ecosystem.PYPI: "PyPI", Ecosystem.NPM: "npm"}


def normalize(ecosystem: Ecosystem, name: str) -> str:
    """The form under which two spellings of a package name are the same package."""
    if ecosystem is Ecosystem.PYPI:
        return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503
    if ecosystem is Ecosystem.CARGO:
        return name.lower().replace("_", "-")  # crates.io treats - and _ alike
    return name


class Origin(enum.StrEnum):
    """Where a dependency comes from."""

    REGISTRY = "registry"
    GIT = "git"
    PATH = "path"
    URL = "url"
    LOCAL = "local"  # the project itself or a member of its workspace


@dataclass(frozen=True, kw_only=True)
class Requirement:
    """One dependency as a manifest declares it."""

    ecosystem: Ecosystem
    name: str
    spec: str  # the version requirement as written; "" when there is none
    group: str  # "dependencies", "dev-dependencies", "optional:web", "group:test", ...
    location: Location
    origin: Origin = Origin.REGISTRY
    reference: str | None = None  # the git URL, path or URL
    revision: str | None = None  # the git revision, tag or branch named
    branch_only: bool = False  # a git dependency that follows a branch
    hashes: tuple[str, ...] = ()  # --hash options of a requirements line ("sha256:...")
    marker: str | None = None  # an environment marker (Python)
    inherited: bool = False  # Cargo `dep.workspace = true`: the spec is the workspace's

    @property
    def key(self) -> str:
        return normalize(self.ecosystem, self.name)


@dataclass(frozen=True, kw_only=True)
class Manifest:
    """A file that declares dependencies: Cargo.toml, pyproject.toml, a requirements file, ..."""

    path: str
    ecosystem: Ecosystem
    format: str  # "Cargo.toml", "pyproject.toml", "requirements", "Pipfile", "package.json"
    requirements: tuple[Requirement, ...] = ()
    name: str | None = None  # the package or project it declares
    error: str | None = None  # set when the file could not be read or parsed
    workspace: tuple[str, ...] | None = None  # member patterns when it is a workspace root
    expected: tuple[str, ...] = ()  # the lockfile names its tools write
    lockfile: str | None = None  # the lockfile that resolves it (set by the inventory)
    constraints: tuple[str, ...] = ()  # requirements files it reads with -c
    includes: tuple[str, ...] = ()  # requirements files it reads with -r
    problems: tuple[tuple[str, Location], ...] = ()  # lines that could not be understood

    @property
    def directory(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def declares_dependencies(self) -> bool:
        """Whether it declares third-party dependencies, something to lock (an unreadable
        manifest is assumed to); local paths and workspace members are part of the project."""
        return self.error is not None or any(
            r.origin not in {Origin.LOCAL, Origin.PATH} for r in self.requirements
        )

    @property
    def is_own_lock(self) -> bool:
        return self.lockfile == self.path


@dataclass(frozen=True, kw_only=True)
class Package:
    """One resolved package in a lockfile."""

    ecosystem: Ecosystem
    name: str
    version: str
    origin: Origin = Origin.REGISTRY
    line: int | None = None  # where its entry starts in the lockfile
    hashes: tuple[tuple[str, str], ...] = ()  # (CycloneDX algorithm, hex) of its source archive
    reference: str | None = None  # git URL or path, when not from the registry

    @property
    def key(self) -> str:
        return normalize(self.ecosystem, self.name)


@dataclass(frozen=True, kw_only=True)
class Lockfile:
    """A lockfile (or a fully pinned requirements file) and the packages it resolves."""

    path: str
    ecosystem: Ecosystem
    format: str  # "Cargo.lock", "uv.lock", "poetry.lock", "requirements", ...
    packages: tuple[Package, ...] = ()
    error: str | None = None

    def location(self, package: Package) -> Location:
        return Location(path=self.path, line=package.line)

    def versions(self, key: str) -> list[str]:
        return [p.version for p in self.packages if p.key == key]


@dataclass(frozen=True, kw_only=True)
class Inventory:
    """Every dependency manifest and lockfile of the repository (vendored code left out)."""

    manifests: tuple[Manifest, ...] = ()
    lockfiles: Mapping[str, Lockfile] = field(default_factory=dict)
    vendored: int = 0  # manifests and lockfiles skipped in vendored directories

    @property
    def with_dependencies(self) -> list[Manifest]:
        return [m for m in self.manifests if m.declares_dependencies]

    @property
    def ecosystems(self) -> list[Ecosystem]:
        found = {m.ecosystem for m in self.manifests} | {
            lock.ecosystem for lock in self.lockfiles.values()
        }
        return [e for e in Ecosystem if e in found]

    def lockfile_of(self, manifest: Manifest) -> Lockfile | None:
        return self.lockfiles.get(manifest.lockfile) if manifest.lockfile else None

    def without(self, patterns: Iterable[str]) -> Inventory:
        """The inventory less the files matching gitignore-style `patterns`."""
        patterns = list(patterns)
        if not patterns:
            return self
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        kept = {p: lock for p, lock in self.lockfiles.items() if not spec.match_file(p)}
        return replace(
            self,
            manifests=tuple(
                m if m.lockfile is None or m.lockfile in kept else replace(m, lockfile=None)
                for m in self.manifests
                if not spec.match_file(m.path)
            ),
            lockfiles=kept,
        )


def toml_locator(path: str, text: str) -> Callable[[KeyPath], Location]:
    """Where a key path is written in a TOML file (its value if it has one), else its nearest
    written parent, else the file's first line."""
    spans = locate(text)

    def where(keys: KeyPath) -> Location:
        while keys:
            span = spans.get(keys)
            if span is not None:
                at = span.value or span.key
                return Location(path=path, line=at.line, column=at.column)
            keys = keys[:-1]
        return Location(path=path, line=1, column=1)

    return where


class LineIndex:
    """Line numbers of offsets in a text, and of the lines that match a pattern."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def lines(self, pattern: str) -> list[int]:
        """The line of every match of a multi-line `pattern`, in order."""
        return [self.line(m.start()) for m in re.finditer(pattern, self.text, re.MULTILINE)]

    def first(self, pattern: str, *, after: int = 0) -> int | None:
        """The line of the first match of `pattern` starting on or after line `after`."""
        start = self._starts[after - 1] if 0 < after <= len(self._starts) else 0
        found = re.compile(pattern, re.MULTILINE).search(self.text, start)
        return self.line(found.start()) if found else None
