"""`golive check [PATH]`: review a repository against its checklist and decide GO / NO-GO."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from golive.checks.fixtures import RunOptions
from golive.cli._app import ExitCode, existing_dir, fail, guard, stderr
from golive.model import Decision, Item, Kind, Review, UnknownPolicy, Verdict

if TYPE_CHECKING:
    from golive.checklist import Checklist
    from golive.ledger import Subject
    from golive.report.baseline import Comparison

__all__ = ["Reviewed", "destinations", "register", "review_and_decide", "write_reports"]


@dataclass(frozen=True, kw_only=True)
class _Destination:
    format: str
    path: Path | None  # None: standard output


def register(app: typer.Typer) -> None:
    app.command("check")(check)


_Path = Annotated[Path, typer.Argument(help="The repository to review.")]
_Config = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="The checklist file (default: PATH/golive.toml, "
        "or \\[tool.golive] in pyproject.toml).",
    ),
]
_Profiles = Annotated[
    list[str],
    typer.Option(
        "--profile", "-p", help="Use this profile instead of the checklist's (repeatable)."
    ),
]
_Formats = Annotated[
    list[str],
    typer.Option(
        "--format",
        "-f",
        help="terminal, json, markdown, sarif, junit or html; FORMAT=FILE writes to a file "
        "(repeatable).",
    ),
]
_Outputs = Annotated[
    list[Path],
    typer.Option(
        "--output",
        "-o",
        help="File for the n-th --format given without one (repeatable; - is standard output).",
    ),
]
_Live = Annotated[
    bool, typer.Option("--live", help="Also run live checks against the checklist's targets.")
]
_Targets = Annotated[
    list[str],
    typer.Option(
        "--target",
        "-t",
        help="NAME=URL: probe the declared target NAME at URL in this run (repeatable).",
    ),
]
_ConfirmLoad = Annotated[
    bool,
    typer.Option(
        "--confirm-load",
        help='Allow load tests of targets marked environment = "production" '
        "(they must also say confirm_production = true).",
    ),
]
_DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Print what the live checks would send, to which target, with what consent; "
        "send nothing.",
    ),
]
_Kinds = Annotated[
    list[Kind],
    typer.Option("--kind", "-k", help="Only run checks of this kind (repeatable)."),
]
_Items = Annotated[
    list[str],
    typer.Option("--item", "-i", help="Only review this item, or this section's (repeatable)."),
]
_History = Annotated[
    bool, typer.Option("--history", help="Also scan the git history (secrets), not only the files.")
]
_Unknown = Annotated[
    UnknownPolicy | None,
    typer.Option(
        "--unknown", help="Undecided must items: block or warn (overrides the checklist)."
    ),
]
_Strict = Annotated[
    bool | None,
    typer.Option("--strict/--no-strict", help="Accept no waivers (overrides the checklist)."),
]
_Jobs = Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Checks run at once.")]
_All = Annotated[
    bool,
    typer.Option(
        "--all", "-a", help="List every item, also those awaiting sign-off or unverified."
    ),
]
_Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show every finding, facts and tracebacks.")
]
_Plots = Annotated[
    Path | None,
    typer.Option(
        "--plots",
        metavar="DIR",
        help="Write the charts of the checks (load tests) as SVG files into DIR.",
    ),
]
_Signers = Annotated[
    Path | None,
    typer.Option(
        "--signers",
        help="Trust the signers in this file (default: .golive/signers.toml of the repository).",
    ),
]
_Baseline = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        metavar="REVIEW.json",
        help="Show only what changed since this JSON report (new failures, fixed items, new "
        "findings); the decision and exit code stay the whole review's.",
    ),
]
_Color = Annotated[
    bool | None,
    typer.Option(
        "--color/--no-color", help="Colour the report (default: on a terminal, no NO_COLOR)."
    ),
]


def check(
    path: _Path = Path(),
    config: _Config = None,
    profile: _Profiles = [],  # noqa: B006 -- typer reads, never mutates, the default
    formats: _Formats = [],  # noqa: B006
    outputs: _Outputs = [],  # noqa: B006
    live: _Live = False,
    targets: _Targets = [],  # noqa: B006
    confirm_load: _ConfirmLoad = False,
    dry_run: _DryRun = False,
    kinds: _Kinds = [],  # noqa: B006
    items: _Items = [],  # noqa: B006
    history: _History = False,
    unknown: _Unknown = None,
    strict: _Strict = None,
    jobs: _Jobs = None,
    show_all: _All = False,
    verbose: _Verbose = False,
    plots: _Plots = None,
    signers: _Signers = None,
    baseline: _Baseline = None,
    color: _Color = None,
) -> None:
    """Review a repository against its checklist; exit 0 on GO, 1 on NO-GO."""
    with guard(verbose=verbose):
        if dry_run:
            root = existing_dir(path)
            _dry_run(root, config=config, profiles=profile, items=items, targets=targets)
            raise typer.Exit(int(ExitCode.GO))
        chosen = destinations(formats, outputs)
        root = existing_dir(path)
        earlier = _baseline(baseline) if baseline is not None else None
        review, decision = review_and_decide(
            root,
            config=config,
            profiles=profile,
            scope=_scope(kinds, live),
            items=items,
            jobs=jobs,
            unknown=unknown,
            strict=strict,
            options=RunOptions(
                history=history, target_urls=_target_urls(targets), confirm_load=confirm_load
            ),
            signers=signers,
        ).pair
        comparison = None
        if earlier is not None and baseline is not None:
            from golive.report.baseline import compare

            comparison = compare(earlier, review, name=str(baseline))
        write_reports(
            review,
            decision,
            chosen,
            show_all=show_all,
            verbose=verbose,
            color=color,
            comparison=comparison,
        )
        if plots is not None:
            _plot(review, plots)
    raise typer.Exit(int(ExitCode.GO if decision.verdict is Verdict.GO else ExitCode.NO_GO))


def _baseline(path: Path) -> dict[str, Any]:
    from golive.report.baseline import BaselineError, load_baseline

    try:
        return load_baseline(path)
    except BaselineError as error:
        fail(f"--baseline {error}")


def _scope(kinds: list[Kind], live: bool) -> frozenset[Kind]:
    from golive.runner import DEFAULT_SCOPE

    chosen = set(kinds) or set(DEFAULT_SCOPE)
    if live:
        chosen.add(Kind.LIVE)
    if Kind.ATTEST in kinds:
        fail("--kind attest is not a check kind; sign-offs are always read")
    return frozenset(chosen)


def _dry_run(
    root: Path, *, config: Path | None, profiles: list[str], items: list[str], targets: list[str]
) -> None:
    """The live plan: every live check the review would run, its target, the consent it needs
    against the consent the target gives, and what it would send. Nothing is sent and no
    name is resolved."""
    from golive.checklist import load_checklist
    from golive.checks.registry import Registry

    registry = Registry.discover()
    checklist = load_checklist(root, registry, config=config, profiles=profiles or None)
    urls = _target_urls(targets)
    declared = {t.name: replace(t, url=urls.get(t.name, t.url)) for t in checklist.targets}
    select = _selector(items, checklist.items) if items else None
    order = ["passive", "active", "load"]
    seen: set[tuple[str, str]] = set()
    rows: list[tuple[str, str, str, str, str]] = []
    for item in checklist.items:
        if item.disabled or (select is not None and not select(item)):
            continue
        for ref in item.checks:
            check = registry.get(ref.id)
            if ref.kind is not Kind.LIVE or ref.planned or check is None:
                continue
            key = (ref.id, repr(ref.params))
            if key in seen:
                continue
            seen.add(key)
            if hasattr(ref.params, "prometheus"):  # the Prometheus checks' own target
                name = ref.params.prometheus or ("prometheus" if "prometheus" in declared else None)
            else:
                name = getattr(ref.params, "target", None)
            if name is None and not hasattr(ref.params, "prometheus"):
                chosen = [t for t in declared.values() if t.default] or list(declared.values())
                name = chosen[0].name if len(chosen) == 1 else None
            target = declared.get(name) if name else None
            needs = check.consent_for(ref.params) or "passive"
            if target is None:
                verdict = "no target" if name is None else f"no target {name}"
                where = "?"
            else:
                where = f"{target.name} {target.url}"
                if order.index(needs) > order.index(target.consent):
                    verdict = f"refused: needs {needs}, target gives {target.consent}"
                elif (
                    needs == "load"
                    and target.environment == "production"
                    and not (target.confirm_production)
                ):
                    verdict = "refused: production target without confirm_production"
                else:
                    verdict = f"allowed ({needs})"
            rows.append((item.id, ref.id, where, verdict, check.plan(ref.params)))
    if not rows:
        sys.stdout.write("no live check would run: no item in scope has one\n")
        return
    lines = [f"live plan: {len(rows)} check run(s); nothing was sent"]
    for item_id, check_id, where, verdict, traffic in rows:
        lines.append(f"{item_id} · {check_id} → {where}")
        lines.append(f"    {verdict}; {traffic or 'a few requests'}")
    sys.stdout.write("\n".join(lines) + "\n")


def _target_urls(given: list[str]) -> dict[str, str]:
    from urllib.parse import urlsplit

    urls: dict[str, str] = {}
    for text in given:
        name, eq, url = text.partition("=")
        parts = urlsplit(url)
        if not eq or not name or parts.scheme not in {"http", "https"} or not parts.hostname:
            fail(
                f'--target {text}: expected NAME=URL with an http(s) URL, e.g. "staging=https://127.0.0.1:8443"'
            )
        urls[name] = url
    return urls


def destinations(formats: list[str], outputs: list[Path]) -> list[_Destination]:
    from golive.report import Format

    known = [f.value for f in Format]
    spare = list(outputs)
    chosen: list[_Destination] = []
    for text in formats or ["terminal"]:
        name, eq, target = text.partition("=")
        if name not in known:
            fail(f'unknown format "{name}"; expected one of {", ".join(known)}')
        if eq and not target:
            fail(f'--format {text}: the file after "=" is missing')
        path: Path | None = Path(target) if eq else (spare.pop(0) if spare else None)
        chosen.append(_Destination(format=name, path=None if path == Path("-") else path))
    if spare:
        fail(f"--output {spare[0]} has no --format to go with it")
    to_stdout = [d.format for d in chosen if d.path is None]
    if not to_stdout:  # every report goes to a file: people still read the terminal one
        chosen.append(_Destination(format="terminal", path=None))
    if len(to_stdout) > 1 and set(to_stdout) != {"terminal"}:
        asked = ", ".join(to_stdout)
        fail(f"only one format can go to standard output (asked: {asked}); give the others a file")
    return chosen


@dataclass(frozen=True, kw_only=True)
class Reviewed:
    """A finished review, its decision, and what a decision record needs besides."""

    review: Review
    decision: Decision
    checklist: Checklist
    subject: Subject

    @property
    def pair(self) -> tuple[Review, Decision]:
        return self.review, self.decision


def review_and_decide(
    root: Path,
    *,
    config: Path | None,
    profiles: list[str],
    scope: frozenset[Kind],
    items: list[str],
    jobs: int | None,
    unknown: UnknownPolicy | None,
    strict: bool | None,
    options: RunOptions,
    signers: Path | None = None,
) -> Reviewed:
    """Load the checklist and the ledger, run the review, decide: what `check` and `gate` do."""
    from datetime import UTC, datetime

    from golive.checklist import load_checklist
    from golive.checks.registry import Registry
    from golive.cli.ledger import signers_for
    from golive.gate import decide
    from golive.ledger import Ledger, subject_of
    from golive.runner import run_review

    registry = Registry.discover()
    checklist = load_checklist(root, registry, config=config, profiles=profiles or None)
    for note in checklist.notes:
        stderr.print(f"golive: note: {note}", markup=False)
    policy = checklist.policy
    if unknown is not None:
        policy = replace(policy, unknown=unknown)
    if strict is not None:
        policy = replace(policy, strict=strict)
    checklist = replace(checklist, policy=policy)
    declared = {target.name: target for target in checklist.targets}
    for name in options.target_urls:
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            fail(f"--target {name}=...: no target {name} in [targets] (declared: {known})")
    # Credentials are read here, once, from the variables the targets name; checks never
    # read the environment.
    wanted = {t.token_env for t in checklist.targets if t.token_env}
    secrets = {name: os.environ[name] for name in wanted if os.environ.get(name)}
    options = replace(options, secrets=secrets)
    select = _selector(items, checklist.items) if items else None
    subject = subject_of(root, checklist.service, checklist.version)
    ledger = Ledger.load(
        root,
        signers=signers_for(root, signers),
        subject=subject,
        policy=policy,
        now=datetime.now(UTC),
    )
    with _Progress() as progress:
        review = run_review(
            checklist,
            root=root,
            registry=registry,
            scope=scope,
            select=select,
            jobs=jobs,
            on_event=progress.update,
            options=options,
            ledger=ledger,
        )
    return Reviewed(review=review, decision=decide(review), checklist=checklist, subject=subject)


def _selector(wanted: list[str], items: tuple[Item, ...]):  # type: ignore[no-untyped-def]
    known = {item.id for item in items} | {item.section for item in items}
    known |= {s.rpartition(".")[0] for s in known if "." in s}
    for name in wanted:
        if name not in known:
            from golive.checklist._errors import did_you_mean

            hint = did_you_mean(name, known)
            fail(f"--item {name}: no such item or section in the checklist{hint}")

    def select(item: Item) -> bool:
        return any(
            name in {item.id, item.section}
            or item.id.startswith(name + ".")
            or item.section.startswith(name + ".")
            for name in wanted
        )

    if not any(select(item) for item in items):
        fail(f"--item {', '.join(wanted)} selects no item of the checklist")
    return select


class _Progress:
    """A spinner on standard error naming the checks still running (terminals only)."""

    def __init__(self) -> None:
        shown = sys.stderr.isatty() and stderr.is_terminal  # rich is imported only for a TTY
        self._status = stderr.status("starting", spinner="dots") if shown else None
        self._running: dict[str, None] = {}

    def __enter__(self) -> _Progress:
        if self._status is not None:
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def update(self, event: object) -> None:
        from golive.runner import CheckFinished, CheckProgress, CheckStarted

        if self._status is None:
            return
        if isinstance(event, CheckProgress):  # from the check's thread; rich's update locks
            self._status.update(f"{event.check} · {event.text}")
        elif isinstance(event, CheckStarted):
            self._running[event.check] = None
        elif isinstance(event, CheckFinished):
            self._running.pop(event.check, None)
            names = ", ".join(list(self._running)[:3]) + (" …" if len(self._running) > 3 else "")
            running = f" · running {names}" if names else ""
            self._status.update(f"{event.done}/{event.total} checks done{running}")


def write_reports(
    review: Review,
    decision: Decision,
    destinations: list[_Destination],
    *,
    show_all: bool,
    verbose: bool,
    color: bool | None,
    comparison: Comparison | None = None,
) -> None:
    from golive.report import Format, RenderOptions, render

    for destination in destinations:
        to_terminal = destination.path is None and destination.format == "terminal"
        shown, colour, width = False, False, 120  # piped (CI logs): people read it unwrapped
        if to_terminal:
            from rich.console import Console

            console = Console()
            shown = console.is_terminal
            colour = color if color is not None else shown and not console.no_color
            width = console.width if shown else width
        options = RenderOptions(
            color=colour, width=width, verbose=verbose, show_all=show_all, comparison=comparison
        )
        text = render(Format(destination.format), review, decision, options)
        if destination.path is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            continue
        try:
            destination.path.parent.mkdir(parents=True, exist_ok=True)
            destination.path.write_text(text, encoding="utf-8")
        except OSError as error:
            fail(f"cannot write {destination.path}: {error.strerror or error}")


def _plot(review: Review, directory: Path) -> None:
    """Each chart as `DIR/<item>--<check>--<n>.svg`; a check run shared by several items is
    written once, under the first of them."""
    from golive.report.svg import chart_svg

    seen: set[tuple[str, object]] = set()
    written = 0
    for result in review.results:
        for check in result.checks:
            charts = check.outcome.charts
            if not charts or (check.check, charts) in seen:
                continue
            seen.add((check.check, charts))
            stem = re.sub(r"[^A-Za-z0-9._-]", "_", f"{result.item.id}--{check.check}")
            for number, chart in enumerate(charts, start=1):
                path = directory / f"{stem}--{number}.svg"
                try:
                    directory.mkdir(parents=True, exist_ok=True)
                    path.write_text(chart_svg(chart), encoding="utf-8")
                except OSError as error:
                    fail(f"cannot write {path}: {error.strerror or error}")
                written += 1
    if written:
        noun = "plot" if written == 1 else "plots"
        stderr.print(f"golive: wrote {written} {noun} to {directory}", markup=False)
