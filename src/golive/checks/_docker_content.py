"""What goes into the image's layers: secrets, ADD, package caches, and the .dockerignore."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from golive.checks._docker_build import Review
from golive.checks._docker_cache import cache_issues
from golive.checks._docker_context import BuildContext, clean_path
from golive.checks._docker_model import Dockerfile, Stage
from golive.checks._docker_outcome import Problem, Reporter
from golive.checks._docker_parse import Instruction
from golive.checks._docker_rules import is_secret_name, is_secret_value, sensitive_file
from golive.checks._docker_words import assignments
from golive.model import Location

__all__ = ["review_add", "review_caches", "review_ignore", "review_secrets"]

_URL = re.compile(r"^(?:https?|git|ssh)://|^git@", re.IGNORECASE)
_ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")
_ARCHIVES_MORE = (".tar.zst", ".tzst", ".tar.lz", ".tar.lzma")
_GLOB = re.compile(r"[*?\[]")


def review_secrets(dockerfile: Dockerfile, context: BuildContext) -> Review:
    """docker.no-secrets: literal secrets in ENV/ARG, secret files in COPY/ADD."""
    report = Reporter(rule="docker.no-secrets", subject=dockerfile.path)
    problems: list[Problem] = []
    shipped = {stage.index for stage in dockerfile.chain(dockerfile.final)}
    declarations = [*dockerfile.preamble, *(i for s in dockerfile.stages for i in s.instructions)]
    for instruction in declarations:
        if instruction.keyword not in {"ENV", "ARG"}:
            continue
        legacy = instruction.keyword == "ENV"
        for name, value in assignments(instruction.args, escape=dockerfile.escape, legacy=legacy):
            if is_secret_name(name) and is_secret_value(value):
                message = (
                    f"{instruction.keyword} {name} is set to a literal value in the Dockerfile "
                    "(the value is not shown)"
                )
                where = dockerfile.locate(instruction, name)
                problems.append(report.fail(message, where, key=f"{instruction.keyword} {name}"))
    for stage in dockerfile.stages:
        for instruction in stage.of("COPY", "ADD"):
            if instruction.flag("from"):
                continue
            for path, kind in _secret_files(dockerfile, stage, instruction, context):
                copies = f"{instruction.keyword} copies {path} ({kind}) into"
                if stage.index in shipped:
                    message = f"{copies} the image"
                    problems.append(report.fail(message, instruction.location, key=path))
                else:
                    message = (
                        f"{copies} the build {stage.label}: not shipped, but kept in the build "
                        "cache; use RUN --mount=type=secret"
                    )
                    problems.append(report.warn(message, instruction.location, key=path))
    return problems, []


def review_add(dockerfile: Dockerfile) -> tuple[list[Problem], int]:
    """docker.copy-not-add: the problems, and how many ADDs unpack a local archive."""
    report = Reporter(rule="docker.copy-not-add", subject=dockerfile.path)
    problems: list[Problem] = []
    archives = 0
    for stage in dockerfile.stages:
        for instruction in stage.of("ADD"):
            local: list[str] = []
            if instruction.heredocs:
                local.append("<<" + instruction.heredocs[0].word)
            for source, unresolved in dockerfile.sources(stage, instruction):
                if unresolved:
                    message = f"ADD {source}: the source depends on {', '.join(unresolved)}"
                    problems.append(report.unknown(message, instruction.location, key=source))
                elif _URL.match(source):
                    if instruction.flag("checksum") is None:
                        message = f"ADD downloads {source} without --checksum"
                        problems.append(report.warn(message, instruction.location, key=source))
                elif source.lower().endswith(_ARCHIVES + _ARCHIVES_MORE):
                    archives += 1
                else:
                    local.append(source)
            if local:
                listed = ", ".join(f"`{path}`" for path in local)
                message = f"ADD of local {listed}: use COPY"
                problems.append(report.fail(message, instruction.location, key=" ".join(local)))
    return problems, archives


def review_caches(dockerfile: Dockerfile) -> tuple[list[Problem], int]:
    """docker.cache-cleaned: the problems in the shipped stages, and the count in build stages."""
    report = Reporter(rule="docker.cache-cleaned", subject=dockerfile.path)
    shipped = {stage.index for stage in dockerfile.chain(dockerfile.final)}
    problems: list[Problem] = []
    elsewhere = 0
    for stage in dockerfile.stages:
        for instruction in stage.of("RUN"):
            issues = cache_issues(instruction, dockerfile.env_at(stage, until=instruction))
            if stage.index not in shipped:
                elsewhere += len(issues)
                continue
            for issue in issues:
                message = f"{issue.manager} leaves its cache in the layer: no {issue.missing}"
                where = dockerfile.locate(instruction, issue.needle)
                problems.append(report.fail(message, where, key=f"{issue.manager} {where.line}"))
    return problems, elsewhere


def review_ignore(path: str, context: BuildContext) -> Review:
    """docker.dockerignore: a .dockerignore for the build context that excludes .git."""
    report = Reporter(rule="docker.dockerignore", subject=path)
    if not context.ignores:
        places = [context.directory, path.rpartition("/")[0], ""]
        looked = ", ".join(f"{place or '.'}/.dockerignore" for place in dict.fromkeys(places))
        message = (
            f"no .dockerignore for the build context (looked for {looked}): everything in it, "
            ".git included, is sent to the builder"
        )
        return [report.fail(message, Location(path=path, line=1))], []
    ignore = context.ignores[0]
    if not ignore.readable:
        return [report.unknown(f"{ignore.path} cannot be read", ignore.location_of(None))], []
    rule = ignore.rule_for(".git/HEAD")
    if rule is None or rule.negated:
        message = f"{ignore.path} does not exclude .git"
        return [report.fail(message, ignore.location_of(rule))], []
    note = f"{ignore.path} excludes .git with `{rule.pattern}`"
    return [], [report.note(note, ignore.location_of(rule))]


def _secret_files(
    dockerfile: Dockerfile, stage: Stage, instruction: Instruction, context: BuildContext
) -> Iterator[tuple[str, str]]:
    ignore = context.effective
    for source, unresolved in dockerfile.sources(stage, instruction):
        if unresolved or _URL.match(source):
            continue
        cleaned = clean_path(source)
        kind = sensitive_file(cleaned) if cleaned else None
        if kind is not None and not _GLOB.search(cleaned):
            if ignore is None or not ignore.excludes(cleaned):
                yield cleaned, kind
            continue
        for path in _matching(cleaned, context.files):
            kind = sensitive_file(path)
            if kind is not None and (ignore is None or not ignore.excludes(path)):
                yield path, kind


def _matching(source: str, files: tuple[str, ...]) -> Iterator[str]:
    """The context's files a COPY source takes: all for `.`, a folder's, or a glob's."""
    if not source:
        yield from files
        return
    if _GLOB.search(source):
        depth = source.count("/") + 1
        for path in files:
            head = "/".join(path.split("/")[:depth])
            if fnmatch.fnmatchcase(head, source):
                yield path
        return
    prefix = source + "/"
    yield from (path for path in files if path.startswith(prefix))
