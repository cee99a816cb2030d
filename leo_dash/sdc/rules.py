"""D3 / D4 / D9 on named columns: one implementation for `aggregate` and the scalar helpers `derived_count` and
`share`."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from leo_dash.core.model import DisclosureProfile, status_column
from leo_dash.sdc.rounding import _step, with_rounded
from leo_dash.sdc.symbols import _NUMERATOR_TOLERANCE, NOT_AVAILABLE, SUPPRESSED, _scratch


def _apply_count_rule(frame: pl.DataFrame, columns: Sequence[str], profile: DisclosureProfile) -> pl.DataFrame:
    """D3 on summed counts: reads `_scratch(c, "sum")` and any status already set (kept), writes `c` + its status.

    Below `min_count` before or after rounding is `c`."""
    if not columns:
        return frame
    frame = with_rounded(
        frame, {_scratch(c, "rounded"): (pl.col(_scratch(c, "sum")), profile.count_base) for c in columns}
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
    frame = with_rounded(
        frame,
        {
            _scratch(r, "shown"): (
                pl.col(_scratch(r, "num")) / pl.col(_scratch(r, "den")) * 100,
                _step(profile.rate_dp),
            )
            for r, _ in rates
        },
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
