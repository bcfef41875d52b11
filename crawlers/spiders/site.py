"""One generic spider, specialised per site by its YAML file.

Discovery follows the site file: RSS/Atom feeds, listing pages (with a bounded number
of "next" pages) and sitemaps (Scrapy's parser: sitemap indexes and gzip included) yield
article URLs, which are matched against the site's article patterns before they are fetched.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from crawlers.extract import extract_article
from crawlers.sitespec import SiteSpec
from pantau.delivery import Delivery
from pantau.schema import PageExtract

logger = logging.getLogger(__name__)


class SiteSpider(scrapy.Spider):
    """Base class; :func:`spider_for` makes the per-site subclass."""

    spec: ClassVar[SiteSpec]
    #: Where validated articles and dead letters go (Kafka or the embedded store).
    delivery: ClassVar[Delivery]

    def __init__(self, base_url: str | None = None, max_articles: int = 200, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # base_url points the spider at a mirror, e.g. the local fixture server in tests.
        self.base_url = (base_url or self.spec.base_url).rstrip("/")
        host = urlsplit(self.base_url).hostname or ""
        self.allowed_domains = sorted({host, *self.spec.domains})
        self.max_articles = max_articles
        self.seen: set[str] = set()
        self.listing_pages = 0
        #: Why requests failed, by exception name: what `pantau run` reports per site.
        self.failures: Counter[str] = Counter()
        self.failure_examples: dict[str, str] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        s = self.spec.start
        for path in s.feeds:
            yield self._request(path, self.parse_feed)
        for path in s.sitemaps:
            yield self._request(path, self.parse_sitemap)
        for path in s.listings:
            yield self._request(path, self.parse_listing)

    def _request(self, path_or_url: str, callback: Any) -> scrapy.Request:
        url = urljoin(self.base_url + "/", path_or_url)
        return scrapy.Request(url, callback=callback, errback=self.on_error)

    def _path(self, url: str) -> str:
        return urlsplit(url).path or "/"

    def is_article(self, url: str) -> bool:
        return any(p.search(self._path(url)) for p in self.spec.article_patterns)

    def is_listing(self, url: str) -> bool:
        return any(p.search(self._path(url)) for p in self.spec.listing_patterns)

    def _follow_articles(self, response: Response, urls: list[str]) -> Iterator[scrapy.Request]:
        for raw in urls:
            url = response.urljoin(raw.strip())
            if not self.is_article(url) or url in self.seen:
                continue
            if len(self.seen) >= self.max_articles:
                logger.info("article budget reached", extra={"site": self.name, "max": self.max_articles})
                return
            self.seen.add(url)
            yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        # RSS <link>text</link>, Atom <link href>; namespaces vary, so match local names.
        links = response.xpath(
            "//*[local-name()='item']/*[local-name()='link']/text()"
            " | //*[local-name()='entry']/*[local-name()='link']/@href"
        ).getall()
        logger.info("feed read", extra={"site": self.name, "url": response.url, "links": len(links)})
        yield from self._follow_articles(response, links)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        body = response.body
        if gzip_magic_number(response):
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        sitemap = Sitemap(body)
        locs = [entry["loc"] for entry in sitemap if entry.get("loc")]
        logger.info(
            "sitemap read", extra={"site": self.name, "url": response.url, "type": sitemap.type, "links": len(locs)}
        )
        if sitemap.type == "sitemapindex":
            # Scrapy's duplicate filter stops an index that lists itself or a loop of indexes.
            for loc in locs:
                yield scrapy.Request(response.urljoin(loc), callback=self.parse_sitemap, errback=self.on_error)
            return
        yield from self._follow_articles(response, locs)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        links = response.css("a::attr(href)").getall()
        yield from self._follow_articles(response, links)
        for raw in links:
            url = response.urljoin(raw)
            if (
                self.is_listing(url)
                and url not in self.seen
                and self.listing_pages < self.spec.politeness.max_listing_pages
            ):
                self.seen.add(url)
                self.listing_pages += 1
                yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error)

    def parse_article(self, response: Response) -> Iterator[PageExtract]:
        yield extract_article(self.spec, response.url, response.text, datetime.now(UTC))

    def on_error(self, failure: Failure) -> None:
        kind = failure.type.__name__ if failure.type else "Error"
        url = getattr(failure.request, "url", "?") if hasattr(failure, "request") else "?"
        self.failures[kind] += 1
        self.failure_examples.setdefault(kind, f"{url}: {failure.getErrorMessage()}")
        logger.warning(
            "request failed", extra={"site": self.name, "url": url, "error": kind, "detail": failure.getErrorMessage()}
        )


def spider_for(spec: SiteSpec, delivery: Delivery) -> type[SiteSpider]:
    """The spider class for one site, carrying its politeness settings and its delivery."""
    p = spec.politeness
    attrs = {
        "name": spec.name,
        "spec": spec,
        "delivery": delivery,
        "custom_settings": {
            "DOWNLOAD_DELAY": p.download_delay,
            "CONCURRENT_REQUESTS_PER_DOMAIN": p.concurrency,
            "ROBOTSTXT_OBEY": p.obey_robots,
        },
    }
    return type(f"{spec.name.title().replace('_', '')}Spider", (SiteSpider,), attrs)
