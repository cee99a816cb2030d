"""Hostile links and the table toolbar in a real browser (issue 12, items 8, 9 and 12).

- A link value echoed into a note shows as text: no working link to another site, no remote image, no autolinked
  address, and the browser never asks the other site for anything.
- Streamlit's own table toolbar offers no "Download as CSV" (it would bypass the audited, neutralised export).
- A briefing link naming an unknown page keeps the page working and says what was left out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from leo_dash.briefing import Basket, ItemRef
from tests.browser import streamlit_dom as dom

EVIL = "evil.example"
PAYLOAD = (
    f"[sign in again here](https://{EVIL}/login) ![x](https://{EVIL}/pixel.png) "
    f"www.{EVIL} https://{EVIL}/bare phish@{EVIL} <img src=https://{EVIL}/tag.png>"
)


def _requests_to_evil(page: Page) -> list[str]:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if EVIL in (urlsplit(r.url).hostname or "") else None)
    return asked


def test_link_value_echoed_in_a_note_is_text(page: Page, app_url: str) -> None:
    asked = _requests_to_evil(page)
    page.goto(f"{app_url}/earnings?compare={PAYLOAD.replace('&', '%26').replace('#', '%23')}")
    main = page.locator('[data-testid="stMain"]')
    note = main.locator('[data-testid="stAlert"]').filter(has_text="sign in again here")
    expect(note).to_be_visible(timeout=dom.PAGE_TIMEOUT_MS)
    dom.wait_idle(page)
    text = note.inner_text().replace("\u200b", "")  # the invisible break that stops autolinking
    assert f"[sign in again here](https://{EVIL}/login)" in text  # shown as typed
    assert f"phish@{EVIL}" in text and f"<img src=https://{EVIL}/tag.png>" in text
    # No link to the other site or a mail address, autolinked or not (the app's own links may carry the query).
    targets = page.evaluate(
        "() => Array.from(document.querySelectorAll('a[href]')).map(a => [new URL(a.href).hostname, new URL(a.href).protocol])"
    )
    assert [t for t in targets if EVIL in t[0] or t[1] == "mailto:"] == []
    assert page.locator(f'img[src*="{EVIL}"]').count() == 0  # no remote image
    assert asked == []


def test_table_toolbar_offers_no_download(page: Page, app_url: str) -> None:
    dom.open_page(page, f"{app_url}/earnings", heading="Subject earnings", charts=1)
    tabs = dom.view_tabs(page).first
    tabs.get_by_role("tab", name="Table", exact=True).click()
    grid = tabs.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible(timeout=dom.PAGE_TIMEOUT_MS)
    grid.hover()
    toolbar = page.locator('[data-testid="stElementToolbar"]').filter(has=page.locator("button")).first
    expect(toolbar).to_be_visible(timeout=dom.PAGE_TIMEOUT_MS)
    labels = [b.get_attribute("aria-label") or b.inner_text() for b in toolbar.locator("button").all()]
    assert labels, "the toolbar shows its other buttons (search, full screen)"
    assert not [label for label in labels if "download" in label.lower()], labels


def test_briefing_link_with_an_unknown_page_keeps_working(page: Page, app_url: str) -> None:
    token = Basket(title="Hostile", items=[ItemRef("../../secrets", (), "x")]).encode()
    dom.open_page(page, f"{app_url}/briefing?basket={token}", heading="Briefing pack")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("has no briefing views; it was left out", exact=False)).to_be_visible()
    assert not dom.page_problems(page)
