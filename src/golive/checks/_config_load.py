"""Find, read and group the service's configuration files into environments (the fixture)."""

from __future__ import annotations

import posixpath
from collections import defaultdict

from golive.checks._config_files import Placement, place
from golive.checks._config_model import ConfigEnvironments, ConfigFile, Family, Unreadable
from golive.checks._config_parse import ConfigError, marked_lines, parse_config
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["load_config"]


def load_config(repo: Repository, service: str | None = None) -> ConfigEnvironments:
    """Every configuration file of the repository, parsed once; unreadable ones kept with why."""
    placements = [p for p in (place(path, service) for path in repo.files) if p is not None]
    code = tuple(p.path for p in placements if p.format == "code")
    base: dict[str, list[ConfigFile]] = defaultdict(list)
    own: dict[str, dict[str, list[ConfigFile]]] = defaultdict(lambda: defaultdict(list))
    directories: dict[str, str] = {}
    lone: set[str] = set()
    also: list[tuple[str, ConfigFile]] = []
    problems: list[tuple[Placement, Unreadable]] = []
    for placement in placements:
        if placement.format == "code":
            continue
        directories.setdefault(placement.family, placement.directory)
        try:
            files = _read(repo, placement)
        except ConfigError as error:
            problem = Unreadable(
                path=placement.path,
                reason=error.message,
                location=error.location,
                environment=placement.environment,
                family=placement.family,
            )
            problems.append((placement, problem))
            continue
        for config in files:
            if config.environment is None:
                base[placement.family].append(config)
                also.extend((family, config) for family in placement.also)
                if placement.lone:
                    lone.add(placement.family)
            else:
                own[placement.family][config.environment].append(config)
    for family, config in also:
        if family in own:
            base[family].append(config)
    kept = set(own) | (lone & set(base))
    families = tuple(
        Family(
            id=family,
            directory=directories[family],
            base=tuple(base.get(family, ())),
            by_environment={env: tuple(files) for env, files in sorted(own[family].items())}
            if family in own
            else {},
        )
        for family in sorted(kept)
    )
    unreadable = tuple(
        problem
        for placement, problem in problems
        if placement.environment is not None or placement.lone or placement.family in kept
    )
    return ConfigEnvironments(families=families, unreadable=unreadable, code_skipped=code)


def _read(repo: Repository, placement: Placement) -> list[ConfigFile]:
    text = repo.text(placement.path)
    if text is None:
        raise ConfigError(
            "binary, not UTF-8, or larger than golive reads", Location(path=placement.path)
        )
    documents = parse_config(text, placement.path, placement.format)
    marked = marked_lines(text)
    files = []
    for document in documents:
        environment = placement.environment
        if document.profile is not None:
            if document.profile.startswith("?"):
                continue  # a Spring profile that is not one of the environments
            environment = document.profile
        files.append(
            ConfigFile(
                path=placement.path,
                format=placement.format,
                environment=environment,
                family=placement.family,
                entries=document.entries,
                tables=document.tables,
                marked=marked,
                schema=_local(document.schema, placement.directory),
            )
        )
    return files


def _local(reference: str | None, directory: str) -> str | None:
    """A `$schema` that names a file of the repository, as a repository path."""
    if not reference or "://" in reference or reference.startswith("#"):
        return None
    path = reference.split("#", 1)[0]
    joined = posixpath.normpath(posixpath.join(directory, path) if directory else path)
    return None if joined.startswith(("..", "/")) else joined
