"""Derived figures (D3, D4, D5, D6, D9): `aggregate` combines the rows of each group, and a derived cell inherits
its contributors' symbols."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from leo_dash.core.model import DisclosureProfile, Indicator, status_column
from leo_dash.sdc.cells import _earnings_base_too_small, _never_shown, _protect_earnings
from leo_dash.sdc.rules import _apply_count_rule, _apply_share_rule
from leo_dash.sdc.status import _require_numeric, _with_status
from leo_dash.sdc.symbols import (
    _INHERITED_SYMBOLS,
    N_EXCLUDED,
    N_ROWS,
    NOT_AVAILABLE,
    SUPPRESSED,
    _null_str,
    _scratch,
)


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
    aggs = _group_expressions(data, counts, rates, published_only, profile, published_cells_only=published_cells_only)
    grouped = data.group_by(by, maintain_order=True).agg(aggs) if by else data.select(aggs)

    # Counts before rates: a rate is `c` whenever its derived base is.
    grouped = _apply_share_rule(_apply_count_rule(grouped, counts, profile), rates, profile)
    grouped = _published_only_figures(grouped, published_only, profile)
    columns = [*by, *(c for i in outputs for c in (i.column, status_column(i.column))), N_ROWS]
    if published_cells_only:
        columns.append(N_EXCLUDED)
    return grouped.select(columns)


def _group_expressions(
    data: pl.DataFrame,
    counts: Sequence[str],
    rates: Sequence[tuple[str, str]],
    published_only: Sequence[Indicator],
    profile: DisclosureProfile,
    *,
    published_cells_only: bool,
) -> list[pl.Expr]:
    """`aggregate`'s per-group expressions: `n_rows` (and `n_excluded`), each count's sum, each rate's numerator and
    denominator, each published-only figure's first row, and the status each inherits from its contributors."""
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
    return aggs


def _published_only_figures(
    grouped: pl.DataFrame, published_only: Sequence[Indicator], profile: DisclosureProfile
) -> pl.DataFrame:
    """Earnings and "other" figures after grouping (D5): a group of one row shows its published value (earnings only
    on a base big enough as shown, rounded); a larger group gets `x`, since such figures are never derived."""

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
    return _protect_earnings(grouped, published_only, profile, derived=True)  # against the derived base as shown
