"""Loader checks L1-L26 and A1/A2 (leo_dash.core.ees): one small failing file per check, built from the valid fixture
tests/fixtures/ees/minimal.csv by a mutation, plus the parsed-frame convention and never-raise guarantees."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leo_dash.core import ees
from leo_dash.core.ees.rules import _personal_reason
from leo_dash.core.model import Indicator, status_column

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "ees"
MINIMAL = FIXTURE_DIR / "minimal.csv"


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [list(r) for r in csv.reader(handle)]


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


@dataclass
class Pair:
    """A data file and its metadata as lists of strings. Rows are addressed by spreadsheet row (header = 1)."""

    header: list[str]
    rows: list[list[str]]
    meta: list[list[str]]  # including its header row
    name: str = "fe_test"
    write_meta: bool = True
    data_transform: Callable[[bytes], bytes] | None = None
    meta_transform: Callable[[bytes], bytes] | None = None
    extra_files: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def minimal(cls) -> Pair:
        data = _read(MINIMAL)
        return cls(header=data[0], rows=data[1:], meta=_read(MINIMAL.with_name("minimal.meta.csv")))

    # --- data ---
    def idx(self, column: str) -> int:
        return self.header.index(column)

    def set(self, row: int, column: str, value: str) -> Pair:
        self.rows[row - 2][self.idx(column)] = value
        return self

    def get(self, row: int, column: str) -> str:
        return self.rows[row - 2][self.idx(column)]

    def add_column(self, column: str, values: str | list[str] = "") -> Pair:
        self.header.append(column)
        for i, r in enumerate(self.rows):
            r.append(values if isinstance(values, str) else values[i])
        return self

    def drop_column(self, column: str) -> Pair:
        i = self.idx(column)
        self.header.pop(i)
        for r in self.rows:
            r.pop(i)
        return self

    def column_values(self, column: str) -> list[str]:
        i = self.idx(column)
        return [r[i] for r in self.rows]

    # --- meta ---
    def meta_idx(self, field_name: str) -> int:
        return self.meta[0].index(field_name)

    def meta_set(self, col_name: str, field_name: str, value: str) -> Pair:
        for r in self.meta[1:]:
            if r[0] == col_name:
                r[self.meta_idx(field_name)] = value
                return self
        raise KeyError(col_name)

    def meta_add(self, **fields: str) -> Pair:
        self.meta.append([fields.get(h, "") for h in self.meta[0]])
        return self

    def meta_drop_field(self, field_name: str) -> Pair:
        i = self.meta_idx(field_name)
        for r in self.meta:
            r.pop(i)
        return self

    def meta_add_field(self, field_name: str, value: str = "") -> Pair:
        self.meta[0].append(field_name)
        for r in self.meta[1:]:
            r.append(value)
        return self

    # --- files ---
    def write(self, directory: Path) -> Path:
        data = _csv_bytes([self.header, *self.rows])
        if self.data_transform:
            data = self.data_transform(data)
        path = directory / f"{self.name}.csv"
        path.write_bytes(data)
        if self.write_meta:
            meta = _csv_bytes(self.meta)
            if self.meta_transform:
                meta = self.meta_transform(meta)
            (directory / f"{self.name}.meta.csv").write_bytes(meta)
        for name, content in self.extra_files.items():
            (directory / name).write_bytes(content)
        return path


def screen_pair(pair: Pair, directory: Path, **kwargs: object) -> ees.ScreenResult:
    return ees.screen(pair.write(directory), **kwargs)  # type: ignore[arg-type]


# --- mutations used by several cases -------------------------------------------------------------------------------


def _national_rows_to(pair: Pair, level: str, rows: range, values: dict[str, str]) -> None:
    for row in rows:
        pair.set(row, "geographic_level", level)
        for column, value in values.items():
            pair.set(row, column, value)


def _add_provider_columns(pair: Pair, *, name: bool = True) -> None:
    pair.add_column("provider_ukprn")
    if name:
        pair.add_column("provider_name")


def school_and_provider(pair: Pair) -> None:
    _add_provider_columns(pair)
    for column in ("school_urn", "school_name", "school_laestab"):
        pair.add_column(column)
    _national_rows_to(
        pair, "School", range(2, 5), {"school_urn": "100000", "school_name": "A School", "school_laestab": "2011000"}
    )
    _national_rows_to(pair, "Provider", range(11, 14), {"provider_ukprn": "10000001", "provider_name": "A Provider"})


def provider_beside_regions(pair: Pair) -> None:
    _add_provider_columns(pair)
    _national_rows_to(pair, "Provider", range(11, 14), {"provider_ukprn": "10000001", "provider_name": "A Provider"})


def provider_without_name(pair: Pair) -> None:
    _add_provider_columns(pair, name=False)
    _national_rows_to(pair, "Provider", range(11, 14), {"provider_ukprn": "10000001"})


def provider_bad_ukprn(pair: Pair) -> None:
    provider_beside_regions(pair)
    pair.set(12, "provider_ukprn", "123")


def regions_to_local_authorities(pair: Pair) -> None:
    """Regional rows become Local authority rows without region columns (L14 warning: region should be carried)."""
    la = {"E12000001": ("E06000047", "County Durham", "840"), "E12000007": ("E09000033", "Westminster", "213")}
    pair.add_column("new_la_code").add_column("la_name").add_column("old_la_code")
    for row in range(2, 2 + len(pair.rows)):
        code = pair.get(row, "region_code")
        if code:
            new, name, old = la[code]
            pair.set(row, "geographic_level", "Local authority")
            pair.set(row, "new_la_code", new).set(row, "la_name", name).set(row, "old_la_code", old)
    pair.drop_column("region_code").drop_column("region_name")


def london_as_other_code(pair: Pair) -> None:
    """London rows under a code outside the region lookup, then one row names that code differently."""
    for row in range(2, 2 + len(pair.rows)):
        if pair.get(row, "region_code") == "E12000007":
            pair.set(row, "region_code", "E13000001").set(row, "region_name", "Inner London")
    pair.set(17, "region_name", "Inner London (old)")


def calendar_years_second_half(pair: Pair) -> None:
    for row in range(11, 20):
        pair.set(row, "time_identifier", "Calendar year").set(row, "time_period", "2022")


def all_counts_one(pair: Pair) -> None:
    for row in range(2, 20):
        pair.set(row, "number_of_learners", "1")


def identifier_filter(pair: Pair) -> None:
    """Twice the rows (new years), and a filter holding a different long number on every row."""
    extra = [list(r) for r in pair.rows]
    for r in extra:
        r[pair.idx("time_period")] = {"202122": "202324", "202223": "202425"}[r[pair.idx("time_period")]]
    pair.rows += extra
    pair.add_column("entry", [f"{4_000_000 + i * 37}" for i in range(len(pair.rows))])
    pair.meta_add(col_name="entry", col_type="Filter", label="Entry")


def replace_bytes(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def transform(data: bytes) -> bytes:
        assert old in data
        return data.replace(old, new, 1)

    return transform


@dataclass
class Case:
    id: str
    mutate: Callable[[Pair], object]
    rule: str
    severity: str
    row: int | None
    column: str | None
    meta_file: bool = False  # the finding is about the .meta.csv
    fragment: str | None = None  # text the message must contain
    kwargs: dict[str, object] = field(default_factory=dict)


CASES: list[Case] = [
    # L1: pair and file names
    Case(
        "L1-no-meta",
        lambda p: setattr(p, "write_meta", False),
        "L1",
        "error",
        None,
        None,
        fragment="needs a matching fe_test.meta.csv",
    ),
    Case("L1-name-style", lambda p: setattr(p, "name", "FE Test"), "L1", "warning", None, None, fragment="lower case"),
    # L2: encoding and field counts
    Case(
        "L2-bad-utf8",
        lambda p: setattr(p, "data_transform", replace_bytes(b"North East,Total", b"North \xffEast,Total")),
        "L2",
        "error",
        5,
        None,
        fragment="row 5: bad encoding or field count",
    ),
    Case("L2-extra-field", lambda p: p.rows[2].append("9"), "L2", "error", 4, None, fragment="row 4: bad encoding"),
    Case("L2-missing-field", lambda p: p.rows[5].pop(), "L2", "error", 7, None, fragment="row 7: bad encoding"),
    Case(
        "L2-bad-header",
        lambda p: setattr(p, "data_transform", replace_bytes(b"region_name", b"region_n\xe9me")),
        "L2",
        "error",
        1,
        None,
    ),
    Case("L2-meta-field-count", lambda p: p.meta[3].append("extra"), "L2", "error", 4, None, meta_file=True),
    # L3: data columns
    Case(
        "L3-mandatory",
        lambda p: p.drop_column("country_name"),
        "L3",
        "error",
        1,
        "country_name",
        fragment="is missing: country_name",
    ),
    Case("L3-space", lambda p: p.add_column("extra col", "a"), "L3", "error", 1, "extra col", fragment="spaces"),
    Case("L3-duplicate", lambda p: p.add_column("sex", "Total"), "L3", "error", 1, "sex", fragment="repeats"),
    Case("L3-snake-case", lambda p: p.add_column("RegionType", "a"), "L3", "warning", 1, "RegionType"),
    # L4-L11: metadata
    Case(
        "L4-lacks",
        lambda p: p.meta_drop_field("filter_hint"),
        "L4",
        "error",
        1,
        "filter_hint",
        meta_file=True,
        fragment="lacks",
    ),
    Case(
        "L4-unexpected",
        lambda p: p.meta_add_field("notes"),
        "L4",
        "error",
        1,
        "notes",
        meta_file=True,
        fragment="unexpected",
    ),
    Case(
        "L5-col-type",
        lambda p: p.meta_set("sex", "col_type", "Filtre"),
        "L5",
        "error",
        2,
        "sex",
        meta_file=True,
        fragment="Meta row 2: bad col_type or col_name",
    ),
    Case(
        "L5-duplicate-name",
        lambda p: p.meta_add(
            col_name="emp_percent", col_type="Indicator", label="Again", indicator_unit="%", indicator_dp="0"
        ),
        "L5",
        "error",
        7,
        "emp_percent",
        meta_file=True,
    ),
    Case(
        "L5-space-in-name",
        lambda p: p.meta_add(col_name="emp percent", col_type="Indicator", label="Spaced", indicator_dp="0"),
        "L5",
        "error",
        7,
        "emp percent",
        meta_file=True,
    ),
    Case(
        "L6-blank-label",
        lambda p: p.meta_set("emp_percent", "label", ""),
        "L6",
        "error",
        5,
        "emp_percent",
        meta_file=True,
        fragment="emp_percent has a missing or duplicate label",
    ),
    Case(
        "L6-duplicate-label",
        lambda p: p.meta_set("earnings_median", "label", "Number of learners"),
        "L6",
        "error",
        6,
        "earnings_median",
        meta_file=True,
    ),
    Case(
        "L7-meta-not-data",
        lambda p: p.meta_add(col_name="grads", col_type="Indicator", label="Graduates", indicator_dp="0"),
        "L7",
        "error",
        7,
        "grads",
        meta_file=True,
        fragment="grads is in the metadata but not the data",
    ),
    Case(
        "L7-grouping-not-data",
        lambda p: p.meta_set("sex", "filter_grouping_column", "sex_group"),
        "L7",
        "error",
        2,
        "sex",
        meta_file=True,
        fragment="sex_group",
    ),
    Case(
        "L7-data-not-meta",
        lambda p: p.add_column("provider_type", ["A" if i % 2 else "B" for i in range(18)]),
        "L7",
        "warning",
        None,
        "provider_type",
    ),
    Case(
        "L8-geography-in-meta",
        lambda p: p.meta_add(col_name="region_code", col_type="Filter", label="Region"),
        "L8",
        "error",
        7,
        "region_code",
        meta_file=True,
        fragment="time/geography",
    ),
    Case(
        "L9-filter-with-unit",
        lambda p: p.meta_set("sex", "indicator_unit", "%"),
        "L9",
        "error",
        2,
        "sex",
        meta_file=True,
        fragment="Filter sex has unit/dp/grouping",
    ),
    Case(
        "L9-indicator-with-hint",
        lambda p: p.meta_set("emp_percent", "filter_hint", "Hint"),
        "L9",
        "error",
        5,
        "emp_percent",
        meta_file=True,
    ),
    Case(
        "L10-unit",
        lambda p: p.meta_set("emp_percent", "indicator_unit", "percent"),
        "L10",
        "error",
        5,
        "emp_percent",
        meta_file=True,
        fragment="Unit percent on emp_percent",
    ),
    Case(
        "L11-dp-not-whole",
        lambda p: p.meta_set("emp_percent", "indicator_dp", "1.5"),
        "L11",
        "error",
        5,
        "emp_percent",
        meta_file=True,
    ),
    Case(
        "L11-dp-blank",
        lambda p: p.meta_set("earnings_median", "indicator_dp", ""),
        "L11",
        "warning",
        6,
        "earnings_median",
        meta_file=True,
    ),
    # L12-L13: time
    Case(
        "L12-four-digits",
        lambda p: p.set(2, "time_period", "2021"),
        "L12",
        "error",
        2,
        "time_period",
        fragment="time_period 2021 does not fit Academic year (e.g. 202122)",
    ),
    Case("L12-not-consecutive", lambda p: p.set(11, "time_period", "202124"), "L12", "error", 11, "time_period"),
    Case("L12-not-numeric", lambda p: p.set(3, "time_period", "2021/22"), "L12", "error", 3, "time_period"),
    Case(
        "L13-unknown",
        lambda p: p.set(5, "time_identifier", "Acadmic year"),
        "L13",
        "error",
        5,
        "time_identifier",
        fragment="time_identifier Acadmic year unknown or mixed",
    ),
    Case("L13-mixed", calendar_years_second_half, "L13", "error", 11, "time_identifier", fragment="Calendar year"),
    # L14-L16: geography
    Case(
        "L14-level-columns",
        lambda p: p.drop_column("region_name"),
        "L14",
        "error",
        None,
        "region_name",
        fragment="Level Regional needs column(s): region_name",
    ),
    Case("L14-unknown-level", lambda p: p.set(2, "geographic_level", "Country"), "L14", "error", 2, "geographic_level"),
    Case("L14-la-without-region", regions_to_local_authorities, "L14", "warning", None, "region_code"),
    Case(
        "L15-missing",
        lambda p: p.set(5, "region_name", ""),
        "L15",
        "error",
        5,
        "region_name",
        fragment="Level Regional rows: missing values in region_name",
    ),
    Case(
        "L15-extra",
        lambda p: p.set(3, "region_code", "E12000001").set(3, "region_name", "North East"),
        "L15",
        "error",
        3,
        "region_code",
        fragment="Level National rows: extra values in region_code",
    ),
    Case(
        "L16-country",
        lambda p: p.set(2, "country_name", "Wales"),
        "L16",
        "error",
        2,
        "country_code",
        fragment="Code E92000001 does not match name Wales",
    ),
    Case("L16-region", lambda p: p.set(5, "region_name", "London"), "L16", "error", 5, "region_code"),
    Case("L16-two-names", london_as_other_code, "L16", "error", 17, "region_name", fragment="Inner London"),
    Case(
        "L16-not-available",
        lambda p: p.set(2, "country_code", "E92000001").set(2, "country_name", "Not available"),
        "L16",
        "error",
        2,
        "country_code",
    ),
    # L17-L19: filters and keys
    Case(
        "L17-blank",
        lambda p: p.set(3, "sex", ""),
        "L17",
        "error",
        3,
        "sex",
        fragment="Filter sex has blank/padded values or one item",
    ),
    Case("L17-padded", lambda p: p.set(3, "sex", "Female "), "L17", "error", 3, "sex"),
    Case(
        "L17-one-item",
        lambda p: [p.set(r, "sex", "Total") for r in range(2, 20)],
        "L17",
        "error",
        None,
        "sex",
        fragment="only one item",
    ),
    Case("L17-total-in-geography", lambda p: p.set(5, "region_name", "Total"), "L17", "error", 5, "region_name"),
    Case(
        "L18-no-total",
        lambda p: [p.set(r, "sex", "All learners") for r in range(2, 20) if p.get(r, "sex") == "Total"],
        "L18",
        "warning",
        None,
        "sex",
        fragment="Filter sex has no Total",
    ),
    Case(
        "L19-duplicate",
        lambda p: p.set(3, "sex", "Total"),
        "L19",
        "error",
        3,
        None,
        fragment="1 duplicate row (same time, place, filters)",
    ),
    # L20-L21: cells
    Case(
        "L20-text",
        lambda p: p.set(4, "emp_percent", "abc"),
        "L20",
        "error",
        4,
        "emp_percent",
        fragment="emp_percent row 4 holds 'abc', not a number or c/x/z/low/u",
    ),
    Case("L20-blank", lambda p: p.set(4, "number_of_learners", ""), "L20", "error", 4, "number_of_learners"),
    Case("L20-blank-last-column", lambda p: p.set(4, "earnings_median", ""), "L20", "error", 4, "earnings_median"),
    Case("L20-nan", lambda p: p.set(4, "emp_percent", "nan"), "L20", "error", 4, "emp_percent"),
    Case(
        "L20-over-100",
        lambda p: p.set(4, "emp_percent", "104"),
        "L20",
        "warning",
        4,
        "emp_percent",
        fragment="over 100%",
    ),
    Case(
        "L21-tilde",
        lambda p: p.set(4, "emp_percent", "~"),
        "L21",
        "error",
        4,
        "emp_percent",
        fragment="'~', ':' or NULL",
    ),
    Case("L21-colon", lambda p: p.set(6, "earnings_median", ":"), "L21", "error", 6, "earnings_median"),
    Case("L21-null-in-filter", lambda p: p.set(4, "sex", "NULL"), "L21", "error", 4, "sex"),
    Case("L21-na-in-indicator", lambda p: p.set(4, "emp_percent", "NA"), "L21", "error", 4, "emp_percent"),
    Case(
        "L21-null-in-meta",
        lambda p: p.meta_set("sex", "filter_hint", "null"),
        "L21",
        "error",
        2,
        "filter_hint",
        meta_file=True,
    ),
    Case("L21-dash", lambda p: p.set(4, "emp_percent", "-"), "L21", "warning", 4, "emp_percent", fragment="'-'"),
    Case("L21-n/a", lambda p: p.set(4, "emp_percent", "N/A"), "L21", "warning", 4, "emp_percent"),
    # L22-L23: levels and providers
    Case(
        "L22-school-and-provider",
        school_and_provider,
        "L22",
        "error",
        11,
        "geographic_level",
        fragment="mixes School and Provider",
    ),
    Case("L22-provider-beside-regions", provider_beside_regions, "L22", "warning", None, "geographic_level"),
    Case(
        "L23-no-name-column",
        provider_without_name,
        "L23",
        "error",
        11,
        "provider_name",
        fragment="Provider rows need provider_ukprn and provider_name",
    ),
    Case("L23-bad-ukprn", provider_bad_ukprn, "L23", "error", 12, "provider_ukprn"),
    # L24-L26: rounding, small bases, lengths
    Case(
        "L24-count",
        lambda p: p.set(4, "number_of_learners", "73"),
        "L24",
        "error",
        4,
        "number_of_learners",
        fragment="number_of_learners breaks the default profile 'counts rounded to 5'",
    ),
    Case("L24-earnings", lambda p: p.set(4, "earnings_median", "20350"), "L24", "error", 4, "earnings_median"),
    Case(
        "L24-count-base-10",
        lambda p: p.set(4, "number_of_learners", "75"),
        "L24",
        "error",
        4,
        "number_of_learners",
        kwargs={"count_base": 10},
    ),
    Case("L24-earnings-base", lambda p: None, "L24", "error", 2, "earnings_median", kwargs={"earnings_base": 1000}),
    Case(
        "L25-matched-base",
        lambda p: p.set(4, "number_of_matched_learners", "5"),
        "L25",
        "warning",
        4,
        "emp_percent",
        fragment="emp_percent values on bases under the threshold are hidden",
    ),
    Case(
        "L25-explicit-base",
        lambda p: p.set(4, "number_of_learners", "5"),
        "L25",
        "warning",
        4,
        "emp_percent",
        kwargs={"bases": {"emp_percent": "number_of_learners"}},
    ),
    Case(
        "L26-item-length",
        lambda p: p.set(3, "sex", "F" * 121),
        "L26",
        "warning",
        3,
        "sex",
        fragment="over 120 characters",
    ),
    Case("L26-column-name", lambda p: p.add_column("a" * 51, "a"), "L26", "warning", 1, "a" * 51),
    Case(
        "L26-label",
        lambda p: p.meta_set("emp_percent", "label", "L" * 101),
        "L26",
        "warning",
        5,
        "emp_percent",
        meta_file=True,
    ),
    # A1-A2: not approved aggregates
    Case(
        "A1-people",
        lambda p: p.add_column("postcode", "AB1 2CD").add_column("date_of_birth", "2000-01-01"),
        "A1",
        "error",
        1,
        "postcode",
        fragment="(postcode, date_of_birth); only approved summary tables may be loaded",
    ),
    Case("A1-pupil-name", lambda p: p.add_column("Pupil Name", "Someone"), "A1", "error", 1, "Pupil Name"),
    Case("A1-learner-id", lambda p: p.add_column("learner_id", "x"), "A1", "error", 1, "learner_id"),
    Case("A2-counts-of-one", all_counts_one, "A2", "error", 2, "number_of_learners", fragment="one row per person"),
    Case("A2-identifier-filter", identifier_filter, "A2", "error", None, "entry", fragment="record identifier"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_check_refuses_or_warns_with_a_located_message(case: Case, tmp_path: Path) -> None:
    pair = Pair.minimal()
    case.mutate(pair)
    result = screen_pair(pair, tmp_path, **case.kwargs)
    file = f"{pair.name}.meta.csv" if case.meta_file else f"{pair.name}.csv"
    matching = [f for f in result.findings if f.rule == case.rule and f.severity == case.severity]
    assert matching, f"no {case.severity} {case.rule}; got:\n" + "\n".join(map(str, result.findings))
    located = [f for f in matching if f.file == file and f.row == case.row and f.column == case.column]
    assert located, f"{case.rule} found but not at {file} row {case.row} column {case.column}:\n" + "\n".join(
        map(str, matching)
    )
    finding = located[0]
    text = str(finding)
    assert text.startswith(f"{case.severity} {case.rule} · {file}")
    if case.row is not None:
        assert f"row {case.row}" in text
    if case.column is not None:
        assert f"column {case.column}" in text
    if case.fragment:
        assert case.fragment in finding.message
    # Screening never hides a refusal: errors mean no frame; warnings alone still load.
    if case.severity == "error":
        assert not result.ok and result.frame is None
    assert not any("could not be screened" in f.message for f in result.findings)


def test_every_rule_has_a_failing_fixture() -> None:
    covered = {c.rule for c in CASES}
    assert covered >= {f"L{n}" for n in range(1, 27)} | {"A1", "A2"}
    assert {c.rule for c in CASES if c.severity == "warning"} >= {
        "L1",
        "L3",
        "L7",
        "L11",
        "L14",
        "L18",
        "L20",
        "L21",
        "L22",
        "L25",
        "L26",
    }


def test_warning_only_cases_still_load(tmp_path: Path) -> None:
    for case in CASES:
        if case.severity != "warning" or case.id in ("L1-name-style",):
            continue
        pair = Pair.minimal()
        case.mutate(pair)
        result = screen_pair(pair, tmp_path, **case.kwargs)
        assert result.ok, f"{case.id}: " + "; ".join(map(str, result.errors))
        assert result.frame is not None


# --- the valid file and the parsed-frame convention -----------------------------------------------------------------


def test_minimal_fixture_has_no_findings_and_parses_to_the_convention() -> None:
    result = ees.screen(MINIMAL)
    assert result.findings == []
    assert result.ok and result.frame is not None and result.meta is not None
    frame = result.frame
    assert frame.height == 18
    assert frame.schema["time_period"] == pl.Int64
    for column in ("time_identifier", "geographic_level", "country_code", "region_code", "region_name", "sex"):
        assert frame.schema[column] == pl.String
    indicators = ("number_of_learners", "number_of_matched_learners", "emp_percent", "earnings_median")
    for column in indicators:
        assert frame.schema[column] == pl.Float64
        assert frame.schema[status_column(column)] == pl.String
    # Every original column is kept, in order, before the status columns.
    assert frame.columns[: len(Pair.minimal().header)] == Pair.minimal().header
    # Symbols become null with the symbol as status; never 0.
    row6 = frame.row(4, named=True)  # spreadsheet row 6
    assert row6["emp_percent"] is None and row6[status_column("emp_percent")] == "c"
    assert row6["earnings_median"] is None and row6[status_column("earnings_median")] == "c"
    assert frame.row(5, named=True)[status_column("earnings_median")] == "z"
    assert frame.row(7, named=True)[status_column("emp_percent")] == "low"
    assert frame.row(8, named=True)["number_of_matched_learners"] is None
    published = frame.row(2, named=True)  # spreadsheet row 4
    assert published["emp_percent"] == 53.0 and published[status_column("emp_percent")] is None
    for column in indicators:
        values, statuses = frame[column], frame[status_column(column)]
        assert (values.is_null() == statuses.is_not_null()).all()
        assert not (values.is_null() & statuses.is_null()).any()
    assert result.meta.columns == list(ees.META_REQUIRED_COLUMNS)


def test_screen_accepts_the_meta_path_too() -> None:
    result = ees.screen(MINIMAL.with_name("minimal.meta.csv"))
    assert result.path == MINIMAL and result.ok


def test_legacy_marks_load_as_x_and_symbols_never_become_zero(tmp_path: Path) -> None:
    pair = Pair.minimal().set(4, "emp_percent", "-").set(5, "emp_percent", "N/A").set(7, "emp_percent", "..")
    result = screen_pair(pair, tmp_path)
    assert result.ok and result.frame is not None
    frame = result.frame
    for index in (2, 3, 5):
        row = frame.row(index, named=True)
        assert row["emp_percent"] is None and row[status_column("emp_percent")] == "x"
    assert (frame["emp_percent"].drop_nulls() != 0).all()
    assert {f.rule for f in result.warnings} == {"L21"}


def test_numberstring_indicator_stays_text_without_status(tmp_path: Path) -> None:
    pair = Pair.minimal().add_column("band", ["1-2" if i % 2 else "3-4" for i in range(18)])
    pair.meta_add(col_name="band", col_type="Indicator", label="Band", indicator_unit="numberstring", indicator_dp="0")
    result = screen_pair(pair, tmp_path)
    assert result.ok, result.findings
    assert result.frame is not None
    assert result.frame.schema["band"] == pl.String
    assert status_column("band") not in result.frame.columns


def test_small_base_rates_are_hidden_as_c_in_the_frame(tmp_path: Path) -> None:
    pair = Pair.minimal().set(4, "number_of_matched_learners", "5")
    result = screen_pair(pair, tmp_path)
    assert result.ok and result.frame is not None
    row = result.frame.row(2, named=True)
    assert row["emp_percent"] is None and row[status_column("emp_percent")] == "c"
    assert row["number_of_matched_learners"] == 5.0  # the base itself is published as is
    # A rate on a base at the threshold is shown.
    pair = Pair.minimal().set(4, "number_of_matched_learners", "10")
    assert screen_pair(pair, tmp_path).findings == []


def test_ten_rounded_counts_pass_the_default_and_five_rounded_fail_base_ten(tmp_path: Path) -> None:
    assert ees.screen(MINIMAL, count_base=10).findings == []
    pair = Pair.minimal().set(4, "number_of_learners", "75")
    assert screen_pair(pair, tmp_path).ok
    assert not screen_pair(pair, tmp_path, count_base=10).ok


def test_non_integer_blank_unit_indicator_is_not_a_count(tmp_path: Path) -> None:
    pair = Pair.minimal().add_column("average_age", [f"{20 + i / 3:.1f}" for i in range(18)])
    pair.meta_add(col_name="average_age", col_type="Indicator", label="Average age", indicator_dp="1")
    assert screen_pair(pair, tmp_path).findings == []


def test_percent_with_more_decimals_than_its_dp_is_rounded_with_a_warning(tmp_path: Path) -> None:
    # Not a count: never checked against the count base. But its indicator_dp is 0, so 53.7 loads as 54 (L24 warning).
    pair = Pair.minimal().set(4, "emp_percent", "53.7")
    result = screen_pair(pair, tmp_path)
    assert [(f.rule, f.severity, f.row) for f in result.findings] == [("L24", "warning", 4)]
    assert result.frame is not None and result.frame["emp_percent"][2] == 54.0


def test_time_identifier_groups() -> None:
    assert ees.TIME_IDENTIFIER_GROUP["Spring term"] == ees.TIME_IDENTIFIER_GROUP["Summer term"]
    assert ees.TIME_IDENTIFIER_GROUP["Week 52"] == ees.TIME_IDENTIFIER_GROUP["Week 1"]
    assert ees.TIME_IDENTIFIER_GROUP["Tax year"] != ees.TIME_IDENTIFIER_GROUP["Financial year"]
    assert ees.TIME_IDENTIFIER_GROUP["Autumn and spring term"] != ees.TIME_IDENTIFIER_GROUP["Autumn term"]
    assert "Week 53" not in ees.TIME_IDENTIFIER_GROUP
    assert ees.FOUR_DIGIT_IDENTIFIERS.isdisjoint(ees.SIX_DIGIT_IDENTIFIERS)
    assert set(ees.TIME_IDENTIFIER_GROUP) == ees.FOUR_DIGIT_IDENTIFIERS | ees.SIX_DIGIT_IDENTIFIERS


@pytest.mark.parametrize(
    ("identifier", "period", "ok"),
    [
        ("Tax year", "202122", True),
        ("Tax year", "199900", True),
        ("Tax year", "202123", False),
        ("Financial year Q3", "202122", True),
        ("Spring term", "2022", False),
        ("Calendar year", "2022", True),
        ("Calendar year", "202122", False),
        ("Week 7", "2023", True),
        ("March", "2023", True),
        ("Reporting year", "22", False),
    ],
)
def test_time_period_fits_identifier(identifier: str, period: str, ok: bool, tmp_path: Path) -> None:
    pair = Pair.minimal()
    # First year's rows get the period under test; the second year's rows a valid, different one.
    valid_other = "2019" if identifier in ees.FOUR_DIGIT_IDENTIFIERS else "201819"
    for row in range(2, 20):
        pair.set(row, "time_identifier", identifier)
        pair.set(row, "time_period", period if row < 11 else valid_other)
    result = screen_pair(pair, tmp_path)
    l12 = [f for f in result.findings if f.rule == "L12"]
    assert bool(l12) is not ok, [str(f) for f in result.findings]
    assert not [f for f in result.findings if f.rule in ("L13", "L19")]
    if not ok:
        assert l12[0].row == 2 and f"does not fit {identifier}" in l12[0].message


def test_geography_lookups_cover_the_required_codes() -> None:
    assert ees.COUNTRIES["E92000001"] == "England"
    assert ees.COUNTRIES["K04000001"] == "England and Wales"
    assert len(ees.COUNTRIES) == 7
    assert [ees.REGIONS[f"E1200000{n}"] for n in (1, 3, 7, 9)] == [
        "North East",
        "Yorkshire and The Humber",
        "London",
        "South West",
    ]
    assert ees.GEOGRAPHIC_LEVELS["Provider"].columns == ("provider_ukprn", "provider_name")
    assert ees.GEOGRAPHIC_LEVELS["Local authority"].columns == ("new_la_code", "la_name", "old_la_code")
    assert ees.GEOGRAPHIC_LEVELS["School"].columns == ("school_urn", "school_name", "school_laestab")
    assert ees.GEOGRAPHIC_LEVELS["RSC region"].columns == ("rsc_region_lead_name",)
    assert len(ees.GEOGRAPHIC_LEVELS) == 18


@pytest.mark.parametrize(
    ("code", "name", "ok"),
    [
        ("W92000004", "Wales", True),
        ("K02000001", "United Kingdom", True),
        ("x", "Not available", True),
        ("z", "Outside of England and unknown", True),
        ("S92000003", "Wales", False),
        ("E92000002", "England", False),
        ("x", "England", False),
    ],
)
def test_country_pairs(code: str, name: str, ok: bool, tmp_path: Path) -> None:
    pair = Pair.minimal()
    for row in range(2, 20):
        pair.set(row, "country_code", code).set(row, "country_name", name)
    l16 = [f for f in screen_pair(pair, tmp_path).findings if f.rule == "L16"]
    assert bool(l16) is not ok


def test_renamed_provider_across_years_is_fine_but_not_within_one(tmp_path: Path) -> None:
    pair = Pair.minimal()
    provider_beside_regions(pair)
    pair.set(11, "provider_ukprn", "10000001").set(12, "provider_ukprn", "10000001").set(
        13, "provider_ukprn", "10000001"
    )
    for row in range(2, 5):  # the same UKPRN a year earlier, under its old name
        pair.set(row, "geographic_level", "Provider").set(row, "provider_ukprn", "10000001").set(
            row, "provider_name", "Old Name"
        )
    result = screen_pair(pair, tmp_path)
    assert not [f for f in result.findings if f.rule == "L16"], result.findings
    pair.set(13, "provider_name", "Another Name")
    l16 = [f for f in screen_pair(pair, tmp_path).findings if f.rule == "L16"]
    assert l16 and l16[0].row == 13 and l16[0].column == "provider_name"


def test_filter_grouping_column_is_accepted_and_checked(tmp_path: Path) -> None:
    pair = Pair.minimal().add_column("sex_group", "")
    for row in range(2, 20):
        pair.set(row, "sex_group", "Total" if pair.get(row, "sex") == "Total" else "Female or male")
    pair.meta_set("sex", "filter_grouping_column", "sex_group")
    assert screen_pair(pair, tmp_path).findings == []
    # Items that differ only in punctuation collide once EES strips them.
    pair.set(4, "sex_group", "Female-or-male")
    l17 = [f for f in screen_pair(pair, tmp_path).findings if f.rule == "L17"]
    assert l17 and l17[0].column == "sex_group"


# --- A1: careful name matching --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column",
    [
        "provider_name", "school_name", "la_name", "country_name", "region_name", "lad_code", "pcon_code",
        "provider_ukprn", "school_urn", "trust_name", "number_of_learners", "number_of_matched_learners",
        "grads_matched", "learner_count", "pupil_count", "age_group", "sex", "ethnicity_major", "subject_name",
        "institution_name", "provider_postcode", "school_postcode", "postcode_district", "time_period", "cohort",
        "first_year_percent", "earnings_median", "students", "name_type", "birth_year", "parent_filter", "staff_count",
    ],
)  # fmt: skip
def test_a1_leaves_aggregate_columns_alone(column: str) -> None:
    assert _personal_reason(column, is_indicator=False) is None


@pytest.mark.parametrize(
    "column",
    [
        "first_name", "forename", "Forenames", "surname", "last_name", "full_name", "learner_name", "pupil_name",
        "student_name", "date_of_birth", "DOB", "birth_date", "address_line_1", "address", "postcode", "home_postcode",
        "upn", "UPN", "uln", "unique_learner_number", "ni_number", "nino", "national_insurance_number",
        "candidate_number", "pupil_id", "learner_id", "student_ref", "person_id", "email", "email_address", "phone",
        "telephone_number", "mobile_number", "husid", "pupil_matching_reference",
    ],
)  # fmt: skip
def test_a1_catches_columns_that_identify_people(column: str) -> None:
    assert _personal_reason(column, is_indicator=False) is not None


def test_a1_learner_number_is_refused_unless_declared_an_indicator() -> None:
    assert _personal_reason("learner_number", is_indicator=False) is not None
    assert _personal_reason("learner_number", is_indicator=True) is None


# --- never raise on bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n", b"\xff\xfe\x00garbage", b"a,b\n1", b'time_period,"unclosed\n1,2\n', b"\x00\x01\x02,\x03\n"],
    ids=["empty", "blank-lines", "binary", "tiny", "unclosed-quote", "control-bytes"],
)
@pytest.mark.parametrize("out_of_core", [False, True], ids=["in-memory", "out-of-core"])
def test_bad_files_return_findings_not_exceptions(content: bytes, out_of_core: bool, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    (tmp_path / "bad.meta.csv").write_bytes(content)
    result = ees.screen(path, out_of_core=out_of_core)
    assert not result.ok and result.frame is None
    assert all(isinstance(f, ees.Finding) and f.file in ("bad.csv", "bad.meta.csv") for f in result.findings)


def test_missing_and_odd_paths_return_findings(tmp_path: Path) -> None:
    for path in (tmp_path / "absent.csv", tmp_path, tmp_path / "notes.txt"):
        result = ees.screen(path)
        assert [f.rule for f in result.errors] == ["L1"]


def test_header_only_file_is_refused(tmp_path: Path) -> None:
    pair = Pair.minimal()
    pair.rows = []
    result = screen_pair(pair, tmp_path)
    assert [(f.rule, f.row) for f in result.errors] == [("L2", 2)]


@pytest.mark.parametrize("out_of_core", [False, True], ids=["in-memory", "out-of-core"])
def test_l2_counts_records_not_lines_and_streams_large_files(out_of_core: bool, tmp_path: Path) -> None:
    pair = Pair.minimal()
    base = [list(r) for r in pair.rows]
    pair.rows = []
    for year in range(1200, 1700):  # 9,000 rows
        for r in base:
            r = list(r)
            r[0] = f"{year}{(year + 1) % 100:02d}" if r[0] == "202122" else f"{year + 1000}{(year + 1001) % 100:02d}"
            pair.rows.append(r)
    pair.set(3, "region_name", "North\nEast")  # a quoted field over two lines: still one record
    pair.rows[7000].append("extra")
    result = screen_pair(pair, tmp_path, out_of_core=out_of_core)
    assert [(f.rule, f.row) for f in result.errors] == [("L2", 7002)]


settings_small = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DAMAGED_VALUES = st.one_of(
    st.sampled_from(["", "c", "x", "low", "~", "NULL", "-", "Total", "1e3", "nan", " 5", "\n", '"', ",", "é"]),
    st.text(max_size=6),
)


@settings_small
@given(
    row=st.integers(min_value=1, max_value=19),
    column=st.integers(min_value=0, max_value=11),
    value=DAMAGED_VALUES,
    in_meta=st.booleans(),
)
def test_screening_random_cell_damage_never_raises(
    row: int, column: int, value: str, in_meta: bool, tmp_path: Path
) -> None:
    pair = Pair.minimal()
    if in_meta:
        target = pair.meta[min(row, len(pair.meta) - 1)]
        target[column % len(target)] = value
    elif row == 1:
        pair.header[column] = value
    else:
        pair.rows[row - 2][column] = value
    result = screen_pair(pair, tmp_path)
    assert all(f.rule in {f"L{n}" for n in range(1, 27)} | {"A1", "A2"} for f in result.findings)
    assert not any("could not be screened" in f.message for f in result.findings), result.findings
    if result.ok:
        assert result.frame is not None and result.frame.height == 18
        for name in ("number_of_learners", "emp_percent"):
            if name in result.frame.columns and status_column(name) in result.frame.columns:
                assert result.frame.schema[name] == pl.Float64
    else:
        assert result.frame is None


# --- public API details ---------------------------------------------------------------------------------------------


def test_finding_str_names_rule_file_row_and_column() -> None:
    finding = ees.Finding(
        "L12", "error", "time_period 2021 does not fit Academic year (e.g. 202122).", "fe.csv", 3, "time_period"
    )
    assert str(finding) == (
        "error L12 · fe.csv · row 3 · column time_period: time_period 2021 does not fit Academic year (e.g. 202122)."
    )
    assert str(ees.Finding("L1", "warning", "m.", "fe.csv")) == "warning L1 · fe.csv: m."


def test_load_raises_a_readable_error_and_returns_on_success(tmp_path: Path) -> None:
    assert ees.load(MINIMAL).frame is not None
    pair = Pair.minimal().set(2, "time_period", "2021")
    with pytest.raises(ees.EESLoadError) as caught:
        ees.load(pair.write(tmp_path))
    error = caught.value
    assert [f.rule for f in error.findings if f.severity == "error"] == ["L12"]
    text = str(error)
    assert "fe_test.csv was refused (1 error)" in text and "row 2 · column time_period" in text
    assert "Traceback" not in text


def test_results_list_errors_before_warnings(tmp_path: Path) -> None:
    pair = Pair.minimal().set(4, "emp_percent", "104").set(2, "time_period", "2021")
    result = screen_pair(pair, tmp_path)
    severities = [f.severity for f in result.findings]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert result.errors and result.warnings and not result.ok


def test_indicators_from_meta_guesses_kind_unit_dp_and_base() -> None:
    meta = pl.DataFrame(
        {
            "col_name": ["sex", "grads_matched", "number_of_learners", "sust_emp_count", "sust_emp", "earnings_median", "earnings_max", "diff_pp", "band"],
            "col_type": ["Filter", "Indicator", "Indicator", "Indicator", "Indicator", "Indicator", "Indicator", "Indicator", "Indicator"],
            "label": ["Sex", "Matched graduates", "Learners", "Employed", "Sustained employment (%)", "Median earnings", "Maximum earnings", "Change", "Band"],
            "indicator_unit": [None, None, "", None, "%", "£", "£", "pp", "numberstring"],
            "indicator_dp": [None, "0", "0", "", "1", "0", "0", "1", None],
        }
    )  # fmt: skip
    got = {i.column: i for i in ees.indicators_from_meta(meta)}
    assert list(got) == [
        "grads_matched",
        "number_of_learners",
        "sust_emp_count",
        "sust_emp",
        "earnings_median",
        "earnings_max",
        "diff_pp",
        "band",
    ]
    assert {c: i.kind for c, i in got.items()} == {
        "grads_matched": "base",
        "number_of_learners": "count",  # a head count is never guessed as a base (issue #13)
        "sust_emp_count": "count",
        "sust_emp": "rate",
        "earnings_median": "earnings",
        "earnings_max": "earnings",
        "diff_pp": "other",
        "band": "other",
    }
    assert got["sust_emp"] == Indicator("sust_emp", "Sustained employment (%)", "rate", "%", 1, "grads_matched")
    assert got["sust_emp_count"].dp is None
    assert got["earnings_max"].hidden and not got["earnings_median"].hidden
    assert all(isinstance(i, Indicator) for i in got.values())


def test_bom_crlf_and_quoted_commas_are_fine(tmp_path: Path) -> None:
    pair = Pair.minimal()
    pair.data_transform = lambda data: b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    for row in range(2, 20):
        if pair.get(row, "sex") == "Female":
            pair.set(row, "sex", "Female, any age")
    result = screen_pair(pair, tmp_path)
    assert result.findings == []
    assert result.frame is not None and result.frame.columns[0] == "time_period"
    assert "Female, any age" in result.frame["sex"].to_list()


def test_star_base_applies_to_every_rate_and_unknown_base_warns(tmp_path: Path) -> None:
    pair = Pair.minimal().set(4, "number_of_learners", "5")
    result = screen_pair(pair, tmp_path, bases={"*": "number_of_learners"})
    assert [(f.rule, f.column, f.row) for f in result.warnings] == [("L25", "emp_percent", 4)]
    result = screen_pair(Pair.minimal(), tmp_path, bases={"emp_percent": "no_such_column"})
    assert [(f.rule, f.severity, f.column) for f in result.findings] == [("L25", "warning", "emp_percent")]
