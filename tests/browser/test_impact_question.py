"""'Did an intervention change an outcome?' (the evaluation analyst's question, issue 14) answered in one click
from Home: the estimate sentence with its interval is on screen, and the page's link reopens the same estimate in a
fresh browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import streamlit_dom as dom

pytestmark = pytest.mark.browser

ANSWER = re.compile(r"the gap in .+ changed by -?[\d.]+ percentage points \(95% CI -?[\d.]+ to -?[\d.]+\)")


def test_intervention_effect_in_one_click_from_home(
    page: Page, app_url: str, browser: Browser, browser_context_args: dict
) -> None:
    dom.open_page(page, f"{app_url}/", heading="LEO Explorer")
    page.get_by_role("link", name="Did an intervention change an outcome?").click()
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Intervention impact", level=1)).to_be_visible(timeout=60_000)
    dom.wait_idle(page)
    answer = main.get_by_text(ANSWER).first
    expect(answer).to_be_visible()
    assert dom.page_problems(page) == []

    dom.assert_link_reopens(
        browser, browser_context_args, page, heading="Intervention impact", sentence=answer.inner_text()
    )
