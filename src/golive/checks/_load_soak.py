"""The soak test: a sustained load run with the service's process sampled alongside, and the
verdict on its memory, CPU and file descriptors; and the charts every load run carries."""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from golive.checks._load_judge import (
    Judgement,
    generator_problems,
    judge_error_rate,
    percentiles_text,
    worst,
)
from golive.checks.base import Unknown
from golive.checks.fixtures import Progress
from golive.load import LoadPlan, LoadResult, Second, run_open
from golive.load.resources import (
    Growth,
    ProcessSource,
    ResourceUnavailable,
    Sample,
    Sampler,
    Sampling,
    analyse,
    judge_growth,
    parse_growth_bound,
    sample_from_exposition,
)
from golive.model import Chart, Finding, Line, Outcome, Status
from golive.probes.http import HttpError, request
from golive.probes.safety import PinnedTarget
from golive.thresholds import Dimension, describe_duration

if TYPE_CHECKING:
    from golive.checks.load import SoakParams

__all__ = ["judge_soak", "latency_charts", "soak"]

_MB = 1_000_000
# Percentiles of the latency chart; one is drawn when at least one sample lies above it.
_PERCENTILES = (
    *range(0, 100, 10), 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999,
)  # fmt: skip


def latency_charts(result: LoadResult) -> tuple[Chart, ...]:
    """Latency over the measured phase (p50 and p99 of each second) and by percentile (the
    whole run's histogram, on a nines axis), in milliseconds."""
    over_time = Chart(
        title="Latency over time",
        x_label="seconds of the measured phase",
        y_label="latency (ms)",
        lines=(
            Line(name="p50", points=_per_second(result.timeline, "p50")),
            Line(name="p99", points=_per_second(result.timeline, "p99")),
        ),
    )
    count = result.latency.count
    by_percentile = Chart(
        title="Latency by percentile",
        x_label="percentile",
        y_label="latency (ms)",
        lines=(
            Line(
                name="latency",
                points=tuple(
                    (float(p), _ms(result.latency.percentile(p)))
                    for p in _PERCENTILES
                    if count * (1 - p / 100) >= 1
                ),
            ),
        ),
        x_scale="nines",
    )
    return over_time, by_percentile


def _per_second(timeline: Sequence[Second], statistic: str) -> tuple[tuple[float, float], ...]:
    values = ((second.t, getattr(second, statistic)) for second in timeline)
    return tuple((round(t, 3), _ms(value)) for t, value in values if not math.isnan(value))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _memory_chart(samples: Sequence[Sample]) -> tuple[Chart, ...]:
    points = tuple(
        (round(s.t, 3), round(s.rss_bytes / _MB, 3)) for s in samples if s.rss_bytes is not None
    )
    if not points:
        return ()
    return (
        Chart(
            title="Memory over time",
            x_label="seconds of sampling",
            y_label="resident memory (MB)",
            lines=(Line(name="rss", points=points),),
        ),
    )


def _source(target: PinnedTarget, process: str | None) -> tuple[Callable[[float], Sample], str]:
    """Where the service's resources are read, and how that is described."""
    local = ipaddress.ip_address(target.address.split("%", 1)[0]).is_loopback
    choice = process or ("port" if local else None)
    if choice is None:
        raise Unknown(
            f"target {target.name} is not on this machine: name a metrics path with "
            'process = "/metrics" to read its process metrics'
        )
    try:
        if choice == "port":
            if not local:
                raise Unknown(
                    f'process = "port" needs a target on this machine; {target.name} is at '
                    f"{target.address}"
                )
            return ProcessSource.listening(
                target.origin.port
            ), f"the process on port {target.origin.port}"
        if choice.startswith("pid:"):
            if not local:
                raise Unknown(f'process = "{choice}" needs a target on this machine')
            pid = int(choice[4:])
            return ProcessSource(pid, children=True), f"process {pid}"
    except ResourceUnavailable as exc:
        raise Unknown(f"cannot sample the service's process: {exc}") from None
    path = choice

    def scrape(t: float) -> Sample:
        try:
            response = request(target, "GET", path, timeout=5.0, keep=4 * 1024 * 1024)
        except HttpError as exc:
            raise ResourceUnavailable(f"GET {path} failed: {exc}") from None
        if response.status != 200:
            raise ResourceUnavailable(f"GET {path} answered {response.status}")
        openmetrics = response.content_type == "application/openmetrics-text"
        return sample_from_exposition(response.body, t, openmetrics=openmetrics)

    return scrape, f"the process metrics at {path}"


def soak(
    check: str, plan: LoadPlan, target: PinnedTarget, params: SoakParams, progress: Progress
) -> tuple[LoadResult, Sampling, str]:
    """Run `plan` while sampling the service's process; both bounded by the plan's length."""
    source, described = _source(target, params.process)
    seconds = sum(stage.seconds for stage in plan.stages) + 30.0

    def show(second: object) -> None:
        t = getattr(second, "t", 0.0)
        progress(check, f"soak {t:.0f}/{params.duration:.0f} s")

    with Sampler(source, seconds=seconds, interval=params.interval) as sampler:
        result = run_open(plan, progress=show)
        sampling = sampler.stop()
    return result, sampling, described


def judge_soak(
    check: str,
    result: LoadResult,
    sampling: Sampling,
    source: str,
    params: SoakParams,
    *,
    path: str,
) -> Outcome:
    local = source.startswith(("the process on", "process "))
    report = analyse(sampling.samples, cores=os.cpu_count() if local else None)
    judgements: list[Judgement] = []
    healthy = not generator_problems(result)
    if params.memory_usage is not None:
        if report.rss_peak is None:
            judgements.append(_unknown("memory", "no memory sample", sampling))
        else:
            peak = f"peak {report.rss_peak / _MB:.1f} MB"
            ok = params.memory_usage.holds(report.rss_peak)
            judgements.append(
                Judgement(
                    status=Status.PASS if ok else Status.FAIL,
                    name=f"memory {params.memory_usage.comparator} {params.memory_usage.quantity}",
                    observed=peak,
                    reason=peak,
                )
            )
    if params.cpu_usage is not None:
        if report.cpu_mean is None:
            judgements.append(_unknown("cpu", "no CPU samples", sampling))
        else:
            mean = f"mean {report.cpu_mean:.0%} of a core"
            ok = params.cpu_usage.holds(report.cpu_mean)
            judgements.append(
                Judgement(
                    status=Status.PASS if ok else Status.FAIL,
                    name=f"cpu {params.cpu_usage.comparator} {params.cpu_usage.quantity}",
                    observed=mean,
                    reason=mean,
                )
            )
    others = (params.memory_usage, params.cpu_usage, params.error_rate)
    leaks = all(limit is None for limit in others)  # an item about leaks alone
    leak = params.leak or ("<10MB/h" if leaks else None)
    fd_leak = params.fd_leak or ("<60/h" if leaks else None)
    if leak is not None:
        judgements.append(_growth("memory growth", report.rss_trend, leak, Dimension.SIZE))
    if fd_leak is not None and report.fds_first is not None:
        judgements.append(_growth("descriptor growth", report.fds_trend, fd_leak, Dimension.COUNT))
    if params.error_rate is not None:
        judgements.append(judge_error_rate(result, params.error_rate, healthy=healthy))
    status = worst(judgements)
    problems = generator_problems(result)
    if problems and status is Status.PASS:
        status = Status.UNKNOWN
    findings = [Finding(message=f"generator: {p}", rule=f"{check}.generator") for p in problems]
    findings += [
        Finding(message=f"{j.name}: {j.reason}", rule=check, fingerprint=f"{check}:{path}:{j.name}")
        for j in judgements
        if j.status is not Status.PASS
    ]
    shown = [j for j in judgements if j.status is not Status.PASS] or judgements
    summary = "; ".join(f"{j.name}: {j.observed}" for j in shown)
    if (
        problems
        and status is Status.UNKNOWN
        and not any(j.status is Status.UNKNOWN for j in judgements)
    ):
        summary = f"the generator could not vouch for the run ({problems[0]}); {summary}"
    observed = (
        f"{report.samples} samples of {source} over {describe_duration(report.seconds)}; "
        f"{result.achieved_rate:.0f} req/s for {describe_duration(result.measured_seconds)}, "
        f"{percentiles_text(result, (50, 99))}"
    )
    facts: dict[str, str | int | float | bool] = {
        "samples": report.samples,
        "offered_rate": round(result.plan_rate, 1),
        "achieved_rate": round(result.achieved_rate, 1),
    }
    if report.rss_peak is not None:
        facts["rss_peak_mb"] = round(report.rss_peak / _MB, 2)
    if report.cpu_mean is not None:
        facts["cpu_mean"] = round(report.cpu_mean, 4)
    if report.rss_trend.points >= 2:
        facts["rss_growth_mb_per_h"] = round(report.rss_trend.per_hour / _MB, 3)
    if report.fds_growth is not None:
        facts["fds_growth"] = report.fds_growth
    return Outcome(
        status=status,
        summary=summary,
        observed=observed,
        required=", ".join(j.name for j in judgements),
        findings=tuple(findings),
        facts=facts,
        charts=(*latency_charts(result), *_memory_chart(sampling.samples)),
    )


def _unknown(name: str, what: str, sampling: Sampling) -> Judgement:
    why = "; ".join(sampling.reasons) or sampling.ended
    return Judgement(status=Status.UNKNOWN, name=name, observed=what, reason=f"{what} ({why})")


def _growth(name: str, trend: object, bound_text: str, dimension: Dimension) -> Judgement:
    from golive.load.resources import Trend

    assert isinstance(trend, Trend)
    bound = parse_growth_bound(bound_text, dimension=dimension)
    verdict = judge_growth(trend, bound)
    status = {
        Growth.GROWING: Status.FAIL,
        Growth.FLAT: Status.PASS,
    }.get(verdict.growth, Status.UNKNOWN)
    return Judgement(
        status=status, name=f"{name} {bound}", observed=verdict.reason, reason=verdict.reason
    )
