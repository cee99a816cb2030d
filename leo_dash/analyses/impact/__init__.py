"""Intervention-impact evaluation on published aggregates: difference-in-differences and an event study.

For evaluation teams, as plain functions on Polars frames (usable from a notebook). The input follows the project
convention (leo_dash.core.model): numeric indicator columns are Float64 with nulls where a symbol stood, and
`status_column(col)` holds the symbol. Each row is a *cell*; a group (treated or comparison) is a set of cells, and
its figure for a period is the base-weighted mean of its published cells. Cells whose outcome or base carries a
symbol are left out and counted; a symbol is never filled, estimated or reversed (data standard D1).

The estimate, its interval, the event study and the pre-trend check come from a cell-level two-way fixed-effects
model (leo_dash.analyses.did_model, fitted with statsmodels): each cell is compared only with itself, so which cells happen
to be published in a year cannot bias it. The group figures in `series` are descriptive: what the chart draws."""

from __future__ import annotations

from leo_dash.analyses.impact.definitions import (
    DEFAULT_EARNINGS_CV,
    IQR_PER_SIGMA,
    MEDIAN_SE_FACTOR,
    PRE_TREND_ALPHA,
    REASON_MISSING,
    REASON_ZERO_BASE,
    GroupDefinition,
    ImpactResult,
    OutcomeKind,
    Placebo,
    PreTrendTest,
    period_start_year,
)
from leo_dash.analyses.impact.estimate import (
    estimate_impact,
)
from leo_dash.analyses.impact.summary import (
    plain_language_summary,
)
