"""Crawling commands: ``run`` (the main job), ``crawl``, ``schedule`` and the offline ``demo``."""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pantau.cli import wiring
from pantau.cli.errors import EXIT_FAILED, EXIT_OK, EXIT_SPOOLED, UsageError
from pantau.cli.output import print_articles
from pantau.config import Settings

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    for name, help_text in (
        ("run", "crawl the configured sites once and report (the main job)"),
        ("crawl", "crawl sites once; --base-url points one site at a mirror"),
    ):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--site", action="append", metavar="NAME", help="site name (repeatable); default: all")
        p.add_argument("--base-url", metavar="URL", help="crawl this mirror of the site (e.g. a fixture server)")
        p.set_defaults(handler=cmd_crawl)
    help_text = "crawl repeatedly, each crawl in a fresh process (the crawler service in docker-compose)"
    p = sub.add_parser("schedule", help=help_text, description=help_text)
    p.add_argument("--every", type=float, default=900.0, metavar="SECONDS", help="seconds between crawl starts")
    p.add_argument("--site", action="append", metavar="NAME", help="site name (repeatable); default: all")
    p.add_argument("--once", action="store_true", help="one crawl, then exit")
    p.set_defaults(handler=cmd_schedule)
    help_text = "offline demo: serve the bundled fixture sites locally and run the whole path"
    p = sub.add_parser("demo", help=help_text, description=help_text)
    p.set_defaults(handler=cmd_demo)


def _crawl(settings: Settings, specs: list[Any], base_urls: dict[str, str], fast: bool) -> tuple[list[Any], Any]:
    """The per-site reports and the delivery they went through (closed)."""
    from crawlers.runner import crawl
    from pipelines import ITEM_PIPELINES

    delivery = wiring.delivery(settings)
    reports = crawl(settings, specs, delivery, ITEM_PIPELINES, base_urls=base_urls, fast=fast)
    return reports, delivery


def cmd_crawl(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.sitespec import select_sites

    specs = select_sites(args.site or settings.sites)
    base_urls = {}
    if args.base_url:
        if len(specs) != 1:
            raise UsageError("--base-url needs exactly one --site")
        base_urls[specs[0].name] = args.base_url
    reports, delivery = _crawl(settings, specs, base_urls, fast=bool(args.base_url))
    print(f"Crawled {len(reports)} site(s) in {settings.mode} mode:")
    for report in reports:
        print("  " + report.summary())
    spooled = 0
    if settings.mode == "kafka":
        from pipelines.kafka_delivery import KafkaDelivery

        if isinstance(delivery, KafkaDelivery):
            print(delivery.summary())
            spooled = delivery.spool.pending()
    if settings.mode == "embedded":
        from pantau.store import Store

        store = Store(settings.store_path)
        print(
            f"The store {settings.store_path} now holds {store.count()} article(s), "
            f"{store.dead_letter_count()} dead letter(s)."
        )
        relevant = store.search(relevant_only=True, limit=10)
        if relevant:
            print("Most recent relevant articles:")
            print_articles(relevant, sys.stdout)
    unreachable = [r for r in reports if r.unreachable]
    if unreachable and len(unreachable) == len(reports):
        print("No site could be reached (no internet?). Try `make demo` for the offline fixture site.")
        return EXIT_FAILED
    return EXIT_SPOOLED if spooled else EXIT_OK


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.fixture_server import FixtureServer
    from crawlers.sitespec import FIXTURES_DIR, load_registry
    from pantau.search import SearchQuery, StoreSearch
    from pantau.store import Store

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="pantau-demo-"))
    demo_settings = settings.model_copy(
        update={"data_dir": data_dir, "kafka_bootstrap": None, "elasticsearch_url": None}
    )
    specs = [s for s in load_registry().values() if (FIXTURES_DIR / s.name / "routes.yaml").exists()]
    with ExitStack() as stack:
        servers = {s.name: stack.enter_context(FixtureServer(s.name)) for s in specs}
        print("Serving the bundled fixture sites locally:")
        for name, server in servers.items():
            print(f"  {name}: {server.base_url}")
        reports, _ = _crawl(demo_settings, specs, {n: s.base_url for n, s in servers.items()}, fast=True)
    for report in reports:
        print("  " + report.summary())
    store = Store(demo_settings.store_path)
    print(f"\nStored {store.count()} article(s) in {demo_settings.store_path}.")
    backend = StoreSearch(store)
    for text in ("netralitas", "ASN"):
        hits = backend.search(SearchQuery(text=text, limit=10))
        print(f'\n$ pantau search "{text}"   ({len(hits)} hit(s))')
        print_articles(hits, sys.stdout)
    print(f"\nTry it yourself: PANTAU_DATA_DIR={data_dir} pantau search netralitas")
    return EXIT_OK if store.count() else EXIT_FAILED


def cmd_schedule(args: argparse.Namespace, settings: Settings) -> int:
    """Crawl every ``--every`` seconds; each crawl is a fresh process (Scrapy's reactor runs once)."""
    command = [sys.executable, "-m", "pantau.cli", "crawl"]
    for site in args.site or []:
        command += ["--site", site]
    while True:
        started = time.monotonic()
        code = subprocess.call(command)
        logger.info(
            "scheduled crawl finished", extra={"exit_code": code, "seconds": round(time.monotonic() - started, 1)}
        )
        if args.once:
            return code
        time.sleep(max(0.0, args.every - (time.monotonic() - started)))
