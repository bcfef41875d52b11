"""One generic spider, specialised per site by its YAML file.

Discovery follows the site file: RSS/Atom feeds and sitemaps (conditional GET), the
WordPress REST API, listing and search pages with pagination. Article URLs (matched against
the site's patterns) are fetched once: the :class:`~crawlers.ledger.Ledger` skips what earlier
runs delivered unless its source says it changed or ``--refetch`` is given. A split article's
further pages are fetched in order and stitched. Listing pagination stops at the first page
with nothing new (a normal crawl) or once a page holds only articles older than ``--since``
(a backfill). Every article page ends in the ledger's tally as delivered, unchanged,
dead-lettered or a named failure; failed start points and listings are counted too.

Longer than the house's ~400 lines because discovery, paging and the accounting of each page
share the spider's per-run state (the ledger, the walks, the budget); splitting them into
mixins would scatter that state without making any part simpler.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote_plus, urlencode, urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip, gzip_magic_number
from twisted.python.failure import Failure

from crawlers.discovery import (
    DiscoveryError,
    Found,
    feed_entries,
    listing_links,
    next_page_links,
    sitemap_entries,
    wp_api_entries,
)
from crawlers.extract import continuation_body, extract_article, parse_page
from crawlers.ledger import Ledger, url_key
from crawlers.outcomes import failure_kind
from crawlers.page import continuation_urls, stitch
from crawlers.regionhint import region_hint_for
from crawlers.sitespec import SiteSpec
from pantau.articles import identity
from pantau.dates import DateCandidate
from pantau.delivery import Delivery
from pantau.schema import Article, PageExtract, RegionHint

logger = logging.getLogger(__name__)

#: Sitemaps may be large; article pages never are (see ``crawlers.settings.DOWNLOAD_MAXSIZE``).
SITEMAP_MAXSIZE = 64 * 1024 * 1024
# What an article request carries, and what a split article's further pages add (nothing of
# Scrapy's own per-response meta is copied forward).
_ARTICLE_META = ("resource", "key", "walk", "feed_date")
_CONTINUATION_META = ("page", "bodies", "queue", "done")
WP_API_PER_PAGE = 50


@dataclass
class Walk:
    """One listing or search being paged through."""

    kind: str  # "listing" or "search"
    template: str | None  # with {page} (and {query}); None: follow the "next" link
    page: int
    query: str = ""
    region: RegionHint | None = None
    pages_done: int = 0
    #: Article requests of the current page still open, and the dates of those that ended.
    pending: set[str] = field(default_factory=set)
    dates: list[datetime] = field(default_factory=list)
    articles: int = 0
    next_url: str | None = None


@dataclass(frozen=True)
class Window:
    """``--since``/``--until`` for a backfill; unset means a normal incremental crawl."""

    since: datetime | None = None
    until: datetime | None = None

    @property
    def backfill(self) -> bool:
        return self.since is not None

    def holds(self, found: Found) -> bool:
        newest = found.newest
        if newest is None:
            return True
        if self.since and newest < self.since:
            return False
        return not (self.until and found.published and found.published > self.until)


Callback = Callable[["SiteSpider", Response], Iterator[Any]]


def _guarded(resource: str) -> Callable[[Callback], Callback]:
    """A start point or listing whose body breaks the parser costs that page (``parse_error``), never the crawl."""

    def wrap(method: Callback) -> Callback:
        @functools.wraps(method)
        def inner(self: SiteSpider, response: Response) -> Iterator[Any]:
            try:
                yield from method(self, response)
            except Exception as exc:  # hostile input: counted, logged in one line
                self._discovery_failed(response, resource, exc)

        return inner

    return wrap


class SiteSpider(scrapy.Spider):
    """Base class; :func:`spider_for` makes the per-site subclass."""

    spec: ClassVar[SiteSpec]
    #: Where validated articles and dead letters go (Kafka or the embedded store).
    delivery: ClassVar[Delivery]

    def __init__(
        self,
        ledger: Ledger,
        base_url: str | None = None,
        max_articles: int = 200,
        window: Window | None = None,
        progress: Callable[[str, datetime | None, int], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # base_url points the spider at a mirror, e.g. the local fixture server in tests;
        # URLs are remembered and published under the site's own address.
        self.base_url = (base_url or self.spec.base_url).rstrip("/")
        host = urlsplit(self.base_url).hostname or ""
        self.allowed_domains = sorted({host, *self.spec.domains})
        self.ledger = ledger
        self.tally = ledger.tally
        self.max_articles = max_articles
        self.window = window or Window()
        # A window leaves entries of the feeds and sitemaps out; their validators must not
        # make the next crawl skip them (see Ledger.close).
        ledger.partial = self.window.since is not None or self.window.until is not None
        self.progress = progress
        self.article_requests = 0
        self.budget_spent = False
        self.region_hints: dict[str, RegionHint] = {}
        self.oldest: datetime | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider: SiteSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider.on_item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider.on_item_error, signal=signals.item_error)
        crawler.signals.connect(spider.on_response, signal=signals.response_received)
        return spider

    # --- addresses ------------------------------------------------------------------------

    def public(self, url: str) -> str:
        """The site's own address for a URL fetched from a mirror."""
        if self.base_url != self.spec.base_url and url.startswith(self.base_url):
            return self.spec.base_url + url[len(self.base_url) :]
        return url

    def local(self, url: str) -> str:
        """The URL to fetch: links to the site's own address go to the mirror when there is one."""
        if self.base_url != self.spec.base_url and url.startswith(self.spec.base_url):
            return self.base_url + url[len(self.spec.base_url) :]
        return url

    def _url(self, path_or_url: str) -> str:
        return self.local(urljoin(self.base_url + "/", path_or_url))

    # --- start points ---------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        s = self.spec.start
        for path in s.feeds:
            yield self._conditional(self._url(path), self.parse_feed, "feed")
        for path in [*s.sitemaps, *s.news_sitemaps]:
            yield self._conditional(self._url(path), self.parse_sitemap, "sitemap", maxsize=SITEMAP_MAXSIZE)
        if s.wp_api:
            yield self._api_request(1)
        for template in s.listings:
            yield from self._walk_start(Walk("listing", template if "{page}" in template else None, 0), template)
        for template in s.search:
            for keyword in s.keywords:
                walk = Walk("search", template if "{page}" in template else None, 0, query=keyword)
                yield from self._walk_start(walk, template)

    def _conditional(self, url: str, callback: Any, resource: str, maxsize: int | None = None) -> scrapy.Request:
        headers = {}
        validators = None if self.ledger.refetch else self.ledger.state.validators(self.public(url))
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        meta: dict[str, Any] = {"resource": resource, "handle_httpstatus_list": [304], "start": True}
        if maxsize:
            meta["download_maxsize"] = maxsize
        return scrapy.Request(url, callback=callback, errback=self.on_error, headers=headers, meta=meta)

    def _answered(self, response: Response) -> bool:
        """Count a start point's answer; ``False`` when it was 304 Not Modified (nothing to read)."""
        if response.meta.get("start"):
            self.tally.start_points_answered += 1
        if response.status == 304:
            self.tally.not_modified += 1
            return False
        return True

    def _save_validators(self, response: Response, children: list[str] | None = None) -> None:
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        self.ledger.save_validators(
            self.public(response.url),
            etag.decode("latin-1") if etag else None,
            modified.decode("latin-1") if modified else None,
            children,
        )

    def _discovery_failed(self, response: Response, resource: str, exc: Exception) -> None:
        self.tally.other_failure(resource, "parse_error", f"{self.public(response.url)}: {type(exc).__name__}: {exc}")
        logger.warning(
            "start point unreadable",
            extra={"site": self.name, "url": self.public(response.url), "resource": resource, "error": str(exc)},
        )

    # --- feeds, sitemaps, the WordPress API -----------------------------------------------

    @_guarded("feed")
    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if not self._answered(response):
            return
        try:
            entries = feed_entries(response.body, response.url, self.spec.zone)
        except DiscoveryError as exc:
            self._discovery_failed(response, "feed", exc)
            return
        self._save_validators(response)
        logger.info("feed read", extra={"site": self.name, "url": self.public(response.url), "links": len(entries)})
        # A feed is recent by nature: every entry not seen before is wanted (within a backfill window).
        yield from self._follow([e for e in entries if self.window.holds(e)])

    @_guarded("sitemap")
    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if not self._answered(response):
            # An unchanged index says nothing of its sitemaps (WordPress's carries no dates): ask each.
            known = self.ledger.state.validators(self.public(response.url))
            for child in known.children if known else ():
                yield self._conditional(self.local(child), self.parse_sitemap, "sitemap", SITEMAP_MAXSIZE)
            return
        body = response.body
        if gzip_magic_number(response):
            body = gunzip(body, max_size=SITEMAP_MAXSIZE)  # a broken archive raises: see _guarded
        kind, entries = sitemap_entries(body, response.url, self.spec.zone)
        self._save_validators(response, [self.public(e.url) for e in entries] if kind == "sitemapindex" else None)
        logger.info(
            "sitemap read",
            extra={"site": self.name, "url": self.public(response.url), "type": kind, "links": len(entries)},
        )
        if kind == "sitemapindex":
            for entry in entries:
                if self._recent_enough(entry):
                    # Scrapy's duplicate filter stops an index that lists itself or a loop of indexes.
                    yield self._conditional(self.local(entry.url), self.parse_sitemap, "sitemap", SITEMAP_MAXSIZE)
            return
        yield from self._follow([e for e in entries if self._recent_enough(e)])

    def _api_request(self, page: int) -> scrapy.Request:
        assert self.spec.start.wp_api
        params: dict[str, str | int] = {
            "per_page": WP_API_PER_PAGE,
            "page": page,
            "orderby": "modified",
            "_fields": "id,link,date_gmt,modified_gmt",
        }
        if self.window.since:
            params["after"] = self.window.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            params["orderby"] = "date"
        elif not self.ledger.refetch:
            recent = datetime.now(UTC) - timedelta(days=self.spec.politeness.recent_days)
            params["modified_after"] = recent.strftime("%Y-%m-%dT%H:%M:%S")
        if self.window.until:
            params["before"] = self.window.until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        url = self._url(self.spec.start.wp_api) + "?" + urlencode(params)
        meta = {"resource": "api", "api_page": page, "start": page == 1}
        return scrapy.Request(url, callback=self.parse_api, errback=self.on_error, meta=meta)

    @_guarded("api")
    def parse_api(self, response: Response) -> Iterator[scrapy.Request]:
        self._answered(response)
        try:
            entries = wp_api_entries(response.body)
        except DiscoveryError as exc:
            self._discovery_failed(response, "api", exc)
            return
        # Paging on while a page holds articles no earlier run knew (those a feed scheduled
        # a moment ago in this run count as new: see parse_listing).
        unseen = any(self.ledger.unseen_before(self.public(e.url)) for e in entries)
        yield from self._follow([e for e in entries if self.window.holds(e)])
        page = int(response.meta["api_page"])
        more = len(entries) >= WP_API_PER_PAGE and (unseen or self.window.backfill)
        if more and not self.budget_spent and page < 100:
            yield self._api_request(page + 1)

    def _recent_enough(self, found: Found) -> bool:
        """Sitemap entries worth a look: in the backfill window, or (normally) changed in the last days.

        A mirror (the fixture server) is a frozen copy, so its entries are all recent enough.
        """
        if self.window.backfill:
            return self.window.holds(found)
        if self.ledger.refetch or found.newest is None or self.base_url != self.spec.base_url:
            return True
        return found.newest >= datetime.now(UTC) - timedelta(days=self.spec.politeness.recent_days)

    def _follow(self, entries: list[Found]) -> Iterator[scrapy.Request]:
        # Newest first, so that a budget spends itself on fresh news.
        ordered = sorted(entries, key=lambda e: e.newest or datetime.max.replace(tzinfo=UTC), reverse=True)
        for entry in ordered:
            request = self._article_request(entry, None)
            if request is not None:
                yield request

    # --- listings and search --------------------------------------------------------------

    def _walk_url(self, walk: Walk, template: str) -> str:
        number = self.spec.pagination.first + walk.page * self.spec.pagination.step
        return self._url(template.format(page=number, query=quote_plus(walk.query)))

    def _walk_start(self, walk: Walk, template: str) -> Iterator[scrapy.Request]:
        url = self._walk_url(walk, template)
        walk.region = self._region_of(url)
        yield self._walk_request(walk, url, start=True)

    def _walk_request(self, walk: Walk, url: str, start: bool = False) -> scrapy.Request:
        walk.pending, walk.dates, walk.articles = set(), [], 0
        meta = {"resource": walk.kind, "walk": walk, "start": start}
        return scrapy.Request(url, callback=self.parse_listing, errback=self.on_error, meta=meta, dont_filter=True)

    def _region_of(self, url: str) -> RegionHint | None:
        path = urlsplit(self.public(url)).path
        for pattern in self.spec.region_patterns:
            m = pattern.search(path)
            if m:
                return region_hint_for(m["region"], path, self.spec.home_region)
        return None

    @_guarded("listing")
    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        walk: Walk = response.meta["walk"]
        self._answered(response)
        self.tally.listing_pages += 1
        if not isinstance(response, TextResponse):
            self.tally.other_failure(walk.kind, "binary_content", self.public(response.url))
            return
        links = listing_links(self.spec, response.url, response.text)
        region = walk.region if links.from_selectors else None
        walk.articles = len(links.urls)
        walk.pages_done += 1
        if walk.template is None:
            nexts = next_page_links(self.spec, response.url, response.text)
            walk.next_url = self.local(nexts[0]) if nexts else None
        new = [u for u in links.urls if self.ledger.is_new(self.public(u))]
        wanted = links.urls if self.ledger.refetch else new
        # Whether to page on is decided against earlier runs only: links a feed or sitemap
        # scheduled a moment ago in this run are still new to the site's history, and if
        # they stopped the walk, which start point answered first would decide how deep a
        # first crawl goes (a race seen in the tests: a 2020 article on page 2 was missed).
        unseen = any(self.ledger.unseen_before(self.public(u)) for u in links.urls)
        for url in links.urls:
            if url not in new:
                published = self.ledger.published_at(self.public(url))
                if published:
                    walk.dates.append(published)
        requests = []
        for url in wanted:
            if region is not None:
                self.region_hints.setdefault(url_key(self.public(url)), region)
            request = self._article_request(Found(url), walk if self.window.backfill else None)
            if request is not None:
                walk.pending.add(request.meta["key"])
                requests.append(request)
        yield from requests
        if not self.window.backfill or not walk.pending:
            # A normal crawl pages on while pages hold something new; a backfill waits for
            # this page's articles (their dates decide whether to go further back).
            yield from self._walk_on(walk, had_new=unseen or self.ledger.refetch)

    def _walk_on(self, walk: Walk, had_new: bool) -> Iterator[scrapy.Request]:
        if walk.articles == 0 or self.budget_spent:
            return
        if self.window.backfill:
            if walk.dates and max(walk.dates) < (self.window.since or datetime.min.replace(tzinfo=UTC)):
                logger.info("walked past the since date", extra={"site": self.name, "pages": walk.pages_done})
                return
        elif not had_new or walk.pages_done > self.spec.politeness.max_listing_pages:
            return
        if walk.template is not None:
            walk.page += 1
            yield self._walk_request(walk, self._walk_url(walk, walk.template))
        elif walk.next_url:
            yield self._walk_request(walk, walk.next_url)

    def _article_done(self, meta: dict[str, Any], published: datetime | None) -> Iterator[scrapy.Request]:
        if published is not None and (self.oldest is None or published < self.oldest):
            self.oldest = published
        if self.progress is not None:
            self.progress(self.name, self.oldest, self.tally.pages)
        walk: Walk | None = meta.get("walk")
        if walk is None or meta.get("key") not in walk.pending:
            return
        walk.pending.discard(meta["key"])
        if published is not None:
            walk.dates.append(published)
        if not walk.pending:
            yield from self._walk_on(walk, had_new=True)

    # --- articles -------------------------------------------------------------------------

    def _article_request(self, found: Found, walk: Walk | None) -> scrapy.Request | None:
        url = self.local(found.url)
        if not self.spec.is_article_path(urlsplit(url).path or "/"):
            return None
        if not self.ledger.wants(Found(self.public(url), found.published, found.modified)):
            return None
        if self.article_requests >= self.max_articles:
            if not self.budget_spent:
                logger.info("article budget reached", extra={"site": self.name, "max": self.max_articles})
            self.budget_spent = True
            self.ledger.partial = True
            self.ledger.scheduled.discard(url_key(self.public(url)))
            return None
        self.article_requests += 1
        key = url_key(self.public(url))
        meta: dict[str, Any] = {"resource": "article", "key": key, "walk": walk}
        if found.published is not None:
            meta["feed_date"] = found.published.isoformat()
        # The ledger already decided this URL is wanted once; Scrapy's duplicate filter would drop
        # a redirect back to a fetched URL (or a redirect loop) without a word.
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.on_error, meta=meta, priority=10, dont_filter=True
        )

    def _readable(self, response: Response) -> str | None:
        """The page's HTML, or ``None`` (counted) when it is not an HTML page at all."""
        if not isinstance(response, TextResponse) or b"\x00" in response.body[:4096]:
            self._fail_article(response.meta, "binary_content", self.public(response.url))
            return None
        return response.text

    def parse_article(self, response: Response) -> Iterator[PageExtract | scrapy.Request]:
        html = self._readable(response)
        if html is None:
            yield from self._article_done(response.meta, None)
            return
        key = response.meta["key"]
        extra = [DateCandidate(response.meta["feed_date"], "feed", "feed")] if "feed_date" in response.meta else []
        try:
            # Parsed once: the further pages' links are read before extraction drops elements.
            parsed = parse_page(self.spec, self.public(response.url), html)
            further = [self.local(u) for u in continuation_urls(self.spec, response.url, parsed)]
            page = extract_article(
                self.spec,
                self.public(response.url),
                parsed,
                datetime.now(UTC),
                region_hint=self.region_hints.get(key),
                extra_dates=extra,
            )
        except Exception as exc:  # hostile markup must cost one page, never the crawl
            self._fail_article(
                response.meta, "parse_error", f"{self.public(response.url)}: {type(exc).__name__}: {exc}"
            )
            yield from self._article_done(response.meta, None)
            return
        for miss in page.selector_misses:
            self.tally.selector_miss(miss)
        if further:
            meta = {k: response.meta[k] for k in _ARTICLE_META if k in response.meta}
            meta.update(page=page, bodies=[], queue=further, done={response.url})
            yield self._continuation(meta)
            return
        yield page

    def _continuation(self, meta: dict[str, Any]) -> scrapy.Request:
        url = meta["queue"].pop(0)
        meta = {**meta, "resource": "continuation"}
        meta["done"] = {*meta["done"], url}
        return scrapy.Request(
            url, callback=self.parse_continuation, errback=self.on_error, meta=meta, priority=20, dont_filter=True
        )

    def parse_continuation(self, response: Response) -> Iterator[PageExtract | scrapy.Request]:
        meta = {k: response.meta[k] for k in (*_ARTICLE_META, *_CONTINUATION_META) if k in response.meta}
        html = self._readable(response)
        if html is None:
            yield from self._article_done(meta, None)
            return
        parsed = parse_page(self.spec, response.url, html)
        links = continuation_urls(self.spec, response.url, parsed)  # before the body is read
        meta["bodies"] = [*meta["bodies"], continuation_body(self.spec, response.url, parsed)]
        for url in links:
            url = self.local(url)
            if url not in meta["done"] and url not in meta["queue"]:
                meta["queue"] = [*meta["queue"], url]
        if meta["queue"]:
            yield self._continuation(meta)
            return
        yield stitch(meta["page"], meta["bodies"])

    # --- how each page ended ----------------------------------------------------------------

    def _fail_article(self, meta: dict[str, Any], kind: str, example: str) -> None:
        if meta.get("resource") == "continuation":
            kind = f"incomplete:{kind}"
        self.ledger.failed(meta["key"], kind, example)
        logger.warning("article page failed", extra={"site": self.name, "kind": kind, "detail": example})

    def on_response(self, response: Response, request: scrapy.Request, spider: scrapy.Spider) -> None:
        if spider is self:
            self.tally.responses += 1

    def _schedule(self, requests: Iterator[scrapy.Request]) -> None:
        """Requests decided outside a callback (in a signal handler) go straight to the engine."""
        for request in requests:
            if self.crawler.engine is not None:
                self.crawler.engine.crawl(request)

    def on_item_scraped(self, item: Any, response: Response, spider: scrapy.Spider) -> None:
        if spider is self and isinstance(item, Article):
            self.ledger.delivered(response.meta["key"], item)
            self._schedule(self._article_done(response.meta, item.published_at))

    def on_item_dropped(self, item: Any, response: Response, exception: BaseException, spider: scrapy.Spider) -> None:
        if spider is not self:
            return
        reason = str(exception)
        key = response.meta["key"]
        if reason.startswith("unchanged"):
            self.ledger.unchanged(key, reason.partition(" ")[2] or None)
            published = self.ledger.published_at(key)
        else:
            page = item if isinstance(item, PageExtract) else None
            the_id = identity(page.url, page.canonical_hint, page.domains)[1] if page else None
            self.ledger.dead_lettered(key, page, reason, the_id)
            published = None
        self._schedule(self._article_done(response.meta, published))

    def on_item_error(self, item: Any, response: Response, spider: scrapy.Spider, failure: Failure) -> None:
        if spider is not self:
            return
        kind = "pipeline_" + failure_kind(failure)
        self._fail_article(response.meta, kind, f"{self.public(response.url)}: {failure.getErrorMessage()}")
        self._schedule(self._article_done(response.meta, None))

    def on_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = getattr(failure, "request", None)
        meta = request.meta if request is not None else {}
        url = self.public(request.url) if request is not None else "?"
        kind = failure_kind(failure)
        resource = meta.get("resource", "request")
        if resource in ("article", "continuation"):
            self._fail_article(meta, kind, f"{url}: {failure.getErrorMessage()}")
            yield from self._article_done(meta, None)
            return
        if resource in ("listing", "search") and kind == "http_404" and not meta.get("start"):
            # Paging past the last page of a listing is how a walk ends, not a failure.
            logger.info("listing ended", extra={"site": self.name, "url": url})
            return
        self.tally.other_failure(resource, kind, f"{url}: {failure.getErrorMessage()}")
        logger.warning(
            "request failed",
            extra={
                "site": self.name,
                "url": url,
                "resource": resource,
                "kind": kind,
                "detail": failure.getErrorMessage(),
            },
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
            "AUTOTHROTTLE_ENABLED": p.autothrottle,
            "DOWNLOAD_TIMEOUT": p.timeout,
            "RETRY_TIMES": p.retries,
        },
    }
    return type(f"{spec.name.title().replace('_', '')}Spider", (SiteSpider,), attrs)
