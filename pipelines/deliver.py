"""Deliver: hand the validated article to Kafka or to the embedded store."""

from __future__ import annotations

from scrapy import Spider
from scrapy.crawler import Crawler

from crawlers.items import ArticleItem
from pantau import metrics
from pantau.delivery import Delivery


class DeliverPipeline:
    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeliverPipeline:
        return cls(crawler.settings["PANTAU_DELIVERY"])

    def process_item(self, item: ArticleItem, spider: Spider) -> ArticleItem:
        assert item.article is not None, "DeliverPipeline runs after ValidatePipeline"
        self.delivery.publish(item.article)
        metrics.RECORDS.labels(stage="crawl", outcome="delivered").inc()
        spider.crawler.stats.inc_value("pantau/delivered")
        return item
