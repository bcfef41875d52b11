"""``pantau search``: stored articles, from the embedded store or Elasticsearch."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pantau.cli import wiring
from pantau.cli.errors import EXIT_OK, UsageError
from pantau.cli.output import print_articles
from pantau.config import Settings


def register(sub: Any) -> None:
    help_text = "search stored articles, newest first"
    p = sub.add_parser("search", help=help_text, description=help_text)
    p.add_argument("text", nargs="*", help="words to find")
    p.add_argument("--since", metavar="WHEN", help="7d, 24h, 2w or a date (2024-09-01)")
    p.add_argument("--until", metavar="WHEN", help="same forms as --since; exclusive")
    p.add_argument("--region", metavar="CODE", help="regency code (35.08) or province code (35)")
    p.add_argument("--relevant", action="store_true", help="only articles scored relevant")
    p.add_argument("--no-duplicates", action="store_true", help="hide syndicated copies")
    p.add_argument("--site", metavar="NAME", help="only this site")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N articles (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON lines")
    p.set_defaults(handler=cmd_search)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.search import SearchQuery, parse_when

    try:
        query = SearchQuery(
            text=" ".join(args.text) or None,
            since=parse_when(args.since) if args.since else None,
            until=parse_when(args.until) if args.until else None,
            region=args.region,
            relevant_only=args.relevant,
            include_duplicates=not args.no_duplicates,
            site=args.site,
            limit=args.limit,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    hits = wiring.search_backend(settings).search(query)
    if not args.json:
        print(f"{len(hits)} article(s)")
    print_articles(hits, sys.stdout, as_json=args.json)
    return EXIT_OK
