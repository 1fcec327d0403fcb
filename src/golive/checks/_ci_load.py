"""Finding and reading every CI configuration of a repository into `CiPipelines`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from golive.checks._ci_github import read_action, read_workflow
from golive.checks._ci_gitlab import read_gitlab
from golive.checks._ci_model import CiPipelines, InvalidConfigError, Pipeline, System, Unreadable
from golive.checks._ci_other import read_azure, read_bitbucket, read_circleci, read_jenkinsfile
from golive.checks._yaml import YamlError, parse_yaml
from golive.checks.repository import Repository
from golive.model import Finding, Location

__all__ = ["load_pipelines"]

_YAML = (".yml", ".yaml")
_MAX_ACTION_ROUNDS = 3  # composite actions that use other local actions
_Reader = Callable[[str, Any], Pipeline | None]


def load_pipelines(repo: Repository) -> CiPipelines:
    """Every CI configuration in `repo`, read; files that cannot be read become findings."""
    pipelines: list[Pipeline] = []
    unreadable: list[Unreadable] = []

    def problem(system: System, message: str, location: Location) -> None:
        finding = Finding(message=message, location=location, rule="ci.unreadable")
        unreadable.append(Unreadable(system=system, finding=finding))

    def load(path: str) -> Any:
        text = repo.text(path)
        if text is None:
            raise YamlError(
                "cannot be read as text (binary, not UTF-8, or larger than 2 MiB)",
                Location(path=path),
            )
        return parse_yaml(text, path)

    def read(system: System, path: str, reader: _Reader) -> None:
        try:
            pipeline = reader(path, load(path))
        except (YamlError, InvalidConfigError) as exc:
            problem(system, exc.message, exc.location)
            return
        if pipeline is not None:
            pipelines.append(pipeline)

    for path, system, reader in _yaml_files(repo):
        read(system, path, reader)
    _read_used_actions(repo, pipelines, read)
    gitlab = repo.find(".gitlab-ci.yml", ".gitlab-ci.yaml")
    if gitlab is not None:
        try:
            pipeline, problems = read_gitlab(gitlab, load, repo.glob)
        except InvalidConfigError as exc:
            problem("gitlab", exc.message, exc.location)
        else:
            pipelines.append(pipeline)
            unreadable.extend(Unreadable(system="gitlab", finding=f) for f in problems)
    for path in repo.files:
        if path == "Jenkinsfile" or path.startswith("Jenkinsfile."):
            text = repo.text(path)
            if text is None:
                problem("jenkins", "cannot be read as text", Location(path=path))
            else:
                pipelines.append(read_jenkinsfile(path, text))
    return CiPipelines(pipelines=tuple(pipelines), unreadable=tuple(unreadable))


def _yaml_files(repo: Repository) -> list[tuple[str, System, _Reader]]:
    """The CI files at their usual places (CI systems read them from the repository root)."""
    found: list[tuple[str, System, _Reader]] = []
    for path in repo.files:
        if not path.endswith(_YAML):
            continue
        directory, _, name = path.rpartition("/")
        stem = name.rsplit(".", 1)[0]
        if directory == ".github/workflows":
            found.append((path, "github", read_workflow))
        elif stem == "action" and (not directory or path.startswith(".github/")):
            found.append((path, "action", read_action))  # the repository's own actions
        elif directory == ".circleci" and stem == "config":
            found.append((path, "circleci", read_circleci))
        elif (not directory and stem == "azure-pipelines") or directory == ".azure-pipelines":
            found.append((path, "azure", read_azure))
        elif not directory and stem == "bitbucket-pipelines":
            found.append((path, "bitbucket", read_bitbucket))
    return found


def _read_used_actions(
    repo: Repository, pipelines: list[Pipeline], read: Callable[[System, str, _Reader], None]
) -> None:
    """Local actions the workflows use from elsewhere (`uses: ./tools/setup`), nested too."""
    known = {p.path for p in pipelines}
    for _ in range(_MAX_ACTION_ROUNDS):
        wanted = {
            step.uses.strip().removeprefix("./").strip("/")
            for pipeline in pipelines
            if pipeline.system in {"github", "action"}
            for job in pipeline.jobs
            for step in job.steps
            if step.uses and step.uses.startswith("./") and "/workflows/" not in step.uses
        }
        paths = [
            found
            for directory in sorted(wanted)
            if (found := repo.find("action.yml", "action.yaml", dirs=(directory,))) is not None
            and found not in known
        ]
        if not paths:
            return
        for path in paths:
            known.add(path)
            read("action", path, read_action)
