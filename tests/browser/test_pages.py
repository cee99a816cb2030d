"""Every page in a real browser: it loads without error text, shows the synthetic-data banner for demo tables (and
not for published ones), its chart follows a filter change, the copied address reopens the same view in a fresh
browser, and each view's CSV download holds exactly the rows its Table tab shows."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import SYMBOL_LABELS
from leo_dash.present.export import neutralise
from leo_dash.present.views import DEMO_WARNING
from tests.browser import streamlit_dom as dom
from tests.browser.cases import CHANGE_PAGES, CHART_PAGES, NAV_PAGES, NavPage, PageCase, case_for, page_id

pytestmark = pytest.mark.browser


def url_of(app_url: str, nav: NavPage, query: str = "") -> str:
    return f"{app_url}/{nav.url_path}{query}"


def open_nav_page(page: Page, app_url: str, nav: NavPage, query: str = "") -> PageCase:
    case = case_for(nav) or PageCase(heading="")
    if case.heading:
        dom.open_page(page, url_of(app_url, nav, query), heading=case.heading, charts=case.charts)
    else:  # a page without a case yet: any level-1 heading will do
        page.goto(url_of(app_url, nav, query))
        expect(page.locator('[data-testid="stMain"] h1').first).to_be_visible(timeout=dom.PAGE_TIMEOUT_MS)
        dom.wait_idle(page)
    return case


def test_every_navigation_page_has_a_case() -> None:
    missing = [p.file for p in NAV_PAGES if case_for(p) is None]
    assert not missing, f"add a PageCase to tests/browser/cases.py for {missing}"


@pytest.mark.parametrize("nav", NAV_PAGES, ids=page_id)
def test_page_loads_without_error(page: Page, app_url: str, nav: NavPage) -> None:
    case = open_nav_page(page, app_url, nav)
    assert dom.page_problems(page) == []
    assert len(dom.figures(page)) >= case.charts
    banner = page.locator('[data-testid="stMain"] [data-testid="stAlertContentWarning"]').filter(has_text=DEMO_WARNING)
    if case.demo:
        expect(banner.first).to_be_visible()
        for text in page.locator(".js-plotly-plot").all_text_contents():  # the chart carries it too, for screenshots
            assert "SYNTHETIC DEMO DATA" in text
    else:
        expect(banner).to_have_count(0)


@pytest.mark.parametrize("nav", [p for p in NAV_PAGES if (c := case_for(p)) and c.real_table], ids=page_id)
def test_published_table_shows_no_synthetic_data_banner(page: Page, app_url: str, nav: NavPage) -> None:
    case = open_nav_page(page, app_url, nav, f"?table={case_for(nav).real_table}")
    # The list shows the table's catalogue title, never its id (issue 14, item 6).
    assert dom.sidebar_widgets(page)["Table"] == load_catalogue(paths.PROJECT_ROOT / "data").get(case.real_table).title
    assert dom.page_problems(page) == []
    assert dom.figures(page), "no chart drawn for the published table"
    expect(page.locator('[data-testid="stMain"]').get_by_text("Synthetic demo data")).to_have_count(0)
    expect(page.locator('[data-testid="stMain"]').get_by_text(DEMO_WARNING)).to_have_count(0)


@pytest.mark.parametrize("nav", CHANGE_PAGES, ids=page_id)
def test_filter_change_updates_view_and_its_link_reopens_it(
    page: Page, app_url: str, nav: NavPage, browser: Browser, browser_context_args: dict
) -> None:
    case = open_nav_page(page, app_url, nav)
    assert case.change is not None
    before_state, before_figures = dom.view_state(page), dom.figures(page)
    chosen = dom.choose_other_option(page, case.change)
    dom.wait_view_changed(page, before_state)

    assert dom.page_problems(page) == []
    after_figures, after_widgets = dom.figures(page), dom.sidebar_widgets(page)
    assert after_widgets[case.change] == chosen
    if case.charts:
        assert after_figures, "no chart after the change"
        assert after_figures != before_figures
    if case.title_changes:
        assert {f.title for f in after_figures} - {f.title for f in before_figures}, "no chart title changed"
    link = page.url
    assert "?" in link, f"the changed filter is not in the address: {link}"

    fresh_context = browser.new_context(**browser_context_args)
    try:
        fresh = fresh_context.new_page()
        dom.open_page(fresh, link, heading=case.heading, charts=len(after_figures))
        assert dom.page_problems(fresh) == []
        assert dom.sidebar_widgets(fresh) == after_widgets
        assert dom.figures(fresh) == after_figures
        assert dom.main_headings(fresh) == dom.main_headings(page)
    finally:
        fresh_context.close()


SYMBOL_LABELS_SHOWN = {label: symbol for symbol, label in SYMBOL_LABELS.items()}


def _screen_number(text: str) -> float:
    """'£26,900' -> 26900; '72.4%' -> 72.4; '-1.5 percentage points' -> -1.5; '1,234' -> 1234."""
    cleaned = text.replace("£", "").replace(",", "").replace("%", "")
    cleaned = cleaned.replace(" percentage points", "").replace(" percentage point", "").removesuffix("m")
    return float(cleaned)


def assert_csv_is_the_grid(
    columns: list[str], rows: list[list[str]], head: list[str], grid_rows: list[list[str]], *, view: int
) -> None:
    status_of = {c: f"{c} status" for c in head if f"{c} status" in columns}
    expected_columns = [name for c in head for name in ([neutralise(c)] + ([status_of[c]] if c in status_of else []))]
    assert columns == expected_columns, f"view {view}: CSV columns differ"
    assert len(rows) == len(grid_rows), f"view {view}: CSV rows differ"
    for csv_row, grid_row in zip(rows, grid_rows, strict=True):
        cells = dict(zip(columns, csv_row, strict=True))
        for name, shown in zip(head, grid_row, strict=True):
            if name not in status_of:
                assert cells[neutralise(name)] == neutralise(shown), f"view {view}: {name} {shown!r}"
            elif shown in SYMBOL_LABELS_SHOWN:
                assert cells[name] == "" and cells[status_of[name]] == SYMBOL_LABELS_SHOWN[shown], (view, name, shown)
            else:
                assert cells[status_of[name]] == "", (view, name, shown)
                assert float(cells[name]) == _screen_number(shown), f"view {view}: {name} {shown!r} vs {cells[name]!r}"


@pytest.mark.parametrize("nav", CHART_PAGES, ids=page_id)
def test_csv_download_holds_what_the_table_shows(page: Page, app_url: str, nav: NavPage) -> None:
    case = open_nav_page(page, app_url, nav)
    tab_sets = dom.view_tabs(page)
    assert tab_sets.count() >= case.charts
    headings = set(dom.main_headings(page))
    for index in range(tab_sets.count()):
        tabs = dom.view_tabs(page).nth(index)
        tabs.get_by_role("tab", name="Table", exact=True).click()
        grid = dom.read_grid(tabs.locator('[data-testid="stDataFrame"]'))
        download = dom.download_csv(page, tabs)
        dom.wait_idle(page)  # the download button's click reruns the page (it records the export)

        assert download.filename.endswith(".csv")
        # The CSV is the table tab as data (issue 14, item 5): the same rows and columns, text cells with formulas
        # made inert, figures as plain numerals equal to what the screen shows, and a status column beside each
        # value holding the symbol where the screen shows its label.
        assert_csv_is_the_grid(download.columns, download.rows, grid.head, grid.rows, view=index)
        title = download.guidance.splitlines()[0].removeprefix("# ")
        assert " ".join(title.split()) in headings, f"guidance title {title!r} is not a heading on the page"
        assert ("Warning: SYNTHETIC DEMO DATA" in download.guidance) == case.demo
        label = tabs.get_by_role("button", name="Download CSV").inner_text()
        assert f"{len(grid.rows):,} rows" in label


@pytest.mark.parametrize(
    "nav", [n for n in CHART_PAGES if n.file in ("pages/earnings.py", "pages/institutions.py")], ids=page_id
)
def test_excel_download_arrives_whole_and_holds_the_csv_rows(page: Page, app_url: str, nav: NavPage) -> None:
    """After the CSV and the data guidance (each click reruns the page to record the export), the workbook arrives
    whole and holds the same table as the CSV beside it."""
    open_nav_page(page, app_url, nav)
    tabs = dom.view_tabs(page).nth(0)
    download = dom.download_csv(page, tabs)
    filename, data = dom.download_xlsx(page, tabs)
    # The same view's file (its key; the time stamped in the name can tick over between the two clicks).
    assert filename.endswith(".xlsx") and filename.rsplit("-", 2)[0] == download.filename.rsplit("-", 2)[0]
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == download.columns
    assert len(cells) - 1 == len(download.rows) > 0
    label = tabs.get_by_role("button", name="Download Excel XLSX").inner_text()
    assert f"{len(download.rows):,} rows" in label
