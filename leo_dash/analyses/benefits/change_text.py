"""Change words (shared with the headline page): percentage-point and percent changes as text."""

from __future__ import annotations

from leo_dash import sdc
from leo_dash.present.views import format_number

# ---------------------------------------------------------------------------------------------------------------
# Change words (shared with the headline page)


def _step(dp: int) -> float:
    return 10.0**-dp if dp > 0 else 1.0


def rate_change(current: float, previous: float, dp: int) -> float:
    """Difference of two rates in percentage points, rounded half-up to `dp` (D8)."""
    return sdc.round_half_up(current - previous, _step(dp))


def percent_change(current: float, previous: float) -> float | None:
    """Relative change in percent to 1 dp (money, counts); None when the earlier figure is 0."""
    if previous == 0:
        return None
    return sdc.round_half_up((current - previous) / previous * 100, 0.1)


def points_text(change: float, dp: int) -> str:
    """The size of a change in percentage points: '1.2 percentage points', '1 percentage point'."""
    return format_number(abs(change), "pp", dp)


def change_words(change: float, unit: str, dp: int) -> str:
    """GSS direction words: 'up 1.2 percentage points', 'down 3.1%', 'unchanged'. `unit` is 'pp' or '%'."""
    if change == 0:
        return "unchanged"
    direction = "up" if change > 0 else "down"
    if unit == "pp":
        return f"{direction} {points_text(change, dp)}"
    return f"{direction} {format_number(abs(change), '', dp)}%"


def change_phrase(
    current: float | None, previous: float | None, unit: str, dp: int, since: str
) -> tuple[str | None, float | None]:
    """('up 1.2 percentage points from 2021-22', signed change) for a rate (unit '%': change in percentage points)
    or ('up 3.1% from 2021-22', percent change) for money and counts. (None, None) when either figure is missing:
    a suppressed figure is never used."""
    if current is None or previous is None:
        return None, None
    if unit == "%":
        change = rate_change(current, previous, dp)
        return f"{change_words(change, 'pp', dp)} from {since}", change
    relative = percent_change(current, previous)
    if relative is None:
        return None, None
    return f"{change_words(relative, '%', 1)} from {since}", relative
