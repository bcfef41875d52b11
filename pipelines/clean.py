"""Clean: strip site furniture from the body and tidy the text.

The furniture patterns and the cleaning itself are pure and live in :mod:`pantau.furniture`;
this is only the Scrapy pipeline that applies them with the site's own ``drop_paragraphs``.
"""

from __future__ import annotations

from crawlers.items import ArticleItem
from pantau.furniture import clean_paragraphs
from pipelines.base import SitePipeline

__all__ = ["CleanPipeline", "clean_paragraphs"]  # crawlers.page still imports it from here


class CleanPipeline(SitePipeline):
    def process_item(self, item: ArticleItem) -> ArticleItem:
        extra = self.spider.spec.drop_patterns
        item.title = " ".join(item.title.split())
        item.paragraphs = clean_paragraphs(item.paragraphs, item.title, extra)
        return item
