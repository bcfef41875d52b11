"""Politeness beyond Scrapy's defaults: a site that says "come back later" is listened to.

Scrapy retries 429 and 503 answers at once; :class:`RetryAfterMiddleware` first makes the
site's download slot wait what ``Retry-After`` asks (seconds or an HTTP date), up to
:data:`MAX_WAIT`. A site asking for longer is not retried in this run: the page ends as an
``http_429`` (or ``http_503``) failure and the next run tries again.

:class:`OffsiteRedirectMiddleware` keeps the crawl on the site's declared domains through
redirects *and says so*: Scrapy's own offsite filter drops a redirected request without
telling the spider, so the page would vanish; here it ends as an ``offsite_redirect`` failure.
Robots.txt, per-site delay and concurrency and AutoThrottle are Scrapy's own, configured
per site in :func:`crawlers.spiders.site.spider_for`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

MAX_WAIT = 120.0


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds to wait; ``None`` when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in (429, 503):
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            return response
        if wait > MAX_WAIT:
            request.meta["dont_retry"] = True
            logger.warning("site asks to wait too long", extra={"url": request.url, "retry_after": wait})
            return response
        engine: Any = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is not None:
            key = downloader.get_slot_key(request)
            slot = downloader.slots.get(key)
            if slot is not None and slot.delay < wait:
                slot.delay = wait
                logger.info("slowing down as asked", extra={"slot": key, "retry_after": wait})
        return response


class OffsiteRedirectMiddleware:
    """Refuses a redirect that leaves the spider's ``allowed_domains``, through the request's errback."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteRedirectMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = response.urljoin(location.decode("latin-1"))
        domains = list(getattr(self.crawler.spider, "allowed_domains", None) or [])
        host = (urlsplit(target).hostname or "").lower()
        if domains and not any(host == d or host.endswith("." + d) for d in domains):
            raise IgnoreRequest(f"Filtered offsite redirect to {target}")
        return response
