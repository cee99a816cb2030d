import os
import threading
from pathlib import Path

import polars as pl
import pytest

from leo_dash.core import ees, query, store
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import Indicator, status_column
from leo_dash.sdc import protection
from tests.conftest import make_entry, write_ees

META = [
    ["provision", "Filter", "Type of provision", "", "", "", "", ""],
    ["number_of_matched_learners", "Indicator", "Matched learners", "", "", "0", "", ""],
    ["benefit_percent", "Indicator", "On benefits (%)", "", "%", "0", "", ""],
]
HEADER = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "provider_ukprn",
    "provider_name",
    "provision",
    "number_of_matched_learners",
    "benefit_percent",
]


def _rows() -> list[list[object]]:
    rows = []
    for year in (202122, 202223):
        for ukprn, name in ((90000001, "Fenwick Vale College"), (90000002, "Northmere College")):
            for provision, n, rate in (
                ("Total", 120, 12),
                ("Apprenticeship", 60, "c"),
                ("Education & Training", 60, 9),
            ):
                rows.append(
                    [year, "Academic year", "Provider", "E92000001", "England", ukprn, name, provision, n, rate]
                )
    return rows


@pytest.fixture
def small_table(data_dir):
    path = write_ees(data_dir / "src", "small_fe", HEADER, _rows(), META)
    return make_entry(
        "small_fe",
        files=(str(path),),
        roles={"time": "time_period", "provider_id": "provider_ukprn", "provider_name": "provider_name"},
        filters=("provision",),
        indicators=(
            Indicator("number_of_matched_learners", "Matched", "base"),
            Indicator("benefit_percent", "On benefits (%)", "rate", "%", 0, base="number_of_matched_learners"),
        ),
    )


def test_prepare_writes_parquet_once_and_reuses_it(small_table, data_dir):
    first = store.prepare(small_table)
    assert first.parquet.parent == data_dir / "parquet" and first.rows == 12
    mtime = first.parquet.stat().st_mtime_ns
    again = store.prepare(small_table)
    assert again.parquet.stat().st_mtime_ns == mtime  # not rewritten
    # Touching the source invalidates the cache.
    source = small_table.files[0]
    os.utime(source, ns=(mtime + 10**9, mtime + 10**9))
    assert store.prepare(small_table).parquet.stat().st_mtime_ns != mtime


def test_prepare_refuses_a_bad_file_and_keeps_the_old_parquet(small_table, data_dir):
    good = store.prepare(small_table)
    before = pl.read_parquet(good.parquet)
    source = small_table.files[0]
    path = Path(source)
    path.write_text(path.read_text(encoding="utf-8").replace("Academic year", "Acadmic year", 1), encoding="utf-8")
    with pytest.raises(ees.EESLoadError) as info:
        store.prepare(small_table)
    assert any(f.rule == "L13" for f in info.value.findings)
    assert pl.read_parquet(good.parquet).equals(before)


def test_select_pins_unchosen_breakdowns_to_total(small_table):
    frame = query.select(small_table, {"time": [202223]})
    assert frame["provision"].unique().to_list() == ["Total"]
    assert frame.height == 2
    both = query.select(small_table, {"time": [202223]}, vary=["provision"])
    assert both.height == 6


def test_select_keeps_symbols_as_null_plus_status(small_table):
    frame = query.select(small_table, {"provision": ["Apprenticeship"]}, columns=["provider_id", "benefit_percent"])
    assert frame.columns == ["provider_ukprn", "benefit_percent", status_column("benefit_percent")]
    assert frame["benefit_percent"].null_count() == frame.height
    assert set(frame[status_column("benefit_percent")].to_list()) == {"c"}


def test_select_by_role_and_unknown_column(small_table):
    frame = query.select(small_table, {"provider_id": ["90000002"], "time": ["202122"]})
    assert frame["provider_name"].to_list() == ["Northmere College"]
    with pytest.raises(query.SelectionError, match="no column"):
        query.select(small_table, {"subject": ["Law"]})
    with pytest.raises(query.SelectionError, match="whole numbers"):
        query.select(small_table, {"time": ["last year"]})


def test_distinct_values_and_default(small_table):
    assert query.distinct_values(small_table, "provision") == ["Apprenticeship", "Education & Training", "Total"]
    assert query.default_item(small_table, "provision", ["A", "Total"]) == "Total"
    assert query.distinct_values(small_table, "time") == ["202122", "202223"]


def test_concurrent_sessions_share_one_prepared_table(small_table):
    results: list[int] = []

    def worker() -> None:
        results.append(query.select(small_table, {"time": [202223]}).height)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [2] * 8


def test_real_fe_table_queries(reference_dir):
    entry = load_catalogue().get("fe_provider_benefits")
    frame = query.select(
        entry, {"time": [202223], "benefit_learner": ["Benefit learners"]}, columns=["provider_id", "benefit_percent"]
    )
    assert frame.height > 1000
    statuses = frame[status_column("benefit_percent")]
    # Every null has a reason; no symbol became a number.
    assert frame["benefit_percent"].is_null().sum() == statuses.is_not_null().sum()


def test_prepared_parquet_is_sorted_for_pruning_stable_and_in_row_groups(tmp_path, reference_dir):
    import pyarrow.parquet as pq

    entry = load_catalogue().get("demo_graduate_outcomes")
    prepared = store.prepare(entry, data_dir=tmp_path, force=True)
    frame = pl.read_parquet(prepared.parquet)
    keys = store._sort_columns(entry, frame.columns)
    assert keys and frame.height == prepared.rows
    assert frame.select(keys).equals(frame.select(keys).sort(keys, nulls_last=False, maintain_order=True))
    # Stable: rows with equal keys keep the order the screened (and protected) source had.
    source, _ = store._screen_files(entry)
    protected, _ = protection.protect_table(entry, source)
    assert frame.equals(protected.sort(keys, nulls_last=False, maintain_order=True))
    groups = pq.ParquetFile(prepared.parquet).metadata
    assert all(groups.row_group(i).num_rows <= 100_000 for i in range(groups.num_row_groups))


def test_provider_names_take_each_providers_latest_name_sorted_by_name(reference_dir):
    entry = load_catalogue().get("fe_provider_benefits")
    pid, name, time = (str(entry.role(r)) for r in ("provider_id", "provider_name", "time"))
    rows = pl.read_parquet(store.prepare(entry).parquet, columns=[pid, name, time]).drop_nulls(pid)
    renamed = rows.group_by(pid).agg(pl.col(name).n_unique().alias("names")).filter(pl.col("names") > 1)
    assert renamed.height > 0, "the real FE table has providers that changed name"
    found = dict(query.provider_names(entry))
    for provider in renamed[pid].head(5).to_list():
        latest = rows.filter(pl.col(pid) == provider).sort(time)[name].drop_nulls()[-1]
        assert found[str(provider)] == latest
    listed = [n.lower() for _, n in query.provider_names(entry)]
    assert listed == sorted(listed) and len(found) == rows[pid].n_unique()
    assert query.has_national_rows(entry) is False  # FE provider tables publish no all-provider rows
