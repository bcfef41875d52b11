"""The ``pantau`` command: one entry point, one subcommand per job.

Settings come from flags, ``PANTAU_*`` variables and ``--config FILE`` (see
:mod:`pantau.config`); a bad value stops the command with a message naming it.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from crawlers.sitespec import SiteError, founded_dates
from pantau.config import ConfigError, Settings, load_settings
from pantau.logs import setup_logging

logger = logging.getLogger("pantau")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# --- helpers shared by the subcommands -----------------------------------------------


def _print_articles(articles: Sequence[Any], out: TextIO, as_json: bool = False) -> None:
    from pantau.schema import Article

    for a in articles:
        assert isinstance(a, Article)
        if as_json:
            out.write(a.to_json() + "\n")
            continue
        e = a.enrichment
        when = a.published_at.strftime("%Y-%m-%d %H:%M UTC") if a.published_at else "date unknown"
        region = e.region.primary.name if e and e.region.primary else "-"
        flag = ""
        if e:
            flag = f" relevance={e.relevance.score:.2f}{' RELEVANT' if e.relevance.relevant else ''}"
            if e.dedup.duplicate_of:
                flag += f" duplicate_of={e.dedup.duplicate_of[:8]}"
        out.write(f"- [{when}] {a.title}\n    {a.site} | {region} |{flag}\n    {a.canonical_url}\n")


def _search_backend(settings: Settings) -> Any:
    from pantau.search import ElasticsearchSearch, StoreSearch
    from pantau.store import Store

    if settings.mode == "kafka":
        from infra.search_index import connect

        return ElasticsearchSearch(connect(settings), settings.index_alias)
    return StoreSearch(Store(settings.store_path))


def _ensure_engines(settings: Settings) -> None:
    from infra.search_index import connect, ensure_index
    from infra.topics import ensure_topics

    ensure_topics(settings)
    ensure_index(connect(settings), settings.index_alias)


def _delivery(settings: Settings) -> Any:
    if settings.mode == "kafka":
        from pipelines.kafka_delivery import KafkaDelivery

        _ensure_engines(settings)
        return KafkaDelivery(settings)
    from pantau.embedded import EmbeddedDelivery
    from pantau.store import Store

    return EmbeddedDelivery(Store(settings.store_path), founded=founded_dates())


# --- subcommands -----------------------------------------------------------------------


def cmd_crawl(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.runner import crawl
    from crawlers.sitespec import select_sites

    specs = select_sites(args.site or settings.sites)
    base_urls = {}
    if args.base_url:
        if len(specs) != 1:
            raise ConfigError("--base-url needs exactly one --site")
        base_urls[specs[0].name] = args.base_url
    reports = crawl(settings, specs, _delivery(settings), base_urls=base_urls, fast=bool(args.base_url))
    print(f"Crawled {len(reports)} site(s) in {settings.mode} mode:")
    for report in reports:
        print("  " + report.summary())
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
            _print_articles(relevant, sys.stdout)
    unreachable = [r for r in reports if r.unreachable]
    if unreachable and len(unreachable) == len(reports):
        print("No site could be reached (no internet?). Try `make demo` for the offline fixture site.")
        return EXIT_FAILED
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.fixture_server import FixtureServer
    from crawlers.runner import crawl
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
        reports = crawl(
            demo_settings,
            specs,
            _delivery(demo_settings),
            base_urls={n: s.base_url for n, s in servers.items()},
            fast=True,
        )
    for report in reports:
        print("  " + report.summary())
    store = Store(demo_settings.store_path)
    print(f"\nStored {store.count()} article(s) in {demo_settings.store_path}.")
    backend = StoreSearch(store)
    for text in ("netralitas", "ASN"):
        hits = backend.search(SearchQuery(text=text, limit=10))
        print(f'\n$ pantau search "{text}"   ({len(hits)} hit(s))')
        _print_articles(hits, sys.stdout)
    print(f"\nTry it yourself: PANTAU_DATA_DIR={data_dir} pantau search netralitas")
    return EXIT_OK if store.count() else EXIT_FAILED


def cmd_schedule(args: argparse.Namespace, settings: Settings) -> int:
    """Crawl every ``--every`` seconds; each crawl is a fresh process (Scrapy's reactor runs once)."""
    import subprocess
    import time

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
        print(f"pantau search: {exc}", file=sys.stderr)
        return EXIT_USAGE
    hits = _search_backend(settings).search(query)
    if not args.json:
        print(f"{len(hits)} article(s)")
    _print_articles(hits, sys.stdout, as_json=args.json)
    return EXIT_OK


def cmd_consume(args: argparse.Namespace, settings: Settings) -> int:
    from consumers.app import run_consumer

    if settings.mode != "kafka":
        raise ConfigError(
            "pantau consume needs kafka_bootstrap and elasticsearch_url (PANTAU_KAFKA_BOOTSTRAP, "
            "PANTAU_ELASTICSEARCH_URL)"
        )
    _ensure_engines(settings)
    processed = run_consumer(args.stage, settings, idle_timeout=args.until_idle)
    print(f"{args.stage}: {processed} record(s) processed")
    return EXIT_OK


def cmd_enrich(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.enrich.lines import enrich_lines

    failures = enrich_lines(sys.stdin, sys.stdout, sys.stderr, founded=founded_dates())
    return EXIT_FAILED if failures else EXIT_OK


def cmd_stack(args: argparse.Namespace, settings: Settings) -> int:
    from infra.stack import Stack

    stack = Stack(settings)
    if args.action == "up":
        status = stack.up()
        print(status)
        print(f"export PANTAU_KAFKA_BOOTSTRAP={stack.kafka_bootstrap}")
        print(f"export PANTAU_ELASTICSEARCH_URL={stack.elasticsearch_url}")
    elif args.action == "down":
        stack.down(wipe=args.wipe)
        print("stack stopped")
    else:
        print(stack.status())
    return EXIT_OK


def cmd_setup(args: argparse.Namespace, settings: Settings) -> int:
    if settings.mode != "kafka":
        raise ConfigError("pantau setup needs kafka_bootstrap and elasticsearch_url")
    _ensure_engines(settings)
    print("topics and index are in place")
    return EXIT_OK


def cmd_sites(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.sitecheck import check_site, list_sites, write_expected

    if args.action == "list":
        list_sites(sys.stdout)
        return EXIT_OK
    if not args.name:
        raise ConfigError(f"pantau sites {args.action} needs a site name")
    if args.action == "expect":
        for path in write_expected(args.name):
            print(f"wrote {path}  (review it before committing)")
        return EXIT_OK
    return EXIT_OK if check_site(args.name, sys.stdout, url=args.url) else EXIT_FAILED


def cmd_spool(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.spool import Spool
    from pipelines.kafka_delivery import KafkaDelivery

    if settings.mode != "kafka":
        raise ConfigError("pantau spool replay needs kafka_bootstrap")
    print(f"{Spool(settings.spool_dir).pending()} record(s) in the spool")
    delivery = KafkaDelivery(settings)
    delivery.close()
    print(f"{delivery.spool.pending()} record(s) left in the spool")
    return EXIT_OK if delivery.spool.pending() == 0 else EXIT_FAILED


def cmd_deadletters(args: argparse.Namespace, settings: Settings) -> int:
    if settings.mode == "kafka":
        from consumers.app import read_dead_letters

        letters = read_dead_letters(settings, limit=args.limit)
    else:
        from pantau.store import Store

        letters = Store(settings.store_path).dead_letters(limit=args.limit)
    print(f"{len(letters)} dead letter(s)")
    for letter in letters:
        print(
            f"- [{letter.failed_at:%Y-%m-%d %H:%M}] stage={letter.stage} source={letter.source}\n"
            f"    reason: {letter.reason}"
        )
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.evaluation import main as evaluation_main

    return evaluation_main(args.dataset, sys.stdout)


# --- argument parsing ------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pantau", description=__doc__)
    parser.add_argument("--config", type=Path, help="YAML settings file (also PANTAU_CONFIG)")
    parser.add_argument("--data-dir", help="embedded store and spool directory (PANTAU_DATA_DIR)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace, Settings], int], help_text: str) -> Any:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    for name, help_text in (
        ("run", "crawl the configured sites once and report (the main job)"),
        ("crawl", "crawl sites once; --base-url points one site at a mirror"),
    ):
        p = add(name, cmd_crawl, help_text)
        p.add_argument("--site", action="append", help="site name (repeatable); default: all")
        p.add_argument("--base-url", help="crawl this mirror of the site instead (e.g. the fixture server)")
    p = add("schedule", cmd_schedule, "crawl repeatedly (the crawler service in docker-compose)")
    p.add_argument("--every", type=float, default=900.0, help="seconds between crawl starts")
    p.add_argument("--site", action="append")
    p.add_argument("--once", action="store_true", help="one crawl, then exit")
    add("demo", cmd_demo, "offline demo: serve the bundled fixture sites locally and run the whole path")
    p = add("search", cmd_search, "search stored articles")
    p.add_argument("text", nargs="*")
    p.add_argument("--since", help="7d, 24h, 2w or a date (2024-09-01)")
    p.add_argument("--until")
    p.add_argument("--region", help="regency code (35.08) or province code (35)")
    p.add_argument("--relevant", action="store_true", help="only articles scored relevant")
    p.add_argument("--no-duplicates", action="store_true", help="hide syndicated copies")
    p.add_argument("--site")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="print JSON lines")
    p = add("consume", cmd_consume, "run a Kafka consumer stage")
    p.add_argument("stage", choices=["enrich", "index"])
    p.add_argument("--until-idle", type=float, help="stop after this many seconds without records")
    add("enrich", cmd_enrich, "enrich article JSON lines from stdin to stdout")
    p = add("stack", cmd_stack, "start, stop or inspect the local Kafka and Elasticsearch")
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--wipe", action="store_true", help="with down: delete the stack's data too")
    add("setup", cmd_setup, "create the Kafka topics and the Elasticsearch index (idempotent)")
    p = add("sites", cmd_sites, "list, check or generate expected output for site files")
    p.add_argument("action", choices=["list", "check", "expect"])
    p.add_argument("name", nargs="?")
    p.add_argument("--url", help="with check: fetch and extract this live URL instead of the fixtures")
    p = add("spool", cmd_spool, "replay records spooled while Kafka was unreachable")
    p.add_argument("action", choices=["replay"])
    p = add("deadletters", cmd_deadletters, "show the most recent dead letters")
    p.add_argument("--limit", type=int, default=20)
    p = add("eval", cmd_eval, "measure relevance and region accuracy on the labelled set")
    p.add_argument("--dataset", type=Path, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config, data_dir=args.data_dir, log_level=args.log_level)
    except ConfigError as exc:
        print(f"pantau: {exc}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(settings.log_level)
    from pantau import metrics

    metrics.serve(settings.metrics_port)
    try:
        result: int = args.handler(args, settings)
        return result
    except (ConfigError, SiteError) as exc:
        print(f"pantau {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
