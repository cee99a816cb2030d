"""Chart titles are never clipped in the PNGs a briefing pack holds (issue 14, item 7): every chart of every page
that can go into a briefing, for every table, rendered by kaleido on the system Chromium, has its first title line
whole, a few pixels below the top edge. (Plotly anchored titles of several lines too high and cut the first line.)"""

from __future__ import annotations

import io

import plotly.graph_objects as go
import pytest
from PIL import Image

from leo_dash import briefing
from leo_dash.core.catalogue import load_catalogue
from leo_dash.present import charts

INK = 200  # a pixel darker than this (0-255 grey) is drawn, not background


def first_ink_row(png: bytes) -> int | None:
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    pixels = image.load()
    for y in range(height):
        if any(pixels[x, y] < INK for x in range(width)):
            return y
    return None


def every_chart() -> list[tuple[str, go.Figure]]:
    tables = list(load_catalogue())
    found = []
    for page in briefing.registered_pages():
        for table in tables:
            try:
                views = briefing.rebuild_views(page, {"table": [table.id]}, tables)
            except (LookupError, ValueError):
                continue  # this page cannot show this table
            found += [(f"{page}/{table.id}/{v.key}", v.figure) for v in views if v.figure is not None]
    return found


def test_no_chart_title_is_clipped_in_its_png() -> None:
    charts_found = every_chart()
    assert len({name.split("/")[0] for name, _ in charts_found}) >= 6  # every page with charts took part
    pngs = briefing.figures_to_png([figure for _, figure in charts_found])
    clipped = {}
    for (name, figure), png in zip(charts_found, pngs, strict=True):
        top = first_ink_row(png)
        lines = str(figure.layout.title.text).count("<br>") + 1
        if top is None or not 6 <= top <= charts.TITLE_TOP_PX + 6:
            clipped[name] = (lines, top)
    assert clipped == {}, "first drawn row of these charts (title lines, row): " + repr(clipped)


@pytest.mark.parametrize("lines", [1, 2, 5])
def test_a_title_of_any_length_starts_at_the_same_place(lines: int) -> None:
    title = "<br>".join(["A chart title line"] * lines)
    figure = go.Figure(go.Bar(x=[1, 2], y=[1, 2]))
    figure.update_layout(height=600, margin={"t": 40 + 24 * lines}, title={"text": title, **charts.title_at_top(title)})
    (png,) = briefing.figures_to_png([figure])
    assert charts.TITLE_TOP_PX - 3 <= first_ink_row(png) <= charts.TITLE_TOP_PX + 3


def test_screen_figure_has_one_title_and_notes_as_page_text() -> None:
    """On a page the view's heading is the chart's only title, and the source and notes are text under the chart
    (they reflow at 390 px and 200% zoom); the export figure keeps both, and the plot area keeps its height."""
    from leo_dash.analyses import earnings
    from leo_dash.present import charts

    view = earnings.views_for_params({})[0]
    exported = view.figure
    assert exported is not None
    before = exported.to_plotly_json()
    shown = charts.screen_figure(exported)
    assert exported.to_plotly_json() == before  # the export figure is untouched
    assert not shown.layout.title.text and shown.layout.meta["title"] == exported.layout.title.text
    under = [a.text for a in shown.layout.annotations if a.name == "source-and-notes"]
    assert under == [charts.DEMO_NOTE]  # a demo chart still says so in a screenshot; source and notes are page text
    exported_notes = next(a.text for a in exported.layout.annotations if a.name == "source-and-notes")
    assert "Source:" in exported_notes

    def plot_area(figure) -> int:
        return int(figure.layout.height) - int(figure.layout.margin.t) - int(figure.layout.margin.b)

    assert plot_area(shown) == plot_area(exported)
    assert shown.layout.margin.t >= charts.SCREEN_TOP_MIN_PX
