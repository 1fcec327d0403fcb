"""How a Dockerfile builds its image: stages, the final base, its user and pinned bases."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator

from golive.checks._docker_cache import commands
from golive.checks._docker_model import Dockerfile, ImageRef, Stage
from golive.checks._docker_outcome import Problem, Reporter
from golive.checks._docker_parse import Instruction
from golive.checks._docker_rules import classify_base, runs_as_non_root
from golive.checks._docker_words import expand
from golive.model import Finding

__all__ = [
    "Review",
    "external_images",
    "review_base",
    "review_pins",
    "review_stages",
    "review_user",
]

Review = tuple[list[Problem], list[Finding]]  # the problems, and notes on how a file passed

_BUILDERS = frozenset(
    {"go", "cargo", "rustc", "make", "cmake", "ninja", "bazel", "mvn", "mvnw", "gradle"}
    | {"gradlew", "javac", "gcc", "g++", "cc", "clang", "dotnet", "npm", "yarn", "pnpm", "tsc"}
    | {"webpack", "pip", "pip3", "poetry", "uv", "mix", "bundle", "composer", "swift", "zig"}
)
_ROOT = frozenset({"root", "0"})


def review_stages(dockerfile: Dockerfile) -> Review:
    """docker.multi-stage: the final stage copies artefacts from a separate build stage."""
    report = Reporter(rule="docker.multi-stage", subject=dockerfile.path)
    final = dockerfile.final
    chain = dockerfile.chain(final)
    inside = {stage.index for stage in chain}
    links = [
        (instruction, source)
        for stage in chain
        for instruction, source in dockerfile.links(stage)
        if source.index not in inside
    ]
    if links:
        instruction, source = links[0]
        note = f"the final stage copies from the build {source.label}"
        return [], [report.note(note, instruction.location)]
    where = final.from_.location
    if len(dockerfile.stages) > 1:
        how = (
            f"it is FROM the {dockerfile.stages[final.parent].label}, so that stage's build "
            "tools ship too"
            if final.parent is not None
            else "it copies nothing --from an earlier stage"
        )
        message = f"{len(dockerfile.stages)} stages, but the final {final.label} is no separate "
        return [report.fail(f"{message}runtime stage: {how}", where)], []
    kind = classify_base(final.image) if final.image is not None else None
    if kind is not None and kind.minimal and not _builds(final):
        copies = final.of("COPY", "ADD")
        if copies:
            message = (
                f"single stage on the minimal base {final.base} with no build step: it copies in "
                "files built elsewhere (or scripts); build them in a stage of this Dockerfile to "
                "make the image reproducible from source"
            )
            return [report.warn(message, copies[0].location)], []
        message = (
            f"single stage on the minimal base {final.base} with no build step: nothing is "
            "built, so a separate build stage would have nothing to leave behind"
        )
        return [report.warn(message, where)], []
    message = (
        f"single stage on {final.base}: the tools and sources of the build ship in the image"
        if _builds(final)
        else f"single stage on {final.base}: no separate build stage"
    )
    return [report.fail(message, where)], []


def review_base(dockerfile: Dockerfile, allow: Iterable[str]) -> Review:
    """docker.minimal-base: the final stage's base, through the stages it is FROM."""
    report = Reporter(rule="docker.minimal-base", subject=dockerfile.path)
    final = dockerfile.final
    base = dockerfile.base_of(final)
    via = f" (the final {final.label} is FROM {base.label})" if base is not final else ""
    if base.unresolved:
        message = f"the base image {base.base} depends on {_args(base.unresolved)}{via}"
        return [report.unknown(message, base.from_.location)], []
    image = ImageRef.parse(base.base)
    where = dockerfile.locate(base.from_, base.base)
    if _allowed(image, allow):
        return [], [report.note(f"{image.text} is allowed by `allow`{via}", where)]
    kind = classify_base(image)
    if kind.minimal:
        return [], [report.note(f"{image.text}: {kind.why}{via}", where)]
    message = f"the final image is based on {image.text}: {kind.why}{via}"
    if kind.kind == "unrecognised":
        message += "; if it is minimal, list it in `allow`"
        return [report.warn(message, where, key=image.repository)], []
    return [report.fail(message, where, key=image.repository)], []


def review_user(dockerfile: Dockerfile) -> Review:
    """docker.non-root: the last USER of the final stage's chain is not root."""
    report = Reporter(rule="docker.non-root", subject=dockerfile.path)
    final = dockerfile.final
    for stage in dockerfile.chain(final):
        users = stage.of("USER")
        if not users:
            continue
        last = users[-1]
        value = expand(last.args, dockerfile.env_at(stage, until=last), escape=dockerfile.escape)
        if value.unresolved:
            message = f"USER {last.args}: {_args(value.unresolved)}, so the user is not known"
            return [report.unknown(message, last.location)], []
        user = value.items[0] if value.items else ""
        inherited = f" (inherited from the {stage.label})" if stage is not final else ""
        if user.partition(":")[0] in _ROOT:
            message = f"the image runs as root: USER {user}{inherited}"
            return [report.fail(message, last.location, key=user)], []
        return [], [report.note(f"USER {user}{inherited}", last.location)]
    base = dockerfile.base_of(final)
    reason = None if base.unresolved else runs_as_non_root(ImageRef.parse(base.base))
    if reason is not None:
        return [], [report.note(f"no USER, but {reason}", base.from_.location)]
    message = f"no USER instruction: the image runs as root (base {base.base})"
    return [report.fail(message, final.from_.location)], []


def review_pins(dockerfile: Dockerfile, *, strict: bool) -> Review:
    """docker.pinned-base: every external image has a tag other than latest (strict: a digest)."""
    report = Reporter(rule="docker.pinned-base", subject=dockerfile.path)
    problems: list[Problem] = []
    for instruction, written, unresolved in _external_images(dockerfile):
        if unresolved:
            problems.append(
                report.unknown(f"{written} depends on {_args(unresolved)}", instruction.location)
            )
            continue
        image = ImageRef.parse(written)
        unpinned = None if image.is_scratch else _unpinned(image, strict=strict)
        if unpinned is not None:
            where = dockerfile.locate(instruction, written)
            problems.append(report.fail(unpinned, where, key=image.text))
    return problems, []


def external_images(dockerfile: Dockerfile) -> int:
    """How many external images (not scratch) the Dockerfile names, for the facts."""
    return sum(not ImageRef.parse(w).is_scratch for _, w, _ in _external_images(dockerfile))


def _unpinned(image: ImageRef, *, strict: bool) -> str | None:
    if image.digest is not None and image.digest.startswith("sha256:"):
        return None
    if strict:
        return f"{image.text} is not pinned by an @sha256: digest"
    if image.tag is None and image.digest is None:
        return f"{image.text} has no tag: it pulls whatever latest is at build time"
    if image.tag == "latest":
        return f"{image.text} uses the moving latest tag"
    return None


def _external_images(
    dockerfile: Dockerfile,
) -> Iterator[tuple[Instruction, str, tuple[str, ...]]]:
    for stage in dockerfile.stages:
        if stage.parent is None:
            yield stage.from_, stage.base, stage.unresolved
        for instruction, ref in dockerfile.external_sources(stage):
            env = dockerfile.env_at(stage, until=instruction)
            value = expand(ref, env, escape=dockerfile.escape)
            yield instruction, value.items[0] if value.items else ref, tuple(value.unresolved)


def _builds(stage: Stage) -> bool:
    return any(
        command.program in _BUILDERS
        for instruction in stage.of("RUN")
        for command in commands(instruction.script)
    )


def _allowed(image: ImageRef, allow: Iterable[str]) -> bool:
    names = {image.text, image.repository, f"{image.repository}:{image.tag or ''}".rstrip(":")}
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in allow for name in names)


def _args(names: Iterable[str]) -> str:
    listed = ", ".join(dict.fromkeys(names))
    return f"build argument(s) {listed} with no default"
