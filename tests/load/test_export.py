"""Exported load tests: the k6 script runs under node with a stand-in for k6's modules and its
summary reads back; the Locust file runs for real against a local server and its CSV reads
back."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from livekit import Nginx

from golive.checks.load_results import LoadResults
from golive.load.export import ExportError, ExportPlan, k6_script, k6_thresholds, locust_file
from golive.load.external import read_results
from golive.load.plan import LoadPlan
from golive.model import Status, Target
from golive.probes.safety import ProbePolicy
from golive.testing import run_check
from golive.thresholds import Dimension, Threshold, parse_threshold

DATA = Path(__file__).parents[1] / "data" / "load"


def latency(text: str) -> Threshold:
    return parse_threshold(text, dimension=Dimension.DURATION, default_statistic="p95")


def rate(text: str) -> Threshold:
    return parse_threshold(text, dimension=Dimension.RATE)


def ratio(text: str) -> Threshold:
    return parse_threshold(text, dimension=Dimension.RATIO)


PLAN = ExportPlan(
    url="http://127.0.0.1:8080/api/",
    path="/items?page=1",
    seconds=30,
    response_time=(latency("<100ms"), latency("p99.9 <= 1.5s"), latency("median<20ms")),
    throughput=rate(">60k req/min"),
    error_rate=ratio("<1%"),
    headers=(("Accept", "application/json"),),
)


# --- thresholds --------------------------------------------------------------------------------


def test_thresholds_in_k6_language() -> None:
    assert k6_thresholds(PLAN) == {
        "http_req_duration": ["p(95)<100", "p(99.9)<=1500", "med<20"],
        "http_req_failed": ["rate<0.01"],
        "http_reqs{expected_response:true}": ["rate>1000"],
        "dropped_iterations": ["count==0"],
    }


def test_thresholds_of_every_statistic() -> None:
    plan = ExportPlan(
        url="https://example.test",
        rate=10,
        response_time=(latency("avg < 250us"), latency("max>=2s"), latency("min != 1ms")),
    )
    assert k6_thresholds(plan)["http_req_duration"] == ["avg<0.25", "max>=2000", "min!=1"]


def test_the_rate_comes_from_the_throughput_to_prove() -> None:
    assert PLAN.offered_rate == 1050  # 5 % above 1000 req/s, as load.throughput offers
    assert ExportPlan(url="http://a.test", rate=12.5).offered_rate == 12.5
    # VUs and users: the tightest limit (20 ms) x the rate, doubled
    assert PLAN.concurrency == 42


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "ftp://a.test", "rate": 1}, "not an http"),
        ({"url": "http://a.test", "path": "x", "rate": 1}, 'must start with "/"'),
        ({"url": "http://a.test", "method": "POST", "rate": 1}, "method POST"),
        ({"url": "http://a.test"}, "give a rate"),
        ({"url": "http://a.test", "rate": 0}, "rate must be"),
        ({"url": "http://a.test", "rate": 1, "seconds": float("inf")}, "seconds must be"),
        ({"url": "http://a.test", "rate": 1, "error_rate": latency("<1s")}, "not a ratio"),
    ],
)
def test_plans_it_cannot_express(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ExportError, match=message):
        ExportPlan(**fields)


def test_plan_from_a_golive_load_plan() -> None:
    policy = ProbePolicy(
        [Target(name="web", url="http://127.0.0.1:8080/base/", allow_private=True)]
    )
    plan = LoadPlan.steady(policy.target(), "/items", rate=50, seconds=20, timeout=5.0)
    exported = ExportPlan.of(plan, error_rate=ratio("<1%"))
    assert exported.target == "http://127.0.0.1:8080/base/items"
    assert (exported.offered_rate, exported.seconds, exported.timeout) == (50, 20, 5.0)
    assert exported.error_rate is not None


# --- k6 ----------------------------------------------------------------------------------------


def node_run(script: str, summary: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """Run the script's options, default function and handleSummary under node, with a
    stand-in for `k6/http` that records the calls."""
    body = re.sub(r"^import .*$", "", script, flags=re.MULTILINE)
    body = body.replace("export default function", "function iteration")
    body = body.replace("export const ", "const ").replace("export function ", "function ")
    shim = (
        "const calls = [];\n"
        "const http = { get: (...a) => calls.push(['GET', ...a]),"
        " head: (...a) => calls.push(['HEAD', ...a]) };\n"
    )
    tail = (
        f"\niteration();\nconst out = handleSummary({json.dumps(summary)});\n"
        "process.stdout.write(JSON.stringify({ options, calls, out }));\n"
    )
    path = tmp_path / "script.js"
    path.write_text(shim + body + tail)
    subprocess.run(["node", "--check", str(path)], check=True, timeout=30)
    run = subprocess.run(
        ["node", str(path)], capture_output=True, text=True, check=True, timeout=30
    )
    result: dict[str, Any] = json.loads(run.stdout)
    return result


@pytest.fixture
def node() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")


@pytest.mark.usefixtures("node")
def test_k6_script_runs_and_its_summary_reads_back(tmp_path: Path) -> None:
    summary = json.loads((DATA / "k6-handle-summary.json").read_text())
    del summary["golive"]  # what k6 hands to handleSummary
    out = node_run(k6_script(PLAN), summary, tmp_path)
    scenario = out["options"]["scenarios"]["load"]
    assert scenario == {
        "executor": "constant-arrival-rate",
        "rate": 1050,
        "timeUnit": "1s",
        "duration": "30s",
        "preAllocatedVUs": 42,
        "maxVUs": 210,
        "gracefulStop": "10s",
    }
    assert out["options"]["thresholds"] == k6_thresholds(PLAN)
    assert "p(99.9)" in out["options"]["summaryTrendStats"]
    assert out["calls"] == [
        [
            "GET",
            "http://127.0.0.1:8080/api/items?page=1",
            {"headers": {"Accept": "application/json"}, "timeout": "10s"},
        ]
    ]
    assert set(out["out"]) == {"k6-summary.json", "stdout"}
    written = tmp_path / "k6-summary.json"
    written.write_text(out["out"]["k6-summary.json"])
    result = read_results(written)
    assert result.model == "open"  # the scenario travelled with the results
    assert result.finished is not None
    assert result.requests == 3000
    outcome = run_check(
        LoadResults, tmp_path, response_time="p95<100ms", error_rate="<1%", max_age="1h"
    )
    assert outcome.status is Status.PASS, outcome.summary  # found at k6-summary.json


@pytest.mark.usefixtures("node")
def test_k6_script_head_and_sub_second_durations(tmp_path: Path) -> None:
    plan = ExportPlan(url="http://a.test", method="HEAD", rate=12.5, seconds=0.5, timeout=0.25)
    out = node_run(k6_script(plan, summary="out/s.json"), {"metrics": {}}, tmp_path)
    assert out["calls"][0][:2] == ["HEAD", "http://a.test/"]
    scenario = out["options"]["scenarios"]["load"]
    # k6 takes whole arrivals per time unit
    assert (scenario["rate"], scenario["timeUnit"]) == (25, "2s")
    assert (scenario["duration"], scenario["gracefulStop"]) == ("500ms", "250ms")
    assert out["options"]["thresholds"] == {"dropped_iterations": ["count==0"]}
    assert "out/s.json" in out["out"]


# --- Locust ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_locust_file_runs_and_its_csv_reads_back(tmp_path: Path) -> None:
    if importlib.util.find_spec("locust") is None:
        pytest.skip("Locust is not installed (pip install locust)")
    server = 'server { listen 127.0.0.1:{web}; location / { return 200 "ok"; } }'
    with Nginx(tmp_path / "nginx", server) as nginx:
        plan = ExportPlan(
            url=f"http://127.0.0.1:{nginx.ports['web']}/app",
            path="/ping",
            rate=40,
            seconds=2.5,
            response_time=(latency("median<100ms"),),
        )
        locustfile = tmp_path / "locustfile.py"
        locustfile.write_text(locust_file(plan))
        command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless"]
        run = subprocess.run(
            [*command, "--csv", "locust", "--only-summary", "--loglevel", "WARNING"],
            check=False,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    result = read_results(tmp_path / "locust_stats.csv")
    assert (result.tool, result.model) == ("locust", "closed")
    assert result.rate is not None
    assert 0.8 * 40 <= result.rate <= 1.2 * 40  # the offered rate, no burst at the start
    assert result.requests >= 2 * 40
    assert result.failures == 0
    assert result.finished is not None
    outcome = run_check(LoadResults, tmp_path, response_time="median<1s")
    assert outcome.status is Status.WARN, outcome.summary  # closed model
    assert "coordinated omission" in outcome.summary
