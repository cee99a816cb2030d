"""Plain-language summary of an impact result."""

from __future__ import annotations

from leo_dash.analyses.impact.definitions import ImpactResult
from leo_dash.analyses.impact.notes import _format_p
from leo_dash.core.periods import period_label
from leo_dash.sdc import round_half_up

# --------------------------------------------------------------------------------------------------------------
# Plain-language summary
# --------------------------------------------------------------------------------------------------------------
_PP_UNITS = {"pp", "%", "percentage points", "percentage point"}
_POUND_UNITS = {"£", "gbp", "pounds"}


def _format_amount(value: float, unit: str) -> str:
    """Magnitude of `value` in the unit: 1 dp for percentage points, nearest £100 for earnings (as published)."""
    if unit in _PP_UNITS:
        shown = round_half_up(abs(value), 0.1)
        return f"{shown:.1f} percentage point" + ("" if shown == 1.0 else "s")
    if unit in _POUND_UNITS:
        return f"£{round_half_up(abs(value), 100):,.0f}"
    return f"{round_half_up(abs(value), 0.1):.1f} {unit}".rstrip()


def _format_bound(value: float, unit: str) -> str:
    """A signed interval bound (no unit word: the sentence already names it)."""
    if unit in _POUND_UNITS:
        shown = round_half_up(value, 100)
        return ("-" if shown < 0 else "") + f"£{abs(shown):,.0f}"
    shown = round_half_up(value, 0.1)
    return f"{shown:.1f}" if shown != 0 else "0.0"


def plain_language_summary(result: ImpactResult, outcome_label: str, unit: str | None = None) -> str:
    """GSS-style sentences on the estimate, its interval and the pre-trend check.

    Only the estimate, its interval, the pre-trend p-value and a count of excluded cells are cited: never a cell
    value, and never anything from an excluded cell. `unit` is 'pp' (or '%') or '£'; None takes it from the kind.
    """
    unit = (unit or ("pp" if result.kind == "rate" else "£")).strip()
    unit = unit.lower() if unit.lower() in _PP_UNITS | _POUND_UNITS else unit
    start = period_label(result.intervention_start)
    treated, comparison = result.treated_label, result.comparison_label
    level = f"{result.confidence * 100:g}%"
    sentences: list[str] = []

    if result.estimate is None or result.ci_low is None or result.ci_high is None:
        reason = result.unavailable_reason or "not enough usable data"
        sentences.append(f"The effect on {outcome_label} could not be estimated: {reason}.")
    elif result.is_clear:
        sentences.append(_clear_effect_sentence(result, outcome_label, unit, start, level))
    else:
        signed = ("-" if result.estimate < 0 and _format_bound(result.estimate, unit) != "0.0" else "") + (
            _format_amount(result.estimate, unit)
        )
        sentences.append(
            f"No clear effect: from {start}, the gap in {outcome_label} between {treated} and {comparison} changed "
            f"by {signed} ({level} CI {_format_bound(result.ci_low, unit)} to {_format_bound(result.ci_high, unit)}), "
            "and the interval includes no change."
        )

    trend = result.pre_trend
    if trend.p_value is None:
        if trend.df == 0:
            sentences.append(
                "Parallel trends could not be checked: there were not enough years before the start (at least two "
                "are needed), so the estimate rests on an untested assumption."
            )
        else:
            sentences.append("Parallel trends could not be checked.")
    elif trend.flagged:
        sentences.append(
            f"Treat this with caution: the gap was already changing before {start} ({_format_p(trend.p_value)}), "
            "so part of the change may be an existing trend rather than the intervention."
        )
    else:
        sentences.append(
            f"The gap showed no clear trend before {start} ({_format_p(trend.p_value)}), which is consistent with, "
            "but does not prove, the parallel-trends assumption."
        )
    if result.excluded_cells:
        cells = "cell was" if result.excluded_cells == 1 else "cells were"
        sentences.append(f"{result.excluded_cells:,} suppressed or unavailable {cells} left out; none were estimated.")
    sentences.append("This is an observational comparison, so it cannot prove the intervention caused the change.")
    return " ".join(sentences)


def _clear_effect_sentence(result: ImpactResult, outcome_label: str, unit: str, start: str, level: str) -> str:
    assert result.estimate is not None and result.ci_low is not None and result.ci_high is not None
    treated, comparison = result.treated_label, result.comparison_label
    estimate = result.estimate
    amount = _format_amount(estimate, unit)
    # Interval for the magnitude: flip the bounds when the change is negative.
    low, high = (result.ci_low, result.ci_high) if estimate > 0 else (-result.ci_high, -result.ci_low)
    interval = f"({level} CI {_format_bound(low, unit)} to {_format_bound(high, unit)})"
    pre_gap, post_gap = result.pre_gap, result.post_gap
    if pre_gap is not None and post_gap is not None and pre_gap != 0 and (pre_gap > 0) == (post_gap > 0):
        verb = "widened" if abs(post_gap) > abs(pre_gap) else "narrowed"
        return (
            f"The gap in {outcome_label} between {treated} and {comparison} {verb} by {amount} from {start} {interval}."
        )
    direction = "rose" if estimate > 0 else "fell"
    return f"Relative to {comparison}, {outcome_label} for {treated} {direction} by {amount} from {start} {interval}."
