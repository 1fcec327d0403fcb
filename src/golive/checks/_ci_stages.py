"""Recognising the stages of CI pipelines from the commands, actions and names of their jobs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from golive.checks._ci_model import CiPipelines, Job, Pipeline, Step
from golive.checks._ci_rules import (
    action_stages,
    command_stages,
    is_setup,
    is_trivial,
    name_stages,
    synthesized_commands,
    task_target,
)
from golive.model import Location

__all__ = ["Evidence", "deploying_jobs", "detect_stages"]

_SHOWN_CHARS = 80
_MAX_ACTION_DEPTH = 3  # composite actions that use composite actions
_AFTER_DEPLOY_EVENTS = frozenset({"deployment", "deployment_status"})
_SEQUENTIAL = frozenset({"jenkins", "bitbucket"})  # jobs run in the order they are written
# GitLab templates and CI/CD components that bring whole stages with them.
_TEMPLATES = (
    ("auto-devops", ("build", "tests", "lint", "security-scan", "image-scan", "deploy")),
    ("container-scanning", ("image-scan",)),
    ("sast", ("security-scan",)),
    ("secret-detection", ("security-scan",)),
    ("dependency-scanning", ("security-scan",)),
    ("code-quality", ("lint",)),
    ("jobs/build", ("build",)),
    ("jobs/test", ("tests",)),
    ("jobs/deploy", ("deploy",)),
)


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """Where a stage was recognised: the job, the place, and how ("job 'test' runs ...")."""

    stage: str
    pipeline: Pipeline
    job: Job
    location: Location
    how: str
    order: tuple[int, int] = (0, 0)  # (step, sub-step) within the job
    named: bool = False  # recognised through a name together with a command
    after_deploy: bool = True  # for verify: whether it runs after a deploy


def detect_stages(ci: CiPipelines) -> list[Evidence]:
    """Every piece of evidence for every stage; verify marks whether it follows a deploy."""
    found: list[Evidence] = []
    for pipeline in ci.pipelines:
        if pipeline.system == "action":
            continue  # composite actions count where a workflow uses them
        found.extend(_includes(pipeline))
        for job in pipeline.jobs:
            found.extend(_job_evidence(ci, pipeline, job))
    deploys = [e for e in found if e.stage == "deploy"]
    return [
        replace(e, after_deploy=_after_deploy(e, deploys)) if e.stage == "verify" else e
        for e in found
    ]


def deploying_jobs(ci: CiPipelines) -> frozenset[tuple[str, str]]:
    """(path, job id) of every job that deploys, releases or rolls back."""
    return frozenset(
        (e.pipeline.path, e.job.id) for e in detect_stages(ci) if e.stage in {"deploy", "rollback"}
    )


def _includes(pipeline: Pipeline) -> Iterator[Evidence]:
    for include in pipeline.includes:
        if include.kind not in {"template", "component"}:
            continue
        target = include.target.lower()
        for key, stages in _TEMPLATES:
            if key in target:
                job = Job(id=include.target, name=include.target, location=include.location)
                for stage in stages:
                    yield Evidence(
                        stage=stage,
                        pipeline=pipeline,
                        job=job,
                        location=include.location,
                        how=f"the {include.kind} {include.target} is included",
                    )
                break


def _steps(ci: CiPipelines, steps: tuple[Step, ...], depth: int) -> Iterator[tuple[int, Step]]:
    """Each step with its index, the steps of local composite actions expanded in place."""
    for index, step in enumerate(steps):
        yield index, step
        if step.uses and step.uses.startswith("./") and depth < _MAX_ACTION_DEPTH:
            action = ci.action_at(step.uses)
            if action is not None:
                for _, inner in _steps(ci, action.jobs[0].steps, depth + 1):
                    yield index, inner


def _commands(step: Step) -> list[tuple[Location, str]]:
    lines = [line for script in step.scripts for line in script.lines()]
    if step.uses:
        where = step.uses_at or step.location
        lines += [(where, line) for line in synthesized_commands(step.uses, step.inputs)]
    return lines


def _job_evidence(ci: CiPipelines, pipeline: Pipeline, job: Job) -> list[Evidence]:
    def make(
        stage: str, where: Location, how: str, order: tuple[int, int], named: bool
    ) -> Evidence:
        return Evidence(
            stage=stage,
            pipeline=pipeline,
            job=job,
            location=where,
            how=f"job '{job.name}' {how}",
            order=order,
            named=named,
        )

    found: list[Evidence] = []
    busy = False  # whether any step does something (for environments)
    unexplained: tuple[Location, str] | None = None  # the first task no stage was seen in
    for sub, (index, step) in enumerate(_steps(ci, job.steps, 0)):
        order = (index, sub)
        seen: list[Evidence] = []
        substantive: tuple[Location, str] | None = None
        if step.uses:
            where = step.uses_at or step.location
            seen += [
                make(stage, where, f"uses {step.uses}", order, False)
                for stage in action_stages(step.uses, step.inputs)
            ]
            if not is_setup(step.uses) and not step.uses.startswith("./"):
                substantive = (where, f"uses {step.uses}")
        for where, line in _commands(step):
            shown = f"runs `{_short(line)}`"
            stages = {stage for stage, _ in command_stages(line)}
            target = task_target(line)
            if target is not None:
                stages |= name_stages(target)
                if not stages:
                    unexplained = unexplained or (where, shown)
            seen += [make(stage, where, shown, order, False) for stage in sorted(stages)]
            if substantive is None and not is_trivial(line):
                substantive = (where, shown)
        if substantive is not None:
            busy = True
            if not seen:  # a name explains only what the commands do not
                how = f"(step '{step.name}') {substantive[1]}"
                seen += [
                    make(stage, substantive[0], how, order, True)
                    for stage in sorted(name_stages(step.name or ""))
                ]
        found += seen
    stages = {e.stage for e in found}
    if unexplained is not None:
        how = unexplained[1]
        named = (name_stages(job.name) | name_stages(job.id)) - stages
        found += [make(stage, unexplained[0], how, (0, 0), True) for stage in sorted(named)]
        stages |= named
    if job.environment and not stages & {"deploy", "rollback"} and busy:
        how = f"targets the environment '{job.environment}'"
        found.append(make("deploy", job.location, how, (len(job.steps), 0), True))
        stages.add("deploy")
    if "deploy" in stages and "rollback" not in stages and _manual_rollback(pipeline, job):
        how = "is started by hand and deploys"
        found.append(make("rollback", job.location, how, (0, 0), True))
    return found


def _manual_rollback(pipeline: Pipeline, job: Job) -> bool:
    if "rollback" not in name_stages(job.name) | name_stages(job.id):
        return False
    if pipeline.system == "github":
        return "workflow_dispatch" in pipeline.triggers
    if pipeline.system in {"gitlab", "bitbucket"}:
        return job.manual
    return True


def _after_deploy(verify: Evidence, deploys: list[Evidence]) -> bool:
    pipeline, job = verify.pipeline, verify.job
    if pipeline.triggers.keys() & _AFTER_DEPLOY_EVENTS:
        return True
    if "workflow_run" in pipeline.triggers and deploys:
        return True
    same = [d for d in deploys if d.pipeline.path == pipeline.path]
    if any(d.job.id == job.id and d.order < verify.order for d in same):
        return True
    before = _needed(pipeline, job)
    if any(d.job.id in before for d in same):
        return True
    if pipeline.stages and job.stage in pipeline.stages:
        position = pipeline.stages.index(job.stage)
        if any(d.job.stage in pipeline.stages[:position] for d in same):
            return True
    if pipeline.system in _SEQUENTIAL:
        ids = [j.id for j in pipeline.jobs]
        return any(ids.index(d.job.id) < ids.index(job.id) for d in same if d.job.id in ids)
    return False


def _needed(pipeline: Pipeline, job: Job) -> set[str]:
    """The ids of every job that must finish before `job` starts (`needs`, transitively)."""
    by_id = {j.id: j for j in pipeline.jobs}
    seen: set[str] = set()
    pending = list(job.needs)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(by_id[name].needs if name in by_id else ())
    return seen


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."
