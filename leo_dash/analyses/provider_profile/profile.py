"""Provider profile: the whole profile from a link's parameters, and the links and facts around it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from leo_dash.analyses import institutions
from leo_dash.analyses.provider_profile import spec as profile_spec
from leo_dash.analyses.provider_profile.positions import outcome_spec, outcomes_view, position
from leo_dash.analyses.provider_profile.spec import NO_TABLE_MESSAGE, OUTCOMES_KEY, Outcome
from leo_dash.analyses.provider_profile.subjects import SubjectChoice, subject_choice, subjects_view
from leo_dash.core.model import TableEntry
from leo_dash.core.periods import period_label
from leo_dash.present.views import View


@dataclass(frozen=True)
class Profile:
    provider: str
    name: str
    facts: dict[str, str]
    outcomes: tuple[Outcome, ...]
    outcome: Outcome | None  # the outcome shown in detail
    choice: SubjectChoice | None  # year and years after graduation of the subject earnings
    overview: View | None
    subjects: View | None
    detail: institutions.InstitutionViews | None
    notes: tuple[str, ...]

    def views(self) -> list[View]:
        """Exactly the views the page draws, in its order (the outliers list is Institution performance's)."""
        detail = (
            [v for v in (self.detail.ranked, self.detail.funnel, self.detail.trend) if v is not None]
            if self.detail
            else []
        )
        return [v for v in (self.overview, self.subjects, *detail) if v is not None]


def build_profile(
    tables: Sequence[TableEntry], params: Mapping[str, Sequence[str]], *, data_dir: Path | None = None
) -> Profile:
    """Everything the page shows for a link's parameters (provider, outcome, year, yag) over the visible tables."""
    usable = [e for e in tables if profile_spec.supports(e)]
    directory = profile_spec.provider_directory(usable, data_dir=data_dir)
    if not directory:
        raise LookupError(NO_TABLE_MESSAGE)
    notes: list[str] = []
    asked = [str(v) for v in params.get("provider", ())]
    provider = (
        asked[-1]
        if asked and asked[-1] in directory
        else profile_spec.default_provider(usable, directory, data_dir=data_dir)
    )
    if asked and asked[-1] not in directory:
        notes.append(f"The link's provider '{asked[-1]}' is not in any table you may see; another provider is shown.")
    name = directory[provider]
    outcomes = profile_spec.outcomes_for(usable, provider, data_dir=data_dir)
    by_key = {o.key: o for o in outcomes}
    asked = [str(v) for v in params.get("outcome", ())]
    outcome = by_key.get(asked[-1]) if asked else None
    if asked and outcome is None:
        notes.append(f"The link's outcome '{asked[-1]}' is not available for {name}; the first one is shown.")
    outcome = outcome or (outcomes[0] if outcomes else None)
    positions = [position(o, provider, data_dir=data_dir) for o in outcomes]
    overview = outcomes_view(positions, name, provider)
    subjects = choice = None
    source = profile_spec.earnings_entry(usable, provider, data_dir=data_dir)
    if source is not None:
        choice, choice_notes = subject_choice(source, params, data_dir=data_dir)
        notes += choice_notes
        subjects = subjects_view(source, provider, name, choice, data_dir=data_dir)
    detail = None
    if outcome is not None:
        detail = institutions.build_views(
            outcome.entry, outcome_spec(outcome, provider, data_dir=data_dir), data_dir=data_dir
        )
    return Profile(
        provider=provider,
        name=name,
        facts=profile_spec.provider_facts(usable, provider, data_dir=data_dir),
        outcomes=tuple(outcomes),
        outcome=outcome,
        choice=choice,
        overview=overview,
        subjects=subjects,
        detail=detail,
        notes=tuple(notes),
    )


def facts_line(profile: Profile, holding: Sequence[TableEntry]) -> tuple[str, str | None]:
    """'UKPRN 90000019 · Provider type: FEC · Region: London', and the provider type's meaning for a tooltip."""
    facts = [f"{institutions.id_label(holding[0]) if holding else 'ID'} {profile.provider}"]
    provider_type = profile.facts.get("provider_type")
    if provider_type:
        facts.append(f"Provider type: {provider_type}")
    if profile.facts.get("region"):
        facts.append(f"Region: {profile.facts['region']}")
    return " · ".join(facts), profile_spec.type_help(provider_type) if provider_type else None


def tables_read(profile: Profile) -> list[tuple[str, str]]:
    """(table id, view key) of every table the profile reads: the outcomes view reads one table per outcome."""
    pairs = [(o.entry.id, OUTCOMES_KEY) for o in profile.outcomes]
    pairs += [(v.table_id, v.key) for v in profile.views() if v.key != OUTCOMES_KEY]
    return list(dict.fromkeys(pairs))


def profile_params(profile: Profile) -> dict[str, list[str]]:
    """The URL parameters that rebuild this profile (the audit record and the briefing reference)."""
    out: dict[str, list[str]] = {"provider": [profile.provider]}
    if profile.outcome is not None:
        out["outcome"] = [profile.outcome.key]
    if profile.choice is not None:
        out["year"] = [period_label(profile.choice.period)]
        out["yag"] = [profile.choice.years_after]
    return out


def institutions_link(profile: Profile) -> dict[str, list[str]]:
    """Institution performance's link for the outcome shown in detail, with the provider highlighted."""
    if profile.detail is None:
        return {}
    return institutions.spec_params(profile.detail.comparison.spec)


def views_for_params(
    params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry], *, data_dir: Path | None = None
) -> list[View]:
    """Rebuild the page's views from its URL parameters (for briefings), over the tables the user may see."""
    return build_profile(tables, params, data_dir=data_dir).views()
