"""Widget options kept in each prepared table's manifest (issue 15, item 3): built once at prepare time from the
protected frame, equal to what a scan of the parquet gives, and read from the parquet for a manifest written before
they were kept there."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from leo_dash.analyses import institutions
from leo_dash.core import geography, query, store
from leo_dash.core.model import TableEntry
from tests.test_institutions_fixture import PROVIDERS, make_table
from tests.test_store_query import small_table  # noqa: F401  (fixture)


def _scan_distinct(parquet: Path, column: str, providers_only: str | None = None) -> tuple[str, ...]:
    """What the pages computed before the options were kept: a scan per column."""
    lazy = pl.scan_parquet(parquet)
    if providers_only:
        lazy = lazy.filter(pl.col(providers_only).is_not_null())
    values = lazy.select(pl.col(column).drop_nulls().unique()).collect().to_series()
    return tuple(str(v) for v in values.sort().to_list())


def _scan_latest_names(parquet: Path, entry: TableEntry) -> dict[str, str]:
    frame = pl.read_parquet(parquet).filter(pl.col(str(entry.role("provider_id"))).is_not_null())
    latest: dict[str, str] = {}
    for row in frame.sort(str(entry.role("time")), maintain_order=True).iter_rows(named=True):
        name = row[str(entry.role("provider_name"))]
        if name is not None:
            latest[str(row[str(entry.role("provider_id"))])] = name
    return latest


@pytest.fixture
def fixture_table(data_dir: Path) -> TableEntry:
    return make_table(data_dir)


def test_prepare_writes_the_options_into_the_manifest(fixture_table: TableEntry) -> None:
    prepared = store.prepare(fixture_table)
    manifest = json.loads(prepared.parquet.with_suffix(".json").read_text(encoding="utf-8"))
    kept = manifest[store.OPTIONS_KEY]
    assert kept["version"] == store.OPTIONS_VERSION
    options = store.options(fixture_table)
    assert options.from_manifest
    # Every filter and breakdown column, never an indicator, its status column or the provider id and name.
    for role in ("time", "subject", "years_after", "provider_type", "region"):
        assert fixture_table.role(role) in options.distinct
    assert not {i.column for i in fixture_table.indicators} & set(options.distinct)
    assert not {fixture_table.role("provider_id"), fixture_table.role("provider_name")} & set(options.distinct)
    # The providers by name, with their latest name, type and region.
    assert [p.name for p in options.providers] == sorted(name for name, *_ in PROVIDERS.values())
    for provider in options.providers:
        name, kind, _, region = PROVIDERS[provider.id]
        assert (provider.name, provider.provider_type, provider.region) == (name, kind, region)
    time_values = [float(v) for v in options.distinct[str(fixture_table.role("time"))]]
    assert options.ranges[str(fixture_table.role("time"))] == (min(time_values), max(time_values))


def test_the_options_equal_what_a_scan_gives(fixture_table: TableEntry) -> None:
    prepared = store.prepare(fixture_table)
    options = store.options(fixture_table)
    id_column = str(fixture_table.role("provider_id"))
    for column, values in options.distinct.items():
        assert values == _scan_distinct(prepared.parquet, column), column
        assert options.on_providers[column] == _scan_distinct(prepared.parquet, column, id_column), column
        assert query.distinct_values(fixture_table, column) == list(values)
    assert dict(options.provider_pairs) == _scan_latest_names(prepared.parquet, fixture_table)
    assert query.provider_names(fixture_table) == options.provider_pairs
    id_column = str(fixture_table.role("provider_id"))
    mtime = prepared.parquet.stat().st_mtime_ns
    assert options.has_national is query._has_national(prepared.parquet, mtime, id_column) is True
    for pid in PROVIDERS:
        found = institutions.provider_attributes(fixture_table, pid)
        assert found == {"provider_type": PROVIDERS[pid][1], "region": PROVIDERS[pid][3]}


def test_a_manifest_without_options_still_works(fixture_table: TableEntry) -> None:
    """A table prepared before the options were kept: its manifest still names the same sources, so it is reused,
    and the options are read from its parquet instead (with from_manifest False)."""
    prepared = store.prepare(fixture_table)
    from_manifest = store.options(fixture_table)
    areas = geography.areas(fixture_table)
    assert areas and query.has_national_rows(fixture_table)
    manifest_path = prepared.parquet.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest[store.OPTIONS_KEY]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    mtime = prepared.parquet.stat().st_mtime_ns
    fallback = store.options(fixture_table)
    assert prepared.parquet.stat().st_mtime_ns == mtime  # not prepared again
    assert not fallback.from_manifest
    assert fallback.distinct == from_manifest.distinct and fallback.on_providers == from_manifest.on_providers
    assert fallback.providers == from_manifest.providers and fallback.ranges == from_manifest.ranges
    assert store.manifest_options(prepared.parquet) is None
    column = str(fixture_table.role("subject"))
    assert query.distinct_values(fixture_table, column) == list(from_manifest.distinct[column])  # scanned
    assert fallback.has_national is True and query.has_national_rows(fixture_table)
    geography._areas.cache_clear()  # keyed by the parquet, which did not change
    assert geography.areas(fixture_table) == areas


def test_options_of_another_version_or_roles_are_read_from_the_parquet(fixture_table: TableEntry) -> None:
    prepared = store.prepare(fixture_table)
    manifest_path = prepared.parquet.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest[store.OPTIONS_KEY]["version"] = store.OPTIONS_VERSION + 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert not store.options(fixture_table).from_manifest
    store.prepare(fixture_table, force=True)
    assert store.options(fixture_table).from_manifest
    # A catalogue entry whose provider roles changed since the table was prepared (roles are not in the
    # fingerprint): the kept provider list may be stale, so it is read again.
    renamed = TableEntry(**{**fixture_table.__dict__, "roles": {**fixture_table.roles, "provider_type": "region_name"}})
    assert not store.options(renamed).from_manifest


def test_a_table_without_providers_has_no_provider_options(small_table) -> None:  # noqa: F811
    entry = TableEntry(**{**small_table.__dict__, "roles": {"time": "time_period"}})
    options = store.options(entry)
    assert options.providers == () and query.provider_names(entry) == ()
    assert options.distinct["provision"] == ("Apprenticeship", "Education & Training", "Total")
    assert options.ranges["time_period"] == (202122.0, 202223.0)
    assert options.has_national is False  # provider rows only
    assert not query.has_national_rows(small_table)
