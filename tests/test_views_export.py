import csv
import io
import re

import openpyxl
import plotly.graph_objects as go
import polars as pl
import pytest

from leo_dash.core.model import status_column
from leo_dash.present import export
from leo_dash.present.views import DEMO_WARNING, Column, display_table, format_number, gap_note, make_view
from tests.conftest import make_entry


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "provider_name": ["Fenwick Vale College", '=HYPERLINK("http://x")', "Northmere University"],
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


def test_csv_download_is_data_a_program_reads():
    # Issue 14, item 5: numbers as plain numerals, symbols in status columns, the header row first.
    view = _view()
    data = export.csv_bytes(view)
    assert data.startswith("\ufeff".encode())  # so Excel reads '£' in the headings
    frame = pl.read_csv(io.BytesIO(data))
    assert frame.columns == [
        "Provider",
        "Sustained employment (%)",
        "Sustained employment (%) status",
        "Median earnings (£)",
        "Median earnings (£) status",
    ]
    assert frame.schema["Sustained employment (%)"].is_numeric()
    assert frame.schema["Median earnings (£)"].is_numeric()
    # The numbers the screen shows (72.45 shows as 72.5%, half-up), and a blank where a symbol stands.
    assert frame["Sustained employment (%)"].to_list() == [72.5, None, None]
    assert frame["Sustained employment (%) status"].to_list() == [None, "c", "low"]
    assert frame["Median earnings (£)"].to_list() == [29300, 31000, None]
    assert frame["Median earnings (£) status"].to_list() == [None, None, "x"]
    # Same rows as the screen's table; formula-like text neutralised.
    assert frame["Provider"].to_list() == [export.neutralise(c) for c in view.table()["Provider"].to_list()]
    assert frame["Provider"][1].startswith("'=")
    text = data.decode("utf-8-sig")
    assert "£" not in text.split("\r\n", 1)[1] and "%" not in text.split("\r\n", 1)[1]  # no units in cells


def test_data_guidance_holds_the_metadata():
    view = _view()
    guidance = export.guidance_bytes(view).decode("utf-8")
    assert guidance.startswith(f"# {view.title}")
    assert "Filters: Year: 2022-23" in guidance and "Warning: SYNTHETIC DEMO DATA" in guidance
    assert "Note: Counts rounded to 5." in guidance and "c = suppressed" in guidance
    assert "- Median earnings (£) status:" in guidance


def test_xlsx_download_has_numeric_data_and_an_about_sheet():
    view = _view()
    workbook = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(view)))
    assert workbook.sheetnames == [export.DATA_SHEET, export.ABOUT_SHEET]
    sheet = workbook[export.DATA_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == view.data().columns
    assert rows[1][1] == 72.5 and isinstance(rows[1][3], (int, float)) and rows[1][3] == 29300
    assert rows[2][1] is None and rows[2][2] == "c"
    assert sheet.cell(row=2, column=2).number_format == '0.0"%"'
    assert sheet.cell(row=2, column=4).number_format == "£#,##0"
    assert rows[2][0].startswith("'=")
    about = dict((r[0], r[1]) for r in workbook[export.ABOUT_SHEET].iter_rows(values_only=True) if r[0])
    assert about["Title"] == view.title and about["Filters"] == "Year: 2022-23"
    for worksheet in workbook.worksheets:
        for row in worksheet.iter_rows():
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
    from leo_dash.present.views import Column, charted_columns, gap_note

    columns = [Column("year", "Year"), Column("rate", "Rate", "value", "%", 1), Column("base", "Base", "value")]
    frame = pl.DataFrame(
        {
            "year": ["a", "b"],
            "rate": [None, 5.0],
            "rate__status": ["c", None],
            "base": [None, 20],
            "base__status": ["c", None],
        }
    )
    assert charted_columns(columns) == ["rate"]
    assert gap_note(frame, charted_columns(columns)) == (
        "Gaps in the chart are not zero: 1 value suppressed to protect confidentiality ('c')."
    )
    table_note = gap_note(frame, ["rate", "base"], chart=False)
    assert table_note is not None and table_note.startswith("Missing values are not zero: 2 values")


def test_notes_under_a_chart_can_be_rewrapped_narrower_without_a_second_block():
    from leo_dash.present import charts

    view = _view()
    wide = view.figure.layout.annotations[0].text
    charts.write_notes(view.figure, view, 40)
    notes = [a for a in view.figure.layout.annotations if a.name == "source-and-notes"]
    assert len(notes) == 1 and len(view.figure.layout.annotations) == 1
    assert notes[0].text.count("<br>") > wide.count("<br>")
    assert all(len(line) <= 40 for line in notes[0].text.split("<br>"))
    assert view.figure.layout.margin.b == 80 + 18 * (notes[0].text.count("<br>") + 1)


def test_keep_plot_area_grows_the_figure_by_what_the_margins_took():
    from leo_dash.present import charts

    figure = go.Figure()
    figure.update_layout(height=620, margin={"t": 150, "b": 200})
    charts.keep_plot_area(figure)
    assert figure.layout.height - 150 - 200 == 620 - charts.HOUSE_TOP - charts.HOUSE_BOTTOM
    untouched = charts.keep_plot_area(go.Figure())
    assert untouched.layout.height is None


# --------------------------------------------------------------------------------------------------------------
# make_view checks every frame itself: no analysis can show a frame that skipped disclosure control


def _guard_entry():
    from leo_dash.core.model import Indicator

    return make_entry(
        "guarded",
        indicators=(
            Indicator("earnings_median", "Median earnings", "earnings", "£", base="n_earn"),
            Indicator("n_earn", "Graduates with earnings", "base"),
            Indicator("graduates", "Graduates", "count"),
            Indicator("earnings_max", "Highest earnings", "earnings", "£", hidden=True),
        ),
    )


def _try_view(frame: pl.DataFrame, columns: tuple[Column, ...]) -> None:
    make_view(key="guard-test", entry=_guard_entry(), title="t", frame=frame, columns=columns, summary="s")


def test_make_view_accepts_a_protected_frame():
    frame = pl.DataFrame(
        {"subject": ["Law"], "earnings_median": [29300.0], "n_earn": [120.0]},
    ).with_columns(pl.lit(None, pl.String).alias(status_column("earnings_median")))
    frame = frame.with_columns(pl.lit(None, pl.String).alias(status_column("n_earn")))
    _try_view(frame, (Column("subject", "Subject"), Column("earnings_median", "Median earnings", "value", "£")))


@pytest.mark.parametrize(
    ("frame", "columns", "rule"),
    [
        # a raw query result: no status columns, so no gap could say why it is empty
        (
            pl.DataFrame({"subject": ["Law"], "graduates": [7.0]}),
            (Column("subject", "Subject"), Column("graduates", "Graduates", "value")),
            "D2: graduates has no status column",
        ),
        # a number left beside its suppression symbol
        (
            pl.DataFrame({"graduates": [7.0], status_column("graduates"): ["c"]}),
            (Column("graduates", "Graduates", "value"),),
            "D1: graduates shows a number where a symbol stands",
        ),
        # a gap with no symbol (would read as zero or as missing data)
        (
            pl.DataFrame(
                {"graduates": [None], status_column("graduates"): [None]},
                schema_overrides={"graduates": pl.Float64, status_column("graduates"): pl.String},
            ),
            (Column("graduates", "Graduates", "value"),),
            "D2: graduates has an empty cell with no symbol",
        ),
        # a single person's value
        (
            pl.DataFrame(
                {"earnings_max": [91000.0], status_column("earnings_max"): [None]},
                schema_overrides={status_column("earnings_max"): pl.String},
            ),
            (Column("earnings_max", "Highest earnings", "value", "£"),),
            "D5: earnings_max holds single-person values",
        ),
        # earnings not rounded to £100 (a published-cell rule)
        (
            pl.DataFrame(
                {
                    "earnings_median": [29321.0],
                    "n_earn": [120.0],
                    status_column("earnings_median"): [None],
                    status_column("n_earn"): [None],
                },
                schema_overrides={status_column("earnings_median"): pl.String, status_column("n_earn"): pl.String},
            ),
            (Column("earnings_median", "Median earnings", "value", "£"),),
            "D5: earnings earnings_median not rounded",
        ),
        # a count summed over several cells but left unrounded and under the threshold (derived: D3)
        (
            pl.DataFrame(
                {"graduates": [7.0], status_column("graduates"): [None], "n_rows": [3]},
                schema_overrides={status_column("graduates"): pl.String},
            ),
            (Column("graduates", "Graduates", "value"),),
            "D3: derived count graduates below 10",
        ),
    ],
    ids=[
        "raw-frame",
        "number-beside-symbol",
        "gap-without-symbol",
        "single-person",
        "unrounded-earnings",
        "derived-count",
    ],
)
def test_make_view_refuses_a_frame_that_skipped_disclosure_control(frame, columns, rule):
    from leo_dash.sdc import DisclosureError

    with pytest.raises(DisclosureError, match=re.escape(rule)):
        _try_view(frame, columns)


def test_only_make_view_constructs_a_view():
    """`View(` appears nowhere in leo_dash but inside views.make_view, so every view passes its check."""
    import ast

    from leo_dash.core.paths import PROJECT_ROOT

    makers = []
    for path in sorted((PROJECT_ROOT / "leo_dash").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "View":
                makers.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert len(makers) == 1 and makers[0].startswith("leo_dash/present/views.py"), makers
