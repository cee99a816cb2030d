"""Declared sidebar controls (analyses.controls): every control an analysis's `choose` offers reaches the URL
parameters its views are built from, and the page's defaults are the link reader's defaults."""

from __future__ import annotations

import pytest

from leo_dash.analyses import controls
from leo_dash.analyses import registry as analyses
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.geography import Area

DECLARING = [a for a in analyses.ANALYSES if a.choose is not None]


def _tables(analysis: analyses.Analysis) -> list:
    return [t for t in load_catalogue() if analysis.supports(t)]


class _Recording:
    """The page's `ask`, answering from a link's values, that records the controls it was asked to draw."""

    def __init__(self, values: dict) -> None:
        self.seen: list = []
        self._answer = controls.answers(values)

    def __call__(self, control: controls.Control) -> str | list[str] | None:
        if not isinstance(control, controls.Caption | controls.StartAfresh | controls.Follow | controls.DropFromLink):
            self.seen.append(control)
        return self._answer(control)

    def arrived_with(self, keys: list[str]) -> dict[str, str]:
        return self._answer.arrived_with(keys)

    def chosen(self) -> dict[str, list[str]]:
        return self._answer.chosen()


def _asked(analysis: analyses.Analysis, entry, values: dict) -> tuple[list, dict]:
    """Run the analysis's `choose` as the page would, answering from `values`; returns the controls and params."""
    ask = _Recording(values)
    assert analysis.choose is not None
    params = analysis.choose(entry, ask)
    assert isinstance(params, dict), (analysis.key, entry.id, params)
    return ask.seen, params


def _other_choices(control: controls.OneValue | controls.ManyValues) -> list:
    """The link values of `control` that differ from its default: one value, or a one-value list for a multiselect."""
    if isinstance(control, controls.MultiSelect | controls.ProviderMultiSelect):
        return [[v] for v in controls.offered(control) if [v] != controls.defaults(control)]
    return [v for v in controls.offered(control) if v != controls.default(control)]


def _as_params(choice: str | list[str]) -> list[str]:
    return choice if isinstance(choice, list) else [choice]


def test_three_or_more_analyses_declare_their_controls_and_words() -> None:
    assert {"industry", "regional", "subject_ranking", "earnings"} <= {a.key for a in DECLARING}
    for analysis in DECLARING:
        assert analysis.text is not None and analysis.text.intro and analysis.text.no_table


@pytest.mark.parametrize("analysis", DECLARING, ids=lambda a: a.key)
def test_every_other_option_of_every_control_reaches_the_link(analysis: analyses.Analysis) -> None:
    tables = _tables(analysis)
    assert tables, f"no table in the catalogue feeds {analysis.key}"
    for entry in tables:
        defaults, params = _asked(analysis, entry, {})
        assert params["table"] == [entry.id]
        assert analysis.build_views(params, [entry]), (analysis.key, entry.id)
        changed = 0
        for control in defaults:
            others = _other_choices(control)
            if not others or isinstance(control, controls.ProviderSelect | controls.ProviderMultiSelect):
                continue
            key = controls.url_key(control)
            _, chosen = _asked(analysis, entry, {key: others[-1]})
            assert chosen.get(key) == _as_params(others[-1]), (analysis.key, entry.id, key)
            assert chosen != params
            changed += 1
        assert changed >= 2, (analysis.key, entry.id)


@pytest.mark.parametrize("analysis", DECLARING, ids=lambda a: a.key)
def test_a_link_the_page_writes_is_read_back_to_the_same_choices(analysis: analyses.Analysis) -> None:
    """choose(answers(link)) is a fixed point: the link reader and the page's controls agree on every value."""
    for entry in _tables(analysis):
        for control in _asked(analysis, entry, {})[0]:
            for value in _other_choices(control)[-2:]:
                _, params = _asked(analysis, entry, {controls.url_key(control): value})
                again = _asked(analysis, entry, dict(params))[1]
                assert again == params, (analysis.key, entry.id, controls.url_key(control), value)


def test_answers_fall_back_to_the_declared_default_then_the_first_option() -> None:
    ask = controls.answers({"yag": "99"})
    assert ask(controls.Select("Years", "yag", ["1", "3", "5"], default="5")) == "5"
    assert ask(controls.Select("Years", "yag", ["1", "3"], default="5")) == "1"
    assert ask(controls.LabelledSelect("Order", "sort", {"a": "A", "b": "B"})) == "a"
    picker = controls.ProviderSelect("Provider", "provider", [("1", "One")], fixed={"": "All providers"})
    assert controls.answers({"provider": "1"})(picker) == "1"
    assert controls.answers({"provider": "2"})(picker) == ""


def test_a_measure_is_asked_only_when_there_is_a_choice_and_the_area_comes_back_as_an_area() -> None:
    ask = controls.answers({"measure": "b", "area": "E12000007"})
    assert controls.ask_measure(ask, "Measure", {"a": "A"}) is None
    assert controls.ask_measure(ask, "Measure", {"a": "A", "b": "B"}) == "b"
    england, london = Area("National", "E92000001", "England"), Area("Regional", "E12000007", "London")
    assert controls.ask_area(ask, [england, london]) == london
    assert controls.ask_area(controls.answers({}), [england, london]) == england
    assert controls.ask_area(ask, []) is None
    assert ask.chosen() == {"measure": ["b"], "area": ["E12000007"]}


def test_the_provider_profile_chooses_across_every_table_and_its_link_reads_back() -> None:
    """The profile has no table picker: its controls follow the provider, and each offered value reaches the link,
    which the link reader turns back into the same choices."""
    analysis = analyses.BY_KEY["provider"]
    assert analysis.choose is None and analysis.choose_across is not None
    tables = _tables(analysis)
    ask = _Recording({})
    params = analysis.choose_across(tables, ask)
    assert isinstance(params, dict) and params["provider"]
    assert [controls.url_key(c) for c in ask.seen][:2] == ["provider", "outcome"]
    assert analysis.build_views(params, tables)
    for control in ask.seen[1:]:
        for value in _other_choices(control)[-2:]:
            chosen = analysis.choose_across(tables, _Recording({**params, controls.url_key(control): value}))
            assert chosen[controls.url_key(control)] == [value]
            assert analysis.choose_across(tables, _Recording(dict(chosen))) == chosen
    provider = ask.seen[0]
    other = controls.offered(provider)[-1]
    chosen = analysis.choose_across(tables, _Recording({"provider": other}))
    assert chosen["provider"] == [other] != params["provider"]
    empty = analysis.choose_across([], _Recording({}))
    assert isinstance(empty, controls.Incomplete) and "no provider" in empty.message


def test_the_headlines_choose_the_best_tables_or_one_table_with_its_year() -> None:
    analysis = analyses.BY_KEY["overview"]
    assert analysis.choose_across is not None
    tables = _tables(analysis)
    assert analysis.choose_across(tables, _Recording({})) == {}  # each headline from its best table
    for entry in tables:
        ask = _Recording({"table": entry.id})
        params = analysis.choose_across(tables, ask)
        years = controls.offered(next(c for c in ask.seen if controls.url_key(c) == "year"))
        assert params == {"table": [entry.id], "year": [years[0]]}  # the latest year first
        older = analysis.choose_across(tables, _Recording({"table": entry.id, "year": years[-1]}))
        assert older["year"] == [years[-1]]
        spec = analysis.choose_across(tables, _Recording(dict(older)))
        assert spec == older
        assert analysis.build_views(older, tables)
