"""Briefing basket end to end: add from a page, reorder, export, rebuild from a link and from the command line."""

import io
import json
import subprocess
import sys

import docx
import openpyxl
import pptx
import pytest
from streamlit.testing.v1 import AppTest

from leo_dash import briefing
from leo_dash.briefing import Basket, ItemRef
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue


def _app() -> AppTest:
    return AppTest.from_file(str(paths.PROJECT_ROOT / "app.py"), default_timeout=120)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_add_from_earnings_page_then_export_from_briefing_page():
    at = _app()
    at.switch_page("pages/earnings.py")
    at.run()
    assert not at.exception
    _button(at, "Add to briefing").click().run()
    at.switch_page("pages/briefing.py")
    at.run()
    assert not at.exception and not at.error
    texts = " ".join(m.value for m in at.markdown)
    assert "Median earnings" in texts
    assert any("synthetic demo data" in w.value.lower() for w in at.warning)
    token = next(c.value for c in at.code).split("basket=")[1]
    again = Basket.decode(token)
    assert again.items[0].page == "earnings"
    at.text_input(key="briefing_title").input("Weekly outcomes brief").run()
    _button(at, "Prepare HTML, Excel, Word, PowerPoint and PNG files").click().run()
    assert not at.exception
    labels = [d.proto.label for d in at.get("download_button")]
    assert any(label.startswith("Download HTML briefing") for label in labels)
    assert any("XLSX" in label for label in labels) and any("PNG" in label for label in labels)
    assert any("Word document DOCX" in label for label in labels)
    assert any("PowerPoint slides PPTX" in label for label in labels)


def test_briefing_link_rebuilds_the_basket_in_a_new_session():
    basket = Basket("From a link")
    basket.add(ItemRef.make("earnings", {"table": "demo_graduate_outcomes", "compare": "Cohorts"}, "earnings-cohorts"))
    at = _app()
    at.switch_page("pages/briefing.py")
    at.query_params["basket"] = basket.encode()
    at.run()
    assert not at.exception and not at.error
    assert at.text_input(key="briefing_title").value == "From a link"
    assert not any("can no longer be shown" in w.value for w in at.warning)
    assert any("Median earnings" in m.value for m in at.markdown)


def test_damaged_link_is_a_warning_not_an_error():
    at = _app()
    at.switch_page("pages/briefing.py")
    at.query_params["basket"] = "not-a-basket"
    at.run()
    assert not at.exception
    assert any("damaged" in w.value for w in at.warning)


def test_rebuild_refuses_tables_the_user_may_not_see():
    tables = [t for t in load_catalogue() if t.id != "demo_graduate_outcomes"]
    ref = ItemRef.make("earnings", {"table": "demo_graduate_outcomes"}, "earnings")
    with pytest.raises(LookupError, match="not available to you"):
        briefing.rebuild(ref, tables)
    # Without naming a table the page's own fallback cannot reach it either.
    with pytest.raises(LookupError):
        briefing.rebuild(ItemRef.make("earnings", {}, "earnings"), tables)


def test_command_line_pack(tmp_path):
    spec = {
        "title": "Scheduled pack",
        "items": [
            {"page": "earnings", "params": {"table": "demo_graduate_outcomes"}, "view": "earnings-trajectory"},
            {"page": "earnings", "params": {"table": "demo_graduate_outcomes"}, "view": "no-such-view"},
        ],
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    out = tmp_path / "pack"
    result = subprocess.run(
        [sys.executable, "-m", "leo_dash", "briefing", "--spec", str(spec_path), "--out", str(out)],
        cwd=paths.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1  # one item could not be built, and it says which
    assert "Not included: item 2 (no-such-view)" in result.stdout
    assert "Traceback" not in result.stderr
    page = (out / "briefing.html").read_text()
    assert "Scheduled pack" in page and "data:image/png;base64," in page and "Synthetic demo data" in page
    book = openpyxl.load_workbook(io.BytesIO((out / "briefing.xlsx").read_bytes()))
    assert book.sheetnames[0] == "Cover" and len(book.sheetnames) == 2
    pngs = list(out.glob("chart-*.png"))
    assert len(pngs) == 1 and pngs[0].read_bytes().startswith(b"\x89PNG")
    words = docx.Document(str(out / "briefing.docx"))
    headings = [p.text for p in words.paragraphs if p.style.name == "Heading 1"]
    assert len(headings) == 2 and headings[0].startswith("1. Median earnings") and headings[1] == "Symbols"
    assert len(words.inline_shapes) == 1 and len(words.tables) == 1
    deck = pptx.Presentation(str(out / "briefing.pptx"))
    assert any(shape.shape_type == 13 for slide in deck.slides for shape in slide.shapes)  # the chart picture


def test_command_line_refuses_a_bad_spec(tmp_path):
    spec_path = tmp_path / "spec.json"
    spec_path.write_text("{not json")
    result = subprocess.run(
        [sys.executable, "-m", "leo_dash", "briefing", "--spec", str(spec_path), "--out", str(tmp_path / "o")],
        cwd=paths.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "not valid JSON" in result.stdout
