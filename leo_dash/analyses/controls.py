"""The sidebar controls an analysis declares, as plain data: the analysis says which filters its page offers, in
what order, with which options and defaults; `leo_dash.ui.asking` draws them (the only Streamlit code) and hands
each answer back. So adding a filter to an analysis is a change to that analysis's own package only: one more
control in its `choose`, the spec field it sets, and the URL parameter that keeps it.

`choose(entry, ask)` (or `choose(tables, ask)` for an analysis across every table) is written once per analysis. It
calls `ask(control)` for each control in order (a later control's options may depend on an earlier answer) and
returns the URL parameters of the chosen spec, which the page passes to the analysis's views: the same call a
briefing item or a benchmark makes. Besides the widgets (Select, Radio, LabelledSelect, MultiSelect, AreaSelect,
ProviderSelect, ProviderMultiSelect), `choose` declares what happens between runs: a Caption under a control, a
StartAfresh (these controls go back to their defaults when another choice changes), a Follow (these controls
follow another choice) and a DropFromLink (a link value this choice does not use is removed, with a note).
`ask_measure` and `ask_area` ask what several pages ask the same way. `answers(values)` answers from a link's
values, so every `choose` runs in tests without a browser.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, overload

from leo_dash.core import geography
from leo_dash.core.model import TableEntry


@dataclass(frozen=True)
class _PlainChoice:
    """What a select box and a row of radio buttons share: one of some plain values (shown as they are), its value
    in the URL as ?key=value."""

    label: str
    key: str
    options: Sequence[str]
    default: str | None = None


@dataclass(frozen=True)
class Select(_PlainChoice):
    """A select box of plain values."""

    help: str | None = None
    # Only when there is a choice: with one option nothing is drawn (a control the table cannot vary is hidden) and
    # a link asking for another value gets a note.
    only_if_choice: bool = False


@dataclass(frozen=True)
class Radio(_PlainChoice):
    """A row of radio buttons (a few fixed choices)."""


@dataclass(frozen=True)
class MultiSelect:
    """A multiselect, its values in the URL as ?key=a&key=b; at most `max_selections` (a link asking for more
    keeps the first ones, with a note naming `noun`).

    `from_select` says what happens to one value left under the same key by a select box (another page, or
    another choice on this page): "keep" it as the selection, or "drop" it and start from the link or defaults."""

    label: str
    key: str
    options: Sequence[str]
    default: Sequence[str] = ()
    max_selections: int | None = None
    help: str | None = None
    noun: str = "values"
    from_select: Literal["keep", "drop"] = "keep"


@dataclass(frozen=True)
class ProviderMultiSelect:
    """A provider search box and a multiselect of its matches (a large table's full list stays on the server),
    the chosen ids in the URL as ?key=a&key=b."""

    label: str
    key: str
    providers: Sequence[tuple[str, str]]  # (id, name), by name
    names: Mapping[str, str]  # the same, id -> name
    max_selections: int
    id_label: str = "ID"
    noun: str = "providers"
    help: str | None = None
    format_label: Callable[[str, str], str] = lambda pid, name: f"{name} ({pid})"


@dataclass(frozen=True)
class Caption:
    """A short explanation under the controls above it."""

    text: str


@dataclass(frozen=True)
class StartAfresh:
    """When `token` differs from the last run's (never on a session's first run, so a link's own values stand), the
    controls `keys` start again from their defaults, in the widgets and the link. `keys=None`: every control this
    page drew on its last run (bar the table). `note` is said at the top of the page when it happens."""

    marker: str
    token: Hashable
    keys: Sequence[str] | None = None
    note: str | None = None


@dataclass(frozen=True)
class Follow:
    """When `token` differs from the last run's (never on a session's first run), set the controls in `values`
    (key -> value or values) before they are drawn, e.g. a peer group following the chosen provider. With
    `unless_any_of`, only when none of the current values of those controls is in it; `note` is said when it
    happens."""

    marker: str
    token: Hashable
    values: Mapping[str, str | Sequence[str]]
    unless_any_of: Sequence[str] | None = None
    note: str | None = None


@dataclass(frozen=True)
class DropFromLink:
    """A value the link arrived with for a control this choice does not draw: removed from the link, and `note`
    said (only for the link's own value: one a control left behind when the user changed another goes quietly)."""

    key: str
    note: str


@dataclass(frozen=True)
class LabelledSelect:
    """A select box of values shown by their labels (value -> label), e.g. a column shown by its name.

    With `follow_default`, a value the options no longer offer (an earlier answer changed them) becomes the default
    without a note: the user changed nothing here."""

    label: str
    key: str
    options: Mapping[str, str]
    default: str | None = None
    help: str | None = None
    follow_default: bool = False


@dataclass(frozen=True)
class AreaSelect:
    """England, a region or a local authority, offered when the table publishes more than one area. The answer is
    the chosen area's code, or the only area's (None when the table has no area column)."""

    areas: Sequence[geography.Area]


@dataclass(frozen=True)
class ProviderSelect:
    """A provider picker that searches on demand (a large table's full list stays on the server); `fixed` choices
    such as "All providers" come first. The answer is the provider's id, or a fixed choice's value."""

    label: str
    key: str
    providers: Sequence[tuple[str, str]]  # (id, name), by name
    fixed: Mapping[str, str] = field(default_factory=dict)
    id_label: str = "ID"
    help: str | None = None
    default: str | None = None  # None: the first fixed choice, else the first provider


OneValue = Select | Radio | LabelledSelect | AreaSelect | ProviderSelect
ManyValues = MultiSelect | ProviderMultiSelect
Instruction = Caption | StartAfresh | Follow | DropFromLink
Control = OneValue | ManyValues | Instruction
Params = dict[str, list[str]]


class Ask(Protocol):
    """How `choose` asks: one value for a select, a list for a multiselect, nothing for an instruction; and the
    values a link arrived with for controls not drawn yet this session (a nested filter named in a link brings its
    group: query.nested_choices)."""

    @overload
    def __call__(self, control: OneValue) -> str | None: ...
    @overload
    def __call__(self, control: ManyValues) -> list[str]: ...
    @overload
    def __call__(self, control: Instruction) -> None: ...
    def __call__(self, control: Control) -> str | list[str] | None: ...
    def arrived_with(self, keys: Sequence[str]) -> dict[str, str]: ...
    def chosen(self) -> Params:
        """The URL parameters of every answer given so far this run: what `spec_from_params` reads."""
        ...


def record_answer(chosen: Params, control: Control, answer: str | list[str] | None) -> None:
    """Keep a drawn control's answer under its URL key (nothing for an instruction or an empty select)."""
    if isinstance(control, Caption | StartAfresh | Follow | DropFromLink):
        return
    if isinstance(answer, list):
        chosen[url_key(control)] = list(answer)
    elif answer:
        chosen[url_key(control)] = [answer]


def ask_measure(ask: Ask, label: str, measures: Mapping[str, str]) -> str | None:
    """A select of the table's measures (value -> label) under ?measure=, drawn only when there is more than one:
    the chosen measure, or None when there is nothing to choose."""
    return ask(LabelledSelect(label, "measure", measures)) if len(measures) > 1 else None


def ask_area(ask: Ask, areas: Sequence[geography.Area]) -> geography.Area | None:
    """The area chosen in an AreaSelect of `areas` (None when the table has no area column)."""
    code = ask(AreaSelect(areas))
    return next((a for a in areas if a.code == code), None)


@dataclass(frozen=True)
class Incomplete:
    """Nothing to show yet: the message says what to choose (e.g. "Choose at least one subject…"), or why there is
    nothing to choose from."""

    message: str
    icon: str = ":material/tune:"


Chooser = Callable[[TableEntry, Ask], "Params | Incomplete"]
# An analysis that reads every table the user may see at once (a provider's profile) chooses from all of them.
TablesChooser = Callable[[Sequence[TableEntry], Ask], "Params | Incomplete"]


@dataclass(frozen=True)
class PageText:
    """The words around an analysis's controls: what the page shows, and what to do when no table fits."""

    intro: str
    no_table: str


class _Answers:
    def __init__(self, values: Mapping[str, str | Sequence[str]]) -> None:
        self._values = {k: [v] if isinstance(v, str) else list(v) for k, v in values.items()}
        self._chosen: Params = {}

    def __call__(self, control: Control) -> str | list[str] | None:  # type: ignore[override]
        answer = self._answer(control)
        record_answer(self._chosen, control, answer)
        return answer

    def chosen(self) -> Params:
        return dict(self._chosen)

    def _answer(self, control: Control) -> str | list[str] | None:
        if isinstance(control, Caption | StartAfresh | Follow | DropFromLink):
            return None
        wanted = [v for v in self._values.get(url_key(control), []) if v in offered(control)]
        if isinstance(control, MultiSelect | ProviderMultiSelect):
            found = wanted or defaults(control)
            return list(dict.fromkeys(found))[: control.max_selections]
        return wanted[-1] if wanted else default(control)

    def arrived_with(self, keys: Sequence[str]) -> dict[str, str]:
        return {k: self._values[k][-1] for k in keys if self._values.get(k)}


def answers(values: Mapping[str, str | Sequence[str]]) -> Ask:
    """An `ask` that answers from `values` (by URL key: one value, or a list for a multiselect), else with the
    control's default: runs an analysis's `choose` without a browser, e.g. to test which controls a page offers
    and what they lead to."""
    return _Answers(values)  # type: ignore[return-value]


def url_key(control: OneValue | ManyValues) -> str:
    return geography.AREA_PARAM if isinstance(control, AreaSelect) else control.key


def offered(control: OneValue | ManyValues) -> list[str]:
    """Every value the control offers."""
    if isinstance(control, AreaSelect):
        return [a.code for a in control.areas]
    if isinstance(control, ProviderSelect):
        return [*control.fixed, *(pid for pid, _ in control.providers)]
    if isinstance(control, ProviderMultiSelect):
        return [pid for pid, _ in control.providers]
    return list(control.options)


def default(control: OneValue | ManyValues) -> str | None:
    """The value chosen when nothing is: the declared default if offered, else the first value offered (for a
    multiselect, its first default)."""
    if isinstance(control, AreaSelect):
        area = geography.default_area(control.areas)
        return area.code if area is not None else None
    if isinstance(control, MultiSelect | ProviderMultiSelect):
        return next(iter(defaults(control)), None)
    values = offered(control)
    declared = getattr(control, "default", None)
    return declared if declared in values else (values[0] if values else None)


def defaults(control: ManyValues) -> list[str]:
    """A multiselect's default values that it offers, at most its limit."""
    if isinstance(control, ProviderMultiSelect):
        return []
    return [d for d in control.default if d in control.options][: control.max_selections]
