"""The catalog of checks: built-in and third-party checks from entry points, plus planned ones.

Checks arrive through the `golive.checks` entry-point group; the built-in families use it
too. An entry point names a module (every concrete `Check` subclass defined in it is taken)
or a sequence of check classes. Planned checks come from `planned.toml` in this package.
"""

from __future__ import annotations

import functools
import importlib.metadata
import inspect
import re
import tomllib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from types import ModuleType
from typing import Any

from pydantic import ValidationError, create_model

from golive.checks.base import Check, CheckParams
from golive.checks.fixtures import FIXTURES, SEEDS
from golive.checks.params import param_type
from golive.model import Kind

__all__ = ["ENTRY_POINT_GROUP", "PlannedCheck", "Registry", "RegistryError"]

ENTRY_POINT_GROUP = "golive.checks"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")


class RegistryError(Exception):
    """A check or plugin is malformed: a bad id, a duplicate, an unknown fixture."""


@dataclass(frozen=True, kw_only=True)
class PlannedCheck:
    """A check in the catalog that is not built yet; items using it are `unverified`.

    Its parameters are declared by type name, so checklists that use it are validated today.
    """

    id: str
    kind: Kind
    title: str
    params: Mapping[str, str]

    @functools.cached_property
    def Params(self) -> type[CheckParams]:  # noqa: N802 -- mirrors Check.Params
        fields: dict[str, Any] = {
            name: (param_type(kind) | None, None) for name, kind in self.params.items()
        }
        model: type[CheckParams] = create_model(
            "Params_" + re.sub(r"\W", "_", self.id), __base__=CheckParams, **fields
        )
        return model


class Registry:
    """Every check golive knows, by id (aliases resolve to the current id)."""

    def __init__(
        self,
        checks: Iterable[type[Check]],
        planned: Iterable[PlannedCheck] = (),
        *,
        fixtures: Mapping[str, Callable[..., Any]] = FIXTURES,
    ) -> None:
        self._checks: dict[str, type[Check]] = {}
        self._aliases: dict[str, str] = {}
        self.fixtures: Mapping[str, Callable[..., Any]] = fixtures
        for check in checks:
            _validate(check, fixtures.keys())
            for name in (check.id, *check.aliases):
                if name in self._checks or name in self._aliases:
                    raise RegistryError(f'check id "{name}" is defined twice')
            self._checks[check.id] = check
            self._aliases.update(dict.fromkeys(check.aliases, check.id))
        for check in self._checks.values():
            missing = sorted(check.requires - self._checks.keys())
            if missing:
                raise RegistryError(f'check "{check.id}" requires unknown check(s): {missing}')
            for required in check.requires:
                try:  # a prerequisite runs with its default parameters
                    self._checks[required].Params()
                except ValidationError:
                    raise RegistryError(
                        f'check "{check.id}" requires "{required}", whose parameters have no '
                        "defaults; a prerequisite must run without parameters"
                    ) from None
        # A planned id that a plugin (or a newer golive) now implements is simply superseded.
        self._planned = {p.id: p for p in planned if p.id not in self._checks}

    @classmethod
    def discover(cls) -> Registry:
        """Load the checks of every installed `golive.checks` entry point."""
        found: list[type[Check]] = []
        fixtures: dict[str, Callable[..., Any]] = dict(FIXTURES)
        for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = entry.load()
            except Exception as exc:
                raise RegistryError(
                    f'the check plugin "{entry.name}" ({entry.value}) failed to load: '
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            found.extend(_checks_in(loaded, entry.name))
            for name, provider in _fixtures_in(loaded).items():
                if name in fixtures or name in SEEDS:
                    raise RegistryError(
                        f'the check plugin "{entry.name}" defines fixture "{name}" a second time'
                    )
                fixtures[name] = provider
        return cls(found, planned_checks(), fixtures=fixtures)

    def get(self, check_id: str) -> type[Check] | None:
        return self._checks.get(self._aliases.get(check_id, check_id))

    def planned(self, check_id: str) -> PlannedCheck | None:
        return self._planned.get(check_id)

    def canonical(self, check_id: str) -> str:
        return self._aliases.get(check_id, check_id)

    def known_ids(self) -> list[str]:
        return sorted([*self._checks, *self._planned])

    def planned_checks(self) -> Mapping[str, PlannedCheck]:
        return self._planned

    def __iter__(self) -> Iterator[type[Check]]:
        return iter(sorted(self._checks.values(), key=lambda check: check.id))

    def __contains__(self, check_id: object) -> bool:
        return isinstance(check_id, str) and self.get(check_id) is not None

    def __len__(self) -> int:
        return len(self._checks)


def _checks_in(loaded: Any, source: str) -> list[type[Check]]:
    if isinstance(loaded, ModuleType):
        return [
            value
            for value in vars(loaded).values()
            if inspect.isclass(value)
            and issubclass(value, Check)
            and value.__module__ == loaded.__name__
            and not inspect.isabstract(value)
            and "id" in vars(value)
        ]
    if isinstance(loaded, Iterable):
        checks = list(loaded)
        if all(inspect.isclass(c) and issubclass(c, Check) for c in checks):
            return checks
    raise RegistryError(
        f'the check plugin "{source}" must name a module or a sequence of Check classes'
    )


def _fixtures_in(loaded: Any) -> Mapping[str, Callable[..., Any]]:
    """A family module may share fixtures of its own through a module-level `FIXTURES`."""
    provided = getattr(loaded, "FIXTURES", None) if isinstance(loaded, ModuleType) else None
    if provided is None or provided is FIXTURES:
        return {}
    if not isinstance(provided, Mapping) or not all(callable(f) for f in provided.values()):
        raise RegistryError(f"{loaded.__name__}.FIXTURES must map names to functions")
    return provided


def _validate(check: type[Check], fixtures: Collection[str]) -> None:
    name = check.__qualname__
    check_id = getattr(check, "id", None)
    if not isinstance(check_id, str) or not _ID.match(check_id):
        raise RegistryError(f'{name}: id "{check_id}" is not a dotted lower-case id')
    if not isinstance(getattr(check, "kind", None), Kind) or check.kind is Kind.ATTEST:
        raise RegistryError(f"{check_id}: kind must be one of static, tool, live, evidence")
    if check.run is Check.run:
        raise RegistryError(f"{check_id}: defines no run() method")
    if not (inspect.isclass(check.Params) and issubclass(check.Params, CheckParams)):
        raise RegistryError(f"{check_id}: Params must subclass CheckParams")
    unknown = [f for f in check.fixture_names() if f not in fixtures and f not in SEEDS]
    if unknown:
        known = ", ".join(sorted([*fixtures, *SEEDS]))
        raise RegistryError(
            f"{check_id}: run() asks for unknown fixture(s) {unknown}; known: {known}"
        )


def planned_checks() -> list[PlannedCheck]:
    """The planned catalog shipped with golive (`planned.toml`)."""
    text = resources.files("golive.checks").joinpath("planned.toml").read_text("utf-8")
    return [
        PlannedCheck(
            id=check_id, kind=Kind(spec["kind"]), title=spec["title"], params=spec.get("params", {})
        )
        for check_id, spec in tomllib.loads(text)["checks"].items()
    ]
