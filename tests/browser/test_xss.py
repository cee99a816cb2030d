"""Text from data renders as text in a real browser (issue 6, hardening): providers named
`<script>alert(1)</script>` and `<img src=x onerror=alert(1)>` show literally on every page that shows provider
names, in page text, chart text and widget options, and nothing they contain runs.

A second server is started on a fixture data folder (LEO_DATA_DIR) holding one hostile table.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser import streamlit_dom as dom
from tests.browser.conftest import start_streamlit
from tests.governance_fixture import XSS_IMG, XSS_SCRIPT, catalogue_entry, register_table, write_table

pytestmark = pytest.mark.browser

HOSTILE_PROVIDERS = ((90000201, XSS_SCRIPT), (90000202, XSS_IMG), (90000203, "Fenwick Vale University"))
SCRIPT_ID, IMG_ID = "90000201", "90000202"


@pytest.fixture(scope="module")
def hostile_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second app whose only table names its providers with markup, and carries markup in its description and
    footnote. Its rate is labelled as a benefit rate so the Benefit claims page lists it too."""
    root = tmp_path_factory.mktemp("hostile")
    data_dir = root / "data"
    data_file = write_table(data_dir / "src", "hostile", HOSTILE_PROVIDERS)
    entry = catalogue_entry(
        "hostile", data_file, description=f"Described as {XSS_IMG}", footnotes=(f"Footnote {XSS_SCRIPT}",)
    )
    entry["indicators"][1]["label"] = "Out-of-work benefit claim rate (%)"  # type: ignore[index]
    register_table(data_dir, entry)
    process, url = start_streamlit(
        {"LEO_DATA_DIR": str(data_dir), "LEO_AUDIT_DIR": str(root / "audit")}, root / "server.log"
    )
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass(frozen=True)
class HostileCase:
    path: str
    heading: str
    shows: tuple[str, ...]  # hostile strings that must be visible, literally
    in_chart: bool = True  # ... and drawn as text in a chart
    provider_select: str | None = None  # a sidebar select box whose options list the provider names


CASES = (
    HostileCase(
        f"earnings?table=hostile&provider={SCRIPT_ID}", "Subject earnings", (XSS_SCRIPT,), provider_select="Provider"
    ),
    # The earnings measure: with the default (rate) measure this table's derived all-provider benchmark (76.1%)
    # is refused by the D4 rounding check (a float-rounding bug in sdc.round_half_up_expr, reported separately).
    HostileCase(
        f"institutions?table=hostile&measure=earnings_median&provider={SCRIPT_ID}",
        "Institution performance",
        (XSS_SCRIPT, XSS_IMG),
    ),
    HostileCase(f"benefits?table=hostile&provider={IMG_ID}", "Benefit claims", (XSS_IMG,), provider_select="Provider"),
    HostileCase("impact?table=hostile&treat_by=provider", "Intervention impact", (XSS_IMG,)),
    HostileCase(
        "catalogue?table=hostile",
        "Catalogue of approved tables",
        (f"Described as {XSS_IMG}", f"Footnote {XSS_SCRIPT}"),
        in_chart=False,
    ),
)

_INJECTED_JS = """() => ({
    images: Array.from(document.querySelectorAll('img')).filter(i => i.getAttribute('src') === 'x').length,
    onerror: document.querySelectorAll('[onerror]').length,
    scripts: Array.from(document.querySelectorAll('script')).filter(s => (s.textContent || '').includes('alert(1)'))
        .length,
})"""


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.path.split("?")[0])
def test_hostile_provider_names_render_literally(page: Page, hostile_app_url: str, case: HostileCase) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", record)
    dom.open_page(page, f"{hostile_app_url}/{case.path}", heading=case.heading, charts=int(case.in_chart))
    assert dom.page_problems(page) == []
    main = page.locator('[data-testid="stMain"]')
    for text in case.shows:
        expect(main.get_by_text(text).filter(visible=True).first).to_be_visible()
        if case.in_chart:
            drawn = page.locator(".js-plotly-plot svg text").filter(has_text=text)
            assert drawn.count(), f"{text!r} not drawn literally in any chart"
    if case.provider_select:
        widget = dom.sidebar_widget(page, case.provider_select)
        opener = widget.get_by_role("button", name="Open")
        opener.scroll_into_view_if_needed()
        opener.click()
        listbox = page.get_by_role("listbox", name=case.provider_select)
        expect(listbox).to_be_visible()
        options = listbox.get_by_role("option").all_inner_texts()
        for name in (XSS_SCRIPT, XSS_IMG):
            assert any(name in option for option in options), f"{name!r} not listed literally in {options}"
        page.keyboard.press("Escape")
    assert page.evaluate(_INJECTED_JS) == {"images": 0, "onerror": 0, "scripts": 0}
    assert dialogs == [], f"a dialog opened: {dialogs}"


def test_fixture_really_is_hostile(tmp_path: Path) -> None:
    """The names reach the data file unchanged (a fixture that escaped them would make the test above vacuous)."""
    data = write_table(tmp_path, "hostile", HOSTILE_PROVIDERS).read_text(encoding="utf-8")
    assert XSS_SCRIPT in data and XSS_IMG in data
