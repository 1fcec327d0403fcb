"""load.results: the item's thresholds judged against results of k6, Locust and wrk runs."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from golive.checks.load_results import LoadResults
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parents[1] / "data" / "load"


def check(report: str | None, root: Path = DATA, **params: Any) -> Outcome:
    if report is not None:
        params["report"] = report
    return run_check(LoadResults, root, **params)


def k6_copy(tmp_path: Path, name: str = "k6-handle-summary.json", **changes: Any) -> Path:
    data = json.loads((DATA / name).read_text())
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        place = data
        for key in parents:
            place = place[key]
        place[last] = value
    path = tmp_path / "k6-summary.json"
    path.write_text(json.dumps(data))
    return path


# --- pass --------------------------------------------------------------------------------------


def test_open_model_k6_results_meeting_every_threshold_pass() -> None:
    outcome = check(
        "k6-handle-summary.json",
        response_time="p95<100ms",
        throughput=">90 req/s",
        error_rate="<1%",
    )
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.summary == (
        "k6 results (k6-handle-summary.json): p95 82.44 ms meets p95 < 100 ms; 99.9 successful "
        "req/s meets > 90 req/s; 0.1% failed of 3,000 requests meets < 1%"
    )
    assert outcome.required == "response time p95 < 100 ms; throughput > 90 req/s; error rate < 1%"
    assert outcome.observed is not None
    assert outcome.observed.startswith("k6 (open model): 3,000 requests in 30.01 s")
    assert outcome.facts["model"] == "open"
    assert outcome.facts["latency_p95_s"] == 0.082441
    assert outcome.facts["age_from"] == "the report's timestamp"


def test_wrk2_is_open_model() -> None:
    outcome = check("wrk2.txt", response_time="p99<25ms", error_rate="<1%", throughput=">900rps")
    assert outcome.status is Status.PASS, outcome.summary


def test_closed_model_throughput_alone_passes() -> None:
    # coordinated omission biases latency, not the rate a closed loop achieved
    outcome = check("locust-ok", throughput=">50 req/s")
    assert outcome.status is Status.PASS, outcome.summary


# --- warn: closed model ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "threshold"),
    [("locust-ok_stats.csv", "p95<10ms"), ("wrk-ok.txt", "p99<10ms"), ("wrk-ok.txt", "avg<1ms")],
)
def test_latency_met_by_a_closed_model_tool_warns(report: str, threshold: str) -> None:
    outcome = check(report, response_time=threshold)
    assert outcome.status is Status.WARN, outcome.summary
    assert "closed-model tool (coordinated omission)" in outcome.summary
    assert outcome.remediation is not None


def test_k6_that_does_not_name_its_executor_warns() -> None:
    outcome = check("k6-summary-v1.json", response_time="<50ms", error_rate="<0.1%")
    assert outcome.status is Status.WARN, outcome.summary
    assert "does not say whether the load was open-model" in outcome.summary


# --- fail --------------------------------------------------------------------------------------


def test_latency_broken_fails() -> None:
    outcome = check("k6-handle-summary.json", response_time="p99<150ms")
    assert outcome.status is Status.FAIL
    assert (
        outcome.summary == "k6 results (k6-handle-summary.json): p99 187.3 ms breaks p99 < 150 ms"
    )
    assert outcome.remediation == LoadResults.fix


def test_error_rate_broken_fails() -> None:
    outcome = check("wrk-errors.txt", error_rate="<1%")
    assert outcome.status is Status.FAIL
    assert "22.8% failed of 351 requests breaks < 1%" in outcome.summary


def test_throughput_missed_fails() -> None:
    outcome = check("wrk2.txt", throughput=">2000 req/s")
    assert outcome.status is Status.FAIL
    assert "999.7 successful req/s breaks > 2000 req/s" in outcome.summary


def test_locust_percentile_clearly_above_the_limit_fails() -> None:
    outcome = check("locust-flaky_stats.csv", response_time="p99<100ms")
    assert outcome.status is Status.FAIL  # 400 ms, rounded to 10 ms
    assert "p99 400 ms (rounded by locust: 395 ms to 405 ms) breaks" in outcome.summary


def test_the_tools_own_failed_thresholds_are_listed() -> None:
    outcome = check("k6-summary-export.json", response_time="p95<200ms")
    assert outcome.status is Status.FAIL
    messages = [f.message for f in outcome.findings]
    assert "k6's own threshold failed: http_req_duration: p(95)<200" in messages


def test_a_named_report_that_is_missing_fails(tmp_path: Path) -> None:
    outcome = check("load/k6-summary.json", tmp_path, error_rate="<1%")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "no load-test results at load/k6-summary.json"


def test_stale_results_fail(tmp_path: Path) -> None:
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    k6_copy(tmp_path, **{"golive.finished": old})
    outcome = check("k6-summary.json", tmp_path, error_rate="<1%", max_age="30d")
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("the load-test results are 40 d old (from the report's")
    assert "results <= 30 d old" in (outcome.required or "")


def test_stale_by_modification_time(tmp_path: Path) -> None:
    shutil.copy(DATA / "wrk2.txt", tmp_path / "wrk2.txt")
    week_ago = time.time() - 7 * 86400
    os.utime(tmp_path / "wrk2.txt", (week_ago, week_ago))
    outcome = check("wrk2.txt", tmp_path, error_rate="<1%", max_age="1d")
    assert outcome.status is Status.FAIL
    assert "the report file's modification time" in outcome.summary
    fresh = check("wrk2.txt", tmp_path, error_rate="<1%", max_age="8d")
    assert fresh.status is Status.PASS, fresh.summary


def test_fresh_results_pass(tmp_path: Path) -> None:
    k6_copy(tmp_path, **{"golive.finished": datetime.now(UTC).isoformat()})
    outcome = check(None, tmp_path, error_rate="<1%", max_age="1h")  # found by its default name
    assert outcome.status is Status.PASS, outcome.summary


# --- unknown -----------------------------------------------------------------------------------


def test_a_missing_statistic_is_never_interpolated() -> None:
    outcome = check("k6-summary-v1.json", response_time="p99.9<200ms")
    assert outcome.status is Status.UNKNOWN
    assert "the report has min, p50, p90, p95, p99, avg, max but not p99.9" in outcome.summary


def test_too_few_samples_for_the_percentile() -> None:
    outcome = check("locust-ok_stats.csv", response_time="p99<10ms")
    assert outcome.status is Status.UNKNOWN
    assert "p99 needs at least 1000 responses (205 counted)" in outcome.summary


@pytest.mark.parametrize("threshold", ["p95<1ms", "p95<=1ms", "p95>0.8ms"])
def test_a_locust_rounding_that_straddles_the_limit(threshold: str) -> None:
    outcome = check("locust-ok_stats.csv", response_time=threshold)
    assert outcome.status is Status.UNKNOWN
    assert "(rounded by locust: 0.5 ms to 1.5 ms) may or may not meet" in outcome.summary


def test_too_few_requests_to_bound_the_error_rate() -> None:
    # 0 of 12,000 failed, but the 95 % bound (~0.025 %) is not under 0.01 %
    outcome = check("k6-summary-v1.json", error_rate="<0.01%")
    assert outcome.status is Status.UNKNOWN
    assert "too few requests to be sure: the 95% bound is 0.025%" in outcome.summary


def test_dropped_iterations_make_every_verdict_unknown() -> None:
    outcome = check("k6-dropped.json", response_time="<100ms", throughput=">1000 req/s")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.endswith(
        "but 5,690 iteration(s) were dropped: the generator could not offer the planned rate"
    )
    broken = check("k6-dropped.json", response_time="<50ms")
    assert broken.status is Status.UNKNOWN  # part of the latency may be the generator's


def test_errors_seen_by_a_saturated_generator_still_fail(tmp_path: Path) -> None:
    k6_copy(
        tmp_path,
        "k6-dropped.json",
        **{"metrics.http_req_failed.values": {"rate": 0.2, "passes": 4862, "fails": 19448}},
    )
    outcome = check("k6-summary.json", tmp_path, error_rate="<1%", response_time="<100ms")
    assert outcome.status is Status.FAIL
    assert "20% failed of 24,310 requests breaks < 1%" in outcome.summary


def test_no_threshold_is_unknown() -> None:
    outcome = check("wrk-ok.txt")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("no threshold to judge the load-test results by")
    assert outcome.observed is not None  # what was read is still shown


def test_no_report_named_and_none_in_the_default_places(tmp_path: Path) -> None:
    outcome = check(None, tmp_path, error_rate="<1%")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("no load-test results named: set `report`")


def test_a_report_outside_the_repository(tmp_path: Path) -> None:
    outcome = check("../load/wrk-ok.txt", tmp_path / "repo", error_rate="<1%")
    assert outcome.status is Status.UNKNOWN
    assert "outside the repository" in outcome.summary


def test_an_unreadable_report_points_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "k6.json").write_text('{\n  "metrics": {\n    "http_reqs": ,\n}')
    outcome = check("results/k6.json", tmp_path, error_rate="<1%")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith(
        "the load-test report cannot be read: results/k6.json:3: not JSON"
    )
    (finding,) = outcome.findings
    assert finding.location is not None
    assert (finding.location.path, finding.location.line) == ("results/k6.json", 3)


def test_format_forces_the_reader() -> None:
    outcome = check("k6-handle-summary.json", format="wrk", error_rate="<1%")
    assert outcome.status is Status.UNKNOWN
    assert 'no "N requests in T" line' in outcome.summary


def test_a_report_without_requests(tmp_path: Path) -> None:
    (tmp_path / "wrk.txt").write_text("  0 requests in 1.00s, 0B read\nRequests/sec:      0.00\n")
    outcome = check("wrk.txt", tmp_path, error_rate="<1%")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == "the wrk report counts no request"


def test_thresholds_of_the_wrong_dimension_are_configuration_errors() -> None:
    with pytest.raises(ValidationError, match="wrong dimension"):
        check("wrk-ok.txt", response_time="<1%")
    with pytest.raises(ValidationError, match="format"):
        check("wrk-ok.txt", format="jmeter", error_rate="<1%")


def test_latency_met_without_the_responses_wrk_timed_out_is_unknown() -> None:
    outcome = check("wrk-errors.txt", response_time="p99<1s")
    assert outcome.status is Status.UNKNOWN
    assert "8 slower response(s) timed out and are not in wrk's latency figures" in outcome.summary
    broken = check("wrk-errors.txt", response_time="p99<100ms")
    assert broken.status is Status.FAIL  # the missing ones could only make it worse
