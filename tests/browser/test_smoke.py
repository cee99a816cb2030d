"""The app starts and its home page renders in a real browser."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_home_page_renders_catalogue(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/home")
    expect(page.get_by_role("heading", name="LEO Explorer")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Approved tables")).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
