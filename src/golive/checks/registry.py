"""The catalog of checks: built-in and third-party checks from entry points, plus planned ones.

Checks arrive through the `golive.checks` entry-point group; the built-in families use it
too. An entry point names a module (every concrete `Check` subclass defined in it is taken)
or a sequence of check classes. Its name is the namespace of the ids it provides, the part
before the first dot (`docker` provides `docker.*`); a family with several namespaces is
registered once per namespace, and a second entry point for a namespace takes a suffix
(`docs.topics`). That lets a review import only the families its checklist names: a
checklist of Dockerfile checks never pays for importing the Rust family. Planned checks come
from `planned.toml` in this package.
"""

from __future__ import annotations

import functools
import importlib.metadata
import inspect
import re
import threading
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
_NAMESPACE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


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
    """Every check golive knows, by id (aliases resolve to the current id).

    Built from classes, or by `discover` from entry points, which are imported on first use:
    asking for `k8s.probes` imports the entry points named `k8s` (or `k8s.<suffix>`) and no
    other. Asking for the whole catalog (`known_ids`, iteration) imports everything.
    """

    def __init__(
        self,
        checks: Iterable[type[Check]],
        planned: Iterable[PlannedCheck] = (),
        *,
        fixtures: Mapping[str, Callable[..., Any]] = FIXTURES,
    ) -> None:
        self._checks: dict[str, type[Check]] = {}
        self._aliases: dict[str, str] = {}
        self._fixtures: dict[str, Callable[..., Any]] = dict(fixtures)
        self._planned_all = {p.id: p for p in planned}
        self._pending: dict[str, list[importlib.metadata.EntryPoint]] = {}
        self._namespaces: dict[str, set[str]] = {}  # entry-point value -> its namespaces
        self._lock = threading.RLock()
        self._add(list(checks), namespaces=None, source="")

    @classmethod
    def discover(
        cls, entry_points: Iterable[importlib.metadata.EntryPoint] | None = None
    ) -> Registry:
        """The checks of every installed `golive.checks` entry point (or of `entry_points`),
        each imported when a check of its namespace is first asked for."""
        if entry_points is None:
            entry_points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        registry = cls((), planned_checks())
        for entry in entry_points:
            namespace = entry.name.partition(".")[0]
            if not _NAMESPACE.match(namespace):
                raise RegistryError(
                    f'the check plugin "{entry.name}" ({entry.value}): an entry point is named '
                    "after the namespace of its check ids (`acme` for `acme.*`)"
                )
            registry._pending.setdefault(namespace, []).append(entry)
            registry._namespaces.setdefault(entry.value, set()).add(namespace)
        return registry

    @property
    def fixtures(self) -> Mapping[str, Callable[..., Any]]:
        """The fixture providers of golive and of every family imported so far."""
        return self._fixtures

    def fixtures_for(self, check: type[Check]) -> Mapping[str, Callable[..., Any]]:
        """The fixture providers, with those `check` needs imported (it may be a class the
        registry does not hold, as in a check's own tests)."""
        self._load(getattr(check, "id", ""))
        with self._lock:
            self._complete_fixtures([check])
        return self._fixtures

    def get(self, check_id: str) -> type[Check] | None:
        self._load(check_id)
        with self._lock:
            return self._checks.get(self._aliases.get(check_id, check_id))

    def planned(self, check_id: str) -> PlannedCheck | None:
        """The planned check with this id, unless a built check now implements it."""
        if self.get(check_id) is not None:
            return None
        return self._planned_all.get(check_id)

    def canonical(self, check_id: str) -> str:
        self._load(check_id)
        with self._lock:
            return self._aliases.get(check_id, check_id)

    def known_ids(self) -> list[str]:
        return sorted({*self._all_checks(), *self.planned_checks()})

    def planned_checks(self) -> Mapping[str, PlannedCheck]:
        built = self._all_checks()
        return {i: p for i, p in self._planned_all.items() if i not in built}

    def __iter__(self) -> Iterator[type[Check]]:
        return iter(sorted(self._all_checks().values(), key=lambda check: check.id))

    def __contains__(self, check_id: object) -> bool:
        return isinstance(check_id, str) and self.get(check_id) is not None

    def __len__(self) -> int:
        return len(self._all_checks())

    def _all_checks(self) -> dict[str, type[Check]]:
        for namespace in list(self._pending):
            self._load_namespace(namespace)
        return self._checks

    def _load(self, check_id: str) -> None:
        self._load_namespace(check_id.partition(".")[0])

    def _load_namespace(self, namespace: str) -> None:
        with self._lock:
            for entry in self._pending.pop(namespace, []):
                self._load_entry(entry)

    def _load_entry(self, entry: importlib.metadata.EntryPoint) -> None:
        namespaces = self._namespaces.pop(entry.value, None)
        if namespaces is None:
            return  # the same module under another namespace: already taken
        for others in self._pending.values():  # it is loaded now, under every name it has
            others[:] = [e for e in others if e.value != entry.value]
        try:
            loaded = entry.load()
        except Exception as exc:
            raise RegistryError(
                f'the check plugin "{entry.name}" ({entry.value}) failed to load: '
                f"{type(exc).__name__}: {exc}"
            ) from exc
        provided = _fixtures_in(loaded)
        for name in provided:
            if name in self._fixtures or name in SEEDS:
                raise RegistryError(
                    f'the check plugin "{entry.name}" defines fixture "{name}" a second time'
                )
        self._fixtures.update(provided)
        self._add(_checks_in(loaded, entry.name), namespaces=namespaces, source=entry.name)

    def _add(self, checks: list[type[Check]], *, namespaces: set[str] | None, source: str) -> None:
        """Validate and take `checks`; `namespaces`, when given, are the only ones allowed."""
        for check in checks:
            for name in (getattr(check, "id", None), *getattr(check, "aliases", ())):
                if namespaces is not None and (
                    not isinstance(name, str) or name.partition(".")[0] not in namespaces
                ):
                    allowed = ", ".join(f"{n}.*" for n in sorted(namespaces))
                    raise RegistryError(
                        f'the check plugin "{source}" provides "{name}" outside its '
                        f"namespace ({allowed}); register the module under that namespace too"
                    )
        self._complete_fixtures(checks)
        for check in checks:
            _validate(check, self._fixtures.keys())
            for name in (check.id, *check.aliases):
                if name in self._checks or name in self._aliases:
                    raise RegistryError(f'check id "{name}" is defined twice')
            self._checks[check.id] = check
            self._aliases.update(dict.fromkeys(check.aliases, check.id))
        for check in checks:
            self._validate_requires(check)

    def _complete_fixtures(self, checks: list[type[Check]]) -> None:
        """Import every family when a check or fixture needs a fixture not known yet (it may
        come from any family), so that the error, if any, is about a fixture nobody has."""
        needed = {name for check in checks for name in check.fixture_names()}
        needed |= {name for provider in self._fixtures.values() for name in _parameters(provider)}
        if needed - self._fixtures.keys() - SEEDS:
            self._all_checks()

    def _validate_requires(self, check: type[Check]) -> None:
        for required in check.requires:
            prerequisite = self.get(required)
            if prerequisite is None:
                raise RegistryError(f'check "{check.id}" requires unknown check(s): {[required]}')
            try:  # a prerequisite runs with its default parameters
                prerequisite.Params()
            except ValidationError:
                raise RegistryError(
                    f'check "{check.id}" requires "{required}", whose parameters have no '
                    "defaults; a prerequisite must run without parameters"
                ) from None


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


def _parameters(provider: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(provider).parameters)


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
        for check_id, spec in tomllib.loads(text).get("checks", {}).items()
    ]
