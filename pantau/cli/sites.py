"""``pantau sites``: the site registry, onboarding, checked extraction, expected output and health."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from pantau.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from pantau.config import Settings


def register(sub: Any) -> None:
    help_text = "the site registry: list, add, check, health, expect"
    p = sub.add_parser("sites", help=help_text, description=help_text)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("list", help="the registry with platform, region and start points")
    a.set_defaults(handler=cmd_list)
    a = actions.add_parser(
        "add",
        help="look at a news site (home page, robots.txt, a sample article) and write a draft site file",
        description="Detect the platform (Disway, ANTARA, WordPress, other), feeds, sitemaps and JSON-LD; "
        "write a draft site file and say what was found and what is missing.",
    )
    a.add_argument("url", help="the site's home page, e.g. https://radarkoran.com")
    a.add_argument("--article", metavar="URL", help="a sample article (default: one linked from the home page)")
    a.add_argument("--name", help="site name (default: from the host name)")
    a.add_argument("--force", action="store_true", help="overwrite an existing site file")
    a.set_defaults(handler=cmd_add)
    a = actions.add_parser(
        "check",
        help="extract a site's saved pages (or the given URLs or saved files): every field with its method",
        description="Print every field with the method that produced it and flag missing or suspicious ones; "
        "exit 1 when a required field is missing.",
    )
    a.add_argument("name", help="site name")
    a.add_argument("targets", nargs="*", metavar="URL|FILE", help="live article URLs or saved pages")
    a.add_argument("--url", action="append", default=[], help=argparse.SUPPRESS)  # the old spelling
    a.set_defaults(handler=cmd_check)
    a = actions.add_parser("health", help="per site: last successful crawl, articles 24h/7d, errors by kind, stale")
    a.add_argument("--json", action="store_true", help="print JSON lines")
    a.set_defaults(handler=cmd_health)
    a = actions.add_parser("expect", help="write a site's expected/ output from its saved pages, for review")
    a.add_argument("name", help="site name")
    a.set_defaults(handler=cmd_expect)


def _user_agent(settings: Settings) -> str:
    from crawlers.runner import user_agent

    return user_agent(settings)


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.sitecheck import list_sites

    list_sites(sys.stdout, settings.sites_dir)
    return EXIT_OK


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.fetch import FetchError
    from crawlers.sitecheck import check_site

    try:
        ok = check_site(
            args.name,
            sys.stdout,
            [*args.targets, *args.url],
            sites_dir=settings.sites_dir,
            user_agent=_user_agent(settings),
        )
    except FetchError as exc:
        print(f"pantau sites check: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK if ok else EXIT_FAILED


def cmd_expect(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.sitecheck import write_expected

    for path in write_expected(args.name, settings.sites_dir):
        print(f"wrote {path}  (review it before committing)")
    return EXIT_OK


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.fetch import FetchError
    from crawlers.onboard import onboard
    from crawlers.sitespec import SITES_DIR

    sites_dir = settings.sites_dir or SITES_DIR
    try:
        report = onboard(args.url, _user_agent(settings), article_url=args.article, name=args.name)
    except FetchError as exc:
        print(f"pantau sites add: {exc}", file=sys.stderr)
        return EXIT_FAILED
    target = Path(sites_dir) / f"{report.name}.yaml"
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists; choose another --name or add --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(report.site_file, encoding="utf-8")
    report.print(sys.stdout, target)
    return EXIT_OK


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from crawlers.sitespec import load_registry
    from pantau.crawlstate import CrawlState
    from pantau.sitehealth import export, site_health

    registry = load_registry(settings.sites_dir)
    state = CrawlState.in_data_dir(settings.data_dir)
    healths = [site_health(state, n, timedelta(hours=s.schedule.stale_after_hours)) for n, s in registry.items()]
    state.close()
    export(healths)
    if args.json:
        for h in healths:
            row = {
                "site": h.site,
                "last_success": h.last_success.isoformat() if h.last_success else None,
                "last_run": h.last_run.isoformat() if h.last_run else None,
                "articles_24h": h.articles_24h,
                "articles_7d": h.articles_7d,
                "usual_per_day": h.usual_per_day,
                "errors_24h": h.errors,
                "stale": h.stale,
                "stale_reason": h.stale_reason,
            }
            print(json.dumps(row, ensure_ascii=False))
        return EXIT_OK
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table("site", "last success", "24 h", "7 d", "usual/day", "errors (24 h)", "stale", box=box.SIMPLE)
    for h in healths:
        table.add_row(
            h.site,
            h.last_success.strftime("%Y-%m-%d %H:%M UTC") if h.last_success else "never",
            str(h.articles_24h),
            str(h.articles_7d),
            f"{h.usual_per_day:.1f}",
            ", ".join(f"{k}={v}" for k, v in sorted(h.errors.items())) or "-",
            f"STALE: {h.stale_reason}" if h.stale else "no",
        )
    Console(file=sys.stdout, width=200 if not sys.stdout.isatty() else None).print(table)
    print(f"crawl state: {state.path}")
    return EXIT_OK
