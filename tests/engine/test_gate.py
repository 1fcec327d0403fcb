"""The decision is a pure function of item results and policy."""

from __future__ import annotations

import pytest

from golive.gate import decide
from golive.model import Item, ItemResult, Level, Policy, Review, Status, UnknownPolicy, Verdict


def result(status: Status, level: Level = Level.MUST, item: str = "x.item") -> ItemResult:
    return ItemResult(
        item=Item(id=item, title=item, section="s", level=level),
        status=status,
        reason=f"because {status}",
    )


def review(*results: ItemResult, policy: Policy | None = None) -> Review:
    return Review(
        service="svc",
        profiles=("p",),
        root=".",
        sections=(),
        results=results,
        scope=frozenset(),
        policy=policy or Policy(),
    )


@pytest.mark.parametrize("status", [Status.PASS, Status.WAIVED, Status.NOT_APPLICABLE])
def test_must_items_that_are_fine_give_go(status: Status) -> None:
    assert decide(review(result(status))).verdict is Verdict.GO


@pytest.mark.parametrize(
    "status",
    [Status.FAIL, Status.ERROR, Status.PENDING, Status.EXPIRED, Status.UNKNOWN, Status.UNVERIFIED],
)
def test_must_items_that_are_not_fine_block(status: Status) -> None:
    decision = decide(review(result(Status.PASS, item="a.ok"), result(status, item="b.bad")))
    assert decision.verdict is Verdict.NO_GO
    assert [b.item for b in decision.blocking] == ["b.bad"]
    assert decision.blocking[0].reason == f"because {status}"


def test_a_warning_on_a_must_item_is_a_condition_not_a_blocker() -> None:
    decision = decide(review(result(Status.WARN)))
    assert decision.verdict is Verdict.GO
    assert [c.status for c in decision.conditions] == [Status.WARN]


@pytest.mark.parametrize("status", [Status.UNKNOWN, Status.UNVERIFIED])
def test_unknown_warn_policy_turns_undecided_must_items_into_conditions(status: Status) -> None:
    decision = decide(review(result(status), policy=Policy(unknown=UnknownPolicy.WARN)))
    assert decision.verdict is Verdict.GO
    assert len(decision.conditions) == 1


def test_unknown_warn_policy_never_excuses_a_failure() -> None:
    decision = decide(review(result(Status.FAIL), policy=Policy(unknown=UnknownPolicy.WARN)))
    assert decision.verdict is Verdict.NO_GO


def test_strict_policy_refuses_waivers() -> None:
    decision = decide(review(result(Status.WAIVED), policy=Policy(strict=True)))
    assert decision.verdict is Verdict.NO_GO
    assert "strict" in decision.blocking[0].reason


def test_should_items_never_block() -> None:
    decision = decide(review(result(Status.FAIL, Level.SHOULD), result(Status.ERROR, Level.SHOULD)))
    assert decision.verdict is Verdict.GO
    assert len(decision.conditions) == 2


def test_may_items_are_informational() -> None:
    decision = decide(review(result(Status.FAIL, Level.MAY)))
    assert decision.verdict is Verdict.GO
    assert decision.conditions == ()


def test_summary_counts_what_blocks() -> None:
    decision = decide(
        review(
            result(Status.FAIL, item="a"),
            result(Status.FAIL, item="b"),
            result(Status.PENDING, item="c"),
            result(Status.PASS, item="d"),
            result(Status.FAIL, Level.SHOULD, item="e"),
        )
    )
    assert decision.summary == "3 of 4 must items block (2 fail, 1 await sign-off); 1 condition(s)"


def test_an_empty_review_is_go_with_nothing_to_block() -> None:
    decision = decide(review())
    assert decision.verdict is Verdict.GO
    assert decision.summary == "no must item blocks (0 of 0 pass, are waived or do not apply)"


def test_a_go_under_the_warn_policy_does_not_claim_every_must_item_passed() -> None:
    decision = decide(
        review(
            result(Status.PASS, item="a"),
            result(Status.UNVERIFIED, item="b"),
            policy=Policy(unknown=UnknownPolicy.WARN),
        )
    )
    assert decision.verdict is Verdict.GO
    assert (
        decision.summary
        == "no must item blocks (1 of 2 pass, are waived or do not apply); 1 condition(s)"
    )


def test_a_review_that_left_checks_out_says_so_in_its_decision() -> None:
    from dataclasses import replace

    from golive.model import CheckRef, Kind

    live = Item(
        id="perf.latency",
        title="Latency",
        section="s",
        level=Level.MUST,
        checks=(CheckRef(id="load.latency", kind=Kind.LIVE),),
    )
    partial = replace(
        review(result(Status.PASS)), not_evaluated=(live,), scope=frozenset({Kind.STATIC})
    )
    decision = decide(partial)
    assert decision.verdict is Verdict.GO
    assert decision.summary.endswith(
        "; partial review: 1 item(s) have live checks this run left out"
    )


def test_blockers_come_most_serious_first_in_checklist_order() -> None:
    decision = decide(
        review(
            result(Status.UNVERIFIED, item="a"),
            result(Status.PENDING, item="b"),
            result(Status.FAIL, item="c"),
            result(Status.ERROR, item="d"),
            result(Status.FAIL, item="e"),
        )
    )
    assert [b.item for b in decision.blocking] == ["d", "c", "e", "b", "a"]
