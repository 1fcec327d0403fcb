"""GitLab CI: `.gitlab-ci.yml` with its local includes, `extends` and `!reference` resolved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from golive.checks._ci_model import Image, Include, InvalidConfigError, Job, Pipeline, Script, Step
from golive.checks._yaml import Reference, YamlError, YamlMap, YamlSeq
from golive.model import Finding, Location

__all__ = ["read_gitlab"]

_RESERVED = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "spec",
    }
)
_DEFAULT_STAGES = (".pre", "build", "test", "deploy", ".post")
_MAX_INCLUDES = 150  # GitLab's own limit
_MAX_EXTENDS = 11  # GitLab's own limit of inheritance levels
_MAX_REFERENCES = 10
_NOT_A_DEPLOYMENT = frozenset({"stop", "prepare", "access", "verify"})

Loader = Callable[[str], Any]  # path -> parsed YAML (raises YamlError)
Glob = Callable[[str], list[str]]  # a gitignore-style pattern -> the files it matches


def read_gitlab(path: str, load: Loader, glob: Glob) -> tuple[Pipeline, list[Finding]]:
    """The pipeline of `path` and its local includes, and the problems met on the way."""
    reader = _Reader(load, glob)
    root = reader.read(path, Location(path=path))
    if root is None:
        problem = reader.problems[0] if reader.problems else None
        raise InvalidConfigError(
            problem.message if problem else "empty",
            problem.location if problem and problem.location else Location(path=path),
        )
    merged = YamlMap(root.location)
    for _, data in reader.documents:
        merged = _merge(merged, data)
    stages = merged.get("stages")
    jobs = tuple(
        _job(name, _extended(name, merged, 0), merged.at(name), merged)
        for name in merged
        if name not in _RESERVED and not name.startswith(".") and isinstance(merged[name], YamlMap)
    )
    return (
        Pipeline(
            system="gitlab",
            path=path,
            jobs=jobs,
            stages=tuple(str(s) for s in stages if isinstance(s, str))
            if isinstance(stages, YamlSeq)
            else _DEFAULT_STAGES,
            includes=tuple(reader.includes),
            images=_images(merged) + _images(merged.get("default")),
            files=tuple(name for name, _ in reader.documents),
        ),
        reader.problems,
    )


class _Reader:
    """Reads a file and, first, the local files it includes (as GitLab merges them)."""

    def __init__(self, load: Loader, glob: Glob) -> None:
        self._load = load
        self._glob = glob
        self._seen: set[str] = set()
        self.documents: list[tuple[str, YamlMap]] = []
        self.includes: list[Include] = []
        self.problems: list[Finding] = []

    def read(self, path: str, cited: Location) -> YamlMap | None:
        if path in self._seen:
            return None
        self._seen.add(path)
        if len(self._seen) > _MAX_INCLUDES:
            self._problem(f"more than {_MAX_INCLUDES} included files; {path} is not read", cited)
            return None
        try:
            data = self._load(path)
        except YamlError as exc:
            self._problem(exc.message, exc.location)
            return None
        if data is None:
            data = YamlMap(Location(path=path, line=1, column=1))
        if not isinstance(data, YamlMap):
            self._problem("a GitLab CI file must be a mapping of jobs", Location(path=path))
            return None
        for include in _includes(data):
            self.includes.append(include)
            if include.kind == "local":
                self._local(include)
        self.documents.append((path, data))
        return data

    def _local(self, include: Include) -> None:
        target = include.target.strip()
        if "$" in target:
            return  # a variable: the file is chosen when the pipeline runs
        pattern = "/" + target.lstrip("/")
        matches = self._glob(pattern)
        if not matches:
            self._problem(f"the included file {target} does not exist", include.location)
        for match in matches:
            self.read(match, include.location)

    def _problem(self, message: str, location: Location) -> None:
        self.problems.append(Finding(message=message, location=location, rule="ci.unreadable"))


def _includes(data: YamlMap) -> Iterator[Include]:
    value = data.get("include")
    if value is None:
        return
    if isinstance(value, YamlSeq):
        entries = list(zip(value, value.item_at, strict=True))
    else:
        entries = [(value, data.value_location("include"))]
    for entry, where in entries:
        if isinstance(entry, str):
            kind = "remote" if entry.startswith(("http://", "https://")) else "local"
            yield Include(kind=kind, target=entry, location=where)
        elif isinstance(entry, YamlMap):
            yield from _include_entry(entry)


def _include_entry(entry: YamlMap) -> Iterator[Include]:
    for kind in ("local", "remote", "template", "component"):
        if isinstance(entry.get(kind), str):
            yield Include(kind=kind, target=entry[kind], location=entry.at(kind))
            return
    project = entry.get("project")
    if isinstance(project, str):
        ref = entry.get("ref")
        files = entry.get("file")
        names = [f for f in files if isinstance(f, str)] if isinstance(files, YamlSeq) else [files]
        target = f"{project}:{','.join(str(n) for n in names)}"
        yield Include(
            kind="project",
            target=target,
            ref=ref if isinstance(ref, str) else None,
            location=entry.at("project"),
        )


def _merge(base: YamlMap, top: YamlMap) -> YamlMap:
    """`top` deep-merged over `base`, as GitLab merges includes and `extends`."""
    result = YamlMap(top.location)
    for source in (base, top):
        for key, value in source.items():
            if key == "include":
                continue
            old = result.get(key)
            if isinstance(old, YamlMap) and isinstance(value, YamlMap):
                result[key] = _merge(old, value)
            else:
                result[key] = value
            result.key_at[key] = source.key_at.get(key, source.location)
            result.value_at[key] = source.value_at.get(key, source.location)
    return result


def _extended(name: str, merged: YamlMap, depth: int) -> YamlMap:
    job = merged.get(name)
    if not isinstance(job, YamlMap):
        return YamlMap(merged.location)
    parents = job.get("extends")
    names = [parents] if isinstance(parents, str) else list(parents or [])
    if depth >= _MAX_EXTENDS or not names:
        return job
    base = YamlMap(job.location)
    for parent in names:
        if isinstance(parent, str) and parent != name:
            base = _merge(base, _extended(parent, merged, depth + 1))
    return _merge(base, job)


def _job(name: str, job: YamlMap, where: Location, merged: YamlMap) -> Job:
    default = merged.get("default")
    defaults = default if isinstance(default, YamlMap) else merged
    steps: list[Step] = []
    for key in ("before_script", "script", "after_script"):
        source = job if key in job else defaults
        if key in source:
            value = source[key]
            for script in _scripts(value, source.value_location(key), merged, 0):
                steps.append(Step(location=script.location, scripts=(script,)))
    environment = job.get("environment")
    if isinstance(environment, YamlMap):
        action = str(environment.get("action", "start")).lower()
        environment = None if action in _NOT_A_DEPLOYMENT else environment.get("name")
    stage = job.get("stage")
    return Job(
        id=name,
        name=name,
        location=where,
        steps=tuple(steps),
        environment=environment if isinstance(environment, str) else None,
        needs=_needs(job.get("needs")),
        stage=stage if isinstance(stage, str) else "test",
        manual=str(job.get("when", "")).lower() == "manual",
        images=_images(job),
    )


def _scripts(value: Any, where: Location, merged: YamlMap, depth: int) -> Iterator[Script]:
    if isinstance(value, str):
        yield Script(text=value, location=where)
    elif isinstance(value, YamlSeq):
        for item, at in zip(value, value.item_at, strict=True):
            yield from _scripts(item, at, merged, depth)
    elif isinstance(value, Reference) and depth < _MAX_REFERENCES and value.path:
        target: Any = _extended(value.path[0], merged, 0)
        for part in value.path[1:]:
            target = target.get(part) if isinstance(target, YamlMap) else None
        yield from _scripts(target, value.location, merged, depth + 1)


def _needs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, YamlSeq):
        return ()
    names = [item.get("job") if isinstance(item, YamlMap) else item for item in value]
    return tuple(name for name in names if isinstance(name, str))


def _images(section: Any) -> tuple[Image, ...]:
    if not isinstance(section, YamlMap):
        return ()
    found: list[Image] = []
    image = section.get("image")
    if isinstance(image, YamlMap):
        if isinstance(image.get("name"), str):
            found.append(Image(ref=image["name"], location=image.value_location("name")))
    elif isinstance(image, str):
        found.append(Image(ref=image, location=section.value_location("image")))
    services = section.get("services")
    if isinstance(services, YamlSeq):
        for item, at in zip(services, services.item_at, strict=True):
            if isinstance(item, str):
                found.append(Image(ref=item, location=at))
            elif isinstance(item, YamlMap) and isinstance(item.get("name"), str):
                found.append(Image(ref=item["name"], location=item.value_location("name")))
    return tuple(found)
