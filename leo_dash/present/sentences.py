"""Headline sentences in GSS style, generated from published figures only.

"Median earnings five years after graduation rose by 3.1% to £29,300 in 2022-23." Direction words follow the sign
of the change; a suppressed or missing figure is never cited: the sentence says the figure is not available instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from leo_dash.present.views import format_number
from leo_dash.sdc import round_half_up

NUMBER_WORDS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
}


def number_word(n: int) -> str:
    """GSS style spells out one to nine (and ten in LEO's 'ten years after graduation')."""
    return NUMBER_WORDS.get(n, f"{n:,}")


def years_after_phrase(years: int | str, event: str = "graduation") -> str:
    n = int(years)
    return f"{number_word(n)} {'year' if n == 1 else 'years'} after {event}"


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def upper_first(text: str) -> str:
    """Capitalise the first letter only ('median earnings' -> 'Median earnings'; 'FSM' stays)."""
    return text[:1].upper() + text[1:] if text else text


def in_sentence(text: str) -> str:
    """Lower-case the first letter inside a sentence, unless the first word is an acronym (FSM, POLAR4), a single
    letter or holds a digit."""
    first = text.split(" ", 1)[0]
    if len(first) <= 1 or first[1:2].isupper() or any(ch.isdigit() for ch in first):
        return text
    return text[:1].lower() + text[1:]


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c' (no Oxford comma, as GOV.UK style)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def change_sentence(
    measure: str,
    unit: str,
    current: float | None,
    previous: float | None,
    period: str,
    *,
    previous_period: str | None = None,
    dp: int | None = None,
) -> str:
    """One sentence on the latest value and its change. Rates change in percentage points, money and counts in %.

    `current`/`previous` are None when suppressed or unavailable; such a value is never cited.
    """
    dp = dp if dp is not None else (1 if unit == "%" else 0)
    subject = _sentence_case(measure)
    if current is None:
        return f"{subject} for {period} is not available (suppressed or not published)."
    now = format_number(current, unit, dp)
    if previous is None:
        since = f" in {previous_period}" if previous_period else ""
        return f"{subject} was {now} in {period}; no comparison with the previous year is possible because the figure{since} is not available."
    if unit == "%":
        change = round_half_up(current - previous, 10**-dp if dp else 1)
        size = f"{format_number(abs(change), '', dp)} percentage {'point' if abs(change) == 1 else 'points'}"
    else:
        if previous == 0:
            return f"{subject} was {now} in {period}."
        change = round_half_up((current - previous) / previous * 100, 0.1)
        size = f"{format_number(abs(change), '', 1)}%"
    if change == 0:
        return f"{subject} was unchanged at {now} in {period}."
    direction = "rose" if change > 0 else "fell"
    return f"{subject} {direction} by {size} to {now} in {period}."
