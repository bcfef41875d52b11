"""Clean: strip site furniture from the body and tidy the text.

The furniture patterns and the cleaning itself are pure and live in :mod:`pantau.furniture`;
this is only the Scrapy pipeline that applies them with the site's own ``drop_paragraphs``.
"""

from __future__ import annotations

from pantau.furniture import clean_paragraphs
from pantau.schema import PageExtract
from pipelines.base import SitePipeline


class CleanPipeline(SitePipeline):
    def process_item(self, item: PageExtract) -> PageExtract:
        extra = self.spider.spec.drop_patterns
        item.title = " ".join(item.title.split())
        item.paragraphs = clean_paragraphs(item.paragraphs, item.title, extra)
        return item
