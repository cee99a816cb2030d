"""The demo tables' catalogue entries (titles, roles, indicators, disclosure profiles and footnotes)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from leo_dash.core import paths
from leo_dash.core.model import DisclosureProfile, Indicator, IndicatorKind, TableEntry
from leo_dash.demo.benefits import BENEFIT_INDICATORS
from leo_dash.demo.constants import (
    AREA_TABLE,
    BENEFIT_TABLE,
    GRADUATE_TABLE,
    HE_COUNT_BASE,
    LICENCE,
    NEXT_REVIEW,
    POST16_COUNT_BASE,
    PUBLICATION,
    RELEASE_DATE,
    SCHOOL_TABLE,
)
from leo_dash.demo.graduates import GRADUATE_INDICATORS
from leo_dash.demo.schools import SCHOOL_INDICATORS

SYNTHETIC_NOTE = (
    "These are synthetic demo data made up by LEO Explorer's generator: they are not official statistics and "
    "describe no real provider, school or person. Provider and school names and ids are fictional."
)


def _indicators(
    spec: Sequence[tuple[str, str, str, str, str]], kinds: dict[str, str], bases: dict[str, str]
) -> tuple[Indicator, ...]:
    return tuple(
        Indicator(
            column=c,
            label=label,
            kind=cast(IndicatorKind, kinds.get(c, "rate" if unit == "%" else "earnings" if unit == "£" else "count")),
            unit=unit,
            dp=int(dp),
            base=bases.get(c)
            or (bases.get("*rate") if unit == "%" else bases.get("*earnings") if unit == "£" else None),
        )
        for c, label, _grouping, unit, dp in spec
    )


def _file_ref(path: Path) -> str:
    """Catalogue path: relative to the project root when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(paths.PROJECT_ROOT).as_posix()
    except ValueError:
        return str(resolved)


def _graduate_roles(years_after_column: str) -> dict[str, str]:
    """The column roles the demo graduate and benefit tables share (they differ in the years-after column)."""
    return {
        "time": "time_period",
        "provider_id": "provider_ukprn",
        "provider_name": "provider_name",
        "provider_type": "provider_type",
        "region": "region_name",
        "subject": "cah2_subject_name",
        "years_after": years_after_column,
        "cohort": "graduation_year",
        "characteristic_type": "characteristic_type",
        "characteristic_value": "characteristic_value",
    }


def catalogue_entries(out_dir: Path) -> list[TableEntry]:
    """The three demo tables as catalogue entries pointing at files in out_dir."""
    he_profile = DisclosureProfile(count_base=HE_COUNT_BASE)
    post16_profile = DisclosureProfile(count_base=POST16_COUNT_BASE)
    common: dict[str, Any] = {
        "publication": PUBLICATION,
        "licence": LICENCE,
        "release_date": RELEASE_DATE,
        "next_review": NEXT_REVIEW,
        "access": "public",
        "demo": True,
        "source_url": "",
    }
    he_rules = (
        "Disclosure control as for graduate LEO: counts rounded to the nearest 5; c where a count is under 3; "
        "percentages c where the numerator is under 3 or the matched base is under 10; earnings rounded to the "
        "nearest £100 and c where fewer than 11 graduates' earnings lie behind them."
    )
    graduate = TableEntry(
        id=GRADUATE_TABLE,
        title="Graduate outcomes by provider, subject and characteristic (synthetic demo)",
        description=(
            "Synthetic LEO graduate outcomes: sustained employment, further study and earnings 1, 3 and 5 years after "
            "graduation (10 years nationally) by fictional provider, CAH2 subject and graduate characteristic, tax "
            "years 2019/20 to 2023/24. Provider rows and national rows are in separate files of this table."
        ),
        files=(
            _file_ref(out_dir / f"{GRADUATE_TABLE}_provider.csv"),
            _file_ref(out_dir / f"{GRADUATE_TABLE}_national.csv"),
        ),
        controllers=("DfE", "HMRC", "DWP"),
        time_label="Tax year",
        roles=_graduate_roles("yag"),
        filter_defaults={"yag": "5"},
        indicators=_indicators(
            GRADUATE_INDICATORS,
            {"grads": "count", "grads_matched": "base", "grads_earnings_include": "base"},
            {"*rate": "grads_matched", "*earnings": "grads_earnings_include"},
        ),
        disclosure=he_profile,
        footnotes=(
            SYNTHETIC_NOTE,
            "Years after graduation (YAG) count full tax years after the academic year of graduation; the tax year "
            "that overlaps graduation is skipped, so 1 YAG in 2023/24 describes graduates of 2021/22.",
            "Percentages are shares of matched graduates. Earnings are annualised, for graduates in sustained "
            "employment, and not adjusted for inflation.",
            "Provider-level figures cover 1, 3 and 5 YAG; 10 YAG figures are national only.",
            "Characteristic breakdowns are given for each provider across all its subjects, and nationally by subject.",
            he_rules,
            "c: suppressed to protect confidentiality.",
        ),
        **common,
    )
    benefits = TableEntry(
        id=BENEFIT_TABLE,
        title="Graduates claiming out-of-work benefits (synthetic demo)",
        description=(
            "Synthetic LEO out-of-work benefit claims of graduates 1 to 5 years after graduation, tax years 2019/20 to "
            "2023/24: nationally by provider type, subject and characteristic (including FSM and SEN), and for each "
            "fictional provider by sex, FSM and SEN."
        ),
        files=(
            _file_ref(out_dir / f"{BENEFIT_TABLE}_provider.csv"),
            _file_ref(out_dir / f"{BENEFIT_TABLE}_national.csv"),
        ),
        controllers=("DfE", "DWP"),
        time_label="Tax year",
        roles=_graduate_roles("years_after"),
        filter_defaults={"years_after": "1"},
        indicators=_indicators(
            BENEFIT_INDICATORS, {"cohort_size": "base", "number_claiming": "count"}, {"*rate": "cohort_size"}
        ),
        disclosure=he_profile,
        footnotes=(
            SYNTHETIC_NOTE,
            "A graduate counts as claiming when they received out-of-work benefits on at least one day in each of six "
            "or more consecutive months of the tax year.",
            "Years after graduation count full tax years after the academic year of graduation.",
            "FSM: eligible for free school meals at school; SEN: special educational needs at school.",
            he_rules,
            "c: suppressed to protect confidentiality.",
        ),
        **common,
    )
    schools = TableEntry(
        id=SCHOOL_TABLE,
        title="School and college leavers: destinations and out-of-work benefits (synthetic demo)",
        description=(
            "Synthetic destinations of key stage 4 and 16-18 leavers in the year after leaving, with out-of-work "
            "benefit claims 1 and 3 years later, for fictional schools (School level), sixth form and further "
            "education colleges (Provider level) and England, leavers of 2017/18 to 2021/22."
        ),
        files=(
            _file_ref(out_dir / f"{SCHOOL_TABLE}_school.csv"),
            _file_ref(out_dir / f"{SCHOOL_TABLE}_college.csv"),
            _file_ref(out_dir / f"{SCHOOL_TABLE}_national.csv"),
        ),
        controllers=("DfE", "DWP", "HMRC"),
        time_label="Academic year",
        roles={
            "time": "time_period",
            "provider_id": "establishment_id",
            "provider_name": "establishment_name",
            "provider_type": "establishment_type",
            "region": "region_name",
            "characteristic_type": "characteristic_type",
            "characteristic_value": "characteristic_value",
        },
        filters=("leaver_stage",),
        filter_defaults={"leaver_stage": "16 to 18"},
        indicators=_indicators(
            SCHOOL_INDICATORS,
            {"cohort_size": "base", "benefit_claimants_1ya": "count", "benefit_claimants_3ya": "count"},
            {"*rate": "cohort_size"},
        ),
        disclosure=post16_profile,
        footnotes=(
            SYNTHETIC_NOTE,
            "The time period is the academic year the cohort left key stage 4 or 16-18 study; destinations are "
            "measured in the following academic year.",
            "Benefit claims are counted in the first and third full tax year after leaving; x marks years not yet "
            "available.",
            "Schools are identified by URN and colleges by UKPRN, both in the establishment column.",
            "Disclosure control as for post-16 LEO: counts rounded to the nearest 10, low for 1 to 4; percentages "
            "c where the numerator is under 3 or the cohort under 6, and 100% on a cohort under 10.",
            "c: suppressed. low: rounds to zero but is not zero. x: not available.",
        ),
        **common,
    )
    areas = TableEntry(
        id=AREA_TABLE,
        title="Graduate outcomes by region and local authority of the provider (synthetic demo)",
        description=(
            "Synthetic LEO graduate outcomes 1, 3 and 5 years after graduation by CAH2 subject, for England, each "
            "region and up to three local authorities in each region, by where the fictional provider is, tax years "
            "2019/20 to 2023/24: the shape of a table published for areas rather than providers."
        ),
        files=(_file_ref(out_dir / f"{AREA_TABLE}.csv"),),
        controllers=("DfE", "HMRC", "DWP"),
        time_label="Tax year",
        # The graduate table's roles less its provider and characteristic columns, which area rows do not have.
        roles={r: c for r, c in _graduate_roles("yag").items() if r in ("time", "subject", "years_after", "cohort")},
        filter_defaults={"yag": "5"},
        indicators=graduate.indicators,
        disclosure=he_profile,
        footnotes=(
            SYNTHETIC_NOTE,
            "Areas are where the provider is: England, its nine regions and up to three local authorities in each "
            "region (real places, synthetic figures). An area's graduates are those of the providers in it (in this "
            "demo every provider of a region sits in one of its local authorities).",
            "Years after graduation (YAG) count full tax years after the academic year of graduation.",
            "Percentages are shares of matched graduates. Earnings are annualised, for graduates in sustained "
            "employment, and not adjusted for inflation.",
            he_rules,
            "c: suppressed to protect confidentiality.",
        ),
        **common,
    )
    return [graduate, benefits, schools, areas]
