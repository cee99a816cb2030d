"""Regional mobility and earnings in a real browser: the map of England's regions is drawn offline (no request
leaves the machine, no tiles), each region is filled, axe-core finds no serious problem, and choosing another
measure redraws the map, goes into the link and the link reopens it."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import streamlit_dom as dom
from tests.browser.test_accessibility import assert_axe_clean

pytestmark = pytest.mark.browser

HEADING = "Regional mobility and earnings"


def _map_traces(page: Page) -> list[dict]:
    return page.evaluate(
        """() => {
            const gd = document.querySelector('.js-plotly-plot');
            return gd.data.map(t => ({type: t.type, locations: Array.from(t.locations || []),
                                      z: Array.from(t.z || []), customdata: t.customdata}));
        }"""
    )


def test_map_draws_offline_passes_axe_and_follows_the_measure(
    page: Page, app_url: str, browser: Browser, browser_context_args: dict
) -> None:
    outside: list[str] = []
    host = urlparse(app_url).netloc
    # Streamlit itself fetches the page's Material icon from fonts.gstatic.com (the app frame, not the map).
    own = (host, "", "fonts.gstatic.com")
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).netloc not in own else None)
    dom.open_page(page, f"{app_url}/regional?subject=Computing", heading=HEADING, charts=1)
    assert dom.page_problems(page) == []
    # The map is drawn by MapLibre on a canvas: it must have drawn something (WebGL available, no error box).
    canvas = page.locator('[data-testid="stPlotlyChart"] canvas').first
    expect(canvas).to_be_visible()
    assert page.locator(".js-plotly-plot").get_by_text("WebGL is not supported").count() == 0
    traces = _map_traces(page)
    assert traces[0]["type"] == "choroplethmap"
    drawn = [code for t in traces for code in t["locations"]]
    assert sorted(drawn) == [f"E1200000{i}" for i in range(1, 10)]  # every region filled, by value or as a gap
    (figure,) = dom.figures(page)
    assert figure.title.startswith("Graduates living in each region: first-degree graduates of Computing")
    assert outside == [], f"the map fetched from outside the app: {outside[:5]}"

    assert_axe_clean(page, "regional map, default view")

    before = dom.view_state(page)
    chosen = dom.choose_other_option(page, "Map shows")
    dom.wait_view_changed(page, before)
    assert dom.page_problems(page) == []
    (after,) = dom.figures(page)
    assert after.title != figure.title and after.title.startswith(chosen.split(" (")[0].replace("in the region", ""))
    expect(page).to_have_url(re.compile(r"measure=trained"))
    sentence = (
        page.locator('[data-testid="stMain"]').get_by_text(re.compile(r"^For first-degree graduates")).inner_text()
    )
    dom.assert_link_reopens(browser, browser_context_args, page, heading=HEADING, sentence=sentence)
