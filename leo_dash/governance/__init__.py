"""Page logic for the "About the data" pages: the catalogue of approved tables, methodology and glossary, how
personal data is used, and the approved access register. Plain functions and text; no Streamlit.

The glossary and methodology follow the project's data standard (§3 symbols, §4 disclosure rules, §5 LEO
definitions), written for people using the dashboard.

Submodules: `catalogue` (the catalogue of approved tables: `catalogue_overview`, `column_rows`, `review_text`,
`disclosure_summary`, `protection_text`, `row_count`, `meta_labels`; the "leo_dash.governance" logger),
`methodology` (`GLOSSARY`, `symbol_rows`, `Section`, `section_markdown`, `METHODOLOGY`, `IMPACT_COVERAGE`),
`data_use` (how personal data is used: `DATA_USE`, `CONTROLLER_ROUTES`, the privacy notice, rights and concern
texts), `register` (the approved access register: `register_rows`, `register_sections`).
"""

from __future__ import annotations

from leo_dash.governance.catalogue import (
    CATALOGUE_COLUMNS,
    COLUMN_COLUMNS,
    KIND_LABELS,
    OVERDUE_MARK,
    ROLE_LABELS,
    catalogue_overview,
    column_rows,
    controller_names,
    disclosure_summary,
    log,
    meta_labels,
    protection_text,
    review_text,
    row_count,
)
from leo_dash.governance.data_use import (
    CONCERN_TEXT,
    CONTROLLER_ROUTES,
    DASHBOARD_TEXT,
    DATA_USE,
    ICO_COMPLAINT_URL,
    LEO_PRIVACY_NOTICE_URL,
    OFFICIAL_LINK_HOSTS,
    PRIVACY_NOTICE_TEXT,
    RIGHTS_TEXT,
    ControllerRoute,
)
from leo_dash.governance.methodology import (
    GLOSSARY,
    IMPACT_COVERAGE,
    METHODOLOGY,
    Section,
    Term,
    section_markdown,
    symbol_rows,
)
from leo_dash.governance.register import (
    REGISTER_COLUMNS_SHOWN,
    REGISTER_SECTIONS,
    newest_first,
    register_rows,
    register_section,
    register_sections,
    tables_granted_text,
)
