"""Azure Pipelines, CircleCI, Bitbucket Pipelines and Jenkinsfiles, read for the commands they run.

These are read only far enough to recognise stages: jobs, their names, the scripts they run and
the tasks (Azure), orb commands (CircleCI) or pipes (Bitbucket) they use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from golive.checks._ci_model import InvalidConfigError, Job, Pipeline, Script, Step
from golive.checks._yaml import YamlMap, YamlSeq
from golive.model import Location

__all__ = ["read_azure", "read_bitbucket", "read_circleci", "read_jenkinsfile"]

_AZURE_SCRIPTS = ("script", "bash", "pwsh", "powershell")


def read_azure(path: str, data: Any) -> Pipeline:
    """`azure-pipelines.yml`: stages, jobs and deployment jobs, script steps and tasks."""
    root = _mapping(path, data)
    jobs: list[Job] = []
    stages: list[str] = []
    for node, stage in _walk_azure(root, None):
        if isinstance(node.get("stage"), str) and node is not root:
            stages.append(node["stage"])
            continue
        job_id = node.get("job") or node.get("deployment")
        environment = node.get("environment")
        if isinstance(environment, YamlMap):
            environment = environment.get("name")
        jobs.append(
            Job(
                id=str(job_id),
                name=str(node.get("displayName") or job_id),
                location=node.location,
                steps=tuple(_azure_steps(node)),
                environment=environment if isinstance(environment, str) else None,
                needs=_names(node.get("dependsOn")),
                stage=stage,
            )
        )
    if not jobs:  # a single-job pipeline: `steps:` at the top
        steps = tuple(_azure_steps(root))
        jobs.append(Job(id="pipeline", name="pipeline", location=root.location, steps=steps))
    return Pipeline(
        system="azure", path=path, jobs=tuple(jobs), stages=tuple(stages), files=(path,)
    )


def _walk_azure(node: Any, stage: str | None) -> Iterator[tuple[YamlMap, str | None]]:
    """Stage mappings and job mappings (`job:` / `deployment:`), with their stage."""
    if isinstance(node, YamlSeq):
        for item in node:
            yield from _walk_azure(item, stage)
    elif isinstance(node, YamlMap):
        if isinstance(node.get("job"), str) or isinstance(node.get("deployment"), str):
            yield node, stage
            return
        if isinstance(node.get("stage"), str):
            yield node, node["stage"]
            stage = node["stage"]
        for value in node.values():
            yield from _walk_azure(value, stage)


def _azure_steps(node: Any) -> Iterator[Step]:
    if isinstance(node, YamlSeq):
        for item in node:
            yield from _azure_steps(item)
        return
    if not isinstance(node, YamlMap):
        return
    scripts = tuple(
        Script(text=node[key], location=node.value_location(key))
        for key in _AZURE_SCRIPTS
        if isinstance(node.get(key), str)
    )
    task = node.get("task")
    if scripts or isinstance(task, str):
        inputs = node.get("inputs")
        yield Step(
            name=_text(node.get("displayName")),
            location=node.location,
            uses=task if isinstance(task, str) else None,
            uses_at=node.at("task") if isinstance(task, str) else None,
            inputs={k: str(v) for k, v in inputs.items()} if isinstance(inputs, YamlMap) else {},
            scripts=scripts,
        )
        return
    for value in node.values():
        yield from _azure_steps(value)


def read_circleci(path: str, data: Any) -> Pipeline:
    """`.circleci/config.yml`: jobs, their `run` steps and orb commands, workflow `requires`."""
    root = _mapping(path, data)
    requires: dict[str, tuple[str, ...]] = {}
    workflows = root.get("workflows")
    for workflow in workflows.values() if isinstance(workflows, YamlMap) else ():
        listed = workflow.get("jobs") if isinstance(workflow, YamlMap) else None
        for entry in listed if isinstance(listed, YamlSeq) else ():
            if isinstance(entry, YamlMap):
                for name, options in entry.items():
                    if isinstance(options, YamlMap):
                        requires[name] = _names(options.get("requires"))
    jobs = root.get("jobs")
    if not isinstance(jobs, YamlMap):
        jobs = YamlMap(root.location)
    found: list[Job] = []
    for job_id, job in jobs.items():
        steps = job.get("steps") if isinstance(job, YamlMap) else None
        found.append(
            Job(
                id=job_id,
                name=job_id,
                location=jobs.at(job_id),
                steps=tuple(_circle_steps(steps)),
                needs=requires.get(job_id, ()),
            )
        )
    return Pipeline(system="circleci", path=path, jobs=tuple(found), files=(path,))


def _circle_steps(steps: Any) -> Iterator[Step]:
    for item, where in zip(steps, steps.item_at, strict=True) if isinstance(steps, YamlSeq) else ():
        if isinstance(item, str):
            yield Step(location=where, uses=item)
        elif isinstance(item, YamlMap):
            for key, value in item.items():
                if key == "run":
                    command = value.get("command") if isinstance(value, YamlMap) else value
                    at = value.value_location("command") if isinstance(value, YamlMap) else None
                    name = value.get("name") if isinstance(value, YamlMap) else None
                    if isinstance(command, str):
                        yield Step(
                            name=_text(name),
                            location=where,
                            scripts=(
                                Script(text=command, location=at or item.value_location("run")),
                            ),
                        )
                else:
                    inputs = (
                        {k: str(v) for k, v in value.items()} if isinstance(value, YamlMap) else {}
                    )
                    yield Step(location=where, uses=key, uses_at=item.at(key), inputs=inputs)


def read_bitbucket(path: str, data: Any) -> Pipeline:
    """`bitbucket-pipelines.yml`: every `step:` as a job, its scripts and pipes."""
    root = _mapping(path, data)
    jobs: list[Job] = []
    seen: set[Location] = set()
    for step in _bitbucket_steps(root):
        if step.location in seen:
            continue  # a step defined once and used by several pipelines
        seen.add(step.location)
        name = _text(step.get("name")) or f"step {len(jobs) + 1}"
        steps: list[Step] = []
        for key in ("script", "after-script"):
            items = step.get(key)
            for item, where in (
                zip(items, items.item_at, strict=True) if isinstance(items, YamlSeq) else ()
            ):
                if isinstance(item, str):
                    steps.append(Step(location=where, scripts=(Script(text=item, location=where),)))
                elif isinstance(item, YamlMap) and isinstance(item.get("pipe"), str):
                    variables = item.get("variables")
                    steps.append(
                        Step(
                            location=where,
                            uses=item["pipe"],
                            uses_at=item.at("pipe"),
                            inputs={k: str(v) for k, v in variables.items()}
                            if isinstance(variables, YamlMap)
                            else {},
                        )
                    )
        deployment = step.get("deployment")
        jobs.append(
            Job(
                id=name,
                name=name,
                location=step.location,
                steps=tuple(steps),
                environment=deployment if isinstance(deployment, str) else None,
                manual=str(step.get("trigger", "")).lower() == "manual",
            )
        )
    return Pipeline(system="bitbucket", path=path, jobs=tuple(jobs), files=(path,))


def _bitbucket_steps(node: Any) -> Iterator[YamlMap]:
    if isinstance(node, YamlSeq):
        for item in node:
            yield from _bitbucket_steps(item)
    elif isinstance(node, YamlMap):
        for key, value in node.items():
            if key == "step" and isinstance(value, YamlMap):
                yield value
            else:
                yield from _bitbucket_steps(value)


_STAGE = re.compile(r"""\bstage\s*\(\s*(?:name\s*:\s*)?(['"])(?P<name>.+?)\1""")
_SHELL = re.compile(
    r"""^\s*(?:sh|bat|powershell|pwsh)\b\s*\(?\s*(?:script\s*:\s*)?(?P<q>'''|\"\"\"|'|")(?P<body>.*)$"""
)


def read_jenkinsfile(path: str, text: str) -> Pipeline:
    """A Jenkinsfile: each `stage('...')` is a job; `sh`/`bat` commands are its steps."""
    jobs: list[Job] = []
    current: tuple[str, Location] = ("pipeline", Location(path=path, line=1))
    steps: list[Step] = []
    block: tuple[str, Location, list[str]] | None = None  # an open  shell block

    def close(name: str, where: Location) -> None:
        if steps or name != "pipeline":
            jobs.append(Job(id=name, name=name, location=where, steps=tuple(steps)))

    for number, line in enumerate(text.splitlines(), start=1):
        where = Location(path=path, line=number)
        if block is not None:
            quote, start, collected = block
            content, closed, _ = line.partition(quote)
            collected.append(content)
            if closed:
                script = Script(text="\n".join(collected), location=start)
                steps.append(Step(location=start, scripts=(script,)))
                block = None
            continue
        stage = _STAGE.search(line)
        if stage:
            close(*current)
            current, steps = (stage.group("name"), where), []
        shell = _SHELL.match(line)
        if shell:
            quote, body = shell.group("q"), shell.group("body")
            content, closed, _ = body.partition(quote)
            if len(quote) == 3 and not closed:
                start = where if content.strip() else Location(path=path, line=number + 1)
                block = (quote, start, [content] if content.strip() else [])
            else:
                steps.append(Step(location=where, scripts=(Script(text=content, location=where),)))
    close(*current)
    return Pipeline(system="jenkins", path=path, jobs=tuple(jobs), files=(path,))


def _mapping(path: str, data: Any) -> YamlMap:
    if not isinstance(data, YamlMap):
        raise InvalidConfigError("the pipeline must be a mapping", Location(path=path, line=1))
    return data


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, YamlSeq):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
