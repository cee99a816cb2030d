import html
import io
import re

import openpyxl
import plotly.graph_objects as go
import polars as pl
import pytest

from leo_dash import briefing
from leo_dash.briefing import Basket, ItemRef
from leo_dash.core.model import status_column
from leo_dash.present.views import Column, make_view
from tests.conftest import make_entry


def _view(key: str = "v1", *, demo: bool = True, name: str = "Fenwick Vale College"):
    frame = pl.DataFrame(
        {"provider": [name, "Northmere University"], "rate": [72.4, None], status_column("rate"): [None, "c"]},
        schema_overrides={status_column("rate"): pl.String},
    )
    entry = make_entry("demo_t", demo=demo, footnotes=("Rates rounded to 0.1%.",))
    return make_view(
        key=key,
        entry=entry,
        title=f"Sustained employment rate, {name}",
        frame=frame,
        columns=(Column("provider", "Provider"), Column("rate", "Sustained employment", "value", "%", 1)),
        summary=f"{name} had a sustained employment rate of 72.4% in 2022-23.",
        build_figure=lambda f: go.Figure(go.Bar(x=f["provider"].to_list(), y=f["rate"].to_list())),
    )


def test_basket_round_trips_through_a_link_token():
    basket = Basket("Weekly pack")
    assert basket.add(ItemRef.make("institutions", {"table": "demo_x", "provider": ["90000001", "90000002"]}, "ranked"))
    assert basket.add(ItemRef.make("earnings", {"yag": "5"}, "trajectory"))
    assert not basket.add(ItemRef.make("earnings", {"yag": "5"}, "trajectory"))  # once only
    basket.move(1, -1)
    token = basket.encode()
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    again = Basket.decode(token)
    assert again == basket
    assert again.items[1].link() == "/institutions?provider=90000001&provider=90000002&table=demo_x"


@pytest.mark.parametrize("token", ["", "abc", "!!!!", Basket().encode()[:-3] + "zzz"])
def test_damaged_token_gives_a_plain_error(token):
    with pytest.raises(ValueError, match="damaged"):
        Basket.decode(token)


def test_html_report_is_self_contained_and_safe():
    views = [_view("a"), _view("b", name="<script>alert(1)</script>")]
    page = briefing.html_report("Pack <1>", views, pngs=[b"\x89PNGfake", None])
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "data:image/png;base64," in page
    assert "Synthetic demo data" in page
    assert html.escape(briefing.DISCLOSURE_STATEMENT) in page
    assert "Rates rounded to 0.1%." in page and "Suppressed" in page
    assert 'src="http' not in page and "<link" not in page  # nothing fetched from elsewhere
    # The suppressed rate appears only as its label, never as a number.
    assert "<td>Northmere University</td><td>Suppressed</td>" in page


def test_xlsx_report_has_cover_and_one_sheet_per_table():
    views = [_view("a"), _view("b")]
    book = openpyxl.load_workbook(io.BytesIO(briefing.xlsx_report("Pack", views)))
    assert book.sheetnames[0] == "Cover" and len(book.sheetnames) == 3
    cover = [c for row in book["Cover"].iter_rows(values_only=True) for c in row if c]
    assert "Pack" in cover and briefing.SYMBOL_KEY in cover
    sheet = book.worksheets[1]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    # Header block above, then the data: numbers as numeric cells, symbols in the status column.
    assert "Rates rounded to 0.1%." in cells and "c" in cells and 72.4 in cells
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_spec_validation():
    with pytest.raises(ValueError, match="non-empty 'items'"):
        briefing.basket_from_spec({"title": "x"})
    with pytest.raises(ValueError, match="item 1 needs 'page' and 'view'"):
        briefing.basket_from_spec({"items": [{"page": "x"}]})
    basket = briefing.basket_from_spec({"title": "T", "items": [{"page": "p", "view": "v", "params": {"yag": 5}}]})
    assert basket.items[0].params == (("yag", ("5",)),)


def test_png_export_uses_system_chromium():
    png = briefing.figure_png(_view().figure)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_png_export_keeps_the_browser_drivers_tracebacks_off_stderr():
    # The driver logs a skipped stray Chromium message with a traceback; the CLI must not print it (seen in CI).
    import logging

    briefing.figure_png(_view().figure)
    driver_log = logging.getLogger("choreographer.channels.pipe")
    assert not driver_log.isEnabledFor(logging.ERROR)


def test_long_tables_start_folded_in_the_html_pack_with_every_row():
    from leo_dash.analyses import registry as analyses
    from leo_dash.core.catalogue import load_catalogue

    tables = list(load_catalogue())
    funnel = next(v for v in analyses.BY_KEY["institutions"].build_views({"table": ["fe_provider_benefits"]}, tables)
                  if v.key == "institutions-funnel")  # fmt: skip
    short = _view("a")
    page = briefing.html_report("Pack", [short, funnel], pngs=[None, None])
    rows = funnel.table().height
    assert rows > briefing.LONG_TABLE_ROWS
    assert page.count("<details>") == 1 and f"<summary>Table: all {rows:,} rows</summary>" in page
    folded = page[page.index("<details>") : page.index("</details>")]
    assert folded.count("<tr>") == rows + 1  # header row + every table row


def test_png_size_follows_the_figures_own_height():
    import plotly.graph_objects as go

    tall = go.Figure(layout={"height": 872})
    assert briefing._png_size(tall) == {"width": briefing.PNG_SIZE["width"], "height": 872}
    assert briefing._png_size(go.Figure()) == briefing.PNG_SIZE


def test_share_link_is_absolute_on_the_page_the_user_is_on():
    token = "eJxLTEoGAAJNASc"
    assert briefing.share_link(token, page_url="http://127.0.0.1:8501/briefing") == (
        f"http://127.0.0.1:8501/briefing?basket={token}"
    )
    # Served under a path prefix, and a page address with a trailing slash.
    assert briefing.share_link(token, page_url="https://stats.example.gov.uk/leo/briefing/") == (
        f"https://stats.example.gov.uk/leo/briefing?basket={token}"
    )
    # The configured public address wins over what the proxy passed on.
    assert (
        briefing.share_link(token, page_url="http://10.0.0.5:8501/briefing", public_url="https://leo.example.gov.uk/")
        == f"https://leo.example.gov.uk/briefing?basket={token}"
    )


@pytest.mark.parametrize("page_url", [None, "", "javascript:alert(1)//briefing", "file:///etc/briefing", "/briefing"])
def test_share_link_never_uses_another_scheme(page_url):
    assert briefing.share_link("abc", page_url=page_url) == "/briefing?basket=abc"
