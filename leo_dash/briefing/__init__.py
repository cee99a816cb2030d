"""Briefing packs for ministers' briefing preparation: a basket of views exported as HTML, XLSX, Word, PowerPoint
and PNG.

A basket item is a *reference* to a view — the page, its URL parameters and the view's key — so a basket can be
encoded in a link and rebuilt later by re-running the same page logic (and so the same disclosure control) on the
data. Exports render the rebuilt views: the pack holds exactly what the screen showed.
"""

from __future__ import annotations

import base64
import datetime as dt
import getpass
import html
import io
import json
import logging
import os
import threading
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import plotly.graph_objects as go
import plotly.io as pio
import xlsxwriter

from leo_dash.analyses import registry as analyses
from leo_dash.briefing import office as briefing_office
from leo_dash.core.catalogue import load_catalogue
from leo_dash.core.model import TableEntry
from leo_dash.governance import audit
from leo_dash.governance.access import ANONYMOUS, can_see
from leo_dash.present.export import neutralise, sheet_name, write_view_sheet
from leo_dash.present.views import DEMO_WARNING, View

DISCLOSURE_STATEMENT = (
    "All figures come from approved summary tables of Longitudinal Education Outcomes (LEO) data and have passed "
    "disclosure control: counts are rounded, small numbers are suppressed (shown as 'c') and no figure is derived "
    "that could reveal a suppressed one. No individual can be identified from this pack."
)
SYMBOL_KEY = (
    "c = suppressed to protect confidentiality; x = not available; z = not applicable; "
    "low = rounds to zero but is not zero; u = low reliability."
)
MAX_ITEMS = 30
# Caps on a ?basket= token (untrusted input): a full basket of 30 items is about 2,000 characters.
MAX_TOKEN_CHARS = 16_000
MAX_PAYLOAD_BYTES = 64_000  # inflated JSON


@dataclass(frozen=True)
class ItemRef:
    """Where a basket item comes from: enough to rebuild its view."""

    page: str  # page key, e.g. "institutions"
    params: tuple[tuple[str, tuple[str, ...]], ...]  # URL parameters of the page, in order
    view: str  # the view's key on that page, e.g. "institutions-ranked"

    @staticmethod
    def make(page: str, params: Mapping[str, object], view: str) -> ItemRef:
        def values(v: object) -> tuple[str, ...]:
            if isinstance(v, (list, tuple)):
                return tuple(str(x) for x in v)
            return (str(v),)

        normalised = tuple((str(k), values(v)) for k, v in sorted(params.items()))
        return ItemRef(page, normalised, view)

    def params_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.params}

    def link(self) -> str:
        """Relative link reopening the page with the same filters."""
        from urllib.parse import urlencode

        query = urlencode([(k, v) for k, values in self.params for v in values])
        return f"/{self.page}" + (f"?{query}" if query else "")


@dataclass
class Basket:
    """The ordered items of a briefing and its title."""

    title: str = "LEO briefing"
    items: list[ItemRef] = field(default_factory=list)

    def add(self, ref: ItemRef) -> bool:
        """Add an item once; returns False when it is already there or the basket is full."""
        if ref in self.items or len(self.items) >= MAX_ITEMS:
            return False
        self.items.append(ref)
        return True

    def remove(self, index: int) -> None:
        del self.items[index]

    def move(self, index: int, offset: int) -> None:
        target = index + offset
        if 0 <= index < len(self.items) and 0 <= target < len(self.items):
            self.items[index], self.items[target] = self.items[target], self.items[index]

    def encode(self) -> str:
        """Compact URL-safe token holding the whole basket."""
        payload = {"t": self.title, "i": [[r.page, [[k, list(v)] for k, v in r.params], r.view] for r in self.items]}
        raw = zlib.compress(json.dumps(payload, separators=(",", ":")).encode("utf-8"), 9)
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @staticmethod
    def decode(token: str) -> Basket:
        """Inverse of encode; raises ValueError with a plain message on a damaged or oversized token.

        A link is untrusted input: the token, the JSON it inflates to and the item count are all capped, and the
        JSON is inflated in one bounded step, so a small hostile token cannot make the server allocate much."""
        if len(token) > MAX_TOKEN_CHARS:
            raise ValueError(
                f"The briefing link is too long ({len(token):,} characters; at most {MAX_TOKEN_CHARS:,}); "
                "it could not be read."
            )
        try:
            compressed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            inflater = zlib.decompressobj()
            raw = inflater.decompress(compressed, MAX_PAYLOAD_BYTES)
            too_big = bool(inflater.unconsumed_tail) or len(raw) >= MAX_PAYLOAD_BYTES
        except (ValueError, zlib.error) as exc:
            raise ValueError("The briefing link is damaged or incomplete; it could not be read.") from exc
        if too_big:
            raise ValueError(
                f"The briefing link holds more than {MAX_PAYLOAD_BYTES // 1000:,} KB of data; it could not be read."
            )
        if not inflater.eof:
            raise ValueError("The briefing link is damaged or incomplete; it could not be read.")
        try:
            payload = json.loads(raw)
            listed = payload["i"]
            if not isinstance(listed, list):
                raise TypeError("items are not a list")
            if len(listed) > MAX_ITEMS:
                raise _TooManyItems(len(listed))
            items = [
                ItemRef(str(page), tuple((str(k), tuple(str(x) for x in v)) for k, v in params), str(view))
                for page, params, view in listed
            ]
            return Basket(title=str(payload.get("t") or "LEO briefing")[:200], items=items)
        except _TooManyItems as exc:
            raise ValueError(
                f"The briefing link lists {exc.count:,} items; a briefing holds at most {MAX_ITEMS}. It could not be read."
            ) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError("The briefing link is damaged or incomplete; it could not be read.") from exc

    @staticmethod
    def decode_link(token: str) -> tuple[Basket, list[str]]:
        """`decode`, then drop items naming a page that has no briefing views, with a note for each: one bad item
        must not lose the rest of the basket."""
        basket = Basket.decode(token)
        known = set(registered_pages())
        kept = [ref for ref in basket.items if ref.page in known]
        notes = [
            f"Item {number} of the briefing link names a page '{ref.page}' that has no briefing views; it was left out."
            for number, ref in enumerate(basket.items, start=1)
            if ref.page not in known
        ]
        basket.items = kept
        return basket, notes


class _TooManyItems(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def registered_pages() -> list[str]:
    """Pages whose views a briefing can hold."""
    return sorted(a.key for a in analyses.ANALYSES)


def rebuild_views(page: str, params: Mapping[str, Sequence[str]], tables: Sequence[TableEntry]) -> list[View]:
    """Every view `page` shows for `params` (the views a briefing item can pick from)."""
    analysis = analyses.get(page)
    if analysis is None:
        raise LookupError(f"Unknown page {page!r} in the briefing.")
    return list(analysis.build_views(params, tables))


def rebuild(ref: ItemRef, tables: Sequence[TableEntry]) -> View:
    """Re-run the page logic for a basket item and return its view.

    `tables` are the tables the user may see now: a link naming any other table rebuilds nothing, so a briefing
    link never reaches a restricted table or one whose approval has expired.
    """
    analysis = analyses.get(ref.page)
    if analysis is None:
        raise LookupError(f"Unknown page {ref.page!r} in the briefing.")
    allowed = {t.id for t in tables}
    asked = ref.params_dict().get("table", [])
    if asked and asked[-1] not in allowed:
        raise LookupError(f"Table {asked[-1]!r} is not available to you.")
    for view in analysis.build_views(ref.params_dict(), tables):
        if view.key == ref.view:
            if view.table_id and view.table_id not in allowed:
                raise LookupError(f"Table {view.table_id!r} is not available to you.")
            return view
    raise LookupError(f"The page {ref.page!r} no longer shows {ref.view!r} for these filters.")


@dataclass(frozen=True)
class RebuiltItem:
    ref: ItemRef
    view: View | None
    problem: str | None = None


def rebuild_all(basket: Basket, tables: Sequence[TableEntry]) -> list[RebuiltItem]:
    out: list[RebuiltItem] = []
    for ref in basket.items:
        try:
            out.append(RebuiltItem(ref, rebuild(ref, tables)))
        except (LookupError, ValueError) as exc:
            out.append(RebuiltItem(ref, None, str(exc)))
    return out


# ---------------------------------------------------------------- share link

PUBLIC_URL_ENV = "LEO_PUBLIC_URL"  # the dashboard's public address, when it sits behind a proxy that rewrites hosts
BRIEFING_PATH = "briefing"


def share_link(token: str, page_url: str | None = None, public_url: str | None = None) -> str:
    """An absolute, clickable link that rebuilds the basket: on the configured public address when there is one,
    else on the address the user's browser shows for the briefing page. Relative only when neither is a usable
    http(s) address (a link with another scheme is never offered)."""
    query = f"basket={token}"
    for base, is_page in ((public_url, False), (page_url, True)):
        parts = urlsplit(base or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        path = parts.path.rstrip("/")
        if is_page:
            # The browser is on .../briefing (possibly under a path prefix): link to that same page.
            path = path if path.endswith(f"/{BRIEFING_PATH}") else f"{path}/{BRIEFING_PATH}"
        else:
            path = f"{path}/{BRIEFING_PATH}"
        return urlunsplit((parts.scheme, parts.netloc, path, query, ""))
    return f"/{BRIEFING_PATH}?{query}"


# ---------------------------------------------------------------- PNG (kaleido on the system Chromium)

_kaleido_lock = threading.Lock()
PNG_SIZE = {"width": 1100, "height": 650}  # height used when a figure sets none of its own


def _png_size(figure: go.Figure) -> dict[str, int]:
    """The image size: house width, and the figure's own height when it has one (its builder sized the plot area
    and made room for the title, legend and notes; a fixed height would squeeze the plot)."""
    height = figure.layout.height
    return {"width": PNG_SIZE["width"], "height": int(height) if height else PNG_SIZE["height"]}


def _quiet_browser_driver_logs() -> None:
    # The browser driver logs and skips a stray unreadable message from Chromium with a full traceback on stderr;
    # the image still renders, and a real failure raises, so users must not see that diagnostic.
    for name in ("choreographer", "kaleido", "logistro"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _use_system_chromium() -> None:
    # Kaleido drives a Chromium it finds on PATH; point it at Debian's and never download one.
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            os.environ.setdefault("BROWSER_PATH", candidate)
            return


def figures_to_png(figures: Sequence[go.Figure]) -> list[bytes]:
    """Static PNGs of the figures, rendered in one browser session (one at a time across the process)."""
    if not figures:
        return []
    import kaleido

    _use_system_chromium()
    _quiet_browser_driver_logs()
    with _kaleido_lock:
        kaleido.start_sync_server(silence_warnings=True)
        try:
            with warnings.catch_warnings():
                # plotly notes that its per-call browser options are unused while the shared server runs: expected.
                warnings.filterwarnings("ignore", message="The kopts argument is ignored")
                return [pio.to_image(fig, format="png", scale=1, **_png_size(fig)) for fig in figures]
        finally:
            kaleido.stop_sync_server(silence_warnings=True)


def figure_png(figure: go.Figure) -> bytes:
    return figures_to_png([figure])[0]


# ---------------------------------------------------------------- HTML


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


LONG_TABLE_ROWS = 40  # tables longer than this start folded in the HTML pack (the rows are all there)


def html_report(
    title: str, views: Sequence[View], *, pngs: Sequence[bytes | None] | None = None, created: dt.datetime | None = None
) -> str:
    """A self-contained HTML briefing: charts as embedded PNGs, tables, headline sentences, footnotes, sources."""
    created = created or dt.datetime.now().replace(microsecond=0)
    pngs = list(pngs) if pngs is not None else figures_to_png_optional(views)
    demo = any(v.demo for v in views)
    parts = [
        "<!doctype html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{_esc(title)}</title>",
        "<style>body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;max-width:1000px;margin:2em auto;padding:0 1em}"
        "h1{font-size:2em}h2{font-size:1.4em;margin-top:2em;border-top:2px solid #12436d;padding-top:.5em}"
        "table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #b1b4b6;padding:4px 8px;text-align:left}"
        "th{background:#f3f2f1}.warning{background:#fff2cc;border-left:6px solid #f46a25;padding:.6em 1em;font-weight:bold}"
        ".headline{font-size:1.15em;font-weight:bold}.notes{color:#505a5f;font-size:.9em}img{max-width:100%}</style>",
        "</head><body>",
        f"<h1>{_esc(title)}</h1>",
        f"<p>Prepared {created:%d %B %Y at %H:%M} with LEO Explorer.</p>",
    ]
    if demo:
        parts.append(f'<p class="warning">{_esc(DEMO_WARNING)}</p>')
    parts.append(f"<p>{_esc(DISCLOSURE_STATEMENT)}</p>")
    for index, view in enumerate(views, start=1):
        parts.append(f"<section><h2>{index}. {_esc(view.title)}</h2>")
        parts.append(f'<p class="headline">{_esc(view.summary)}</p>')
        png = pngs[index - 1] if index - 1 < len(pngs) else None
        if png:
            encoded = base64.b64encode(png).decode("ascii")
            parts.append(f'<img alt="{_esc(view.summary)}" src="data:image/png;base64,{encoded}">')
        table = view.table()
        long_table = table.height > LONG_TABLE_ROWS
        if long_table:  # every row is in the file; a long table starts folded so the pack stays readable
            parts.append(f"<details><summary>Table: all {table.height:,} rows</summary>")
        parts.append(f"<table><caption>{_esc(view.title)}</caption><thead><tr>")
        parts.extend(f'<th scope="col">{_esc(c)}</th>' for c in table.columns)
        parts.append("</tr></thead><tbody>")
        for row in table.iter_rows():
            parts.append("<tr>" + "".join(f"<td>{_esc(c or '')}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table>")
        if long_table:
            parts.append("</details>")
        if view.filters:
            parts.append("<p class='notes'>Filters: " + _esc("; ".join(f"{k}: {v}" for k, v in view.filters)) + "</p>")
        parts.append(f"<p class='notes'>{_esc(view.source)}</p>")
        parts.append("<ul class='notes'>" + "".join(f"<li>{_esc(n)}</li>" for n in view.all_footnotes) + "</ul>")
        parts.append("</section>")
    parts.append(f"<p class='notes'>Symbols: {_esc(SYMBOL_KEY)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def figures_to_png_optional(views: Sequence[View]) -> list[bytes | None]:
    figures = [v.figure for v in views if v.figure is not None]
    rendered = iter(figures_to_png(figures))
    return [next(rendered) if v.figure is not None else None for v in views]


# ---------------------------------------------------------------- XLSX


def xlsx_report(title: str, views: Sequence[View], *, created: dt.datetime | None = None) -> bytes:
    """Workbook: a cover sheet (title, sources, notes, symbols) and one sheet per table, text cells only."""
    created = created or dt.datetime.now().replace(microsecond=0)
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as workbook:
        bold = workbook.add_format({"bold": True})
        big = workbook.add_format({"bold": True, "font_size": 16})
        cover = workbook.add_worksheet("Cover")
        cover.set_column(0, 0, 22)
        cover.set_column(1, 1, 110)
        cover.write_string(0, 0, neutralise(title), big)
        row = 2
        lines: list[tuple[str, str]] = [("Prepared", created.isoformat(sep=" "))]
        if any(v.demo for v in views):
            lines.append(("Warning", DEMO_WARNING))
        lines += [("Disclosure", DISCLOSURE_STATEMENT), ("Symbols", SYMBOL_KEY)]
        used: list[str] = ["Cover"]
        contents: list[tuple[str, View]] = []
        for view in views:
            name = sheet_name(f"{len(used)} {view.title}", used)
            used.append(name)
            contents.append((name, view))
        for key, value in lines:
            cover.write_string(row, 0, key, bold)
            cover.write_string(row, 1, neutralise(value))
            row += 1
        row += 1
        cover.write_string(row, 0, "Contents", bold)
        for name, view in contents:
            row += 1
            cover.write_url(row, 0, f"internal:'{name}'!A1", string=name)
            cover.write_string(row, 1, neutralise(view.summary))
        for name, view in contents:
            write_view_sheet(workbook, name, view)
    return buffer.getvalue()


# ---------------------------------------------------------------- Word and PowerPoint


def _office_pack(
    title: str, views: Sequence[View], pngs: Sequence[bytes | None] | None, created: dt.datetime | None
) -> briefing_office.OfficePack:
    """A pack's Word and PowerPoint content: no pictures unless given, prepared now unless said."""
    created = created or dt.datetime.now().replace(microsecond=0)
    return briefing_office.OfficePack(title, views, pngs or (), created, DISCLOSURE_STATEMENT, SYMBOL_KEY)


def docx_report(
    title: str, views: Sequence[View], *, pngs: Sequence[bytes | None] | None = None, created: dt.datetime | None = None
) -> bytes:
    return briefing_office.docx_report(_office_pack(title, views, pngs, created))


def pptx_report(
    title: str, views: Sequence[View], *, pngs: Sequence[bytes | None] | None = None, created: dt.datetime | None = None
) -> bytes:
    return briefing_office.pptx_report(_office_pack(title, views, pngs, created))


# ---------------------------------------------------------------- command line


@dataclass(frozen=True)
class PackFiles:
    html: Path
    xlsx: Path
    docx: Path
    pptx: Path
    pngs: tuple[Path, ...]
    problems: tuple[str, ...]


def build_pack(
    basket: Basket,
    out_dir: Path,
    tables: Sequence[TableEntry],
    *,
    with_png: bool = True,
    before_write: Callable[[Sequence[View]], None] | None = None,
) -> PackFiles:
    """Rebuild every item and write briefing.html, .xlsx, .docx, .pptx and one PNG per chart into out_dir.

    `before_write` (the audit record of the export) runs once the views are built and before any file is written:
    if it raises, nothing is written."""
    rebuilt = rebuild_all(basket, tables)
    views = [r.view for r in rebuilt if r.view is not None]
    problems = tuple(f"item {i + 1} ({r.ref.view}): {r.problem}" for i, r in enumerate(rebuilt) if r.problem)
    pngs = figures_to_png_optional(views) if with_png else [None] * len(views)
    if before_write is not None:
        before_write(views)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / "briefing.html"
    html_path.write_text(html_report(basket.title, views, pngs=pngs), encoding="utf-8")
    xlsx_path = out_dir / "briefing.xlsx"
    xlsx_path.write_bytes(xlsx_report(basket.title, views))
    docx_path = out_dir / "briefing.docx"
    docx_path.write_bytes(docx_report(basket.title, views, pngs=pngs))
    pptx_path = out_dir / "briefing.pptx"
    pptx_path.write_bytes(pptx_report(basket.title, views, pngs=pngs))
    png_paths: list[Path] = []
    for index, (view, png) in enumerate(zip(views, pngs, strict=True), start=1):
        if png:
            path = out_dir / f"chart-{index:02d}-{view.key}.png"
            path.write_bytes(png)
            png_paths.append(path)
    return PackFiles(html_path, xlsx_path, docx_path, pptx_path, tuple(png_paths), problems)


def basket_from_spec(spec: Mapping[str, object]) -> Basket:
    """A scheduled pack's spec: {"title": str, "items": [{"page": str, "params": {k: v|[v]}, "view": str}]}."""
    items = spec.get("items")
    if not isinstance(items, list) or not items:
        raise ValueError("The spec needs a non-empty 'items' list.")
    basket = Basket(title=str(spec.get("title") or "LEO briefing"))
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not {"page", "view"} <= set(item):
            raise ValueError(f"Spec item {number} needs 'page' and 'view' (and optional 'params').")
        basket.add(ItemRef.make(str(item["page"]), dict(item.get("params") or {}), str(item["view"])))
    return basket


def run_briefing(spec: Path, out: Path) -> int:
    """`python -m leo_dash briefing --spec SPEC.json --out DIR`."""
    try:
        raw = json.loads(spec.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        print(f"{spec.name} is not valid JSON (line {exc.lineno}, column {exc.colno}).")
        return 1
    try:
        basket = basket_from_spec(raw)
    except ValueError as exc:
        print(f"{spec.name}: {exc}")
        return 1
    # A scheduled pack runs with no signed-in user: public tables only.

    tables = [t for t in load_catalogue() if can_see(t, ANONYMOUS)]
    user = f"cli:{getpass.getuser()}"

    def record_exports(views: Sequence[View]) -> None:
        for number, view in enumerate(views, start=1):
            audit.record_export(
                user=user,
                page="briefing-cli",
                table=view.table_id,
                filters=list(view.filters),
                export_type="briefing-pack",
                rows=view.frame.height,
                detail=f"briefing '{basket.title}', item {number} of {len(views)}: {view.key}; written to {out}",
            )

    try:
        audit.check_writable()
        files = build_pack(basket, out, tables, before_write=record_exports)
    except audit.AuditUnavailable as exc:
        print(f"No briefing pack written: {exc}")
        return 1
    for problem in files.problems:
        print(f"Not included: {problem}")
    print(f"Wrote {files.html}, {files.xlsx}, {files.docx}, {files.pptx} and {len(files.pngs)} chart image(s).")
    return 1 if files.problems else 0
