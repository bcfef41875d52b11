"""One page through extraction, cleaning and normalisation, outside Scrapy.

The pipelines run these same functions inside a crawl; the registry test, the expected-
output generator and ``pantau sites check`` run them here on saved or fetched pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawlers.extract import extract_article
from crawlers.sitespec import SiteSpec
from pipelines.clean import clean_paragraphs
from pipelines.normalise import normalise


def process_page(spec: SiteSpec, url: str, html: str, fetched_at: datetime) -> dict[str, Any]:
    """The article fields (before validation) the crawler would produce for this page."""
    item = extract_article(spec, url, html, fetched_at)
    item.title = " ".join(item.title.split())
    item.paragraphs = clean_paragraphs(item.paragraphs, item.title, spec.drop_patterns)
    return normalise(item, list(spec.domains))
