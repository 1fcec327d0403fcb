"""GitHub Actions: workflows and local composite actions as pipelines, jobs and steps."""

from __future__ import annotations

from typing import Any

from golive.checks._ci_model import (
    Image,
    InvalidConfigError,
    Job,
    Permissions,
    Pipeline,
    Script,
    Step,
)
from golive.checks._yaml import YamlMap, YamlSeq
from golive.model import Location

__all__ = ["read_action", "read_workflow"]


def read_workflow(path: str, data: Any) -> Pipeline:
    """A parsed `.github/workflows/*.yml` file as a pipeline."""
    if not isinstance(data, YamlMap):
        raise InvalidConfigError(
            "a workflow must be a mapping with `on:` and `jobs:`", _start(path)
        )
    jobs = data.get("jobs")
    if not isinstance(jobs, YamlMap) or not jobs:
        raise InvalidConfigError("the workflow has no `jobs:` mapping", data.at("jobs"))
    return Pipeline(
        system="github",
        path=path,
        name=_text(data.get("name")),
        jobs=tuple(_job(job_id, jobs[job_id], jobs.at(job_id)) for job_id in jobs),
        triggers=_triggers(data, "on"),
        permissions=_permissions(data, "permissions"),
        files=(path,),
    )


def read_action(path: str, data: Any) -> Pipeline | None:
    """A local composite action (`action.yml` with `runs.using: composite`); None otherwise."""
    if not isinstance(data, YamlMap):
        return None
    runs = data.get("runs")
    if not isinstance(runs, YamlMap) or str(runs.get("using", "")).lower() != "composite":
        return None
    name = _text(data.get("name")) or path.rpartition("/")[0] or path
    job = Job(id="composite", name=name, location=runs.location, steps=_steps(runs.get("steps")))
    return Pipeline(system="action", path=path, name=name, jobs=(job,), files=(path,))


def _job(job_id: str, value: Any, where: Location) -> Job:
    if not isinstance(value, YamlMap):
        return Job(id=job_id, name=job_id, location=where)
    uses = value.get("uses")
    return Job(
        id=job_id,
        name=_text(value.get("name")) or job_id,
        location=where,
        steps=_steps(value.get("steps")),
        uses=uses if isinstance(uses, str) else None,
        uses_at=value.at("uses") if isinstance(uses, str) else None,
        environment=_environment(value.get("environment")),
        permissions=_permissions(value, "permissions"),
        needs=_names(value.get("needs")),
        images=_images(value),
    )


def _steps(value: Any) -> tuple[Step, ...]:
    if not isinstance(value, YamlSeq):
        return ()
    steps = []
    for item, where in zip(value, value.item_at, strict=True):
        if not isinstance(item, YamlMap):
            continue
        uses, run = item.get("uses"), item.get("run")
        scripts = (
            (Script(text=run, location=item.value_location("run")),) if isinstance(run, str) else ()
        )
        steps.append(
            Step(
                name=_text(item.get("name")),
                location=where,
                uses=uses if isinstance(uses, str) else None,
                uses_at=item.at("uses") if isinstance(uses, str) else None,
                inputs=_inputs(item.get("with")),
                scripts=scripts,
            )
        )
    return tuple(steps)


def _triggers(data: YamlMap, key: str) -> dict[str, Location]:
    value = data.get(key)
    if isinstance(value, str):
        return {value: data.value_location(key)}
    if isinstance(value, YamlSeq):
        return {str(v): at for v, at in zip(value, value.item_at, strict=True) if v is not None}
    if isinstance(value, YamlMap):
        return {event: value.at(event) for event in value}
    return {}


def _permissions(data: YamlMap, key: str) -> Permissions | None:
    if key not in data:
        return None
    value = data[key]
    where = data.at(key)
    if isinstance(value, YamlMap):
        return Permissions(
            location=where,
            scopes={scope: str(access).strip().lower() for scope, access in value.items()},
            scope_at={scope: value.at(scope) for scope in value},
        )
    if value is None:
        return Permissions(location=where)  # `permissions:` left empty grants nothing
    return Permissions(location=where, preset=str(value).strip().lower())


def _environment(value: Any) -> str | None:
    if isinstance(value, YamlMap):
        return _text(value.get("name"))
    return _text(value)


def _images(job: YamlMap) -> tuple[Image, ...]:
    found: list[Image] = []
    container = job.get("container")
    if isinstance(container, str):
        found.append(Image(ref=container, location=job.value_location("container")))
    elif isinstance(container, YamlMap) and isinstance(container.get("image"), str):
        found.append(Image(ref=container["image"], location=container.value_location("image")))
    services = job.get("services")
    if isinstance(services, YamlMap):
        for service in services.values():
            if isinstance(service, YamlMap) and isinstance(service.get("image"), str):
                found.append(Image(ref=service["image"], location=service.value_location("image")))
    return tuple(found)


def _inputs(value: Any) -> dict[str, str]:
    if not isinstance(value, YamlMap):
        return {}
    return {key: str(v) for key, v in value.items() if v is not None}


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, YamlSeq):
        return tuple(str(v) for v in value if isinstance(v, str))
    return ()


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _start(path: str) -> Location:
    return Location(path=path, line=1, column=1)
