"""Field extraction from one article page: site selectors first, then generic fallbacks.

Pure: HTML in, :class:`~pantau.schema.PageExtract` out. The registry test runs it on
every site's saved pages; the spider runs it on live responses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawlers.sitespec import SiteSpec
from pantau.dates import DateCandidate, DateSource
from pantau.schema import PageExtract

# Tried after the site's own selectors: common CMS markup (WordPress, Disway, ANTARA).
GENERIC_TITLE = ["meta[property='og:title']::attr(content)", "h1::text", "title::text"]
GENERIC_BODY = [
    "[itemprop='articleBody']",
    "article .entry-content",
    ".entry-content",
    ".post-content",
    ".detail-content",
    ".post",
    "article",
]
GENERIC_DATES: list[tuple[str, DateSource]] = [
    ("meta[property='article:published_time']::attr(content)", "meta"),
    ("meta[name='pubdate']::attr(content)", "meta"),
    ("meta[itemprop='datePublished']::attr(content)", "meta"),
    ("time[datetime]::attr(datetime)", "meta"),
]
GENERIC_AUTHORS = ["meta[name='author']::attr(content)"]
GENERIC_TAGS = ["meta[property='article:tag']::attr(content)"]
# Always removed from the body before reading text: never prose.
ALWAYS_EXCLUDE = ["script", "style", "noscript", "iframe", "figure", "figcaption", "form", "ins"]
_BLOCKS = ".//p[not(ancestor::p)] | .//h2 | .//h3 | .//blockquote[not(.//p)] | .//li[not(.//p)]"


def _clean(text: str) -> str:
    return " ".join(text.split())


def _first_text(sel: Selector, queries: Iterable[str]) -> str:
    for query in queries:
        values = [_clean(v) for v in sel.css(query).getall()]
        text = _clean(" ".join(v for v in values if v))
        if text:
            return text
    return ""


def _all_texts(sel: Selector, queries: Iterable[str]) -> list[str]:
    for query in queries:
        values = [_clean(v) for v in sel.css(query).getall()]
        values = [v for v in values if v]
        if values:
            return list(dict.fromkeys(values))
    return []


def _paragraphs(sel: Selector, queries: Iterable[str], exclude: Iterable[str]) -> list[str]:
    for query in queries:
        found = sel.css(query)
        if not found:
            continue
        container = found[0]
        for bad in [*ALWAYS_EXCLUDE, *exclude]:
            container.css(bad).drop()
        blocks = [_clean(b.xpath("string(.)").get() or "") for b in container.xpath(_BLOCKS)]
        if not blocks:
            # Some CMSs separate paragraphs only with <br>; fall back to text lines.
            blocks = [_clean(t) for t in container.xpath(".//text()").getall()]
        blocks = [b for b in blocks if b]
        if blocks:
            return blocks
    return []


def _jsonld_dates(sel: Selector) -> list[DateCandidate]:
    found = []
    for raw in sel.css("script[type='application/ld+json']::text").getall():
        try:
            data: Any = json.loads(raw)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            node = stack.pop(0)
            if isinstance(node, dict):
                if isinstance(node.get("datePublished"), str):
                    found.append(DateCandidate(node["datePublished"], "jsonld"))
                stack.extend(v for v in node.values() if isinstance(v, dict | list))
            elif isinstance(node, list):
                stack.extend(node)
    return found


def extract_article(spec: SiteSpec, url: str, html: str, fetched_at: datetime) -> PageExtract:
    """Extract one page. Missing fields come back empty; validation decides what is fatal."""
    sel = Selector(text=html)
    s = spec.selectors
    dates = [DateCandidate(v, d.source) for d in s.published for v in sel.css(d.css).getall() if v.strip()]
    dates += _jsonld_dates(sel)
    dates += [DateCandidate(v, source) for query, source in GENERIC_DATES for v in sel.css(query).getall()]
    canonical = sel.css("link[rel='canonical']::attr(href)").get()
    return PageExtract(
        url=url,
        site=spec.name,
        fetched_at=fetched_at,
        title=_first_text(sel, [*s.title, *GENERIC_TITLE]),
        paragraphs=_paragraphs(sel, [*s.body, *GENERIC_BODY], s.body_exclude),
        date_candidates=dates,
        authors=_all_texts(sel, [*s.authors, *GENERIC_AUTHORS]),
        tags=_all_texts(sel, [*s.tags, *GENERIC_TAGS]),
        canonical_hint=urljoin(url, canonical.strip()) if canonical else None,
        language=spec.language,
        home_region=spec.home_region,
        timezone=spec.timezone,
        site_founded=spec.founded,
        domains=tuple(spec.domains),
    )
