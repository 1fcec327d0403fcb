"""Sign-offs and waivers as a review judges them: every way a record can be refused, and
what valid ones do to items and to the decision."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_kit import NOW, SUBJECT, Person, ledger, put, sign_off, waiver, write_signers

from golive.checklist import ConfigError
from golive.gate import decide
from golive.ledger import load_signers, parse_record
from golive.model import (
    AttestRequirement,
    Binding,
    CheckResult,
    Finding,
    Item,
    ItemResult,
    Kind,
    Level,
    Policy,
    RecordState,
    Review,
    Status,
    Verdict,
)

ALICE = Person("alice", ("security", "approver"))
BOB = Person("bob", ("engineering",))
MALLORY = Person("mallory", ("security", "approver"))  # not in signers.toml

PENTEST = Item(
    id="security.pentest",
    title="Penetration testing performed",
    section="security",
    level=Level.MUST,
    attest=AttestRequirement(role="security", expires="90d"),
)
NON_ROOT = Item(id="docker.non-root", title="Non-root", section="docker", level=Level.MUST)


def only_state(root: Path, signers, item: Item = PENTEST, **options) -> tuple[Status, str]:  # type: ignore[no-untyped-def]
    return ledger(root, signers, **options).sign_off(item)


@pytest.fixture
def signers(tmp_path: Path):  # type: ignore[no-untyped-def]
    return write_signers(tmp_path, ALICE, BOB)


# --- sign-offs ----------------------------------------------------------------------------------


def test_a_valid_sign_off_passes_the_item(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    put(tmp_path, "attestations", "pentest.json", sign_off(ALICE))
    status, reason = only_state(tmp_path, signers)
    assert status is Status.PASS
    assert "signed off by alice (security) on 2026-11-12" in reason
    assert "https://tickets.example/PEN-12" in reason


def test_without_a_record_the_item_is_pending(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    assert only_state(tmp_path, signers) == (
        Status.PENDING,
        "awaiting sign-off by security, valid 90d",
    )


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (lambda: sign_off(MALLORY), "signed by an unknown key (SHA256:"),
        (lambda: sign_off(BOB, role="security"), "signed by bob, who lacks the security role"),
        (
            lambda: sign_off(ALICE, subject=dataclasses.replace(SUBJECT, service="billing")),
            'made for the service "billing", not "payments"',
        ),
        (
            lambda: sign_off(ALICE, signer="bob"),
            "names bob as the signer, but the signature is alice's",
        ),
        (
            lambda: sign_off(ALICE, signed_at=NOW + dt.timedelta(days=2)),
            "signed in the future",
        ),
    ],
    ids=["unknown-key", "wrong-role", "other-service", "claims-another-signer", "future"],
)
def test_refused_sign_offs_leave_the_item_pending_with_the_reason(
    tmp_path: Path,
    signers,  # type: ignore[no-untyped-def]
    record,  # type: ignore[no-untyped-def]
    reason: str,
) -> None:
    put(tmp_path, "attestations", "r.json", record())
    status, why = only_state(tmp_path, signers)
    assert status is Status.PENDING
    assert reason in why
    assert ".golive/attestations/r.json" in why


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json at all", "unreadable: not JSON"),
        (
            json.dumps({"payloadType": "x", "payload": "", "signatures": []}),
            'unreadable: payload type "x" is not application/vnd.in-toto+json',
        ),
    ],
)
def test_unreadable_records_are_listed_as_refused(
    tmp_path: Path,
    signers,  # type: ignore[no-untyped-def]
    text: str,
    reason: str,
) -> None:
    put(tmp_path, "attestations", "r.json", text)
    _, entries = ledger(tmp_path, signers).apply([])
    assert [(e.state, e.item) for e in entries] == [(RecordState.REFUSED, None)]
    assert entries[0].reason.startswith(reason)


def test_an_altered_record_is_refused_as_a_bad_signature(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    envelope = json.loads(sign_off(ALICE))
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["expires"] = "2030-01-01T00:00:00Z"  # a longer validity, forged
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    put(tmp_path, "attestations", "r.json", json.dumps(envelope))
    status, why = only_state(tmp_path, signers)
    assert status is Status.PENDING
    assert "bad signature: the record was changed after alice signed it" in why


def test_an_unsigned_record_is_refused(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    envelope = json.loads(sign_off(ALICE))
    envelope["signatures"] = []
    put(tmp_path, "attestations", "r.json", json.dumps(envelope))
    assert "not signed" in only_state(tmp_path, signers)[1]


def test_a_record_for_another_commit_is_refused_when_the_policy_binds_to_commits(
    tmp_path: Path,
    signers,  # type: ignore[no-untyped-def]
) -> None:
    put(tmp_path, "attestations", "r.json", sign_off(ALICE))
    here = dataclasses.replace(SUBJECT, commit="b" * 40)
    assert only_state(tmp_path, signers, subject=here)[0] is Status.PASS  # binding: service
    status, why = only_state(tmp_path, signers, subject=here, policy=Policy(binding=Binding.COMMIT))
    assert status is Status.PENDING
    assert f"made for commit {'a' * 12}" in why
    assert only_state(tmp_path, signers, policy=Policy(binding=Binding.COMMIT))[0] is Status.PASS


def test_a_record_for_another_version_is_refused_when_the_policy_binds_to_versions(
    tmp_path: Path,
    signers,  # type: ignore[no-untyped-def]
) -> None:
    put(tmp_path, "attestations", "r.json", sign_off(ALICE))
    here = dataclasses.replace(SUBJECT, version="2.0.0")
    status, why = only_state(
        tmp_path, signers, subject=here, policy=Policy(binding=Binding.VERSION)
    )
    assert (status, "made for version 1.4.0" in why) == (Status.PENDING, True)


def test_expiry_warns_before_and_expires_after(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    put(tmp_path, "attestations", "r.json", sign_off(ALICE, days=80))  # ends 2027-01-31
    assert only_state(tmp_path, signers, now=NOW + dt.timedelta(days=50))[0] is Status.PASS
    status, why = only_state(tmp_path, signers, now=NOW + dt.timedelta(days=60))
    assert (status, why.endswith("expires in 10 d")) == (Status.WARN, True)
    status, why = only_state(tmp_path, signers, now=NOW + dt.timedelta(days=71))
    assert status is Status.EXPIRED
    assert "expired on 2027-01-31; renew it" in why


def test_a_sign_off_holds_no_longer_than_the_item_allows(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    put(tmp_path, "attestations", "r.json", sign_off(ALICE, days=365))  # item allows 90d
    status, why = only_state(tmp_path, signers, now=NOW + dt.timedelta(days=85))
    assert status is Status.EXPIRED
    assert "expired on 2027-02-10" in why


def test_the_newest_valid_sign_off_wins_and_refused_ones_are_still_listed(
    tmp_path: Path,
    signers,  # type: ignore[no-untyped-def]
) -> None:
    put(
        tmp_path,
        "attestations",
        "old.json",
        sign_off(ALICE, signed_at=NOW - dt.timedelta(days=100)),
    )
    put(tmp_path, "attestations", "new.json", sign_off(ALICE))
    put(tmp_path, "attestations", "forged.json", sign_off(MALLORY))
    book = ledger(tmp_path, signers)
    assert book.sign_off(PENTEST)[0] is Status.PASS
    result = ItemResult(item=PENTEST, status=Status.PASS, reason="signed")
    _, entries = book.apply([result])
    states = {e.path.rsplit("/", 1)[1]: e.state for e in entries}
    assert states == {
        "forged.json": RecordState.REFUSED,
        "new.json": RecordState.USED,
        "old.json": RecordState.EXPIRED,
    }


def test_a_signer_past_their_until_date_no_longer_signs(tmp_path: Path) -> None:
    path = tmp_path / ".golive" / "signers.toml"
    write_signers(tmp_path, ALICE)
    path.write_text(path.read_text().replace("roles", "until = 2026-11-01\nroles"))
    signers = load_signers(path)
    put(tmp_path, "attestations", "r.json", sign_off(ALICE))
    assert "stopped being trusted (2026-11-01)" in only_state(tmp_path, signers)[1]


def test_a_broken_signers_file_is_a_configuration_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "signers.toml"
    path.write_text('[signers.alice]\nkey = "ssh-rsa AAAA"\nroles = ["security"]\ncolour = 1\n')
    with pytest.raises(ConfigError) as caught:
        load_signers(path)
    text = str(caught.value)
    assert f"{path}:2:" in text and "signer alice" in text
    assert f'{path}:4:1: signer alice: unknown key "colour"' in text


def test_one_key_for_two_people_is_refused(tmp_path: Path) -> None:
    twin = Person("eve", ("security",), key=ALICE.key)
    with pytest.raises(ConfigError, match="same key as alice"):
        write_signers(tmp_path, ALICE, twin)


# --- waivers ------------------------------------------------------------------------------------


def failing(item: Item = NON_ROOT, *fingerprints: str) -> ItemResult:
    findings = tuple(Finding(message=f"finding {f}", fingerprint=f) for f in fingerprints)
    check = CheckResult(
        check="docker.non-root",
        kind=Kind.STATIC,
        outcome=_outcome(Status.FAIL, findings),
    )
    return ItemResult(item=item, status=Status.FAIL, reason="runs as root", checks=(check,))


def _outcome(status: Status, findings: tuple[Finding, ...]):  # type: ignore[no-untyped-def]
    from golive.model import Outcome

    return Outcome(status=status, summary="runs as root", findings=findings)


def review_of(*results: ItemResult, policy: Policy | None = None) -> Review:
    return Review(
        service="payments",
        profiles=("test",),
        root="/r",
        sections=(),
        results=results,
        scope=frozenset({Kind.STATIC}),
        policy=policy or Policy(),
    )


def applied(tmp_path: Path, signers, *results: ItemResult, policy: Policy | None = None):  # type: ignore[no-untyped-def]
    book = ledger(tmp_path, signers, policy=policy)
    return book.apply(results)


def test_a_must_waiver_without_an_approver_does_not_turn_no_go_into_go(
    tmp_path: Path,
    signers,  # type: ignore[no-untyped-def]
) -> None:
    put(tmp_path, "waivers", "w.json", waiver(BOB))
    results, entries = applied(tmp_path, signers, failing())
    assert results[0].status is Status.FAIL
    assert decide(review_of(*results)).verdict is Verdict.NO_GO
    assert entries[0].state is RecordState.REFUSED
    assert (
        "needs the signature of a signer with the approver role; signed by bob only"
        in entries[0].reason
    )


def test_the_approvers_signature_makes_it_count(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    put(tmp_path, "waivers", "w.json", waiver(BOB, ALICE, findings=("f1",)))
    results, entries = applied(tmp_path, signers, failing(NON_ROOT, "f1"))
    assert results[0].status is Status.WAIVED
    assert results[0].reason.startswith("waived by bob until 2026-12-21 (1 finding(s))")
    assert decide(review_of(*results)).verdict is Verdict.GO
    assert entries[0].state is RecordState.USED
    assert entries[0].signers == ("bob", "alice")


def test_a_should_item_waiver_needs_no_approver(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    item = dataclasses.replace(NON_ROOT, level=Level.SHOULD)
    put(tmp_path, "waivers", "w.json", waiver(BOB, findings=("f1",)))
    results, _ = applied(tmp_path, signers, failing(item, "f1"))
    assert results[0].status is Status.WAIVED


def test_strict_policy_ignores_every_waiver(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    put(tmp_path, "waivers", "w.json", waiver(ALICE, findings=("f1",)))
    strict = Policy(strict=True)
    results, entries = applied(tmp_path, signers, failing(NON_ROOT, "f1"), policy=strict)
    assert results[0].status is Status.FAIL
    assert "strict policy ignores it" in results[0].reason
    assert entries[0].state is RecordState.IGNORED
    assert decide(review_of(*results, policy=strict)).verdict is Verdict.NO_GO


def test_a_changed_finding_is_no_longer_covered(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    put(tmp_path, "waivers", "w.json", waiver(ALICE, findings=("f1",)))
    results, entries = applied(tmp_path, signers, failing(NON_ROOT, "f2"))
    assert results[0].status is Status.FAIL
    assert entries[0].state is RecordState.UNUSED
    assert "none of its findings are present any more" in entries[0].reason


def test_a_waiver_of_some_findings_leaves_the_item_failing(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    put(tmp_path, "waivers", "w.json", waiver(ALICE, findings=("f1",)))
    results, _ = applied(tmp_path, signers, failing(NON_ROOT, "f1", "f2"))
    assert results[0].status is Status.FAIL
    assert "(a waiver covers 1 of 2 findings; 1 not waived)" in results[0].reason


def test_evidence_beside_the_findings_needs_no_waiver(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    """A rollout that follows the policy, listed next to the one that does not, is not a
    problem: a waiver of the failing one's finding is enough."""
    result = failing(NON_ROOT, "f1")
    held = Finding(message="Rollout/api: follows the policy", fingerprint="ok1", evidence=True)
    check = dataclasses.replace(
        result.checks[0], outcome=_outcome(Status.FAIL, (*result.checks[0].outcome.findings, held))
    )
    put(tmp_path, "waivers", "w.json", waiver(ALICE, findings=("f1",)))
    results, entries = applied(tmp_path, signers, dataclasses.replace(result, checks=(check,)))
    assert results[0].status is Status.WAIVED
    assert entries[0].state is RecordState.USED


def test_an_expired_waiver_makes_the_item_expired(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    put(tmp_path, "waivers", "w.json", waiver(ALICE, signed_at=NOW - dt.timedelta(days=40)))
    results, entries = applied(tmp_path, signers, failing(NON_ROOT, "f1"))
    assert results[0].status is Status.EXPIRED
    assert "its waiver expired on 2026-11-12" in results[0].reason
    assert entries[0].state is RecordState.EXPIRED
    assert decide(review_of(*results)).verdict is Verdict.NO_GO


def test_unused_and_over_broad_waivers_are_listed(tmp_path: Path, signers) -> None:  # type: ignore[no-untyped-def]
    put(tmp_path, "waivers", "whole.json", waiver(ALICE))  # whole item while it has findings
    put(tmp_path, "waivers", "long.json", waiver(ALICE, item="ci.tests", days=365, findings=("c",)))
    put(tmp_path, "waivers", "gone.json", waiver(ALICE, item="no.such-item"))
    passing = ItemResult(
        item=dataclasses.replace(NON_ROOT, id="docs.readme"), status=Status.PASS, reason="ok"
    )
    put(tmp_path, "waivers", "pass.json", waiver(ALICE, item="docs.readme"))
    ci = failing(dataclasses.replace(NON_ROOT, id="ci.tests"), "c")
    _, entries = applied(tmp_path, signers, failing(NON_ROOT, "f1"), ci, passing)
    states = {e.path.rsplit("/", 1)[1]: (e.state, e.reason) for e in entries}
    assert states["whole.json"][0] is RecordState.OVER_BROAD
    assert "name them with --finding" in states["whole.json"][1]
    assert states["long.json"] == (
        RecordState.OVER_BROAD,
        "runs 365 d, longer than the policy's 90 d",
    )
    assert states["gone.json"] == (RecordState.UNUSED, "no item no.such-item in this review")
    assert states["pass.json"] == (RecordState.UNUSED, "nothing to waive: the item is pass")


def test_a_waiver_cannot_cover_a_failure_without_findings_by_fingerprint(
    tmp_path: Path,
    signers,  # type: ignore[no-untyped-def]
) -> None:
    put(tmp_path, "waivers", "w.json", waiver(ALICE, findings=("f1",)))
    results, entries = applied(tmp_path, signers, failing())
    assert results[0].status is Status.FAIL
    assert "waive the whole item" in entries[0].reason


# --- property tests over the record formats -----------------------------------------------------

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40
).filter(str.strip)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    item=st.from_regex(r"[a-z][a-z0-9-]{0,10}\.[a-z][a-z0-9-]{0,10}", fullmatch=True),
    service=_TEXT,
    commit=st.none() | st.from_regex(r"[0-9a-f]{40}", fullmatch=True),
    version=st.none() | _TEXT,
    findings=st.lists(st.from_regex(r"[0-9a-f]{16}", fullmatch=True), max_size=4),
    days=st.integers(min_value=1, max_value=400),
    reason=_TEXT,
)
def test_records_read_back_as_written(  # noqa: PLR0917 -- hypothesis passes them by name
    item: str,
    service: str,
    commit: str | None,
    version: str | None,
    findings: list[str],
    days: int,
    reason: str,
) -> None:
    from golive.ledger import Subject
    from golive.ledger.records import waiver_envelope

    subject = Subject(service=service, commit=commit, version=version)
    signed_at = NOW.replace(microsecond=0)
    text = (
        waiver_envelope(
            subject,
            item=item,
            reason=reason,
            owner="alice",
            signed_at=signed_at,
            expires=signed_at + dt.timedelta(days=days),
            findings=tuple(findings),
        )
        .signed(ALICE.key)
        .to_json()
    )
    record = parse_record(text)
    assert (record.kind, record.item, record.subject) == ("waiver", item, subject)
    assert record.findings == tuple(sorted(set(findings)))  # type: ignore[union-attr]
    assert record.reason == reason  # type: ignore[union-attr]
    assert (record.signed_at, record.expires) == (signed_at, signed_at + dt.timedelta(days=days))
    assert len(record.envelope.verified_by([ALICE.key.public_key()])) == 1


@settings(max_examples=120, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["signers", "people", "x"]),
        st.dictionaries(
            st.text(min_size=1, max_size=8),
            st.one_of(
                st.integers(),
                st.text(max_size=30),
                st.dictionaries(
                    st.sampled_from(["key", "roles", "name", "until", "colour"]),
                    st.one_of(st.text(max_size=30), st.lists(st.text(max_size=5)), st.integers()),
                    max_size=4,
                ),
            ),
            max_size=3,
        ),
        max_size=2,
    )
)
def test_any_signers_file_is_signers_or_a_configuration_error(data: dict) -> None:  # type: ignore[type-arg]
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "signers.toml"
        path.write_text("\n".join(f"{_key(k)} = {_toml(v)}" for k, v in data.items()))
        try:
            signers = load_signers(path)
        except ConfigError as error:
            assert all(problem.file == str(path) for problem in error.problems)
        else:
            assert all(s.roles is not None for s in signers.people)


def _key(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _toml(value: object) -> str:
    """A value as TOML (inline tables and arrays; JSON's string escapes are TOML's too)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
