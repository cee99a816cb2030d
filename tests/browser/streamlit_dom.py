"""Reading and driving a Streamlit page in a real browser: waiting for a run to finish, reading Plotly figures,
sidebar widgets and data grids through the DOM, downloading CSVs, running axe-core and tabbing through the page.

Every wait is on a DOM condition (never a fixed sleep), so the tests are as fast as the app allows.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from leo_dash.core import paths

AXE_SCRIPT = paths.PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
PAGE_TIMEOUT_MS = 60_000
SIDEBAR_WIDGETS = (
    "stSelectbox",
    "stMultiSelect",
    "stRadio",
    "stTextInput",
    "stNumberInput",
    "stSlider",
    "stCheckbox",
    "stDateInput",
    "stSegmentedControl",
    "stPills",
    "stToggle",
)
WIDGET_SELECTOR = ", ".join(f'[data-testid="{name}"]' for name in SIDEBAR_WIDGETS)
ERROR_TEXTS = ("Sorry, this view could not be shown", "Traceback (most recent call last)")


# ---------------------------------------------------------------------------------------------------- waiting

# Streamlit marks its app root with the script's run state (for its own end-to-end tests): "running" while a run is
# in progress. Elements left from the previous run carry data-stale="true" until the new run replaces them.
_IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return Boolean(app) && app.dataset.testScriptState === 'notRunning'
        && app.dataset.testConnectionState === 'CONNECTED'
        && !document.querySelector('[data-stale="true"]')
        && !document.querySelector('[data-testid="stSkeleton"]')
        && Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
            .every(chart => chart.querySelector('.main-svg'));
}"""


def wait_idle(page: Page) -> None:
    """Wait until no script run is in progress, nothing is stale and every chart on the page has been drawn."""
    page.wait_for_function(_IDLE_JS, timeout=PAGE_TIMEOUT_MS)


def open_page(page: Page, url: str, *, heading: str, charts: int = 0) -> None:
    """Go to `url` and wait for its title heading, `charts` drawn Plotly figures and the end of the run."""
    page.goto(url)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name=heading, level=1)).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    if charts:
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
            arg=charts,
            timeout=PAGE_TIMEOUT_MS,
        )
    wait_idle(page)


def page_problems(page: Page) -> list[str]:
    """Error text on screen: exceptions, error alerts, our error boundary's message, Streamlit's 'Page not found'."""
    problems: list[str] = []
    for selector, what in (
        ('[data-testid="stException"]', "exception"),
        ('[data-testid="stAlertContentError"]', "error alert"),
    ):
        problems += [f"{what}: {text}" for text in page.locator(selector).all_inner_texts()]
    body = page.locator("body").inner_text()
    problems += [f"text: {text}" for text in ERROR_TEXTS if text in body]
    if page.get_by_role("dialog").filter(has_text="Page not found").count():
        problems.append("dialog: Page not found")
    return problems


# ---------------------------------------------------------------------------------------------------- figures

_FIGURES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
    const plain = (key, value) => (ArrayBuffer.isView(value) ? Array.from(value) : value);
    // On a page the title is the heading above the chart; the drawn figure keeps it in layout.meta.
    const meta = gd.layout && gd.layout.meta && gd.layout.meta.title;
    const title = meta || (gd.layout && gd.layout.title ? (gd.layout.title.text ?? gd.layout.title) : null);
    const traces = (gd.data || []).map(t => JSON.stringify(
        {type: t.type, name: t.name, x: t.x, y: t.y, text: t.text, customdata: t.customdata}, plain));
    return {title: title, traces: traces};
})"""


@dataclass(frozen=True)
class Figure:
    """What a drawn Plotly figure holds, read from its graph div (gd.layout / gd.data)."""

    title: str
    traces: tuple[str, ...]  # one JSON string per trace: type, name, x, y, text, customdata


def figures(page: Page) -> list[Figure]:
    return [Figure(str(f["title"]), tuple(f["traces"])) for f in page.evaluate(_FIGURES_JS)]


def svg_text_colours(page: Page) -> list[tuple[str, str]]:
    """(text, computed fill) of every text element drawn in the Plotly charts."""
    return [
        (str(text), str(fill))
        for text, fill in page.evaluate(
            """() => Array.from(document.querySelectorAll('.js-plotly-plot svg text'))
                .filter(t => (t.textContent || '').trim())
                .map(t => [t.textContent, getComputedStyle(t).fill])"""
        )
    ]


# ---------------------------------------------------------------------------------------------------- widgets

_WIDGETS_JS = """(selector) => Array.from(
    document.querySelectorAll('[data-testid="stSidebarUserContent"] ' + selector.split(', ').join(
        ', [data-testid="stSidebarUserContent"] '))
).map(w => {
    const label = (w.querySelector('[data-testid="stWidgetLabel"]') || {}).innerText || '';
    const combo = w.querySelector('input[role="combobox"]');
    const tags = Array.from(w.querySelectorAll('[data-tag] [title]')).map(s => s.getAttribute('title'));
    const radio = w.querySelector('input[type="radio"]:checked');
    const other = w.querySelector('input:not([role="combobox"]):not([type="radio"])');
    let value = null;
    if (w.dataset.testid === 'stMultiSelect') value = tags;
    else if (combo) value = combo.value;
    else if (radio) value = radio.closest('label').innerText;
    else if (other) value = other.type === 'checkbox' ? String(other.checked) : other.value;
    return {kind: w.dataset.testid, label: label.trim(), value: value};
})"""


def sidebar_widgets(page: Page) -> dict[str, Any]:
    """Label -> displayed value of every filter in the sidebar (a list for multiselects)."""
    return {w["label"]: w["value"] for w in page.evaluate(_WIDGETS_JS, WIDGET_SELECTOR)}


def sidebar_widget_kinds(page: Page) -> dict[str, str]:
    """Label -> Streamlit kind (stSelectbox, stRadio, stMultiSelect, …) of every filter in the sidebar."""
    return {w["label"]: w["kind"] for w in page.evaluate(_WIDGETS_JS, WIDGET_SELECTOR)}


def sidebar_widget(page: Page, label: str) -> Locator:
    widgets = page.locator('[data-testid="stSidebarUserContent"]').locator(WIDGET_SELECTOR)
    return widgets.filter(has=page.get_by_text(label, exact=True)).first


def choose_other_option(page: Page, label: str, *, before_click: Callable[[], object] | None = None) -> str:
    """In the sidebar select box or radio labelled `label`, choose the first option that is not the current one.

    Returns the option chosen. Reading the options from the open list means no test hard-codes data values.
    `before_click` is called just before the click that makes the choice (the benchmark starts its clock there)."""
    # A run still in progress redraws the sidebar and closes an open list under the click: start from a quiet page.
    wait_idle(page)
    widget = sidebar_widget(page, label)
    kind = widget.get_attribute("data-testid")
    if kind == "stRadio":
        options = widget.get_by_role("radio")
        for index in range(options.count()):
            if not options.nth(index).is_checked():
                option = widget.locator('[data-testid="stRadioOption"]').nth(index)
                text = option.inner_text().strip()
                if before_click is not None:
                    before_click()
                option.click()
                return text
        raise AssertionError(f"radio {label!r} has a single option")
    assert kind == "stSelectbox", f"{label!r} is a {kind}, not a select box"
    current = widget.get_by_role("combobox").input_value()
    # On a loaded machine an open list is sometimes closed under the click (the sidebar redraws or scrolls):
    # open it again and retry, a bounded number of times; the chosen value is still checked at the end.
    for attempt in range(_LIST_ATTEMPTS):
        choice = _open_list_and_choose(page, widget, label, current, before_click)
        if choice is not None:
            break
        if attempt == _LIST_ATTEMPTS - 1:
            raise AssertionError(
                f"the list of {label!r} closed before an option could be chosen, {_LIST_ATTEMPTS} times"
            )
        page.keyboard.press("Escape")
        wait_idle(page)
    expect(widget.get_by_role("combobox")).to_have_value(choice)
    return choice


_LIST_ATTEMPTS = 3
_OPTION_CLICK_MS = 15_000


def _open_list_and_choose(
    page: Page, widget: Locator, label: str, current: str, before_click: Callable[[], object] | None
) -> str | None:
    """Open the select box's list and click the first option that is not `current`; None if the list closed first."""
    opener = widget.get_by_role("button", name="Open")
    opener.scroll_into_view_if_needed()  # a click while the sidebar is still scrolling is lost
    opener.click()
    listbox = page.get_by_role("listbox", name=label)
    expect(listbox).to_be_visible()
    texts = [t.strip() for t in listbox.get_by_role("option").all_inner_texts()]
    choice = next((t for t in texts if t != current), None)
    if choice is None:
        page.keyboard.press("Escape")  # leave the page as it was: an open list would block the next step
    assert choice is not None, f"select box {label!r} offers only {texts}"
    target = listbox.get_by_role("option", name=choice, exact=True)
    if before_click is not None:
        before_click()
    try:
        target.click(
            timeout=_OPTION_CLICK_MS
        )  # scrolls the option into view first (a long list draws only what is in view)
    except PlaywrightTimeoutError:
        if widget.get_by_role("combobox").input_value() == choice:
            return choice  # the click landed and the list closed as it should
        return None
    return choice


# ---------------------------------------------------------------------------------------------------- views


def view_tabs(page: Page) -> Locator:
    """The Chart/Table/Download tab sets rendered by ui.render_view, in page order."""
    return page.locator('[data-testid="stMain"] [data-testid="stTabs"]').filter(
        has=page.get_by_role("tab", name="Download", exact=True)
    )


_GRID_JS = """async (root) => {
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const table = root.querySelector('table[role="grid"]');
  const scroller = root.querySelector('.dvn-scroller');
  const rowCount = Number(table.getAttribute('aria-rowcount'));
  const colCount = Number(table.getAttribute('aria-colcount'));
  const cells = {}, header = {};
  const collect = () => {
    for (const th of table.querySelectorAll('thead th')) header[th.getAttribute('aria-colindex')] = th.textContent;
    for (const tr of table.querySelectorAll('tbody tr')) {
      const r = tr.getAttribute('aria-rowindex');
      for (const td of tr.querySelectorAll('td')) cells[r + ',' + td.getAttribute('aria-colindex')] = td.textContent;
    }
  };
  // The grid draws on a canvas and keeps only the rows and columns in view in its hidden accessible table,
  // so scroll through it and collect what each position exposes.
  const rendered = () => Array.from(table.querySelectorAll('tbody tr')).map(r => r.getAttribute('aria-rowindex'))
      .join(',') + '|' + Array.from(table.querySelectorAll('tbody tr:first-child td'))
      .map(c => c.getAttribute('aria-colindex')).join(',');
  collect();
  for (let top = 0; ; top += Math.max(1, scroller.clientHeight - 40)) {
    for (let left = 0; ; left += Math.max(1, scroller.clientWidth - 40)) {
      const before = rendered(), beforeTop = scroller.scrollTop, beforeLeft = scroller.scrollLeft;
      scroller.scrollTo(left, top);
      if (scroller.scrollTop !== beforeTop || scroller.scrollLeft !== beforeLeft) {
        for (let i = 0; i < 600 && rendered() === before; i++) await frame();
      }
      await frame();
      collect();
      if (left + scroller.clientWidth >= scroller.scrollWidth) break;
    }
    if (top + scroller.clientHeight >= scroller.scrollHeight) break;
  }
  scroller.scrollTo(0, 0);
  const head = [], rows = [];
  for (let c = 1; c <= colCount; c++) head.push(header[c] ?? null);
  for (let r = 2; r <= rowCount; r++) {
    const row = [];
    for (let c = 1; c <= colCount; c++) row.push(cells[r + ',' + c] ?? null);
    rows.push(row);
  }
  return {head: head, rows: rows};
}"""


@dataclass(frozen=True)
class Grid:
    head: list[str]
    rows: list[list[str]]


def read_grid(dataframe: Locator) -> Grid:
    """Every header and body cell of a st.dataframe, read from the grid's accessible table."""
    grid_table = dataframe.locator('table[role="grid"]')
    grid_table.wait_for(state="attached")
    if int(grid_table.get_attribute("aria-rowcount") or "1") > 1:
        grid_table.locator("tbody tr").first.wait_for(state="attached")
    result = dataframe.evaluate(_GRID_JS)
    grid = Grid(result["head"], result["rows"])
    missing = [(r, c) for r, row in enumerate(grid.rows) for c, cell in enumerate(row) if cell is None]
    assert None not in grid.head and not missing, f"grid cells not exposed: head {grid.head}, cells {missing[:5]}"
    return grid


@dataclass(frozen=True)
class CsvDownload:
    filename: str
    columns: list[str]
    rows: list[list[str]]
    guidance: str  # the data-guidance file downloaded beside the CSV


def parse_export_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    """A leo_dash.present.export CSV: its header row (first line) and its rows, as text."""
    text = data.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV lacks the UTF-8 byte-order mark Excel needs"
    records = list(csv.reader(io.StringIO(text[1:])))
    return records[0], records[1:]


_RUNNING_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return Boolean(app) && app.dataset.testScriptState === 'running';
}"""


def _download(page: Page, tabs: Locator, button_name: str) -> tuple[str, bytes]:
    button = tabs.get_by_role("button", name=button_name)
    expect(button).to_be_visible()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.failure() is None, download.failure()
    found = download.suggested_filename, Path(download.path()).read_bytes()
    # The click reruns the page (it records the export), and a run replaces every download button's file: a click
    # before that run has begun and ended can hit a file already withdrawn (Chromium reports "canceled"). An idle
    # check straight after the click can run before the rerun has begun, so give it a moment to start first.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(_RUNNING_JS, timeout=1500)
    wait_idle(page)
    return found


def download_csv(page: Page, tabs: Locator) -> CsvDownload:
    """Open a view's Download tab and download its CSV and its data guidance."""
    tabs.get_by_role("tab", name="Download", exact=True).click()
    filename, data = _download(page, tabs, "Download CSV")
    _, guidance = _download(page, tabs, "Download data guidance")
    columns, rows = parse_export_csv(data)
    return CsvDownload(filename, columns, rows, guidance.decode("utf-8"))


def download_xlsx(page: Page, tabs: Locator) -> tuple[str, bytes]:
    """Open a view's Download tab and download its Excel workbook."""
    tabs.get_by_role("tab", name="Download", exact=True).click()
    return _download(page, tabs, "Download Excel XLSX")


# ---------------------------------------------------------------------------------------------------- axe

_AXE_JS = """async (tolerated) => {
  const result = await axe.run(document, {elementRef: true, resultTypes: ['violations']});
  const out = [];
  for (const violation of result.violations) {
    for (const node of violation.nodes) {
      // A tolerance covers one rule on one element Streamlit owns (and its contents), nothing wider.
      const excused = tolerated.some(([rule, selector]) =>
          rule === violation.id && node.element && node.element.closest(selector));
      out.push({rule: violation.id, impact: node.impact || violation.impact, help: violation.help,
                target: JSON.stringify(node.target), html: node.html.slice(0, 300), summary: node.failureSummary,
                tolerated: Boolean(excused)});
    }
  }
  return {version: axe.version, nodes: out};
}"""


@dataclass(frozen=True)
class AxeFinding:
    rule: str
    impact: str
    help: str
    target: str
    html: str
    summary: str
    tolerated: bool

    def describe(self) -> str:
        return f"{self.rule} ({self.impact}) {self.help}\n  at {self.target}: {self.html}\n  {self.summary}"


def run_axe(page: Page, tolerated: list[tuple[str, str]]) -> tuple[str, list[AxeFinding]]:
    """Inject axe-core into the page as it is now and run every default rule. Returns (axe version, findings)."""
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT} missing: tests/run.sh installs it with `npm ci`"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(_AXE_JS, [list(t) for t in tolerated])
    findings = [
        AxeFinding(n["rule"], str(n["impact"]), n["help"], n["target"], n["html"], n["summary"] or "", n["tolerated"])
        for n in result["nodes"]
    ]
    return str(result["version"]), findings


# ---------------------------------------------------------------------------------------------------- keyboard

_FOCUS_JS = """(selector) => {
  const a = document.activeElement;
  if (!a || a === document.body) return null;
  const widget = a.closest(selector);
  const inSidebar = Boolean(a.closest('[data-testid="stSidebarUserContent"]'));
  const label = widget ? ((widget.querySelector('[data-testid="stWidgetLabel"]') || {}).innerText || '').trim() : null;
  const isInput = a.matches('input, textarea, [role="slider"], [role="switch"], [role="combobox"]');
  const nav = a.closest('[data-testid="stSidebarNav"]') ? (a.innerText || '').trim() : null;
  // Tag each element on its first visit, so two alike (say, the checked options of two radio groups) stay apart.
  if (!a.dataset.tabWalkId) { window.__tabWalkNext = (window.__tabWalkNext || 0) + 1; a.dataset.tabWalkId = String(window.__tabWalkNext); }
  return {id: a.dataset.tabWalkId,
          widget: inSidebar && widget && isInput ? label : null, nav: nav,
          tab: a.getAttribute('role') === 'tab' ? (a.innerText || '').trim() : null};
}"""


@dataclass
class TabWalk:
    widgets: list[str]  # sidebar filter labels whose input received focus, in order
    nav_links: list[str]  # sidebar page links that received focus
    tabs: list[str]  # tab controls (Chart/Table/Download) that received focus
    presses: int


def tab_through(page: Page, max_presses: int = 250) -> TabWalk:
    """Press Tab from the top of the page until focus comes back round, recording what received it."""
    page.locator("body").focus()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    walk = TabWalk([], [], [], 0)
    seen: set[str] = set()
    first: str | None = None
    for presses in range(1, max_presses + 1):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUS_JS, WIDGET_SELECTOR)
        walk.presses = presses
        if focused is None:
            continue
        if focused["id"] == first:
            break  # round the page once
        first = first or focused["id"]
        if focused["id"] in seen:
            continue
        seen.add(focused["id"])
        if focused["widget"] is not None and focused["widget"] not in walk.widgets:
            walk.widgets.append(focused["widget"])
        if focused["nav"]:
            walk.nav_links.append(focused["nav"])
        if focused["tab"]:
            walk.tabs.append(focused["tab"])
    return walk


def json_dump(value: object) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False, default=str)


def main_headings(page: Page) -> list[str]:
    """Text of every heading in the main area, in order."""
    return [
        " ".join(text.split())
        for text in page.locator('[data-testid="stMain"]').locator("h1, h2, h3, h4, h5, h6").all_inner_texts()
    ]


def main_heading_levels(page: Page) -> list[int]:
    """The level (1-6) of every heading in the main area, in order."""
    return (
        page.locator('[data-testid="stMain"]')
        .locator("h1, h2, h3, h4, h5, h6")
        .evaluate_all("hs => hs.map(h => Number(h.tagName.substring(1)))")
    )


_STATE_JS = """() => JSON.stringify({
    figures: Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
        const plain = (key, value) => (ArrayBuffer.isView(value) ? Array.from(value) : value);
        return JSON.stringify({title: gd.layout && (gd.layout.meta || gd.layout.title), data: (gd.data || []).map(
            t => ({type: t.type, name: t.name, x: t.x, y: t.y}))}, plain);
    }),
    headings: Array.from(document.querySelectorAll('[data-testid="stMain"] h1, [data-testid="stMain"] h2, '
        + '[data-testid="stMain"] h3, [data-testid="stMain"] h4')).map(h => h.innerText),
})"""


def view_state(page: Page) -> str:
    """A fingerprint of what the main area shows: every figure's title and data, and every heading."""
    return str(page.evaluate(_STATE_JS))


def settle_after_choice(page: Page, before: str, timeout_ms: int = 6000) -> None:
    """After changing a choice: wait for the view to change and that run to end, or, for a choice that changes
    nothing drawn, give its run `timeout_ms` to start and finish (an idle check straight after the click can run
    before the rerun has begun)."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"before => ({_STATE_JS})() !== before", arg=before, timeout=timeout_ms)
    wait_idle(page)


def wait_view_changed(page: Page, before: str) -> None:
    """Wait until the view differs from `before` and the run that changed it has finished."""
    page.wait_for_function(f"before => ({_STATE_JS})() !== before", arg=before, timeout=PAGE_TIMEOUT_MS)
    wait_idle(page)


def assert_link_reopens(
    browser: Browser,
    context_args: dict,
    page: Page,
    *,
    heading: str,
    sentence: str,
    sidebar: dict[str, Any] | None = None,
) -> None:
    """Open `page`'s link in a fresh browser context (no session): the same figures and the same `sentence` are on
    screen, and, when given, the same sidebar choices."""
    shown = figures(page)
    context = browser.new_context(**context_args)
    try:
        fresh = context.new_page()
        open_page(fresh, page.url, heading=heading, charts=len(shown))
        wait_idle(fresh)
        assert figures(fresh) == shown
        expect(fresh.locator('[data-testid="stMain"]').get_by_text(sentence, exact=True).first).to_be_visible()
        if sidebar is not None:
            widgets = sidebar_widgets(fresh)
            assert {label: widgets.get(label) for label in sidebar} == sidebar
    finally:
        context.close()
