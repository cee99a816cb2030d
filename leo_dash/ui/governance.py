"""Streamlit pieces for the "About the data" pages: their sections of text, the review-date colouring of the
catalogue and the sign-in panel. Page logic lives in leo_dash.governance."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import polars as pl
import streamlit as st

from leo_dash.governance import OVERDUE_MARK, Section, access, section_markdown
from leo_dash.ui.markup import plain
from leo_dash.ui.session import current_identity

log = logging.getLogger("leo_dash.ui.governance")
OVERDUE_RED = "#D4351C"  # GOV.UK error red


def titled_sections(title: str, sections: Sequence[Section]) -> None:
    """A page's title, then each section of text under its own header."""
    st.title(title)
    for section in sections:
        st.header(section.heading)
        st.markdown(section_markdown(section))


def overdue_style(value: object) -> str:
    """CSS for one 'Next review' cell: red and bold once the review date has passed."""
    return f"color: {OVERDUE_RED}; font-weight: bold" if f"({OVERDUE_MARK})" in str(value) else ""


def styled_catalogue(frame: pl.DataFrame) -> Any:
    """The catalogue overview with overdue review dates flagged red (a pandas Styler for st.dataframe)."""
    styler = frame.to_pandas().style
    if "Next review" in frame.columns:
        styler = styler.map(overdue_style, subset=["Next review"])
    return styler


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def identity_panel() -> None:
    """Who the user is and, when a login is configured, a sign-in or sign-out button."""
    identity = current_identity()
    if identity.user is None:
        st.info(
            "You are not signed in, so only public tables are shown. Members of approved projects see their "
            "project's tables after signing in.",
            icon=":material/lock:",
        )
        if _auth_configured() and st.button("Sign in", key="gov-sign-in", icon=":material/login:"):
            st.login()
        return
    roles = sorted(identity.roles)
    granted = ", ".join(plain(r) for r in roles) if roles else "none (public tables only)"
    st.success(f"Signed in as {plain(identity.user)}. Roles: {granted}.", icon=":material/verified_user:")
    if getattr(st.user, "is_logged_in", False) and st.button("Sign out", key="gov-sign-out", icon=":material/logout:"):
        st.logout()


def project_roles_note(projects: list[access.ApprovedProject]) -> None:
    """Tell a signed-in member which of their projects grant access today."""
    identity = current_identity()
    mine = [p for p in projects if p.project_id in identity.projects]
    if not mine:
        return
    today = dt.date.today()
    for project in mine:
        status = project.status(today)
        text = f"Your project {plain(project.project_id)}: {status.lower()}, access until {project.expiry:%d %B %Y}."
        if status == "Active":
            st.caption(text)
        else:
            st.warning(text, icon=":material/event_busy:")
