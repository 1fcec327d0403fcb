"""npm manifests (package.json) and lockfiles: package-lock.json, npm-shrinkwrap.json,
yarn.lock (classic and Berry) and pnpm-lock.yaml."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from golive.checks._deps_model import (
    Ecosystem,
    LineIndex,
    Lockfile,
    Manifest,
    Origin,
    Package,
    Requirement,
)
from golive.checks._deps_python import pinned_ref
from golive.checks._yaml import MAX_CHARS, YamlError, parse_yaml
from golive.model import Location

__all__ = ["NPM_LOCKFILES", "parse_npm_lock", "parse_package_json"]

_NPM = Ecosystem.NPM
NPM_LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")
_GROUPS = {
    "dependencies": "dependencies",
    "devDependencies": "dev-dependencies",
    "optionalDependencies": "optional-dependencies",
}
_GIT = re.compile(r"^(?:git\+|git://|github:|gitlab:|bitbucket:|gist:)|^[\w.-]+/[\w.-]+(?:#.*)?$")
_INTEGRITY = {"sha512": "SHA-512", "sha384": "SHA-384", "sha256": "SHA-256", "sha1": "SHA-1"}


def parse_package_json(path: str, text: str) -> Manifest:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Manifest(path=path, ecosystem=_NPM, format="package.json", error=str(exc))
    if not isinstance(data, dict):
        return Manifest(path=path, ecosystem=_NPM, format="package.json", error="not a JSON object")
    index = LineIndex(text)
    requirements = []
    for key, group in _GROUPS.items():
        table = data.get(key)
        if not isinstance(table, dict):
            continue
        start = index.first(rf'^\s*"{key}"\s*:') or 1
        for name, spec in table.items():
            line = index.first(rf'^\s*"{re.escape(name)}"\s*:', after=start) or start
            location = Location(path=path, line=line, column=1)
            requirements.append(_requirement(name, str(spec), group, location))
    workspaces = data.get("workspaces")
    if isinstance(workspaces, dict):
        workspaces = workspaces.get("packages")
    members = tuple(map(str, workspaces)) if isinstance(workspaces, list) else None
    return Manifest(
        path=path,
        ecosystem=_NPM,
        format="package.json",
        requirements=tuple(requirements),
        name=str(data["name"]) if isinstance(data.get("name"), str) else None,
        workspace=members,
        expected=NPM_LOCKFILES,
    )


def _requirement(name: str, spec: str, group: str, location: Location) -> Requirement:
    common: dict[str, Any] = {"ecosystem": _NPM, "group": group, "location": location}
    if spec.startswith("npm:"):  # an alias: "npm:real-name@range"
        real = _spec_name(spec[4:])
        return Requirement(**common, name=real, spec=spec[4 + len(real) + 1 :])
    if spec.startswith("workspace:"):
        return Requirement(**common, name=name, spec=spec, origin=Origin.LOCAL)
    if spec.startswith(("file:", "link:", "portal:")):
        return Requirement(
            **common, name=name, spec="", origin=Origin.PATH, reference=spec.partition(":")[2]
        )
    if _GIT.match(spec):
        revision = spec.partition("#")[2] or None
        if revision and revision.startswith("semver:"):
            revision = None
        return Requirement(
            **common,
            name=name,
            spec="",
            origin=Origin.GIT,
            reference=spec.partition("#")[0],
            revision=revision,
            branch_only=not pinned_ref(revision),
        )
    if spec.startswith(("http://", "https://")):
        return Requirement(**common, name=name, spec="", origin=Origin.URL, reference=spec)
    return Requirement(**common, name=name, spec=spec)


# --- lockfiles --------------------------------------------------------------------------------


def parse_npm_lock(path: str, text: str) -> Lockfile:
    kind = path.rpartition("/")[2]
    try:
        if kind == "yarn.lock":
            packages = list(_yarn_lock(text))
        elif kind == "pnpm-lock.yaml":
            packages = list(_pnpm_lock(path, text))
        else:
            packages = list(_package_lock(text))
    except (json.JSONDecodeError, YamlError, ValueError, AttributeError, TypeError) as exc:
        return Lockfile(path=path, ecosystem=_NPM, format=kind, error=str(exc))
    return Lockfile(path=path, ecosystem=_NPM, format=kind, packages=tuple(packages))


def _integrity(text: Any) -> tuple[tuple[str, str], ...]:
    """An SRI string ("sha512-BASE64 ...") as a CycloneDX (algorithm, hex) pair."""
    if not isinstance(text, str):
        return ()
    algorithm, _, digest = text.split()[0].partition("-") if text.split() else ("", "", "")
    if algorithm not in _INTEGRITY:
        return ()
    try:
        return ((_INTEGRITY[algorithm], base64.b64decode(digest, validate=True).hex()),)
    except (binascii.Error, ValueError):
        return ()


def _origin(resolved: str) -> Origin:
    if resolved.startswith(("git+", "git://", "github:")):
        return Origin.GIT
    if resolved.startswith(("file:", "link:")):
        return Origin.LOCAL
    return Origin.REGISTRY


def _package_lock(text: str) -> Iterator[Package]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    lines: dict[str, int] = {}
    index = LineIndex(text)
    for match in re.finditer(r'^\s*"([^"\n]+)"\s*:\s*\{', text, re.MULTILINE):
        lines.setdefault(match[1], index.line(match.start()))
    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        for key, entry in packages.items():
            if "node_modules/" not in key or not isinstance(entry, dict) or entry.get("link"):
                continue
            resolved = str(entry.get("resolved", ""))
            yield Package(
                ecosystem=_NPM,
                name=str(entry.get("name") or key.rpartition("node_modules/")[2]),
                version=str(entry.get("version", "")),
                origin=_origin(resolved),
                line=lines.get(key),
                hashes=_integrity(entry.get("integrity")),
                reference=resolved if _origin(resolved) is not Origin.REGISTRY else None,
            )
        return
    yield from _v1_dependencies(data.get("dependencies"), lines)


def _v1_dependencies(table: Any, lines: Mapping[str, int]) -> Iterator[Package]:
    if not isinstance(table, dict):
        return
    for name, entry in table.items():
        if not isinstance(entry, dict):
            continue
        version = str(entry.get("version", ""))
        yield Package(
            ecosystem=_NPM,
            name=name,
            version=version,
            origin=_origin(version if ":" in version else str(entry.get("resolved", ""))),
            line=lines.get(name),
            hashes=_integrity(entry.get("integrity")),
        )
        yield from _v1_dependencies(entry.get("dependencies"), lines)


def _spec_name(spec: str) -> str:
    """`@scope/name@^1.0` -> `@scope/name`."""
    at = spec.find("@", 1)
    return spec[:at] if at > 0 else spec


def _yarn_lock(text: str) -> Iterator[Package]:
    """Both lockfile dialects: classic (`version "1.2.3"`) and Berry (YAML, `version: 1.2.3`)."""
    entry: dict[str, str] = {}
    header: tuple[str, int] | None = None
    for number, line in enumerate([*text.splitlines(), "end:"], 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():  # a new entry: "name@range, name@range2":
            if header is not None:
                yield from _yarn_entry(header, entry)
            header, entry = (line.rstrip(":").strip(), number), {}
        elif line.startswith("  ") and not line.startswith("   "):
            key, _, value = line.strip().partition(" ")
            entry[key.rstrip(":")] = value.strip().strip('"')


def _yarn_entry(header: tuple[str, int], entry: Mapping[str, str]) -> Iterator[Package]:
    keys, line = header
    first = keys.split(",")[0].strip().strip('"')
    if first == "__metadata" or "version" not in entry:
        return
    berry = entry.get("resolution")  # "name@npm:1.2.3"; classic yarn has a URL in "resolved"
    resolution = berry or entry.get("resolved", "")
    local = any(f"@{kind}:" in resolution for kind in ("workspace", "link", "portal", "file"))
    git = "#commit=" in resolution or resolution.startswith(("git+", "https://codeload"))
    yield Package(
        ecosystem=_NPM,
        name=_spec_name(berry or first),
        version=entry["version"],
        origin=Origin.LOCAL if local else Origin.GIT if git else Origin.REGISTRY,
        line=line,
        hashes=_integrity(entry.get("integrity")),  # Berry's checksum is of its zip, not ours
    )


def _pnpm_lock(path: str, text: str) -> Iterator[Package]:
    data = parse_yaml(text, path, max_chars=MAX_CHARS)  # lockfiles of large workspaces are big
    if not isinstance(data, dict):
        raise ValueError("expected a YAML mapping")
    packages = data.get("packages") or {}
    version = str(data.get("lockfileVersion", ""))
    lines: dict[str, int] = {}
    start = LineIndex(text).first(r"^packages:")
    if start is not None:
        for number, line in enumerate(text.splitlines()[start:], start + 1):
            if line and not line[0].isspace():
                break
            if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
                lines.setdefault(line.strip().rstrip(":").strip("'\""), number)
    for key, entry in packages.items():
        name, found = _pnpm_key(str(key), old=version.startswith("5"))
        resolution = entry.get("resolution", {}) if isinstance(entry, dict) else {}
        origin = Origin.REGISTRY
        if isinstance(resolution, dict) and "commit" in resolution:
            origin = Origin.GIT
        elif isinstance(resolution, dict) and "directory" in resolution:
            origin = Origin.LOCAL
        yield Package(
            ecosystem=_NPM,
            name=str(entry.get("name", name)) if isinstance(entry, dict) else name,
            version=str(entry.get("version", found)) if isinstance(entry, dict) else found,
            origin=origin,
            line=lines.get(str(key)),
            hashes=_integrity(resolution.get("integrity")) if isinstance(resolution, dict) else (),
        )


def _pnpm_key(key: str, *, old: bool) -> tuple[str, str]:
    """`/name@1.2.3(peer@1)` (v6), `name@1.2.3` (v9) or `/name/1.2.3_peer` (v5)."""
    key = key.lstrip("/").split("(")[0]
    if old:
        name, _, version = key.rpartition("/")
        return name, version.split("_")[0]
    at = key.rfind("@")
    return (key[:at], key[at + 1 :]) if at > 0 else (key, "")
