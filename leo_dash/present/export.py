"""Downloads: CSV and XLSX of exactly the table a view shows, as data a program can read, with its provenance.

Both formats hold the rows and columns of `View.table()` (D10), as `View.data()` types them, the way EES publishes
data: numbers as plain numerals (no "£", "%" or thousands separators), rounded as the screen shows them, and beside
each value column a status column with the symbol (c, x, z, low, u) wherever no number may be shown. The CSV starts
with its header row, so `polars.read_csv` or Excel reads it as a table; title, source, filters, notes and the
disclosure statement go in a data-guidance file beside it (and in an "About this data" sheet of the XLSX), as EES
ships data-guidance with its CSVs. Text cells that a spreadsheet would run as a formula are neutralised with a
leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

import polars as pl
import xlsxwriter

from leo_dash.present.views import Column, View, filters_text, status_heading, value_heading

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
    rows.append(("Symbols", SYMBOLS_TEXT))
    return rows


def _number_text(value: float) -> str:
    """A plain numeral: 26900, 72.4, -1.5 (no separators, no unit, no exponent)."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def csv_bytes(view: View) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel reads '£' in headings) of the view's data: header row first."""
    data = view.data()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in data.columns])
    numeric = [dtype.is_numeric() for dtype in data.dtypes]
    for row in data.iter_rows():
        writer.writerow(
            [
                ("" if cell is None else _number_text(cell)) if is_number else neutralise(cell or "")
                for cell, is_number in zip(row, numeric, strict=True)
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


SYMBOLS_TEXT = (
    "c = suppressed to protect confidentiality; x = not available; z = not applicable; "
    "low = rounds to zero, but is not zero; u = low reliability"
)


def guidance_text(view: View) -> str:
    """The data-guidance file downloaded beside the CSV: provenance, filters, notes, columns and symbols."""
    lines = [f"# {view.title}", ""]
    for key, value in header_block(view):
        if key != "Title":
            lines.append(f"{key}: {value}")
    lines += ["", "## Columns", ""]
    for col in view.columns:
        if col.kind == "dimension":
            lines.append(f"- {col.label}: text")
        else:
            unit = {"£": "pounds", "£m": "millions of pounds", "%": "per cent", "pp": "percentage points"}.get(
                col.unit, "number"
            )
            lines.append(
                f"- {value_heading(col)}: number ({unit}, {col.dp} decimal places), blank where a symbol stands"
            )
            lines.append(f"- {status_heading(col)}: the symbol explaining a blank value, else empty")
    lines += ["", "## Symbols", "", SYMBOLS_TEXT, ""]
    return "\n".join(lines)


def guidance_bytes(view: View) -> bytes:
    return guidance_text(view).encode("utf-8")


def _number_format(col: Column) -> str:
    decimals = "." + "0" * col.dp if col.dp > 0 else ""
    if col.unit == "£":
        return f"£#,##0{decimals}"
    if col.unit == "£m":
        return f'£#,##0{decimals}"m"'
    if col.unit == "%":
        return f'0{decimals}"%"'  # the value is already a percentage: a literal sign, not Excel's ×100 format
    if col.unit == "pp":
        return f'0{decimals}" pp"'
    return f"#,##0{decimals}"


def _write_data(
    workbook: xlsxwriter.Workbook, sheet: xlsxwriter.worksheet.Worksheet, first_row: int, view: View
) -> None:
    """The view's data from `first_row`: a heading row, then numbers as numeric cells with number formats, symbols
    and text as (neutralised) text cells."""
    header = workbook.add_format({"bold": True, "bg_color": "#F3F2F1", "border": 1, "text_wrap": True})
    formats: dict[str, xlsxwriter.format.Format] = {}
    for col in view.columns:
        if col.kind == "value":
            formats[value_heading(col)] = workbook.add_format({"num_format": _number_format(col)})
    data: pl.DataFrame = view.data()
    for col_index, name in enumerate(data.columns):
        sheet.write_string(first_row, col_index, neutralise(name), header)
        sheet.set_column(col_index, col_index, max(14, min(45, len(name) + 2)))
    for row_offset, values in enumerate(data.iter_rows(), start=1):
        for col_index, (name, cell) in enumerate(zip(data.columns, values, strict=True)):
            if name in formats:
                if cell is not None:
                    sheet.write_number(first_row + row_offset, col_index, cell, formats[name])
            else:
                # write_string, never write(): a value that looks like a formula must stay text.
                sheet.write_string(first_row + row_offset, col_index, neutralise(cell or ""))


def _write_about(workbook: xlsxwriter.Workbook, sheet: xlsxwriter.worksheet.Worksheet, view: View) -> int:
    """The header block (title, source, filters, notes, symbols) from row 0; returns the next free row."""
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    row = 0
    for key, value in header_block(view):
        sheet.write_string(row, 0, neutralise(key), bold if key != "Title" else title)
        sheet.write_string(row, 1, neutralise(value))
        row += 1
    return row


def write_view_sheet(workbook: xlsxwriter.Workbook, name: str, view: View) -> None:
    """One worksheet (briefing packs): the view's header block, a blank row, then its data with numeric cells."""
    sheet = workbook.add_worksheet(name)
    row = _write_about(workbook, sheet, view)
    _write_data(workbook, sheet, row + 1, view)
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


DATA_SHEET = "Data"
ABOUT_SHEET = "About this data"


def xlsx_bytes(view: View) -> bytes:
    """A workbook a program can read: the data from cell A1 of the first sheet, the metadata on a second."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as workbook:
        data_sheet = workbook.add_worksheet(DATA_SHEET)
        _write_data(workbook, data_sheet, 0, view)
        about = workbook.add_worksheet(ABOUT_SHEET)
        _write_about(workbook, about, view)
        about.set_column(0, 0, 14)
        about.set_column(1, 1, 100)
    return buffer.getvalue()


def size_label(data: bytes) -> str:
    """Human file size for download labels, e.g. '12 KB'."""
    size = len(data)
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:,.0f} KB"
    return f"{size / 1024 / 1024:,.1f} MB"
