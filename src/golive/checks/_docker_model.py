"""Parsed Dockerfiles: stages, their base images, `COPY --from` links and the final stage."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from golive.checks._docker_parse import DockerfileError, Instruction, lex
from golive.checks._docker_words import Env, assignments, expand, words
from golive.model import Location

__all__ = [
    "Dockerfile",
    "ImageRef",
    "Stage",
    "Unreadable",
    "parse_dockerfile",
]

# Set by the builder for every build (BuildKit's automatic platform arguments).
_AUTOMATIC = frozenset(
    {"BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETPLATFORM", "TARGETOS"}
    | {"TARGETARCH", "TARGETVARIANT", "TARGETSTAGE", "BUILDKIT_SYNTAX"}
)
_STAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, kw_only=True)
class ImageRef:
    """An image reference split into repository (with registry), tag and digest."""

    text: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        name, _, digest = text.partition("@")
        slash = name.rfind("/")
        colon = name.rfind(":")
        tag = name[colon + 1 :] if colon > slash else None
        repository = name[:colon] if colon > slash else name
        return cls(text=text, repository=repository, tag=tag, digest=digest or None)

    @property
    def name(self) -> str:
        """The last path segment of the repository (`distroless/static` -> `static`)."""
        return self.repository.rpartition("/")[2].lower()

    @property
    def is_scratch(self) -> bool:
        return self.repository.lower() == "scratch"


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One `FROM` and the instructions up to the next one."""

    index: int
    name: str | None  # the `AS name`, lower-cased as BuildKit compares it
    base: str  # the image after ARG substitution (or the earlier stage's name)
    unresolved: tuple[str, ...]  # variables of the FROM line with no known value
    parent: int | None  # the earlier stage this one is FROM, if any
    from_: Instruction
    instructions: tuple[Instruction, ...]

    @property
    def image(self) -> ImageRef | None:
        """The external base image (None when FROM names an earlier stage)."""
        return None if self.parent is not None else ImageRef.parse(self.base)

    @property
    def label(self) -> str:
        return f"stage {self.name!r}" if self.name else f"stage {self.index}"

    def of(self, *keywords: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword in keywords]


@dataclass(frozen=True, kw_only=True)
class Dockerfile:
    """A parsed Dockerfile: its stages in order, the last being the image that is shipped."""

    path: str
    escape: str
    stages: tuple[Stage, ...]
    global_args: Mapping[str, str | None]
    preamble: tuple[Instruction, ...]  # the ARGs before the first FROM
    comments: tuple[tuple[int, str], ...]
    lines: tuple[str, ...]

    @property
    def directory(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    @property
    def location(self) -> Location:
        return Location(path=self.path, line=1)

    def stage(self, ref: str, before: int) -> Stage | None:
        """The stage `ref` names (by name or number) among the stages before `before`."""
        earlier = self.stages[:before]
        if ref.isdigit():
            number = int(ref)
            return earlier[number] if number < len(earlier) else None
        lowered = ref.lower()
        return next((s for s in reversed(earlier) if s.name == lowered), None)

    def chain(self, stage: Stage) -> list[Stage]:
        """`stage`, the stage it is FROM, that one's, ... (the layers the image contains)."""
        found = [stage]
        while found[-1].parent is not None:
            found.append(self.stages[found[-1].parent])
        return found

    def base_of(self, stage: Stage) -> Stage:
        """The stage of the chain that names an external image (or scratch)."""
        return self.chain(stage)[-1]

    def links(self, stage: Stage) -> Iterator[tuple[Instruction, Stage]]:
        """The `COPY --from=` (and `RUN --mount=from=`) of `stage` that read earlier stages."""
        for instruction, ref in self._from_refs(stage):
            source = self.stage(ref, stage.index)
            if source is not None:
                yield instruction, source

    def external_sources(self, stage: Stage) -> Iterator[tuple[Instruction, str]]:
        """`COPY --from=image` and `RUN --mount=from=image` that read an image, not a stage
        (variables substituted where their values are known)."""
        for instruction, ref in self._from_refs(stage):
            if self.stage(ref, stage.index) is None:
                yield instruction, ref

    def _from_refs(self, stage: Stage) -> Iterator[tuple[Instruction, str]]:
        for instruction in stage.instructions:
            for ref in _sources(instruction):
                if "$" not in ref:
                    yield instruction, ref
                    continue
                env = self.env_at(stage, until=instruction)
                yield instruction, expand(ref, env, escape=self.escape).items[0]

    def locate(self, instruction: Instruction, needle: str) -> Location:
        """Where `needle` first appears in the lines of `instruction` (its start otherwise)."""
        for number in range(instruction.line, instruction.end_line + 1):
            column = self.lines[number - 1].find(needle) if number <= len(self.lines) else -1
            if column >= 0:
                return Location(path=self.path, line=number, column=column + 1)
        return instruction.location

    def sources(self, stage: Stage, instruction: Instruction) -> list[tuple[str, tuple[str, ...]]]:
        """The sources of a COPY or ADD, variables substituted (heredoc markers left out), each
        with the variables it names that have no value."""
        items = (
            list(instruction.exec_form)
            if instruction.exec_form is not None
            else words(instruction.args, escape=self.escape).items
        )
        if instruction.heredocs:
            items = [item for item in items if not item.startswith("<<")]
        env = self.env_at(stage, until=instruction)
        found: list[tuple[str, tuple[str, ...]]] = []
        for item in items[:-1]:
            value = expand(item, env, escape=self.escape)
            found.append((value.items[0] if value.items else item, tuple(value.unresolved)))
        return found

    def env_at(self, stage: Stage, until: Instruction | None = None) -> dict[str, str | None]:
        """ENV and ARG values in effect in `stage` before `until`.

        ENV values are inherited from the stage a FROM names; ARG values stay in their stage.
        """
        persisted: dict[str, str | None] = {}
        scoped: dict[str, str | None] = {}
        for ancestor in reversed(self.chain(stage)):
            scoped = {}
            for instruction in ancestor.instructions:
                if instruction is until:
                    break
                _declare(instruction, persisted, scoped, self.global_args, self.escape)
        return {**scoped, **persisted}


@dataclass(frozen=True, kw_only=True)
class Unreadable:
    """A Dockerfile that could not be parsed or read, and why."""

    path: str
    reason: str
    location: Location


def parse_dockerfile(text: str, path: str) -> Dockerfile:
    """Parse one Dockerfile; raises `DockerfileError` with the line BuildKit would refuse."""
    lexed = lex(text, path)
    global_args: dict[str, str | None] = {}
    preamble: list[Instruction] = []
    stages: list[Stage] = []
    current: list[Instruction] = []
    for instruction in lexed.instructions:
        if instruction.keyword == "FROM":
            if stages:
                stages[-1] = replace(stages[-1], instructions=tuple(current))
            current = []
            stages.append(_stage(instruction, len(stages), stages, global_args, lexed.escape))
        elif not stages:
            if instruction.keyword != "ARG":
                raise DockerfileError(
                    f"{instruction.keyword} before the first FROM (only ARG may come first)",
                    instruction.line,
                    instruction.column,
                )
            preamble.append(instruction)
            env = dict(global_args)
            for key, value in assignments(instruction.args, escape=lexed.escape, legacy=False):
                resolved = None if value is None else expand(value, env, escape=lexed.escape)
                global_args[key] = None if resolved is None else resolved.items[0]
        else:
            current.append(instruction)
    if not stages:
        raise DockerfileError("no FROM instruction: there is no stage to build", 1)
    stages[-1] = replace(stages[-1], instructions=tuple(current))
    return Dockerfile(
        path=path,
        escape=lexed.escape,
        stages=tuple(stages),
        global_args=global_args,
        preamble=tuple(preamble),
        comments=lexed.comments,
        lines=tuple(text.removeprefix("\ufeff").splitlines()),
    )


def _stage(
    instruction: Instruction,
    index: int,
    earlier: list[Stage],
    global_args: Mapping[str, str | None],
    escape: str,
) -> Stage:
    parts = words(instruction.args, escape=escape).items
    if len(parts) == 3 and parts[1].lower() == "as":
        image, name = parts[0], parts[2].lower()
        if not _STAGE_NAME.match(name):
            raise DockerfileError(f"invalid stage name {parts[2]!r}", instruction.line)
    elif len(parts) == 1:
        image, name = parts[0], None
    else:
        raise DockerfileError(
            "FROM takes an image and optionally `AS name`", instruction.line, instruction.column
        )
    env: dict[str, str | None] = dict(global_args)
    resolved = expand(image, env, escape=escape)
    unresolved = tuple(v for v in dict.fromkeys(resolved.unresolved) if v not in _AUTOMATIC)
    base = resolved.items[0] if resolved.items else image
    parent = next((s.index for s in reversed(earlier) if s.name == base.lower()), None)
    return Stage(
        index=index,
        name=name,
        base=base,
        unresolved=unresolved,
        parent=parent,
        from_=instruction,
        instructions=(),
    )


def _sources(instruction: Instruction) -> list[str]:
    if instruction.keyword in {"COPY", "ADD"}:
        ref = instruction.flag("from")
        return [ref] if ref else []
    if instruction.keyword == "RUN":
        found = []
        for mount in instruction.flag_values("mount"):
            options = dict(part.partition("=")[::2] for part in mount.split(","))
            if options.get("from"):
                found.append(options["from"])
        return found
    return []


def _declare(
    instruction: Instruction,
    persisted: dict[str, str | None],
    scoped: dict[str, str | None],
    global_args: Mapping[str, str | None],
    escape: str,
) -> None:
    if instruction.keyword not in {"ENV", "ARG"}:
        return
    is_env = instruction.keyword == "ENV"
    target = persisted if is_env else scoped
    for key, value in assignments(instruction.args, escape=escape, legacy=is_env):
        if value is None:  # `ARG NAME` takes the global default, if any
            target[key] = scoped.get(key, global_args.get(key))
            continue
        env: Env = {**scoped, **persisted}
        target[key] = expand(value, env, escape=escape).items[0]
