"""OpenAPI documents: found, parsed with positions, validated structurally (2.0, 3.0, 3.1), and
their operations checked for a summary or description.

The validation is golive's own reading of the specification's required fields, not a full
JSON-Schema validation: enough to tell a usable API description from a broken one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.checks._doctopics_markdown import skipped_dir
from golive.checks._yaml import MAX_CHARS, YamlError, YamlMap, parse_yaml
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["Problem", "SpecReport", "check_document", "find_documents", "validate"]

_EXACT = re.compile(r"^(?:openapi|swagger)\.(?:ya?ml|json)$", re.I)
_LOOSE = re.compile(
    r"^(?:(?:openapi|swagger)[._-][\w.-]*|[\w.-]+[._-](?:openapi|swagger))\.(?:ya?ml|json)$", re.I
)
_VERSION_3 = re.compile(r"^3\.([01])\.\d+(?:-[\w.]+)?$")
_METHODS_3 = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PATH_ITEM_3 = frozenset({"$ref", "summary", "description", "servers", "parameters", *_METHODS_3})
_PATH_ITEM_2 = frozenset({"$ref", "parameters", *_METHODS_3[:-1]})
_STATUS = re.compile(r"^(?:[1-5]\d\d|[1-5]XX|default)$")
_LOCATIONS_3 = frozenset({"query", "header", "path", "cookie"})
_LOCATIONS_2 = frozenset({"query", "header", "path", "formData", "body"})


@dataclass(frozen=True, kw_only=True)
class Problem:
    message: str
    location: Location
    rule: str  # "openapi-invalid" (structure) or "openapi-undocumented"


@dataclass(frozen=True, kw_only=True)
class SpecReport:
    """One OpenAPI document: its version, operations, and what is wrong with it."""

    path: str
    version: str | None = None
    operations: int = 0
    documented: int = 0
    unresolved: int = 0  # path items that are only a $ref to another file: not followed
    problems: tuple[Problem, ...] = ()  # the document is not valid
    undocumented: tuple[Problem, ...] = ()  # operations without summary or description
    skipped: bool = False  # found by a loose name, and not an OpenAPI document after all


def find_documents(repo: Repository) -> list[str]:
    """Files named like an OpenAPI document (openapi.yaml, swagger.json, api.openapi.yml...)."""
    return [
        path
        for path in repo.files
        if not skipped_dir(path)
        and (_EXACT.match(name := path.rpartition("/")[2]) or _LOOSE.match(name))
    ]


def check_document(repo: Repository, path: str, *, given: bool = False) -> SpecReport:
    """Parse and validate `path`; `given` when the checklist named it (so it must be one)."""
    if not repo.exists(path):
        where = Location(path=path)
        return SpecReport(path=path, problems=(_invalid("the file does not exist", where),))
    text = repo.text(path)
    if text is None:
        problem = _invalid("not readable as UTF-8 text (binary or oversized)", Location(path=path))
        return SpecReport(path=path, problems=(problem,))
    document, error = _load(path, text)
    if error is not None:
        return SpecReport(path=path, problems=(error,))
    loose = not given and not _EXACT.match(path.rpartition("/")[2])
    if loose and not (
        isinstance(document, Mapping) and ("openapi" in document or "swagger" in document)
    ):
        return SpecReport(path=path, skipped=True)
    return validate(path, document)


def validate(path: str, document: Any) -> SpecReport:
    """The structural problems and undocumented operations of a parsed document."""
    return _Validator(path=path).validate(document)


def _load(path: str, text: str) -> tuple[Any, Problem | None]:
    try:
        return parse_yaml(text, path, typed=True, max_chars=MAX_CHARS), None
    except YamlError as error:
        if not path.lower().endswith(".json"):
            return None, _invalid(error.message, error.location)
    try:  # JSON that the YAML reader refuses (rare): read it without positions
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        where = Location(path=path, line=exc.lineno, column=exc.colno)
        return None, _invalid(f"not valid JSON: {exc.msg}", where)


def _invalid(message: str, where: Location) -> Problem:
    return Problem(message=message, location=where, rule="openapi-invalid")


@dataclass(kw_only=True)
class _Validator:
    path: str
    problems: list[Problem] = field(default_factory=list)
    undocumented: list[Problem] = field(default_factory=list)
    operation_ids: set[str] = field(default_factory=set)
    operations: int = 0
    unresolved: int = 0
    major: str = "3.0"  # "2.0", "3.0" or "3.1"

    def at(self, mapping: Any, key: Any = None) -> Location:
        """Where `key` of `mapping` is written (the mapping itself without a key)."""
        if not isinstance(mapping, YamlMap):
            return Location(path=self.path)  # read as plain JSON: no positions
        return mapping.location if key is None else mapping.at(str(key))

    def invalid(self, message: str, mapping: Any, key: Any = None) -> None:
        self.problems.append(_invalid(message, self.at(mapping, key)))

    def validate(self, root: Any) -> SpecReport:
        if not isinstance(root, Mapping):
            self.invalid("the document is not a mapping of OpenAPI fields", root)
            return self.report(None)
        version = self.version(root)
        self.info(root)
        paths = root.get("paths")
        if paths is None:
            if self.major != "3.1":
                self.invalid("no `paths` (required)", root)
            elif not any(key in root for key in ("components", "webhooks")):
                self.invalid("none of `paths`, `components` or `webhooks` (one is required)", root)
        elif not isinstance(paths, Mapping):
            self.invalid("`paths` is not a mapping", root, "paths")
        else:
            for route, item in paths.items():
                self.path_item(paths, str(route), item)
        return self.report(version)

    def report(self, version: str | None) -> SpecReport:
        return SpecReport(
            path=self.path,
            version=version,
            operations=self.operations,
            documented=self.operations - len(self.undocumented),
            unresolved=self.unresolved,
            problems=tuple(self.problems),
            undocumented=tuple(self.undocumented),
        )

    def version(self, root: Mapping[str, Any]) -> str | None:
        if root.get("swagger") is not None:
            swagger = root["swagger"]
            if str(swagger) != "2.0":
                self.invalid(f'`swagger: {swagger}` is not "2.0"', root, "swagger")
            self.major = "2.0"
            return f"Swagger {swagger}"
        given = root.get("openapi")
        if given is None:
            self.invalid('no `openapi` version field (e.g. `openapi: "3.1.0"`)', root)
            return None
        if not isinstance(given, str):
            self.invalid(
                f'`openapi: {given}` must be a string such as "3.0.3" (quote it)', root, "openapi"
            )
            return f"OpenAPI {given}"
        match = _VERSION_3.match(given)
        if match is None:
            self.invalid(f"OpenAPI {given} is not a 3.0.x or 3.1.x version", root, "openapi")
        else:
            self.major = f"3.{match[1]}"
        return f"OpenAPI {given}"

    def info(self, root: Mapping[str, Any]) -> None:
        info = root.get("info")
        if not isinstance(info, Mapping):
            self.invalid(
                "no `info` object (required: title and version)",
                root,
                "info" if "info" in root else None,
            )
            return
        for key in ("title", "version"):
            value = info.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                self.invalid(f"`info.{key}` is missing or empty (required)", root, "info")
            elif not isinstance(value, str):
                self.invalid(f"`info.{key}: {value}` must be a string (quote it)", info, key)

    def path_item(self, paths: Any, route: str, item: Any) -> None:
        if route.startswith("x-"):
            return
        if not route.startswith("/"):
            self.invalid(f"path `{route}` does not start with /", paths, route)
        if not isinstance(item, Mapping):
            self.invalid(f"`{route}` is not a mapping of operations", paths, route)
            return
        allowed = _PATH_ITEM_2 if self.major == "2.0" else _PATH_ITEM_3
        for key in item:
            if not str(key).startswith("x-") and key not in allowed:
                self.invalid(f"`{route}` has an unknown field `{key}`", item, key)
        if "$ref" in item and not any(method in item for method in _METHODS_3):
            self.unresolved += 1
            return
        self.parameters(item, route)
        for method in _METHODS_3:
            if method in item and method in allowed:
                self.operation(item, route, method, item[method])

    def operation(self, item: Any, route: str, method: str, operation: Any) -> None:
        name = f"{method.upper()} {route}"
        self.operations += 1
        if not isinstance(operation, Mapping):
            self.invalid(f"{name} is not a mapping", item, method)
            return
        if not any(
            isinstance(operation.get(key), str) and operation[key].strip()
            for key in ("summary", "description")
        ):
            self.undocumented.append(
                Problem(
                    message=f"{name} has no summary or description",
                    location=self.at(item, method),
                    rule="openapi-undocumented",
                )
            )
        operation_id = operation.get("operationId")
        if isinstance(operation_id, str):
            if operation_id in self.operation_ids:
                self.invalid(
                    f"{name}: operationId `{operation_id}` is used twice", operation, "operationId"
                )
            self.operation_ids.add(operation_id)
        self.parameters(operation, name)
        self.responses(item, method, name, operation)

    def responses(self, item: Any, method: str, name: str, operation: Mapping[str, Any]) -> None:
        responses = operation.get("responses")
        if responses is None:
            required = "" if self.major == "3.1" else " (required)"
            self.invalid(f"{name} describes no responses{required}", item, method)
            return
        if not isinstance(responses, Mapping):
            self.invalid(f"{name}: `responses` is not a mapping", operation, "responses")
            return
        codes = [key for key in responses if not str(key).startswith("x-")]
        if not codes:
            self.invalid(f"{name}: `responses` lists no status code", operation, "responses")
        for code in codes:
            if not _STATUS.match(str(code)):
                self.invalid(
                    f"{name}: `{code}` is not a status code, a range like 4XX, or default",
                    responses,
                    code,
                )
            response = responses[code]
            if not isinstance(response, Mapping):
                self.invalid(f"{name}: response {code} is not a mapping", responses, code)
            elif "$ref" not in response and not isinstance(response.get("description"), str):
                self.invalid(
                    f"{name}: response {code} has no description (required)", responses, code
                )

    def parameters(self, owner: Mapping[str, Any], name: str) -> None:
        parameters = owner.get("parameters")
        if parameters is None:
            return
        if not isinstance(parameters, list):
            self.invalid(f"{name}: `parameters` is not a list", owner, "parameters")
            return
        places = _LOCATIONS_2 if self.major == "2.0" else _LOCATIONS_3
        for parameter in _mappings(parameters):
            if "$ref" in parameter:
                continue
            label = parameter.get("name")
            where = parameter.get("in")
            if not isinstance(label, str) or where not in places:
                allowed = ", ".join(sorted(places))
                self.invalid(f"{name}: a parameter needs `name` and `in` ({allowed})", parameter)
            elif where == "path" and parameter.get("required") is not True:
                self.invalid(
                    f"{name}: path parameter `{label}` must have `required: true`", parameter, "in"
                )


def _mappings(values: list[Any]) -> Iterator[Mapping[str, Any]]:
    yield from (value for value in values if isinstance(value, Mapping))
