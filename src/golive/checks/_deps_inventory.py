"""Find every dependency manifest and lockfile in the repository and pair each manifest with the
lockfile that resolves it (next to it, or at the root of its workspace)."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import replace

from golive.checks._deps_model import Ecosystem, Inventory, Lockfile, Manifest, Requirement
from golive.checks._deps_node import NPM_LOCKFILES, parse_npm_lock, parse_package_json
from golive.checks._deps_pylocks import PYTHON_LOCKFILES, parse_python_lock, requirements_lock
from golive.checks._deps_python import parse_pipfile, parse_pyproject, parse_requirements
from golive.checks._deps_rust import parse_cargo_lock, parse_cargo_toml
from golive.checks._yaml import YamlError, parse_yaml
from golive.checks.repository import Repository

__all__ = ["VENDORED_DIRS", "build_inventory", "read_text"]

VENDORED_DIRS = frozenset(
    {
        "vendor",
        "vendored",
        "third_party",
        "third-party",
        "node_modules",
        ".venv",
        "venv",
        "site-packages",
        "__pypackages__",
        ".tox",
        ".nox",
        "target",
        "dist",
        "build",
    }
)
_MAX_LOCK_BYTES = 64 * 1024 * 1024  # lockfiles of large monorepos outgrow the 2 MiB text cache

_MANIFESTS: dict[str, Callable[[str, str], Manifest | None]] = {
    "cargo.toml": parse_cargo_toml,
    "pyproject.toml": parse_pyproject,
    "pipfile": parse_pipfile,
    "package.json": parse_package_json,
}
_LOCKS: dict[str, Callable[[str, str], Lockfile]] = {
    "Cargo.lock": parse_cargo_lock,
    **dict.fromkeys(PYTHON_LOCKFILES, parse_python_lock),
    "pylock.toml": parse_python_lock,
    **dict.fromkeys(NPM_LOCKFILES, parse_npm_lock),
}


def read_text(repo: Repository, path: str) -> str | None:
    """The file's text, also when it is larger than the repository's cache allows or ignored."""
    if repo.exists(path) and path not in repo.skipped_large:
        text = repo.text(path)
        if text is not None or path not in repo.skipped_large:
            return text
    full = repo.root / path
    try:
        if not full.is_file() or full.stat().st_size > _MAX_LOCK_BYTES:
            return None
        return full.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _is_requirements(path: str) -> bool:
    directory, _, name = path.rpartition("/")
    if not name.endswith((".txt", ".in")):
        return False
    return name.startswith("requirements") or directory.rpartition("/")[2] == "requirements"


def _lock_parser(name: str) -> Callable[[str, str], Lockfile] | None:
    if name.startswith("pylock.") and name.endswith(".toml"):
        return parse_python_lock
    return _LOCKS.get(name)


def _vendored(path: str) -> bool:
    return any(part in VENDORED_DIRS for part in path.split("/")[:-1])


def build_inventory(repo: Repository) -> Inventory:
    manifests: list[Manifest] = []
    lockfiles: dict[str, Lockfile] = {}
    vendored = 0
    for path in repo.files:
        name = path.rpartition("/")[2]
        manifest_parser = _MANIFESTS.get(name.lower())
        lock_parser = _lock_parser(name)
        requirements = _is_requirements(path)
        if manifest_parser is None and lock_parser is None and not requirements:
            continue
        if _vendored(path):
            vendored += 1
            continue
        text = read_text(repo, path)
        if lock_parser is not None:
            lockfiles[path] = _lock(lock_parser, path, text)
            continue
        if text is None:
            manifests.append(_broken(path, "not UTF-8 text"))
            continue
        parse = parse_requirements if requirements or manifest_parser is None else manifest_parser
        parsed = _manifest(parse, path, text)
        if parsed is not None:
            manifests.append(parsed)
    _add_includes(repo, manifests)
    # Lockfiles git ignores are not listed, but they are on disk and the build uses them.
    for manifest in manifests:
        for name in manifest.expected:
            candidate = posixpath.join(manifest.directory, name)
            parser = _lock_parser(name)
            if candidate not in lockfiles and parser and (repo.root / candidate).is_file():
                lockfiles[candidate] = _lock(parser, candidate, read_text(repo, candidate))
    _add_requirement_locks(repo, manifests, lockfiles)
    by_path = {m.path: m for m in manifests}
    paired = [_inherit(_pair(m, by_path, lockfiles, repo), by_path) for m in manifests]
    return Inventory(manifests=tuple(paired), lockfiles=lockfiles, vendored=vendored)


_ECOSYSTEM_OF = {
    "cargo.toml": Ecosystem.CARGO,
    "pyproject.toml": Ecosystem.PYPI,
    "pipfile": Ecosystem.PYPI,
    "package.json": Ecosystem.NPM,
}


# A file whose structure surprises a parser (a string where a table belongs) is recorded as
# unreadable, with the reason, rather than breaking every check that reads the inventory.
_SURPRISES = (TypeError, AttributeError, KeyError, ValueError, IndexError)


def _lock(parser: Callable[[str, str], Lockfile], path: str, text: str | None) -> Lockfile:
    if text is not None:
        try:
            return parser(path, text)
        except _SURPRISES as exc:
            error = f"unexpected structure ({type(exc).__name__}: {exc})"
    else:
        error = "not readable as UTF-8 text"
    return replace(parser(path, ""), error=error)  # an empty file names the format


def _manifest(
    parse: Callable[[str, str], Manifest | None], path: str, text: str
) -> Manifest | None:
    try:
        return parse(path, text)
    except _SURPRISES as exc:
        error = f"unexpected structure ({type(exc).__name__}: {exc})"
    return _broken(path, error)


def _broken(path: str, error: str) -> Manifest:
    name = path.rpartition("/")[2]
    ecosystem = _ECOSYSTEM_OF.get(name.lower(), Ecosystem.PYPI)
    kind = "requirements" if _is_requirements(path) else name
    return Manifest(path=path, ecosystem=ecosystem, format=kind, error=error)


def _add_includes(repo: Repository, manifests: list[Manifest]) -> None:
    """Requirements files read with -r are manifests too, whatever their names."""
    known = {m.path for m in manifests}
    pending = [path for m in manifests for path in m.includes]
    while pending:
        path = pending.pop()
        if path in known or _vendored(path) or not repo.exists(path):
            continue
        known.add(path)
        text = read_text(repo, path)
        parsed = _manifest(parse_requirements, path, text) if text is not None else None
        manifest = parsed or _broken(path, "not UTF-8 text")
        manifests.append(manifest)
        pending.extend(manifest.includes)
    manifests.sort(key=lambda m: m.path)


def _add_requirement_locks(
    repo: Repository, manifests: list[Manifest], lockfiles: dict[str, Lockfile]
) -> None:
    """A requirements file pinned throughout (itself, or by its -c files) is its own lock."""
    by_path = {m.path: m for m in manifests}
    for index, manifest in enumerate(manifests):
        if manifest.format != "requirements":
            continue
        constraints = []
        for path in manifest.constraints:
            source = by_path.get(path)
            if source is None and (text := read_text(repo, path)) is not None:
                source = parse_requirements(path, text)
            if source is not None:
                constraints.append(source)
        lock = requirements_lock(manifest, constraints)
        if lock is not None:
            lockfiles[manifest.path] = lock
            manifests[index] = replace(manifest, lockfile=manifest.path)


def _ancestors(directory: str) -> Iterator[str]:
    while directory:
        directory = directory.rpartition("/")[0]
        yield directory


def _member(root: Manifest, directory: str) -> bool:
    relative = directory[len(root.directory) + 1 :] if root.directory else directory
    return any(fnmatch.fnmatchcase(relative, p.strip("/")) for p in root.workspace or ())


def _pair(
    manifest: Manifest, by_path: dict[str, Manifest], locks: dict[str, Lockfile], repo: Repository
) -> Manifest:
    if manifest.lockfile is not None:
        return manifest
    directory = manifest.directory

    def at(folder: str, *names: str) -> str | None:
        for name in names:
            candidate = posixpath.join(folder, name)
            if candidate in locks:
                return candidate
        return None

    found: str | None = None
    match manifest.format:
        case "Cargo.toml" | "pyproject.toml" | "package.json":
            names = _own_locks(manifest, locks)
            found = at(directory, *names)
            if found is None and manifest.format == "pyproject.toml":
                found = next(  # a pinned requirements file next to it (pip-compile's output)
                    (
                        p
                        for p, lock in locks.items()
                        if lock.format == "requirements" and posixpath.dirname(p) == directory
                    ),
                    None,
                )
            if found is None:
                for ancestor in _ancestors(directory):
                    root = by_path.get(posixpath.join(ancestor, manifest.format))
                    if (root is not None and _member(root, directory)) or (
                        manifest.format == "package.json"
                        and _pnpm_member(repo, ancestor, directory)
                    ):
                        found = at(ancestor, *names)
                        break
        case "Pipfile":
            found = at(directory, "Pipfile.lock")
        case "requirements" if manifest.path.endswith(".in"):
            compiled = manifest.path[:-3] + ".txt"
            found = compiled if compiled in locks else None
    return replace(manifest, lockfile=found)


_EXPECTED = {
    "Cargo.toml": ("Cargo.lock",),
    "pyproject.toml": ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml"),
    "package.json": NPM_LOCKFILES,
}


def _own_locks(manifest: Manifest, locks: dict[str, Lockfile]) -> tuple[str, ...]:
    expected = manifest.expected or _EXPECTED.get(manifest.format, ())  # unreadable ones
    if manifest.format != "pyproject.toml":
        return expected
    pylocks = sorted(
        p.rpartition("/")[2]
        for p in locks
        if posixpath.dirname(p) == manifest.directory and p.rpartition("/")[2].startswith("pylock.")
    )
    return (*expected, *pylocks)


def _pnpm_member(repo: Repository, ancestor: str, directory: str) -> bool:
    path = posixpath.join(ancestor, "pnpm-workspace.yaml")
    text = read_text(repo, path) if repo.exists(path) else None
    if not text:
        return False
    try:
        data = parse_yaml(text, path)
    except YamlError:
        return False
    patterns = data.get("packages", []) if isinstance(data, dict) else []
    relative = directory[len(ancestor) + 1 :] if ancestor else directory
    return any(fnmatch.fnmatchcase(relative, str(p).strip("/")) for p in patterns)


def _inherit(manifest: Manifest, by_path: dict[str, Manifest]) -> Manifest:
    """Give `dep.workspace = true` requirements the version their workspace declares."""
    if manifest.format != "Cargo.toml" or not any(r.inherited for r in manifest.requirements):
        return manifest
    root = manifest if manifest.workspace is not None else None
    for ancestor in _ancestors(manifest.directory):
        if root is not None:
            break
        candidate = by_path.get(posixpath.join(ancestor, "Cargo.toml"))
        if candidate is not None and candidate.workspace is not None:
            root = candidate
    shared = {r.key: r for r in root.requirements if r.group == "workspace"} if root else {}
    return replace(
        manifest,
        requirements=tuple(_from_workspace(r, shared) for r in manifest.requirements),
    )


def _from_workspace(requirement: Requirement, shared: dict[str, Requirement]) -> Requirement:
    declared = shared.get(requirement.key) if requirement.inherited else None
    if declared is None:
        return requirement
    return replace(
        declared,
        group=requirement.group,
        location=requirement.location,
        inherited=True,
    )
