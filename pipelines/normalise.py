"""Normalise: the cleaned page becomes a contract article, or a dead letter with the reason.

Canonical URL, id and publication date are derived in the core
(:func:`pantau.articles.build_article`), the same code ``pantau sites check`` runs. A page
that yields no title or no body is not dropped quietly: an operator needs to see that the
site's selectors stopped matching, so it is dead-lettered and counted.

The crawl's memory then says which version the article is: a page fetched again whose
content (and modification date) did not change is dropped as ``unchanged`` (the spider counts
it as such); a changed one goes on as the next version of the same id.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from pantau import metrics
from pantau.articles import build_article, identity
from pantau.delivery import dead_letter
from pantau.schema import Article, PageExtract, SchemaError
from pipelines.base import SitePipeline

logger = logging.getLogger(__name__)


class NormalisePipeline(SitePipeline):
    def process_item(self, item: PageExtract) -> Article:
        try:
            article = build_article(item)
        except SchemaError as exc:
            metrics.RECORDS.labels(stage="crawl", outcome="dead_letter").inc()
            self.count("pantau/dead_letter")
            _, the_id = identity(item.url, item.canonical_hint, item.domains)
            letter = dead_letter("crawl", f"schema: {exc.reason}", item.to_json(), source=item.url, article_id=the_id)
            self.delivery.dead_letter(letter)
            logger.warning("item failed the schema", extra={"site": item.site, "url": item.url, "reason": exc.reason})
            raise DropItem(f"schema: {exc.reason}") from exc
        revised = self.spider.ledger.revise(article)
        if revised is None:
            raise DropItem(f"unchanged {article.id}", log_level="DEBUG")
        return revised
