"""Config files read into flat keys with positions: TOML, YAML, JSON, .env, .properties, INI."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from golive._toml_positions import locate
from golive.checks._config_lines import parse_dotenv, parse_ini, parse_properties
from golive.checks._config_model import ConfigError, Entry, canonical
from golive.checks._yaml import YamlError, YamlMap, parse_yaml_documents
from golive.model import Location

__all__ = ["ConfigError", "Parsed", "marked_lines", "parse_config"]

_MARK = re.compile(r"golive:\s*env-specific", re.IGNORECASE)
_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True, kw_only=True)
class Parsed:
    """One document of a configuration file, flattened."""

    entries: tuple[Entry, ...]
    tables: dict[tuple[str, ...], Location] = field(default_factory=dict)
    schema: str | None = None  # the `$schema` it names, as written
    profile: str | None = None  # a Spring document's own environment (`on-profile: prod`)


def marked_lines(text: str) -> frozenset[int]:
    """The lines that say `golive: env-specific` (in a comment)."""
    return frozenset(n for n, line in enumerate(text.splitlines(), start=1) if _MARK.search(line))


def parse_config(text: str, path: str, fmt: str) -> list[Parsed]:
    """The documents of a configuration file; raises `ConfigError` when it cannot be read.
    An empty list means the file holds no settings (only Kubernetes resources, say)."""
    try:
        return _parse(text, path, fmt)
    except RecursionError:
        raise ConfigError("nested too deeply to read", Location(path=path)) from None


def _parse(text: str, path: str, fmt: str) -> list[Parsed]:
    match fmt:
        case "toml":
            return [_toml(text, path)]
        case "yaml":
            return _yaml(text, path)
        case "json":
            return _json(text, path)
        case "env":
            return [Parsed(entries=parse_dotenv(text, path))]
        case "properties":
            return [Parsed(entries=parse_properties(text, path))]
        case "ini":
            entries, tables = parse_ini(text, path)
            return [Parsed(entries=entries, tables=tables)]
    raise ValueError(f"unknown configuration format {fmt!r}")


# --- TOML -------------------------------------------------------------------------------------


def _toml(text: str, path: str) -> Parsed:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        at = _TOML_AT.search(str(error))
        stop = (
            Location(path=path, line=int(at[1]), column=int(at[2])) if at else Location(path=path)
        )
        message = _TOML_AT.sub("", str(error)).strip()
        raise ConfigError(f"not valid TOML: {message}", stop) from None
    spans = locate(text)
    entries: list[Entry] = []
    tables: dict[tuple[str, ...], Location] = {}

    def where(key: tuple[str, ...]) -> Location:
        span = spans.get(key)
        if span is None:
            return Location(path=path, line=1)
        return Location(path=path, line=span.key.line, column=span.key.column)

    def walk(table: dict[str, Any], prefix: tuple[str, ...]) -> None:
        for name, value in table.items():
            key = (*prefix, name)
            if isinstance(value, dict) and value:
                tables[key] = where(key)
                walk(value, key)
            else:
                entries.append(Entry(key=key, value=value, location=where(key), typed=True))

    walk(data, ())
    schema = data.get("$schema")
    return Parsed(
        entries=tuple(e for e in entries if e.key != ("$schema",)),
        tables=tables,
        schema=schema if isinstance(schema, str) else None,
    )


# --- YAML and JSON ----------------------------------------------------------------------------


def _yaml(text: str, path: str, values: dict[str, Any] | None = None) -> list[Parsed]:
    try:
        documents = parse_yaml_documents(text, path, typed=True)
    except YamlError as error:
        raise ConfigError(error.message, error.location) from None
    parsed: list[Parsed] = []
    for document in documents:
        if isinstance(document, YamlMap) and "apiVersion" in document and "kind" in document:
            continue  # a Kubernetes resource, not settings
        if not isinstance(document, YamlMap):
            raise ConfigError(
                f"holds a {type(document).__name__}, not a mapping of settings",
                Location(path=path, line=1),
            )
        parsed.append(_from_map(document, path, values))
    return parsed


def _json(text: str, path: str) -> list[Parsed]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        text = _without_comments(text)  # appsettings.json and VS Code style JSON with comments
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            where = Location(path=path, line=error.lineno, column=error.colno)
            raise ConfigError(f"not valid JSON: {error.msg}", where) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"holds a JSON {type(data).__name__}, not an object of settings",
            Location(path=path, line=1),
        )
    # JSON is YAML: read it again through the YAML layer for positions (the values stay
    # JSON's: YAML 1.1 reads `1e5` as text). Tabs only ever separate tokens in valid JSON
    # (never inside a string), so they may become spaces.
    return _yaml(text.replace("\t", " "), path, values=data)


def _without_comments(text: str) -> str:
    """`//` and `/* */` comments blanked out, lines and columns kept."""
    out = list(text)
    i, in_string = 0, False
    while i < len(text):
        char = text[i]
        if in_string:
            if char == "\\":
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = len(text) if end < 0 else end + 2
            out[i:end] = [c if c == "\n" else " " for c in text[i:end]]
            i = end
            continue
        i += 1
    return "".join(out)


def _from_map(document: YamlMap, path: str, values: dict[str, Any] | None) -> Parsed:
    """Flatten a mapping; `values`, when given, is the same document as JSON read it."""
    entries: list[Entry] = []
    tables: dict[tuple[str, ...], Location] = {}

    def walk(mapping: YamlMap, prefix: tuple[str, ...], same: dict[str, Any] | None) -> None:
        for name, node in mapping.items():
            key = (*prefix, name)
            if not prefix and name == "$schema":
                continue
            value = same.get(name, node) if same is not None else node
            if isinstance(node, YamlMap) and node:
                tables[key] = mapping.at(name)
                walk(node, key, value if isinstance(value, dict) else None)
            else:
                entries.append(Entry(key=key, value=value, location=mapping.at(name), typed=True))

    walk(document, (), values)
    schema = document.get("$schema")
    profile = _spring_profile(document)
    if profile is not None:  # the profile's own key is no setting
        entries = [e for e in entries if not _is_profile_key(e.key)]
    return Parsed(
        entries=tuple(entries),
        tables=tables,
        schema=schema if isinstance(schema, str) else None,
        profile=profile,
    )


def _is_profile_key(key: tuple[str, ...]) -> bool:
    dotted = ".".join(key)
    return dotted.startswith(("spring.config.activate.on-profile", "spring.profiles"))


def _spring_profile(document: YamlMap) -> str | None:
    """`spring.config.activate.on-profile` (or the older `spring.profiles`) of a document."""
    spring = document.get("spring")
    names: Any = None
    if isinstance(spring, dict):
        config = spring.get("config")
        activate = config.get("activate") if isinstance(config, dict) else None
        names = activate.get("on-profile") if isinstance(activate, dict) else None
        if names is None:
            names = spring.get("profiles") if isinstance(spring.get("profiles"), str) else None
    names = names if names is not None else document.get("spring.config.activate.on-profile")
    if not isinstance(names, str):
        return None
    return canonical(names) or f"?{names}"  # an environment golive does not know
