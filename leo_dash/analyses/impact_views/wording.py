"""Impact page wording: effects, intervals, gaps, filters and footnotes as text."""

from __future__ import annotations

import re
from typing import Literal

import polars as pl

from leo_dash import sdc
from leo_dash.analyses.impact import (
    Placebo,
)
from leo_dash.analyses.impact_views.analysis import _base_indicator, _display_step, _item_name
from leo_dash.analyses.impact_views.options import ImpactSpec
from leo_dash.core.periods import period_label
from leo_dash.present.views import format_number


# --------------------------------------------------------------------------------------------------------------
# Wording
# --------------------------------------------------------------------------------------------------------------
def outcome_phrase(spec: ImpactSpec) -> str:
    """The outcome for use inside a sentence: 'sustained out-of-work benefits'; earnings as an average of medians."""
    label = re.sub(r"\s*\((%|£|pp)\)\s*$", "", spec.outcome.label).strip()
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        label = label[0].lower() + label[1:]
    return f"the average of published {label}" if spec.kind == "earnings" else label


def format_effect(value: float | None, kind: Literal["rate", "earnings"], *, short: bool = False) -> str:
    """A signed change as shown on the page: '+1.2 percentage points' ('+1.2 pp' when short) or '-£400'
    (half-up, D8)."""
    if value is None:
        return "Not available"
    if kind == "rate":
        shown = sdc.round_half_up(value, 0.1)
        text = format_number(shown, "", 1) + (" pp" if short else " percentage points")
        return ("+" if shown > 0 else "") + text
    shown = sdc.round_half_up(value, 100)
    return ("+" if shown > 0 else "") + format_number(shown, "£", 0)


def format_interval(
    low: float | None, high: float | None, kind: Literal["rate", "earnings"], *, short: bool = False
) -> str:
    """'1.1 to 1.3 percentage points' ('1.1 to 1.3 pp' when short) or '-£300 to £1,100'."""
    if low is None or high is None:
        return "Not available"
    if kind == "rate":
        unit = "pp" if short else "percentage points"
        return f"{format_number(low, '', 1)} to {format_number(high, '', 1)} {unit}"
    return (
        f"{format_number(sdc.round_half_up(low, 100), '£', 0)} to {format_number(sdc.round_half_up(high, 100), '£', 0)}"
    )


def _interval_text(spec: ImpactSpec, low: float, high: float) -> str:
    """'0.4 to 0.6 percentage points' or '-£300 to £500' from already rounded bounds."""
    if spec.kind == "rate":
        dp = spec.entry.disclosure.rate_dp
        return f"{format_number(low, '', dp)} to {format_number(high, '', dp)} percentage points"
    return f"{format_number(low, '£', 0)} to {format_number(high, '£', 0)}"


def _gap_text(spec: ImpactSpec, value: float | None) -> str:
    """An average gap, rounded like the shown gaps (it rests only on shown group figures)."""
    return "Not available" if value is None else _difference_text(spec, sdc.round_half_up(value, _display_step(spec)))


def _value_text(spec: ImpactSpec, value: float) -> str:
    if spec.kind == "rate":
        return format_number(value, "%", spec.entry.disclosure.rate_dp)
    return format_number(value, "£", 0)


def _difference_text(spec: ImpactSpec, value: float) -> str:
    if spec.kind == "rate":
        return format_number(value, "pp", spec.entry.disclosure.rate_dp)
    return format_number(value, "£", 0)


def _context_text(spec: ImpactSpec) -> str:
    parts = [f"{label.lower()}: {value}" for _key, label, value in spec.context]
    return f" ({'; '.join(parts)})" if parts else ""


def _years_text(spec: ImpactSpec, series: pl.DataFrame) -> str:
    if series.is_empty():
        return ""
    years = series["year"].to_list()
    label = spec.entry.time_label.lower()
    plural = label + ("s" if not label.endswith("s") else "")
    return f", {plural} {years[0]} to {years[-1]}" if len(years) > 1 else f", {label} {years[0]}"


def _filters(spec: ImpactSpec, analysis_labels: tuple[str, str]) -> list[tuple[str, str]]:
    filters = [
        ("Outcome", spec.outcome.label),
        ("Groups formed by", spec.dimension.label),
        ("Treated group", "; ".join(_item_name(spec.dimension, i) for i in spec.treated)),
        (
            "Comparison group",
            analysis_labels[1]
            if spec.comparison_is_rest
            else "; ".join(_item_name(spec.dimension, i) for i in spec.comparison),
        ),
        ("Intervention started", period_label(spec.start)),
    ]
    filters += [(label, value) for _key, label, value in spec.context]
    return filters


def _disclosure_footnotes(spec: ImpactSpec) -> list[str]:
    profile = spec.entry.disclosure
    base_label = _base_indicator(spec.entry, str(spec.outcome.base)).label.lower()
    notes = [
        f"Each group's figure for a year combines its published cells, weighted by {base_label}; suppressed or "
        "unavailable cells are left out and never estimated. Group bases are sums of published bases, rounded to "
        f"the nearest {profile.count_base} and shown as c below {profile.min_count}.",
    ]
    if spec.kind == "rate":
        notes.append(
            f"Group percentages are derived shares shown to {profile.rate_dp} decimal place: c where the estimated "
            f"numerator is under {profile.share_min_numerator}, the base under {profile.share_min_denominator}, "
            f"or a 0% or 100% rests on a base under {profile.class_disclosure_base}."
        )
    else:
        notes.append(
            "Group earnings are the average of published medians (analytical, not a published median): the "
            f"cells' published medians weighted by {base_label}. Rounded to the nearest £{profile.earnings_base}; "
            f"c where the group's base is under {profile.earnings_min_base}; x where fewer than 2 published cells "
            "contribute, because a single cell's figure is its published median, not an average (data standard "
            "D5: earnings are published medians, never derived figures presented as medians)."
        )
    notes.append(
        "A group's figure (and base) for a year is c where exactly one of its cells is suppressed, so the hidden "
        "cell cannot be found by subtraction from a total published elsewhere. Where a group's figure for a year "
        "cannot be shown, that year's gap, its event-study point and the estimate leave that group-year out, so "
        "no figure shown can reveal it."
    )
    return notes


def _placebo_text(spec: ImpactSpec, placebo: Placebo) -> str:
    """The placebo estimate in words: what it found and whether that is a warning."""
    found = (
        "a clear change where there should be none: treat the real estimate with caution"
        if placebo.is_clear
        else "no clear change, as expected"
    )
    text = (
        f"Starting in {period_label(placebo.start)} instead: {format_effect(placebo.estimate, spec.kind)} "
        f"({format_interval(placebo.ci_low, placebo.ci_high, spec.kind)}), {found}."
    )
    if placebo.sampling_only:
        text += " Its interval allows for sampling only (too few cells and years for more), so it is too narrow."
    return text
