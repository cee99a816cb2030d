"""Intervention impact: switching table in a real browser starts every other choice, in the widgets and in the
link, from the new table's own defaults, and says so (issue 14, item 4)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from leo_dash.analyses import impact_views as iv
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue
from tests.browser import streamlit_dom as dom

pytestmark = pytest.mark.browser

LINK = (
    "/impact?table=fe_provider_benefits&outcome=Sustained+out-of-work+benefits+%28%25%29&treat_by=provision"
    "&treated=Apprenticeship&comparison=Education+%26+Training&start=2020-21"
)


def test_switching_table_starts_the_new_table_from_its_defaults(page: Page, app_url: str) -> None:
    dom.open_page(page, f"{app_url}{LINK}", heading="Intervention impact")
    dom.wait_idle(page)
    assert dom.sidebar_widgets(page)["Intervention started"] == "2020-21"

    before = dom.view_state(page)
    new_table = dom.choose_other_option(page, "Table")
    dom.wait_view_changed(page, before)  # an idle check straight after the click can run before the rerun
    # The list shows catalogue titles (never ids); the link holds the id.
    entry = next(e for e in load_catalogue(paths.PROJECT_ROOT / "data") if e.title == new_table)
    new_table = entry.id
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(f"You switched to {entry.title}")).to_be_visible()
    widgets = dom.sidebar_widgets(page)
    default_start = iv.default_start(entry)
    assert widgets["Intervention started"] == default_start
    assert widgets["Outcome"] == iv.outcome_labels(entry)[0]
    # The link holds the new table (or nothing, when it is the page's default table) and none of the old table's
    # choices: every reset choice is at its default, which links leave out.
    expect(page).not_to_have_url(re.compile(r"fe_provider_benefits"))
    query = parse_qs(urlparse(page.url).query)
    assert query.get("table", [new_table]) == [new_table], page.url
    assert query.get("start", [default_start]) == [default_start], page.url
    assert "Apprenticeship" not in query.get("treated", []), page.url
    assert dom.page_problems(page) == []
