"""Benefits data: the protected frame of series for a spec (`benefit_data`), with derived all-provider figures."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from leo_dash import sdc
from leo_dash.analyses.benefits import measures
from leo_dash.analyses.benefits.options import (
    OVERALL_SPLIT,
    BenefitOptions,
    Split,
    available_splits,
    split_by_key,
    split_parents,
    table_options,
)
from leo_dash.analyses.benefits.spec import BenefitSpec
from leo_dash.core import geography, query
from leo_dash.core.model import Indicator, TableEntry, status_column
from leo_dash.core.periods import period_label
from leo_dash.present.sentences import join_words

# ---------------------------------------------------------------------------------------------------------------
# The protected frame


@dataclass(frozen=True)
class Series:
    """One line of the chart."""

    index: int
    group: str | None  # the split item, or None for the overall line
    provider: str | None  # provider id, or None for all providers
    label: str  # legend text (raw; escaped when drawn)
    colour_index: int

    @property
    def all_providers(self) -> bool:
        return self.provider is None


@dataclass(frozen=True)
class BenefitData:
    """The disclosure-controlled frame of one benefits selection: one row per line and year."""

    entry: TableEntry
    spec: BenefitSpec
    split: Split
    indicator: Indicator
    base: Indicator | None
    frame: pl.DataFrame
    series: tuple[Series, ...]
    periods: tuple[int, ...]
    provider_name: str | None
    notes: tuple[str, ...]
    dp: int  # decimals shown (1 where a figure is derived)
    derived: bool  # some all-provider figure is derived from providers' published cells
    options: BenefitOptions

    @property
    def indicators(self) -> list[Indicator]:
        return [self.indicator] + ([self.base] if self.base else [])


def base_indicator(entry: TableEntry, indicator: Indicator) -> Indicator | None:
    if not indicator.base:
        return None
    try:
        return entry.indicator(indicator.base)
    except KeyError:
        return Indicator(indicator.base, indicator.base, "base")


def group_label(entry: TableEntry, options: BenefitOptions, split: Split, item: str) -> str:
    """Legend text of a split item: years after are spelt out ('1 year after graduation')."""
    if split.key == measures.BY_YEARS_AFTER:
        event = after_event(entry, options.labels)
        try:
            n = int(float(item))
        except ValueError:
            return item
        return f"{n} {'year' if n == 1 else 'years'} after" + (f" {event}" if event else "")
    return item


def after_event(entry: TableEntry, labels: Mapping[str, str]) -> str:
    """'graduation' from a 'Years after graduation' label: the event years after are counted from."""
    column = entry.role("years_after")
    label = labels.get(column or "", "")
    match = re.search(r"after (.+)$", label, flags=re.IGNORECASE)
    return match.group(1).strip().lower() if match else ("graduation" if entry.role("subject") else "")


def everyone_label(options: BenefitOptions, spec: BenefitSpec) -> str:
    """The line of everyone in scope: all providers (England), or the region or local authority chosen."""
    area = geography.area_by_code(options.areas, spec.area)
    return area.name if area is not None and geography.below_national(area) else measures.ALL_PROVIDERS_LABEL


def _series_for(
    entry: TableEntry, options: BenefitOptions, split: Split, spec: BenefitSpec, provider_name: str | None
) -> list[Series]:
    groups: Sequence[str | None] = list(spec.items) if not split.is_overall else [None]
    scopes: list[str | None] = [spec.provider, None] if spec.provider else [None]
    out: list[Series] = []
    for colour, group in enumerate(groups):
        for scope in scopes:
            parts = [group_label(entry, options, split, group)] if group is not None else []
            if spec.provider or group is None:
                parts.append((provider_name or str(scope)) if scope else everyone_label(options, spec))
            out.append(Series(len(out), group, scope, " – ".join(parts), colour))
    return out


def _where(
    entry: TableEntry, spec: BenefitSpec, split: Split, options: BenefitOptions, data_dir: Path | None
) -> dict[str, list[object]]:
    area = geography.area_by_code(options.areas, spec.area)
    where: dict[str, list[object]] = geography.area_where(entry, area, data_dir=data_dir)
    if split.key == measures.BY_CHARACTERISTIC:
        where[str(entry.role("characteristic_type"))] = [spec.characteristic]
    if not split.is_overall and split.column:
        where[split.column] = list(spec.items)
    yag = entry.role("years_after")
    if yag and split.key != measures.BY_YEARS_AFTER and spec.years_after is not None:
        where[yag] = [spec.years_after]
    for column, item in spec.filters:
        where[column] = [item]
    item = measures.measure_item(entry, spec.measure)
    if item is not None:
        where[item.filter] = [item.item]
    return where


def _derive_all_providers(
    contributors: pl.DataFrame, indicators: Sequence[Indicator], entry: TableEntry
) -> pl.DataFrame:
    """D4: the all-provider figure of each line and year from the providers' published cells."""
    grouped = sdc.aggregate(
        contributors, [measures.PERIOD, measures.GROUP], indicators, entry.disclosure, published_cells_only=True
    )
    grouped = sdc.suppress_derived(grouped, indicators)
    return sdc.guard(grouped, indicators, entry.disclosure, derived=True)


def _selected_rows(
    entry: TableEntry,
    spec: BenefitSpec,
    split: Split,
    options: BenefitOptions,
    values: list[str],
    pid: str | None,
    data_dir: Path | None,
) -> pl.DataFrame:
    """The spec's published rows (national and every provider's) under the view's own column names."""
    time = str(entry.role("time"))
    parents = [c for c in split_parents(entry, options, split, data_dir=data_dir) if c not in dict(spec.filters)]
    columns = [
        time,
        *([pid] if pid else []),
        *([split.column] if split.column and not split.is_overall else []),
        *values,
    ]
    rows = query.select(
        entry,
        _where(entry, spec, split, options, data_dir),
        vary=parents,
        columns=list(dict.fromkeys(columns)),
        data_dir=data_dir,
    )
    group = (
        pl.col(str(split.column)).cast(pl.String) if split.column and not split.is_overall else pl.lit(None, pl.String)
    )
    provider = pl.col(pid).cast(pl.String) if pid else pl.lit(None, pl.String)
    keep = [c for v in values for c in (v, status_column(v)) if c in rows.columns]
    return rows.select(
        pl.col(time).cast(pl.Int64).alias(measures.PERIOD),
        group.alias(measures.GROUP),
        provider.alias(measures.PROVIDER),
        *keep,
    )


def _derived_part(
    rows: pl.DataFrame,
    missing: list[tuple[str | None, int]],
    indicators: list[Indicator],
    entry: TableEntry,
    options: BenefitOptions,
    notes: list[str],
) -> pl.DataFrame | None:
    """All-provider figures derived from the providers' published cells for the lines and years the table has no
    national row for (D4; a lone suppressed cell hides the sum), or None when no provider contributes."""
    keys = pl.DataFrame(
        {measures.GROUP: [g for g, _ in missing], measures.PERIOD: [p for _, p in missing]},
        schema={measures.GROUP: pl.String, measures.PERIOD: pl.Int64},
    )
    contributors = rows.filter(pl.col(measures.PROVIDER).is_not_null()).join(
        keys, on=[measures.GROUP, measures.PERIOD], how="semi", nulls_equal=True
    )
    if contributors.height:
        derived = _derive_all_providers(contributors.drop(measures.PROVIDER), indicators, entry)
        used = derived.select(
            measures.PERIOD,
            measures.GROUP,
            (pl.col(sdc.N_ROWS) - pl.col(sdc.N_EXCLUDED)).alias("used"),
            pl.col(sdc.N_EXCLUDED),
        )
        derived = derived.drop(sdc.N_ROWS, sdc.N_EXCLUDED).with_columns(
            pl.lit(None, pl.String).alias(measures.PROVIDER), pl.lit(measures.DERIVED).alias(measures.BASIS)
        )
        notes.append(_derived_note(used, has_national=options.has_national))
        return derived
    return None


def _limited_series(
    entry: TableEntry,
    options: BenefitOptions,
    split: Split,
    spec: BenefitSpec,
    provider_name: str | None,
    notes: list[str],
) -> list[Series]:
    """The lines drawn, at most MAX_SERIES, with a note naming those left out."""
    series = _series_for(entry, options, split, spec, provider_name)
    if len(series) > measures.MAX_SERIES:
        left = [s.label for s in series[measures.MAX_SERIES :]]
        notes.append(
            f"The chart holds at most {measures.MAX_SERIES} lines, so {join_words(left)} {'was' if len(left) == 1 else 'were'} left out."
        )
        series = series[: measures.MAX_SERIES]
    return series


def _grid(
    series: list[Series], periods: list[int], provider_name: str | None, options: BenefitOptions, spec: BenefitSpec
) -> pl.DataFrame:
    """One row per line and year, whether or not a figure was published there."""
    return pl.DataFrame(
        {
            measures.SERIES_INDEX: [s.index for s in series for _ in periods],
            measures.SERIES: [s.label for s in series for _ in periods],
            measures.GROUP: [s.group for s in series for _ in periods],
            measures.PROVIDER: [s.provider for s in series for _ in periods],
            measures.PROVIDER_LABEL: [
                (provider_name or s.provider) if s.provider else everyone_label(options, spec)
                for s in series
                for _ in periods
            ],
            measures.PERIOD: [p for _ in series for p in periods],
            measures.PERIOD_LABEL: [period_label(p) for _ in series for p in periods],
        },
        schema_overrides={measures.GROUP: pl.String, measures.PROVIDER: pl.String, measures.PERIOD: pl.Int64},
    )


def _gaps_marked(frame: pl.DataFrame, values: list[str]) -> pl.DataFrame:
    """A line with no row in a year is a gap 'not available', never a zero; a row not published says so."""
    return frame.with_columns(
        *(sdc.missing_as_not_available(v) for v in values),
        pl.col(measures.BASIS).fill_null(measures.NOT_PUBLISHED),
    )


def _groups_the_provider_lacks(
    frame: pl.DataFrame, provider: str, wanted_groups: list[str | None], provider_name: str | None
) -> list[str]:
    """A note for each chosen group the provider has no published figure for in any year."""
    notes: list[str] = []
    for group_item in wanted_groups:
        own_rows = frame.filter((pl.col(measures.PROVIDER) == provider) & _eq_group(group_item))
        if own_rows.height and own_rows[measures.BASIS].eq(measures.NOT_PUBLISHED).all() and group_item is not None:
            notes.append(f"{provider_name or provider} has no published figures for {group_item}.")
    return notes


def benefit_data(
    entry: TableEntry, spec: BenefitSpec, *, options: BenefitOptions | None = None, data_dir: Path | None = None
) -> BenefitData:
    """One row per line and year: published figures where they exist, all-provider figures derived where the table
    has none, gaps as null + symbol ('x' where no row exists)."""
    options = options or table_options(entry, data_dir=data_dir)
    splits = available_splits(entry, options, spec.provider, data_dir=data_dir)
    split = split_by_key(splits, spec.split) or OVERALL_SPLIT
    indicator = measures.measure_indicator(entry, spec.measure)
    if not measures.is_benefit_rate(indicator) and measures.measure_item(entry, spec.measure) is None:
        raise ValueError(f"{indicator.column} is not a benefit-claim rate.")
    base = base_indicator(entry, indicator)
    indicators = [indicator] + ([base] if base else [])
    values = [i.column for i in indicators]
    schema = query.schema(entry, data_dir=data_dir)
    pid = entry.role("provider_id")
    pid = pid if pid and pid in schema else None
    notes: list[str] = []
    provider_name = options.provider_names.get(spec.provider or "") if spec.provider else None

    rows = _selected_rows(entry, spec, split, options, values, pid, data_dir)

    national = sdc.protect(rows.filter(pl.col(measures.PROVIDER).is_null()), indicators, entry.disclosure)
    parts = [national.with_columns(pl.lit(measures.PUBLISHED).alias(measures.BASIS))]
    if spec.provider:
        own = sdc.protect(rows.filter(pl.col(measures.PROVIDER) == spec.provider), indicators, entry.disclosure)
        parts.append(own.with_columns(pl.lit(measures.PUBLISHED).alias(measures.BASIS)))
        if own.height == 0:
            notes.append(f"{provider_name or spec.provider} has no published figures for this selection.")
    wanted_groups: list[str | None] = list(spec.items) if not split.is_overall else [None]
    have = {(g, p) for g, p in national.select(measures.GROUP, measures.PERIOD).iter_rows()}
    missing = [(g, p) for g in wanted_groups for p in options.periods if (g, p) not in have]
    derived_used = False
    if missing and pid and base is not None:
        derived_part = _derived_part(rows, missing, indicators, entry, options, notes)
        if derived_part is not None:
            parts.append(derived_part)
            derived_used = True
    combined = pl.concat(parts, how="diagonal_relaxed")
    duplicated = combined.select(
        pl.struct(measures.GROUP, measures.PROVIDER, measures.PERIOD).is_duplicated().any()
    ).item()
    if duplicated:
        raise measures.BenefitsDataError(
            f"{entry.id} has more than one row for some line and year: it has a breakdown this page does not "
            "choose, so no single figure can be shown."
        )

    series = _limited_series(entry, options, split, spec, provider_name, notes)
    periods = list(options.periods)
    grid = _grid(series, periods, provider_name, options, spec)
    data_columns = [c for c in combined.columns if c not in (measures.GROUP, measures.PROVIDER, measures.PERIOD)]
    frame = grid.join(combined, on=[measures.GROUP, measures.PROVIDER, measures.PERIOD], how="left", nulls_equal=True)
    frame = frame.select([*grid.columns, *data_columns]).sort([measures.SERIES_INDEX, measures.PERIOD])
    frame = _gaps_marked(frame, values)
    frame = sdc.guard(frame, indicators, entry.disclosure, derived=False)
    derived_rows = frame.filter(pl.col(measures.BASIS) == measures.DERIVED)
    if derived_rows.height:
        sdc.guard(derived_rows, indicators, entry.disclosure, derived=True)
    if spec.provider and not any("has no published figures for this selection" in n for n in notes):
        notes += _groups_the_provider_lacks(frame, spec.provider, wanted_groups, provider_name)
    dp = indicator.dp if indicator.dp is not None else 1
    if derived_used:
        dp = max(dp, entry.disclosure.rate_dp)
    return BenefitData(
        entry=entry, spec=spec, split=split, indicator=indicator, base=base, options=options,
        frame=frame, series=tuple(series), periods=tuple(periods), provider_name=provider_name,
        notes=tuple(notes), dp=dp, derived=derived_used,
    )  # fmt: skip


def _eq_group(item: str | None) -> pl.Expr:
    return pl.col(measures.GROUP).is_null() if item is None else (pl.col(measures.GROUP) == item).fill_null(False)


def _derived_note(used: pl.DataFrame, *, has_national: bool) -> str:
    why = "publishes no national figure for some of these lines and years" if has_national else "has no national rows"
    latest = used.filter(pl.col(measures.PERIOD) == used[measures.PERIOD].max())
    combined = int(latest["used"].sum()) if latest.height else 0
    left_out = int(latest[sdc.N_EXCLUDED].sum()) if latest.height else 0
    year = period_label(int(used[measures.PERIOD].max())) if used.height else ""
    return (
        f"This table {why}, so all-provider figures there are derived from the providers' published figures, "
        "weighted by their bases and leaving out figures that are suppressed or not available"
        + (f" (in {year}: {combined:,} provider figures combined, {left_out:,} left out)" if year else "")
        + ". A derived figure is shown to one decimal place, and only when it passes the disclosure rules."
    )
