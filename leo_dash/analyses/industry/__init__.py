"""Graduate industry: which industries a subject's graduates work in, and which subjects feed an industry.

Reads a regional table such as DfE's LEO graduate industry release (first-degree graduates by region, subject,
years after graduation and industry, with median earnings). Figures for one region are as published; figures for
England are sums of the regions' published counts, so they are derived (D3: rounded to the table's count base,
`c` below the minimum; any suppressed or unavailable region makes the sum `c`/`x`). Shares are derived (D4: a
numerator of at least 3 and a denominator of at least 6 people). Median earnings are only ever the published
figure for one region and industry: never combined across regions (D5).

Path, as on every page: `query.select` -> `sdc.protect` (published cells) / `sdc.aggregate` (England) -> shares ->
`sdc.guard` -> `views.make_view`.

Submodules: `spec` (the page's constants, `supports`, `count_columns`, `options`, `IndustrySpec` and its URL
parameters, `industry_name`), `shares` (ranked shares of graduates: `industries_frame`, `subjects_frame`,
`industries_view`, `subjects_view`), `flows` (subject → industry flows: `flows_frame`, `flows_read_well`,
`flows_view`, and the flow chart's own limits such as `TOP_SUBJECTS`), `views` (`views_for_params`, for
briefings), `page` (the page's words and sidebar controls).
"""

from __future__ import annotations

from leo_dash.analyses.industry import page
from leo_dash.analyses.industry.flows import (
    MIN_SHOWN_FLOWS,
    OTHER_INDUSTRIES,
    OTHER_SUBJECTS,
    TOP_INDUSTRIES,
    TOP_SUBJECTS,
    flows_frame,
    flows_read_well,
    flows_view,
)
from leo_dash.analyses.industry.shares import (
    industries_frame,
    industries_view,
    subjects_frame,
    subjects_view,
)
from leo_dash.analyses.industry.spec import (
    BASES,
    ENGLAND,
    INDUSTRY,
    LABEL_CHARS,
    PAGE,
    REGIONAL,
    SHARE,
    SUBJECT,
    VIEW_FLOWS,
    VIEW_INDUSTRIES,
    VIEW_SUBJECTS,
    IndustrySpec,
    Options,
    count_columns,
    earnings_indicator,
    industry_name,
    options,
    spec_from_params,
    spec_params,
    supports,
)
from leo_dash.analyses.industry.views import views_for_params
