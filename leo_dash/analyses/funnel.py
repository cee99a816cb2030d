"""Funnel-plot maths: binomial control limits around a benchmark rate, and where each provider falls.

A provider's rate rests on its base (cohort size); a small provider's rate varies a lot by chance alone. The limits
p ± z·sqrt(p(1−p)/n) (normal approximation to the binomial, p the benchmark as a proportion) narrow as n grows,
so a small provider far from the benchmark can still be within them. z = 1.96 gives 95% limits (about 1 provider in
20 outside them by chance) and z = 3.09 gives 99.8% limits (about 1 in 500). Limits are clipped to 0-100%.

Over-dispersion: when providers differ for reasons other than chance (intake, local labour markets), far more than
1 in 20 fall outside binomial limits. `overdispersion` estimates the factor φ from the providers' winsorised
z-scores (Spiegelhalter, "Funnel plots for comparing institutional performance", Statistics in Medicine 2005):
z_i = (y_i − p)/√(p(1−p)/n_i), the 10% most extreme at each end pulled in to the 10th/90th percentile, and
φ = mean(z²). It counts as over-dispersion when I·φ exceeds the 95th percentile of χ² on I − 1 degrees of freedom.
Limits that allow for it are p ± z·√(φ·p(1−p)/n).

All rates here are percentages (0-100), as LEO tables publish them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import polars as pl

Z_95 = 1.96
Z_998 = 3.09
LEVELS: tuple[tuple[str, float], ...] = (("95%", Z_95), ("99.8%", Z_998))

Position = Literal[
    "Above 99.8% limit",
    "Above 95% limit",
    "Within 95% limits",
    "Below 95% limit",
    "Below 99.8% limit",
    "Not placed",
]
# Order for listing providers outside the limits (Position's own order): furthest above first, furthest below last.
POSITION_ORDER: tuple[Position, ...] = get_args(Position)
ABOVE_998, ABOVE_95, WITHIN, BELOW_95, BELOW_998, NOT_PLACED = POSITION_ORDER
OUTSIDE: tuple[Position, ...] = (ABOVE_998, ABOVE_95, BELOW_95, BELOW_998)

LOWER, UPPER = "lower", "upper"
WINSORISE = 0.10  # share of z-scores pulled in at each end before estimating φ
MIN_PROVIDERS_FOR_PHI = 10  # fewer providers cannot tell over-dispersion from chance


@dataclass(frozen=True)
class Overdispersion:
    """The over-dispersion factor of a set of providers around a benchmark."""

    phi: float  # mean winsorised z²; 1 = exactly as much spread as chance alone gives
    providers: int  # providers with a rate and a positive base, used for the estimate
    significant: bool  # I·φ above the 95th percentile of χ² on I − 1 degrees of freedom

    @property
    def factor(self) -> float:
        """What limits that allow for over-dispersion multiply the binomial variance by (never below 1)."""
        return max(1.0, self.phi) if self.significant else 1.0


def _chi_square_95(df: int) -> float:
    """95th percentile of χ² on `df` degrees of freedom (Wilson-Hilferty: within 0.5% from 10 df up)."""
    k = float(df)
    return k * (1 - 2 / (9 * k) + 1.6448536269514722 * math.sqrt(2 / (9 * k))) ** 3


def limit_column(side: str, level: str) -> str:
    """Name of a limit column, e.g. limit_column("upper", "95%") == "upper_95"."""
    return f"{side}_{level.rstrip('%').replace('.', '')}"


def _check_benchmark(benchmark: float) -> float:
    if not math.isfinite(benchmark) or not 0 <= benchmark <= 100:
        raise ValueError(f"A funnel benchmark must be a percentage from 0 to 100, not {benchmark!r}.")
    return benchmark / 100


def _check_phi(phi: float) -> float:
    if not math.isfinite(phi) or phi < 1:
        raise ValueError(f"An over-dispersion factor must be a finite number of at least 1, not {phi!r}.")
    return phi


def overdispersion(frame: pl.DataFrame, rate_column: str, base_column: str, benchmark: float) -> Overdispersion:
    """φ for the rows of `frame` with a rate and a positive base (see the module docstring)."""
    p = _check_benchmark(benchmark)
    usable = frame.filter(
        pl.col(rate_column).is_not_null() & pl.col(base_column).is_not_null() & (pl.col(base_column) > 0)
    )
    providers = usable.height
    if providers < MIN_PROVIDERS_FOR_PHI or p <= 0 or p >= 1:
        return Overdispersion(1.0, providers, False)
    base = pl.col(base_column).cast(pl.Float64)
    z = usable.select(
        ((pl.col(rate_column).cast(pl.Float64) / 100 - p) / (pl.lit(p * (1 - p)) / base).sqrt()).alias("z")
    )["z"]
    low, high = z.quantile(WINSORISE, "linear"), z.quantile(1 - WINSORISE, "linear")
    assert low is not None and high is not None
    phi = float(z.clip(low, high).pow(2).mean())  # type: ignore[arg-type]
    return Overdispersion(phi, providers, providers * phi > _chi_square_95(providers - 1))


def control_limits(benchmark: float, base: float, z: float, *, phi: float = 1.0) -> tuple[float, float] | None:
    """(lower, upper) limits in percent around `benchmark` (percent) for a provider with `base` people, the
    binomial variance multiplied by `phi` (1: chance only).

    None when the base is not a positive finite number (no limits can be drawn for it).
    """
    p = _check_benchmark(benchmark)
    _check_phi(phi)
    if not math.isfinite(base) or base <= 0:
        return None
    half_width = z * math.sqrt(phi * p * (1 - p) / base) * 100
    return max(0.0, benchmark - half_width), min(100.0, benchmark + half_width)


def limit_curve(
    benchmark: float, smallest: float, largest: float, *, points: int = 120, phi: float = 1.0
) -> pl.DataFrame:
    """The limit lines to draw: `points` bases spread evenly on a log scale from `smallest` to `largest`, with the
    lower and upper limit at each level (columns base, lower_95, upper_95, lower_998, upper_998)."""
    _check_benchmark(benchmark)
    if not (math.isfinite(smallest) and math.isfinite(largest)) or smallest <= 0 or largest < smallest:
        raise ValueError(f"Funnel bases must be positive with smallest <= largest, not {smallest!r}, {largest!r}.")
    if points < 2 or largest == smallest:
        bases = [float(smallest)] if largest == smallest else [float(smallest), float(largest)]
    else:
        step = (math.log(largest) - math.log(smallest)) / (points - 1)
        bases = [math.exp(math.log(smallest) + i * step) for i in range(points)]
        bases[0], bases[-1] = float(smallest), float(largest)  # exact end points despite float error
    return with_limits(pl.DataFrame({"base": bases}, schema={"base": pl.Float64}), "base", benchmark, phi=phi)


def with_limits(frame: pl.DataFrame, base_column: str, benchmark: float, *, phi: float = 1.0) -> pl.DataFrame:
    """`frame` plus the lower and upper limit at each level for the base in `base_column` (null where the base is
    null or not positive), the binomial variance multiplied by `phi`."""
    p = _check_benchmark(benchmark)
    _check_phi(phi)
    base = pl.col(base_column).cast(pl.Float64)
    usable = base.is_not_null() & (base > 0)
    spread = (pl.lit(phi * p * (1 - p)) / base).sqrt() * 100
    exprs: list[pl.Expr] = []
    for level, z in LEVELS:
        exprs += [
            pl.when(usable).then((benchmark - z * spread).clip(0.0, 100.0)).alias(limit_column(LOWER, level)),
            pl.when(usable).then((benchmark + z * spread).clip(0.0, 100.0)).alias(limit_column(UPPER, level)),
        ]
    return frame.with_columns(exprs)


def classify(
    frame: pl.DataFrame, rate_column: str, base_column: str, benchmark: float, *, phi: float = 1.0
) -> pl.DataFrame:
    """`frame` plus the limit columns and `position`: where each rate falls against the limits for its base
    (binomial variance multiplied by `phi`).

    A rate on a limit counts as within it. A row whose rate or base is missing (suppressed) is "Not placed".
    """
    limited = with_limits(frame, base_column, benchmark, phi=phi)
    rate = pl.col(rate_column)
    lo95, hi95 = pl.col(limit_column(LOWER, "95%")), pl.col(limit_column(UPPER, "95%"))
    lo998, hi998 = pl.col(limit_column(LOWER, "99.8%")), pl.col(limit_column(UPPER, "99.8%"))
    return limited.with_columns(
        pl.when(rate.is_null() | hi95.is_null())
        .then(pl.lit(NOT_PLACED))
        .when(rate > hi998)
        .then(pl.lit(ABOVE_998))
        .when(rate > hi95)
        .then(pl.lit(ABOVE_95))
        .when(rate < lo998)
        .then(pl.lit(BELOW_998))
        .when(rate < lo95)
        .then(pl.lit(BELOW_95))
        .otherwise(pl.lit(WITHIN))
        .alias("position")
    )


def position_counts(positions: Sequence[str]) -> dict[str, int]:
    """How many rows fall in each position, in POSITION_ORDER (positions with none are left out)."""
    counts = {p: 0 for p in POSITION_ORDER}
    for position in positions:
        counts[position] = counts.get(position, 0) + 1
    return {p: n for p, n in counts.items() if n}
