"""Page logic for the "About the data" pages: the catalogue of approved tables, methodology and glossary, how
personal data is used, and the approved access register. Plain functions and text; no Streamlit.

The glossary and methodology follow the project's data standard (§3 symbols, §4 disclosure rules, §5 LEO
definitions), written for people using the dashboard.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from leo_dash import query
from leo_dash.access import ApprovedProject
from leo_dash.model import (
    CONTROLLERS,
    MEASURES,
    PROVIDER_TYPE_MEANINGS,
    SYMBOL_LABELS,
    SYMBOL_MEANINGS,
    UNIT_ITEM_VALUES,
    DisclosureProfile,
    TableEntry,
)
from leo_dash.store import PreparedTable

log = logging.getLogger("leo_dash.governance")

OVERDUE_MARK = "overdue"

ROLE_LABELS: dict[str, str] = {
    "time": "Time period",
    "provider_id": "Provider identifier (UKPRN)",
    "provider_name": "Provider name",
    "provider_type": "Provider type",
    "subject": "Subject",
    "years_after": "Years after study",
    "characteristic_type": "Characteristic (type)",
    "characteristic_value": "Characteristic (value)",
    "region": "Region",
    "cohort": "Cohort",
}
KIND_LABELS: dict[str, str] = {
    "count": "Count",
    "base": "Count (base for rates)",
    "rate": "Percentage",
    "earnings": "Earnings",
    "other": "Measure",
}


# ---------------------------------------------------------------------------------------------------- catalogue


def controller_names(entry: TableEntry) -> str:
    return ", ".join(CONTROLLERS.get(c, c) for c in entry.controllers)


def review_text(entry: TableEntry, today: dt.date | None = None) -> str:
    """'31 July 2027', or '31 July 2025 (overdue)' once the date has passed."""
    text = f"{entry.next_review:%d %B %Y}".lstrip("0")
    return f"{text} ({OVERDUE_MARK})" if entry.is_overdue(today) else text


def disclosure_summary(profile: DisclosureProfile) -> str:
    """The table's disclosure profile in one sentence a reader can check against a figure."""
    return (
        f"Counts rounded to the nearest {profile.count_base}; a derived count under {profile.min_count} is "
        f"suppressed. A derived percentage needs a numerator of at least {profile.share_min_numerator} and a base of "
        f"at least {profile.share_min_denominator}, and a derived 0% or 100% on a base under "
        f"{profile.class_disclosure_base} is suppressed; derived percentages are shown to {profile.rate_dp} decimal "
        f"place(s). Earnings are published figures only, rounded to the nearest £{profile.earnings_base:,}, and "
        f"suppressed when fewer than {profile.earnings_min_base} people are behind them."
    )


def protection_text(report: Mapping[str, object]) -> str:
    """What the table-level protection pass hid in a table, for readers of the catalogue."""
    hidden = int(str(report.get("cells_hidden", 0)))
    if not hidden:
        return (
            "No further cells needed hiding: no suppressed figure in this table can be worked out from the figures "
            "shown."
        )
    on_base = int(str(report.get("on_hidden_base", 0)))
    subtraction = hidden - on_base
    parts = [f"{subtraction:,} because with the others shown they would reveal a suppressed figure by subtraction"]
    if on_base:
        parts.append(f"{on_base:,} because the number of people they rest on is hidden")
    return (
        f"Besides the publisher's own suppression, LEO Explorer hides {hidden:,} more cells in this table: "
        + "; ".join(parts)
        + ". They are hidden in every view, download and briefing, the same way"
        + (
            ", checked by working through every sum and by a linear program."
            if "linear program" in str(report.get("attackers", ""))
            else ", checked by working through every sum."
        )
    )


def row_count(entry: TableEntry, prepare: Callable[[TableEntry], PreparedTable]) -> int | None:
    """Rows of the screened table, or None when it cannot be loaded here (logged, never raised)."""
    try:
        return int(prepare(entry).rows)
    except Exception:
        log.warning("row count unavailable for %s", entry.id, exc_info=True)
        return None


CATALOGUE_COLUMNS: tuple[str, ...] = (
    "Table",
    "Id",
    "Data",
    "Publication",
    "Controllers",
    "Licence",
    "Released",
    "Next review",
    "Access",
    "Rows",
)


def catalogue_overview(
    tables: Sequence[TableEntry], *, rows: Mapping[str, int | None], today: dt.date | None = None
) -> pl.DataFrame:
    """One row per approved table the user may see."""
    records = [
        {
            "Table": e.title,
            "Id": e.id,
            "Data": "Synthetic demo data" if e.demo else "Published statistics",
            "Publication": e.publication or ("LEO Explorer demo generator" if e.demo else ""),
            "Controllers": controller_names(e),
            "Licence": e.licence,
            "Released": f"{e.release_date:%d %B %Y}".lstrip("0"),
            "Next review": review_text(e, today),
            "Access": "Public" if e.access == "public" else "Restricted",
            "Rows": f"{rows[e.id]:,}" if rows.get(e.id) is not None else "not loaded",
        }
        for e in tables
    ]
    return pl.DataFrame(records, schema=dict.fromkeys(CATALOGUE_COLUMNS, pl.String))


def meta_labels(entry: TableEntry) -> dict[str, str]:
    """Column labels from the tables' .meta.csv files (first file wins); {} for a file that cannot be read."""
    return query.column_labels(entry)


COLUMN_COLUMNS: tuple[str, ...] = ("Column", "Label", "Role", "Details")


def column_rows(entry: TableEntry, labels: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Every column the dashboard uses: its label, the role it plays, and for measures the unit and base."""
    labels = labels or {}
    records: list[dict[str, str]] = []
    seen: set[str] = set()
    for role, column in entry.roles.items():
        records.append(
            {
                "Column": column,
                "Label": labels.get(column, ROLE_LABELS.get(role, role)),
                "Role": ROLE_LABELS.get(role, role),
                "Details": "",
            }
        )
        seen.add(column)
    for column in entry.filters:
        if column in seen:
            continue
        default = entry.filter_defaults.get(column, "Total")
        details = [f"default item: {default}"]
        group = entry.filter_groups.get(column)
        if group:
            details.append(f"nested under {labels.get(group, group)}")
        if column == entry.unit_filter:
            details.append(
                "sets the unit of every measure: "
                + ", ".join(f"{item} = {UNIT_ITEM_VALUES.get(u, u)}" for item, u in entry.unit_items.items())
            )
        details += [
            f"{m.item} = the {MEASURES.get(m.measure, m.measure)} ({labels.get(m.indicator, m.indicator)})"
            for m in entry.measure_items
            if m.filter == column
        ]
        records.append(
            {"Column": column, "Label": labels.get(column, column), "Role": "Filter", "Details": "; ".join(details)}
        )
        seen.add(column)
    for ind in entry.indicators:
        details = [KIND_LABELS.get(ind.kind, ind.kind)]
        if ind.unit:
            details.append(f"unit {ind.unit}")
        if ind.base:
            details.append(f"base: {labels.get(ind.base, ind.base)}")
        if ind.hidden:
            details.append("never shown (single-person values)")
        if ind.counts == "institutions":
            details.append("counts institutions, not people: never rounded or a base")
        records.append({"Column": ind.column, "Label": ind.label, "Role": "Measure", "Details": "; ".join(details)})
    return pl.DataFrame(records, schema=dict.fromkeys(COLUMN_COLUMNS, pl.String))


# ---------------------------------------------------------------------------------------------------- glossary


@dataclass(frozen=True)
class Term:
    term: str
    definition: str


GLOSSARY: tuple[Term, ...] = (
    Term(
        "Longitudinal Education Outcomes (LEO)",
        "Education records (the National Pupil Database for schools, the Individualised Learner Record for further "
        "education, HESA records for higher education) linked to HM Revenue and Customs records of employment (PAYE) "
        "and self-assessment and to Department for Work and Pensions benefit records. Only summary tables made from "
        "the linked data reach this dashboard.",
    ),
    Term(
        "Tax year",
        "Runs from 6 April to the following 5 April. We write it as 2022-23; data files store it as 202223. Earnings "
        "and employment are measured over tax years.",
    ),
    Term(
        "Academic year",
        "The year of study, written 2022-23 here (202223 in data files). Further education outcomes are grouped by "
        "the academic year in which learners finished.",
    ),
    Term(
        "Years after graduation (YAG)",
        "How many complete tax years have passed since a person graduated: 1, 3 or 5 years after (10 in some "
        "graduate series). The tax year during which someone graduates is not counted, so one year after means the "
        "first full tax year after it. Provider-level tables have no 10-year figures.",
    ),
    Term(
        "Matched",
        "A learner whose education record could be linked to tax and benefit records. Rates are percentages of "
        "matched learners unless a table says otherwise.",
    ),
    Term(
        "Sustained employment",
        "Being in work steadily rather than briefly, and the exact test depends on the series. In further "
        "education outcomes it means being employed throughout October to March of the year after study, or having "
        "a self-assessment return for that year. In the post-16 series it means paid work on at least one day in "
        "each of 12 months. Graduate series follow the definition in their own methodology.",
    ),
    Term(
        "Sustained positive destination",
        "Further education: sustained employment or sustained learning, or a mix of the two in every month from "
        "October to March with at most one change between them.",
    ),
    Term(
        "Activity not captured",
        "The person was matched, but in that year there is no record of them in employment, on benefits or in "
        "education. The data cannot say why; for example they may be living abroad, or not working and not "
        "claiming benefits.",
    ),
    Term(
        "No sustained destination",
        "Some activity was recorded in the year, but not enough to meet any of the sustained definitions.",
    ),
    Term(
        "Out-of-work benefits",
        "Counted as sustained when a person claimed on at least one day in each of six or more months in a row. "
        "When a person has more than one activity, education counts first, then benefits, then employment.",
    ),
    Term(
        "Earnings",
        "Annualised earnings of people in sustained employment, rounded to the nearest £100: the median (the "
        "middle person), the lower quartile (a quarter earn less) and the upper quartile (a quarter earn more). Some "
        "provider figures are also adjusted for regional differences in pay, and the post-16 series is adjusted for "
        "inflation to the latest tax year. The dashboard never works out averages itself and never shows minimum or "
        "maximum earnings.",
    ),
    Term(
        "Subject (CAH)",
        "Subjects follow the Common Aggregation Hierarchy (version 1.2), which groups courses at three levels: 23 "
        "broad groups (codes like CAH09), 35 subject groups (CAH09-01) and 167 detailed subjects (CAH09-01-01). LEO "
        "graduate tables use the 35-group level.",
    ),
    Term(
        "Industry",
        "The Standard Industrial Classification section of the employer that paid the person most in the tax year.",
    ),
    Term(
        "Region of study, region of residence, net gain or loss",
        "The graduate industry tables count each graduate twice over: in the English region where they studied and "
        "in the region where they lived in the tax year. A region's net gain or loss is the number living there "
        "minus the number who studied there, worked out by LEO Explorer from the two published counts; a positive "
        "figure means more graduates live in the region than studied there.",
    ),
    Term(
        "Provider types (HEI, FEC, AP)",
        " ".join(f"{code}: {meaning}." for code, meaning in PROVIDER_TYPE_MEANINGS.items())
        + " Graduate tables compare providers of the same type as peers when asked.",
    ),
    Term(
        "Provider and UKPRN",
        "A school, college, university or training organisation, identified by its UK Provider Reference Number. "
        "A provider can change its name, so it is always matched on its UKPRN.",
    ),
)


def symbol_rows() -> pl.DataFrame:
    """The cell symbols, shown as their labels in tables and as gaps in charts."""
    records = [
        {"Symbol": symbol, "Shown as": label, "Meaning": SYMBOL_MEANINGS.get(symbol, label).capitalize()}
        for symbol, label in SYMBOL_LABELS.items()
    ]
    return pl.DataFrame(records, schema=dict.fromkeys(("Symbol", "Shown as", "Meaning"), pl.String))


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


def section_markdown(section: Section) -> str:
    """A section's paragraphs as markdown: list items ("- ...") stay together as one list."""
    out = ""
    for paragraph in section.paragraphs:
        if out:
            out += "\n" if paragraph.startswith("- ") and out.rsplit("\n", 1)[-1].startswith("- ") else "\n\n"
        out += paragraph
    return out


# What benchmarks/did_coverage.py prints (300 simulated tables per setting, fixed seeds): the setting, the % of
# recommended 95% intervals and of sampling-only ones that contain the true effect. tests/test_did_coverage.py
# re-runs the simulation and fails if this table is not what it finds.
IMPACT_COVERAGE: tuple[tuple[str, int, int], ...] = (
    ("Binomial sampling only", 97, 96),
    ("Cell x year noise", 99, 79),
    ("Lasting differences between cells", 98, 95),
    ("Group x year shocks", 96, 36),
    ("All of these combined", 94, 33),
    ("Weakest 3 treated cells drop out at the start (2 pp effect)", 97, 93),
)


def _coverage_markdown() -> str:
    rows = [f"| {setting} | {honest}% | {sampling}% |" for setting, honest, sampling in IMPACT_COVERAGE]
    return "\n".join(
        ["| Noise in the simulated tables | Recommended interval | Sampling only |", "|---|---|---|", *rows]
    )


METHODOLOGY: tuple[Section, ...] = (
    Section(
        "Where the figures come from",
        (
            "The departments responsible for LEO publish summary tables made from the linked records. LEO Explorer "
            "only shows tables that have been approved for it and are listed in its catalogue, with the publication "
            "each one comes from. It never holds or shows records about individual people.",
            "Before a table is used it is checked against our data standard: the file layout used by Explore "
            "Education Statistics, the symbols for missing values, and evidence that counts and earnings were "
            "rounded by the publisher. A table that fails is refused and nothing changes.",
        ),
    ),
    Section(
        "Protecting individuals",
        (
            "Published cells are shown as published. Anything the dashboard works out itself, such as a total "
            "across providers or a share, passes the table's disclosure rules before it is shown or downloaded: "
            "derived counts are rounded and hidden when small, derived percentages need enough people above and "
            "below the line, and earnings are only ever the published figures.",
            "The dashboard never fills in, estimates or works back to a hidden value, and never subtracts parts "
            "from a total in a way that could reveal one.",
            "Charts, tables and downloads are made from the same protected figures, so a download holds exactly "
            "what the screen shows.",
        ),
    ),
    Section(
        "Keeping hidden values hidden in every view",
        (
            "A reader who sees several views of a table can combine them: a provider's total minus the parts that "
            "are shown leaves the part that is hidden. So which cells may be shown is decided once for each whole "
            "table when it is loaded, not view by view. Every way the table's cells add up is taken into account: "
            "a total and its parts along each filter (for example benefit status or type of provision, within "
            "every combination of the others), each characteristic's groups and the overall total, national "
            "figures and the providers they cover, England and its regions, each region and its local "
            "authorities, and each rate with the number of people it is a percentage of.",
            "The published figures are rounded, so each is known only to within its rounding. We then attack the "
            "table as a reader would: for every hidden cell we work out the range of whole numbers of people it "
            "could hold given everything shown, by working through each total and its parts in turn until nothing "
            "narrows further. Where the table's linked rows form small blocks (for example a provider's year of "
            "further education outcomes) we also solve a linear program for each measure that takes all the sums "
            "at once together with each rate's rounding and the number of people it rests on. A hidden cell is "
            "protected when that range still allows for nobody, or spans at least three different numbers of "
            "people. Where it does not, we hide another cell in the same sum, the smallest part (a total only when "
            "no part is left), and attack again until every hidden cell is protected.",
            "The cells hidden this way are hidden everywhere: in every chart, table, download, briefing item, "
            "benchmark and impact estimate, because all of them read the same protected table. The catalogue page "
            "says for each table how many cells were hidden beyond the publisher's own suppression, and "
            "`python -m leo_dash published TABLE` writes the table exactly as any view may show it, so anyone can "
            "check what the dashboard can disclose.",
            "What this does not cover: figures in other publications or other tables, which a reader could add to "
            "what is shown here; tables whose linked blocks are large are attacked by the step-by-step method only, "
            "which a linear program can sometimes beat; and a reader who reasons about whole numbers of people "
            "across many sums at once can sometimes narrow a hidden cell a little further than a linear program.",
        ),
    ),
    Section(
        "Missing values",
        (
            "A symbol means a value is missing for a reason. Tables show the symbol's label; charts leave a gap and "
            "say under the chart how many values are missing and why. A missing value is never drawn as zero.",
        ),
    ),
    Section(
        "Comparing providers fairly",
        (
            "A small provider's percentage moves a lot by chance alone. The funnel plot on the Institution "
            "performance page draws control limits around the benchmark that narrow as providers get bigger: about "
            "1 provider in 20 falls outside the 95% limits, and 1 in 500 outside the 99.8% limits, by chance alone.",
            "Providers also differ for reasons the table cannot show, such as who they teach and where. When their "
            "figures spread much more than chance alone would give, the page says so and offers limits that allow "
            "for this over-dispersion: the limits are widened by a factor estimated from all the providers in the "
            "chart (Spiegelhalter, 2005). A provider outside those limits stands out even against that wider "
            "spread. Neither kind of limit proves that a provider is better or worse: it is a prompt to look "
            "closer.",
        ),
    ),
    Section(
        "Estimating the impact of an intervention",
        (
            "The Intervention impact page compares how an outcome changed for a treated group with how it changed "
            "for a comparison group (difference-in-differences), using published figures only. Each published cell "
            "(for example a provider) is followed over the years and compared only with itself: a model gives every "
            "cell its own level and every year its own level (two-way fixed effects, weighted by the number of "
            "learners or graduates, fitted with statsmodels). So a change in which cells are published, such as the "
            "weakest providers dropping out, cannot pass for an effect. Suppressed cells are left out, never "
            "estimated.",
            "**What it assumes.** Without the intervention the two groups would have moved in parallel (parallel "
            "trends), nothing else changed for one group only from the start year, and the intervention did not "
            "change the comparison group. It is an observational comparison, not a trial.",
            "**Which variance.** Published cells vary far more than sampling alone gives: providers differ year to "
            "year, and whole groups move together in some years. The recommended interval is the wider of two: one "
            "cluster-robust by cell (it allows for any noise in a cell, including noise that lasts across its "
            "years; it needs at least 10 cells in each group) and one from how much the yearly gap between the "
            "groups moves around its before and after averages (it allows for shocks that hit a whole group in one "
            "year; it needs three years). Both use t critical values. When neither can be made (two years and few "
            "cells) the page says so and shows a sampling-only interval. 'Sampling only' is an expert option: it "
            "is shown for comparison and is usually far too narrow.",
            "**What the pre-trend check can and cannot rule out.** It tests the before years' yearly coefficients "
            "together, with the same allowance for noise as the estimate, and says how large a steady drift in the "
            "gap it would have caught 80% of the time. A smaller drift can hide in the before years, so 'not "
            "flagged' is not proof of parallel trends, and nothing in the data can rule out a change that starts "
            "in the same year as the intervention. With fewer than two before years there is no check at all, and "
            "the page warns that the estimate rests on an untested assumption. A placebo re-runs the estimate with "
            "a fake start inside the before years, where it should find nothing.",
            "**How well the intervals hold their level.** In simulated tables like the ones the page reads (20 "
            "treated and 20 comparison providers, 8 years, rates published to one decimal place; 300 tables per "
            "setting, checked by the project's tests), the share of 95% intervals that contain the true effect:",
            _coverage_markdown(),
            "Above 95% means the interval is a little wider than it needs to be; far below 95% means it claims "
            "more certainty than the data hold.",
        ),
    ),
    Section(
        "Review and retirement",
        (
            "Every table has a review date, at least once a year. At review the responsible departments confirm it "
            "is still needed; if not, it is retired from the catalogue. Until a review happens, the dashboard shows "
            "an overdue table with a warning.",
        ),
    ),
)


# ---------------------------------------------------------------------------------------------------- data use

DATA_USE: tuple[Section, ...] = (
    Section(
        "What LEO is",
        (
            "Longitudinal Education Outcomes (LEO) is a study run jointly by five government departments: the "
            "Department for Education, the Welsh Government, the Department for Work and Pensions, HM Revenue and "
            "Customs and the Scottish Government. Each is a data controller in its own right for LEO.",
            "The study links what is known about people's education (schools, colleges, universities and "
            "apprenticeships) with what is known about their later employment, earnings and benefit claims.",
        ),
    ),
    Section(
        "Why the data is linked",
        (
            "The linked data is used for statistics and research only, to:",
            "- compare how schools, colleges and universities prepare people for work and further study;",
            "- give learners, parents and advisers evidence when choosing courses and careers;",
            "- find out what difference education and training programmes make to people's outcomes;",
            "- inform government decisions about education and skills.",
            "It is not used to make decisions about any individual.",
        ),
    ),
    Section(
        "Whose data is included",
        (
            "The linked records cover people who finished their education in 1995 or later. That is the earliest "
            "year for which education records are available, and some education records start later than that.",
        ),
    ),
    Section(
        "How people are protected",
        (
            "Names, dates of birth, postcodes and National Insurance numbers are used only to find matching records. "
            "Once records are linked those details are removed, and analysts work with the de-identified records in "
            "secure settings. Access to the linked data is restricted to approved projects, listed in the approved "
            "access register with the independent panel's decision.",
            "Only summary tables that have passed disclosure control are published, and those are the only tables "
            "this dashboard can show. Nothing here can be used to look up a person.",
            "When you use this dashboard signed in, it records your sign-in name with the pages you view and the "
            "files you download. That audit trail is used to check the statistics are used properly, and it is "
            "deleted once its retention period (two years unless the service sets another) has passed.",
        ),
    ),
)


# The published LEO privacy notice (all five controllers, with each one's data protection contact) and the ICO's
# complaint route. Addresses are the publishers' own pages, checked when written; never a site's home page.
LEO_PRIVACY_NOTICE_URL = (
    "https://www.gov.uk/government/publications/longitudinal-education-outcomes-study-how-we-use-and-share-data/"
    "longitudinal-education-outcomes-leo-privacy-notice"
)
ICO_COMPLAINT_URL = "https://ico.org.uk/make-a-complaint/"
OFFICIAL_LINK_HOSTS: frozenset[str] = frozenset({"www.gov.uk", "www.gov.wales", "www.gov.scot", "ico.org.uk"})


@dataclass(frozen=True)
class ControllerRoute:
    code: str  # key in model.CONTROLLERS
    records: str  # which records it is responsible for, so a person knows whom to ask
    how: str  # what its page explains
    link_text: str  # the name of that page
    url: str  # the controller's own privacy page (personal information charter or privacy notice)

    def markdown(self, controller_name: str) -> str:
        return f"**{controller_name}**, for {self.records}.  \n{self.how} [{self.link_text}]({self.url})"


CONTROLLER_ROUTES: tuple[ControllerRoute, ...] = (
    ControllerRoute(
        "DfE",
        "education in England: schools, further education and apprenticeships, and higher education",
        "Its personal information charter explains how to make a subject access request and how to contact its data "
        "protection officer:",
        "Department for Education personal information charter",
        "https://www.gov.uk/government/organisations/department-for-education/about/personal-information-charter",
    ),
    ControllerRoute(
        "WG",
        "education in Wales",
        "Its privacy notice names its data protection officer and explains how to ask for your information:",
        "Welsh Government privacy notice",
        "https://www.gov.wales/about/welsh-government-privacy-notice",
    ),
    ControllerRoute(
        "DWP",
        "benefit records",
        "Its personal information charter explains how to ask for your information and how to contact its data "
        "protection officer:",
        "Department for Work and Pensions personal information charter",
        "https://www.gov.uk/government/organisations/department-for-work-pensions/about/personal-information-charter",
    ),
    ControllerRoute(
        "HMRC",
        "employment, earnings and self-assessment records",
        "Its personal information charter explains how to ask for your information and how to contact its data "
        "protection officer:",
        "HM Revenue and Customs personal information charter",
        "https://www.gov.uk/government/organisations/hm-revenue-customs/about/personal-information-charter",
    ),
    ControllerRoute(
        "SG",
        "education in Scotland, including Modern Apprenticeships",
        "Its privacy notice gives its data protection officer's contact details and explains how to ask for your "
        "information:",
        "Scottish Government privacy notice",
        "https://www.gov.scot/privacy/",
    ),
)

PRIVACY_NOTICE_TEXT = (
    "The five departments publish one privacy notice for LEO. It says what is linked, why, on what legal basis, "
    "for how long, and gives each department's data protection contact: "
    f"[Longitudinal Education Outcomes (LEO): privacy notice]({LEO_PRIVACY_NOTICE_URL}) on GOV.UK."
)

RIGHTS_TEXT = (
    "You can ask any of the five departments whether it holds information about you for LEO and for a copy of it "
    "(a subject access request). You can also ask for mistakes to be corrected or object to how it is used. Ask the "
    "department responsible for the records in question:"
)
CONCERN_TEXT = (
    "If you are worried about how your information is used, raise it first with the department's data protection "
    "officer. If you are not satisfied with the answer, you can complain to the Information Commissioner's Office "
    f"(ICO), the UK's independent regulator for data protection: [make a complaint to the ICO]({ICO_COMPLAINT_URL})."
)
DASHBOARD_TEXT = (
    "LEO Explorer itself holds no personal information about learners, so it cannot answer questions about any "
    "individual: please contact the departments below."
)


# ---------------------------------------------------------------------------------------------------- register

# Decision, status and expiry come straight after the project, so they are visible without scrolling sideways.
REGISTER_COLUMNS_SHOWN: tuple[str, ...] = (
    "Project",
    "Status",
    "Panel outcome",
    "Expires",
    "Organisation",
    "Project title",
    "Approved",
    "Tables granted",
)

# The register's sections, in order: a project is listed under its real status, never under approvals it lacks.
REGISTER_SECTIONS: tuple[tuple[str, str], ...] = (
    ("current", "Organisations approved now"),
    ("upcoming", "Approved, access not yet started"),
    ("expired", "Approvals that have expired"),
    ("refused", "Applications not approved or withdrawn"),
)


def register_section(project: ApprovedProject, today: dt.date) -> str:
    """Which section of the register a project belongs in, from its panel outcome and dates."""
    if not project.grants_access:
        return "refused"
    if today < project.approval_date:
        return "upcoming"
    return "expired" if project.is_expired(today) else "current"


def tables_granted_text(project: ApprovedProject, titles: Mapping[str, str]) -> str:
    """Titles of the granted tables this user may see; the rest only counted, so the register never reveals a
    restricted table to someone who may not see it."""
    shown = [titles[t] for t in project.tables if t in titles]
    hidden = sum(1 for t in project.tables if t not in titles)
    if hidden:
        shown.append(f"{hidden} restricted table{'s' if hidden != 1 else ''}")
    return "; ".join(shown)


def newest_first(projects: Sequence[ApprovedProject]) -> list[ApprovedProject]:
    return sorted(projects, key=lambda p: (-p.approval_date.toordinal(), p.project_id))


def register_rows(
    projects: Sequence[ApprovedProject], titles: Mapping[str, str], today: dt.date | None = None
) -> pl.DataFrame:
    """Register rows as shown: one row per project, newest approval first."""
    today = today or dt.date.today()
    records = [
        {
            "Project": p.project_id + (" (illustrative)" if p.illustrative else ""),
            "Status": p.status(today),
            "Panel outcome": p.panel_outcome,
            "Expires": p.expiry.isoformat(),
            "Organisation": p.organisation,
            "Project title": p.title,
            "Approved": p.approval_date.isoformat(),
            "Tables granted": tables_granted_text(p, titles),
        }
        for p in newest_first(projects)
    ]
    return pl.DataFrame(records, schema=dict.fromkeys(REGISTER_COLUMNS_SHOWN, pl.String))


def register_sections(
    projects: Sequence[ApprovedProject], titles: Mapping[str, str], today: dt.date | None = None
) -> list[tuple[str, pl.DataFrame]]:
    """(heading, rows) for each section of the register that has projects, in REGISTER_SECTIONS order."""
    today = today or dt.date.today()
    out: list[tuple[str, pl.DataFrame]] = []
    for key, heading in REGISTER_SECTIONS:
        members = [p for p in projects if register_section(p, today) == key]
        if members:
            out.append((heading, register_rows(members, titles, today)))
    return out
