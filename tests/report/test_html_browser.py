"""The HTML report in a real browser: Debian's chromium driven by Playwright, offline.

The page is opened from a file with every other request refused; the tests read what a
person sees: the banner, how many items show after a click on a filter or a search, the
charts, and that the Content-Security-Policy lets the page's own script run and nothing else.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from golive_cli import golive

from golive.gate import decide
from golive.model import (
    Chart,
    CheckResult,
    Finding,
    Item,
    ItemResult,
    Kind,
    Level,
    Line,
    Location,
    Outcome,
    Policy,
    Review,
    Section,
    Status,
)
from golive.report import Format, RenderOptions, render

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).parents[2] / "examples" / "service"
SETTLED = {"pass", "not_applicable", "waived"}
VISIBLE_ITEMS = "#items article:visible"
HOSTILE = '</style><script>window.pwned = 1; alert("x")</script><img src=x onerror="pwned=2">'


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    """One browser and one context for the module (starting them is most of the time); each
    test opens its own page."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
    )
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium)
        context = launched.new_context(viewport={"width": 1280, "height": 900})
        yield context
        context.close()
        launched.close()


@dataclass
class Visit:
    """An open report, with what it asked for and what it said."""

    page: Page
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def visible(self) -> int:
        return self.page.locator(VISIBLE_ITEMS).count()

    def visible_statuses(self) -> set[str]:
        statuses = self.page.locator(VISIBLE_ITEMS).evaluate_all(
            "items => items.map(item => item.dataset.status)"
        )
        return set(statuses)

    def assert_offline_and_clean(self) -> None:
        """Nothing left the machine, and the policy refused nothing the page needs."""
        assert self.refused == []
        assert all(url.startswith(("file:", "data:")) for url in self.requests), self.requests
        assert not [line for line in self.console if "Content Security Policy" in line]
        assert self.errors == [] and self.dialogs == []


def visit(browser: BrowserContext, path: Path, *, dark: bool = False) -> Visit:
    page = browser.new_page()
    page.emulate_media(color_scheme="dark" if dark else "light")
    seen = Visit(page=page)

    def only_files(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            seen.refused.append(url)
            route.abort()

    page.route("**/*", only_files)
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on("console", lambda message: seen.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen.errors.append(str(error)))

    def dismiss(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(path.as_uri())
    return seen


def screenshot(page: Page, path: Path, **options: Any) -> None:
    page.screenshot(path=path, **options)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000


# --- the example service, through the command line ------------------------------------------


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed; the example service needs it")
    out = tmp_path_factory.mktemp("example")
    run = golive("check", EXAMPLE, "-f", f"html={out / 'r.html'}", "-f", f"json={out / 'r.json'}")
    assert run.returncode == 1, run.stderr  # NO-GO
    return out / "r.html", json.loads((out / "r.json").read_text("utf-8"))


def test_the_example_report_filters_and_searches_offline(
    browser: BrowserContext, example: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path, document = example
    # About 200 KB, half of it the review's own text: a guard against bloat, not a target.
    assert path.stat().st_size < 300_000
    statuses = [item["status"] for item in document["items"]]
    total = len(statuses)
    seen = visit(browser, path)
    page = seen.page
    assert page.get_attribute("html", "data-script") == "ran"  # the policy let the script run
    assert page.inner_text("#verdict") == "NO-GO"
    assert document["decision"]["summary"] in page.inner_text("header.banner")
    assert seen.visible() == total and page.inner_text("#shown") == f"Showing all {total} items."

    page.get_by_role("button", name="Needs attention").click()
    attention = [s for s in statuses if s not in SETTLED]
    assert seen.visible() == len(attention) and not seen.visible_statuses() & SETTLED
    assert page.inner_text("#shown") == f"Showing {len(attention)} of {total} items."

    page.get_by_role("checkbox", name=re.compile(r"pending")).uncheck()
    assert seen.visible() == len(attention) - statuses.count("pending")
    assert "pending" not in seen.visible_statuses()

    page.locator('a[data-only="fail"]').click()  # the count of failures at the top
    assert seen.visible() == statuses.count("fail") > 0 and seen.visible_statuses() == {"fail"}

    # A link to an item the filters hide shows every item again, and that one.
    pending = next(b["item"] for b in document["decision"]["blocking"] if b["status"] == "pending")
    page.locator(f'#decision a[href="#item-{pending}"]').click()
    assert seen.visible() == total and page.locator(f'[id="item-{pending}"]').is_visible()

    page.get_by_role("checkbox", name="Blocking only").check()
    assert seen.visible() == len(document["decision"]["blocking"])
    page.get_by_role("button", name="All").click()

    # A finding's fingerprint finds exactly the items whose checks report it.
    clippy = next(i for i in document["items"] if i["id"] == "quality.clippy")
    fingerprint = clippy["checks"][0]["findings"][0]["fingerprint"]
    reporting = [
        item["id"]
        for item in document["items"]
        if any(f["fingerprint"] == fingerprint for c in item["checks"] for f in c["findings"])
    ]
    page.get_by_label("Search").fill(fingerprint)
    assert seen.visible() == len(reporting) and page.locator("#item-quality\\.clippy").is_visible()
    assert page.inner_text("#shown") == f"Showing {len(reporting)} of {total} items."
    page.get_by_label("Search").fill("no such text anywhere")
    assert seen.visible() == 0 and page.locator("#no-match").is_visible()
    page.get_by_label("Search").fill("")
    assert seen.visible() == total

    screenshot(page, tmp_path / "example.png")
    seen.assert_offline_and_clean()


# --- a review with load-test charts, built by hand ----------------------------------------------


def load_review() -> Review:
    over_time = Chart(
        title="Latency over time",
        x_label="seconds of the measured phase",
        y_label="latency (ms)",
        lines=(
            Line(name="p50", points=tuple((t, 2 + math.sin(t / 3)) for t in range(60))),
            Line(name="p99", points=tuple((t, 9 + 3 * math.sin(t / 5)) for t in range(60))),
        ),
    )
    by_percentile = Chart(
        title="Latency by percentile",
        x_label="percentile",
        y_label="latency (ms)",
        lines=(Line(name="latency", points=((0, 0.4), (50, 1.9), (90, 4.2), (99, 11.0))),),
        x_scale="nines",
        y_scale="log",
    )
    latency = CheckResult(
        check="load.latency",
        kind=Kind.LIVE,
        outcome=Outcome(
            status=Status.FAIL,
            summary="p99 11 ms over the 10 ms limit",
            observed="p99 11.0 ms at 200 req/s",
            required="p99 < 10 ms",
            findings=(Finding(message="p99 over the limit", fingerprint="load.latency:/"),),
            remediation="Profile the slow path under load.",
            facts={"requests": 12000, "rate": 200.0, "p99_ms": 11.0},
            charts=(over_time, by_percentile),
        ),
    )
    clean = CheckResult(
        check="source.todo",
        kind=Kind.STATIC,
        outcome=Outcome(
            status=Status.FAIL,
            summary="1 marker left",
            findings=(
                Finding(
                    message="TODO: later",
                    location=Location(path="src/lib.rs", line=5, column=3),
                    fingerprint="0123456789abcdef",
                ),
            ),
        ),
    )

    def item(id: str, level: Level, status: Status, *checks: CheckResult) -> ItemResult:
        entry = Item(id=id, title=id.title(), section=id.partition(".")[0], level=level)
        return ItemResult(item=entry, status=status, reason=f"{id} is {status}", checks=checks)

    return Review(
        service="greeter",
        profiles=("production",),
        root=".",
        sections=(Section(id="perf", title="Performance"), Section(id="quality", title="Quality")),
        results=(
            item("perf.latency", Level.MUST, Status.FAIL, latency),
            item("perf.p99", Level.SHOULD, Status.FAIL, latency),  # the same run: charts once
            item("perf.docs", Level.SHOULD, Status.PASS),
            item("quality.todo", Level.SHOULD, Status.FAIL, clean),
            item("quality.review", Level.MUST, Status.PENDING),
        ),
        scope=frozenset({Kind.LIVE, Kind.STATIC, Kind.ATTEST}),
        policy=Policy(),
        started_at="2025-06-01T09:30:00+00:00",
        seconds=61.5,
        version="0.1.0",
    )


def write(review: Review, path: Path) -> Path:
    path.write_text(render(Format.HTML, review, decide(review), RenderOptions()), "utf-8")
    return path


def test_load_test_charts_are_drawn_inline(browser: BrowserContext, tmp_path: Path) -> None:
    seen = visit(browser, write(load_review(), tmp_path / "load.html"))
    page = seen.page
    charts = page.locator("figure.chart svg")
    assert charts.count() == 2
    for index, label in enumerate(["Latency over time", "Latency by percentile"]):
        chart = charts.nth(index)
        assert chart.get_attribute("aria-label") == label
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 120
    assert chart.locator("polyline").count() >= 2  # the axes and the line
    assert "drawn under" in page.inner_text('[id="item-perf.p99"]')
    screenshot(page, tmp_path / "chart.png", full_page=True)
    seen.assert_offline_and_clean()


def test_the_keyboard_alone_filters(browser: BrowserContext, tmp_path: Path) -> None:
    seen = visit(browser, write(load_review(), tmp_path / "keys.html"))
    page = seen.page
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("todo")
    assert seen.visible() == 1
    page.locator("#search").fill("")
    page.get_by_role("checkbox", name=re.compile(r"fail")).focus()
    page.keyboard.press("Space")
    assert seen.visible() == 2 and seen.visible_statuses() == {"pass", "pending"}
    seen.assert_offline_and_clean()


def test_dark_mode_and_print(browser: BrowserContext, tmp_path: Path) -> None:
    seen = visit(browser, write(load_review(), tmp_path / "dark.html"), dark=True)
    page = seen.page
    background = "getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(background) == "rgb(13, 17, 23)"
    page.emulate_media(media="print")
    assert page.evaluate(background) == "rgb(255, 255, 255)"
    assert not page.locator("#filters fieldset").is_visible()
    assert page.locator("#filters #shown").is_visible()
    # Printing opens the collapsed parts (a listener added after the page's sees them open)
    # and closes them again after.
    closed = "document.querySelectorAll('details:not([open])').length"
    assert page.evaluate(closed) == 2  # the facts of the two checks
    page.evaluate(
        f"window.addEventListener('beforeprint', () => {{ window.closedInPrint = {closed}; }})"
    )
    assert page.pdf().startswith(b"%PDF")
    assert page.evaluate("window.closedInPrint") == 0 and page.evaluate(closed) == 2
    seen.assert_offline_and_clean()


# --- the policy holds ---------------------------------------------------------------------------


def test_the_harness_sees_and_refuses_a_request_to_the_network(
    browser: BrowserContext, tmp_path: Path
) -> None:
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<!DOCTYPE html><img src="http://192.0.2.1/pixel.png" alt="">', "utf-8")
    seen = visit(browser, leaky)
    assert seen.refused == ["http://192.0.2.1/pixel.png"]


def test_a_tampered_script_is_refused_and_the_report_still_reads(
    browser: BrowserContext, tmp_path: Path
) -> None:
    text = (write(load_review(), tmp_path / "load.html")).read_text("utf-8")
    tampered = tmp_path / "tampered.html"
    tampered.write_text(text.replace("panel.hidden = false;", "panel.hidden = !1;"), "utf-8")
    seen = visit(browser, tampered)
    page = seen.page
    assert any("Content Security Policy" in line for line in seen.console), seen.console
    assert page.get_attribute("html", "data-script") is None
    assert not page.locator("#filters").is_visible()
    assert seen.visible() == len(load_review().results)  # everything reads without the script
    assert page.locator("figure.chart svg").count() == 2


def test_hostile_text_shows_literally_and_runs_nothing(
    browser: BrowserContext, tmp_path: Path
) -> None:
    base = load_review()
    first = base.results[0]
    evil = ItemResult(
        item=Item(id="perf.evil", title=HOSTILE, section="perf", level=Level.MUST),
        status=Status.FAIL,
        reason=HOSTILE,
        checks=(
            CheckResult(
                check="x.evil",
                kind=Kind.STATIC,
                outcome=Outcome(
                    status=Status.FAIL,
                    summary=HOSTILE,
                    findings=(Finding(message=HOSTILE, location=Location(path=HOSTILE)),),
                    remediation=HOSTILE,
                    facts={HOSTILE: HOSTILE},
                ),
            ),
        ),
    )
    review = Review(
        service=HOSTILE,
        profiles=(HOSTILE,),
        root=".",
        sections=(Section(id="perf", title=HOSTILE),),
        results=(first, evil),
        scope=base.scope,
        policy=base.policy,
    )
    seen = visit(browser, write(review, tmp_path / "hostile.html"))
    page = seen.page
    assert page.evaluate("window.pwned") is None
    assert page.title() == f"golive NO-GO: {HOSTILE}"
    assert HOSTILE in page.inner_text("h1")
    assert page.inner_text('[id="item-perf.evil"]').count(HOSTILE) >= 4
    assert page.locator("img").count() == 0
    assert page.get_attribute("html", "data-script") == "ran"
    seen.assert_offline_and_clean()
