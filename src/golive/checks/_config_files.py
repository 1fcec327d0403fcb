"""Which files of a repository are the service's configuration, and for which environment."""

from __future__ import annotations

from dataclasses import dataclass

from golive.checks._config_model import canonical, field_name

__all__ = ["CONFIG_DIRS", "FORMATS", "Placement", "place"]

CONFIG_DIRS = frozenset({"config", "configs", "conf", "settings", "environments"})
FORMATS = {
    "toml": "toml",
    "yaml": "yaml",
    "yml": "yaml",
    "json": "json",
    "env": "env",
    "ini": "ini",
    "properties": "properties",
}
# `<name>.<env>.<ext>`, `<name>-<env>.<ext>`, `<name>_<env>.<ext>`: the names that are
# configuration (appsettings.Production.json, application-prod.yml, values-staging.yaml).
_NAMES = frozenset(
    {"config", "configuration", "settings", "app", "application", "appsettings", "values"}
)
# Base files that are configuration even when no environment file layers over them.
_LONE = frozenset({"config", "configuration", "settings", "application", "appsettings"})
_BASES = frozenset({"default", "base", "common"})  # config/default.toml
_SKIPPED_DIRS = frozenset(
    {"node_modules", "vendor", "third_party", "target", "dist", "build", "venv", "site-packages"}
    | {"testdata", "fixtures", "__fixtures__", "templates"}
)
_NOT_CONFIG = frozenset({"kustomization.yaml", "kustomization.yml", "chart.yaml"})


@dataclass(frozen=True, kw_only=True)
class Placement:
    """Where a configuration file belongs."""

    path: str
    format: str  # a value of FORMATS, or "code" for settings written as code
    environment: str | None  # None: a base file
    family: str
    directory: str
    lone: bool = False  # a base file that is configuration on its own
    also: tuple[str, ...] = ()  # other families this base file lies under (config.toml)


def place(path: str, service: str | None = None) -> Placement | None:
    """The placement of `path`, or None when it is not a configuration file."""
    *dirs, name = path.split("/")
    if any(part.startswith(".") or part.lower() in _SKIPPED_DIRS for part in dirs):
        return None
    if name.lower() in _NOT_CONFIG:
        return None
    directory = "/".join(dirs)
    prefix = f"{directory}/" if directory else ""
    dotenv = _dotenv(name, directory, prefix)
    if dotenv is not None or name.startswith("."):
        return dotenv
    stem, dot, ext = name.rpartition(".")
    fmt = "code" if ext.lower() == "py" else FORMATS.get(ext.lower())
    if not dot or not stem or fmt is None:
        return None
    if dirs and dirs[-1].lower() in CONFIG_DIRS:  # config/production.toml, config/default.yaml
        family = f"{prefix}*"
        env = canonical(stem)
        if env is not None:
            return Placement(
                path=path, format=fmt, environment=env, family=family, directory=directory
            )
        if stem.lower() in _BASES and fmt != "code":
            return Placement(
                path=path,
                format=fmt,
                environment=None,
                family=family,
                directory=directory,
                lone=True,
            )
    if len(dirs) >= 2 and dirs[-2].lower() in CONFIG_DIRS and fmt != "code":
        env = canonical(dirs[-1])  # config/production/database.yaml
        if env is not None:
            parent = "/".join(dirs[:-1])
            return Placement(
                path=path, format=fmt, environment=env, family=f"{parent}/*", directory=parent
            )
    return _named(path, stem, fmt, directory=directory, prefix=prefix, service=service)


def _dotenv(name: str, directory: str, prefix: str) -> Placement | None:
    family = f"{prefix}.env*"
    path = prefix + name
    if name == ".env":
        return Placement(
            path=path, format="env", environment=None, family=family, directory=directory, lone=True
        )
    head, dot, tail = name.rpartition(".")
    for spelled in (
        name[5:] if name.startswith(".env.") else None,
        head if tail == "env" else None,
    ):
        env = canonical(spelled) if spelled else None
        if env is not None and dot:
            return Placement(
                path=path, format="env", environment=env, family=family, directory=directory
            )
    return None


def _named(
    path: str, stem: str, fmt: str, *, directory: str, prefix: str, service: str | None
) -> Placement | None:
    if fmt == "code":
        return None  # settings as code count only in a config dir (settings/production.py)

    own = field_name(service) if service else None

    def is_name(text: str) -> bool:
        return text.lower() in _NAMES or field_name(text) == own

    for cut in range(len(stem) - 1, 0, -1):
        if stem[cut] not in ".-_":
            continue
        env = canonical(stem[cut + 1 :])
        if env is not None and is_name(stem[:cut]):
            family = f"{prefix}{field_name(stem[:cut])}.*"
            return Placement(
                path=path, format=fmt, environment=env, family=family, directory=directory
            )
    if not is_name(stem):
        return None
    lowered = stem.lower()
    also = (f"{prefix}{stem}/*",) if lowered in {"config", "settings"} else ()
    return Placement(
        path=path,
        format=fmt,
        environment=None,
        family=f"{prefix}{field_name(stem)}.*",
        directory=directory,
        lone=lowered in _LONE,
        also=also,
    )
