"""``pantau sites``: the site registry, checked extraction and expected output."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pantau.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from pantau.config import Settings


def register(sub: Any) -> None:
    help_text = "list site files, check a site's extraction, or write its expected output"
    p = sub.add_parser("sites", help=help_text, description=help_text)
    p.add_argument(
        "action",
        choices=["list", "check", "expect"],
        help="list: the registry; check: extract the saved pages (or --url); expect: write expected/ for review",
    )
    p.add_argument("name", nargs="?", help="site name (for check and expect)")
    p.add_argument("--url", help="with check: fetch and extract this live URL instead of the saved pages")
    p.set_defaults(handler=cmd_sites)


def cmd_sites(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.sitecheck import check_site, list_sites, write_expected

    if args.action == "list":
        list_sites(sys.stdout)
        return EXIT_OK
    if not args.name:
        raise UsageError(f"pantau sites {args.action} needs a site name")
    if args.action == "expect":
        for path in write_expected(args.name):
            print(f"wrote {path}  (review it before committing)")
        return EXIT_OK
    return EXIT_OK if check_site(args.name, sys.stdout, url=args.url) else EXIT_FAILED
