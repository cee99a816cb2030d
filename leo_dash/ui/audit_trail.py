"""The audit trail of page views, exports and access denials as the pages see it (view records: failures are
logged, never raised; an export that cannot be recorded is refused)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from leo_dash.governance import access, audit
from leo_dash.ui.session import _catalogue, current_identity, log

_AUDIT_RUN_KEY = "_leo_audit_run"  # this run: page, filters chosen by the URL widgets, table
_AUDIT_LAST_KEY = "_leo_audit_last"  # last page view recorded in this session (reruns of the same view are not new)
_AUDIT_DENIED_KEY = "_leo_audit_denied"  # denials already recorded in this session
_AUDIT_PAGE_KEY = "_leo_audit_page"  # page of the last view, for exports (their callback runs before the page)
_AUDIT_SHOWN_KEY = "_leo_audit_shown"  # last set of briefing tables recorded as shown in this session


def _audit_run() -> dict[str, Any]:
    return st.session_state.setdefault(_AUDIT_RUN_KEY, {"page": "unknown", "filters": {}, "table": None})


def _note_filter(key: str, value: object, *, table: bool = False) -> None:
    """Remember a widget's value (and the chosen table) for this run's page-view record."""
    try:
        run = _audit_run()
        run["filters"][key] = value
        if table:
            run["table"] = value
    except Exception:  # auditing never breaks a widget
        log.warning("could not note filter %s for the audit trail", key, exc_info=True)


def record_page_view(page: str, filters: Mapping[str, object] | None = None, *, table: str | None = None) -> None:
    """Record that this user viewed `page` with `filters` (and `table`). A rerun showing the same view (e.g. after
    a download) is not recorded twice. Never raises: a failure is logged."""
    try:
        run = _audit_run()
        run["recorded"] = True
        clean = {str(k): (list(v) if isinstance(v, list | tuple) else v) for k, v in (filters or {}).items()}
        user = current_identity().label
        fingerprint = json.dumps([user, page, table, clean], sort_keys=True, default=str)
        st.session_state[_AUDIT_PAGE_KEY] = page
        if st.session_state.get(_AUDIT_LAST_KEY) == fingerprint:
            return
        st.session_state[_AUDIT_LAST_KEY] = fingerprint
        audit.record_safely("page_view", user=user, page=page, table=table, filters=clean)
    except Exception:
        log.warning("page view of %s not recorded", page, exc_info=True)


def record_export(
    table_id: str | None,
    export_type: str,
    filters: Sequence[tuple[str, str]] | Mapping[str, object],
    rows: int,
    *,
    page: str | None = None,
    detail: str | None = None,
) -> bool:
    """Record one download (on_click of every download button): who, which table, format, filters and rows.

    A record that cannot be written is an error in the log (audit.record_export); the rerun after the click then
    finds the audit trail unwritable and shows the message instead of the buttons. Returns whether it was recorded."""
    try:
        audit.record_export(
            user=current_identity().label,
            page=page or st.session_state.get(_AUDIT_PAGE_KEY),
            table=table_id,
            filters=filters if isinstance(filters, Mapping) else list(filters),
            export_type=export_type,
            rows=rows,
            detail=detail,
        )
    except audit.AuditUnavailable:
        return False
    return True


def _record_export(table_id: str, export_type: str, filters: Sequence[tuple[str, str]], rows: int) -> None:
    record_export(table_id, export_type, filters, rows)


def record_tables_shown(page: str, shown: Sequence[tuple[str | None, Mapping[str, object], str]]) -> None:
    """Record the tables a page showed that its URL widgets do not name (a briefing link's items): one page-view
    record per (table, filters, view key). The same set shown again in this session is not recorded twice.
    Never raises: a failure is logged (views continue)."""
    try:
        user = current_identity().label
        fingerprint = json.dumps([user, page, [list(s) for s in shown]], sort_keys=True, default=str)
        if st.session_state.get(_AUDIT_SHOWN_KEY) == fingerprint:
            return
        st.session_state[_AUDIT_SHOWN_KEY] = fingerprint
        for table, filters, view_key in shown:
            audit.record_safely("page_view", user=user, page=page, table=table, filters=filters, detail=view_key)
    except Exception:
        log.warning("tables shown on %s not recorded", page, exc_info=True)


def _record_denial_once(identity: access.Identity, table_id: str, reason: str) -> None:
    try:
        done: set[tuple[str, str]] = st.session_state.setdefault(_AUDIT_DENIED_KEY, set())
        if (table_id, reason) in done:
            return
        done.add((table_id, reason))
        audit.record_safely(
            "access_denied",
            user=identity.label,
            page=_audit_run().get("page"),
            table=table_id,
            detail=reason,
        )
    except Exception:
        log.warning("access denial for %s not recorded", table_id, exc_info=True)


def _record_hidden_table_request(table_id: str) -> None:
    """A link asked for a table: if it exists but this user may not see it, record the denial. The user gets the
    same note as for any unknown table, so the answer does not reveal that the table exists."""
    try:
        catalogue = _catalogue()
        if table_id not in catalogue:
            return
        identity = current_identity()
        decision = access.decide(catalogue.get(table_id), identity)
        if not decision.allowed:
            _record_denial_once(identity, table_id, f"asked for by URL: {decision.reason}")
    except Exception:
        log.warning("access denial for %s not recorded", table_id, exc_info=True)
