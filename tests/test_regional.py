"""Regional mobility and earnings (issue 13, item 6) on the real LEO graduate industry table, and the boundary file
its map draws.

Figures are checked against numbers worked out here from the published CSV itself: one industry is as published;
all industries add the industries' published counts (pairs with a symbol on either side left out), rounded to 5,
suppressed below 10; net figures are the two shown counts' difference; a region without a figure is a gap, never 0.
"""

from __future__ import annotations

import csv
import json

import polars as pl
import pytest

from leo_dash import sdc
from leo_dash.analyses import regional
from leo_dash.analyses import registry as analyses
from leo_dash.core import paths
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import status_column
from tests.apptest_pages import assert_clean, chart_title, notes_text, open_page
from tests.apptest_pages import plotly_specs as charts

TABLE = "leo_graduate_industry"
SOURCE = paths.PROJECT_ROOT / "data" / "reference" / "leo_graduate_industry_regional_201819.csv.gz"
CODES = paths.PROJECT_ROOT / "data" / "ons_geography_codes.csv"


@pytest.fixture(scope="module")
def entry():
    return load_catalogue().get(TABLE)


@pytest.fixture(scope="module")
def published() -> pl.DataFrame:
    return pl.read_csv(SOURCE, infer_schema_length=0)


def _spec(entry, **params: str) -> regional.RegionalSpec:
    spec, notes = regional.spec_from_params(entry, {k: [v] for k, v in params.items()})
    assert notes == []
    return spec


def _by_region(frame: pl.DataFrame) -> dict[str, dict]:
    return {row[regional.REGION]: row for row in frame.iter_rows(named=True)}


# --------------------------------------------------------------------------------------------------------------
# Boundary file


def test_boundary_file_holds_englands_nine_regions_with_ons_codes_and_names() -> None:
    with CODES.open(encoding="utf-8") as handle:
        ons = {
            r["code"]: r["name"] for r in csv.DictReader(handle) if r["level"] == "Region" and r["code"][:3] == "E12"
        }
    collection = json.loads(regional.BOUNDARIES.read_text(encoding="utf-8"))
    features = collection["features"]
    assert len(features) == 9
    assert {f["id"]: f["properties"]["name"] for f in features} == ons
    assert all(f["properties"]["code"] == f["id"] for f in features)
    assert regional.BOUNDARIES.stat().st_size < 300_000


def test_boundary_rings_are_closed_and_outer_rings_run_anticlockwise() -> None:
    collection = json.loads(regional.BOUNDARIES.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
        for polygon in feature["geometry"]["coordinates"]:
            outer = polygon[0]
            assert len(outer) >= 4 and outer[0] == outer[-1]
            area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(outer, outer[1:], strict=False)) / 2
            assert area > 0, f"{feature['id']}: outer ring runs clockwise"
            # England, in longitude/latitude, to at most 4 decimal places
            assert all(-6.5 < x < 2 and 49.8 < y < 56 for x, y in outer)
            assert all(round(v, 4) == v for point in outer for v in point)


# --------------------------------------------------------------------------------------------------------------
# Figures


def test_one_industry_is_as_published_in_every_region(entry, published) -> None:
    spec = _spec(entry, subject="Computing", yag="5", industry="EDUCATION", measure="earnings")
    frame = regional.regions_frame(entry, spec)
    rows = published.filter(
        (pl.col("subject_name") == "Computing") & (pl.col("yag") == "5") & (pl.col("industry_section") == "EDUCATION")
    )
    shown = _by_region(frame)
    assert list(shown) == list(regional.region_codes())  # all nine, in code order
    for source in rows.iter_rows(named=True):
        row = shown[source["region_name"]]
        assert row[regional.REGION_CODE] == source["region_code"]
        for ours, theirs in (
            ("living", "living_in_region"),
            ("trained", "trained_in_region"),
            ("earnings", "earnings_median"),
        ):
            if source[theirs].isdigit():
                assert row[ours] == float(source[theirs]) and row[status_column(ours)] is None
            else:
                assert row[ours] is None and row[status_column(ours)] == source[theirs]
        if source["living_in_region"].isdigit() and source["trained_in_region"].isdigit():
            living, trained = float(source["living_in_region"]), float(source["trained_in_region"])
            assert row[regional.NET] == living - trained
            assert row[regional.NET_PCT] == pytest.approx(round((living - trained) / trained * 100, 1), abs=0.051)


def test_all_industries_add_up_the_published_pairs_and_round_to_five(entry, published) -> None:
    spec = _spec(entry, subject="All", yag="5")
    frame = _by_region(regional.regions_frame(entry, spec))
    rows = published.filter((pl.col("subject_name") == "All") & (pl.col("yag") == "5"))
    checked = 0
    for region, group in rows.group_by("region_name"):
        pairs = [
            (float(r["living_in_region"]), float(r["trained_in_region"]))
            for r in group.iter_rows(named=True)
            if r["living_in_region"].isdigit() and r["trained_in_region"].isdigit()
        ]
        living, _ = sdc.derived_count(sum(p[0] for p in pairs), entry.disclosure)
        trained, _ = sdc.derived_count(sum(p[1] for p in pairs), entry.disclosure)
        row = frame[region[0]]
        assert (row["living"], row["trained"]) == (living, trained)
        assert row[regional.NET] == living - trained
        assert row[regional.N_LEFT_OUT] == group.height - len(pairs)
        assert row["earnings"] is None and row[status_column("earnings")] == "x"  # medians never combined (D5)
        checked += 1
    assert checked == 9
    assert frame["London"][regional.NET] > 0 and frame["North East"][regional.NET] < 0


def test_a_region_without_a_figure_is_a_gap_not_zero(entry) -> None:
    spec = _spec(entry, subject="Veterinary sciences", yag="10", measure="net")
    frame = regional.regions_frame(entry, spec)
    gaps = frame.filter(pl.col(status_column(regional.NET)).is_not_null())
    assert 0 < gaps.height < 9
    assert gaps[regional.NET].null_count() == gaps.height
    assert set(gaps[status_column(regional.NET)]) <= {"c", "x"}
    # a hidden count hides the net worked out from it
    hidden = frame.filter(pl.col(status_column(regional.TRAINED)) == "c")
    assert hidden.height and (hidden[status_column(regional.NET)] == "c").all()

    view = regional.map_view(entry, spec)
    drawn, grey = view.figure.data
    assert set(drawn.locations).isdisjoint(grey.locations)
    assert sorted(grey.locations) == sorted(gaps[regional.REGION_CODE].to_list())
    assert all(label in ("Suppressed", "Not available") for _, label in grey.customdata)
    assert None not in drawn.z and 0 not in [
        v for v, s in zip(drawn.z, drawn.locations, strict=True) if s in grey.locations
    ]
    assert "Gaps in the chart are not zero" in " ".join(view.notes)
    assert "no figure" in view.summary
    table = view.table()
    assert set(table.filter(pl.col("Region").is_in(gaps[regional.REGION].to_list()))[table.columns[3]]) <= {
        "Suppressed",
        "Not available",
    }


def test_derived_sums_below_ten_are_suppressed_and_small_denominators_hide_the_percentage(entry) -> None:
    profile = entry.disclosure
    for params in ({"subject": "Veterinary sciences", "yag": "1"}, {"subject": "Celtic studies", "yag": "10"}):
        frame = regional.regions_frame(entry, _spec(entry, **params))
        for row in frame.iter_rows(named=True):
            for column in (regional.LIVING, regional.TRAINED):
                value = row[column]
                assert value is None or (value >= profile.min_count and value % profile.count_base == 0)
            if row[regional.TRAINED] is not None and row[regional.TRAINED] < profile.share_min_denominator:
                assert row[status_column(regional.NET_PCT)] == "c"


def test_earnings_are_offered_for_one_industry_only(entry) -> None:
    assert regional.EARNINGS not in regional.measures(entry, regional.ALL_INDUSTRIES)
    assert regional.EARNINGS in regional.measures(entry, "EDUCATION")
    spec, notes = regional.spec_from_params(entry, {"measure": ["earnings"]})
    assert spec.measure == regional.LIVING and spec.industry == regional.ALL_INDUSTRIES
    assert len(notes) == 1 and "'earnings' is not available here" in notes[0]


def test_view_title_sources_and_colour_scales(entry) -> None:
    view = regional.map_view(entry, _spec(entry, subject="Law", yag="3", measure="net_pct"))
    assert view.title == (
        "Net gain or loss of graduates in each region as a percentage of those who studied there: first-degree "
        "graduates of Law working in all industries, 3 years after graduation, tax year 2018-19"
    )
    assert view.source.startswith("Source: Department for Education, LEO graduate industry")
    assert not view.demo and not any("Synthetic" in n for n in view.all_footnotes)
    assert any("Office for National Statistics" in n for n in view.footnotes)
    trace = view.figure.data[0]
    assert trace.type == "choroplethmap" and trace.zmid == 0  # a net figure: diverging about zero
    assert view.figure.layout.map.style == "white-bg"  # no tiles: the app runs offline
    counts = regional.map_view(entry, _spec(entry, subject="Law", yag="3")).figure.data[0]
    assert counts.zmid is None and [c[1] for c in counts.colorscale][-1] == "#12436D"  # single hue to dark blue
    assert counts.zmin == 0  # counts from zero
    earnings = regional.map_view(entry, _spec(entry, subject="Law", yag="3", industry="EDUCATION", measure="earnings"))
    pay = earnings.figure.data[0]
    assert pay.zmin == min(pay.z) > 0 and pay.zmax == max(pay.z)  # earnings: the regions' spread


def test_links_round_trip_and_the_briefing_rebuilds_the_view(entry) -> None:
    spec = _spec(entry, subject="Law", yag="3", industry="CONSTRUCTION", measure="earnings")
    again, notes = regional.spec_from_params(entry, regional.spec_params(spec))
    assert again == spec and notes == []
    (view,) = analyses.BY_KEY["regional"].build_views(regional.spec_params(spec), [entry])
    assert view.title == regional.map_view(entry, spec).title
    verdicts = {v.title: v for v in analyses.page_verdicts(entry)}
    assert verdicts["Regional mobility and earnings"].shows


# --------------------------------------------------------------------------------------------------------------
# Page


@pytest.mark.usefixtures("fresh_app")
def test_page_draws_the_map_and_follows_the_sidebar() -> None:
    at = open_page("pages/regional.py", {"subject": "Computing", "yag": "5"})
    (spec,) = charts(at)
    assert chart_title(spec).startswith("Graduates living in each region: first-degree graduates of Computing")
    assert spec["data"][0]["type"] == "choroplethmap"
    assert "Office for National Statistics" not in notes_text(at)  # a footnote, not under the chart
    at.sidebar.selectbox(key="_labelled_measure").set_value("net").run()
    assert_clean(at)
    assert chart_title(charts(at)[0]).startswith("Net gain or loss of graduates in each region")
    assert at.query_params["measure"] == ["net"] or at.query_params["measure"] == "net"
    at.sidebar.selectbox(key="_labelled_industry").set_value("EDUCATION").run()
    at.sidebar.selectbox(key="_labelled_measure").set_value("earnings").run()
    assert_clean(at)
    assert chart_title(charts(at)[0]).startswith("Median earnings of graduates living in each region")


@pytest.mark.usefixtures("fresh_app")
def test_a_link_to_earnings_for_all_industries_falls_back_with_a_note() -> None:
    at = open_page("pages/regional.py", {"measure": "earnings"})
    assert any("Map shows" in i.value or "earnings" in i.value for i in at.info)
    assert chart_title(charts(at)[0]).startswith("Graduates living in each region")


@pytest.mark.usefixtures("fresh_app")
def test_home_question_links_to_the_regional_page() -> None:
    at = open_page("pages/home.py")
    links = {p.proto.label: p.proto.page for p in at.get("page_link")}
    assert links["Which regions gain graduates after they finish studying, and what do they earn there?"] == "regional"


def test_converter_decodes_delta_encoded_arcs_and_writes_anticlockwise_rings() -> None:
    """tools/topojson_regions.py on a tiny quantised TopoJSON: one region drawn clockwise from two shared arcs."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "topojson_regions", paths.PROJECT_ROOT / "tools" / "topojson_regions.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.25], "translate": [-2.0, 52.0]},
        "arcs": [[[0, 0], [0, 4], [4, 0]], [[4, 4], [0, -4], [-4, 0]]],  # deltas: (0,0)->(0,4)->(4,4)->(4,0)->(0,0)
        "objects": {
            "nuts1": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "properties": {"NUTS112NM": "London"}, "arcs": [[0, 1]]},
                    {"type": "Polygon", "properties": {"NUTS112NM": "Wales"}, "arcs": [[0, 1]]},
                ],
            }
        },
    }
    assert tool.decode_arcs(topology)[1] == [(0.0, 53.0), (0.0, 52.0), (-2.0, 52.0)]
    (feature,) = tool.convert(topology)["features"]  # Wales is not an English region
    assert feature["id"] == "E12000007" and feature["properties"]["name"] == "London"
    (polygon,) = feature["geometry"]["coordinates"]
    ring = polygon[0]
    assert ring[0] == ring[-1] and len(ring) == 5
    assert tool.signed_area(ring) > 0  # the clockwise source ring was turned round
    assert {tuple(p) for p in ring} == {(-2.0, 52.0), (-2.0, 53.0), (0.0, 53.0), (0.0, 52.0)}
