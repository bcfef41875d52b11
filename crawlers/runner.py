"""Run site spiders in this process and report, per site, what happened.

The report is what an operator reads after ``pantau run``: how many articles were
delivered and dead-lettered, and, for a site that could not be reached, why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawlers import settings as crawler_settings
from crawlers.sitespec import SiteSpec
from crawlers.spiders.site import SiteSpider, spider_for
from pantau.config import Settings
from pantau.delivery import Delivery

logger = logging.getLogger(__name__)

# Failures that mean "we never got to talk to the site".
_UNREACHABLE = {
    "DNSLookupError",
    "CannotResolveHostError",
    "ConnectionRefusedError",
    "TCPTimedOutError",
    "TimeoutError",
    "ConnectError",
    "NoRouteError",
    "ConnectionLost",
    "ResponseNeverReceived",
    "TunnelError",
}


@dataclass
class SiteReport:
    site: str
    responses: int = 0
    delivered: int = 0
    dead_letters: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    failure_examples: dict[str, str] = field(default_factory=dict)

    @property
    def unreachable(self) -> bool:
        return self.responses == 0 and any(k in _UNREACHABLE for k in self.failures)

    def summary(self) -> str:
        if self.unreachable:
            kind = next(k for k in self.failures if k in _UNREACHABLE)
            return f"{self.site}: UNREACHABLE ({kind}: {self.failure_examples.get(kind, '')})"
        text = f"{self.site}: {self.delivered} article(s) delivered, {self.dead_letters} dead-lettered"
        if self.failures:
            text += ", failed requests: " + ", ".join(f"{k}={v}" for k, v in sorted(self.failures.items()))
        return text


def scrapy_settings(settings: Settings, item_pipelines: Mapping[str, int]) -> ScrapySettings:
    s = ScrapySettings()
    s.setmodule("crawlers.settings", priority="project")
    s.set("ITEM_PIPELINES", dict(item_pipelines), priority="project")
    s.set("USER_AGENT", settings.user_agent, priority="project")
    s.set("LOG_LEVEL", settings.log_level, priority="project")
    # Pantau's own key=value handler (pantau.logs) prints Scrapy's records too.
    s.set("LOG_INSTALL_ROOT_HANDLER", False, priority="project")
    return s


def crawl(
    settings: Settings,
    specs: list[SiteSpec],
    delivery: Delivery,
    item_pipelines: Mapping[str, int],
    base_urls: Mapping[str, str] | None = None,
    fast: bool = False,
) -> list[SiteReport]:
    """Crawl each site once (discover, fetch, extract, then the item pipelines). Blocks until all finish.

    ``item_pipelines`` is Scrapy's ``ITEM_PIPELINES`` (dotted path to order), given by the
    caller so that this package does not depend on the pipelines. ``base_urls`` points named
    sites at mirrors (the fixture server); ``fast`` drops politeness (delay, per-domain cap, robots.txt), which only
    makes sense against such a local mirror.
    """
    process = CrawlerProcess(scrapy_settings(settings, item_pipelines))
    # Scrapy lowers the root logger to NOTSET when it leaves handlers to us; at DEBUG it
    # would build a record (with the whole item) for every page.
    logging.getLogger().setLevel(settings.log_level)
    crawlers: list[tuple[SiteSpec, Crawler]] = []
    for spec in specs:
        spider_cls = spider_for(spec, delivery)
        if fast:
            spider_cls.custom_settings = {
                **(spider_cls.custom_settings or {}),
                "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False,
                # The site file's per-domain cap and robots.txt protect the real site; a
                # local mirror gets the crawler's full concurrency.
                "CONCURRENT_REQUESTS_PER_DOMAIN": crawler_settings.CONCURRENT_REQUESTS,
                "ROBOTSTXT_OBEY": False,
            }
        crawler = process.create_crawler(spider_cls)
        process.crawl(crawler, base_url=(base_urls or {}).get(spec.name), max_articles=settings.crawl_max_articles)
        crawlers.append((spec, crawler))
    try:
        process.start()
    finally:
        delivery.close()
    reports = []
    for spec, crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        spider = crawler.spider
        report = SiteReport(
            site=spec.name,
            responses=int(stats.get("downloader/response_count", 0)),
            delivered=int(stats.get("pantau/delivered", 0)),
            dead_letters=int(stats.get("pantau/dead_letter", 0)),
        )
        if isinstance(spider, SiteSpider):
            report.failures = dict(spider.failures)
            report.failure_examples = dict(spider.failure_examples)
        logger.info(
            "site crawled",
            extra={
                "site": spec.name,
                "delivered": report.delivered,
                "dead_letters": report.dead_letters,
                "responses": report.responses,
            },
        )
        reports.append(report)
    return reports
