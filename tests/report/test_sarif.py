from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import re
import shutil
import string
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from golive_cli import golive
from jsonschema import Draft4Validator, FormatChecker

from golive.checklist import load_checklist
from golive.checks.registry import Registry
from golive.gate import decide
from golive.model import (
    CheckRef,
    CheckResult,
    Finding,
    Item,
    ItemResult,
    Kind,
    LedgerEntry,
    Level,
    Location,
    Match,
    Outcome,
    Policy,
    RecordState,
    Review,
    Section,
    Status,
)
from golive.report import Format, RenderOptions, render, sarif
from golive.report.catalog import catalog_markdown
from golive.report.sarif import FINGERPRINT, github_anchor
from golive.runner import run_review

HERE = Path(__file__).parent
EXAMPLE = HERE.parents[1] / "examples" / "service"
CATALOG = HERE.parents[1] / "docs" / "checks.md"
SCHEMA_FILE = HERE.parent / "data" / "sarif" / "sarif-schema-2.1.0.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text("utf-8"))

# jsonschema checks these formats only with optional packages; GitHub's upload checks them.
FORMATS = FormatChecker(formats=())
_URI_CHARS = set(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")


@FORMATS.checks("uri-reference")
def _uri_reference(value: object) -> bool:
    if not isinstance(value, str) or not set(value) <= _URI_CHARS:
        return False
    if re.search(r"%(?![0-9A-Fa-f]{2})", value):
        return False
    first = value.split("/", 1)[0]  # a relative reference's first segment has no colon
    return ":" not in first or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) is not None


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return _uri_reference(value) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", str(value)) is not None


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return isinstance(value, str) and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo


VALIDATOR = Draft4Validator(SCHEMA, format_checker=FORMATS)


# --- building reviews -------------------------------------------------------------------------

CHECKLIST = """\
[service]
name = "demo"

[items."ops.fail"]
level = "must"

[items."ops.unknown"]
level = "must"

[items."ops.waived"]
level = "should"
"""


def check(check_id: str, status: Status, *findings: Finding, **outcome: Any) -> CheckResult:
    return CheckResult(
        check=check_id,
        kind=Kind.STATIC,
        outcome=Outcome(
            status=status, summary=f"it is {status.value}", findings=findings, **outcome
        ),
    )


def result(
    item_id: str, status: Status, *checks: CheckResult, level: Level = Level.MUST, **more: Any
) -> ItemResult:
    refs = tuple(CheckRef(id=c.check, kind=c.kind) for c in checks)
    item = Item(
        id=item_id, title=f"Title of {item_id}", section="ops", level=level, checks=refs, **more
    )
    return ItemResult(item=item, status=status, reason="why", checks=checks)


AT = Finding(message="TODO: later", location=Location(path="src/a.rs", line=3, column=7), rule="r1")
WHOLE_FILE = Finding(message="whole file", location=Location(path="b c.rs"), fingerprint="given")
NOWHERE = Finding(message="nowhere in particular")


def every_status(root: Path, *, source: str | None = "golive.toml") -> Review:
    """A review with every status, findings with and without a place, and three kinds of waiver."""
    (root / "golive.toml").write_text(CHECKLIST, encoding="utf-8")
    results = [
        result("ops.pass", Status.PASS, check("demo.pass", Status.PASS)),
        result("ops.fail", Status.FAIL, check("demo.fail", Status.FAIL, AT, WHOLE_FILE, NOWHERE)),
        result("ops.fail-bare", Status.FAIL, check("demo.bare", Status.FAIL), level=Level.MAY),
        result(
            "ops.warn",
            Status.WARN,
            check("demo.warn", Status.WARN, AT),
            check("demo.pass", Status.PASS, AT),
            level=Level.SHOULD,
        ),
        result("ops.unknown", Status.UNKNOWN, check("demo.unknown", Status.UNKNOWN)),
        result("ops.error", Status.ERROR, check("demo.error", Status.ERROR, trace="Traceback")),
        result("ops.na", Status.NOT_APPLICABLE, check("demo.na", Status.NOT_APPLICABLE)),
        result(  # the ledger waived the item
            "ops.waived",
            Status.WAIVED,
            check("demo.fail", Status.FAIL, AT),
            level=Level.SHOULD,
        ),
        result(  # the check's own `waive` table covers everything
            "ops.check-waived", Status.WAIVED, check("demo.waiving", Status.WAIVED)
        ),
        result(  # one finding waived by the check, one not
            "ops.partly",
            Status.FAIL,
            check(
                "demo.partly",
                Status.FAIL,
                Finding(message="waived: vendored (old.rs)", location=Location(path="old.rs")),
                Finding(message="live one", location=Location(path="new.rs", line=1)),
            ),
        ),
        result(  # an alternative passed: the item holds, its failing check is not a problem
            "ops.any", Status.PASS, check("demo.fail", Status.FAIL, AT), match=Match.ANY
        ),
        result("ops.expired", Status.EXPIRED, check("demo.fail", Status.FAIL, AT)),
        result("ops.pending", Status.PENDING),
        result("ops.unverified", Status.UNVERIFIED),
    ]
    waiver = LedgerEntry(
        kind="waiver",
        path=".golive/waivers/ops.waived.json",
        state=RecordState.USED,
        reason="waives the item until 2030-01-01",
        item="ops.waived",
    )
    return Review(
        service="démo",
        profiles=("production",),
        root=str(root),
        sections=(Section(id="ops", title="Ops"),),
        results=tuple(results),
        scope=frozenset({Kind.STATIC}),
        policy=Policy(),
        started_at="2025-01-02T03:04:05+00:00",
        seconds=1.5,
        version="0.1.0",
        source=source,
        ledger=(waiver,),
    )


def sarif_of(review: Review) -> Any:
    text = render(Format.SARIF, review, decide(review), RenderOptions())
    return json.loads(text)


def run_of(document: Any) -> Any:
    assert len(document["runs"]) == 1
    return document["runs"][0]


def results_of(document: Any, item: str | None = None) -> list[Any]:
    found = run_of(document)["results"]
    return [r for r in found if item is None or r["properties"]["golive/item"] == item]


def where(result: Any) -> tuple[str, int | None, int | None]:
    physical = result["locations"][0]["physicalLocation"]
    region = physical.get("region", {})
    return physical["artifactLocation"]["uri"], region.get("startLine"), region.get("startColumn")


def line_of(path: Path, number: int) -> str:
    return path.read_text("utf-8").splitlines()[number - 1]


# --- the schema -------------------------------------------------------------------------------


def test_the_schema_is_the_official_sarif_2_1_0_schema() -> None:
    Draft4Validator.check_schema(SCHEMA)
    assert SCHEMA["id"] == sarif.SCHEMA_URI
    digest = hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest()
    assert digest == "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def test_the_validator_rejects_what_the_schema_forbids(tmp_path: Path) -> None:
    document = sarif_of(every_status(tmp_path))
    VALIDATOR.validate(document)
    location = results_of(document)[0]["locations"][0]["physicalLocation"]
    location["artifactLocation"]["uri"] = "no file at all"  # spaces are not a uri-reference
    assert not VALIDATOR.is_valid(document)
    location["artifactLocation"]["uri"] = "src/a.rs"
    location["region"]["startLine"] = 0  # lines count from 1
    assert not VALIDATOR.is_valid(document)


# --- a hand-built review ----------------------------------------------------------------------


def test_every_status_validates(tmp_path: Path) -> None:
    VALIDATOR.validate(sarif_of(every_status(tmp_path)))


def test_header_tool_and_automation(tmp_path: Path) -> None:
    document = sarif_of(every_status(tmp_path))
    assert (document["version"], document["$schema"]) == ("2.1.0", sarif.SCHEMA_URI)
    run = run_of(document)
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["semanticVersion"]) == (
        "golive",
        "0.1.0",
        "0.1.0",
    )
    assert driver["informationUri"] == "https://github.com/golive-dev/golive"
    assert run["automationDetails"] == {"id": "golive/démo/"}
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]
    assert run["properties"]["golive/profiles"] == ["production"]


def test_no_result_for_items_that_hold_or_checks_that_pass(tmp_path: Path) -> None:
    document = sarif_of(every_status(tmp_path))
    for item in ("ops.pass", "ops.na", "ops.any", "ops.pending", "ops.unverified"):
        assert results_of(document, item) == []
    assert [r["ruleId"] for r in results_of(document, "ops.warn")] == ["demo.warn"]


def test_a_result_per_finding_with_its_place(tmp_path: Path) -> None:
    found = results_of(sarif_of(every_status(tmp_path)), "ops.fail")
    assert [r["message"]["text"] for r in found] == [
        "TODO: later — ops.fail: Title of ops.fail",
        "whole file — ops.fail: Title of ops.fail",
        "nowhere in particular — ops.fail: Title of ops.fail",
    ]
    assert where(found[0]) == ("src/a.rs", 3, 7)
    assert where(found[1]) == ("b%20c.rs", None, None)  # a whole file: no region
    assert found[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == (
        "%SRCROOT%"
    )
    assert found[0]["properties"] == {
        "golive/item": "ops.fail",
        "golive/itemLevel": "must",
        "golive/itemStatus": "fail",
        "golive/checkStatus": "fail",
        "golive/rule": "r1",
    }


def test_a_finding_without_a_place_points_at_its_item_in_the_checklist(tmp_path: Path) -> None:
    review = every_status(tmp_path)
    nowhere = results_of(sarif_of(review), "ops.fail")[2]
    uri, line, column = where(nowhere)
    assert uri == "golive.toml" and line is not None and column is not None
    assert line_of(tmp_path / uri, line) == '[items."ops.fail"]'
    assert line_of(tmp_path / uri, line)[column - 1 :].startswith('"ops.fail"')
    assert nowhere["properties"]["golive/anchoredAtChecklist"] is True
    assert nowhere["locations"][0]["logicalLocations"] == [{"name": "ops.fail"}]


def test_a_failing_check_without_findings_is_one_result_at_the_item(tmp_path: Path) -> None:
    document = sarif_of(every_status(tmp_path))
    (unknown,) = results_of(document, "ops.unknown")
    assert unknown["message"]["text"] == "it is unknown — ops.unknown: Title of ops.unknown"
    uri, line, _ = where(unknown)
    assert line is not None and line_of(tmp_path / uri, line) == '[items."ops.unknown"]'
    (bare,) = results_of(document, "ops.fail-bare")  # not in the checklist file: no region
    assert where(bare) == ("golive.toml", None, None)


def test_evidence_beside_the_problems_is_not_a_result(tmp_path: Path) -> None:
    held = Finding(message="Rollout/b: holds", location=Location(path="b.yaml"), evidence=True)
    review = every_status(tmp_path)
    mixed = result("ops.mixed", Status.FAIL, check("demo.mixed", Status.FAIL, AT, held))
    only = result("ops.only", Status.FAIL, check("demo.only", Status.FAIL, held))
    review = dataclasses.replace(review, results=(*review.results, mixed, only))
    document = sarif_of(review)
    assert [r["message"]["text"] for r in results_of(document, "ops.mixed")] == [
        "TODO: later — ops.mixed: Title of ops.mixed"
    ]
    (bare,) = results_of(document, "ops.only")  # nothing wrong was found: the check's outcome
    assert bare["message"]["text"].startswith("it is fail — ops.only")


def test_levels_follow_the_item_level_and_the_outcome(tmp_path: Path) -> None:
    levels = {
        r["properties"]["golive/item"]: r["level"]
        for r in results_of(sarif_of(every_status(tmp_path)))
    }
    assert levels == {
        "ops.fail": "error",  # fail, must
        "ops.fail-bare": "note",  # fail, may
        "ops.warn": "note",  # warn, should
        "ops.unknown": "warning",  # undecided, must
        "ops.error": "warning",  # crashed, must
        "ops.waived": "warning",  # a waived failure keeps its level, should
        "ops.check-waived": "error",
        "ops.partly": "error",
        "ops.expired": "error",  # the waiver lapsed: a failure again
    }


def test_waived_results_carry_a_suppression(tmp_path: Path) -> None:
    document = sarif_of(every_status(tmp_path))
    (by_ledger,) = results_of(document, "ops.waived")
    assert by_ledger["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "why",
            "location": {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": ".golive/waivers/ops.waived.json",
                        "uriBaseId": "%SRCROOT%",
                    }
                }
            },
        }
    ]
    (by_check,) = results_of(document, "ops.check-waived")
    assert by_check["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "it is waived"}
    ]
    waived, live = results_of(document, "ops.partly")
    assert waived["suppressions"][0]["justification"] == "vendored (old.rs)"
    assert "suppressions" not in live
    assert all("suppressions" not in r for r in results_of(document, "ops.expired"))


def test_rules_one_per_check_in_the_review(tmp_path: Path) -> None:
    run = run_of(sarif_of(every_status(tmp_path)))
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == sorted(ids) and "demo.pass" in ids and "demo.na" in ids
    for found in run["results"]:
        assert rules[found["ruleIndex"]]["id"] == found["ruleId"]
    fail = rules[ids.index("demo.fail")]
    assert fail["defaultConfiguration"] == {"level": "error"}  # the strictest item: must
    assert fail["name"] == "DemoFail"
    assert fail["shortDescription"] == {"text": "demo.fail"}  # unknown to the registry
    assert "helpUri" not in fail
    assert rules[ids.index("demo.warn")]["defaultConfiguration"] == {"level": "warning"}


def test_a_crashed_check_makes_the_execution_unsuccessful(tmp_path: Path) -> None:
    (invocation,) = run_of(sarif_of(every_status(tmp_path)))["invocations"]
    assert invocation["executionSuccessful"] is False
    (crash,) = invocation["toolExecutionNotifications"]
    assert crash["level"] == "error" and crash["associatedRule"]["id"] == "demo.error"
    assert "Traceback" not in json.dumps(invocation)
    assert (invocation["startTimeUtc"], invocation["endTimeUtc"]) == (
        "2025-01-02T03:04:05.000Z",
        "2025-01-02T03:04:06.500Z",
    )
    properties = invocation["properties"]
    assert properties["golive/verdict"] == "NO-GO"
    assert "ops.fail" in properties["golive/blocking"]


def test_a_clean_review_is_successful_and_has_no_results(tmp_path: Path) -> None:
    review = every_status(tmp_path)
    passing = Review(**{**review.__dict__, "results": review.results[:1]})
    document = sarif_of(passing)
    VALIDATOR.validate(document)
    run = run_of(document)
    assert run["results"] == [] and run["invocations"][0]["executionSuccessful"] is True
    assert run["invocations"][0]["properties"]["golive/verdict"] == "GO"


def test_fingerprints_are_golive_s_content_fingerprints(tmp_path: Path) -> None:
    found = results_of(sarif_of(every_status(tmp_path)), "ops.fail")
    assert found[1]["partialFingerprints"] == {FINGERPRINT: "given"}
    assert len({r["partialFingerprints"][FINGERPRINT] for r in found}) == 3


def test_fingerprint_does_not_depend_on_the_line(tmp_path: Path) -> None:
    review = every_status(tmp_path)
    moved = Finding(message=AT.message, location=Location(path="src/a.rs", line=30), rule="r1")
    results = tuple(
        result("ops.fail", Status.FAIL, check("demo.fail", Status.FAIL, finding))
        for finding in (AT, moved)
    )
    one, two = (
        results_of(sarif_of(Review(**{**review.__dict__, "results": (r,)})))[0] for r in results
    )
    assert where(one)[1] == 3 and where(two)[1] == 30
    assert one["partialFingerprints"] == two["partialFingerprints"]


# --- places -----------------------------------------------------------------------------------


def test_without_a_checklist_file_unplaced_results_are_counted_not_written(
    tmp_path: Path,
) -> None:
    document = sarif_of(every_status(tmp_path, source=None))
    VALIDATOR.validate(document)
    run = run_of(document)
    assert all(r["locations"] for r in run["results"])  # GitHub rejects a result without one
    assert results_of(document, "ops.unknown") == []
    assert [where(r)[0] for r in results_of(document, "ops.fail")] == ["src/a.rs", "b%20c.rs"]
    unlocated = run["properties"]["golive/unlocated"]
    assert unlocated["results"] == 5
    assert unlocated["items"] == [
        "ops.check-waived", "ops.error", "ops.fail", "ops.fail-bare", "ops.unknown",
    ]  # fmt: skip


def test_a_checklist_outside_the_repository_is_not_pointed_at(tmp_path: Path) -> None:
    document = sarif_of(every_status(tmp_path, source=str(tmp_path.parent / "elsewhere.toml")))
    assert results_of(document, "ops.unknown") == []
    assert str(tmp_path.parent) not in json.dumps(document, ensure_ascii=False)


def test_paths_are_relative_to_the_git_work_tree(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    service = tmp_path / "services" / "api"
    service.mkdir(parents=True)
    document = sarif_of(every_status(service))
    VALIDATOR.validate(document)
    assert where(results_of(document, "ops.fail")[0])[0] == "services/api/src/a.rs"
    uri, line, _ = where(results_of(document, "ops.unknown")[0])
    assert uri == "services/api/golive.toml"
    assert line is not None and line_of(tmp_path / uri, line) == '[items."ops.unknown"]'
    assert run_of(document)["properties"]["golive/reviewedDirectory"] == "services/api"


def test_paths_leaving_the_repository_are_not_used(tmp_path: Path) -> None:
    review = every_status(tmp_path)
    outside = Finding(message="outside", location=Location(path="../x.rs", line=2))
    absolute = Finding(message="absolute", location=Location(path="/etc/x.rs", line=2))
    bad = result("ops.fail", Status.FAIL, check("demo.fail", Status.FAIL, outside, absolute))
    found = results_of(sarif_of(Review(**{**review.__dict__, "results": (bad,)})))
    assert [where(r)[0] for r in found] == ["golive.toml", "golive.toml"]


def test_no_absolute_path_of_the_machine(tmp_path: Path) -> None:
    review = every_status(tmp_path)
    home = str(Path.home())
    leaky = Finding(
        message=f"cannot read {tmp_path}/src/a.rs nor {home}/.cargo/x nor {tmp_path} "
        f"nor file://{tmp_path}/b.rs",
        location=Location(path="src/a.rs", line=1),
    )
    results = (
        result("ops.fail", Status.FAIL, check("demo.fail", Status.FAIL, leaky)),
        ItemResult(
            item=Item(id="ops.error", title="E", section="ops", level=Level.MUST),
            status=Status.ERROR,
            reason="why",
            checks=(
                CheckResult(
                    check="demo.error",
                    kind=Kind.STATIC,
                    outcome=Outcome(status=Status.ERROR, summary=f"crashed in {tmp_path}/x.py"),
                ),
            ),
        ),
    )
    text = render(
        Format.SARIF,
        Review(**{**review.__dict__, "results": results}),
        decide(review),
        RenderOptions(verbose=True),
    )
    assert str(tmp_path) not in text
    assert home not in text or home == "/"
    message = results_of(json.loads(text), "ops.fail")[0]["message"]["text"]
    assert message.startswith("cannot read src/a.rs nor ~/.cargo/x nor . nor b.rs — ")


# --- registry metadata and the catalog --------------------------------------------------------


def anchors(markdown: str) -> set[str]:
    headings = re.findall(r"^#{1,6} (.+)$", markdown, flags=re.MULTILINE)
    return {github_anchor(heading) for heading in headings}


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("`alerts.quality` (static)", "alertsquality-static"),
        ("`k8s.security-context` (static)", "k8ssecurity-context-static"),
        ("Hello, World!", "hello-world"),
        ("snake_case and  two spaces", "snake_case-and--two-spaces"),
        ("Über größe", "über-größe"),
        ("x² ≥ y", "x--y"),
    ],
)
def test_github_anchor(heading: str, anchor: str) -> None:
    assert github_anchor(heading) == anchor


def test_the_catalog_has_the_heading_a_help_uri_names() -> None:
    text = CATALOG.read_text("utf-8")
    assert "\n### `rust.release-profile` (static)\n" in text
    assert "rustrelease-profile-static" in anchors(text)


def test_a_registered_check_is_described_from_the_registry(tmp_path: Path) -> None:
    review = every_status(tmp_path)
    finding = Finding(message="panic is not set", location=Location(path="Cargo.toml", line=13))
    ran = CheckResult(
        check="rust.release-profile",
        kind=Kind.STATIC,
        outcome=Outcome(status=Status.FAIL, summary="differs", findings=(finding,)),
    )
    item = result("optimize.code", Status.FAIL, ran, level=Level.SHOULD)
    document = sarif_of(Review(**{**review.__dict__, "results": (item,)}))
    VALIDATOR.validate(document)
    (rule,) = run_of(document)["tool"]["driver"]["rules"]
    known = Registry.discover().get("rust.release-profile")
    assert known is not None and known.fix is not None
    assert rule["name"] == "RustReleaseProfile"
    assert rule["shortDescription"]["text"] == known.title()
    assert rule["fullDescription"]["text"] == " ".join(known.description().split())
    assert known.fix in rule["help"]["text"]
    assert f"```text\n{known.fix}\n```" in rule["help"]["markdown"]  # a TOML snippet
    assert rule["helpUri"] == (
        "https://github.com/golive-dev/golive/blob/main/docs/checks.md#rustrelease-profile-static"
    )
    assert rule["defaultConfiguration"] == {"level": "warning"}
    assert rule["properties"]["tags"] == ["static", "rust"]


def test_security_checks_are_tagged_without_an_invented_severity(tmp_path: Path) -> None:
    review = every_status(tmp_path)
    ran = check("docker.non-root", Status.FAIL, AT)
    item = result("docker.non-root", Status.FAIL, ran)
    (rule,) = run_of(sarif_of(Review(**{**review.__dict__, "results": (item,)})))["tool"]["driver"][
        "rules"
    ]
    assert "security" in rule["properties"]["tags"]
    assert "security-severity" not in rule["properties"]
    assert rule["properties"]["problem.severity"] == "error"


# --- limits and speed -------------------------------------------------------------------------


def many(root: Path, count: int, *, level: Level = Level.SHOULD, words: int = 4) -> Review:
    review = every_status(root)
    findings = tuple(
        Finding(
            message=" ".join(f"w{(n * 7919 + k * 104729) % 1000003:x}" for k in range(words)),
            location=Location(path=f"src/m{n % 50}.rs", line=n + 1, column=5),
        )
        for n in range(count)
    )
    bulk = result("ops.bulk", Status.FAIL, check("demo.bulk", Status.FAIL, *findings), level=level)
    must = result("ops.must", Status.FAIL, check("demo.must", Status.FAIL, AT))
    return Review(**{**review.__dict__, "results": (bulk, must)})


def test_too_many_results_keep_the_most_severe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sarif, "RESULTS_LIMIT", 5)
    document = sarif_of(many(tmp_path, 10))
    VALIDATOR.validate(document)
    run = run_of(document)
    items = [r["properties"]["golive/item"] for r in run["results"]]
    assert items == ["ops.bulk"] * 4 + ["ops.must"]  # the error kept, in checklist order
    assert [where(r)[1] for r in run["results"][:4]] == [1, 2, 3, 4]
    assert run["properties"]["golive/resultsLeftOut"]["count"] == 6


def test_the_compressed_file_stays_within_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sarif, "GZIP_LIMIT", 60_000)
    review = many(tmp_path, 3000, words=40)
    text = render(Format.SARIF, review, decide(review), RenderOptions())
    assert len(text.encode()) > 60_000  # the limit is on the compressed size
    assert len(gzip.compress(text.encode())) <= 60_000
    run = run_of(json.loads(text))
    assert run["properties"]["golive/resultsLeftOut"]["count"] > 0
    assert run["results"][-1]["properties"]["golive/item"] == "ops.must"


@pytest.mark.slow
def test_ten_thousand_findings_render_well_under_a_second(tmp_path: Path) -> None:
    review = many(tmp_path, 10_000)
    decision = decide(review)
    render(Format.SARIF, review, decision, RenderOptions())  # imports, registry
    started = time.process_time()  # CPU time: a busy machine does not make it fail
    text = render(Format.SARIF, review, decision, RenderOptions())
    assert time.process_time() - started < 1.0
    assert len(run_of(json.loads(text))["results"]) == 10_001


# --- real reviews -----------------------------------------------------------------------------

TEAM = """\
[profile]
name = "team"
title = "Team"

[sections.code]
title = "Code"

[items."code.todo"]
title = "No TODO left"
section = "code"
level = "should"
checks = ["source.todo"]

[items."code.security-policy"]
title = "A security policy"
section = "code"
level = "should"
checks = ["docs.security"]
"""

SERVICE = """\
[service]
name = "demo"
profiles = ["./team.toml"]

[items."code.security-policy"]
level = "must"
"""


def real_review(root: Path) -> Review:
    registry = Registry.discover()
    return run_review(load_checklist(root, registry), root=root, registry=registry)


def test_fingerprints_stay_when_lines_move(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "team.toml").write_text(TEAM, encoding="utf-8")
    (tmp_path / "golive.toml").write_text(SERVICE, encoding="utf-8")
    code = tmp_path / "src" / "main.rs"
    code.write_text("fn main() {\n    // TODO: handle errors\n}\n", encoding="utf-8")
    before = sarif_of(real_review(tmp_path))
    code.write_text("\n\n\n" + code.read_text("utf-8"), encoding="utf-8")
    (tmp_path / "golive.toml").write_text("# moved\n\n" + SERVICE, encoding="utf-8")
    after = sarif_of(real_review(tmp_path))
    for document in (before, after):
        VALIDATOR.validate(document)
    pairs = list(zip(results_of(before), results_of(after), strict=True))
    assert [(one["ruleId"], two["ruleId"]) for one, two in pairs] == [
        ("source.todo", "source.todo"),
        ("docs.security", "docs.security"),
    ]
    for one, two in pairs:
        assert one["partialFingerprints"] == two["partialFingerprints"]
    (todo_before, policy_before), (todo_after, policy_after) = zip(*pairs, strict=True)
    assert (where(todo_before)[1], where(todo_after)[1]) == (2, 5)
    assert (where(policy_before)[1], where(policy_after)[1]) == (5, 7)
    assert line_of(tmp_path / "golive.toml", 7) == '[items."code.security-policy"]'


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("sarif") / "out.sarif"
    run = golive("check", EXAMPLE, "-f", f"sarif={out}")
    assert run.returncode == 1, run.stderr  # NO-GO
    return out, out.read_text("utf-8")


@pytest.mark.slow
def test_the_example_service_validates(example: tuple[Path, str]) -> None:
    _, text = example
    VALIDATOR.validate(json.loads(text))


@pytest.mark.slow
def test_the_example_service_names_no_absolute_path(example: tuple[Path, str]) -> None:
    out, text = example
    assert str(out.parent) not in text
    assert str(EXAMPLE) not in text and str(EXAMPLE.resolve()) not in text


def example_file(run: Any, uri: str) -> Path:
    """A result's file: uris are relative to the repository root (the git work tree)."""
    reviewed = run["properties"].get("golive/reviewedDirectory")
    top = EXAMPLE.resolve()
    for _ in Path(reviewed).parts if reviewed else ():
        top = top.parent
    return top / uri


@pytest.mark.slow
def test_the_example_service_points_at_the_right_lines(example: tuple[Path, str]) -> None:
    run = run_of(json.loads(example[1]))
    seen: dict[str, tuple[str, str]] = {}
    for found in run["results"]:
        uri, line, column = where(found)
        if line is None:
            continue
        text = line_of(example_file(run, uri), line)
        seen.setdefault(found["ruleId"], (text, text[(column or 1) - 1 :]))
        if found["properties"].get("golive/anchoredAtChecklist"):
            item = found["properties"]["golive/item"]
            assert uri.endswith("golive.toml") and text == f'[items."{item}"]'
    assert seen["source.todo"][1].startswith("TODO: persist rate-limit buckets")
    assert seen["rust.release-profile"][0] == "[profile.release]"
    assert seen["docker.non-root"][0].startswith("FROM debian")  # the final stage
    if shutil.which("cargo"):
        assert seen["rust.clippy"][1].startswith("name.len() == 0")
        assert seen["docs.api"][1].startswith("pub ")  # an undocumented public item


@pytest.mark.slow
def test_the_example_service_help_uris_name_catalog_headings(example: tuple[Path, str]) -> None:
    rules = run_of(json.loads(example[1]))["tool"]["driver"]["rules"]
    # The page docs/checks.md is generated from (a test elsewhere keeps the file equal to it).
    headings = anchors(catalog_markdown(Registry.discover()))
    documented = [rule for rule in rules if "helpUri" in rule]
    assert len(documented) == len(rules) > 20
    for rule in documented:
        base, _, anchor = rule["helpUri"].partition("#")
        assert base == sarif.CATALOG_URI and anchor in headings, rule["id"]
