"""Helpers shared by the page tests (Streamlit AppTest): open a page with link parameters, check it ran cleanly,
read its Plotly specs. The `fresh_app` fixture (tests/conftest.py) gives each test a rebuilt catalogue."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from leo_dash.core import paths, store
from leo_dash.core.catalogue import load_catalogue

COMMITTED_DATA_DIR = (paths.PROJECT_ROOT / "data").resolve()


def prepare_tables() -> None:
    """Prepare (screen, protect, write to parquet) the committed data folder's tables once per test session, as the
    app's first start does: a page test's time limit is for the page, and on a fresh checkout the first page to read
    every table (the headlines) would otherwise spend it building them all.

    A test's own data folder is left as it is (its tables may be hostile, or deliberately unprepared), and so is any
    process told to read prepared tables only."""
    if paths.DATA_DIR == COMMITTED_DATA_DIR and not store.prepared_only():
        _prepare_tables_in(paths.DATA_DIR)


@functools.cache
def _prepare_tables_in(data_dir: Path) -> None:
    for entry in load_catalogue(data_dir):
        store.prepare(entry, data_dir=data_dir)


def open_page(page: str, params: dict[str, str | list[str]] | None = None, *, timeout: float = 60) -> AppTest:
    """Run app.py on `page` (e.g. "pages/benefits.py") with `params` as the link's query string; it must run
    without an exception or error box."""
    prepare_tables()
    at = AppTest.from_file(str(paths.PROJECT_ROOT / "app.py"), default_timeout=timeout)
    at.switch_page(page)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def plotly_specs(at: AppTest) -> list[dict]:
    """Every Plotly figure on the page, as the JSON spec sent to the browser, in page order."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart_title(spec: dict) -> str:
    """A drawn chart's title (the page shows it as the heading above the chart; the figure keeps it in meta)."""
    return str(spec["layout"]["meta"]["title"]).replace("<br>", " ")


def notes_text(at: AppTest) -> str:
    """The source and notes written under the charts on the page (in exports they sit inside the chart image)."""
    return " ".join(str(c.value) for c in at.caption).replace("\\", "")
