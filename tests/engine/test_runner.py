"""The runner: concurrency, timeouts, crash isolation, shared fixtures, item status."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from golive.checklist import Checklist
from golive.checks.base import Check, CheckParams, NoParams, NotApplicable, Unknown, failed, passed
from golive.checks.fixtures import FIXTURES
from golive.checks.registry import PlannedCheck, Registry
from golive.model import (
    AttestRequirement,
    CheckRef,
    Finding,
    Item,
    Kind,
    Level,
    Match,
    Outcome,
    Section,
    Status,
)
from golive.runner import (
    FINDINGS_KEPT,
    CheckFinished,
    CheckStarted,
    Event,
    combine,
    run_review,
)

CALLS: list[str] = []
BUILDS: list[str] = []


class Passes(Check):
    """Always passes."""

    id = "test.passes"
    kind = Kind.STATIC

    def run(self, params: NoParams, root: Path) -> Outcome:
        CALLS.append(self.id)
        return passed("fine", observed="1")


class Fails(Check):
    """Always fails."""

    id = "test.fails"
    kind = Kind.STATIC

    def run(self, params: NoParams) -> Outcome:
        return failed("broken", findings=())


class Crashes(Check):
    """Raises, as a buggy check would."""

    id = "test.crashes"
    kind = Kind.STATIC

    def run(self, params: NoParams) -> Outcome:
        raise RuntimeError("boom")


class Sleeps(Check):
    """Overruns its deadline."""

    id = "test.sleeps"
    kind = Kind.TOOL
    timeout = 0.3

    def run(self, params: NoParams) -> Outcome:
        time.sleep(3)
        return passed("too late")


class Shared(Check):
    """Uses the shared fixture."""

    id = "test.shared"
    kind = Kind.STATIC

    def run(self, params: NoParams, expensive: str) -> Outcome:
        return passed(expensive)


class SharedToo(Shared):
    """Uses the shared fixture as well."""

    id = "test.shared-too"


class BrokenFixture(Check):
    """Asks for a fixture that crashes."""

    id = "test.broken-fixture"
    kind = Kind.STATIC

    def run(self, params: NoParams, broken: str) -> Outcome:
        return passed("never")


class NothingHere(Check):
    """Asks for a fixture that finds nothing to check."""

    id = "test.nothing-here"
    kind = Kind.STATIC

    def run(self, params: NoParams, absent: str) -> Outcome:
        return passed("never")


class Undecided(Check):
    """Cannot decide."""

    id = "test.undecided"
    kind = Kind.STATIC

    def run(self, params: NoParams) -> Outcome:
        raise Unknown("the tool is missing")


class Live(Check):
    """Talks to a service."""

    id = "test.live"
    kind = Kind.LIVE

    def run(self, params: NoParams) -> Outcome:
        return passed("up")


class AfterFailure(Check):
    """Needs test.fails to pass first."""

    id = "test.after-failure"
    kind = Kind.STATIC
    requires = frozenset({"test.fails"})

    def run(self, params: NoParams) -> Outcome:
        return passed("never")


class Limit(CheckParams):
    limit: int = 1


class Parameterised(Check):
    """Passes when the limit is positive."""

    id = "test.parameterised"
    kind = Kind.STATIC
    Params = Limit

    def run(self, params: Limit) -> Outcome:
        CALLS.append(f"{self.id}:{params.limit}")
        return passed("ok") if params.limit > 0 else failed("limit")


class Floods(Check):
    """Finds far more problems than a report lists."""

    id = "test.floods"
    kind = Kind.STATIC

    def run(self, params: NoParams) -> Outcome:
        found = [Finding(message=f"problem {n}", rule="flood") for n in range(FINDINGS_KEPT + 5)]
        return failed("many problems", findings=found, facts={"problems": len(found)})


class Async(Check):
    """An async check."""

    id = "test.async"
    kind = Kind.STATIC

    async def run(self, params: NoParams) -> Outcome:  # type: ignore[override]
        return passed("awaited")


SPANS: dict[str, tuple[float, float]] = {}


class Slow(Check):
    """Takes a while, recording when it ran."""

    id = "test.slow"
    kind = Kind.STATIC

    def run(self, params: NoParams) -> Outcome:
        started = time.monotonic()
        time.sleep(0.2)
        SPANS[f"{self.id}-{started}"] = (started, time.monotonic())
        return passed("done")


class SlowToo(Slow):
    """Takes a while as well."""

    id = "test.slow-too"


class Bursts(Check):
    """Runs alone, as a rate-limit burst must."""

    id = "test.bursts"
    kind = Kind.STATIC
    exclusive = True

    def run(self, params: NoParams) -> Outcome:
        started = time.monotonic()
        time.sleep(0.1)
        SPANS["bursts"] = (started, time.monotonic())
        return passed("burst")


def _expensive() -> str:
    BUILDS.append(threading.current_thread().name)
    time.sleep(0.05)
    return "built once"


def _broken() -> str:
    raise ValueError("cannot parse")


def _absent() -> str:
    raise NotApplicable("no such file here")


TEST_FIXTURES = {**FIXTURES, "expensive": _expensive, "broken": _broken, "absent": _absent}
CHECKS = [
    Passes, Fails, Crashes, Sleeps, Shared, SharedToo, BrokenFixture, NothingHere, Undecided,
    Live, AfterFailure, Parameterised, Floods, Async, Slow, SlowToo, Bursts,
]  # fmt: skip
PLANNED = PlannedCheck(id="test.planned", kind=Kind.STATIC, title="Not built yet", params={})
REGISTRY = Registry(CHECKS, [PLANNED], fixtures=TEST_FIXTURES)


def ref(check_id: str, **params: Any) -> CheckRef:
    check = REGISTRY.get(check_id)
    if check is None:
        return CheckRef(id=check_id, kind=Kind.STATIC, planned=True, params=NoParams())
    return CheckRef(id=check_id, kind=check.kind, params=check.Params(**params))


def item(item_id: str, *refs: CheckRef, **fields: Any) -> Item:
    return Item(id=item_id, title=item_id, section="s", level=Level.MUST, checks=refs, **fields)


def review(*items: Item, **options: Any):  # type: ignore[no-untyped-def]
    checklist = Checklist(
        service="svc", profiles=("test",), sections=(Section(id="s", title="S"),), items=items
    )
    return run_review(checklist, root=Path(), registry=REGISTRY, fixtures=TEST_FIXTURES, **options)


def statuses(*items: Item, **options: Any) -> dict[str, Status]:
    return {r.item.id: r.status for r in review(*items, **options).results}


@pytest.fixture(autouse=True)
def _clear() -> None:
    CALLS.clear()
    BUILDS.clear()


def test_a_crashing_check_marks_only_its_own_item_error() -> None:
    result = review(item("a", ref("test.crashes")), item("b", ref("test.passes")))
    crashed, fine = result.results
    assert crashed.status is Status.ERROR
    assert "RuntimeError: boom" in crashed.reason
    assert crashed.checks[0].outcome.trace is not None
    assert fine.status is Status.PASS


def test_findings_past_the_limit_are_counted_not_listed() -> None:
    (result,) = review(item("a", ref("test.floods"))).results
    outcome = result.checks[0].outcome
    assert len(outcome.findings) == FINDINGS_KEPT
    assert outcome.findings[0].message == "problem 0"  # the first ones, in the check's order
    assert outcome.facts == {"problems": FINDINGS_KEPT + 5, "findings_not_listed": 5}


def test_an_overrunning_check_ends_unknown_and_the_review_goes_on() -> None:
    started = time.monotonic()
    found = statuses(item("slow", ref("test.sleeps")), item("quick", ref("test.passes")))
    assert found == {"slow": Status.UNKNOWN, "quick": Status.PASS}
    assert time.monotonic() - started < 2.0


def test_an_item_timeout_overrides_the_check_default() -> None:
    result = review(item("slow", ref("test.sleeps"), timeout=0.1))
    assert "0.1 s timeout" in result.results[0].reason
    longer = review(item("slow", ref("test.sleeps"), timeout=4.0))
    assert longer.results[0].status is Status.PASS


def test_a_fixture_is_built_once_and_shared_between_threads() -> None:
    found = statuses(item("a", ref("test.shared")), item("b", ref("test.shared-too")), jobs=4)
    assert found == {"a": Status.PASS, "b": Status.PASS}
    assert len(BUILDS) == 1


def test_a_crashing_fixture_errors_the_checks_that_asked_for_it() -> None:
    result = review(item("a", ref("test.broken-fixture")), item("b", ref("test.passes")))
    assert result.results[0].status is Status.ERROR
    assert 'fixture "broken" crashed: ValueError: cannot parse' in result.results[0].reason
    assert result.results[1].status is Status.PASS


def test_a_fixture_can_declare_its_checks_not_applicable() -> None:
    result = review(item("a", ref("test.nothing-here")))
    assert result.results[0].status is Status.NOT_APPLICABLE
    assert "no such file here" in result.results[0].reason


def test_identical_checks_run_once_for_all_items() -> None:
    review(
        item("a", ref("test.passes")), item("b", ref("test.passes")), item("c", ref("test.passes"))
    )
    assert CALLS == ["test.passes"]


def test_the_same_check_with_other_parameters_runs_again() -> None:
    found = statuses(
        item("a", ref("test.parameterised", limit=1)),
        item("b", ref("test.parameterised", limit=0)),
    )
    assert found == {"a": Status.PASS, "b": Status.FAIL}
    assert sorted(CALLS) == ["test.parameterised:0", "test.parameterised:1"]


def test_a_failed_prerequisite_makes_the_dependent_unknown_not_failed() -> None:
    result = review(item("a", ref("test.after-failure")))
    assert result.results[0].status is Status.UNKNOWN
    assert "requires test.fails, which ended fail" in result.results[0].reason


def test_an_exclusive_check_runs_alone_after_the_others() -> None:
    SPANS.clear()
    result = review(
        item("burst", ref("test.bursts")),
        item("a", ref("test.slow")),
        item("b", ref("test.slow-too")),
        jobs=4,
    )
    assert {r.status for r in result.results} == {Status.PASS}
    burst_start, _ = SPANS.pop("bursts")
    ordinary = list(SPANS.values())
    assert len(ordinary) == 2
    assert max(s for s, _ in ordinary) < min(e for _, e in ordinary)  # those two overlapped
    assert all(end <= burst_start for _, end in ordinary)  # the burst waited for both


def test_async_checks_are_awaited() -> None:
    assert statuses(item("a", ref("test.async"))) == {"a": Status.PASS}


def test_planned_checks_leave_the_item_unverified_never_passed() -> None:
    result = review(item("a", ref("test.passes"), ref("test.planned")))
    assert result.results[0].status is Status.UNVERIFIED
    assert result.results[0].reason == "planned: test.planned"


def test_an_item_without_any_verification_is_unverified() -> None:
    result = review(item("bare"))
    assert result.results[0].status is Status.UNVERIFIED


def test_a_required_sign_off_keeps_a_passing_item_pending() -> None:
    attest = AttestRequirement(role="security", expires="90d")
    found = statuses(
        item("checked", ref("test.passes"), attest=attest),
        item("failing", ref("test.fails"), attest=attest),
        item("signoff-only", attest=attest),
    )
    assert found == {
        "checked": Status.PENDING,
        "failing": Status.FAIL,
        "signoff-only": Status.PENDING,
    }


def test_with_match_any_one_passing_check_is_enough() -> None:
    found = statuses(
        item("any", ref("test.fails"), ref("test.passes"), match=Match.ANY),
        item("all", ref("test.fails"), ref("test.passes")),
    )
    assert found == {"any": Status.PASS, "all": Status.FAIL}


def test_with_match_any_a_sign_off_is_one_alternative() -> None:
    attest = AttestRequirement(role="operations", expires="30d")
    found = statuses(
        item("checked", ref("test.passes"), attest=attest, match=Match.ANY),
        item("waiting", ref("test.fails"), attest=attest, match=Match.ANY),
    )
    assert found == {"checked": Status.PASS, "waiting": Status.PENDING}


def test_a_disabled_item_is_not_applicable_with_its_reason_and_runs_nothing() -> None:
    result = review(item("off", ref("test.passes"), disabled="batch job, no HTTP"))
    assert result.results[0].status is Status.NOT_APPLICABLE
    assert result.results[0].reason == "disabled: batch job, no HTTP"
    assert CALLS == []


def test_live_items_are_not_evaluated_outside_the_live_scope() -> None:
    result = review(item("live", ref("test.live")), item("static", ref("test.passes")))
    assert [r.item.id for r in result.results] == ["static"]
    assert [i.id for i in result.not_evaluated] == ["live"]
    with_live = review(item("live", ref("test.live")), scope=frozenset({Kind.LIVE}))
    assert with_live.results[0].status is Status.PASS


def test_a_mixed_item_outside_scope_names_the_skipped_checks() -> None:
    result = review(item("mixed", ref("test.passes"), ref("test.live")))
    assert result.results[0].status is Status.PASS
    assert result.results[0].skipped == ("test.live",)


def test_unknown_propagates_with_its_reason() -> None:
    result = review(item("a", ref("test.undecided")))
    assert (result.results[0].status, result.results[0].reason) == (
        Status.UNKNOWN,
        "test.undecided: the tool is missing",
    )


def test_selection_keeps_only_chosen_items() -> None:
    result = review(
        item("a", ref("test.passes")), item("b", ref("test.fails")), select=lambda i: i.id == "b"
    )
    assert [r.item.id for r in result.results] == ["b"]


def test_events_report_start_and_finish_of_every_check() -> None:
    events: list[Event] = []
    review(item("a", ref("test.passes")), item("b", ref("test.fails")), on_event=events.append)
    started = {e.check for e in events if isinstance(e, CheckStarted)}
    finished = [e for e in events if isinstance(e, CheckFinished)]
    assert started == {"test.passes", "test.fails"}
    assert [e.done for e in finished] == [1, 2]
    assert all(e.total == 2 for e in finished)


@pytest.mark.parametrize(
    ("given", "all_of", "any_of"),
    [
        ([Status.PASS, Status.FAIL], Status.FAIL, Status.PASS),
        ([Status.PASS, Status.NOT_APPLICABLE], Status.PASS, Status.PASS),
        (
            [Status.NOT_APPLICABLE, Status.NOT_APPLICABLE],
            Status.NOT_APPLICABLE,
            Status.NOT_APPLICABLE,
        ),
        ([Status.FAIL, Status.ERROR], Status.ERROR, Status.FAIL),
        ([Status.PASS, Status.UNVERIFIED], Status.UNVERIFIED, Status.PASS),
        ([Status.UNKNOWN, Status.FAIL], Status.FAIL, Status.UNKNOWN),
        ([Status.WARN, Status.PASS], Status.WARN, Status.PASS),
        ([Status.PENDING, Status.FAIL], Status.FAIL, Status.PENDING),
    ],
)
def test_combine(given: list[Status], all_of: Status, any_of: Status) -> None:
    assert combine(given, Match.ALL) is all_of
    assert combine(given, Match.ANY) is any_of


def test_a_prerequisite_outside_the_scope_makes_the_dependent_unknown() -> None:
    class NeedsLive(Check):
        """Needs the live check first."""

        id = "test.needs-live"
        kind = Kind.STATIC
        requires = frozenset({"test.live"})

        def run(self, params: NoParams) -> Outcome:
            return passed("never")

    registry = Registry([*CHECKS, NeedsLive], fixtures=TEST_FIXTURES)
    checklist = Checklist(
        service="svc",
        profiles=("test",),
        sections=(Section(id="s", title="S"),),
        items=(item("a", CheckRef(id="test.needs-live", kind=Kind.STATIC, params=NoParams())),),
    )
    result = run_review(checklist, root=Path(), registry=registry, fixtures=TEST_FIXTURES)
    assert result.results[0].status is Status.UNKNOWN
    assert (
        "requires test.live (live check), which this run does not include"
        in result.results[0].reason
    )


def test_a_shared_run_gets_the_longest_time_any_of_its_items_allows() -> None:
    found = statuses(
        item("short", ref("test.sleeps"), timeout=0.1), item("default", ref("test.sleeps"))
    )
    assert found == {"short": Status.UNKNOWN, "default": Status.UNKNOWN}
    result = review(
        item("short", ref("test.sleeps"), timeout=0.1), item("default", ref("test.sleeps"))
    )
    assert "0.3 s timeout" in result.results[0].reason  # the check's default, the longer one


def test_a_prerequisite_needing_parameters_is_refused_by_the_registry() -> None:
    from golive.checks.registry import RegistryError

    class NeedsParams(CheckParams):
        limit: int

    class Picky(Check):
        """Has a required parameter."""

        id = "test.picky"
        kind = Kind.STATIC
        Params = NeedsParams

        def run(self, params: NeedsParams) -> Outcome:
            return passed("ok")

    class Dependent(Check):
        """Requires the picky one."""

        id = "test.dependent"
        kind = Kind.STATIC
        requires = frozenset({"test.picky"})

        def run(self, params: NoParams) -> Outcome:
            return passed("ok")

    with pytest.raises(RegistryError, match="prerequisite must run without parameters"):
        Registry([Picky, Dependent], fixtures=TEST_FIXTURES)
