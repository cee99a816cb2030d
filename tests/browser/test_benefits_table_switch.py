"""Benefit claims: switching table in a real browser, from a link that chose the years, runs the change over the
new table's own first and last years, in the widgets and in the link (issue 14, item 3). Streamlit refuses direct
edits of a widget-bound link value, so this is only proved in a browser."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page

from leo_dash.analyses import benefits
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.periods import period_label
from tests.browser import streamlit_dom as dom

pytestmark = pytest.mark.browser


def test_switching_table_resets_the_change_years(page: Page, app_url: str) -> None:
    dom.open_page(
        page, f"{app_url}/benefits?table=fe_provider_benefits&from_year=2019-20&year=2021-22", heading="Benefit claims"
    )
    dom.wait_idle(page)
    widgets = dom.sidebar_widgets(page)
    assert (widgets["Change from"], widgets["Change to"]) == ("2019-20", "2021-22")

    before = dom.view_state(page)
    new_table = dom.choose_other_option(page, "Table")
    dom.wait_view_changed(page, before)  # an idle check straight after the click can run before the rerun
    assert dom.page_problems(page) == []
    # The list shows catalogue titles (never ids); the link holds the id.
    entry = next(e for e in load_catalogue(paths.PROJECT_ROOT / "data") if e.title == new_table)
    new_table = entry.id
    labels = [period_label(p) for p in benefits.table_options(entry).periods]
    widgets = dom.sidebar_widgets(page)
    assert (widgets["Change from"], widgets["Change to"]) == (labels[0], labels[-1])
    query = parse_qs(urlparse(page.url).query)
    assert query.get("from_year", [labels[0]]) == [labels[0]] and query.get("year", [labels[-1]]) == [labels[-1]]
