"""Impact page views: `build_impact_views` / `impact_views` and the estimate view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from leo_dash.analyses.impact import (
    plain_language_summary,
)
from leo_dash.analyses.impact_views.analysis import ImpactAnalysis, analyse
from leo_dash.analyses.impact_views.event_study import _event_study_view
from leo_dash.analyses.impact_views.excluded import _excluded_view
from leo_dash.analyses.impact_views.options import CAVEAT_PREFIX, METHOD_PREFIX, VIEW_ESTIMATE
from leo_dash.analyses.impact_views.series import _series_view
from leo_dash.analyses.impact_views.spec import resolve_spec
from leo_dash.analyses.impact_views.wording import (
    _disclosure_footnotes,
    _filters,
    _gap_text,
    _placebo_text,
    format_effect,
    format_interval,
    outcome_phrase,
)
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label
from leo_dash.present.views import Column, View, format_number, make_view


# --------------------------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------------------------
def build_impact_views(
    params: Mapping[str, Sequence[str]], *, tables: Sequence[TableEntry] | None = None
) -> list[View]:
    """The page's views for its URL parameters: estimate, series and gap, event study, excluded cells.

    `tables`: the tables the user may see (default: public tables). Raises ImpactInputError (a ValueError) with
    a plain message when the choices cannot give an estimate."""
    analysis = analyse(resolve_spec(params, tables=tables))
    return impact_views(analysis)


def impact_views(analysis: ImpactAnalysis) -> list[View]:
    return [
        _estimate_view(analysis),
        _series_view(analysis),
        _event_study_view(analysis),
        _excluded_view(analysis),
    ]


def _withheld_notes(analysis: ImpactAnalysis) -> list[str]:
    """Say which group-years were withheld and why, so 'no usable cells' is not read as 'no data'."""
    if not analysis.withheld:
        return []
    labels = {"treated": analysis.treated_label, "comparison": analysis.comparison_label}
    listed = "; ".join(
        f"{labels[group]} in {period_label(period)}"
        for group, period in sorted(analysis.withheld, key=lambda k: (k[1], k[0]))
    )
    why = (
        "an average of published medians needs at least 2 published cells and a group's earnings base must be at "
        f"least {analysis.spec.entry.disclosure.earnings_min_base}; no group may leave out exactly one suppressed cell"
        if analysis.spec.kind == "earnings"
        else "its base or its share would disclose small numbers, or it would leave out exactly one suppressed cell"
    )
    return [
        f"Not shown and left out of the estimate: {listed} ({why}). Their cells are counted as withheld in the "
        "cells table."
    ]


def _estimate_view(analysis: ImpactAnalysis) -> View:
    spec, result = analysis.spec, analysis.result
    start = period_label(spec.start)
    trend = result.pre_trend
    trend_state = "not run" if trend.p_value is None else "flagged" if trend.flagged else "not flagged"
    rows = [
        ("estimate", "Difference-in-differences estimate", format_effect(result.estimate, spec.kind)),
        (
            "interval",
            f"{result.confidence * 100:g}% confidence interval",
            format_interval(result.ci_low, result.ci_high, spec.kind),
        ),
        (
            "se",
            "Standard error",
            "Not available"
            if result.standard_error is None
            else (
                f"{format_number(result.standard_error, '', 2)} percentage points"
                if spec.kind == "rate"
                else format_number(result.standard_error, "£", 0)
            ),
        ),
        ("pre_gap", f"Average gap before {start} ({len(result.pre_periods)} years)", _gap_text(spec, result.pre_gap)),
        ("post_gap", f"Average gap from {start} ({len(result.post_periods)} years)", _gap_text(spec, result.post_gap)),
        ("pre_trend", f"Pre-trend test ({trend_state})", trend.note),
        ("excluded", "Cells left out (suppressed, unavailable or withheld)", f"{result.excluded_cells:,}"),
    ]
    if result.interval_note:
        rows.append(("interval_basis", "What the interval allows for", result.interval_note))
    if result.placebo is not None:
        rows.append(("placebo", "Placebo: fake start, before years only", _placebo_text(spec, result.placebo)))
    if result.cells_used != (0, 0):
        treated_cells, comparison_cells = result.cells_used
        rows.append(
            (
                "cells",
                "Cells in the estimate",
                f"{treated_cells:,} treated and {comparison_cells:,} comparison cells, each followed over the years",
            )
        )
    if result.unavailable_reason:
        rows.append(
            (
                "reason",
                "Why there is no estimate",
                result.unavailable_reason[:1].upper() + result.unavailable_reason[1:],
            )
        )
    frame = pl.DataFrame(rows, schema={"key": pl.String, "item": pl.String, "shown": pl.String}, orient="row")
    title = (
        f"Difference-in-differences estimate of the change in {outcome_phrase(spec)} for {analysis.treated_label} "
        f"relative to {analysis.comparison_label} from {start}"
    )
    footnotes = [CAVEAT_PREFIX + c for c in result.caveats]
    footnotes.append(METHOD_PREFIX + result.method_note)
    footnotes += _disclosure_footnotes(spec)
    return make_view(
        key=VIEW_ESTIMATE,
        entry=spec.entry,
        title=title,
        frame=frame,
        columns=(Column("item", "Measure"), Column("shown", "Result")),
        summary=plain_language_summary(result, outcome_phrase(spec)),
        filters=_filters(spec, (analysis.treated_label, analysis.comparison_label)),
        notes=(*_withheld_notes(analysis), *result.notes),
        extra_footnotes=footnotes,
    )
