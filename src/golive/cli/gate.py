"""`golive gate`: review, decide and write the decision record; `golive verify-decision FILE`.

The record is the checklist's "Go/No-Go decision" made auditable: what was decided, for
which commit, from which results, sign-offs and waivers, under which policy — signed by the
person or CI key that made it, and checkable later by anyone holding the signers file.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from golive.checks.fixtures import RunOptions
from golive.cli._app import ExitCode, existing_dir, fail, guard, stderr
from golive.cli.check import (
    _All,
    _Color,
    _Config,
    _ConfirmLoad,
    _Formats,
    _Items,
    _Jobs,
    _Kinds,
    _Live,
    _Outputs,
    _Path,
    _Profiles,
    _scope,
    _Signers,
    _Strict,
    _target_urls,
    _Targets,
    _Unknown,
    _Verbose,
    destinations,
    review_and_decide,
    write_reports,
)
from golive.model import Verdict

__all__ = ["register"]

DECISIONS_DIR = ".golive/decisions"


def register(app: typer.Typer) -> None:
    app.command("gate")(gate)
    app.command("verify-decision")(verify_decision)


_Record = Annotated[
    Path | None,
    typer.Option(
        "--record",
        help=f"Write the decision record here (default: {DECISIONS_DIR}/<time>-<commit>.json).",
    ),
]
_SignKey = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help="Sign the record with this private key (or the file GOLIVE_KEY names, with --sign).",
    ),
]
_Sign = Annotated[bool, typer.Option("--sign", help="Sign with the key GOLIVE_KEY names (CI).")]


def gate(
    path: _Path = Path(),
    config: _Config = None,
    profile: _Profiles = [],  # noqa: B006 -- typer reads, never mutates, the default
    formats: _Formats = [],  # noqa: B006
    outputs: _Outputs = [],  # noqa: B006
    live: _Live = False,
    targets: _Targets = [],  # noqa: B006
    confirm_load: _ConfirmLoad = False,
    kinds: _Kinds = [],  # noqa: B006
    items: _Items = [],  # noqa: B006
    unknown: _Unknown = None,
    strict: _Strict = None,
    jobs: _Jobs = None,
    show_all: _All = False,
    verbose: _Verbose = False,
    signers: _Signers = None,
    record: _Record = None,
    key: _SignKey = None,
    sign: _Sign = False,
    color: _Color = None,
) -> None:
    """Run the whole review, decide GO / NO-GO and write the decision record (the commit,
    a digest of the checklist and of every result, the sign-offs and waivers used, the
    policy, golive's version), signed with --key. Exit 0 on GO, 1 on NO-GO."""
    with guard(verbose=verbose):
        from golive.cli.ledger import load_key
        from golive.ledger.decision import checklist_digest, decision_record
        from golive.ledger.subject import has_changes

        root = existing_dir(path)
        chosen = destinations(formats, outputs)
        private = load_key(key) if key is not None or sign else None
        done = review_and_decide(
            root,
            config=config,
            profiles=profile,
            scope=_scope(kinds, live),
            items=items,
            jobs=jobs,
            unknown=unknown,
            strict=strict,
            options=RunOptions(target_urls=_target_urls(targets), confirm_load=confirm_load),
            signers=signers,
        )
        write_reports(
            done.review, done.decision, chosen, show_all=show_all, verbose=verbose, color=color
        )
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        envelope = decision_record(
            done.review,
            done.decision,
            subject=done.subject,
            dirty=has_changes(root),
            checklist_digest=checklist_digest(done.checklist),
            key=private,
            now=now,
        )
        commit = (done.subject.commit or "no-commit")[:12]
        target = record or root / DECISIONS_DIR / f"{now:%Y%m%dT%H%M%SZ}-{commit}.json"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(envelope.to_json(), encoding="utf-8")
        except OSError as error:
            fail(f"cannot write {target}: {error.strerror or error}")
        signed = "signed" if private is not None else "unsigned"
        stderr.print(
            f"golive: {done.decision.verdict} — {signed} decision record {target}", markup=False
        )
        if items or kinds:
            stderr.print(
                "golive: note: this review left items or kinds out (--item/--kind); "
                "the record says so in its scope",
                markup=False,
            )
    verdict = done.decision.verdict
    raise typer.Exit(int(ExitCode.GO if verdict is Verdict.GO else ExitCode.NO_GO))


def verify_decision(
    record: Annotated[Path, typer.Argument(help="The decision record to check.")],
    repo: Annotated[
        Path, typer.Option("--path", "-C", help="The repository whose signers to trust.")
    ] = Path(),
    signers: _Signers = None,
    role: Annotated[
        list[str],
        typer.Option("--role", "-r", help="Accept only signatures by this role (repeatable)."),
    ] = [],  # noqa: B006 -- typer reads, never mutates, the default
    review: Annotated[
        Path | None,
        typer.Option(
            "--review", help="A JSON report that must be the one the record was made from."
        ),
    ] = None,
    commit: Annotated[
        str | None,
        typer.Option("--commit", help="The commit it must be for (HEAD: the one checked out)."),
    ] = None,
    require_go: Annotated[
        bool, typer.Option("--require-go", help="Also exit 1 unless the verdict is GO.")
    ] = False,
    allow_unsigned: Annotated[
        bool, typer.Option("--allow-unsigned", help="Accept a record nobody signed.")
    ] = False,
) -> None:
    """Check a decision record: its signatures against the signers, that it agrees with
    itself, and optionally that it is for this commit and matches a JSON report. Exit 0 when
    it holds, 1 when it does not."""
    with guard():
        from golive.cli.ledger import signers_for
        from golive.ledger.decision import verify
        from golive.ledger.subject import head_commit

        root = existing_dir(repo)
        try:
            text = record.read_bytes()
        except OSError as error:
            fail(f"{record}: {error.strerror or error}")
        report: Any = None
        if review is not None:
            try:
                report = json.loads(review.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                fail(f"--review {review}: not a readable JSON report ({error})")
        wanted = commit
        if commit == "HEAD":
            wanted = head_commit(root)
            if wanted is None:
                fail(f"--commit HEAD: {root} is not a git work tree")
        result = verify(
            text,
            signers=signers_for(root, signers),
            roles=role,
            allow_unsigned=allow_unsigned,
            review=report,
            commit=wanted,
        )
        lines = [f"decision record {record}"]
        if result.subject is not None:
            lines.append(f"  for:      {result.subject.describe()}")
        if result.verdict is not None:
            lines.append(f"  verdict:  {result.verdict} — {result.summary or ''}")
        if result.decided_at:
            lines.append(f"  decided:  {result.decided_at}")
        lines.append(f"  signed:   {', '.join(result.signed_by) or 'by nobody'}")
        lines += [f"  note:     {note}" for note in result.notes]
        problems = list(result.problems)
        if require_go and result.verdict != "GO":
            problems.append(f"the verdict is {result.verdict}, and --require-go asks for GO")
        lines += [f"  ✗ {problem}" for problem in problems]
        lines.append("  ✓ holds" if not problems else f"  refused: {len(problems)} problem(s)")
        sys.stdout.write("\n".join(lines) + "\n")
    raise typer.Exit(0 if not problems else 1)
