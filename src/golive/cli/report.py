"""`golive report`: a review written into a team's own Markdown checklist, boxes ticked where
golive has the evidence."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from golive.checks.fixtures import RunOptions
from golive.cli._app import existing_dir, fail, guard, stderr
from golive.cli.check import (
    _Config,
    _Items,
    _Kinds,
    _Live,
    _Path,
    _Profiles,
    _scope,
    _Signers,
    review_and_decide,
)

__all__ = ["register"]


class ReportFormat(enum.StrEnum):
    MARKDOWN_CHECKLIST = "markdown-checklist"


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    checklist_file: Annotated[
        Path,
        typer.Option("--checklist", "-m", help="The Markdown checklist to write the review into."),
    ],
    path: _Path = Path(),
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="markdown-checklist.")
    ] = ReportFormat.MARKDOWN_CHECKLIST,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from", help="A JSON report (golive check -f json=FILE) instead of a new review."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: print).")
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="Rewrite the checklist file itself.")
    ] = False,
    config: _Config = None,
    profile: _Profiles = [],  # noqa: B006 -- typer reads, never mutates, the default
    live: _Live = False,
    kinds: _Kinds = [],  # noqa: B006
    items: _Items = [],  # noqa: B006
    signers: _Signers = None,
) -> None:
    """Tick `- \\[x]` the tasks of a Markdown checklist whose items pass, with a short evidence
    note, and untick the rest: the team's own checklist file becomes the live status page."""
    with guard():
        from golive.report.markdown_checklist import (
            item_statuses,
            item_statuses_from_json,
            write_back,
        )

        assert fmt is ReportFormat.MARKDOWN_CHECKLIST
        if in_place and output is not None:
            fail("--in-place and --output exclude each other")
        try:
            with checklist_file.open(encoding="utf-8", newline="") as handle:
                markdown = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            fail(f"--checklist {checklist_file}: cannot be read ({error})")
        if source is not None:
            data = _load_json(source)
            statuses = item_statuses_from_json(data)
            started = str(data.get("started_at") or "") or None
        else:
            root = existing_dir(path)
            done = review_and_decide(
                root,
                config=config,
                profiles=profile,
                scope=_scope(kinds, live),
                items=items,
                jobs=None,
                unknown=None,
                strict=None,
                options=RunOptions(),
                signers=signers,
            )
            statuses = item_statuses(done.review)
            started = done.review.started_at or None
        result = write_back(markdown, statuses, now=started)
        stderr.print(f"golive: {checklist_file}: {result.summary()}", markup=False)
        for task in result.unmatched:
            what = "ambiguous" if task.ambiguous else "no item"
            stderr.print(f"  line {task.line}: {what}: {task.title}", markup=False)
        for cleared in result.cleared:
            stderr.print(
                f"  line {cleared.line}: unticked (no evidence): {cleared.title}", markup=False
            )
        target = checklist_file if in_place else output
        if target is None:
            sys.stdout.write(result.text)
            return
        try:
            with target.open("w", encoding="utf-8", newline="") as handle:
                handle.write(result.text)
        except OSError as error:
            fail(f"cannot write {target}: {error.strerror or error}")


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        fail(f"--from {path}: not a readable JSON report ({error})")
    if not isinstance(data, dict) or data.get("schema") != "golive.review/v1":
        fail(f"--from {path}: not a golive JSON report (golive check -f json=FILE)")
    return data
