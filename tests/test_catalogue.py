import datetime as dt
from pathlib import Path

import pytest
import tomli_w

from leo_dash.core import paths
from leo_dash.core.catalogue import CatalogueError, entry_from_dict, entry_to_dict, load_catalogue, write_entry
from leo_dash.core.model import Indicator
from tests.conftest import make_entry


def test_committed_catalogue_lists_the_real_fe_tables(reference_dir):
    catalogue = load_catalogue(paths.PROJECT_ROOT / "data")
    assert {"fe_provider_benefits", "fe_community_learning"} <= set(catalogue.ids())
    fe = catalogue.get("fe_provider_benefits")
    assert fe.controllers == ("DfE",)
    assert fe.disclosure.count_base == 10
    benefit = fe.indicator("benefit_percent")
    assert benefit.kind == "rate" and benefit.base == "number_of_matched_learners"
    assert fe.role("provider_id") == "provider_ukprn"
    assert not fe.demo


def test_every_committed_entry_has_review_date_access_and_roles():
    for entry in load_catalogue(paths.PROJECT_ROOT / "data"):
        assert entry.next_review > entry.release_date
        assert entry.access in ("public", "restricted")
        assert entry.role("time")
        for ind in entry.indicators:
            if ind.kind in ("rate", "earnings") and not ind.hidden:
                assert ind.base, f"{entry.id}.{ind.column} names no base"


def test_round_trip(data_dir):
    entry = make_entry(
        "round_trip",
        files=("data/reference/fe_outcomes_provider_benefits.csv.gz",),
        roles={"time": "time_period", "provider_id": "provider_ukprn"},
        indicators=(Indicator("x_percent", "X (%)", "rate", "%", 0, base="n"), Indicator("n", "N", "base")),
        footnotes=("A note.",),
        access="restricted",
    )
    path = write_entry(entry, data_dir)
    assert path.name == "round_trip.toml"
    again = entry_from_dict(__import__("tomllib").loads(path.read_text()), path)
    assert again == entry
    assert entry_to_dict(again) == entry_to_dict(entry)


def _write(directory: Path, name: str, raw: dict) -> None:
    (directory / "catalogue" / f"{name}.toml").write_bytes(tomli_w.dumps(raw).encode())


BASE = {
    "id": "t1",
    "title": "T",
    "files": ["data/none.csv"],
    "controllers": ["DfE"],
    "release_date": dt.date(2026, 1, 1),
    "next_review": dt.date(2027, 1, 1),
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"roles": {"colour": "x"}}, "unknown role(s) colour"),
        ({"controllers": ["ONS"]}, "controllers must be among"),
        ({"controllers": []}, "controllers must be among"),
        ({"access": "secret"}, "access must be"),
        ({"next_review": "soon"}, "next_review must be a date"),
        ({"disclosure": {"threshold": 3}}, "unknown disclosure setting(s) threshold"),
    ],
)
def test_bad_entries_are_refused_with_the_file_and_field(data_dir, change, message):
    _write(data_dir, "bad", BASE | change | {"optional": True})
    with pytest.raises(CatalogueError) as info:
        load_catalogue(data_dir)
    assert "bad.toml" in str(info.value) and message in str(info.value)


def test_missing_required_field(data_dir):
    raw = dict(BASE)
    del raw["title"]
    _write(data_dir, "notitle", raw)
    with pytest.raises(CatalogueError, match="notitle.toml: missing required field 'title'"):
        load_catalogue(data_dir)


def test_optional_table_without_files_is_unavailable_not_an_error(data_dir):
    _write(data_dir, "t1", BASE | {"optional": True})
    catalogue = load_catalogue(data_dir)
    assert len(catalogue) == 0 and "t1" in catalogue.unavailable


def test_required_table_without_files_is_an_error(data_dir):
    _write(data_dir, "t1", BASE)
    with pytest.raises(CatalogueError, match="not present"):
        load_catalogue(data_dir)


def test_duplicate_ids_refused(data_dir, reference_dir):
    raw = BASE | {"files": ["data/reference/fe_outcomes_provider_benefits.csv.gz"]}
    _write(data_dir, "a", raw)
    _write(data_dir, "b", raw)
    with pytest.raises(CatalogueError, match="already used"):
        load_catalogue(data_dir)


def test_overdue(data_dir):
    entry = make_entry(next_review=dt.date(2020, 1, 1))
    assert entry.is_overdue(dt.date(2026, 11, 29))
    assert not make_entry().is_overdue(dt.date(2026, 11, 29))


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://example.org/plain-http",
        "/relative/path",
        "//evil.example/protocol-relative",
        "https://",
        "https://explore-education-statistics.service.gov.uk/x\njavascript:alert(1)",
    ],
)
def test_a_source_link_that_is_not_a_plain_https_address_is_refused(data_dir, reference_dir, url):
    # The source link becomes a button on the catalogue page: a hostile catalogue file must not plant a script link.
    raw = BASE | {"files": ["data/reference/fe_outcomes_provider_benefits.csv.gz"], "source_url": url}
    _write(data_dir, "a", raw)
    with pytest.raises(CatalogueError, match=r"a\.toml: source_url must be an https:// address"):
        load_catalogue(data_dir)


def test_a_plain_https_source_link_is_kept(data_dir, reference_dir):
    url = "https://explore-education-statistics.service.gov.uk/find-statistics/further-education-outcomes"
    raw = BASE | {"files": ["data/reference/fe_outcomes_provider_benefits.csv.gz"], "source_url": url}
    _write(data_dir, "a", raw)
    assert load_catalogue(data_dir).get("t1").source_url == url
