"""Write a review back into a team's own Markdown checklist: each task ticked when golive
found its item satisfied, with a one-line note saying why, everything else left as written.

A task is `- [ ] title` (any list marker, any indentation); the note golive appends reads

    - [x] Code formatted <!-- golive --> — ✅ pass: every file is formatted (rust.fmt) · 2025-06-01

The HTML comment is invisible on GitHub and marks where golive's note starts: a later write-back
replaces everything from it to the end of the line, so writing back twice changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from golive.checklist.markdown import MarkdownItem, parse_checklist
from golive.model import Match, Review, Status
from golive.report.json import SCHEMA
from golive.report.markdown import STATUS_ICONS

__all__ = [
    "MARKER",
    "NOTE_LIMIT",
    "ItemStatus",
    "MatchedTask",
    "UnmatchedTask",
    "WriteBack",
    "item_statuses",
    "item_statuses_from_json",
    "write_back",
]

MARKER = "<!-- golive -->"
NOTE_LIMIT = 120  # visible characters of a note, from its dash to its date

_NOT_EVALUATED_ICON = "⏭️"
_PARTLY_ICON = "◐"
# The box of a task, found again on the lines `parse_checklist` reports as tasks; the same
# shape as its own pattern, which it keeps private and which does not give the box's column.
_BOX = re.compile(r"[ \t]*(?:[-*+]|[0-9]{1,9}[.)])[ \t]+\[(?P<mark>[ xX])\][ \t]+")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")  # the line ends `parse_checklist` counts, kept
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:$|[T ])")
# Everything inline Markdown (GitHub's included) gives a meaning to: emphasis, code, links,
# HTML and so comments, entities, tables, strikethrough, math.
_ACTIVE = re.compile(r"([\\`*_\[\]<>&|~$])")
_TRAILING_PUNCTUATION = ".,;:!?…"
_WHITESPACE = re.compile(r"\s+")
_MIN_EVIDENCE = 30  # characters of a summary worth keeping before the names after it


@dataclass(frozen=True, kw_only=True)
class ItemStatus:
    """What a review established about one item, as a checklist task needs it.

    `section` and `subsection` are the titles of the headings the item stands under: its top
    section and, when its section is nested, that section (`quality.unit` gives "Code Quality
    and Testing" and "Unit Testing"). `status` is None when the review did not evaluate the item
    (all its checks were of kinds outside the run). `not_run` names the checks of a `match =
    "all"` item that the run left out: a pass without them is only partial.
    """

    item: str
    title: str
    section: str | None
    subsection: str | None
    status: Status | None
    reason: str  # the review's one-line reason, as it gives it
    evidence: str  # what the note says: the deciding check's summary, or else the reason
    check: str | None = None  # the check whose outcome decided the status, if one did
    not_run: tuple[str, ...] = ()

    @property
    def satisfied(self) -> bool:
        """Whether golive has evidence the item holds: it passed, and nothing it needs was
        left out of the run."""
        return self.status is Status.PASS and not self.not_run


@dataclass(frozen=True, kw_only=True)
class MatchedTask:
    """A task of the checklist and the item it was matched to, before and after the write-back."""

    line: int  # 1-based
    title: str  # as written, without golive's note
    item: str
    status: Status | None
    was_ticked: bool
    ticked: bool


@dataclass(frozen=True, kw_only=True)
class UnmatchedTask:
    """A task left exactly as it was: no item has its title, or several could be it."""

    line: int
    title: str
    candidates: tuple[str, ...] = ()  # the items it could not be told apart from

    @property
    def ambiguous(self) -> bool:
        return bool(self.candidates)


@dataclass(frozen=True, kw_only=True)
class WriteBack:
    """The checklist with golive's ticks and notes, and what was done to it."""

    text: str
    matched: tuple[MatchedTask, ...]
    unmatched: tuple[UnmatchedTask, ...]  # ambiguous ones included, see `.ambiguous`
    without_task: tuple[ItemStatus, ...]  # items no task of the checklist corresponds to

    @property
    def ticked(self) -> tuple[MatchedTask, ...]:
        return tuple(task for task in self.matched if task.ticked)

    @property
    def unticked(self) -> tuple[MatchedTask, ...]:
        return tuple(task for task in self.matched if not task.ticked)

    @property
    def cleared(self) -> tuple[MatchedTask, ...]:
        """Tasks that were ticked in the file and that golive does not find satisfied."""
        return tuple(task for task in self.matched if task.was_ticked and not task.ticked)

    @property
    def ambiguous(self) -> tuple[UnmatchedTask, ...]:
        return tuple(task for task in self.unmatched if task.ambiguous)

    def summary(self) -> str:
        """One line for a terminal: `12 ticked, 158 unticked (1 tick cleared); ...`."""
        cleared = f" ({_many(len(self.cleared), 'tick')} cleared)" if self.cleared else ""
        left = len(self.unmatched) - len(self.ambiguous)
        return (
            f"{len(self.ticked)} ticked, {len(self.unticked)} unticked{cleared}; "
            f"{_many(left, 'task')} matching no item, {len(self.ambiguous)} ambiguous; "
            f"{_many(len(self.without_task), 'item')} without a task"
        )


# --- the write-back ---------------------------------------------------------------------------


def write_back(
    markdown: str, results: Sequence[ItemStatus], *, now: str | None = None
) -> WriteBack:
    """`markdown` with each task that matches an item ticked or unticked and noted.

    A box is ticked only when the item is satisfied (passed, with all its checks run); a task
    ticked by hand whose item is not is unticked. Tasks matching no item, or more than one,
    are left byte for byte, and so is everything that is not a matched task line. `now` (an
    ISO 8601 date or date-time, e.g. the review's `started_at`) dates the notes.
    """
    date = _date(now)
    bom = "\ufeff" if markdown.startswith("\ufeff") else ""
    # parse_checklist drops the byte-order mark before counting lines; so does this.
    pieces = _LINE_BREAK.split(markdown.removeprefix("\ufeff"))  # line, end, line, end, ...
    tasks = [
        _Task.of(task, pieces[2 * (task.line - 1)]) for task in parse_checklist(markdown).items
    ]
    pairs, unmatched = _match(tasks, results)
    matched: list[MatchedTask] = []
    for index, task in enumerate(tasks):
        status = pairs.get(index)
        if status is None:
            continue
        pieces[2 * (task.line - 1)] = task.rewritten(status, date)
        matched.append(
            MatchedTask(
                line=task.line,
                title=task.title,
                item=status.item,
                status=status.status,
                was_ticked=task.ticked,
                ticked=status.satisfied,
            )
        )
    used = {id(status) for status in pairs.values()}
    return WriteBack(
        text=bom + "".join(pieces),
        matched=tuple(matched),
        unmatched=tuple(unmatched),
        without_task=tuple(status for status in results if id(status) not in used),
    )


@dataclass(frozen=True, kw_only=True)
class _Task:
    """A task line taken apart: what precedes the box mark, the mark, the title, the rest."""

    line: int
    title: str
    headings: tuple[str | None, str | None]  # normalised section and subsection
    mark: str  # " ", "x" or "X", as written
    before: str  # the line up to the box mark
    between: str  # from after the mark to the title: "] "
    trailing: str  # the line's trailing spaces and tabs

    @classmethod
    def of(cls, item: MarkdownItem, text: str) -> _Task:
        box = _BOX.match(text)
        assert box is not None, "parse_checklist reported a line that is not a task"
        rest = text[box.end() :]
        cut = rest.find(MARKER)
        title = (rest if cut < 0 else rest[:cut]).strip(" \t")
        return cls(
            line=item.line,
            title=title,
            headings=(_optional(item.section), _optional(item.subsection)),
            mark=box["mark"],
            before=text[: box.start("mark")],
            between=text[box.end("mark") : box.end()],
            trailing=text[len(text.rstrip(" \t")) :],
        )

    @property
    def ticked(self) -> bool:
        return self.mark != " "

    def rewritten(self, status: ItemStatus, date: str | None) -> str:
        """The line with the box golive's evidence gives and its note in place of any older one."""
        mark = (self.mark if self.ticked else "x") if status.satisfied else " "
        note = f"{self.title} {MARKER} {_note(status, date)}"
        return f"{self.before}{mark}{self.between}{note}{self.trailing}"


def _match(
    tasks: Sequence[_Task], results: Sequence[ItemStatus]
) -> tuple[dict[int, ItemStatus], list[UnmatchedTask]]:
    """Pair tasks with items by title; headings decide only between tasks of the same title.

    Within one normalised title, a task and an item are paired when they are the only ones left
    under the same section and subsection, else under the same section, else at all. Whatever
    is still unpaired is never guessed at.
    """
    tasks_by_title: dict[str, list[int]] = defaultdict(list)
    items_by_title: dict[str, list[ItemStatus]] = defaultdict(list)
    for index, task in enumerate(tasks):
        tasks_by_title[_normal(task.title)].append(index)
    for status in results:
        items_by_title[_normal(status.title)].append(status)
    pairs: dict[int, ItemStatus] = {}
    left_over: dict[int, tuple[str, ...]] = {}
    for title, indexes in tasks_by_title.items():
        free_tasks, free_items = list(indexes), list(items_by_title.get(title, []))
        if title:
            for depth in (2, 1, 0):
                found = _pairs_at(depth, [(i, tasks[i].headings) for i in free_tasks], free_items)
                pairs.update(found)
                free_tasks = [i for i in free_tasks if i not in found]
                taken = {id(status) for status in found.values()}
                free_items = [status for status in free_items if id(status) not in taken]
        else:
            free_items = []  # a task with no words of its own is nobody's
        for index in free_tasks:
            left_over[index] = tuple(status.item for status in free_items)
    unmatched = [
        UnmatchedTask(line=tasks[i].line, title=tasks[i].title, candidates=left_over[i])
        for i in sorted(left_over)
    ]
    return pairs, unmatched


def _pairs_at(
    depth: int,
    tasks: Sequence[tuple[int, tuple[str | None, str | None]]],
    items: Sequence[ItemStatus],
) -> dict[int, ItemStatus]:
    """The task-item pairs that stand alone under the same first `depth` headings."""
    task_groups: dict[tuple[str | None, ...], list[int]] = defaultdict(list)
    item_groups: dict[tuple[str | None, ...], list[ItemStatus]] = defaultdict(list)
    for index, headings in tasks:
        task_groups[headings[:depth]].append(index)
    for status in items:
        headings = (_optional(status.section), _optional(status.subsection))
        item_groups[headings[:depth]].append(status)
    return {
        found[0]: item_groups[key][0]
        for key, found in task_groups.items()
        if len(found) == 1 and len(item_groups.get(key, ())) == 1
    }


# --- the note ---------------------------------------------------------------------------------


def _note(status: ItemStatus, date: str | None) -> str:
    """`— ✅ pass: every file is formatted (rust.fmt) · 2025-06-01`, at most NOTE_LIMIT long."""
    tail = "" if status.check is None else f" ({status.check})"
    if status.status is None:
        icon, label = _NOT_EVALUATED_ICON, "not evaluated"
    elif status.status is Status.PASS and status.not_run:
        icon, label = _PARTLY_ICON, "partly verified"
        tail += f"; not run: {', '.join(status.not_run)}"
    else:
        icon, label = STATUS_ICONS[status.status], status.status.value.replace("_", " ")
    head = f"— {icon} {label}: "
    date_part = f" · {date}" if date else ""
    room = NOTE_LIMIT - len(head) - len(date_part)
    text, tail = _one_line(status.evidence).strip(), _one_line(tail).rstrip()
    # The check's name outlives a long summary; a list of checks not run is clipped with it.
    if room - len(tail) >= _MIN_EVIDENCE:
        body = _clip(text, room - len(tail)) + tail
    else:
        body = _clip(text + tail, room)
    # Never a space at the end: it would pass for the line's own trailing space next time.
    body = _escape(body.strip().removeprefix("; "))
    return (head + body if body else head.rstrip(": ")) + date_part


def _one_line(text: str) -> str:
    """`text` on one line: every run of whitespace a space, control characters dropped."""
    kept = "".join(char for char in text if char.isspace() or unicodedata.category(char) != "Cc")
    return _WHITESPACE.sub(" ", kept)


def _clip(text: str, limit: int) -> str:
    """`text`, or as much of it as fits before an ellipsis, cut between words when one ends
    near the limit."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space >= len(cut) * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _escape(text: str) -> str:
    """Backslash before every Markdown-active character, so a reason cannot open a code span,
    a link or an HTML comment that the rest of the line would close."""
    return _ACTIVE.sub(r"\\\1", text)


def _date(now: str | None) -> str | None:
    if not now:
        return None
    if not _DATE.match(now):
        raise ValueError(f"now: expected an ISO 8601 date or date-time, got {now!r}")
    return now[:10]


def _normal(title: str) -> str:
    """A title as matching sees it: NFKC, case-folded, no backticks, single spaces, and no
    sentence punctuation at its end."""
    text = unicodedata.normalize("NFKC", title)
    text = unicodedata.normalize("NFKC", text.replace("`", "").casefold())
    return " ".join(text.split()).rstrip(_TRAILING_PUNCTUATION + " ")


def _optional(title: str | None) -> str | None:
    return None if title is None else _normal(title)


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --- from a review ----------------------------------------------------------------------------


def item_statuses(review: Review) -> list[ItemStatus]:
    """Every item of the review, evaluated or not: checklist order, then the left-out ones."""
    titles = {section.id: section.title for section in review.sections}
    statuses = []
    for result in review.results:
        item = result.item
        section, subsection = _headings(item.section, titles)
        checks = [(c.check, c.outcome.status, c.outcome.summary) for c in result.checks]
        evidence, check = _evidence(result.status, result.reason, checks)
        statuses.append(
            ItemStatus(
                item=item.id,
                title=item.title,
                section=section,
                subsection=subsection,
                status=result.status,
                reason=result.reason,
                evidence=evidence,
                check=check,
                not_run=result.skipped if item.match is Match.ALL else (),
            )
        )
    for item in review.not_evaluated:
        kinds = sorted({ref.kind.value for ref in item.checks})
        statuses.append(_not_evaluated(item.id, item.title, item.section, kinds, titles))
    return statuses


def item_statuses_from_json(data: Mapping[str, Any]) -> list[ItemStatus]:
    """The same as `item_statuses`, read from a `golive.review/v1` document (`golive check -f
    json`). Raises ValueError for a document of another format."""
    if data.get("schema") != SCHEMA:
        raise ValueError(f"expected a {SCHEMA} document, got schema {data.get('schema')!r}")
    titles = {section["id"]: section["title"] for section in data["sections"]}
    statuses = []
    for entry in data["items"]:
        section, subsection = _headings(entry["section"], titles)
        status = Status(entry["status"])
        checks = [(c["id"], Status(c["status"]), c["summary"]) for c in entry["checks"]]
        evidence, check = _evidence(status, entry["reason"], checks)
        statuses.append(
            ItemStatus(
                item=entry["id"],
                title=entry["title"],
                section=section,
                subsection=subsection,
                status=status,
                reason=entry["reason"],
                evidence=evidence,
                check=check,
                not_run=tuple(entry["skipped"]) if entry["match"] == Match.ALL.value else (),
            )
        )
    for entry in data["not_evaluated"]:
        args = (entry["id"], entry["title"], entry["section"], entry["kinds"])
        statuses.append(_not_evaluated(*args, titles))
    return statuses


def _not_evaluated(
    item: str, title: str, section_id: str, kinds: Iterable[str], titles: Mapping[str, str]
) -> ItemStatus:
    section, subsection = _headings(section_id, titles)
    reason = f"its {'/'.join(kinds)} checks were outside this review's scope"
    return ItemStatus(
        item=item,
        title=title,
        section=section,
        subsection=subsection,
        status=None,
        reason=reason,
        evidence=reason,
    )


def _headings(section: str, titles: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The titles of an item's top section and, when nested, of its own section."""
    top = section.split(".", 1)[0]
    return titles.get(top), None if section == top else titles.get(section)


def _evidence(
    status: Status, reason: str, checks: Iterable[tuple[str, Status, str]]
) -> tuple[str, str | None]:
    """What a note says for the item, and the check that said it.

    The runner words a reason `check: summary` after the first check with the item's status;
    any other reason (a sign-off awaited, a planned check, a disabled item) is kept whole.
    """
    for check, check_status, summary in checks:
        if check_status is status:
            if reason == f"{check}: {summary}":
                return summary, check
            break
    return reason, None
