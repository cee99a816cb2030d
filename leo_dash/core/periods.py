"""Time periods as people read them: 202223 → "2022-23" (GSS style), and back."""

from __future__ import annotations

import re

_LABEL = re.compile(r"^(\d{4})(?:[-/](\d{2}|\d{4}))?$")


def period_label(period: int | str) -> str:
    """202223 → '2022-23'; 2022 → '2022'. Six digits are always a two-year span (academic, tax, financial)."""
    text = str(period)
    if len(text) == 6 and text.isdigit():
        return f"{text[:4]}-{text[4:]}"
    return text


def period_value(label: str) -> int:
    """'2022-23' or '2022/23' or '202223' → 202223; '2022' → 2022. Raises ValueError for anything else."""
    text = label.strip()
    if text.isdigit() and len(text) in (4, 6):
        return int(text)
    match = _LABEL.match(text)
    if not match or match.group(2) is None:
        raise ValueError(f"{label!r} is not a year such as 2022-23.")
    return int(match.group(1) + match.group(2)[-2:])


def previous_period(period: int) -> int:
    """The period one year earlier: 202223 → 202122; 2022 → 2021."""
    text = str(period)
    if len(text) == 6:
        start = int(text[:4]) - 1
        return int(f"{start}{(start + 1) % 100:02d}")
    return period - 1
