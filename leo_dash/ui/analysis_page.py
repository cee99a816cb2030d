"""One page frame for every analysis that declares its controls (`leo_dash.analyses.controls`): title and words,
the table, the analysis's own controls drawn as URL-bound sidebar widgets (`asking.SidebarAsk`), the banners and
notes, then the views its `build_views` makes, each with its briefing link. A page file names its analysis and,
where the analysis lays its views out in sections, renders the `Chosen` it gets back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from leo_dash.analyses import controls
from leo_dash.analyses.registry import Analysis
from leo_dash.briefing import ItemRef
from leo_dash.core.model import TableEntry
from leo_dash.ui.asking import SidebarAsk, show_switch_notes
from leo_dash.ui.audit_trail import record_page_view
from leo_dash.ui.markup import plain
from leo_dash.ui.page import demo_banner, overdue_warning, visible_tables
from leo_dash.ui.render import render_view
from leo_dash.ui.session import prepare
from leo_dash.ui.widgets import drop_pending_resets, show_url_notes, url_table_select


@dataclass(frozen=True)
class Chosen:
    """What the sidebar chose: the table (None for an analysis across every table), the tables the user may see,
    and the URL parameters of the choice."""

    analysis: Analysis
    entry: TableEntry | None
    tables: Sequence[TableEntry]
    params: controls.Params

    def briefing(self, view_key: str) -> ItemRef:
        """The briefing item of one of this choice's views."""
        return ItemRef.make(self.analysis.key, self.params, view_key)


def choose_in_sidebar(analysis: Analysis) -> Chosen | None:
    """Title, words, table and the analysis's controls, then the banners and notes; None when there is nothing to
    show (no table, or a choice still to make: said on the page). The view is audited here, except for an analysis
    across every table, which records the tables it read itself."""
    if analysis.text is None or (analysis.choose is None and analysis.choose_across is None):
        raise ValueError(f"The {analysis.key} analysis declares no controls.")
    st.title(analysis.title)
    st.markdown(analysis.text.intro)
    tables = visible_tables(analysis.supports)
    if not tables:
        st.info(analysis.text.no_table, icon=":material/info:")
        return None
    ask = SidebarAsk(analysis.key)
    entry: TableEntry | None = None
    if analysis.choose is not None:
        entry = url_table_select(tables)
        prepare(entry)
        choice = analysis.choose(entry, ask)  # type: ignore[arg-type]
    else:
        choice = analysis.choose_across(tables, ask)  # type: ignore[misc,arg-type]
    ask.finish()
    drop_pending_resets()  # a reset of a control this table does not draw is not carried to a later page
    if entry is not None:
        demo_banner(entry)
        overdue_warning(entry)
    show_switch_notes()
    show_url_notes()
    if isinstance(choice, controls.Incomplete):
        st.info(plain(choice.message), icon=choice.icon)
        return None
    if entry is not None:
        record_page_view(analysis.key, choice, table=entry.id)
    return Chosen(analysis, entry, tables, choice)


def analysis_page(analysis: Analysis) -> None:
    """The whole page of `analysis`: its controls, then every view its `build_views` makes."""
    chosen = choose_in_sidebar(analysis)
    if chosen is None:
        return
    for view in analysis.build_views(chosen.params, chosen.tables):
        render_view(view, briefing=chosen.briefing(view.key))
