"""Headlines: after choosing one table and a year, going back to 'Best table for each headline' shows every
headline at its latest year without an error (the year control is bound to the link; Streamlit refuses a direct
edit of a bound link value, which only a browser run shows)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser import streamlit_dom as dom

pytestmark = pytest.mark.browser


def test_back_to_all_tables_after_choosing_a_year(page: Page, app_url: str) -> None:
    dom.open_page(page, f"{app_url}/overview", heading="Headlines")
    dom.wait_idle(page)
    before = dom.view_state(page)
    table = dom.choose_other_option(page, "Table")
    dom.wait_view_changed(page, before)  # an idle check straight after the click can run before the rerun
    # the year control appears in the run that draws the chosen table
    page.wait_for_function(
        "selector => document.querySelector('[data-testid=stSidebarUserContent]')"
        ".querySelectorAll(selector).length > 1",
        arg=dom.WIDGET_SELECTOR,
    )
    dom.wait_idle(page)
    year_label = next(label for label in dom.sidebar_widgets(page) if label not in ("Table",))
    before = dom.view_state(page)
    dom.choose_other_option(page, year_label)
    dom.settle_after_choice(page, before)
    assert dom.page_problems(page) == []
    assert table in page.url and parse_qs(urlparse(page.url).query).get(
        next(k for k in parse_qs(urlparse(page.url).query) if k != "table")
    ), page.url

    before = dom.view_state(page)
    dom.choose_other_option(page, "Table")  # the first other option is "Best table for each headline"
    dom.wait_view_changed(page, before)
    expect(page).to_have_url(re.compile(r"/overview$"))  # a clean link: the default table, no year
    assert dom.page_problems(page) == []
    assert dom.sidebar_widgets(page) == {"Table": "Best table for each headline"}
    main = page.locator('[data-testid="stMain"]')
    assert "applies only when one table is chosen" not in main.inner_text()  # the user did not ask for a year
