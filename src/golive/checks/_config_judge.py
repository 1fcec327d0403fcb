"""The findings of config.required, config.types, config.ranges, config.schema and parity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from golive.checks._config_model import DEFAULT, ConfigEnvironments, Entry, canonical, spellings
from golive.checks._config_report import Verdict, unreadable_findings
from golive.checks._config_schema import load_schema, schema_findings
from golive.checks._config_values import (
    TYPE_NAMES,
    empty,
    number,
    only_reference,
    references,
    show,
    type_of,
)
from golive.checks.repository import Repository
from golive.model import Finding, Location
from golive.thresholds import Range

__all__ = [
    "NOTHING",
    "Tally",
    "environment_names",
    "judge_parity",
    "judge_ranges",
    "judge_required",
    "judge_schema",
    "judge_types",
    "looked_for",
]

NOTHING = (
    "no configuration files (config/<env>.*, config/<env>/*, <name>.<env>.*, .env.<env>, "
    "values-<env>.yaml, appsettings.<Env>.json, application-<env>.yml, config/default.*, "
    "config.toml, .env, application.yml)"
)


@dataclass(kw_only=True)
class Tally:
    """Counts a check reports in its facts."""

    checked: int = 0
    from_environment: int = 0
    missing: list[str] = field(default_factory=list)  # keys found nowhere

    def facts(self) -> dict[str, str | int | float | bool]:
        facts: dict[str, str | int | float | bool] = {
            "values_checked": self.checked,
            "from_environment": self.from_environment,
        }
        if self.missing:
            facts["keys_not_found"] = ", ".join(self.missing)
        return facts


def looked_for(environment: str) -> str:
    shown = "|".join(spellings(environment))
    return (
        f"config/{{{shown}}}.*, config/{{{shown}}}/*, <name>.{{{shown}}}.*, "
        f"<name>-{{{shown}}}.*, .env.{{{shown}}}"
    )


def environment_names(names: Sequence[str]) -> list[str]:
    """Environment names as given, normalised (`prod` -> `production`), without repeats."""
    return list(dict.fromkeys(canonical(name) or name.strip().lower() for name in names))


def _all_entries(config: ConfigEnvironments) -> list[Entry]:
    return [entry for config_file in config.files for entry in config_file.entries]


def judge_required(
    config: ConfigEnvironments, fields: Sequence[str], names: Sequence[str], verdict: Verdict
) -> Tally:
    tally = Tally()
    for name in names:
        environment = config.environments.get(name)
        blocked = config.unreadable_in(name)
        verdict.undecided += unreadable_findings(blocked, "config.required.unreadable")
        if environment is None:
            if not blocked:
                directory = config.families[0].directory if config.families else ""
                verdict.problems.append(
                    Finding(
                        message=f"no configuration for {name}; looked for {looked_for(name)}",
                        location=Location(path=directory or "."),
                        rule="config.required.environment",
                    )
                )
            continue
        for wanted in fields:
            found = environment.defining(wanted)
            defined = [e for e in found if not empty(e.value)]
            tally.checked += 1
            tally.from_environment += sum(references(e.value) for e in defined)
            if defined:
                continue
            state = "is empty" if found else "is not set"
            finding = Finding(
                message=f"{name}: {wanted} {state}",
                location=found[0].location if found else environment.own_files[0].start,
                rule="config.required.missing",
                fingerprint=f"required:{name}:{wanted}",
            )
            # A field that may be in a file golive could not read is undecided, not missing.
            (verdict.undecided if blocked and not found else verdict.problems).append(finding)
    return tally


def _allowed(names: Sequence[str]) -> frozenset[str]:
    return frozenset(kind for name in names for kind in TYPE_NAMES[name.lower()])


def _wrong_type(value: Any, allowed: frozenset[str], typed: bool) -> str | None:
    """The first type among `value` (or its items) that is not allowed."""
    kind = type_of(value, typed=typed)
    if kind in allowed:
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    if kind in {"array", "object"}:
        return next((k for item in items if (k := _wrong_type(item, allowed, typed))), None)
    return kind


def judge_types(
    config: ConfigEnvironments, rules: Sequence[tuple[str | None, list[str]]], verdict: Verdict
) -> Tally:
    """`rules`: (key, type names) pairs; a key of None means every value."""
    tally = Tally()
    entries = _all_entries(config)
    for key, names in rules:
        allowed = _allowed(names)
        matched = [e for e in entries if key is None or e.answers_to(key)]
        if key is not None and not matched:
            tally.missing.append(key)
        for entry in matched:
            if only_reference(entry.value):
                tally.from_environment += 1
                continue
            tally.checked += 1
            wrong = _wrong_type(entry.value, allowed, entry.typed)
            if wrong is not None:
                verdict.problems.append(
                    Finding(
                        message=f"{entry.dotted} = {show(entry.value, entry.dotted)} is {wrong}; "
                        f"expected {' or '.join(names)}",
                        location=entry.location,
                        rule="config.types",
                        fingerprint=f"types:{entry.location.path}:{entry.identity}",
                    )
                )
    return tally


def judge_ranges(config: ConfigEnvironments, ranges: Sequence[Range], verdict: Verdict) -> Tally:
    tally = Tally()
    entries = _all_entries(config)
    for wanted in ranges:
        name = wanted.name or ""
        matched = [e for e in entries if e.answers_to(name)]
        if not matched:
            tally.missing.append(name)
        for entry in matched:
            if only_reference(entry.value):
                tally.from_environment += 1
                continue
            tally.checked += 1
            values = entry.value if isinstance(entry.value, list) else [entry.value]
            problem = next((p for v in values if (p := _out_of(wanted, v))), None)
            if problem is not None:
                verdict.problems.append(
                    Finding(
                        message=f"{entry.dotted} = {show(entry.value, entry.dotted)}: {problem}",
                        location=entry.location,
                        rule="config.ranges",
                        fingerprint=f"ranges:{entry.location.path}:{entry.identity}",
                    )
                )
    return tally


def _out_of(wanted: Range, value: Any) -> str | None:
    found = number(value)
    if found is None:
        return f"not a number; expected {wanted}"
    amount, is_duration = found
    if amount in wanted:
        return None
    unit = " s" if is_duration else ""
    return f"{amount:g}{unit} is outside {wanted}"


def judge_parity(
    config: ConfigEnvironments,
    present: Sequence[str],
    env_specific: Sequence[str],
    verdict: Verdict,
) -> tuple[int, int]:
    """Findings for keys some of `present` lack; returns (keys compared, keys exempted)."""
    keys: dict[str, dict[str, Entry]] = {}
    exempt: set[str] = set()
    for name in present:
        environment = config.environments[name]
        for entry in environment.entries:
            keys.setdefault(entry.identity, {}).setdefault(name, entry)
            owner = environment.file_of(entry)
            if (owner is not None and owner.env_specific(entry)) or any(
                entry.answers_to(key) for key in env_specific
            ):
                exempt.add(entry.identity)
    for identity, where in keys.items():
        missing = [name for name in present if name not in where]
        if not missing or identity in exempt:
            continue
        have, entry = next(iter(where.items()))
        verdict.problems.append(
            Finding(
                message=f"{entry.dotted} is set in {', '.join(where)} but not in "
                f"{', '.join(missing)}",
                location=entry.location,
                rule="config.env-parity",
                fingerprint=f"parity:{identity}:{have}",
            )
        )
    return len(keys), len(exempt)


def judge_schema(
    repo: Repository, config: ConfigEnvironments, chosen: dict[str, str], verdict: Verdict
) -> int:
    """Validate every family that has a schema; returns the number of documents validated.
    Raises `SchemaError` (a schema golive cannot use) or `ImportError` (no jsonschema)."""
    documents = 0
    schemas = {path: load_schema(repo, path) for path in sorted(set(chosen.values()))}
    for family in config.families:
        if family.id not in chosen:
            continue
        for environment in list(family.by_environment) or [DEFAULT]:
            documents += 1
            verdict.problems += schema_findings(schemas[chosen[family.id]], family, environment)
    return documents
