"""Python lockfiles: uv.lock, poetry.lock, pdm.lock, pylock.toml, Pipfile.lock, and pinned
requirements files."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from golive.checks._deps_model import Ecosystem, LineIndex, Lockfile, Manifest, Origin, Package
from golive.checks._deps_python import exact_pin

__all__ = ["PYTHON_LOCKFILES", "parse_python_lock", "requirements_lock"]

_PY = Ecosystem.PYPI
_ALGORITHMS = {
    "md5": "MD5",
    "sha1": "SHA-1",
    "sha256": "SHA-256",
    "sha384": "SHA-384",
    "sha512": "SHA-512",
}
PYTHON_LOCKFILES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")


def parse_python_lock(path: str, text: str) -> Lockfile:
    name = path.rpartition("/")[2]
    kind = "pylock.toml" if name.startswith("pylock.") else name
    try:
        if kind == "Pipfile.lock":
            packages = _pipfile_lock(text)
        else:
            packages = _toml_lock(kind, tomllib.loads(text), text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, ValueError) as exc:
        return Lockfile(path=path, ecosystem=_PY, format=kind, error=str(exc))
    return Lockfile(path=path, ecosystem=_PY, format=kind, packages=tuple(packages))


def _hash(text: Any) -> tuple[tuple[str, str], ...]:
    """One "sha256:HEX" (or {"sha256": HEX}) as CycloneDX (algorithm, content) pairs."""
    if isinstance(text, Mapping):
        return tuple((_ALGORITHMS[a], str(h)) for a, h in text.items() if a in _ALGORITHMS)[:1]
    if isinstance(text, str) and ":" in text:
        algorithm, _, digest = text.partition(":")
        if algorithm in _ALGORITHMS:
            return ((_ALGORITHMS[algorithm], digest),)
    return ()


def _sdist_hash(files: Any) -> tuple[tuple[str, str], ...]:
    """The hash of the source archive among a package's files (wheels differ per platform)."""
    if not isinstance(files, list):
        return ()
    for entry in files:
        if isinstance(entry, dict):
            file = str(entry.get("file") or entry.get("url") or "")
            if file.endswith((".tar.gz", ".zip", ".tar.bz2")):
                return _hash(entry.get("hash"))
    return ()


def _toml_lock(kind: str, data: Mapping[str, Any], text: str) -> list[Package]:
    table = "packages" if kind == "pylock.toml" else "package"
    lines = LineIndex(text).lines(rf"^\[\[{table}\]\]")
    packages = []
    entries = data.get(table)
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or "name" not in entry:
            continue
        origin, reference, hashes = _describe(kind, entry)
        packages.append(
            Package(
                ecosystem=_PY,
                name=str(entry["name"]),
                version=str(entry.get("version", "")),
                origin=origin,
                line=lines[index] if index < len(lines) else None,
                hashes=hashes,
                reference=reference,
            )
        )
    return packages


def _describe(
    kind: str, entry: Mapping[str, Any]
) -> tuple[Origin, str | None, tuple[tuple[str, str], ...]]:
    """Where one locked package comes from, and the hash of its source archive."""
    if kind == "uv.lock":
        source = entry.get("source", {})
        sdist = entry.get("sdist", {})
        hashes = _hash(sdist.get("hash")) if isinstance(sdist, dict) else ()
        if not isinstance(source, dict) or "registry" in source:
            return Origin.REGISTRY, None, hashes
        if "git" in source:
            return Origin.GIT, str(source["git"]), ()
        if "url" in source:
            return Origin.URL, str(source["url"]), hashes
        return Origin.LOCAL, str(next(iter(source.values()), "")), ()  # editable, virtual, path
    if kind == "poetry.lock":
        source = entry.get("source", {})
        hashes = _sdist_hash(entry.get("files"))
        kind_of = source.get("type") if isinstance(source, dict) else None
        if kind_of == "git":
            return Origin.GIT, str(source.get("url")), ()
        if kind_of in {"directory", "file"}:
            return Origin.LOCAL, str(source.get("url")), ()
        if kind_of == "url":
            return Origin.URL, str(source.get("url")), hashes
        return Origin.REGISTRY, None, hashes
    if kind == "pdm.lock":
        if "git" in entry:
            return Origin.GIT, str(entry["git"]), ()
        if "path" in entry or entry.get("editable"):
            return Origin.LOCAL, str(entry.get("path", "")), ()
        if "url" in entry:
            return Origin.URL, str(entry["url"]), _sdist_hash(entry.get("files"))
        return Origin.REGISTRY, None, _sdist_hash(entry.get("files"))
    # pylock.toml (PEP 751)
    if "vcs" in entry:
        return Origin.GIT, str(entry["vcs"].get("url")), ()
    if "directory" in entry:
        return Origin.LOCAL, str(entry["directory"].get("path")), ()
    if "archive" in entry:
        archive = entry["archive"]
        return Origin.URL, str(archive.get("url")), _hash(archive.get("hashes"))
    sdist = entry.get("sdist", {})
    return Origin.REGISTRY, None, _hash(sdist.get("hashes")) if isinstance(sdist, dict) else ()


def _pipfile_lock(text: str) -> list[Package]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    index = LineIndex(text)
    packages = []
    for section in ("default", "develop"):
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        start = index.first(rf'^\s*"{section}"\s*:') or 1
        for name, entry in entries.items():
            if not isinstance(entry, dict):
                continue
            line = index.first(rf'^\s*"{re.escape(name)}"\s*:', after=start)
            hashes = entry.get("hashes") or []
            common: dict[str, Any] = {"ecosystem": _PY, "name": name, "line": line}
            if "git" in entry:
                version = str(entry.get("ref", ""))
                packages.append(
                    Package(**common, version=version, origin=Origin.GIT, reference=entry["git"])
                )
            elif "path" in entry or "file" in entry:
                reference = str(entry.get("path") or entry.get("file"))
                packages.append(
                    Package(**common, version="", origin=Origin.LOCAL, reference=reference)
                )
            else:
                packages.append(
                    Package(
                        **common,
                        version=exact_pin(str(entry.get("version", ""))) or "",
                        hashes=_hash(hashes[0]) if len(hashes) == 1 else (),
                    )
                )
    return packages


def requirements_lock(manifest: Manifest, constraints: Iterable[Manifest] = ()) -> Lockfile | None:
    """The requirements file as a lockfile when every requirement in it is pinned with `==`
    (directly, or by a constraints file it names); None otherwise."""
    pins = {
        r.key: (r, pin)
        for source in constraints
        for r in source.requirements
        if (pin := exact_pin(r.spec)) is not None
    }
    packages = []
    for requirement in manifest.requirements:
        if requirement.origin is not Origin.REGISTRY:
            continue
        own = exact_pin(requirement.spec)
        pinned_by, version = (requirement, own) if own else pins.get(requirement.key, (None, None))
        if pinned_by is None or version is None:
            return None
        hashes = pinned_by.hashes
        packages.append(
            Package(
                ecosystem=_PY,
                name=requirement.name,
                version=version,
                line=requirement.location.line,
                hashes=_hash(hashes[0]) if len(hashes) == 1 else (),
            )
        )
    if not packages:
        return None
    return Lockfile(
        path=manifest.path, ecosystem=_PY, format="requirements", packages=tuple(packages)
    )
