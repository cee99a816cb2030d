"""The analyses LEO Explorer offers, in menu order: the one registry every consumer reads.

Each analysis meets one contract (`Analysis`): a key (the page's URL name and the briefing item's page), a title, its
page file, `supports(table)`, the roles and measure it needs (to say why a table cannot be shown), and
`build_views(params, tables)`: URL parameters -> the views the page shows, through the analysis's own
`spec_from_params` (the reader of its URL parameters), `query`, disclosure control and `views.make_view` (which
checks every frame itself). Readers: the briefing pack (to rebuild items), `add`'s "which pages can show this table",
the pages' own table lists and the benchmarks. A new analysis is one entry here; nothing is looked up by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from leo_dash.analyses import (
    benefits,
    controls,
    earnings,
    impact_views,
    industry,
    institutions,
    overview,
    provider_profile,
    regional,
    subject_ranking,
)
from leo_dash.core import query
from leo_dash.core.model import TableEntry
from leo_dash.present.views import View

Params = Mapping[str, Sequence[str]]
# (URL parameters, tables the user may see) -> the views the page shows for them, built through the same query and
# disclosure-control path as the page itself.
ViewBuilder = Callable[[Params, Sequence[TableEntry]], Sequence[View]]


@dataclass(frozen=True)
class Analysis:
    """One analysis: what it can show, what it needs, and how its views are built from a link."""

    key: str  # URL path of the page (/earnings) and the page named by a briefing item
    title: str  # the menu title, also used in `add`'s verdicts
    page: str  # the page file, e.g. "pages/earnings.py"
    icon: str  # the menu icon
    section: str  # the menu section ("Explore", "Evaluate")
    supports: Callable[[TableEntry], bool]
    roles: tuple[str, ...]  # column roles the analysis needs, for the reason a table cannot be shown
    measure: str  # what it needs beyond the roles, in words
    build_views: ViewBuilder
    # The page's sidebar controls (declared, drawn by `ui.choose_in_sidebar`) and words. Every analysis has `text`
    # and one of `choose` (one table, picked first) or `choose_across` (tests/test_analyses.py checks).
    choose: controls.Chooser | None = None
    text: controls.PageText | None = None
    # Instead of `choose`: controls over every table the user may see (no table picker), e.g. a provider's profile.
    choose_across: controls.TablesChooser | None = None

    def verdict(self, entry: TableEntry) -> PageVerdict:
        """Whether this analysis can show `entry`, and if not, why (the roles it lacks, else the measure)."""
        try:
            shows = bool(self.supports(entry))
        except Exception as exc:  # an analysis that cannot judge says so rather than failing the registration
            return PageVerdict(self.title, False, f"could not be checked ({type(exc).__name__})")
        if shows:
            return PageVerdict(self.title, True, "")
        missing = [r for r in self.roles if not entry.role(r)]
        if missing:
            reason = f"no column has the role {', '.join(missing)} (give it with --role {missing[0]}=COLUMN)"
        else:
            reason = query.breakdown_reason(entry) or query.level_reason(entry) or f"the table has no {self.measure}"
        return PageVerdict(self.title, False, reason)


@dataclass(frozen=True)
class PageVerdict:
    title: str
    shows: bool
    reason: str  # empty when the page can show the table


def _impact_views(params: Params, tables: Sequence[TableEntry]) -> list[View]:
    return impact_views.build_impact_views(params, tables=tables)


ANALYSES: tuple[Analysis, ...] = (  # in menu order
    Analysis(
        "overview",
        "Headlines",
        "pages/overview.py",
        ":material/insights:",
        "Explore",
        overview.supports,
        ("time",),
        "median earnings, sustained employment or benefit-claim rate indicator",
        overview.briefing_views,
        text=overview.sidebar.TEXT,
        choose_across=overview.sidebar.choose,
    ),
    Analysis(
        "earnings",
        "Subject earnings",
        "pages/earnings.py",
        ":material/payments:",
        "Explore",
        earnings.supports,
        ("subject", "years_after", "time"),
        "median earnings indicator (£)",
        earnings.views_for_params,
        earnings.page.choose,
        earnings.page.TEXT,
    ),
    Analysis(
        "subject_ranking",
        "Subject ranking",
        "pages/subject_ranking.py",
        ":material/leaderboard:",
        "Explore",
        subject_ranking.supports,
        ("subject", "years_after", "time"),
        "median earnings indicator (£)",
        subject_ranking.views_for_params,
        subject_ranking.choose,
        subject_ranking.TEXT,
    ),
    Analysis(
        "institutions",
        "Institution performance",
        "pages/institutions.py",
        ":material/account_balance:",
        "Explore",
        institutions.supports,
        ("time", "provider_id", "provider_name"),
        "rate or earnings indicator",
        institutions.briefing_views,
        institutions.page.choose,
        institutions.page.TEXT,
    ),
    Analysis(
        "provider",
        "Provider profile",
        "pages/provider.py",
        ":material/person_search:",
        "Explore",
        provider_profile.supports,
        ("time", "provider_id", "provider_name"),
        "rate or earnings indicator",
        provider_profile.views_for_params,
        text=provider_profile.page.TEXT,
        choose_across=provider_profile.page.choose,
    ),
    Analysis(
        "industry",
        "Graduate industry",
        "pages/industry.py",
        ":material/factory:",
        "Explore",
        industry.supports,
        ("time", "subject", "years_after", "region", "industry"),
        "count of graduates living or studying in the region",
        industry.views_for_params,
        industry.page.choose,
        industry.page.TEXT,
    ),
    Analysis(
        "regional",
        "Regional mobility and earnings",
        "pages/regional.py",
        ":material/map:",
        "Explore",
        regional.supports,
        ("time", "subject", "years_after", "region", "industry"),
        "counts of graduates living in and studying in the region",
        regional.views_for_params,
        regional.choose,
        regional.TEXT,
    ),
    Analysis(
        "benefits",
        "Benefit claims",
        "pages/benefits.py",
        ":material/trending_up:",
        "Explore",
        benefits.supports,
        ("time",),
        "out-of-work benefit-claim rate indicator (%)",
        benefits.briefing_views,
        benefits.page.choose,
        benefits.page.TEXT,
    ),
    Analysis(
        "impact",
        "Intervention impact",
        "pages/impact.py",
        ":material/science:",
        "Evaluate",
        impact_views.is_eligible,
        ("time",),
        "rate or earnings indicator with a base column",
        _impact_views,
        impact_views.page.choose,
        impact_views.page.TEXT,
    ),
)

BY_KEY: dict[str, Analysis] = {a.key: a for a in ANALYSES}


def get(key: str) -> Analysis | None:
    """The analysis whose page is `key` (as named in a URL or a briefing item), or None."""
    return BY_KEY.get(key)


def page_verdicts(entry: TableEntry) -> list[PageVerdict]:
    """Every analysis's verdict on `entry`, in menu order."""
    return [analysis.verdict(entry) for analysis in ANALYSES]


def describe(entry: TableEntry) -> list[str]:
    """Lines for people: which pages can show the table, then each that cannot, with why."""
    verdicts = page_verdicts(entry)
    shown = [v.title for v in verdicts if v.shows]
    lines = [f"Pages that can show {entry.id}: {', '.join(shown) if shown else 'none'}."]
    lines += [f"  {v.title} cannot: {v.reason}." for v in verdicts if not v.shows]
    return lines
