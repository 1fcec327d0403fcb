"""The SARIF 2.1.0 report: what a review found wrong, as code-scanning results.

One run per review. Every check the review ran is a rule; every finding of a check that did
not pass (fail, warn, error, unknown, waived) is a result at the finding's place in the
repository, evidence of what held aside, and a check that did not pass without such a
finding is one result at the item in the checklist file. An item that holds (pass) or does
not apply gives no result, even when one of its alternative checks failed. Waived results
carry a suppression. GitHub code scanning rejects a whole file over one result without a
file, so a result with no place in the repository is left out and counted in the run's
properties. docs/sarif.md has the details.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from golive.checks.registry import Registry, RegistryError
from golive.fingerprints import finding_fingerprint
from golive.model import (
    CheckResult,
    Decision,
    Finding,
    Item,
    ItemResult,
    Kind,
    Level,
    Review,
    Status,
)
from golive.report._places import SRCROOT, Place, inside
from golive.report.base import RenderOptions

__all__ = [
    "CATALOG_URI",
    "FINGERPRINT",
    "GZIP_LIMIT",
    "INFORMATION_URI",
    "RESULTS_LIMIT",
    "RULES_LIMIT",
    "SCHEMA_URI",
    "github_anchor",
    "render",
    "to_sarif",
]

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/golive-dev/golive"
CATALOG_URI = f"{INFORMATION_URI}/blob/main/docs/checks.md"
FINGERPRINT = "golive/v1"  # the key of golive's own fingerprint in partialFingerprints

# GitHub code scanning rejects a file past these (docs: "SARIF support for code scanning").
RESULTS_LIMIT = 25_000  # results per run
RULES_LIMIT = 25_000  # rules per run
GZIP_LIMIT = 10_000_000  # bytes of the gzip-compressed file ("10 MB")
_DESCRIPTION_LIMIT = 1024  # characters of shortDescription and fullDescription
_NAME_LIMIT = 255  # characters of a rule's name

_HOLDS = frozenset({Status.PASS, Status.NOT_APPLICABLE})
_FAILED = frozenset({Status.FAIL, Status.EXPIRED, Status.WAIVED})  # a failure, waived or not
_WAIVER_PREFIX = "waived: "  # how checks mark a finding their own `waive` table covers
_FAIL_LEVEL = {Level.MUST: "error", Level.SHOULD: "warning", Level.MAY: "note"}
# Not a verified failure (a warning, or undecided): one step milder than a failure.
_DOUBT_LEVEL = {Level.MUST: "warning", Level.SHOULD: "note", Level.MAY: "note"}
_RANK = {"error": 0, "warning": 1, "note": 2}
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
_SECURITY_FAMILIES = frozenset({"auth", "secrets", "tls"})
_SECURITY_CHECKS = frozenset(
    {
        "ci.permissions",
        "ci.pinned-actions",
        "deps.audit",
        "docker.no-secrets",
        "docker.non-root",
        "docs.security",
        "http.cookies",
        "http.cors",
        "http.security-headers",
        "k8s.ingress-tls",
        "k8s.mesh-mtls",
        "k8s.network-policy",
        "k8s.security-context",
        "scan.findings",
    }
)
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
# Besides letters and marks, what GitHub keeps of a heading in its anchor.
_ANCHOR_KEPT = frozenset({"Nd", "Nl", "Pc"})


def render(review: Review, decision: Decision, options: RenderOptions) -> str:
    """The review as a SARIF 2.1.0 log, within GitHub code scanning's limits."""
    results, document = _build(review, decision)
    return _fit(document, results)


def to_sarif(review: Review, decision: Decision) -> dict[str, Any]:
    """The SARIF log as plain JSON-ready data (at most RESULTS_LIMIT results)."""
    _, document = _build(review, decision)
    return document


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading (its text, code spans unwrapped).

    Lower case; letters, marks, digits, `_` and `-` kept, other punctuation, symbols and
    separators dropped; each space becomes `-`. A repeated heading gets `-1`, `-2`... which
    the check catalog, with one heading per check id, never needs.
    """
    text = heading.replace("`", "").strip().lower()
    return "".join(ch for ch in text if _in_anchor(ch)).replace(" ", "-")


def _in_anchor(ch: str) -> bool:
    if ch in "- ":
        return True
    category = unicodedata.category(ch)
    return category[0] in "LM" or category in _ANCHOR_KEPT or ch.isalpha()


# --- the log ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Candidate:
    rank: int  # lower is more severe: what a cap keeps first
    result: dict[str, Any]


def _build(review: Review, decision: Decision) -> tuple[list[_Candidate], dict[str, Any]]:
    place = Place.of(review)
    rules = _Rules.of(review)
    candidates: list[_Candidate] = []
    unlocated: dict[str, int] = {}
    for candidate in _results(review, rules, place):
        if candidate.result["locations"]:
            candidates.append(candidate)
        else:
            item = candidate.result["properties"]["golive/item"]
            unlocated[item] = unlocated.get(item, 0) + 1
    notes: dict[str, Any] = {}
    if unlocated:
        notes["golive/unlocated"] = {
            "results": sum(unlocated.values()),
            "items": sorted(unlocated),
            "reason": "no place in the repository (no checklist file to point at); "
            "GitHub code scanning rejects a result without a file",
        }
    if rules.left_out:
        notes["golive/rulesLeftOut"] = {"count": rules.left_out, "limit": RULES_LIMIT}
    hidden = _findings_not_listed(review)
    if hidden:
        notes["golive/findingsNotListed"] = hidden
    run: dict[str, Any] = {
        "tool": {"driver": _driver(review, rules)},
        "invocations": [_invocation(review, decision, rules, place)],
        "originalUriBaseIds": {
            SRCROOT: {
                "description": {
                    "text": "The root of the repository under review; every uri is relative "
                    "to it. Where it lies on a machine is left to the reader."
                }
            }
        },
        "automationDetails": {"id": f"golive/{review.service.replace('/', '-')}/"},
        "columnKind": "unicodeCodePoints",
        "results": [],
        "properties": {
            "golive/service": place.clean(review.service),
            "golive/profiles": list(review.profiles),
            "golive/scope": sorted(kind.value for kind in review.scope),
            **({"golive/reviewedDirectory": place.prefix.rstrip("/")} if place.prefix else {}),
            **notes,
        },
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    _select(document, candidates, RESULTS_LIMIT)
    return candidates, document


def _select(document: dict[str, Any], candidates: list[_Candidate], keep: int) -> None:
    """The `keep` most severe results, in checklist order; the rest counted as left out."""
    run = document["runs"][0]
    if len(candidates) <= keep:
        run["results"] = [c.result for c in candidates]
        run["properties"].pop("golive/resultsLeftOut", None)
        return
    order = sorted(range(len(candidates)), key=lambda i: candidates[i].rank)
    chosen = sorted(order[:keep])
    run["results"] = [candidates[i].result for i in chosen]
    run["properties"]["golive/resultsLeftOut"] = {
        "count": len(candidates) - keep,
        "kept": keep,
        "reason": "GitHub code scanning limits: the least severe results were left out",
    }


def _fit(document: dict[str, Any], candidates: list[_Candidate]) -> str:
    """The log as text whose gzip stays within GZIP_LIMIT, dropping the mildest results."""
    text = _dump(document)
    keep = len(document["runs"][0]["results"])
    while keep:
        data = text.encode("utf-8")
        if len(data) <= GZIP_LIMIT:  # gzip never grows text this size past its length
            break
        packed = len(gzip.compress(data, compresslevel=6))
        if packed <= GZIP_LIMIT:
            break
        keep = int(keep * GZIP_LIMIT / packed * 0.9)
        _select(document, candidates, keep)
        text = _dump(document)
    return text


def _dump(document: dict[str, Any]) -> str:
    # Compact: a SARIF log is read by programs, and Python's C encoder is only used unindented.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def _findings_not_listed(review: Review) -> int:
    total = 0
    for result in review.results:
        for check in result.checks:
            value = check.outcome.facts.get("findings_not_listed", 0)
            if isinstance(value, int) and not isinstance(value, bool):
                total += value
    return total


# --- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Check:
    """What golive knows of a check: from the registry, else from the review."""

    id: str
    kind: Kind
    title: str
    description: str
    fix: str | None
    catalog: str | None  # its section of docs/checks.md, for a built-in check


@dataclass(frozen=True, kw_only=True)
class _Rules:
    checks: tuple[_Check, ...]
    levels: Mapping[str, str]  # check id -> default level
    index: Mapping[str, int]
    left_out: int

    @classmethod
    def of(cls, review: Review) -> _Rules:
        strictest: dict[str, Level] = {}
        seen: dict[str, CheckResult] = {}
        remedies: dict[str, str] = {}
        order = [Level.MUST, Level.SHOULD, Level.MAY]
        for result in review.results:
            level = result.item.level
            for check in result.checks:
                seen.setdefault(check.check, check)
                known = strictest.get(check.check)
                if known is None or order.index(level) < order.index(known):
                    strictest[check.check] = level
                if check.outcome.remediation and check.check not in remedies:
                    remedies[check.check] = check.outcome.remediation
        ids = sorted(seen)
        kept = ids[:RULES_LIMIT]
        registry = _registry()
        checks = tuple(_describe(registry, seen[i], remedies.get(i)) for i in kept)
        return cls(
            checks=checks,
            levels={i: _FAIL_LEVEL[strictest[i]] for i in kept},
            index={i: n for n, i in enumerate(kept)},
            left_out=len(ids) - len(kept),
        )


def _registry() -> Registry | None:
    try:
        return Registry.discover()
    except RegistryError:
        return None


def _describe(registry: Registry | None, result: CheckResult, remedy: str | None) -> _Check:
    try:
        check = registry.get(result.check) if registry is not None else None
    except (RegistryError, ImportError):  # a broken plugin: describe its check from the review
        check = None
    if check is None:
        return _Check(
            id=result.check,
            kind=result.kind,
            title=result.check,
            description="",
            fix=remedy,
            catalog=None,
        )
    # The catalog's heading names the check's current id, also when the review used an alias.
    heading = f"`{check.id}` ({check.kind.value})"
    return _Check(
        id=result.check,
        kind=check.kind,
        title=check.title(),
        description=check.description(),
        fix=check.fix or remedy,
        catalog=f"{CATALOG_URI}#{github_anchor(heading)}"
        if check.__module__.startswith("golive.")
        else None,
    )


def _driver(review: Review, rules: _Rules) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": "golive", "informationUri": INFORMATION_URI}
    if review.version:
        driver["version"] = review.version
        if _SEMVER.match(review.version):
            driver["semanticVersion"] = review.version
    driver["rules"] = [_rule(check, rules.levels[check.id]) for check in rules.checks]
    return driver


def _rule(check: _Check, level: str) -> dict[str, Any]:
    family = check.id.partition(".")[0]
    security = family in _SECURITY_FAMILIES or check.id in _SECURITY_CHECKS
    about = check.description or check.title
    fix = (check.fix or "").strip()
    text = [about]
    markdown = [about]
    if fix:
        text.append(f"Fix: {fix}")
        markdown.append(f"**Fix:**\n\n```text\n{fix}\n```" if "\n" in fix else f"**Fix:** {fix}")
    if check.catalog:
        text.append(f"More: {check.catalog}")
        markdown.append(f"More: [`{check.id}` in the check catalog]({check.catalog})")
    rule: dict[str, Any] = {
        "id": check.id,
        "name": _pascal(check.id)[:_NAME_LIMIT],
        "shortDescription": {"text": _clip(check.title)},
        "fullDescription": {"text": _clip(" ".join(about.split()))},
        "defaultConfiguration": {"level": level},
        "help": {"text": "\n\n".join(text), "markdown": "\n\n".join(markdown)},
    }
    if check.catalog:
        rule["helpUri"] = check.catalog
    rule["properties"] = {
        "tags": [*(["security"] if security else []), check.kind.value, family],
        "problem.severity": _PROBLEM_SEVERITY[level],
    }
    return rule


def _pascal(check_id: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^0-9A-Za-z]+", check_id) if p)


def _clip(text: str) -> str:
    text = text.strip() or "(no description)"
    return text if len(text) <= _DESCRIPTION_LIMIT else text[: _DESCRIPTION_LIMIT - 1] + "…"


# --- results ----------------------------------------------------------------------------------


def _results(review: Review, rules: _Rules, place: Place) -> Iterator[_Candidate]:
    """Every result in checklist order; those with no place have empty `locations`."""
    for result in review.results:
        if result.status in _HOLDS:
            continue
        for check in result.checks:
            if check.outcome.status in _HOLDS or check.check not in rules.index:
                continue
            shared = _Shared.of(result, check, rules, place)
            problems = [f for f in check.outcome.findings if not f.evidence]
            if problems:
                for finding in problems:
                    yield shared.finding(finding)
            else:
                yield shared.outcome()


@dataclass(frozen=True, kw_only=True)
class _Shared:
    """What the results of one check of one item have in common, worked out once."""

    result: ItemResult
    check: CheckResult
    place: Place
    level: str
    index: int
    suffix: str  # the item, after each message
    suppression: dict[str, Any] | None  # when the item or the whole outcome is waived
    properties: dict[str, Any]

    @classmethod
    def of(cls, result: ItemResult, check: CheckResult, rules: _Rules, place: Place) -> _Shared:
        item = result.item
        status = check.outcome.status
        return cls(
            result=result,
            check=check,
            place=place,
            level=(_FAIL_LEVEL if status in _FAILED else _DOUBT_LEVEL)[item.level],
            index=rules.index[check.check],
            suffix=f" — {item.id}: {_plain(item.title)}",
            suppression=_suppression(result, check, place),
            properties={
                "golive/item": item.id,
                "golive/itemLevel": item.level.value,
                "golive/itemStatus": result.status.value,
                "golive/checkStatus": status.value,
            },
        )

    def finding(self, finding: Finding) -> _Candidate:
        where = finding.location
        path = inside(where.path) if where is not None else None
        properties = dict(self.properties)
        if finding.rule:
            properties["golive/rule"] = finding.rule
        if where is not None and path is not None:
            location: dict[str, Any] | None = self.place.file(path, where.line, where.column)
        else:  # nowhere in particular: the item it is evidence for
            location = self.place.item(self.result.item)
            properties.update(_ANCHORED)
        suppression = self.suppression
        if suppression is None and finding.message.startswith(_WAIVER_PREFIX):
            # The check's own `waive` table covers this finding.
            reason = finding.message[len(_WAIVER_PREFIX) :]
            suppression = {**_WAIVED, "justification": self.place.clean(reason)}
        fingerprint = finding.fingerprint or finding_fingerprint(self.check.check, finding)
        return self._candidate(finding.message, location, fingerprint, suppression, properties)

    def outcome(self) -> _Candidate:
        outcome = self.check.outcome
        measured = [
            f"{name} {value}"
            for name, value in (("observed", outcome.observed), ("required", outcome.required))
            if value
        ]
        text = outcome.summary + (f" ({'; '.join(measured)})" if measured else "")
        # One such result per item and check: its identity is the pair, whatever the summary.
        identity = f"{self.check.check}\0{self.result.item.id}\0outcome".encode()
        fingerprint = hashlib.sha256(identity).hexdigest()[:16]
        location = self.place.item(self.result.item)
        properties = {**self.properties, **_ANCHORED}
        return self._candidate(text, location, fingerprint, self.suppression, properties)

    def _candidate(
        self,
        text: str,
        location: dict[str, Any] | None,
        fingerprint: str,
        suppression: dict[str, Any] | None,
        properties: dict[str, Any],
    ) -> _Candidate:
        sarif: dict[str, Any] = {
            "ruleId": self.check.check,
            "ruleIndex": self.index,
            "level": self.level,
            "message": {"text": self.place.clean(_plain(text) + self.suffix)},
            "locations": [] if location is None else [location],
            "partialFingerprints": {FINGERPRINT: fingerprint},
        }
        if suppression is not None:
            sarif["suppressions"] = [suppression]
        sarif["properties"] = properties
        return _Candidate(rank=_RANK[self.level] + (3 if suppression else 0), result=sarif)


# Marks a result placed at its item in the checklist, not at the problem itself.
_ANCHORED = {"golive/anchoredAtChecklist": True}
_WAIVED = {"kind": "external", "status": "accepted"}


def _suppression(result: ItemResult, check: CheckResult, place: Place) -> dict[str, Any] | None:
    """How every result of the check is waived: by the check's own `waive` table covering all
    its findings, or by a waiver record of the item (in `.golive/waivers/`)."""
    if check.outcome.status is Status.WAIVED:
        return {**_WAIVED, "justification": place.clean(check.outcome.summary)}
    if result.status is not Status.WAIVED:
        return None
    suppression: dict[str, Any] = {**_WAIVED, "justification": place.clean(result.reason)}
    record = place.waivers.get(result.item.id)
    if record is not None:
        suppression["location"] = place.file(record)
    return suppression


def _plain(text: str) -> str:
    # `[text](target)` in a SARIF message is a link to a location: keep such text literal.
    return text.replace("](", "\\](")


# --- the invocation ---------------------------------------------------------------------------


def _invocation(review: Review, decision: Decision, rules: _Rules, place: Place) -> dict[str, Any]:
    crashed = [
        (result.item, check)
        for result in review.results
        for check in result.checks
        if check.outcome.status is Status.ERROR
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not crashed}
    started = _utc(review.started_at)
    if started is not None:
        ended = started + dt.timedelta(seconds=max(0.0, review.seconds))
        invocation["startTimeUtc"] = _stamp(started)
        invocation["endTimeUtc"] = _stamp(ended)
    if crashed:
        invocation["toolExecutionNotifications"] = [
            _crash(item, check, rules, place) for item, check in crashed
        ]
    invocation["properties"] = {
        "golive/verdict": decision.verdict.value,
        "golive/summary": place.clean(decision.summary),
        "golive/blocking": [blocker.item for blocker in decision.blocking],
        "golive/conditions": [blocker.item for blocker in decision.conditions],
        "golive/counts": {s.value: n for s, n in review.counts().items() if n},
    }
    return invocation


def _crash(item: Item, check: CheckResult, rules: _Rules, place: Place) -> dict[str, Any]:
    text = f"{check.check} (item {item.id}): {check.outcome.summary}"
    notification: dict[str, Any] = {"level": "error", "message": {"text": place.clean(text)}}
    if check.check in rules.index:
        notification["associatedRule"] = {"id": check.check, "index": rules.index[check.check]}
    return notification


def _utc(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
