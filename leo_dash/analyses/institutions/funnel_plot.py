"""Institutions funnel plot view: each provider against control limits around the benchmark, with the outliers."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from leo_dash.analyses import funnel
from leo_dash.analyses.institutions import view_parts
from leo_dash.analyses.institutions.compare import Comparison
from leo_dash.analyses.institutions.options import BENCHMARK_KEY, LIMITS_OVERDISPERSION, MEMBER, POSITION
from leo_dash.analyses.institutions.spec import _providers_word, benchmark_name, measure_title, peer_label, view_title
from leo_dash.present import charts
from leo_dash.present.sentences import in_sentence
from leo_dash.present.views import Column, View, format_number, make_view, python_column

# ---------------------------------------------------------------- funnel


def funnel_reason(result: Comparison) -> str | None:
    """Why no funnel plot can be drawn for this selection (None: it can)."""
    indicator, spec = result.indicator, result.spec
    measure = in_sentence(measure_title(indicator))
    if indicator.kind != "rate":
        return (
            f"There is no funnel plot for {measure}: a funnel plot needs a rate (a share of a group of people) and "
            "the number of people it rests on. Earnings are medians, which have no binomial control limits."
        )
    if result.base is None:
        return f"There is no funnel plot for {measure}: the table does not publish the number of people it rests on."
    bench = result.benchmark(spec.period)
    if bench is None or bench.value is None or bench.status is not None:
        return f"There is no funnel plot: the benchmark for {peer_label(spec)} is not available for this selection."
    if not 0 <= bench.value <= 100:
        return (
            f"There is no funnel plot for {measure}: the benchmark ({format_number(bench.value, '%', 1)}) is not a "
            "share between 0% and 100% (this measure can count a person more than once)."
        )
    return None


def funnel_dispersion(result: Comparison) -> funnel.Overdispersion:
    """How much more the providers' figures spread around the benchmark than chance alone gives (the funnel's
    providers in the chosen year; the benchmark must be available, as `funnel_reason` checks)."""
    assert result.base is not None
    bench = result.benchmark(result.spec.period)
    assert bench is not None and bench.value is not None
    providers = result.year(result.spec.period).filter(pl.col(MEMBER) != BENCHMARK_KEY)
    return funnel.overdispersion(providers, result.indicator.column, result.base.column, bench.value)


def _limits_factor(result: Comparison, dispersion: funnel.Overdispersion) -> float:
    return dispersion.factor if result.spec.limits == LIMITS_OVERDISPERSION else 1.0


def _funnel_frame(result: Comparison, phi: float = 1.0) -> pl.DataFrame:
    key = ("funnel", result.spec.period, phi)
    found = result.derived.get(key)
    if found is None:
        found = result.derived[key] = _classified(result, phi)
    return found


def _classified(result: Comparison, phi: float) -> pl.DataFrame:
    assert result.base is not None
    bench = result.benchmark(result.spec.period)
    assert bench is not None and bench.value is not None
    year = result.year(result.spec.period)
    name_column = str(result.entry.role("provider_name"))
    providers = funnel.classify(
        year.filter(pl.col(MEMBER) != BENCHMARK_KEY), result.indicator.column, result.base.column, bench.value, phi=phi
    ).rename({"position": POSITION})
    order = {p: i for i, p in enumerate(funnel.POSITION_ORDER)}
    providers = providers.with_columns(pl.col(POSITION).replace_strict(order, return_dtype=pl.Int64).alias("__order"))
    providers = providers.sort(["__order", result.indicator.column, name_column], descending=[False, True, False]).drop(
        "__order"
    )
    limit_columns = [funnel.limit_column(side, level) for level, _ in funnel.LEVELS for side in ("lower", "upper")]
    benchmark_row = year.filter(pl.col(MEMBER) == BENCHMARK_KEY).with_columns(
        pl.lit("Benchmark").alias(POSITION), *(pl.lit(None, dtype=pl.Float64).alias(c) for c in limit_columns)
    )
    placed = pl.concat([benchmark_row, providers], how="diagonal_relaxed")
    return placed.with_columns(_range_text(placed, "95%"), _range_text(placed, "99.8%"))


def funnel_frame(result: Comparison) -> pl.DataFrame:
    """Every provider of the chosen year with its funnel position (POSITION) under chance-only limits, and the
    benchmark row: what the funnel plot places, for other pages to read a provider's place from."""
    return _funnel_frame(result)


def _range_text(frame: pl.DataFrame, level: str) -> pl.Series:
    def text(lower: float | None, upper: float | None) -> str:
        if lower is None:
            return ""
        return f"{format_number(lower, '%', 1)} to {format_number(upper, '%', 1)}"

    lower, upper = funnel.limit_column("lower", level), funnel.limit_column("upper", level)
    return python_column(frame, f"__range_{level}", text, lower, upper)


def funnel_summary(result: Comparison, frame: pl.DataFrame) -> str:
    """E.g. 'Of 1,426 providers placed on the funnel plot around the figure for all providers (58%), 679 are above
    and 298 below the 99.8% limits, and a further 165 above and 40 below the 95% limits; 153 providers cannot be
    placed because the figure or its base is suppressed or not available.'"""
    providers = frame.filter(pl.col(MEMBER) != BENCHMARK_KEY)
    counts = funnel.position_counts(providers[POSITION].to_list())
    not_placed = counts.get(funnel.NOT_PLACED, 0)
    placed = providers.height - not_placed
    cannot = (
        f"{_providers_word(not_placed)} cannot be placed because the figure or its base is suppressed or not available"
        if not_placed
        else ""
    )
    if placed == 0:
        return "No provider can be placed on the funnel plot" + (f": {cannot}." if cannot else ".")
    bench = (
        view_parts.bench_phrase(result, result.spec.period, view_parts.display_dp(result.indicator)) or "the benchmark"
    )

    def sides(above: int, below: int, *, verb: bool = True) -> str:
        """'2 are above and 3 below', '1 is below' (no verb: '2 above and 3 below')."""
        parts = [(n, side) for n, side in ((above, "above"), (below, "below")) if n]
        words = [
            f"{n:,} {('is ' if n == 1 else 'are ') if verb and i == 0 else ''}{side}"
            for i, (n, side) in enumerate(parts)
        ]
        return " and ".join(words)

    outer = sides(counts.get(funnel.ABOVE_998, 0), counts.get(funnel.BELOW_998, 0))
    inner = sides(counts.get(funnel.ABOVE_95, 0), counts.get(funnel.BELOW_95, 0), verb=not outer)
    sentence = f"Of {_providers_word(placed)} placed on the funnel plot around {bench}, "
    if outer:
        sentence += f"{outer} the 99.8% limits" + (f", and a further {inner} the 95% limits" if inner else "")
    elif inner:
        sentence += f"none is outside the 99.8% limits and {inner} the 95% limits"
    else:
        sentence += "all are within the 95% limits"
    return sentence + (f"; {cannot}." if cannot else ".")


def _add_limits_and_benchmark(figure: go.Figure, curve: pl.DataFrame, benchmark: float, benchmark_label: str) -> None:
    """The 95% and 99.8% control limits around the benchmark, and the benchmark line itself."""
    for level, dash in (("99.8%", "dot"), ("95%", "dash")):
        for side in ("upper", "lower"):
            figure.add_scatter(
                x=curve["base"].to_list(),
                y=curve[funnel.limit_column(side, level)].to_list(),
                mode="lines",
                name=f"{level} limits",
                legendgroup=level,
                showlegend=side == "upper",
                hoverinfo="skip",
                line={
                    "color": charts.DARK_GREY if level == "99.8%" else charts.TURQUOISE,
                    "dash": dash,
                    "width": 1.5,
                },
                meta={"role": "limit", "level": level, "side": side},
            )
    figure.add_scatter(
        x=[curve["base"][0], curve["base"][-1]],
        y=[benchmark, benchmark],
        mode="lines",
        name=benchmark_label,
        line={"color": charts.REFERENCE, "width": 2},
        hoverinfo="skip",
        meta={"role": "benchmark"},
    )


def _funnel_figure(result: Comparison, frame: pl.DataFrame, phi: float = 1.0) -> go.Figure:
    assert result.base is not None
    entry, spec, indicator, base = result.entry, result.spec, result.indicator, result.base
    name_column, dp = str(entry.role("provider_name")), view_parts.display_dp(indicator)
    bench = result.benchmark(spec.period)
    assert bench is not None and bench.value is not None
    placed = frame.filter((pl.col(MEMBER) != BENCHMARK_KEY) & (pl.col(POSITION) != funnel.NOT_PLACED))
    colours = view_parts.highlight_colours(spec)
    figure = go.Figure()
    hover = (
        "%{customdata[1]} (%{customdata[0]})<br>"
        + charts.plain_text(base.label)
        + ": %{x:,.0f}<br>%{customdata[2]}<br>%{customdata[3]}<extra></extra>"
    )

    def points(rows: pl.DataFrame) -> dict:
        return {
            "x": rows[base.column].to_list(),
            "y": rows[indicator.column].to_list(),
            "customdata": [
                [
                    r[MEMBER],
                    charts.plain_text(r[name_column] or ""),
                    view_parts.value_text(r[indicator.column], indicator, dp),
                    r[POSITION],
                ]
                for r in rows.iter_rows(named=True)
            ],
        }

    if placed.height:
        smallest, largest = float(placed[base.column].min()), float(placed[base.column].max())  # type: ignore[arg-type]
        if largest <= smallest:
            smallest, largest = max(1.0, smallest / 2), largest * 2
        curve = funnel.limit_curve(bench.value, smallest, largest, phi=phi)
        benchmark_label = (
            f"{charts.plain_text(benchmark_name(spec))}: {view_parts.value_text(bench.value, indicator, dp)}"
        )
        _add_limits_and_benchmark(figure, curve, bench.value, benchmark_label)
        others = placed.filter(~pl.col(MEMBER).is_in(list(colours)))
        if others.height:
            figure.add_scatter(
                mode="markers",
                name="Other providers" if colours else "Providers",
                # Solid dots with a white rim: transparency took the grey under 3:1 against white.
                marker={
                    "color": charts.DARK_BLUE if not colours else charts.MUTED,
                    "size": 7,
                    "line": {"color": "white", "width": 0.5},
                },
                hovertemplate=hover,
                meta={"role": "providers"},
                **points(others),
            )
        for pid, colour in colours.items():
            own = placed.filter(pl.col(MEMBER) == pid)
            if own.height:
                label = charts.plain_text(own[name_column][0] or pid)
                # Each highlighted provider's dot is labelled with its name, not only coloured.
                figure.add_scatter(
                    mode="markers+text",
                    name=label,
                    text=[label] * own.height,
                    textposition=[_label_side(x, smallest, largest) for x in own[base.column].to_list()],
                    textfont={"color": charts.REFERENCE, "size": 12},
                    marker={"color": colour, "size": 12, "line": {"color": "white", "width": 1}},
                    hovertemplate=hover,
                    meta={"role": "highlight", "provider": pid},
                    **points(own),
                )
        if largest / max(smallest, 1e-9) >= 20:
            figure.update_xaxes(type="log", dtick="D2")  # labels at 1, 2 and 5 of each power of ten
    figure.update_xaxes(title_text=charts.plain_text(base.label), tickformat=",.0f")
    figure.update_yaxes(title_text=charts.plain_text(indicator.label), **view_parts.value_axis(indicator.unit))
    figure.update_layout(height=620)
    return figure


def _label_side(x: float | None, smallest: float, largest: float) -> str:
    """Where a dot's name goes: towards the middle of the chart, so names near either edge are not cut off (the
    base axis is logarithmic when it spans a wide range, hence the geometric middle)."""
    if x is None or smallest <= 0:
        return "top center"
    return "top left" if x > (smallest * largest) ** 0.5 else "top right"


def dispersion_note(result: Comparison, dispersion: funnel.Overdispersion) -> str | None:
    """What the spread of providers means for the limits, in words (None when there is nothing to say)."""
    phi_text = f"φ = {dispersion.phi:,.1f} from {_providers_word(dispersion.providers)}"
    if result.spec.limits == LIMITS_OVERDISPERSION:
        if dispersion.significant:
            return (
                f"Limits allow for over-dispersion: benchmark ± z × √(φ p(1 − p)/n) with {phi_text} (winsorised "
                "z-scores, 10% at each end; Spiegelhalter 2005). They show which providers stand out from the "
                "spread that providers of this kind usually show, not from chance alone."
            )
        if dispersion.providers < funnel.MIN_PROVIDERS_FOR_PHI:
            return (
                f"Too few providers ({dispersion.providers:,}) to estimate over-dispersion: the limits are for chance "
                "alone."
            )
        return f"No over-dispersion found ({phi_text}): the limits are for chance alone."
    if dispersion.significant:
        return (
            f"The providers' figures spread far more than chance alone gives ({phi_text}), so many providers outside "
            "these limits reflect real differences between providers (intake, subject mix, local jobs) as well as "
            f"chance. Choose '{LIMITS_OVERDISPERSION}' to widen the limits by √φ."
        )
    return None


def funnel_views(result: Comparison) -> tuple[View, View]:
    assert result.base is not None
    entry, spec, indicator, base = result.entry, result.spec, result.indicator, result.base
    dispersion = funnel_dispersion(result)
    phi = _limits_factor(result, dispersion)
    frame = _funnel_frame(result, phi)
    dims = view_parts.dimension_columns(entry)
    position = Column(POSITION, "Position against the control limits")
    ranges = [Column("__range_95%", "95% limits for its size"), Column("__range_99.8%", "99.8% limits for its size")]
    base_column = Column.for_indicator(base)
    notes = [
        view_parts.benchmark_note(result, spec.period),
        "Control limits: benchmark ± z × √(p(1 − p)/n) with p the benchmark share and n the provider's "
        f"{in_sentence(base.label)}; z = 1.96 (95%) and 3.09 (99.8%), clipped to 0–100%. By chance alone about 1 "
        "provider in 20 falls outside the 95% limits and 1 in 500 outside the 99.8% limits.",
        "Figures are rounded by the publisher (rates and counts), so a provider very close to a limit may fall on "
        "the other side of it.",
    ]
    spread = dispersion_note(result, dispersion)
    if spread:
        notes.insert(2, spread)
    filters = [*view_parts.filter_lines(entry, spec, indicator), ("Control limits", spec.limits)]
    limits_phrase = ", limits allowing for over-dispersion" if phi > 1 else ""
    title_base = view_title(entry, spec, indicator)
    funnel_view = make_view(
        key="institutions-funnel",
        entry=entry,
        title=view_title(entry, spec, indicator, against=f" against {in_sentence(base.label)}") + limits_phrase,
        frame=frame,
        columns=[*dims, base_column, Column.for_indicator(indicator), position, *ranges],
        summary=funnel_summary(result, frame),
        filters=filters,
        build_figure=lambda f: _funnel_figure(result, f, phi),
        notes=notes,
    )
    outside = frame.filter(pl.col(POSITION).is_in(list(funnel.OUTSIDE)))
    outliers_view = make_view(
        key="institutions-outliers",
        entry=entry,
        title=f"Providers outside the control limits: {title_base}{limits_phrase}",
        frame=outside,
        columns=[*dims, base_column, Column.for_indicator(indicator), position, *ranges],
        summary=outliers_summary(result, outside),
        filters=filters,
        notes=notes[:3] if spread else notes[:2],
    )
    return funnel_view, outliers_view


def outliers_summary(result: Comparison, outside: pl.DataFrame) -> str:
    if outside.height == 0:
        return "Every provider that can be placed is within the 95% control limits."
    counts = funnel.position_counts(outside[POSITION].to_list())
    parts = [f"{n:,} {position.lower()}" for position, n in counts.items()]
    text = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return f"{_providers_word(outside.height)} {'is' if outside.height == 1 else 'are'} outside the control limits: {text}."
