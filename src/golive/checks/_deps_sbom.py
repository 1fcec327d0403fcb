"""A CycloneDX 1.6 software bill of materials, built from the repository's lockfiles."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from golive import __version__
from golive.checks._deps_model import Ecosystem, Inventory, Manifest, Origin, Package

__all__ = ["Sbom", "build_sbom", "project_name", "purl"]

SPEC_VERSION = "1.6"


@dataclass(frozen=True, kw_only=True)
class Sbom:
    """The document, and what went into it."""

    document: Mapping[str, Any]
    components: int
    by_ecosystem: Mapping[str, int]
    hashed: int
    lockfiles: tuple[str, ...]
    unresolved: tuple[Manifest, ...]  # manifests with dependencies that no lockfile resolves
    unreadable: tuple[str, ...]  # lockfiles that could not be read


def purl(package: Package) -> str:
    """The package URL of a locked package (purl spec: type, namespace, name, version)."""
    name = package.name
    if package.ecosystem is Ecosystem.PYPI:
        name = re.sub(r"[-_.]+", "-", name).lower()
    if package.ecosystem is Ecosystem.NPM and name.startswith("@") and "/" in name:
        scope, _, bare = name.partition("/")
        path = f"{quote(scope, safe='')}/{quote(bare, safe='')}"
    else:
        path = quote(name, safe="")
    return f"pkg:{package.ecosystem.purl_type}/{path}@{quote(package.version, safe='')}"


def build_sbom(
    inventory: Inventory,
    *,
    name: str,
    serial: str | None = None,
    timestamp: datetime.datetime | None = None,
) -> Sbom:
    """Each locked third-party package becomes one `library` component with its name, version
    and package URL (`pkg:cargo/…`, `pkg:pypi/…`, `pkg:npm/…`), the hash of its source
    archive when the lockfile records one, and a `golive:lockfile` property per lockfile that
    names it. The project's own packages (workspace members, editable installs) are not
    components."""
    components: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    used: list[str] = []
    for path, lock in sorted(inventory.lockfiles.items()):
        if lock.error:
            continue
        added = False
        for package in lock.packages:
            if package.origin is Origin.LOCAL or not package.version:
                continue
            added = True
            ref = purl(package)
            component = components.get(ref)
            if component is None:
                component = components[ref] = _component(package, ref)
                counts[package.ecosystem.value] = counts.get(package.ecosystem.value, 0) + 1
            component["properties"].append({"name": "golive:lockfile", "value": path})
        if added:
            used.append(path)
    when = timestamp or datetime.datetime.now(datetime.UTC)
    document = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": serial or f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {
                "components": [{"type": "application", "name": "golive", "version": __version__}]
            },
            "component": {"type": "application", "bom-ref": "golive:project", "name": name},
        },
        "components": [components[ref] for ref in sorted(components)],
    }
    return Sbom(
        document=document,
        components=len(components),
        by_ecosystem=counts,
        hashed=sum(bool(c.get("hashes")) for c in components.values()),
        lockfiles=tuple(used),
        unresolved=tuple(
            m for m in inventory.with_dependencies if inventory.lockfile_of(m) is None
        ),
        unreadable=tuple(p for p, lock in sorted(inventory.lockfiles.items()) if lock.error),
    )


def _component(package: Package, ref: str) -> dict[str, Any]:
    component: dict[str, Any] = {"type": "library", "bom-ref": ref}
    if package.ecosystem is Ecosystem.NPM and package.name.startswith("@") and "/" in package.name:
        scope, _, bare = package.name.partition("/")
        component |= {"group": scope, "name": bare}
    else:
        component["name"] = package.name
    component |= {"version": package.version, "purl": ref}
    if package.hashes:
        component["hashes"] = [{"alg": alg, "content": content} for alg, content in package.hashes]
    if package.reference and package.origin in {Origin.GIT, Origin.URL}:
        kind = "vcs" if package.origin is Origin.GIT else "distribution"
        component["externalReferences"] = [{"type": kind, "url": package.reference}]
    component["properties"] = []
    return component


def project_name(inventory: Inventory, fallback: str) -> str:
    """The name the root manifest gives the project, or the directory's name."""
    for manifest in inventory.manifests:
        if "/" not in manifest.path and manifest.name:
            return manifest.name
    return fallback
