"""Deliver: hand the validated article to Kafka or to the embedded store."""

from __future__ import annotations

from pantau import metrics
from pantau.schema import Article
from pipelines.base import SitePipeline


class DeliverPipeline(SitePipeline):
    def process_item(self, item: Article) -> Article:
        self.spider.delivery.publish(item)
        metrics.RECORDS.labels(stage="crawl", outcome="delivered").inc()
        self.count("pantau/delivered")
        return item
