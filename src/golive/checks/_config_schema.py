"""Validate each environment's merged configuration against the service's JSON Schema."""

from __future__ import annotations

import datetime
import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from golive.checks._config_files import CONFIG_DIRS
from golive.checks._config_model import DEFAULT, ConfigEnvironments, Entry, Family
from golive.checks._config_values import infer
from golive.checks.repository import Repository
from golive.model import Finding, Location

__all__ = ["Schema", "SchemaError", "choose_schemas", "load_schema", "schema_findings"]

_SECRET = re.compile(r"pass|secret|token|credential|private|api_?key", re.IGNORECASE)
_MESSAGE_CHARS = 200


class SchemaError(Exception):
    """A schema golive cannot use: missing, not JSON, not a valid schema, an unresolvable $ref."""


@dataclass(frozen=True, kw_only=True)
class Schema:
    path: str
    body: Any


def choose_schemas(
    repo: Repository, config: ConfigEnvironments, explicit: str | None
) -> dict[str, str]:
    """The schema of each family (by id): `explicit` for all; else the family's own `$schema`,
    else the nearest `config.schema.json`, `<config dir>/schema.json` or `*.schema.json` in
    its directory or above."""
    if explicit:
        return {family.id: explicit for family in config.families}
    found = [
        path
        for path in repo.files
        if path.endswith(".schema.json")
        or (
            path.rpartition("/")[2] == "schema.json"
            and path.rpartition("/")[0].rpartition("/")[2].lower() in CONFIG_DIRS
        )
    ]
    chosen: dict[str, str] = {}
    for family in config.families:
        own = next((f.schema for f in _files(family) if f.schema), None)
        if own is not None:
            chosen[family.id] = own
            continue
        near = [p for p in found if _under(family.directory, posixpath.dirname(p))]
        if near:
            chosen[family.id] = max(near, key=lambda p: (posixpath.dirname(p).count("/"), p))
    return chosen


def _files(family: Family) -> Iterator[Any]:
    yield from family.base
    for files in family.by_environment.values():
        yield from files


def _under(directory: str, ancestor: str) -> bool:
    return not ancestor or directory == ancestor or directory.startswith(ancestor + "/")


def load_schema(repo: Repository, path: str) -> Schema:
    """The schema at `path`, checked against its metaschema; raises `SchemaError`."""
    from jsonschema import validators  # type: ignore[import-untyped]  # ships no type hints

    if not repo.exists(path):
        raise SchemaError(f"the schema {path} is not a file of the repository")
    text = repo.text(path)
    if text is None:
        raise SchemaError(f"the schema {path} cannot be read as text")
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        raise SchemaError(
            f"the schema {path} is not valid JSON ({error.msg}, line {error.lineno})"
        ) from None
    if not isinstance(body, dict | bool):
        raise SchemaError(f"the schema {path} is not a JSON Schema (an object)")
    cls = validators.validator_for(body)
    problems = list(cls(cls.META_SCHEMA).iter_errors(body))
    if problems:
        raise SchemaError(f"the schema {path} is not a valid JSON Schema: {problems[0].message}")
    return Schema(path=path, body=body)


def schema_findings(schema: Schema, family: Family, environment: str) -> list[Finding]:
    """A finding per validation error of the family's merged configuration in `environment`;
    raises `SchemaError` when the schema refers to something that cannot be resolved."""
    from jsonschema import validators
    from referencing.exceptions import Unresolvable

    env = None if environment == DEFAULT else environment
    entries = family.merged(env)
    tables = family.tables(env)
    document = _document(entries)
    cls = validators.validator_for(schema.body)
    validator = cls(schema.body, format_checker=cls.FORMAT_CHECKER)
    by_key = {entry.key: entry for entry in entries}
    start = family.files(env)[-1].start if family.files(env) else Location(path=schema.path)
    where: dict[str, Any] = {
        "by_key": by_key,
        "tables": tables,
        "start": start,
        "environment": environment,
    }
    findings: list[Finding] = []
    try:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path)))
    except Unresolvable as unresolvable:
        raise SchemaError(
            f"the schema {schema.path} refers to {unresolvable}, which golive cannot resolve "
            "offline"
        ) from None
    for error in errors:
        path = tuple(str(part) for part in error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            for extra in _extras(error.instance, error.schema):
                key = (*path, extra)
                findings.append(_finding(key, message="is not allowed by the schema", **where))
            continue
        dotted = ".".join(path)
        if _SECRET.search(dotted):
            message = f"does not meet the schema's `{error.validator}` rule"
        else:
            message = error.message
        findings.append(_finding(path, message=message, **where))
    return findings


def _finding(
    path: tuple[str, ...],
    *,
    message: str,
    by_key: dict[tuple[str, ...], Entry],
    tables: dict[tuple[str, ...], Location],
    start: Location,
    environment: str,
) -> Finding:
    if len(message) > _MESSAGE_CHARS:
        message = message[: _MESSAGE_CHARS - 1] + "…"
    where = start
    for cut in range(len(path), 0, -1):
        prefix = path[:cut]
        if prefix in by_key:
            where = by_key[prefix].location
            break
        if prefix in tables:
            where = tables[prefix]
            break
    label = ".".join(path) or "(top level)"
    return Finding(
        message=f"{environment}: {label}: {message}",
        location=where,
        rule="config.schema",
        fingerprint=f"schema:{environment}:{label}:{message}",
    )


def _extras(instance: dict[str, Any], schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    known = schema.get("properties") or {}
    patterns = schema.get("patternProperties") or {}
    return [
        key
        for key in instance
        if key not in known and not any(re.search(pattern, key) for pattern in patterns)
    ]


def _document(entries: tuple[Entry, ...]) -> dict[str, Any]:
    """The merged entries as one nested document, as the service would read it."""
    root: dict[str, Any] = {}
    for entry in entries:
        node = root
        for part in entry.key[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[entry.key[-1]] = _plain(entry.value, typed=entry.typed)
    return root


def _plain(value: Any, *, typed: bool) -> Any:
    if not typed and isinstance(value, str):
        return infer(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v, typed=typed) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, typed=typed) for v in value]
    return value
