"""Impact page headline card, and finding a view by key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from leo_dash.analyses.impact_views.options import CAVEAT_PREFIX, METHOD_PREFIX, VIEW_ESTIMATE
from leo_dash.present.views import View


# --------------------------------------------------------------------------------------------------------------
# Reading the views back (for the page's headline)
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Headline:
    """What the page shows above the views, read from the estimate view so page and briefing agree."""

    estimate: str  # '+1.2 percentage points', as in the estimate view's table
    interval: str
    interval_label: str
    estimate_short: str  # '+1.2 pp': fits a metric card
    interval_short: str
    interval_basis: str  # what the interval allows for, in plain words ('' when there is no estimate)
    pre_trend: str
    pre_trend_flagged: bool
    pre_trend_run: bool
    available: bool
    caveats: tuple[str, ...]
    method: str
    summary: str


def view_by_key(views: Sequence[View], key: str) -> View:
    for view in views:
        if view.key == key:
            return view
    raise KeyError(key)


def _shorten(text: str) -> str:
    return text.replace(" percentage points", " pp")


def headline(views: Sequence[View]) -> Headline:
    view = view_by_key(views, VIEW_ESTIMATE)
    rows = {k: (item, shown) for k, item, shown in view.frame.select("key", "item", "shown").iter_rows()}
    trend_item, trend = rows["pre_trend"]
    return Headline(
        estimate=rows["estimate"][1],
        interval=rows["interval"][1],
        interval_label=rows["interval"][0],
        estimate_short=_shorten(rows["estimate"][1]),
        interval_short=_shorten(rows["interval"][1]),
        interval_basis=rows.get("interval_basis", ("", ""))[1],
        pre_trend=trend,
        pre_trend_flagged=trend_item.endswith("(flagged)"),
        pre_trend_run=not trend_item.endswith("(not run)"),
        available=rows["estimate"][1] != "Not available",
        caveats=tuple(f.removeprefix(CAVEAT_PREFIX) for f in view.footnotes if f.startswith(CAVEAT_PREFIX)),
        method=next((f.removeprefix(METHOD_PREFIX) for f in view.footnotes if f.startswith(METHOD_PREFIX)), ""),
        summary=view.summary,
    )
