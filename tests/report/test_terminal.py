"""The terminal report: grouped by section, evidence under failures, the decision last."""

from __future__ import annotations

from golive.gate import decide
from golive.model import (
    AttestRequirement,
    CheckRef,
    CheckResult,
    Finding,
    Item,
    ItemResult,
    Kind,
    Level,
    Location,
    Outcome,
    Policy,
    Review,
    Section,
    Status,
)
from golive.report import Format, RenderOptions, render

SECTIONS = (
    Section(id="quality", title="Code Quality"),
    Section(id="quality.code", title="Code Style"),
    Section(id="ops", title="Operations"),
)


def result(
    item_id: str, status: Status, section: str = "quality.code", **extra: object
) -> ItemResult:
    item = Item(id=item_id, title=f"Title of {item_id}", section=section, level=Level.MUST, **extra)  # type: ignore[arg-type]
    return ItemResult(item=item, status=status, reason=f"{status} reason")


FAILING = ItemResult(
    item=Item(id="quality.clippy", title="No warnings", section="quality.code", level=Level.MUST),
    status=Status.FAIL,
    reason="rust.clippy: 1 warning",
    checks=(
        CheckResult(
            check="rust.clippy",
            kind=Kind.TOOL,
            outcome=Outcome(
                status=Status.FAIL,
                summary="clippy reports 1 warning(s)",
                observed="1 diagnostic(s)",
                required="0 warnings",
                findings=tuple(
                    Finding(
                        message=f"lint {n}",
                        location=Location(path="src/lib.rs", line=n, column=8),
                        rule="clippy::len_zero",
                    )
                    for n in range(1, 13)
                ),
                remediation="Run `cargo clippy`.",
                facts={"command": "cargo clippy"},
            ),
        ),
    ),
)


def review(*results: ItemResult, not_evaluated: tuple[Item, ...] = ()) -> Review:
    return Review(
        service="greeter",
        profiles=("production",),
        root=".",
        sections=SECTIONS,
        results=results,
        scope=frozenset({Kind.STATIC, Kind.TOOL, Kind.ATTEST}),
        policy=Policy(),
        not_evaluated=not_evaluated,
        version="9.9",
        seconds=1.25,
    )


def text(r: Review, **options: bool) -> str:
    return render(Format.TERMINAL, r, decide(r), RenderOptions(width=200, **options))


def test_header_names_service_profile_and_what_was_not_run() -> None:
    probe = (CheckRef(id="load.latency", kind=Kind.LIVE),)
    live = Item(id="perf.latency", title="Latency", section="ops", level=Level.MUST, checks=probe)
    out = text(review(FAILING, not_evaluated=(live,)))
    first, second = out.splitlines()[:2]
    assert first == "golive 9.9 · greeter · profile production"
    assert "1 items have live checks not run here; use --live" in second


def test_a_failure_shows_its_evidence_location_and_fix() -> None:
    out = text(review(FAILING))
    assert "✘ fail       quality.clippy  No warnings  [must]" in out
    assert "✘ rust.clippy: clippy reports 1 warning(s)" in out
    assert "observed 1 diagnostic(s) · required 0 warnings" in out
    assert "src/lib.rs:3:8  lint 3  clippy::len_zero" in out
    assert "fix: Run `cargo clippy`." in out


def test_findings_are_capped_unless_verbose() -> None:
    assert "src/lib.rs:12:8" not in text(review(FAILING))
    assert "… and 2 more (--verbose lists all)" in text(review(FAILING))
    verbose = text(review(FAILING), verbose=True)
    assert "src/lib.rs:12:8" in verbose and "command: cargo clippy" in verbose


def test_pending_and_unverified_items_are_counted_unless_all() -> None:
    attest = AttestRequirement(role="security", expires="90d")
    planned = (CheckRef(id="load.latency", kind=Kind.LIVE, planned=True),)
    results = (
        result("a.pending", Status.PENDING, attest=attest),
        result("b.unverified", Status.UNVERIFIED, checks=planned),
    )
    out = text(review(*results))
    assert "… 1 await sign-off · ○ 1 unverified  (--all lists them)" in out
    assert "a.pending" not in out.split("NO-GO")[0]
    listed = text(review(*results), show_all=True)
    assert "… pending    a.pending" in listed
    assert "awaiting sign-off by security, valid 90d" in listed
    assert "planned: load.latency (not built yet)" in listed


def test_sections_nest_and_empty_ones_are_left_out() -> None:
    out = text(review(FAILING))
    assert "Code Quality  ✘1" in out and "  Code Style" in out
    assert "Operations" not in out


def test_the_decision_comes_last_and_names_the_blockers() -> None:
    out = text(
        review(
            FAILING,
            result(
                "ops.oncall",
                Status.PENDING,
                section="ops",
                attest=AttestRequirement(role="operations", expires="90d"),
            ),
        )
    )
    tail = out.split(" NO-GO ")[1]
    assert tail.startswith("  2 of 2 must items block (1 fail, 1 await sign-off)")
    assert "✘ quality.clippy  rust.clippy: 1 warning" in tail
    assert "… 1 must items await sign-off: ops.oncall" in tail


def test_go_reads_go() -> None:
    out = text(review(result("quality.fmt", Status.PASS)))
    assert " GO   no must item blocks (1 of 1 pass, are waived or do not apply)" in out


def test_no_colour_means_no_escape_codes_and_colour_means_some() -> None:
    plain = text(review(FAILING))
    coloured = render(
        Format.TERMINAL, review(FAILING), decide(review(FAILING)), RenderOptions(color=True)
    )
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured


def test_a_crashed_check_shows_its_trace_only_when_verbose() -> None:
    crashed = ItemResult(
        item=Item(id="x.crash", title="Crash", section="quality.code", level=Level.MUST),
        status=Status.ERROR,
        reason="x.check: the check crashed: KeyError: 'a'",
        checks=(
            CheckResult(
                check="x.check",
                kind=Kind.STATIC,
                outcome=Outcome(
                    status=Status.ERROR,
                    summary="the check crashed: KeyError: 'a'",
                    trace="Traceback (most recent call last):\nKeyError: 'a'",
                ),
            ),
        ),
    )
    assert "Traceback" not in text(review(crashed))
    assert "Traceback (most recent call last):" in text(review(crashed), verbose=True)
    assert "✖ error      x.crash" in text(review(crashed))


def test_three_level_sections_stay_under_their_top_section() -> None:
    deep = (
        Section(id="ops", title="Operations"),
        Section(id="ops.db", title="Database"),
        Section(id="ops.db.backup", title="Backups"),
    )
    r = Review(
        service="s", profiles=("p",), root=".", sections=deep,
        results=(result("ops.restore", Status.FAIL, section="ops.db.backup"),),
        scope=frozenset({Kind.STATIC}), policy=Policy(),
    )  # fmt: skip
    out = text(r)
    assert "Operations  ✘1" in out and "  Backups" in out


def test_must_items_that_are_only_conditions_are_named() -> None:
    from golive.model import UnknownPolicy

    r = Review(
        service="s", profiles=("p",), root=".", sections=SECTIONS,
        results=(result("quality.undecided", Status.UNKNOWN), result("quality.pending", Status.PENDING, attest=AttestRequirement(role="qa", expires="30d"))),
        scope=frozenset({Kind.STATIC}), policy=Policy(unknown=UnknownPolicy.WARN),
    )  # fmt: skip
    tail = text(r).split(" NO-GO ")[1]
    assert "conditions:" in tail and "? quality.undecided" in tail


def test_a_passing_item_of_several_checks_says_what_the_passing_one_found() -> None:
    item = Item(id="canary.gradual", title="Gradual", section="ops", level=Level.SHOULD)
    checks = (
        CheckResult(
            check="delivery.canary",
            kind=Kind.STATIC,
            outcome=Outcome(status=Status.PASS, summary="the canary rollout follows the policy"),
        ),
        CheckResult(
            check="delivery.blue-green",
            kind=Kind.STATIC,
            outcome=Outcome(status=Status.NOT_APPLICABLE, summary="no blue-green rollouts"),
        ),
    )
    passing = ItemResult(item=item, status=Status.PASS, reason="1 pass", checks=checks)
    text = render(Format.TERMINAL, review(passing), decide(review(passing)), RenderOptions())
    lines = text.splitlines()
    evidence = lines[next(n for n, line in enumerate(lines) if "canary.gradual" in line) + 1]
    assert evidence.strip() == "delivery.canary: the canary rollout follows the policy"
