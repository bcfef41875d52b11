"""One page through extraction, cleaning and normalisation, outside Scrapy.

The item pipelines run these same core functions inside a crawl; the registry test, the
expected-output generator and ``pantau sites check`` run them here on saved or fetched
pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawlers.extract import extract_article
from crawlers.sitespec import SiteSpec
from pantau.articles import build_article
from pantau.furniture import clean_paragraphs
from pantau.schema import Article, PageExtract, SchemaError


@dataclass(frozen=True)
class PageOutcome:
    """What the crawler makes of one page: the article, or why the page cannot be one."""

    page: PageExtract
    article: Article | None
    reason: str | None = None


def process_page(spec: SiteSpec, url: str, html: str, fetched_at: datetime) -> PageOutcome:
    """The article the crawler would deliver for this page, or the schema failure it would dead-letter."""
    page = extract_article(spec, url, html, fetched_at)
    page.title = " ".join(page.title.split())
    page.paragraphs = clean_paragraphs(page.paragraphs, page.title, spec.drop_patterns)
    try:
        return PageOutcome(page, build_article(page))
    except SchemaError as exc:
        return PageOutcome(page, None, exc.reason)
