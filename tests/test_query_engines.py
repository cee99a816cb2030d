"""The query seam (issue 15, item 5): every selection a page makes can be pushed down to another engine. The same
conditions run by Polars on the prepared parquet and, as SQL with parameters, by DuckDB must give the same rows,
columns, types and order, on every committed table and on random selections of the kinds pages make (choices,
varied breakdowns, chosen columns, one area's rows)."""

from __future__ import annotations

import random
import threading

import polars as pl
import pytest

from leo_dash.core import catalogue, geography, query, store
from leo_dash.core.model import TableEntry

TABLES = [e.id for e in catalogue.load_catalogue()]


def _random_selection(entry: TableEntry, rng: random.Random) -> dict[str, object]:
    columns = [c for c in query.breakdown_columns(entry) + query.attribute_columns(entry) if c in query.schema(entry)]
    where: dict[str, list[object]] = {}
    for column in rng.sample(columns, k=min(len(columns), rng.randint(0, 3))):
        items = query.distinct_values(entry, column)
        if items:
            where[column] = rng.sample(items, k=min(len(items), rng.randint(1, 2)))
    time = entry.role("time")
    if time and rng.random() < 0.5:
        where[time] = [int(rng.choice(query.distinct_values(entry, time)))]
    free = [c for c in columns if c not in where]
    vary = rng.sample(free, k=min(len(free), rng.randint(0, 1)))
    wanted = None
    if rng.random() < 0.5 and entry.indicators:
        wanted = [c for c in (time, entry.indicators[0].column) if c]
    found = geography.areas(entry)
    if found and rng.random() < 0.4:
        where |= geography.area_where(entry, rng.choice(found))
    if entry.unit_filter and entry.unit_filter in where:
        where[entry.unit_filter] = where[entry.unit_filter][:1]
    return {"where": where, "vary": vary, "columns": wanted}


@pytest.mark.parametrize("table_id", TABLES)
def test_polars_and_duckdb_select_the_same_rows(table_id: str) -> None:
    entry = catalogue.load_catalogue().get(table_id)
    store.prepare(entry)
    rng = random.Random(f"engines-{table_id}")
    compared = 0
    for _ in range(25):
        selection = _random_selection(entry, rng)
        try:
            by_polars = query.select(entry, **selection, engine="polars")  # type: ignore[arg-type]
        except query.SelectionError:
            with pytest.raises(query.SelectionError):
                query.select(entry, **selection, engine="duckdb")  # type: ignore[arg-type]
            continue
        by_duckdb = query.select(entry, **selection, engine="duckdb")  # type: ignore[arg-type]
        assert by_duckdb.schema == by_polars.schema, selection
        assert by_duckdb.equals(by_polars), selection
        compared += by_polars.height > 0
    assert compared >= 5  # most random selections found rows: the comparison was not of empty frames


def test_values_are_parameters_not_sql() -> None:
    entry = catalogue.load_catalogue().get("demo_benefit_claims")
    hostile = {"cah2_subject_name": ["x' OR '1'='1", 'Law"); DROP TABLE t; --']}
    for engine in query.ENGINES:
        assert query.select(entry, hostile, engine=engine).height == 0


def test_duckdb_connections_are_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(query.ENGINE_ENV, "duckdb")
    entry = catalogue.load_catalogue().get("demo_graduate_outcomes")
    expected = query.select(entry, {"yag": ["3"]}, engine="polars")
    results: list[pl.DataFrame] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(5):
                results.append(query.select(entry, {"yag": ["3"]}))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 20 and all(r.equals(expected) for r in results)


def test_an_unknown_engine_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(query.ENGINE_ENV, "spark")
    with pytest.raises(ValueError, match="LEO_QUERY_ENGINE"):
        query.query_engine()
