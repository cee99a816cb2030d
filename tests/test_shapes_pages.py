"""The published shapes of issue #13 item 2 through the real pages (Streamlit AppTest): nested filters with the meta's
defaults on the Institution performance page (fixture and the real FE community learning table), and a benefit rate
held by a filter item on the Benefit claims page."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from leo_dash import ui
from leo_dash.core.periods import period_label
from tests.apptest_pages import assert_clean, open_page
from tests.apptest_pages import plotly_specs as charts
from tests.test_shapes import FIXTURES, NO_BASE, benefit_rates, register

pytestmark = pytest.mark.usefixtures("fresh_app")
NO_FIGURE = "No provider has a published"


def infos(at: AppTest) -> str:
    return " ".join(str(i.value) for i in at.info)


def ranked_values(at: AppTest) -> list[float]:
    for chart in at.get("plotly_chart"):
        if "institutions-ranked" in str(chart.proto.id):
            spec = json.loads(chart.proto.spec)
            bars = [t for t in spec["data"] if t.get("meta", {}).get("role") == "providers"]
            return sorted(v for trace in bars for v in trace["x"] if v is not None)
    raise AssertionError("no ranked chart")


@pytest.fixture
def nested(data_dir: Path):
    entry = register(FIXTURES / "nested_levels.csv", "lv", data_dir)
    ui._catalogue.clear()
    return entry


def test_institutions_page_starts_at_the_meta_defaults_and_offers_the_groups_children(nested) -> None:
    at = open_page("pages/institutions.py", {"table": "lv"})
    group, child = at.sidebar.selectbox(key="level_group"), at.sidebar.selectbox(key="level_of_learning")
    assert group.label == "Level group" and child.label == "Level of learning"  # labels from the meta
    assert (group.value, child.value) == ("Level 2", "Full level 2")
    assert list(child.options) == ["Total", "Full level 2", "Other level 2"]
    assert NO_FIGURE not in infos(at)
    assert ranked_values(at) == [53, 56, 60]

    group.select("Level 3").run()
    assert_clean(at)
    child = at.sidebar.selectbox(key="level_of_learning")
    assert list(child.options) == ["Total", "Full level 3", "Other level 3"]
    assert child.value == "Total"
    child.select("Full level 3").run()
    assert_clean(at)
    assert ranked_values(at) == [66, 69, 73]


def test_a_link_naming_only_the_child_brings_its_group(nested) -> None:
    at = open_page("pages/institutions.py", {"table": "lv", "level_of_learning": "Full level 3"})
    assert at.sidebar.selectbox(key="level_group").value == "Level 3"
    assert at.sidebar.selectbox(key="level_of_learning").value == "Full level 3"
    assert not at.info or "not available" not in infos(at)
    assert ranked_values(at) == [66, 69, 73]
    at.sidebar.selectbox(key="level_group").select("Level 2").run()  # the link no longer holds the group back
    assert_clean(at)
    assert at.sidebar.selectbox(key="level_group").value == "Level 2"
    assert list(at.sidebar.selectbox(key="level_of_learning").options) == ["Total", "Full level 2", "Other level 2"]


def test_institutions_page_shows_real_fe_figures_for_a_nested_age_group(reference_dir: Path) -> None:
    at = open_page(
        "pages/institutions.py",
        {"table": "fe_community_learning", "age_youth_adult": "19 and over", "age_group": "19 - 24"},
    )
    child = at.sidebar.selectbox(key="age_group")
    assert child.value == "19 - 24" and list(child.options) == ["Total", "19 - 24", "25 - 49", "50 and over"]
    assert NO_FIGURE not in infos(at)
    assert len(ranked_values(at)) > 10


def test_benefits_page_shows_the_rate_held_by_a_filter_item(data_dir: Path) -> None:
    register(FIXTURES / "activity_benefits.csv", "act", data_dir, no_base_reason=NO_BASE)
    ui._catalogue.clear()
    at = open_page("pages/benefits.py", {"table": "act"})
    keys = {w.key for w in at.sidebar.selectbox}
    assert "activity" not in keys and "sex" in keys  # the measure pins the activity
    trend = charts(at)[0]
    (line,) = trend["data"]
    assert html.unescape(line["name"]) == "All providers"
    assert line["x"] == [period_label(y) for y in (201819, 201920, 202021, 202122)]
    assert line["y"] == benefit_rates()
    assert "Out of work benefits" in json.dumps(trend["layout"]["meta"])

    at.sidebar.selectbox(key="sex").select("Female").run()
    assert_clean(at)
    assert charts(at)[0]["data"][0]["y"] == benefit_rates("Female")


def ranked_axis(at: AppTest) -> dict:
    for chart in at.get("plotly_chart"):
        if "institutions-ranked" in str(chart.proto.id):
            return json.loads(chart.proto.spec)["layout"]["xaxis"]
    raise AssertionError("no ranked chart")


def test_institutions_page_axis_follows_the_data_type(data_dir: Path) -> None:
    register(FIXTURES / "data_type_providers.csv", "dtp", data_dir)
    ui._catalogue.clear()
    at = open_page("pages/institutions.py", {"table": "dtp", "measure": "overall"})
    assert at.sidebar.selectbox(key="data_type").value == "Percentage"  # the meta's filter_default
    assert ranked_axis(at).get("ticksuffix") == "%"
    assert ranked_values(at) == [85.7, 90.0, 92.3]
    at.sidebar.selectbox(key="data_type").select("Number of pupils").run()
    assert_clean(at)
    assert ranked_axis(at).get("ticksuffix", "") == ""
    assert ranked_values(at) == [90, 120, 180]
