"""The decision itself: a signed GO decision record stands for the code under review."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field

from golive.checks.base import Check, CheckParams, NotApplicable, Unknown, failed, passed
from golive.checks.fixtures import ServiceInfo
from golive.checks.params import Duration
from golive.model import Finding, Kind, Location, Outcome

__all__ = ["DecisionRecord", "DecisionRecordParams"]

DECISIONS_DIR = ".golive/decisions"


class DecisionRecordParams(CheckParams):
    max_age: Duration = 30 * 86400.0  # "30d": an older GO no longer stands
    roles: list[str] = Field(default_factory=list)  # a signature counts only from these roles


class DecisionRecord(Check):
    """A signed GO decision record exists for the reviewed commit.

    Reads the records `golive gate --key` wrote under `.golive/decisions/` and accepts the
    newest that holds: signed by a signer of `.golive/signers.toml` (of one of `roles`, when
    given), GO, no older than `max_age`, and made at the commit checked out or at an earlier
    one from which nothing but `.golive/` changed (committing the record makes a new commit).
    A newer NO-GO for the same code fails; unsigned or altered records are findings. `golive
    gate` leaves the items this check verifies out of the decision it is making: they are
    about that decision.
    """

    id = "decision.record"
    kind = Kind.EVIDENCE
    Params = DecisionRecordParams
    fix = "Run `golive gate --key KEY` on the reviewed commit and commit the record it writes."

    def run(self, params: DecisionRecordParams, root: Path, service: ServiceInfo) -> Outcome:
        from golive.ledger import load_signers
        from golive.ledger.decision import verify
        from golive.ledger.subject import head_commit, same_code

        folder = root / DECISIONS_DIR
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        head = head_commit(root)
        if head is None:
            raise Unknown("not a git work tree: no commit to hold a decision record against")
        if not files:
            return failed(f"no decision record in {DECISIONS_DIR}/ (golive gate writes one)")
        try:
            signers = load_signers(root / ".golive/signers.toml", display=".golive/signers.toml")
        except Exception as error:  # a broken signers file: nothing can be verified
            raise Unknown(f".golive/signers.toml cannot be read: {error}") from None
        if not signers.people:
            raise NotApplicable("no signers in .golive/signers.toml: no record can be verified")
        now = dt.datetime.now(dt.UTC)
        findings: list[Finding] = []
        current: list[tuple[str, str, str]] = []  # (decided at, verdict, file)
        for path in files:
            shown = path.relative_to(root).as_posix()
            try:
                data = path.read_bytes()
            except OSError as error:
                message = f"cannot be read: {error.strerror or error}"
                findings.append(Finding(message=message, location=Location(path=shown)))
                continue
            result = verify(data, signers=signers, roles=params.roles)
            if not result.ok:
                findings.append(
                    Finding(message="; ".join(result.problems), location=Location(path=shown))
                )
                continue
            subject = result.subject
            if subject is None or subject.service != service.name or not subject.commit:
                continue
            if not same_code(root, subject.commit, head):
                continue
            current.append((result.decided_at or "", result.verdict or "", shown))
        if not current:
            return failed(
                f"no valid decision record for commit {head[:12]} (or for an earlier commit "
                "with the same code)",
                findings=findings,
            )
        decided_at, verdict, shown = max(current)
        try:
            moment = dt.datetime.fromisoformat(decided_at.replace("Z", "+00:00"))
        except ValueError:
            return failed(f"{shown}: the decision time {decided_at!r} is unreadable")
        age = now - moment
        if verdict != "GO":
            return failed(f"the newest decision for this code is {verdict} ({shown})")
        if age.total_seconds() > params.max_age:
            days = params.max_age / 86400
            return failed(
                f"the GO decision {shown} is {age.days} d old; at most {days:g} d is accepted"
            )
        return passed(f"GO decided {decided_at} for this code ({shown})", findings=findings)
