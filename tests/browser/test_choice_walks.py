"""A user's walk through the sidebar in a real browser: change every choice a page offers, then switch table to
each other table, and the page must never fail. Links remember choices, and Streamlit treats a link value bound
to a widget differently from one that came with the link, which only a browser session exercises (a table switch
after choosing years used to end in "Sorry, this view could not be shown")."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser import streamlit_dom as dom
from tests.browser.cases import NAV_PAGES, case_for, page_id

pytestmark = pytest.mark.browser

SINGLE_CHOICE = ("stSelectbox", "stRadio")
WALK_PAGES = [p for p in NAV_PAGES if (c := case_for(p)) is not None and c.change and p.url_path]


def change_every_choice(page: Page, skip: str) -> list[str]:
    """Change each single-choice sidebar control once, top to bottom (re-reading after each change, since one
    choice can add or remove others). Returns what was changed, for the failure message."""
    done: list[str] = []
    changed: set[str] = set()
    while True:
        kinds = dom.sidebar_widget_kinds(page)
        label = next(
            (lbl for lbl, kind in kinds.items() if kind in SINGLE_CHOICE and lbl not in changed | {skip}), None
        )
        if label is None:
            return done
        changed.add(label)
        before = dom.view_state(page)
        try:
            choice = dom.choose_other_option(page, label)
        except AssertionError:  # a control with a single option
            continue
        dom.settle_after_choice(page, before)
        done.append(f"{label}={choice}")
        assert dom.page_problems(page) == [], done


@pytest.mark.parametrize("nav", WALK_PAGES, ids=page_id)
def test_change_everything_then_switch_table(page: Page, app_url: str, nav) -> None:
    case = case_for(nav)
    dom.open_page(page, f"{app_url}/{nav.url_path}", heading=case.heading)
    dom.wait_idle(page)
    steps = change_every_choice(page, skip="Table")
    kinds = dom.sidebar_widget_kinds(page)
    if "Table" not in kinds:
        return
    tables_seen = {dom.sidebar_widgets(page)["Table"]}
    for _ in range(8):  # every table the page offers, each reached from the last one's changed choices
        before = dom.view_state(page)
        table = _next_table(page, tables_seen)
        if table is None:
            break
        dom.settle_after_choice(page, before)
        steps.append(f"Table={table}")
        assert dom.page_problems(page) == [], steps
        steps += change_every_choice(page, skip="Table")


def _next_table(page: Page, seen: set[str]) -> str | None:
    """Choose the first table not yet visited (None when all have been)."""
    widget = dom.sidebar_widget(page, "Table")
    opener = widget.get_by_role("button", name="Open")
    opener.scroll_into_view_if_needed()
    opener.click()
    listbox = page.get_by_role("listbox", name="Table")
    listbox.wait_for()
    texts = [t.strip() for t in listbox.get_by_role("option").all_inner_texts()]
    choice = next((t for t in texts if t not in seen), None)
    if choice is None:
        page.keyboard.press("Escape")
        return None
    listbox.get_by_role("option", name=choice, exact=True).click()
    seen.add(choice)
    return choice
