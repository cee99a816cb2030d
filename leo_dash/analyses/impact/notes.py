"""Placebo test, interval, mixing, composition and method notes, and caveats."""

from __future__ import annotations

import numpy as np
import polars as pl

from leo_dash.analyses import did_model
from leo_dash.analyses.did_model import CellPanel, DidFit, Variance
from leo_dash.analyses.impact.aggregate import _PeriodFigure
from leo_dash.analyses.impact.definitions import GroupDefinition, OutcomeKind, Placebo
from leo_dash.core.periods import period_label


def _drift_amount(value: float, kind: OutcomeKind) -> str:
    """A drift in the outcome's unit: percentage points to 2 dp, pounds to the nearest pound."""
    return f"{value:,.2f} percentage points" if kind == "rate" else f"£{value:,.0f}"


def _placebo(panel: CellPanel, pre: list[int], variance: Variance, confidence: float) -> Placebo | None:
    """The estimate with a fake start in the middle of the before years, from the before years alone."""
    fake_start = pre[len(pre) // 2]
    fake_pre = [p for p in pre if p < fake_start]
    fake_post = [p for p in pre if p >= fake_start]
    keep = np.isin(panel.period, pre)
    try:
        fit = did_model.fit_did(panel.subset(keep), fake_pre, fake_post, variance, confidence)
    except np.linalg.LinAlgError:
        return None
    half = fit.chosen.half_width(confidence)
    return Placebo(
        fake_start,
        fit.estimate,
        fit.estimate - half,
        fit.estimate + half,
        sampling_only=fit.chosen.source == "sampling",
    )


def _interval_note(fit: DidFit, confidence: float, years: int) -> str:
    """Plain words: what the interval allows for, and which of the candidate intervals it is."""
    level = f"{confidence * 100:g}%"
    cells = f"{fit.treated_cells:,} treated and {fit.comparison_cells:,} comparison cells"
    if fit.chosen.source == "sampling":
        if fit.fallback_note:
            return fit.fallback_note
        return (
            f"Sampling only (optimistic): the {level} interval allows for sampling and the rounding of published "
            "figures, not for real differences between cells or years, so it is likely too narrow."
        )
    cell_text = f"cluster-robust by cell ({cells}; t on {fit.cell.df:g} df)" if fit.cell is not None else None
    year_text = (
        f"from how much the yearly gap moves ({years} years; t on {fit.year.df:g} df)" if fit.year is not None else None
    )
    candidates = [t for t in (cell_text, year_text) if t is not None]
    chosen = cell_text if fit.chosen.source == "cell" else year_text
    if len(candidates) == 2:
        wider = "cluster-robust one" if fit.chosen.source == "cell" else "one from the yearly gap"
        return (
            f"The {level} interval allows for noise in each cell and for year-to-year movement of the gap between "
            f"the groups: it is the wider of two intervals, one {cell_text}, one {year_text}. Here the {wider} is "
            "wider."
        )
    missing = (
        f"fewer than {did_model.MIN_CLUSTERS} cells in a group are published in two or more years, too few for a "
        "cluster-robust interval"
        if fit.cell is None
        else "with only two years, year-to-year movement of the gap cannot be measured and is not allowed for"
    )
    return f"The {level} interval is {chosen}; {missing}."


def _mixing_notes(work: pl.DataFrame, treated: GroupDefinition, comparison: GroupDefinition) -> list[str]:
    """Warn when a group mixes 'Total' rows with their breakdown rows: the same people would count twice."""
    notes: list[str] = []
    text_columns = [c for c, dtype in work.schema.items() if dtype == pl.String and not c.startswith("_")]
    for group, flag in ((treated, "_treated"), (comparison, "_comparison")):
        rows = work.filter(pl.col(flag))
        for column in text_columns:
            if column in group.where or column.endswith("__status"):
                continue
            values = set(rows.get_column(column).unique().to_list())
            if "Total" in values and len(values) > 1:
                notes.append(
                    f"Group {group.label!r} includes both 'Total' and breakdown rows of {column!r}; cells may be "
                    f"counted twice. Restrict {column!r} in the group definition."
                )
    return notes


def _composition_notes(label: str, figures: dict[int, _PeriodFigure], common: list[int]) -> list[str]:
    """Any change in how many cells a group has: reported, though the estimate compares each cell with itself."""
    counts = [figures[p].n_used for p in common]
    if len(counts) < 2 or min(counts) == max(counts):
        return []
    return [
        f"The number of usable cells for {label!r} changes between {min(counts)} and {max(counts)} across periods. "
        "The estimate compares each cell only with itself, so which cells are published cannot move it; the group "
        "averages in the chart do include the change."
    ]


def _method_note(
    kind: OutcomeKind,
    base: str,
    rounding_step: float,
    lower_quartile: str | None,
    upper_quartile: str | None,
    earnings_cv: float,
    confidence: float,
) -> str:
    parts = [
        "Difference-in-differences on the published cells. Each cell (for example a provider, or a provider and "
        "type of provision) is followed over the years, and a model weighted by "
        f"{base!r} gives every cell its own level and every year its own level: the estimate is how much more the "
        "treated cells changed from the start year than the comparison cells, each cell compared only with itself "
        "(two-way fixed effects, fitted with statsmodels). Cells whose figure or base is suppressed or unavailable "
        "are left out, never estimated.",
        f"The {confidence * 100:g}% interval, by default, is the wider of a cluster-robust interval by cell (noise in "
        "each cell, including noise that lasts across its years; needs at least "
        f"{did_model.MIN_CLUSTERS} cells in each group) and an interval from how much the yearly gap between the "
        "groups moves around its before and after averages (shocks that hit a whole group in one year; needs three "
        "years), each with t critical values. In simulations like those in the project's tests this holds its "
        "level within a few points whichever of these kinds of noise is present; 'sampling only' does not.",
    ]
    if kind == "rate":
        parts.append(
            "Sampling only uses the binomial variance p(1-p)/N of each cell, treating every person as independent."
        )
    else:
        quartile_text = (
            f"sigma estimated from each cell's interquartile range, ({upper_quartile} - {lower_quartile}) / 1.349"
            if lower_quartile is not None
            else f"sigma assumed to be {earnings_cv:g} x the cell's median because no quartiles were supplied"
        )
        parts.append(
            "The model averages published medians, which is not the median of the combined group. Sampling only "
            "gives each cell's median a standard error of 1.2533 x sigma / sqrt(n), the large-sample result for "
            f"normally distributed data, with {quartile_text}."
        )
    if rounding_step > 0:
        parts.append(
            "Sampling only also allows for publication rounding (values rounded to the nearest "
            f"{_format_step(kind, rounding_step)}; error assumed uniform)."
        )
    parts.append(
        "The event study replaces the single estimate with one coefficient a year, relative to the last year before "
        "the start. The pre-trend check tests the before years' coefficients jointly against zero with the same "
        "allowance for noise as the estimate, and says how large a steady drift it would have caught; the placebo "
        "re-runs the estimate with a fake start inside the before years, where it should find nothing."
    )
    return " ".join(parts)


def _format_step(kind: OutcomeKind, step: float) -> str:
    """A rounding step in the outcome's unit: '1%' or '£100'."""
    return f"{step:g}%" if kind == "rate" else f"£{step:,g}"


def _caveats(kind: OutcomeKind, intervention_start: int, excluded_cells: int, rounding_step: float) -> tuple[str, ...]:
    start = period_label(intervention_start)
    rounding_text = f" (here to the nearest {_format_step(kind, rounding_step)})" if rounding_step > 0 else ""
    caveats = [
        f"These are observational statistics, not a trial: anything else that changed for one group from {start} "
        "could explain the difference.",
        "The estimate assumes parallel trends: without the intervention, the gap between the groups would have "
        "stayed as it was before.",
        f"Published figures are rounded{rounding_text} and their bases are rounded too; effects smaller than the "
        "rounding cannot be told apart from it.",
        "The mix of providers, subjects or learners in each group can change between years; a change in the mix "
        "can look like an effect.",
    ]
    if excluded_cells:
        caveats.append(
            f"{excluded_cells:,} suppressed or unavailable {'cell was' if excluded_cells == 1 else 'cells were'} left "
            "out and never estimated; if suppression is more common in one group or year, the group averages can shift."
        )
    if kind == "earnings":
        caveats.append(
            "Group earnings are weighted averages of published medians, an analytical figure: do not present them "
            "as published median earnings."
        )
    return tuple(caveats)


def _format_p(p_value: float) -> str:
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < 0.01:
        return f"p = {p_value:.3f}"
    return f"p = {p_value:.2f}"
