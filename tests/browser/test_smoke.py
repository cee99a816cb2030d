"""The app starts and its home page renders in a real browser."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_home_page_renders_catalogue(page: Page, app_url: str) -> None:
    # The default page is served at the app's root: Streamlit ignores its url_path ("/home" is "Page not found").
    page.goto(f"{app_url}/")
    expect(page.get_by_role("heading", name="LEO Explorer")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Approved tables")).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    expect(page.get_by_role("dialog").filter(has_text="Page not found")).to_have_count(0)
