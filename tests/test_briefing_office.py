"""Word and PowerPoint briefing packs (issue 14, item 7): they open with python-docx and python-pptx and hold every
item: its title, headline sentence, chart picture (with the sentence as alt text), its table as a native table with
exactly the figures the screen shows, filters, source and footnotes; the disclosure statement and symbol key; the
synthetic-data warning whenever an item uses demo data."""

from __future__ import annotations

import io

import docx
import plotly.graph_objects as go
import polars as pl
import pptx
import pytest
from PIL import Image
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Pt

from leo_dash import briefing
from leo_dash.briefing import office as briefing_office
from leo_dash.core.model import status_column
from leo_dash.present.views import DEMO_WARNING, Column, make_view
from tests.conftest import make_entry


def _png(width: int = 1100, height: int = 650) -> bytes:
    """A real PNG of a chart's usual size, so a slide sizes the picture from it."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()


def _view(key: str, *, rows: int = 2, demo: bool = True, name: str = "Fenwick Vale College", title: str = ""):
    providers = [name, *[f"Provider {i:03d}" for i in range(1, rows)]]
    rates = [72.4, *[None if i % 3 == 0 else 50.0 + i / 10 for i in range(1, rows)]]
    frame = pl.DataFrame(
        {"provider": providers, "rate": rates, status_column("rate"): [None if r is not None else "c" for r in rates]},
        schema_overrides={status_column("rate"): pl.String},
    )
    entry = make_entry("demo_t" if demo else "real_t", demo=demo, footnotes=("Rates rounded to 0.1%.",))
    return make_view(
        key=key,
        entry=entry,
        title=title or f"Sustained employment rate, {name}",
        frame=frame,
        columns=(Column("provider", "Provider"), Column("rate", "Sustained employment", "value", "%", 1)),
        summary=f"{name} had a sustained employment rate of 72.4% in 2022-23.",
        filters=(("Tax year", "2022-23"),),
        build_figure=lambda f: go.Figure(go.Bar(x=f["provider"].to_list(), y=f["rate"].to_list())),
    )


def _word_text(document: docx.document.Document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def test_word_pack_holds_every_item_with_native_tables_and_pictures() -> None:
    views = [_view("a"), _view("b", name="Northmere University", rows=60)]
    document = docx.Document(io.BytesIO(briefing.docx_report("Weekly outcomes", views, pngs=[PNG, None])))
    text = _word_text(document)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"1. {views[0].title}", f"2. {views[1].title}", "Symbols"]
    assert document.paragraphs[0].text == "Weekly outcomes" and document.paragraphs[0].style.name == "Title"
    for view in views:
        assert view.summary in text and view.source in text and "Rates rounded to 0.1%." in text
    assert "Filters: Tax year: 2022-23" in text
    assert briefing.DISCLOSURE_STATEMENT in text and briefing.SYMBOL_KEY in text and DEMO_WARNING in text
    # One picture (the second item has no chart image), described by its headline sentence.
    assert len(document.inline_shapes) == 1
    assert document.inline_shapes[0]._inline.docPr.get("descr") == views[0].summary
    # Native tables, one per item, exactly the screen's table: every row, suppressed values as their label.
    assert len(document.tables) == 2
    for table, view in zip(document.tables, views, strict=True):
        cells = [[cell.text for cell in row.cells] for row in table.rows]
        shown = view.table()
        assert cells == [shown.columns, *[[str(v) for v in row] for row in shown.iter_rows()]]
    assert ["Northmere University", "72.4%"] in [[c.text for c in r.cells] for r in document.tables[1].rows]
    assert any(row[1] == "Suppressed" for row in ([c.text for c in r.cells] for r in document.tables[1].rows))
    assert document.core_properties.title == "Weekly outcomes"


def test_word_pack_without_demo_data_has_no_synthetic_warning() -> None:
    document = docx.Document(io.BytesIO(briefing.docx_report("Pack", [_view("a", demo=False)], pngs=[None])))
    assert DEMO_WARNING not in _word_text(document)


def _slide_texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def test_powerpoint_pack_holds_every_item_and_titles_fit() -> None:
    long_title = "Sustained employment rate by provider, subject and characteristic, " * 3
    views = [_view("a"), _view("b", name="Northmere University", rows=30, title=long_title.strip())]
    deck = pptx.Presentation(io.BytesIO(briefing.pptx_report("Weekly outcomes", views, pngs=[PNG, PNG])))
    slides = list(deck.slides)
    assert deck.slide_width > deck.slide_height  # 16:9
    cover = " ".join(_slide_texts(slides[0]))
    assert "Weekly outcomes" in cover and briefing.DISCLOSURE_STATEMENT in cover and DEMO_WARNING in cover
    closing = " ".join(_slide_texts(slides[-1]))
    assert briefing.SYMBOL_KEY in closing
    everything = "\n".join(t for slide in slides for t in _slide_texts(slide))
    notes = "\n".join(s.notes_slide.notes_text_frame.text for s in slides if s.has_notes_slide)
    for number, view in enumerate(views, start=1):
        assert f"{number}. {view.title}" in everything and view.summary in everything
        assert view.source in everything and "Rates rounded to 0.1%." in notes
    # Each chart is a picture that fits the slide, described by its sentence.
    pictures = [shape for slide in slides for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 2
    for picture, view in zip(pictures, views, strict=True):
        assert picture._element.nvPicPr.cNvPr.get("descr") == view.summary
        assert picture.left >= 0 and picture.left + picture.width <= deck.slide_width
        assert picture.top + picture.height <= deck.slide_height
    # Every table row on native table slides (30 rows: three slides of up to 12), in order.
    tables = [shape.table for slide in slides for shape in slide.shapes if shape.has_table]
    assert len(tables) == 1 + 3
    rows = [[cell.text for cell in row.cells] for table in tables[1:] for row in list(table.rows)[1:]]
    shown = views[1].table()
    assert rows == [[str(v) for v in row] for row in shown.iter_rows()]
    # Titles wrap inside their box, in a size that leaves room: never clipped or run off the slide.
    for slide in slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                assert shape.text_frame.word_wrap is True
                assert shape.left + shape.width <= deck.slide_width
    title_sizes = [
        run.font.size
        for slide in slides
        for shape in slide.shapes
        if shape.has_text_frame
        for paragraph in shape.text_frame.paragraphs
        for run in paragraph.runs
        if run.text.startswith("2. ")
    ]
    assert title_sizes and all(size <= Pt(22) for size in title_sizes)


def test_powerpoint_long_tables_say_where_every_row_is() -> None:
    rows = briefing_office.SLIDE_TABLE_ROWS * briefing_office.MAX_TABLE_SLIDES + 5
    deck = pptx.Presentation(io.BytesIO(briefing.pptx_report("Pack", [_view("a", rows=rows)], pngs=[None])))
    tables = [shape.table for slide in deck.slides for shape in slide.shapes if shape.has_table]
    assert len(tables) == briefing_office.MAX_TABLE_SLIDES
    text = "\n".join(t for slide in deck.slides for t in _slide_texts(slide))
    assert f"of {rows:,} rows; every row is in the Excel workbook and the Word document" in text


@pytest.mark.parametrize("hostile", ['=HYPERLINK("http://x")', "bell\x07 and \x1b escape", "<script>x</script>"])
def test_hostile_labels_are_written_as_plain_text(hostile: str) -> None:
    view = _view("a", name=hostile)
    document = docx.Document(io.BytesIO(briefing.docx_report(hostile, [view], pngs=[None])))
    deck = pptx.Presentation(io.BytesIO(briefing.pptx_report(hostile, [view], pngs=[None])))
    cleaned = hostile.replace("\x07", "").replace("\x1b", "")
    assert document.tables[0].rows[1].cells[0].text == cleaned
    assert cleaned in "\n".join(t for slide in deck.slides for t in _slide_texts(slide))
