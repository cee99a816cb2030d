"""Downloads: CSV and XLSX of exactly the table a view shows, under a header block naming its provenance.

Both formats take their rows from `View.table()`, the same formatted frame the screen shows (D10). Cells that a
spreadsheet would run as a formula are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

import xlsxwriter

from leo_dash.views import View, filters_text

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A negative figure in GSS style ("-2.1%", "-£300") is data, not a formula, and stays as it is.
_FIGURE = r"[-+]?£?\d[\d,]*(?:\.\d+)?%?"
# One figure or a range ("-2.4 to 2.3 percentage points"), in GSS style: digits only, so never a formula.
PLAIN_NUMBER = re.compile(rf"^{_FIGURE}(?: to {_FIGURE})?(?: percentage points?| pp)?$")


# Spreadsheets trim leading spaces and line breaks before reading a formula, so " =1+1" and "\n=1+1" run too.
_LEADING_BLANKS = " \t\r\n\v\f\u00a0\u2028\u2029\ufeff"


def neutralise(cell: str) -> str:
    """Make a text cell inert in spreadsheets (OWASP CSV injection), also when blanks or line breaks come before
    the formula sign; numbers like '-2.1%' stay readable."""
    if not cell:
        return cell
    if cell.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.match(cell):
        return "'" + cell
    trimmed = cell.lstrip(_LEADING_BLANKS)
    if trimmed != cell and trimmed.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.match(trimmed):
        return "'" + cell
    return cell


def header_block(view: View) -> list[tuple[str, str]]:
    """Provenance lines written above the table in every download."""
    rows: list[tuple[str, str]] = [("Title", view.title)]
    if view.demo:
        rows.append(("Warning", "SYNTHETIC DEMO DATA – not official statistics"))
    rows += [
        ("Source", view.source),
        ("Table", view.table_id),
        ("Filters", filters_text(view.filters) or "none"),
        ("Summary", view.summary),
        ("Downloaded", view.created.isoformat(sep=" ")),
    ]
    rows += [("Note", note) for note in view.all_footnotes if note != ""]
    rows.append(("Symbols", "c = suppressed; x = not available; z = not applicable; low = rounds to zero, not zero; u = low reliability"))
    return rows


def csv_bytes(view: View) -> bytes:
    """UTF-8 (with BOM, so Excel reads £ correctly) CSV: header block, a blank line, then the table."""
    table = view.table()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for key, value in header_block(view):
        writer.writerow([neutralise(key), neutralise(value)])
    writer.writerow([])
    writer.writerow([neutralise(c) for c in table.columns])
    for row in table.iter_rows():
        writer.writerow([neutralise(cell or "") for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_view_sheet(workbook: xlsxwriter.Workbook, name: str, view: View) -> None:
    """One worksheet: the view's header block, a blank row, then its table as text cells."""
    sheet = workbook.add_worksheet(name)
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bg_color": "#F3F2F1", "border": 1, "text_wrap": True})
    row = 0
    for key, value in header_block(view):
        # write_string, never write(): a value that looks like a formula must stay text.
        sheet.write_string(row, 0, neutralise(key), bold if key != "Title" else title)
        sheet.write_string(row, 1, neutralise(value))
        row += 1
    row += 1
    table = view.table()
    for col_index, name_ in enumerate(table.columns):
        sheet.write_string(row, col_index, neutralise(name_), header)
        sheet.set_column(col_index, col_index, max(14, min(45, len(name_) + 2)))
    for values in table.iter_rows():
        row += 1
        for col_index, cell in enumerate(values):
            sheet.write_string(row, col_index, neutralise(cell or ""))
    sheet.set_column(1, 1, 60)


def sheet_name(text: str, used: Sequence[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    clean = "".join(ch for ch in text if ch not in "[]:*?/\\").strip() or "Sheet"
    base = clean[:28]
    name, n = base, 2
    while name.lower() in {u.lower() for u in used}:
        name = f"{base[:25]} ({n})"
        n += 1
    return name


def xlsx_bytes(view: View) -> bytes:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as workbook:
        write_view_sheet(workbook, sheet_name(view.key, []), view)
    return buffer.getvalue()


def size_label(data: bytes) -> str:
    """Human file size for download labels, e.g. '12 KB'."""
    size = len(data)
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:,.0f} KB"
    return f"{size / 1024 / 1024:,.1f} MB"
