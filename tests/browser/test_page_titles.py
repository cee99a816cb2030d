"""Each page has its own browser title (issue 14, item 8): tab lists and screen readers tell pages apart by it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PAGES = {
    "": "LEO Explorer",
    "earnings": "Subject earnings – LEO Explorer",
    "benefits": "Benefit claims – LEO Explorer",
    "institutions": "Institution performance – LEO Explorer",
    "impact": "Intervention impact – LEO Explorer",
    "methodology": "Methodology and glossary – LEO Explorer",
}


def test_every_page_has_its_own_browser_title(page: Page, app_url: str) -> None:
    seen: dict[str, str] = {}
    for path, title in PAGES.items():
        page.goto(f"{app_url}/{path}")
        expect(page).to_have_title(title, timeout=60_000)
        seen[path] = page.title()
    assert len(set(seen.values())) == len(PAGES)
