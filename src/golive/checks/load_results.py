"""Load-test evidence: results made by k6, Locust or wrk, judged against the item's thresholds."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from golive.checks.base import Check, CheckParams, failed, passed, unknown, warned
from golive.checks.params import Duration, DurationThreshold, RateThreshold, RatioThreshold
from golive.load.external import (
    ExternalResult,
    ExternalResultError,
    locate,
    read_results,
)
from golive.model import Finding, Kind, Location, Outcome, Status
from golive.stats import hardest_bound
from golive.thresholds import Threshold, describe_duration, min_samples

__all__ = ["DEFAULT_REPORTS", "LoadResults", "ResultsParams"]

# What golive's k6 and Locust exports write, looked for when the item names no report.
DEFAULT_REPORTS = ("k6-summary.json", "locust_stats.csv")
_CLOSED_NOTE = (
    "closed-model tool (coordinated omission): tail latencies may be understated; an "
    "open-model run (k6 constant-arrival-rate, wrk2) measures them"
)
_UNSAID_NOTE = (
    "the report does not say whether the load was open-model; under a closed model (k6 VU "
    "executors) tail latencies may be understated (coordinated omission)"
)


class ResultsParams(CheckParams):
    report: str | None = None  # k6 summary JSON, Locust _stats.csv (or --csv prefix), wrk text
    format: Literal["auto", "k6", "locust", "wrk"] = "auto"
    response_time: DurationThreshold | None = None  # `p95<100ms`; the statistic defaults to p95
    throughput: RateThreshold | None = None  # `>1000 req/s`, successful responses per second
    error_rate: RatioThreshold | None = None  # `<1%`
    max_age: Duration | None = None  # results older than this fail


class LoadResults(Check):
    """Load-test results made elsewhere (k6, Locust, wrk) meet the thresholds.

    Reads the results file named by `report`, relative to the repository (without it,
    k6-summary.json or locust_stats.csv, the names golive's k6 and Locust exports write): a k6
    end-of-test summary (handleSummary JSON, --summary-export or the machine-readable
    summary), a Locust `<prefix>_stats.csv` (or the prefix), or the text of `wrk --latency`
    or wrk2. `format` forces one reader. Then it judges each threshold given:

    - `response_time`: its statistic (p95 by default) must be in the report, never
      interpolated from others; p(q) needs 10 / (1 - q/100) responses (p95: 200) to pass.
      Locust rounds its percentiles: a value whose rounding straddles the limit is unknown;
      so is a latency met while wrk left timed-out responses out of its figures.
    - `throughput`: successful responses per second over the run (k6 and Locust include the
      ramp-up, which only lowers it).
    - `error_rate`: failed requests over all; passes only when the one-sided 95 %
      Clopper-Pearson bound meets it too (`<1%` needs about 300 requests without a failure).

    Any threshold broken fails. A k6 run that dropped iterations could not offer the planned
    rate, so its generator was saturated: every threshold is unknown then, except an error
    rate broken, which fails (the errors were the service's). A latency met by a closed-model
    tool (Locust, wrk, k6 VU executors), or by a k6 run whose summary does not say, warns:
    coordinated omission hides stalls. A report named but absent fails; no report named and
    none in the default places, no threshold, or an unreadable file is unknown. With
    `max_age`, results older than it (by the time inside the report, else the file's
    modification time) fail.
    """

    id = "load.results"
    kind = Kind.EVIDENCE
    Params = ResultsParams
    fix = (
        "Fix what breaks the thresholds and run the load test again, with an open-model "
        "generator where latency matters (k6's constant-arrival-rate executor, wrk2); keep "
        "its results at `report`."
    )

    def run(self, params: ResultsParams, root: Path) -> Outcome:
        base = root.resolve()
        if params.report is not None:
            path = (base / params.report).resolve()
            if not path.is_relative_to(base):
                return unknown(f"the load-test report {params.report} is outside the repository")
            found = locate(path)
            if found is None:
                return failed(
                    f"no load-test results at {params.report}",
                    required=f"the results of a load test at {params.report}",
                    remediation=self.fix,
                )
        else:
            present = [p for name in DEFAULT_REPORTS if (p := locate(base / name)) is not None]
            if not present:
                return unknown(
                    "no load-test results named: set `report` to a k6 summary, a Locust "
                    f"_stats.csv or wrk output (none at {' or '.join(DEFAULT_REPORTS)})"
                )
            found = max(present, key=lambda p: p.stat().st_mtime)
        shown = found.relative_to(base).as_posix()
        try:
            result = read_results(found, params.format, shown=shown)
        except ExternalResultError as exc:
            where = Location(path=shown, line=exc.line)
            return unknown(
                f"the load-test report cannot be read: {exc}",
                findings=[Finding(message=exc.message, location=where, rule=self.id)],
            )
        return _judge(params, result, shown, found.stat().st_mtime, self)


@dataclass(frozen=True, kw_only=True)
class _Verdict:
    status: Status
    text: str


def _judge(
    params: ResultsParams, result: ExternalResult, shown: str, mtime: float, check: Check
) -> Outcome:
    age, age_from = (
        (time.time() - result.finished.timestamp(), "the report's timestamp")
        if result.finished is not None
        else (time.time() - mtime, "the report file's modification time")
    )
    facts = _facts(result, shown, age, age_from)
    observed = _observed(result)
    where = Location(path=shown)
    findings = [Finding(message=note, location=where, rule=check.id) for note in result.notes]
    findings += [
        Finding(message=f"{result.tool}'s own threshold failed: {name}", location=where)
        for name, held in result.thresholds.items()
        if not held
    ]
    goals = [
        (name, threshold)
        for name, threshold in (
            ("response time", params.response_time),
            ("throughput", params.throughput),
            ("error rate", params.error_rate),
        )
        if threshold is not None
    ]
    if not goals:
        return unknown(
            "no threshold to judge the load-test results by: set response_time, throughput "
            "or error_rate",
            observed=observed,
            findings=findings,
            facts=facts,
        )
    required = "; ".join(f"{name} {threshold}" for name, threshold in goals)
    if params.max_age is not None:
        required += f"; results <= {describe_duration(params.max_age)} old"
        if age > params.max_age:
            return failed(
                f"the load-test results are {describe_duration(max(age, 0))} old (from "
                f"{age_from}), older than {describe_duration(params.max_age)}",
                observed=observed,
                required=required,
                findings=findings,
                remediation=check.fix,
                facts=facts,
            )
    if result.requests <= 0:
        return unknown(
            f"the {result.tool} report counts no request", observed=observed, facts=facts
        )
    verdicts = [_verdict(name, threshold, result) for name, threshold in goals]
    broken = [v.text for v in verdicts if v.status is Status.FAIL]
    undecided = [v.text for v in verdicts if v.status is Status.UNKNOWN]
    head = f"{result.tool} results ({shown})"
    if result.dropped:
        undecided.append(
            f"but {result.dropped:,} iteration(s) were dropped: the generator could not offer "
            "the planned rate"
        )
    if broken:
        return failed(
            f"{head}: " + "; ".join(broken + undecided),
            observed=observed,
            required=required,
            findings=findings,
            remediation=check.fix,
            facts=facts,
        )
    if undecided:
        return unknown(
            f"{head}: " + "; ".join(undecided),
            observed=observed,
            required=required,
            findings=findings,
            facts=facts,
        )
    met = "; ".join(v.text for v in verdicts)
    if params.response_time is not None and result.model != "open":
        caveat = _CLOSED_NOTE if result.model == "closed" else _UNSAID_NOTE
        return warned(
            f"{head}: {met}; but {caveat}",
            observed=observed,
            required=required,
            findings=findings,
            remediation=check.fix,
            facts=facts,
        )
    return passed(
        f"{head}: {met}", observed=observed, required=required, findings=findings, facts=facts
    )


def _verdict(name: str, threshold: Threshold, result: ExternalResult) -> _Verdict:
    match name:
        case "response time":
            verdict = _response_time(threshold, result)
        case "throughput":
            verdict = _throughput(threshold, result)
        case _:
            verdict = _error_rate(threshold, result)
    # A saturated generator proves nothing it measured but the errors it saw: a throughput
    # missed may be its own limit, and a latency partly its own delay.
    if result.dropped and (verdict.status is Status.PASS or name != "error rate"):
        return _Verdict(status=Status.UNKNOWN, text=verdict.text)
    return verdict


def _response_time(threshold: Threshold, result: ExternalResult) -> _Verdict:
    statistic = threshold.statistic or "p95"
    key = "p50" if statistic == "median" else statistic
    value = result.latency.get(key)
    if value is None:
        have = ", ".join(sorted(result.latency, key=_order)) or "no latency statistics"
        return _Verdict(
            status=Status.UNKNOWN,
            text=f"the report has {have} but not {statistic}, and golive does not interpolate",
        )
    width = result.latency_rounding.get(key, 0.0)
    shown = f"{statistic} {_time(value)}" + (
        f" (rounded by {result.tool}: {_time(value - width)} to {_time(value + width)})"
        if width
        else ""
    )
    low, high = threshold.holds(value - width), threshold.holds(value + width)
    if not low and not high:
        return _Verdict(status=Status.FAIL, text=f"{shown} breaks {threshold}")
    if low != high:
        return _Verdict(status=Status.UNKNOWN, text=f"{shown} may or may not meet {threshold}")
    if result.latency_excluded:
        return _Verdict(
            status=Status.UNKNOWN,
            text=f"{shown} meets {threshold}, but {result.latency_excluded:,} slower "
            f"response(s) timed out and are not in {result.tool}'s latency figures",
        )
    samples = result.latency_samples if result.latency_samples is not None else result.requests
    need = min_samples(statistic)
    if samples < need:
        return _Verdict(
            status=Status.UNKNOWN,
            text=f"{shown} meets {threshold}, but {statistic} needs at least {need} responses "
            f"({samples} counted)",
        )
    return _Verdict(status=Status.PASS, text=f"{shown} meets {threshold}")


def _throughput(threshold: Threshold, result: ExternalResult) -> _Verdict:
    goodput = result.goodput
    if goodput is None:
        return _Verdict(
            status=Status.UNKNOWN, text="the report gives no rate of successful responses"
        )
    shown = f"{goodput:,.1f} successful req/s"
    if threshold.holds(goodput):
        return _Verdict(status=Status.PASS, text=f"{shown} meets {threshold}")
    return _Verdict(status=Status.FAIL, text=f"{shown} breaks {threshold}")


def _error_rate(threshold: Threshold, result: ExternalResult) -> _Verdict:
    if result.failures is None:
        return _Verdict(status=Status.UNKNOWN, text="the report does not count failed requests")
    ratio = result.failures / result.requests
    shown = f"{_percent(ratio)} failed of {result.requests:,} requests"
    if not threshold.holds(ratio):
        return _Verdict(status=Status.FAIL, text=f"{shown} breaks {threshold}")
    worst = hardest_bound(threshold, result.failures, result.requests)
    if not threshold.holds(worst):
        return _Verdict(
            status=Status.UNKNOWN,
            text=f"{shown} meets {threshold}, but too few requests to be sure: the 95% bound "
            f"is {_percent(worst)}",
        )
    return _Verdict(status=Status.PASS, text=f"{shown} meets {threshold}")


def _observed(result: ExternalResult) -> str:
    model = f"{result.model} model" if result.model else "model unknown"
    parts = [f"{result.tool} ({model}): {result.requests:,} requests"]
    if result.duration is not None:
        parts[0] += f" in {describe_duration(result.duration)}"
    if result.rate is not None:
        parts.append(f"{result.rate:,.1f} req/s")
    if (ratio := result.failed_ratio) is not None:
        parts.append(f"{_percent(ratio)} failed")
    parts += [
        f"{key} {_time(result.latency[key])}"
        for key in ("p50", "p95", "p99")
        if key in result.latency
    ]
    if result.dropped:
        parts.append(f"{result.dropped:,} dropped")
    return ", ".join(parts)


def _facts(
    result: ExternalResult, shown: str, age: float, age_from: str
) -> dict[str, str | int | float | bool]:
    facts: dict[str, str | int | float | bool] = {
        "report": shown,
        "tool": result.tool,
        "format": result.format,
        "model": result.model or "unknown",
        "requests": result.requests,
        "age": describe_duration(max(age, 0)),
        "age_s": round(age, 1),
        "age_from": age_from,
    }
    optional = {
        "version": result.version,
        "duration_s": result.duration,
        "rate": result.rate,
        "goodput": result.goodput,
        "failures": result.failures,
        "failed_ratio": result.failed_ratio,
        "dropped": result.dropped,
        "latency_samples": result.latency_samples,
    }
    facts |= {
        key: round(value, 6) if isinstance(value, float) else value
        for key, value in optional.items()
        if value is not None
    }
    facts |= {f"latency_{key}_s": round(v, 6) for key, v in result.latency.items()}
    facts |= {f"threshold {name}": held for name, held in result.thresholds.items()}
    return facts


def _order(key: str) -> tuple[int, float]:
    if key.startswith("p"):
        return 1, float(key[1:])
    return {"min": (0, 0.0), "avg": (2, 0.0), "max": (3, 0.0)}.get(key, (4, 0.0))


def _time(seconds: float) -> str:
    return f"{seconds * 1000:.4g} ms" if seconds < 1 else f"{seconds:.4g} s"


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.3g}%"
