import csv
import io

import openpyxl
import plotly.graph_objects as go
import polars as pl

from leo_dash import export
from leo_dash.model import status_column
from leo_dash.views import DEMO_WARNING, Column, display_table, format_number, gap_note, make_view
from tests.conftest import make_entry


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "provider_name": ["Fenwick Vale College", "=HYPERLINK(\"http://x\")", "Northmere University"],
            "rate": [72.45, None, None],
            status_column("rate"): [None, "c", "low"],
            "earnings_median": [29300.0, 31000.0, None],
            status_column("earnings_median"): [None, None, "x"],
        },
        schema_overrides={status_column("rate"): pl.String, status_column("earnings_median"): pl.String},
    )


COLUMNS = (
    Column("provider_name", "Provider"),
    Column("rate", "Sustained employment", "value", "%", 1),
    Column("earnings_median", "Median earnings", "value", "£", 0),
)


def test_format_number_gss_style():
    assert format_number(29300, "£") == "£29,300"
    assert format_number(72.45, "%", 1) == "72.5%"  # half-up, not banker's
    assert format_number(0.25, "%", 1) == "0.3%"
    assert format_number(12340, "") == "12,340"
    assert format_number(-2.05, "pp", 1) == "-2.1 percentage points"
    assert format_number(1.0, "pp", 1) == "1.0 percentage points"  # "1.0" reads as plural
    assert format_number(-1, "pp", 0) == "-1 percentage point"
    assert format_number(None) == ""


def test_display_table_shows_symbol_labels_never_zero():
    table = display_table(_frame(), COLUMNS)
    assert table.columns == ["Provider", "Sustained employment (%)", "Median earnings (£)"]
    assert table["Sustained employment (%)"].to_list() == ["72.5%", "Suppressed", "Low"]
    assert table["Median earnings (£)"].to_list() == ["£29,300", "£31,000", "Not available"]
    assert "0" not in table["Sustained employment (%)"].to_list()


def test_gap_note_counts_symbols():
    note = gap_note(_frame(), ["rate", "earnings_median"])
    assert note is not None
    assert "1 value suppressed" in note and "('low')" in note and "('x')" in note
    assert gap_note(_frame().head(1), ["rate"]) is None


def _view(demo: bool = True):
    entry = make_entry("demo_x", demo=demo, footnotes=("Counts rounded to 5.",))

    def figure(frame: pl.DataFrame) -> go.Figure:
        return go.Figure(go.Bar(x=frame["provider_name"].to_list(), y=frame["rate"].to_list()))

    return make_view(
        key="test-view",
        entry=entry,
        title="Sustained employment rate, 2022-23",
        frame=_frame(),
        columns=COLUMNS,
        summary="One provider has a published rate.",
        filters=(("Year", "2022-23"),),
        build_figure=figure,
    )


def test_make_view_titles_and_notes_the_figure():
    view = _view()
    layout = view.figure.to_plotly_json()["layout"]
    assert "Sustained employment rate" in layout["title"]["text"]
    under = layout["annotations"][0]["text"]
    assert "SYNTHETIC DEMO DATA" in under and "Gaps in the chart are not zero" in under
    assert view.all_footnotes[0] == DEMO_WARNING
    assert view.figure.data[0].y[1] is None  # suppressed value is a gap, not 0


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_download_is_header_block_then_exactly_the_table():
    view = _view()
    rows = _csv_rows(export.csv_bytes(view))
    blank = rows.index([])
    header = dict((r[0], r[1]) for r in rows[:blank])
    assert header["Title"] == view.title
    assert header["Filters"] == "Year: 2022-23"
    assert header["Warning"].startswith("SYNTHETIC DEMO DATA")
    assert "Counts rounded to 5." in [r[1] for r in rows[:blank] if r[0] == "Note"]
    body = rows[blank + 1 :]
    table = view.table()
    assert body[0] == table.columns
    # Same cells as the screen, except that formula-like text is neutralised.
    expected = [[export.neutralise(c) for c in row] for row in table.iter_rows()]
    assert body[1:] == expected
    assert body[2][0].startswith("'=")


def test_xlsx_download_matches_csv_and_neutralises_formulas():
    view = _view()
    workbook = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(view)))
    sheet = workbook.worksheets[0]
    cells = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    csv_rows = [r for r in _csv_rows(export.csv_bytes(view))]
    # Header keys and table rows agree with the CSV (the 'Downloaded' stamp is the same view's).
    non_blank_xlsx = [r[: len(r)] for r in cells if any(r)]
    non_blank_csv = [r for r in csv_rows if r]
    assert [r[: len(c)] for r, c in zip(non_blank_xlsx, non_blank_csv, strict=True)] == non_blank_csv
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"formula written at {cell.coordinate}"


def test_neutralise_keeps_negative_numbers_readable():
    assert export.neutralise("-2.1%") == "-2.1%"
    assert export.neutralise("-£300") == "-£300"
    assert export.neutralise("-1+2") == "'-1+2"
    assert export.neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert export.neutralise("\tx") == "'\tx"
    assert export.neutralise("Fenwick") == "Fenwick"
    # Ranges and signed changes as the impact and benefits pages show them are figures, not formulas.
    assert export.neutralise("-2.4 to 2.3 percentage points") == "-2.4 to 2.3 percentage points"
    assert export.neutralise("-£300 to £1,100") == "-£300 to £1,100"
    assert export.neutralise("+1.2 percentage points") == "+1.2 percentage points"
    assert export.neutralise("-1 percentage point") == "-1 percentage point"
    assert export.neutralise("-1 to cmd|x") == "'-1 to cmd|x"
    assert export.neutralise("+A1") == "'+A1"


def test_sheet_names_are_valid_and_unique():
    used: list[str] = []
    for text in ["a/b:c", "a/b:c", "x" * 40]:
        name = export.sheet_name(text, used)
        assert len(name) <= 31 and not set("[]:*?/\\") & set(name)
        used.append(name)
    assert len(set(n.lower() for n in used)) == 3


def test_gap_note_counts_what_the_chart_draws_not_the_bases_beside_it():
    from leo_dash.views import Column, charted_columns, gap_note

    columns = [Column("year", "Year"), Column("rate", "Rate", "value", "%", 1), Column("base", "Base", "value")]
    frame = pl.DataFrame(
        {"year": ["a", "b"], "rate": [None, 5.0], "rate__status": ["c", None], "base": [None, 20], "base__status": ["c", None]}
    )
    assert charted_columns(columns) == ["rate"]
    assert gap_note(frame, charted_columns(columns)) == (
        "Gaps in the chart are not zero: 1 value suppressed to protect confidentiality ('c')."
    )
    table_note = gap_note(frame, ["rate", "base"], chart=False)
    assert table_note is not None and table_note.startswith("Missing values are not zero: 2 values")


def test_notes_under_a_chart_can_be_rewrapped_narrower_without_a_second_block():
    from leo_dash import charts

    view = _view()
    wide = view.figure.layout.annotations[0].text
    charts.write_notes(view.figure, view, 40)
    notes = [a for a in view.figure.layout.annotations if a.name == "source-and-notes"]
    assert len(notes) == 1 and len(view.figure.layout.annotations) == 1
    assert notes[0].text.count("<br>") > wide.count("<br>")
    assert all(len(line) <= 40 for line in notes[0].text.split("<br>"))
    assert view.figure.layout.margin.b == 80 + 18 * (notes[0].text.count("<br>") + 1)


def test_keep_plot_area_grows_the_figure_by_what_the_margins_took():
    from leo_dash import charts

    figure = go.Figure()
    figure.update_layout(height=620, margin={"t": 150, "b": 200})
    charts.keep_plot_area(figure)
    assert figure.layout.height - 150 - 200 == 620 - charts.HOUSE_TOP - charts.HOUSE_BOTTOM
    untouched = charts.keep_plot_area(go.Figure())
    assert untouched.layout.height is None
