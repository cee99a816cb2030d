"""Published cells made safe to show (`protect`): D5 earnings (min/max columns hidden, rounding, small bases) and
D9 on published rates, with the footnote that explains it."""

from __future__ import annotations

import re
from collections.abc import Sequence

import polars as pl

from leo_dash.core.model import DisclosureProfile, Indicator, status_column
from leo_dash.sdc.rounding import with_rounded
from leo_dash.sdc.status import _order_columns, _require_numeric, _status_or_missing, _suppressed_where, _with_status
from leo_dash.sdc.symbols import SMALL_BASE_SYMBOLS, SUPPRESSED, _null_float, _scratch

# Endpoints of a distribution are one person's value (ACRO flags them): recognised by name or label. LEO's provider
# files call them `earnings_lower` / `earnings_upper` ("Minimum Earnings" / "Maximum Earnings"), so "lower"/"upper"
# count too, unless a quartile/decile/percentile follows ("Lower Quartile of Earnings", `earnings_lower_quartile`).
_EXTREME_WORD = r"(min|max|minimum|maximum|lowest|highest|smallest|largest)"
_EXTREME_NAME = re.compile(
    rf"(^|_){_EXTREME_WORD}($|_)|(^|_)(lower|upper)(?!_?(q|quartile|quart|decile|percentile|quintile|pct)\b)($|_)"
)
_EXTREME_LABEL = re.compile(
    rf"\b{_EXTREME_WORD}\b|\b(lower|upper)\b(?!\s*(quartile|decile|percentile|quintile|quarter))", re.IGNORECASE
)


def is_single_person_extreme(column: str, label: str = "") -> bool:
    """True for a minimum/maximum column (a single person's value, D5), judged from the name and the label."""
    name = re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", column.lower())).strip("_")
    return bool(_EXTREME_NAME.search(name) or _EXTREME_LABEL.search(label))


def _never_shown(indicator: Indicator) -> bool:
    """Hidden in the catalogue, or a single-person extreme of earnings whatever the catalogue says (D5)."""
    return indicator.hidden or (
        indicator.kind in ("earnings", "other")
        and indicator.unit in ("£", "£m")
        and is_single_person_extreme(indicator.column, indicator.label)
    )


def _earnings_base_too_small(
    frame: pl.DataFrame, indicator: Indicator, profile: DisclosureProfile, *, derived: bool = False
) -> pl.Expr:
    """True where the earnings figure rests on a base under the threshold, or on a small/secret base symbol.

    For a published figure a base that is `x`/`z`/`u` cannot be checked and the publisher's decision stands; for a
    figure shown in a derived frame the base must be shown and big enough.
    """
    if indicator.base is None or indicator.base not in frame.columns:
        return pl.lit(False)  # nothing to check against: the publisher's own rule stands for published figures
    base_status = _status_or_missing(frame, indicator.base)
    unverifiable = base_status.is_not_null() if derived else base_status.is_in(SMALL_BASE_SYMBOLS)
    return (unverifiable | (pl.col(indicator.base) < profile.earnings_min_base)).fill_null(False)


def _protect_earnings(
    frame: pl.DataFrame, indicators: Sequence[Indicator], profile: DisclosureProfile, *, derived: bool = False
) -> pl.DataFrame:
    """D5 on shown earnings: `c` on a small base, else rounded half-up to `earnings_base`."""
    earnings = [i for i in indicators if i.kind == "earnings"]
    if not earnings:
        return frame
    suppress = {
        i.column: pl.col(status_column(i.column)).is_null()
        & _earnings_base_too_small(frame, i, profile, derived=derived)
        for i in earnings
    }
    rounded = {i.column: _scratch(i.column, "rounded") for i in earnings}
    frame = with_rounded(frame, {rounded[i.column]: (pl.col(i.column), profile.earnings_base) for i in earnings})
    return frame.with_columns(
        expr
        for i in earnings
        for expr in (
            pl.when(suppress[i.column])
            .then(pl.lit(SUPPRESSED))
            .otherwise(pl.col(status_column(i.column)))
            .alias(status_column(i.column)),
            pl.when(suppress[i.column]).then(_null_float()).otherwise(pl.col(rounded[i.column])).alias(i.column),
        )
    ).drop(rounded.values())


# D9 on published rates: the publisher's 0% / 100% on a tiny base tells every reader what each of those few
# people did. The note views add wherever a table has rates with bases, so a reader knows why such a cell is `c`.
CLASS_DISCLOSURE_NOTE = (
    "A published 0% or 100% resting on fewer than {n} people is shown as c (suppressed): it would reveal what "
    "every one of them did (class disclosure)."
)


def class_disclosure_note(rates_with_bases: bool, profile: DisclosureProfile) -> tuple[str, ...]:
    """The footnote explaining published-rate D9 suppression, for a view of a table with rates on bases."""
    return (CLASS_DISCLOSURE_NOTE.format(n=profile.class_disclosure_base),) if rates_with_bases else ()


def _published_base_threshold(profile: DisclosureProfile) -> float:
    """A published base below which a 0%/100% may rest on fewer than `class_disclosure_base` people: a base
    rounded to B may stand for up to B/2 fewer (a published "10" rounded to 10 may be 5), unless the publisher's
    declared profile says counts are unrounded."""
    unrounded = any(name.startswith("counts unrounded") for name in profile.publication_profile)
    return profile.class_disclosure_base + (0 if unrounded else profile.count_base / 2)


def _protect_published_rates(
    frame: pl.DataFrame, indicators: Sequence[Indicator], profile: DisclosureProfile
) -> pl.DataFrame:
    """D9 on published rates: a shown 0% or 100% whose base is under `class_disclosure_base` (or carries a
    small/secret symbol) becomes `c`. Rates without a base column in the frame are left as published."""
    rates = [i for i in indicators if i.kind == "rate" and i.unit == "%" and i.base and i.base in frame.columns]
    if not rates:
        return frame
    threshold = _published_base_threshold(profile)

    def disclosive(rate: Indicator) -> pl.Expr:
        base = str(rate.base)
        small = (pl.col(base) < threshold) | _status_or_missing(frame, base).is_in(SMALL_BASE_SYMBOLS)
        return (
            pl.col(status_column(rate.column)).is_null() & pl.col(rate.column).is_in([0.0, 100.0]) & small
        ).fill_null(False)

    return frame.with_columns(_suppressed_where({r.column: disclosive(r) for r in rates}))


def protect(frame: pl.DataFrame, indicators: Sequence[Indicator], profile: DisclosureProfile) -> pl.DataFrame:
    """Make published cells safe to show: hide min/max columns, apply the earnings rules, add status columns.

    Cells that carry a symbol are never touched (a symbol wins over any number standing beside it); a value made
    null here gets status "c"; a null that arrives without a reason gets "x". Counts are the publisher's; rates
    are too, except a 0% or 100% on a base under the class-disclosure threshold (D9), which becomes `c`.
    """
    hidden = [
        c for i in indicators if _never_shown(i) for c in (i.column, status_column(i.column)) if c in frame.columns
    ]
    frame = frame.drop(hidden)
    shown = [i for i in indicators if not _never_shown(i) and i.column in frame.columns]
    for indicator in shown:
        _require_numeric(frame, indicator)
    bases = [i.base for i in shown if i.kind in ("earnings", "rate") and i.base and i.base in frame.columns]
    bases = list(dict.fromkeys(bases))
    frame = _protect_earnings(_with_status(frame, [i.column for i in shown] + bases), shown, profile)
    frame = _protect_published_rates(frame, shown, profile)
    return frame.select(_order_columns(frame.columns, [i.column for i in shown] + bases))
