"""Declared sidebar controls (analyses.controls): every control an analysis's `choose` offers reaches the URL
parameters its views are built from, and the page's defaults are the link reader's defaults."""

from __future__ import annotations

import pytest

from leo_dash.analyses import controls
from leo_dash.analyses import registry as analyses
from leo_dash.core.catalogue import load_catalogue

DECLARING = [a for a in analyses.ANALYSES if a.choose is not None]


def _tables(analysis: analyses.Analysis) -> list:
    return [t for t in load_catalogue() if analysis.supports(t)]


def _asked(analysis: analyses.Analysis, entry, values: dict[str, str]) -> tuple[list[controls.Control], dict]:
    """Run the analysis's `choose` as the page would, answering from `values`; returns the controls and params."""
    seen: list[controls.Control] = []
    answer = controls.answers(values)

    def ask(control: controls.Control) -> str | None:
        seen.append(control)
        return answer(control)

    assert analysis.choose is not None
    return seen, analysis.choose(entry, ask)


def test_three_or_more_analyses_declare_their_controls_and_words() -> None:
    assert {"industry", "regional", "subject_ranking"} <= {a.key for a in DECLARING}
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
            others = [v for v in controls.offered(control) if v != controls.default(control)]
            if not others or isinstance(control, controls.ProviderSelect):
                continue
            key = controls.url_key(control)
            _, chosen = _asked(analysis, entry, {key: others[-1]})
            assert chosen.get(key) == [others[-1]], (analysis.key, entry.id, key)
            assert chosen != params
            changed += 1
        assert changed >= 2, (analysis.key, entry.id)


@pytest.mark.parametrize("analysis", DECLARING, ids=lambda a: a.key)
def test_a_link_the_page_writes_is_read_back_to_the_same_choices(analysis: analyses.Analysis) -> None:
    """choose(answers(link)) is a fixed point: the link reader and the page's controls agree on every value."""
    for entry in _tables(analysis):
        for control in _asked(analysis, entry, {})[0]:
            for value in controls.offered(control)[-2:]:
                _, params = _asked(analysis, entry, {controls.url_key(control): value})
                again = _asked(analysis, entry, {k: v[-1] for k, v in params.items()})[1]
                assert again == params, (analysis.key, entry.id, controls.url_key(control), value)


def test_answers_fall_back_to_the_declared_default_then_the_first_option() -> None:
    ask = controls.answers({"yag": "99"})
    assert ask(controls.Select("Years", "yag", ["1", "3", "5"], default="5")) == "5"
    assert ask(controls.Select("Years", "yag", ["1", "3"], default="5")) == "1"
    assert ask(controls.LabelledSelect("Order", "sort", {"a": "A", "b": "B"})) == "a"
    picker = controls.ProviderSelect("Provider", "provider", [("1", "One")], fixed={"": "All providers"})
    assert controls.answers({"provider": "1"})(picker) == "1"
    assert controls.answers({"provider": "2"})(picker) == ""
