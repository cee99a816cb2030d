"""Disclosure control: every frame about to be shown or exported passes through here (data standard §4).

Frames follow the project convention: each numeric indicator column `col` is Float64, null where a symbol stands,
and `status_column(col)` (String) holds that symbol (null = a number is shown).

Where each rule is enforced:

- D1 only published cells or safe derivations; a symbol is never filled or reversed: `protect` (a symbol always wins
  over a number, a null always gets a reason), `aggregate` (a contributor's symbol carries into the derived cell).
- D2 symbols are missing-with-reason: `protect` and `aggregate` make every indicator column leave with its status
  column; views/charts render the label from `model.SYMBOL_LABELS`.
- D3 derived counts rounded half-up to the source base, `c` below the minimum: `aggregate`, `derived_count`.
- D4 derived shares need numerator >= 3 and denominator >= 6, shown to `rate_dp` dp: `aggregate`, `share`;
  `suppress_unverifiable` hides a share or earnings figure whose base secondary suppression hid.
- D5 earnings published only, rounded to £100, `c` on a small base, min/max columns hidden (by name or label,
  `is_single_person_extreme`, whatever the catalogue says): `protect`; `aggregate` never derives them.
- D6 nothing that recovers a suppressed cell: for published cells, decided once per table by
  `leo_dash.protection` when the table is prepared (every view reads the protected table); here, for derived
  figures: `aggregate` (a derived figure with a `c` contributor is `c`) and `suppress_derived` (a derived total
  and all its derived parts shown with exactly one part `c`, along the hierarchies a view gives).
- D7 provider views only from approved provider files: enforced by `leo_dash.catalogue` (only approved tables load)
  and `leo_dash.query` (no grouping finer than the file); not here.
- D8 half-up rounding (never banker's): `round_half_up`, `round_half_up_expr`.
- D9 a derived 0% or 100% on a base under `class_disclosure_base` is `c`: `aggregate`, `share`; a published one
  too (`protect`), with `class_disclosure_note` saying why.
- D10 downloads match the screen: enforced in `leo_dash.export` (one view rendered both ways); `assert_same_cells`
  is the helper its tests use.

`check_visible` re-checks any frame against these rules and `guard` raises on a violation: the last step before a
frame leaves the core. Typical use: published rows of the protected table -> `protect` -> `guard(derived=False)`;
grouped rows -> `aggregate` -> `suppress_derived` -> `guard(derived=True)`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import polars as pl

from leo_dash.model import SYMBOL_LABELS, DisclosureProfile, Indicator, status_column

SUPPRESSED = "c"
NOT_AVAILABLE = "x"
N_ROWS = "n_rows"  # aggregate's column: how many input rows each derived row combines
N_EXCLUDED = "n_excluded"  # aggregate's column (published_cells_only): input rows left out for carrying a symbol
# A base carrying one of these is small or secret, so no earnings figure may rest on it.
SMALL_BASE_SYMBOLS: tuple[str, ...] = ("c", "low", "k")
# A derived cell whose contributors all carry the same one of these keeps it; other mixes become "x".
_INHERITED_SYMBOLS: tuple[str, ...] = ("x", "z")
# Float error when comparing a numerator estimated from rounded inputs with its threshold.
_NUMERATOR_TOLERANCE = 1e-9
_TMP = "__sdc_"  # prefix of scratch columns; never left in an output frame


class DisclosureError(Exception):
    """A frame about to leave the core breaks a disclosure rule; `violations` lists what and where."""

    def __init__(self, violations: Sequence[str]) -> None:
        self.violations = list(violations)
        super().__init__("Disclosure control refused this output:\n- " + "\n- ".join(self.violations))


# --------------------------------------------------------------------------------------------------------------
# D8 rounding


def round_half_up(value: float, base: float = 1) -> float:
    """Round to the nearest multiple of `base`, halves away from zero (D8: never banker's rounding)."""
    steps = (Decimal(str(value)) / Decimal(str(base))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(steps * Decimal(str(base)))


_MAX_SCALE = 22  # 10**22 is the largest power of ten a float holds exactly
_SIGNIFICANT_DIGITS = 15  # digits of a value taken as exact (a float keeps 15); beyond that it carries only noise
_INT_CAP = 4 * 10**18  # keeps 2*X + B inside Int64; a base this large (scaled) rounds everything to 0 anyway


def round_half_up_expr(expr: pl.Expr, base: float) -> pl.Expr:
    """Vectorised `round_half_up`: nearest multiple of `base`, halves away from zero, without float error.

    Each value is read as the decimal it stands for (15 significant digits, so 0.15 is 0.15, not
    0.1499999999999999944), scaled to an integer, and divided by the scaled base in integer arithmetic: 2.5 -> 3,
    -2.5 -> -3, 0.15 at 0.1 -> 0.2, 12.5 at 5 -> 15. Nulls, NaN and infinities pass through unchanged; a value too
    large to hold the base's decimals (|x| >= 10**(15 - decimals of base)) is rounded in plain float arithmetic.

    The arithmetic runs in NumPy on each batch: the same steps as a Polars expression cost ~3 ms of query
    planning per column even on a few rows, which every view paid several times over.
    """
    base_decimal = Decimal(str(base)).normalize()
    if not base_decimal.is_finite() or base_decimal <= 0:
        raise ValueError(f"Rounding base must be a positive number, not {base!r}.")
    rounder = _HalfUpRounder(base_decimal)
    return expr.cast(pl.Float64).map_batches(rounder, return_dtype=pl.Float64, is_elementwise=True)


class _HalfUpRounder:
    """The arithmetic of `round_half_up_expr` for one base, on a Polars Series of floats."""

    def __init__(self, base: Decimal) -> None:
        self.base = float(base)
        self.places = max(0, -int(base.as_tuple().exponent))  # decimals in the base (0.1 -> 1)
        scales = range(_MAX_SCALE + 1)
        # Exact tables: 10**s as a float is exact up to 10**22; the scaled base is an integer at scales >= places.
        self.power_of_ten = np.array([float(10**s) for s in scales], dtype=np.float64)
        self.scaled_base = np.array(
            [min(int(base.scaleb(s)), _INT_CAP) if s >= self.places else 1 for s in scales], dtype=np.int64
        )
        self.exact_below = float(10 ** (_SIGNIFICANT_DIGITS - self.places))

    def __call__(self, series: pl.Series) -> pl.Series:
        values = series.to_numpy(allow_copy=True).astype(np.float64, copy=False)  # nulls arrive as NaN
        out = values.copy()
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            finite = np.isfinite(values)
            exact = finite & (np.abs(values) < self.exact_below)
            magnitude = np.where(exact, np.abs(values), 0.0)
            # As many decimals as keep 15 significant digits (log10(0) = -inf clips to the maximum).
            digits = np.floor(np.log10(magnitude))
            scale = np.clip((_SIGNIFICANT_DIGITS - 1) - np.nan_to_num(digits, neginf=-1e9), self.places, _MAX_SCALE)
            scale = scale.astype(np.int64)
            power = self.power_of_ten[scale]
            scaled = magnitude * power
            whole = np.floor(scaled)
            scaled_value = np.where(scaled - whole >= 0.5, whole + 1, whole).astype(np.int64)  # half away from 0
            base_int = self.scaled_base[scale]
            steps = (2 * scaled_value + base_int) // (2 * base_int)  # half-up on non-negative integers
            rounded = (steps * base_int).astype(np.float64) / power
            signed = np.where(rounded == 0, 0.0, np.where(values < 0, -rounded, rounded))  # no "-0"
            approx = values / self.base
            approx_steps = np.where(approx >= 0, np.floor(approx + 0.5), -np.floor(-approx + 0.5))
            out = np.where(exact, signed, np.where(finite, approx_steps * self.base, values))
        result = pl.Series(series.name, out, dtype=pl.Float64)
        return result.set(series.is_null(), None) if series.null_count() else result


def _step(dp: int) -> float:
    """The rounding base for `dp` decimal places (1 -> 0.1)."""
    return float(Decimal(1).scaleb(-dp))


# --------------------------------------------------------------------------------------------------------------
# D3 / D4 / D9 on named columns: one implementation for aggregate and the scalar helpers


def _null_str() -> pl.Expr:
    return pl.lit(None, dtype=pl.String)


def _null_float() -> pl.Expr:
    return pl.lit(None, dtype=pl.Float64)


def _scratch(column: str, what: str) -> str:
    """Name of a scratch column; never left in an output frame."""
    return f"{_TMP}{column}_{what}"


def _apply_count_rule(frame: pl.DataFrame, columns: Sequence[str], profile: DisclosureProfile) -> pl.DataFrame:
    """D3 on summed counts: reads `_scratch(c, "sum")` and any status already set (kept), writes `c` + its status.

    Below `min_count` before or after rounding is `c`."""
    if not columns:
        return frame
    frame = frame.with_columns(
        round_half_up_expr(pl.col(_scratch(c, "sum")), profile.count_base).alias(_scratch(c, "rounded"))
        for c in columns
    )
    frame = frame.with_columns(
        pl.coalesce(
            pl.col(status_column(c)),
            pl.when(pl.col(_scratch(c, "sum")).is_null())
            .then(pl.lit(NOT_AVAILABLE))
            .when(
                (pl.col(_scratch(c, "sum")) < profile.min_count) | (pl.col(_scratch(c, "rounded")) < profile.min_count)
            )
            .then(pl.lit(SUPPRESSED)),
        ).alias(status_column(c))
        for c in columns
    )
    return frame.with_columns(
        pl.when(pl.col(status_column(c)).is_null()).then(pl.col(_scratch(c, "rounded"))).alias(c) for c in columns
    )


def _apply_share_rule(
    frame: pl.DataFrame, rates: Sequence[tuple[str, str | None]], profile: DisclosureProfile
) -> pl.DataFrame:
    """D4 + D9 on derived shares in percent: for each (rate, base column or None) reads `_scratch(rate, "num")`,
    `_scratch(rate, "den")` and any status already set (kept), writes the rate + its status. A rate whose derived
    base is hidden is `c` too."""
    if not rates:
        return frame
    frame = frame.with_columns(
        round_half_up_expr(pl.col(_scratch(r, "num")) / pl.col(_scratch(r, "den")) * 100, _step(profile.rate_dp)).alias(
            _scratch(r, "shown")
        )
        for r, _ in rates
    )

    def status(rate: str, base: str | None) -> pl.Expr:
        numerator, denominator = pl.col(_scratch(rate, "num")), pl.col(_scratch(rate, "den"))
        base_hidden = pl.col(status_column(base)).is_not_null() if base else pl.lit(False)
        rule = (
            pl.when(numerator.is_null() | denominator.is_null())
            .then(pl.lit(NOT_AVAILABLE))
            .when(
                base_hidden
                | (numerator < profile.share_min_numerator - _NUMERATOR_TOLERANCE)
                | (denominator < profile.share_min_denominator)
            )
            .then(pl.lit(SUPPRESSED))
            .when(  # D9 class disclosure
                pl.col(_scratch(rate, "shown")).is_in([0.0, 100.0]) & (denominator < profile.class_disclosure_base)
            )
            .then(pl.lit(SUPPRESSED))
        )
        return pl.coalesce(pl.col(status_column(rate)), rule).alias(status_column(rate))

    frame = frame.with_columns(status(r, b) for r, b in rates)
    return frame.with_columns(
        pl.when(pl.col(status_column(r)).is_null()).then(pl.col(_scratch(r, "shown"))).alias(r) for r, _ in rates
    )


def derived_count(value: float | None, profile: DisclosureProfile) -> tuple[float | None, str | None]:
    """D3 for one derived count: (rounded value, None), or (None, "c") below the minimum, or (None, "x") if None."""
    frame = pl.DataFrame(
        {_scratch("v", "sum"): [value], status_column("v"): [None]},
        schema={_scratch("v", "sum"): pl.Float64, status_column("v"): pl.String},
    )
    row = _apply_count_rule(frame, ["v"], profile).row(0, named=True)
    return row["v"], row[status_column("v")]


def share(
    numerator: float | None, denominator: float | None, profile: DisclosureProfile
) -> tuple[float | None, str | None]:
    """D4 + D9 for one derived share, in percent to `profile.rate_dp` dp: (value, None) or (None, symbol)."""
    frame = pl.DataFrame(
        {_scratch("v", "num"): [numerator], _scratch("v", "den"): [denominator], status_column("v"): [None]},
        schema={_scratch("v", "num"): pl.Float64, _scratch("v", "den"): pl.Float64, status_column("v"): pl.String},
    )
    row = _apply_share_rule(frame, [("v", None)], profile).row(0, named=True)
    return row["v"], row[status_column("v")]


# --------------------------------------------------------------------------------------------------------------
# Value + status normalisation (D1, D2)


def _status_or_missing(frame: pl.DataFrame, column: str) -> pl.Expr:
    """The status of `column`, treating a null with no status column as not available."""
    name = status_column(column)
    if name in frame.columns:
        return pl.col(name)
    return pl.when(pl.col(column).is_null()).then(pl.lit(NOT_AVAILABLE)).otherwise(_null_str())


def _with_status(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """Give each column a status column; a symbol wins over a number (D1); a null without a reason becomes `x`."""
    values: dict[str, pl.Expr] = {}
    for column in dict.fromkeys(columns):
        dtype = frame.schema[column]
        value = pl.col(column)
        if dtype.is_float():
            value = value.fill_nan(None)  # NaN is neither a number nor a symbol
        values[column] = value.cast(pl.Float64) if dtype.is_numeric() else value
    if not values:
        return frame
    frame = frame.with_columns(
        pl.when(_given_status(frame, c).is_null() & value.is_null())
        .then(pl.lit(NOT_AVAILABLE))
        .otherwise(_given_status(frame, c))
        .alias(status_column(c))
        for c, value in values.items()
    )
    return frame.with_columns(
        pl.when(pl.col(status_column(c)).is_null()).then(value).otherwise(None).alias(c) for c, value in values.items()
    )


def _given_status(frame: pl.DataFrame, column: str) -> pl.Expr:
    name = status_column(column)
    return pl.col(name).cast(pl.String) if name in frame.columns else _null_str()


def _require_numeric(frame: pl.DataFrame, indicator: Indicator) -> None:
    if indicator.kind != "other" and not frame.schema[indicator.column].is_numeric():
        raise TypeError(
            f"Indicator {indicator.column!r} is {frame.schema[indicator.column]}, not a number column: load it "
            "through leo_dash.ees so numbers and symbols are split into value + status."
        )


def _order_columns(columns: Sequence[str], indicator_columns: Iterable[str]) -> list[str]:
    """`columns` with each indicator's status column placed right after it."""
    statuses = {status_column(c) for c in indicator_columns}
    ordered: list[str] = []
    for column in columns:
        if column in statuses:
            continue
        ordered.append(column)
        if status_column(column) in statuses:
            ordered.append(status_column(column))
    return ordered


# --------------------------------------------------------------------------------------------------------------
# D5 earnings

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
    return frame.with_columns(
        expr
        for i in earnings
        for expr in (
            pl.when(suppress[i.column])
            .then(pl.lit(SUPPRESSED))
            .otherwise(pl.col(status_column(i.column)))
            .alias(status_column(i.column)),
            pl.when(suppress[i.column])
            .then(_null_float())
            .otherwise(round_half_up_expr(pl.col(i.column), profile.earnings_base))
            .alias(i.column),
        )
    )


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

    flags = {r.column: disclosive(r) for r in rates}
    return frame.with_columns(
        expr
        for column, hide in flags.items()
        for expr in (
            pl.when(hide)
            .then(pl.lit(SUPPRESSED))
            .otherwise(pl.col(status_column(column)))
            .alias(status_column(column)),
            pl.when(hide).then(_null_float()).otherwise(pl.col(column)).alias(column),
        )
    )


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


# --------------------------------------------------------------------------------------------------------------
# Derived figures (D3, D4, D5, D6, D9)


def _inherited_status(statuses: Sequence[str]) -> pl.Expr:
    """Aggregation expression (named as the first status): the symbol a derived cell inherits from its
    contributors, else null.

    Any `c` makes the derived cell `c` (D6: a partial sum could bound the hidden cell). Contributors all `x` (or
    all `z`) keep that symbol; any other symbol means the figure cannot be computed without filling it (D1): `x`.
    """
    any_c = pl.any_horizontal([pl.col(s) == SUPPRESSED for s in statuses]).fill_null(False).any()
    any_symbol = pl.any_horizontal([pl.col(s).is_not_null() for s in statuses]).any()
    own = pl.col(statuses[0])
    same_symbol = (own.n_unique() == 1) & own.is_not_null().all() & own.first().is_in(_INHERITED_SYMBOLS)
    if len(statuses) > 1:
        same_symbol = same_symbol & pl.all_horizontal([pl.col(s).is_null() for s in statuses[1:]]).all()
    return (
        pl.when(any_c)
        .then(pl.lit(SUPPRESSED))
        .when(same_symbol)
        .then(own.first())
        .when(any_symbol)
        .then(pl.lit(NOT_AVAILABLE))
        .otherwise(_null_str())
        .alias(statuses[0])
    )


def _partial_status(statuses: Sequence[str]) -> pl.Expr:
    """Status of a figure derived from published cells only (the cells carrying a symbol are left out).

    Leaving out exactly one `c` cell is refused: with a total published elsewhere it could be recovered by
    subtraction (D6). Leaving out two or more only reveals their sum, the same protection secondary suppression
    gives. A group with no published contributor inherits its contributors' symbol.
    """
    row_has_c = pl.any_horizontal([pl.col(s) == SUPPRESSED for s in statuses]).fill_null(False)
    row_published = pl.all_horizontal([pl.col(s).is_null() for s in statuses])
    return (
        pl.when(row_has_c.sum() == 1)
        .then(pl.lit(SUPPRESSED))
        .when(row_published.sum() == 0)
        .then(_inherited_status(statuses))
        .otherwise(_null_str())
        .alias(statuses[0])
    )


def _output_indicators(frame: pl.DataFrame, indicators: Sequence[Indicator]) -> list[Indicator]:
    """Shown indicators plus the base columns rates/earnings need (a share cannot be checked without its base)."""
    shown = [i for i in indicators if not _never_shown(i)]
    present = {i.column for i in shown}
    extra: list[Indicator] = []
    for indicator in shown:
        if indicator.column not in frame.columns:
            raise ValueError(f"aggregate: indicator {indicator.column!r} is not in the frame.")
        _require_numeric(frame, indicator)
        if indicator.kind not in ("rate", "earnings"):
            continue
        if indicator.base is None or indicator.base not in frame.columns:
            raise ValueError(
                f"aggregate: {indicator.column!r} rests on base {indicator.base!r}, which must be in the frame "
                "(a derived rate is weighted by it; earnings are checked against it)."
            )
        if indicator.base not in present:
            present.add(indicator.base)
            extra.append(Indicator(column=indicator.base, label=indicator.base, kind="base"))
    return shown + extra


def aggregate(
    frame: pl.DataFrame,
    by: Sequence[str],
    indicators: Sequence[Indicator],
    profile: DisclosureProfile,
    *,
    published_cells_only: bool = False,
) -> pl.DataFrame:
    """Combine the rows of each `by` group into derived figures that pass D3-D6 and D9.

    - counts/bases: summed, rounded half-up to `count_base`, `c` below `min_count` (D3);
    - rates: sum(rate/100 * base) / sum(base) * 100, to `rate_dp` dp. The numerator is estimated from the
      published, already-rounded rate and base. `c` unless numerator >= `share_min_numerator` and
      denominator >= `share_min_denominator` (D4), when the derived base itself is `c`, or when the share
      shows 0% or 100% on a denominator under `class_disclosure_base` (D9);
    - earnings and "other" figures: never derived (D5): `x` unless the group is one row, which passes through;
      earnings then also need their base published and shown, both at least `earnings_min_base`, else `c`;
    - any contributing `c` (value or base) makes the derived figure `c` (D6).

    With `published_cells_only` (for benchmarks such as "all providers" where the source publishes no total),
    cells carrying a symbol are left out instead of hiding the whole figure, except that leaving out exactly one
    `c` cell hides it (see _partial_status); `n_excluded` then counts the rows left out of each group.

    Output: `by` columns, each indicator (plus the base of every rate/earnings indicator, added if missing) with
    its status column, and `n_rows` (input rows combined). A group of one row is treated as derived too.
    """
    by = list(by)
    outputs = _output_indicators(frame, indicators)
    data = _with_status(frame, [i.column for i in outputs])
    counts = [i.column for i in outputs if i.kind in ("count", "base")]
    rates = [(i.column, str(i.base)) for i in outputs if i.kind == "rate"]  # bases checked in _output_indicators
    published_only = [i for i in outputs if i.kind in ("earnings", "other")]

    status_rule = _partial_status if published_cells_only else _inherited_status
    aggs: list[pl.Expr] = [pl.len().alias(N_ROWS)]
    if published_cells_only:
        symbol_columns = [status_column(c) for c in counts] + [status_column(r) for r, _ in rates]
        # Published-only figures ("other", earnings) are never derived, so with none of the others nothing is left out.
        any_symbol = (
            pl.any_horizontal([pl.col(s).is_not_null() for s in symbol_columns]) if symbol_columns else pl.lit(False)
        )
        aggs.append(any_symbol.sum().cast(pl.UInt32).alias(N_EXCLUDED))
    for column in counts:
        # Nulls (the cells with a symbol) add nothing to a sum; the status rule decides whether it may be shown.
        aggs += [pl.col(column).sum().alias(_scratch(column, "sum")), status_rule([status_column(column)])]
    for column, base in rates:
        both_published = pl.col(column).is_not_null() & pl.col(base).is_not_null()
        denominator = pl.col(base).filter(both_published).sum() if published_cells_only else pl.col(base).sum()
        aggs += [
            (pl.col(column) * pl.col(base)).sum().truediv(100).alias(_scratch(column, "num")),
            denominator.alias(_scratch(column, "den")),
            status_rule([status_column(column), status_column(base)]),
        ]
    for indicator in published_only:  # one published row passes through; anything else is never derived
        column, name = indicator.column, status_column(indicator.column)
        aggs += [pl.col(column).first().alias(_scratch(column, "first")), pl.col(name).first()]
        if indicator.kind == "earnings":
            too_small = _earnings_base_too_small(data, indicator, profile, derived=True)
            aggs.append(too_small.first().alias(_scratch(column, "small")))
    grouped = data.group_by(by, maintain_order=True).agg(aggs) if by else data.select(aggs)

    # Counts before rates: a rate is `c` whenever its derived base is.
    grouped = _apply_share_rule(_apply_count_rule(grouped, counts, profile), rates, profile)

    def published_status(indicator: Indicator) -> pl.Expr:
        name = status_column(indicator.column)
        small = pl.col(_scratch(indicator.column, "small")) if indicator.kind == "earnings" else pl.lit(False)
        return (
            pl.when(pl.col(N_ROWS) != 1)
            .then(pl.lit(NOT_AVAILABLE))
            .when(pl.col(name).is_null() & small)
            .then(pl.lit(SUPPRESSED))
            .otherwise(pl.col(name))
            .alias(name)
        )

    grouped = grouped.with_columns(published_status(i) for i in published_only).with_columns(
        pl.when(pl.col(status_column(i.column)).is_null()).then(pl.col(_scratch(i.column, "first"))).alias(i.column)
        for i in published_only
    )
    grouped = _protect_earnings(grouped, published_only, profile, derived=True)  # against the derived base as shown
    columns = [*by, *(c for i in outputs for c in (i.column, status_column(i.column))), N_ROWS]
    if published_cells_only:
        columns.append(N_EXCLUDED)
    return grouped.select(columns)


# --------------------------------------------------------------------------------------------------------------
# D6 secondary suppression


def _complement_flags(
    frame: pl.DataFrame,
    parent_keys: Sequence[str],
    child_column: str,
    value_columns: Sequence[str],
    total_item: str,
    children: Sequence[Any],
) -> pl.DataFrame:
    """`frame` plus, for each value column c, `_scratch(c, "trigger")` (the row's group shows its parent and all
    children with exactly one child `c`) and `_scratch(c, "pick")` (the cell to suppress: the smallest other shown
    child, or the parent when no other child is shown)."""
    keys = list(parent_keys) or [f"{_TMP}all"]
    row = pl.col(f"{_TMP}row")
    child = pl.col(child_column)
    child_text = child.cast(pl.String)
    is_parent = (child == total_item).fill_null(False)
    is_child = child.is_in(list(children)).fill_null(False)
    complete = (child.filter(is_child).n_unique().over(keys) == len(children)) & pl.lit(len(children) > 0)

    def status(c: str) -> pl.Expr:
        return pl.col(status_column(c))

    def candidate(c: str) -> pl.Expr:
        return is_child & status(c).is_null()

    def smallest(c: str) -> pl.Expr:
        return candidate(c) & (pl.col(c) == pl.col(_scratch(c, "smallest")))

    frame = frame.with_row_index(f"{_TMP}row").with_columns(pl.lit(0).alias(f"{_TMP}all"))
    frame = frame.with_columns(
        expr
        for c in value_columns
        for expr in (
            (
                complete
                & (is_parent & status(c).is_null()).any().over(keys)
                & ((is_child & (status(c) == SUPPRESSED)).sum().over(keys) == 1)
            ).alias(_scratch(c, "trigger")),
            candidate(c).any().over(keys).alias(_scratch(c, "has_candidate")),
            pl.when(candidate(c)).then(pl.col(c)).min().over(keys).alias(_scratch(c, "smallest")),
        )
    )
    # Ties go to the first child by name, then the first row: the same cell every time (idempotent).
    frame = frame.with_columns(
        pl.when(smallest(c)).then(child_text).min().over(keys).alias(_scratch(c, "smallest_child"))
        for c in value_columns
    )
    frame = frame.with_columns(
        pl.when(smallest(c) & (child_text == pl.col(_scratch(c, "smallest_child"))))
        .then(row)
        .min()
        .over(keys)
        .alias(_scratch(c, "chosen"))
        for c in value_columns
    )
    return frame.with_columns(
        (
            pl.col(_scratch(c, "trigger"))
            & (
                (pl.col(_scratch(c, "has_candidate")) & (row == pl.col(_scratch(c, "chosen"))))
                | (~pl.col(_scratch(c, "has_candidate")) & is_parent & status(c).is_null())
            )
        )
        .fill_null(False)
        .alias(_scratch(c, "pick"))
        for c in value_columns
    )


def _child_items(frame: pl.DataFrame, child_column: str, total_item: str, children: Sequence[Any] | None) -> list:
    if children is not None:
        return [c for c in children if c != total_item]
    return sorted(v for v in frame[child_column].drop_nulls().unique().to_list() if v != total_item)


def secondary_suppress(
    frame: pl.DataFrame,
    parent_keys: Sequence[str],
    child_column: str,
    value_column: str | Sequence[str],
    total_item: str = "Total",
    *,
    children: Sequence[Any] | None = None,
) -> pl.DataFrame:
    """D6: where a parent row (`child_column == total_item`) and all its children are shown within one
    `parent_keys` group and exactly one child is `c`, also suppress the smallest other shown child (or, if no other
    child is shown, the parent), so "total minus parts" cannot recover the hidden cell.

    `children` lists the child items a complete group holds; by default every non-total item of `child_column` in
    the frame (a group missing one of them is left alone). `value_column` may name several columns, each handled
    on its own. Idempotent: a second call changes nothing.
    """
    columns = [value_column] if isinstance(value_column, str) else list(value_column)
    items = _child_items(frame, child_column, total_item, children)
    frame = _with_status(frame, columns)
    flagged = _complement_flags(frame, parent_keys, child_column, columns, total_item, items)
    pick = {c: pl.col(_scratch(c, "pick")) for c in columns}
    return flagged.with_columns(
        expr
        for c in columns
        for expr in (
            pl.when(pick[c]).then(pl.lit(SUPPRESSED)).otherwise(pl.col(status_column(c))).alias(status_column(c)),
            pl.when(pick[c]).then(_null_float()).otherwise(pl.col(c)).alias(c),
        )
    ).select(frame.columns)


Hierarchy = tuple[Sequence[str], str]  # (parent_keys, child_column) as secondary_suppress takes them


def _suppress_until_stable(
    frame: pl.DataFrame,
    hierarchies: Sequence[Hierarchy],
    value_columns: Sequence[str],
    total_item: str,
    indicators: Sequence[Indicator] = (),
) -> pl.DataFrame:
    """Secondary suppression along every hierarchy (and hiding of figures whose base got hidden) until nothing
    changes. Each pass only adds suppressions, so this stops."""
    frame = _with_status(frame, value_columns)
    statuses = [status_column(c) for c in value_columns]
    while True:
        before = frame.select(statuses)
        for parent_keys, child_column in hierarchies:
            frame = secondary_suppress(frame, parent_keys, child_column, value_columns, total_item)
        frame = suppress_unverifiable(frame, indicators)
        if frame.select(statuses).equals(before):
            return frame


def secondary_suppress_grid(
    frame: pl.DataFrame,
    filter_columns: Sequence[str],
    value_columns: Sequence[str],
    *,
    other_keys: Sequence[str] = (),
    total_item: str = "Total",
) -> pl.DataFrame:
    """D6 on a cross-tabulation: apply `secondary_suppress` along every filter dimension until nothing changes
    (a suppression made along one dimension can leave a single `c` along another, so one pass is not enough)."""
    hierarchies = [([*other_keys, *(f for f in filter_columns if f != child)], child) for child in filter_columns]
    return _suppress_until_stable(frame, hierarchies, value_columns, total_item)


def suppress_unverifiable(frame: pl.DataFrame, indicators: Sequence[Indicator]) -> pl.DataFrame:
    """A shown rate or earnings figure whose base is hidden becomes `c`: its D4/D5 safety can no longer be shown
    from the frame (this happens when secondary suppression hides a base)."""
    hide = {
        i.column: pl.col(status_column(i.column)).is_null() & _status_or_missing(frame, i.base).is_not_null()
        for i in indicators
        if i.kind in ("rate", "earnings")
        and not i.hidden
        and i.base in frame.columns
        and status_column(i.column) in frame.columns
    }
    return frame.with_columns(
        expr
        for column, hidden in hide.items()
        for expr in (
            pl.when(hidden)
            .then(pl.lit(SUPPRESSED))
            .otherwise(pl.col(status_column(column)))
            .alias(status_column(column)),
            pl.when(hidden).then(_null_float()).otherwise(pl.col(column)).alias(column),
        )
    )


def suppress_derived(
    frame: pl.DataFrame,
    indicators: Sequence[Indicator],
    *,
    hierarchies: Sequence[Hierarchy] = (),
    total_item: str = "Total",
) -> pl.DataFrame:
    """Everything a view does after `aggregate`: D6 secondary suppression on every shown indicator along each
    (parent_keys, child_column) hierarchy, plus `suppress_unverifiable`, repeated until stable. `guard` the result
    (with the same hierarchies) before it leaves the core."""
    columns = [i.column for i in indicators if not i.hidden and i.column in frame.columns]
    return _suppress_until_stable(frame, hierarchies, columns, total_item, indicators)


# --------------------------------------------------------------------------------------------------------------
# Final check


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


def _not_multiple(value: pl.Expr, base: float) -> pl.Expr:
    # A value read back through float arithmetic (76.10000000000001) is still the multiple it stands for: allow a
    # difference far below anything a published figure could show.
    return (round_half_up_expr(value, base) - value).abs() > base * 1e-9


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
            shown & _not_multiple(value, _step(profile.rate_dp)),
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
                shown & _not_multiple(value, profile.earnings_base),
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
                shown & ((value < profile.min_count) | _not_multiple(value, profile.count_base)),
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


def guard(
    frame: pl.DataFrame,
    indicators: Sequence[Indicator],
    profile: DisclosureProfile,
    *,
    derived: bool,
    hierarchies: Sequence[Hierarchy] = (),
    total_item: str = "Total",
) -> pl.DataFrame:
    """Return `frame` unchanged if `check_visible` finds nothing, else raise DisclosureError."""
    problems = check_visible(
        frame, indicators, profile, derived=derived, hierarchies=hierarchies, total_item=total_item
    )
    if problems:
        raise DisclosureError(problems)
    return frame


# --------------------------------------------------------------------------------------------------------------
# D10 helper


def _cell(value: Any) -> Any:
    """A comparable form of one cell: symbol or text as str, numbers (also numeric text) as float, blank as None."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = str(value).strip()
    if text == "":
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return text
    return number if math.isfinite(number) else text  # "nan"/"inf" in a text column stay text


def _folded_cells(frame: pl.DataFrame) -> dict[str, list[Any]]:
    """Columns with each status folded into its value column (a symbol replaces the empty number)."""
    statuses = {c for c in frame.columns if status_column(c) in frame.columns}
    status_names = {status_column(c) for c in statuses}
    folded: dict[str, list[Any]] = {}
    for column in frame.columns:
        if column in status_names:
            continue
        values = frame[column].to_list()
        if column in statuses:
            symbols = frame[status_column(column)].to_list()
            values = [symbol if symbol is not None else value for value, symbol in zip(values, symbols, strict=True)]
        folded[column] = [_cell(v) for v in values]
    return folded


def assert_same_cells(shown: pl.DataFrame, exported: pl.DataFrame) -> None:
    """D10: raise AssertionError unless `exported` holds exactly the cells of `shown`, in the same order.

    Either frame may carry symbols in status columns or inline in the value column (as a CSV does); numbers
    compare numerically ("86" == 86.0), so only a real difference in a cell, a column or a row fails.
    """
    left, right = _folded_cells(shown), _folded_cells(exported)
    if list(left) != list(right):
        raise AssertionError(f"D10: columns differ: shown {list(left)} vs exported {list(right)}")
    if shown.height != exported.height:
        raise AssertionError(f"D10: shown has {shown.height} rows, exported {exported.height}")
    differences: list[str] = []
    for column, values in left.items():
        for row, (a, b) in enumerate(zip(values, right[column], strict=True)):
            same = (
                math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
                if isinstance(a, float) and isinstance(b, float)
                else a == b
            )
            if not same:
                differences.append(f"{column} row {row}: shown {a!r}, exported {b!r}")
    if differences:
        raise AssertionError("D10: cells differ:\n" + "\n".join(differences[:10]))
