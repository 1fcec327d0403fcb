"""Cargo manifests and Cargo.lock, read into the dependency inventory."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from typing import Any

from golive._toml_positions import KeyPath
from golive.checks._deps_model import (
    Ecosystem,
    LineIndex,
    Lockfile,
    Manifest,
    Origin,
    Package,
    Requirement,
    toml_locator,
)
from golive.model import Location

__all__ = ["parse_cargo_lock", "parse_cargo_toml"]

_TABLES = {
    "dependencies": "dependencies",
    "dev-dependencies": "dev-dependencies",
    "dev_dependencies": "dev-dependencies",
    "build-dependencies": "build-dependencies",
    "build_dependencies": "build-dependencies",
}


def parse_cargo_toml(path: str, text: str) -> Manifest:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Manifest(path=path, ecosystem=Ecosystem.CARGO, format="Cargo.toml", error=str(exc))
    where = toml_locator(path, text)

    requirements = [
        _requirement(name, value, group, where((*keys, name)))
        for keys, group, table in _dependency_tables(data)
        for name, value in table.items()
    ]
    workspace = data.get("workspace")
    members = None
    if isinstance(workspace, dict):
        members = tuple(str(m) for m in workspace.get("members", []) if isinstance(m, str))
    return Manifest(
        path=path,
        ecosystem=Ecosystem.CARGO,
        format="Cargo.toml",
        requirements=tuple(requirements),
        name=_name(data),
        workspace=members,
        expected=("Cargo.lock",),
    )


def _name(data: Mapping[str, Any]) -> str | None:
    package = data.get("package")
    name = package.get("name") if isinstance(package, dict) else None
    return name if isinstance(name, str) else None


def _dependency_tables(data: Mapping[str, Any]) -> Iterator[tuple[KeyPath, str, Mapping[str, Any]]]:
    for key, group in _TABLES.items():
        table = data.get(key)
        if isinstance(table, dict):
            yield (key,), group, table
    targets = data.get("target")
    if isinstance(targets, dict):
        for cfg, target in targets.items():
            if not isinstance(target, dict):
                continue
            for key, group in _TABLES.items():
                table = target.get(key)
                if isinstance(table, dict):
                    yield ("target", cfg, key), group, table
    workspace = data.get("workspace")
    if isinstance(workspace, dict) and isinstance(workspace.get("dependencies"), dict):
        yield ("workspace", "dependencies"), "workspace", workspace["dependencies"]


def _requirement(name: str, value: Any, group: str, location: Location) -> Requirement:
    if not isinstance(value, dict):
        return Requirement(
            ecosystem=Ecosystem.CARGO, name=name, spec=str(value), group=group, location=location
        )
    real = value.get("package")
    common: dict[str, Any] = {
        "ecosystem": Ecosystem.CARGO,
        "name": real if isinstance(real, str) else name,
        "spec": str(value.get("version", "")),
        "group": group,
        "location": location,
    }
    if value.get("workspace") is True:
        return Requirement(**common, inherited=True)
    if "git" in value:
        revision = value.get("rev") or value.get("tag") or value.get("branch")
        return Requirement(
            **common,
            origin=Origin.GIT,
            reference=str(value["git"]),
            revision=str(revision) if revision else None,
            branch_only=not (value.get("rev") or value.get("tag")),
        )
    if "path" in value:
        return Requirement(**common, origin=Origin.PATH, reference=str(value["path"]))
    return Requirement(**common)


def parse_cargo_lock(path: str, text: str) -> Lockfile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Lockfile(path=path, ecosystem=Ecosystem.CARGO, format="Cargo.lock", error=str(exc))
    lines = LineIndex(text).lines(r"^\[\[package\]\]")
    # Version 1 lockfiles keep checksums apart: "checksum NAME VERSION (SOURCE)" = "HEX".
    metadata = data.get("metadata", {})
    old_sums = {
        " ".join(key.split()[1:3]): value
        for key, value in (metadata.items() if isinstance(metadata, dict) else ())
        if key.startswith("checksum ") and isinstance(value, str)
    }
    packages = []
    entries = data.get("package")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or "name" not in entry or "version" not in entry:
            continue
        name, version = str(entry["name"]), str(entry["version"])
        source = entry.get("source")
        checksum = entry.get("checksum") or old_sums.get(f"{name} {version}")
        origin = (
            Origin.LOCAL
            if not isinstance(source, str)
            else Origin.GIT
            if source.startswith("git+")
            else Origin.REGISTRY
        )
        packages.append(
            Package(
                ecosystem=Ecosystem.CARGO,
                name=name,
                version=version,
                origin=origin,
                line=lines[index] if index < len(lines) else None,
                hashes=(("SHA-256", checksum),) if isinstance(checksum, str) else (),
                reference=source[4:] if isinstance(source, str) and origin is Origin.GIT else None,
            )
        )
    return Lockfile(
        path=path, ecosystem=Ecosystem.CARGO, format="Cargo.lock", packages=tuple(packages)
    )
