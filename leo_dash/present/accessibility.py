"""The accessibility statement for LEO Explorer, following the structure of the GDS model statement: what the
service is, how accessible it is, how to report a problem, the enforcement procedure, compliance status, the known
issues and how the service was tested. Plain data and functions; no Streamlit (pages/accessibility.py renders it).

The known issues are also what the browser tests tolerate: an axe-core finding is excused only when it matches an
issue listed here, for the one rule and the one Streamlit-owned element named, so the statement and the tests
cannot drift apart. When a finding goes away (a Streamlit upgrade fixes it), drop the issue and its tolerance.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from leo_dash.core import paths

SERVICE_NAME = "LEO Explorer"
STANDARD = "Web Content Accessibility Guidelines (WCAG) version 2.2, level AA"
CONTACT_ENV = "LEO_ACCESSIBILITY_CONTACT"  # set by each deployment: the team that answers for it


@dataclass(frozen=True)
class TestRun:
    """How and when the service was last tested (update with every retest)."""

    tested_on: dt.date
    axe_core_version: str
    browser: str
    driver: str
    viewport: str
    method: tuple[str, ...]


LAST_TEST = TestRun(
    tested_on=dt.date(2026, 11, 29),
    axe_core_version="4.14.1",
    browser="Chromium 156 (Debian 12 package), headless",
    driver="Playwright 1.65 for Python",
    viewport="1400 by 1000 pixels",
    method=(
        "Every page in the navigation was opened with its default filters and checked with axe-core running all "
        "of its default rules (WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus its best-practice rules) once the "
        "charts had been drawn, then again with each chart's Table tab showing and with its Download tab showing.",
        "On each analysis page a filter was changed, to check that the chart follows it and that the page's "
        "address, copied into a new browser window, opens the same view.",
        "The keyboard alone was used to move through each page with the Tab key, checking that every filter in "
        "the sidebar and every page link receives focus, and that the Table tab beside each chart can be reached "
        "and opened with the arrow keys.",
        "Each chart was checked for a text alternative (a one-sentence summary announced as the chart's name and "
        "shown under it), a Table tab holding every value drawn, and a CSV download holding the same rows.",
        "The contrast of all text drawn inside the charts was measured against the white chart background, "
        "because axe-core does not check text inside SVG graphics.",
        "Names of providers and other text taken from the data were checked to show as plain text, including "
        "names that look like web page code.",
    ),
)
PREPARED_ON = dt.date(2026, 11, 29)
LAST_REVIEWED = dt.date(2026, 11, 29)


@dataclass(frozen=True)
class KnownIssue:
    """A barrier found in testing, what we do about it, and which axe-core finding (if any) it accounts for."""

    key: str
    problem: str  # what a user meets, in plain words
    criteria: tuple[str, ...]  # WCAG 2.2 success criteria it fails or may fail; () for best practice only
    mitigation: str  # what we offer instead, and what we plan
    owner: str  # whose code it is: "LEO Explorer", "Streamlit" or "Plotly"
    axe_rules: tuple[str, ...] = ()  # axe-core rules this issue explains ...
    axe_scope: str | None = None  # ... only on elements inside this Streamlit-owned element


KNOWN_ISSUES: tuple[KnownIssue, ...] = (
    KnownIssue(
        key="sidebar-navigation-list",
        problem=(
            "The list of pages in the sidebar is grouped under headings such as Explore and About the data. "
            "Streamlit, the framework LEO Explorer is built on, places those group headings directly inside the "
            "list, so screen readers may announce the wrong number of items or not treat each group as a list."
        ),
        criteria=("1.3.1 Info and Relationships (A)",),
        mitigation=(
            "Every page link has a clear name and can be reached with the Tab key. We cannot change this markup "
            "ourselves without giving up the grouping; we will check each new Streamlit release and remove this "
            "item when it is fixed."
        ),
        owner="Streamlit",
        axe_rules=("list", "listitem"),
        axe_scope='[data-testid="stSidebarNavItems"]',
    ),
    KnownIssue(
        key="toast-name",
        problem=(
            "After Add to briefing, a short confirmation appears in a corner of the screen for a few seconds. "
            "Streamlit marks it as an alert dialog without giving it a name, so a screen reader may not announce "
            "it properly."
        ),
        criteria=("4.1.2 Name, Role, Value (A)", "4.1.3 Status Messages (AA)"),
        mitigation=(
            "The confirmation only repeats what the Briefing pack page shows: every item collected is listed there. "
            "We will check each new Streamlit release and remove this item when it is fixed."
        ),
        owner="Streamlit",
        axe_rules=("aria-dialog-name",),
        axe_scope='[data-testid="stToast"]',
    ),
    KnownIssue(
        key="chart-graphics",
        problem=(
            "Charts are drawn as SVG graphics by the Plotly library. The lines, bars and points inside a chart are "
            "not described one by one to screen readers, the values shown when hovering need a mouse, and the "
            "plot area itself cannot be explored with the keyboard (the zoom and download buttons above it can)."
        ),
        criteria=("1.1.1 Non-text Content (A)", "2.1.1 Keyboard (A)"),
        mitigation=(
            "Every chart is marked as a figure named by its title, with its drawing hidden from screen readers, and "
            "a one-sentence summary of what it shows is printed under it. Next to every chart, the Table tab lists every value drawn, with "
            "suppressed values named rather than left blank, and the Download tab gives the same table as a CSV or "
            "Excel file with its source and notes. Titles, sources and notes are also written as text on the page."
        ),
        owner="Plotly",
    ),
    KnownIssue(
        key="data-grid",
        problem=(
            "Tables are shown in Streamlit's data grid, which is drawn on a canvas with a hidden table underneath "
            "for assistive technology. Only the rows in view are available to a screen reader at any one time, "
            "and long tables have to be scrolled with the arrow keys inside the grid."
        ),
        criteria=("1.3.1 Info and Relationships (A)", "2.1.1 Keyboard (A)"),
        mitigation=(
            "Every table can be downloaded as a CSV or Excel file, which a screen reader or spreadsheet can read in "
            "full. We will replace the grid with a plain HTML table for short tables if users tell us the grid is "
            "hard to use."
        ),
        owner="Streamlit",
    ),
    KnownIssue(
        key="heading-levels",
        problem=(
            "On the analysis pages, chart titles are level 4 headings that follow the page's level 1 or level 2 "
            "headings, so someone moving through the page by headings finds a level skipped."
        ),
        criteria=(),
        mitigation=(
            "Every chart title is still a heading and can be reached by heading navigation. We will make chart "
            "titles level 2 or 3 headings, depending on the page."
        ),
        owner="LEO Explorer",
    ),
)

FIXED_IN_TESTING: tuple[str, ...] = (
    "Text inside the charts (axis labels, tick labels and legends) was grey on white at a contrast ratio of about "
    "3.7 to 1. Charts now use LEO Explorer's own chart style, with near-black text on white, well above 4.5 to 1.",
    "The link to a briefing was shown in a box that scrolled sideways but could not be reached with the keyboard. "
    "The link now wraps onto several lines instead.",
    "Every page had the same browser title, LEO Explorer. Each page now has its own title, such as "
    "'Subject earnings – LEO Explorer'.",
    "On the Briefing pack page, item titles were bold text rather than headings, every item's buttons had the same "
    "names ('Move up', 'Remove') and removing an item was not announced. Item titles are now headings, each button "
    "names its item ('Remove item 2') and a removal is announced in a status message.",
    "At 200% zoom or on a screen 320 pixels wide the sidebar closes, but the Tab key still moved through its "
    "links and filters off screen, so focus could not be seen. A closed sidebar is now out of the Tab order until "
    "it is opened.",
    "Lines and groups in charts were told apart by colour alone. Each line or group now also has its own marker "
    "shape (circle, square, diamond and so on), dashed or dotted where it is a reference or a limit, and "
    "highlighted providers are labelled with their names on the funnel plot.",
    "Some chart shapes had too little contrast against white: the grey of other providers (1.8 to 1), the pale "
    "quartile bands and the zero line. Other providers are now a darker grey with at least 3 to 1, and each "
    "quartile band has dotted edges in its line's own colour.",
    "Screen readers read the text inside a chart's drawing in a misleading order (values top to bottom, names "
    "bottom to top) and then the summary again. The drawing is now hidden from screen readers: each chart is "
    "named by its title and the summary is read once, under it.",
)

NOT_TESTED: tuple[str, ...] = (
    "We have not yet tested with screen readers (such as NVDA, JAWS or VoiceOver), with speech recognition or "
    "screen magnification software, or at 400% zoom on a narrow screen.",
    "We have tested in Chromium only; other browsers have not yet been tested.",
    "Automated tools find only some accessibility problems. We plan a full audit against WCAG 2.2 AA, including "
    "testing with disabled users, before the service is used beyond a pilot.",
)


def axe_tolerances(issues: Sequence[KnownIssue] = KNOWN_ISSUES) -> list[tuple[str, str]]:
    """(axe rule, CSS selector of the element it is tolerated inside) for every known issue that explains an axe
    finding. Each pair excuses one rule on one element and what it contains, never the rule everywhere."""
    return [(rule, issue.axe_scope) for issue in issues if issue.axe_scope for rule in issue.axe_rules]


def compliance_status(issues: Sequence[KnownIssue] = KNOWN_ISSUES) -> str:
    """'fully', 'partially' or 'not' compliant, in the GDS model's terms: any known failure makes it partial."""
    return "partially compliant" if issues else "fully compliant"


def contact_route(contact: str | None) -> str:
    """Whom to contact: the deployment's own contact when configured, never an invented address."""
    if contact and contact.strip():
        return f"contact the team that runs this service at {contact.strip()}"
    return "contact the team that gave you access to this service (your organisation's analysis or data team)"


def contact_text(contact: str | None) -> str:
    """How to report a problem."""
    return (
        f"If you find a problem that is not listed on this page, or you think we are not meeting the accessibility "
        f"requirements, {contact_route(contact)}. Tell us the page, what you were trying to do and what happened. "
        f"We will reply to tell you what we will do about it and when."
    )


def contact_from_env(environ: Mapping[str, str]) -> str | None:
    return environ.get(CONTACT_ENV) or None


def installed_axe_version(root: Path = paths.PROJECT_ROOT) -> str | None:
    """The axe-core version package.json pins for the accessibility tests (None if it pins none)."""
    try:
        manifest = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = manifest.get("devDependencies", {}).get("axe-core") or manifest.get("dependencies", {}).get("axe-core")
    return str(version).lstrip("^~=") if version else None


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]  # markdown; a paragraph starting "- " is a list item


def _issue_markdown(issue: KnownIssue) -> str:
    if issue.criteria:
        criteria = f"WCAG 2.2 success criteria concerned: {'; '.join(issue.criteria)}."
    else:
        criteria = "This is not a failure of a WCAG success criterion, but it makes the page harder to use."
    return f"- **{issue.problem}** {criteria} {issue.mitigation} (Where the problem lies: {issue.owner}.)"


def statement_sections(contact: str | None = None, run: TestRun = LAST_TEST) -> tuple[Section, ...]:
    """The statement, section by section, in the order of the GDS model statement."""
    status = compliance_status()
    return (
        Section(
            "About this statement",
            (
                f"This statement applies to {SERVICE_NAME}, a dashboard for exploring Longitudinal Education "
                "Outcomes (LEO) summary statistics.",
                "We want as many people as possible to be able to use it. You should be able to:",
                "- move through every page and use every filter with a keyboard alone",
                "- get every figure in a chart as text: a summary sentence, a table and a downloadable file",
                "- read all text, including the text inside charts, at a contrast of at least 4.5 to 1",
                "We have also tried to keep the language plain: every chart title says what it shows, and the "
                "Methodology and glossary page explains the terms used. What we have not yet checked is listed under "
                "How we tested this service.",
            ),
        ),
        Section(
            "How accessible this service is",
            (
                "We know some parts are not fully accessible:",
                *(f"- {issue.problem}" for issue in KNOWN_ISSUES),
                "Each is described under Non-accessible content below, with what we offer instead.",
            ),
        ),
        Section(
            "Feedback and contact information",
            (
                "If you need a figure from LEO Explorer in another format, use the Table tab or the CSV or Excel "
                "download beside any chart. If that does not meet your needs, "
                f"{contact_route(contact)} and say what format you need.",
            ),
        ),
        Section("Reporting accessibility problems with this service", (contact_text(contact),)),
        Section(
            "Enforcement procedure",
            (
                "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector "
                "Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the accessibility "
                "regulations).",
                "If you have told us about a problem and you are not happy with our answer, you can contact the "
                "Equality Advisory and Support Service (EASS), which gives free advice on equality and human rights "
                "in England, Scotland and Wales. In Northern Ireland, contact the Equality Commission for Northern "
                "Ireland instead.",
            ),
        ),
        Section(
            "Compliance status",
            (f"{SERVICE_NAME} is {status} with the {STANDARD}, because of the non-compliances listed below.",),
        ),
        Section(
            "Non-accessible content",
            (
                "The content listed below is not accessible, for the reasons given.",
                "**Non-compliance with the accessibility regulations**",
                *(_issue_markdown(issue) for issue in KNOWN_ISSUES if issue.criteria),
                "**Disproportionate burden**",
                "We do not claim that fixing any of these problems would be a disproportionate burden.",
                "**Other problems we know about**",
                *(_issue_markdown(issue) for issue in KNOWN_ISSUES if not issue.criteria),
            ),
        ),
        Section(
            "What we fixed while testing",
            tuple(f"- {fix}" for fix in FIXED_IN_TESTING),
        ),
        Section(
            "How we tested this service",
            (
                f"The service was last tested on {long_date(run.tested_on)} by the {SERVICE_NAME} development team, "
                f"with automated browser tests that run with every change to the code.",
                f"- Browser: {run.browser}, driven by {run.driver}, in a window of {run.viewport}.",
                f"- Automated checks: axe-core {run.axe_core_version}. A page fails when axe-core finds any "
                "problem of serious or critical impact that is not one of the known issues above.",
                *(f"- {step}" for step in run.method),
                "What we have not yet tested:",
                *(f"- {gap}" for gap in NOT_TESTED),
            ),
        ),
        Section(
            "Preparation of this accessibility statement",
            (
                f"This statement was prepared on {long_date(PREPARED_ON)}. It was last reviewed on "
                f"{long_date(LAST_REVIEWED)}.",
            ),
        ),
    )


def section_markdown(section: Section) -> str:
    """A section's paragraphs as markdown, keeping consecutive list items in one list."""
    out = ""
    for paragraph in section.paragraphs:
        if out:
            joined_list = paragraph.startswith("- ") and out.rsplit("\n", 1)[-1].startswith("- ")
            out += "\n" if joined_list else "\n\n"
        out += paragraph
    return out
