"""The ledger of a review: every record under `.golive/` read, verified and applied.

Each record is judged once, against the signers, the policy, the subject under review and
the time the review started; a refused record keeps its reason and never counts. A sign-off
decides an item that asks for one (`pass`, `warn` near its end, `expired` after it); a waiver
turns a failing item into `waived` when it is valid for it, signed by an approver for a
`must` item, and covers every finding (or the whole item). Nothing is mutated: `apply`
returns new results and the ledger entries every report lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from golive.fingerprints import open_findings
from golive.ledger._encoding import sha256
from golive.ledger.records import (
    RecordError,
    SignOff,
    Subject,
    Waiver,
    format_time,
    parse_record,
)
from golive.ledger.signers import Signer, Signers
from golive.model import (
    AttestRequirement,
    Binding,
    Item,
    ItemResult,
    LedgerEntry,
    Level,
    Policy,
    RecordState,
    Status,
)
from golive.thresholds import describe_duration, parse_duration

__all__ = ["ATTESTATIONS_DIR", "WAIVERS_DIR", "Judged", "Ledger", "judge", "read_records"]

ATTESTATIONS_DIR = ".golive/attestations"
WAIVERS_DIR = ".golive/waivers"
_CLOCK_SKEW = dt.timedelta(minutes=5)  # a record signed a little "in the future" is fine
_FINE = frozenset({Status.PASS, Status.NOT_APPLICABLE})


@dataclass(frozen=True, kw_only=True)
class Judged:
    """A record file and the verdict on it: `problem` is None when it may be used."""

    path: str
    digest: str
    record: SignOff | Waiver | None
    signers: tuple[Signer, ...] = ()
    problem: str | None = None

    @property
    def kind(self) -> str:
        if self.record is not None:
            return self.record.kind
        return "waiver" if self.path.startswith(WAIVERS_DIR) else "sign-off"


def read_records(root: Path) -> list[tuple[str, bytes]]:
    """Every `*.json` file under `.golive/attestations` and `.golive/waivers`, sorted."""
    found: list[tuple[str, bytes]] = []
    for folder in (ATTESTATIONS_DIR, WAIVERS_DIR):
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.json")):
            if path.is_file():
                found.append((path.relative_to(root).as_posix(), path.read_bytes()))
    return found


def judge(
    path: str, data: bytes, *, signers: Signers, subject: Subject, policy: Policy, now: dt.datetime
) -> Judged:
    """Whether one record may be used by this review, and if not, why."""
    digest = sha256(data)
    try:
        record = parse_record(data)
    except RecordError as error:
        return Judged(path=path, digest=digest, record=None, problem=f"unreadable: {error}")
    envelope = record.envelope

    def refused(problem: str, who: Sequence[Signer] = ()) -> Judged:
        return Judged(path=path, digest=digest, record=record, signers=tuple(who), problem=problem)

    signed, why_not = signers.signed(envelope)
    if why_not is not None:
        return refused(why_not)
    who = list(signed)
    late = [s for s in who if s.until is not None and record.signed_at.date() > s.until]
    if late and len(late) == len(who):
        return refused(
            f"signed after {late[0].handle}'s key stopped being trusted ({late[0].until})"
        )
    who = [s for s in who if s not in late]
    if record.signed_at > now + _CLOCK_SKEW:
        return refused(f"signed in the future ({record.signed_at:%Y-%m-%d %H:%M} UTC)", who)
    if record.subject.service != subject.service:
        return refused(
            f'made for the service "{record.subject.service}", not "{subject.service}"', who
        )
    if policy.binding is Binding.COMMIT and record.subject.commit != subject.commit:
        made = (record.subject.commit or "no commit")[:12]
        here = (subject.commit or "no commit (not a git repository)")[:40]
        return refused(
            f"made for commit {made}; the policy binds sign-offs to the commit under "
            f"review ({here})",
            who,
        )
    if policy.binding is Binding.VERSION and record.subject.version != subject.version:
        made = record.subject.version or "no version"
        here = subject.version or "no version"
        return refused(
            f"made for version {made}; the policy binds sign-offs to the version under "
            f"review ({here})",
            who,
        )
    if isinstance(record, SignOff) and record.signer not in {s.handle for s in who}:
        return refused(
            f"names {record.signer} as the signer, but the signature is "
            f"{', '.join(s.handle for s in who)}'s",
            who,
        )
    return Judged(path=path, digest=digest, record=record, signers=tuple(who))


class Ledger:
    """The judged records of one review, and how they decide items."""

    def __init__(self, judged: Iterable[Judged], *, policy: Policy, now: dt.datetime) -> None:
        self.judged = tuple(judged)
        self.policy = policy
        self.now = now

    @classmethod
    def load(
        cls, root: Path, *, signers: Signers, subject: Subject, policy: Policy, now: dt.datetime
    ) -> Ledger:
        judged = [
            judge(path, data, signers=signers, subject=subject, policy=policy, now=now)
            for path, data in read_records(root)
        ]
        return cls(judged, policy=policy, now=now)

    # --- sign-offs ----------------------------------------------------------------------

    def sign_off(self, item: Item) -> tuple[Status, str]:
        """The status the item's sign-off requirement gives it, with the reason."""
        requirement = item.attest
        assert requirement is not None
        usable: list[tuple[dt.datetime, SignOff]] = []
        problems: list[str] = []
        for entry in self._for(item.id, SignOff):
            record = entry.record
            assert isinstance(record, SignOff)
            problem = entry.problem or _unfit(entry, record, requirement)
            if problem is not None:
                problems.append(f"{entry.path}: {problem}")
                continue
            usable.append((_holds_until(record, requirement), record))
        if not usable:
            reason = f"awaiting {requirement}"
            if problems:
                reason += f"; {len(problems)} record(s) refused: " + "; ".join(problems)
            return Status.PENDING, reason
        ends, record = max(usable, key=lambda u: u[0])
        who = f"{record.signer} ({record.role})"
        if ends <= self.now:
            return Status.EXPIRED, f"the sign-off by {who} expired on {ends:%Y-%m-%d}; renew it"
        left = ends - self.now
        text = (
            f"signed off by {who} on {record.signed_at:%Y-%m-%d}, valid until "
            f"{ends:%Y-%m-%d}: {record.evidence}"
        )
        if left.total_seconds() <= self.policy.warn_before:
            return Status.WARN, f"{text}; expires in {_days(left)}"
        return Status.PASS, text

    # --- waivers ------------------------------------------------------------------------

    def apply(
        self, results: Sequence[ItemResult]
    ) -> tuple[tuple[ItemResult, ...], tuple[LedgerEntry, ...]]:
        """The results with valid waivers applied, and every record as the review judged it."""
        by_item = {result.item.id: result for result in results}
        states: dict[str, tuple[RecordState, str]] = {}
        out: list[ItemResult] = []
        for result in results:
            out.append(self._waive(result, states))
        for entry in self.judged:
            if entry.path in states:
                continue
            states[entry.path] = self._state(entry, by_item)
        entries = tuple(self._entry(entry, *states[entry.path]) for entry in self.judged)
        return tuple(out), entries

    def _waive(self, result: ItemResult, states: dict[str, tuple[RecordState, str]]) -> ItemResult:
        waivers = [e for e in self._for(result.item.id, Waiver) if e.problem is None]
        if not waivers:
            return result
        if result.status in _FINE:
            for entry in waivers:
                states[entry.path] = (
                    RecordState.UNUSED,
                    f"nothing to waive: the item is {result.status}",
                )
            return result
        if self.policy.strict:
            for entry in waivers:
                states[entry.path] = (RecordState.IGNORED, "the policy is strict: no waiver counts")
            return replace(
                result, reason=f"{result.reason} (a waiver exists; strict policy ignores it)"
            )
        must = result.item.level is Level.MUST
        pending = _open_findings(result)
        best: ItemResult | None = None
        expired: list[Waiver] = []
        for entry in sorted(waivers, key=lambda e: _waiver(e).expires, reverse=True):
            waiver = _waiver(entry)
            approvers = [s.handle for s in entry.signers if set(self.policy.approvers) & s.roles]
            if must and not approvers:
                names = ", ".join(s.handle for s in entry.signers)
                roles = " or ".join(self.policy.approvers)
                states[entry.path] = (
                    RecordState.REFUSED,
                    f"a waiver of a must item needs the signature of a signer with the {roles} "
                    f"role; signed by {names} only",
                )
                continue
            if waiver.expires <= self.now:
                expired.append(waiver)
                states[entry.path] = (RecordState.EXPIRED, f"expired on {waiver.expires:%Y-%m-%d}")
                continue
            covered, gap = _covers(waiver, pending)
            if not covered:
                states[entry.path] = (RecordState.UNUSED, gap)
                continue
            if best is not None:
                states[entry.path] = (RecordState.UNUSED, "another waiver of the item was used")
                continue
            scope = (
                "the whole item" if not waiver.findings else f"{len(waiver.findings)} finding(s)"
            )
            best = replace(
                result,
                status=Status.WAIVED,
                reason=f"waived by {waiver.owner} until {waiver.expires:%Y-%m-%d} ({scope}): "
                f"{waiver.reason} — was {result.status}: {result.reason}",
            )
            states[entry.path] = self._used(entry, waiver, pending)
        if best is not None:
            return best
        partial = [states[e.path][1] for e in waivers if states[e.path][1].startswith("covers ")]
        if partial:
            result = replace(result, reason=f"{result.reason} (a waiver {partial[0]})")
        if expired:
            latest = max(w.expires for w in expired)
            return replace(
                result,
                status=Status.EXPIRED,
                reason=f"its waiver expired on {latest:%Y-%m-%d} — "
                f"{result.status}: {result.reason}",
            )
        return result

    def _used(
        self, entry: Judged, waiver: Waiver, pending: dict[str, set[str]] | None
    ) -> tuple[RecordState, str]:
        length = (waiver.expires - waiver.signed_at).total_seconds()
        if length > self.policy.max_waiver:
            limit = _days(dt.timedelta(seconds=self.policy.max_waiver))
            return (
                RecordState.OVER_BROAD,
                f"runs {_days(dt.timedelta(seconds=length))}, longer than the policy's {limit}",
            )
        if not waiver.findings and pending:
            count = sum(len(f) for f in pending.values())
            return (
                RecordState.OVER_BROAD,
                f"waives the whole item, also findings to come, while its failure has "
                f"{count} finding(s): name them with --finding",
            )
        left = waiver.expires - self.now
        if left.total_seconds() <= self.policy.warn_before:
            return RecordState.EXPIRING, f"used; expires in {_days(left)}"
        return RecordState.USED, f"waives the item until {waiver.expires:%Y-%m-%d}"

    # --- every record's state -----------------------------------------------------------

    def _state(self, entry: Judged, by_item: dict[str, ItemResult]) -> tuple[RecordState, str]:
        if entry.problem is not None:
            return RecordState.REFUSED, entry.problem
        record = entry.record
        assert record is not None
        result = by_item.get(record.item)
        if result is None:
            return RecordState.UNUSED, f"no item {record.item} in this review"
        if isinstance(record, Waiver):  # a waiver of an item with none applied: seen above
            return RecordState.UNUSED, "not needed"
        requirement = result.item.attest
        if requirement is None:
            return RecordState.UNUSED, f"the item {record.item} takes no sign-off"
        problem = _unfit(entry, record, requirement)
        if problem is not None:
            return RecordState.REFUSED, problem
        ends = _holds_until(record, requirement)
        if ends <= self.now:
            return RecordState.EXPIRED, f"expired on {ends:%Y-%m-%d}"
        left = ends - self.now
        if left.total_seconds() <= self.policy.warn_before:
            return RecordState.EXPIRING, f"valid until {ends:%Y-%m-%d}, in {_days(left)}"
        return RecordState.USED, f"valid until {ends:%Y-%m-%d}"

    def _entry(self, entry: Judged, state: RecordState, reason: str) -> LedgerEntry:
        record = entry.record
        return LedgerEntry(
            kind="waiver" if entry.kind == "waiver" else "sign-off",
            path=entry.path,
            state=state,
            reason=reason,
            item=record.item if record is not None else None,
            signers=tuple(s.handle for s in entry.signers),
            expires=format_time(record.expires) if record is not None else None,
            digest=entry.digest,
        )

    def _for(self, item: str, kind: type[SignOff] | type[Waiver]) -> list[Judged]:
        return [e for e in self.judged if isinstance(e.record, kind) and e.record.item == item]


def _unfit(entry: Judged, record: SignOff, requirement: AttestRequirement) -> str | None:
    """Why a valid sign-off record does not meet the item's requirement, or None."""
    if not any(requirement.role in s.roles for s in entry.signers):
        names = ", ".join(s.handle for s in entry.signers)
        return f"signed by {names}, who lacks the {requirement.role} role"
    if record.role != requirement.role:
        return f"signed off as {record.role}, not {requirement.role}"
    return None


def _holds_until(record: SignOff, requirement: AttestRequirement) -> dt.datetime:
    """The earlier of the record's own end and the longest the item allows a sign-off."""
    allowed = dt.timedelta(seconds=parse_duration(requirement.expires))
    return min(record.expires, record.signed_at + allowed)


def _waiver(entry: Judged) -> Waiver:
    assert isinstance(entry.record, Waiver)
    return entry.record


def _open_findings(result: ItemResult) -> dict[str, set[str]] | None:
    """The fingerprints of the findings of each check that did not pass; None when a check
    failed without any finding (only a waiver of the whole item can cover that)."""
    pending = open_findings(result)
    return None if any(not prints for prints in pending.values()) else pending


def _covers(waiver: Waiver, pending: dict[str, set[str]] | None) -> tuple[bool, str]:
    if not waiver.findings:
        return True, ""
    if pending is None:
        return False, "names findings, but the item fails without any: waive the whole item"
    wanted = set(waiver.findings)
    present = set().union(*pending.values()) if pending else set()
    missing = present - wanted
    if not present & wanted:
        return False, "none of its findings are present any more (fixed, or changed)"
    if missing:
        return (
            False,
            f"covers {len(present & wanted)} of {len(present)} findings; {len(missing)} not waived",
        )
    return True, ""


def _days(span: dt.timedelta) -> str:
    return describe_duration(max(span.total_seconds(), 0.0))
