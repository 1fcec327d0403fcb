"""`golive checks`, `explain`, `coverage` and `profiles`: what golive knows and how a
checklist is verified."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from golive.cli._app import existing_dir, fail, guard, stdout
from golive.model import Kind

__all__ = ["register"]

_KIND_COLUMNS = [Kind.STATIC, Kind.TOOL, Kind.LIVE, Kind.EVIDENCE, Kind.ATTEST]


def register(app: typer.Typer) -> None:
    app.command("checks")(checks)
    app.command("explain")(explain)
    app.command("coverage")(coverage)
    app.command("profiles")(profiles)


def checks(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="terminal, markdown or json.")
    ] = "terminal",
) -> None:
    """List every check: the built ones and the planned ones."""
    with guard():
        from golive.checks.registry import Registry
        from golive.report.catalog import catalog_markdown, param_rows

        registry = Registry.discover()
        planned = sorted(registry.planned_checks().values(), key=lambda p: p.id)
        if fmt == "markdown":
            print(catalog_markdown(registry), end="")
            return
        if fmt == "json":
            data = [
                {
                    "id": c.id,
                    "kind": c.kind.value,
                    "title": c.title(),
                    "planned": False,
                    "params": [{"name": n, "type": t, "default": d} for n, t, d in param_rows(c)],
                }
                for c in registry
            ] + [
                {
                    "id": p.id,
                    "kind": p.kind.value,
                    "title": p.title,
                    "planned": True,
                    "params": [
                        {"name": n, "type": t, "default": None} for n, t, _ in param_rows(p)
                    ],
                }
                for p in planned
            ]
            print(json.dumps(data, indent=2))
            return
        if fmt != "terminal":
            fail(f'unknown format "{fmt}"; expected terminal, markdown or json')
        from rich.table import Table
        from rich.text import Text

        table = Table(title=f"{len(registry)} checks, {len(planned)} planned", title_justify="left")
        table.add_column("check", style="cyan", no_wrap=True)
        table.add_column("kind")
        table.add_column("title")
        for check in registry:
            table.add_row(check.id, check.kind.value, Text(check.title()))
        for item in planned:
            table.add_row(item.id, item.kind.value, Text(f"planned: {item.title}", style="dim"))
        stdout.print(table)


def explain(
    name: Annotated[str, typer.Argument(help="A check id or an item id.")],
    path: Annotated[
        Path, typer.Option("--path", help="Repository whose checklist to look in.")
    ] = Path(),
    profile: Annotated[
        list[str], typer.Option("--profile", "-p", help="Look in this profile instead.")
    ] = [],  # noqa: B006 -- typer never mutates it
) -> None:
    """Explain a check (what it verifies, its parameters) or an item (how it is verified)."""
    with guard():
        from golive.checklist import load_checklist
        from golive.checklist._errors import did_you_mean
        from golive.checks.registry import Registry

        registry = Registry.discover()
        checklist = load_checklist(existing_dir(path), registry, profiles=profile or None)
        check = registry.get(name) or registry.planned(name)
        if check is not None:
            _explain_check(name, check, checklist)
            return
        item = checklist.item(name)
        if item is not None:
            _explain_item(item, checklist)
            return
        known = [*registry.known_ids(), *(i.id for i in checklist.items)]
        fail(
            f'"{name}" is neither a check nor an item of this checklist{did_you_mean(name, known)}'
        )


def _explain_check(name: str, check: object, checklist: object) -> None:
    from golive.checklist import Checklist
    from golive.checks.base import Check
    from golive.checks.registry import PlannedCheck
    from golive.report.catalog import describe, param_rows

    assert isinstance(checklist, Checklist)
    assert isinstance(check, PlannedCheck) or (isinstance(check, type) and issubclass(check, Check))
    check_id = check.id
    state = "planned (not built yet)" if isinstance(check, PlannedCheck) else "built"
    stdout.print(f"[bold cyan]{check_id}[/] · {check.kind.value} check · {state}", highlight=False)
    if name != check_id:
        stdout.print(f'"{name}" is a former id of this check', style="dim")
    stdout.print(describe(check), markup=False, highlight=False)
    rows = param_rows(check)
    if rows:
        stdout.print("\n[bold]parameters[/]")
        for param, kind, default in rows:
            stdout.print(f"  {param}: {kind}" + (f" = {default}" if default else ""), markup=False)
    if not isinstance(check, PlannedCheck) and check.fix:
        stdout.print("\n[bold]fix[/]")
        stdout.print("  " + check.fix.replace("\n", "\n  "), markup=False)
    users = [i for i in checklist.items if any(ref.id == check_id for ref in i.checks)]
    if users:
        stdout.print(f"\n[bold]verifies[/] ({', '.join(checklist.profiles)})")
        for item in users:
            stdout.print(f"  {item.id}  {item.title}", markup=False, highlight=False)


def _explain_item(item: object, checklist: object) -> None:
    from golive.checklist import Checklist
    from golive.model import Item

    assert isinstance(item, Item) and isinstance(checklist, Checklist)
    section = {s.id: s.title for s in checklist.sections}.get(item.section, item.section)
    stdout.print(f"[bold cyan]{item.id}[/] · {item.level.value} · {section}", highlight=False)
    stdout.print(item.title, markup=False, highlight=False)
    if item.why:
        stdout.print(item.why, markup=False)
    if item.disabled:
        stdout.print(f"disabled: {item.disabled}", markup=False)
    stdout.print(f"\n[bold]verified by[/] ({'all of' if item.match.value == 'all' else 'any of'})")
    for ref in item.checks:
        state = " (planned)" if ref.planned else ""
        params = ref.params.model_dump(exclude_defaults=True, by_alias=True) if ref.params else {}
        shown = f"  {json.dumps(params, default=str)}" if params else ""
        stdout.print(f"  {ref.id} · {ref.kind.value}{state}{shown}", markup=False, highlight=False)
    if item.attest:
        stdout.print(f"  {item.attest}", markup=False)
    if not item.checks and not item.attest:
        stdout.print("  nothing: the item is reported as unverified", style="dim")
    if item.origin:
        stdout.print("\n[bold]origin[/]")
        for origin in item.origin:
            stdout.print(f"  {origin}", markup=False, highlight=False)


def coverage(
    path: Annotated[Path, typer.Argument(help="Repository whose checklist to measure.")] = Path(),
    profile: Annotated[
        list[str], typer.Option("--profile", "-p", help="Measure this profile instead.")
    ] = [],  # noqa: B006 -- typer never mutates it
    fmt: Annotated[str, typer.Option("--format", "-f", help="terminal or json.")] = "terminal",
) -> None:
    """Per section: how many items static, tool, live and evidence checks verify, how many a
    sign-off does, and how many nothing does yet."""
    with guard():
        from golive.checklist import load_checklist, load_profile
        from golive.checks.registry import Registry
        from golive.report.catalog import coverage as measure

        registry = Registry.discover()
        if profile and len(profile) == 1:
            checklist = load_profile(profile[0], registry)
        else:
            checklist = load_checklist(existing_dir(path), registry, profiles=profile or None)
        rows = measure(checklist)
        if fmt == "json":
            print(json.dumps([row.as_dict() for row in rows], indent=2))
            return
        if fmt != "terminal":
            fail(f'unknown format "{fmt}"; expected terminal or json')
        from rich.table import Table
        from rich.text import Text

        total = sum(row.items for row in rows)
        table = Table(
            title=f"{', '.join(checklist.profiles)}: {total} items in {len(rows)} sections",
            title_justify="left",
        )
        table.add_column("section")
        table.add_column("items", justify="right")
        for kind in _KIND_COLUMNS:
            table.add_column("sign-off" if kind is Kind.ATTEST else kind.value, justify="right")
        table.add_column("unverified (planned)", justify="right")
        for row in rows:
            table.add_row(
                Text(row.title),
                str(row.items),
                *(str(row.by_kind[kind] or "") for kind in _KIND_COLUMNS),
                f"{row.unverified} ({row.planned})" if row.unverified else "",
            )
        table.add_section()
        table.add_row(
            "total",
            str(total),
            *(str(sum(r.by_kind[kind] for r in rows)) for kind in _KIND_COLUMNS),
            f"{sum(r.unverified for r in rows)} ({sum(r.planned for r in rows)})",
            style="bold",
        )
        stdout.print(table)
        stdout.print(
            "An item counts once per kind that verifies it; planned checks do not count until "
            "they are built.",
            style="dim",
        )


def profiles() -> None:
    """List the built-in profiles."""
    with guard():
        from golive.checklist import builtin_profiles, load_profile
        from golive.checks.registry import Registry

        registry = Registry.discover()
        for name in builtin_profiles():
            checklist = load_profile(name, registry)
            tops = sum(1 for s in checklist.sections if s.parent is None)
            stdout.print(
                f"[cyan]{name:<12}[/] {len(checklist.items):>4} items in {tops} sections",
                highlight=False,
            )
