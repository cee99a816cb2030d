"""The Area selector in a real browser (issue 13, item 1), on the demo table published for England, its regions
and local authorities: choosing a region redraws the chart for that region, the link keeps it (`?area=`), and the
link opened in a fresh browser shows the same view."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page

from leo_dash import demo
from tests.browser import streamlit_dom as dom
from tests.browser.test_link_fidelity import assert_same, reopened, what_is_seen

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "heading", "charts"),
    [("earnings", "Subject earnings", 1), ("subject_ranking", "Subject ranking", 1), ("overview", "Headlines", 1)],
)
def test_choosing_an_area_redraws_for_it_and_the_link_keeps_it(
    page: Page, app_url: str, browser: Browser, browser_context_args: dict, path: str, heading: str, charts: int
) -> None:
    dom.open_page(page, f"{app_url}/{path}?table={demo.AREA_TABLE}", heading=heading, charts=charts)
    assert dom.sidebar_widgets(page)["Area"] == "England"
    england = [f.title for f in dom.figures(page)]
    before = dom.view_state(page)
    chosen = dom.choose_other_option(page, "Area")
    dom.settle_after_choice(page, before)
    assert chosen.endswith("(region)")
    region = chosen.removesuffix(" (region)")
    assert dom.page_problems(page) == []
    titles = [f.title.replace("<br>", " ") for f in dom.figures(page)]
    assert titles != england and any(region in t for t in titles), titles
    assert parse_qs(urlparse(page.url).query).get("area", [""])[0].startswith("E12")
    seen = what_is_seen(page)
    again = reopened(browser, browser_context_args, page.url, heading, len(seen["figures"]))
    assert_same(seen, again, page.url)
