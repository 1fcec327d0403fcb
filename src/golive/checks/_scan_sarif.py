"""SARIF 2.1.0 logs read as scanner runs: each run's tool, and its results with their level,
place, message, suppression and identity, following the specification's defaults.

A result's level is its `level`; without one, `none` when its `kind` is not `fail`, else the
level a `ruleConfigurationOverrides` entry or the rule's `defaultConfiguration` gives, else
`warning`. A result is suppressed when it has suppressions and none of them is `underReview`
or `rejected`. Paths are placed in the repository through `uriBaseId` / `originalUriBaseIds`,
`artifacts[index]` and `file://` URIs; see `_coverage_paths.PathPlacer` for the rest.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from golive.checks._coverage_paths import PathPlacer
from golive.checks._scan_model import (
    LEVELS,
    ReportError,
    ScanResult,
    ScanRun,
    as_int,
    as_list,
    as_object,
    as_text,
    content_fingerprint,
    first_line,
    kind_of,
    safe_text,
    tool_key,
)
from golive.model import Location

__all__ = ["is_sarif", "read_sarif"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")  # two letters at least: not a drive
_WINDOWS_FILE = re.compile(r"^/[A-Za-z]:/")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d{1,6})\}")
_NOT_FAILING_KINDS = frozenset({"pass", "notApplicable", "informational"})
_MAX_BASE_HOPS = 16


def is_sarif(data: Any) -> bool:
    """Whether `data` claims to be a SARIF log: runs, SARIF's version or a SARIF $schema."""
    if not isinstance(data, dict):
        return False
    schema = data.get("$schema")
    claimed = data.get("version") == "2.1.0" or "runs" in data
    return claimed or (isinstance(schema, str) and "sarif" in schema.lower())


def read_sarif(log: Any, *, report: str, placer: PathPlacer) -> list[ScanRun]:
    """The runs of a SARIF 2.1.0 log; `ReportError` says what is malformed."""
    if not isinstance(log, dict):
        raise ReportError(f"not a SARIF log: the top level is {kind_of(log)}, not an object")
    version = log.get("version")
    if version != "2.1.0":
        if version is None:
            raise ReportError('the SARIF log has no "version"; golive reads SARIF 2.1.0')
        raise ReportError(f"SARIF version {_shown(version)}; golive reads SARIF 2.1.0")
    if "runs" not in log:
        raise ReportError('the SARIF log has no "runs"')
    runs = log["runs"]
    if runs is None:
        raise ReportError('"runs" is null: the tool failed before any run')
    if not isinstance(runs, list):
        raise ReportError(f'"runs" is {kind_of(runs)}, not a list')
    return [_run(run, f"runs[{index}]", report, placer) for index, run in enumerate(runs)]


def _run(run: Any, where: str, report: str, placer: PathPlacer) -> ScanRun:
    if not isinstance(run, dict):
        raise ReportError(f"{where} is {kind_of(run)}, not an object")
    tool = as_object(run.get("tool"))
    driver = as_object(tool.get("driver"))
    name = as_text(driver.get("name"))
    if name is None or not name.strip():
        raise ReportError(f"{where} names no tool (tool.driver.name)")
    name = safe_text(" ".join(name.split()))
    results = run.get("results")
    incomplete = None
    if results is None:
        incomplete = "it has no results array (the tool did not finish its analysis)"
        results = []
    elif not isinstance(results, list):
        raise ReportError(f"{where}.results is {kind_of(results)}, not a list")
    context = _RunContext(run, driver, as_list(tool.get("extensions")), placer)
    invocations = [as_object(item) for item in as_list(run.get("invocations"))]
    if any(invocation.get("executionSuccessful") is False for invocation in invocations):
        incomplete = "the tool reports that its execution failed" + _first_error(invocations)
    parsed = []
    for index, result in enumerate(results):
        if not isinstance(result, dict):
            raise ReportError(f"{where}.results[{index}] is {kind_of(result)}, not an object")
        parsed.append(_result(result, tool_key(name), context))
    version = as_text(driver.get("version")) or as_text(driver.get("semanticVersion"))
    return ScanRun(
        tool=name,
        version=safe_text(version) if version else None,
        report=report,
        results=tuple(parsed),
        finished=_finished(invocations),
        incomplete=incomplete,
    )


class _RunContext:
    """What a run's results refer to: its rules, artifacts, URI bases and overrides."""

    def __init__(
        self, run: dict[str, Any], driver: dict[str, Any], extensions: list[Any], placer: PathPlacer
    ) -> None:
        self.driver = driver
        self.extensions = [as_object(extension) for extension in extensions]
        self.artifacts = as_list(run.get("artifacts"))
        self.bases = as_object(run.get("originalUriBaseIds"))
        self.placer = placer
        self.overrides: dict[str, str] = {}
        for invocation in as_list(run.get("invocations")):
            for entry in as_list(as_object(invocation).get("ruleConfigurationOverrides")):
                override = as_object(entry)
                descriptor = as_object(override.get("descriptor"))
                level = as_text(as_object(override.get("configuration")).get("level"))
                rule_id = as_text(descriptor.get("id"))
                if rule_id is None:
                    rule_id = as_text(self._by_index(driver, descriptor.get("index")).get("id"))
                if rule_id is not None and level is not None:
                    self.overrides[rule_id] = _known_level(level)

    def rule_of(self, result: dict[str, Any]) -> dict[str, Any]:
        """The rule descriptor a result refers to (by index, else by id), or {}."""
        reference = as_object(result.get("rule"))
        component = self.driver
        component_index = as_int(as_object(reference.get("toolComponent")).get("index"))
        if component_index is not None and 0 <= component_index < len(self.extensions):
            component = self.extensions[component_index]
        index = as_int(reference.get("index"))
        found = self._by_index(component, index if index is not None else result.get("ruleIndex"))
        if found:
            return found
        rule_id = as_text(result.get("ruleId")) or as_text(reference.get("id"))
        if rule_id is None:
            return {}
        for candidate in (self.driver, *self.extensions):
            for rule in as_list(candidate.get("rules")):
                if as_object(rule).get("id") == rule_id:
                    return as_object(rule)
        return {}

    @staticmethod
    def _by_index(component: dict[str, Any], index: Any) -> dict[str, Any]:
        rules = as_list(component.get("rules"))
        position = as_int(index)
        if position is not None and 0 <= position < len(rules):
            return as_object(rules[position])
        return {}

    def global_message(self, message_id: str) -> str | None:
        for component in (self.driver, *self.extensions):
            entry = as_object(as_object(component.get("globalMessageStrings")).get(message_id))
            text = as_text(entry.get("text")) or as_text(entry.get("markdown"))
            if text is not None:
                return text
        return None


def _result(result: dict[str, Any], key: str, context: _RunContext) -> ScanResult:
    rule = context.rule_of(result)
    reference = as_object(result.get("rule"))
    rule_id = as_text(result.get("ruleId")) or as_text(reference.get("id"))
    rule_id = safe_text(rule_id or as_text(rule.get("id")) or "")
    message = _message(result, rule, context)
    location, outside = _location(result, context)
    if outside:
        message = f"{message} ({outside}, outside the repository)"
    region = as_object(_physical(result).get("region"))
    snippet = first_line(as_object(region.get("snippet")).get("text"))
    prints = _fingerprints(result)
    path = location.path if location is not None else ""
    identity = (path, prints) if prints else (path, message, snippet)
    return ScanResult(
        rule=rule_id,
        level=_level(result, rule, rule_id, context.overrides),
        message=message,
        location=location,
        suppressed=_suppressed(result),
        fixed=result.get("baselineState") == "absent",
        fingerprint=content_fingerprint(key, rule_id, *identity),
    )


def _level(
    result: dict[str, Any], rule: dict[str, Any], rule_id: str, overrides: dict[str, str]
) -> str:
    kind = as_text(result.get("kind"))
    if kind in _NOT_FAILING_KINDS:
        return "none"
    level = as_text(result.get("level"))
    if level is not None:
        return _known_level(level)
    if kind is not None and kind != "fail":
        return "none"  # "review" and "open" default to no level
    if rule_id in overrides:
        return overrides[rule_id]
    default = as_text(as_object(rule.get("defaultConfiguration")).get("level"))
    return _known_level(default) if default is not None else "warning"


def _known_level(level: str) -> str:
    lowered = level.strip().lower()
    return lowered if lowered in LEVELS else "warning"


def _suppressed(result: dict[str, Any]) -> bool:
    statuses = [s.get("status") for s in as_list(result.get("suppressions")) if isinstance(s, dict)]
    return bool(statuses) and all(status in (None, "accepted") for status in statuses)


def _message(result: dict[str, Any], rule: dict[str, Any], context: _RunContext) -> str:
    message = as_object(result.get("message"))
    arguments = [_argument(value) for value in as_list(message.get("arguments"))]
    text = as_text(message.get("text"))
    message_id = as_text(message.get("id"))
    if text is None and message_id is not None:
        entry = as_object(as_object(rule.get("messageStrings")).get(message_id))
        text = as_text(entry.get("text")) or as_text(entry.get("markdown"))
        text = text if text is not None else context.global_message(message_id)
    if text is None:
        text = as_text(message.get("markdown"))
    if text is None:
        text = as_text(as_object(rule.get("shortDescription")).get("text")) or ""
    filled = _PLACEHOLDER.sub(lambda match: _placeholder(match, arguments), text)
    return first_line(filled) or "(no message)"


def _argument(value: Any) -> str:
    return value if isinstance(value, str) else str(value) if isinstance(value, int | float) else ""


def _placeholder(match: re.Match[str], arguments: list[str]) -> str:
    if match[1] is None:
        return match[0][0]  # "{{" is "{", "}}" is "}"
    index = int(match[1])
    return arguments[index] if index < len(arguments) else match[0]


def _physical(result: dict[str, Any]) -> dict[str, Any]:
    for location in as_list(result.get("locations")):
        physical = as_object(as_object(location).get("physicalLocation"))
        if physical:
            return physical
    return {}


def _location(result: dict[str, Any], context: _RunContext) -> tuple[Location | None, str]:
    """Where the result is in the repository, or (None, the file's name) when outside it."""
    physical = _physical(result)
    artifact = as_object(physical.get("artifactLocation"))
    if not artifact:
        artifact = as_object(result.get("analysisTarget"))
    uri = _uri(artifact, context)
    if uri is None:
        return None, ""
    path, name = _repository_path(uri, context.placer)
    if path is None:
        return None, name
    region = as_object(physical.get("region"))
    line = as_int(region.get("startLine"))
    column = as_int(region.get("startColumn"))
    if line is None or line < 1:
        return Location(path=path), ""
    return Location(path=path, line=line, column=column if column and column >= 1 else None), ""


def _uri(artifact: dict[str, Any], context: _RunContext) -> str | None:
    """The artifact's URI with its base applied (relative when the base is not declared)."""
    uri = as_text(artifact.get("uri"))
    base = as_text(artifact.get("uriBaseId"))
    index = as_int(artifact.get("index"))
    if uri is None and index is not None and 0 <= index < len(context.artifacts):
        listed = as_object(as_object(context.artifacts[index]).get("location"))
        uri = as_text(listed.get("uri"))
        base = base or as_text(listed.get("uriBaseId"))
    if uri is None:
        return None
    seen: set[str] = set()
    while base is not None and base not in seen and len(seen) < _MAX_BASE_HOPS:
        if _SCHEME.match(uri) or uri.startswith("/"):
            break
        seen.add(base)
        declared = as_object(context.bases.get(base))
        prefix = as_text(declared.get("uri"))
        if prefix is None:
            break  # an undeclared base (%SRCROOT%, PROJECTROOT): the repository's root
        uri = (prefix if prefix.endswith("/") or not prefix else prefix + "/") + uri
        base = as_text(declared.get("uriBaseId"))
    return uri


def _repository_path(uri: str, placer: PathPlacer) -> tuple[str | None, str]:
    """(the repository path a URI names, or None; the file's name, to show when None)."""
    scheme = _SCHEME.match(uri)
    if scheme is not None and scheme[1].lower() != "file":
        return None, _last_part(uri)
    if scheme is not None:
        try:
            path = unquote(urlsplit(uri).path)
        except ValueError:
            return None, _last_part(uri)
        if _WINDOWS_FILE.match(path):
            path = path[1:]
    else:
        path = unquote(uri)
    try:
        placed = placer.place(path)
    except (OSError, ValueError):  # a NUL byte or an over-long name: nothing on disk
        placed = None
    return (safe_text(placed), "") if placed else (None, _last_part(path))


def _last_part(text: str) -> str:
    return safe_text(text.replace("\\", "/").rstrip("/").rpartition("/")[2]) or "?"


def _fingerprints(result: dict[str, Any]) -> str:
    """The tool's own identity of a result: its fingerprints, else its partial ones."""
    for field in ("fingerprints", "partialFingerprints"):
        prints = as_object(result.get(field))
        pairs = sorted((k, v) for k, v in prints.items() if isinstance(v, str))
        if pairs:
            return safe_text("\n".join(f"{k}={v}" for k, v in pairs))
    return ""


def _finished(invocations: list[dict[str, Any]]) -> datetime | None:
    """The latest `endTimeUtc` of the run's invocations."""
    ends = []
    for invocation in invocations:
        text = as_text(invocation.get("endTimeUtc"))
        if text is None:
            continue
        try:
            moment = datetime.fromisoformat(text.strip())
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            moment.timestamp()  # out of range near year 1 or 9999
        except (ValueError, OverflowError):
            continue
        ends.append(moment)
    return max(ends) if ends else None


def _first_error(invocations: list[dict[str, Any]]) -> str:
    for invocation in invocations:
        for entry in as_list(invocation.get("toolExecutionNotifications")):
            notification = as_object(entry)
            if notification.get("level", "error") == "error":
                text = first_line(as_object(notification.get("message")).get("text"), 200)
                if text:
                    return f": {text}"
    return ""


def _shown(value: Any) -> str:
    return f'"{first_line(value, 40)}"' if isinstance(value, str) else kind_of(value)
