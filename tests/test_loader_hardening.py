"""Hostile and real-world files at the loader and registration (issue #12 items 1-7, issue #13 items 3-4).

Each case is a small fixture under tests/fixtures/loader/ that got through (or was wrongly refused) before the fix.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from leo_dash import sdc
from leo_dash.analyses import benefits
from leo_dash.cli import main
from leo_dash.core import ees, store
from leo_dash.core.catalogue import CatalogueError, entry_from_dict, entry_to_dict, load_catalogue
from leo_dash.core.disclosure_profiles import ProfileError, is_institution_count, parse_profile
from leo_dash.core.model import DisclosureProfile, Indicator, status_column
from leo_dash.core.paths import PROJECT_ROOT, REFERENCE_DIR
from leo_dash.present import views
from tests.conftest import make_entry, write_ees
from tests.test_store_query import HEADER, META, _rows

FIXTURES = Path(__file__).parent / "fixtures" / "loader"


def fixture(name: str) -> Path:
    return FIXTURES / f"{name}.csv"


def rules(result: ees.ScreenResult, severity: str = "error") -> list[tuple[str, str | None]]:
    return [(f.rule, f.column) for f in result.findings if f.severity == severity]


# --------------------------------------------------------------------------------------------------------------
# #12.1 L24: a fraction in a count column is itself an error, and never switches the rounding check off


def copy_with(name: str, directory: Path, old: str, new: str) -> Path:
    """A copy of a fixture pair with one text change in the data file."""
    target = directory / f"{name}.csv"
    target.write_text(fixture(name).read_text().replace(old, new, 1))
    (directory / f"{name}.meta.csv").write_text(fixture(name).with_suffix(".meta.csv").read_text())
    return target


def test_a_fractional_count_is_refused_and_does_not_hide_unrounded_counts(tmp_path: Path) -> None:
    result = ees.screen(fixture("fractional_count"))
    assert not result.ok
    fraction = [f for f in result.errors if f.rule == "L24"]
    assert fraction and "holds fractions" in fraction[0].message and "52.5" in fraction[0].message
    assert fraction[0].row == 3 and fraction[0].column == "number_of_learners"
    # Remove the fraction: the unrounded 73 it was hiding is reported against the (default) profile.
    again = ees.screen(copy_with("fractional_count", tmp_path, ",52.5\n", ",60\n"))
    assert [f.row for f in again.errors] == [6]
    assert (
        "breaks the default profile 'counts rounded to 5': value 73 on row 6 is not rounded to 5"
        in again.errors[0].message
    )


# --------------------------------------------------------------------------------------------------------------
# #12.2 D5: extremes under other names (LEO's earnings_lower / earnings_upper; "Minimum Earnings")

EXTREMES = {"earnings_lower", "earnings_upper", "earnings_adjusted_lower", "earnings_adjusted_upper"}


def test_extremes_are_hidden_by_name_or_label() -> None:
    result = ees.load(fixture("earnings_extremes"))
    assert result.meta is not None
    hidden = {i.column for i in ees.indicators_from_meta(result.meta) if i.hidden}
    assert hidden == EXTREMES  # quartiles and medians stay
    assert sdc.is_single_person_extreme("earnings_2", "Highest earnings")
    assert not sdc.is_single_person_extreme("earnings_lq", "Lower quartile")


def test_extremes_never_leave_protect_even_if_the_catalogue_forgot_them() -> None:
    result = ees.load(fixture("earnings_extremes"))
    assert result.frame is not None and result.meta is not None
    careless = [
        Indicator(i.column, i.label, i.kind, i.unit, i.dp, "grads_earnings_include", hidden=False)
        for i in ees.indicators_from_meta(result.meta)
        if i.kind == "earnings"
    ]
    shown = sdc.protect(result.frame, careless, DisclosureProfile())
    assert not EXTREMES & set(shown.columns)
    assert "earnings_median" in shown.columns and "earnings_LQ" in shown.columns
    problems = sdc.check_visible(result.frame, careless, DisclosureProfile(), derived=False)
    assert any("earnings_upper is a hidden column" in p for p in problems)
    # A hand-written catalogue entry is corrected when read: never offered on any page.
    raw = entry_to_dict(make_entry("x", indicators=tuple(careless)))
    entry = entry_from_dict(raw, Path("x.toml"))
    assert {i.column for i in entry.indicators if i.hidden} == EXTREMES
    assert not EXTREMES & {i.column for i in entry.visible_indicators()}


# --------------------------------------------------------------------------------------------------------------
# #12.3 Rates with more decimals than indicator_dp: warned, rounded, and never sent to the browser


def test_unrounded_rate_is_warned_and_rounded_to_its_dp() -> None:
    result = ees.load(fixture("unrounded_rate"))
    warning = [f for f in result.warnings if f.rule == "L24"]
    assert warning and "indicator_dp of 1" in warning[0].message and warning[0].row == 2
    assert result.frame is not None
    assert result.frame["emp_percent"].to_list()[0] == 14.3
    assert result.frame["emp_percent"].to_list()[1] == 21.5  # already at its dp: unchanged


def test_rate_with_no_dp_is_rounded_to_what_views_show(tmp_path: Path) -> None:
    data = copy_with("unrounded_rate", tmp_path, "x", "x")
    meta = data.with_name("unrounded_rate.meta.csv")
    meta.write_text(meta.read_text().replace(",%,1,", ",%,,"))
    result = ees.load(data)
    assert result.frame is not None and result.frame["emp_percent"][0] == 14.3
    assert any(f.rule == "L24" and "no indicator_dp" in f.message for f in result.warnings)


def test_declared_whole_percentages_refuse_decimals() -> None:
    result = ees.screen(fixture("unrounded_rate"), profile=["percentages whole"])
    assert ("L24", "emp_percent") in rules(result)
    assert "breaks the declared profile 'percentages whole'" in result.errors[0].message


def test_chart_data_never_carries_more_precision_than_the_table(data_dir: Path) -> None:
    rows = _rows()
    rows[0][-1] = "14.285714285714286"  # Fenwick Vale College, Total, 2021/22
    meta = [m[:] for m in META]
    meta[-1][5] = "1"
    source = write_ees(data_dir / "src", "precise", HEADER, rows, meta)
    assert main(["add", str(source), "--id", "precise", "--count-base", "10"]) == 0
    entry = load_catalogue(data_dir).get("precise")
    spec, notes = benefits.spec_from_params(entry, {"provider": ["90000001"]})
    built = benefits.build_views(entry, spec)
    figure_json = built.trend.figure.to_json()
    assert "14.285714" not in figure_json and "14.3" in figure_json
    assert "14.285714" not in built.trend.frame.write_csv()


# --------------------------------------------------------------------------------------------------------------
# #12.4 Earnings or rates without a base are refused at registration unless the profile says why


def test_add_refuses_earnings_without_a_base(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["add", str(fixture("earnings_extremes")), "--id", "no_base"])
    out = capsys.readouterr().out
    assert code == 1
    assert "earnings_median (earnings)" in out and "no base column" in out and "--no-base-reason" in out
    assert not list((data_dir / "catalogue").glob("*.toml"))
    assert (
        main(["add", str(fixture("earnings_extremes")), "--id", "with_base", "--base", "*=grads_earnings_include"]) == 0
    )
    assert (
        main(
            [
                "add",
                str(fixture("earnings_extremes")),
                "--id",
                "with_reason",
                "--no-base-reason",
                "Earnings are published only where at least 11 graduates have earnings.",
            ]
        )
        == 0
    )
    entry = load_catalogue(data_dir).get("with_reason")
    assert entry.disclosure.no_base_reason.startswith("Earnings are published only")
    assert load_catalogue(data_dir).get("with_base").indicator("earnings_median").base == "grads_earnings_include"


# --------------------------------------------------------------------------------------------------------------
# #12.5 Record-level data disguised as an aggregate


@pytest.mark.parametrize(
    ("name", "column"), [("record_level_keys", "characteristic_value"), ("record_level_free_text", "destination_notes")]
)
def test_record_level_files_are_refused(name: str, column: str) -> None:
    result = ees.screen(fixture(name))
    assert ("A2", column) in rules(result)
    assert "record-level data" in str(result.errors[-1]) or any("record-level" in f.message for f in result.errors)


@pytest.mark.parametrize("name", ["fe_outcomes_provider_benefits.csv.gz", "fe_outcomes_community_learning.csv.gz"])
def test_real_provider_tables_still_load(name: str) -> None:
    # ~2,000 providers, 50k+ rows, names of sole traders: provider columns are geography, never record keys.
    result = ees.screen(REFERENCE_DIR / name, count_base=10)
    assert result.ok, "\n".join(map(str, result.errors))


# --------------------------------------------------------------------------------------------------------------
# #12.6 D9 on published cells


def test_published_zero_and_hundred_percent_on_tiny_bases_are_suppressed() -> None:
    result = ees.load(fixture("class_disclosure"))
    assert result.frame is not None
    rate = Indicator("emp_percent", "Sustained employment (%)", "rate", "%", 0, base="number_of_matched_learners")
    base = Indicator("number_of_matched_learners", "Matched", "base")
    shown = sdc.protect(result.frame, [base, rate], DisclosureProfile())
    assert shown["emp_percent"].to_list()[1:3] == [None, None]  # 100% and 0% on a published base of 10
    assert shown[status_column("emp_percent")].to_list()[1:3] == ["c", "c"]
    assert shown["emp_percent"][4] == 100.0  # on a base of 40 it stands
    assert sdc.check_visible(shown, [base, rate], DisclosureProfile(), derived=False) == []
    assert sdc.check_visible(result.frame, [base, rate], DisclosureProfile(), derived=False)  # unprotected: caught
    entry = make_entry("t", indicators=(base, rate))
    view = views.make_view(
        key="k", entry=entry, title="t", frame=shown, columns=[views.Column.for_indicator(rate)], summary="s"
    )
    assert any("class disclosure" in n for n in view.all_footnotes)


# --------------------------------------------------------------------------------------------------------------
# #12.7 `check` escapes control characters; negative counts and rates are errors


def test_check_escapes_control_characters() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "leo_dash", "check", str(fixture("control_characters"))],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]0;owned\\x07" in result.stdout


def test_negative_counts_and_rates_are_errors() -> None:
    result = ees.screen(fixture("negative_values"))
    assert ("L20", "number_of_matched_learners") in rules(result) and ("L20", "emp_percent") in rules(result)
    assert any("cannot be negative" in f.message for f in result.errors)


# --------------------------------------------------------------------------------------------------------------
# #13: the publication's disclosure profile, declared


def test_unrounded_suppressed_counts_need_their_profile() -> None:
    without = ees.screen(fixture("unrounded_suppressed_counts"))
    assert not without.ok
    message = without.errors[0].message
    assert "breaks the default profile 'counts rounded to 5'" in message and "--profile" in message
    declared = ees.screen(fixture("unrounded_suppressed_counts"), profile=["counts unrounded, suppressed below 6"])
    assert declared.ok, declared.errors
    small = ees.screen(fixture("unrounded_small_count_published"), profile=["counts unrounded, suppressed below 6"])
    assert [f.row for f in small.errors] == [6]
    assert (
        "breaks the declared profile 'counts unrounded, suppressed below 6': value 3 on row 6 is under 6"
        in small.errors[0].message
    )


def test_profiles_parse_and_refuse_unknown_names() -> None:
    profile = parse_profile(["Counts rounded to 10; percentages whole", "earnings to £100"])
    assert profile.names == ("counts rounded to 10", "earnings to £100", "percentages whole")
    with pytest.raises(ProfileError, match="Unknown disclosure profile"):
        parse_profile(["counts rounded to 7"])
    with pytest.raises(ProfileError, match="two conventions for counts"):
        parse_profile(["counts rounded to 5", "counts rounded to 10"])


def test_add_with_a_profile_stores_it_and_the_store_loads_the_table(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = fixture("unrounded_suppressed_counts")
    assert main(["add", str(source), "--id", "destinations"]) == 1
    assert "--profile" in capsys.readouterr().out
    assert (
        main(
            [
                "add",
                str(source),
                "--id",
                "destinations",
                "--profile",
                "counts unrounded, suppressed below 6",
                "--profile",
                "percentages whole",
                "--base",
                "*=cohort",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Disclosure profile: counts unrounded, suppressed below 6; percentages whole." in out
    entry = load_catalogue(data_dir).get("destinations")
    assert entry.disclosure.publication_profile == ("counts unrounded, suppressed below 6", "percentages whole")
    assert entry.disclosure.count_base == 5  # derived counts keep the data standard's own rounding
    toml = (data_dir / "catalogue" / "destinations.toml").read_text()
    assert 'publication_profile = [\n    "counts unrounded, suppressed below 6",' in toml
    prepared = store.prepare(entry, data_dir=data_dir)
    assert prepared.rows == 9


def test_check_profile_option() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "leo_dash",
            "check",
            str(fixture("unrounded_suppressed_counts")),
            "--profile",
            "counts unrounded, suppressed below 6",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "leo_dash",
            "check",
            str(fixture("unrounded_suppressed_counts")),
            "--profile",
            "nonsense",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and "Unknown disclosure profile" in bad.stderr and "Traceback" not in bad.stderr


def test_a_bad_profile_in_the_catalogue_is_a_clear_error() -> None:
    raw = entry_to_dict(make_entry("x", disclosure=DisclosureProfile(publication_profile=("counts rounded to 10",))))
    assert entry_from_dict(raw, Path("x.toml")).disclosure.publication_profile == ("counts rounded to 10",)
    raw["disclosure"]["publication_profile"] = ["counts to the nearest 3"]
    with pytest.raises(CatalogueError, match="x.toml: Unknown disclosure profile"):
        entry_from_dict(raw, Path("x.toml"))


# --------------------------------------------------------------------------------------------------------------
# #13: counts of institutions are not people: never rounded, never a base


def test_counts_of_institutions_load_unrounded_and_are_never_bases(tmp_path: Path) -> None:
    result = ees.load(fixture("institution_counts"))
    assert result.ok and result.meta is not None
    indicators = {i.column: i for i in ees.indicators_from_meta(result.meta)}
    assert indicators["number_of_providers"].kind == "other"
    assert indicators["number_of_graduates"].kind == "base"
    assert indicators["sust_emp_percent"].base == "number_of_graduates"
    assert is_institution_count("n_schools") and is_institution_count("x", "Number of colleges")
    assert not is_institution_count("number_of_learners", "Number of learners")
    # Still a count: a fraction is refused.
    fractional = copy_with("institution_counts", tmp_path, ",21,", ",21.5,")
    assert ("L24", "number_of_providers") in rules(ees.screen(fractional))


def test_real_graduate_industry_table_number_of_providers_is_not_rounded() -> None:
    result = ees.screen(REFERENCE_DIR / "leo_graduate_industry_regional_201819.csv.gz")
    assert result.ok, "\n".join(map(str, result.errors))


# --------------------------------------------------------------------------------------------------------------
# #13: L5 follows the EES screener; L16 checks local authority names against ONS codes


def test_column_names_differing_only_in_punctuation_are_allowed() -> None:
    result = ees.screen(fixture("punctuated_names"))
    assert result.ok and not [f for f in result.findings if f.rule == "L5"]


def test_misspelt_local_authority_is_refused() -> None:
    assert ees.screen(fixture("local_authorities")).ok
    result = ees.screen(fixture("local_authority_misspelt"))
    l16 = [f for f in result.errors if f.rule == "L16"]
    assert l16 and l16[0].row == 3 and "Westminister" in l16[0].message


def _local_authority_variant(tmp_path: Path, name: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> Path:
    """The local_authorities fixture with one change, written beside its metadata."""
    frame = change(pl.read_csv(fixture("local_authorities"), infer_schema=False))
    target = tmp_path / f"{name}.csv"
    frame.write_csv(target)
    shutil.copy(FIXTURES / "local_authorities.meta.csv", tmp_path / f"{name}.meta.csv")
    return target


def _l16(path: Path) -> list[ees.Finding]:
    return [f for f in ees.screen(path).errors if f.rule == "L16"]


def _then(
    first: Callable[[pl.DataFrame], pl.DataFrame], second: Callable[[pl.DataFrame], pl.DataFrame]
) -> Callable[[pl.DataFrame], pl.DataFrame]:
    return lambda frame: second(first(frame))


def _first_la_row(column: str, value: str) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """Change `column` on the first Local authority row (file row 3)."""
    index = pl.int_range(pl.len())
    return lambda f: f.with_columns(pl.when(index == 1).then(pl.lit(value)).otherwise(pl.col(column)).alias(column))


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        # An English authority code ONS never issued, under a misspelt name: no lookup row to compare, still refused.
        ("new_la_code", "E09000099", "ONS gives Westminster the code E09000033"),
        # Westminster filed under the West Midlands: each pair is right, the row is not.
        ("region_code", "E12000005", "ONS places it in E12000007"),
        # A region code from outside the nine English regions.
        ("region_code", "E12000010", "ONS gives London the code E12000007"),
    ],
)
def test_local_authority_codes_are_checked_against_ons(tmp_path: Path, column: str, value: str, fragment: str) -> None:
    change = _first_la_row(column, value)
    if value == "E12000005":
        change = _then(change, _first_la_row("region_name", "West Midlands"))
    l16 = _l16(_local_authority_variant(tmp_path, "la_variant", change))
    assert l16 and l16[0].row == 3 and l16[0].column == column and fragment in l16[0].message, l16


def _as_districts(frame: pl.DataFrame) -> pl.DataFrame:
    """Local authority rows as Local authority district rows (districts: E07 codes under their county)."""
    districts = {"E09000033": ("E09000033", "Westminster"), "E08000025": ("E08000025", "Birmingham"),
                 "E06000001": ("E07000112", "Folkestone and Hythe")}  # fmt: skip
    la_rows = pl.col("geographic_level") == "Local authority"
    return frame.with_columns(
        pl.when(la_rows)
        .then(pl.lit("Local authority district"))
        .otherwise(pl.col("geographic_level"))
        .alias("geographic_level"),
        pl.col("new_la_code").replace_strict({k: v[0] for k, v in districts.items()}, default=None).alias("lad_code"),
        pl.col("new_la_code").replace_strict({k: v[1] for k, v in districts.items()}, default=None).alias("lad_name"),
        pl.when(pl.col("new_la_code") == "E06000001")
        .then(pl.lit("E12000008"))
        .otherwise(pl.col("region_code"))
        .alias("region_code"),
        pl.when(pl.col("new_la_code") == "E06000001")
        .then(pl.lit("South East"))
        .otherwise(pl.col("region_name"))
        .alias("region_name"),
    ).drop("new_la_code", "la_name", "old_la_code")


@pytest.mark.parametrize(
    ("name", "ok", "fragment"),
    [
        ("Folkestone and Hythe", True, ""),
        ("Shepway", True, ""),  # the same code's name before 2018
        ("Folkestone & Hythe", False, "does not match name Folkestone & Hythe"),
        ("Birmingham", False, "does not match name Birmingham"),  # a known district under the wrong code
    ],
)
def test_local_authority_district_names_are_checked_against_ons(
    tmp_path: Path, name: str, ok: bool, fragment: str
) -> None:
    def change(frame: pl.DataFrame) -> pl.DataFrame:
        districts = _as_districts(frame)
        return districts.with_columns(
            pl.when(pl.col("lad_code") == "E07000112")
            .then(pl.lit(name))
            .otherwise(pl.col("lad_name"))
            .alias("lad_name")
        )

    l16 = _l16(_local_authority_variant(tmp_path, "districts", change))
    if ok:
        assert not l16, l16
    else:
        assert l16 and l16[0].column == "lad_code" and fragment in l16[0].message, l16


def test_unknown_english_district_code_is_refused(tmp_path: Path) -> None:
    # A misspelt name under a code ONS never issued: there is no lookup row to compare with, and it is still refused.
    def change(frame: pl.DataFrame) -> pl.DataFrame:
        districts = _as_districts(frame)
        renamed = {"E07000112": "E07000999"}
        return districts.with_columns(
            pl.col("lad_code").replace(renamed), pl.col("lad_name").replace({"Folkestone and Hythe": "Folkstone"})
        )

    l16 = _l16(_local_authority_variant(tmp_path, "districts", change))
    assert l16 and "E07000999 is not in the ONS lookup" in l16[0].message, l16


def test_ons_lookup_ships_with_its_licence() -> None:
    lookup = pl.read_csv(PROJECT_ROOT / "data" / "ons_geography_codes.csv", infer_schema=False)
    assert set(lookup["level"]) == {"Country", "Region", "Local authority", "Local authority district"}
    assert lookup.filter(pl.col("code") == "E09000033")["name"].to_list() == ["Westminster", "Westminster"]
    districts = lookup.filter(pl.col("level") == "Local authority district")
    assert districts.height > 300 and districts["code"].str.contains(r"^E0[6789]\d{6}$").all()
    note = (PROJECT_ROOT / "data" / "ons_geography_codes.md").read_text()
    assert "Open Government Licence" in note


# --------------------------------------------------------------------------------------------------------------
# #13: add says which pages can show the table; review dates count from registration


def test_add_says_which_pages_can_show_the_table(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = fixture("institution_counts")
    assert main(["add", str(source), "--id", "institutions_t", "--release-date", "2019-06-01"]) == 0
    out = capsys.readouterr().out
    assert "Pages that can show institutions_t: Headlines" in out
    assert "Institution performance cannot: no column has the role provider_id, provider_name" in out
    assert "Subject earnings cannot: no column has the role subject, years_after" in out
    entry = load_catalogue(data_dir).get("institutions_t")
    assert entry.next_review > dt.date.today()  # released 2019, but not overdue on arrival


def test_a_head_count_is_not_guessed_as_the_base_of_a_rate(tmp_path: Path) -> None:
    # FE rates rest on matched learners, not on every learner: with no matched column the base must be declared.
    header = [*HEADER[:-2], "number_of_learners", "benefit_percent"]
    meta = [META[0], ["number_of_learners", "Indicator", "Number of learners", "", "", "0", "", ""], META[2]]
    source = write_ees(tmp_path, "head_count", header, _rows(), meta)
    result = ees.load(source, count_base=10)
    assert result.meta is not None
    indicators = {i.column: i for i in ees.indicators_from_meta(result.meta)}
    assert indicators["number_of_learners"].kind == "count"
    assert indicators["benefit_percent"].base is None


def test_committed_real_tables_declare_their_publication_profile() -> None:
    catalogue = load_catalogue(PROJECT_ROOT / "data")
    entry = catalogue.get("fe_provider_benefits")
    assert entry.disclosure.publication_profile == ("counts rounded to 10", "percentages whole")
    result = ees.screen(
        REFERENCE_DIR / "fe_outcomes_provider_benefits.csv.gz", profile=entry.disclosure.publication_profile
    )
    assert result.ok, "\n".join(map(str, result.errors))


def test_a_new_declared_profile_screens_the_cached_table_again(data_dir: Path) -> None:
    source = fixture("unrounded_suppressed_counts")
    entry = make_entry(
        "cached",
        files=(str(source),),
        indicators=(Indicator("cohort", "Cohort", "base"),),
        disclosure=DisclosureProfile(publication_profile=("counts unrounded, suppressed below 6",)),
    )
    assert store.prepare(entry, data_dir=data_dir).rows == 9
    stricter = make_entry(
        "cached",
        files=(str(source),),
        indicators=entry.indicators,
        disclosure=DisclosureProfile(publication_profile=("counts unrounded, suppressed below 50",)),
    )
    with pytest.raises(ees.EESLoadError, match="under 50 but not suppressed"):
        store.prepare(stricter, data_dir=data_dir)  # not the parquet cached under the first profile
