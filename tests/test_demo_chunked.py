"""The chunked demo generator: the graduate table in blocks of providers, for the large benchmark tables."""

from __future__ import annotations

import filecmp
from pathlib import Path

import polars as pl
import pytest

from leo_dash import cli, demo
from leo_dash.core import ees, paths, store
from leo_dash.core.catalogue import load_catalogue, write_entry
from leo_dash.demo import chunked

SCALE = 0.6
GRADUATE_FILES = tuple(
    f"{demo.GRADUATE_TABLE}_{kind}{suffix}" for kind in ("provider", "national") for suffix in (".csv", ".meta.csv")
)


def read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


@pytest.fixture(scope="module")
def blocks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, chunked.ChunkedResult]:
    """Scale 0.6 (14 providers) in blocks of 4: four blocks, the last one short."""
    out = tmp_path_factory.mktemp("blocks")
    return out, chunked.generate_graduate_table(out, scale=SCALE, block_providers=4)


def test_one_block_is_the_committed_demo_graduate_table_byte_for_byte(tmp_path: Path) -> None:
    result = chunked.generate_graduate_table(tmp_path, scale=1, block_providers=1_000)
    assert result.blocks == 1
    assert sorted(p.name for p in result.files) == sorted(GRADUATE_FILES)
    for name in GRADUATE_FILES:
        assert filecmp.cmp(tmp_path / name, paths.DEMO_DIR / name, shallow=False), name


def test_blocks_are_counted_and_every_row_is_written(blocks: tuple[Path, chunked.ChunkedResult]) -> None:
    out, result = blocks
    assert result.blocks == 4  # 14 providers in blocks of 4
    assert read(out / f"{demo.GRADUATE_TABLE}_provider.csv").height == result.provider_rows > 0
    assert read(out / f"{demo.GRADUATE_TABLE}_national.csv").height == result.national_rows > 0


def test_the_same_seed_scale_and_block_size_give_the_same_bytes(
    tmp_path: Path, blocks: tuple[Path, chunked.ChunkedResult]
) -> None:
    out, _ = blocks
    chunked.generate_graduate_table(tmp_path, scale=SCALE, block_providers=4)
    for name in GRADUATE_FILES:
        assert filecmp.cmp(tmp_path / name, out / name, shallow=False), name


def test_blocks_share_one_sector_of_unique_fictional_providers(blocks: tuple[Path, chunked.ChunkedResult]) -> None:
    out, _ = blocks
    whole = out.parent / "whole"
    chunked.generate_graduate_table(whole, scale=SCALE, block_providers=10_000)
    chunked_providers = read(out / f"{demo.GRADUATE_TABLE}_provider.csv").select("provider_ukprn", "provider_name")
    whole_providers = read(whole / f"{demo.GRADUATE_TABLE}_provider.csv").select("provider_ukprn", "provider_name")
    pairs = chunked_providers.unique()
    # One name per id and one id per name, and the same sector as the unchunked draw (ids and names from one stream).
    assert pairs["provider_ukprn"].n_unique() == pairs["provider_name"].n_unique() == pairs.height == 14
    assert pairs.sort("provider_ukprn").equals(whole_providers.unique().sort("provider_ukprn"))
    assert not {name.lower() for name in pairs["provider_name"]} & demo.real_provider_names()


def test_chunked_meta_files_match_the_generators(blocks: tuple[Path, chunked.ChunkedResult]) -> None:
    out, _ = blocks
    for kind in ("provider", "national"):
        name = f"{demo.GRADUATE_TABLE}_{kind}.meta.csv"
        assert (out / name).read_text(encoding="utf-8") == (paths.DEMO_DIR / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("out_of_core", [False, True], ids=["in memory", "out of core"])
def test_chunked_files_pass_every_loader_check(blocks: tuple[Path, chunked.ChunkedResult], out_of_core: bool) -> None:
    out, result = blocks
    for kind in ("provider", "national"):
        screened = ees.screen(out / f"{demo.GRADUATE_TABLE}_{kind}.csv", out_of_core=out_of_core)
        try:
            assert screened.ok and not screened.errors, [e.message for e in screened.errors]
        finally:
            screened.close()


def test_national_totals_add_up_over_every_block(blocks: tuple[Path, chunked.ChunkedResult]) -> None:
    """National cells are drawn once from sums over all blocks, so they agree with the provider rows (up to
    rounding to 5 and suppression in each provider's published count)."""
    out, _ = blocks
    all_graduates = (pl.col("cah2_subject_name") == demo.TOTAL) & (pl.col("characteristic_type") == demo.TOTAL)
    key = ["time_period", "yag"]
    provider = (
        read(out / f"{demo.GRADUATE_TABLE}_provider.csv")
        .filter(all_graduates)
        .group_by(key)
        .agg(pl.col("grads").cast(pl.Int64, strict=False).sum().alias("sum_of_providers"), pl.len().alias("providers"))
    )
    national = (
        read(out / f"{demo.GRADUATE_TABLE}_national.csv")
        .filter(all_graduates)
        .select(*key, pl.col("grads").cast(pl.Int64).alias("national"))
    )
    joined = provider.join(national, on=key, how="inner")
    assert joined.height >= 10
    for row in joined.iter_rows(named=True):
        tolerance = 3 * row["providers"] + 3  # each published count is within 2.5 of the truth, or c (under 3)
        assert abs(row["national"] - row["sum_of_providers"]) <= tolerance, row
    # Not trivially true: a national figure from one block only would miss by thousands.
    assert joined["national"].min() > 10 * (3 * joined["providers"].max() + 3)


def test_a_chunked_table_registers_and_prepares_like_the_demo(
    tmp_path: Path, blocks: tuple[Path, chunked.ChunkedResult]
) -> None:
    out, result = blocks
    data_dir = tmp_path / "data"
    write_entry(chunked.graduate_entry(out), data_dir)
    entry = load_catalogue(data_dir).get(demo.GRADUATE_TABLE)
    assert entry.files == tuple(str(out / f"{demo.GRADUATE_TABLE}_{k}.csv") for k in ("provider", "national"))
    prepared = store.prepare(entry, data_dir=data_dir)
    assert prepared.rows == result.provider_rows + result.national_rows


def test_bad_arguments_are_refused_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="block_providers"):
        chunked.generate_graduate_table(tmp_path, scale=1, block_providers=0)
    with pytest.raises(ValueError, match="scale"):
        chunked.generate_graduate_table(tmp_path, scale=float("nan"))
    with pytest.raises(SystemExit, match="--out"):
        cli.main(["demo", "--chunked", "--scale", "2"])  # never rewrites the committed data/demo
    assert cli.main(["demo", "--chunked", "--scale", "1", "--out", str(tmp_path / "cli")]) == 0
    assert "13,382 rows" in capsys.readouterr().out
