"""`golive export k6|locust ITEM`: the load test of a checklist item as a k6 script or a
Locust file, for load that must come from more machines than one."""

from __future__ import annotations

import enum
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from golive.cli._app import existing_dir, fail, guard, stderr

__all__ = ["export", "register"]

_LOAD_CHECKS = ("load.throughput", "load.latency", "load.stress", "load.soak")


class Tool(enum.StrEnum):
    K6 = "k6"
    LOCUST = "locust"


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def export(
    tool: Annotated[Tool, typer.Argument(help="k6 or locust.")],
    item: Annotated[str, typer.Argument(help="The checklist item whose load test to export.")],
    path: Annotated[Path, typer.Argument(help="The repository.")] = Path(),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: print).")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            "-t",
            help="NAME or NAME=URL: the target to load (default: "
            "the item's, or the default target).",
        ),
    ] = None,
) -> None:
    """Write the item's load test as a k6 script (constant-arrival-rate, the item's
    thresholds, a summary golive's load.results reads) or a Locust file.

    Run it distributed (k6-operator, `locust --master/--worker`) and let `load.results`
    judge what it wrote.
    """
    with guard():
        from golive.checklist import load_checklist
        from golive.checks.registry import Registry
        from golive.load.export import ExportError, ExportPlan, k6_script, locust_file

        root = existing_dir(path)
        checklist = load_checklist(root, Registry.discover())
        chosen = next((i for i in checklist.items if i.id == item), None)
        if chosen is None:
            fail(f"no item {item} in the checklist")
        refs = [ref for ref in chosen.checks if ref.id in _LOAD_CHECKS]
        if not refs:
            fail(f"item {item} has no load test (checks: {', '.join(r.id for r in chosen.checks)})")
        params: dict[str, Any] = dict(vars(refs[0].params)) if refs[0].params else {}
        name, _, url = (target or params.get("target") or "").partition("=")
        declared = {t.name: t for t in checklist.targets}
        if not url:
            if name:
                if name not in declared:
                    fail(f"no target {name} in [targets]")
                url = declared[name].url
            else:
                defaults = [t for t in checklist.targets if t.default] or list(checklist.targets)
                if len(defaults) != 1:
                    fail("name the target to load with --target NAME or NAME=URL")
                url = defaults[0].url
        response_time = tuple(
            t if key == "response_time" else replace(t, statistic=key)
            for key in ("response_time", "p50", "p90", "p95", "p99")
            if (t := params.get(key))
        )
        try:
            plan = ExportPlan(
                url=url,
                path=params.get("path") or "/",
                rate=params["rate"].value if params.get("rate") else None,
                seconds=float(params.get("duration") or 30.0),
                timeout=float(params.get("timeout") or 10.0),
                response_time=response_time,
                throughput=params.get("throughput"),
                error_rate=params.get("error_rate"),
            )
        except ExportError as exc:
            fail(f"item {item}: {exc}")
        text = k6_script(plan) if tool is Tool.K6 else locust_file(plan)
        if output is None:
            sys.stdout.write(text)
            return
        output.write_text(text, encoding="utf-8")
        stderr.print(f"golive: wrote {output} ({tool} load test of {item})", markup=False)
