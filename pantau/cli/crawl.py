"""Crawling commands: ``run`` (the main job), ``crawl`` (once, watch or backfill) and ``demo``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pantau.cli import wiring
from pantau.cli.errors import EXIT_FAILED, EXIT_OK, EXIT_SPOOLED, UsageError
from pantau.config import Settings
from pantau.search.request import SearchQuery

if TYPE_CHECKING:
    from pantau.reconcile import Reconciled

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    for name, help_text in (
        ("run", "crawl the configured sites once and report (the main job)"),
        ("crawl", "crawl sites once, for ever (--watch), or back in time (--since/--until)"),
    ):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("sites", nargs="*", metavar="SITE", help="site names; default: all (or PANTAU_SITES)")
        p.add_argument("--site", action="append", metavar="NAME", help="site name (repeatable); same as SITE")
        p.add_argument(
            "--base-url",
            action="append",
            metavar="[NAME=]URL",
            help="crawl a mirror of the site (e.g. a fixture server), politeness delays off; NAME= when several sites",
        )
        p.add_argument("--refetch", action="store_true", help="fetch article pages and feeds already seen")
        p.add_argument("--since", metavar="DATE", help="backfill: walk listings, search and sitemaps back to DATE")
        p.add_argument("--until", metavar="DATE", help="backfill: the newest day wanted (inclusive; default today)")
        p.add_argument(
            "--max-articles", type=int, metavar="N", help="article pages per site (default 200; none in a backfill)"
        )
        p.add_argument("--watch", action="store_true", help="crawl each site on its own interval until SIGTERM")
        p.add_argument("--interval", type=float, metavar="SECONDS", help="with --watch: one interval for every site")
        p.set_defaults(handler=cmd_crawl)
    help_text = "offline demo: serve the bundled fixture sites locally, crawl all of them into the data dir"
    p = sub.add_parser("demo", help=help_text, description=help_text)
    p.set_defaults(handler=cmd_demo)


def parse_day(text: str, end_of_day: bool = False) -> datetime:
    """``2024-08-01`` (a day in WIB; with ``end_of_day`` the day's end) or an ISO timestamp."""
    from pantau.dates import WIB, parse_iso

    value = parse_iso(text, WIB)
    if value is None:
        raise UsageError(f"not a date: {text!r} (use YYYY-MM-DD)")
    if end_of_day and len(text.strip()) == 10:
        value += timedelta(days=1)
    return value


def _base_urls(values: Sequence[str] | None, names: list[str]) -> dict[str, str]:
    urls: dict[str, str] = {}
    for value in values or []:
        name, sep, url = value.partition("=")
        if sep and not name.startswith("http"):
            urls[name] = url
        elif len(names) == 1:
            urls[names[0]] = value
        else:
            raise UsageError("--base-url without NAME= needs exactly one site")
    unknown = sorted(set(urls) - set(names))
    if unknown:
        raise UsageError(f"--base-url names a site not being crawled: {', '.join(unknown)}")
    return urls


def _options(args: argparse.Namespace, names: list[str]) -> Any:
    from crawlers.runner import CrawlOptions
    from crawlers.spiders.site import Window

    since = parse_day(args.since) if args.since else None
    until = parse_day(args.until, end_of_day=True) if args.until else None
    if until and not since:
        raise UsageError("--until needs --since (a backfill window)")
    if since and until and since >= until:
        raise UsageError("--since must be before --until")
    if args.watch and since:
        raise UsageError("--watch and --since do not go together (a backfill ends)")
    base_urls = _base_urls(args.base_url, names)
    return CrawlOptions(
        base_urls=base_urls,
        fast=bool(base_urls),
        refetch=args.refetch,
        window=Window(since, until or (datetime.now(UTC) if since else None)),
        max_articles=args.max_articles,
        interval=args.interval,
    )


def cmd_crawl(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.sitespec import select_sites
    from pipelines import ITEM_PIPELINES

    specs = select_sites([*args.sites, *(args.site or [])] or settings.sites, settings.sites_dir)
    options = _options(args, [s.name for s in specs])
    if not settings.crawl_contact:
        logger.warning("no crawl contact set: PANTAU_CRAWL_CONTACT lets site owners reach whoever runs the crawler")
    reconciled = _reconcile(settings)
    if args.watch:
        from crawlers.runner import watch

        def report(tally: Any, wait: float) -> None:
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
            print(f"[{stamp}] {tally.summary()}\n    next crawl in {wait:.0f} s", flush=True)

        print(f"Watching {len(specs)} site(s) in {settings.mode} mode; SIGTERM or Ctrl-C stops.", flush=True)
        if reconciled is not None and reconciled.total:
            print(reconciled.summary(), flush=True)
        delivery = wiring.delivery(settings)
        state = wiring.crawl_state(settings, delivery)
        watch(settings, specs, delivery, ITEM_PIPELINES, options, report=report, state=state)
        print("Stopped.", flush=True)
        return EXIT_OK
    from crawlers.runner import crawl

    delivery = wiring.delivery(settings)
    state = wiring.crawl_state(settings, delivery)
    if options.window.backfill:
        tallies = _backfill(settings, specs, delivery, options, state)
    else:
        tallies = crawl(settings, specs, delivery, ITEM_PIPELINES, options, state)
    print(f"Crawled {len(tallies)} site(s) in {settings.mode} mode:")
    for tally in tallies:
        print("  " + tally.summary())
    if reconciled is not None and reconciled.total:
        print("  " + reconciled.summary())
    # Only a Kafka delivery has a summary; its module (kafka-python) takes ~0.3 s to import.
    spooled = _kafka_summary(delivery) if settings.mode == "kafka" else 0
    if settings.mode == "embedded":
        _show_store(settings)
    unreachable = [t for t in tallies if t.unreachable]
    if unreachable and len(unreachable) == len(tallies):
        print("No site could be reached (no internet?). Try `make demo` for the offline fixture sites.")
    if any(t.failed for t in tallies):
        return EXIT_FAILED
    return EXIT_SPOOLED if spooled else EXIT_OK


def _reconcile(settings: Settings) -> Reconciled | None:
    """Embedded mode: hand back to the crawler what it marked delivered and the store lacks.

    Before the writer starts, so that what it replays from the spool is still counted as
    waiting there (see :mod:`pantau.reconcile`); Kafka mode has no store to compare with.
    """
    if settings.mode != "embedded":
        return None
    from pantau.crawlstate import CrawlState
    from pantau.reconcile import reconcile
    from pantau.store import Store

    state = CrawlState.in_data_dir(settings.data_dir)
    store = Store(settings.store_path)
    try:
        return reconcile(state, store, settings.spool_dir)
    finally:
        store.close()
        state.close()


def _kafka_summary(delivery: Any) -> int:
    """Print where the crawl's records went in Kafka mode; returns how many wait in the spool."""
    from pipelines.kafka_delivery import KafkaDelivery

    if not isinstance(delivery, KafkaDelivery):
        return 0
    print(delivery.summary())
    return int(delivery.spool.pending())


def _backfill(settings: Settings, specs: list[Any], delivery: Any, options: Any, state: Any) -> list[Any]:
    """A crawl with a progress bar per site: days walked back from --until towards --since."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from crawlers.runner import crawl
    from pipelines import ITEM_PIPELINES

    since, until = options.window.since, options.window.until
    days = max(1, (until - since).days)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} days back"),
        TextColumn("{task.fields[pages]} pages, oldest {task.fields[oldest]}"),
        TimeElapsedColumn(),
    ) as bar:
        tasks = {s.name: bar.add_task(s.name, total=days, pages=0, oldest="-") for s in specs}

        def progress(site: str, oldest: datetime | None, pages: int) -> None:
            done = min(days, (until - oldest).days) if oldest else 0
            bar.update(tasks[site], completed=max(0, done), pages=pages, oldest=oldest.date() if oldest else "-")

        options.progress = progress
        tallies = crawl(settings, specs, delivery, ITEM_PIPELINES, options, state)
        for task in tasks.values():
            bar.update(task, completed=days)
    return tallies


def _show_store(settings: Settings) -> None:
    from pantau.store import Store

    store = Store(settings.store_path)
    print(
        f"The store {settings.store_path} now holds {store.count()} article(s), "
        f"{store.dead_letter_count()} dead letter(s)."
    )
    _show_articles(settings, store, "Most recent relevant articles:", SearchQuery(relevant_only=True, limit=10))


def _show_articles(settings: Settings, store: Any, heading: str, query: Any) -> int:
    """The articles ``query`` finds in the store, as the search table shows them; returns the total."""
    from pantau.search import StoreSearch
    from pantau.search.output import write_result

    result = StoreSearch(store).find(query)
    if result.total:
        print(heading.format(total=result.total))
        write_result("table", query, result, sys.stdout, ZoneInfo(settings.display_timezone))
    return int(result.total)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Every bundled fixture site, served locally and crawled into the configured data dir."""
    from crawlers.fixture_server import FixtureServer
    from crawlers.runner import CrawlOptions, crawl
    from crawlers.sitecheck import has_fixtures
    from crawlers.sitespec import fixtures_dir, load_registry
    from pantau.store import Store
    from pipelines import ITEM_PIPELINES

    demo_settings = settings.model_copy(update={"kafka_bootstrap": None, "elasticsearch_url": None})
    fixtures = fixtures_dir(settings.sites_dir)
    specs = [s for s in load_registry(settings.sites_dir).values() if has_fixtures(s.name, fixtures)]
    if not specs:
        raise UsageError(f"no site has fixtures in {fixtures}")
    with ExitStack() as stack:
        servers = {s.name: stack.enter_context(FixtureServer(s.name, fixtures)) for s in specs}
        print(f"Serving {len(servers)} fixture site(s) locally and crawling them (politeness delays off):")
        options = CrawlOptions(base_urls={n: s.base_url for n, s in servers.items()}, fast=True, refetch=True)
        tallies = crawl(demo_settings, specs, wiring.delivery(demo_settings), ITEM_PIPELINES, options)
    for tally in tallies:
        print("  " + tally.summary())
    store = Store(demo_settings.store_path)
    print(f"\nStored in {demo_settings.store_path}:")
    for spec in specs:
        query = SearchQuery(sites=(spec.name,), include_duplicates=True, limit=100)
        heading = f"\n{spec.name} ({spec.title}, {spec.platform}): {{total}} article(s)"
        if not _show_articles(settings, store, heading, query):
            print(heading.format(total=0))
    print(f"\n{store.count()} article(s), {store.dead_letter_count()} dead letter(s) in all. Next:")
    print("  pantau search netralitas            # full-text search over what was just stored")
    print("  pantau search ASN --relevant        # only the articles scored relevant")
    print("  pantau sites health                 # per site: last crawl, articles, errors")
    broken = [t.site for t in tallies if t.outcomes["delivered"] + t.outcomes["unchanged"] == 0 or t.article_failures]
    return EXIT_FAILED if broken else EXIT_OK
