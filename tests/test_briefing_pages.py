"""Every analysis page can put its views into a briefing, and a briefing item rebuilds exactly what the page showed."""

from __future__ import annotations

import pytest

from leo_dash import briefing
from leo_dash.analyses import benefits, institutions, overview
from leo_dash.analyses import registry as analyses
from leo_dash.briefing import ItemRef
from leo_dash.core.catalogue import load_catalogue
from tests.apptest_pages import open_page

PAGES_WITH_VIEWS = {
    "overview": overview.briefing_views,
    "institutions": institutions.briefing_views,
    "benefits": benefits.briefing_views,
}


def test_every_analysis_page_is_registered() -> None:
    assert set(briefing.registered_pages()) >= {"overview", "institutions", "earnings", "benefits", "impact"}


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("overview", {}),
        ("institutions", {"table": ["demo_graduate_outcomes"]}),
        ("institutions", {"table": ["fe_provider_benefits"]}),
        ("benefits", {"table": ["demo_benefit_claims"]}),
        ("benefits", {"table": ["fe_provider_benefits"]}),
        ("subject_ranking", {"yag": ["3"]}),
        ("provider", {"provider": ["10000055"]}),
        ("industry", {"region": ["London"]}),
        ("regional", {"subject": ["Law"], "industry": ["EDUCATION"], "measure": ["earnings"]}),
    ],
)
def test_rebuilt_item_equals_the_view_the_page_showed(fresh_app, page: str, params: dict[str, list[str]]) -> None:
    """What a briefing item rebuilds is what the page itself drew (read from the page run, not from the same
    function the briefing calls): the same heading and the same table, cell for cell."""
    tables = list(load_catalogue())
    if params.get("table") and params["table"][0] not in {t.id for t in tables}:
        pytest.fail(f"{params['table'][0]} is not registered: the real tables ship in data/reference")
    at = open_page(f"pages/{page}.py", {k: v[-1] for k, v in params.items()})
    page_tables = [frame.value for frame in at.dataframe]
    page_text = " ".join(str(m.value) for m in at.markdown).replace("\\", "")
    keys = [view.key for view in analyses.BY_KEY[page].build_views(params, tables)]
    assert keys, page
    for key in keys:
        rebuilt = briefing.rebuild(ItemRef.make(page, params, key), tables)
        assert rebuilt.key == key
        assert " ".join(rebuilt.title.split()) in " ".join(page_text.split()), (page, key)
        expected = rebuilt.table().to_pandas()
        assert any(
            list(shown.columns) == list(expected.columns) and shown.astype(str).equals(expected.astype(str))
            for shown in page_tables
        ), (page, key)


@pytest.mark.parametrize("page", ["institutions", "benefits"])
def test_briefing_item_for_a_table_the_user_may_not_see_is_refused(page: str) -> None:
    tables = list(load_catalogue())
    visible = [t for t in tables if t.id != "demo_benefit_claims" and t.id != "demo_graduate_outcomes"]
    table = "demo_graduate_outcomes" if page == "institutions" else "demo_benefit_claims"
    view_key = PAGES_WITH_VIEWS[page]({"table": [table]}, tables)[0].key
    with pytest.raises(LookupError, match="not available to you"):
        briefing.rebuild(ItemRef.make(page, {"table": table}, view_key), visible)


def test_overview_item_never_shows_a_table_outside_the_users_tables() -> None:
    tables = list(load_catalogue())
    public_demo = [t for t in tables if t.demo]
    for view in overview.briefing_views({}, public_demo):
        assert view.table_id is None or view.table_id in {t.id for t in public_demo}


@pytest.mark.parametrize("page", ["overview", "institutions", "benefits"])
def test_add_to_briefing_from_the_page_then_the_briefing_page_shows_it(page: str) -> None:
    from streamlit.testing.v1 import AppTest

    from leo_dash.core import paths

    at = AppTest.from_file(str(paths.PROJECT_ROOT / "app.py"), default_timeout=180)
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception
    add = [b for b in at.button if b.label == "Add to briefing"]
    assert add, f"{page} offers no 'Add to briefing'"
    add[0].click().run()
    assert not at.exception
    at.switch_page("pages/briefing.py")
    at.run()
    assert not at.exception and not at.error
    assert not any("can no longer be shown" in w.value for w in at.warning)
    token = next(c.value for c in at.code).split("basket=")[1]
    assert briefing.Basket.decode(token).items[0].page == page
