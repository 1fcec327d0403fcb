"""`golive check --plots DIR`: the charts of a load test as SVG files, end to end."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from golive_cli import golive
from livekit import Nginx

pytestmark = pytest.mark.slow

NGINX = """
server {
    listen 127.0.0.1:{web};
    location / { return 200 'hello'; }
}
"""


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with Nginx(tmp_path_factory.mktemp("nginx"), NGINX) as server:
        yield f"http://127.0.0.1:{server.ports['web']}"


def checklist(repo: Path, url: str) -> Path:
    repo.mkdir()
    (repo / "golive.toml").write_text(
        f"""
[targets.local]
url = "{url}"
allow_private = true
consent = "load"

[items."perf.latency"]
with = {{ path = "/", rate = "50 req/s", ramp = "1s", duration = "2s", response_time = "p50<1s" }}
"""
    )
    return repo


def test_plots_writes_each_chart_of_a_load_test_as_svg(tmp_path: Path, url: str) -> None:
    repo = checklist(tmp_path / "repo", url)
    plots = tmp_path / "plots"
    run = golive("check", repo, "--live", "--item", "perf.latency", "--plots", plots,
                 "--format", "json")  # fmt: skip
    (item,) = json.loads(run.stdout)["items"]
    assert item["status"] == "pass", run.stderr
    assert [c["title"] for c in item["checks"][0]["charts"]] == [
        "Latency over time", "Latency by percentile"
    ]  # fmt: skip
    written = sorted(path.name for path in plots.iterdir())
    assert written == ["perf.latency--load.latency--1.svg", "perf.latency--load.latency--2.svg"]
    for path in plots.iterdir():
        assert ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert f"wrote 2 plots to {plots}" in run.stderr


def test_plots_writes_nothing_without_charts(tmp_path: Path, url: str) -> None:
    repo = checklist(tmp_path / "repo", url)
    plots = tmp_path / "plots"
    run = golive("check", repo, "--item", "perf.latency", "--plots", plots, "--format", "json")
    checks = [c for item in json.loads(run.stdout)["items"] for c in item["checks"]]
    assert "load.latency" not in [c["id"] for c in checks]  # live: not run without --live
    assert not any("charts" in c for c in checks)
    assert not plots.exists() and "plots" not in run.stderr
