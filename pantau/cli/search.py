"""``pantau search``: stored articles, from the embedded store or Elasticsearch."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pantau.cli import wiring
from pantau.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from pantau.config import Settings

if TYPE_CHECKING:
    from pantau.search import SearchBackend

QUERY_HELP = """\
query language (the same on Elasticsearch and the embedded store):
  kepala desa           every word must match (title or body)
  "kepala desa"         the exact phrase
  camat OR lurah        either side of OR
  -kampanye             must not match (also -"politik uang")
  netral*               words starting with "netral" (3+ letters before *)
  Words and phrases also match through their Indonesian stems, both ways:
  mengimbau finds imbauan, pelanggaran finds melanggar.

examples:
  pantau search netralitas --region Jatim --since 7d --relevant
  pantau search '"kepala desa" OR kades' --region Jember --stage sanction
  pantau search --label actor=kepala_desa --facets
  pantau search lurah -kampanye --format csv > lurah.csv
  pantau story 5181a33329c1
"""


def _limit(text: str) -> int:
    from pantau.search.request import MAX_LIMIT

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIMIT}, not {value}")
    return value


def register(sub: Any) -> None:
    from pantau.enrich.relevance.lexicon import STAGES
    from pantau.search.output import FORMATS
    from pantau.search.request import DEFAULT_LIMIT, SORT_ORDERS

    help_text = "search stored articles (newest first), with filters and facets"
    p = sub.add_parser(
        "search",
        help=help_text,
        description=help_text,
        epilog=QUERY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,  # no -h: "-hoaks" is an exclusion, not -h -o -a -k -s
    )
    p.add_argument("--help", action="help", help="show this help message and exit")
    p.add_argument("text", nargs="*", help="what to find, in the query language below")
    p.add_argument("--since", metavar="WHEN", help="from this time: 7d, 24h, 2w, or a date/time (2024-09-01)")
    p.add_argument("--until", metavar="WHEN", help="before this time (exclusive); same forms as --since")
    p.add_argument(
        "--region",
        action="append",
        metavar="NAME",
        help='a region by name, alias or code ("Jember", "Kab. Lumajang", "Jatim", "35.08"); '
        "a province includes its regencies; repeatable (any of them)",
    )
    p.add_argument(
        "--site", action="append", metavar="NAME", help="only this outlet (repeatable; see `pantau sites list`)"
    )
    p.add_argument("--relevant", action="store_true", help="only articles scored relevant")
    p.add_argument(
        "--label",
        action="append",
        metavar="KEY=VALUE",
        help="a relevance label the article must carry: actor=kepala_desa, actor=village, stage=report, "
        "neutrality=netralitas, coverage=local (repeatable: all of them)",
    )
    p.add_argument(
        "--stage", action="append", choices=STAGES, help="appeal, report or sanction (repeatable: any of them)"
    )
    p.add_argument("--include-duplicates", action="store_true", help="also list syndicated copies (hidden by default)")
    p.add_argument("--sort", choices=SORT_ORDERS, default="newest", help="newest first (default) or best match")
    p.add_argument(
        "--limit", type=_limit, default=DEFAULT_LIMIT, metavar="N", help=f"at most N articles (default {DEFAULT_LIMIT})"
    )
    p.add_argument(
        "--facets", action="store_true", help="also count matches by province, regency, outlet, actor, stage"
    )
    output_flags(p, FORMATS)
    p.set_defaults(handler=cmd_search, takes_exclusions=True)


def output_flags(p: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """--format, --json and --tz, shared with ``pantau story``."""
    p.add_argument("--format", choices=formats, default="table", help="table (default), json (JSON lines) or csv")
    p.add_argument("--json", dest="format", action="store_const", const="json", help="same as --format json")
    p.add_argument(
        "--tz", metavar="ZONE", help="time zone for times shown (default PANTAU_DISPLAY_TIMEZONE, Asia/Jakarta)"
    )


def zone_of(args: argparse.Namespace, settings: Settings) -> ZoneInfo:
    """The time zone times are shown in: --tz, else the display_timezone setting."""
    name = args.tz or settings.display_timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--tz {name}: unknown time zone (use an IANA name such as Asia/Jakarta)") from None


def _sites(names: list[str] | None) -> tuple[str, ...]:
    if not names:
        return ()
    import difflib

    from crawlers.sitespec import load_registry

    known = sorted(load_registry())
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"known sites: {', '.join(known)}"
            raise UsageError(f"--site {name}: no such site; {hint}")
    return tuple(dict.fromkeys(names))


def build_query(args: argparse.Namespace, zone: ZoneInfo) -> Any:
    """The :class:`~pantau.search.SearchQuery` the flags ask for, or a one-line UsageError."""
    from pantau.regions import UnknownRegionError, resolve_region
    from pantau.search.labels import LabelError, parse_label, stage_label
    from pantau.search.request import SearchError, SearchQuery, parse_when

    if args.facets and args.format == "csv":
        raise UsageError("--facets needs --format table or json (CSV holds one row per article)")
    try:
        regions = tuple(resolve_region(r) for r in args.region or [])
        labels = tuple(parse_label(text) for text in args.label or [])
        stages = tuple(dict.fromkeys(stage_label(s).value for s in args.stage or []))
        return SearchQuery(
            text=" ".join(args.text) or None,
            since=parse_when(args.since, zone=zone) if args.since else None,
            until=parse_when(args.until, zone=zone) if args.until else None,
            regions=regions,
            sites=_sites(args.site),
            relevant_only=args.relevant,
            labels=labels,
            stages=stages,
            include_duplicates=args.include_duplicates,
            sort=args.sort,
            limit=args.limit,
            facets=args.facets,
        )
    except (UnknownRegionError, LabelError, SearchError) as exc:
        raise UsageError(str(exc)) from exc


def backend(settings: Settings) -> SearchBackend:
    """The search backend for these settings; an embedded store that does not exist yet is a usage error."""
    if settings.mode == "embedded" and not settings.store_path.exists():
        raise UsageError(
            f"no articles stored yet in {settings.store_path}: run `pantau run` (or `make demo`), "
            "or point PANTAU_DATA_DIR at a store"
        )
    if settings.log_level != "DEBUG":
        # The client logs every failed attempt with a traceback; the command says it in one line.
        logging.getLogger("elastic_transport.transport").setLevel(logging.ERROR)
    return wiring.search_backend(settings)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.search import BackendUnavailable
    from pantau.search.output import write_result

    zone = zone_of(args, settings)
    query = build_query(args, zone)
    try:
        result = backend(settings).find(query)
    except BackendUnavailable as exc:
        print(f"pantau search: {exc}", file=sys.stderr)
        return EXIT_FAILED
    write_result(args.format, query, result, sys.stdout, zone)
    return EXIT_OK
