"""Hardening: text from data always renders as text (XSS strings shown literally, through a fixture table end to
end), spreadsheet formulas neutralised in CSV and XLSX, the production config, and errors shown as a short message
with a reference id.

The same XSS strings are to be checked in a real browser by the browser-test suite (issue 7)."""

import csv
import io
import json
import logging
import re
import tomllib
from pathlib import Path

import openpyxl
import plotly.graph_objects as go
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from leo_dash import menu, ui
from leo_dash.core import paths
from leo_dash.core.model import status_column
from leo_dash.present import export
from leo_dash.present.views import Column, make_view
from tests.conftest import make_entry
from tests.governance_fixture import (
    FORMULA_NAME,
    XSS_IMG,
    XSS_SCRIPT,
    all_texts,
    catalogue_entry,
    clear_app_caches,
    markdown_texts,
    plotly_specs,
    register_table,
    run_app_page,
    use_data_dir,
    write_table,
)
from tests.test_audit_app import view_script

HOSTILE_PROVIDERS = ((90000201, XSS_SCRIPT), (90000202, XSS_IMG), (90000203, "Fenwick Vale University"))
# "<" not preceded by a markdown escape: a tag Streamlit's markdown renderer would see.
RAW_TAG = re.compile(r"(?<!\\)<\s*(script|img)", re.IGNORECASE)


def plotly_strings(spec: str) -> list[str]:
    """Every string Plotly may render in a spec, decoded (the JSON may escape '<', so search the decoded text).

    A trace's `meta` is data Plotly renders only through a `%{meta...}` template, so it counts only when some
    template refers to it."""
    rendered: list[str] = []
    meta: list[str] = []

    def walk(node: object, out: list[str]) -> None:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                out.append(str(key))
                walk(value, meta if key == "meta" else out)
        elif isinstance(node, list):
            for value in node:
                walk(value, out)

    walk(json.loads(spec), rendered)
    return rendered + (meta if any("%{meta" in s for s in rendered) else [])


def assert_no_raw_tags(at: AppTest) -> None:
    for text in markdown_texts(at):
        assert not RAW_TAG.search(text), text
    for spec in plotly_specs(at):
        for text in plotly_strings(spec):
            assert "<script" not in text.lower() and "<img" not in text.lower(), text


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A public table whose provider names, title, description, labels and footnotes are hostile."""
    data_dir, audit_dir = use_data_dir(tmp_path, monkeypatch)
    data_file = write_table(data_dir / "src", "hostile", HOSTILE_PROVIDERS)
    meta = data_file.with_suffix(".meta.csv")
    meta.write_text(meta.read_text(encoding="utf-8").replace(",Subject,", f",{XSS_IMG},"), encoding="utf-8")
    entry = catalogue_entry(
        "hostile",
        data_file,
        title=f"Outcomes {XSS_SCRIPT}",
        description=f"Described as {XSS_IMG}",
        footnotes=(f"Footnote {XSS_SCRIPT}",),
    )
    entry["indicators"][2]["label"] = f"Median earnings {XSS_IMG}"  # type: ignore[index]
    register_table(data_dir, entry)
    yield data_dir
    clear_app_caches()


# ---------------------------------------------------------------- XSS


def test_hostile_provider_names_render_literally_through_a_view(hostile):
    at = AppTest.from_function(view_script, default_timeout=90)
    at.query_params["table"] = "hostile"
    at.run()
    assert not at.exception and not at.error
    assert_no_raw_tags(at)
    # Markdown shows the name escaped, so it reads literally: title and summary.
    md = markdown_texts(at)
    assert any(ui.plain(XSS_SCRIPT) in t for t in md)
    # The table and the source notes hold the literal text (rendered as text, not HTML).
    cells = all_texts(at)
    assert XSS_SCRIPT in cells and XSS_IMG in cells
    assert any(f"Footnote {XSS_SCRIPT}" == t.value for t in at.get("text"))
    # The chart holds the names HTML-escaped in categories, trace name, hover text and title.
    (spec,) = plotly_specs(at)
    strings = plotly_strings(spec)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in strings
    assert "&lt;img src=x onerror=alert(1)&gt;" in strings
    figure = json.loads(spec)
    assert "&lt;script&gt;" in figure["layout"]["meta"]["title"]


def test_hostile_catalogue_text_renders_literally(hostile):
    at = run_app_page("pages/catalogue.py", query={"table": "hostile"})
    assert not at.exception and not at.error
    assert_no_raw_tags(at)
    md = markdown_texts(at)
    assert ui.plain(f"Outcomes {XSS_SCRIPT}") in md  # the table's heading
    assert any(ui.plain(f"Described as {XSS_IMG}") in t for t in md)
    texts = all_texts(at)
    assert f"Footnote {XSS_SCRIPT}" in texts  # st.text: literal
    assert f"Median earnings {XSS_IMG}" in texts  # column labels in the columns table
    assert XSS_IMG in texts  # label read from the .meta.csv


def test_every_page_renders_hostile_text_as_text(hostile):
    pages = [p.file for p in menu.all_pages()]  # every page of the app's menu
    assert len(pages) >= 16 and "pages/catalogue.py" in pages and "pages/earnings.py" in pages
    for page in pages:
        for query in ({}, {"table": "hostile"}):
            at = run_app_page(page, query=query)
            assert not at.exception, (page, at.exception)
            assert_no_raw_tags(at)


def test_plain_escapes_markdown_and_html():
    assert ui.plain(XSS_SCRIPT) == r"\<script\>alert\(1\)\</script\>"
    # A zero-width space after the scheme stops GFM autolinking the bare URL (issue 12, item 8).
    assert ui.plain("**bold** [link](http://x)") == r"\*\*bold\*\* \[link\]\(http\u200b\:\/\/x\)".replace(
        r"\/", "/"
    ).replace(r"\u200b", "\u200b")


# ---------------------------------------------------------------- formula injection

FORMULA_CELLS = [FORMULA_NAME, "+SUM(1,2)", "-2+3", "@cmd|' /C calc'!A0", "\tTAB", "\rCR", "=1+1"]
SAFE_CELLS = ["Fenwick Vale University", "-2.1%", "-£300"]


def _formula_view():
    names = FORMULA_CELLS + SAFE_CELLS
    frame = pl.DataFrame(
        {
            "provider_name": names,
            "rate": [50.0] * len(names),
            status_column("rate"): [None] * len(names),
        },
        schema_overrides={status_column("rate"): pl.String},
    )
    entry = make_entry("formula_t", footnotes=("=cmd footnote",))
    return make_view(
        key="formula-view",
        entry=entry,
        title='=HYPERLINK("http://evil.example")',
        frame=frame,
        columns=(Column("provider_name", "Provider"), Column("rate", "@Rate", "value", "%", 0)),
        summary="+summary",
        filters=(("Provider", FORMULA_NAME),),
        build_figure=lambda f: go.Figure(go.Bar(x=f["provider_name"].to_list(), y=f["rate"].to_list())),
    )


def _dangerous(cell: str) -> bool:
    return bool(cell) and cell.startswith(export.FORMULA_TRIGGERS) and not export.PLAIN_NUMBER.match(cell)


def test_csv_export_neutralises_formulas():
    data = export.csv_bytes(_formula_view()).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(data)) for cell in row]
    assert not [c for c in cells if _dangerous(c)]
    for name in FORMULA_CELLS:
        assert "'" + name in cells
    assert "Fenwick Vale University" in cells and "-2.1%" in cells  # data, left alone
    assert "'@Rate (%)" in cells and "'@Rate (%) status" in cells
    assert "50" in cells  # the rate itself is a plain numeral


def test_data_guidance_is_plain_text_with_the_metadata():
    # The guidance file is a text file, not a spreadsheet: its title and notes are written as published.
    guidance = export.guidance_text(_formula_view())
    assert guidance.startswith('# =HYPERLINK("http://evil.example")')
    assert "Note: =cmd footnote" in guidance and "Summary: +summary" in guidance


def test_xlsx_export_neutralises_formulas():
    workbook = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(_formula_view())))
    cells = [
        cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None
    ]
    assert cells
    # Text cells are strings (never formulas); the rates are numbers.
    assert all(cell.data_type in ("s", "n") for cell in cells), [(c.coordinate, c.data_type) for c in cells]
    numbers = [cell.value for cell in cells if cell.data_type == "n"]
    assert numbers == [50] * len(FORMULA_CELLS + SAFE_CELLS)
    # xlsxwriter stores a carriage return as the OOXML escape _x000D_, which Excel decodes and openpyxl does not.
    values = [str(cell.value).replace("_x000D_", "\r") for cell in cells if cell.data_type == "s"]
    assert not [v for v in values if _dangerous(v)]
    for name in FORMULA_CELLS:
        assert "'" + name in values
    assert "-2.1%" in values and "'+summary" in values
    assert '\'=HYPERLINK("http://evil.example")' in values and "'=cmd footnote" in values  # the About sheet


# ---------------------------------------------------------------- production config and error boundary


def test_production_config_hides_errors_protects_forms_and_sends_no_usage_stats():
    config = tomllib.loads((paths.PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] in ("none", False)
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"].get("toolbarMode") in ("viewer", "minimal")


def test_secrets_are_not_committed():
    ignored = (paths.PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".streamlit/secrets.toml" in ignored and "data/audit/" in ignored and "data/archive/" in ignored


def failing_page() -> None:
    from leo_dash import ui

    def main() -> None:
        import streamlit as st

        st.markdown("Before the failure")
        raise RuntimeError("secret detail: /srv/leo/data/x.parquet")

    ui.run_page(main)


def test_page_error_is_a_short_message_with_a_reference_and_detail_goes_to_the_log(caplog):
    with caplog.at_level(logging.ERROR, logger="leo_dash.ui"):
        at = AppTest.from_function(failing_page, default_timeout=30).run()
    assert not at.exception  # no traceback reaches the user
    (error,) = at.error
    match = re.search(r"reference ([0-9A-F]{8})", error.value)
    assert match, error.value
    assert "secret detail" not in error.value and "Traceback" not in error.value
    assert f"page error, reference {match.group(1)}" in caplog.text
    assert "RuntimeError: secret detail" in caplog.text  # full detail in the server log


def test_no_upload_is_offered():
    """Uploads must be size-limited and screened like `leo_dash check`; none is offered, so none can bypass that.
    If one is added, replace this test with tests of its limits and screening."""
    sources = list((paths.PROJECT_ROOT / "pages").glob("*.py")) + list((paths.PROJECT_ROOT / "leo_dash").glob("*.py"))
    offenders = [p.name for p in sources if "file_uploader" in p.read_text(encoding="utf-8")]
    assert offenders == []
