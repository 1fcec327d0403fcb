"""Load tests: latency and throughput under an open-model load, and the highest rate the
service sustains.

Every run offers requests at a fixed arrival rate and times each from its *intended* send
time, so a stalled service shows in the percentiles (no coordinated omission); a ramp of
`ramp` seconds comes first and is not measured. A verdict needs a healthy generator -- the
offered rate reached on time, nothing dropped, dispatch lateness p99 within 10 ms, its CPU
under 90 % -- and enough samples for each statistic; otherwise it is `unknown` and says why.
Arrivals dropped on time because the service held the in-flight allowance open are no
excuse: the service did not keep up, and that fails. Load tests
need `consent = "load"` on the target (and, for a target marked production,
`confirm_production = true` and `--confirm-load`); a light latency sample (no `rate`) needs
`active`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, field_validator

from golive.checks._live import LiveParams, pinned
from golive.checks._load_judge import (
    Judgement,
    generator_problems,
    judge_error_rate,
    judge_latency,
    judge_throughput,
    ms,
    offer_problems,
    overwhelmed,
    percentiles_text,
    statuses_text,
    worst,
)
from golive.checks._load_soak import judge_soak, latency_charts, soak
from golive.checks.base import Check, CheckParams, Unknown
from golive.checks.fixtures import LoadRuns, Progress
from golive.checks.params import (
    Duration,
    DurationThreshold,
    Rate,
    RateThreshold,
    RatioThreshold,
    SizeThreshold,
)
from golive.load.resources import parse_growth_bound
from golive.model import Chart, Finding, Kind, Line, Outcome, Status
from golive.probes.safety import Consent, PinnedTarget, ProbePolicy
from golive.thresholds import Dimension, Threshold, describe_duration

if TYPE_CHECKING:  # the engine is imported when a load test runs
    from golive.load import LoadPlan, LoadResult, Second

__all__ = ["LoadLatency", "LoadSoak", "LoadStress", "LoadThroughput"]

_LIGHT_RATE = 10.0  # req/s of a light latency sample (§9.2): safe with active consent
_EARLY_ABORT_AFTER = 5  # seconds of measured load before the circuit breaker may stop a run
_GENERATOR_PROCESS_RATE = 5_000.0  # req/s one generator process is asked for at most


class LoadParams(LiveParams):
    path: str | None = None  # the endpoint under load (a path the checklist names)
    duration: Duration = Field(default=30.0, gt=0, le=300)  # the measured (steady) phase
    ramp: Duration = Field(default=10.0, ge=0, le=120)  # unmeasured ramp from 10 % of the rate
    timeout: Duration = Field(default=10.0, gt=0, le=60)  # a slower answer counts as an error
    processes: int | None = Field(default=None, ge=1, le=64)  # generator processes
    max_inflight: int | None = Field(default=None, ge=1, le=1000)
    rate_limit_expected: bool = False  # 429 answers are not errors
    credentials: bool = False  # send the target's Authorization


class LatencyParams(LoadParams):
    rate: Rate | None = None  # offered rate; none: a light sample of 10 req/s
    response_time: DurationThreshold | None = None  # default statistic p95
    p50: DurationThreshold | None = None
    p90: DurationThreshold | None = None
    p95: DurationThreshold | None = None
    p99: DurationThreshold | None = None
    error_rate: RatioThreshold | None = None


class ThroughputParams(LoadParams):
    throughput: RateThreshold | None = None
    rate: Rate | None = None  # offered rate; default 1.05 x the throughput asked
    error_rate: RatioThreshold | None = None
    response_time: DurationThreshold | None = None


class StressParams(LoadParams):
    peak: Rate | None = None  # the rate the service must sustain
    response_time: DurationThreshold | None = None
    error_rate: RatioThreshold | None = None
    duration: Duration = Field(default=10.0, gt=0, le=60)  # per step
    start: Rate | None = None  # first step; default half the peak
    factor: float = Field(default=1.25, gt=1.0, le=4.0)  # each step's rate over the last
    steps: int = Field(default=8, ge=1, le=16)


class SoakParams(LoadParams):
    rate: Rate | None = None  # the sustained rate
    duration: Duration = Field(default=300.0, gt=0, le=840)  # bounded by the run's 15 minutes
    memory_usage: SizeThreshold | None = None  # on the peak resident memory
    cpu_usage: RatioThreshold | None = None  # on the mean CPU, as a fraction of one core
    # The growth allowed (least-squares slope after warm-up). Judged when set, or -- with the
    # defaults <10MB/h and <60/h -- when the item sets no other limit (a leak item).
    leak: str | None = None
    fd_leak: str | None = None
    error_rate: RatioThreshold | None = None
    process: str | None = None  # "port" (a loopback target), "pid:N", or a metrics path
    interval: Duration = Field(default=1.0, ge=0.1, le=60)  # between resource samples

    @field_validator("leak")
    @classmethod
    def _leak(cls, value: str | None) -> str | None:
        if value is not None:
            parse_growth_bound(value)
        return value

    @field_validator("fd_leak")
    @classmethod
    def _fd_leak(cls, value: str | None) -> str | None:
        if value is not None:
            parse_growth_bound(value, dimension=Dimension.COUNT)
        return value

    @field_validator("process")
    @classmethod
    def _process(cls, value: str | None) -> str | None:
        if value is None or value == "port" or value.startswith("/"):
            return value
        if value.startswith("pid:") and value[4:].isdigit():
            return value
        raise ValueError(
            f'expected "port", "pid:1234" or a metrics path like "/metrics", not "{value}"'
        )


def _load_text(params: LoadParams, rate: float, *, what: str = "") -> str:
    """A dry run's account of one run: rate, length and about how many requests."""
    ramp, steady = params.ramp, params.duration
    count = rate * steady + 0.55 * rate * ramp  # the ramp climbs from 10 % to the full rate
    path = params.path or "(no path declared)"
    ramp_text = f" after a {ramp:g} s ramp" if ramp else ""
    return f"{what}{rate:g} req/s for {steady:g} s{ramp_text}: about {count:,.0f} GETs of {path}"


def _latency_thresholds(params: LatencyParams | ThroughputParams | StressParams) -> list[Threshold]:
    """The latency limits an item sets, each with its statistic (`p99 = "<250ms"` is p99)."""
    found = [params.response_time] if params.response_time is not None else []
    for name in ("p50", "p90", "p95", "p99"):
        threshold = getattr(params, name, None)
        if threshold is not None:
            found.append(replace(threshold, statistic=name))
    return found


def _target(probes: ProbePolicy, params: LoadParams, *, light: bool) -> tuple[PinnedTarget, str]:
    consent = Consent.ACTIVE if light else Consent.LOAD
    target = pinned(probes, params, consent, "a latency sample" if light else "a load test")
    if params.path is None:
        raise Unknown(
            "no endpoint is declared for the load test: name it in the item's "
            'with = { path = "/api/..." }'
        )
    return target, params.path


def _plan(target: PinnedTarget, params: LoadParams, *, rate: float, seconds: float) -> LoadPlan:
    from golive.load import LoadPlan

    processes = params.processes or max(1, math.ceil(rate / _GENERATOR_PROCESS_RATE))
    inflight = params.max_inflight or max(1, min(1000, math.ceil(rate * 2)))
    return LoadPlan.steady(
        target,
        params.path or "/",
        rate=rate,
        seconds=seconds,
        ramp=params.ramp,
        max_inflight=inflight,
        timeout=params.timeout,
        processes=processes,
        rate_limit_expected=params.rate_limit_expected,
        credentials=params.credentials,
    )


def _breaker(limits: Sequence[Threshold]) -> Callable[[Sequence[Second]], str | None]:
    """Stop a run that is plainly failing (§9.3): after 5 s, over half the requests of the
    last 5 s failed, or p99 over ten times the tightest latency limit."""
    tightest = min((t.quantity.value for t in limits), default=None)

    def check(seconds: Sequence[Second]) -> str | None:
        if len(seconds) < _EARLY_ABORT_AFTER:
            return None
        window = seconds[-_EARLY_ABORT_AFTER:]
        offered = sum(s.offered for s in window)
        errors = sum(s.errors for s in window)
        if offered and errors > offered / 2:
            return f"{errors:,} of {offered:,} requests failed in the last 5 s"
        if tightest is not None:
            p99 = max((s.p99 for s in window if not math.isnan(s.p99)), default=0.0)
            if p99 > 10 * tightest:
                return f"p99 reached {ms(p99)}, over 10 x the limit of {ms(tightest)}"
        return None

    return check


def _progress(progress: Progress, check: str) -> Callable[[Second], None]:
    def show(second: Second) -> None:
        progress(
            check,
            f"{second.t:.0f} s · {second.completed} req/s · p99 {ms(second.p99)} · "
            f"{second.errors} errors",
        )

    return show


def _run(
    check: str,
    plan: LoadPlan,
    limits: Sequence[Threshold],
    progress: Progress,
    runs: LoadRuns | None = None,
) -> LoadResult:
    """Run `plan`, or reuse the result of the same plan run earlier in this review (two items
    asking the same load of the same endpoint share one run)."""
    from golive.load import run_open

    def fresh() -> LoadResult:
        return run_open(plan, progress=_progress(progress, check), abort=_breaker(limits))

    if runs is None:
        return fresh()
    return runs.get((check, plan, tuple(str(t) for t in limits)), fresh)


def _outcome(
    result: LoadResult, judgements: list[Judgement], *, check: str, path: str, what: str
) -> Outcome:
    """The outcome of a run: the worst judgement, the generator's health first."""
    problems = generator_problems(result)
    if result.aborted is not None and problems:
        problems.append(f"the run stopped early: {result.aborted}")
    breaker = result.aborted is not None and not problems
    findings = [
        Finding(message=f"generator: {p}", rule=f"{check}.generator", fingerprint=f"{check}:gen")
        for p in problems
    ]
    findings += [
        Finding(
            message=f"{j.name}: {j.reason}",
            rule=check,
            fingerprint=f"{check}:{path}:{j.name}",
        )
        for j in judgements
        if j.status is not Status.PASS
    ]
    status = worst(judgements)
    if breaker:
        status = Status.FAIL
    elif problems and status is Status.PASS:
        status = Status.UNKNOWN
    if breaker:
        summary = f"{what}: stopped early, {result.aborted}"
    else:
        shown = "; ".join(
            f"{j.name}: {j.reason}" for j in judgements if j.status is not Status.PASS
        ) or "; ".join(j.observed for j in judgements)
        summary = f"{what}: {shown}"
        if problems and status is Status.UNKNOWN:
            summary = f"{what}: the generator could not vouch for the run ({problems[0]})"
    observed = (
        f"{result.achieved_rate:.0f} of {result.plan_rate:.0f} req/s offered for "
        f"{describe_duration(result.measured_seconds)}; {percentiles_text(result)}; "
        f"statuses {statuses_text(result)}; dropped {result.dropped:,}"
    )
    return Outcome(
        status=status,
        summary=summary,
        observed=observed,
        required=", ".join(j.name for j in judgements),
        findings=tuple(findings),
        facts=_facts(result),
        charts=latency_charts(result),
    )


def _facts(result: LoadResult) -> dict[str, str | int | float | bool]:
    facts: dict[str, str | int | float | bool] = {
        "offered_rate": round(result.plan_rate, 1),
        "achieved_rate": round(result.achieved_rate, 1),
        "goodput": round(result.goodput, 1),
        "measured_seconds": round(result.measured_seconds, 2),
        "sent": result.sent,
        "ok": result.ok,
        "dropped": result.dropped,
        "error_rate": round(result.error_rate, 6),
        "lateness_p99_ms": round(result.lateness.percentile(99) * 1000, 3),
        "client_cpu": round(result.client_cpu, 3),
        "processes": result.processes,
    }
    if result.latency.count:
        for point in (50, 90, 95, 99, 99.9):
            facts[f"p{point:g}_ms"] = round(result.latency.percentile(point) * 1000, 3)
        facts["max_ms"] = round(result.latency.max * 1000, 3)
        facts["latency_hdr"] = result.latency.encode()  # the whole histogram, reproducible
    return facts


class LoadLatency(Check):
    """Latency under an open-model load meets the thresholds.

    Offers `rate` (or, without one, a light 10 req/s sample, which needs only active
    consent) for `duration` after a `ramp`, and judges each latency limit (`response_time`,
    p95 by default; `p50` ... `p99`) and `error_rate`. A percentile needs 10 / (1 - q)
    samples (p95: 200, p99: 1,000); a limit under 5 x the generator's dispatch lateness p99
    cannot be measured. Both are `unknown`, never a pass.
    """

    id = "load.latency"
    kind = Kind.LIVE
    consent = "load"
    Params = LatencyParams
    timeout = 420.0
    exclusive = True  # its load would slow every other probe, and theirs would skew it
    fix: ClassVar[str | None] = (
        "Find where the time goes (profiles under the same load), then cache, batch or scale."
    )

    @classmethod
    def plan(cls, params: CheckParams) -> str:
        assert isinstance(params, LatencyParams)
        rate = _LIGHT_RATE if params.rate is None else params.rate.value
        return _load_text(params, rate, what="" if params.rate else "a light sample: ")

    @classmethod
    def consent_for(cls, params: CheckParams) -> str | None:
        assert isinstance(params, LatencyParams)
        return "active" if params.rate is None else "load"

    def run(
        self, params: LatencyParams, probes: ProbePolicy, progress: Progress, load_runs: LoadRuns
    ) -> Outcome:
        limits = _latency_thresholds(params)
        if not limits and params.error_rate is None:
            raise Unknown(
                "no latency limit to check: set response_time (or p50 ... p99) in the item"
            )
        light = params.rate is None
        target, path = _target(probes, params, light=light)
        rate = _LIGHT_RATE if params.rate is None else params.rate.value
        plan = _plan(target, params, rate=rate, seconds=params.duration)
        result = _run(self.id, plan, limits, progress, load_runs)
        healthy = not generator_problems(result)
        judgements = [judge_latency(result, t, healthy=healthy) for t in limits]
        if params.error_rate is not None:
            judgements.append(judge_error_rate(result, params.error_rate, healthy=healthy))
        if (kept_up := overwhelmed(result, rate=rate)) is not None:
            judgements.append(kept_up)
        what = f"{rate:g} req/s on {path}"
        return _outcome(result, judgements, check=self.id, path=path, what=what)


class LoadThroughput(Check):
    """The service sustains the required throughput with no dropped requests.

    Offers `rate` (default 1.05 x the `throughput` asked) and passes when the goodput --
    answers with an expected status per second of the measured phase -- meets the
    threshold, the error rate (with its 95 % bound) and latency limits hold over the same
    run, nothing was dropped and the generator kept up.
    """

    id = "load.throughput"
    kind = Kind.LIVE
    consent = "load"
    Params = ThroughputParams
    timeout = 420.0
    exclusive = True
    fix = "Raise capacity (workers, replicas, connection pools) or remove the bottleneck."

    @classmethod
    def plan(cls, params: CheckParams) -> str:
        assert isinstance(params, ThroughputParams)
        if params.rate is not None:
            return _load_text(params, params.rate.value)
        if params.throughput is None:
            return "nothing: no throughput is set"
        return _load_text(params, math.ceil(1.05 * params.throughput.quantity.value))

    def run(
        self,
        params: ThroughputParams,
        probes: ProbePolicy,
        progress: Progress,
        load_runs: LoadRuns,
    ) -> Outcome:
        if params.throughput is None:
            raise Unknown('no throughput to check: set throughput = ">1000 req/s" in the item')
        target, path = _target(probes, params, light=False)
        asked = params.throughput.quantity.value
        rate = params.rate.value if params.rate is not None else math.ceil(1.05 * asked)
        limits = _latency_thresholds(params)
        plan = _plan(target, params, rate=rate, seconds=params.duration)
        result = _run(self.id, plan, limits, progress, load_runs)
        healthy = not generator_problems(result)
        judgements = [judge_throughput(result, params.throughput, healthy=healthy)]
        judgements += [judge_latency(result, t, healthy=healthy) for t in limits]
        if params.error_rate is not None:
            judgements.append(judge_error_rate(result, params.error_rate, healthy=healthy))
        if (kept_up := overwhelmed(result, rate=rate)) is not None:
            judgements.append(kept_up)
        what = f"{rate:g} req/s offered on {path}"
        return _outcome(result, judgements, check=self.id, path=path, what=what)


class LoadStress(Check):
    """A stepped stress test finds the highest sustainable rate above the peak requirement.

    Steps the offered rate up from `start` (default half of `peak`) by `factor` each
    `duration`, up to `steps` steps, stopping at the first step whose latency or error limit
    breaks. The highest step that held is the knee; it must reach `peak`. A step the
    generator could not offer ends the search: if the knee is below the peak then, the
    result is `unknown` (the service was never asked for more). A step it offered but
    dispatched late neither holds nor breaks, and the search goes on: a knee below the peak
    is then `unknown` only when such a step was at the peak or above.
    """

    id = "load.stress"
    kind = Kind.LIVE
    consent = "load"
    Params = StressParams
    timeout = 900.0
    exclusive = True
    fix = "Find the saturated resource at the knee (CPU, pool, lock) and add capacity."

    @classmethod
    def plan(cls, params: CheckParams) -> str:
        assert isinstance(params, StressParams)
        if params.peak is None:
            return "nothing: no peak is set"
        start = params.start.value if params.start is not None else params.peak.value / 2
        top = start * params.factor ** (params.steps - 1)
        total = sum(
            start * params.factor**step * (params.duration + 1.1) for step in range(params.steps)
        )
        return (
            f"up to {params.steps} steps of {params.duration:g} s from {start:g} to {top:,.0f} "
            f"req/s, stopping at the first that breaks: at most about {total:,.0f} GETs of "
            f"{params.path or '(no path declared)'}"
        )

    def run(self, params: StressParams, probes: ProbePolicy, progress: Progress) -> Outcome:
        if params.peak is None:
            raise Unknown('no peak rate to reach: set peak = "1000 req/s" in the item')
        limits = _latency_thresholds(params)
        if not limits and params.error_rate is None:
            raise Unknown("no limit defines sustainable: set response_time or error_rate")
        target, path = _target(probes, params, light=False)
        peak = params.peak.value
        rate = params.start.value if params.start is not None else peak / 2
        knee: float | None = None
        curve: list[str] = []
        steps: list[tuple[float, LoadResult]] = []
        reason = f"every step up to {params.steps} held"
        undecided = False
        # Steps the generator offered but dispatched late: not held, not broken -- (rate, why)
        unvouched: list[tuple[float, str]] = []
        for step in range(params.steps):
            step_params = params.model_copy(update={"ramp": 2.0 if step else params.ramp})
            plan = _plan(target, step_params, rate=rate, seconds=params.duration)
            result = _run(self.id, plan, limits, progress)
            problems = generator_problems(result)
            judgements = _step_judgements(
                result, limits, params.error_rate, rate=rate, healthy=not problems
            )
            status = worst(judgements)
            steps.append((rate, result))
            curve.append(
                f"{rate:.0f} req/s: {percentiles_text(result, (50, 95, 99))}, "
                f"errors {result.error_rate:.2%} -> {status}"
            )
            if status is Status.FAIL or (result.aborted and not problems):
                reason = "; ".join(j.name for j in judgements if j.status is Status.FAIL)
                reason = f"{rate:.0f} req/s broke {reason or result.aborted}"
                break
            if problems and not offer_problems(result) and not result.aborted:
                # Late, not short: the rate was offered, so the next step still asks for more,
                # and a break above it settles what this step could not.
                unvouched.append((rate, problems[0]))
                reason = f"every step up to {params.steps} held or was not vouched for"
                rate *= params.factor
                continue
            if problems:
                reason = f"the generator could not vouch for {rate:.0f} req/s ({problems[0]})"
                undecided = True
                break
            if status is Status.UNKNOWN:
                reason = f"{rate:.0f} req/s could not be judged"
                undecided = True
                break
            knee = rate
            rate *= params.factor
        # A step at the peak or above that might have held leaves a knee under the peak open.
        doubtful = [(r, problem) for r, problem in unvouched if r >= peak]
        if doubtful and not undecided:
            r, problem = doubtful[0]
            reason = f"the generator could not vouch for {r:.0f} req/s ({problem}); {reason}"
            undecided = True
        return _stress_outcome(
            self.id,
            path,
            peak=peak,
            knee=knee,
            reason=reason,
            undecided=undecided,
            steps=steps,
            curve=curve,
        )


def _stress_outcome(
    check: str,
    path: str,
    *,
    peak: float,
    knee: float | None,
    reason: str,
    undecided: bool,
    steps: Sequence[tuple[float, LoadResult]],
    curve: Sequence[str],
) -> Outcome:
    """Pass when the knee reaches the peak; otherwise fail, or `unknown` when undecided."""
    facts: dict[str, str | int | float | bool] = {
        "peak": peak,
        "knee": round(knee, 1) if knee is not None else 0.0,
        "steps": len(curve),
    }
    observed = " | ".join(curve)
    required = f"sustainable at {peak:g} req/s or more"
    charts = (_stress_chart(steps),)
    if knee is not None and knee >= peak:
        summary = f"sustains {knee:.0f} req/s (peak {peak:g}); {reason}"
        return Outcome(
            status=Status.PASS,
            summary=summary,
            observed=observed,
            required=required,
            facts=facts,
            charts=charts,
        )
    status = Status.UNKNOWN if undecided else Status.FAIL
    held = f"{knee:.0f} req/s" if knee is not None else "no step"
    summary = f"the highest sustainable rate is {held}, under the peak of {peak:g} req/s: {reason}"
    return Outcome(
        status=status,
        summary=summary,
        observed=observed,
        required=required,
        facts=facts,
        findings=(Finding(message=summary, rule=check, fingerprint=f"{check}:{path}"),),
        charts=charts,
    )


def _step_judgements(
    result: LoadResult,
    limits: Sequence[Threshold],
    error_rate: Threshold | None,
    *,
    rate: float,
    healthy: bool,
) -> list[Judgement]:
    """One stress step's verdicts: its latency and error limits, and whether it kept up."""
    judgements = [judge_latency(result, t, healthy=healthy) for t in limits]
    if error_rate is not None:
        judgements.append(judge_error_rate(result, error_rate, healthy=healthy))
    if (kept_up := overwhelmed(result, rate=rate)) is not None:
        judgements.append(kept_up)
    return judgements


def _stress_chart(steps: Sequence[tuple[float, LoadResult]]) -> Chart:
    """p95 and p99 of each step against the rate it offered."""

    def line(p: float) -> Line:
        points = ((rate, result.latency.percentile(p)) for rate, result in steps)
        return Line(
            name=f"p{p:g}",
            points=tuple(
                (round(rate, 3), round(value * 1000, 3))
                for rate, value in points
                if not math.isnan(value)
            ),
        )

    return Chart(
        title="Latency by offered rate",
        x_label="offered rate (req/s)",
        y_label="latency (ms)",
        lines=(line(95), line(99)),
    )


class LoadSoak(Check):
    """A sustained run keeps memory, CPU and file descriptors within bounds and not growing.

    Offers `rate` for `duration` (at most 14 minutes, within the run's 15) while sampling the
    service's process every `interval`: found by the port it listens on for a loopback target
    (`process = "port"`, the default there, its child processes included), given as
    `process = "pid:1234"`, or read from the Prometheus process metrics at a path
    (`process = "/metrics"`). `memory_usage` limits the peak resident memory, `cpu_usage`
    the mean CPU as a fraction of one core (`<80%` is 0.8 of a core, as top shows 80 %). The
    first 20 % of the run is warm-up, left out of means and trends. Memory must not grow
    faster than `leak` nor open file descriptors faster than `fd_leak`, judged on the
    least-squares slope and its 95 % bounds: growing fails, flat passes, and a run too short
    or too noisy to tell is `unknown`. Growth is judged when `leak`/`fd_leak` are set, or,
    with `<10MB/h` and `<60/h`, when the item sets no other limit.
    """

    id = "load.soak"
    kind = Kind.LIVE
    consent = "load"
    Params = SoakParams
    timeout = 960.0
    exclusive = True
    fix = "Profile memory under the same load (heap snapshots over time) and close what leaks."

    @classmethod
    def plan(cls, params: CheckParams) -> str:
        assert isinstance(params, SoakParams)
        if params.rate is None:
            return "nothing: no rate is set"
        return _load_text(params, params.rate.value) + ", sampling the service's process"

    def run(
        self, params: SoakParams, probes: ProbePolicy, progress: Progress, load_runs: LoadRuns
    ) -> Outcome:
        if params.rate is None:
            raise Unknown('no rate to sustain: set rate = "200 req/s" in the item')
        target, path = _target(probes, params, light=False)
        plan = _plan(target, params, rate=params.rate.value, seconds=params.duration)
        key = (self.id, plan, params.process, params.interval)
        result, sampling, source = load_runs.get(
            key, lambda: soak(self.id, plan, target, params, progress)
        )
        return judge_soak(self.id, result, sampling, source, params, path=path)
