"""Reading checklists: find the service's file, resolve its profiles, merge, validate.

A profile may extend others; a service file names one or more profiles, later ones override
earlier ones, and its own `[items]` override or add to them. An item keeps a record of which
file set each of its fields, so a problem is reported where it was written.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from golive.checklist._errors import ConfigError, Problem, SourceFile, did_you_mean, problems_from
from golive.checklist._schema import (
    CheckDefaultsSpec,
    ItemSpec,
    ProfileFile,
    ScannerSpec,
    SectionSpec,
    ServiceFile,
)
from golive.checks.fixtures import ServiceInfo
from golive.checks.registry import Registry
from golive.model import (
    AttestRequirement,
    CheckRef,
    Item,
    Kind,
    Level,
    Match,
    Policy,
    Section,
    Target,
)
from golive.thresholds import Dimension, parse_duration, parse_quantity

__all__ = ["Checklist", "builtin_profiles", "load_checklist", "load_profile"]

CONFIG_FILE = "golive.toml"


@dataclass(frozen=True, kw_only=True)
class Checklist:
    """A resolved checklist: every item with its checks' validated parameters."""

    service: str
    profiles: tuple[str, ...]
    sections: tuple[Section, ...]
    items: tuple[Item, ...]
    policy: Policy = field(default_factory=Policy)
    targets: tuple[Target, ...] = ()
    source: str | None = None  # the service's checklist file, if it has one
    notes: tuple[str, ...] = ()  # things worth saying that are not errors (deprecated ids)
    exclude: tuple[str, ...] = ()  # paths the review leaves out ([service] exclude)
    about: ServiceInfo | None = None  # what [service] and [targets] declare
    version: str | None = None  # [service] version, when declared

    def item(self, item_id: str) -> Item | None:
        return next((item for item in self.items if item.id == item_id), None)


def builtin_profiles() -> list[str]:
    folder = resources.files("golive.checklist").joinpath("profiles")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_profile(name: str, registry: Registry) -> Checklist:
    """One profile on its own (a built-in name or a path), as `golive coverage` shows it."""
    builder = _Builder(registry)
    builder.add_profile(name, base=Path.cwd(), referrer=None)
    return builder.build(service=Path(name).stem, profiles=(name,))


def load_checklist(
    root: Path,
    registry: Registry,
    *,
    config: Path | None = None,
    profiles: Sequence[str] | None = None,
) -> Checklist:
    """The checklist of the service at `root`: its golive.toml (or [tool.golive]) resolved."""
    source = _find_config(root, config)
    spec, early = _service_spec(source)
    builder = _Builder(registry)
    builder.report(early)
    names = tuple(profiles) if profiles else tuple(spec.service.profiles)
    base = Path(source.display).parent if source else root
    for index, name in enumerate(names):
        referrer = (source, ("service", "profiles", index)) if source and not profiles else None
        builder.add_profile(name, base=base, referrer=referrer)
    if source is not None:
        builder.apply(source, spec.sections, spec.items, spec.checks)
        builder.scanners(source, spec.scanners)
    checklist = builder.build(service=spec.service.name or _service_name(root), profiles=names)
    targets = tuple(
        Target(
            name=name,
            url=t.url,
            allow_private=t.allow_private,
            consent=t.consent,
            environment=t.environment,
            ca=str((base / t.ca).absolute()) if t.ca else None,
            token_env=t.token_env,
            auth_scheme=t.auth_scheme,
            default=t.default,
            max_rate=parse_quantity(t.max_rate, dimension=Dimension.RATE).value
            if t.max_rate
            else None,
            confirm_production=t.confirm_production,
        )
        for name, t in spec.targets.items()
    )
    return Checklist(
        service=checklist.service,
        profiles=checklist.profiles,
        sections=checklist.sections,
        items=checklist.items,
        policy=Policy(
            unknown=spec.policy.unknown,
            strict=spec.policy.strict,
            binding=spec.policy.binding,
            approvers=tuple(spec.policy.approvers),
            warn_before=parse_duration(spec.policy.warn_before),
            max_waiver=parse_duration(spec.policy.max_waiver),
        ),
        targets=targets,
        source=source.display if source else None,
        notes=checklist.notes,
        exclude=tuple(spec.service.exclude),
        version=spec.service.version,
        about=ServiceInfo(
            name=checklist.service,
            liveness=spec.service.health.liveness,
            readiness=spec.service.health.readiness,
            rto=_seconds(spec.service.recovery.rto),
            rpo=_seconds(spec.service.recovery.rpo),
            targets=targets,
        ),
    )


def _service_spec(source: SourceFile | None) -> tuple[ServiceFile, list[Problem]]:
    """The service file's own tables; a broken table is reported and replaced by its default,
    so the items are still checked and every problem is reported in one run."""
    if source is None:
        return ServiceFile(), []
    try:
        return ServiceFile.model_validate(source.data), []
    except ValidationError as exc:
        problems = problems_from(exc, source, ServiceFile)
        broken = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
    usable = {key: value for key, value in source.data.items() if key not in broken}
    try:
        return ServiceFile.model_validate(usable), problems
    except ValidationError:  # the defaults of the rest cannot stand in: report what we have
        raise ConfigError(problems) from None


def _seconds(text: str | None) -> float | None:
    return parse_duration(text) if text is not None else None


def _find_config(root: Path, config: Path | None) -> SourceFile | None:
    if config is not None:
        return _read(config, required=True)
    found = _read(root / CONFIG_FILE, required=False)
    if found is not None:
        return found
    pyproject = _read(root / "pyproject.toml", required=False, prefix=("tool", "golive"))
    if pyproject is not None and pyproject.data:
        return pyproject
    return None


def _read(path: Path, *, required: bool, prefix: tuple[str, ...] = ()) -> SourceFile | None:
    display = _display(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError([Problem(message="no such file", file=display)]) from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(message=f"cannot be read: {exc}", file=display)]) from None
    return SourceFile.parse(display, text, prefix)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _service_name(root: Path) -> str:
    """The package name from Cargo.toml or pyproject.toml, else the directory's name."""
    for manifest, keys in (
        ("Cargo.toml", ("package", "name")),
        ("pyproject.toml", ("project", "name")),
    ):
        try:
            data: Any = tomllib.loads((root / manifest).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        for key in keys:
            data = data.get(key) if isinstance(data, dict) else None
        if isinstance(data, str):
            return data
    return root.resolve().name


# --- merging ----------------------------------------------------------------------------------

_Where = tuple[SourceFile, tuple[str | int, ...]]


@dataclass
class _Draft:
    """An item while its profiles and overrides are merged; `where` remembers who set what."""

    id: str
    values: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    where: dict[str, _Where] = field(default_factory=dict)
    first: _Where | None = None


class _Builder:
    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._sections: dict[str, Section] = {}
        self._section_where: dict[str, _Where] = {}
        self._drafts: dict[str, _Draft] = {}
        self._loaded: set[str] = set()
        self._stack: list[str] = []
        self._notes: list[str] = []
        self._merged: dict[str, str] = {}  # folded item -> the item it lives on in
        self._problems: list[Problem] = []  # collected, so all are reported at once
        # [checks."id"]: parameters for every use of a check, and where each was written.
        self._defaults: dict[str, dict[str, Any]] = {}
        self._default_where: dict[tuple[str, str], _Where] = {}
        self._default_timeouts: dict[str, float] = {}
        self._valid: dict[str, dict[str, Any]] = {}
        # [scanners.TOOL]: per tool, the report and age it says, and item -> rules with where
        self._scanners: dict[str, dict[str, Any]] = {}
        self._scanner_rules: dict[tuple[str, str], tuple[list[str], _Where]] = {}

    def report(self, problems: list[Problem]) -> None:
        """Problems found before the builder ran; raised with the rest by `build`."""
        self._problems += problems

    def add_profile(self, ref: str, *, base: Path, referrer: _Where | None) -> None:
        source, key = self._open_profile(ref, base, referrer)
        if key in self._loaded:
            return  # a profile reached twice (A extends B and C, both extend D) merges once
        if key in self._stack:
            cycle = " -> ".join([*self._stack, key])
            raise ConfigError([_at(referrer, f"profiles extend each other in a cycle: {cycle}")])
        try:
            spec = ProfileFile.model_validate(source.data)
        except ValidationError as exc:
            raise ConfigError(problems_from(exc, source, ProfileFile)) from None
        self._stack.append(key)
        here = Path(source.display).parent
        for index, parent in enumerate(spec.profile.extends):
            self.add_profile(parent, base=here, referrer=(source, ("profile", "extends", index)))
        self._stack.pop()
        self._loaded.add(key)
        self.apply(source, spec.sections, spec.items, spec.checks)
        self.scanners(source, spec.scanners)
        for folded, target in spec.merge.items():
            if isinstance(target, str):
                self._merge(source, folded, target)
            else:
                self._cover(source, folded, target)

    def _open_profile(
        self, ref: str, base: Path, referrer: _Where | None
    ) -> tuple[SourceFile, str]:
        if ref.endswith(".toml") or "/" in ref:
            path = (base / ref).resolve()
            if not path.is_file():
                raise ConfigError([_at(referrer, f'profile file "{ref}" does not exist')])
            found = _read(path, required=True)
            assert found is not None
            return found, str(path)
        names = builtin_profiles()
        if ref not in names:
            hint = did_you_mean(ref, names)
            raise ConfigError(
                [
                    _at(
                        referrer,
                        f'unknown profile "{ref}"{hint}; built-in profiles: {", ".join(names)}',
                    )
                ]
            )
        text = (
            resources.files("golive.checklist").joinpath(f"profiles/{ref}.toml").read_text("utf-8")
        )
        return SourceFile.parse(f"golive:profiles/{ref}.toml", text), f"builtin:{ref}"

    def apply(
        self,
        source: SourceFile,
        sections: dict[str, SectionSpec],
        items: dict[str, Any],
        checks: dict[str, CheckDefaultsSpec],
    ) -> None:
        for check_id, defaults in checks.items():
            self._check_defaults(source, check_id, defaults)
        for section_id, section in sections.items():
            self._sections[section_id] = Section(id=section_id, title=section.title)
            self._section_where.setdefault(section_id, (source, ("sections", section_id)))
        for item_id, raw in items.items():
            try:
                spec = ItemSpec.model_validate(raw)
            except ValidationError as exc:
                base = ("items", item_id)
                self._problems += problems_from(exc, source, ItemSpec, base=base, item=item_id)
                continue
            if item_id in self._merged:
                target = self._merged[item_id]
                raise ConfigError(
                    [
                        _at(
                            (source, ("items", item_id)),
                            f'this item is merged into "{target}"; change "{target}" instead',
                            item=item_id,
                            key=True,
                        )
                    ]
                )
            draft = self._drafts.setdefault(item_id, _Draft(id=item_id))
            draft.first = draft.first or (source, ("items", item_id))
            for name in spec.model_fields_set:
                value = getattr(spec, name)
                key = "with" if name == "with_" else name
                if key == "with":
                    for param, param_value in value.items():
                        draft.params[param] = param_value
                        draft.where[f"with.{param}"] = (source, ("items", item_id, "with", param))
                    continue
                draft.values[key] = value
                draft.where[key] = (source, ("items", item_id, key))

    def scanners(self, source: SourceFile, scanners: dict[str, ScannerSpec]) -> None:
        """Another scanner's rules mapped onto items; a later file's mapping of an item (or
        report, or age) replaces an earlier one's."""
        for tool, spec in scanners.items():
            settings = self._scanners.setdefault(tool, {})
            if spec.report is not None:
                settings["report"] = spec.report
            if spec.max_age is not None:
                settings["max_age"] = spec.max_age
            for item_id, rules in spec.items.items():
                where = (source, ("scanners", tool, "items", item_id))
                self._scanner_rules[tool, item_id] = (rules, where)

    def _scanner_refs(self, items: list[Item], problems: list[Problem]) -> list[Item]:
        """Each item with a `scan.findings` check per scanner whose rules map onto it."""
        if not self._scanner_rules:
            return items
        check = self._registry.get("scan.findings")
        planned = self._registry.planned("scan.findings")
        model = check.Params if check is not None else planned.Params if planned else None
        kind = check.kind if check is not None else Kind.EVIDENCE
        by_id = {item.id: index for index, item in enumerate(items)}
        for (tool, item_id), (rules, where) in self._scanner_rules.items():
            index = by_id.get(item_id)
            if index is None:
                hint = did_you_mean(item_id, by_id)
                problems.append(_at(where, f'scanner {tool}: no item "{item_id}"{hint}', key=True))
                continue
            if model is None:
                continue
            given = {"tool": tool, "rules": rules, **self._scanners.get(tool, {})}
            try:
                params = model.model_validate(given)
            except ValidationError as exc:
                problems.append(_at(where, f"scanner {tool}: {exc.errors()[0]['msg']}"))
                continue
            item = items[index]
            ref = CheckRef(id="scan.findings", kind=kind, params=params, planned=check is None)
            items[index] = replace(item, checks=(*item.checks, ref))
        return items

    def _check_defaults(self, source: SourceFile, check_id: str, spec: CheckDefaultsSpec) -> None:
        canonical = self._registry.canonical(check_id)
        if self._registry.get(canonical) is None and self._registry.planned(canonical) is None:
            hint = did_you_mean(check_id, self._registry.known_ids())
            where = (source, ("checks", check_id))
            self._problems.append(_at(where, f'unknown check "{check_id}"{hint}', key=True))
            return
        for param, value in spec.with_.items():
            self._defaults.setdefault(canonical, {})[param] = value
            self._default_where[canonical, param] = (source, ("checks", check_id, "with", param))
        if spec.timeout is not None:
            self._default_timeouts[canonical] = parse_duration(spec.timeout)

    def _valid_defaults(self) -> dict[str, dict[str, Any]]:
        """The [checks] parameters each check accepts and validates; the others are problems,
        reported once, where they were written."""
        valid: dict[str, dict[str, Any]] = {}
        for check_id, given in self._defaults.items():
            check = self._registry.get(check_id) or self._registry.planned(check_id)
            assert check is not None  # unknown ids never reach _defaults
            model = check.Params
            accepted = sorted(_param_names(model))
            bad = [param for param in given if not _accepts(model, param)]
            for param in bad:
                listing = f"; it accepts: {', '.join(accepted)}" if accepted else "; it takes none"
                message = (
                    f'check "{check_id}" has no parameter "{param}"'
                    f"{did_you_mean(param, accepted)}{listing}"
                )
                self._problems.append(_at(self._default_where[check_id, param], message, key=True))
            known = {param: value for param, value in given.items() if param not in bad}
            try:
                model.model_validate(known)
            except ValidationError as exc:
                for error in exc.errors(include_url=False):
                    source, path = self._default_where[check_id, str(error["loc"][0])]
                    self._problems += problems_from([error], source, model, base=path[:-1])
                continue
            valid[check_id] = known
        return valid

    def _cover(self, source: SourceFile, folded: str, targets: list[str]) -> None:
        """Item `folded` is covered by `targets` together: its origin and level carry over."""
        where = (source, ("merge", folded))
        self._require(where, folded, *targets)
        old = self._drafts.pop(folded)
        for target in targets:
            new = self._drafts[target]
            new.values["level"] = _stricter(old, new)
            new.values["origin"] = [
                *(new.values.get("origin") or []),
                *(old.values.get("origin") or []),
            ]
        self._merged[folded] = targets[0]

    def _require(self, where: _Where, *item_ids: str) -> None:
        for item_id in item_ids:
            if item_id not in self._drafts:
                hint = did_you_mean(item_id, self._drafts)
                raise ConfigError([_at(where, f'merge names unknown item "{item_id}"{hint}')])

    def _merge(self, source: SourceFile, folded: str, target: str) -> None:
        """Fold item `folded` into `target`: one requirement, verified by both their checks.

        The target keeps its title and section; checks and parameters are the union (the
        target's win a tie), the level is the stricter, sign-off and origins carry over.
        """
        self._require((source, ("merge", folded)), folded, target)
        old = self._drafts.pop(folded)
        new = self._drafts[target]
        ids = {spec.id for spec in new.values.get("checks") or []}
        extra = [spec for spec in old.values.get("checks") or [] if spec.id not in ids]
        if extra:
            new.values["checks"] = [*(new.values.get("checks") or []), *extra]
            new.where.setdefault("checks", old.where["checks"])
        for param, value in old.params.items():
            if param not in new.params:
                new.params[param] = value
                new.where[f"with.{param}"] = old.where[f"with.{param}"]
        new.values["level"] = _stricter(old, new)
        for key in ("attest", "why"):
            if key in old.values and key not in new.values:
                new.values[key] = old.values[key]
        new.values["origin"] = [
            *(new.values.get("origin") or []),
            *(old.values.get("origin") or []),
        ]
        self._merged[folded] = target
        for earlier, into in self._merged.items():
            if into == folded:
                self._merged[earlier] = target

    def build(self, *, service: str, profiles: Sequence[str]) -> Checklist:
        self._valid = self._valid_defaults()
        problems = self._problems
        for section_id in self._sections:
            parent = self._sections[section_id].parent
            if parent is not None and parent not in self._sections:
                self._sections[parent] = Section(id=parent, title=parent)  # implied heading
        items = [item for draft in self._drafts.values() if (item := self._item(draft, problems))]
        items = self._scanner_refs(items, problems)
        if problems:
            # One problem per place and message (a parameter two checks share is reported
            # once), in file order.
            unique = {str(problem): problem for problem in problems}
            raise ConfigError(
                sorted(unique.values(), key=lambda p: (p.file or "", p.line or 0, p.column or 0))
            )
        sections = _tree_order(self._sections)
        order = {section.id: index for index, section in enumerate(sections)}
        items.sort(key=lambda item: order.get(item.section, len(order)))  # stable within a section
        used = {
            ".".join(item.section.split(".")[:depth])
            for item in items
            for depth in range(1, item.section.count(".") + 2)
        }  # every section holding an item, and all its ancestors
        return Checklist(
            service=service,
            profiles=tuple(profiles),
            sections=tuple(s for s in sections if s.id in used),
            items=tuple(items),
            notes=tuple(dict.fromkeys(self._notes)),
        )

    def _item(self, draft: _Draft, problems: list[Problem]) -> Item | None:
        values = draft.values
        missing = [key for key in ("title", "section") if key not in values]
        if missing:
            known = [d.id for d in self._drafts.values() if "title" in d.values]
            message = (
                f"unknown item{did_you_mean(draft.id, known)} (a new item needs "
                f"{' and '.join(missing)})"
            )
            problems.append(_at(draft.first, message, item=draft.id, key=True))
            return None
        if values["section"] not in self._sections:
            hint = did_you_mean(values["section"], self._sections)
            problems.append(
                _at(
                    draft.where["section"],
                    f'unknown section "{values["section"]}"{hint}',
                    item=draft.id,
                )
            )
            return None
        refs = self._check_refs(draft, problems)
        attest = values.get("attest")
        return Item(
            id=draft.id,
            title=values["title"],
            section=values["section"],
            level=values.get("level") or Level.MUST,
            checks=refs,
            match=values.get("match") or Match.ALL,
            attest=AttestRequirement(role=attest.role, expires=attest.expires) if attest else None,
            disabled=values.get("disabled"),
            why=values.get("why"),
            origin=tuple(values.get("origin") or ()),
            timeout=parse_duration(values["timeout"]) if values.get("timeout") else None,
        )

    def _check_refs(self, draft: _Draft, problems: list[Problem]) -> tuple[CheckRef, ...]:
        found: list[tuple[str, Any, type[BaseModel], bool]] = []  # id, kind, Params, planned
        for index, spec in enumerate(draft.values.get("checks") or []):
            check = self._registry.get(spec.id)
            planned = self._registry.planned(spec.id)
            if check is not None:
                if check.id != spec.id:
                    self._notes.append(
                        f'check id "{spec.id}" is now "{check.id}"; update the checklist'
                    )
                found.append((check.id, check.kind, check.Params, False))
            elif planned is not None:
                found.append((planned.id, planned.kind, planned.Params, True))
            else:
                hint = did_you_mean(spec.id, self._registry.known_ids())
                where = (draft.where["checks"][0], (*draft.where["checks"][1], index))
                problems.append(_at(where, f'unknown check "{spec.id}"{hint}', item=draft.id))
        owners = {
            param: [entry for entry in found if _accepts(entry[2], param)] for param in draft.params
        }
        for param, accepting in owners.items():
            if accepting:
                continue
            if not draft.values.get("checks"):
                message = f'parameter "{param}" given, but the item has no checks to take it'
            elif found:
                accepted = sorted({name for entry in found for name in _param_names(entry[2])})
                listing = f"; its checks accept: {', '.join(accepted)}" if accepted else ""
                message = (
                    f'unknown parameter "{param}"{did_you_mean(param, accepted)}'
                    f"{listing or '; its checks take none'}"
                )
            else:
                continue  # its checks are all unknown, and reported as such
            where = draft.where[f"with.{param}"]
            problems.append(_at(where, message, item=draft.id, key=True))
        refs = []
        for check_id, kind, model, is_planned in found:
            given = {p: v for p, v in draft.params.items() if _accepts(model, p)}
            given = {**self._valid.get(check_id, {}), **given}  # the item's own win
            try:
                params = model.model_validate(given)
            except ValidationError as exc:
                problems.extend(self._param_problems(exc, draft, model))
                continue
            timeout = self._default_timeouts.get(check_id)
            refs.append(
                CheckRef(id=check_id, kind=kind, params=params, planned=is_planned, timeout=timeout)
            )
        return tuple(refs)

    def _param_problems(
        self, exc: ValidationError, draft: _Draft, model: type[BaseModel]
    ) -> Iterator[Problem]:
        for error in exc.errors(include_url=False):
            param = str(error["loc"][0]) if error["loc"] else ""
            source, path = draft.where.get(f"with.{param}") or draft.first or (None, ())
            if source is None:
                yield Problem(message=error["msg"], item=draft.id)
                continue
            yield from problems_from([error], source, model, base=path[:-1], item=draft.id)


def _tree_order(sections: dict[str, Section]) -> list[Section]:
    """Sections with each one's subsections right after it, otherwise in order of definition."""
    children: dict[str | None, list[Section]] = {}
    for section in sections.values():
        parent = section.parent if section.parent in sections else None
        children.setdefault(parent, []).append(section)
    ordered: list[Section] = []
    pending = list(reversed(children.get(None, [])))
    while pending:
        section = pending.pop()
        ordered.append(section)
        pending.extend(reversed(children.get(section.id, [])))
    return ordered


def _stricter(*drafts: _Draft) -> Level:
    levels = [Level.MUST, Level.SHOULD, Level.MAY]
    return min((d.values.get("level") or Level.MUST for d in drafts), key=levels.index)


def _accepts(model: type[BaseModel], param: str) -> bool:
    return param in _param_names(model)


def _param_names(model: type[BaseModel]) -> set[str]:
    return {
        name
        for field_name, info in model.model_fields.items()
        for name in (field_name, info.alias)
        if name
    }


def _at(
    where: _Where | None, message: str, *, item: str | None = None, key: bool = False
) -> Problem:
    if where is None:
        return Problem(message=message, item=item)
    source, path = where
    return source.problem(path, message, item=item, key=key)
