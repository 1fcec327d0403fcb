"""prometheus.slo and prometheus.alerts-loaded against a real Prometheus (Debian's
/usr/bin/prometheus) on a port of its own, scraping every second a Python exporter whose
counters grow at rates the test sets, with alert rules loaded (one of them fails at
evaluation)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from livekit import free_port, http_server, wait_for_port

from golive.checks.fixtures import ServiceInfo
from golive.checks.prometheus import AlertsLoaded, Slo
from golive.model import Outcome, Status, Target
from golive.testing import run_check

pytestmark = pytest.mark.slow

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
DATA_SECONDS = 12.0  # scraped history before the first SLO query; windows below are 10 s
BOUNDS = (0.05, 0.1, 0.25, 0.5)
SHARES = (0.5, 0.9, 0.99, 1.0)  # of requests at or under each bound: p95 is about 183 ms

# job -> (requests per second, 5xx per second)
RATES = {
    "shop": (1000.0, 5.0),
    "few": (2.0, 0.0),
    "idle": (0.0, 0.0),
    "flaky": (100.0, 0.0),  # every other scrape fails
    "worded": (100.0, 1.0),  # its code label says "ok" and "failed", not HTTP statuses
}


def _page(rate: float, errors: float, elapsed: float) -> str:
    total = rate * elapsed
    lines = [
        "# HELP shop_http_requests_total Requests handled, by status code.",
        "# TYPE shop_http_requests_total counter",
        f'shop_http_requests_total{{route="/api",code="200"}} {total - errors * elapsed:.3f}',
    ]
    if errors:
        lines.append(f'shop_http_requests_total{{route="/api",code="500"}} {errors * elapsed:.3f}')
    lines += [
        "# HELP shop_http_request_duration_seconds Time spent handling a request.",
        "# TYPE shop_http_request_duration_seconds histogram",
    ]
    for bound, share in zip(BOUNDS, SHARES, strict=True):
        lines.append(
            f'shop_http_request_duration_seconds_bucket{{le="{bound}"}} {total * share:.3f}'
        )
    lines += [
        f'shop_http_request_duration_seconds_bucket{{le="+Inf"}} {total:.3f}',
        f"shop_http_request_duration_seconds_sum {total * 0.08:.3f}",
        f"shop_http_request_duration_seconds_count {total:.3f}",
        "# TYPE pair gauge",  # two series for the rule that cannot be evaluated
        'pair{side="a"} 1',
        'pair{side="b"} 2',
    ]
    return "\n".join(lines) + "\n"


class _Exporter(BaseHTTPRequestHandler):
    started = time.monotonic()

    def do_GET(self) -> None:
        job = self.path.strip("/")
        elapsed = time.monotonic() - self.started
        if job not in RATES or (job == "flaky" and int(elapsed) % 2):
            body, status, kind = b"<html>not here</html>", 404, "text/html"
        else:
            rate, errors = RATES[job]
            page = _page(rate, errors, elapsed)
            if job == "worded":
                page = page.replace('code="200"', 'code="ok"').replace(
                    'code="500"', 'code="failed"'
                )
            body = page.encode()
            status, kind = 200, "text/plain; version=0.0.4"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


RULES = """\
groups:
  - name: service
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 1m
        labels: {severity: page}
      - alert: SlowRequests
        expr: >-
          histogram_quantile(0.95, sum by (le)
          (rate(shop_http_request_duration_seconds_bucket[1m]))) > 0.5
        for: 5m
      - record: job:shop_http_requests:rate1m
        expr: sum by (job) (rate(shop_http_requests_total[1m]))
      - record: slo:period_error_budget_remaining:ratio  # as Sloth would record it
        expr: vector(0.75)
        labels: {sloth_service: shop, sloth_slo: requests-availability}
  - name: shop
    rules:
      - alert: ShopErrors  # one-to-many without group_left: fails at every evaluation
        expr: >-
          sum(rate(shop_http_requests_total{job="shop",code=~"5.."}[1m]))
          / on() shop_http_requests_total{job="shop"} > 0.01
"""


@dataclass(frozen=True, kw_only=True)
class Stack:
    prometheus: str  # its URL
    exporter: str


def _get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


def _wait(what: str, ready: object, *, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if callable(ready) and ready():
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"Prometheus did not get ready: {what}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not Path(PROMETHEUS).exists():
        pytest.fail(
            "prometheus is not installed: `make test` installs it (apt-get install prometheus)"
        )
    directory = tmp_path_factory.mktemp("prometheus")
    with http_server(_Exporter) as exporter_port:
        port = free_port()
        jobs = "\n".join(
            f"""  - job_name: {job}
    metrics_path: /{job}
    static_configs: [{{targets: ["127.0.0.1:{exporter_port}"]}}]"""
            for job in RATES
        )
        (directory / "rules.yml").write_text(RULES)
        (directory / "prometheus.yml").write_text(
            f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [{directory / "rules.yml"}]
scrape_configs:
{jobs}
"""
        )
        check = subprocess.run(
            ["promtool", "check", "config", str(directory / "prometheus.yml")],
            capture_output=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
        storage = directory / "data"
        log = (directory / "prometheus.log").open("wb")
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={directory / 'prometheus.yml'}",
                f"--storage.tsdb.path={storage}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1h",
                "--scrape.discovery-reload-interval=1s",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_port(port, timeout=15)
            _wait("/-/ready", lambda: _ready(url), timeout=15)
            flags = _get(f"{url}/api/v1/status/flags")["data"]
            assert isinstance(flags, dict) and flags["storage.tsdb.path"] == str(storage), (
                "another Prometheus answered on our port"
            )
            _wait(
                "the exporter scraped",
                lambda: _get(f'{url}/api/v1/query?query=up{{job="shop"}}==1')["data"]["result"],  # type: ignore[index]
                timeout=15,
            )
            first = time.monotonic()  # the series begin now
            _wait("ShopErrors failing", lambda: _health(url, "ShopErrors") == "err", timeout=15)
            time.sleep(max(0.0, DATA_SECONDS - (time.monotonic() - first)))
            yield Stack(prometheus=url, exporter=f"http://127.0.0.1:{exporter_port}")
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _ready(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/-/ready", timeout=5) as answer:
        return bool(answer.status == 200)


def _health(url: str, name: str) -> str | None:
    groups = _get(f"{url}/api/v1/rules")["data"]["groups"]  # type: ignore[index]
    for group in groups:
        for rule in group["rules"]:
            if rule["name"] == name:
                return str(rule["health"])
    return None


def _service(
    stack: Stack, *, prometheus_url: str | None = None, name: str = "prometheus"
) -> ServiceInfo:
    return ServiceInfo(
        name="shop",
        targets=(
            Target(name="shop", url=stack.exporter, allow_private=True),
            Target(name=name, url=prometheus_url or stack.prometheus, allow_private=True),
        ),
    )


def _slo(stack: Stack, tmp_path: Path, **params: object) -> Outcome:
    params.setdefault("window", "10s")
    return run_check(Slo, tmp_path, service=_service(stack), **params)


# --- prometheus.slo -----------------------------------------------------------------------------


def test_slo_passes_within_all_objectives(stack: Stack, tmp_path: Path) -> None:
    outcome = _slo(
        stack, tmp_path, error_rate="<1%", availability=">=99%", response_time="p95<250ms"
    )
    assert outcome.status is Status.PASS, outcome.summary
    text = " ".join(f.message for f in outcome.findings)
    assert 'shop_http_requests_total{job="shop", code=~"5..|5xx|5XX"}' in text
    assert "histogram_quantile(0.95" in text and "[10s]" in text
    assert "scrapes succeeded 100% of the time" in text
    assert outcome.facts["job"] == "shop"
    assert outcome.facts["error_budget_remaining.requests-availability"] == 0.75


def test_slo_fails_when_an_objective_is_broken(stack: Stack, tmp_path: Path) -> None:
    outcome = _slo(stack, tmp_path, error_rate="<0.1%", response_time="p95<100ms")
    assert outcome.status is Status.FAIL
    assert "0.5% of" in outcome.summary and "breaks < 0.1%" in outcome.summary
    assert "breaks p95 < 100 ms" in outcome.summary


def test_slo_availability_fails(stack: Stack, tmp_path: Path) -> None:
    outcome = _slo(stack, tmp_path, availability=">99.9%")
    assert outcome.status is Status.FAIL
    assert "99.5% of" in outcome.summary


def test_slo_availability_fails_when_scrapes_fail(stack: Stack, tmp_path: Path) -> None:
    """Every request that was counted succeeded, but every other scrape failed: the
    service was down, not merely unobserved."""
    outcome = _slo(stack, tmp_path, job="flaky", availability=">=99%")
    assert outcome.status is Status.FAIL
    assert "the service was up for" in outcome.summary
    assert 'max(avg_over_time(up{job="flaky"}[10s]))' in outcome.findings[0].message


def test_slo_unknown_when_the_window_is_longer_than_the_data(stack: Stack, tmp_path: Path) -> None:
    outcome = _slo(stack, tmp_path, window="10m", error_rate="<1%", response_time="p95<250ms")
    assert outcome.status is Status.UNKNOWN
    assert "at least 90% is needed" in outcome.summary


def test_slo_unknown_when_nothing_was_requested(stack: Stack, tmp_path: Path) -> None:
    outcome = _slo(stack, tmp_path, job="idle", error_rate="<1%", response_time="p95<250ms")
    assert outcome.status is Status.UNKNOWN
    assert "no request was counted" in outcome.summary
    assert "no request was observed" in outcome.summary


def test_slo_unknown_with_too_few_requests(stack: Stack, tmp_path: Path) -> None:
    outcome = _slo(stack, tmp_path, job="few", error_rate="<1%", response_time="p95<250ms")
    assert outcome.status is Status.UNKNOWN
    assert "too few requests to be sure" in outcome.summary
    assert "p95 needs at least 200 requests" in outcome.summary


def test_slo_unknown_when_the_status_label_holds_no_statuses(stack: Stack, tmp_path: Path) -> None:
    outcome = _slo(stack, tmp_path, job="worded", error_rate="<5%")
    assert outcome.status is Status.UNKNOWN
    assert "(failed, ok) are not HTTP statuses" in outcome.summary


def test_slo_query_with_objective(stack: Stack, tmp_path: Path) -> None:
    query = 'sum(rate(shop_http_requests_total{job="shop"}[$window]))'
    assert _slo(stack, tmp_path, query=query, objective=">500").status is Status.PASS
    failing = _slo(stack, tmp_path, query=query, objective=">5000")
    assert failing.status is Status.FAIL
    assert "[10s]" in failing.findings[0].message


def test_slo_custom_query_returning_nothing_is_unknown(stack: Stack, tmp_path: Path) -> None:
    outcome = _slo(
        stack,
        tmp_path,
        error_rate="<1%",
        error_rate_query='sum(rate(shop_http_requests_total{job="nowhere"}[$window]))',
    )
    assert outcome.status is Status.UNKNOWN


def test_slo_names_the_metrics(stack: Stack, tmp_path: Path) -> None:
    outcome = _slo(
        stack,
        tmp_path,
        error_rate="<1%",
        requests_metric="shop_http_requests_total",
        status_label="code",
        selector='route="/api"',
    )
    assert outcome.status is Status.PASS, outcome.summary


def test_slo_unknown_for_an_unknown_job(stack: Stack, tmp_path: Path) -> None:
    outcome = _slo(stack, tmp_path, job="nowhere", error_rate="<1%")
    assert outcome.status is Status.UNKNOWN
    assert "no series with" in outcome.summary


def test_slo_without_objective_is_unknown(stack: Stack, tmp_path: Path) -> None:
    assert _slo(stack, tmp_path).status is Status.UNKNOWN


def test_slo_needs_a_prometheus_target(stack: Stack, tmp_path: Path) -> None:
    outcome = run_check(
        Slo, tmp_path, service=_service(stack, name="metrics"), window="10s", error_rate="<1%"
    )
    assert outcome.status is Status.UNKNOWN
    assert "prometheus = NAME" in outcome.summary
    named = run_check(
        Slo,
        tmp_path,
        service=_service(stack, name="metrics"),
        prometheus="metrics",
        window="10s",
        error_rate="<1%",
    )
    assert named.status is Status.PASS, named.summary


def test_slo_against_something_that_is_not_prometheus(stack: Stack, tmp_path: Path) -> None:
    outcome = run_check(
        Slo,
        tmp_path,
        service=_service(stack, prometheus_url=stack.exporter),
        window="10s",
        error_rate="<1%",
    )
    assert outcome.status is Status.UNKNOWN
    assert "not Prometheus' API JSON" in outcome.summary


# --- prometheus.alerts-loaded --------------------------------------------------------------------


def _alerts(stack: Stack, tmp_path: Path, **params: object) -> Outcome:
    return run_check(AlertsLoaded, tmp_path, service=_service(stack), **params)


def test_alerts_pass_for_a_job_the_failing_rule_does_not_watch(
    stack: Stack, tmp_path: Path
) -> None:
    outcome = _alerts(stack, tmp_path, categories=["service-down", "latency"], job="web")
    assert outcome.status is Status.PASS, outcome.summary
    messages = [f.message for f in outcome.findings]
    assert any(m.startswith("service-down: InstanceDown") for m in messages)
    assert any(m.startswith("latency: SlowRequests") for m in messages)
    assert outcome.facts["alerting_rules"] == 3  # the recording rule is not an alert


def test_alerts_warn_about_a_rule_that_fails_to_evaluate(stack: Stack, tmp_path: Path) -> None:
    outcome = _alerts(stack, tmp_path, categories=["service-down", "latency"])
    assert outcome.status is Status.WARN
    assert any("ShopErrors" in f.message and "many" in f.message for f in outcome.findings)


def test_alerts_fail_when_the_only_rule_of_a_category_fails(stack: Stack, tmp_path: Path) -> None:
    outcome = _alerts(stack, tmp_path, categories=["errors"])  # an alias of error-rate
    assert outcome.status is Status.FAIL
    assert "the alerts for error-rate fail to evaluate" in outcome.summary


def test_alerts_fail_with_the_default_categories(stack: Stack, tmp_path: Path) -> None:
    outcome = _alerts(stack, tmp_path)
    assert outcome.status is Status.FAIL
    assert "no loaded alert for cert-expiry" in outcome.summary


def test_alerts_for_another_job_do_not_count(stack: Stack, tmp_path: Path) -> None:
    outcome = _alerts(stack, tmp_path, categories=["error-rate"], job="web")
    assert outcome.status is Status.FAIL
    assert "no loaded alert for error-rate" in outcome.summary


def test_alerts_unknown_without_prometheus(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    service = ServiceInfo(
        name="shop", targets=(Target(name="prometheus", url=closed, allow_private=True),)
    )
    outcome = run_check(AlertsLoaded, tmp_path, service=service)
    assert outcome.status is Status.UNKNOWN
    assert "failed" in outcome.summary


def test_unknown_category_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="unknown alert category"):
        AlertsLoaded.Params.model_validate({"categories": ["uptime-kuma"]})
