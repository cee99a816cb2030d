"""The final check: `check_visible` re-checks a frame against D1-D6 and D9, and `guard` raises `DisclosureError`
on a violation, the last step before a frame leaves the core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Required, TypedDict, Unpack

import polars as pl

from leo_dash.core.model import SYMBOL_LABELS, DisclosureProfile, Indicator, status_column
from leo_dash.sdc.cells import _earnings_base_too_small, _never_shown, _published_base_threshold
from leo_dash.sdc.rounding import _step, not_multiple_of
from leo_dash.sdc.secondary import Hierarchy, _child_items, _complement_flags
from leo_dash.sdc.status import _status_or_missing
from leo_dash.sdc.symbols import _NUMERATOR_TOLERANCE, _TMP, N_ROWS, _scratch


class DisclosureError(Exception):
    """A frame about to leave the core breaks a disclosure rule; `violations` lists what and where."""

    def __init__(self, violations: Sequence[str]) -> None:
        self.violations = list(violations)
        super().__init__("Disclosure control refused this output:\n- " + "\n- ".join(self.violations))


Check = tuple[pl.Expr, str]  # (rows that break a rule, what is broken)


def _failures(frame: pl.DataFrame, checks: Sequence[Check]) -> list[str]:
    """Evaluate every check in one pass; one sentence per broken check, naming the first rows."""
    if not checks or frame.height == 0:
        return []
    hits = frame.select(
        condition.fill_null(False).alias(f"{_TMP}{n}") for n, (condition, _) in enumerate(checks)
    ).with_row_index(f"{_TMP}row")
    problems: list[str] = []
    for n, (_, message) in enumerate(checks):
        rows = hits.filter(pl.col(f"{_TMP}{n}"))[f"{_TMP}row"].to_list()
        if rows:
            listed = ", ".join(str(r) for r in rows[:5]) + (", …" if len(rows) > 5 else "")
            problems.append(f"{message} ({len(rows)} row{'s' if len(rows) > 1 else ''}: {listed})")
    return problems


def _derived_rate_checks(frame: pl.DataFrame, indicator: Indicator, profile: DisclosureProfile) -> list[Check]:
    column = indicator.column
    value, shown = pl.col(column), pl.col(status_column(column)).is_null()
    if indicator.base is None or indicator.base not in frame.columns:
        return [(shown, f"D4: derived rate {column} is shown without its base column, so D4 cannot be checked")]
    base = pl.col(indicator.base)
    base_shown = _status_or_missing(frame, indicator.base).is_null()
    checked = shown & base_shown
    # The shown base and rate are both rounded: flag only what no unrounded pair behind them could explain.
    largest_base = base + profile.count_base / 2
    largest_numerator = (value + _step(profile.rate_dp) / 2) / 100 * largest_base
    return [
        (shown & ~base_shown, f"D4: derived rate {column} is shown where its base {indicator.base} is not"),
        (
            checked & (largest_numerator < profile.share_min_numerator - _NUMERATOR_TOLERANCE),
            f"D4: derived rate {column} rests on a numerator under {profile.share_min_numerator}",
        ),
        (
            checked & (largest_base <= profile.share_min_denominator),
            f"D4: derived rate {column} rests on a denominator under {profile.share_min_denominator}",
        ),
        (
            checked & value.is_in([0.0, 100.0]) & (base < profile.class_disclosure_base),
            f"D9: derived rate {column} shows 0% or 100% on a base under {profile.class_disclosure_base}",
        ),
        (
            shown & not_multiple_of(value, _step(profile.rate_dp)),
            f"D4: derived rate {column} is not rounded to {profile.rate_dp} dp",
        ),
    ]


def _indicator_checks(
    frame: pl.DataFrame, indicator: Indicator, profile: DisclosureProfile, *, derived: bool
) -> list[Check]:
    column, name = indicator.column, status_column(indicator.column)
    value, status = pl.col(column), pl.col(name)
    shown = status.is_null()
    checks: list[Check] = [
        (~shown & ~status.is_in(list(SYMBOL_LABELS)), f"D2: {name} holds an unknown symbol"),
        (~shown & value.is_not_null(), f"D1: {column} shows a number where a symbol stands"),
        (shown & value.is_null(), f"D2: {column} has an empty cell with no symbol"),
    ]
    if indicator.kind == "earnings":
        checks += [
            (
                shown & _earnings_base_too_small(frame, indicator, profile, derived=derived),
                f"D5: earnings {column} shown on a base under {profile.earnings_min_base}"
                + (" or a base not shown" if derived else ""),
            ),
            (
                shown & not_multiple_of(value, profile.earnings_base),
                f"D5: earnings {column} not rounded to the nearest {profile.earnings_base}",
            ),
        ]
    if not derived:
        if indicator.kind == "rate" and indicator.unit == "%" and indicator.base and indicator.base in frame.columns:
            checks.append(
                (
                    shown & value.is_in([0.0, 100.0]) & (pl.col(indicator.base) < _published_base_threshold(profile)),
                    f"D9: published rate {column} shows 0% or 100% on a base under {profile.class_disclosure_base}",
                )
            )
        return checks
    if indicator.kind in ("count", "base"):
        checks.append(
            (
                shown & ((value < profile.min_count) | not_multiple_of(value, profile.count_base)),
                f"D3: derived count {column} below {profile.min_count} or not a multiple of {profile.count_base}",
            )
        )
    elif indicator.kind == "rate":
        checks += _derived_rate_checks(frame, indicator, profile)
    else:  # earnings / other: never derived, so only a group of one published row may show a number
        single = (pl.col(N_ROWS) == 1) if N_ROWS in frame.columns else pl.lit(False)
        checks.append((shown & ~single, f"D5: {column} is derived across rows; it may only be published"))
    return checks


def check_visible(
    frame: pl.DataFrame,
    indicators: Sequence[Indicator],
    profile: DisclosureProfile,
    *,
    derived: bool,
    hierarchies: Sequence[Hierarchy] = (),
    total_item: str = "Total",
) -> list[str]:
    """Every rule broken by what `frame` would show, as readable sentences (empty = safe to show).

    `derived=True` for frames made by `aggregate` (counts, shares and earnings are then held to D3/D4/D5/D9);
    `derived=False` for published cells (the publisher's counts and rates stand; symbols and earnings are checked).
    `hierarchies` lists (parent_keys, child_column) pairs to check for D6 secondary suppression.
    Shares are checked from the shown (rounded) rate and base, so only violations no unrounded figures could
    explain are reported; `aggregate` applies D4 exactly to its unrounded sums.
    """
    problems = [
        f"D5: {i.column} is a hidden column (single-person values) and must not be shown."
        for i in indicators
        if _never_shown(i) and i.column in frame.columns
    ]
    checked: list[str] = []
    checks: list[Check] = []
    for indicator in indicators:
        if _never_shown(indicator) or indicator.column not in frame.columns:
            continue
        if status_column(indicator.column) not in frame.columns:
            problems.append(
                f"D2: {indicator.column} has no status column {status_column(indicator.column)}, "
                "so a gap cannot say why it is empty."
            )
            continue
        checked.append(indicator.column)
        checks += _indicator_checks(frame, indicator, profile, derived=derived)
    problems += _failures(frame, checks)
    for parent_keys, child_column in hierarchies:
        items = _child_items(frame, child_column, total_item, None)
        flags = _complement_flags(frame, parent_keys, child_column, checked, total_item, items)
        is_total = pl.col(child_column) == total_item
        problems += _failures(
            flags,
            [
                (
                    pl.col(_scratch(c, "trigger")) & is_total,
                    f"D6: {c} shows a {child_column} total and all its parts with exactly one part c "
                    "(needs secondary suppression)",
                )
                for c in checked
            ],
        )
    return problems


class VisibleOptions(TypedDict, total=False):
    """check_visible()'s keyword options, for the functions that pass them on (documented and defaulted there)."""

    derived: Required[bool]
    hierarchies: Sequence[Hierarchy]
    total_item: str


def guard(
    frame: pl.DataFrame, indicators: Sequence[Indicator], profile: DisclosureProfile, **options: Unpack[VisibleOptions]
) -> pl.DataFrame:
    """Return `frame` unchanged if `check_visible` finds nothing, else raise DisclosureError."""
    problems = check_visible(frame, indicators, profile, **options)
    if problems:
        raise DisclosureError(problems)
    return frame
