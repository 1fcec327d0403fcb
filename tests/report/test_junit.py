from __future__ import annotations

import dataclasses
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import junitparser
import pytest
import xmlschema
from golive_cli import golive
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.gate import decide
from golive.model import (
    AttestRequirement,
    Blocker,
    CheckRef,
    CheckResult,
    Decision,
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
    UnknownPolicy,
    Verdict,
)
from golive.report import Format, RenderOptions, render

EXAMPLE = Path(__file__).parents[2] / "examples" / "service"
XSD = Path(__file__).parents[1] / "data" / "junit" / "junit-10.xsd"
SCHEMA = xmlschema.XMLSchema(XSD)
OUTCOMES = ("failure", "error", "skipped")


# --- building reviews by hand -----------------------------------------------------------------


def check(status: Status, name: str = "", seconds: float = 0.123456, **outcome: Any) -> CheckResult:
    return CheckResult(
        check=name or f"demo.{status.value}",
        kind=Kind.STATIC,
        outcome=Outcome(status=status, summary=f"it is {status.value}", **outcome),
        seconds=seconds,
    )


def result(
    status: Status,
    *,
    level: Level = Level.MUST,
    ran: tuple[CheckResult, ...] | None = None,
    reason: str | None = None,
    skipped: tuple[str, ...] = (),
    **item: Any,
) -> ItemResult:
    fields: dict[str, Any] = {"id": f"ops.{status.value}", "title": status.value.title()}
    fields |= {"section": "ops.deploy", "level": level} | item
    return ItemResult(
        item=Item(**fields),
        status=status,
        reason=f"{status.value}!" if reason is None else reason,
        checks=(check(status),) if ran is None else ran,
        skipped=skipped,
    )


def review_of(
    *results: ItemResult, policy: Policy | None = None, not_evaluated: tuple[Item, ...] = ()
) -> Review:
    return Review(
        service="démo",
        profiles=("production", "eu"),
        root="/home/someone/private/svc",
        sections=(Section(id="ops", title="Ops"), Section(id="ops.deploy", title="Deploy")),
        results=results,
        scope=frozenset({Kind.STATIC, Kind.TOOL, Kind.ATTEST}),
        policy=policy or Policy(),
        not_evaluated=not_evaluated,
        started_at="2025-01-02T03:04:05+00:00",
        seconds=1.23456789,
        version="0.1.0",
        source="golive.toml",
    )


FAILURE = check(
    Status.FAIL,
    name="source.todo",
    observed="2 markers",
    required="<= 0",
    remediation="Finish the work,\nor move it to the tracker.",
    findings=(
        Finding(message="TODO: later", location=Location(path="src/a.rs", line=3, column=7)),
        Finding(message="whole file", location=Location(path="b.rs"), rule="r1", fingerprint="f"),
        Finding(message="nowhere in particular"),
    ),
    facts={"markers": 2},
)


def every_status() -> Review:
    special = {
        Status.FAIL: (FAILURE, check(Status.PASS, name="source.other", seconds=0.5)),
        Status.ERROR: (check(Status.ERROR, trace="Traceback: boom"),),
    }
    results = [result(s, ran=special.get(s)) for s in Status]
    signed = result(
        Status.PENDING,
        id="ops.signed",
        reason="awaiting sign-off by security, valid 90d",
        ran=(),
        attest=AttestRequirement(role="security", expires="90d"),
        checks=(CheckRef(id="demo.planned", kind=Kind.TOOL, planned=True),),
    )
    partly = result(
        Status.PASS,
        id="ops.partly",
        skipped=("http.ok",),
        checks=(CheckRef(id="demo.pass", kind=Kind.STATIC), CheckRef(id="http.ok", kind=Kind.LIVE)),
    )
    top = result(Status.PASS, id="ops.top", section="ops", level=Level.SHOULD)
    live = Item(
        id="ops.live",
        title="Answers",
        section="ops",
        level=Level.MUST,
        checks=(CheckRef(id="http.ok", kind=Kind.LIVE),),
    )
    return review_of(top, *results, signed, partly, not_evaluated=(live,))


def xml(review: Review, decision: Decision | None = None, *, verbose: bool = False) -> str:
    decision = decide(review) if decision is None else decision
    return render(Format.JUNIT, review, decision, RenderOptions(verbose=verbose))


def parse(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def case(root: ET.Element, item_id: str) -> ET.Element:
    found = [c for c in root.iter("testcase") if c.get("name", "").startswith(f"{item_id}: ")]
    assert len(found) == 1, item_id
    return found[0]


def outcome_of(testcase: ET.Element) -> ET.Element | None:
    found = [child for child in testcase if child.tag in OUTCOMES]
    assert len(found) <= 1
    return found[0] if found else None


def failing(root: ET.Element) -> set[str]:
    """The item ids of the test cases that fail or error."""
    return {
        c.get("name", "").partition(": ")[0]
        for c in root.iter("testcase")
        if any(child.tag in {"failure", "error"} for child in c)
    }


# --- the schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize("verbose", [False, True])
def test_every_status_validates_against_junit_10(verbose: bool) -> None:
    SCHEMA.validate(xml(every_status(), verbose=verbose))


def test_empty_review_is_a_valid_document_with_the_verdict() -> None:
    review = dataclasses.replace(review_of(), sections=())
    text = xml(review)
    SCHEMA.validate(text)
    root = parse(text)
    (suite,) = root.findall("testsuite")
    assert (root.get("tests"), root.get("failures"), suite.get("tests")) == ("0", "0", "0")
    verdict = suite.find("properties/property[@name='verdict']")
    assert verdict is not None and verdict.get("value") == "GO"


def test_schema_is_strict_enough_to_catch_mistakes() -> None:
    root = parse(xml(every_status()))
    root.set("skipped", "3")  # junit-10.xsd has no skipped count on <testsuites>
    assert not SCHEMA.is_valid(ET.tostring(root, encoding="unicode"))
    root = parse(xml(every_status()))
    root.set("time", "1.2345")  # at most three decimals
    assert not SCHEMA.is_valid(ET.tostring(root, encoding="unicode"))


def test_schema_file_is_the_one_recorded_in_the_docs() -> None:
    import hashlib

    digest = hashlib.sha256(XSD.read_bytes()).hexdigest()
    docs = (Path(__file__).parents[2] / "docs" / "junit.md").read_text("utf-8")
    assert digest in docs


# --- the document's shape ---------------------------------------------------------------------


def test_root_names_the_service_and_counts_the_cases() -> None:
    text = xml(every_status())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert text.endswith("</testsuites>\n")
    root = parse(text)
    cases = list(root.iter("testcase"))
    assert root.get("name") == "golive démo"
    assert root.get("tests") == str(len(cases)) == "14"  # 10 statuses, 3 more items, 1 live
    assert root.get("failures") == str(sum(c.find("failure") is not None for c in cases))
    assert root.get("errors") == "1"
    assert root.get("time") == "1.235"


def test_a_suite_per_section_with_items_named_by_its_path_and_id() -> None:
    root = parse(xml(every_status()))
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("id")) for s in suites] == [
        ("Ops (ops)", "ops"),
        ("Ops \u203a Deploy (ops.deploy)", "ops.deploy"),
    ]
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        for tag, attribute in (
            ("failure", "failures"),
            ("error", "errors"),
            ("skipped", "skipped"),
        ):
            assert suite.get(attribute) == str(sum(c.find(tag) is not None for c in cases))
        assert suite.get("timestamp") == "2025-01-02T03:04:05+00:00"
        assert suite.get("hostname") is None


def test_a_case_per_item_with_section_classname_and_check_seconds() -> None:
    root = parse(xml(every_status()))
    fail = case(root, "ops.fail")
    assert (fail.get("classname"), fail.get("name")) == ("ops.deploy", "ops.fail: Fail")
    assert fail.get("time") == "0.623"  # 0.123456 + 0.5
    assert case(root, "ops.signed").get("time") == "0.000"
    deploy = root.find("testsuite[@id='ops.deploy']")
    assert deploy is not None and deploy.get("time") == f"{0.123456 * 11 + 0.5:.3f}"


def test_properties_on_the_first_suite_only() -> None:
    root = parse(xml(every_status()))
    first, second = root.findall("testsuite")
    properties = {p.get("name"): p.get("value") for p in first.iterfind("properties/property")}
    review = every_status()
    assert properties == {
        "verdict": "NO-GO",
        "summary": decide(review).summary,
        "service": "démo",
        "profiles": "production, eu",
        "golive": "0.1.0",
        "scope": "static, tool, attest",
        "policy.unknown": "block",
        "policy.strict": "false",
        "checklist": "golive.toml",
    }
    assert second.find("properties") is None


def test_the_repository_path_is_never_written() -> None:
    assert "/home/someone" not in xml(every_status(), verbose=True)


# --- what each status becomes -----------------------------------------------------------------

B, W = UnknownPolicy.BLOCK, UnknownPolicy.WARN
MUST, SHOULD, MAY = Level.MUST, Level.SHOULD, Level.MAY


@pytest.mark.parametrize(
    "row",
    [
        (Status.PASS, MUST, B, False, None, None, None),
        (Status.FAIL, MUST, B, False, "failure", "fail", "fail!"),
        (Status.EXPIRED, MUST, B, False, "failure", "expired", "expired!"),
        (Status.ERROR, MUST, B, False, "error", "error", "error!"),
        (Status.PENDING, MUST, B, False, "failure", "pending", "pending!"),
        (Status.UNKNOWN, MUST, B, False, "failure", "unknown", "unknown!"),
        (Status.UNVERIFIED, MUST, B, False, "failure", "unverified", "unverified!"),
        (Status.UNKNOWN, MUST, W, False, "skipped", "unknown", "condition (unknown): unknown!"),
        (
            Status.UNVERIFIED,
            MUST,
            W,
            False,
            "skipped",
            "unverified",
            "condition (unverified): unverified!",
        ),
        (Status.WARN, MUST, B, False, None, None, None),
        (Status.NOT_APPLICABLE, MUST, B, False, "skipped", "not_applicable", "not_applicable!"),
        (Status.WAIVED, MUST, B, False, "skipped", "waived", "waived!"),
        (
            Status.WAIVED,
            MUST,
            B,
            True,
            "failure",
            "waived",
            "waived, but strict policy accepts no waivers",
        ),
        (Status.WAIVED, SHOULD, B, True, "skipped", "waived", "condition (waived): waived!"),
        (Status.FAIL, SHOULD, B, False, "skipped", "fail", "condition (fail): fail!"),
        (Status.ERROR, SHOULD, B, False, "skipped", "error", "condition (error): error!"),
        (Status.EXPIRED, SHOULD, B, False, "skipped", "expired", "condition (expired): expired!"),
        (Status.PENDING, SHOULD, B, False, "skipped", "pending", "condition (pending): pending!"),
        (Status.UNKNOWN, SHOULD, B, False, "skipped", "unknown", "condition (unknown): unknown!"),
        (Status.FAIL, MAY, B, False, "skipped", "fail", "informational (fail): fail!"),
        (Status.PENDING, MAY, B, False, "skipped", "pending", "informational (pending): pending!"),
    ],
)
def test_status_mapping(
    row: tuple[Status, Level, UnknownPolicy, bool, str | None, str | None, str | None],
) -> None:
    status, level, unknown, strict, tag, kind, message = row
    review = review_of(result(status, level=level), policy=Policy(unknown=unknown, strict=strict))
    text = xml(review)
    SCHEMA.validate(text)
    found = outcome_of(case(parse(text), f"ops.{status.value}"))
    if tag is None:
        assert found is None
        return
    assert found is not None
    assert (found.tag, found.get("type"), found.get("message")) == (tag, kind, message)
    assert (found.text or "").startswith(message if tag == "skipped" else f"{status.value} (")


def test_waived_reason_is_not_prefixed_twice() -> None:
    review = review_of(result(Status.WAIVED, reason="waived by ops until 2025-03-01"))
    found = outcome_of(case(parse(xml(review)), "ops.waived"))
    assert found is not None and found.get("message") == "waived by ops until 2025-03-01"


def test_an_item_the_decision_leaves_out_is_skipped_as_not_counted() -> None:
    review = review_of(result(Status.FAIL))
    decision = Decision(verdict=Verdict.GO, blocking=(), conditions=(), policy=Policy(), summary="")
    found = outcome_of(case(parse(xml(review, decision)), "ops.fail"))
    assert found is not None and found.tag == "skipped"
    assert found.get("message") == "not counted in the decision (fail): fail!"


def test_warn_passes_and_says_why_in_system_out() -> None:
    for level in Level:
        review = review_of(result(Status.WARN, level=level, ran=(check(Status.WARN),)))
        testcase = case(parse(xml(review)), "ops.warn")
        assert outcome_of(testcase) is None
        out = testcase.findtext("system-out") or ""
        role = "informational" if level is Level.MAY else "condition"
        assert out.startswith(f"warn ({role}, does not block): warn!\ndemo.warn [warn]: it is warn")


def test_failure_text_carries_the_evidence() -> None:
    root = parse(xml(every_status()))
    failure = case(root, "ops.fail").find("failure")
    assert failure is not None
    assert failure.text == (
        "fail (must item, blocks the decision): fail!\n"
        "source.todo [fail]: it is fail\n"
        "  observed: 2 markers\n"
        "  required: <= 0\n"
        "  src/a.rs:3:7: TODO: later\n"
        "  b.rs: whole file [r1]\n"
        "  nowhere in particular\n"
        "  fix: Finish the work,\n"
        "       or move it to the tracker.\n"
        "source.other [pass]: it is pass"
    )


def test_sign_offs_and_planned_checks_are_named() -> None:
    failure = case(parse(xml(every_status())), "ops.signed").find("failure")
    assert failure is not None and failure.get("type") == "pending"
    assert failure.text == (
        "pending (must item, blocks the decision): awaiting sign-off by security, valid 90d\n"
        "planned (not built yet): demo.planned"
    )
    attest = AttestRequirement(role="security", expires="90d")
    review = review_of(result(Status.EXPIRED, reason="the sign-off ran out", attest=attest))
    expired = case(parse(xml(review)), "ops.expired").findtext("failure") or ""
    assert expired.endswith("\nneeds a sign-off by security, valid 90d")


def test_verbose_adds_facts_traces_and_every_finding() -> None:
    many = tuple(Finding(message=f"m{n}", location=Location(path="x", line=n)) for n in range(60))
    review = review_of(
        result(Status.FAIL, ran=(check(Status.FAIL, findings=many, facts={"b": 1, "a": "z"}),)),
        result(Status.ERROR, ran=(check(Status.ERROR, trace="Traceback\n  boom"),)),
    )
    quiet, loud = parse(xml(review)), parse(xml(review, verbose=True))
    short = case(quiet, "ops.fail").findtext("failure") or ""
    assert "x:49: m49" in short and "x:50: m50" not in short
    assert short.endswith("  … and 10 more (--verbose lists all)")
    full = case(loud, "ops.fail").findtext("failure") or ""
    assert full.endswith("  x:59: m59\n  a: z\n  b: 1")
    assert "boom" not in (case(quiet, "ops.error").findtext("error") or "")
    assert (case(loud, "ops.error").findtext("error") or "").endswith("  Traceback\n    boom")


def test_passing_item_with_checks_left_out_says_so() -> None:
    testcase = case(parse(xml(every_status())), "ops.partly")
    assert outcome_of(testcase) is None
    assert testcase.findtext("system-out") == "not run in this review (live checks): http.ok"
    assert case(parse(xml(every_status())), "ops.pass").find("system-out") is None


def test_not_evaluated_items_are_skipped_with_the_reason() -> None:
    skipped = case(parse(xml(every_status())), "ops.live").find("skipped")
    assert skipped is not None and skipped.get("type") == "not_evaluated"
    assert skipped.get("message") == (
        "not evaluated: this review did not run live checks (golive check --live runs them)"
    )


# --- the rule: the report fails exactly when golive says NO-GO ---------------------------------


def test_blocking_items_are_exactly_the_failing_cases() -> None:
    review = every_status()
    decision = decide(review)
    root = parse(xml(review, decision))
    assert failing(root) == {b.item for b in decision.blocking}


def test_a_blocker_outside_the_review_still_fails() -> None:
    review = review_of(result(Status.PASS))
    stray = Blocker(item="x.y", title="Gone", level=Level.MUST, status=Status.FAIL, reason="r")
    decision = Decision(
        verdict=Verdict.NO_GO, blocking=(stray,), conditions=(), policy=Policy(), summary="s"
    )
    text = xml(review, decision)
    SCHEMA.validate(text)
    root = parse(text)
    first = root.find("testsuite")
    assert first is not None and first.get("id") == "golive.decision"
    assert first.find("properties") is not None
    assert failing(root) == {"x.y"} and root.get("failures") == "1"


def test_a_no_go_without_blockers_still_fails() -> None:
    review = review_of(result(Status.PASS))
    decision = Decision(
        verdict=Verdict.NO_GO, blocking=(), conditions=(), policy=Policy(), summary="odd"
    )
    failure = parse(xml(review, decision)).find("testsuite/testcase[@name='verdict']/failure")
    assert failure is not None and failure.get("message") == "odd"


def test_a_go_fails_nothing_whatever_it_lists() -> None:
    review = review_of(result(Status.FAIL))
    listed = decide(review).blocking
    decision = Decision(
        verdict=Verdict.GO, blocking=listed, conditions=(), policy=Policy(), summary=""
    )
    root = parse(xml(review, decision))
    assert (root.get("failures"), root.get("errors")) == ("0", "0")
    assert failing(root) == set()


@st.composite
def reviews(draw: st.DrawFn) -> Review:
    statuses = st.sampled_from(list(Status))
    levels = st.sampled_from(list(Level))
    sections = st.sampled_from(["ops", "ops.deploy", "other"])
    # Some items are verified by a decision record alone: the gate leaves those out.
    refs = st.sampled_from([(), (CheckRef(id="decision.record", kind=Kind.ATTEST),)])
    rows = draw(st.lists(st.tuples(statuses, levels, sections, refs), max_size=30))
    results = [
        result(status, level=level, section=section, id=f"i{n}", checks=refs, ran=(check(status),))
        for n, (status, level, section, refs) in enumerate(rows)
    ]
    live = [
        Item(id=f"l{n}", title="t", section="ops", level=draw(levels))
        for n in range(draw(st.integers(0, 3)))
    ]
    policy = Policy(unknown=draw(st.sampled_from(list(UnknownPolicy))), strict=draw(st.booleans()))
    return review_of(*results, policy=policy, not_evaluated=tuple(live))


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reviews())
def test_report_fails_exactly_when_the_verdict_is_no_go(review: Review) -> None:
    decision = decide(review)
    text = xml(review, decision)
    root = parse(text)
    broken = int(root.get("failures", "")) + int(root.get("errors", ""))
    assert (broken > 0) == (decision.verdict is Verdict.NO_GO)
    assert failing(root) == {b.item for b in decision.blocking}
    cases = list(root.iter("testcase"))
    tags = [found.tag for found in map(outcome_of, cases) if found is not None]
    assert broken == tags.count("failure") + tags.count("error")
    assert root.get("tests") == str(len(review.results) + len(review.not_evaluated))
    SCHEMA.validate(text)


# --- any text makes a well-formed document ----------------------------------------------------


def allowed(char: str) -> bool:
    code = ord(char)
    return (
        code in {0x9, 0xA, 0xD}
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def cleaned(text: str) -> str:
    return "".join(char for char in text if allowed(char))


TRICKY = ["\r", "\r\n", "\n", "\t", "\x00", "\x1b[31m", "\x7f", "\ufffe", "\uffff", "\ud800",
          "\udfff", "]]>", "&amp;", "<a>", '"', "'", " ", "\U0001f600", "\u203a"]  # fmt: skip
texts = st.lists(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(TRICKY)), max_size=40
).map("".join)


def lines_of(element: ET.Element | None) -> Iterable[str]:
    assert element is not None
    return (element.text or "").split("\n")


FIELDS = ("service", "title", "item_id", "reason", "summary", "observed", "message", "path",
          "profile", "section")  # fmt: skip


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries(dict.fromkeys(FIELDS, texts)))
def test_any_text_round_trips_cleaned(text: dict[str, str]) -> None:
    service, title, item_id, reason, summary = (text[name] for name in FIELDS[:5])
    observed, message, path, profile, section = (text[name] for name in FIELDS[5:])
    finding = Finding(message=message, location=Location(path=path, line=1, column=2))
    ran = CheckResult(
        check="c.x",
        kind=Kind.STATIC,
        outcome=Outcome(
            status=Status.FAIL, summary=summary, observed=observed, findings=(finding,)
        ),
    )
    failed = result(Status.FAIL, id=item_id, title=title, reason=reason, ran=(ran,))
    review = dataclasses.replace(
        review_of(failed),
        service=service,
        profiles=(profile,),
        sections=(Section(id="ops.deploy", title=section),),
    )
    root = parse(xml(review))  # raises on anything malformed
    assert root.get("name") == cleaned(f"golive {service}")
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == cleaned(f"{section} (ops.deploy)")
    testcase = suite.find("testcase")
    assert testcase is not None and testcase.get("name") == cleaned(f"{item_id}: {title}")
    failure = testcase.find("failure")
    assert failure is not None and failure.get("message") == cleaned(reason)
    assert failure.text == cleaned(
        f"fail (must item, blocks the decision): {reason}\n"
        f"c.x [fail]: {summary}\n"
        f"  observed: {observed}\n"
        f"  {path}:1:2: {message}"
    )
    profiles = suite.find("properties/property[@name='profiles']")
    assert profiles is not None and profiles.get("value") == cleaned(profile)


# --- size, consumers, the real command ---------------------------------------------------------


def test_five_thousand_items_render_fast() -> None:
    findings = (Finding(message="m", location=Location(path="a.py", line=1, column=1)),)
    results = [
        result(
            status,
            id=f"i{n}",
            level=(Level.MUST, Level.SHOULD)[n % 2],
            ran=(check(status, findings=findings, observed="o", required="r"),),
        )
        for n, status in zip(range(5_000), list(Status) * 500, strict=True)
    ]
    review = review_of(*results)
    decision = decide(review)
    start = time.perf_counter()
    text = render(Format.JUNIT, review, decision, RenderOptions())
    took = time.perf_counter() - start
    assert parse(text).get("tests") == "5000"
    assert took < 0.6, f"{took:.3f} s"  # about 0.2 s on a 2-core machine


def test_junitparser_reads_the_same_counts() -> None:
    review = every_status()
    decision = decide(review)
    document = junitparser.JUnitXml.fromstring(xml(review, decision).encode("utf-8"))
    cases = [c for suite in document for c in suite]
    assert sum(c.is_failure for c in cases) == len(decision.blocking) - 1  # one is an error
    assert sum(c.is_error for c in cases) == 1
    assert sum(c.is_skipped for c in cases) == sum(int(s.skipped) for s in document)
    assert (document.failures, document.errors, document.tests) == (
        len(decision.blocking) - 1,
        1,
        len(cases),
    )


@pytest.mark.slow
def test_real_cli_writes_a_report_that_fails_for_the_blocking_items(tmp_path: Path) -> None:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed; the example service needs it")
    report, data = tmp_path / "junit.xml", tmp_path / "review.json"
    done = golive("check", EXAMPLE, "-f", f"junit={report}", "-f", f"json={data}")
    assert done.returncode == 1, done.stderr  # the example service is NO-GO
    SCHEMA.validate(str(report))
    import json

    decision = json.loads(data.read_text("utf-8"))["decision"]
    blocking = {b["item"] for b in decision["blocking"]}
    root = ET.parse(report).getroot()
    assert blocking and failing(root) == blocking
    properties = {
        p.get("name"): p.get("value") for p in root.iterfind("testsuite/properties/property")
    }
    assert properties["verdict"] == "NO-GO" and properties["summary"] == decision["summary"]
    clippy = case(root, "quality.clippy").find("failure")
    assert clippy is not None and "src/lib.rs:216:8: length comparison to zero" in (
        clippy.text or ""
    )
    parsed = junitparser.JUnitXml.fromfile(str(report))
    failures = sum(c.is_failure or c.is_error for suite in parsed for c in suite)
    assert failures == len(blocking) == parsed.failures + parsed.errors
    assert str(EXAMPLE.resolve()) not in report.read_text("utf-8")
