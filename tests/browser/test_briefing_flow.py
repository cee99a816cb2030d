"""The briefing pack in a real browser: a chart added on an analysis page appears on the Briefing pack page (same
session) with its summary, chart and table, passes axe-core, and the briefing's link rebuilds it in a fresh browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import streamlit_dom as dom
from tests.browser.test_accessibility import MIN_TEXT_CONTRAST, assert_axe_clean, contrast_on_white

pytestmark = pytest.mark.browser


def test_added_chart_reaches_the_briefing_and_its_link_rebuilds_it(
    page: Page, app_url: str, browser: Browser, browser_context_args: dict
) -> None:
    dom.open_page(page, f"{app_url}/earnings", heading="Subject earnings", charts=1)
    (figure,) = dom.figures(page)
    # The summary sentence printed under the chart's tabs.
    sentence = (
        dom.view_tabs(page).first.locator("xpath=following::*[@data-testid='stMarkdownContainer'][1]").inner_text()
    )
    title = dom.view_tabs(page).first.locator("xpath=preceding::*[self::h2 or self::h3 or self::h4][1]").inner_text()
    page.get_by_role("button", name="Add to briefing").first.click()
    expect(page.get_by_text("Added to the briefing.")).to_be_visible()
    dom.wait_idle(page)

    # Follow the sidebar link, as a user would: the session (and its basket) carries over.
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Briefing pack").click()
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Briefing pack", level=1)).to_be_visible()
    dom.wait_idle(page)
    item = main.get_by_text(f"1. {title}", exact=True)
    expect(item).to_be_visible()
    expect(main.get_by_text("This briefing contains synthetic demo data", exact=False)).to_be_visible()
    main.get_by_text("Chart and table", exact=True).click()
    chart = main.locator('[data-testid="stPlotlyChart"]')
    expect(chart).to_have_attribute("role", "figure")
    dom.wait_idle(page)
    assert [f.title for f in dom.figures(page)] == [figure.title]
    # Named by its title; the item's summary sentence is printed once, above it.
    name = chart.get_attribute("aria-label") or ""
    assert name.startswith(f"Chart: {title}") and "Summary above" in name, name
    expect(main.get_by_text(sentence, exact=True)).to_be_visible()
    assert dom.read_grid(main.locator('[data-testid="stDataFrame"]')).rows
    low = [(text, fill) for text, fill in dom.svg_text_colours(page) if contrast_on_white(fill) < MIN_TEXT_CONTRAST]
    assert not low, f"chart text below {MIN_TEXT_CONTRAST}:1: {low[:5]}"
    assert_axe_clean(page, "briefing with one item, chart open")
    assert dom.page_problems(page) == []

    link = main.locator('[data-testid="stCode"]').filter(has_text="/briefing?basket=").inner_text().strip()
    # The share link is absolute (issue 14, item 3): pasted into an e-mail it opens this dashboard's briefing page.
    assert link.startswith(f"{app_url}/briefing?basket="), link
    fresh_context = browser.new_context(**browser_context_args)
    try:
        fresh = fresh_context.new_page()
        dom.open_page(fresh, link, heading="Briefing pack")
        expect(fresh.get_by_text(f"1. {title}", exact=True)).to_be_visible()
        fresh.get_by_text("Chart and table", exact=True).click()
        fresh.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()
        dom.wait_idle(fresh)
        assert dom.figures(fresh) == dom.figures(page)
        assert dom.page_problems(fresh) == []
    finally:
        fresh_context.close()


def test_briefing_items_are_headings_with_named_buttons_and_removal_is_announced(page: Page, app_url: str) -> None:
    # Issue 14, item 8: titles were bold text, every item's buttons were called "Move up"/"Remove", and a removal
    # left screen-reader users with no word of what happened.
    dom.open_page(page, f"{app_url}/earnings", heading="Subject earnings", charts=1)
    title = dom.view_tabs(page).first.locator("xpath=preceding::*[self::h2 or self::h3 or self::h4][1]").inner_text()
    page.get_by_role("button", name="Add to briefing").first.click()
    expect(page.get_by_text("Added to the briefing.")).to_be_visible()
    dom.wait_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Briefing pack").click()
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Briefing pack", level=1)).to_be_visible()
    dom.wait_idle(page)
    expect(main.get_by_role("heading", name=f"1. {title}", level=3)).to_be_visible()
    expect(main.get_by_role("button", name="Move item 1 up")).to_be_disabled()
    expect(main.get_by_role("link", name="Open item 1 on its page")).to_be_visible()
    main.get_by_role("button", name="Remove item 1").click()
    # Streamlit's alerts are live regions (role "status"), which screen readers announce.
    expect(main.get_by_role("status").filter(has_text="Removed item 1")).to_be_visible()
    expect(main.get_by_role("heading", name=f"1. {title}", level=3)).to_have_count(0)
