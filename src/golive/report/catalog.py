"""The check catalog and checklist coverage as data and text (docs/checks.md is made here)."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from golive.checklist import Checklist
from golive.checks.base import Check
from golive.checks.registry import PlannedCheck, Registry
from golive.model import Item, Kind

__all__ = ["CoverageRow", "catalog_markdown", "coverage", "param_rows"]

_KIND_ORDER = [Kind.STATIC, Kind.TOOL, Kind.LIVE, Kind.EVIDENCE]


def param_rows(check: type[Check] | PlannedCheck) -> list[tuple[str, str, str]]:
    """(name, type, default) for each parameter of a check."""
    if isinstance(check, PlannedCheck):
        return [(name, kind, "") for name, kind in check.params.items()]
    rows = []
    for name, info in check.Params.model_fields.items():
        rows.append((info.alias or name, _type_name(info), _default(info)))
    return rows


def _type_name(info: FieldInfo) -> str:
    return _annotation_name(info.annotation)


def _annotation_name(annotation: Any) -> str:
    """`str | None`, `list[str]`, `Threshold`: how a parameter's type reads to a person."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _annotation_name(args[0])
    if origin in {typing.Union, types.UnionType}:
        return " | ".join(_annotation_name(arg) for arg in args)
    if origin is not None:
        inner = ", ".join(_annotation_name(arg) for arg in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    if annotation is type(None):
        return "None"
    return str(getattr(annotation, "__name__", annotation)).replace("typing.", "")


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]  # factories here take no data
    elif info.default is PydanticUndefined:
        return "required"
    else:
        value = info.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def catalog_markdown(registry: Registry) -> str:
    """The catalog page: every built check with its doc and parameters, then the planned ones."""
    lines = [
        "# Check catalog",
        "",
        "Generated from the code by `golive checks --format markdown`; a test fails when this",
        "page is stale. `golive explain ID` prints the same for one check.",
        "",
    ]
    families: dict[str, list[type[Check]]] = {}
    for check in registry:
        families.setdefault(check.id.partition(".")[0], []).append(check)
    for family, checks in sorted(families.items()):
        lines += [f"## {family}", ""]
        for check in checks:
            lines += [f"### `{check.id}` ({check.kind.value})", "", check.title(), ""]
            if check.description():
                lines += [check.description(), ""]
            rows = param_rows(check)
            if rows:
                lines += ["| parameter | type | default |", "|---|---|---|"]
                lines += [f"| `{n}` | {_cell(t)} | {_cell(d)} |" for n, t, d in rows]
                lines.append("")
            if check.fix:
                fix = check.fix.replace("\n", "<br>")
                lines += [f"Fix: {fix}", ""]
    planned = sorted(registry.planned_checks().values(), key=lambda p: p.id)
    if planned:
        lines += [
            "## Planned checks",
            "",
            "Part of the catalog, not built yet: an item verified only by these is reported as",
            "`unverified (planned: <id>)`. Their parameters are validated already.",
            "",
            "| check | kind | what it will verify | parameters |",
            "|---|---|---|---|",
        ]
    for future in planned:
        params = ", ".join(f"`{n}` ({_cell(t)})" for n, t in future.params.items())
        lines.append(f"| `{future.id}` | {future.kind.value} | {_cell(future.title)} | {params} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """`text` for a Markdown table cell: a `|` (as in `str | None`) would end the cell."""
    return text.replace("|", "\\|")


@dataclass(kw_only=True)
class CoverageRow:
    """How one section's items are verified; an item counts once per kind it uses."""

    section: str
    title: str
    items: int = 0
    by_kind: dict[Kind, int] = field(default_factory=lambda: dict.fromkeys(Kind, 0))
    unverified: int = 0
    planned: int = 0  # of the unverified: items whose checks are planned

    def add(self, item: Item) -> None:
        self.items += 1
        for kind in item.verified_by:
            self.by_kind[kind] += 1
        if not item.verified_by:
            self.unverified += 1
            self.planned += bool(item.planned)

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "title": self.title,
            "items": self.items,
            **{kind.value: self.by_kind[kind] for kind in [*_KIND_ORDER, Kind.ATTEST]},
            "unverified": self.unverified,
            "planned": self.planned,
        }


def coverage(checklist: Checklist) -> list[CoverageRow]:
    """One row per top-level section (subsections rolled up), in checklist order."""
    rows: dict[str, CoverageRow] = {}
    titles = {section.id: section.title for section in checklist.sections}
    for section in checklist.sections:
        if section.parent is None:
            rows[section.id] = CoverageRow(section=section.id, title=section.title)
    for item in checklist.items:
        top = _top(item.section, titles)
        rows.setdefault(top, CoverageRow(section=top, title=titles.get(top, top))).add(item)
    return [row for row in rows.values() if row.items]


def _top(section: str, known: Iterable[str]) -> str:
    names = set(known)
    parts = section.split(".")
    for size in range(1, len(parts) + 1):
        candidate = ".".join(parts[:size])
        if candidate in names:
            return candidate
    return section


def describe(check: type[Check] | PlannedCheck) -> str:
    if isinstance(check, PlannedCheck):
        return check.title
    return inspect.cleandoc(check.title() + "\n\n" + check.description())
