"""What a session works with: the cached catalogue and prepared tables (shared across sessions), who the
user is (`current_identity`) and the session's briefing basket. Also the "leo_dash.ui" logger the package logs to."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import streamlit as st

from leo_dash.briefing import Basket
from leo_dash.core import store
from leo_dash.core.catalogue import Catalogue, load_catalogue
from leo_dash.core.model import TableEntry
from leo_dash.governance import access

log = logging.getLogger("leo_dash.ui")


@st.cache_resource(ttl=60, show_spinner=False)
def _catalogue() -> Catalogue:
    return load_catalogue()


@st.cache_resource(show_spinner="Preparing and protecting the table (first start only; a large table takes a minute)…")
def _prepared(table_id: str, files: tuple[str, ...]) -> store.PreparedTable:
    # Keyed by id and files: the parquet is written once per process and then scanned lazily by every session.
    return store.prepare(_catalogue().get(table_id))


def _user_claims() -> dict[str, Any]:
    """st.user as a plain dict ({} when Streamlit has no user information)."""
    try:
        return dict(st.user.to_dict())
    except Exception:  # no script context, or a host without st.user
        return {}


def _request_headers() -> Mapping[str, str]:
    """Headers of the request that opened this session (set by an authenticating proxy, if any)."""
    try:
        return st.context.headers
    except Exception:
        return {}


def _client_address() -> str | None:
    """Source address of the connection that opened this session (the proxy's, behind one)."""
    try:
        return st.context.ip_address
    except Exception:
        return None


def current_identity() -> access.Identity:
    """Who this session is: the Streamlit OIDC user when logged in (st.login, configured in
    .streamlit/secrets.toml), else the user named by the trusted proxy header when data/roles.toml configures one,
    else anonymous. Roles come from the role mapping in data/roles.toml (LEO_ROLES_FILE overrides)."""
    return access.resolve_identity(_user_claims(), _request_headers(), access.current_role_config(), _client_address())


def prepare(entry: TableEntry) -> store.PreparedTable:
    return _prepared(entry.id, entry.files)


def basket() -> Basket:
    """This session's briefing basket (created empty on first use)."""
    if "_leo_basket" not in st.session_state:
        st.session_state["_leo_basket"] = Basket()
    return st.session_state["_leo_basket"]
