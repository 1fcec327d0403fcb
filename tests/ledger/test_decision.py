"""Decision records: written from a review, verified, and refused once altered."""

from __future__ import annotations

import base64
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_kit import NOW, SUBJECT, Person, write_signers

from golive.gate import decide
from golive.ledger.decision import decision_record, verify
from golive.ledger.signers import Signers
from golive.model import (
    CheckResult,
    Item,
    ItemResult,
    Kind,
    Level,
    Outcome,
    Policy,
    Review,
    Status,
)
from golive.report.json import to_data

ALICE = Person("alice", ("release",))
MALLORY = Person("mallory", ("release",))


def review(*statuses: Status) -> Review:
    results = tuple(
        ItemResult(
            item=Item(id=f"ops.i{n}", title=f"Item {n}", section="ops", level=Level.MUST),
            status=status,
            reason=f"{status}",
            checks=(
                CheckResult(
                    check="docs.readme",
                    kind=Kind.STATIC,
                    outcome=Outcome(status=status, summary=str(status)),
                ),
            ),
        )
        for n, status in enumerate(statuses)
    )
    return Review(
        service="payments",
        profiles=("p",),
        root="/r",
        sections=(),
        results=results,
        scope=frozenset({Kind.STATIC}),
        policy=Policy(),
        version="0.1.0",
        source="golive.toml",
    )


def record(subject_review: Review, key: Person | None = ALICE) -> str:
    envelope = decision_record(
        subject_review,
        decide(subject_review),
        subject=SUBJECT,
        dirty=False,
        checklist_digest="0" * 64,
        key=None if key is None else key.key,
        now=NOW,
    )
    return envelope.to_json()


def signers(tmp_path) -> Signers:  # type: ignore[no-untyped-def]
    return write_signers(tmp_path, ALICE)


def rewrite(text: str, change) -> str:  # type: ignore[no-untyped-def]
    envelope = json.loads(text)
    statement = json.loads(base64.b64decode(envelope["payload"]))
    change(statement["predicate"])
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    return json.dumps(envelope)


def test_a_signed_record_holds_and_says_what_was_decided(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = review(Status.PASS, Status.FAIL)
    result = verify(record(done), signers=signers(tmp_path), commit="a" * 40)
    assert result.ok, result.problems
    assert (result.verdict, result.signed_by) == ("NO-GO", ("alice",))
    assert result.subject == SUBJECT
    assert result.summary == decide(done).summary


def test_the_record_matches_the_json_report_it_was_made_from(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = review(Status.PASS, Status.FAIL)
    report = to_data(done, decide(done))
    assert verify(record(done), signers=signers(tmp_path), review=report).ok
    other = review(Status.PASS, Status.PASS)
    result = verify(record(done), signers=signers(tmp_path), review=to_data(other, decide(other)))
    assert "the review given differs from the record in 1 item(s): ops.i1" in result.problems
    assert "the review given decided GO, the record NO-GO" in result.problems


def test_a_record_altered_after_signing_fails(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def go(predicate) -> None:  # type: ignore[no-untyped-def]
        predicate["verdict"] = "GO"
        predicate["blocking"] = []

    forged = rewrite(record(review(Status.FAIL)), go)
    result = verify(forged, signers=signers(tmp_path))
    assert not result.ok
    assert result.problems == (
        "bad signature: the record was changed after alice signed it, "
        "or the signature is not theirs",
    )


def test_an_unsigned_or_stranger_signed_record_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = review(Status.PASS)
    assert verify(record(done, None), signers=signers(tmp_path)).problems == (
        "the record is not signed",
    )
    assert verify(record(done, None), signers=signers(tmp_path), allow_unsigned=True).ok
    stranger = verify(record(done, MALLORY), signers=signers(tmp_path))
    assert stranger.problems[0].startswith("signed by an unknown key (SHA256:")


def test_a_role_can_be_required_and_a_commit_too(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = record(review(Status.PASS))
    assert verify(text, signers=signers(tmp_path), roles=["security"]).problems == (
        "signed by alice, without the security role",
    )
    assert verify(text, signers=signers(tmp_path), commit="b" * 40).problems == (
        f"made for commit {'a' * 40}, not {'b' * 40}",
    )


def test_a_record_that_contradicts_itself_is_refused_even_unsigned(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def lie(predicate) -> None:  # type: ignore[no-untyped-def]
        predicate["verdict"] = "GO"

    text = rewrite(record(review(Status.FAIL), None), lie)
    result = verify(text, signers=signers(tmp_path), allow_unsigned=True)
    assert "the verdict GO contradicts its 1 blocking item(s)" in result.problems


@settings(max_examples=80, deadline=None)
@given(
    statuses=st.lists(st.sampled_from(list(Status)), min_size=1, max_size=6),
    field=st.sampled_from(
        ["verdict", "summary", "results", "blocking", "checklist", "records", "golive", "dirty"]
    ),
)
def test_any_change_to_a_signed_record_is_caught(statuses: list[Status], field: str) -> None:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        trusted = write_signers(Path(folder), ALICE)
        text = record(review(*statuses))
        assert verify(text, signers=trusted).ok

        def change(predicate) -> None:  # type: ignore[no-untyped-def]
            value = predicate[field]
            predicate[field] = [*value, {"item": "x"}] if isinstance(value, list) else f"{value}!"

        assert not verify(rewrite(text, change), signers=trusted).ok
