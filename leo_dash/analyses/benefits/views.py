"""Everything the benefits page shows: `build_views` and `briefing_views`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from leo_dash.analyses import page_support
from leo_dash.analyses.benefits.change import change_view
from leo_dash.analyses.benefits.data import BenefitData, benefit_data
from leo_dash.analyses.benefits.measures import NO_TABLE_MESSAGE, supports
from leo_dash.analyses.benefits.options import table_options
from leo_dash.analyses.benefits.spec import BenefitSpec, spec_from_params
from leo_dash.analyses.benefits.trend import trend_view
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label
from leo_dash.present.views import View

# ---------------------------------------------------------------------------------------------------------------
# Everything the page shows


@dataclass(frozen=True)
class BenefitViews:
    trend: View
    change: View | None  # None when the two chosen years are the same
    change_message: str | None = None
    data: BenefitData | None = None

    def all(self) -> list[View]:
        return [self.trend] + ([self.change] if self.change else [])


def build_views(
    entry: TableEntry, spec: BenefitSpec, *, notes: Sequence[str] = (), data_dir: Path | None = None
) -> BenefitViews:
    options = table_options(entry, data_dir=data_dir)
    data = benefit_data(entry, spec, options=options, data_dir=data_dir)
    trend = trend_view(data, notes=notes)
    start = spec.start if spec.start in options.periods else options.periods[0]
    end = spec.end if spec.end in options.periods else options.latest_period
    if start == end:
        message = f"Choose two different years to see the change: both are {period_label(start)}."
        return BenefitViews(trend, None, message, data)
    return BenefitViews(trend, change_view(data, start, end), None, data)


def briefing_views(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry] | None = None, *, data_dir: Path | None = None
) -> list[View]:
    """The views the page shows for a link's parameters (for rebuilding briefing items). `tables` are the tables
    the user may see; None means every table in the catalogue."""
    return page_views(params, tables, data_dir=data_dir).all()


def page_views(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry] | None = None, *, data_dir: Path | None = None
) -> BenefitViews:
    """The page's views for a link's parameters, with the message shown when the change has one year only."""
    if tables is None:
        tables = list(load_catalogue(data_dir))
    entry = page_support.table_for_params(params, tables, supports)
    if entry is None:
        raise LookupError(NO_TABLE_MESSAGE)
    spec, notes = spec_from_params(entry, params, data_dir=data_dir)
    return build_views(entry, spec, notes=notes, data_dir=data_dir)
