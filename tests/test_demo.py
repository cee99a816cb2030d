"""Synthetic demo data: reproducible, loadable, LEO-like, disclosure-controlled and fictional."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leo_dash import demo
from leo_dash.core import ees, paths
from leo_dash.core.catalogue import load_catalogue, write_entry
from leo_dash.core.model import ROLE_NAMES, TableEntry
from leo_dash.demo import sector
from leo_dash.sdc import round_half_up

COMMITTED_CATALOGUE = paths.PROJECT_ROOT / "data" / "catalogue"
TABLE_IDS = (demo.GRADUATE_TABLE, demo.BENEFIT_TABLE, demo.SCHOOL_TABLE, demo.AREA_TABLE)
PROVIDER_TABLES = (demo.GRADUATE_TABLE, demo.BENEFIT_TABLE, demo.SCHOOL_TABLE)  # the area table has none
SYMBOLS = {"c", "low", "x"}


def data_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.csv") if not p.name.endswith(".meta.csv"))


def read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def number(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Float64, strict=False)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default-scale demo generated afresh (no catalogue writes)."""
    out = tmp_path_factory.mktemp("demo")
    demo.generate(out, register=False)
    return out


@pytest.fixture(scope="module")
def entries() -> dict[str, TableEntry]:
    return {e.id: e for e in demo.catalogue_entries(paths.DEMO_DIR)}


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    """Committed demo files as text frames, keyed by file stem."""
    return {p.stem: read(p) for p in data_files(paths.DEMO_DIR)}


# --------------------------------------------------------------------------- reproducible


def test_default_generation_reproduces_the_committed_files_byte_for_byte(fresh):
    committed = sorted(p.name for p in paths.DEMO_DIR.iterdir() if p.suffix == ".csv")
    generated = sorted(p.name for p in fresh.iterdir())
    assert generated == committed
    assert len(committed) == 16  # 8 data files, each with its meta file
    for name in committed:
        assert (fresh / name).read_bytes() == (paths.DEMO_DIR / name).read_bytes(), f"{name} differs"


def test_catalogue_entries_reproduce_the_committed_tomls(tmp_path, entries):
    for entry in entries.values():
        written = write_entry(entry, tmp_path)
        committed = COMMITTED_CATALOGUE / f"{entry.id}.toml"
        assert written.read_bytes() == committed.read_bytes(), f"{committed.name} differs from the generator"


def test_same_seed_same_bytes_other_seed_other_numbers(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    demo.generate(a, scale=0.3, seed=7, register=False)
    demo.generate(b, scale=0.3, seed=7, register=False)
    demo.generate(c, scale=0.3, seed=8, register=False)
    name = f"{demo.GRADUATE_TABLE}_national.csv"
    assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / name).read_bytes() != (c / name).read_bytes()


# --------------------------------------------------------------------------- catalogue


def test_committed_catalogue_registers_four_demo_tables():
    catalogue = load_catalogue(paths.PROJECT_ROOT / "data")
    for table_id in TABLE_IDS:
        entry = catalogue.get(table_id)
        assert entry.demo and entry.access == "public"
        assert entry.licence == "Synthetic demo data – not official statistics"
        assert "DfE" in entry.controllers and len(entry.controllers) >= 2
        assert entry.release_date == dt.date(2026, 11, 29) and entry.next_review.year == 2027
        assert any("synthetic demo data" in f.lower() and "not official statistics" in f for f in entry.footnotes)
        assert all(f.startswith("data/demo/") for f in entry.files)


def test_roles_and_bases_name_real_columns(entries):
    for entry in (entries[t] for t in PROVIDER_TABLES):
        headers = {}
        for file in entry.files:
            with paths.resolve(file).open(encoding="utf-8") as handle:
                headers[file] = next(csv.reader(handle))
        every = set().union(*headers.values())
        assert set(entry.roles) <= set(ROLE_NAMES)
        assert {"time", "provider_id", "provider_name", "provider_type", "region"} <= set(entry.roles)
        assert {"characteristic_type", "characteristic_value"} <= set(entry.roles)
        for column in [*entry.roles.values(), *entry.filters, *entry.filter_defaults]:
            assert column in every, f"{entry.id}: {column} is in no file"
        # Every file but the national one identifies its providers (schools or colleges) by the role columns.
        for file, header in headers.items():
            if not file.endswith("_national.csv"):
                assert entry.role("provider_id") in header and entry.role("provider_name") in header
        for indicator in entry.indicators:
            if indicator.kind in ("rate", "earnings"):
                assert indicator.base in every, f"{entry.id}.{indicator.column} names no base"
    graduate = entries[demo.GRADUATE_TABLE]
    assert {"subject", "years_after", "cohort"} <= set(graduate.roles)
    assert graduate.indicator("earnings_median").base == "grads_earnings_include"
    assert graduate.indicator("sust_emp_only").base == "grads_matched"
    assert entries[demo.BENEFIT_TABLE].indicator("claim_rate").base == "cohort_size"


def test_generate_registers_tables_that_load(tmp_path):
    written = demo.generate(tmp_path / "out", scale=0.3, data_dir=tmp_path / "data")
    assert sorted(p.name for p in written if p.suffix == ".toml") == sorted(f"{t}.toml" for t in TABLE_IDS)
    catalogue = load_catalogue(tmp_path / "data")
    assert set(catalogue.ids()) == set(TABLE_IDS)
    assert all(Path(f).is_absolute() for e in catalogue for f in e.files)  # outside the project: absolute paths


# --------------------------------------------------------------------------- loader


def test_every_committed_file_passes_the_loader_without_warnings(entries):
    for entry in entries.values():
        bases = {i.column: i.base for i in entry.indicators if i.base}
        for file in entry.files:
            result = ees.screen(paths.resolve(file), count_base=entry.disclosure.count_base, bases=bases)
            problems = [str(f) for f in result.errors + result.warnings]
            assert result.ok and not problems, problems
            frame = result.frame
            assert frame is not None and frame.height > 0
            # A symbol never became a number.
            for indicator in entry.indicators:
                status = f"{indicator.column}__status"
                if indicator.column in frame.columns and status in frame.columns:
                    assert frame.filter(
                        pl.col(status).is_not_null() & pl.col(indicator.column).is_not_null()
                    ).is_empty()


def test_a_file_never_mixes_school_and_provider_rows(tables):
    for stem, frame in tables.items():
        if stem != demo.AREA_TABLE:
            assert frame["geographic_level"].n_unique() == 1, stem
    assert tables[f"{demo.SCHOOL_TABLE}_school"]["geographic_level"][0] == "School"
    assert tables[f"{demo.SCHOOL_TABLE}_college"]["geographic_level"][0] == "Provider"


# --------------------------------------------------------------------------- LEO-like behaviour


def national_graduates(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return tables[f"{demo.GRADUATE_TABLE}_national"].with_columns(
        number("earnings_median").alias("median"), pl.col("yag").cast(pl.Int64)
    )


def test_median_earnings_rise_with_years_after_graduation(tables):
    national = national_graduates(tables).filter(pl.col("characteristic_type") == "Total")
    for year in ("202122", "202223", "202324"):
        by_subject = (
            national.filter(pl.col("time_period") == year, pl.col("yag").is_in([1, 3, 5]))
            .pivot(on="yag", index="cah2_subject_name", values="median")
            .drop_nulls()
        )
        rising = by_subject.filter((pl.col("1") < pl.col("3")) & (pl.col("3") < pl.col("5")))
        assert by_subject.height >= 30
        assert rising.height >= 0.8 * by_subject.height, f"{year}: only {rising.height}/{by_subject.height} rise"
        total = national.filter(pl.col("time_period") == year, pl.col("cah2_subject_name") == "Total").sort("yag")
        assert total["yag"].to_list() == [1, 3, 5, 10]
        assert total["median"].is_sorted() and total["median"].n_unique() == 4


def test_earnings_differ_by_subject(tables):
    national = national_graduates(tables).filter(pl.col("characteristic_type") == "Total", pl.col("yag") == 5)
    for year in national["time_period"].unique():
        median = dict(national.filter(pl.col("time_period") == year).select("cah2_subject_name", "median").iter_rows())
        for high in ("Medicine and dentistry", "Economics"):
            assert median[high] > 1.3 * median["Creative arts and design"], (year, high)


def test_higher_prior_attainment_earns_more(tables):
    national = national_graduates(tables).filter(
        pl.col("cah2_subject_name") == "Total", pl.col("characteristic_type") == "Prior attainment"
    )
    bands = ["360+ points", "300-359 points", "240-299 points", "180-239 points", "Below 180 points"]
    checked = 0
    for (year, yag), group in national.group_by("time_period", "yag"):
        median = dict(group.select("characteristic_value", "median").iter_rows())
        assert [median[b] for b in bands] == sorted((median[b] for b in bands), reverse=True), (year, yag)
        checked += 1
    assert checked == 19  # 5 tax years x YAG 1/3/5 plus 4 tax years at 10 YAG


def claim_rates(frame: pl.DataFrame, keys: list[str], rate: str) -> pl.DataFrame:
    return frame.with_columns(number(rate).alias("rate")).pivot(on="characteristic_value", index=keys, values="rate")


def test_benefit_claims_higher_for_fsm_and_sen(tables):
    national = tables[f"{demo.BENEFIT_TABLE}_national"].filter(
        pl.col("provider_type") == "Total", pl.col("cah2_subject_name") == "Total"
    )
    wide = claim_rates(national, ["time_period", "years_after"], "claim_rate")
    assert wide.height == 25
    assert (wide["FSM eligible"] > wide["Not FSM eligible"]).all()
    assert (wide["SEN"] > wide["No SEN"]).all()
    schools = tables[f"{demo.SCHOOL_TABLE}_national"]
    wide = claim_rates(schools, ["time_period", "leaver_stage"], "benefit_rate_1ya")
    assert (wide["FSM eligible"] > wide["Not FSM eligible"]).all()
    assert (wide["SEN"] > wide["No SEN"]).all()
    # Provider rows too: across all providers, FSM-eligible graduates claim more often where both are published.
    provider = claim_rates(
        tables[f"{demo.BENEFIT_TABLE}_provider"], ["time_period", "provider_ukprn", "years_after"], "claim_rate"
    ).drop_nulls(["FSM eligible", "Not FSM eligible"])
    assert provider.height > 50
    assert (provider["FSM eligible"] > provider["Not FSM eligible"]).mean() > 0.85


def test_national_graduates_add_up_from_providers(tables):
    provider = tables[f"{demo.GRADUATE_TABLE}_provider"].filter(
        pl.col("cah2_subject_name") == "Total", pl.col("characteristic_type") == "Total"
    )
    national = tables[f"{demo.GRADUATE_TABLE}_national"].filter(
        pl.col("cah2_subject_name") == "Total", pl.col("characteristic_type") == "Total", pl.col("yag") != "10"
    )
    summed = provider.group_by("time_period", "yag").agg(number("grads").sum(), pl.len().alias("providers"))
    joined = national.select("time_period", "yag", number("grads").alias("national")).join(
        summed, on=["time_period", "yag"]
    )
    assert joined.height == 15
    # Each provider's count is rounded to 5, so the sum may drift by up to 2.5 per provider.
    assert ((joined["national"] - joined["grads"]).abs() <= 2.5 * joined["providers"] + 2.5).all()


# --------------------------------------------------------------------------- disclosure control


def test_small_cells_are_suppressed(tables, entries):
    provider = tables[f"{demo.GRADUATE_TABLE}_provider"]
    assert (provider["grads"] == "c").any() and (provider["earnings_median"] == "c").any()
    assert (provider["no_sust_dest"] == "c").any()
    assert (tables[f"{demo.SCHOOL_TABLE}_school"]["benefit_claimants_1ya"] == "low").any()
    for entry in entries.values():
        he = entry.disclosure.count_base == 5
        for file in entry.files:
            frame = tables[Path(file).stem]
            for ind in entry.indicators:
                if ind.kind not in ("rate", "earnings"):
                    continue
                published = frame.filter(number(ind.column).is_not_null())
                base = published.select(number(ind.base)).to_series()
                assert base.null_count() == 0, f"{file}: {ind.column} published on a suppressed base"
                floor = 10 if ind.kind == "earnings" or he else 6
                assert (base >= floor).all(), f"{file}: {ind.column} published on a base under {floor}"


def test_counts_and_earnings_are_rounded(tables, entries):
    for entry in entries.values():
        for file in entry.files:
            frame = tables[Path(file).stem]
            for ind in entry.indicators:
                values = frame.select(number(ind.column)).to_series().drop_nulls()
                assert values.len() > 0
                if ind.unit == "£":
                    assert (values % 100 == 0).all(), ind.column
                elif ind.unit == "":
                    assert (values % entry.disclosure.count_base == 0).all(), (file, ind.column)
                else:
                    assert ((values * 10**ind.dp).round() == values * 10**ind.dp).all(), ind.column
                    assert (values <= 100).all() and (values > 0).all(), ind.column


def test_symbols_are_only_the_allowed_ones_and_never_zero(tables, entries):
    for entry in entries.values():
        post16 = entry.disclosure.count_base == 10
        for file in entry.files:
            frame = tables[Path(file).stem]
            for ind in entry.indicators:
                column = frame[ind.column]
                symbols = set(column.filter(column.cast(pl.Float64, strict=False).is_null()).to_list())
                assert symbols <= SYMBOLS, (file, ind.column, symbols)
                if "low" in symbols:
                    assert post16 and ind.unit == "", (file, ind.column)
                if "x" in symbols:
                    assert ind.column.endswith("_3ya"), (file, ind.column)
                # A rate of 0 rests on a numerator under 3, so it is always c; HE counts under 3 are c too.
                zeros = column.is_in(["0", "0.0"]).sum()
                if ind.unit in ("%", "£") or not post16:
                    assert zeros == 0, (file, ind.column)
    # A row on fewer than 3 graduates shows no figure at all.
    provider = tables[f"{demo.GRADUATE_TABLE}_provider"]
    tiny = provider.filter(pl.col("grads") == "c")
    assert tiny.height > 0
    for ind in entries[demo.GRADUATE_TABLE].indicators:
        assert (tiny[ind.column] == "c").all()


def test_benefit_figures_not_yet_observed_are_x(tables):
    school = tables[f"{demo.SCHOOL_TABLE}_school"]
    later = school.filter(pl.col("time_period").cast(pl.Int64) >= 202021)
    earlier = school.filter(pl.col("time_period").cast(pl.Int64) < 202021)
    assert (later["benefit_rate_3ya"] == "x").all() and (later["benefit_claimants_3ya"] == "x").all()
    assert not (earlier["benefit_rate_3ya"] == "x").any()
    assert not (school["benefit_rate_1ya"] == "x").any()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000)), min_size=1, max_size=30),
    st.sampled_from([(10, 1), (6, 0)]),
)
def test_rate_codes_follow_the_rules(pairs, rule):
    min_denominator, dp = rule
    numerator = np.array([min(a, b) for a, b in pairs])
    denominator = np.array([max(a, b) for a, b in pairs])
    codes = demo.rate_codes(numerator, denominator, dp=dp, min_denominator=min_denominator)
    for n, d, code in zip(numerator.tolist(), denominator.tolist(), codes.tolist(), strict=True):
        hidden = n < 3 or d < min_denominator or (n == d and d < 10)
        expected = -1 if hidden else round(round_half_up(100 * n / d, 10**-dp) * 10**dp)
        assert code == expected, (n, d)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 100_000), min_size=1, max_size=30))
def test_count_codes_follow_the_rules(values):
    true = np.array(values)
    he = demo.count_codes(true, 5, post16=False)
    post16 = demo.count_codes(true, 10, post16=True)
    for v, a, b in zip(values, he.tolist(), post16.tolist(), strict=True):
        assert a == (-1 if v < 3 else int(round_half_up(v, 5)))
        assert b == (-2 if 1 <= v <= 4 else int(round_half_up(v, 10)))


# --------------------------------------------------------------------------- scale


def test_scale_grows_the_provider_table(tmp_path, tables):
    demo.generate(tmp_path, scale=2, register=False)
    default_rows = tables[f"{demo.GRADUATE_TABLE}_provider"].height
    scaled = read(tmp_path / f"{demo.GRADUATE_TABLE}_provider.csv")
    assert scaled.height > 1.6 * default_rows
    assert (
        scaled["provider_ukprn"].n_unique()
        > 1.6 * tables[f"{demo.GRADUATE_TABLE}_provider"]["provider_ukprn"].n_unique()
    )
    assert read(tmp_path / f"{demo.SCHOOL_TABLE}_school.csv").height > tables[f"{demo.SCHOOL_TABLE}_school"].height


def test_scale_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="scale"):
        demo.generate(tmp_path, scale=0, register=False)


# --------------------------------------------------------------------------- fictional names and ids


def test_provider_names_are_fictional(reference_dir, tables):
    real = demo.real_provider_names(reference_dir)
    assert len(real) == 436
    names: set[str] = set()
    for frame in tables.values():
        for column in ("provider_name", "school_name", "establishment_name"):
            if column in frame.columns:
                names |= set(frame[column].drop_nulls().to_list())
    assert len(names) > 60
    assert not {n.lower() for n in names} & real
    # No real provider's full name hides inside a demo name either ("University of X Business School").
    assert not [(n, r) for n in names for r in real if r in n.lower()]


def test_ids_are_fictional(reference_dir, tables):
    real_ukprns: set[str] = set()
    for name in ("fe_outcomes_provider_benefits.csv.gz", "fe_outcomes_community_learning.csv.gz"):
        real_ukprns |= set(
            pl.read_csv(reference_dir / name, columns=["provider_ukprn"], infer_schema=False)["provider_ukprn"]
        )
    assert len(real_ukprns) > 2000
    ukprns: set[str] = set()
    for frame in tables.values():
        if "provider_ukprn" in frame.columns:
            ukprns |= set(frame["provider_ukprn"].drop_nulls())
    assert ukprns and not ukprns & real_ukprns
    assert all(u.startswith("9") and len(u) == 8 for u in ukprns)
    school = tables[f"{demo.SCHOOL_TABLE}_school"]
    assert school["school_urn"].str.contains(r"^9\d{5}$").all()
    assert school["school_laestab"].str.contains(r"^99\d{5}$").all()
    assert school["school_urn"].n_unique() == school["school_name"].n_unique()


def test_generated_names_avoid_real_names_at_large_scale(reference_dir):
    real = demo.real_provider_names(reference_dir)
    maker = sector._NameMaker(np.random.default_rng(1))
    names = maker.make(sector._HEI_PATTERNS, 3000)  # runs out of single stems and pairs them
    assert len(set(names)) == 3000
    assert not {n.lower() for n in names} & real
    # No generated stem spells a word of a real provider's name (e.g. Calder + dale).
    real_words = {w for name in real for w in name.replace("(", " ").replace(")", " ").split()}
    stems = {(p + s).lower() for p in sector._NAME_PREFIXES for s in sector._NAME_SUFFIXES} - sector._BLOCKED_STEMS
    assert not stems & real_words


# --------------------------------------------------------------------------- the area table


def test_the_area_table_has_england_every_region_and_their_authorities(tables, entries):
    frame = tables[demo.AREA_TABLE]
    assert set(frame["geographic_level"]) == {"National", "Regional", "Local authority"}
    assert frame.filter(pl.col("geographic_level") == "Regional")["region_code"].n_unique() == 9
    las = frame.filter(pl.col("geographic_level") == "Local authority")
    # Up to three authorities a region (fewer where a region has fewer fictional providers), each in its region.
    per_region = las.group_by("region_code").agg(pl.col("new_la_code").n_unique())["new_la_code"]
    assert per_region.len() == 9 and per_region.is_between(1, 3).all() and las["region_code"].null_count() == 0
    entry = entries[demo.AREA_TABLE]
    assert entry.demo and not entry.role("provider_id") and entry.role("subject") == "cah2_subject_name"
    # Counts are rounded sums of the same graduates: a region is within rounding of its three authorities.
    grads = (
        frame.filter(pl.col("cah2_subject_name") == "Total", pl.col("grads") != "c")
        .with_columns(number("grads").alias("n"))
        .group_by("time_period", "yag", "geographic_level", "region_code")
        .agg(pl.col("n").sum(), pl.len().alias("rows"))
    )
    regions = grads.filter(pl.col("geographic_level") == "Regional")
    authorities = grads.filter(pl.col("geographic_level") == "Local authority", pl.col("rows") == 3)
    joined = regions.join(authorities, on=["time_period", "yag", "region_code"], suffix="_la")
    assert joined.height > 0 and ((joined["n"] - joined["n_la"]).abs() <= 10).all()
