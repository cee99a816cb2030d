"""The sidebar controls an analysis declares, as plain data: the analysis says which filters its page offers, in
what order, with which options and defaults; `leo_dash.ui.analysis_page` draws them (the only Streamlit code) and
hands each answer back. So adding a filter to an analysis is a change to that analysis's own package only: one
more control in its `choose`, the spec field it sets, and the URL parameter that keeps it.

`choose(entry, ask)` is written once per analysis. It calls `ask(control)` for each control in order (a later
control's options may depend on an earlier answer) and returns the URL parameters of the chosen spec, which the
page passes to the analysis's `build_views`: the same call a briefing item or a benchmark makes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from leo_dash.core import geography
from leo_dash.core.model import TableEntry


@dataclass(frozen=True)
class Select:
    """A select box of plain values (shown as they are), its value in the URL as ?key=value."""

    label: str
    key: str
    options: Sequence[str]
    default: str | None = None
    help: str | None = None


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


Control = Select | LabelledSelect | AreaSelect | ProviderSelect
Ask = Callable[[Control], str | None]
Params = dict[str, list[str]]
Chooser = Callable[[TableEntry, Ask], Params]


@dataclass(frozen=True)
class PageText:
    """The words around an analysis's controls: what the page shows, and what to do when no table fits."""

    intro: str
    no_table: str


def answers(values: Mapping[str, str]) -> Ask:
    """An `ask` that answers from `values` (by URL key), else with the control's default: runs an analysis's
    `choose` without a browser, e.g. to test which controls a page offers and what they lead to."""

    def ask(control: Control) -> str | None:
        wanted = values.get(url_key(control))
        return wanted if wanted is not None and wanted in offered(control) else default(control)

    return ask


def url_key(control: Control) -> str:
    return geography.AREA_PARAM if isinstance(control, AreaSelect) else control.key


def offered(control: Control) -> list[str]:
    """Every value the control offers."""
    if isinstance(control, AreaSelect):
        return [a.code for a in control.areas]
    if isinstance(control, ProviderSelect):
        return [*control.fixed, *(pid for pid, _ in control.providers)]
    return list(control.options)


def default(control: Control) -> str | None:
    """The value chosen when nothing is: the declared default if offered, else the first value offered."""
    if isinstance(control, AreaSelect):
        area = geography.default_area(control.areas)
        return area.code if area is not None else None
    values = offered(control)
    declared = getattr(control, "default", None)
    return declared if declared in values else (values[0] if values else None)
