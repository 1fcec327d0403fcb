"""Python dependency manifests: pyproject.toml, requirements files and Pipfile."""

from __future__ import annotations

import posixpath
import re
import tomllib
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508

from golive._toml_positions import KeyPath, locate
from golive.checks._deps_model import Ecosystem, Manifest, Origin, Requirement, toml_locator
from golive.model import Location

__all__ = ["exact_pin", "parse_pipfile", "parse_pyproject", "parse_requirements", "pinned_ref"]

_PY = Ecosystem.PYPI
_PYTHON_LOCKS = ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml")
_COMMIT_OR_VERSION = re.compile(r"^(?:[0-9a-f]{7,40}|v?\d+(?:\.\d+)*(?:[-.+]?\w+)*)$", re.I)
_OPTION = re.compile(
    r"^(-r|--requirement|-c|--constraint|-e|--editable)(?:\s*=\s*|\s+|(?=\S))(.+)$"
)
_HASH = re.compile(r"--hash[=\s]+(\S+)")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^git\+", re.I)


def exact_pin(spec: str) -> str | None:
    """The version of a `==1.2.3` (or `===`) requirement; None for anything looser."""
    match = re.fullmatch(r"\s*===?\s*([^\s,;*]+)\s*", spec)
    return match[1] if match else None


def pinned_ref(revision: str | None) -> bool:
    """Whether a git reference names a commit or a version tag rather than a branch."""
    return bool(revision and _COMMIT_OR_VERSION.match(revision))


# --- PEP 508 ----------------------------------------------------------------------------------


def _pep508(text: str, group: str, location: Location) -> Requirement:
    parsed = Pep508(text)  # raises InvalidRequirement
    marker = str(parsed.marker) if parsed.marker else None
    common: dict[str, Any] = {
        "ecosystem": _PY,
        "name": parsed.name,
        "spec": str(parsed.specifier),
        "group": group,
        "location": location,
        "marker": marker,
    }
    if parsed.url:
        return _from_url(parsed.url, common)
    return Requirement(**common)


def _from_url(url: str, common: dict[str, Any], hashes: tuple[str, ...] = ()) -> Requirement:
    if url.startswith("git+"):
        revision = _git_revision(url)
        return Requirement(
            **common,
            origin=Origin.GIT,
            reference=url,
            revision=revision,
            branch_only=not pinned_ref(revision),
        )
    if url.startswith("file:") or not _URL.match(url):
        return Requirement(**common, origin=Origin.PATH, reference=url.removeprefix("file:"))
    fragment = urllib.parse.urlsplit(url).fragment
    digests = tuple(
        f for f in fragment.split("&") if f.startswith(("sha256=", "sha384=", "sha512"))
    )
    return Requirement(
        **common, origin=Origin.URL, reference=url, hashes=hashes + tuple(digests), revision=None
    )


def _git_revision(url: str) -> str | None:
    path = urllib.parse.urlsplit(url.removeprefix("git+").split("#")[0]).path
    return path.rsplit("@", 1)[1] if "@" in path else None


# --- pyproject.toml ---------------------------------------------------------------------------


def parse_pyproject(path: str, text: str) -> Manifest | None:
    """The manifest, or None when the file declares no dependencies at all (tool config)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Manifest(path=path, ecosystem=_PY, format="pyproject.toml", error=str(exc))
    tool = _table(data, "tool")
    poetry = _table(tool, "poetry")
    uv = _table(tool, "uv")
    project = _table(data, "project")
    if "name" not in project and "dependency-groups" not in data and "dependencies" not in poetry:
        return None
    where = toml_locator(path, text)

    requirements: list[Requirement] = []
    problems: list[tuple[str, Location]] = []
    for keys, group, entries in _pep621_lists(data):
        for index, entry in enumerate(entries):
            if not isinstance(entry, str):
                continue  # {include-group = "..."}
            location = where((*keys, index))
            try:
                requirements.append(_pep508(entry, group, location))
            except InvalidRequirement as exc:
                problems.append((f"{entry!r} is not a valid requirement: {exc}", location))
    for keys, group, table in _poetry_tables(poetry):
        for name, value in table.items():
            if name.lower() != "python":
                requirements.append(_poetry(name, value, group, where((*keys, name))))
    requirements = _apply_uv_sources(requirements, uv.get("sources"))
    workspace = uv.get("workspace")
    members = (
        tuple(str(m) for m in workspace.get("members", [])) if isinstance(workspace, dict) else None
    )
    # Any Python lockfile resolves it; the tool the file configures comes first in messages.
    preferred = "poetry.lock" if "poetry" in tool else "pdm.lock" if "pdm" in tool else "uv.lock"
    expected = tuple(dict.fromkeys((preferred, *_PYTHON_LOCKS)))
    return Manifest(
        path=path,
        ecosystem=_PY,
        format="pyproject.toml",
        requirements=tuple(requirements),
        name=str(project.get("name") or poetry.get("name") or "") or None,
        workspace=members,
        expected=expected,
        problems=tuple(problems),
    )


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _pep621_lists(data: Mapping[str, Any]) -> Iterator[tuple[KeyPath, str, list[Any]]]:
    project = data.get("project")
    if isinstance(project, dict):
        if isinstance(project.get("dependencies"), list):
            yield ("project", "dependencies"), "dependencies", project["dependencies"]
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for extra, entries in optional.items():
                if isinstance(entries, list):
                    yield ("project", "optional-dependencies", extra), f"optional:{extra}", entries
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for name, entries in groups.items():
            if isinstance(entries, list):
                yield ("dependency-groups", name), f"group:{name}", entries


def _poetry_tables(poetry: Any) -> Iterator[tuple[KeyPath, str, Mapping[str, Any]]]:
    if not isinstance(poetry, dict):
        return
    base = ("tool", "poetry")
    if isinstance(poetry.get("dependencies"), dict):
        yield (*base, "dependencies"), "dependencies", poetry["dependencies"]
    if isinstance(poetry.get("dev-dependencies"), dict):
        yield (*base, "dev-dependencies"), "dev-dependencies", poetry["dev-dependencies"]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for name, group in groups.items():
            if isinstance(group, dict) and isinstance(group.get("dependencies"), dict):
                yield (*base, "group", name, "dependencies"), f"group:{name}", group["dependencies"]


def _poetry(name: str, value: Any, group: str, location: Location) -> Requirement:
    if isinstance(value, list):  # several constraints by marker: take the first
        value = value[0] if value else ""
    common: dict[str, Any] = {"ecosystem": _PY, "name": name, "group": group, "location": location}
    if not isinstance(value, dict):
        return Requirement(**common, spec=str(value))
    spec = str(value.get("version", ""))
    if "git" in value:
        revision = value.get("rev") or value.get("tag") or value.get("branch")
        return Requirement(
            **common,
            spec=spec,
            origin=Origin.GIT,
            reference=str(value["git"]),
            revision=str(revision) if revision else None,
            branch_only=not (value.get("rev") or value.get("tag")),
        )
    if "path" in value:
        return Requirement(**common, spec=spec, origin=Origin.PATH, reference=str(value["path"]))
    if "url" in value:
        return Requirement(**common, spec=spec, origin=Origin.URL, reference=str(value["url"]))
    return Requirement(**common, spec=spec)


def _apply_uv_sources(requirements: list[Requirement], sources: Any) -> list[Requirement]:
    """`[tool.uv.sources]` moves a requirement to git, a path, a URL or the workspace."""
    if not isinstance(sources, dict):
        return requirements
    by_key = {re.sub(r"[-_.]+", "-", str(k)).lower(): v for k, v in sources.items()}
    return [_sourced(r, by_key.get(r.key)) for r in requirements]


def _sourced(requirement: Requirement, source: Any) -> Requirement:
    if isinstance(source, list):
        source = source[0] if source else None
    if not isinstance(source, dict):
        return requirement
    common: dict[str, Any] = {
        "ecosystem": _PY,
        "name": requirement.name,
        "spec": requirement.spec,
        "group": requirement.group,
        "location": requirement.location,
        "marker": requirement.marker,
    }
    if source.get("workspace") is True:
        return Requirement(**common, origin=Origin.LOCAL)
    if "git" in source:
        return _poetry(requirement.name, source, requirement.group, requirement.location)
    if "path" in source:
        return Requirement(**common, origin=Origin.PATH, reference=str(source["path"]))
    if "url" in source:
        return _from_url(str(source["url"]), common)
    return requirement


# --- requirements files -----------------------------------------------------------------------


def parse_requirements(path: str, text: str) -> Manifest:
    directory = posixpath.dirname(path)
    requirements: list[Requirement] = []
    problems: list[tuple[str, Location]] = []
    includes: list[str] = []
    constraints: list[str] = []
    for number, raw in _logical_lines(text):
        line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        location = Location(path=path, line=number, column=1)
        hashes = tuple(_HASH.findall(line))
        line = _HASH.sub("", line).strip()
        option = _OPTION.match(line)
        if option:
            flag, value = option[1], option[2].strip()
            if flag in {"-r", "--requirement", "-c", "--constraint"}:
                target = posixpath.normpath(posixpath.join(directory, value))
                (includes if flag in {"-r", "--requirement"} else constraints).append(target)
                continue
            line = value
            if not _URL.match(line) and not line.startswith("git+"):
                requirements.append(_local(line, location))
                continue
        elif line.startswith("-"):
            continue  # --index-url, --find-links, --pre, ...
        try:
            requirements.append(_line_requirement(line, location, hashes))
        except InvalidRequirement as exc:
            problems.append((f"{line!r} is not a valid requirement: {exc}", location))
    return Manifest(
        path=path,
        ecosystem=_PY,
        format="requirements",
        requirements=tuple(requirements),
        includes=tuple(includes),
        constraints=tuple(constraints),
        problems=tuple(problems),
        expected=(),
    )


def _line_requirement(line: str, location: Location, hashes: tuple[str, ...]) -> Requirement:
    line = re.split(r"\s+--?[a-z]", line, maxsplit=1)[0]  # per-requirement options
    if _URL.match(line) or line.startswith((".", "/")):
        egg = re.search(r"[#&]egg=([\w.-]+)", line)
        name = egg[1] if egg else line.rstrip("/").rsplit("/", 1)[-1].split("-")[0]
        common: dict[str, Any] = {
            "ecosystem": _PY,
            "name": name,
            "spec": "",
            "group": "dependencies",
        }
        return _from_url(line, {**common, "location": location}, hashes)
    requirement = _pep508(line, "dependencies", location)
    if hashes and requirement.origin is Origin.REGISTRY:
        return Requirement(
            ecosystem=_PY,
            name=requirement.name,
            spec=requirement.spec,
            group=requirement.group,
            location=location,
            marker=requirement.marker,
            hashes=hashes,
        )
    return requirement


def _local(target: str, location: Location) -> Requirement:
    return Requirement(
        ecosystem=_PY,
        name=target,
        spec="",
        group="dependencies",
        location=location,
        origin=Origin.PATH,
        reference=target,
    )


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines joined across trailing backslashes, each with the number of its first line."""
    start, parts = 0, list[str]()
    for number, line in enumerate(text.splitlines(), 1):
        if not parts:
            start = number
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)


# --- Pipfile ----------------------------------------------------------------------------------


def parse_pipfile(path: str, text: str) -> Manifest:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Manifest(path=path, ecosystem=_PY, format="Pipfile", error=str(exc))
    spans = locate(text)
    requirements = []
    for table, group in (("packages", "dependencies"), ("dev-packages", "dev-dependencies")):
        entries = data.get(table)
        if not isinstance(entries, dict):
            continue
        for name, value in entries.items():
            span = spans.get((table, name))
            at = (span.value or span.key) if span else None
            location = Location(path=path, line=at.line if at else 1, column=at.column if at else 1)
            if isinstance(value, dict) and "git" in value and value.get("ref"):
                ref = str(value["ref"])  # pipenv's one key for a commit, tag or branch
                requirement = _poetry(
                    name, {**value, ("rev" if pinned_ref(ref) else "branch"): ref}, group, location
                )
            else:
                requirement = _poetry(name, value, group, location)
            if requirement.spec == "*":
                requirement = Requirement(
                    ecosystem=_PY, name=name, spec="", group=group, location=location
                )
            requirements.append(requirement)
    return Manifest(
        path=path,
        ecosystem=_PY,
        format="Pipfile",
        requirements=tuple(requirements),
        expected=("Pipfile.lock",),
    )
