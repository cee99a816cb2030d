"""Table-level protection (D6): no hidden cell can be recovered or narrowed from what any view shows.

The attacker (`protection.attack`) is interval arithmetic over every relation, repeated to a fixed point, then a
linear program per measure coupling each rate with its base (scipy's HiGHS). It runs on random FE-shaped tables and
on what `python -m leo_dash published` writes for every approved table, read back as a reader would. The exact
attacker of tests/milp_attacker.py (same relations, as an LP or whole-number program) checks the pass's own."""

from __future__ import annotations

import io
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from leo_dash import cli, governance
from leo_dash.core import catalogue, catalogue_status, paths, store
from leo_dash.core.model import DisclosureProfile, Indicator, status_column
from leo_dash.sdc import protection, published
from tests.conftest import make_entry
from tests.milp_attacker import exposed, feasible_intervals

PROVISIONS = ("Apprenticeship", "Education & Training", "Traineeship")
STATUSES = ("Benefit learners", "Not on benefits")
BASE, RATE = "number_of_matched_learners", "benefit_percent"
ENTRY = make_entry(
    "fe_like",
    roles={"time": "time_period", "provider_id": "provider_ukprn"},
    filters=("provision", "benefit_learner"),
    indicators=(
        Indicator(BASE, "Number of matched learners", "base", dp=0),
        Indicator(RATE, "Sustained out-of-work benefits (%)", "rate", unit="%", dp=0, base=BASE),
    ),
    disclosure=DisclosureProfile(count_base=10, publication_profile=("counts rounded to 10", "percentages whole")),
)


def _half_up(value: float, step: float = 1) -> int:
    return int(Decimal(str(value / step)).quantize(Decimal(1), rounding=ROUND_HALF_UP) * Decimal(str(step)))


def fe_like_table(cells: dict[tuple[str, str], tuple[int, int]]) -> pl.DataFrame:
    """A provider's table as the FE publisher writes it: every part and Total, bases rounded to 10, whole
    percentages, `c` where the base is under 6 or the numerator is 1 or 2."""
    rows = []
    for provision in (*PROVISIONS, "Total"):
        for status in (*STATUSES, "Total"):
            keys = [(p, s) for p in PROVISIONS for s in STATUSES]
            chosen = [k for k in keys if provision in (k[0], "Total") and status in (k[1], "Total")]
            base = sum(cells[k][0] for k in chosen)
            count = sum(cells[k][1] for k in chosen)
            hide_base = 0 < base < 6
            hide_rate = hide_base or base == 0 or count in (1, 2)
            rows.append(
                {
                    "time_period": 202223,
                    "geographic_level": "Provider",
                    "provider_ukprn": "10000001",
                    "provision": provision,
                    "benefit_learner": status,
                    BASE: None if hide_base else float(_half_up(base, 10)),
                    status_column(BASE): "c" if hide_base else None,
                    RATE: None if hide_rate else float(_half_up(100 * count / base)),
                    status_column(RATE): "c" if hide_rate else None,
                }
            )
    return pl.DataFrame(rows, schema_overrides={status_column(BASE): pl.String, status_column(RATE): pl.String})


def test_the_issue_example_stays_unrecoverable() -> None:
    """UKPRN 10000028, 2018/19, Apprenticeship: Total 230 at 13%, Not on benefits 210 at 14%, Benefit learners `c`.
    Read as exact numbers, Total minus Not on benefits is 1 learner; with the publisher's rounding it is 0 to 3, so
    that cell needs no more suppression, and the attacker agrees."""
    cells = {(p, s): (0, 0) for p in PROVISIONS for s in STATUSES}
    cells[("Apprenticeship", "Benefit learners")] = (20, 1)
    cells[("Apprenticeship", "Not on benefits")] = (210, 29)
    frame = fe_like_table(cells)
    row = (
        frame.with_row_index()
        .filter(pl.col("benefit_learner") == "Benefit learners", pl.col("provision") == "Apprenticeship")
        .row(0, named=True)
    )
    assert row[status_column(RATE)] == "c"
    assert protection.feasible_interval(ENTRY, frame, row["index"], RATE) == (0, 3)
    assert protection.attack(ENTRY, frame).narrowed == 0


def test_a_lone_hidden_part_beside_exact_figures_gets_a_complement() -> None:
    """Without rounding (counts published exactly), Total minus the shown parts pins a hidden part: the pass
    hides the smallest other part, and then nothing can be pinned."""
    exact = make_entry(
        "exact",
        roles=ENTRY.roles,
        filters=ENTRY.filters,
        indicators=(Indicator("learners", "Learners", "count", dp=0),),
        disclosure=DisclosureProfile(publication_profile=("counts unrounded, suppressed below 3",)),
    )
    frame = pl.DataFrame(
        {
            "time_period": [202223] * 4,
            "geographic_level": ["Provider"] * 4,
            "provider_ukprn": ["1"] * 4,
            "provision": ["Total", "A", "B", "C"],
            "learners": [40.0, None, 30.0, 8.0],
            "learners__status": [None, "c", None, None],
        }
    )
    before = protection.attack(exact, frame)
    assert (before.pinned, before.narrowed) == (1, 1)
    out, report = protection.protect_table(exact, frame)
    assert out["learners__status"].to_list() == [None, "c", None, "c"]  # C (8) is smaller than B (30)
    assert out["learners"].to_list() == [40.0, None, 30.0, None]
    assert (report.cells_hidden, report.as_dict()["by_subtraction"]) == (1, 1)
    assert protection.attack(exact, out).narrowed == 0


def _area_table(learners: list[float | None]) -> pl.DataFrame:
    """England (only the North East here), the North East, and three of its authorities; counts published exactly."""
    levels = ["National", "Regional", "Local authority", "Local authority", "Local authority"]
    return pl.DataFrame(
        {
            "time_period": [202223] * 5,
            "geographic_level": levels,
            "country_code": ["E92000001"] * 5,
            "region_code": [None, "E12000001", "E12000001", "E12000001", "E12000001"],
            "new_la_code": [None, None, "E06000001", "E06000002", "E06000003"],
            "la_name": [None, None, "Hartlepool", "Middlesbrough", "Redcar and Cleveland"],
            "learners": learners,
            "learners__status": ["c" if v is None else None for v in learners],
        }
    )


AREA_ENTRY = make_entry(
    "areas",
    indicators=(Indicator("learners", "Learners", "count", dp=0),),
    disclosure=DisclosureProfile(publication_profile=("counts unrounded, suppressed below 3",)),
)


def test_a_hidden_authority_is_not_given_away_by_its_region() -> None:
    """A page shows one area at a time, but a user can open the region and each authority in turn: the region
    minus the authorities shown pins the hidden one, so the pass hides the smallest other authority as well."""
    frame = _area_table([120.0, 120.0, None, 70.0, 48.0])
    assert {r.along for r in protection.relations(AREA_ENTRY, frame)} == {
        "Regional in National",
        "Local authority in Regional",
    }
    assert protection.feasible_interval(AREA_ENTRY, frame, 2, "learners") == (2, 2)
    out, report = protection.protect_table(AREA_ENTRY, frame)
    assert out["learners__status"].to_list() == [None, None, "c", None, "c"]  # Redcar (48) < Middlesbrough (70)
    assert report.cells_hidden == 1 and protection.attack(AREA_ENTRY, out).narrowed == 0
    assert not exposed(feasible_intervals(AREA_ENTRY, out), 3)  # the linear-program attacker agrees


def test_authorities_that_do_not_add_up_to_their_region_move_nothing() -> None:
    """Authorities whose shown figures already exceed their region's (e.g. counted where learners live, the region
    where they studied): the sum does not hold, and the attacker must not pretend it does."""
    frame = _area_table([100.0, 100.0, None, 70.0, 48.0])
    lo, hi = protection.feasible_interval(AREA_ENTRY, frame, 2, "learners")
    assert hi - lo + 1 >= 3
    out, report = protection.protect_table(AREA_ENTRY, frame)
    assert out["learners__status"].to_list() == [None, None, "c", None, None] and report.cells_hidden == 0


DATA_TYPE_ENTRY = make_entry(
    "destinations",
    filters=("characteristic", "data_type"),
    indicators=(Indicator("overall", "Overall sustained destination", "other", dp=1),),
    disclosure=DisclosureProfile(publication_profile=("counts unrounded, suppressed below 6",)),
    unit_filter="data_type",
    unit_items={"Number of pupils": "count", "Percentage": "%"},
)


def test_a_data_type_tables_count_rows_are_protected_and_its_percentages_left_alone() -> None:
    """KS4 destination measures publish counts and percentages in one column, told apart by `data_type`. The
    count rows add up (Total = Boys + Girls), so a hidden Boys count beside exact Total and Girls counts is pinned;
    the pass hides Girls' count, and no percentage cell."""
    frame = pl.DataFrame(
        {
            "time_period": [202122] * 6,
            "geographic_level": ["National"] * 6,
            "characteristic": ["Total", "Total", "Boys", "Boys", "Girls", "Girls"],
            "data_type": ["Number of pupils", "Percentage"] * 3,
            "overall": [950.0, 94.0, None, None, 510.0, 96.2],
            "overall__status": [None, None, "c", "c", None, None],
        }
    )
    (quantity,) = protection.quantities(DATA_TYPE_ENTRY, frame)
    assert quantity.rows == ("data_type", ("Number of pupils",))
    assert protection.feasible_interval(DATA_TYPE_ENTRY, frame, 2, "overall") == (440, 440)
    out, report = protection.protect_table(DATA_TYPE_ENTRY, frame)
    assert out["overall__status"].to_list() == [None, None, "c", "c", "c", None]  # Girls' count, not its %
    assert out["overall"].to_list() == [950.0, 94.0, None, None, None, 96.2]
    assert report.cells_hidden == 1 and protection.attack(DATA_TYPE_ENTRY, out).narrowed == 0


def _random_cells(rng: random.Random) -> dict[tuple[str, str], tuple[int, int]]:
    cells = {}
    for p in PROVISIONS:
        for s in STATUSES:
            base = rng.choice([0, 0, 2, 4, 7, 9, 12, 18, 25, 40, 80, 150, 300])
            base = max(0, base + rng.randint(-2, 2))
            rate = rng.choice([0.0, 0.02, 0.05, 0.1, 0.3, 0.6, 0.9, 1.0])
            count = sum(rng.random() < rate for _ in range(base))
            cells[(p, s)] = (base, count)
    return cells


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10**9))
@example(4115)  # a rate hidden with its base kept its number inside the pass, which then attacked a looser table
def test_random_tables_protected_against_interval_and_linear_attack(seed: int) -> None:
    frame = fe_like_table(_random_cells(random.Random(seed)))
    out, report = protection.protect_table(ENTRY, frame, solver=True)
    assert report.still_exposed == 0
    assert protection.attack(ENTRY, out, solver=True).narrowed == 0
    # An independently written linear program over the same relations agrees.
    assert exposed(feasible_intervals(ENTRY, out, whole_people=False), ENTRY.disclosure.share_min_numerator) == []
    # Only more `c`: every number the publisher showed and the pass kept is unchanged.
    for column in (BASE, RATE):
        kept = out[status_column(column)].is_null()
        assert (out[column].filter(kept) == frame[column].filter(kept)).all()
        assert (frame[status_column(column)].is_null() | out[status_column(column)].is_not_null()).all()


# ---------------------------------------------------------------- every approved table, as `published` writes it

COMMITTED = catalogue.load_catalogue()


def _read_published(text: str, indicators: dict[str, Indicator]) -> pl.DataFrame:
    """The CSV that `published` writes, read back as a reader would: numbers, and each symbol as its status."""
    raw = pl.read_csv(io.StringIO(text), infer_schema=False)
    columns: list[pl.Series] = []
    for name in raw.columns:
        if name not in indicators:
            columns.append(raw[name])
            continue
        number = raw[name].cast(pl.Float64, strict=False)
        symbol = pl.select(pl.when(number.is_null()).then(raw[name])).to_series().alias(status_column(name))
        columns += [number.alias(name), symbol]
    return pl.DataFrame(columns)


@pytest.mark.parametrize("table_id", COMMITTED.ids())
def test_published_output_of_every_table_withstands_the_attack(table_id: str) -> None:
    entry = COMMITTED.get(table_id)
    rows, text = published.write_published(entry, None)
    shown = _read_published(text, {i.column: i for i in entry.indicators})
    assert shown.height == rows
    # The attackers the pass used (the linear program where the table's linked blocks are small enough).
    solver = "linear program" in store.prepare(entry).protection["attackers"]
    result = protection.attack(entry, shown, solver=solver)
    assert (result.pinned, result.narrowed) == (0, 0), result.examples
    # Against what the publisher released: only more `c`, every other number as published.
    source, _ = store._screen_files(entry)
    prepared = store.scan(entry).collect()
    for indicator in entry.visible_indicators():
        name, status = indicator.column, status_column(indicator.column)
        if status not in source.columns:
            continue
        was = source.select(pl.col(status).is_null().sum()).item()
        now = prepared.select(pl.col(status).is_null().sum()).item()
        assert now <= was, name
        assert (
            prepared.select((pl.col(status) == "c").sum()).item() >= source.select((pl.col(status) == "c").sum()).item()
        )


def test_the_protection_pass_is_recorded_and_reported() -> None:
    entry = COMMITTED.get("fe_provider_benefits")
    prepared = store.prepare(entry)
    report = prepared.protection
    assert report["cells_hidden"] > 0 and report["reason"] == protection.HIDDEN_REASON
    assert report["still_exposed"] == 0
    assert report["attackers"] == ["interval arithmetic", "linear program"]  # FE blocks: a provider's year
    assert sum(report["by_indicator"].values()) == report["cells_hidden"]
    status = catalogue_status.table_status(entry)
    assert status.hidden_by_protection == report["cells_hidden"]
    assert f"protection hid {report['cells_hidden']:,} more cells" in status.detail
    assert "would reveal a suppressed cell by subtraction" in status.detail


def test_published_command_writes_the_table_and_refuses_an_unknown_one(tmp_path: Path, capsys) -> None:
    out = tmp_path / "fe.csv"
    assert cli.main(["published", "fe_provider_benefits", "--out", str(out)]) == 0
    assert "as any view may show them" in capsys.readouterr().out
    frame = pl.read_csv(out, infer_schema=False)
    source = pl.read_csv(paths.REFERENCE_DIR / "fe_outcomes_provider_benefits.csv.gz", infer_schema=False)
    assert frame.height == source.height and set(frame.columns) == set(source.columns)
    hidden = (frame["benefit_percent"] == "c").sum()
    assert hidden >= (source["benefit_percent"] == "c").sum()
    assert frame["benefit_percent"].filter(frame["benefit_percent"] != "c").cast(
        pl.Float64, strict=False
    ).null_count() <= (frame["benefit_percent"].is_in(["x", "z", "low"]).sum())
    assert cli.main(["published", "no_such_table"]) == 1
    assert "no approved table 'no_such_table'" in capsys.readouterr().err


def test_the_catalogue_says_what_the_pass_hid_and_why() -> None:
    assert "No further cells needed hiding" in governance.protection_text({"cells_hidden": 0})
    text = governance.protection_text({"cells_hidden": 1234, "on_hidden_base": 34})
    assert "hides 1,234 more cells" in text
    assert "1,200 because with the others shown they would reveal a suppressed figure by subtraction" in text
    assert "34 because the number of people they rest on is hidden" in text
