"""Validate: the item must fit the article contract, or it goes to the dead letters.

A page that yields no title or no body is not dropped quietly: an operator needs to
see that the site's selectors stopped matching.
"""

from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.items import ArticleItem
from pantau import metrics
from pantau.delivery import Delivery, dead_letter
from pantau.schema import SchemaError, parse_article

logger = logging.getLogger(__name__)


class ValidatePipeline:
    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler.settings["PANTAU_DELIVERY"])

    def process_item(self, item: ArticleItem, spider: Spider) -> ArticleItem:
        try:
            item.article = parse_article(item.fields)
        except SchemaError as exc:
            metrics.RECORDS.labels(stage="crawl", outcome="dead_letter").inc()
            spider.crawler.stats.inc_value("pantau/dead_letter")
            self.delivery.dead_letter(dead_letter("crawl", f"schema: {exc.reason}", item.fields,
                                                  source=item.url, article_id=item.fields.get("id")))
            logger.warning("item failed the schema", extra={"site": item.site, "url": item.url,
                                                            "reason": exc.reason})
            raise DropItem(f"schema: {exc.reason}") from exc
        return item
