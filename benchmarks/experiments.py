"""What-if experiments behind the recommendations in BENCHMARKS.md (profiling aids, not targets).

    python benchmarks/run.py --experiments [--work-dir DIR]

1. Cold start with the app's heavy modules imported before the server starts (a launcher), against the plain
   `streamlit run app.py`, interleaved on the same data.
2. The Plotly house template, before and after: the old `base_layout` (Plotly's full simple_white by name,
   validated on every figure) against `charts.base_layout` (one slim house template built once), and a check that
   both give the same house style.
3. Disclosure control on the three-way view's 9-row frame: `sdc.protect`, and one `round_half_up_expr` column.
4. The Streamlit + Plotly floor: two tiny apps outside LEO Explorer (a title and one Plotly chart; the same inside
   Chart/Table/Download tabs with a dataframe and two download buttons, as `ui.render_view` lays a view out),
   cold start and new-session-to-chart, to show what any page with a chart costs on this machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl

from benchmarks import datasets, server, three_ways
from leo_dash import sdc
from leo_dash.core import query, store
from leo_dash.present import charts

PRELOAD: tuple[str, ...] = (
    "polars",
    "plotly.graph_objects",
    "leo_dash.ui",
    "leo_dash.analyses.earnings",
    "leo_dash.core.prices",
)


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    call()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def cold_start_preload(dataset: datasets.Dataset, page: str, runs: int = 3) -> dict[str, Any]:
    plain: list[float] = []
    preloaded: list[float] = []
    with server.chromium() as browser:
        for _ in range(runs):
            plain.append(server.cold_start(browser, dataset.data_dir, page, parquet_built=True).seconds_to_chart)
            preloaded.append(
                server.cold_start(browser, dataset.data_dir, page, parquet_built=True, preload=PRELOAD).seconds_to_chart
            )
    return {"plain_s": plain, "preloaded_s": preloaded, "preload": list(PRELOAD)}


def _three_line_figure() -> go.Figure:
    figure = go.Figure()
    for i in range(3):
        figure.add_trace(go.Scatter(x=["1", "3", "5"], y=[1.0, 2.0, 3.0], mode="lines+markers", name=f"s{i}"))
    return figure


def _old_base_layout(figure: go.Figure) -> go.Figure:
    """charts.base_layout as it was before the slim house template: Plotly's full simple_white by name (validated
    on every figure, with defaults for 24 trace types), then the house settings on the figure itself."""
    figure.update_layout(
        template="simple_white",
        font={"family": charts.FONT_FAMILY, "size": 14, "color": "#0B0C0C"},
        colorway=list(charts.PALETTE),
        hoverlabel={"font": {"family": charts.FONT_FAMILY}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0, "title": None},
        margin={"l": 70, "r": 30, "t": 90, "b": 80},
    )
    figure.update_xaxes(showgrid=False, ticks="outside")
    figure.update_yaxes(showgrid=True, gridcolor="#E5E5E5", zeroline=True, zerolinecolor="#BFBFBF")
    return figure


def _effective_style(figure: go.Figure) -> dict[str, Any]:
    """The house settings as a reader sees them: the figure's own value, else the template's."""
    layout = figure.to_plotly_json()["layout"]
    template = layout.get("template", {}).get("layout", {})

    def pick(*path: str) -> Any:
        for source in (layout, template):
            value: Any = source
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None:
                return value
        return None

    paths = [("font",), ("colorway",), ("legend", "orientation"), ("margin", "l"), ("margin", "t"),
             ("xaxis", "showgrid"), ("xaxis", "ticks"), ("yaxis", "gridcolor"), ("yaxis", "zeroline")]  # fmt: skip
    return {".".join(path): pick(*path) for path in paths}


def template_cost(repeats: int = 40) -> dict[str, Any]:
    """Before/after of the house template: the old base_layout against charts.base_layout, in the same run."""
    before = _median_ms(lambda: _old_base_layout(_three_line_figure()), repeats)
    after = _median_ms(lambda: charts.base_layout(_three_line_figure()), repeats)
    same = _effective_style(_old_base_layout(_three_line_figure())) == _effective_style(
        charts.base_layout(_three_line_figure())
    )
    return {"before_simple_white_by_name_ms": before, "after_house_template_ms": after, "same_house_style": same}


def rounding_cost(dataset: datasets.Dataset, repeats: int = 40) -> dict[str, Any]:
    entry = dataset.entry()
    parquet = store.prepare(entry, data_dir=dataset.data_dir).parquet
    spec = three_ways.choose_view(entry, parquet)
    indicators = [spec.measure, *spec.quartiles, *([spec.base] if spec.base else [])]
    where = {
        "provider_id": [spec.provider],
        "subject": list(spec.subjects),
        "time": [spec.period],
        "years_after": list(spec.yags),
    }
    columns = ["subject", "years_after", *[i.column for i in indicators]]
    frame = query.select(entry, where, columns=columns, data_dir=dataset.data_dir)
    column = spec.measure.column
    return {
        "rows": frame.height,
        "protect_ms": _median_ms(lambda: sdc.protect(frame, indicators, entry.disclosure), repeats),
        "one_round_half_up_column_ms": _median_ms(
            lambda: frame.with_columns(sdc.round_half_up_expr(pl.col(column), entry.disclosure.earnings_base)), repeats
        ),
        "plain_round_column_ms": _median_ms(lambda: frame.with_columns((pl.col(column) / 100).round() * 100), repeats),
    }


FLOOR_CHART_ONLY = """
import plotly.graph_objects as go
import streamlit as st

st.title("Floor: one chart")
figure = go.Figure([go.Scatter(x=["1", "3", "5"], y=[21000, 27000, 31000], name=n) for n in ("a", "b", "c")])
st.plotly_chart(figure, key="chart")
"""
FLOOR_TABS = """
import plotly.graph_objects as go
import polars as pl
import streamlit as st

st.title("Floor: chart, table and download tabs")
figure = go.Figure([go.Scatter(x=["1", "3", "5"], y=[21000, 27000, 31000], name=n) for n in ("a", "b", "c")])
frame = pl.DataFrame({"subject": ["a", "b", "c"] * 3, "yag": ["1", "3", "5"] * 3, "median": [21000.0] * 9})
chart, table, download = st.tabs(["Chart", "Table", "Download"])
with chart:
    st.plotly_chart(figure, key="chart")
with table:
    st.dataframe(frame, hide_index=True)
with download:
    st.download_button("CSV", frame.write_csv(), file_name="x.csv")
    st.download_button("Excel", b"0" * 6000, file_name="x.xlsx")
"""


def streamlit_floor(work_dir: Path, runs: int = 3) -> dict[str, Any]:
    apps = {"chart_only": FLOOR_CHART_ONLY, "chart_in_tabs": FLOOR_TABS}
    folder = work_dir / "floor_apps"
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    with server.chromium() as browser:
        for name, code in apps.items():
            app = folder / f"{name}.py"
            app.write_text(code)
            starts = [server.cold_start(browser, folder, "", parquet_built=True, app=app) for _ in range(runs)]
            out[name] = {
                "cold_start_s": [s.seconds_to_chart for s in starts],
                "health_s": [s.seconds_to_health for s in starts],
                "warm_session_to_chart_s": [s.warm_session_to_chart for s in starts],
            }
    return out


def run_experiments(work_dir: Path, *, with_browser: bool = True) -> dict[str, Any]:
    demo = datasets.isolated_demo_dataset(work_dir)
    out: dict[str, Any] = {"template": template_cost(), "rounding": rounding_cost(demo)}
    if with_browser:
        out["streamlit_floor"] = streamlit_floor(work_dir)
        out["cold_start_preload_demo"] = cold_start_preload(demo, "earnings")
        real = datasets.generated_dataset(work_dir, datasets.REAL_SCALE, "real")
        out["cold_start_preload_real"] = cold_start_preload(real, "earnings")
    return out
