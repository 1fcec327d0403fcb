"""Charts as SVG, and in the JSON and Markdown reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib.resources import files
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from golive.gate import decide
from golive.model import (
    Chart,
    CheckResult,
    Item,
    ItemResult,
    Kind,
    Level,
    Line,
    Outcome,
    Policy,
    Review,
    Status,
)
from golive.report import Format, RenderOptions, render
from golive.report.svg import chart_svg

SVG = "{http://www.w3.org/2000/svg}"

OVER_TIME = Chart(
    title="Latency over time",
    x_label="seconds of the measured phase",
    y_label="latency (ms)",
    lines=(
        Line(name="p50", points=tuple((float(t), 1.0 + t / 10) for t in range(30))),
        Line(name="p99", points=tuple((float(t), 5.0 + t % 7) for t in range(30))),
    ),
)
BY_PERCENTILE = Chart(
    title="Latency by percentile",
    x_label="percentile",
    y_label="latency (ms)",
    lines=(Line(name="latency", points=((0, 0.4), (50, 1.2), (90, 3.0), (99, 12.0), (99.9, 80))),),
    x_scale="nines",
)


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(chart_svg(chart).encode("utf-8"))


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def test_a_chart_is_a_valid_standalone_svg_document() -> None:
    text = chart_svg(OVER_TIME, width=640, height=300)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG}svg" and root.get("version") == "1.1"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == (
        "640", "300", "0 0 640 300"
    )  # fmt: skip
    assert {"Latency over time", "seconds of the measured phase", "latency (ms)", "p50", "p99"} <= (
        set(texts(root))
    )
    lines = root.findall(f"{SVG}polyline")[1:]  # the first is the axes
    assert len(lines) == 2 and lines[0].get("stroke") != lines[1].get("stroke")
    assert len(lines[0].get("points", "").split()) == 30


def test_the_same_chart_gives_the_same_bytes() -> None:
    assert chart_svg(BY_PERCENTILE) == chart_svg(BY_PERCENTILE)
    assert chart_svg(OVER_TIME) != chart_svg(BY_PERCENTILE)


def test_linear_ticks_are_round_and_start_at_zero() -> None:
    labels = texts(parse(OVER_TIME))
    assert labels[1:8] == ["0", "2", "4", "6", "8", "10", "12"]  # y: the values reach 11
    assert labels[8:15] == ["0", "5", "10", "15", "20", "25", "30"]  # x: 0 .. 29 s


def test_the_nines_axis_spaces_percentiles_by_their_nines() -> None:
    root = parse(BY_PERCENTILE)
    assert [t for t in texts(root) if t.endswith("%")] == ["0%", "50%", "90%", "99%", "99.9%"]
    ticks = {e.text: float(e.get("x", "0")) for e in root.iter(f"{SVG}text")}
    assert ticks["99%"] - ticks["90%"] == pytest.approx(ticks["99.9%"] - ticks["99%"], abs=0.2)
    assert ticks["90%"] - ticks["0%"] == pytest.approx(ticks["99%"] - ticks["90%"], abs=0.2)


def test_a_log_axis_has_powers_of_ten_and_skips_what_it_cannot_draw() -> None:
    chart = Chart(
        title="t",
        x_label="x",
        y_label="y",
        lines=(Line(name="a", points=((1, 0.5), (2, 0.0), (3, 40.0), (4, float("nan")))),),
        y_scale="log",
    )
    root = parse(chart)
    assert texts(root)[1:5] == ["0.1", "1", "10", "100"]
    assert len(root.findall(f"{SVG}polyline")[1].get("points", "").split()) == 2


def test_empty_lines_and_an_empty_chart_still_draw_axes() -> None:
    one = Line(name="one", points=((3.0, 7.0),))
    chart = Chart(title="t", x_label="x", y_label="y", lines=(Line(name="none", points=()), one))
    root = parse(chart)
    assert len(root.findall(f"{SVG}polyline")) == 1 and len(root.findall(f"{SVG}circle")) == 1
    empty = parse(Chart(title="t", x_label="x", y_label="y", lines=()))
    assert "no data" in texts(empty) and len(empty.findall(f"{SVG}polyline")) == 1


def test_titles_labels_and_names_are_escaped() -> None:
    chart = Chart(
        title='p99 <250ms & "fast"',
        x_label="a<b",
        y_label="c>d",
        lines=(Line(name="<script>", points=((0, 1), (1, 2))),),
    )
    text = chart_svg(chart)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert {'p99 <250ms & "fast"', "a<b", "c>d", "<script>"} <= set(texts(parse(chart)))


# --- the reports ------------------------------------------------------------------------------


def review() -> Review:
    outcome = Outcome(status=Status.FAIL, summary="slow", charts=(OVER_TIME, BY_PERCENTILE))
    ran = CheckResult(check="load.latency", kind=Kind.LIVE, outcome=outcome, seconds=1.0)
    item = Item(id="perf.latency", title="Fast", section="perf", level=Level.MUST)
    return Review(
        service="s",
        profiles=(),
        root=".",
        sections=(),
        results=(ItemResult(item=item, status=Status.FAIL, reason="slow", checks=(ran,)),),
        scope=frozenset({Kind.LIVE}),
        policy=Policy(),
    )


def test_the_json_report_carries_the_charts_and_matches_the_schema() -> None:
    schema = json.loads(files("golive.report").joinpath("review.schema.json").read_text("utf-8"))
    document: Any = json.loads(render(Format.JSON, review(), decide(review()), RenderOptions()))
    Draft202012Validator(schema).validate(document)
    charts = document["items"][0]["checks"][0]["charts"]
    assert [c["title"] for c in charts] == ["Latency over time", "Latency by percentile"]
    assert charts[1] | {"lines": None} == {
        "title": "Latency by percentile", "x_label": "percentile", "y_label": "latency (ms)",
        "x_scale": "nines", "y_scale": "linear", "lines": None,
    }  # fmt: skip
    assert charts[1]["lines"][0]["points"][:2] == [[0, 0.4], [50, 1.2]]
    charts[0]["x_scale"] = "log"
    assert not Draft202012Validator(schema).is_valid(document)


def test_the_markdown_report_counts_the_plots() -> None:
    text = render(Format.MARKDOWN, review(), decide(review()), RenderOptions())
    assert "plots: 2 (see --plots)" in text and "<svg" not in text
