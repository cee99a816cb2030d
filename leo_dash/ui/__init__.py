"""The Streamlit layer: the only package of leo_dash that imports streamlit (tests/test_architecture.py checks it).

Pages call these; the logic they render lives in plain leo_dash modules on Polars frames, testable without Streamlit.
What every page uses is re-exported here (`ui.NAME`); it lives in these submodules, each importing only the ones
listed before it (no cycles):

- `markup`: `plain`, which shows text from data, a link or a file literally in any Streamlit markdown.
- `session`: the cached catalogue and prepared tables shared across sessions (`_catalogue`, `_prepared`, `prepare`),
  who the user is (`current_identity`), the session's briefing basket, and the "leo_dash.ui" logger.
- `audit_trail`: the audit of page views, exports and access denials (`record_page_view`, `record_export`,
  `record_tables_shown`).
- `widgets`: URL-bound widgets (`url_select`, `url_labelled_select`, `url_table_select`, ...), the notes about link
  values that could not be used (`show_url_notes`) and the link bookkeeping (`write_link`, `start_afresh`,
  `forget_other_pages_links`).
- `render`: the Chart/Table/Download component every view is rendered with (`render_view`), with audited downloads.
- `page`: the page frame: `visible_tables`, the identity-setup check, page styles, demo and overdue banners, the
  navigation-frame router and `run_page`.

- `asking`: draws an analysis's declared controls (`SidebarAsk`), with the session bookkeeping between runs.
- `analysis_page`: the frame of every analysis page (`choose_in_sidebar`, `analysis_page`).

One page's pieces each: `headlines`, `briefing`, `governance`.
"""

from __future__ import annotations

from leo_dash.ui.analysis_page import Chosen, analysis_page, choose_in_sidebar
from leo_dash.ui.audit_trail import record_page_view, record_tables_shown
from leo_dash.ui.markup import plain
from leo_dash.ui.page import (
    browser_title,
    demo_banner,
    entered_frame,
    navigation_pages,
    overdue_warning,
    page_chrome,
    refuse_unsafe_identity_setup,
    run_page,
    visible_tables,
)
from leo_dash.ui.render import chart_name, render_view
from leo_dash.ui.session import _catalogue, _prepared, current_identity, prepare
from leo_dash.ui.widgets import (
    NoTablesError,
    drop_link_value,
    drop_pending_resets,
    forget_other_pages_links,
    link_values,
    note,
    show_url_notes,
    start_afresh,
    url_area_select,
    url_labelled_select,
    url_multiselect,
    url_provider_select,
    url_radio,
    url_select,
    url_table_select,
    write_link,
)
