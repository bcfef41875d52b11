"""Normalise: canonical URL, article id and a UTC publication date.

The date is taken from the page's machine-readable fields before its visible text, and
from a "Senin (02/09/2024)"-style mention in the body only as a last resort; the source
is recorded so an analyst can tell how much to trust it.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from crawlers.items import ArticleItem
from pantau.dates import ResolvedDate, dates_in_text, resolve_published
from pantau.schema import SCHEMA_VERSION, article_id
from pantau.urls import canonical_url, site_host
from pipelines.base import SitePipeline

SOURCE_ORDER = {"meta": 0, "jsonld": 1, "visible": 2, "body": 3}


def choose_canonical(url: str, hint: str | None, domains: list[str]) -> str:
    """The page's own ``rel=canonical`` when it stays on the outlet, else the fetched URL.

    A canonical pointing off-site (a syndication partner, a CMS bug) is not trusted, or
    one outlet's copy would take another's id.
    """
    if hint:
        try:
            hint_host = site_host(hint)
            if hint_host == site_host(url) or any(hint_host == d or hint_host.endswith("." + d) for d in domains):
                return canonical_url(hint)
        except ValueError:
            pass
    return canonical_url(url)


def normalise(item: ArticleItem, domains: list[str]) -> dict[str, Any]:
    canonical = choose_canonical(item.url, item.canonical_hint, domains)
    zone = ZoneInfo(item.timezone)
    candidates = sorted(item.date_candidates, key=lambda c: SOURCE_ORDER.get(c.source, 9))
    resolved = resolve_published(candidates, item.fetched_at, zone)
    if resolved is None:
        # Body text is the weakest witness: the first "Weekday (dd/mm/yyyy)" in the story.
        in_text = dates_in_text(" ".join(item.paragraphs[:4]), item.fetched_at, zone)
        resolved = ResolvedDate(in_text[0], "body") if in_text else None
    return {
        "schema_version": SCHEMA_VERSION,
        "id": article_id(canonical),
        "url": item.url,
        "canonical_url": canonical,
        "site": item.site,
        "title": item.title,
        "body": "\n\n".join(item.paragraphs),
        "published_at": resolved.value if resolved else None,
        "date_source": resolved.source if resolved else None,
        "fetched_at": item.fetched_at,
        "authors": item.authors,
        "tags": item.tags,
        "language": item.language,
        "home_region": item.home_region,
    }


class NormalisePipeline(SitePipeline):
    def process_item(self, item: ArticleItem) -> ArticleItem:
        item.fields = normalise(item, list(self.spider.spec.domains))
        return item
