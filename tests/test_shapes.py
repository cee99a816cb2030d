"""Shapes a published table can have beyond one measure per column (issue #13 item 2), at library level, on the
fixtures in tests/fixtures/ees/:

- `data_type_destinations`: counts and percentages in the same indicator columns, told apart by `data_type`;
- `activity_benefits`: post-16 main activity, where activity = "Out of work benefits" holds the benefit rate;
- `nested_levels`: `level_of_learning` nested under `level_group` (filter_grouping_column), defaults from the meta;
- `tests/fixtures/loader/institution_counts`: `number_of_providers` counts organisations, never a base.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from leo_dash import sdc
from leo_dash.analyses import benefits, institutions, table_choices
from leo_dash.core import catalogue, ees, query, shapes
from leo_dash.core.model import MeasureItem, TableEntry, status_column
from leo_dash.core.registration import RegistrationError, RegistrationRequest, build_entry

FIXTURES = Path(__file__).parent / "fixtures" / "ees"
LOADER = Path(__file__).parent / "fixtures" / "loader"


def register(path: Path, table_id: str, data_dir: Path, **request: object) -> TableEntry:
    """Screen and describe a fixture as `add` does, and write its catalogue entry."""
    result = ees.screen(path, profile=request.pop("profile", ()))  # type: ignore[arg-type]
    assert result.ok, [str(f) for f in result.errors]
    req = RegistrationRequest(path=path, table_id=table_id, title=table_id, registered=dt.date(2026, 1, 1), **request)  # type: ignore[arg-type]
    entry = build_entry(req, result)
    catalogue.write_entry(entry, data_dir)
    loaded = catalogue.load_catalogue(data_dir).get(table_id)
    assert loaded == entry  # every shape survives the catalogue file
    return loaded


# ------------------------------------------------------------------------------------------------ (a) data_type


def test_screener_applies_count_rules_to_count_rows_only(tmp_path: Path) -> None:
    assert ees.screen(FIXTURES / "data_type_destinations.csv").ok
    # The same file with a filter that does not say it sets the unit: its percentages are counts with fractions.
    for name in ("data_type_destinations.csv", "data_type_destinations.meta.csv"):
        text = (FIXTURES / name).read_text().replace("data_type", "breakdown").replace("Data type", "Breakdown")
        (tmp_path / name).write_text(text)
    refused = ees.screen(tmp_path / "data_type_destinations.csv")
    assert any(f.rule == "L24" and "fractions" in f.message for f in refused.errors)


def test_registration_detects_the_data_type_filter(data_dir: Path) -> None:
    entry = register(FIXTURES / "data_type_destinations.csv", "dm", data_dir)
    assert entry.unit_filter == "data_type"
    assert entry.unit_items == {"Number of pupils": "count", "Percentage": "%"}
    assert entry.filter_defaults == {"characteristic": "Total", "data_type": "Number of pupils"}
    # As stored, a column holding both is neither: nothing may sum it or take it as a base.
    assert {(i.kind, i.base, i.counts_of) for i in entry.indicators} == {("other", None, "")}
    # Overridable: the entry can say the table has no unit filter (then it is an ordinary count table).
    plain = build_entry(
        RegistrationRequest(FIXTURES / "data_type_destinations.csv", "dm2", "dm2", unit_filter="none"),
        ees.screen(FIXTURES / "data_type_destinations.csv"),
    )
    assert plain.unit_filter is None and plain.indicator("overall").kind == "count"


def test_a_selection_always_pins_one_data_type(data_dir: Path) -> None:
    entry = register(FIXTURES / "data_type_destinations.csv", "dm", data_dir)
    rows = query.select(entry, {})
    assert rows["data_type"].unique().to_list() == ["Number of pupils"]
    assert rows.height == 2  # two years, characteristic pinned to Total
    assert query.select(entry, {"data_type": ["Percentage"]})["data_type"].unique().to_list() == ["Percentage"]
    with pytest.raises(query.SelectionError):
        query.select(entry, {"data_type": ["Number of pupils", "Percentage"]})
    with pytest.raises(query.SelectionError):
        query.select(entry, {}, vary=["data_type"])


def test_percentages_are_never_summed_and_counts_are_bases(data_dir: Path) -> None:
    entry = register(FIXTURES / "data_type_destinations.csv", "dm", data_dir)
    where = {"characteristic": ["Boys", "Girls"], "time": [202021]}
    overall = entry.indicator("overall")

    percent = query.unit_indicator(entry, overall, {"data_type": "Percentage"})
    assert (percent.kind, percent.unit, percent.base, percent.counts_of) == ("other", "%", None, "")
    rows = query.select(entry, {**where, "data_type": ["Percentage"]})
    summed = sdc.aggregate(rows, ["time_period"], [percent], entry.disclosure)
    assert summed["overall"].to_list() == [None] and summed[status_column("overall")].to_list() == ["x"]

    count = query.unit_indicator(entry, overall, {"data_type": ["Number of pupils"]})
    assert (count.kind, count.unit, count.counts_of) == ("count", "", "people")
    rows = query.select(entry, {**where, "data_type": ["Number of pupils"]})
    assert sdc.aggregate(rows, ["time_period"], [count], entry.disclosure)["overall"].to_list() == [940]
    # With no data_type chosen the unit is the pinned default's.
    assert query.unit_indicator(entry, overall, {}).kind == "count"


def test_institution_views_follow_the_pinned_data_type(data_dir: Path) -> None:
    """Provider rows with counts and percentages in one column: the meta's default (Percentage) is shown as a
    percentage never summed into an all-provider figure; Number of pupils as counts summed into one."""
    entry = register(FIXTURES / "data_type_providers.csv", "dtp", data_dir)
    assert entry.filter_defaults == {"data_type": "Percentage"}
    percent = institutions.spec_from_params(entry, {"measure": ["overall"]})
    assert dict(percent.filters) == {"data_type": "Percentage"}
    views = institutions.build_views(entry, percent)
    assert [c.unit for c in views.ranked.columns if c.name == "overall"] == ["%"]
    assert "Percentage" in views.ranked.title
    assert provider_figures(entry, percent) == [85.7, 90.0, 92.3]
    bench = views.ranked.frame.filter(pl.col(institutions.MEMBER) == institutions.BENCHMARK_KEY)
    assert bench["overall"].to_list() == [None] and bench[status_column("overall")].to_list() == ["x"]
    assert views.funnel is None  # a percentage with no base has no funnel plot

    count = institutions.spec_from_params(entry, {"measure": ["overall"], "data_type": ["Number of pupils"]})
    views = institutions.build_views(entry, count)
    assert [c.unit for c in views.ranked.columns if c.name == "overall"] == [""]
    assert "Number of pupils" in views.ranked.title
    bench = views.ranked.frame.filter(pl.col(institutions.MEMBER) == institutions.BENCHMARK_KEY)
    assert bench["overall"].to_list() == [390.0]  # 120 + 180 + 90, a count of people summed


def test_a_hand_written_entry_cannot_make_a_mixed_column_a_count(tmp_path: Path) -> None:
    raw = catalogue.entry_to_dict(
        replace(
            _entry(),
            unit_filter="data_type",
            unit_items={"Number of pupils": "count", "Percentage": "%"},
        )
    )
    raw["indicators"] = [{"column": "overall", "label": "Overall", "kind": "count"}]
    entry = catalogue.entry_from_dict(raw, tmp_path / "x.toml")
    assert entry.indicator("overall").kind == "other"
    raw["unit_items"] = {"Percentage": "percent-ish"}
    with pytest.raises(catalogue.CatalogueError, match="unit_items"):
        catalogue.entry_from_dict(raw, tmp_path / "x.toml")


def test_item_units_read_from_labels() -> None:
    assert shapes.unit_of_item("Number of pupils") == "count"
    assert shapes.unit_of_item("Percentage") == "%"
    assert shapes.unit_of_item("Percentage of students") == "%"
    assert shapes.unit_of_item("Boys") is None
    rows = [{"col_name": "data_type", "label": "Data type"}, {"col_name": "sex", "label": "Sex"}]
    assert shapes.detect_unit_filter(rows, {"data_type": ["Number of pupils", "Percentage"]}) is not None
    assert shapes.detect_unit_filter(rows, {"data_type": ["Number of pupils", "Median"]}) is None
    assert shapes.detect_unit_filter(rows, {"data_type": ["Number of pupils"]}) is None  # no percentage


# ------------------------------------------------------------------------------------------------ (b) measure item

ACTIVITY = pl.read_csv(FIXTURES / "activity_benefits.csv")
NO_BASE = "Shares of all learners in the cohort as published; the table has no base column."


def benefit_rates(sex: str = "Total") -> list[float]:
    rows = ACTIVITY.filter((pl.col("activity") == "Out of work benefits") & (pl.col("sex") == sex))
    return rows.sort("time_period")["percentage"].to_list()


def test_registration_maps_the_benefit_item_to_the_benefit_rate(data_dir: Path) -> None:
    entry = register(FIXTURES / "activity_benefits.csv", "act", data_dir, no_base_reason=NO_BASE)
    assert entry.measure_items == (MeasureItem("activity", "Out of work benefits", "benefit_rate", "percentage"),)
    none = build_entry(
        RegistrationRequest(FIXTURES / "activity_benefits.csv", "a2", "a2", no_base_reason=NO_BASE, measure_items=()),
        ees.screen(FIXTURES / "activity_benefits.csv"),
    )
    assert none.measure_items == ()


def test_benefit_status_filters_are_not_measures(reference_dir: Path) -> None:
    fe = {"benefit_learner": ["Benefit learners", "Not on benefits", "Total"], "provision": ["Apprenticeship", "Total"]}
    assert shapes.detect_measure_items(list(fe), fe, ["spd_percent"]) == []
    assert not shapes.is_benefit_item("Not on out of work benefits")


def test_the_benefits_page_finds_the_filter_item_rate(data_dir: Path) -> None:
    entry = register(FIXTURES / "activity_benefits.csv", "act", data_dir, no_base_reason=NO_BASE)
    assert benefits.supports(entry)
    assert not benefits.supports(replace(entry, measure_items=()))  # by column or label name it has none
    options = benefits.table_options(entry)
    assert [m.label for m in options.measures] == ["Out of work benefits (%)"]
    assert "activity" not in options.filters  # pinned by the measure, never a breakdown
    spec, notes = benefits.spec_from_params(entry, {})
    assert not notes and spec.measure == "percentage" and spec.filters == (("sex", "Total"),)
    data = benefits.benefit_data(entry, spec)
    assert data.frame.sort(benefits.PERIOD)["percentage"].to_list() == benefit_rates()
    female, _ = benefits.spec_from_params(entry, {"sex": ["Female"]})
    assert benefits.benefit_data(entry, female).frame.sort(benefits.PERIOD)["percentage"].to_list() == benefit_rates(
        "Female"
    )


# ------------------------------------------------------------------------------------------------ (c) nested filters


def test_registration_reads_grouping_and_defaults_from_the_meta(data_dir: Path) -> None:
    entry = register(FIXTURES / "nested_levels.csv", "lv", data_dir)
    assert entry.filter_groups == {"level_of_learning": "level_group"}
    assert entry.filter_defaults == {"level_group": "Level 2", "level_of_learning": "Full level 2"}
    assert entry.filters == ("level_group", "level_of_learning")
    assert query.column_label(entry, "level_of_learning") == "Level of learning"  # the meta's label


def test_a_grouping_column_without_a_meta_row_is_offered_first(tmp_path: Path, data_dir: Path) -> None:
    shutil.copy(FIXTURES / "nested_levels.csv", tmp_path / "nested_levels.csv")
    meta = (FIXTURES / "nested_levels.meta.csv").read_text().splitlines()
    (tmp_path / "nested_levels.meta.csv").write_text("\n".join(line for line in meta if ",Level group," not in line))
    entry = register(tmp_path / "nested_levels.csv", "lv", data_dir)
    assert entry.filters == ("level_group", "level_of_learning")
    assert entry.filter_defaults == {"level_of_learning": "Full level 2"}


def test_the_institutions_spec_offers_only_the_groups_children(data_dir: Path) -> None:
    entry = register(FIXTURES / "nested_levels.csv", "lv", data_dir)
    start = institutions.spec_from_params(entry, {})
    assert start.filters == (("level_group", "Level 2"), ("level_of_learning", "Full level 2"))
    level3 = institutions.spec_from_params(entry, {"level_group": ["Level 3"]})
    assert level3.filters == (("level_group", "Level 3"), ("level_of_learning", "Total"))  # default not in Level 3
    mixed = institutions.spec_from_params(entry, {"level_group": ["Level 3"], "level_of_learning": ["Full level 2"]})
    assert dict(mixed.filters)["level_of_learning"] == "Total"
    chosen = institutions.spec_from_params(entry, {"level_group": ["Level 3"], "level_of_learning": ["Full level 3"]})
    assert dict(chosen.filters)["level_of_learning"] == "Full level 3"
    # A link naming only the child brings the one group that publishes it; "Total" is under every group.
    alone = institutions.spec_from_params(entry, {"level_of_learning": ["Full level 3"]})
    assert alone.filters == (("level_group", "Level 3"), ("level_of_learning", "Full level 3"))
    total = institutions.spec_from_params(entry, {"level_of_learning": ["Total"]})
    assert total.filters == (("level_group", "Level 2"), ("level_of_learning", "Total"))
    assert provider_figures(entry, start) == [53.0, 56.0, 60.0]  # Full level 2, latest year, all three providers


def provider_figures(entry: TableEntry, spec: institutions.InstitutionSpec) -> list[float]:
    ranked = institutions.build_views(entry, spec).ranked.frame
    providers = ranked.filter(pl.col(institutions.MEMBER) != institutions.BENCHMARK_KEY)
    return sorted(providers[spec.measure].drop_nulls().to_list())


def test_the_benefits_spec_offers_only_the_groups_children(data_dir: Path) -> None:
    entry = register(FIXTURES / "nested_levels.csv", "lv", data_dir)
    options = benefits.table_options(entry)
    start, notes = benefits.spec_from_params(entry, {"compare": ["overall"]})
    assert not notes and start.filters == (("level_group", "Level 2"), ("level_of_learning", "Full level 2"))
    offered: dict[str, list[str]] = {}

    def pick(column: str, items, default: str) -> str:
        offered[column] = list(items)
        return "Level 3" if column == "level_group" else default

    split = benefits.split_by_key(benefits.available_splits(entry, options, None), "overall") or benefits.OVERALL_SPLIT
    chosen = table_choices.choose_filters(entry, benefits.filter_controls(entry, options, split), pick)
    assert offered["level_of_learning"] == ["Full level 3", "Other level 3", "Total"]
    assert chosen == (("level_group", "Level 3"), ("level_of_learning", "Total"))
    # Full level 2's providers' published rates give the all-provider line (the file has no national rows).
    data = benefits.benefit_data(entry, start)
    assert data.frame["benefit_percent"].drop_nulls().len() == 2


def test_a_chosen_child_pins_its_group_not_the_groups_total(data_dir: Path) -> None:
    entry = register(FIXTURES / "nested_levels.csv", "lv", data_dir)
    rows = query.select(entry, {"level_of_learning": ["Full level 3"], "time": [202223]})
    assert rows.height == 3 and rows["level_group"].unique().to_list() == ["Level 3"]
    # Without the grouping (independent drop-downs) the group is pinned to its default and nothing matches.
    flat = replace(entry, filter_groups={})
    assert query.select(flat, {"level_of_learning": ["Full level 3"], "time": [202223]}).height == 0


def test_real_fe_nested_age_groups_have_figures(reference_dir: Path) -> None:
    entry = catalogue.load_catalogue(reference_dir.parent).get("fe_community_learning")
    assert entry.filter_groups == {"age_group": "age_youth_adult"}
    options = institutions.page_options(entry)
    offered: dict[str, list[str]] = {}

    def pick(column: str, items, default: str) -> str:
        offered[column] = list(items)
        return {"age_youth_adult": "19 and over", "age_group": "19 - 24"}.get(column, default)

    items = institutions.provider_items(entry)
    filters = dict(table_choices.choose_filters(entry, options.filters, pick, published_with=items))
    assert offered["age_group"] == ["Total", "19 - 24", "25 - 49", "50 and over"]
    assert filters["age_group"] == "19 - 24"
    spec = institutions.spec_from_params(entry, {"age_youth_adult": ["19 and over"], "age_group": ["19 - 24"]})
    assert dict(spec.filters) == filters
    assert len(provider_figures(entry, spec)) > 10
    # The pair independent drop-downs gave (band Total, group 19 - 24) is never published.
    flat = institutions.spec_from_params(replace(entry, filter_groups={}), {"age_group": ["19 - 24"]})
    assert dict(flat.filters)["age_youth_adult"] == "Total"
    assert query.select(replace(entry, filter_groups={}), institutions._where(entry, flat)).height == 0


# ------------------------------------------------------------------------------------------------ (d) institutions


def test_a_count_of_institutions_is_never_a_base(data_dir: Path) -> None:
    path = LOADER / "institution_counts.csv"
    entry = register(path, "inst", data_dir)
    providers = entry.indicator("number_of_providers")
    assert (providers.kind, providers.counts_of) == ("other", "institutions")
    assert entry.indicator("number_of_graduates").counts_of == "people"
    assert entry.indicator("sust_emp_percent").base == "number_of_graduates"
    with pytest.raises(RegistrationError, match="counts institutions"):
        build_entry(RegistrationRequest(path, "i2", "i2", bases={"*": "number_of_providers"}), ees.screen(path))
    raw = catalogue.entry_to_dict(entry)
    raw["indicators"][2]["base"] = "number_of_providers"
    with pytest.raises(catalogue.CatalogueError, match="counts institutions"):
        catalogue.entry_from_dict(raw, data_dir / "inst.toml")
    raw = catalogue.entry_to_dict(entry)
    raw["indicators"][0] = {"column": "number_of_providers", "label": "Number of providers", "kind": "base"}
    with pytest.raises(catalogue.CatalogueError, match="counts institutions"):
        catalogue.entry_from_dict(raw, data_dir / "inst.toml")


def test_the_real_industry_table_marks_its_provider_count(reference_dir: Path) -> None:
    entry = catalogue.load_catalogue(reference_dir.parent).get("leo_graduate_industry")
    assert entry.indicator("number_of_providers").counts_of == "institutions"
    assert all(i.base != "number_of_providers" for i in entry.indicators)


def _entry() -> TableEntry:
    from tests.conftest import make_entry

    return make_entry("x", files=("tests/fixtures/ees/data_type_destinations.csv",))


def test_add_reports_and_overrides_the_shapes(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    from leo_dash.cli import main

    for name in ("activity_benefits", "nested_levels", "data_type_destinations"):
        for suffix in (".csv", ".meta.csv"):
            shutil.copy(FIXTURES / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    assert main(["add", str(tmp_path / "nested_levels.csv"), "--id", "lv"]) == 0
    out = capsys.readouterr().out
    assert "level_of_learning is nested under level_group." in out
    assert "level_of_learning = 'Full level 2'" in out
    args = ["add", str(tmp_path / "activity_benefits.csv"), "--no-base-reason", NO_BASE]
    assert main([*args, "--id", "act", "--measure-item", "none"]) == 0
    assert catalogue.load_catalogue(data_dir).get("act").measure_items == ()
    assert main([*args, "--id", "act2", "--measure-item", "activity=Out of work benefits"]) == 0
    assert "is the out-of-work benefit rate (percentage)" in capsys.readouterr().out
    assert catalogue.load_catalogue(data_dir).get("act2").measure_items[0].indicator == "percentage"
    dm = ["add", str(tmp_path / "data_type_destinations.csv")]
    assert main([*dm, "--id", "dm", "--unit-filter", "none"]) == 0
    assert catalogue.load_catalogue(data_dir).get("dm").unit_filter is None
    assert main([*dm, "--id", "dm2", "--unit-filter", "data_type", "--unit-item", "Percentage=%"]) == 0
    assert catalogue.load_catalogue(data_dir).get("dm2").unit_items["Number of pupils"] == "count"


def test_the_catalogue_page_describes_the_shapes(data_dir: Path) -> None:
    from leo_dash import governance

    nested = register(FIXTURES / "nested_levels.csv", "lv", data_dir)
    rows = {r["Column"]: r["Details"] for r in governance.column_rows(nested, query.column_labels(nested)).to_dicts()}
    assert rows["level_of_learning"] == "default item: Full level 2; nested under Level group"
    dm = register(FIXTURES / "data_type_destinations.csv", "dm", data_dir)
    rows = {r["Column"]: r["Details"] for r in governance.column_rows(dm).to_dicts()}
    assert "Number of pupils = count of people, Percentage = percent" in rows["data_type"]
    act = register(FIXTURES / "activity_benefits.csv", "act", data_dir, no_base_reason=NO_BASE)
    rows = {r["Column"]: r["Details"] for r in governance.column_rows(act, query.column_labels(act)).to_dicts()}
    assert "Out of work benefits = the out-of-work benefit rate (Percentage of learners)" in rows["activity"]
    inst = register(LOADER / "institution_counts.csv", "inst", data_dir)
    rows = {r["Column"]: r["Details"] for r in governance.column_rows(inst).to_dicts()}
    assert "counts institutions, not people" in rows["number_of_providers"]
