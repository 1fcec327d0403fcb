"""The configuration of each environment: files, their flattened keys, and how keys are matched."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.model import Location

__all__ = [
    "DEFAULT",
    "ENVIRONMENTS",
    "ConfigEnvironments",
    "ConfigError",
    "ConfigFile",
    "Entry",
    "Environment",
    "Family",
    "Unreadable",
    "canonical",
    "field_name",
    "normalise",
    "spellings",
]

# The environments golive recognises, by their normalised name, and how files spell them.
ENVIRONMENTS: Mapping[str, tuple[str, ...]] = {
    "production": ("production", "prod", "prd"),
    "staging": ("staging", "stage", "stg"),
    "development": ("development", "develop", "dev"),
    "test": ("test", "testing"),
    "qa": ("qa",),
    "preprod": ("preprod", "pre-prod", "pre_prod", "preproduction"),
}
DEFAULT = "default"  # the environment of a repository with only base configuration files
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def normalise(segment: str) -> str:
    """A key segment as golive compares it: camelCase split into words, lower case, `-` read
    as `_` (`logLevel`, `log-level` and `LOG_LEVEL` are all `log_level`)."""
    return _CAMEL.sub("_", segment.strip()).lower().replace("-", "_")


def field_name(text: str) -> str:
    """A key name or dotted path as written in a check's parameters, normalised and joined."""
    return "_".join(normalise(part) for part in text.split(".") if part.strip())


class ConfigError(Exception):
    """A configuration file golive cannot read; `location` is where reading stopped."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One value of a configuration file: its key path as written, and where it is."""

    key: tuple[str, ...]
    value: Any  # str, bool, int, float, None, a date/time (TOML), or a list / mapping
    location: Location
    typed: bool  # False for .env, .properties and .ini files, where every value is text
    flat: bool = False  # an environment variable: `_` joins words of one name (APP_LOG_LEVEL)

    @property
    def dotted(self) -> str:
        return ".".join(self.key)

    @functools.cached_property
    def identity(self) -> str:
        """The whole key, normalised: `log.level`, `LOG_LEVEL` and `log-level` are one key."""
        return "_".join(normalise(part) for part in self.key)

    @functools.cached_property
    def names(self) -> frozenset[str]:
        """Every trailing run of the key's segments, joined with `_`: `log.level` answers to
        `level` and `log_level`; `app.database.ssl_mode` to `database.ssl_mode` too. In an
        environment variable every word is a segment: `APP_LOG_LEVEL` answers to `log_level`."""
        parts = self.identity.split("_") if self.flat else [normalise(p) for p in self.key]
        return frozenset("_".join(parts[start:]) for start in range(len(parts)))

    @functools.cached_property
    def scopes(self) -> frozenset[str]:
        """The names of the key and of every table it lies in (`Logging.LogLevel.Default`
        lies in `log_level`)."""
        parts = self.identity.split("_") if self.flat else [normalise(p) for p in self.key]
        return frozenset(
            "_".join(parts[start:end]) for end in range(1, len(parts) + 1) for start in range(end)
        )

    def answers_to(self, name: str) -> bool:
        """Whether this entry is the key `name` (a key name, or a dotted path's end)."""
        return field_name(name) in self.names

    def defines(self, name: str) -> bool:
        """Whether this entry sets `name`, itself or as a value in the table `name`."""
        return field_name(name) in self.scopes


@dataclass(frozen=True, kw_only=True)
class ConfigFile:
    """A configuration file of one environment (or a base file), parsed and flattened."""

    path: str
    format: str  # toml, yaml, json, env, properties, ini
    environment: str | None  # None for a base file, merged under every environment
    family: str  # files of one family merge; see `Family`
    entries: tuple[Entry, ...]
    tables: Mapping[tuple[str, ...], Location] = field(default_factory=dict)
    marked: frozenset[int] = frozenset()  # lines saying `golive: env-specific`
    schema: str | None = None  # a local `$schema` the file names, relative to the repository

    @property
    def start(self) -> Location:
        return Location(path=self.path, line=1)

    def env_specific(self, entry: Entry) -> bool:
        line = entry.location.line
        return line is not None and (line in self.marked or line - 1 in self.marked)


@dataclass(frozen=True, kw_only=True)
class Unreadable:
    """A configuration file golive found but could not read, and why."""

    path: str
    reason: str
    location: Location
    environment: str | None
    family: str


@dataclass(frozen=True, kw_only=True)
class Family:
    """Files that layer over each other: `config/default.toml` under `config/production.toml`,
    `.env` under `.env.production`, `values.yaml` under `values-production.yaml`."""

    id: str  # the directory and name pattern, e.g. `config/*` or `deploy/values-*`
    directory: str
    base: tuple[ConfigFile, ...]
    by_environment: Mapping[str, tuple[ConfigFile, ...]]

    def files(self, environment: str | None) -> tuple[ConfigFile, ...]:
        """The base files, then the environment's own (later files win)."""
        if environment is None or environment == DEFAULT:
            return self.base
        return (*self.base, *self.by_environment.get(environment, ()))

    def merged(self, environment: str | None) -> tuple[Entry, ...]:
        """Each key once, with the value the environment ends up with."""
        found: dict[tuple[str, ...], Entry] = {}
        for config in self.files(environment):
            for entry in config.entries:
                key = tuple(normalise(part) for part in entry.key)
                found.pop(key, None)  # re-insert: the later file's order
                found[key] = entry
        return tuple(found.values())

    def tables(self, environment: str | None) -> dict[tuple[str, ...], Location]:
        where: dict[tuple[str, ...], Location] = {}
        for config in self.files(environment):
            where.update(config.tables)
        return where


@dataclass(frozen=True, kw_only=True)
class Environment:
    """One environment: every family that has files for it, each merged over its base."""

    name: str
    families: tuple[Family, ...]

    @functools.cached_property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(entry for family in self.families for entry in family.merged(self.name))

    @property
    def files(self) -> tuple[ConfigFile, ...]:
        return tuple(config for family in self.families for config in family.files(self.name))

    @property
    def own_files(self) -> tuple[ConfigFile, ...]:
        """The files written for this environment (base files left out, unless it is the
        default environment)."""
        return tuple(f for f in self.files if f.environment == self.name) or self.files

    def matching(self, name: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.answers_to(name)]

    def defining(self, name: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.defines(name)]

    def file_of(self, entry: Entry) -> ConfigFile | None:
        for config in self.files:
            if config.path == entry.location.path:
                return config
        return None


@dataclass(frozen=True, kw_only=True)
class ConfigEnvironments:
    """The service's configuration: every family of files, grouped into environments."""

    families: tuple[Family, ...]
    unreadable: tuple[Unreadable, ...] = ()
    code_skipped: tuple[str, ...] = ()  # settings written as code (settings/production.py)

    @property
    def files(self) -> tuple[ConfigFile, ...]:
        seen: dict[int, ConfigFile] = {}  # a base file may lie under two families
        for family in self.families:
            for config in (*family.base, *(f for fs in family.by_environment.values() for f in fs)):
                seen.setdefault(id(config), config)
        return tuple(seen.values())

    @property
    def empty(self) -> bool:
        return not self.families and not self.unreadable

    @functools.cached_property
    def environments(self) -> dict[str, Environment]:
        """The named environments found; with none, every base-only family as `default`."""
        names = sorted({name for family in self.families for name in family.by_environment})
        if not names:
            lone = tuple(family for family in self.families if family.base)
            return {DEFAULT: Environment(name=DEFAULT, families=lone)} if lone else {}
        return {
            name: Environment(
                name=name,
                families=tuple(f for f in self.families if name in f.by_environment),
            )
            for name in names
        }

    def unreadable_in(self, environment: str | None) -> list[Unreadable]:
        """Unreadable files of `environment` (its own, and the base files of its families)."""
        if environment is None:
            return list(self.unreadable)
        env = self.environments.get(environment)
        families = {family.id for family in env.families} if env else set()
        return [
            problem
            for problem in self.unreadable
            if problem.environment == environment
            or (problem.environment is None and problem.family in families)
            or (environment == DEFAULT and problem.environment is None)
        ]

    def found(self) -> str:
        """The environments found, for summaries: `production, staging`."""
        return ", ".join(self.environments) or "none"


def canonical(name: str) -> str | None:
    """The normalised environment a name spells (`prod` -> `production`), or None."""
    lowered = name.strip().lower()
    for environment, spellings in ENVIRONMENTS.items():
        if lowered in spellings:
            return environment
    return None


def spellings(environment: str) -> Iterable[str]:
    return ENVIRONMENTS.get(environment, (environment,))
