"""'Which subjects have the highest earnings five years after graduation?' answered from Home in one click
(issue 14, item 1), and the page's link reproduces the chart and sentence in a fresh browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import streamlit_dom as dom

pytestmark = pytest.mark.browser

ANSWER = re.compile(r"graduates of .+ had the highest median earnings five years after graduation")


def test_highest_earning_subjects_in_one_click_from_home(
    page: Page, app_url: str, browser: Browser, browser_context_args: dict
) -> None:
    dom.open_page(page, f"{app_url}/", heading="LEO Explorer")
    page.get_by_role("link", name="Which subjects have the highest earnings five years after graduation?").click()
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Subject ranking", level=1)).to_be_visible(timeout=60_000)
    dom.wait_idle(page)
    expect(main.get_by_text(ANSWER)).to_be_visible()
    (figure,) = dom.figures(page)
    assert "five years after graduation by subject" in figure.title
    assert dom.page_problems(page) == []

    # Choose another order: it goes into the link, and the link reopens the same chart and sentence.
    before = dom.view_state(page)
    assert dom.choose_other_option(page, "Order") == "Lower quartile, highest first"
    dom.wait_view_changed(page, before)  # the chart redrawn in the new order, not only the link updated
    expect(page).to_have_url(re.compile(r"sort=lq"))
    sentence = main.get_by_text(ANSWER).inner_text()
    dom.assert_link_reopens(browser, browser_context_args, page, heading="Subject ranking", sentence=sentence)
