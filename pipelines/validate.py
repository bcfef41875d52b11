"""Validate: the item must fit the article contract, or it goes to the dead letters.

A page that yields no title or no body is not dropped quietly: an operator needs to
see that the site's selectors stopped matching.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from crawlers.items import ArticleItem
from pantau import metrics
from pantau.delivery import dead_letter
from pantau.schema import SchemaError, parse_article
from pipelines.base import SitePipeline

logger = logging.getLogger(__name__)


class ValidatePipeline(SitePipeline):
    def process_item(self, item: ArticleItem) -> ArticleItem:
        try:
            item.article = parse_article(item.fields)
        except SchemaError as exc:
            metrics.RECORDS.labels(stage="crawl", outcome="dead_letter").inc()
            self.count("pantau/dead_letter")
            self.delivery.dead_letter(
                dead_letter(
                    "crawl", f"schema: {exc.reason}", item.fields, source=item.url, article_id=item.fields.get("id")
                )
            )
            logger.warning("item failed the schema", extra={"site": item.site, "url": item.url, "reason": exc.reason})
            raise DropItem(f"schema: {exc.reason}") from exc
        return item
