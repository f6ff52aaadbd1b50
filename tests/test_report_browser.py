"""The report in a real browser: Debian's chromium, headless, with every request outside the file refused.

Keeps a screenshot as an artefact: outputs/report.png. Skips (saying why) only where chromium
or the playwright driver is not installed; .ci/run installs chromium.
"""
from __future__ import annotations

import pathlib
import shutil

import pytest

from pipeline import KnowledgeStore
from pipeline.report import SECTIONS, write
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SCREENSHOT = ROOT / "outputs" / "report.png"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run does it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def test_report_renders_offline_with_every_section_and_plot(browser, embedded_store, tmp_path):
    with KnowledgeStore(embedded_store) as ks:
        path, _ = write(ks, tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests, outside, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    def guard(route):
        if route.request.url.startswith(("file://", "data:", "about:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(path.as_uri(), wait_until="load")
    assert outside == [] and all(u.startswith(("file://", "data:", "about:")) for u in requests), requests
    assert errors == []
    for sid, title in SECTIONS:
        section = page.locator(f"section#{sid}")
        assert section.count() == 1 and title in section.locator("h2").inner_text()
        assert section.is_visible()
    plots = page.locator("figure.plot svg")
    assert plots.count() >= 5
    for i in range(plots.count()):
        box = plots.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 30      # drawn, not an empty element
        assert plots.nth(i).locator("text").count() > 0                # with axis labels
    # the statistics table sorts by a click on a column
    header = page.locator("section#statistics th", has_text="value")
    header.click()
    values = [float(v) for v in page.locator("section#statistics tbody td:first-child").evaluate_all(
        "cells => cells.map(c => c.dataset.sort || 'NaN')") if v != "NaN"]
    assert values == sorted(values)
    header.click()
    values = [float(v) for v in page.locator("section#statistics tbody td:first-child").evaluate_all(
        "cells => cells.map(c => c.dataset.sort || 'NaN')") if v != "NaN"]
    assert values == sorted(values, reverse=True)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.goto(path.as_uri(), wait_until="load")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 50_000
    page.close()
