"""The glossary, the cell symbols and the methodology sections, following the project's data standard (§3 symbols,
§4 disclosure rules, §5 LEO definitions), written for people using the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from leo_dash.core.model import PROVIDER_TYPE_MEANINGS, SYMBOL_LABELS, SYMBOL_MEANINGS


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
