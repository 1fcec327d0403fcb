"""The charts a load check's outcome carries, from real runs against nginx on loopback."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from livekit import Nginx, service

from golive.checks.load import LoadLatency, LoadSoak, LoadStress
from golive.model import Outcome
from golive.report.svg import chart_svg
from golive.testing import run_check

pytestmark = pytest.mark.slow


def check(check: type, server: Nginx, **params: object) -> Outcome:
    url = f"http://127.0.0.1:{server.ports['web']}"
    return run_check(check, Path(), service=service(url, consent="load"), path="/", **params)


def test_a_latency_run_charts_latency_over_time_and_by_percentile(nginx: Nginx) -> None:
    outcome = check(LoadLatency, nginx, rate="100 req/s", ramp="1s", duration="2s", p50="<1s")
    over_time, by_percentile = outcome.charts
    assert over_time.title == "Latency over time" and over_time.x_scale == "linear"
    p50, p99 = over_time.lines
    assert (p50.name, p99.name) == ("p50", "p99")
    assert [t for t, _ in p50.points] == [0.0, 1.0]
    assert all(0 < a <= b < 1000 for (_, a), (_, b) in zip(p50.points, p99.points, strict=True))
    assert by_percentile.title == "Latency by percentile" and by_percentile.x_scale == "nines"
    (latency,) = by_percentile.lines
    percentiles = [p for p, _ in latency.points]
    assert percentiles[:3] == [0.0, 10.0, 20.0] and percentiles[-1] == 99.5  # 200 samples
    values = [ms for _, ms in latency.points]
    assert values == sorted(values) and values[0] > 0
    for chart in outcome.charts:
        ET.fromstring(chart_svg(chart).encode("utf-8"))


def test_a_soak_also_charts_memory(nginx: Nginx) -> None:
    outcome = check(LoadSoak, nginx, rate="50 req/s", ramp="1s", duration="2s",
                    memory_usage="<1GB", interval="0.25s")  # fmt: skip
    titles = [chart.title for chart in outcome.charts]
    assert titles == ["Latency over time", "Latency by percentile", "Memory over time"]
    (rss,) = outcome.charts[2].lines
    assert len(rss.points) >= 4 and all(0 < mb < 1000 for _, mb in rss.points)


def test_a_stress_run_charts_latency_by_offered_rate(nginx: Nginx) -> None:
    outcome = check(LoadStress, nginx, peak="100 req/s", start="100 req/s", factor=1.5, steps=2,
                    response_time="p50<1s", ramp="1s", duration="2s")  # fmt: skip
    (chart,) = outcome.charts
    assert chart.title == "Latency by offered rate"
    assert [line.name for line in chart.lines] == ["p95", "p99"]
    assert [rate for rate, _ in chart.lines[0].points] == [100.0, 150.0]
