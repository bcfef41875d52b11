"""What every Pantau item pipeline shares: access to the running site spider.

Scrapy is phasing out the ``spider`` argument of ``process_item``; the crawler given to
``from_crawler`` is the supported way to reach the spider. The pipelines need only two
things of it, declared here as protocols so that this package never imports the crawler
package: the site's rules (furniture to drop), where finished records go, and the crawl's
memory of what it published (which version a changed article is).
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

from scrapy.crawler import Crawler

from pantau.delivery import Delivery
from pantau.schema import Article


class SiteRules(Protocol):
    @property
    def drop_patterns(self) -> list[re.Pattern[str]]:
        """Paragraphs matching any of these are the site's furniture, not body text."""


class Versions(Protocol):
    def revise(self, article: Article) -> Article | None:
        """The article with its version number, or ``None`` when it is unchanged since it was published."""


class SiteSpiderLike(Protocol):
    spec: SiteRules
    delivery: Delivery
    ledger: Versions


class SitePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    @property
    def spider(self) -> SiteSpiderLike:
        spider = self.crawler.spider
        if not (hasattr(spider, "spec") and hasattr(spider, "delivery") and hasattr(spider, "ledger")):
            raise TypeError("Pantau pipelines run under site spiders (with .spec, .delivery and .ledger)")
        return cast(SiteSpiderLike, spider)

    @property
    def delivery(self) -> Delivery:
        return self.spider.delivery

    def count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
