"""The metrics endpoint checks against real HTTP servers serving hand-written pages, the
strict exposition parser against promtool's reading of the same text, and the example
greeter's own /metrics."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from livekit import free_port, http_server, service, wait_for_port

from golive.checks.metrics import LatencyHistogram, ProcessMetrics, RequestCounts
from golive.model import Status
from golive.probes.exposition import ExpositionError, histograms, parse
from golive.testing import run_check

TEXT = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"

HISTOGRAM = """\
# HELP http_request_duration_seconds Time spent serving a request.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{route="/api",le="0.005"} 3
http_request_duration_seconds_bucket{route="/api",le="0.05"} 20
http_request_duration_seconds_bucket{route="/api",le="0.5"} 24
http_request_duration_seconds_bucket{route="/api",le="+Inf"} 25
http_request_duration_seconds_sum{route="/api"} 1.75
http_request_duration_seconds_count{route="/api"} 25
http_request_duration_seconds_bucket{route="/health",le="0.005"} 9
http_request_duration_seconds_bucket{route="/health",le="0.05"} 9
http_request_duration_seconds_bucket{route="/health",le="0.5"} 9
http_request_duration_seconds_bucket{route="/health",le="+Inf"} 9
http_request_duration_seconds_sum{route="/health"} 0.012
http_request_duration_seconds_count{route="/health"} 9
"""
COUNTER = """\
# HELP http_requests_total Requests handled, by route and status code.
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/api",code="200"} 23
http_requests_total{method="GET",route="/api",code="500"} 2
http_requests_total{method="GET",route="/health",code="200"} 9
"""
PROCESS = """\
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 0.42
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.4576e+07
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 12
"""
GO = """\
# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.1e-05
go_gc_duration_seconds{quantile="1"} 0.000311
go_gc_duration_seconds_sum 0.0021
go_gc_duration_seconds_count 14
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 8
"""
GOOD = GO + HISTOGRAM + COUNTER + PROCESS

OPENMETRICS_PAGE = """\
# TYPE http_server_requests counter
# HELP http_server_requests Requests handled.
http_server_requests_total{http_response_status_code="200"} 41
http_server_requests_created{http_response_status_code="200"} 1.7e9
http_server_requests_total{http_response_status_code="503"} 1
http_server_requests_created{http_response_status_code="503"} 1.7e9
# TYPE http_server_request_duration_seconds histogram
# UNIT http_server_request_duration_seconds seconds
http_server_request_duration_seconds_bucket{le="0.01"} 30 # {trace_id="4bf92f35"} 0.004 1.7e9
http_server_request_duration_seconds_bucket{le="0.1"} 40
http_server_request_duration_seconds_bucket{le="+Inf"} 42
http_server_request_duration_seconds_count 42
http_server_request_duration_seconds_sum 0.9
http_server_request_duration_seconds_created 1.7e9
# TYPE process_cpu_seconds counter
process_cpu_seconds_total 1.5
# TYPE process_resident_memory_bytes gauge
# UNIT process_resident_memory_bytes bytes
process_resident_memory_bytes 1.2e7
# EOF
"""

MICROMETER = """\
# HELP http_server_requests_seconds
# TYPE http_server_requests_seconds histogram
http_server_requests_seconds_bucket{method="GET",outcome="SUCCESS",status="200",uri="/api",le="0.1"} 3.0
http_server_requests_seconds_bucket{method="GET",outcome="SUCCESS",status="200",uri="/api",le="+Inf"} 4.0
http_server_requests_seconds_count{method="GET",outcome="SUCCESS",status="200",uri="/api"} 4.0
http_server_requests_seconds_sum{method="GET",outcome="SUCCESS",status="200",uri="/api"} 0.52
# HELP process_cpu_usage The "recent cpu usage" for the Java Virtual Machine process
# TYPE process_cpu_usage gauge
process_cpu_usage 0.0125
# HELP jvm_memory_used_bytes The amount of used memory
# TYPE jvm_memory_used_bytes gauge
jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.2582912E7
# HELP process_files_open_files The open file descriptor count
# TYPE process_files_open_files gauge
process_files_open_files 41.0
"""

PAGES: dict[str, tuple[int, str, str]] = {
    "/micrometer": (200, TEXT, MICROMETER),
    "/empty": (200, TEXT, ""),
    "/metrics": (200, TEXT, GOOD),
    "/openmetrics": (200, OPENMETRICS, OPENMETRICS_PAGE),
    "/no-histogram": (200, TEXT, GO + COUNTER + PROCESS),
    "/no-counter": (200, TEXT, GO + HISTOGRAM + PROCESS),
    "/no-process": (200, TEXT, HISTOGRAM + COUNTER),
    "/some-process": (
        200,
        TEXT,
        HISTOGRAM + COUNTER + PROCESS.split("# HELP process_open", maxsplit=1)[0],
    ),
    # line 3 of the page: a label value that is not quoted
    "/broken": (
        200,
        TEXT,
        "# TYPE http_requests_total counter\nhttp_requests_total 1\nup{a=b} 1\n",
    ),
    "/openmetrics-no-eof": (200, OPENMETRICS, OPENMETRICS_PAGE.replace("# EOF\n", "")),
    "/unlabelled": (
        200,
        TEXT,
        '# TYPE api_requests_total counter\napi_requests_total{route="/a"} 4\n' + PROCESS,
    ),
    "/summary": (
        200,
        TEXT,
        "# TYPE rpc_request_duration_seconds summary\n"
        'rpc_request_duration_seconds{quantile="0.5"} 0.01\n'
        'rpc_request_duration_seconds{quantile="0.99"} 0.2\n'
        "rpc_request_duration_seconds_sum 3\nrpc_request_duration_seconds_count 120\n",
    ),
    "/no-inf": (
        200,
        TEXT,
        HISTOGRAM.replace('{route="/api",le="+Inf"} 25\n', '{route="/api",le="1"} 25\n'),
    ),
    "/count-mismatch": (
        200,
        TEXT,
        HISTOGRAM.replace('_count{route="/api"} 25', '_count{route="/api"} 26'),
    ),
    "/not-cumulative": (
        200,
        TEXT,
        HISTOGRAM.replace('{route="/api",le="0.5"} 24', '{route="/api",le="0.5"} 19'),
    ),
    "/declared-only": (
        200,
        TEXT,
        "# HELP http_request_duration_seconds Time spent.\n"
        "# TYPE http_request_duration_seconds histogram\n"
        "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n" + PROCESS,
    ),
    "/client-only": (
        200,
        TEXT,
        "# TYPE http_client_request_duration_seconds histogram\n"
        'http_client_request_duration_seconds_bucket{le="1"} 1\n'
        'http_client_request_duration_seconds_bucket{le="+Inf"} 1\n'
        "http_client_request_duration_seconds_sum 0.2\n"
        "http_client_request_duration_seconds_count 1\n",
    ),
    "/html": (404, "text/html", "<h1>Not Found</h1>\n"),
    "/secret": (401, "text/plain", "unauthorised\n"),
}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, kind, body = PAGES.get(self.path, (404, "text/plain", "not found\n"))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with http_server(_Pages) as port:
        yield f"http://127.0.0.1:{port}"


def _run(check: type, url: str, tmp_path: Path, path: str = "/metrics") -> object:
    return run_check(check, tmp_path, service=service(url), path=path)


# --- metrics.latency-histogram -----------------------------------------------------------------


def test_histogram_passes_with_valid_histogram(url: str, tmp_path: Path) -> None:
    outcome = run_check(LatencyHistogram, tmp_path, service=service(url))  # the default /metrics
    assert outcome.status is Status.PASS, outcome.summary
    assert "http_request_duration_seconds" in outcome.summary
    assert any("0.005, 0.05, 0.5, +Inf" in f.message for f in outcome.findings)


def test_histogram_passes_with_openmetrics(url: str, tmp_path: Path) -> None:
    outcome = run_check(LatencyHistogram, tmp_path, service=service(url), path="/openmetrics")
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.facts["format"] == "openmetrics"


def test_histogram_fails_without_histogram(url: str, tmp_path: Path) -> None:
    outcome = run_check(LatencyHistogram, tmp_path, service=service(url), path="/no-histogram")
    assert outcome.status is Status.FAIL
    assert any("go_gc_duration_seconds" in f.message for f in outcome.findings)


def test_histogram_ignores_client_side_timings(url: str, tmp_path: Path) -> None:
    outcome = run_check(LatencyHistogram, tmp_path, service=service(url), path="/client-only")
    assert outcome.status is Status.FAIL


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/no-inf", 'no le="+Inf" bucket'),
        ("/count-mismatch", '_count is 26 but the le="+Inf" bucket is 25'),
        ("/not-cumulative", "not cumulative"),
    ],
)
def test_histogram_fails_when_broken(url: str, tmp_path: Path, path: str, problem: str) -> None:
    outcome = run_check(LatencyHistogram, tmp_path, service=service(url), path=path)
    assert outcome.status is Status.FAIL, outcome.summary
    assert any(problem in f.message and 'route="/api"' in f.message for f in outcome.findings)


def test_histogram_fails_on_a_syntax_error_with_its_line(url: str, tmp_path: Path) -> None:
    outcome = run_check(LatencyHistogram, tmp_path, service=service(url), path="/broken")
    assert outcome.status is Status.FAIL
    assert "line 3:" in outcome.summary and "label" in outcome.summary


def test_openmetrics_without_eof_fails(url: str, tmp_path: Path) -> None:
    outcome = run_check(
        LatencyHistogram, tmp_path, service=service(url), path="/openmetrics-no-eof"
    )
    assert outcome.status is Status.FAIL
    assert "# EOF" in outcome.summary


def test_histogram_warns_on_a_summary(url: str, tmp_path: Path) -> None:
    outcome = run_check(LatencyHistogram, tmp_path, service=service(url), path="/summary")
    assert outcome.status is Status.WARN
    assert any("summary" in f.message for f in outcome.findings)


def test_histogram_unknown_before_any_observation(url: str, tmp_path: Path) -> None:
    outcome = run_check(LatencyHistogram, tmp_path, service=service(url), path="/declared-only")
    assert outcome.status is Status.UNKNOWN
    assert "no series yet" in outcome.summary


def test_empty_page_fails(url: str, tmp_path: Path) -> None:
    outcome = run_check(ProcessMetrics, tmp_path, service=service(url), path="/empty")
    assert outcome.status is Status.FAIL
    assert "has no metrics" in outcome.summary


def test_missing_page_fails(url: str, tmp_path: Path) -> None:
    outcome = run_check(LatencyHistogram, tmp_path, service=service(url), path="/html")
    assert outcome.status is Status.FAIL
    assert "404" in outcome.summary


def test_protected_page_is_unknown(url: str, tmp_path: Path) -> None:
    outcome = run_check(RequestCounts, tmp_path, service=service(url), path="/secret")
    assert outcome.status is Status.UNKNOWN
    assert "credentials" in outcome.summary


def test_unreachable_endpoint_is_unknown(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    outcome = run_check(ProcessMetrics, tmp_path, service=service(closed))
    assert outcome.status is Status.UNKNOWN
    assert "failed" in outcome.summary


def test_private_target_without_permission_is_unknown(url: str, tmp_path: Path) -> None:
    outcome = run_check(LatencyHistogram, tmp_path, service=service(url, allow_private=False))
    assert outcome.status is Status.UNKNOWN
    assert "allow_private" in outcome.summary


# --- metrics.request-counts --------------------------------------------------------------------


def test_request_counts_pass_with_status_label(url: str, tmp_path: Path) -> None:
    outcome = run_check(RequestCounts, tmp_path, service=service(url))
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.observed == "status values seen: 200, 500"
    assert any(
        "http_requests_total (counter): code = 200, 500" in f.message for f in outcome.findings
    )


def test_request_counts_pass_with_openmetrics_counter(url: str, tmp_path: Path) -> None:
    outcome = run_check(RequestCounts, tmp_path, service=service(url), path="/openmetrics")
    assert outcome.status is Status.PASS, outcome.summary
    assert "http_server_requests" in outcome.summary
    assert "503" in (outcome.observed or "")


def test_request_counts_fail_without_counter(url: str, tmp_path: Path) -> None:
    outcome = run_check(RequestCounts, tmp_path, service=service(url), path="/no-counter")
    assert outcome.status is Status.FAIL


def test_request_counts_fail_without_status_label(url: str, tmp_path: Path) -> None:
    outcome = run_check(RequestCounts, tmp_path, service=service(url), path="/unlabelled")
    assert outcome.status is Status.FAIL
    assert "api_requests_total" in outcome.summary
    assert any("labels route" in f.message for f in outcome.findings)


def test_request_counts_unknown_when_declared_without_series(url: str, tmp_path: Path) -> None:
    outcome = run_check(RequestCounts, tmp_path, service=service(url), path="/declared-only")
    assert outcome.status is Status.UNKNOWN


def test_request_counts_fail_on_broken_page(url: str, tmp_path: Path) -> None:
    outcome = run_check(RequestCounts, tmp_path, service=service(url), path="/broken")
    assert outcome.status is Status.FAIL
    assert "line 3" in outcome.summary


# --- metrics.process ---------------------------------------------------------------------------


def test_process_passes_with_all_three(url: str, tmp_path: Path) -> None:
    outcome = run_check(ProcessMetrics, tmp_path, service=service(url))
    assert outcome.status is Status.PASS, outcome.summary


def test_process_warns_naming_the_missing(url: str, tmp_path: Path) -> None:
    outcome = run_check(ProcessMetrics, tmp_path, service=service(url), path="/some-process")
    assert outcome.status is Status.WARN
    assert "open file descriptors" in outcome.summary
    assert "process_open_fds" in outcome.findings[0].message


def test_process_warns_on_openmetrics_without_fds(url: str, tmp_path: Path) -> None:
    outcome = run_check(ProcessMetrics, tmp_path, service=service(url), path="/openmetrics")
    assert outcome.status is Status.WARN
    assert "CPU: process_cpu_seconds_total" in (outcome.observed or "")


def test_process_fails_with_none(url: str, tmp_path: Path) -> None:
    outcome = run_check(ProcessMetrics, tmp_path, service=service(url), path="/no-process")
    assert outcome.status is Status.FAIL


# --- the parser ----------------------------------------------------------------------------------


def test_parser_reads_families_types_and_histograms() -> None:
    page = parse(GOOD)
    family = page.family("http_request_duration_seconds")
    assert family is not None and family.type == "histogram"
    series = histograms(family)
    assert [s.labels for s in series] == [(("route", "/api"),), (("route", "/health"),)]
    assert series[0].bounds == (0.005, 0.05, 0.5, float("inf"))
    assert series[0].count == 25 and series[0].problems() == []
    summary = page.family("go_gc_duration_seconds")
    assert summary is not None and summary.type == "summary" and len(summary.samples) == 4


def test_parser_reads_openmetrics_counters_units_and_exemplars() -> None:
    page = parse(OPENMETRICS_PAGE, openmetrics=True)
    counter = page.family("http_server_requests")
    assert counter is not None and counter.type == "counter"
    assert {s.name for s in counter.samples} == {
        "http_server_requests_total",
        "http_server_requests_created",
    }
    histogram = page.family("http_server_request_duration_seconds")
    assert histogram is not None and histogram.unit == "seconds"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('a{x="1",x="2"} 1\n', 1, "duplicate label"),
        ("a 1\na 2\n", 2, "already exposed on line 1"),
        ("# TYPE a gauge\n# TYPE a gauge\n", 2, "second TYPE"),
        ("a 1\n# TYPE a gauge\n", 2, "after its samples"),
        ('# TYPE a histogram\na_bucket{le="x"} 1\n', 2, '"le" label'),
        ("a 0x10\n", 1, "expected a float"),
        ("a 1", 1, "newline"),
        ("a 1 1.5\n", 1, "integer timestamp"),
        ('a{x="\\q"} 1\n', 1, "invalid escape"),
    ],
)
def test_parser_errors_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ExpositionError) as raised:
        parse(text)
    assert raised.value.line == line
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("# TYPE a gauge\na 1\n", "# EOF"),
        ("# TYPE a gauge\n\na 1\n# EOF\n", "blank line"),
        ("# a comment\na 1\n# EOF\n", "unexpected comment"),
        ('# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="y"} 2\n# EOF\n', "interleaved"),
        ("a 1\n# EOF\nb 1\n", "after # EOF"),
    ],
)
def test_openmetrics_rules(text: str, words: str) -> None:
    with pytest.raises(ExpositionError, match=words):
        parse(text, openmetrics=True)


_LABEL_VALUES = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_VALUES = st.floats(allow_nan=False) | st.sampled_from([math.inf, -math.inf])


@given(
    series=st.dictionaries(
        st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), _LABEL_VALUES, max_size=4
    ),
    value=_VALUES,
    help_text=_LABEL_VALUES,
)
def test_parser_reads_back_what_a_client_writes(
    series: dict[str, str], value: float, help_text: str
) -> None:
    """Escaped label values and HELP text, and any float value, read back unchanged."""
    escaped = {
        k: v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
        for k, v in series.items()
    }
    labels = ",".join(f'{k}="{v}"' for k, v in escaped.items())
    shown = "+Inf" if value == math.inf else "-Inf" if value == -math.inf else repr(value)
    doc = help_text.replace("\\", "\\\\").replace("\n", "\\n")
    text = f"# HELP m {doc}\n# TYPE m gauge\nm{{{labels}}} {shown}\n"
    family = parse(text).family("m")
    assert family is not None and family.help == help_text.lstrip(" \t")
    assert dict(family.samples[0].labels) == series
    assert family.samples[0].value == value


PROMTOOL_CASES = [
    GOOD,
    "a Inf\nb -inf\nc NaN\nd 1e3\ne .5\nf +5\n",
    "a 0x1p3\n",
    "a 1_0\n",
    'a{x="1",} 1\na{ x = "2" , y="3" } 1\na{} 2\n',
    "a{,} 1\n",
    "a{x=1} 1\n",
    'a{x="y"}1\n',
    "a 1 2 3\n",
    "# HELP a x\\q\na 1\n",
    "# HELP a x\n# HELP a y\na 1\n",
    "# random comment\n#HELP a x\na 1\n",
    "a 1\n# HELP a late help is fine\n",
    "a 1\n# TYPE a gauge\n",
    "# TYPE a foo\na 1\n",
    '# TYPE a summary\na{quantile="x"} 1\n',
    "a 1 99999999999999999999\n",
    "a 1",
    '# TYPE h histogram\nh_bucket{le="1"} 1\n# TYPE b gauge\nb 1\nh_bucket{le="+Inf"} 2\n',
]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
@pytest.mark.parametrize("text", PROMTOOL_CASES)
def test_parser_agrees_with_promtool(text: str) -> None:
    """promtool check metrics exits 1 on a parse error (3 on lint findings only)."""
    result = subprocess.run(
        ["promtool", "check", "metrics"],
        input=text.encode(),
        capture_output=True,
        timeout=30,
        check=False,
    )
    try:
        parse(text)
        ours = True
    except ExpositionError:
        ours = False
    assert ours == (result.returncode != 1), result.stderr.decode()


# --- the example greeter's own /metrics -------------------------------------------------------------

GREETER = Path(__file__).resolve().parents[2] / "examples" / "service"


@pytest.fixture(scope="module")
def greeter() -> Iterator[str]:
    binary = GREETER / "target" / "debug" / "greeter"
    if not binary.exists():
        pytest.skip("the example greeter is not built (cargo build in examples/service)")
    port = free_port()
    environment = {
        **os.environ,
        "GREETER_CONFIG": str(GREETER / "config" / "staging.toml"),
        "GREETER_BIND": f"127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [str(binary)],
        cwd=GREETER,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=10)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def counted(url: str, timeout: float = 5.0) -> None:
    """Waits until the greeter has counted a request. It records a request after writing
    the response, so the next scrape can arrive, on another worker, before the count."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
            if b"greeter_http_requests_total{" in response.read():
                return
        time.sleep(0.05)
    pytest.fail(f"{url} counted no request in {timeout} s")


def test_greeter_metrics(greeter: str, tmp_path: Path) -> None:
    svc = service(greeter)
    assert run_check(LatencyHistogram, tmp_path, service=svc).status is Status.PASS
    counted(greeter)
    counts = run_check(RequestCounts, tmp_path, service=svc)
    assert counts.status is Status.PASS, counts.summary
    process = run_check(ProcessMetrics, tmp_path, service=svc)
    assert process.status is Status.WARN  # greeter exports resident memory only
    assert "CPU" in process.summary and "file descriptors" in process.summary


def test_micrometer_page(url: str, tmp_path: Path) -> None:
    """Spring Boot's timer is the histogram and the request count; its process metrics are
    Micrometer's names."""
    svc = service(url)
    for check in (LatencyHistogram, RequestCounts, ProcessMetrics):
        outcome = run_check(check, tmp_path, service=svc, path="/micrometer")
        assert outcome.status is Status.PASS, (check.id, outcome.summary)
