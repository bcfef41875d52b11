"""What every Pantau item pipeline shares: access to the running site spider.

Scrapy is phasing out the ``spider`` argument of ``process_item``; the crawler given to
``from_crawler`` is the supported way to reach the spider, its site file and its delivery.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawlers.spiders.site import SiteSpider
from pantau.delivery import Delivery


class SitePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    @property
    def spider(self) -> SiteSpider:
        spider = self.crawler.spider
        assert isinstance(spider, SiteSpider), "Pantau pipelines run under site spiders"
        return spider

    @property
    def delivery(self) -> Delivery:
        return self.spider.delivery

    def count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
