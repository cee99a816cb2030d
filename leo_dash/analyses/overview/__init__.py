"""Headline figures: median earnings one, three and five years after graduation, the sustained employment rate and
the out-of-work benefit-claim rate for the latest year, each with the change from the previous year in GSS words
("up 1.2 percentage points from 2021-22"), a source line and links into the pages that explain it.

Indicators are found from the catalogue (an earnings median, a rate labelled sustained employment, a benefit-claim
rate as `leo_dash.analyses.benefits` defines it), never by column name. Figures are the published national rows (provider id
null, D3). Where a table has no national rows (the FE provider files), a rate is derived from the providers'
published cells with `sdc.aggregate(published_cells_only=True)` (D4); earnings are never derived (D5), so such a
table gives no earnings headline. A suppressed figure is never cited and no change is computed from it.

Pipeline: `query.select` → `sdc.protect` / `sdc.aggregate` → `sdc.guard` → headline cards and one
`views.make_view` per source table (the figures behind the headlines over every year).

Submodules: `spec` (the page's constants, `Kind`, which indicator is which headline: `earnings_median`,
`employment_rate`, `indicator_for`, `supports`; which headlines come from which tables: `HeadlineSpec`, `TableFacts`,
`table_facts`, `table_specs`, `candidate_specs`, `choose_specs`), `headline` (one headline: `PageLink`, `Headline`,
`headline_sentence`, `links_for`, `build_headline`), `views` (the figures behind the headlines, one view per source
table: `headlines_frame`, `build_headlines_figure`, `fit_title`, `headlines_summary`, `headlines_title`,
`headlines_view`), `page` (the page's choices and everything it shows: `OverviewSpec`, `Overview`, `build_overview`,
`briefing_views`, for briefings).
"""

from __future__ import annotations

from leo_dash.analyses.overview import sidebar
from leo_dash.analyses.overview.headline import (
    Headline,
    PageLink,
    build_headline,
    headline_sentence,
    links_for,
)
from leo_dash.analyses.overview.page import (
    Overview,
    OverviewSpec,
    briefing_views,
    build_overview,
    spec_from_params,
)
from leo_dash.analyses.overview.spec import (
    ALL_TABLES,
    BASIS,
    DERIVED,
    EARNINGS_YEARS_AFTER,
    FIGURE,
    HEADLINE,
    KEY,
    KIND_ORDER,
    NO_TABLE_MESSAGE,
    PAGE,
    PERIOD,
    PERIOD_LABEL,
    PUBLISHED,
    VALUE,
    HeadlineSpec,
    Kind,
    TableFacts,
    candidate_specs,
    choose_specs,
    earnings_median,
    employment_rate,
    indicator_for,
    supports,
    table_facts,
    table_specs,
)
from leo_dash.analyses.overview.views import (
    build_headlines_figure,
    fit_title,
    headlines_frame,
    headlines_summary,
    headlines_title,
    headlines_view,
)
