"""Impact page excluded-cells view: which cells the estimate left out, and why."""

from __future__ import annotations

import polars as pl

from leo_dash.analyses.impact import (
    REASON_MISSING,
    REASON_ZERO_BASE,
)
from leo_dash.analyses.impact_views.analysis import ImpactAnalysis
from leo_dash.analyses.impact_views.options import VIEW_EXCLUDED, WITHHELD
from leo_dash.analyses.impact_views.wording import _filters, _years_text
from leo_dash.core.model import SYMBOL_LABELS, SYMBOL_MEANINGS
from leo_dash.present.views import Column, View, counts_of_cells, make_view


def _cells_used(analysis: ImpactAnalysis) -> dict[str, int]:
    """Published cells behind the estimate, by group (withheld cells are not among them)."""
    series = analysis.result.series
    return {
        group: int(series.filter(pl.col("group") == group)["n_cells_used"].sum()) for group in ("treated", "comparison")
    }


def _excluded_summary(analysis: ImpactAnalysis) -> str:
    excluded = analysis.excluded
    used = sum(_cells_used(analysis).values())
    total = int(excluded["total"].sum()) if excluded.height else 0
    if not total:
        return f"No cells were left out: all {used:,} cells of the two groups were published and used."
    parts = [f"{int(n):,} {label_symbol(s)}" for s, n in excluded.select("symbol", "total").iter_rows()]
    verb = "was" if total == 1 else "were"
    return (
        f"{total:,} of {total + used:,} cells in the two groups {verb} left out ({'; '.join(parts)}); none "
        f"{verb} estimated."
    )


def label_symbol(symbol: str) -> str:
    """A reason for leaving a cell out, for a sentence: "suppressed to protect confidentiality ('c')"."""
    if symbol in SYMBOL_LABELS:
        return f"{SYMBOL_MEANINGS.get(symbol, SYMBOL_LABELS[symbol])} ('{symbol}')"
    other = {
        WITHHELD: "withheld with their group's figure",
        REASON_MISSING: "missing",
        REASON_ZERO_BASE: "with a base of 0",
    }
    return other.get(symbol, symbol)


def _excluded_view(analysis: ImpactAnalysis) -> View:
    spec = analysis.spec
    used = _cells_used(analysis)
    used_row = pl.DataFrame(
        {
            "reason": ["Used in the estimate"],
            "symbol": [""],
            "treated": [float(used["treated"])],
            "comparison": [float(used["comparison"])],
            "total": [float(used["treated"] + used["comparison"])],
        }
    )
    frame = counts_of_cells(
        pl.concat([analysis.excluded, used_row], how="vertical_relaxed"), ["treated", "comparison", "total"]
    )
    columns = (
        Column("reason", "Cells"),
        Column("symbol", "Symbol"),
        Column("treated", analysis.treated_label, "value", "", 0),
        Column("comparison", analysis.comparison_label, "value", "", 0),
        Column("total", "Both groups", "value", "", 0),
    )
    return make_view(
        key=VIEW_EXCLUDED,
        entry=spec.entry,
        title=(
            f"Number of cells left out of the estimate, by reason, and used: {analysis.treated_label} and "
            f"{analysis.comparison_label}{_years_text(spec, analysis.series)}"
        ),
        frame=frame,
        columns=columns,
        summary=_excluded_summary(analysis),
        filters=_filters(spec, (analysis.treated_label, analysis.comparison_label)),
        extra_footnotes=[
            "Counts are of table cells (one provider, group or breakdown in one year), not of people. A cell is left "
            "out when its figure or its base carries a symbol; the figure's own symbol is counted first. Cells left "
            "out are never estimated."
        ],
    )
