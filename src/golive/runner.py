"""Run a checklist: select items, build fixtures once, run checks concurrently, collect results.

The runner never prints. It reports progress through an optional callback, which it calls
from the calling thread only. Each check runs in a worker thread with its own deadline; a
check that raises marks its own item `error`, one that overruns ends `unknown`, and the
review goes on. Identical (check, parameters) pairs shared by several items run once.
"""

from __future__ import annotations

import inspect
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive import __version__
from golive.checklist import Checklist
from golive.checks import _process
from golive.checks.base import Check, CheckParams, Skip
from golive.checks.fixtures import RunOptions, ServiceInfo
from golive.checks.registry import Registry
from golive.fingerprints import finding_fingerprint
from golive.model import (
    CheckResult,
    Item,
    ItemResult,
    Kind,
    LedgerEntry,
    Match,
    Outcome,
    Review,
    Status,
)
from golive.probes.safety import ProbeRefused

if TYPE_CHECKING:
    from golive.ledger import Ledger

__all__ = [
    "DEFAULT_SCOPE",
    "FINDINGS_KEPT",
    "CheckFinished",
    "CheckProgress",
    "CheckStarted",
    "Event",
    "combine",
    "execute_check",
    "run_review",
]

DEFAULT_SCOPE = frozenset({Kind.STATIC, Kind.TOOL, Kind.EVIDENCE, Kind.ATTEST})

# Findings kept per check outcome. Reports (JSON, SARIF) carry every kept finding and the
# terminal shows the first few; past this many, so that a repository with thousands of the
# same problem still gives a report a person can open, the rest are counted in the facts.
FINDINGS_KEPT = 1000

_WORST_FIRST = (
    Status.ERROR,
    Status.FAIL,
    Status.EXPIRED,
    Status.PENDING,
    Status.UNKNOWN,
    Status.UNVERIFIED,
    Status.WARN,
    Status.WAIVED,
    Status.PASS,
)
_BEST_FIRST = (
    Status.PASS,
    Status.WAIVED,
    Status.WARN,
    Status.PENDING,
    Status.UNVERIFIED,
    Status.UNKNOWN,
    Status.EXPIRED,
    Status.FAIL,
    Status.ERROR,
)


@dataclass(frozen=True, kw_only=True)
class CheckStarted:
    check: str
    title: str


@dataclass(frozen=True, kw_only=True)
class CheckFinished:
    check: str
    status: Status
    seconds: float
    done: int
    total: int


@dataclass(frozen=True, kw_only=True)
class CheckProgress:
    """A running check's word on how it is doing (sent from its worker thread)."""

    check: str
    text: str


Event = CheckStarted | CheckFinished | CheckProgress


def combine(statuses: Iterable[Status], match: Match = Match.ALL) -> Status:
    """One status from several: the worst for `all`, the best for `any`.

    `not_applicable` counts only when nothing else is there.
    """
    given = list(statuses)
    considered = [s for s in given if s is not Status.NOT_APPLICABLE]
    if not considered:
        return Status.NOT_APPLICABLE if given else Status.UNVERIFIED
    order = _WORST_FIRST if match is Match.ALL else _BEST_FIRST
    return min(considered, key=order.index)


def run_review(
    checklist: Checklist,
    *,
    root: Path,
    registry: Registry,
    scope: frozenset[Kind] = DEFAULT_SCOPE,
    select: Callable[[Item], bool] | None = None,
    jobs: int | None = None,
    on_event: Callable[[Event], None] | None = None,
    fixtures: Mapping[str, Callable[..., Any]] | None = None,
    options: RunOptions | None = None,
    ledger: Ledger | None = None,
) -> Review:
    """Evaluate the checklist's items against the repository at `root`.

    `fixtures` replaces the registry's fixture providers (tests use it); `jobs` bounds how
    many checks run at once. `ledger` holds the sign-offs and waivers of `.golive/`; without
    one, every item that needs a sign-off waits for it.
    """
    started_at = datetime.now(UTC)
    clock = time.monotonic()
    scope = scope | {Kind.ATTEST}  # sign-offs are read from the repository: always in scope
    items = [item for item in checklist.items if select is None or select(item)]
    evaluated = [item for item in items if _in_scope(item, scope)]
    plan = _plan(evaluated, registry, scope)
    options = options or RunOptions()
    options = replace(options, exclude=(*checklist.exclude, *options.exclude))
    about = checklist.about or ServiceInfo(name=checklist.service, targets=checklist.targets)
    emit = on_event or (lambda event: None)

    def progress(check: str, text: str) -> None:
        emit(CheckProgress(check=check, text=text))

    seeds = {"root": root.resolve(), "options": options, "service": about, "progress": progress}
    shared = _Fixtures(registry.fixtures if fixtures is None else fixtures, seeds)
    outcomes = _Execution(plan, shared, jobs or _default_jobs(), on_event).run()
    results = tuple(_item_result(item, scope, outcomes, registry, ledger) for item in evaluated)
    entries: tuple[LedgerEntry, ...] = ()
    if ledger is not None:
        results, entries = ledger.apply(results)
    return Review(
        service=checklist.service,
        profiles=checklist.profiles,
        root=str(root),
        sections=checklist.sections,
        results=results,
        scope=scope,
        policy=checklist.policy,
        not_evaluated=tuple(item for item in items if not _in_scope(item, scope)),
        started_at=started_at.isoformat(timespec="seconds"),
        seconds=time.monotonic() - clock,
        version=__version__,
        source=_relative(checklist.source, root),
        ledger=entries,
    )


def _relative(source: str | None, root: Path) -> str | None:
    """The checklist file as reports name it: relative to the repository when inside it."""
    if source is None:
        return None
    path = Path(source).resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _default_jobs() -> int:
    return max(4, min(16, 2 * (os.cpu_count() or 1)))


def _in_scope(item: Item, scope: frozenset[Kind]) -> bool:
    """An item is evaluated when any of its ways of verification is in scope (or it has none)."""
    if item.disabled is not None or not item.checks:
        return True
    return item.attest is not None or any(ref.kind in scope for ref in item.checks)


# --- planning: which (check, parameters) pairs run, once each ---------------------------------

_JobKey = tuple[str, str]


@dataclass(kw_only=True)
class _Job:
    key: _JobKey
    check: type[Check]
    params: CheckParams
    requires: list[_JobKey] = field(default_factory=list)
    out_of_scope: list[str] = field(default_factory=list)  # prerequisites this run excludes
    timeouts: list[float] = field(default_factory=list)  # what each item using it allows

    @property
    def timeout(self) -> float:
        """The longest any item sharing this run allows (the check's own, unless overridden)."""
        return max(self.timeouts, default=self.check.timeout)


def _key(check_id: str, params: Any) -> _JobKey:
    return check_id, params.model_dump_json() if isinstance(params, CheckParams) else ""


def _plan(items: Iterable[Item], registry: Registry, scope: frozenset[Kind]) -> dict[_JobKey, _Job]:
    plan: dict[_JobKey, _Job] = {}

    def add(check: type[Check], params: CheckParams, timeout: float | None) -> _JobKey:
        key = _key(check.id, params)
        job = plan.get(key)
        if job is None:
            job = plan[key] = _Job(key=key, check=check, params=params)
            for required in sorted(check.requires):
                prerequisite = registry.get(required)
                assert prerequisite is not None  # the registry validated `requires`
                if prerequisite.kind in scope:
                    job.requires.append(add(prerequisite, prerequisite.Params(), None))
                else:
                    job.out_of_scope.append(f"{required} ({prerequisite.kind} check)")
        job.timeouts.append(check.timeout if timeout is None else timeout)
        return key

    for item in items:
        if item.disabled is not None:
            continue
        for ref in item.checks:
            check = registry.get(ref.id)
            if check is not None and not ref.planned and ref.kind in scope:
                add(check, ref.params, item.timeout if item.timeout is not None else ref.timeout)
    return plan


# --- fixtures, computed once and shared across threads ----------------------------------------


class _FixtureCrashError(Exception):
    def __init__(self, name: str, error: BaseException) -> None:
        super().__init__(f'the fixture "{name}" crashed: {type(error).__name__}: {error}')
        self.trace = "".join(traceback.format_exception(error))


class _Fixtures:
    def __init__(self, providers: Mapping[str, Callable[..., Any]], seeds: Mapping[str, Any]):
        self._providers = providers
        self._values: dict[str, Any] = dict(seeds)
        self._failures: dict[str, Exception] = {}
        self._locks: dict[str, threading.Lock] = {name: threading.Lock() for name in providers}

    def get(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        with self._locks[name]:  # one thread computes; the others wait for its value
            if name in self._values:
                return self._values[name]
            if name in self._failures:
                raise self._failures[name]
            provider = self._providers[name]
            try:
                kwargs = {arg: self.get(arg) for arg in inspect.signature(provider).parameters}
                value = provider(**kwargs)
            except (Skip, _FixtureCrashError) as signal:
                self._failures[name] = signal
                raise
            except Exception as exc:
                crash = _FixtureCrashError(name, exc)
                self._failures[name] = crash
                raise crash from exc
            self._values[name] = value
            return value


def _execute(check: type[Check], params: CheckParams, fixtures: _Fixtures) -> Outcome:
    try:
        kwargs = {name: fixtures.get(name) for name in check.fixture_names()}
        outcome: Any = check().run(params, **kwargs)
        if inspect.isawaitable(outcome):
            import asyncio  # only live checks are async; static reviews skip its import

            outcome = asyncio.run(_awaited(outcome))
    except Skip as skip:
        return Outcome(status=skip.status, summary=skip.reason)
    except ProbeRefused as refused:  # the target policy said no: undecided, with the reason
        return Outcome(status=Status.UNKNOWN, summary=str(refused))
    except _FixtureCrashError as crash:
        return Outcome(status=Status.ERROR, summary=str(crash), trace=crash.trace)
    except (Exception, SystemExit) as exc:
        return Outcome(
            status=Status.ERROR,
            summary=f"the check crashed: {type(exc).__name__}: {exc}",
            trace=traceback.format_exc(),
        )
    if not isinstance(outcome, Outcome):
        return Outcome(
            status=Status.ERROR,
            summary=f"the check returned {type(outcome).__name__}, not an Outcome",
        )
    return _bounded(_stamped(check.id, outcome))


def _stamped(check: str, outcome: Outcome) -> Outcome:
    """Every finding with its content fingerprint, as waivers and baselines name it."""
    if all(finding.fingerprint for finding in outcome.findings):
        return outcome
    findings = tuple(
        replace(finding, fingerprint=finding_fingerprint(check, finding))
        for finding in outcome.findings
    )
    return replace(outcome, findings=findings)


def _bounded(outcome: Outcome) -> Outcome:
    """At most FINDINGS_KEPT findings, the first ones (checks list the important first); the
    count of the rest becomes the fact `findings_not_listed`."""
    extra = len(outcome.findings) - FINDINGS_KEPT
    if extra <= 0:
        return outcome
    facts = {**outcome.facts, "findings_not_listed": extra}
    return replace(outcome, findings=outcome.findings[:FINDINGS_KEPT], facts=facts)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def execute_check(
    check: type[Check],
    params: CheckParams,
    *,
    root: Path,
    fixtures: Mapping[str, Callable[..., Any]],
    options: RunOptions | None = None,
    service: ServiceInfo | None = None,
) -> Outcome:
    """Run one check on its own, with fresh fixtures (for tests and `golive.testing`)."""
    seeds = {
        "root": root.resolve(),
        "options": options or RunOptions(),
        "service": service or ServiceInfo(name=root.resolve().name),
        "progress": lambda check, text: None,
    }
    return _execute(check, params, _Fixtures(fixtures, seeds))


# --- execution: a bounded number of worker threads, each job with a deadline ------------------


class _Execution:
    def __init__(
        self,
        plan: Mapping[_JobKey, _Job],
        fixtures: _Fixtures,
        jobs: int,
        on_event: Callable[[Event], None] | None,
    ) -> None:
        self._plan = plan
        self._fixtures = fixtures
        self._slots = max(1, jobs)
        self._emit = on_event or (lambda event: None)
        self._done: dict[_JobKey, CheckResult] = {}
        self._running: dict[_JobKey, tuple[float, float]] = {}  # started, deadline
        self._finished: queue.SimpleQueue[tuple[_JobKey, Outcome, float]] = queue.SimpleQueue()

    def run(self) -> dict[_JobKey, CheckResult]:
        waiting = list(self._plan.values())
        try:
            while waiting or self._running:
                waiting = self._start_ready(waiting)
                if self._running:
                    self._collect()
                elif waiting:  # nothing runs and nothing can start: a `requires` cycle
                    for job in waiting:
                        self._record(job, Outcome(status=Status.ERROR, summary="requires cycle"), 0)
                    break
        except BaseException:
            _process.terminate_all()  # Ctrl-C or a bug: leave no tool running behind us
            raise
        return self._done

    def _start_ready(self, waiting: list[_Job]) -> list[_Job]:
        still: list[_Job] = []
        # Exclusive checks (a rate-limit burst) run alone, once every other ready check is
        # done, so their traffic cannot disturb what the others measure.
        ordinary = any(not self._plan[key].check.exclusive for key in self._running) or any(
            not job.check.exclusive and all(key in self._done for key in job.requires)
            for job in waiting
        )
        for job in waiting:
            if not all(key in self._done for key in job.requires):
                still.append(job)
                continue
            blocked = self._blocked_by(job)
            if blocked is not None:
                self._record(job, blocked, 0.0)
            elif job.check.exclusive and (ordinary or self._running):
                still.append(job)
            elif len(self._running) < self._slots:
                self._launch(job)
            else:
                still.append(job)
        return still

    def _blocked_by(self, job: _Job) -> Outcome | None:
        if job.out_of_scope:
            return Outcome(
                status=Status.UNKNOWN,
                summary=f"requires {', '.join(job.out_of_scope)}, which this run does not include",
            )
        for key in job.requires:
            outcome = self._done[key].outcome
            if outcome.status in {Status.PASS, Status.WARN}:
                continue
            status = (
                Status.NOT_APPLICABLE if outcome.status is Status.NOT_APPLICABLE else Status.UNKNOWN
            )
            return Outcome(
                status=status,
                summary=f"requires {key[0]}, which ended {outcome.status}: {outcome.summary}",
            )
        return None

    def _launch(self, job: _Job) -> None:
        started = time.monotonic()
        self._running[job.key] = (started, started + job.timeout)
        self._emit(CheckStarted(check=job.check.id, title=job.check.title()))

        def work() -> None:
            outcome = _execute(job.check, job.params, self._fixtures)
            self._finished.put((job.key, outcome, time.monotonic() - started))

        # Daemon threads: a check that overran its deadline must not keep golive from exiting.
        threading.Thread(target=work, name=f"check {job.check.id}", daemon=True).start()

    def _collect(self) -> None:
        deadline = min(end for _, end in self._running.values())
        try:
            key, outcome, seconds = self._finished.get(
                timeout=max(0.0, deadline - time.monotonic())
            )
        except queue.Empty:
            now = time.monotonic()
            for key, (started, end) in list(self._running.items()):
                if end <= now:
                    job = self._plan[key]
                    overrun = Outcome(
                        status=Status.UNKNOWN,
                        summary=f"did not finish within its {job.timeout:g} s timeout",
                    )
                    self._record(job, overrun, now - started)
            return
        if key in self._running:  # else: it finished after its deadline had been recorded
            self._record(self._plan[key], outcome, seconds)

    def _record(self, job: _Job, outcome: Outcome, seconds: float) -> None:
        self._running.pop(job.key, None)
        self._done[job.key] = CheckResult(
            check=job.check.id, kind=job.check.kind, outcome=outcome, seconds=seconds
        )
        self._emit(
            CheckFinished(
                check=job.check.id,
                status=outcome.status,
                seconds=seconds,
                done=len(self._done),
                total=len(self._plan),
            )
        )


# --- from check outcomes to item results ------------------------------------------------------


def _item_result(
    item: Item,
    scope: frozenset[Kind],
    done: Mapping[_JobKey, CheckResult],
    registry: Registry,
    ledger: Ledger | None,
) -> ItemResult:
    if item.disabled is not None:
        return ItemResult(
            item=item, status=Status.NOT_APPLICABLE, reason=f"disabled: {item.disabled}"
        )
    ran: list[CheckResult] = []
    statuses: list[Status] = []
    reasons: dict[Status, str] = {}
    planned: list[str] = []
    skipped = tuple(ref.id for ref in item.checks if ref.kind not in scope)
    for ref in item.checks:
        if ref.kind not in scope:
            continue
        if ref.planned:
            planned.append(ref.id)
            statuses.append(Status.UNVERIFIED)
            continue
        result = done[_key(registry.canonical(ref.id), ref.params)]
        ran.append(result)
        statuses.append(result.outcome.status)
        reasons.setdefault(result.outcome.status, f"{result.check}: {result.outcome.summary}")
    if planned:
        reasons[Status.UNVERIFIED] = "planned: " + ", ".join(planned)
    if item.attest is not None:
        # With `match = "any"` a sign-off is one alternative among the checks; otherwise it
        # is required on top of them.
        if ledger is None:
            signed, why = Status.PENDING, f"awaiting {item.attest}"
        else:
            signed, why = ledger.sign_off(item)
        reasons[signed] = why
        statuses.append(signed)
    status = combine(statuses, item.match) if statuses else None
    if status is None:
        status = Status.UNVERIFIED
        reasons[status] = "no check or sign-off verifies this item"
    return ItemResult(
        item=item,
        status=status,
        reason=reasons.get(status, status.value),
        checks=tuple(ran),
        skipped=skipped,
    )
