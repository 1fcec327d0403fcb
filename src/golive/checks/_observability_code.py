"""What the observability checks read: the service's own Rust and Python code (tests, examples
and vendored trees left out), its runtime dependencies and its deployment files."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.checks._deps_model import Ecosystem, Inventory, LineIndex, Manifest, Requirement
from golive.checks._tests_scan import is_vendored
from golive.checks.repository import Repository
from golive.model import Finding, Location

__all__ = ["Dependency", "Hit", "ServiceCode", "at", "blank", "load_service_code"]

# Directories whose code is not the running service: its tests, benchmarks, examples, fixtures.
_NOT_SERVICE = frozenset(
    {"tests", "test", "testing", "benches", "benchmarks", "examples", "fixtures", "docs"}
)
_PY_TEST_FILE = re.compile(r"^(?:test_.*|.*_test|conftest)\.py$")
# Rust unit tests conventionally close a file: what follows `#[cfg(test)]` is not service code.
_RUST_TESTS = re.compile(r"^\s*#\[cfg\(test\)\]", re.M)
_NON_RUNTIME = re.compile(r"dev|test|doc|lint|typing|bench", re.I)
# Deployment and logging configuration: Dockerfiles, Procfiles, YAML (Kubernetes, compose,
# log4rs), .env files, and INI-style logging configuration for `logging.config.fileConfig`.
_DEPLOY_NAME = re.compile(
    r"^(?:Dockerfile(?:\..+)?|.+\.Dockerfile|Containerfile|Procfile|.+\.ya?ml|\.env(?:\..+)?"
    r"|.+\.env|.+\.(?:ini|conf|cfg)|log.*\.json)$"
)


@dataclass(frozen=True, kw_only=True)
class Dependency:
    """A runtime dependency as a manifest declares it, with the Cargo features turned on for it
    anywhere in the repository (Cargo unifies features across a build)."""

    name: str  # normalised: `opentelemetry_sdk` and `opentelemetry-sdk` are one crate
    ecosystem: Ecosystem
    location: Location
    features: frozenset[str] = frozenset()


@dataclass(frozen=True, kw_only=True)
class Hit:
    """A line of a file that matched a pattern."""

    path: str
    line: int
    text: str  # the whole line, stripped

    @property
    def location(self) -> Location:
        return Location(path=self.path, line=self.line)


@dataclass(frozen=True, kw_only=True)
class ServiceCode:
    """The service's Rust and Python code, runtime dependencies and deployment files."""

    languages: frozenset[str]  # "rust" and/or "python": any such file, tests included
    sources: Mapping[str, str]  # path -> text of the service's own code
    # the same texts with comments and the insides of string literals blanked out
    blanked: Mapping[str, str] = field(default_factory=dict)
    dependencies: tuple[Dependency, ...] = ()
    manifests: tuple[Location, ...] = ()  # the service's manifests, at their dependencies
    deploy: Mapping[str, str] = field(default_factory=dict)  # Dockerfiles, YAML, Procfile, .env
    unreadable: tuple[str, ...] = ()

    def declared(self, *names: str) -> list[Dependency]:
        """The runtime dependencies named one of `names` (`_` and `-` alike, any case)."""
        wanted = {_key(name) for name in names}
        return [d for d in self.dependencies if d.name in wanted]

    def declared_like(self, pattern: str) -> list[Dependency]:
        """The runtime dependencies whose normalised name matches `pattern` from its start."""
        compiled = re.compile(pattern)
        return [d for d in self.dependencies if compiled.match(d.name)]

    def code(self, language: str) -> dict[str, str]:
        suffix = ".rs" if language == "rust" else ".py"
        return {p: t for p, t in self.sources.items() if p.endswith(suffix)}

    def grep(self, pattern: str, *, language: str | None = None, deploy: bool = False) -> list[Hit]:
        """Every line of the service's code (or of its deployment files) matching `pattern`.
        In code, only matches outside comments and string literals count (a pattern that
        mentions `TracerProvider(` in a docstring sets nothing up); the line is given whole."""
        compiled = re.compile(pattern, re.M)
        if deploy:
            return [
                h for path, text in self.deploy.items() for h in _hits(path, text, text, compiled)
            ]
        files = self.code(language) if language else self.sources
        return [
            hit
            for path, text in files.items()
            for hit in _hits(path, self.blanked.get(path, text), text, compiled)
        ]


def at(location: Location, message: str, rule: str) -> Finding:
    return Finding(message=message, location=location, rule=rule)


def load_service_code(repo: Repository, inventory: Inventory) -> ServiceCode:
    languages: set[str] = set()
    sources: dict[str, str] = {}
    deploy: dict[str, str] = {}
    unreadable: list[str] = []
    for path in repo.files:
        if is_vendored(path):
            continue
        name = path.rpartition("/")[2]
        suffix = name.rpartition(".")[2] if "." in name else ""
        if suffix in {"rs", "py"}:
            languages.add("rust" if suffix == "rs" else "python")
            if not _service_path(path):
                continue
            text = repo.text(path)
            if text is None:
                unreadable.append(path)
                continue
            if suffix == "rs":
                found = _RUST_TESTS.search(text)
                text = text[: found.start()] if found else text
            sources[path] = text
        elif _DEPLOY_NAME.match(name) and _service_path(path):
            text = repo.text(path)
            if text is not None:
                deploy[path] = text
    manifests = [m for m in inventory.manifests if _service_path(m.path)]
    return ServiceCode(
        languages=frozenset(languages),
        sources=sources,
        blanked={path: blank(text, rust=path.endswith(".rs")) for path, text in sources.items()},
        dependencies=tuple(_dependencies(repo, manifests)),
        manifests=tuple(_manifest_place(repo, m) for m in manifests),
        deploy=deploy,
        unreadable=tuple(unreadable),
    )


def _manifest_place(repo: Repository, manifest: Manifest) -> Location:
    """Where a manifest declares its dependencies (its first line when that is not found)."""
    text = repo.text(manifest.path) or ""
    line = LineIndex(text).first(
        r"^[ \t]*\[(?:[\w.-]+\.)?(?:dependencies|packages)\]|^[ \t]*dependencies[ \t]*="
    )
    return Location(path=manifest.path, line=line or 1)


def _service_path(path: str) -> bool:
    parts = path.split("/")
    if any(part in _NOT_SERVICE for part in parts[:-1]):
        return False
    return not _PY_TEST_FILE.match(parts[-1])


def _runtime(requirement: Requirement, manifest: Manifest) -> bool:
    if _NON_RUNTIME.search(requirement.group.partition(":")[2] or requirement.group):
        return False
    if manifest.format == "requirements":
        return not _NON_RUNTIME.search(manifest.path.rpartition("/")[2])
    return True


def _dependencies(repo: Repository, manifests: list[Manifest]) -> Iterator[Dependency]:
    features: dict[str, set[str]] = {}
    for manifest in manifests:
        if manifest.ecosystem is Ecosystem.CARGO and manifest.error is None:
            for name, turned_on in _cargo_features(repo.text(manifest.path) or ""):
                features.setdefault(name, set()).update(turned_on)
    for manifest in manifests:
        for requirement in manifest.requirements:
            if requirement.ecosystem in {Ecosystem.CARGO, Ecosystem.PYPI} and _runtime(
                requirement, manifest
            ):
                key = _key(requirement.name)
                yield Dependency(
                    name=key,
                    ecosystem=requirement.ecosystem,
                    location=requirement.location,
                    features=frozenset(features.get(key, ())),
                )


def _cargo_features(text: str) -> Iterator[tuple[str, list[str]]]:
    """(crate, features) of every dependency entry of a Cargo.toml, in any dependency table."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    workspace = data.get("workspace")
    tables: list[Any] = [data.get("dependencies")]
    if isinstance(workspace, dict):
        tables.append(workspace.get("dependencies"))
    targets = data.get("target")
    if isinstance(targets, dict):
        tables += [t.get("dependencies") for t in targets.values() if isinstance(t, dict)]
    for table in tables:
        if not isinstance(table, dict):
            continue
        for name, value in table.items():
            if isinstance(value, dict):
                real = value.get("package")
                listed = value.get("features", [])
                yield (
                    _key(real if isinstance(real, str) else name),
                    [f for f in listed if isinstance(f, str)] if isinstance(listed, list) else [],
                )


def _key(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _hits(path: str, searched: str, text: str, pattern: re.Pattern[str]) -> Iterator[Hit]:
    """Matches in `searched`, reported with the lines of `text` (of the same length)."""
    index: LineIndex | None = None
    for match in pattern.finditer(searched):
        index = index or LineIndex(text)
        line = index.line(match.start())
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.start())
        yield Hit(path=path, line=line, text=text[start : end if end >= 0 else None].strip())


_RUST_TOKEN = re.compile(
    r'//[^\n]*|/\*.*?\*/|b?r(#*)".*?"\1|b?"(?:\\.|[^"\\])*"|\'(?:\\.|[^\\\n])\'', re.S
)
_PY_TOKEN = re.compile(
    r"#[^\n]*|[rRbBuUfF]{0,2}(?:\"\"\"(?:\\.|.)*?\"\"\"|'\'\'(?:\\.|.)*?'\'\'"
    r"|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*')",
    re.S,
)


def blank(text: str, *, rust: bool) -> str:
    """`text` with comments and the insides of string and char literals turned into spaces,
    newlines and quotes kept, so offsets and lines stay where they were."""

    def spaces(match: re.Match[str]) -> str:
        token = match.group(0)
        if token[0] in "/#":
            return re.sub(r"[^\n]", " ", token)
        quote = re.search(r"[\"']+", token)
        start = quote.end() if quote else 0
        end = len(token) - (quote.end() - quote.start() if quote else 0)
        end = max(end, start)
        inside = re.sub(r"[^\n]", " ", token[start:end])
        return token[:start] + inside + token[end:]

    return (_RUST_TOKEN if rust else _PY_TOKEN).sub(spaces, text)
