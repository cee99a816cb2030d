"""The Headlines page's cards: one figure with its change, sentence, source and links."""

from __future__ import annotations

import streamlit as st

from leo_dash.analyses.overview import Headline, PageLink
from leo_dash.ui.markup import plain


def _page_link(link: PageLink) -> None:
    try:
        st.page_link(link.page, label=plain(link.label), icon=link.icon, query_params=link.params)
    except Exception:  # a page not in this app's navigation (e.g. run outside the router): a plain link instead
        st.markdown(f"[{plain(link.label)}]({link.href})")


def render_headline(headline: Headline) -> None:
    """One headline: the figure (st.metric) with its change in GSS words, the sentence, source and links."""
    with st.container(border=True):
        arrow = "off" if headline.change is None or headline.change == 0 else ("up" if headline.change > 0 else "down")
        # The label goes above the figure as text: st.metric cuts a long label short.
        st.markdown(f"**{plain(headline.title)}**", help=headline.help_text)
        st.metric(
            plain(headline.title),
            headline.value_text,
            label_visibility="collapsed",
            delta=headline.change_text,
            delta_color="off",  # neutral grey: official statistics do not colour a change as good or bad
            delta_arrow=arrow,
        )
        st.markdown(plain(headline.sentence))
        st.caption(plain(headline.source))
        for link in headline.links:
            _page_link(link)
