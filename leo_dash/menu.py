"""The app's menu, in order: sections of pages, the analysis pages taken from the one registry.

Plain data (no Streamlit): `ui.navigation_pages` turns it into `st.Page`s for app.py, and the browser tests visit
exactly these pages, so a page added here is covered by them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from leo_dash.analyses import registry as analyses


@dataclass(frozen=True)
class MenuPage:
    file: str  # e.g. "pages/earnings.py"
    title: str  # the menu title
    icon: str
    url_path: str  # "" for the default page, which Streamlit serves at the app's root
    default: bool = False


def _analysis_pages(section: str) -> list[MenuPage]:
    return [MenuPage(a.page, a.title, a.icon, a.key) for a in analyses.ANALYSES if a.section == section]


MENU: dict[str, list[MenuPage]] = {
    "Explore": [
        MenuPage("pages/home.py", "Home", ":material/home:", "", default=True),
        *_analysis_pages("Explore"),
    ],
    "Evaluate": _analysis_pages("Evaluate"),
    "Brief": [MenuPage("pages/briefing.py", "Briefing pack", ":material/summarize:", "briefing")],
    "About the data": [
        MenuPage("pages/catalogue.py", "Catalogue", ":material/table_view:", "catalogue"),
        MenuPage("pages/methodology.py", "Methodology and glossary", ":material/menu_book:", "methodology"),
        MenuPage("pages/data_use.py", "How your data is used", ":material/shield_person:", "data-use"),
        MenuPage("pages/access_register.py", "Approved access register", ":material/verified:", "access-register"),
        MenuPage("pages/accessibility.py", "Accessibility statement", ":material/accessibility_new:", "accessibility"),
    ],
}


def all_pages() -> list[MenuPage]:
    """Every page of the menu, in menu order."""
    return [page for pages in MENU.values() for page in pages]
