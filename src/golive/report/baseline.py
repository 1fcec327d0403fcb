"""What changed since an earlier review: items that broke, got fixed or changed, and the
findings that appeared or went, keyed by item id and finding fingerprint, never by line.

The earlier review is a `golive.review/v1` JSON report (`golive check -f json=FILE`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from golive.fingerprints import open_findings
from golive.model import ItemResult, Review, Status

__all__ = [
    "BaselineError",
    "Change",
    "Comparison",
    "compare",
    "fingerprints_then",
    "load_baseline",
]

ChangeKind = Literal["new failure", "fixed", "worse", "better", "findings", "new item"]

# How bad a status is, for "worse" and "better": fine, a warning, undecided, broken.
_RANK = {
    Status.PASS: 0,
    Status.NOT_APPLICABLE: 0,
    Status.WAIVED: 0,
    Status.WARN: 1,
    Status.PENDING: 2,
    Status.UNVERIFIED: 2,
    Status.UNKNOWN: 2,
    Status.EXPIRED: 3,
    Status.FAIL: 3,
    Status.ERROR: 3,
}


class BaselineError(ValueError):
    """The baseline file cannot be used; the message says why."""


@dataclass(frozen=True, kw_only=True)
class Change:
    item: str
    title: str
    kind: ChangeKind
    before: str | None  # the status in the baseline; None for an item it did not have
    after: str
    new_findings: tuple[str, ...] = ()  # fingerprints
    gone_findings: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Comparison:
    baseline: str  # the file, as given
    taken_at: str  # when the baseline review started
    changes: tuple[Change, ...]
    unchanged: int
    dropped: tuple[str, ...] = ()  # items the baseline had and this review has not

    def of(self, item: str) -> Change | None:
        return next((c for c in self.changes if c.item == item), None)


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"{path}: {error.strerror or error}") from None
    except ValueError as error:
        raise BaselineError(f"{path}: not JSON ({error})") from None
    if not isinstance(data, dict) or data.get("schema") != "golive.review/v1":
        raise BaselineError(f"{path}: not a golive JSON report (golive check -f json=FILE)")
    if not isinstance(data.get("items"), list):
        raise BaselineError(f"{path}: the report has no items")
    return data


def compare(previous: Mapping[str, Any], review: Review, *, name: str) -> Comparison:
    before = {
        entry["id"]: entry
        for entry in previous["items"]
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    }
    changes: list[Change] = []
    unchanged = 0
    for result in review.results:
        change = _change(before.get(result.item.id), result)
        if change is None:
            unchanged += 1
        else:
            changes.append(change)
    now = {result.item.id for result in review.results}
    return Comparison(
        baseline=name,
        taken_at=str(previous.get("started_at", "")),
        changes=tuple(changes),
        unchanged=unchanged,
        dropped=tuple(sorted(set(before) - now)),
    )


def _change(old: Mapping[str, Any] | None, result: ItemResult) -> Change | None:
    status = result.status
    prints = set().union(*open_findings(result).values())
    item, title = result.item.id, result.item.title
    if old is None:
        if _RANK[status] == 0:
            return None
        return Change(
            item=item,
            title=title,
            kind="new item",
            before=None,
            after=status.value,
            new_findings=tuple(sorted(prints)),
        )
    try:
        was = Status(str(old.get("status")))
    except ValueError:
        was = Status.UNKNOWN
    earlier = fingerprints_then(old)
    new, gone = sorted(prints - earlier), sorted(earlier - prints)
    kind: ChangeKind | None = None
    if _RANK[was] == 0 and _RANK[status] > 0:
        kind = "new failure"
    elif _RANK[was] > 0 and _RANK[status] == 0:
        kind = "fixed"
    elif _RANK[status] > _RANK[was]:
        kind = "worse"
    elif _RANK[status] < _RANK[was]:
        kind = "better"
    elif new or (gone and _RANK[status] > 0):
        kind = "findings"
    if kind is None:
        return None
    return Change(
        item=item,
        title=title,
        kind=kind,
        before=was.value,
        after=status.value,
        new_findings=tuple(new),
        gone_findings=tuple(gone),
    )


def fingerprints_then(old: Mapping[str, Any]) -> set[str]:
    """The open findings of an item of a JSON report: those of its checks that neither passed
    nor were not applicable, as `golive.fingerprints.open_findings` counts them."""
    found: set[str] = set()
    for check in old.get("checks") or []:
        if not isinstance(check, dict) or check.get("status") in {"pass", "not_applicable"}:
            continue
        for finding in check.get("findings") or []:
            if (
                isinstance(finding, dict)
                and isinstance(finding.get("fingerprint"), str)
                and finding.get("evidence") is not True
            ):
                found.add(finding["fingerprint"])
    return found
