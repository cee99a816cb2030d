"""Real-terms conversion of published earnings with the CPIH price index (data/cpih.csv, documented in data/cpih.md).

real = published nominal × CPIH(base year) / CPIH(figure's year), in decimal arithmetic, rounded half-up to the
nearest £100 (data standard D5/D8). It is a price adjustment of a published figure: nothing is estimated, and a
suppressed cell (null value + status symbol) stays exactly as it was.
"""

from __future__ import annotations

import csv
import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

import polars as pl

from leo_dash.core import paths
from leo_dash.core.periods import period_label

log = logging.getLogger("leo_dash.core.prices")
_LOGGED_UNVERIFIED: set[str] = set()
CPIH_PATH = paths.PROJECT_ROOT / "data" / "cpih.csv"
CPIH_NAME = "CPIH (ONS series L522, 2015=100)"
PeriodType = Literal["calendar_year", "financial_year"]
PERIOD_TYPES: tuple[str, ...] = ("calendar_year", "financial_year")
# Provenance values that count as checked; anything else makes a real-terms view carry a warning note.
VERIFIED_PROVENANCE: tuple[str, ...] = ("ons_l522", "reference_year")
REQUIRED_COLUMNS: tuple[str, ...] = ("period", "period_type", "index_2015_100", "provenance")


class PriceIndexError(ValueError):
    """The price index cannot price a figure (file unreadable, or a year it does not cover)."""


@dataclass(frozen=True)
class IndexPoint:
    """One price-index value."""

    period: str  # "2022" (calendar year) or "2022-23" (financial year)
    period_type: PeriodType
    value: Decimal
    provenance: str

    @property
    def verified(self) -> bool:
        return self.provenance in VERIFIED_PROVENANCE


@dataclass(frozen=True)
class PriceIndex:
    """A price index by calendar and/or financial year."""

    name: str
    points: tuple[IndexPoint, ...]

    def _lookup(self, period: str, period_type: str) -> IndexPoint | None:
        for point in self.points:
            if point.period == period and point.period_type == period_type:
                return point
        return None

    def point_for(self, period: int, year_type: str = "Tax year") -> IndexPoint:
        """The index value that prices a figure for `period` (202223 or 2022), per the rules in data/cpih.md.

        Two-year spans use a financial-year row for the same span when there is one; otherwise the calendar year
        holding most of their months: the start year for tax and financial years, the end year for academic years.
        """
        text = str(period)
        if len(text) == 6 and text.isdigit():
            span = period_label(period)
            point = self._lookup(span, "financial_year")
            if point is not None:
                return point
            calendar = str(int(text[:4]) + 1) if year_type.lower().startswith("academic") else text[:4]
            point = self._lookup(calendar, "calendar_year")
            if point is None:
                raise PriceIndexError(
                    f"{self.name} has no value for {span} (neither a financial-year row {span} nor calendar year "
                    f"{calendar}); add it to data/cpih.csv."
                )
            return point
        if len(text) == 4 and text.isdigit():
            point = self._lookup(text, "calendar_year")
            if point is None:
                raise PriceIndexError(f"{self.name} has no value for calendar year {text}; add it to data/cpih.csv.")
            return point
        raise PriceIndexError(f"{period!r} is not a year the price index can price (use 2022 or 202223).")

    def ratio(self, period: int, base_period: int, year_type: str = "Tax year") -> tuple[Decimal, Decimal]:
        """(index for `base_period`, index for `period`): a figure times the first over the second is in base prices."""
        return self.point_for(base_period, year_type).value, self.point_for(period, year_type).value

    def factor(self, period: int, base_period: int, year_type: str = "Tax year") -> Decimal:
        """Multiplier taking a figure for `period` to `base_period` prices (for display; conversion multiplies first)."""
        base, own = self.ratio(period, base_period, year_type)
        return base / own

    def unverified(self, periods: Iterable[int], year_type: str = "Tax year") -> list[IndexPoint]:
        """Index values used for these periods that are not yet checked against the ONS series."""
        used = {self.point_for(p, year_type) for p in periods}
        return sorted((p for p in used if not p.verified), key=lambda p: (p.period_type, p.period))


def _parse_rows(rows: Sequence[dict[str, str]], source: str) -> tuple[IndexPoint, ...]:
    points: list[IndexPoint] = []
    seen: set[tuple[str, str]] = set()
    for line, row in enumerate(rows, start=2):
        period, period_type = (row.get("period") or "").strip(), (row.get("period_type") or "").strip()
        if period_type not in PERIOD_TYPES:
            raise PriceIndexError(f"{source} row {line}: period_type must be one of {', '.join(PERIOD_TYPES)}.")
        expected = r"\d{4}" if period_type == "calendar_year" else r"\d{4}-\d{2}"
        if not re.fullmatch(expected, period):
            raise PriceIndexError(f"{source} row {line}: period {period!r} does not fit {period_type}.")
        try:
            value = Decimal((row.get("index_2015_100") or "").strip())
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or value <= 0:
            raise PriceIndexError(f"{source} row {line}: index_2015_100 must be a positive number.")
        if (period, period_type) in seen:
            raise PriceIndexError(f"{source} row {line}: {period_type} {period} appears twice.")
        seen.add((period, period_type))
        provenance = (row.get("provenance") or "").strip()
        if not provenance:
            raise PriceIndexError(f"{source} row {line}: provenance is required (see data/cpih.md).")
        points.append(IndexPoint(period, period_type, value, provenance))  # type: ignore[arg-type]
    return tuple(points)


@functools.lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> PriceIndex:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise PriceIndexError(f"{path.name} lacks column(s): {', '.join(missing)}.")
        rows = list(reader)
    return PriceIndex(CPIH_NAME, _parse_rows(rows, path.name))


def load_price_index(path: Path | None = None) -> PriceIndex:
    """The CPIH table (cached while the file is unchanged)."""
    target = (path or CPIH_PATH).resolve()
    if not target.exists():
        raise PriceIndexError(f"The price index file {target.name} is missing; real terms are not available.")
    return _load(target, target.stat().st_mtime_ns)


def _adjusted(value: float, base_index: Decimal, own_index: Decimal) -> Decimal:
    # Multiply before dividing: 300 x 100 / 120 is exactly 250, whereas 300 x (100 / 120) rounds the ratio first and
    # lands a hair under 250, which would then round the wrong way.
    return Decimal(str(value)) * base_index / own_index


def round_to_base(value: Decimal, base: int) -> Decimal:
    """Half-up to the nearest multiple of `base` (D8: never banker's rounding)."""
    step = Decimal(base)
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def real_terms_value(
    value: float | None,
    period: int,
    base_period: int,
    index: PriceIndex,
    *,
    rounding_base: int = 100,
    year_type: str = "Tax year",
) -> float | None:
    """One published figure in `base_period` prices, rounded half-up to `rounding_base`. None stays None."""
    if value is None:
        return None
    return float(round_to_base(_adjusted(value, *index.ratio(period, base_period, year_type)), rounding_base))


def to_real_terms(
    frame: pl.DataFrame,
    value_columns: Sequence[str],
    period_column: str,
    base_period: int,
    index: PriceIndex,
    *,
    rounding_base: int = 100,
    year_type: str = "Tax year",
) -> pl.DataFrame:
    """`frame` with each value column in `base_period` prices. Nulls (symbols) and status columns are untouched.

    Raises PriceIndexError naming the first year the index cannot price, before changing anything.
    """
    periods = [int(p) for p in frame[period_column].drop_nulls().unique().sort().to_list()]
    ratios = {p: index.ratio(p, base_period, year_type) for p in periods}  # raises before any change
    index.point_for(base_period, year_type)

    def convert(values: list[float | None], row_periods: list[int | None]) -> list[float | None]:
        out: list[float | None] = []
        for value, period in zip(values, row_periods, strict=True):
            if value is None:
                out.append(None)  # a symbol's null stays null
                continue
            if period is None:
                raise PriceIndexError(f"A figure in {period_column} has no year, so it cannot be priced.")
            out.append(float(round_to_base(_adjusted(value, *ratios[int(period)]), rounding_base)))
        return out

    row_periods = frame[period_column].to_list()
    return frame.with_columns(
        pl.Series(column, convert(frame[column].to_list(), row_periods), dtype=pl.Float64) for column in value_columns
    )


def prices_label(base_period: int) -> str:
    """'2022-23 prices'."""
    return f"{period_label(base_period)} prices"


def method_footnote(
    index: PriceIndex, base_period: int, *, rounding_base: int = 100, year_type: str = "Tax year"
) -> str:
    """The footnote every real-terms view carries: basis, index, year mapping and rounding."""
    if year_type.lower().startswith("academic"):
        mapping = "academic years use the calendar year they end in"
    else:
        mapping = (
            "tax years use the financial-year (April to March) average where the table has one, otherwise the "
            "calendar year they start in"
        )
    return (
        f"Real terms ({prices_label(base_period)}): each published figure is multiplied by {index.name} for "
        f"{period_label(base_period)} divided by its value for the figure's own year ({mapping}), then rounded "
        f"half-up to the nearest £{rounding_base:,}. Published figures are otherwise unchanged; suppressed figures "
        "stay suppressed."
    )


def unverified_note(points: Sequence[IndexPoint]) -> str | None:
    """A caveat for readers when any index value used has not been checked against the ONS series (None when all
    are). Plain words on screen; the operator's to-do (check data/cpih.csv) goes to the log."""
    if not points:
        return None
    listed = ", ".join(p.period for p in points)
    if listed not in _LOGGED_UNVERIFIED:  # once per process, not on every rerun
        _LOGGED_UNVERIFIED.add(listed)
        log.warning(
            "CPIH values for %s are marked unverified in data/cpih.csv: check them against ONS series L522", listed
        )
    return (
        f"Real-terms figures are provisional: the price index (CPIH) values used for {listed} have not yet been "
        "checked against the Office for National Statistics series L522."
    )
