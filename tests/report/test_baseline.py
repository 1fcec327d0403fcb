"""`--baseline`: what changed since an earlier review, by item id and finding fingerprint."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from golive_cli import golive

from golive.gate import decide
from golive.model import (
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
from golive.report.baseline import BaselineError, compare, load_baseline
from golive.report.json import to_data


def result(item: str, status: Status, *prints: tuple[str, int]) -> ItemResult:
    findings = tuple(
        Finding(message=f"problem {fp}", location=Location(path="a.py", line=line), fingerprint=fp)
        for fp, line in prints
    )
    outcome = Outcome(status=status, summary=str(status), findings=findings)
    return ItemResult(
        item=Item(id=item, title=item.title(), section="ops", level=Level.MUST),
        status=status,
        reason=str(status),
        checks=(CheckResult(check="demo.check", kind=Kind.STATIC, outcome=outcome),),
    )


def review(*results: ItemResult) -> Review:
    return Review(
        service="s",
        profiles=("p",),
        root="/r",
        sections=(Section(id="ops", title="Operations"),),
        results=results,
        scope=frozenset({Kind.STATIC}),
        policy=Policy(),
        started_at="2026-11-20T10:00:00+00:00",
    )


def as_json(done: Review) -> dict:  # type: ignore[type-arg]
    return json.loads(json.dumps(to_data(done, decide(done))))


BEFORE = review(
    result("ops.fixed", Status.FAIL, ("f1", 3)),
    result("ops.broke", Status.PASS),
    result("ops.same", Status.FAIL, ("s1", 10)),
    result("ops.moved", Status.FAIL, ("m1", 5)),
    result("ops.more", Status.FAIL, ("x1", 1)),
    result("ops.worse", Status.WARN),
    result("ops.gone", Status.FAIL),
)
AFTER = review(
    result("ops.fixed", Status.PASS),
    result("ops.broke", Status.FAIL, ("b1", 4)),
    result("ops.same", Status.FAIL, ("s1", 10)),
    result("ops.moved", Status.FAIL, ("m1", 50)),  # the same finding, lines later
    result("ops.more", Status.FAIL, ("x1", 1), ("x2", 2)),
    result("ops.worse", Status.ERROR),
    result("ops.new", Status.UNKNOWN),
)


def test_changes_are_keyed_by_item_and_fingerprint_not_line() -> None:
    comparison = compare(as_json(BEFORE), AFTER, name="before.json")
    kinds = {c.item: c.kind for c in comparison.changes}
    assert kinds == {
        "ops.fixed": "fixed",
        "ops.broke": "new failure",
        "ops.more": "findings",
        "ops.worse": "worse",
        "ops.new": "new item",
    }
    assert comparison.of("ops.more").new_findings == ("x2",)  # type: ignore[union-attr]
    assert comparison.unchanged == 2  # ops.same, and ops.moved whose finding only moved
    assert comparison.dropped == ("ops.gone",)
    assert comparison.taken_at == "2026-11-20T10:00:00+00:00"


def test_evidence_that_appears_or_goes_is_no_change() -> None:
    def with_evidence(done: ItemResult, message: str) -> ItemResult:
        check = done.checks[0]
        held = Finding(message=message, fingerprint=message, evidence=True)
        outcome = dataclasses.replace(check.outcome, findings=(*check.outcome.findings, held))
        return dataclasses.replace(done, checks=(dataclasses.replace(check, outcome=outcome),))

    before = review(with_evidence(result("ops.same", Status.FAIL, ("s1", 10)), "a holds"))
    after = review(with_evidence(result("ops.same", Status.FAIL, ("s1", 10)), "b holds"))
    comparison = compare(as_json(before), after, name="before.json")
    assert (comparison.changes, comparison.unchanged) == ((), 1)


def test_the_terminal_shows_only_what_changed() -> None:
    comparison = compare(as_json(BEFORE), AFTER, name="before.json")
    text = render(Format.TERMINAL, AFTER, decide(AFTER), RenderOptions(comparison=comparison))
    assert "changes since before.json" in text
    assert "ops.broke" in text and "new failure (was pass)" in text
    assert "ops.more" in text and "1 new finding(s)" in text
    assert "ops.same" not in text.split("NO-GO")[0]
    assert "ops.moved" not in text.split("NO-GO")[0]
    assert "no longer reviewed: ops.gone" in text


def test_the_json_report_carries_the_comparison() -> None:
    comparison = compare(as_json(BEFORE), AFTER, name="before.json")
    data = json.loads(
        render(Format.JSON, AFTER, decide(AFTER), RenderOptions(comparison=comparison))
    )
    assert [c["item"] for c in data["baseline"]["changes"]][:2] == ["ops.fixed", "ops.broke"]
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("golive.report").joinpath("review.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)


@pytest.mark.parametrize(
    ("text", "message"),
    [("{", "not JSON"), ('{"schema": "other"}', "not a golive JSON report")],
)
def test_a_bad_baseline_is_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(BaselineError, match=message):
        load_baseline(path)


def test_check_baseline_through_the_command_line(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "golive.toml").write_text('[service]\nname = "s"\nprofiles = ["./p.toml"]\n')
    (repo / "p.toml").write_text(
        '[profile]\nname = "p"\ntitle = "P"\n[sections.docs]\ntitle = "Docs"\n'
        '[items."docs.security-policy"]\ntitle = "Security policy"\nsection = "docs"\n'
        'level = "must"\nchecks = ["docs.security"]\n'
    )
    first = golive("check", repo, "-f", f"json={tmp_path / 'before.json'}")
    assert first.returncode == 1
    (repo / "SECURITY.md").write_text(
        "# Security\n\nReport vulnerabilities to security@example.com; we answer in 3 days.\n"
    )
    second = golive("check", "repo", "--baseline", "before.json", cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "changes since before.json" in second.stdout
    assert "1 fixed · 0 unchanged items not shown" in second.stdout
    assert "fixed (was fail)" in second.stdout
    broken = golive("check", repo, "--baseline", tmp_path / "nope.json")
    assert broken.returncode == 2
    assert "--baseline" in broken.stderr and "Traceback" not in broken.stderr
