"""The pages the browser tests visit: every page in the app's menu, with what each should show.

Pages are read from the menu app.py draws, so a page added there is covered by the generic tests (loads cleanly, axe-core,
keyboard) at once; `test_every_navigation_page_has_a_case` fails until it also gets a case below saying which
filter to change and how many charts it draws.
"""

from __future__ import annotations

from dataclasses import dataclass

from leo_dash import menu


@dataclass(frozen=True)
class NavPage:
    file: str  # e.g. "pages/earnings.py"
    title: str  # its navigation title
    url_path: str  # "" for the default page, which Streamlit serves at the app's root


def navigation_pages() -> list[NavPage]:
    """Every page of the app's menu (`leo_dash.menu`, which app.py draws), in navigation order."""
    return [NavPage(p.file, p.title, p.url_path) for p in menu.all_pages()]


@dataclass(frozen=True)
class PageCase:
    heading: str  # the page's level-1 heading
    charts: int = 0  # Plotly figures drawn with the default filters
    demo: bool = False  # the default view uses a demo table: the synthetic-data banner must show
    change: str | None = None  # label of a sidebar filter to change (select box or radio)
    title_changes: bool = True  # changing it must change a chart title (else only the figure's data)
    real_table: str | None = None  # a published (non-demo) table the page can show: no synthetic-data banner


CASES: dict[str, PageCase] = {
    "pages/home.py": PageCase("LEO Explorer", demo=True),
    "pages/overview.py": PageCase("Headlines", charts=2, demo=True, change="Table", title_changes=False),
    "pages/earnings.py": PageCase("Subject earnings", charts=1, demo=True, change="Tax year"),
    "pages/subject_ranking.py": PageCase("Subject ranking", charts=1, demo=True, change="Years after graduation"),
    "pages/institutions.py": PageCase(
        "Institution performance", charts=3, demo=True, change="Tax year", real_table="fe_provider_benefits"
    ),
    "pages/provider.py": PageCase("Provider profile", charts=4, demo=True, change="Provider"),
    "pages/industry.py": PageCase("Graduate industry", charts=3, change="Years after graduation"),
    "pages/regional.py": PageCase("Regional mobility and earnings", charts=1, change="Map shows"),
    "pages/benefits.py": PageCase(
        "Benefit claims", charts=2, demo=True, change="Change from", real_table="fe_provider_benefits"
    ),
    "pages/impact.py": PageCase(
        "Intervention impact", charts=2, demo=True, change="Intervention started", real_table="fe_provider_benefits"
    ),
    "pages/briefing.py": PageCase("Briefing pack"),
    "pages/catalogue.py": PageCase("Catalogue of approved tables", demo=True, change="Table", title_changes=False),
    "pages/methodology.py": PageCase("Methodology and glossary"),
    "pages/data_use.py": PageCase("How your data is used"),
    "pages/access_register.py": PageCase("Approved access register"),
    "pages/accessibility.py": PageCase("Accessibility statement for LEO Explorer"),
}


def case_for(page: NavPage) -> PageCase | None:
    return CASES.get(page.file)


def page_id(page: NavPage) -> str:
    return page.url_path or "home"


NAV_PAGES = navigation_pages()
CHART_PAGES = [p for p in NAV_PAGES if (c := case_for(p)) is not None and c.charts]
CHANGE_PAGES = [p for p in NAV_PAGES if (c := case_for(p)) is not None and c.change]
