"""Accessibility in a real browser: axe-core on every page (default view, then every chart's Table and Download
tabs), keyboard-only navigation to every sidebar filter, a table and text alternative for every chart, and the
contrast of text drawn inside charts (which axe-core does not check).

Findings are excused only when leo_dash.present.accessibility lists them as a known issue, for one rule on one
Streamlit-owned element, so the accessibility statement and these tests cannot drift apart.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from leo_dash.present import accessibility
from tests.browser import streamlit_dom as dom
from tests.browser.cases import CHART_PAGES, NAV_PAGES, NavPage, page_id
from tests.browser.test_pages import open_nav_page

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = ("serious", "critical")
MIN_TEXT_CONTRAST = 4.5  # WCAG 1.4.3 for normal-size text


def blocking(findings: list[dom.AxeFinding]) -> list[dom.AxeFinding]:
    return [f for f in findings if f.impact in BLOCKING_IMPACTS and not f.tolerated]


def assert_axe_clean(page: Page, state: str) -> None:
    """Run axe-core; fail on any serious or critical finding that is not a known issue, and on a known issue that
    axe-core no longer finds where it should (the statement must then drop it: Streamlit may have fixed it)."""
    tolerances = accessibility.axe_tolerances()
    present = [(rule, scope) for rule, scope in tolerances if page.locator(scope).count()]
    version, findings = dom.run_axe(page, tolerances)
    assert version == accessibility.LAST_TEST.axe_core_version, (
        f"axe-core {version} is not the version the accessibility statement reports: retest and update "
        "leo_dash.present.accessibility.LAST_TEST"
    )
    problems = blocking(findings)
    assert not problems, f"{state}: " + "\n".join(f.describe() for f in problems)
    tolerated = {f.rule for f in findings if f.tolerated}
    # Only where the element was there throughout the run: a toast may vanish while axe-core works.
    stale = [(rule, scope) for rule, scope in present if rule not in tolerated and page.locator(scope).count()]
    assert not stale, f"{state}: the statement lists {stale} as known issues but axe-core no longer finds them"


@pytest.mark.parametrize("nav", NAV_PAGES, ids=page_id)
def test_keyboard_reaches_every_filter_and_axe_finds_no_serious_problem(page: Page, app_url: str, nav: NavPage) -> None:
    """One page load for both (the suite's time budget): Tab round the page, then axe-core on the default view and
    with every view's Table tab, then Download tab, showing."""
    case = open_nav_page(page, app_url, nav)
    filters = list(dom.sidebar_widgets(page))
    walk = dom.tab_through(page)
    assert walk.widgets == filters, f"filters reached by Tab {walk.widgets}, filters in the sidebar {filters}"
    titles = [p.title for p in NAV_PAGES]
    reached = [next((t for t in titles if link.endswith(t)), link) for link in walk.nav_links]
    assert reached == titles, f"page links reached by Tab: {walk.nav_links}"
    if case.charts:
        assert walk.tabs.count("Chart") >= case.charts, f"chart tabs reached by Tab: {walk.tabs}"

    assert_axe_clean(page, "default view")
    levels = dom.main_heading_levels(page)
    assert levels[:1] == [1], f"the page must start with its h1: {levels}"
    skipped = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert not skipped, f"heading levels skip (WCAG 1.3.1): {levels}"
    tab_sets = dom.view_tabs(page)
    for tab_name in ("Table", "Download"):
        if not tab_sets.count():
            break
        for index in range(tab_sets.count()):
            tab_sets.nth(index).get_by_role("tab", name=tab_name, exact=True).click()
        expect(tab_sets.last.get_by_role("tab", name=tab_name, exact=True)).to_have_attribute("aria-selected", "true")
        if tab_name == "Table":
            tab_sets.last.locator('[data-testid="stDataFrame"] table[role="grid"]').wait_for(state="attached")
        assert_axe_clean(page, f"{tab_name} tabs showing")


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_on_white(css_colour: str) -> float:
    """WCAG contrast ratio of a CSS rgb()/rgba() colour against white."""
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)", css_colour.strip())
    assert match, f"unexpected colour {css_colour!r}"
    red, green, blue = (int(match.group(i)) for i in (1, 2, 3))
    alpha = float(match.group(4)) if match.group(4) is not None else 1.0
    # Blend a translucent fill over the white chart background before measuring it.
    red, green, blue = (round(alpha * v + (1 - alpha) * 255) for v in (red, green, blue))
    return 1.05 / (relative_luminance((red, green, blue)) + 0.05)


def test_contrast_measure_matches_wcag_examples() -> None:
    assert contrast_on_white("rgb(0, 0, 0)") == pytest.approx(21.0)
    assert contrast_on_white("rgb(128, 132, 149)") == pytest.approx(3.72, abs=0.01)  # Streamlit's chart grey
    assert contrast_on_white("rgb(40, 161, 151)") < 4.5  # the palette's turquoise: fine for lines, not for text
    assert contrast_on_white("rgba(0, 0, 0, 0)") == pytest.approx(1.0)


@pytest.mark.parametrize("nav", CHART_PAGES, ids=page_id)
def test_every_chart_has_a_text_and_table_alternative_and_legible_text(page: Page, app_url: str, nav: NavPage) -> None:
    open_nav_page(page, app_url, nav)
    # Text drawn inside the charts is SVG, which axe-core does not check: measure it against the white background.
    texts = dom.svg_text_colours(page)
    main = page.locator('[data-testid="stMain"]')
    charts = main.locator('[data-testid="stPlotlyChart"]')
    tab_sets = dom.view_tabs(page)
    in_tabs = tab_sets.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() == in_tabs.count() > 0, "a chart is drawn outside the Chart/Table/Download tabs"
    for index in range(tab_sets.count()):
        tabs = tab_sets.nth(index)
        chart = tabs.locator('[data-testid="stPlotlyChart"]')
        if not chart.count():
            continue  # a table-only view
        # The text alternative: the figure is named by its title (ui.chart_name, rendered by Streamlit as the
        # figure's accessible name) and its summary sentence is printed once, straight under the tabs.
        expect(chart).to_have_attribute("role", "figure")
        name = chart.get_attribute("aria-label") or ""
        assert name.startswith("Chart: ") and "Summary below" in name, f"chart {index} is not named: {name!r}"
        assert "\\" not in name, f"Markdown escapes in the chart's name would be read out: {name!r}"
        summary = tabs.locator("xpath=following::*[@data-testid='stMarkdownContainer'][1]")
        expect(summary).to_be_visible()
        assert len(summary.inner_text().split()) >= 5, f"chart {index} has no summary: {summary.inner_text()!r}"
        assert name.count(summary.inner_text()) == 0  # read once: the summary is not also the chart's name
        # The table alternative, opened from the keyboard: focus the Chart tab and press the right arrow.
        chart_tab = tabs.get_by_role("tab", name="Chart", exact=True)
        chart_tab.focus()
        page.keyboard.press("ArrowRight")
        table_tab = tabs.get_by_role("tab", name="Table", exact=True)
        expect(table_tab).to_be_focused()
        expect(table_tab).to_have_attribute("aria-selected", "true")
        grid = dom.read_grid(tabs.locator('[data-testid="stDataFrame"]'))
        assert grid.rows, f"chart {index}: its table is empty"

    assert texts, "no chart text found"
    low = [
        (text, fill, round(contrast_on_white(fill), 2))
        for text, fill in texts
        if contrast_on_white(fill) < MIN_TEXT_CONTRAST
    ]
    assert not low, f"chart text below {MIN_TEXT_CONTRAST}:1 on white: {low[:10]}"
