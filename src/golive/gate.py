"""The decision: GO or NO-GO, as a pure function of a review's results and its policy.

- A `must` item blocks unless it is `pass`, `waived` or `not_applicable`. Under the default
  policy `unknown = "block"`, `unknown` and `unverified` block too; with `"warn"` they become
  conditions. `warn` is a condition. Under `strict = true` a waiver does not count.
- A `should` item never blocks; anything but pass, waived or not applicable is a condition.
- A `may` item is informational.
- An item verified by `decision.record` alone is about this decision (a signed GO record
  for the code): it is reported, but it neither blocks nor conditions the decision it is about.
"""

from __future__ import annotations

from collections import Counter

from golive.model import (
    Blocker,
    Decision,
    ItemResult,
    Level,
    Review,
    Status,
    UnknownPolicy,
    Verdict,
)

__all__ = ["decide"]

_FINE = frozenset({Status.PASS, Status.WAIVED, Status.NOT_APPLICABLE})
_UNDECIDED = frozenset({Status.UNKNOWN, Status.UNVERIFIED})


def decide(review: Review) -> Decision:
    policy = review.policy
    blocking: list[Blocker] = []
    conditions: list[Blocker] = []
    for result in review.results:
        if _about_the_decision(result):
            continue
        status = result.status
        fine = status in _FINE and not (status is Status.WAIVED and policy.strict)
        if fine or result.item.level is Level.MAY:
            continue
        entry = _blocker(result, strict=policy.strict)
        lenient = status in _UNDECIDED and policy.unknown is UnknownPolicy.WARN
        if result.item.level is Level.SHOULD or status is Status.WARN or lenient:
            conditions.append(entry)
        else:
            blocking.append(entry)
    verdict = Verdict.NO_GO if blocking else Verdict.GO
    return Decision(
        verdict=verdict,
        blocking=_most_serious_first(blocking),
        conditions=_most_serious_first(conditions),
        policy=policy,
        summary=_summary(review, verdict, blocking, conditions),
    )


def _about_the_decision(result: ItemResult) -> bool:
    checks = result.item.checks
    return (
        bool(checks)
        and result.item.attest is None
        and all(ref.id == "decision.record" for ref in checks)
    )


# What a reader should look at first: what is broken, then what is undecided, then what waits.
_SERIOUSNESS = (
    Status.ERROR,
    Status.FAIL,
    Status.EXPIRED,
    Status.WAIVED,
    Status.UNKNOWN,
    Status.WARN,
    Status.PENDING,
    Status.UNVERIFIED,
)


def _most_serious_first(entries: list[Blocker]) -> tuple[Blocker, ...]:
    return tuple(sorted(entries, key=lambda b: _SERIOUSNESS.index(b.status)))  # stable


def _blocker(result: ItemResult, *, strict: bool) -> Blocker:
    reason = result.reason
    if result.status is Status.WAIVED and strict:
        reason = "waived, but strict policy accepts no waivers"
    return Blocker(
        item=result.item.id,
        title=result.item.title,
        level=result.item.level,
        status=result.status,
        reason=reason,
    )


_PHRASES = {
    Status.FAIL: "fail",
    Status.ERROR: "errored",
    Status.EXPIRED: "expired",
    Status.PENDING: "await sign-off",
    Status.UNKNOWN: "undecided",
    Status.UNVERIFIED: "unverified",
    Status.WAIVED: "waived (strict)",
    Status.WARN: "warn",
}


def _summary(
    review: Review, verdict: Verdict, blocking: list[Blocker], conditions: list[Blocker]
) -> str:
    musts = sum(r.item.level is Level.MUST for r in review.results)
    if verdict is Verdict.GO:
        fine = musts - sum(c.level is Level.MUST for c in conditions)
        text = f"no must item blocks ({fine} of {musts} pass, are waived or do not apply)"
    else:
        tally = Counter(b.status for b in blocking)
        parts = [f"{tally[s]} {_PHRASES[s]}" for s in _PHRASES if tally[s]]
        text = f"{len(blocking)} of {musts} must items block ({', '.join(parts)})"
    if conditions:
        text += f"; {len(conditions)} condition(s)"
    count, kinds = review.left_out()
    if count:
        names = ", ".join(sorted(kind.value for kind in kinds))
        text += f"; partial review: {count} item(s) have {names} checks this run left out"
    return text
