"""Readers of k6, Locust and wrk results: real output of Locust and wrk runs (tests/data/load,
made against a local server), k6 summaries in each of k6's three shapes, and bad input."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from livekit import Nginx

from golive.load.external import ExternalResultError, locate, read_results, statistic_key

DATA = Path(__file__).parents[1] / "data" / "load"


# --- k6 ----------------------------------------------------------------------------------------


def test_k6_handle_summary() -> None:
    result = read_results(DATA / "k6-handle-summary.json")
    assert (result.tool, result.format, result.model) == ("k6", "k6 handleSummary JSON", "open")
    assert result.requests == 3000
    assert result.failures == 3
    assert result.failed_ratio == pytest.approx(0.001)
    assert result.rate == pytest.approx(99.95857)
    assert result.goodput == pytest.approx(99.95857 * 0.999)
    assert result.duration == pytest.approx(30.012431)
    assert result.latency["p95"] == pytest.approx(0.0824406)
    assert result.latency["p50"] == pytest.approx(0.0245512)  # k6's "med"
    assert set(result.latency) == {"avg", "min", "p50", "max", "p90", "p95", "p99"}
    assert result.latency_samples == 3000
    assert result.dropped == 0
    assert result.thresholds == {
        "http_req_duration: p(95)<100": True,
        "http_req_failed: rate<0.01": True,
    }
    assert result.finished == datetime(2026, 11, 20, 10, 15, 2, 118000, tzinfo=UTC)
    assert result.notes == ()


def test_k6_summary_export_thresholds_are_inverted() -> None:
    # --summary-export writes true for a FAILED threshold (k6 #1498)
    result = read_results(DATA / "k6-summary-export.json")
    assert result.format == "k6 --summary-export JSON"
    assert result.thresholds == {
        "http_req_duration: p(95)<200": False,
        "http_req_failed: rate<0.05": True,
    }
    assert result.failures == 43  # http_req_failed "value" 0.0358 of 1200
    assert result.duration == pytest.approx(1200 / 19.98)
    assert result.model is None
    assert any("does not say which executor" in note for note in result.notes)
    assert "p99" not in result.latency


def test_k6_machine_readable_summary() -> None:
    result = read_results(DATA / "k6-summary-v1.json")
    assert result.format == "k6 machine-readable summary v1.0.0"
    assert result.version == "1.5.0"
    assert result.duration == 60.0
    assert result.finished == datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    assert result.thresholds == {"all thresholds": True}
    assert result.latency["p99"] == pytest.approx(0.0613)
    assert (result.requests, result.failures) == (12000, 0)


def test_k6_dropped_iterations() -> None:
    result = read_results(DATA / "k6-dropped.json")
    assert result.dropped == 5690
    assert result.latency_samples is None  # "count" is not among its summaryTrendStats
    assert result.thresholds["http_reqs{expected_response:true}: rate>1000"] is False


def test_k6_without_http_req_failed_notes_it(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    summary.write_text('{"metrics": {"http_reqs": {"values": {"count": 10, "rate": 1}}}}')
    result = read_results(summary)
    assert result.failures is None
    assert result.failed_ratio is None
    assert result.goodput is None
    assert any("http_req_failed" in note for note in result.notes)
    assert any("http_req_duration" in note for note in result.notes)


def test_k6_closed_executor(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    summary.write_text(
        '{"metrics": {"http_reqs": {"values": {"count": 10, "rate": 1}}},'
        ' "golive": {"scenarios": {"a": {"executor": "constant-arrival-rate"},'
        ' "b": {"executor": "constant-vus"}}}}'
    )
    assert read_results(summary).model == "closed"


# --- Locust ------------------------------------------------------------------------------------


def test_locust_stats_csv() -> None:
    result = read_results(DATA / "locust-ok_stats.csv")
    assert (result.tool, result.model) == ("locust", "closed")
    assert (result.requests, result.failures) == (205, 0)
    assert result.rate == pytest.approx(102.3808938094751)
    assert result.latency["p95"] == 0.001
    assert result.latency_rounding["p95"] == 0.0005  # rounded to the millisecond
    assert result.latency["max"] == pytest.approx(0.04224721600076009)  # exact, not rounded
    assert "max" not in result.latency_rounding
    assert result.latency["p99.9"] == 0.042
    assert result.finished == datetime.fromtimestamp(1795304428, UTC)  # _stats_history.csv
    assert any("coordinated omission" in note for note in result.notes)


def test_locust_failures_and_statuses() -> None:
    result = read_results(DATA / "locust-flaky_stats.csv")
    assert (result.requests, result.failures) == (89, 10)
    assert result.statuses == {500: 10}
    assert result.errors == {"LocustBadStatusCode(code=500)": 10}
    assert result.latency_rounding["p99"] == 0.005  # 400 ms: rounded to 10 ms


def test_locust_prefix_is_located() -> None:
    assert locate(DATA / "locust-ok") == DATA / "locust-ok_stats.csv"
    assert locate(DATA / "nothing") is None


def test_locust_history_file_is_refused() -> None:
    with pytest.raises(ExternalResultError, match=r"_stats_history.csv; name the _stats.csv"):
        read_results(DATA / "locust-ok_stats_history.csv")


# --- wrk ---------------------------------------------------------------------------------------


def test_wrk_output() -> None:
    result = read_results(DATA / "wrk-ok.txt")
    assert (result.tool, result.model) == ("wrk", "closed")
    assert (result.requests, result.failures, result.duration) == (133178, 0, 2.0)
    assert result.latency == pytest.approx(
        {
            "avg": 375.69e-6,
            "max": 9.75e-3,
            "p50": 83e-6,
            "p75": 233e-6,
            "p90": 1.02e-3,
            "p99": 4.06e-3,
        }
    )
    assert any("coordinated omission" in note for note in result.notes)


def test_wrk_status_and_socket_errors() -> None:
    mixed = read_results(DATA / "wrk-mixed.txt")
    assert mixed.errors == {"status": 26430}
    assert mixed.failures == 26430
    errors = read_results(DATA / "wrk-errors.txt")
    # 336 completed (57 with a 4xx/5xx, 8 past the timeout) and 15 read errors
    assert errors.errors == {"status": 57, "timeout": 8, "read": 15}
    assert (errors.requests, errors.failures) == (351, 80)
    assert errors.latency_samples == 336 - 8  # wrk keeps timed-out responses out
    assert errors.latency_excluded == 8
    assert errors.rate == pytest.approx(351 / 4.01)


def test_wrk2_reads_the_corrected_distribution() -> None:
    result = read_results(DATA / "wrk2.txt")
    assert (result.tool, result.model) == ("wrk2", "open")
    assert result.latency["p99"] == pytest.approx(0.02131)  # not the uncorrected 4.87 ms
    assert result.latency["p99.9"] == pytest.approx(0.0527)
    assert result.latency["max"] == pytest.approx(0.06147)
    assert result.latency_samples == 20003  # the histogram's count, after calibration
    assert result.errors == {"status": 12}


def test_wrk_units(tmp_path: Path) -> None:
    out = tmp_path / "wrk.txt"
    out.write_text(
        "Running 2m test @ http://127.0.0.1:8080/\n"
        "  Latency Distribution\n     50%    1.50s \n     99%    1.10m\n"
        "  100 requests in 2.00m, 1.00KB read\nRequests/sec:      0.83\n"
    )
    result = read_results(out)
    assert result.latency == pytest.approx({"p50": 1.5, "p99": 66.0})
    assert result.duration == 120.0
    assert not any("--latency" in note for note in result.notes)


def test_wrk_without_latency_flag_notes_it(tmp_path: Path) -> None:
    out = tmp_path / "wrk.txt"
    out.write_text("  10 requests in 1.00s, 1.00KB read\nRequests/sec:     10.00\n")
    assert any("--latency" in note for note in read_results(out).notes)


@pytest.mark.slow
def test_wrk_run_against_nginx(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk)")
    server = 'server { listen 127.0.0.1:{web}; location / { return 200 "ok"; } }'
    with Nginx(tmp_path / "nginx", server) as nginx:
        url = f"http://127.0.0.1:{nginx.ports['web']}/"
        run = subprocess.run(
            ["wrk", "-t1", "-c4", "-d1s", "--latency", url],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    out = tmp_path / "wrk.txt"
    out.write_text(run.stdout)
    result = read_results(out)
    assert result.requests > 100
    assert result.failures == 0
    assert set(result.latency) >= {"p50", "p75", "p90", "p99", "avg", "max"}


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "format", "message"),
    [
        ('{"metrics": {\n  "http_reqs": }', "auto", r"s.txt:2: not JSON: Expecting value"),
        ("[1, 2]", "auto", r"s.txt:1: expected a JSON object"),
        ('{"state": {}}', "auto", r'no "metrics" object'),
        ('{\n"metrics": {"vus": {"values": {"value": 1}}}}', "auto", r"s.txt:2: no http_reqs"),
        ('{"version": "1.0.0", "results": {"metrics": 3}}', "auto", r'"results.metrics" is not'),
        ("Type,Name,Failure Count\n", "auto", r"s.txt:1: not a Locust _stats.csv: no column"),
        (
            "Type,Name,Request Count,Failure Count,Requests/s\nGET,/,3,0,1.0\n",
            "auto",
            r'2: no "Aggregated" row',
        ),
        (
            "Type,Name,Request Count,Failure Count,Requests/s\n,Aggregated,3,0\n",
            "auto",
            r"s.txt:2: the Aggregated row has 4 fields, the header 5",
        ),
        (
            "Type,Name,Request Count,Failure Count,Requests/s\n,Aggregated,x,0,1\n",
            "auto",
            r's.txt:2: "Request Count" is not a number',
        ),
        ("Running 1s test\nRequests/sec: 10\n", "auto", r'no "N requests in T" line'),
        ("  10 requests in 1.00s, 1KB read\n", "auto", r'no "Requests/sec:" line'),
        ("hello\n", "auto", r"s.txt:1: not a k6 summary \(JSON\), a Locust _stats.csv or wrk"),
        ("", "auto", r"the file is empty"),
        ("Running 1s test\n", "k6", r"s.txt:1: not JSON"),
    ],
)
def test_bad_input_is_a_clear_error(
    tmp_path: Path, content: str, format: str, message: str
) -> None:
    path = tmp_path / "s.txt"
    path.write_text(content)
    with pytest.raises(ExternalResultError, match=message) as caught:
        read_results(path, format, shown="s.txt")  # type: ignore[arg-type]
    assert caught.value.path == "s.txt"


def test_binary_and_missing_files(tmp_path: Path) -> None:
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ExternalResultError, match="not UTF-8 text"):
        read_results(binary)
    with pytest.raises(ExternalResultError, match="cannot be read"):
        read_results(tmp_path / "missing.json")


def test_statistic_keys() -> None:
    assert [statistic_key(q) for q in ("50", "99.90", 95, "99.99", "100", "0")] == [
        "p50",
        "p99.9",
        "p95",
        "p99.99",
        "max",
        "min",
    ]
