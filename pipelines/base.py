"""What every Pantau item pipeline shares: access to the running site spider.

Scrapy is phasing out the ``spider`` argument of ``process_item``; the crawler given to
``from_crawler`` is the supported way to reach the spider. The pipelines need only two
things of it, declared here as protocols so that this package never imports the crawler
package: the site's rules (furniture to drop) and where finished records go.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

from scrapy.crawler import Crawler

from pantau.delivery import Delivery


class SiteRules(Protocol):
    @property
    def drop_patterns(self) -> list[re.Pattern[str]]:
        """Paragraphs matching any of these are the site's furniture, not body text."""


class SiteSpiderLike(Protocol):
    spec: SiteRules
    delivery: Delivery


class SitePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    @property
    def spider(self) -> SiteSpiderLike:
        spider = self.crawler.spider
        if not (hasattr(spider, "spec") and hasattr(spider, "delivery")):
            raise TypeError("Pantau pipelines run under site spiders (with .spec and .delivery)")
        return cast(SiteSpiderLike, spider)

    @property
    def delivery(self) -> Delivery:
        return self.spider.delivery

    def count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
