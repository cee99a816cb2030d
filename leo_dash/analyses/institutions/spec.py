"""Institutions page selection: `InstitutionSpec`, its URL parameters, and the words and titles that describe it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from leo_dash.analyses.institutions.options import (
    _UNIT_SUFFIX,
    DEFAULT_TOP,
    LIMIT_OPTIONS,
    LIMITS_CHANCE,
    MAX_HIGHLIGHT,
    PEER_ALL,
    SHOW_ALL,
    TOP_OPTIONS,
    characteristic_types,
    characteristic_values,
    default_item,
    page_options,
    peer_uses,
    provider_items,
    subjects,
)
from leo_dash.analyses.table_choices import choose_filters
from leo_dash.core import query
from leo_dash.core.model import SYMBOL_LABELS, Indicator, TableEntry
from leo_dash.core.periods import period_label, period_value
from leo_dash.present.sentences import years_after_phrase


def measure_indicator(entry: TableEntry, spec: InstitutionSpec) -> Indicator:
    """The chosen measure as the selection reads it: with a `data_type` filter, a count or a percentage by the item
    pinned (so the axis, the figures' unit and disclosure control follow it)."""
    return query.unit_indicator(entry, entry.indicator(spec.measure), dict(spec.filters))


# ---------------------------------------------------------------------------------------------------------------
# The user's choices


@dataclass(frozen=True)
class InstitutionSpec:
    """One view of the page: cache key, URL state, audit record and briefing item."""

    table_id: str
    measure: str  # indicator column
    period: int
    years_after: str | None = None
    subject: str | None = None
    characteristic_type: str | None = None
    characteristic_value: str | None = None
    filters: tuple[tuple[str, str], ...] = ()  # (extra filter column, item)
    peer: str = PEER_ALL
    provider_type: str | None = None  # used when the peer group restricts the type
    region: str | None = None  # used when the peer group restricts the region
    providers: tuple[str, ...] = ()  # highlighted provider ids, in the order chosen
    top: str = DEFAULT_TOP  # providers at each end of the ranked chart, or "All"
    limits: str = LIMITS_CHANCE  # funnel control limits: binomial, or widened for over-dispersion

    @property
    def peer_type(self) -> str | None:
        return self.provider_type if peer_uses(self.peer)[0] else None

    @property
    def peer_region(self) -> str | None:
        return self.region if peer_uses(self.peer)[1] else None

    @property
    def top_n(self) -> int | None:
        return None if self.top == SHOW_ALL else int(self.top)


def spec_params(spec: InstitutionSpec) -> dict[str, list[str]]:
    """The URL parameters that reproduce `spec` (also the audit record and the briefing reference)."""
    params: dict[str, list[str]] = {
        "table": [spec.table_id],
        "measure": [spec.measure],
        "year": [period_label(spec.period)],
    }
    for key, value in (
        ("yag", spec.years_after),
        ("subject", spec.subject),
        ("characteristic", spec.characteristic_type),
        ("characteristic_value", spec.characteristic_value),
        *spec.filters,
        ("peer", spec.peer),
        ("provider_type", spec.peer_type),
        ("region", spec.peer_region),
    ):
        if value is not None:
            params[key] = [value]
    if spec.providers:
        params["provider"] = list(spec.providers)
    params["top"] = [spec.top]
    if spec.limits != LIMITS_CHANCE:
        params["limits"] = [spec.limits]
    return params


def _pick(params: Mapping[str, Sequence[str]], key: str, options: Sequence[str], default: str | None) -> str | None:
    asked = list(params.get(key, ()))
    if asked and asked[-1] in options:
        return asked[-1]
    return default if default in options else (options[0] if options else None)


def spec_from_params(
    entry: TableEntry, params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> InstitutionSpec:
    """The spec a link describes, with the page's fallbacks for values the table lacks (as the widgets do)."""
    options = page_options(entry, data_dir=data_dir)
    measure = _pick(params, "measure", [m.column for m in options.measures], options.default_measure)
    labels = [period_label(p) for p in options.periods]
    year = _pick(params, "year", labels, labels[-1])
    yag = _pick(params, "yag", options.years_after, options.default_years_after) if options.years_after else None
    subject_options = subjects(entry, yag, data_dir=data_dir)
    subject = _pick(params, "subject", subject_options, default_item(entry, "subject", subject_options))
    types = characteristic_types(entry, subject, data_dir=data_dir)
    characteristic = _pick(params, "characteristic", types, default_item(entry, "characteristic_type", types))
    value = None
    if characteristic is not None and characteristic not in query.TOTAL_ITEMS:
        values = characteristic_values(entry, subject, characteristic, data_dir=data_dir)
        value = _pick(params, "characteristic_value", values, values[0] if values else None)
    filters = choose_filters(
        entry,
        options.filters,
        lambda column, items, default: _pick(params, column, items, default),
        published_with=provider_items(entry, data_dir=data_dir),
        asked={c: str(params[c][-1]) for c in options.filters if params.get(c)},
        data_dir=data_dir,
    )
    peer = str(_pick(params, "peer", options.peers, PEER_ALL))
    chosen = [p for p in dict.fromkeys(params.get("provider", ())) if p in options.providers][:MAX_HIGHLIGHT]
    uses_type, uses_region = peer_uses(peer)
    return InstitutionSpec(
        table_id=entry.id, measure=str(measure), period=period_value(str(year)), years_after=yag,
        subject=subject, characteristic_type=characteristic, characteristic_value=value, filters=filters,
        peer=peer,
        provider_type=_pick(params, "provider_type", options.provider_types, None) if uses_type else None,
        region=_pick(params, "region", options.regions, None) if uses_region else None,
        providers=tuple(chosen),
        top=str(_pick(params, "top", TOP_OPTIONS, DEFAULT_TOP)),
        limits=str(_pick(params, "limits", LIMIT_OPTIONS, LIMITS_CHANCE)),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Words


def measure_name(indicator: Indicator) -> str:
    """The label without its unit: 'Sustained employment (%)' -> 'Sustained employment'."""
    return _UNIT_SUFFIX.sub("", indicator.label).strip()


def measure_title(indicator: Indicator) -> str:
    """'Sustained employment rate', 'Median earnings', 'Out-of-work benefit claim rate'."""
    name = measure_name(indicator)
    if indicator.kind == "rate" and "rate" not in name.lower():
        name += " rate"
    return name


def peer_label(spec: InstitutionSpec) -> str:
    """'all providers', 'HEI providers', 'providers in London', 'HEI providers in London'."""
    kind = f"{spec.peer_type} providers" if spec.peer_type else "providers"
    if spec.peer_region:
        return f"{kind} in {spec.peer_region}"
    return kind if spec.peer_type else "all providers"


def benchmark_name(spec: InstitutionSpec) -> str:
    """The benchmark series: 'All providers', 'HEI providers', ..."""
    label = peer_label(spec)
    return label[:1].upper() + label[1:]


def selection_words(entry: TableEntry, spec: InstitutionSpec) -> str:
    """The breakdown and year a figure is for, without the measure: 'one year after graduation, all subjects,
    2023-24 tax year'."""
    parts = [years_after_phrase(spec.years_after)] if spec.years_after is not None and entry.role("years_after") else []
    parts += _selection_parts(entry, spec)
    parts.append(f"{period_label(spec.period)} {entry.time_label.lower()}")
    return ", ".join(parts)


def _selection_parts(entry: TableEntry, spec: InstitutionSpec) -> list[str]:
    parts: list[str] = []
    if entry.role("subject") and spec.subject is not None:
        parts.append("all subjects" if spec.subject in query.TOTAL_ITEMS else spec.subject)
    if spec.characteristic_type and spec.characteristic_type not in query.TOTAL_ITEMS and spec.characteristic_value:
        parts.append(f"{spec.characteristic_type}: {spec.characteristic_value}")
    defaults = {c: query.default_item(entry, c, [v]) for c, v in spec.filters}
    # The unit item is always named: a count and a percentage of the same column must not read alike.
    parts += [value for column, value in spec.filters if defaults.get(column) != value or column == entry.unit_filter]
    return parts


def view_title(
    entry: TableEntry, spec: InstitutionSpec, indicator: Indicator, *, periods: str | None = None, against: str = ""
) -> str:
    """'Sustained employment rate five years after graduation, Computing, 2022-23 tax year, all providers'
    (`against` is added to the measure, e.g. ' against number of matched learners')."""
    head = measure_title(indicator)
    if spec.years_after is not None and entry.role("years_after"):
        head += f" {years_after_phrase(spec.years_after)}"
    head += against
    when = periods or f"{period_label(spec.period)} {entry.time_label.lower()}"
    return ", ".join([head, *_selection_parts(entry, spec), when, peer_label(spec)])


def _names_phrase(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{len(names):,} providers"


def _providers_word(n: int) -> str:
    return f"{n:,} provider{'s' if n != 1 else ''}"


def _symbols_phrase(symbols: Mapping[str, int]) -> str:
    """ "24 providers' figures are suppressed and 3 are not available" (most common symbol first)."""
    parts: list[str] = []
    for n, (symbol, count) in enumerate(sorted(symbols.items(), key=lambda kv: (-kv[1], kv[0]))):
        meaning = "suppressed" if symbol == "c" else SYMBOL_LABELS.get(symbol, symbol).lower()
        if n == 0:
            whose = "provider's figure is" if count == 1 else "providers' figures are"
            parts.append(f"{count:,} {whose} {meaning}")
        else:
            parts.append(f"{count:,} {'is' if count == 1 else 'are'} {meaning}")
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
