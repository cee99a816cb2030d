"""Accessibility beyond axe (issue 14, item 8), in a real browser:

- on a screen 320 px wide and at 200% zoom (a 1280 px screen is 640 CSS px wide), every element the Tab key
  reaches is on screen, so keyboard focus stays visible (WCAG 2.4.7, 2.4.11); the closed sidebar is not walked;
- no chart tells its lines or groups apart by colour alone (WCAG 1.4.1): each legend entry differs from the others
  in marker shape, line dash or a text label;
- chart drawings are hidden from screen readers and each chart is named once.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import streamlit_dom as dom
from tests.browser.cases import CHART_PAGES, NAV_PAGES, case_for, page_id

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 720}
ZOOMED = {"width": 640, "height": 400}  # 1280 x 800 at 200% zoom, in CSS pixels
MAX_PRESSES = 45  # enough to cross the header, the sidebar (when walked) and the first views

_FOCUSED_BOX_JS = """() => {
  const a = document.activeElement;
  if (!a || a === document.body) return null;
  // Streamlit's data grid is a canvas; focus moves through a zero-size table kept for assistive technology while
  // the grid draws the focus ring on its cells, so the grid's own box is what must be on screen.
  const grid = a.closest('[data-testid="stDataFrame"]');
  const r = (grid || a).getBoundingClientRect();
  const label = (a.getAttribute('aria-label') || a.innerText || a.tagName).trim().slice(0, 40);
  return {label, left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height,
          inSidebar: !!a.closest('[data-testid="stSidebar"]')};
}"""


def off_screen_focus(page: Page, width: int) -> list[dict]:
    """Tab from the top: every element that takes focus but lies (partly) outside the viewport horizontally or
    has no size. The browser scrolls focus into view vertically, so only sideways and hidden stops are lost."""
    page.locator("body").focus()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    lost = []
    for _ in range(MAX_PRESSES):
        page.keyboard.press("Tab")
        box = page.evaluate(_FOCUSED_BOX_JS)
        if box is None:
            continue
        if box["width"] == 0 or box["height"] == 0 or box["right"] <= 0 or box["left"] >= width:
            lost.append(box)
    return lost


@pytest.mark.parametrize("viewport", [NARROW, ZOOMED], ids=["320px", "200pc-zoom"])
@pytest.mark.parametrize("nav", NAV_PAGES, ids=page_id)
def test_keyboard_focus_stays_on_screen_when_narrow(browser: Browser, app_url: str, nav, viewport) -> None:
    case = case_for(nav)
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        dom.open_page(page, f"{app_url}/{nav.url_path}", heading=case.heading, charts=case.charts)
        dom.wait_idle(page)
        lost = off_screen_focus(page, viewport["width"])
        assert lost == [], f"focus went off screen at {viewport['width']} px: {lost[:5]}"
        # The sidebar is still there for those who open it, and its filters then take focus.
        sidebar = page.locator('[data-testid="stSidebar"]')
        if sidebar.get_attribute("data-collapsed") == "true":
            # Tabbing round the page can leave focus on the skip link, which (shown only while focused) sits over
            # the Expand button on a narrow screen: let go of it first, as a pointer user's click would.
            page.evaluate("() => document.activeElement && document.activeElement.blur()")
            page.get_by_role("button", name="Expand sidebar").click()
            page.wait_for_function(
                "() => document.querySelector('[data-testid=\"stSidebar\"]').getAttribute('data-collapsed') === 'false'"
            )
            first_link = sidebar.get_by_role("link").first
            first_link.focus()
            assert page.evaluate(_FOCUSED_BOX_JS)["inSidebar"]
    finally:
        context.close()


_LEGEND_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
  title: String((gd.layout.meta && gd.layout.meta.title) || (gd.layout.title && gd.layout.title.text) || ''),
  entries: (gd._fullData || []).filter(t => t.type === 'scatter' && t.showlegend !== false && t.visible === true)
    .map(t => {
      const mode = String(t.mode || '');
      return {
        name: String(t.name || ''),
        colour: String((t.marker && typeof t.marker.color === 'string' && t.marker.color) || (t.line && t.line.color) || ''),
        symbol: mode.includes('markers') ? String(t.marker.symbol) : null,
        dash: mode.includes('lines') ? String(t.line.dash) : null,
        labelled: mode.includes('text') && (t.text || []).some(x => String(x).length > 0),
        role: t.meta && t.meta.role || null,
      };
    }),
  ariaHiddenSvgs: gd.querySelectorAll('svg.main-svg[aria-hidden="true"]').length,
  svgs: gd.querySelectorAll('svg.main-svg').length,
}))"""

MULTI_SERIES_LINKS = [
    ("earnings", "Subject earnings"),  # three subjects by default
    ("benefits?compare=subject", "Benefit claims"),  # a line per subject
    ("impact", "Intervention impact"),  # treated, comparison and the gap
    ("institutions?provider=90000016&provider=90000014", "Institution performance"),  # two highlighted providers
]


@pytest.mark.parametrize(("link", "heading"), MULTI_SERIES_LINKS, ids=[h for _, h in MULTI_SERIES_LINKS])
def test_no_chart_tells_its_lines_apart_by_colour_alone(page: Page, app_url: str, link: str, heading: str) -> None:
    dom.open_page(page, f"{app_url}/{link}", heading=heading, charts=1)
    dom.wait_idle(page)
    charts = page.evaluate(_LEGEND_JS)
    assert charts
    several = 0
    for chart in charts:
        entries = chart["entries"]
        if len({e["colour"] for e in entries}) > 1:
            several += 1
        looks = [(e["symbol"], e["dash"], e["name"] if e["labelled"] else None) for e in entries]
        clashes = [e["name"] for e, look in zip(entries, looks, strict=True) if looks.count(look) > 1]
        assert not clashes, f"{chart['title']!r}: told apart by colour only: {json.dumps(entries)}"
        # The drawing is hidden from screen readers: the figure's name and the summary under it speak for it.
        assert chart["svgs"] and chart["ariaHiddenSvgs"] == chart["svgs"], chart["title"]
    assert several, "no chart with several coloured series was checked"


@pytest.mark.parametrize("nav", CHART_PAGES, ids=page_id)
def test_each_chart_is_named_once_and_its_summary_read_once(page: Page, app_url: str, nav) -> None:
    case = case_for(nav)
    dom.open_page(page, f"{app_url}/{nav.url_path}", heading=case.heading, charts=case.charts)
    dom.wait_idle(page)
    figures = page.locator('[data-testid="stPlotlyChart"]')
    for index in range(figures.count()):
        figure = figures.nth(index)
        name = figure.get_attribute("aria-label") or ""
        assert name.startswith("Chart: "), name
        tree = figure.aria_snapshot()
        assert "- img:" not in tree.replace("- img\n", ""), tree[:400]  # no drawing text read out
