"""Geographic levels kept apart (issue 13, item 1): a table's regional or local-authority rows never mix with its
national rows on a page, and a table with only such rows is not offered by pages that cannot show a region.

Fixtures written here: the graduate-earnings test table with a third file of Regional rows (every regional median
is far from the national one, so a mix-up shows), and a regional-only table (the shape of DfE's LEO graduate
industry by region release).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest

from leo_dash import benefits, catalogue, earnings, impact_views, institutions, overview, page_support, query
from leo_dash.model import TableEntry
from tests import test_earnings_fixture as grads
from tests.conftest import write_ees

REGIONS = (("E12000004", "East Midlands"), ("E12000007", "London"))
REGIONAL_SHIFT = 77_700  # no national or provider median is anywhere near this


def _regional_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    for code, name in REGIONS:
        for year in grads.YEARS:
            for subject in grads.SUBJECTS:
                for yag in grads.YAGS:
                    for ctype, cvalue in grads.GROUPS:
                        for qualification in grads.QUALIFICATIONS:
                            median = grads.median_for(subject, yag, year, cvalue) + REGIONAL_SHIFT
                            geo = ["Regional", "E92000001", "England", code, name]
                            cells = [100, 1000, median - 5000, median, median + 7000]
                            rows.append([year, "Tax year", *geo, subject, yag, ctype, cvalue, qualification, *cells])
    return rows


COMMON = ["subject_name", "yag", "characteristic_type", "characteristic_value", "qualification",
          "grads_earnings_include", "earnings_lower", "earnings_LQ", "earnings_median", "earnings_UQ"]  # fmt: skip
GEO = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
       "region_name"]  # fmt: skip


@pytest.fixture
def mixed(data_dir: Path) -> TableEntry:
    """National + provider + regional rows in one table."""
    entry = grads.make_table(data_dir)
    regional = write_ees(data_dir / "src", "grad_earnings_regional", GEO + COMMON, _regional_rows(), grads.META)
    entry = dataclasses.replace(entry, files=(*entry.files, str(regional)))
    catalogue.write_entry(entry, data_dir)
    return entry


@pytest.fixture
def regional_only(data_dir: Path) -> TableEntry:
    regional = write_ees(data_dir / "src", "grad_earnings_regional", GEO + COMMON, _regional_rows(), grads.META)
    entry = dataclasses.replace(
        grads.make_table(data_dir), id="test_regional_only", title="Regional only", files=(str(regional),)
    )
    entry = dataclasses.replace(entry, roles={k: v for k, v in entry.roles.items() if not k.startswith("provider")})
    catalogue.write_entry(entry, data_dir)
    return entry


def test_selections_keep_regional_rows_out_unless_asked(mixed: TableEntry) -> None:
    assert query.levels(mixed) == ["National", "Provider", "Regional"]
    frame = query.select(mixed, {"subject": ["Law"], "years_after": ["3"], "time": [202122]})
    assert sorted(frame["geographic_level"].to_list()) == ["National", "Provider", "Provider"]
    regional = query.select(
        mixed, {"subject": ["Law"], "years_after": ["3"], "time": [202122], "geographic_level": ["Regional"]}
    )
    assert regional.height == 2 and set(regional["region_name"].to_list()) == {"East Midlands", "London"}
    assert query.has_national_rows(mixed)


def test_subject_earnings_shows_national_figures_of_a_table_with_regional_rows(mixed: TableEntry) -> None:
    # Before issue 13 this raised EarningsDataError ('more than one row for some subject ...').
    assert earnings.supports(mixed)
    options = earnings.table_options(mixed)
    spec, _notes = earnings.spec_from_params(mixed, {"table": [mixed.id], "subject": ["Law"], "year": ["2021-22"]})
    view = earnings.earnings_view(mixed, spec)
    medians = [v for v in view.frame[grads.INDICATORS[3].column].to_list() if v is not None]
    assert medians and all(v < REGIONAL_SHIFT for v in medians)  # never a regional figure
    assert options.has_national


def test_a_regional_only_table_is_offered_by_no_national_page_and_add_says_why(regional_only: TableEntry) -> None:
    assert query.levels(regional_only) == ["Regional"]
    assert not query.shows_page_levels(regional_only)
    for supports in (earnings.supports, benefits.supports, overview.supports, institutions.supports):
        assert not supports(regional_only)
    assert not impact_views.is_eligible(regional_only)
    lines = page_support.describe(regional_only)
    assert lines[0] == f"Pages that can show {regional_only.id}: none."
    assert any("all at Regional level" in line and "no page offers a region yet" in line for line in lines)


def test_tables_without_a_level_column_or_files_are_judged_on_their_roles() -> None:
    entry = grads.INDICATORS and TableEntry(
        id="no_files",
        title="No files",
        files=(),
        publication="",
        controllers=("DfE",),
        licence="",
        release_date=grads.dt.date(2026, 1, 1),
        next_review=grads.dt.date(2099, 1, 1),
    )
    assert query.shows_page_levels(entry)


def test_real_and_demo_tables_are_still_shown(reference_dir: Path) -> None:
    for entry in catalogue.load_catalogue():
        regional = query.levels(entry) == ["Regional"]
        assert query.shows_page_levels(entry) != regional, entry.id  # the regional industry table is for its page
    demo = catalogue.load_catalogue().get("demo_graduate_outcomes")
    assert set(query.levels(demo)) == {"National", "Provider"}
    frame = pl.read_parquet(query.prepared_version(demo)[0])
    assert frame.filter(pl.col("geographic_level") == "National").height > 0
