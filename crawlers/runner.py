"""Run site spiders in this process: once (``pantau run``/``crawl``), or for ever (``--watch``).

A run's report is one :class:`~crawlers.outcomes.SiteTally` per site: what happened to every
article page (delivered, unchanged, dead-lettered, failed by kind), what failed among the
start points and listings, and where the site's selectors matched nothing. The tally is
recorded in the crawl state after each site's crawl, and the site-health gauges are
refreshed from it, so ``pantau sites health`` and Prometheus agree with the report.

Watching: each site is crawled on its own interval (its site file's ``schedule``, or
``--interval``); a site whose crawl failed waits twice as long each time (up to
:data:`MAX_BACKOFF`) while the others go on; SIGTERM or Ctrl-C lets running crawls finish
their open pages, records them, and exits 0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from scrapy.utils.reactor import install_reactor

from crawlers import settings as crawler_settings
from crawlers.ledger import Ledger
from crawlers.outcomes import SiteTally
from crawlers.sitespec import SiteSpec
from crawlers.spiders.site import SiteSpider, Window, spider_for
from pantau.collector import settle_long_lived_heap
from pantau.config import Settings
from pantau.crawlstate import CrawlState
from pantau.delivery import Delivery
from pantau.sitehealth import export, site_health

logger = logging.getLogger(__name__)

#: The longest a failing site waits between attempts while watching.
MAX_BACKOFF = timedelta(hours=6)

Progress = Callable[[str, datetime | None, int], None]


@dataclass
class CrawlOptions:
    """How to crawl, beyond the settings: mirrors, politeness off for them, refetch, a backfill window."""

    #: Site name -> a mirror to crawl instead (the fixture server in tests and the demo).
    base_urls: Mapping[str, str] = field(default_factory=dict)
    #: Politeness delays off: only for local mirrors.
    fast: bool = False
    refetch: bool = False
    window: Window = field(default_factory=Window)
    max_articles: int | None = None
    progress: Progress | None = None
    #: Overrides every site's watch interval (seconds).
    interval: float | None = None


def user_agent(settings: Settings) -> str:
    """The project's user agent, with the operator's contact address when one is configured."""
    if not settings.crawl_contact:
        return settings.user_agent
    base = settings.user_agent.rstrip(")")
    joiner = "; " if base != settings.user_agent else " ("
    return f"{base}{joiner}contact: {settings.crawl_contact})"


class _FailureWithoutTraceback(logging.Filter):
    """Network failures are counted and reported by kind; their Twisted tracebacks are noise in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


# Scrapy's loggers that attach a traceback to a failed download (a site's fault, not a bug).
_DOWNLOAD_LOGGERS = (
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.downloadermiddlewares.retry",
    "scrapy.core.downloader.handlers.http11",
)


def quiet_download_tracebacks() -> None:
    for name in _DOWNLOAD_LOGGERS:
        log = logging.getLogger(name)
        if not any(isinstance(f, _FailureWithoutTraceback) for f in log.filters):
            log.addFilter(_FailureWithoutTraceback())


def _scrapy_level(settings: Settings) -> str:
    # Scrapy's own INFO records (enabled middlewares, the stats dump, crawl rates) repeat what
    # the run report and the metrics say, hundreds of lines a run; they are kept for DEBUG.
    return "DEBUG" if settings.log_level == "DEBUG" else max(settings.log_level, "WARNING", key=logging.getLevelName)


def scrapy_settings(settings: Settings, item_pipelines: Mapping[str, int]) -> ScrapySettings:
    s = ScrapySettings()
    s.setmodule("crawlers.settings", priority="project")
    s.set("ITEM_PIPELINES", dict(item_pipelines), priority="project")
    s.set("USER_AGENT", user_agent(settings), priority="project")
    s.set("LOG_LEVEL", _scrapy_level(settings), priority="project")
    # Pantau's own key=value handler (pantau.logs) prints Scrapy's records too.
    s.set("LOG_INSTALL_ROOT_HANDLER", False, priority="project")
    return s


#: Scrapy components a crawl of a local mirror does without (``fast`` only). The offsite and
#: redirect rules, retries, time-outs, decompression and HTTP error handling stay: they
#: decide what is fetched and what counts as a page, mirror or not. Without these the
#: crawler makes ~700 fewer Python calls a page (of ~8,100; cProfile of the crawl bench's
#: no-op crawl, 1,000 pages), about 0.3 ms of its ~3 ms a page.
FAST_COMPONENTS: dict[str, Any] = {
    # (RefererMiddleware stays: without it RedirectMiddleware warns at every start.)
    "SPIDER_MIDDLEWARES": {
        # Only counts depth stats here (no DEPTH_LIMIT is set).
        "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
        # A development aid that warns about copied request meta.
        "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
    },
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
        "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
        "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    },
    # Scrapy's own counters (responses, items, finish reason), which only its stats dump at
    # DEBUG shows; the run report and the metrics count pages (crawlers.outcomes).
    "EXTENSIONS": {"scrapy.extensions.corestats.CoreStats": None},
}


def _spider_class(spec: SiteSpec, delivery: Delivery, fast: bool) -> type[SiteSpider]:
    spider_cls = spider_for(spec, delivery)
    if fast:
        spider_cls.custom_settings = {
            **(spider_cls.custom_settings or {}),
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            # The site file's per-domain cap and robots.txt protect the real site; a local
            # mirror gets the crawler's full concurrency.
            "CONCURRENT_REQUESTS_PER_DOMAIN": crawler_settings.CONCURRENT_REQUESTS,
            "ROBOTSTXT_OBEY": False,
            # A spider's component dict replaces the project's rather than adding to it, so
            # the project's own entries (the politeness middlewares, RemoteControl off) are
            # repeated here under the fast-mode ones.
            **{key: {**getattr(crawler_settings, key, {}), **off} for key, off in FAST_COMPONENTS.items()},
        }
    return spider_cls


class _Runs:
    """Starts site crawls on a process and records each one as it ends."""

    def __init__(
        self, process: CrawlerProcess, settings: Settings, delivery: Delivery, state: CrawlState, opts: CrawlOptions
    ) -> None:
        self.process = process
        self.settings = settings
        self.state = state
        self.opts = opts
        self.delivery = delivery
        self.classes: dict[str, type[SiteSpider]] = {}
        self.specs: dict[str, SiteSpec] = {}
        self.tallies: list[SiteTally] = []
        #: A site's crawl itself broke (its scheduled pages were dropped).
        self.broken = False

    def start(self, spec: SiteSpec) -> Any:
        if spec.name not in self.classes:
            self.classes[spec.name] = _spider_class(spec, self.delivery, self.opts.fast)
            self.specs[spec.name] = spec
        crawler: Crawler = self.process.create_crawler(self.classes[spec.name])
        ledger = Ledger(spec.name, self.state, refetch=self.opts.refetch)
        budget = self.opts.max_articles or (10**9 if self.opts.window.backfill else self.settings.crawl_max_articles)
        deferred = self.process.crawl(
            crawler,
            ledger=ledger,
            base_url=self.opts.base_urls.get(spec.name),
            max_articles=budget,
            window=self.opts.window,
            progress=self.opts.progress,
        )
        deferred.addBoth(self._finished, ledger)
        return deferred

    def _finished(self, result: Any, ledger: Ledger) -> SiteTally:
        if hasattr(result, "getErrorMessage"):  # a Failure: the crawl itself broke
            self.broken = True
            ledger.tally.other_failure("crawl", "crawler_error", result.getErrorMessage())
            logger.error("crawl failed", extra={"site": ledger.site, "error": result.getErrorMessage()})
        ledger.close()
        self.tallies.append(ledger.tally)
        t = ledger.tally
        logger.info(
            "site crawled",
            extra={
                "site": t.site,
                "delivered": t.outcomes["delivered"],
                "unchanged": t.outcomes["unchanged"],
                "dead_letters": t.outcomes["dead_letter"],
                "failed": t.outcomes["failed"],
                "responses": t.responses,
            },
        )
        self.export_health()
        return ledger.tally

    def export_health(self) -> None:
        export(
            site_health(self.state, name, timedelta(hours=spec.schedule.stale_after_hours))
            for name, spec in self.specs.items()
        )


class _SignalledProcess(CrawlerProcess):
    """A crawler process that says when a signal arrives.

    The watch loop then stops scheduling; a crawl stopped so did not end normally.
    """

    on_signal: Callable[[], None] | None = None

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        if self.on_signal is not None:
            self.on_signal()
        super()._signal_shutdown(signum, frame)


def _open_state(settings: Settings, state: CrawlState | None) -> CrawlState:
    """The crawl state (the caller's, e.g. with a commit hook, or the data dir's), this crawl registered in it."""
    state = state if state is not None else CrawlState.in_data_dir(settings.data_dir)
    if state.begin_crawl():
        logger.warning(
            "an earlier crawl did not end normally: feeds and sitemaps are read in full once",
            extra={"state": str(state.path)},
        )
    return state


def crawl(
    settings: Settings,
    specs: list[SiteSpec],
    delivery: Delivery,
    item_pipelines: Mapping[str, int],
    options: CrawlOptions | None = None,
    state: CrawlState | None = None,
) -> list[SiteTally]:
    """Crawl each site once (discover, fetch, extract, then the item pipelines). Blocks until all finish.

    ``item_pipelines`` is Scrapy's ``ITEM_PIPELINES`` (dotted path to order), given by the
    caller so that this package does not depend on the pipelines. ``state``: the crawl
    state to use (closed here), e.g. one whose commits wait for the delivery; by default
    the data dir's.
    """
    opts = options or CrawlOptions()
    logging.getLogger("scrapy").setLevel(_scrapy_level(settings))
    process = _SignalledProcess(scrapy_settings(settings, item_pipelines))
    signalled: list[bool] = []
    process.on_signal = lambda: signalled.append(True)
    # Scrapy lowers the root logger to NOTSET when it leaves handlers to us; at DEBUG it
    # would build a record (with the whole item) for every page.
    logging.getLogger().setLevel(settings.log_level)
    logging.getLogger("scrapy").setLevel(_scrapy_level(settings))
    quiet_download_tracebacks()
    state = _open_state(settings, state)
    runs = _Runs(process, settings, delivery, state, opts)
    ended = False
    try:
        for spec in specs:
            runs.start(spec)
        # Scrapy, the site specs and the crawl state are loaded: what lives as long as the
        # crawl leaves the collector's walks (0.1 ms a page went to collections before).
        settle_long_lived_heap()
        process.start()
        # Stopped by a signal, Scrapy drops the requests still scheduled (pages a feed listed).
        ended = not signalled and not runs.broken
    finally:
        delivery.close()
        if ended:
            state.end_crawl()
        state.close()
    order = {s.name: i for i, s in enumerate(specs)}
    return sorted(runs.tallies, key=lambda t: order.get(t.site, 0))


def watch(
    settings: Settings,
    specs: list[SiteSpec],
    delivery: Delivery,
    item_pipelines: Mapping[str, int],
    options: CrawlOptions | None = None,
    report: Callable[[SiteTally, float], None] | None = None,
    state: CrawlState | None = None,
) -> None:
    """Crawl every site on its own interval until SIGTERM/SIGINT; ``report`` hears each crawl and the next wait.

    ``state`` as for :func:`crawl`. A watch ends only by a signal, which drops the requests
    still scheduled, so it stays registered as not ended normally: the next crawl reads
    every feed in full once.
    """
    opts = options or CrawlOptions()
    scrapy_conf = scrapy_settings(settings, item_pipelines)
    # The reactor Scrapy wants must be installed before anything imports twisted's default one.
    install_reactor(scrapy_conf["TWISTED_REACTOR"], scrapy_conf["ASYNCIO_EVENT_LOOP"])
    from twisted.internet import reactor

    process = _SignalledProcess(scrapy_conf)
    logging.getLogger().setLevel(settings.log_level)
    logging.getLogger("scrapy").setLevel(_scrapy_level(settings))
    quiet_download_tracebacks()
    state = _open_state(settings, state)
    runs = _Runs(process, settings, delivery, state, opts)
    failures: dict[str, int] = {}
    stopping = False

    def stop() -> None:
        nonlocal stopping
        stopping = True

    def schedule(spec: SiteSpec) -> None:
        if stopping:
            return
        runs.start(spec).addCallback(lambda tally: finished(spec, tally))

    def finished(spec: SiteSpec, tally: SiteTally) -> None:
        broken = tally.unreachable or not tally.reached
        failures[spec.name] = failures.get(spec.name, 0) + 1 if broken else 0
        base = opts.interval if opts.interval is not None else spec.schedule.interval_minutes * 60
        wait = min(base * 2 ** failures[spec.name], max(base, MAX_BACKOFF.total_seconds()))
        if report is not None:
            report(tally, wait)
        if not stopping:
            reactor.callLater(wait, schedule, spec)

    process.on_signal = stop
    for spec in specs:
        reactor.callWhenRunning(schedule, spec)
    settle_long_lived_heap()  # as in crawl(): a watch lives for days
    try:
        process.start(stop_after_crawl=False)
    finally:
        delivery.close()
        state.close()
    logger.info("watch stopped", extra={"sites": len(specs), "at": datetime.now(UTC).isoformat()})
