"""'How does provider X compare with its peers?' answered in three clicks from Home (issue 14, item 2): the question
link, the provider search box, the provider. The answer (its rank among all providers on each outcome and its place
on the funnel plot) is on screen, the detail charts label the provider, and the page's link reopens the same
profile in a fresh browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import streamlit_dom as dom

pytestmark = pytest.mark.browser

PROVIDER_ID = "10000055"  # a real FE college in both published FE tables
PROVIDER = "ABINGDON AND WITNEY COLLEGE"


def test_provider_compared_with_peers_in_three_clicks_from_home(
    page: Page, app_url: str, browser: Browser, browser_context_args: dict
) -> None:
    dom.open_page(page, f"{app_url}/", heading="LEO Explorer")
    page.get_by_role("link", name="How does a provider compare with its peers?").click()  # click 1
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Provider profile", level=1)).to_be_visible(timeout=60_000)
    dom.wait_idle(page)

    before = dom.view_state(page)
    search = dom.sidebar_widget(page, "Provider").get_by_role("combobox")
    search.click()  # click 2: the searchable list opens
    search.press_sequentially("ABINGDON AND W")
    page.get_by_role("option", name=f"{PROVIDER} ({PROVIDER_ID})").click()  # click 3
    dom.wait_view_changed(page, before)

    expect(main.get_by_role("heading", name=PROVIDER, level=2)).to_be_visible()
    answer = main.get_by_text(re.compile(rf"{PROVIDER} ranks \d+\w\w highest of [\d,]+ providers"))
    expect(answer).to_be_visible()
    assert re.search(r"(within|above|below) the (funnel plot's )?9", answer.inner_text())
    expect(page).to_have_url(re.compile(rf"provider={PROVIDER_ID}"))
    shown = dom.figures(page)
    assert len(shown) == 3  # ranking, funnel plot and trend of the outcome in detail (no earnings in FE tables)
    for figure in shown:  # the provider is named in each chart: bar label, funnel dot label, trend line
        assert (
            PROVIDER in "".join(figure.traces)
            or PROVIDER in page.locator(".js-plotly-plot").all_inner_texts()[shown.index(figure)]
        ), figure.title
    assert dom.page_problems(page) == []

    dom.assert_link_reopens(
        browser,
        browser_context_args,
        page,
        heading="Provider profile",
        sentence=answer.inner_text(),
        sidebar={"Provider": f"{PROVIDER} ({PROVIDER_ID})"},
    )
