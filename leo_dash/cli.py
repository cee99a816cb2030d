"""Command line: `python -m leo_dash COMMAND ...`. Messages for people, exit codes for scripts; no tracebacks."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from leo_dash.core import paths

if TYPE_CHECKING:
    from leo_dash.core.model import MeasureItem


def _cmd_check(args: argparse.Namespace) -> int:
    from leo_dash.core import ees

    return ees.run_check(args.paths, profile=tuple(args.profile or ()))


def _cmd_catalogue(args: argparse.Namespace) -> int:
    from leo_dash.core.catalogue_status import print_catalogue

    return print_catalogue(data_dir=args.data_dir)


def _cmd_prepare(args: argparse.Namespace) -> int:
    from leo_dash.core.catalogue_status import prepare_tables

    return prepare_tables(list(args.table_ids), force=args.force, data_dir=args.data_dir)


def _parse_pairs(pairs: Sequence[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise SystemExit(f"{what} must look like NAME=COLUMN, not {pair!r}.")
        key, value = pair.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def _cmd_add(args: argparse.Namespace) -> int:
    from leo_dash.core.registration import RegistrationRequest, register

    request = RegistrationRequest(
        path=Path(args.path),
        table_id=args.id,
        title=args.title or args.id,
        publication=args.publication,
        controllers=tuple(args.controller or ("DfE",)),
        licence=args.licence,
        release_date=dt.date.fromisoformat(args.release_date) if args.release_date else dt.date.today(),
        next_review=dt.date.fromisoformat(args.next_review) if args.next_review else None,
        access=args.access,
        roles=_parse_pairs(args.role or (), "--role"),
        bases=_parse_pairs(args.base or (), "--base"),
        filters=tuple(args.filter or ()),
        count_base=args.count_base,
        time_label=args.time_label,
        footnotes=tuple(args.footnote or ()),
        profile=tuple(args.profile or ()),
        no_base_reason=args.no_base_reason or "",
        unit_filter=args.unit_filter,
        unit_items=_parse_pairs(args.unit_item or (), "--unit-item"),
        measure_items=_measure_items(args.measure_item),
    )
    return register(request, data_dir=args.data_dir)


def _measure_items(values: Sequence[str] | None) -> tuple[MeasureItem, ...] | None:
    """--measure-item FILTER=ITEM[:INDICATOR] (the benefit rate); 'none' turns detection off."""
    from leo_dash.core.model import MeasureItem

    if not values:
        return None
    if list(values) == ["none"]:
        return ()
    out: list[MeasureItem] = []
    for value in values:
        if "=" not in value:
            raise SystemExit(f"--measure-item must look like FILTER=ITEM or FILTER=ITEM:INDICATOR, not {value!r}.")
        column, item = (part.strip() for part in value.split("=", 1))
        item, _, indicator = item.rpartition(":") if ":" in item else (item, "", "")
        out.append(MeasureItem(column, item.strip(), "benefit_rate", indicator.strip()))
    return tuple(out)


def _cmd_demo(args: argparse.Namespace) -> int:
    from leo_dash import demo

    if args.chunked:
        if not args.out:
            raise SystemExit("--chunked writes a large benchmark table: give --out (data/demo is never rewritten).")
        from leo_dash.demo import chunked

        return chunked.run(scale=args.scale, out=Path(args.out), block_providers=args.block_providers)
    return demo.run_demo(scale=args.scale, out=Path(args.out) if args.out else None)


def _cmd_review(args: argparse.Namespace) -> int:
    from leo_dash.governance import retention

    return retention.run_review(apply=args.apply, data_dir=args.data_dir)


def _cmd_audit(args: argparse.Namespace) -> int:
    from leo_dash.governance import audit

    return audit.run_audit_summary(since=args.since, user=args.user)


def _cmd_published(args: argparse.Namespace) -> int:
    from leo_dash.core.catalogue import load_catalogue
    from leo_dash.sdc.published import write_published

    catalogue = load_catalogue(args.data_dir)
    if args.table_id not in catalogue.entries:
        known = ", ".join(catalogue.ids())
        print(f"leo_dash published: no approved table {args.table_id!r}. Approved tables: {known}.", file=sys.stderr)
        return 1
    entry = catalogue.get(args.table_id)
    out = Path(args.out) if args.out else None
    rows, text = write_published(entry, out, data_dir=args.data_dir)
    if out is None:
        sys.stdout.write(text)
    else:
        print(f"Wrote {rows:,} rows of {entry.id} as any view may show them to {out}.")
    return 0


def _cmd_briefing(args: argparse.Namespace) -> int:
    from leo_dash import briefing

    return briefing.run_briefing(spec=Path(args.spec), out=Path(args.out))


_PROFILE_HELP = (
    "the publication's disclosure convention, checked by L24 (repeatable, or joined by ';'): 'counts rounded to 5', "
    "'counts rounded to 10', 'counts unrounded, suppressed below 6', 'earnings to £100', 'earnings unrounded', "
    "'percentages whole', 'percentages to 1 dp'"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m leo_dash", description="LEO Explorer data tools.")
    parser.add_argument("--data-dir", type=Path, default=None, help=f"data folder (default {paths.DATA_DIR})")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="screen EES files (checks L1–L26); exit 1 on any error")
    p.add_argument("paths", nargs="+")
    p.add_argument("--profile", action="append", help=_PROFILE_HELP)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("catalogue", help="list approved tables with their status")
    p.set_defaults(func=_cmd_catalogue)

    p = sub.add_parser(
        "prepare",
        help="screen and protect approved tables once per release, before servers start (all, or those named)",
    )
    p.add_argument("table_ids", nargs="*", metavar="TABLE_ID")
    p.add_argument("--force", action="store_true", help="prepare again even when the sources are unchanged")
    p.set_defaults(func=_cmd_prepare)

    p = sub.add_parser("add", help="screen a file and register it as an approved table")
    p.add_argument("path")
    p.add_argument("--id", required=True, help="table id: lower case letters, digits and _")
    p.add_argument("--title")
    p.add_argument("--publication", default="")
    p.add_argument("--controller", action="append", help="DfE, WG, DWP, HMRC or SG (repeatable)")
    p.add_argument("--licence", default="Open Government Licence v3.0")
    p.add_argument("--release-date")
    p.add_argument("--next-review", help="default: one year after registration (today)")
    p.add_argument("--access", choices=("public", "restricted"), default="public")
    p.add_argument("--role", action="append", help="ROLE=COLUMN, e.g. provider_id=provider_ukprn (repeatable)")
    p.add_argument("--base", action="append", help="INDICATOR=BASE_COLUMN, or *=BASE_COLUMN for every rate")
    p.add_argument("--filter", action="append", help="other filter column users may choose (repeatable)")
    p.add_argument(
        "--count-base",
        type=int,
        default=None,
        help="rounding base of derived counts (5 HE LEO, 10 FE; default: the profile's, else 5)",
    )
    p.add_argument("--profile", action="append", help=_PROFILE_HELP)
    p.add_argument(
        "--no-base-reason", help="why earnings or rates of this table need no base column (else add refuses them)"
    )
    p.add_argument("--time-label", default="Year")
    p.add_argument("--footnote", action="append")
    p.add_argument(
        "--unit-filter",
        help="the filter whose items set every indicator's unit (e.g. data_type; detected when named like it); "
        "'none' if the table has none",
    )
    p.add_argument("--unit-item", action="append", help="ITEM=count or ITEM=%% for an item of --unit-filter")
    p.add_argument(
        "--measure-item",
        action="append",
        help="FILTER=ITEM[:INDICATOR]: that filter item is the out-of-work benefit rate (detected from labels such "
        "as 'Out of work benefits'); 'none' turns detection off",
    )
    p.set_defaults(func=_cmd_add)

    p = sub.add_parser("demo", help="regenerate the synthetic demo tables")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--out", help="output folder (default data/demo, which also registers the tables)")
    p.add_argument(
        "--chunked",
        action="store_true",
        help="only the graduate outcomes table, generated in blocks of providers so memory stays flat (needs --out)",
    )
    p.add_argument("--block-providers", type=int, default=1_000, help="providers per block with --chunked")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "review",
        help="list tables past their review date and audit files past their retention; --apply retires the tables and deletes those files",
    )
    p.add_argument("--apply", action="store_true")
    p.set_defaults(func=_cmd_review)

    p = sub.add_parser("audit", help="summarise the audit trail")
    p.add_argument("--since", help="YYYY-MM-DD")
    p.add_argument("--user")
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser(
        "published", help="write an approved table exactly as any view may show it (EES CSV, symbols where hidden)"
    )
    p.add_argument("table_id")
    p.add_argument("--out", help="CSV file to write (default: standard output)")
    p.set_defaults(func=_cmd_published)

    p = sub.add_parser("briefing", help="build a briefing pack from a spec file")
    p.add_argument("--spec", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=_cmd_briefing)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError) as exc:
        # Expected failures (bad file, bad catalogue entry) become one clear line, never a traceback.
        print(f"leo_dash {args.command}: {exc}", file=sys.stderr)
        return 1
