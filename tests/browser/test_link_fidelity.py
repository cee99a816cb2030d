"""Every link reproduces exactly what was seen, and choices never leak between pages (issue 14, item 3).

A user changes every choice a page offers; the page's address, opened in a fresh browser, must show the same
sidebar, the same charts (titles and data), the same headings and the same sentences. And after choices on one
page, opening another page from the navigation shows that page as its own link would (its defaults), not with the
first page's table or measure carried over.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import streamlit_dom as dom
from tests.browser.cases import NAV_PAGES, case_for, page_id
from tests.browser.test_choice_walks import WALK_PAGES, change_every_choice

pytestmark = pytest.mark.browser

_SENTENCES_JS = """() => Array.from(document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p, [data-testid="stMain"] [data-testid="stMetric"]'))
  .map(e => e.innerText.trim()).filter(t => t.length > 0)"""


def what_is_seen(page: Page) -> dict[str, object]:
    return {
        "sidebar": dom.sidebar_widgets(page),
        "figures": dom.figures(page),
        "headings": dom.main_headings(page),
        "sentences": page.evaluate(_SENTENCES_JS),
    }


def reopened(browser: Browser, context_args: dict, url: str, heading: str, charts: int) -> dict[str, object]:
    context = browser.new_context(**context_args)
    try:
        fresh = context.new_page()
        dom.open_page(fresh, url, heading=heading, charts=charts)
        dom.wait_idle(fresh)
        assert dom.page_problems(fresh) == []
        return what_is_seen(fresh)
    finally:
        context.close()


def assert_same(seen: dict[str, object], again: dict[str, object], url: str) -> None:
    for part in ("sidebar", "headings", "sentences", "figures"):
        assert again[part] == seen[part], f"{url}: the link shows other {part}"


@pytest.mark.parametrize("nav", WALK_PAGES, ids=page_id)
def test_link_after_changing_every_choice_reproduces_the_view(
    page: Page, app_url: str, nav, browser: Browser, browser_context_args: dict
) -> None:
    case = case_for(nav)
    dom.open_page(page, f"{app_url}/{nav.url_path}", heading=case.heading, charts=case.charts)
    dom.wait_idle(page)
    steps = change_every_choice(page, skip="")
    seen = what_is_seen(page)
    again = reopened(browser, browser_context_args, page.url, case.heading, len(seen["figures"]))
    assert_same(seen, again, f"{page.url} after {steps}")


CHART_NAV = [p for p in NAV_PAGES if (c := case_for(p)) is not None and c.charts and p.url_path]


@pytest.mark.parametrize("nav", CHART_NAV, ids=page_id)
def test_choices_on_one_page_do_not_leak_into_another(
    page: Page, app_url: str, nav, browser: Browser, browser_context_args: dict
) -> None:
    """Change every choice on the chart page before this one in the navigation (the last for the first), then open
    this page from the navigation: it shows what its own link shows."""
    case = case_for(nav)
    for other in [CHART_NAV[CHART_NAV.index(nav) - 1]]:
        other_case = case_for(other)
        dom.open_page(page, f"{app_url}/{other.url_path}", heading=other_case.heading, charts=other_case.charts)
        dom.wait_idle(page)
        change_every_choice(page, skip="")
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=nav.title, exact=True).click()
        dom.wait_idle(page)
        page.get_by_role("heading", name=case.heading, level=1).wait_for()
        dom.wait_idle(page)
        seen = what_is_seen(page)
        again = reopened(browser, browser_context_args, page.url, case.heading, len(seen["figures"]))
        assert_same(seen, again, f"{page.url} opened after changing {other.url_path}")
