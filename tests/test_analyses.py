"""The analysis registry: one entry per analysis page, and a link never reaches a table the user may not see."""

from __future__ import annotations

import contextlib

import pytest

from leo_dash.analyses import registry as analyses
from leo_dash.analyses.impact_views import ImpactInputError
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.paths import PROJECT_ROOT


def test_every_registered_analysis_has_its_page_and_a_unique_key() -> None:
    keys = [a.key for a in analyses.ANALYSES]
    assert len(keys) == len(set(keys))
    for analysis in analyses.ANALYSES:
        assert (PROJECT_ROOT / analysis.page).is_file(), analysis.page
        assert analyses.get(analysis.key) is analysis
    assert analyses.get("no_such_page") is None


def test_every_page_that_offers_add_to_briefing_is_registered() -> None:
    """A page rendering views with a briefing item names its key in ItemRef.make, or is drawn by
    ui.analysis_page / ui.choose_in_sidebar (whose Chosen makes the items); each such page is registered."""
    markers = ("ItemRef.make(", "ui.analysis_page(", "ui.choose_in_sidebar(")
    offered = {
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "pages").glob("*.py")
        if any(marker in path.read_text(encoding="utf-8") for marker in markers)
    }
    assert offered == {a.page for a in analyses.ANALYSES}


def test_pages_drawn_by_analysis_page_name_their_own_analysis_which_declares_controls() -> None:
    for analysis in analyses.ANALYSES:
        text = (PROJECT_ROOT / analysis.page).read_text(encoding="utf-8")
        if "ui.analysis_page(" in text or "ui.choose_in_sidebar(" in text:
            named = (f'ui.{call}(registry.BY_KEY["{analysis.key}"])' for call in ("analysis_page", "choose_in_sidebar"))
            assert any(call in text for call in named), analysis.page
            assert (analysis.choose or analysis.choose_across) is not None and analysis.text is not None, analysis.key


@pytest.mark.parametrize("analysis", analyses.ANALYSES, ids=lambda a: a.key)
def test_a_link_naming_no_table_only_reaches_the_users_tables(analysis: analyses.Analysis) -> None:
    """Without ?table= an analysis falls back to a table of its own choosing: only ever one the user may see.
    (The demo tables are what the fallbacks prefer, so they are the ones withheld here.)"""
    tables = list(load_catalogue())
    visible = [t for t in tables if not t.demo]
    visible_ids = {t.id for t in visible}
    try:
        views = analysis.build_views({}, visible)
    except (LookupError, ImpactInputError):  # no table the user may see can feed this analysis: refused, nothing shown
        views = []
    for view in views:
        assert view.table_id in visible_ids or view.table_id in ("", None), (analysis.key, view.key, view.table_id)
    with contextlib.suppress(LookupError, ImpactInputError):
        assert list(analysis.build_views({}, [])) == []


@pytest.mark.parametrize("analysis", analyses.ANALYSES, ids=lambda a: a.key)
def test_every_analysis_page_draws_the_controls_its_analysis_declares(analysis: analyses.Analysis) -> None:
    """Widgets are declared by the analysis (its choose / choose_across), drawn by ui: a page file draws none."""
    text = (PROJECT_ROOT / analysis.page).read_text(encoding="utf-8")
    calls = [f'ui.{call}(registry.BY_KEY["{analysis.key}"])' for call in ("analysis_page", "choose_in_sidebar")]
    assert any(call in text for call in calls), analysis.page
    assert (analysis.choose or analysis.choose_across) is not None and analysis.text is not None
    for widget in ("ui.url_", "st.sidebar", "st.selectbox", "st.multiselect", "st.radio", "st.text_input"):
        assert widget not in text, (analysis.page, widget)
