"""Briefing packs as a minister's office uses them: a Word document and a PowerPoint deck.

Both hold, for every item, its title, its headline sentence, the chart as an image (with the sentence as its
alternative text), the table as a native, editable table (the figures exactly as the screen shows them, symbols as
their labels), the filters, the source and the footnotes; and, for the pack, the disclosure statement, the
synthetic-data warning when any item uses demo data, and the symbol key.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from pptx import Presentation
from pptx.dml.color import RGBColor as SlideColour
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu
from pptx.util import Inches as SlideInches
from pptx.util import Pt as SlidePt

from leo_dash.present.views import DEMO_WARNING, View

# GOV.UK Analysis Function colours: dark blue for titles, black text, dark grey for notes.
DARK_BLUE = (0x12, 0x43, 0x6D)
TEXT_BLACK = (0x0B, 0x0C, 0x0C)
NOTE_GREY = (0x50, 0x5A, 0x5F)
WARNING_ORANGE = (0xF4, 0x6A, 0x25)

# XML 1.0 cannot hold control characters; a label from a data file might carry one.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

SLIDE_TABLE_ROWS = 12  # data rows per table slide: readable at presentation size
MAX_TABLE_SLIDES = 4  # per item; longer tables say where every row is (the Excel workbook)


@dataclass(frozen=True)
class OfficePack:
    """What the Word document and the deck are both written from."""

    title: str
    views: Sequence[View]
    pngs: Sequence[bytes | None]  # each view's chart picture, in order; None (or none left) where it has none
    created: dt.datetime
    disclosure: str
    symbol_key: str

    def items(self) -> list[tuple[int, View, bytes | None]]:
        """Each view, numbered from 1, with its chart picture."""
        pngs = list(self.pngs) + [None] * (len(self.views) - len(self.pngs))
        return [(number, view, pngs[number - 1]) for number, view in enumerate(self.views, start=1)]


def _text(value: object) -> str:
    return _NOT_XML.sub("", "" if value is None else str(value))


def _is_numeric_column(view: View, heading: str) -> bool:
    return any(c.label == heading and c.kind == "value" for c in view.columns)


def _footer_lines(view: View) -> list[str]:
    lines = []
    if view.filters:
        lines.append("Filters: " + "; ".join(f"{label}: {value}" for label, value in view.filters))
    lines.append(view.source)
    lines.extend(view.all_footnotes)
    return [_text(line) for line in lines if line]


# ---------------------------------------------------------------------------------------------------------- Word


def _set_alt_text(inline_shape: object, description: str) -> None:
    """Alternative text for a picture (docPr descr), read by screen readers."""
    doc_pr = inline_shape._inline.docPr  # type: ignore[attr-defined]  # python-docx exposes no alt-text API
    doc_pr.set("descr", _text(description))


def _repeat_header_row(row: object) -> None:
    """Word repeats this row at the top of each page the table runs onto."""
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _word_table(document: Document, view: View, number: int) -> None:
    table = view.table()
    caption = document.add_paragraph(style="Caption")
    caption.add_run(_text(f"Table {number}: {view.title}"))
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    numeric = [_is_numeric_column(view, heading) for heading in table.columns]
    header = grid.rows[0]
    _repeat_header_row(header)
    for cell, heading, right in zip(header.cells, table.columns, numeric, strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.add_run(_text(heading)).bold = True
        if right:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for values in table.iter_rows():
        cells = grid.add_row().cells
        for cell, value, right in zip(cells, values, numeric, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.add_run(_text(value))
            if right:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def docx_report(pack: OfficePack) -> bytes:
    """A Word briefing: title, preparation date, disclosure statement, then each item as a numbered heading with
    its headline sentence, chart, native table, filters, source and footnotes; the symbol key last."""
    title, views = pack.title, pack.views
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    for style_name in ("Title", "Heading 1"):
        document.styles[style_name].font.color.rgb = RGBColor(*DARK_BLUE)
        document.styles[style_name].font.name = "Arial"
    document.core_properties.title = _text(title)
    document.core_properties.author = "LEO Explorer"
    document.add_heading(_text(title), level=0)
    document.add_paragraph(f"Prepared {pack.created:%d %B %Y at %H:%M} with LEO Explorer.")
    if any(v.demo for v in views):
        warning = document.add_paragraph()
        run = warning.add_run(_text(DEMO_WARNING))
        run.bold = True
        run.font.color.rgb = RGBColor(*TEXT_BLACK)
    document.add_paragraph(_text(pack.disclosure))
    width = document.sections[0].page_width - document.sections[0].left_margin - document.sections[0].right_margin
    for number, view, png in pack.items():
        document.add_heading(_text(f"{number}. {view.title}"), level=1)
        headline = document.add_paragraph()
        headline.add_run(_text(view.summary)).bold = True
        if png:
            picture = document.add_picture(io.BytesIO(png), width=width)
            _set_alt_text(picture, view.summary)
        _word_table(document, view, number)
        for line in _footer_lines(view):
            note = document.add_paragraph(line)
            for run in note.runs:
                run.font.size = Pt(9)
                run.font.color.rgb = RGBColor(*NOTE_GREY)
    document.add_heading("Symbols", level=1)
    document.add_paragraph(_text(pack.symbol_key))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------- PowerPoint

SLIDE_WIDTH = SlideInches(13.333)  # 16:9
SLIDE_HEIGHT = SlideInches(7.5)
MARGIN = SlideInches(0.5)


def _text_box(
    slide: object,
    top: int,
    height: int,
    text: str,
    *,
    size: int,
    bold: bool = False,
    colour: tuple[int, int, int] = TEXT_BLACK,
) -> None:
    """A text box across the slide between the margins."""
    box = slide.shapes.add_textbox(MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, height)  # type: ignore[attr-defined]
    frame = box.text_frame
    frame.word_wrap = True  # long titles wrap rather than run off the slide
    frame.vertical_anchor = MSO_ANCHOR.TOP
    for index, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = _text(line)
        run.font.size = SlidePt(size)
        run.font.bold = bold
        run.font.name = "Arial"
        run.font.color.rgb = SlideColour(*colour)


def _title_size(title: str) -> int:
    """Smaller type for longer titles, so a title fits its box in full (no clipping, no overflow)."""
    return 28 if len(title) <= 70 else 22 if len(title) <= 130 else 18


def _slide_title(slide: object, title: str) -> None:
    _text_box(slide, SlideInches(0.3), SlideInches(1.1), title, size=_title_size(title), bold=True, colour=DARK_BLUE)


def _speaker_notes(slide: object, lines: Sequence[str]) -> None:
    slide.notes_slide.notes_text_frame.text = _text("\n".join(lines))  # type: ignore[attr-defined]


def _picture_fit(png: bytes, max_width: int, max_height: int) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        pixels_wide, pixels_high = image.size
    scale = min(max_width / pixels_wide, max_height / pixels_high)
    return int(pixels_wide * scale), int(pixels_high * scale)


def _set_picture_alt_text(picture: object, description: str) -> None:
    picture._element.nvPicPr.cNvPr.set("descr", _text(description))  # type: ignore[attr-defined]


def _table_slides(deck: Presentation, view: View, number: int, footer: list[str]) -> None:
    table = view.table()
    numeric = [_is_numeric_column(view, heading) for heading in table.columns]
    rows = table.rows()
    chunks = [rows[start : start + SLIDE_TABLE_ROWS] for start in range(0, len(rows), SLIDE_TABLE_ROWS)] or [[]]
    shown = chunks[:MAX_TABLE_SLIDES]
    for part, chunk in enumerate(shown, start=1):
        slide = deck.slides.add_slide(deck.slide_layouts[6])
        suffix = (
            f" (rows {(part - 1) * SLIDE_TABLE_ROWS + 1:,} to {(part - 1) * SLIDE_TABLE_ROWS + len(chunk):,} of {len(rows):,})"
            if len(chunks) > 1
            else ""
        )
        _slide_title(slide, f"Table {number}: {view.title}{suffix}")
        height = SlideInches(0.4) * (len(chunk) + 1)
        shape = slide.shapes.add_table(
            len(chunk) + 1, len(table.columns), MARGIN, SlideInches(1.5), SLIDE_WIDTH - 2 * MARGIN, height
        )
        grid = shape.table
        for column, heading in enumerate(table.columns):
            _cell(grid.cell(0, column), heading, bold=True, right=numeric[column])
        for row_number, values in enumerate(chunk, start=1):
            for column, value in enumerate(values):
                _cell(grid.cell(row_number, column), value, right=numeric[column])
        note = [_text(view.source)]
        if part == len(shown) and len(chunks) > MAX_TABLE_SLIDES:
            note = [
                f"The first {len(shown) * SLIDE_TABLE_ROWS:,} of {len(rows):,} rows; every row is in the Excel "
                "workbook and the Word document of this pack.",
                *note,
            ]
        _text_box(slide, SLIDE_HEIGHT - SlideInches(0.9), SlideInches(0.7), "\n".join(note), size=11, colour=NOTE_GREY)
        _speaker_notes(slide, [view.summary, *footer])


def _cell(cell: object, value: object, *, bold: bool = False, right: bool = False) -> None:
    frame = cell.text_frame  # type: ignore[attr-defined]
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    run = paragraph.add_run()
    run.text = _text(value)
    run.font.size = SlidePt(12)
    run.font.bold = bold
    run.font.name = "Arial"
    if right:
        paragraph.alignment = PP_ALIGN.RIGHT


def _cover_slide(deck: Presentation, blank: object, pack: OfficePack) -> None:
    """The title slide: the pack's title, when it was prepared, any synthetic-data warning and the disclosure note."""
    cover = deck.slides.add_slide(blank)
    title_size = _title_size(pack.title) + 8
    _text_box(cover, SlideInches(1.5), SlideInches(1.5), pack.title, size=title_size, bold=True, colour=DARK_BLUE)
    prepared = f"Prepared {pack.created:%d %B %Y at %H:%M} with LEO Explorer."
    _text_box(cover, SlideInches(3.2), SlideInches(0.6), prepared, size=16)
    lines = [DEMO_WARNING] if any(v.demo for v in pack.views) else []
    _text_box(cover, SlideInches(4.0), SlideInches(2.5), "\n".join([*lines, pack.disclosure]), size=14)


def _item_slides(deck: Presentation, blank: object, number: int, view: View, png: bytes | None) -> None:
    """One item: a slide with its title, headline sentence and chart, then its table on native table slides."""
    footer = _footer_lines(view)
    slide = deck.slides.add_slide(blank)
    _slide_title(slide, f"{number}. {view.title}")
    _text_box(slide, SlideInches(1.4), SlideInches(0.8), view.summary, size=16, bold=True)
    if png:
        top = SlideInches(2.25)
        max_height = SLIDE_HEIGHT - top - SlideInches(0.9)
        width, height = _picture_fit(png, SLIDE_WIDTH - 2 * MARGIN, max_height)
        left = Emu(int((SLIDE_WIDTH - width) / 2))
        picture = slide.shapes.add_picture(io.BytesIO(png), left, top, width, height)
        _set_picture_alt_text(picture, view.summary)
    # Under the chart: what was chosen and where it comes from; every footnote is in the speaker notes.
    under = [line for line in footer if line.startswith("Filters: ")] + [_text(view.source)]
    _text_box(slide, SLIDE_HEIGHT - SlideInches(0.85), SlideInches(0.7), "\n".join(under), size=11, colour=NOTE_GREY)
    _speaker_notes(slide, [view.summary, *footer])
    _table_slides(deck, view, number, footer)


def pptx_report(pack: OfficePack) -> bytes:
    """A 16:9 deck: a title slide (with the disclosure statement and any synthetic-data warning); for each item a
    slide with its title, headline sentence and chart, then its table on native table slides; the symbol key
    last. Sources and footnotes sit under each chart and table and in the speaker notes."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    deck.core_properties.title = _text(pack.title)
    deck.core_properties.author = "LEO Explorer"
    blank = deck.slide_layouts[6]

    _cover_slide(deck, blank, pack)

    for number, view, png in pack.items():
        _item_slides(deck, blank, number, view, png)

    closing = deck.slides.add_slide(blank)
    _slide_title(closing, "About these figures")
    about = "\n".join([pack.disclosure, "", f"Symbols: {pack.symbol_key}"])
    _text_box(closing, SlideInches(1.5), SlideInches(4.5), about, size=16)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
