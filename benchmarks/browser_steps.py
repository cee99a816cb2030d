"""Browser steps on every analysis page (issue 15, item 4): filter change -> redraw, and first chart per page.

1. **Filter change -> redraw.** One browser session per page opens it with its default filters, then changes one
   sidebar filter (the select box or radio `tests/browser/cases.py` names for that page) back and forth, `changes`
   times. The clock starts just before the click that makes the choice and stops when the redraw is complete:
   the main area's figures/headings differ from before the click (`view_state`) and Streamlit's run has ended with
   nothing stale and every chart drawn (`wait_idle`). Each page's median is also given as a ratio to the Subject
   earnings page (pages/*earnings*) measured in the same run.
2. **First chart per page, new session on a warm server.** Once every page has been visited (above), a new browser
   context opens the page and the clock runs until its first Plotly chart is drawn, as `server.cold_start` times a
   new session on a warm server. The same is measured on a bare Streamlit page with one Plotly chart (the floor
   app of `benchmarks/experiments.py`) served beside the app, rounds interleaved page by page, and each page's
   median is given as a ratio to the floor's.

The pages are the files in pages/ whose case in tests/browser/cases.py draws a chart; the DOM helpers are the
browser tests' own (tests/browser/streamlit_dom.py), so the benchmark drives the app exactly as the tests do.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import server
from benchmarks.experiments import FLOOR_CHART_ONLY
from benchmarks.measure import Timing
from leo_dash.analyses import registry
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue

TARGET_FILTER_OVER_EARNINGS = 1.5  # every page's filter change -> redraw, median, over Subject earnings'
TARGET_FIRST_CHART_OVER_FLOOR = 1.15  # every page's first chart in a new session over the bare one-chart page's
PAGE_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class AnalysisPage:
    file: str  # "pages/earnings.py"
    url_path: str  # "earnings"
    heading: str  # the page's level-1 heading
    charts: int  # Plotly figures drawn with the default filters
    change: str  # label of the sidebar filter changed

    @property
    def is_reference(self) -> bool:
        """The Subject earnings page: every page's filter change is given as a ratio to it."""
        return "earnings" in Path(self.file).stem


def analysis_pages() -> tuple[list[AnalysisPage], list[str]]:
    """(every page file in pages/ that draws a chart, in navigation order; page files that cannot be measured).

    A page file is measured when app.py navigates to it and its case in tests/browser/cases.py draws a chart and
    names a sidebar filter to change; any other page file that is not a plain text page is reported as missing."""
    from tests.browser.cases import CASES, NAV_PAGES

    on_disk = {f"pages/{p.name}" for p in (paths.PROJECT_ROOT / "pages").glob("*.py")}
    measured: list[AnalysisPage] = []
    for nav in NAV_PAGES:
        case = CASES.get(nav.file)
        if nav.file in on_disk and case is not None and case.charts and case.change:
            measured.append(AnalysisPage(nav.file, nav.url_path, case.heading, case.charts, case.change))
    navigated = {nav.file for nav in NAV_PAGES}
    missing = sorted(
        f for f in on_disk if f not in navigated or f not in CASES or (CASES[f].charts and not CASES[f].change)
    )
    return measured, missing


def _has_table_for(page: AnalysisPage, data_dir: Path) -> bool:
    """Whether the data set holds a table with every role the page's analysis needs (read from the catalogue only:
    nothing is prepared or queried here)."""
    analysis = registry.get(page.url_path)
    if analysis is None:
        return True  # not an analysis of the registry: measure it as before
    return any(all(entry.role(r) for r in analysis.roles) for entry in load_catalogue(data_dir))


@dataclass
class PageResult:
    page: AnalysisPage
    filter_change_s: list[float] = field(default_factory=list)
    first_chart_s: list[float] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)  # the option chosen at each change
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.page.file,
            "heading": self.page.heading,
            "change": self.page.change,
            "chosen": self.chosen,
            "filter_change_s": self.filter_change_s,
            "filter_change": Timing(tuple(self.filter_change_s)).as_dict() if self.filter_change_s else None,
            "first_chart_s": self.first_chart_s,
            "first_chart": Timing(tuple(self.first_chart_s)).as_dict() if self.first_chart_s else None,
            "errors": self.errors,
        }


def _new_tab(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    return context, context.new_page()


def measure_filter_changes(browser: Any, base_url: str, result: PageResult, changes: int) -> None:
    """Open the page, then time `changes` filter changes, each from the click to the complete redraw."""
    from tests.browser import streamlit_dom as dom

    page = result.page
    context, tab = _new_tab(browser)
    try:
        dom.open_page(tab, f"{base_url}/{page.url_path}", heading=page.heading, charts=page.charts)
        clock: list[float] = []
        for _ in range(changes):
            before = dom.view_state(tab)
            clock.clear()
            chosen = dom.choose_other_option(tab, page.change, before_click=lambda: clock.append(time.perf_counter()))
            dom.wait_view_changed(tab, before)
            result.filter_change_s.append(time.perf_counter() - clock[0])
            result.chosen.append(chosen)
        result.errors.extend(dom.page_problems(tab))
    except Exception as exc:  # one page's failure is reported in its row; the other pages are still measured
        result.errors.append(f"filter change: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        context.close()


def first_chart_seconds(browser: Any, url: str) -> float:
    """A new browser session (context) on `url` -> its first Plotly chart drawn, in seconds."""
    started = time.perf_counter()
    context, tab = server._open_page(browser, url)
    try:
        server._wait_chart(tab, PAGE_TIMEOUT_S)
        return time.perf_counter() - started
    finally:
        context.close()


@dataclass
class StepsResult:
    pages: list[PageResult]
    floor_first_chart_s: list[float]
    not_measured: list[str]

    def reference(self) -> PageResult | None:
        return next((r for r in self.pages if r.page.is_reference), None)

    def as_dict(self) -> dict[str, Any]:
        ref = self.reference()
        return {
            "reference_page": ref.page.url_path if ref else None,
            "floor_first_chart_s": self.floor_first_chart_s,
            "pages": {r.page.url_path: r.as_dict() for r in self.pages},
            "pages_not_measured": self.not_measured,
            "targets": {
                "filter_change_over_earnings": TARGET_FILTER_OVER_EARNINGS,
                "first_chart_over_floor": TARGET_FIRST_CHART_OVER_FLOOR,
            },
        }


def run_steps(
    browser: Any,
    data_dir: Path,
    work_dir: Path,
    *,
    changes: int,
    sessions: int,
    only: Sequence[str] = (),
) -> StepsResult:
    """Both steps on every analysis page (or on `only`, url paths; the earnings page is always included), with the
    app on `data_dir` (its tables already prepared) and the floor app served at the same time."""
    pages, missing = analysis_pages()
    if only:
        pages = [p for p in pages if p.url_path in only or p.is_reference]
    # A page with no table of its shape in this data set shows its "no approved table" message, never a chart:
    # waiting out the chart timeouts there measured nothing (the 2M-row set has no industry or regional table).
    without = [p for p in pages if not p.is_reference and not _has_table_for(p, data_dir)]
    pages = [p for p in pages if p not in without]
    missing = [*missing, *(f"{p.file} (no table of its shape in this data set)" for p in without)]
    results = [PageResult(p) for p in pages]
    floor_dir = work_dir / "floor_apps"
    floor_dir.mkdir(parents=True, exist_ok=True)
    floor_app = floor_dir / "chart_only.py"
    floor_app.write_text(FLOOR_CHART_ONLY)
    floor_samples: list[float] = []
    with ExitStack() as stack:
        app = stack.enter_context(server.streamlit_server(data_dir))
        floor = stack.enter_context(server.streamlit_server(floor_dir, app=floor_app))
        for result in results:  # also warms the server: every page has run once before step 2
            measure_filter_changes(browser, app.url, result, changes)
        first_chart_seconds(browser, floor.url)  # the floor's first session, untimed (its server is warm after)
        for _ in range(sessions):
            floor_samples.append(first_chart_seconds(browser, floor.url))
            for result in results:
                try:
                    result.first_chart_s.append(first_chart_seconds(browser, f"{app.url}/{result.page.url_path}"))
                except Exception as exc:
                    result.errors.append(f"first chart: {type(exc).__name__}: {str(exc)[:300]}")
    return StepsResult(results, floor_samples, missing)


# ------------------------------------------------------------------------------------------------ table rows


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "NO")


def rows_for(name: str, steps: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(measure, data set, value, target, met) rows for the results table, from StepsResult.as_dict()."""
    rows: list[tuple[str, str, str, str, str]] = []
    pages: dict[str, dict[str, Any]] = steps["pages"]
    reference = steps.get("reference_page")
    ref_change = (pages.get(reference) or {}).get("filter_change") if reference else None
    floor = steps["floor_first_chart_s"]
    floor_median = statistics.median(floor) if floor else None
    for url_path, info in pages.items():
        change = info["filter_change"]
        if change:
            ratio = change["median_s"] / ref_change["median_s"] if ref_change else None
            rows.append(
                (
                    f"{url_path}: filter change ({info['change']}) → redraw in the browser, n={change['n']}",
                    name,
                    f"median {change['median_s'] * 1000:.0f} ms, p95 {change['p95_s'] * 1000:.0f} ms"
                    + (f"; {ratio:.2f}× earnings" if ratio is not None else ""),
                    f"≤ {TARGET_FILTER_OVER_EARNINGS:g}× earnings",
                    _met(None if ratio is None else ratio <= TARGET_FILTER_OVER_EARNINGS),
                )
            )
        first = info["first_chart"]
        if first:
            ratio = first["median_s"] / floor_median if floor_median else None
            rows.append(
                (
                    f"{url_path}: new session on the warm server → first chart, n={first['n']}",
                    name,
                    f"median {first['median_s']:.2f} s, p95 {first['p95_s']:.2f} s"
                    + (f"; {ratio:.2f}× bare one-chart page" if ratio is not None else ""),
                    f"≤ {TARGET_FIRST_CHART_OVER_FLOOR:g}× bare page",
                    _met(None if ratio is None else ratio <= TARGET_FIRST_CHART_OVER_FLOOR),
                )
            )
        if info["errors"]:
            rows.append((f"{url_path}: browser step problems", name, "; ".join(info["errors"])[:200], "—", "NO"))
    if floor_median is not None:
        rows.append(
            (
                f"bare one-chart Streamlit page: new session on the warm server → chart, n={len(floor)}",
                name,
                f"median {floor_median:.2f} s",
                "—",
                "—",
            )
        )
    if steps.get("pages_not_measured"):
        rows.append(("page files not measured in the browser", name, ", ".join(steps["pages_not_measured"]), "—", "—"))
    return rows
