"""The public API of the Rust libraries in the workspace: rustdoc's missing_docs warnings, or
the crate's own `missing_docs` lint level as supporting evidence."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from golive.checks import _cargo
from golive.checks.base import NotApplicable, Unknown
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["Missing", "RustApi", "rust_api"]

_LINT_ATTRIBUTE = re.compile(r"#!\[\s*(deny|forbid|warn)\s*\(([^)]*)\)\s*\]")
_STRICT = frozenset({"deny", "forbid"})


@dataclass(frozen=True, kw_only=True)
class Missing:
    message: str  # "missing documentation for a function"
    location: Location | None


@dataclass(frozen=True, kw_only=True)
class RustApi:
    """What is known of the libraries' documentation.

    `measured` is True when rustdoc ran on every library; `missing` then holds every public
    item it found undocumented. Otherwise `reason` says why it could not run.
    """

    libraries: tuple[str, ...]  # package names with a library target
    binaries: tuple[str, ...]  # packages with no library target
    measured: bool
    missing: tuple[Missing, ...] = ()
    reason: str | None = None
    strict: tuple[str, ...] = ()  # libraries that deny or forbid missing_docs themselves
    command: str | None = None


def rust_api(repo: Repository, *, timeout: float) -> RustApi | None:
    """None when there is no Cargo.toml at the root."""
    try:
        workspace = _cargo.load_workspace(repo)
    except NotApplicable:
        return None
    except Unknown as exc:
        return RustApi(libraries=(), binaries=(), measured=False, reason=exc.reason)
    libraries: dict[str, str] = {}  # package name -> its library's root source file
    binaries: list[str] = []
    strict: list[str] = []
    for manifest in workspace.packages:
        name = manifest.package_name or manifest.path
        source = _library_source(repo, manifest)
        if source is None:
            binaries.append(name)
            continue
        libraries[name] = source
        if _lint_level(repo, source, manifest, workspace.root) in _STRICT:
            strict.append(name)
    base = RustApi(libraries=tuple(libraries), binaries=tuple(binaries), measured=False)
    if not libraries:
        return base
    try:
        cargo = _cargo.find_cargo(repo.root)
        missing: list[Missing] = []
        for name in libraries:
            missing.extend(_rustdoc(cargo, name, timeout))
    except Unknown as exc:
        return RustApi(
            libraries=base.libraries, binaries=base.binaries, measured=False,
            reason=exc.reason, strict=tuple(strict),
        )  # fmt: skip
    return RustApi(
        libraries=base.libraries,
        binaries=base.binaries,
        measured=True,
        missing=tuple(dict.fromkeys(missing)),
        strict=tuple(strict),
        command="cargo rustdoc -p NAME --lib --offline -- --force-warn missing_docs",
    )


def _library_source(repo: Repository, manifest: _cargo.Manifest) -> str | None:
    directory = manifest.path.rpartition("/")[0]
    prefix = f"{directory}/" if directory else ""
    lib = manifest.data.get("lib")
    declared = lib.get("path") if isinstance(lib, Mapping) else None
    source = f"{prefix}{declared}" if isinstance(declared, str) else f"{prefix}src/lib.rs"
    return source if repo.exists(source) else None


def _lint_level(
    repo: Repository, source: str, manifest: _cargo.Manifest, root: _cargo.Manifest
) -> str | None:
    """The crate's own level for missing_docs: `#![deny(missing_docs)]` or `[lints.rust]`."""
    text = repo.text(source) or ""
    for match in _LINT_ATTRIBUTE.finditer(text):
        if "missing_docs" in match[2]:
            return match[1]
    lints: Any = manifest.data.get("lints", {})
    if isinstance(lints, Mapping) and lints.get("workspace") is True:
        lints = root.data.get("workspace", {}).get("lints", {})
    level: Any = lints.get("rust", {}).get("missing_docs") if isinstance(lints, Mapping) else None
    if isinstance(level, Mapping):
        level = level.get("level")
    return level if isinstance(level, str) else None


def _rustdoc(cargo: _cargo.Cargo, package: str, timeout: float) -> list[Missing]:
    run = cargo.run(
        "rustdoc", "-p", package, "--lib", "--offline", "--message-format=json",
        "--", "--force-warn", "missing_docs",
        timeout=timeout,
    )  # fmt: skip
    found = [
        Missing(
            message=message.get("message", ""), location=_cargo.message_location(message, cargo.cwd)
        )
        for message in _messages(run.stdout)
        if (message.get("code") or {}).get("code") == "missing_docs"
    ]
    if run.returncode != 0 and not found:
        errors = [line for line in run.stderr.splitlines() if line.startswith("error")]
        raise Unknown(
            f"`cargo rustdoc -p {package}` failed: "
            f"{errors[0].removeprefix('error: ') if errors else 'no message'}"
        )
    return found


def _messages(stdout: str) -> list[dict[str, Any]]:
    found = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if record.get("reason") == "compiler-message":
                found.append(record.get("message") or {})
    return found
