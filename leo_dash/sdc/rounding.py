"""D8 rounding: half-up (never banker's), on one number (`round_half_up`), a column (`round_half_up_series`,
`with_rounded`) or in a lazy pipeline (`round_half_up_expr`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import polars as pl


def round_half_up(value: float, base: float = 1) -> float:
    """Round to the nearest multiple of `base`, halves away from zero (D8: never banker's rounding)."""
    steps = (Decimal(str(value)) / Decimal(str(base))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(steps * Decimal(str(base)))


_MAX_SCALE = 22  # 10**22 is the largest power of ten a float holds exactly
_SIGNIFICANT_DIGITS = 15  # digits of a value taken as exact (a float keeps 15); beyond that it carries only noise
_INT_CAP = 4 * 10**18  # keeps 2*X + B inside Int64; a base this large (scaled) rounds everything to 0 anyway


def round_half_up_series(values: pl.Series, base: float) -> pl.Series:
    """Vectorised `round_half_up` on a column: nearest multiple of `base`, halves away from zero, without float error.

    Each value is read as the decimal it stands for (15 significant digits, so 0.15 is 0.15, not
    0.1499999999999999944), scaled to an integer, and divided by the scaled base in integer arithmetic: 2.5 -> 3,
    -2.5 -> -3, 0.15 at 0.1 -> 0.2, 12.5 at 5 -> 15. Nulls, NaN and infinities pass through unchanged; a value too
    large to hold the base's decimals (|x| >= 10**(15 - decimals of base)) is rounded in plain float arithmetic.

    NumPy on the whole column, outside any Polars query: the same steps as Polars expressions cost ~6 ms of query
    planning per column even on a few rows, and a Python callback inside a query (`map_batches`) can deadlock the
    server (see `with_rounded`).
    """
    return _HalfUpRounder(_checked_base(base))(values.cast(pl.Float64))


def with_rounded(frame: pl.DataFrame, rounded: Mapping[str, tuple[pl.Expr, float]]) -> pl.DataFrame:
    """`frame` with each named column set to its expression rounded half-up to its base (D8).

    The expressions run in Polars, the rounding in NumPy afterwards, never as a Python callback inside the query:
    a callback needs the GIL on a Polars worker thread while another session's thread can hold the GIL waiting for
    those same workers (Streamlit's `to_pandas` drawing a table), and that hung a whole server with six sessions.
    """
    if not rounded:
        return frame
    raw = frame.select(expr.alias(name) for name, (expr, _) in rounded.items())
    return frame.with_columns(round_half_up_series(raw[name], base) for name, (_, base) in rounded.items())


def round_half_up_expr(expr: pl.Expr, base: float) -> pl.Expr:
    """`round_half_up_series` as native Polars expressions, for lazy (streaming) pipelines such as a file's
    screening, where a frame is never at hand. Same steps, no Python callback; slower to plan, so eager code uses
    `with_rounded`."""
    base_decimal = _checked_base(base)
    places = max(0, -int(base_decimal.as_tuple().exponent))  # decimals in the base (0.1 -> 1)
    scales = range(places, _MAX_SCALE + 1)
    power_of_ten = {s: float(10**s) for s in scales}
    scaled_base = {s: min(int(base_decimal.scaleb(s)), _INT_CAP) for s in scales}
    step = float(base_decimal)
    value = expr.cast(pl.Float64)
    finite = value.is_finite()
    exact = finite & (value.abs() < float(10 ** (_SIGNIFICANT_DIGITS - places)))
    magnitude = pl.when(exact).then(value.abs()).otherwise(0.0)
    scale = (  # zero (log10 = -inf) takes the most decimals
        pl.when(magnitude > 0)
        .then((_SIGNIFICANT_DIGITS - 1) - magnitude.log10().floor())
        .otherwise(float(_MAX_SCALE))
        .clip(places, _MAX_SCALE)
        .cast(pl.Int64)
    )
    power = scale.replace_strict(power_of_ten, return_dtype=pl.Float64)
    base_int = scale.replace_strict(scaled_base, return_dtype=pl.Int64)
    scaled = magnitude * power
    whole = scaled.floor()
    scaled_value = pl.when(scaled - whole >= 0.5).then(whole + 1).otherwise(whole).cast(pl.Int64)
    rounded = (((2 * scaled_value + base_int) // (2 * base_int)) * base_int).cast(pl.Float64) / power
    signed = pl.when(rounded == 0).then(0.0).when(value < 0).then(-rounded).otherwise(rounded)  # no "-0"
    approx = value / step
    approx_steps = pl.when(approx >= 0).then((approx + 0.5).floor()).otherwise(-(-approx + 0.5).floor())
    result = pl.when(exact).then(signed).when(finite).then(approx_steps * step).otherwise(value)
    name = expr.meta.output_name(raise_if_undetermined=False)  # else a when/then chain is named "literal"
    return result if name is None else result.alias(name)


def not_multiple_of(number: pl.Expr, step: float) -> pl.Expr:
    """True where `number` is not a whole number of `step`s (null counts as a multiple); native, streams."""
    # Counted in steps, so a decimal such as 0.3 is a multiple of 0.1 despite float error: scaling by a power of ten
    # (exact) leaves an error of about 1e-16 of the value, far inside the 1e-9-step tolerance (which grows with the
    # value where float precision runs out). Whether halves go up or to even does not matter here: a half is not a
    # multiple either way.
    steps = number * float(round(1.0 / step)) if step < 1 else number / step
    off = (steps - steps.round()).abs()
    return (off > pl.max_horizontal(pl.lit(1e-9), steps.abs() * 4e-16)).fill_null(False)


def _checked_base(base: float) -> Decimal:
    base_decimal = Decimal(str(base)).normalize()
    if not base_decimal.is_finite() or base_decimal <= 0:
        raise ValueError(f"Rounding base must be a positive number, not {base!r}.")
    return base_decimal


class _HalfUpRounder:
    """The arithmetic of `round_half_up_series` for one base, on a Polars Series of floats."""

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
