"""The page's views rebuilt from its URL parameters (for briefings)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from leo_dash.analyses import page_support
from leo_dash.analyses.industry.flows import flows_view
from leo_dash.analyses.industry.shares import industries_view, subjects_view
from leo_dash.analyses.industry.spec import IndustrySpec, spec_from_params, supports
from leo_dash.core.model import TableEntry
from leo_dash.present.views import View


def views_for_params(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry], *, data_dir: Path | None = None
) -> list[View]:
    """Rebuild the page's views from its URL parameters (for briefings), over the tables the user may see."""

    def build(entry: TableEntry, spec: IndustrySpec, notes: list[str], data_dir: Path | None) -> list[View]:
        return [
            industries_view(entry, spec, notes=notes, data_dir=data_dir),
            subjects_view(entry, spec, data_dir=data_dir),
            flows_view(entry, spec, data_dir=data_dir),
        ]

    return page_support.views_from_link(params, tables, supports, spec_from_params, build, data_dir=data_dir)
