"""Headline figures: one headline (its figure, change, sentence, source line and links)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import polars as pl

from leo_dash import sdc
from leo_dash.analyses import benefits, earnings, institutions
from leo_dash.analyses.overview.spec import DERIVED, PERIOD, PUBLISHED, VALUE, HeadlineSpec, TableFacts
from leo_dash.core import geography, query
from leo_dash.core.model import SYMBOL_LABELS, SYMBOL_MEANINGS, Indicator, TableEntry, status_column
from leo_dash.core.periods import period_label, previous_period
from leo_dash.present.sentences import in_sentence, years_after_phrase
from leo_dash.present.views import format_number, source_line


@dataclass(frozen=True)
class PageLink:
    """A link into another page with the matching filters."""

    page: str  # script path for st.page_link, e.g. "pages/earnings.py"
    url_path: str  # e.g. "earnings"
    label: str
    params: dict[str, str]
    icon: str | None = None

    @property
    def href(self) -> str:
        return f"/{self.url_path}" + (f"?{urlencode(self.params)}" if self.params else "")


@dataclass(frozen=True)
class Headline:
    spec: HeadlineSpec
    entry: TableEntry
    indicator: Indicator
    label: str  # 'Median earnings five years after graduation'
    period: int
    value: float | None  # None where a symbol stands
    status: str | None
    previous: int | None  # the previous year, if the table has it
    previous_value: float | None
    previous_status: str | None
    derived: bool
    dp: int
    series: pl.DataFrame  # PERIOD, VALUE, status: every year of the table, for the chart
    links: tuple[PageLink, ...] = ()
    context: str = ""  # pinned filter items that are not a Total, e.g. 'stage left: 16 to 18'
    area: str | None = None  # the name of the region or local authority whose figures these are; None = England

    @property
    def title(self) -> str:
        """The label with the place and what it is narrowed to: 'Sustained employment (London; stage left: 16 to
        18)'."""
        narrowed = "; ".join(p for p in (self.area or "", self.context) if p)
        return self.label + (f" ({narrowed})" if narrowed else "")

    @property
    def unit(self) -> str:
        return self.indicator.unit or ("£" if self.indicator.kind == "earnings" else "")

    @property
    def value_text(self) -> str:
        if self.value is None:
            symbol = self.status or "x"
            return f"{SYMBOL_LABELS.get(symbol, symbol)} ({symbol})"
        return format_number(self.value, self.unit, self.dp)

    @property
    def change_pair(self) -> tuple[str | None, float | None]:
        if self.previous is None:
            return None, None
        return benefits.change_phrase(self.value, self.previous_value, self.unit, self.dp, period_label(self.previous))

    @property
    def change_text(self) -> str | None:
        """'up 1.2 percentage points from 2021-22'; for earnings 'up 7.3% from 2022-23 in cash terms' (published
        earnings are not adjusted for inflation, so a rise may be a fall in real terms). None: nothing to compare."""
        text = self.change_pair[0]
        if text is not None and self.indicator.kind == "earnings":
            return f"{text} in cash terms"
        return text

    @property
    def change(self) -> float | None:
        return self.change_pair[1]

    @property
    def sentence(self) -> str:
        return headline_sentence(self)

    @property
    def source(self) -> str:
        how = self.basis[:1].lower() + self.basis[1:] + (" (the table has no national rows)" if self.derived else "")
        return f"{source_line(self.entry)}. Table: {self.entry.title}; {how}."

    @property
    def basis(self) -> str:
        """Where the figure comes from, as the card's source line and the table's column say it."""
        if self.derived:
            return DERIVED
        return f"Published figure for {self.area}" if self.area else PUBLISHED

    @property
    def help_text(self) -> str:
        scope = self.area or "all providers"
        return f"{self.indicator.label}, {self.entry.time_label.lower()} {period_label(self.period)}, {scope}."


def _plural(label: str) -> bool:
    return label.lower().startswith(("median earnings", "earnings"))


def headline_sentence(h: Headline) -> str:
    """'Median earnings five years after graduation were £33,900 in 2023-24, up 7.3% from 2022-23.' A suppressed
    or missing figure is never cited: the sentence says it is not available and why."""
    subject = h.title
    verb = "were" if _plural(h.label) else "was"
    when = period_label(h.period)
    if h.value is None:
        symbol = h.status or "x"
        return f"The {when} figure for {in_sentence(subject)} is {SYMBOL_MEANINGS.get(symbol, symbol)} ('{symbol}')."
    head = f"{subject} {verb} {h.value_text} in {when}"
    if h.previous is None:
        return head + "; the table has no figure for the year before to compare with."
    change = h.change_text
    if change is not None:
        return f"{head}, {change}."
    if h.previous_value is None:
        symbol = h.previous_status or "x"
        return (
            f"{head}; no change from {period_label(h.previous)} is given because that figure is "
            f"{SYMBOL_MEANINGS.get(symbol, symbol)} ('{symbol}')."
        )
    return head + "."


def _label(entry: TableEntry, spec: HeadlineSpec, indicator: Indicator, facts: TableFacts) -> str:
    if spec.kind == "earnings":
        head = "Median earnings"
    elif spec.kind == "benefits":
        head = benefits.measure_title(indicator)
    else:
        head = benefits.measure_name(indicator)
    if spec.years_after is not None:
        event = benefits.after_event(entry, facts.labels) or "graduation"
        try:
            head += f" {years_after_phrase(spec.years_after, event)}"
        except ValueError:
            head += f", {spec.years_after} years after {event}"
    return head


def _context(entry: TableEntry, facts: TableFacts) -> str:
    """Pinned filter items that are real categories (not a Total): they narrow what the figure covers."""
    parts = [
        f"{in_sentence(facts.labels.get(c) or benefits.nice_name(c))}: {item}"
        for c, item in facts.filter_defaults.items()
        if item not in query.TOTAL_ITEMS
    ]
    return "; ".join(parts)


def links_for(
    h_spec: HeadlineSpec,
    entry: TableEntry,
    period: int,
    *,
    area: geography.Area | None = None,
    data_dir: Path | None = None,
) -> tuple[PageLink, ...]:
    """Links into the other pages with the filters that show where this headline comes from."""
    links: list[PageLink] = []
    year = period_label(period)
    yag = {"yag": h_spec.years_after} if h_spec.years_after is not None else {}
    if geography.below_national(area) and area is not None:
        yag[geography.AREA_PARAM] = area.code  # the pages behind it open on the same place
    if h_spec.kind == "earnings" and earnings.supports(entry):
        params = {"table": entry.id, "compare": "Cohorts", **yag}
        if entry.role("subject"):
            subjects = query.distinct_values(entry, "subject", data_dir=data_dir)
            total = query.default_item(entry, str(entry.role("subject")), subjects)
            if total:
                params["subject"] = total
        links.append(
            PageLink("pages/earnings.py", "earnings", "Earnings by subject and tax year", params, ":material/payments:")
        )
    if h_spec.kind == "benefits" and benefits.supports(entry):
        params = {"table": entry.id, "measure": h_spec.indicator, **yag}
        links.append(
            PageLink("pages/benefits.py", "benefits", "Benefit claims over time", params, ":material/trending_up:")
        )
    if entry.role("provider_id") and not geography.below_national(area) and institutions.supports(entry):
        params = {"table": entry.id, "measure": h_spec.indicator, **yag, "year": year}
        links.append(
            PageLink(
                "pages/institutions.py", "institutions", "How providers compare", params, ":material/account_balance:"
            )
        )
    return tuple(links)


def _headline_series(frame: pl.DataFrame, time: str, indicator: Indicator, facts: TableFacts) -> pl.DataFrame:
    """The protected figure for every year of the table; a year with no row is 'x' (not available), never zero."""
    value, status = indicator.column, status_column(indicator.column)
    series = frame.select(
        pl.col(time).cast(pl.Int64).alias(PERIOD),
        pl.when(pl.col(status).is_null()).then(pl.col(value)).alias(VALUE),
        pl.col(status).alias(status_column(VALUE)),
    ).sort(PERIOD)
    grid = pl.DataFrame({PERIOD: list(facts.periods)}, schema={PERIOD: pl.Int64})
    return grid.join(series, on=PERIOD, how="left").with_columns(sdc.missing_as_not_available(VALUE))


def build_headline(
    entry: TableEntry,
    spec: HeadlineSpec,
    facts: TableFacts,
    *,
    period: int | None = None,
    area: geography.Area | None = None,
    data_dir: Path | None = None,
) -> Headline | None:
    """The headline for `period` (default: the latest year with a row), or None when the table has no row for it.
    With a region or local authority, its published rows replace the national ones (never derived from providers)."""
    indicator = entry.indicator(spec.indicator)
    base = benefits.base_indicator(entry, indicator)
    indicators = [indicator] + ([base] if base else [])
    time = str(entry.role("time"))
    schema = query.schema(entry, data_dir=data_dir)
    pid = entry.role("provider_id")
    pid = pid if pid and pid in schema else None
    where: dict[str, list[object]] = geography.area_where(entry, area, data_dir=data_dir)
    if geography.below_national(area):
        pid = None  # an area's rows carry no provider: they are its published figures
    if spec.years_after is not None and entry.role("years_after"):
        where[str(entry.role("years_after"))] = [spec.years_after]
    columns = [time, *([pid] if pid else []), *(i.column for i in indicators)]
    rows = query.select(entry, where, columns=columns, data_dir=data_dir)
    national = rows.filter(pl.col(pid).is_null()) if pid else rows
    derived = False
    if national.height:
        frame = sdc.protect(national.drop([pid] if pid else []), indicators, entry.disclosure)
        frame = sdc.guard(frame, indicators, entry.disclosure, derived=False)
    elif pid and base is not None and indicator.kind == "rate":
        grouped = sdc.aggregate(rows.drop(pid), [time], indicators, entry.disclosure, published_cells_only=True)
        grouped = sdc.suppress_derived(grouped, indicators)
        frame = sdc.guard(grouped, indicators, entry.disclosure, derived=True)
        derived = True
    else:
        return None
    if frame.select(pl.col(time).is_duplicated().any()).item():
        raise benefits.BenefitsDataError(
            f"{entry.id} has more than one all-provider row a year for {indicator.label}: it has a breakdown the "
            "headline page does not pin."
        )
    series = _headline_series(frame, time, indicator, facts)
    present = set(frame[time].cast(pl.Int64).to_list())
    if not present:
        return None
    chosen = period if period in present else max(present)
    at = {row[PERIOD]: (row[VALUE], row[status_column(VALUE)]) for row in series.iter_rows(named=True)}
    before = previous_period(chosen)
    previous = before if before in present else None
    v, s = at[chosen]
    pv, ps = at.get(before, (None, None)) if previous is not None else (None, None)
    dp = indicator.dp if indicator.dp is not None else (1 if indicator.unit == "%" else 0)
    if derived:
        dp = max(dp, entry.disclosure.rate_dp)
    return Headline(
        spec=spec, entry=entry, indicator=indicator, label=_label(entry, spec, indicator, facts),
        period=chosen, value=v, status=s, previous=previous, previous_value=pv, previous_status=ps,
        derived=derived, dp=dp, series=series,
        links=links_for(spec, entry, chosen, area=area, data_dir=data_dir), context=_context(entry, facts),
        area=area.name if area is not None and geography.below_national(area) else None,
    )  # fmt: skip
