from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from jsonschema import Draft202012Validator

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
from golive.report.json import SCHEMA, to_data

EXAMPLE = Path(__file__).parents[2] / "examples" / "service"


def schema() -> Any:
    return json.loads(files("golive.report").joinpath("review.schema.json").read_text("utf-8"))


VALIDATOR = Draft202012Validator(schema())


def check(status: Status, **outcome: Any) -> CheckResult:
    return CheckResult(
        check=f"demo.{status.value}",
        kind=Kind.STATIC,
        outcome=Outcome(status=status, summary=f"it is {status.value}", **outcome),
        seconds=0.123456,
    )


def result(status: Status, *, ran: tuple[CheckResult, ...] = (), **item: Any) -> ItemResult:
    fields: dict[str, Any] = {"id": f"ops.{status.value}", "title": status.value.title()}
    fields |= {"section": "ops.deploy", "level": Level.MUST} | item
    return ItemResult(item=Item(**fields), status=status, reason=f"{status.value}!", checks=ran)


FAILURE = check(
    Status.FAIL,
    observed="2 markers",
    required="<= 0",
    remediation="Finish the work.",
    findings=(
        Finding(message="TODO: later", location=Location(path="src/a.rs", line=3, column=7)),
        Finding(message="whole file", location=Location(path="b.rs"), rule="r1", fingerprint="f"),
        Finding(message="nowhere in particular"),
    ),
    facts={"markers": 2, "ratio": 2 / 3, "odd": float("nan"), "ok": False, "tool": "grep"},
)


def every_status() -> Review:
    special = {Status.FAIL: FAILURE, Status.ERROR: check(Status.ERROR, trace="Traceback: boom")}
    results = [result(s, ran=(special.get(s) or check(s),)) for s in Status]
    disabled = Item(id="ops.off", title="Off", section="ops", level=Level.MAY, disabled="no db")
    attested = result(
        Status.PENDING,
        id="ops.signed",
        attest=AttestRequirement(role="security", expires="90d"),
        checks=(CheckRef(id="demo.planned", kind=Kind.TOOL, planned=True),),
        origin=("[ops] signed",),
    )
    live = Item(
        id="ops.live",
        title="Answers",
        section="ops",
        level=Level.MUST,
        checks=(CheckRef(id="http.ok", kind=Kind.LIVE),),
    )
    return Review(
        service="démo",
        profiles=("production",),
        root="svc",
        sections=(Section(id="ops", title="Ops"), Section(id="ops.deploy", title="Deploy")),
        results=(
            *results,
            ItemResult(item=disabled, status=Status.NOT_APPLICABLE, reason="disabled: no db"),
            attested,
        ),
        scope=frozenset({Kind.TOOL, Kind.STATIC, Kind.ATTEST}),
        policy=Policy(),
        not_evaluated=(live,),
        started_at="2025-01-02T03:04:05+00:00",
        seconds=1.23456789,
        version="0.1.0",
    )


def data(review: Review, *, verbose: bool = False) -> Any:
    options = RenderOptions(verbose=verbose)
    return json.loads(render(Format.JSON, review, decide(review), options))


def item(document: Any, item_id: str) -> Any:
    return next(entry for entry in document["items"] if entry["id"] == item_id)


@pytest.fixture(scope="module")
def real() -> Review:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed; the example service needs it")
    from golive.checklist import load_checklist
    from golive.checks.registry import Registry
    from golive.runner import run_review

    registry = Registry.discover()
    checklist = load_checklist(EXAMPLE, registry)
    return run_review(checklist, root=EXAMPLE, registry=registry)


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(schema())


@pytest.mark.slow
@pytest.mark.parametrize("verbose", [False, True])
def test_real_review_matches_schema(real: Review, verbose: bool) -> None:
    VALIDATOR.validate(data(real, verbose=verbose))


@pytest.mark.parametrize("verbose", [False, True])
def test_every_status_matches_schema(verbose: bool) -> None:
    VALIDATOR.validate(data(every_status(), verbose=verbose))


def test_empty_review_matches_schema() -> None:
    review = Review(
        service="s",
        profiles=(),
        root=".",
        sections=(),
        results=(),
        scope=frozenset(),
        policy=Policy(),
    )
    VALIDATOR.validate(data(review))


def test_schema_rejects_an_unknown_field() -> None:
    document = data(every_status())
    document["items"][0]["extra"] = 1
    assert not VALIDATOR.is_valid(document)


def test_schema_rejects_an_unknown_status() -> None:
    document = data(every_status())
    document["items"][0]["checks"][0]["status"] = "passed"
    with pytest.raises(jsonschema.ValidationError, match="passed"):
        VALIDATOR.validate(document)


def test_round_trips_through_json() -> None:
    review = every_status()
    text = render(Format.JSON, review, decide(review), RenderOptions())
    assert json.loads(text) == to_data(review, decide(review))


def test_document_is_indented_utf8_with_trailing_newline() -> None:
    review = every_status()
    text = render(Format.JSON, review, decide(review), RenderOptions())
    assert text.startswith('{\n  "schema": "golive.review/v1",\n') and text.endswith("}\n")
    assert '"service": "démo"' in text


def test_top_level_keys_are_in_a_stable_order() -> None:
    assert list(data(every_status())) == [
        "schema", "golive", "service", "profiles", "root", "source", "started_at", "seconds",
        "scope", "policy", "decision", "counts", "sections", "items", "not_evaluated", "ledger",
    ]  # fmt: skip


def test_item_and_check_keys_are_in_a_stable_order() -> None:
    entry = item(data(every_status()), "ops.fail")
    assert list(entry) == [
        "id", "title", "section", "level", "status", "reason", "match", "disabled", "origin",
        "attest", "planned", "skipped", "checks",
    ]  # fmt: skip
    assert list(entry["checks"][0]) == [
        "id", "kind", "status", "summary", "observed", "required", "remediation", "seconds",
        "facts", "findings",
    ]  # fmt: skip


def test_schema_version_and_header_fields() -> None:
    document = data(every_status())
    assert (document["schema"], document["golive"], document["service"]) == (
        SCHEMA,
        "0.1.0",
        "démo",
    )


def test_scope_is_sorted() -> None:
    assert data(every_status())["scope"] == ["attest", "static", "tool"]


def test_counts_name_every_status_including_zeros() -> None:
    counts = data(every_status())["counts"]
    assert list(counts) == [s.value for s in Status] and counts["not_applicable"] == 2


def test_decision_lists_blockers_and_conditions() -> None:
    decision = data(every_status())["decision"]
    blocking = {b["item"]: b for b in decision["blocking"]}
    assert decision["verdict"] == "NO-GO" and blocking["ops.fail"] == {
        "item": "ops.fail", "title": "Fail", "level": "must", "status": "fail", "reason": "fail!"
    }  # fmt: skip
    assert decision["blocking"][0]["status"] == "error"  # the most serious first
    assert [c["item"] for c in decision["conditions"]] == ["ops.warn"]


def test_sections_carry_their_parent() -> None:
    assert data(every_status())["sections"][1] == {
        "id": "ops.deploy", "title": "Deploy", "parent": "ops"
    }  # fmt: skip


def test_findings_keep_their_locations() -> None:
    findings = item(data(every_status()), "ops.fail")["checks"][0]["findings"]
    assert findings[0]["location"] == {"path": "src/a.rs", "line": 3, "column": 7}
    assert findings[1]["location"] == {"path": "b.rs", "line": None, "column": None}
    assert findings[1]["rule"] == "r1" and findings[1]["fingerprint"] == "f"
    assert findings[2]["location"] is None


def test_seconds_are_rounded_to_milliseconds() -> None:
    document = data(every_status())
    assert (
        document["seconds"] == 1.235 and item(document, "ops.fail")["checks"][0]["seconds"] == 0.123
    )


def test_facts_are_sorted_rounded_and_finite() -> None:
    facts = item(data(every_status()), "ops.fail")["checks"][0]["facts"]
    assert facts == {"markers": 2, "odd": "nan", "ok": False, "ratio": 0.666667, "tool": "grep"}


def test_trace_only_when_verbose() -> None:
    assert "trace" not in item(data(every_status()), "ops.error")["checks"][0]
    assert item(data(every_status(), verbose=True), "ops.error")["checks"][0]["trace"] == (
        "Traceback: boom"
    )


def test_disabled_item_keeps_its_reason() -> None:
    entry = item(data(every_status()), "ops.off")
    assert (entry["disabled"], entry["status"], entry["checks"]) == ("no db", "not_applicable", [])


def test_attested_item_lists_sign_off_planned_checks_and_origin() -> None:
    entry = item(data(every_status()), "ops.signed")
    assert entry["attest"] == {"role": "security", "expires": "90d"}
    assert (entry["planned"], entry["origin"]) == (["demo.planned"], ["[ops] signed"])


def test_not_evaluated_items_name_their_kinds() -> None:
    assert data(every_status())["not_evaluated"] == [
        {"id": "ops.live", "title": "Answers", "section": "ops", "level": "must", "kinds": ["live"]}
    ]


def test_to_data_is_the_document_without_trace() -> None:
    review = every_status()
    assert "trace" not in item(to_data(review, decide(review)), "ops.error")["checks"][0]
