"""The vocabulary of a review: items, outcomes, evidence, results and the decision.

Everything here is a frozen, keyword-only value object. The engine produces them, the
reports read them, nothing mutates them (use `dataclasses.replace`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "AttestRequirement",
    "Binding",
    "Blocker",
    "Chart",
    "CheckRef",
    "CheckResult",
    "Decision",
    "Finding",
    "Item",
    "ItemResult",
    "Kind",
    "LedgerEntry",
    "Level",
    "Line",
    "Location",
    "Match",
    "Outcome",
    "Policy",
    "RecordState",
    "Review",
    "Section",
    "Status",
    "Target",
    "UnknownPolicy",
    "Verdict",
]


class Status(enum.StrEnum):
    """What became of a check or an item."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    NOT_APPLICABLE = "not_applicable"  # nothing to check here, and why
    UNKNOWN = "unknown"  # could not decide: tool missing, offline, too few samples
    ERROR = "error"  # the check itself crashed: a bug, reported on its item alone
    WAIVED = "waived"  # a valid waiver covers a failure
    PENDING = "pending"  # a required sign-off is missing
    EXPIRED = "expired"  # a sign-off or waiver is past its date
    UNVERIFIED = "unverified"  # no check exists yet for the item, and no sign-off


class Level(enum.StrEnum):
    """How much an item matters to the decision."""

    MUST = "must"
    SHOULD = "should"
    MAY = "may"


class Kind(enum.StrEnum):
    """How a check learns what it reports."""

    STATIC = "static"  # reads files
    TOOL = "tool"  # runs a program: cargo, ruff, pytest
    LIVE = "live"  # talks to a running service
    EVIDENCE = "evidence"  # reads a report made elsewhere: lcov, JUnit XML, k6 summary
    ATTEST = "attest"  # a signed human sign-off


class Match(enum.StrEnum):
    """How the outcomes of an item's checks combine."""

    ALL = "all"  # every check must pass
    ANY = "any"  # one passing check is enough (alternatives, e.g. a probe or a manifest)


class UnknownPolicy(enum.StrEnum):
    """What an undecided `must` item does to the decision."""

    BLOCK = "block"
    WARN = "warn"


class Binding(enum.StrEnum):
    """What a sign-off must have been made for, besides the service."""

    SERVICE = "service"  # any commit and version of the service, until it expires
    VERSION = "version"  # the version under review
    COMMIT = "commit"  # the very commit under review


class Verdict(enum.StrEnum):
    GO = "GO"
    NO_GO = "NO-GO"


# --- evidence ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Location:
    """A place in a file of the reviewed repository; `path` is relative, with `/`."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One observation behind an outcome, usually with a place in a file.

    `fingerprint` identifies the finding by its content (never by its line), so a waiver
    or a baseline keeps matching when lines move. Secrets never appear in `message`.

    `evidence` marks what was seen to hold (a rollout that follows the policy, a receiver
    that pages) listed beside the problems of an outcome: the reports show it as evidence,
    and it is never a problem: no SARIF result, nothing a waiver must cover, no new finding
    for a baseline.
    """

    message: str
    location: Location | None = None
    rule: str | None = None
    fingerprint: str | None = None
    evidence: bool = False


@dataclass(frozen=True, kw_only=True)
class Line:
    """One series of a chart: `(x, y)` points in the order they are drawn."""

    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, kw_only=True)
class Chart:
    """A plot of what a check measured; the reports decide how to draw it.

    `x_scale` "nines" spaces percentiles by their nines (50, 90, 99, 99.9 % evenly, by
    -log10(1 - p/100)); `y_scale` "log" draws the values on a logarithmic axis.
    """

    title: str
    x_label: str
    y_label: str
    lines: tuple[Line, ...]
    x_scale: Literal["linear", "nines"] = "linear"
    y_scale: Literal["linear", "log"] = "linear"


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What one check concluded, and the evidence for it."""

    status: Status
    summary: str
    observed: str | None = None
    required: str | None = None
    findings: tuple[Finding, ...] = ()
    remediation: str | None = None
    facts: Mapping[str, str | int | float | bool] = field(default_factory=dict)
    charts: tuple[Chart, ...] = ()
    trace: str | None = None  # traceback of a crashed check, shown with --verbose


# --- the checklist ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Section:
    """A heading of the checklist; a dotted id nests it under its parent (`security.transport`)."""

    id: str
    title: str

    @property
    def parent(self) -> str | None:
        head, dot, _ = self.id.rpartition(".")
        return head if dot else None


@dataclass(frozen=True, kw_only=True)
class CheckRef:
    """A check an item uses, with its validated parameters.

    `planned` marks a check that is part of the catalog but not built yet: the item reports
    `unverified (planned: <id>)` for it rather than passing silently.
    """

    id: str
    kind: Kind
    params: Any = None
    planned: bool = False
    timeout: float | None = None  # seconds, from the checklist's [checks] table


@dataclass(frozen=True, kw_only=True)
class AttestRequirement:
    """A signed human sign-off an item needs: who may give it and how long it holds."""

    role: str
    expires: str  # the duration as written ("90d", "quarterly"); parsed by the ledger

    def __str__(self) -> str:
        return f"sign-off by {self.role}, valid {self.expires}"


@dataclass(frozen=True, kw_only=True)
class Item:
    """One line of a checklist, and how it is verified."""

    id: str
    title: str
    section: str
    level: Level
    checks: tuple[CheckRef, ...] = ()
    match: Match = Match.ALL
    attest: AttestRequirement | None = None
    disabled: str | None = None  # the reason, when the service switched the item off
    why: str | None = None  # what the item protects against, for `golive explain`
    origin: tuple[str, ...] = ()  # where the item comes from (a seed line or key)
    timeout: float | None = None  # seconds per check, overriding each check's default

    @property
    def planned(self) -> tuple[str, ...]:
        return tuple(ref.id for ref in self.checks if ref.planned)

    @property
    def verified_by(self) -> frozenset[Kind]:
        """The kinds that verify this item today (planned checks do not count)."""
        kinds = {ref.kind for ref in self.checks if not ref.planned}
        if self.attest is not None:
            kinds.add(Kind.ATTEST)
        return frozenset(kinds)


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """A check's outcome for one item, with how long it took."""

    check: str
    kind: Kind
    outcome: Outcome
    seconds: float = 0.0


@dataclass(frozen=True, kw_only=True)
class ItemResult:
    """The verdict on one item: its status, the one-line reason and the evidence."""

    item: Item
    status: Status
    reason: str
    checks: tuple[CheckResult, ...] = ()
    skipped: tuple[str, ...] = ()  # checks of a kind this run did not include

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for result in self.checks for f in result.outcome.findings)


@dataclass(frozen=True, kw_only=True)
class Target:
    """A running instance of the service that live checks may talk to, and on what terms."""

    name: str
    url: str
    allow_private: bool = False  # loopback and private addresses need this
    consent: str = "passive"  # passive | active | load
    environment: str | None = None
    ca: str | None = None  # a CA file (PEM) trusted for this target, besides the system's
    token_env: str | None = None  # the environment variable holding the credential
    auth_scheme: str = "Bearer"  # the Authorization scheme the credential is sent with
    default: bool = False  # the target of checks that name none, when several are declared
    max_rate: float | None = None  # req/s: no load test may offer more to this target
    confirm_production: bool = False  # load tests of a production target need this too


@dataclass(frozen=True, kw_only=True)
class Policy:
    """The knobs of the decision, and what makes a sign-off or a waiver count."""

    unknown: UnknownPolicy = UnknownPolicy.BLOCK
    strict: bool = False  # no waivers accepted
    binding: Binding = Binding.SERVICE  # what a sign-off must have been made for
    approvers: tuple[str, ...] = ("approver",)  # roles whose signature waives a must item
    warn_before: float = 14 * 86400.0  # seconds before a sign-off's expiry that it warns
    max_waiver: float = 90 * 86400.0  # seconds; a longer waiver is listed as over-broad


class RecordState(enum.StrEnum):
    """What a review made of a sign-off or waiver record in `.golive/`."""

    USED = "used"  # valid, and it decided an item
    EXPIRING = "expiring"  # used, and its end is near
    REFUSED = "refused"  # not accepted: bad signature, unknown key, wrong role or subject...
    EXPIRED = "expired"  # valid once, past its date now
    UNUSED = "unused"  # valid, but nothing needed it (the item passes, or is not reviewed)
    OVER_BROAD = "over-broad"  # used, but wider or longer than it should be
    IGNORED = "ignored"  # a waiver under a strict policy


@dataclass(frozen=True, kw_only=True)
class LedgerEntry:
    """A sign-off or waiver record and what the review made of it, with the reason."""

    kind: Literal["sign-off", "waiver"]
    path: str  # relative to the repository, with `/`
    state: RecordState
    reason: str
    item: str | None = None
    signers: tuple[str, ...] = ()
    expires: str | None = None  # ISO 8601, UTC
    digest: str = ""  # SHA-256 of the file, so a decision record names exactly what it used


@dataclass(frozen=True, kw_only=True)
class Review:
    """Everything one run established, in checklist order. Produced by the runner."""

    service: str
    profiles: tuple[str, ...]
    root: str
    sections: tuple[Section, ...]
    results: tuple[ItemResult, ...]
    scope: frozenset[Kind]
    policy: Policy
    not_evaluated: tuple[Item, ...] = ()  # items whose checks are all outside the scope
    started_at: str = ""  # ISO 8601, UTC
    seconds: float = 0.0
    version: str = ""
    source: str | None = None  # the service's checklist file, relative to root with `/`
    ledger: tuple[LedgerEntry, ...] = ()  # every sign-off and waiver record, as judged

    def counts(self) -> dict[Status, int]:
        tally = dict.fromkeys(Status, 0)
        for result in self.results:
            tally[result.status] += 1
        return tally

    def left_out(self) -> tuple[int, frozenset[Kind]]:
        """How many items have checks this run did not include, and the kinds of those checks."""
        items = [*self.not_evaluated, *(r.item for r in self.results if r.skipped)]
        kinds = {ref.kind for item in items for ref in item.checks if ref.kind not in self.scope}
        return len(items), frozenset(kinds)


@dataclass(frozen=True, kw_only=True)
class Blocker:
    """An item that stands in the way of GO (or, as a condition, deserves attention)."""

    item: str
    title: str
    level: Level
    status: Status
    reason: str


@dataclass(frozen=True, kw_only=True)
class Decision:
    """GO or NO-GO, with the items that decided it."""

    verdict: Verdict
    blocking: tuple[Blocker, ...]
    conditions: tuple[Blocker, ...]
    policy: Policy
    summary: str
