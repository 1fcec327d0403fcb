"""The CI configuration of a repository as golive reads it: pipelines, jobs, steps and scripts."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from golive.model import Finding, Location

__all__ = [
    "CiPipelines",
    "Image",
    "Include",
    "InvalidConfigError",
    "Job",
    "Permissions",
    "Pipeline",
    "Script",
    "Step",
    "System",
    "Unreadable",
]

System = str  # "github", "action" (a local composite action), "gitlab", "azure", "circleci",
# "bitbucket", "jenkins"

_CONTINUED = re.compile(r"\\\s*$")


class InvalidConfigError(Exception):
    """YAML that is not a configuration of its kind; `location` is where that shows."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


@dataclass(frozen=True, kw_only=True)
class Script:
    """Shell text a step runs; `location` is where its first line is written."""

    text: str
    location: Location

    def lines(self) -> Iterator[tuple[Location, str]]:
        """Each command line (continuation lines joined, comments and blanks left out)."""
        pending: list[str] = []
        start = 0
        for offset, raw in enumerate(self.text.splitlines()):
            line = raw.strip()
            if not pending:
                start = offset
                if not line or line.startswith("#"):
                    continue
            if _CONTINUED.search(line):
                pending.append(_CONTINUED.sub("", line).rstrip())
                continue
            pending.append(line)
            yield self._at(start), " ".join(pending)
            pending = []
        if pending:
            yield self._at(start), " ".join(pending)

    def _at(self, offset: int) -> Location:
        where = self.location
        if where.line is None:
            return where
        return Location(
            path=where.path,
            line=where.line + offset,
            column=where.column if offset == 0 else None,
        )


@dataclass(frozen=True, kw_only=True)
class Step:
    """One step of a job: an action or task it uses, with its inputs, and the scripts it runs."""

    name: str | None = None
    location: Location
    uses: str | None = None  # a GitHub action, a reusable workflow, an Azure task
    uses_at: Location | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)  # `with:` / `inputs:`
    scripts: tuple[Script, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Permissions:
    """A GitHub `permissions:` block: `read-all`, `write-all`, or scopes (`{}` grants none)."""

    location: Location
    preset: str | None = None  # "read-all" / "write-all" (or whatever else was written)
    scopes: Mapping[str, str] = field(default_factory=dict)  # scope -> read / write / none
    scope_at: Mapping[str, Location] = field(default_factory=dict)

    @property
    def writes(self) -> tuple[str, ...]:
        return tuple(scope for scope, access in self.scopes.items() if access == "write")


@dataclass(frozen=True, kw_only=True)
class Image:
    """A container image a job runs in (GitLab `image:`/`services:`, GitHub `container:`)."""

    ref: str
    location: Location


@dataclass(frozen=True, kw_only=True)
class Include:
    """A GitLab `include:` entry: local, remote, project, template or component."""

    kind: str
    target: str
    ref: str | None = None
    location: Location


@dataclass(frozen=True, kw_only=True)
class Job:
    """One job (a GitLab job, a GitHub job, a Jenkins stage, a Bitbucket step)."""

    id: str
    name: str
    location: Location
    steps: tuple[Step, ...] = ()
    uses: str | None = None  # a GitHub job that calls a reusable workflow
    uses_at: Location | None = None
    environment: str | None = None  # the deployment environment the job targets
    permissions: Permissions | None = None
    needs: tuple[str, ...] = ()
    stage: str | None = None
    manual: bool = False  # started by hand (GitLab `when: manual`)
    images: tuple[Image, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Pipeline:
    """One CI configuration: a GitHub workflow, a composite action, the GitLab pipeline, ..."""

    system: System
    path: str
    name: str | None = None
    jobs: tuple[Job, ...] = ()
    triggers: Mapping[str, Location] = field(default_factory=dict)  # GitHub `on:` events
    permissions: Permissions | None = None
    stages: tuple[str, ...] = ()  # GitLab and Azure stages, in order
    includes: tuple[Include, ...] = ()
    images: tuple[Image, ...] = ()  # images outside any job (GitLab top-level / `default:`)
    files: tuple[str, ...] = ()  # every file this pipeline was read from


@dataclass(frozen=True, kw_only=True)
class Unreadable:
    """A CI file golive could not read, as a finding, and the system it belongs to."""

    system: System
    finding: Finding


@dataclass(frozen=True, kw_only=True)
class CiPipelines:
    """Every CI configuration of the repository (the `ci_pipelines` fixture)."""

    pipelines: tuple[Pipeline, ...] = ()
    unreadable: tuple[Unreadable, ...] = ()

    def of(self, *systems: System) -> tuple[Pipeline, ...]:
        return tuple(p for p in self.pipelines if p.system in systems)

    def unreadable_in(self, *systems: System) -> tuple[Finding, ...]:
        return tuple(u.finding for u in self.unreadable if u.system in systems)

    def action_at(self, directory: str) -> Pipeline | None:
        """The local composite action in `directory` (`./.github/actions/setup`)."""
        wanted = directory.strip().removeprefix("./").strip("/")
        for pipeline in self.of("action"):
            if pipeline.path.rpartition("/")[0] == wanted:
                return pipeline
        return None

    @property
    def systems(self) -> frozenset[System]:
        return frozenset(
            [p.system for p in self.pipelines] + [u.system for u in self.unreadable]
        ) - {"action"}
