"""Deliver: hand the validated article to Kafka or to the embedded store."""

from __future__ import annotations

from crawlers.items import ArticleItem
from pantau import metrics
from pipelines.base import SitePipeline


class DeliverPipeline(SitePipeline):
    def process_item(self, item: ArticleItem) -> ArticleItem:
        assert item.article is not None, "DeliverPipeline runs after ValidatePipeline"
        self.delivery.publish(item.article)
        metrics.RECORDS.labels(stage="crawl", outcome="delivered").inc()
        self.count("pantau/delivered")
        return item
